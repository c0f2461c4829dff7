"""Equity measures: hand examples, known properties and brute-force references."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.analysis.equity import (
    share_below,
    theil_decomposition,
    theil_t,
    weighted_gini,
    weighted_mean,
    weighted_quantile,
)
from planner.errors import InputError


def _gini_pairs(x, w):
    """Σ_i Σ_j w_i w_j |x_i - x_j| / (2 W² μ), written out."""
    x, w = np.asarray(x, float), np.asarray(w, float)
    big_w, mu = w.sum(), (w * x).sum() / w.sum()
    return float((w[:, None] * w[None, :] * np.abs(x[:, None] - x[None, :])).sum() / (2 * big_w**2 * mu))


def test_gini_hand_examples():
    assert weighted_gini([0, 0, 0, 1]) == pytest.approx(0.75)  # one holds everything among four
    assert weighted_gini([1, 3]) == pytest.approx(0.25)  # |1-3| * 2 / (2 * 4 * 2)
    assert weighted_gini([5, 5, 5], [1, 2, 3]) == 0.0
    assert weighted_gini([1, 3], [3, 1]) == pytest.approx(_gini_pairs([1, 3], [3, 1]))
    assert math.isnan(weighted_gini([0, 0], [1, 1]))  # mean 0: undefined
    assert math.isnan(weighted_gini([1, 2], [0, 0]))  # no weight


def test_theil_hand_examples():
    # x = 1, 3 (equal weights): mean 2, T = (0.5 ln 0.5 + 1.5 ln 1.5) / 2
    assert theil_t([1, 3]) == pytest.approx((0.5 * math.log(0.5) + 1.5 * math.log(1.5)) / 2)
    assert theil_t([4, 4, 4]) == 0.0
    # one of n holds everything: T = ln n (0 ln 0 = 0)
    assert theil_t([0, 0, 0, 7]) == pytest.approx(math.log(4))


def test_theil_decomposition_hand_example():
    # groups a = {1, 3}, b = {6}; W = 3, mean 10/3
    x, groups = [1, 3, 6], ["a", "a", "b"]
    d = theil_decomposition(x, None, groups)
    assert d.total == pytest.approx(theil_t(x))
    mu = 10 / 3
    s_a, s_b = 4 / 10, 6 / 10
    assert d.between == pytest.approx(s_a * math.log(2 / mu) + s_b * math.log(6 / mu))
    assert d.within == pytest.approx(s_a * theil_t([1, 3]))
    # every group equal inside: all inequality is between
    d2 = theil_decomposition([2, 2, 5, 5], [1, 3, 2, 2], ["a", "a", "b", "b"])
    assert d2.within == pytest.approx(0.0, abs=1e-15) and d2.between == pytest.approx(d2.total)


def test_quantile_share_mean():
    x, w = [10, 0, 5], [1, 2, 1]
    assert weighted_mean(x, w) == pytest.approx(15 / 4)
    assert weighted_quantile(x, w, 0.5) == 0  # half the weight sits at 0
    assert weighted_quantile(x, w, 0.51) == 5
    assert weighted_quantile(x, w, 1.0) == 10
    assert weighted_quantile(x, w, 0.0) == 0
    assert share_below(x, w, 5) == pytest.approx(0.5)  # strictly below
    assert share_below(x, w, 5.0001) == pytest.approx(0.75)


def test_bad_input_is_refused():
    with pytest.raises(InputError):
        weighted_gini([1, np.nan], [1, 1])
    with pytest.raises(InputError):
        theil_t([1, 2], [1])
    with pytest.raises(InputError):
        share_below([-1, 2], None, 1)
    with pytest.raises(InputError):
        weighted_quantile([1, 2], None, 1.5)


_values = st.lists(st.integers(0, 50), min_size=1, max_size=12)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_weighted_equals_replicated_and_invariant(data):
    """Integer weights = the values repeated; scaling values or weights changes nothing."""
    x = np.array(data.draw(_values), dtype=float)
    w = np.array(data.draw(st.lists(st.integers(0, 6), min_size=len(x), max_size=len(x))), dtype=float)
    groups = np.array(data.draw(st.lists(st.sampled_from("abc"), min_size=len(x), max_size=len(x))), dtype=object)
    rep = np.repeat(x, w.astype(int))
    rep_g = np.repeat(groups, w.astype(int))
    if rep.sum() <= 0:
        assert math.isnan(weighted_gini(x, w)) and math.isnan(theil_t(x, w))
        return
    assert weighted_gini(x, w) == pytest.approx(weighted_gini(rep), abs=1e-12)
    assert weighted_gini(x, w) == pytest.approx(_gini_pairs(x[w > 0], w[w > 0]), abs=1e-12)
    assert theil_t(x, w) == pytest.approx(theil_t(rep), abs=1e-12)
    d, d_rep = theil_decomposition(x, w, groups), theil_decomposition(rep, None, rep_g)
    assert (d.within, d.between) == pytest.approx((d_rep.within, d_rep.between), abs=1e-12)
    assert d.total == pytest.approx(d.within + d.between, abs=1e-12)
    assert d.total == pytest.approx(theil_t(x, w), abs=1e-12)
    for q in (0.1, 0.5, 0.9):
        assert weighted_quantile(x, w, q) == np.sort(rep)[max(math.ceil(q * len(rep)) - 1, 0)]
    assert share_below(x, w, 7) == pytest.approx((rep < 7).mean())
    # scale invariance (values and weights)
    assert weighted_gini(3.5 * x, w) == pytest.approx(weighted_gini(x, w), abs=1e-12)
    assert weighted_gini(x, 2.5 * w) == pytest.approx(weighted_gini(x, w), abs=1e-12)
    assert theil_t(3.5 * x, 2.5 * w) == pytest.approx(theil_t(x, w), abs=1e-12)
    assert 0 <= weighted_gini(x, w) < 1 and 0 <= theil_t(x, w) <= math.log(len(rep)) + 1e-12
