"""The optimisation core says only what is true: every "optimal" is optimal (brute force, spopt), every
reported gap holds against the true optimum, greedy bounds are bounds, and time limits never cost the answer."""

from __future__ import annotations

import math
from itertools import combinations, product

import numpy as np
import pytest

from planner.errors import SolverError
from planner.optim import (
    GAP_LIMIT,
    OPTIMAL,
    TIME_LIMIT,
    Milp,
    NoSolutionInTime,
    build_problem,
    cover_curve,
    solve_lscp,
    solve_mclp,
    solve_milp,
    solve_partial_cover,
    solve_pmedian,
)
from planner.optim import capacitated as capmod
from planner.optim import milp as milpmod
from planner.optim import problem as problemmod
from planner.optim.milp import status_of

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
SEEDS = range(12)


def _instance(seed: int, n_dem: int = 7, n_site: int = 5):
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, 10, (n_dem, n_site))
    t[rng.random(t.shape) < 0.25] = np.inf
    w = rng.integers(1, 12, n_dem).astype(float)
    fixed = rng.random(n_site) < 0.2
    cap = rng.choice([6.0, 11.0, 20.0, np.inf], n_site)
    return t, w, fixed, cap


def _sets(fixed, p):
    cand = np.flatnonzero(~fixed)
    for k in range(min(p, len(cand)) + 1):
        for sel in combinations(cand, k):
            yield fixed | np.isin(np.arange(len(fixed)), sel)


def _brute_uncap(t, w, fixed, p, thr, pen):
    """(best covered weight, best weighted time with penalty) over every set of at most p candidates."""
    cov = t <= thr
    reach = np.isfinite(t).any(axis=1)
    best_cov, best_cost = -1.0, math.inf
    for on in _sets(fixed, p):
        best_cov = max(best_cov, float(w[cov[:, on].any(axis=1)].sum()))
        near = np.where(np.isfinite(t[:, on]), t[:, on], np.inf).min(axis=1) if on.any() else np.full(len(w), np.inf)
        cost = np.where(np.isfinite(near), near, np.where(reach, pen, 0.0))
        best_cost = min(best_cost, float((w * cost).sum()))
    return best_cov, best_cost


def _brute_cap(t, w, fixed, p, cap, thr, pen):
    """Capacitated, unsplittable: (best covered weight, best weighted time with penalty)."""
    reach = np.isfinite(t).any(axis=1)
    best_cov, best_cost = -1.0, math.inf
    for on in _sets(fixed, p):
        sites = np.flatnonzero(on)
        for a in product([-1, *sites], repeat=len(w)):
            a = np.array(a)
            ok = (a < 0) | np.isfinite(t[np.arange(len(w)), np.maximum(a, 0)])
            if not ok.all():
                continue
            load = np.bincount(a[a >= 0], weights=w[a >= 0], minlength=t.shape[1])
            if (load > cap + 1e-9).any():
                continue
            tt = np.where(a >= 0, t[np.arange(len(w)), np.maximum(a, 0)], np.inf)
            if (tt[a >= 0] <= thr).all():
                best_cov = max(best_cov, float(w[a >= 0].sum()))
            best_cost = min(best_cost, float((w * np.where(a >= 0, tt, np.where(reach, pen, 0.0))).sum()))
    return best_cov, best_cost


def _gap_true(sol, opt, maximise):
    """The reported bound bounds the optimum and the reported gap covers the distance to it."""
    tol = 1e-6 * max(1.0, abs(opt))
    if maximise:
        assert sol.objective <= opt + tol
        if math.isfinite(sol.bound):
            assert sol.bound >= opt - tol
            assert sol.objective >= opt - sol.gap * abs(sol.bound) - tol
    else:
        assert sol.objective >= opt - tol
        if math.isfinite(sol.bound):
            assert sol.bound <= opt + tol
            assert sol.objective - opt <= sol.gap * abs(sol.objective) + tol
    if sol.proven_optimal:
        assert sol.objective == pytest.approx(opt, abs=tol)


# --------------------------------------------------------------------------- regressions


def test_splittable_capacitated_pmedian_charges_the_unserved_share():
    s = solve_pmedian([[1], [1]], [4, 4], 1, capacity=[5], splittable=True, unserved_penalty=100)
    assert s.objective == pytest.approx(305.0) and s.proven_optimal
    assert list(s.unserved) == [1] and list(s.params["unserved_amount"]) == [pytest.approx(3.0)]
    whole = solve_pmedian([[1], [1]], [4, 4], 1, capacity=[5], unserved_penalty=100)
    assert whole.objective == pytest.approx(404.0) and list(whole.unserved) == [1]


def test_status_of_is_truthful():
    assert status_of(0.0, 0.05, False) == OPTIMAL
    assert status_of(0.02, 0.05, False) == GAP_LIMIT
    assert status_of(0.02, 0.0, False) == TIME_LIMIT
    assert status_of(0.02, 0.05, True) == TIME_LIMIT
    assert status_of(math.nan, 0.05, False) == TIME_LIMIT


@pytest.mark.parametrize("seed", SEEDS)
def test_a_gap_limit_answer_is_within_its_gap(seed):
    t, w, fixed, _ = _instance(seed, 9, 7)
    opt, _ = _brute_uncap(t, w, fixed, 3, 5.0, 1.0)
    s = solve_mclp(t <= 5.0, w, 3, fixed=fixed, mip_gap=0.25)
    assert s.status in (OPTIMAL, GAP_LIMIT, "empty")
    _gap_true(s, opt, True)


def test_greedy_keeps_its_answer_when_the_lp_bound_runs_out_of_time(monkeypatch):
    t, w, fixed, cap = _instance(3)

    def no_time(self, model, *, relax=False, start=None):
        raise NoSolutionInTime("out of time")

    monkeypatch.setattr(problemmod.LocationProblem, "solve", no_time)
    for s in (solve_mclp(t <= 5.0, w, 2, method="greedy"), solve_lscp(t <= 5.0, method="greedy"),
              solve_pmedian(t, w, 2, method="greedy")):
        assert s.status == "greedy" and len(s.opened) > 0
        assert math.isnan(s.bound) and math.isnan(s.gap) and "not computed in time" in s.message
        assert "method='greedy'" not in s.message


def test_exact_without_a_solution_in_time_returns_the_heuristic(monkeypatch):
    t, w, fixed, cap = _instance(5, 8, 6)

    def no_time(self, time_limit_s, mip_gap, what, advice):
        raise NoSolutionInTime("out of time", bound=math.nan)

    monkeypatch.setattr(milpmod.HighsModel, "_answer", no_time)
    monkeypatch.setattr(capmod, "lagrangian_bound", lambda m, target, **kw: (math.inf, None))
    import planner.optim.capsolve as cs

    monkeypatch.setattr(cs, "lagrangian_bound", lambda m, target, **kw: (math.inf, None))
    sols = [solve_mclp(t <= 5.0, w, 2), solve_lscp(t <= 5.0), solve_pmedian(t, w, 2),
            solve_mclp(t <= 5.0, w, 2, capacity=cap), solve_pmedian(t, w, 2, capacity=cap)]
    for s in sols:
        assert s.status == TIME_LIMIT and not s.proven_optimal and math.isnan(s.gap), s.model
    assert "did not finish" in sols[3].message or "no better solution" in sols[3].message
    # a genuinely infeasible model still raises
    monkeypatch.undo()
    with pytest.raises(SolverError):
        solve_milp(Milp(np.ones(1), np.ones((1, 1)), np.array([2.0]), np.array([np.inf]), np.ones(1)), time_limit_s=5)


def test_no_message_advises_greedy():
    import inspect

    import planner.optim as optim

    for mod in (optim.milp, optim.assign, optim.capsolve, optim.mclp, optim.pmedian, optim.lscp):
        assert "method='greedy'" not in inspect.getsource(mod), mod.__name__


# --------------------------------------------------------------------------- brute force, every model


@pytest.mark.parametrize("seed", SEEDS)
def test_uncapacitated_models_equal_brute_force_and_greedy_bounds_hold(seed):
    t, w, fixed, _ = _instance(seed)
    for p in (1, 2):
        cov_bf, cost_bf = _brute_uncap(t, w, fixed, p, 5.0, 30.0)
        for method in ("exact", "greedy"):
            m = solve_mclp(t <= 5.0, w, p, fixed=fixed, method=method)
            _gap_true(m, cov_bf, True)
            pm = solve_pmedian(t, w, p, fixed=fixed, unserved_penalty=30.0, method=method)
            _gap_true(pm, cost_bf, False)
            if method == "exact":
                assert m.proven_optimal and pm.proven_optimal
    cover = t <= 5.0
    goal = cover.any(axis=1)
    k_bf = min(int((on & ~fixed).sum()) for on in _sets(fixed, len(fixed))
               if (cover[:, on].any(axis=1) >= goal).all())
    for method in ("exact", "greedy"):
        _gap_true(solve_lscp(cover, fixed=fixed, method=method), float(k_bf), False)
    village = np.arange(len(w)) % 2 == 0
    need = int((cover[:, fixed].any(axis=1) & village).sum()) + 1
    pc = solve_partial_cover(cover, village, need, fixed=fixed)
    if pc.status != "infeasible":
        k_pc = min(int((on & ~fixed).sum()) for on in _sets(fixed, len(fixed))
                   if (cover[:, on].any(axis=1) & village).sum() >= need)
        _gap_true(pc, float(k_pc), False)


@pytest.mark.parametrize("seed", range(8))
def test_capacitated_models_equal_brute_force_and_greedy_bounds_hold(seed):
    t, w, fixed, cap = _instance(seed, 5, 4)
    p = 2
    cov_bf, cost_bf = _brute_cap(t, w, fixed, p, cap, 5.0, 40.0)
    for method in ("exact", "greedy"):
        m = solve_mclp(t <= 5.0, w, p, fixed=fixed, capacity=cap, method=method)
        _gap_true(m, cov_bf, True)
        pm = solve_pmedian(t, w, p, fixed=fixed, capacity=cap, unserved_penalty=40.0, method=method)
        _gap_true(pm, cost_bf, False)
        if method == "exact":
            assert m.proven_optimal and pm.proven_optimal
    # splittable: never worse than unsplittable, exact against an independent formulation with u variables
    ms = solve_mclp(t <= 5.0, w, p, fixed=fixed, capacity=cap, splittable=True)
    assert ms.proven_optimal and ms.objective >= cov_bf - 1e-6
    ps = solve_pmedian(t, w, p, fixed=fixed, capacity=cap, splittable=True, unserved_penalty=40.0)
    assert ps.proven_optimal and ps.objective <= cost_bf + 1e-6
    assert ps.objective == pytest.approx(_independent_split_pmedian(t, w, fixed, p, cap, 40.0), rel=1e-7)


def _independent_split_pmedian(t, w, fixed, p, cap, pen):
    """The splittable capacitated p-median as its own MILP (z, u, x), solved by HiGHS directly."""
    import scipy.sparse as sp

    r, c = np.nonzero(np.isfinite(t))
    n_dem, n_site = t.shape
    reach = np.isfinite(t).any(axis=1)
    cand = np.flatnonzero(~fixed)
    nz, nx = len(r), len(cand)
    xpos = {j: k for k, j in enumerate(cand)}
    rows, lo, hi = [], [], []
    for i in np.flatnonzero(reach):  # sum_j z_ij + u_i = 1
        rows.append({nz + i: 1.0, **{k: 1.0 for k in np.flatnonzero(r == i)}})
        lo.append(1.0)
        hi.append(1.0)
    for k in range(nz):  # z_ij <= x_j on candidates
        if c[k] in xpos:
            rows.append({k: 1.0, nz + n_dem + xpos[c[k]]: -1.0})
            lo.append(-np.inf)
            hi.append(0.0)
    for j in range(n_site):  # capacity
        if np.isfinite(cap[j]):
            row = {k: w[r[k]] for k in np.flatnonzero(c == j)}
            if j in xpos:
                row[nz + n_dem + xpos[j]] = -cap[j]
            rows.append(row)
            lo.append(-np.inf)
            hi.append(0.0 if j in xpos else cap[j])
    rows.append({nz + n_dem + k: 1.0 for k in range(nx)})
    lo.append(-np.inf)
    hi.append(float(p))
    n = nz + n_dem + nx
    A = sp.lil_array((len(rows), n))
    for q, row in enumerate(rows):
        for k, v in row.items():
            A[q, k] = v
    cost = np.concatenate([w[r] * t[r, c], np.where(reach, pen * w, 0.0), np.zeros(nx)])
    integ = np.concatenate([np.zeros(nz + n_dem), np.ones(nx)])
    return solve_milp(Milp(cost, A.tocsr(), np.array(lo), np.array(hi), integ), time_limit_s=30).score


def test_lagrangian_bound_is_valid_at_any_multipliers():
    rng = np.random.default_rng(11)
    for seed in range(6):
        t, w, fixed, cap = _instance(seed, 5, 4)
        cov_bf, _ = _brute_cap(t, w, fixed, 2, cap, 5.0, 40.0)
        r, c = np.nonzero((t <= 5.0) & (w[:, None] <= cap[None, :]))
        m = capmod.CapModel(5, 4, r, c, w[r], w, cap, fixed, np.unique(c[~fixed[c]]), np.zeros(4), 2, False)
        for _ in range(5):
            lam = rng.uniform(0, 1, 5) * w
            assert capmod._dual_value(m, lam, 2)[0] >= cov_bf - 1e-9
        bound, _ = capmod.lagrangian_bound(m, 0.0, iters=30)
        assert bound >= cov_bf - 1e-9


# --------------------------------------------------------------------------- spopt


def _spopt():
    pulp = pytest.importorskip("pulp")
    pytest.importorskip("spopt.locate")
    return pulp, pulp.PULP_CBC_CMD(msg=False)


@pytest.mark.parametrize("seed", range(6))
def test_exact_solves_match_spopt(seed):
    pulp, solver = _spopt()
    from spopt.locate import LSCP, MCLP, PMedian

    rng = np.random.default_rng(100 + seed)
    d, s = rng.uniform(0, 10, (30, 2)), rng.uniform(0, 10, (12, 2))
    t = np.linalg.norm(d[:, None, :] - s[None, :, :], axis=2)
    w = rng.integers(1, 50, 30).astype(float)
    ref = LSCP.from_cost_matrix(t, 5.0).solve(solver)
    assert solve_lscp(t <= 5.0).objective == pytest.approx(pulp.value(ref.problem.objective))
    for p in (2, 4):
        ref = MCLP.from_cost_matrix(t, w, 3.0, p_facilities=p).solve(solver)
        ours = solve_mclp(t <= 3.0, w, p)
        assert ours.proven_optimal and ours.objective == pytest.approx(pulp.value(ref.problem.objective))
    ref = PMedian.from_cost_matrix(t, w, p_facilities=3).solve(solver)
    ours = solve_pmedian(t, w, 3)
    assert ours.proven_optimal and ours.objective == pytest.approx(pulp.value(ref.problem.objective), rel=1e-7)


# --------------------------------------------------------------------------- the coverage curve


@pytest.mark.parametrize("capacitated", [False, True])
@pytest.mark.parametrize("seed", range(6))
def test_cover_curve_equals_per_k_solves_and_brute_force(seed, capacitated):
    t, w, fixed, cap = _instance(seed, 5 if capacitated else 8, 4 if capacitated else 5)
    cover = t <= 5.0
    capv = cap if capacitated else None
    prob = build_problem(cover.shape, model="MCLP", weights=w, fixed=fixed, capacity=capv, cover=cover, p=0)
    k_max = 2 if capacitated else 3
    pts = cover_curve(prob, k_max, time_limit_s=20)
    assert [pt.k for pt in pts] == list(range(k_max + 1))
    for pt in pts:
        bf = _brute_cap(t, w, fixed, pt.k, cap, 5.0, 1.0)[0] if capacitated else \
            _brute_uncap(t, w, fixed, pt.k, 5.0, 1.0)[0]
        assert pt.status in ("optimal", "empty") and pt.objective == pytest.approx(bf)
        assert pt.bound >= bf - 1e-9 and pt.gap == 0.0
        assert pt.objective == pytest.approx(float(w[pt.covered].sum())) and len(pt.opened) <= pt.k
        assert solve_mclp(cover, w, pt.k, fixed=fixed, capacity=capv).objective == pytest.approx(pt.objective)
    assert all(b.objective >= a.objective for a, b in zip(pts, pts[1:]))


def test_cover_curve_out_of_time_keeps_answers_and_stays_monotone(monkeypatch):
    t, w, fixed, _ = _instance(2, 12, 8)
    cover = t <= 5.0

    def no_time(self, time_limit_s, mip_gap, what, advice):
        raise NoSolutionInTime("out of time", bound=math.nan)

    monkeypatch.setattr(milpmod.HighsModel, "_answer", no_time)
    prob = build_problem(cover.shape, model="MCLP", weights=w, fixed=fixed, cover=cover, p=0)
    pts = cover_curve(prob, 4, time_limit_s=5)
    assert all(b.objective >= a.objective for a, b in zip(pts, pts[1:]))
    assert all(pt.status in ("optimal", "empty", TIME_LIMIT) for pt in pts)
    assert any(pt.status == TIME_LIMIT and math.isnan(pt.gap) for pt in pts) or pts[-1].status == "optimal"
