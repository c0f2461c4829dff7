"""reach_counts: per facility, settlements (and their weight) within a cutoff, without the pairs.

Checked against networkx (``single_source_dijkstra`` on the engine's split graph, through
:func:`planner.testing.reference_times`) and against the row sums of ``reach_matrix``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planner.config import default_config
from planner.errors import InputError
from planner.network import random_points_near, synthetic_road_network
from planner.routing import RoutingGraph, reach_counts, reach_matrix
from planner.testing import network_from_local_xy, points_from_local_xy, reference_times

PROFILES = default_config().profiles
EPS = 1e-6  # the reference's times and the engine's may differ in the last bits: nothing lies this close


def _reference_counts(graph, F, S, cutoff, weights, max_snap):
    """Per facility, settlements within ``cutoff`` by networkx (and their weight); also at cutoff -/+ EPS."""
    ref = reference_times(graph, S, F, max_snap_m=max_snap)  # settlements x facilities
    within = ref <= cutoff
    band = (np.abs(ref - cutoff) <= EPS).sum()
    return within.sum(axis=0), (within * weights[:, None]).sum(axis=0), band


def _row_sums(rm, weights):
    """Entries per row of a reach matrix and the weights of their columns."""
    coo = rm.times.tocoo()
    n = rm.times.shape[0]
    return (np.bincount(coo.row, minlength=n),
            np.bincount(coo.row, weights=weights[coo.col], minlength=n))


@pytest.fixture(scope="module")
def synthetic():
    net = synthetic_road_network(3_000, seed=5)
    S = random_points_near(net, 150, seed=6, max_offset_m=400.0, prefix="S")
    F = random_points_near(net, 12, seed=7, max_offset_m=200.0, prefix="F")
    weights = np.random.default_rng(3).integers(0, 400, len(S)).astype(float) + 0.25
    return net, S, F, weights


@pytest.mark.parametrize("pname,cutoff", [("walk", 1200.0), ("drive", 300.0), ("walk", 0.0)])
def test_counts_equal_networkx_and_reach_matrix(synthetic, pname, cutoff):
    net, S, F, weights = synthetic
    g = RoutingGraph.from_network(net, PROFILES[pname])
    rc = reach_counts(g, F, S, cutoff_s=cutoff, weights=weights, max_snap_m=300.0)
    assert rc.table.index.equals(F.index) and rc.cutoff_s == cutoff and rc.profile == pname
    n_ref, w_ref, band = _reference_counts(g, F, S, cutoff, weights, 300.0)
    assert band == 0  # so the comparison below cannot hinge on the last bits of a time
    np.testing.assert_array_equal(rc.table["settlements"].to_numpy(), n_ref)
    np.testing.assert_allclose(rc.table["weight"].to_numpy(), w_ref, rtol=1e-12)
    n_rm, w_rm = _row_sums(reach_matrix(g, F, S, cutoff_s=cutoff, max_snap_m=300.0), weights)
    np.testing.assert_array_equal(rc.table["settlements"].to_numpy(), n_rm)
    np.testing.assert_allclose(rc.table["weight"].to_numpy(), w_rm, rtol=1e-12)
    if cutoff > 0:
        assert n_ref.sum() > len(F)  # the case reaches something worth counting


def test_threads_share_the_work_and_agree(synthetic, monkeypatch):
    """Searches shared out over threads (inline budget of one node) agree with one thread and with the matrix."""
    from planner.routing import parallel

    net, S, _, weights = synthetic
    g = RoutingGraph.from_network(net, PROFILES["walk"])
    F = random_points_near(net, 300, seed=8, max_offset_m=200.0, prefix="F")
    one = reach_counts(g, F, S, cutoff_s=1500.0, weights=weights, max_snap_m=300.0, n_threads=1)
    monkeypatch.setattr(parallel, "_INLINE_WORK", 1)
    two = reach_counts(g, F, S, cutoff_s=1500.0, weights=weights, max_snap_m=300.0, n_threads=2)
    pd.testing.assert_frame_equal(one.table, two.table)
    n_rm, w_rm = _row_sums(reach_matrix(g, F, S, cutoff_s=1500.0, max_snap_m=300.0), weights)
    np.testing.assert_array_equal(one.table["settlements"].to_numpy(), n_rm)
    np.testing.assert_allclose(one.table["weight"].to_numpy(), w_rm, rtol=1e-12)
    assert (n_rm > 0).sum() > len(F) // 2


def _two_pieces():
    """A one-way street 0 -> 1 (1 km) and a separate street 2 - 3 (1 km), 5 km away."""
    return network_from_local_xy([(0, 0), (1000, 0), (0, 5000), (1000, 5000)],
                                 [(0, 1, "residential", 1), (2, 3, "residential", 0)])


def test_unreachable_unlinked_and_duplicate_points_by_hand():
    g = RoutingGraph.from_network(_two_pieces(), PROFILES["drive"])
    # S0 upstream of F0 on the one-way street, S1 downstream (trapped: one-way leads away),
    # S2 and S3 on one spot next to F0 (duplicates), S4 on the other piece, S5 far from every road
    S = points_from_local_xy([(100, 10), (950, 10), (890, 10), (890, 10), (500, 5010), (500, 2500)],
                             prefix="S", kind=["village"] * 6)
    # F0 on the one-way street, F1 at the same spot (duplicate), F2 far from every road
    F = points_from_local_xy([(900, 0), (900, 0), (500, -2500)], prefix="F")
    w = pd.Series([1.0, 2.0, 4.0, 8.0, 16.0, 32.0], index=S.index)
    rc = reach_counts(g, F, S, cutoff_s=3600.0, weights=w, max_snap_m=100.0)
    t = rc.table
    assert t["settlements"].tolist() == [3, 3, 0] and t["weight"].tolist() == [13.0, 13.0, 0.0]
    assert rc.n_unlinked_facilities == 1 and not rc.facility_snapping.loc["F2", "ok"]
    assert not rc.settlement_snapping.loc["S5", "ok"]
    n_ref, w_ref, _ = _reference_counts(g, F, S, 3600.0, w.to_numpy(), 100.0)
    assert n_ref.tolist() == [3, 3, 0] and w_ref.tolist() == [13.0, 13.0, 0.0]
    # a cutoff between the duplicates' time and S0's: only the two on one spot
    ref = reference_times(g, S, F, max_snap_m=100.0)
    mid = (ref[2, 0] + ref[0, 0]) / 2
    assert reach_counts(g, F, S, cutoff_s=mid, max_snap_m=100.0).table["settlements"].tolist() == [2, 2, 0]
    # no weights: the weight is the count
    plain = reach_counts(g, F, S, cutoff_s=3600.0, max_snap_m=100.0).table
    assert plain["weight"].tolist() == [3.0, 3.0, 0.0]


def test_weights_aligned_checked_and_inputs_untouched():
    g = RoutingGraph.from_network(_two_pieces(), PROFILES["walk"])
    S = points_from_local_xy([(100, 10), (950, 10), (500, 5010)], prefix="S")
    F = points_from_local_xy([(900, 0)], prefix="F")
    before = S.copy()
    arr = reach_counts(g, F, S, cutoff_s=3600.0, weights=[1.0, 2.0, 4.0], max_snap_m=100.0)
    shuffled = pd.Series([4.0, 1.0, 2.0], index=S.index[[2, 0, 1]])
    ser = reach_counts(g, F, S, cutoff_s=3600.0, weights=shuffled, max_snap_m=100.0)
    pd.testing.assert_frame_equal(arr.table, ser.table)
    assert arr.table.loc["F0", "weight"] == 3.0
    pd.testing.assert_frame_equal(S, before)
    with pytest.raises(InputError, match="finite.*S1"):
        reach_counts(g, F, S, cutoff_s=60.0, weights=[1.0, np.nan, 2.0])
    with pytest.raises(InputError, match="one number per settlement"):
        reach_counts(g, F, S, cutoff_s=60.0, weights=[1.0, 2.0])
    with pytest.raises(InputError, match="missing.*S2"):
        reach_counts(g, F, S, cutoff_s=60.0, weights=pd.Series([1.0, 2.0], index=S.index[:2]))
    with pytest.raises(InputError, match="cutoff_s"):
        reach_counts(g, F, S, cutoff_s=-1.0)
    empty = reach_counts(g, F.iloc[:0], S, cutoff_s=60.0)
    assert len(empty.table) == 0 and list(empty.table.columns) == ["settlements", "weight"]


def test_coverage_counts_without_pairs_equal_the_pairs_on_the_demo():
    """Coverage keeps pairs only for the township tier; every tier's counts equal the reach matrix's."""
    from planner.analysis.travel import PAIR_TIERS, CoverageInputs, _groups, route_tiers
    from planner.config import TIER_KEYS, load_config
    from planner.data import load_study
    from planner.demo import demo_config_path
    from planner.pipeline import build_study_graphs

    data = load_study(load_config(demo_config_path()))
    _, graphs = build_study_graphs(data)
    tiers = {k: data.config.tiers[k] for k in TIER_KEYS if k in data.config.tiers}
    inp = CoverageInputs(data.settlements, data.facilities, tiers, graphs)
    routing = route_tiers(inp)
    assert set(routing.pairs) == set(PAIR_TIERS) == {"township"} and set(routing.in_circle) == set(tiers)
    sett = inp.settlements
    for key, tier in tiers.items():
        fac_t = inp.facilities_of(key)
        n, older = np.zeros(len(fac_t), dtype=np.int64), np.zeros(len(fac_t))
        for (prof, minutes), ids in _groups(sett, tier).items():  # the old way: every pair, then sums
            rm = reach_matrix(graphs[prof], fac_t, sett.loc[ids], cutoff_s=minutes * 60.0)
            n_g, o_g = _row_sums(rm, inp.older[sett.index.get_indexer(ids)])
            n += n_g
            older += o_g
        got = routing.in_circle[key]
        assert got.index.equals(fac_t.index) and got["settlements"].sum() > 0, key
        np.testing.assert_array_equal(got["settlements"].to_numpy(), n, err_msg=key)
        np.testing.assert_allclose(got["older"].to_numpy(), older, rtol=1e-12, err_msg=key)
    town = routing.pairs["township"]
    assert town.shape == (len(sett), len(inp.facilities_of("township")))
    np.testing.assert_array_equal(np.bincount(town.tocoo().col, minlength=town.shape[1]),
                                  routing.in_circle["township"]["settlements"].to_numpy())
