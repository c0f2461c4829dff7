"""The optimisation core: the one HiGHS wrapper, the shared assignment model, argument errors, and
mutations the rest of the suite let through (capacity at exactly 100 %, the unserved penalty factor)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from planner.analysis import assign_capacitated, assignment_core, township_assignment
from planner.analysis import assignment as asg
from planner.codes import AssignmentFlag, CoverageReason
from planner.errors import InputError, SolverError
from planner.optim import (
    OPTIMAL,
    AssignmentModel,
    Milp,
    locate,
    quiet_stdout,
    relative_gap,
    solve_assignment,
    solve_lscp,
    solve_mclp,
    solve_milp,
    solve_partial_cover,
    solve_pmedian,
)

INF = np.inf
COVER = np.array([[1, 0, 0], [1, 1, 0], [0, 1, 1], [0, 0, 1]], dtype=bool)
W = np.array([10.0, 20.0, 30.0, 5.0])


# --------------------------------------------------------------------------- public names


def test_locate_keeps_every_public_name():
    # the siting stage uses `_locate.<name>` for these
    for name in ("Solution", "solve_lscp", "solve_mclp", "solve_pmedian", "solve_partial_cover", "cover_from_times"):
        assert hasattr(locate, name), name
    assert locate.solve_mclp is solve_mclp


def test_flag_constants_are_the_code_members():
    assert asg.FLAG_OVER_CAPACITY is AssignmentFlag.OVER_CAPACITY
    assert asg.FLAG_NO_REACHABLE_CENTRE is AssignmentFlag.NO_REACHABLE_CENTRE
    assert asg.FLAG_BEYOND_THRESHOLD is CoverageReason.BEYOND_THRESHOLD
    assert asg.FLAG_OVER_CAPACITY == "OVER_CAPACITY" and assignment_core.PENALTY_FACTOR == 100.0


# --------------------------------------------------------------------------- HiGHS wrapper


def test_solve_milp_optimal_and_relaxed():
    # max x0 + x1 s.t. x0 + x1 <= 1.5, binary: 1; the LP relaxation reaches 1.5
    model = Milp(np.array([1.0, 1.0]), sp.csr_array(np.array([[1.0, 1.0]])), np.array([-np.inf]), np.array([1.5]),
                 np.ones(2), maximise=True)
    m = solve_milp(model, time_limit_s=10)
    assert m.status == OPTIMAL and m.score == pytest.approx(1.0) and m.gap == 0.0
    assert (m.n_vars, m.n_cons) == (2, 1)
    lp = solve_milp(model, time_limit_s=10, relax=True)
    assert lp.score == pytest.approx(1.5) and lp.bound == lp.score


def test_solve_milp_infeasible_raises_solver_error():
    # x0 >= 2 with x0 in [0, 1]
    model = Milp(np.array([1.0]), sp.csr_array(np.array([[1.0]])), np.array([2.0]), np.array([np.inf]), np.ones(1))
    with pytest.raises(SolverError, match="could not solve the test model"):
        solve_milp(model, time_limit_s=10, what="the test model")


def test_quiet_stdout_discards_fd1(capfd):
    import os

    with quiet_stdout():
        os.write(1, b"highs debug line\n")
    print("visible")
    out = capfd.readouterr().out
    assert "highs debug" not in out and "visible" in out


def test_relative_gap_is_never_negative():
    assert relative_gap(90.0, 100.0, True) == pytest.approx(0.1)
    assert relative_gap(110.0, 100.0, False) == pytest.approx(10 / 110)
    assert relative_gap(100.0, 100.0, False) == 0.0
    assert relative_gap(101.0, 100.0, True) == 0.0


def test_assignment_model_unserved_pays_its_cost():
    # two demands (load 6 each) on one fixed site of capacity 10: one is served, the other pays 100
    model = AssignmentModel(2, 1, np.array([0, 1]), np.array([0, 0]), pair_cost=np.array([1.0, 2.0]),
                            load=np.array([6.0, 6.0]), capacity=np.array([10.0]), fixed=np.array([True]),
                            candidates=np.zeros(0, int), open_cost=np.zeros(0), p=None,
                            must_assign=np.array([True, True]), unserved_cost=np.array([100.0, 100.0]),
                            integral_unserved=True)
    ans = solve_assignment(model, time_limit_s=10, mip_gap=0.0)
    assert ans.z.tolist() == [1.0, 0.0] and ans.milp.score == pytest.approx(101.0)


# --------------------------------------------------------------------------- bad arguments


@pytest.mark.parametrize("call", [
    lambda: solve_mclp(COVER, W[:3], 1),
    lambda: solve_mclp(COVER, -W, 1),
    lambda: solve_mclp(COVER, W, -1),
    lambda: solve_mclp(COVER, W, None),     # a missing p is the caller's mistake, not an infeasible model
    lambda: solve_mclp(COVER, W, None, capacity=[10.0, 10.0, 10.0]),
    lambda: solve_pmedian(np.ones((2, 2)), [1.0, 1.0], None),
    lambda: solve_lscp(COVER, method="magic"),
    lambda: solve_lscp(COVER, fixed=np.array([True, False])),
    lambda: solve_pmedian(np.array([[1.0, -2.0]]), [1.0], 1),
    lambda: solve_partial_cover(COVER, np.ones(4, bool), 2, fixed=np.array([True])),
    lambda: assign_capacitated(np.zeros((2, 1)), [1], [1], threshold_s=1),
    lambda: assign_capacitated(np.array([[np.nan]]), [1], [1], threshold_s=1),
    lambda: assign_capacitated(np.ones(3), [1], [1], threshold_s=1),
    lambda: assign_capacitated(np.ones((1, 1)), [-1], [1], threshold_s=1),
    lambda: assign_capacitated(np.ones((1, 1)), [1], [np.nan], threshold_s=1),
])
def test_bad_arguments_raise_input_error(call):
    with pytest.raises(InputError) as err:
        call()
    assert isinstance(err.value, ValueError) and not isinstance(err.value, SolverError)


def test_brute_force_refuses_big_cases_with_input_error():
    with pytest.raises(InputError, match="too many"):
        asg.assign_brute_force(np.ones((20, 3)), np.ones(20), np.full(3, 100.0), threshold_s=60,
                               max_combinations=10)


def test_township_assignment_wrong_shape_is_input_error():
    import pandas as pd

    sett = pd.DataFrame({"older_population": [1.0, 2.0]}, index=["a", "b"])
    cent = pd.DataFrame({"capacity": [10.0]}, index=["A"])
    with pytest.raises(InputError, match="shape"):
        township_assignment(sett, cent, np.ones((3, 1)), threshold_min=30.0)


# --------------------------------------------------------------------------- capacity at exactly 100 %


def test_centre_at_exactly_full_capacity_is_not_over():
    # V1 (500) is served within; V2 is beyond the threshold and spills to A: A ends at 600 of 600
    t = np.array([[10.0], [45.0]]) * 60
    full = assign_capacitated(t, [500.0, 100.0], [600.0], threshold_s=30 * 60)
    assert full.load.tolist() == [600.0]
    assert full.over_capacity.tolist() == [False, False] and full.beyond_threshold.tolist() == [False, True]
    # one person more and A is over capacity
    over = assign_capacitated(t, [500.0, 101.0], [600.0], threshold_s=30 * 60)
    assert over.load.tolist() == [601.0] and over.over_capacity.tolist() == [False, True]


def test_settlement_exactly_as_large_as_the_capacity_fits():
    t = np.array([[10.0]]) * 60
    fits = assign_capacitated(t, [600.0], [600.0], threshold_s=30 * 60)
    assert fits.stage.tolist() == ["within"] and not fits.over_capacity.any()
    too_big = assign_capacitated(t, [601.0], [600.0], threshold_s=30 * 60)
    assert too_big.stage.tolist() == ["spill"] and too_big.over_capacity.tolist() == [True]


def test_centre_table_full_is_not_over_and_one_more_is():
    import pandas as pd

    sett = pd.DataFrame({"older_population": [500.0, 100.0], "township": "T", "county": "C"}, index=["V1", "V2"])
    cent = pd.DataFrame({"capacity": [600.0], "township": "T"}, index=["A"])
    times = pd.DataFrame([[10.0 * 60], [45.0 * 60]], index=sett.index, columns=cent.index)
    full = township_assignment(sett, cent, times, threshold_min=30.0).centres
    assert full.loc["A", "share"] == 1.0 and not full.loc["A", "over"] and not full.loc["A", "nearest_over"]
    sett.loc["V2", "older_population"] = 101.0
    over = township_assignment(sett, cent, times, threshold_min=30.0).centres
    assert over.loc["A", "over"] and over.loc["A", "nearest_over"]


def test_capacitated_mclp_demand_equal_to_capacity_is_served():
    cover = np.ones((1, 1), dtype=bool)
    assert solve_mclp(cover, [10.0], 1, capacity=[10.0]).objective == 10.0
    assert solve_mclp(cover, [10.5], 1, capacity=[10.0]).objective == 0.0


# --------------------------------------------------------------------------- the unserved penalty factor


def test_default_penalty_is_100_times_the_threshold_in_minutes():
    # one settlement that nothing reaches within the threshold: it pays the whole penalty
    sol = assign_capacitated(np.array([[45.0]]) * 60, [10.0], [100.0], threshold_s=30 * 60)
    assert sol.params["penalty_per_person"] == 100.0 * 30
    assert sol.objective == pytest.approx(10 * 100.0 * 30)


def test_penalty_factor_decides_who_is_served():
    # one centre fits only one of two settlements.  Serving B (101 people, 29 min) instead of A (100, 0 min)
    # costs 101 * 29 = 2929 person-minutes of travel but leaves one person fewer unserved, worth the
    # penalty P = 100 * 30 = 3000: B is served.  With a factor of 97 (P = 2910) A would be.
    t = np.array([[0.0], [29.0]]) * 60
    sol = assign_capacitated(t, [100.0, 101.0], [101.0], threshold_s=30 * 60, mip_rel_gap=0.0)
    assert sol.stage.tolist() == ["spill", "within"]
    assert sol.objective == pytest.approx(101 * 29 + 100 * 3000)
    lower = assign_capacitated(t, [100.0, 101.0], [101.0], threshold_s=30 * 60, mip_rel_gap=0.0,
                               penalty_per_person=97.0 * 30)
    assert lower.stage.tolist() == ["within", "spill"]


def test_penalty_factor_through_the_module_constant(monkeypatch):
    t = np.array([[0.0], [29.0]]) * 60
    monkeypatch.setattr(assignment_core, "PENALTY_FACTOR", 97.0)
    sol = assign_capacitated(t, [100.0, 101.0], [101.0], threshold_s=30 * 60, mip_rel_gap=0.0)
    assert sol.stage.tolist() == ["within", "spill"]


def test_pmedian_default_penalty_is_twice_the_longest_time():
    # demand 1 is reachable only from site 1; with p=1 site 0 serves the other three and demand 1 pays 2 * 50
    t = np.array([[1.0, INF], [INF, 50.0], [2.0, INF], [3.0, INF]])
    s = solve_pmedian(t, np.ones(4), 1)
    assert list(s.opened) == [0] and list(s.unserved) == [1]
    assert s.params["unserved_penalty_s"] == 100.0
    assert s.objective == pytest.approx(1 + 2 + 3 + 100.0)
