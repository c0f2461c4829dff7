"""Capacity-aware township-centre assignment: hand-computed cases and brute force."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planner.analysis import assign_brute_force, assign_capacitated, assignment_objective, township_assignment
from planner.errors import InputError

INF = np.inf

# 8 villages x 3 centres (A, B, C), minutes.  Threshold 30 min.
#   V1: A 10                    w 400
#   V2: A 12, B 25              w 400
#   V3: A 20, B 28              w 300
#   V4: B 5                     w 300
#   V5: A 45, C 50 (beyond)     w 100
#   V6: nothing reachable       w 50
#   V7: C 10 (but w > C cap)    w 700
#   V8: B 29, C 15              w 200
# Capacities A 1000, B 800, C 600.
# Hand solution: V4->B, V1->A; A has 600 left for V2 (400) + V3 (300) = 700: one moves to B.
# Moving V3 costs 300*(28-20) = 2400 person-min, moving V2 400*(25-12) = 5200: V3 -> B.
# V8 -> C (15 < 29).  V7 cannot fit anywhere (700 > 600) -> spills to C (within threshold,
# so OVER_CAPACITY; C ends with 200 + 700 = 900 > 600).  V5 spills to A (45 min, beyond the
# threshold; A ends with 800 + 100 = 900 <= 1000, so not over).  V6 reaches nothing.
MIN = np.array(
    [
        [10, INF, INF],
        [12, 25, INF],
        [20, 28, INF],
        [INF, 5, INF],
        [45, INF, 50],
        [INF, INF, INF],
        [INF, INF, 10],
        [INF, 29, 15],
    ]
)
W = np.array([400, 400, 300, 300, 100, 50, 700, 200], dtype=float)
CAP = np.array([1000, 800, 600], dtype=float)


def test_hand_case_arrays():
    sol = assign_capacitated(MIN * 60, W, CAP, threshold_s=30 * 60)
    assert sol.centre.tolist() == [0, 0, 1, 1, 0, -1, 2, 2]
    assert sol.stage.tolist() == ["within", "within", "within", "within", "spill", "none", "spill", "within"]
    np.testing.assert_allclose(sol.assigned_load, [800, 600, 200])
    np.testing.assert_allclose(sol.spill_load, [100, 0, 700])
    np.testing.assert_allclose(sol.load, [900, 600, 900])
    # natural catchment ignores capacity: A is nearest for V1, V2, V3, V5
    np.testing.assert_allclose(sol.nearest_load, [1200, 300, 900])
    np.testing.assert_allclose(sol.nearest_load_within, [1100, 300, 900])
    assert sol.beyond_threshold.tolist() == [False, False, False, False, True, False, False, False]
    assert sol.over_capacity.tolist() == [False, False, False, False, False, False, True, False]
    assert sol.unreachable.tolist() == [False, False, False, False, False, True, False, False]
    np.testing.assert_allclose(sol.time_s / 60, [10, 12, 28, 5, 45, INF, 10, 15])
    assert np.all(sol.assigned_load <= CAP)


def test_milp_matches_brute_force_on_hand_case():
    sol = assign_capacitated(MIN * 60, W, CAP, threshold_s=30 * 60, mip_rel_gap=0.0)
    best, obj = assign_brute_force(MIN * 60, W, CAP, threshold_s=30 * 60)
    first_stage = np.where(sol.stage == "within", sol.centre, -1)
    assert first_stage.tolist() == best.tolist()
    assert sol.objective == pytest.approx(obj)


@pytest.mark.parametrize("seed", range(12))
def test_milp_matches_brute_force_random(seed):
    rng = np.random.default_rng(seed)
    n, k = 6, 3
    t = rng.uniform(2, 50, size=(n, k))
    t[rng.random((n, k)) < 0.25] = INF
    w = rng.integers(0, 600, size=n).astype(float)
    cap = rng.integers(300, 1200, size=k).astype(float)
    thr = rng.choice([20.0, 30.0], size=n) * 60
    sol = assign_capacitated(t * 60, w, cap, threshold_s=thr, mip_rel_gap=0.0)
    best, obj = assign_brute_force(t * 60, w, cap, threshold_s=thr)
    assert sol.objective == pytest.approx(obj, rel=1e-9, abs=1e-6)
    first_stage = np.where(sol.stage == "within", sol.centre, -1)
    P = sol.params["penalty_per_person"]
    assert assignment_objective(first_stage, t * 60, w, penalty_per_person=P) == pytest.approx(obj)
    assert np.all(sol.assigned_load <= cap + 1e-9)


def test_capacity_spill_changes_assignment_versus_nearest():
    # two villages both nearest to A, A fits only one: the heavier stays, the other goes to B
    t = np.array([[5, 20], [6, 8]], dtype=float) * 60
    sol = assign_capacitated(t, [500, 500], [600, 600], threshold_s=30 * 60)
    # cost of V1->B = 500*15, of V2->B = 500*2: V2 moves
    assert sol.centre.tolist() == [0, 1]
    assert sol.nearest.tolist() == [0, 0]
    assert not sol.over_capacity.any()


def test_zero_population_settlement_goes_to_nearest():
    t = np.array([[20, 5]], dtype=float) * 60
    sol = assign_capacitated(t, [0.0], [10, 10], threshold_s=30 * 60)
    assert sol.centre.tolist() == [1]


def test_no_centres_at_all():
    sol = assign_capacitated(np.zeros((3, 0)), [1, 2, 3], np.zeros(0), threshold_s=1800)
    assert sol.unreachable.all()
    assert sol.centre.tolist() == [-1, -1, -1]


def test_bad_inputs_are_rejected():
    with pytest.raises(InputError, match="demand"):
        assign_capacitated(np.zeros((2, 1)), [1], [1], threshold_s=1)
    with pytest.raises(InputError, match="NaN"):
        assign_capacitated(np.array([[np.nan]]), [1], [1], threshold_s=1)


def _frames():
    ids = [f"V{i}" for i in range(1, 9)]
    sett = pd.DataFrame(
        {
            "name": ids,
            "kind": "village",
            "township": ["T1", "T1", "T2", "T2", "T1", "T4", "T3", "T3"],
            "county": "X县",
            "older_population": W,
        },
        index=pd.Index(ids, name="settlement_id"),
    )
    cent = pd.DataFrame(
        {
            "name": ["A中心", "B中心", "C中心"],
            "township": ["T1", "T2", "T3"],
            "county": "X县",
            "capacity": [np.nan, 800.0, 600.0],
        },
        index=pd.Index(["A", "B", "C"], name="facility_id"),
    )
    times = pd.DataFrame(MIN * 60, index=sett.index, columns=cent.index)
    return sett, cent, times


def test_township_assignment_frames():
    sett, cent, times = _frames()
    sett_before, cent_before = sett.copy(), cent.copy()
    res = township_assignment(
        sett, cent, times.iloc[::-1, ::-1], threshold_min=30.0, default_capacity=1000.0
    )
    pd.testing.assert_frame_equal(sett, sett_before)
    pd.testing.assert_frame_equal(cent, cent_before)
    s = res.settlements
    assert s.index.equals(sett.index)
    assert s["centre"].tolist()[:5] == ["A", "A", "B", "B", "A"]
    assert pd.isna(s.loc["V6", "centre"])
    assert s.loc["V6", "centre_time_min"] == INF
    assert s.loc["V7", "flags"] == "OVER_CAPACITY"
    assert s.loc["V5", "flags"] == "BEYOND_THRESHOLD"
    assert set(s.loc["V6", "flags"].split(";")) == {"NO_REACHABLE_CENTRE", "NO_TOWNSHIP_CENTRE"}
    assert set(res.unserved.index) == {"V5", "V6", "V7"}
    c = res.centres
    assert c.loc["A", "capacity"] == 1000.0 and c.loc["A", "capacity_source"] == "default"
    assert c.loc["A", "nearest_over"] and not c.loc["A", "over"]
    assert c.loc["C", "over"] and c.loc["C", "share"] == pytest.approx(900 / 600)
    assert c.loc["B", "assigned_settlements"] == 2 and c.loc["C", "spill_settlements"] == 1
    assert list(res.townships_without_centre.index) == ["T4"]
    assert res.townships_without_centre.loc["T4", "older_population"] == 50


def test_township_assignment_per_settlement_threshold():
    sett, cent, times = _frames()
    thr = pd.Series(30.0, index=sett.index)
    thr["V5"] = 60.0  # V5 may travel an hour: A still has room, so it is served within
    res = township_assignment(sett, cent, times, threshold_min=thr, default_capacity=1000.0)
    assert res.settlements.loc["V5", "stage"] == "within"
    assert res.settlements.loc["V5", "flags"] == ""


def test_independent_pieces_solved_separately_match_brute_force():
    # two clusters that share no centre: the model splits into 2 pieces
    t = np.array([[5, INF, INF], [7, 9, INF], [INF, 6, INF], [INF, INF, 4], [INF, INF, 8]]) * 60
    w = np.array([300, 300, 200, 250, 250], dtype=float)
    cap = np.array([400, 400, 400], dtype=float)
    sol = assign_capacitated(t, w, cap, threshold_s=1800, mip_rel_gap=0.0)
    assert sol.params["independent_pieces"] == 2
    best, obj = assign_brute_force(t, w, cap, threshold_s=1800)
    assert sol.objective == pytest.approx(obj)
    # piece 1: 300 + 300 fill centres 0 and 1 (most older people served), the 200 spills to
    # its only centre 1; piece 2: centre 2 takes one of the 250s, the other spills
    assert sol.centre.tolist()[:3] == [0, 1, 1]
    assert sol.over_capacity.tolist()[:3] == [False, False, True]
    assert sol.over_capacity[3:].sum() == 1


def test_penalty_outweighs_any_trip():
    # serving a settlement always beats leaving it out, even at the threshold
    t = np.array([[29.9]]) * 60
    sol = assign_capacitated(t, [500], [500], threshold_s=1800)
    assert sol.centre.tolist() == [0] and sol.stage.tolist() == ["within"]


def test_sparse_input_gives_the_same_answer():
    from scipy import sparse

    dense = assign_capacitated(MIN * 60, W, CAP, threshold_s=30 * 60, mip_rel_gap=0.0)
    ii, jj = np.nonzero(np.isfinite(MIN))
    # a duplicate, longer entry for V1 -> A must not matter
    rows = np.r_[ii, 0]
    cols = np.r_[jj, 0]
    vals = np.r_[MIN[ii, jj] * 60, 99 * 60]
    sp = sparse.coo_array((vals, (rows, cols)), shape=MIN.shape)
    sol = assign_capacitated(sp, W, CAP, threshold_s=30 * 60, mip_rel_gap=0.0)
    assert sol.centre.tolist() == dense.centre.tolist()
    np.testing.assert_allclose(sol.time_s, dense.time_s)
    np.testing.assert_allclose(sol.nearest_load, dense.nearest_load)
    assert sol.over_capacity.tolist() == dense.over_capacity.tolist()


def test_zero_minute_trip_in_sparse_input_counts():
    from scipy import sparse

    sp = sparse.csr_array((np.array([0.0]), (np.array([0]), np.array([1]))), shape=(1, 2))
    sol = assign_capacitated(sp, [10], [5, 50], threshold_s=60)
    assert sol.centre.tolist() == [1] and sol.time_s.tolist() == [0.0]
