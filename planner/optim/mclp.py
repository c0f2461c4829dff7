"""Maximal covering (MCLP): open at most ``p`` new sites to maximise the covered weight, with or without capacity."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from planner.optim.assign import AssignmentModel, best_share, solve_assignment
from planner.optim.milp import OPTIMAL, Milp, relative_gap
from planner.optim.problem import EPS, LocationProblem, as_cover, build_problem
from planner.optim.solution import (
    CoverSplit,
    Lazy,
    Solution,
    Verdict,
    empty_solution,
    finish_cover,
    make_solution,
    nearest_open,
    useful_columns,
)

__all__ = ["solve_mclp"]


@dataclass(frozen=True, eq=False)
class _Uncovered:
    """The uncapacitated MCLP after fixed sites: what is left to cover and by which candidates."""

    sub: sp.csc_array  # needed demands x useful candidates
    cols: np.ndarray  # site index of each useful candidate
    wn: np.ndarray  # weight of each needed demand
    base: float  # weight fixed sites already cover

    def milp(self, pref: np.ndarray, p: int) -> Milp:
        """max pref . x + wn . y  s.t. ``y_i <= sum_j a_ij x_j``, ``sum x <= p``."""
        ny, nx = self.sub.shape
        A1 = sp.hstack([-sp.csr_array(self.sub, dtype=float), sp.identity(ny, format="csr")])
        A2 = sp.csr_array(np.concatenate([np.ones(nx), np.zeros(ny)])[None, :])
        return Milp(np.concatenate([pref[self.cols], self.wn]), sp.vstack([A1, A2]).tocsr(), np.full(ny + 1, -np.inf),
                    np.concatenate([np.zeros(ny), [p]]), np.concatenate([np.ones(nx), np.zeros(ny)]), maximise=True)


def _mclp_exact(prob: LocationProblem, left: _Uncovered) -> tuple[list[int], Verdict, dict]:
    m = prob.solve(left.milp(prob.preference, prob.p))
    chosen = list(left.cols[m.x[:len(left.cols)] > 0.5])
    score, bound = m.score + left.base, m.bound + left.base
    gap = relative_gap(score, bound, True) if m.status != OPTIMAL or m.gap > 0 else 0.0
    return chosen, Verdict(m.status, score, bound, gap, m.message), {"n_vars": m.n_vars, "n_cons": m.n_cons}


def _mclp_greedy(prob: LocationProblem, left: _Uncovered) -> tuple[list[int], Verdict, dict]:
    """Lazy greedy: the site adding the most uncovered weight (plus its preference), ``p`` times."""
    sub, wn, cols, pref = left.sub, left.wn, left.cols, prob.preference
    ny, nx = sub.shape
    unc = np.ones(ny, bool)

    def gain(k: int) -> float:
        rows = sub.indices[sub.indptr[k]:sub.indptr[k + 1]]
        return float(wn[rows[unc[rows]]].sum()) + pref[cols[k]]

    lazy = Lazy(np.array([gain(k) for k in range(nx)]), np.ones(nx, bool))
    picked: list[int] = []
    score = left.base
    for rnd in range(prob.p):
        got = lazy.pop(gain, rnd)
        if got is None or got[1] <= EPS:
            break
        k, g = got
        picked.append(k)
        score += g
        unc[sub.indices[sub.indptr[k]:sub.indptr[k + 1]]] = False
    lp = prob.solve(left.milp(pref, prob.p), relax=True)
    bound = lp.score + left.base
    verdict = Verdict("greedy", score, bound, relative_gap(score, bound, True),
                      f"greedy (lazy); LP relaxation {lp.status}")
    return list(cols[picked]), verdict, {"n_vars": nx + ny, "n_cons": ny + 1}


def solve_mclp(
    cover: Any,
    weights: Any,
    p: int,
    *,
    fixed: Any = None,
    preference: Any = None,
    capacity: Any = None,
    splittable: bool = False,
    method: str = "exact",
    time_limit_s: float = 60.0,
    mip_gap: float = 0.0,
) -> Solution:
    """Maximal covering: open at most ``p`` new sites to maximise covered weight.

    Parameters
    ----------
    cover : sparse or ndarray
        Demands x sites, bool.
    weights : array
        Demand weights (older population).
    p : int
        New sites to open (fewer are opened when fewer can add coverage).
    fixed : bool mask or indices, optional
        Existing sites.
    preference : array, optional
        Per-site bonus added to the objective when the site is opened
        (same units as ``weights``).
    capacity : array, optional
        Per-site capacity in weight units (``inf`` = none).  When given, the
        capacitated model is solved (see :mod:`planner.optim.locate`).
    splittable : bool
        Capacitated only: allow a demand to be split between sites.
    method : {"exact", "greedy"}
        Greedy is for the uncapacitated model only.
    time_limit_s, mip_gap : float

    Returns
    -------
    Solution
        ``objective`` = covered weight, fixed sites' coverage included.

    Raises
    ------
    InputError
        For arguments of the wrong length, negative weights, ``p < 0``, an
        unknown method or greedy with capacities.
    """
    A = as_cover(cover)
    prob = build_problem(A.shape, model="MCLP", weights=weights, p=p, fixed=fixed, preference=preference,
                         capacity=capacity, splittable=splittable, method=method, time_limit_s=time_limit_s,
                         mip_gap=mip_gap)
    any_cover = np.asarray(A.sum(axis=1)).reshape(-1) > 0
    uncoverable = np.flatnonzero(~any_cover)
    if prob.capacitated:
        return _mclp_capacitated(prob, A, uncoverable)
    w, fx = prob.weights, prob.fixed
    split = CoverSplit.of(A, fx)
    covered0 = split.covered0
    need = np.flatnonzero(~covered0 & split.by_cand)
    params = prob.params(capacitated=False)
    sub, cols = useful_columns(A, need, prob.candidates)
    base = float(w[covered0].sum())
    if not len(need) or not len(cols) or prob.p == 0:
        return empty_solution(prob, "mclp", uncoverable, base, params, assignment=nearest_open(A, fx),
                              covered=covered0)
    left = _Uncovered(sub, cols, w[need], base)
    solve = _mclp_exact if prob.method == "exact" else _mclp_greedy
    chosen, verdict, size = solve(prob, left)
    params.update(size)
    order, gains, credited, covered = finish_cover(chosen, A, covered0, w, prob.preference)
    return make_solution(prob, verdict, model="mclp", objective=float(w[covered].sum()), opened=order, gains=gains,
                         assignment=nearest_open(A, fx, order), credited=credited, covered=covered,
                         uncoverable=uncoverable, params=params)


def _mclp_assignment(prob: LocationProblem, rows: np.ndarray, cols: np.ndarray, p: int,
                     candidates: np.ndarray) -> AssignmentModel:
    """Capacitated MCLP as an assignment model: maximise the assigned weight (plus preferences)."""
    w = prob.weights
    return AssignmentModel(prob.n_demands, prob.n_sites, rows, cols, pair_cost=w[rows], load=w,
                           capacity=prob.capacity, fixed=prob.fixed, candidates=candidates,
                           open_cost=prob.preference[candidates], p=p, splittable=prob.splittable, maximise=True)


def _capacitated_pairs(prob: LocationProblem, A: sp.csr_array) -> tuple[np.ndarray, np.ndarray]:
    """Covering pairs a demand can use: unsplittable, only sites whose capacity holds the whole demand."""
    coo = sp.coo_array(A)
    rows, cols = coo.row.astype(np.int64), coo.col.astype(np.int64)
    keep = prob.fitting(rows, cols)
    return rows[keep], cols[keep]


def _mclp_capacitated(prob: LocationProblem, A: sp.csr_array, uncoverable: np.ndarray) -> Solution:
    n_dem, n_site, w = prob.n_demands, prob.n_sites, prob.weights
    rows, cols = _capacitated_pairs(prob, A)
    cand_cols = np.unique(cols[~prob.fixed[cols]])
    params = prob.params({"capacitated": True, "splittable": prob.splittable}, n_pairs=len(rows))
    lim = {"time_limit_s": prob.time_limit_s, "mip_gap": prob.mip_gap}
    before = solve_assignment(_mclp_assignment(prob, rows, cols, 0, np.zeros(0, int)), **lim)  # fixed sites only
    ans = solve_assignment(_mclp_assignment(prob, rows, cols, prob.p, cand_cols), **lim)
    m, z = ans.milp, ans.z
    chosen = cand_cols[ans.x > 0.5]
    cov0 = np.zeros(n_dem)
    np.add.at(cov0, rows, before.z)
    frac = np.zeros(n_dem)
    np.add.at(frac, rows, z)
    assignment = best_share(rows, cols, z, n_dem)
    covered = frac > 0.5
    load = np.zeros(n_site)
    np.add.at(load, cols, w[rows] * z)
    newly = covered & ~(cov0 > 0.5)
    credited = np.where(newly & np.isin(assignment, chosen), assignment, -1)
    chosen = chosen[load[chosen] > EPS]  # a new centre nobody is assigned to is not proposed
    gains = np.array([float(w[credited == j].sum()) for j in chosen])
    order = np.argsort(-gains, kind="stable")
    params.update(n_vars=m.n_vars, n_cons=m.n_cons, objective_before=before.milp.score, load=load)
    return make_solution(prob, Verdict.of(m), model="mclp_cap", objective=float((w * np.clip(frac, 0, 1)).sum()),
                         opened=chosen[order], gains=gains[order], assignment=assignment, credited=credited,
                         covered=covered, uncoverable=uncoverable, params=params)
