"""How unequal accessibility is: weighted Gini, Theil T and its township decomposition, shares below a line.

Every measure takes values ``x`` (e.g. places per 1,000 older people per
settlement) and weights ``w`` (the older people of each settlement) and is
the measure of the population in which each settlement's value is held by
``w`` people: a weighted measure equals the unweighted one of the values
repeated ``w`` times (integer weights), and is unchanged when every weight or
every value is multiplied by the same positive number.

Definitions (``W = Σ w``, ``μ = Σ w x / W``):

* Gini: ``G = Σ_i Σ_j w_i w_j |x_i - x_j| / (2 W² μ)`` (the population Gini,
  without the ``n / (n - 1)`` sample correction; 0 when all are equal).
* Theil T: ``T = Σ (w_i / W) (x_i / μ) ln(x_i / μ)`` with ``0 ln 0 = 0``;
  ``0 <= T <= ln W`` for integer weights.  By groups g (townships) with
  older people ``W_g``, mean ``μ_g`` and share of the total ``s_g = W_g μ_g / (W μ)``:
  ``T = Σ s_g T_g`` (within) ``+ Σ s_g ln(μ_g / μ)`` (between) (Theil 1967;
  Shorrocks 1980).
* Weighted quantile ``q``: the smallest value whose cumulative weight reaches
  ``q W`` (the inverse of the weighted distribution function).
* Share below a threshold: older people in settlements whose value is
  strictly below it, over all older people counted.

Values must be finite and non-negative and weights non-negative; whoever
calls these leaves unknown values out first and counts them (see
:mod:`planner.analysis.access`).  A measure that is undefined (no weight, or a
mean of 0 for Gini and Theil) is NaN.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from planner.errors import InputError

__all__ = ["weighted_gini", "theil_t", "theil_decomposition", "TheilDecomposition", "weighted_quantile",
           "weighted_mean", "share_below"]


def _clean(x: Sequence[float] | np.ndarray, w: Sequence[float] | np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Values and weights as float arrays, checked: same length, finite, non-negative."""
    x = np.asarray(x, dtype=float).ravel()
    w = np.ones_like(x) if w is None else np.asarray(w, dtype=float).ravel()
    if x.shape != w.shape:
        raise InputError(f"values ({x.size}) and weights ({w.size}) differ in length; give one weight per value")
    if not (np.isfinite(x).all() and np.isfinite(w).all()):
        raise InputError("values and weights must be finite; leave unknown values out first (and count them)")
    if (x < 0).any() or (w < 0).any():
        raise InputError("values and weights must be non-negative")
    return x, w


def _total_and_mean(x: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """The weights' sum and the weighted mean of clean values (the mean NaN when the weights sum to 0)."""
    total = float(w.sum())
    return total, float((w * x).sum() / total) if total > 0 else float("nan")


def weighted_mean(x: Sequence[float] | np.ndarray, w: Sequence[float] | np.ndarray | None = None) -> float:
    """Weighted mean ``Σ w x / Σ w`` (NaN when the weights sum to 0).

    Parameters
    ----------
    x, w : array_like
        Values and their weights (default: all 1).

    Returns
    -------
    float
    """
    return float(_total_and_mean(*_clean(x, w))[1])


def weighted_gini(x: Sequence[float] | np.ndarray, w: Sequence[float] | np.ndarray | None = None) -> float:
    """Weighted Gini coefficient (see the module docstring), in O(n log n).

    Parameters
    ----------
    x, w : array_like
        Values and their weights (default: all 1).

    Returns
    -------
    float
        In ``[0, 1)``; NaN when the weights sum to 0 or the mean is 0.
    """
    x, w = _clean(x, w)
    total, mean = _total_and_mean(x, w)
    if not mean > 0:
        return float("nan")
    order = np.argsort(x, kind="stable")
    xs, ws = x[order], w[order]
    cum_w = np.cumsum(ws) - ws  # weight strictly before each value in sorted order
    cum_wx = np.cumsum(ws * xs) - ws * xs
    pair_sum = 2.0 * np.sum(ws * (xs * cum_w - cum_wx))  # Σ_i Σ_j w_i w_j |x_i - x_j|
    return float(pair_sum / (2.0 * total * total * mean))


def theil_t(x: Sequence[float] | np.ndarray, w: Sequence[float] | np.ndarray | None = None) -> float:
    """Theil's T index (see the module docstring); NaN when the weights sum to 0 or the mean is 0.

    Parameters
    ----------
    x, w : array_like
        Values and their weights (default: all 1).

    Returns
    -------
    float
    """
    x, w = _clean(x, w)
    total, mean = _total_and_mean(x, w)
    if not mean > 0:
        return float("nan")
    r = x / mean
    terms = np.where(r > 0, r * np.log(np.where(r > 0, r, 1.0)), 0.0)
    return float(max((w * terms).sum() / total, 0.0))


@dataclass(frozen=True)
class TheilDecomposition:
    """Theil T split into the part within groups and the part between them (``total = within + between``)."""

    total: float
    within: float
    between: float


def theil_decomposition(x: Sequence[float] | np.ndarray, w: Sequence[float] | np.ndarray | None,
                        groups: Sequence[object] | np.ndarray) -> TheilDecomposition:
    """Theil T and its within/between decomposition over ``groups`` (e.g. townships).

    Parameters
    ----------
    x, w : array_like
        Values and their weights (``w`` None: all 1).
    groups : array_like
        Group label of each value.

    Returns
    -------
    TheilDecomposition
        All NaN when the weights sum to 0 or the mean is 0.
    """
    x, w = _clean(x, w)
    labels = np.asarray(groups, dtype=object).ravel()
    if labels.shape != x.shape:
        raise InputError(f"groups ({labels.size}) and values ({x.size}) differ in length; give one group per value")
    total_w = w.sum()
    mean = (w * x).sum() / total_w if total_w > 0 else 0.0
    if total_w <= 0 or mean <= 0:
        nan = float("nan")
        return TheilDecomposition(nan, nan, nan)
    codes = np.unique(labels.astype(str), return_inverse=True)[1]
    wg = np.bincount(codes, weights=w)
    sg = np.bincount(codes, weights=w * x) / (total_w * mean)  # each group's share of the total
    within = between = 0.0
    for g in np.flatnonzero(sg > 0):
        members = codes == g
        mean_g = (w[members] * x[members]).sum() / wg[g]
        within += sg[g] * theil_t(x[members], w[members])
        between += sg[g] * np.log(mean_g / mean)
    return TheilDecomposition(float(within + between), float(within), float(between))


def weighted_quantile(x: Sequence[float] | np.ndarray, w: Sequence[float] | np.ndarray | None, q: float) -> float:
    """The smallest value whose cumulative weight reaches ``q`` of the total (NaN without weight).

    Parameters
    ----------
    x, w : array_like
        Values and their weights (``w`` None: all 1).
    q : float
        In ``[0, 1]`` (0.5: the weighted median; 0.1: the 10th percentile).

    Returns
    -------
    float
    """
    if not 0.0 <= q <= 1.0:
        raise InputError(f"q = {q!r} must be between 0 and 1")
    x, w = _clean(x, w)
    keep = w > 0
    x, w = x[keep], w[keep]
    if not len(x):
        return float("nan")
    order = np.argsort(x, kind="stable")
    cum = np.cumsum(w[order])
    pos = int(np.searchsorted(cum, q * cum[-1] * (1 - 1e-12), side="left"))
    return float(x[order][min(pos, len(x) - 1)])


def share_below(x: Sequence[float] | np.ndarray, w: Sequence[float] | np.ndarray | None, threshold: float) -> float:
    """Share of the weight held by values strictly below ``threshold`` (NaN without weight).

    Parameters
    ----------
    x, w : array_like
        Values and their weights (``w`` None: all 1).
    threshold : float

    Returns
    -------
    float
    """
    x, w = _clean(x, w)
    total = w.sum()
    return float(w[x < threshold].sum() / total) if total > 0 else float("nan")
