"""Covering with the fewest sites: the LSCP (cover every coverable demand) and the partial cover (cover ``n``)."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import scipy.sparse as sp

from planner.optim.milp import GREEDY, Milp, relative_gap
from planner.optim.problem import LocationProblem, as_cover, build_problem, vector
from planner.optim.solution import (
    CoverSplit,
    Lazy,
    Solution,
    Verdict,
    empty_solution,
    finish_cover,
    make_solution,
    nearest_open,
    rank_cover,
    useful_columns,
)

__all__ = ["solve_lscp", "solve_partial_cover"]


def _cover_milp(sub: sp.csc_array, cost: np.ndarray) -> Milp:
    """min cost . x  s.t. every needed demand is covered at least once."""
    n_need, nx = sub.shape
    return Milp(cost, sp.csr_array(sub), np.ones(n_need), np.full(n_need, np.inf), np.ones(nx))


def _lscp_greedy(prob: LocationProblem, sub: sp.csc_array, cost: np.ndarray) -> tuple[list[int], Verdict]:
    """Lazy greedy cover, its gap against the LP relaxation (NaN when the LP does not finish in time)."""
    picked = _greedy_cover(sub, cost)
    score = float(cost[picked].sum())
    bound, note = prob.lp_bound(_cover_milp(sub, cost))
    verdict = Verdict(GREEDY, score, bound, relative_gap(score, bound, maximise=False), f"greedy (lazy); {note}")
    return picked, verdict


def _greedy_cover(sub: sp.csc_array, cost: np.ndarray, n_needed: int | None = None) -> list[int]:
    """Lazy greedy: the column covering the most uncovered rows per unit cost, until ``n_needed`` (all) are covered."""
    unc = np.ones(sub.shape[0], bool)
    left = sub.shape[0] if n_needed is None else n_needed

    def gain(k: int) -> float:
        rows = sub.indices[sub.indptr[k]:sub.indptr[k + 1]]
        return float(unc[rows].sum()) / cost[k]

    lazy = Lazy(np.diff(sub.indptr) / cost, np.ones(len(cost), bool))
    picked: list[int] = []
    rnd = 0
    while left > 0:
        got = lazy.pop(gain, rnd)
        if got is None or got[1] <= 0:
            break
        k = got[0]
        picked.append(k)
        rows = sub.indices[sub.indptr[k]:sub.indptr[k + 1]]
        left -= int(unc[rows].sum())
        unc[rows] = False
        rnd += 1
    return picked


def solve_lscp(
    cover: Any,
    *,
    fixed: Any = None,
    preference: Any = None,
    method: str = "exact",
    time_limit_s: float = 60.0,
    mip_gap: float = 0.0,
) -> Solution:
    """Location set covering: fewest new sites so every coverable demand is covered.

    Parameters
    ----------
    cover : sparse or ndarray
        Demands x sites, bool.
    fixed : bool mask or indices, optional
        Existing sites (open; what they cover is already covered).
    preference : array, optional
        Per-site bonus subtracted from the unit cost of opening it; keep the
        sum over any solution below 1 (e.g. ``bonus / n_candidates``) so it
        only breaks ties between solutions with the same number of sites.
    method : {"exact", "greedy"}
    time_limit_s, mip_gap : float
        HiGHS limits.

    Returns
    -------
    Solution
        ``objective`` = number of new sites; demands nobody can cover are in
        ``uncoverable`` instead of making the model infeasible.

    Raises
    ------
    InputError
        For arguments of the wrong length or an unknown method.
    """
    A = as_cover(cover)
    prob = build_problem(A.shape, model="LSCP", fixed=fixed, preference=preference, method=method,
                         time_limit_s=time_limit_s, mip_gap=mip_gap)
    split = CoverSplit.of(A, prob.fixed)
    need = np.flatnonzero(~split.covered0 & split.by_cand)
    uncoverable = np.flatnonzero(~split.covered0 & ~split.by_cand)
    params = prob.params({"n_to_cover": len(need)})
    if not len(need):
        return empty_solution(prob, "lscp", uncoverable, 0.0, params, assignment=nearest_open(A, prob.fixed),
                              covered=split.covered0)
    sub, cols = useful_columns(A, need, prob.candidates)
    cost = 1.0 - prob.preference[cols]
    if prob.method == "exact":  # HiGHS from the greedy cover (so it always has a feasible start)
        start = np.zeros(len(cols))
        start[_greedy_cover(sub, cost)] = 1.0
        m = prob.solve(_cover_milp(sub, cost), start=start)
        chosen, verdict = list(cols[m.x > 0.5]), Verdict.of(m)
        params.update(n_vars=m.n_vars, n_cons=m.n_cons)
    else:
        picked, verdict = _lscp_greedy(prob, sub, cost)
        chosen = list(cols[picked])
        params.update(n_vars=len(cols), n_cons=len(need))
    order, gains, credited, covered = finish_cover(chosen, A, split.covered0, np.ones(prob.n_demands),
                                                   prob.preference)
    return make_solution(prob, verdict, model="lscp", objective=float(len(order)), opened=order, gains=gains,
                         assignment=nearest_open(A, prob.fixed, order), credited=credited, covered=covered,
                         uncoverable=uncoverable, params=params)


def _partial_cover_milp(sub: sp.csr_array, extra: int) -> Milp:
    """min sum x  s.t. ``y_i <= sum_j a_ij x_j`` and ``sum_i y_i >= extra``."""
    ny, nx = sub.shape
    A1 = sp.hstack([-sub, sp.identity(ny, format="csr")])
    A2 = sp.csr_array(np.concatenate([np.zeros(nx), np.ones(ny)])[None, :])
    return Milp(np.concatenate([np.ones(nx), np.zeros(ny)]), sp.vstack([A1, A2]).tocsr(),
                np.concatenate([np.full(ny, -np.inf), [extra]]), np.concatenate([np.zeros(ny), [np.inf]]),
                np.concatenate([np.ones(nx), np.zeros(ny)]))


def solve_partial_cover(
    cover: Any,
    group: Any,
    n_needed: int,
    *,
    fixed: Any = None,
    time_limit_s: float = 60.0,
    mip_gap: float = 0.0,
    tie_weights: Any = None,
) -> Solution:
    """Fewest new sites so that at least ``n_needed`` demands of ``group`` are covered.

    This answers "how many new village points reach 80 % of villages": the
    count includes what fixed sites already cover.

    Parameters
    ----------
    cover : sparse or ndarray
        Demands x sites, bool.
    group : bool array
        The demands that count (e.g. villages).
    n_needed : int
        How many of them must be covered.
    fixed : bool mask or indices, optional
        Existing sites.
    time_limit_s, mip_gap : float
    tie_weights : array-like, optional
        Per demand (e.g. older people): orders sites of equal gain in the list
        (more newly covered weight first); never changes which sites are chosen.

    Returns
    -------
    Solution
        ``objective`` = number of new sites; ``status`` is ``"infeasible"``
        (and ``opened`` empty) when even every candidate together does not
        cover ``n_needed``; ``params["max_coverable"]`` says how many could be.
    """
    A = as_cover(cover)
    prob = build_problem(A.shape, model="partial cover", fixed=fixed, time_limit_s=time_limit_s, mip_gap=mip_gap)
    grp = np.asarray(group, dtype=bool)
    split = CoverSplit.of(A, prob.fixed)
    covered0 = split.covered0
    have = int((covered0 & grp).sum())
    need_rows = np.flatnonzero(grp & ~covered0 & split.by_cand)
    max_cov = have + len(need_rows)
    extra = int(n_needed) - have
    params = {"n_needed": int(n_needed), "already": have, "max_coverable": max_cov,
              "time_limit_s": time_limit_s, "mip_gap": mip_gap}
    uncoverable = np.flatnonzero(grp & ~covered0 & ~split.by_cand)
    if extra <= 0:
        return empty_solution(prob, "partial_cover", uncoverable, 0.0, params, covered=covered0)
    if extra > len(need_rows):
        s = empty_solution(prob, "partial_cover", uncoverable, float("nan"), params, covered=covered0)
        return dataclasses.replace(s, status="infeasible", message=f"at most {max_cov} of {int(grp.sum())} coverable")
    sub, cols = useful_columns(sp.csr_array(A, dtype=float), need_rows, prob.candidates)
    ny, nx = sub.shape
    greedy = _greedy_cover(sub, np.ones(nx), extra)
    start = np.zeros(nx + ny)
    start[greedy] = 1.0
    start[nx:] = np.asarray(sub[:, greedy].sum(axis=1)).reshape(-1) > 0
    m = prob.solve(_partial_cover_milp(sp.csr_array(sub), extra), start=start)
    chosen = list(cols[m.x[:len(cols)] > 0.5])
    tie = None if tie_weights is None else vector(tie_weights, prob.n_demands, "tie_weights")
    order, gains, credited = rank_cover(chosen, sp.csc_array(A), covered0 | ~grp, np.ones(prob.n_demands),
                                        np.zeros(prob.n_sites), tie)
    covered = covered0.copy()
    covered[credited >= 0] = True
    params.update(n_vars=m.n_vars, n_cons=m.n_cons)
    return make_solution(prob, Verdict.of(m), model="partial_cover", objective=float(len(chosen)), opened=order,
                         gains=gains, assignment=np.full(prob.n_demands, -1), credited=credited, covered=covered,
                         uncoverable=uncoverable, params=params)
