"""Maximal covering (MCLP): open at most ``p`` new sites to maximise the covered weight, with or without capacity."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from planner.optim.assign import best_share
from planner.optim.capacitated import CapModel
from planner.optim.capsolve import solve_cap
from planner.optim.milp import GREEDY, TIME_LIMIT, Milp, NoSolutionInTime, relative_gap
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

__all__ = ["solve_mclp", "Uncovered", "greedy_pick", "mclp_capmodel", "cap_cover"]


@dataclass(frozen=True, eq=False)
class Uncovered:
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

    def start(self, picked: list[int]) -> np.ndarray:
        """The model's variables (``x`` then ``y``) for the local columns ``picked``."""
        ny, nx = self.sub.shape
        x = np.zeros(nx + ny)
        x[np.asarray(picked, dtype=np.int64)] = 1.0
        for k in picked:
            x[nx + self.sub.indices[self.sub.indptr[k]:self.sub.indptr[k + 1]]] = 1.0
        return x


def _mclp_exact(prob: LocationProblem, left: Uncovered) -> tuple[list[int], Verdict, dict]:
    """HiGHS from the greedy start; when it finds nothing in time, the greedy answer with the best bound."""
    model = left.milp(prob.preference, prob.p)
    picked, _ = greedy_pick(left, prob.preference, prob.p)
    start = left.start(picked)
    size = {"n_vars": model.n_vars, "n_cons": model.n_cons}
    try:
        m = prob.solve(model, start=start)
    except NoSolutionInTime as err:  # cannot happen with a feasible start, kept for safety
        score = float(np.dot(model.c, start)) + left.base
        bound = err.bound + left.base
        return list(left.cols[picked]), Verdict(TIME_LIMIT, score, bound, relative_gap(score, bound, True),
                                                f"the exact model did not finish: {err}; greedy answer kept"), size
    chosen = list(left.cols[m.x[:len(left.cols)] > 0.5])
    return chosen, Verdict.of(m, left.base, maximise=True), size


def greedy_pick(left: Uncovered, pref: np.ndarray, p: int) -> tuple[list[int], float]:
    """Lazy greedy: (local column indices in pick order, score) of the site adding the most weight, ``p`` times."""
    sub, wn, cols = left.sub, left.wn, left.cols
    ny, nx = sub.shape
    unc = np.ones(ny, bool)

    def gain(k: int) -> float:
        rows = sub.indices[sub.indptr[k]:sub.indptr[k + 1]]
        return float(wn[rows[unc[rows]]].sum()) + pref[cols[k]]

    lazy = Lazy(np.array([gain(k) for k in range(nx)]), np.ones(nx, bool))
    picked: list[int] = []
    score = left.base
    for rnd in range(p):
        got = lazy.pop(gain, rnd)
        if got is None or got[1] <= EPS:
            break
        k, g = got
        picked.append(k)
        score += g
        unc[sub.indices[sub.indptr[k]:sub.indptr[k + 1]]] = False
    return picked, score


def _mclp_greedy(prob: LocationProblem, left: Uncovered) -> tuple[list[int], Verdict, dict]:
    """Lazy greedy, its gap against the LP relaxation (NaN when the LP does not finish in time)."""
    picked, score = greedy_pick(left, prob.preference, prob.p)
    bound, note = prob.lp_bound(left.milp(prob.preference, prob.p), left.base)
    verdict = Verdict(GREEDY, score, bound, relative_gap(score, bound, True), f"greedy (lazy); {note}")
    return list(left.cols[picked]), verdict, {"n_vars": left.sub.shape[1] + left.sub.shape[0],
                                              "n_cons": left.sub.shape[0] + 1}


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
    left = Uncovered(sub, cols, w[need], base)
    solve = _mclp_exact if prob.method == "exact" else _mclp_greedy
    chosen, verdict, size = solve(prob, left)
    params.update(size)
    order, gains, credited, covered = finish_cover(chosen, A, covered0, w, prob.preference)
    return make_solution(prob, verdict, model="mclp", objective=float(w[covered].sum()), opened=order, gains=gains,
                         assignment=nearest_open(A, fx, order), credited=credited, covered=covered,
                         uncoverable=uncoverable, params=params)


def _capacitated_pairs(prob: LocationProblem, A: sp.csr_array) -> tuple[np.ndarray, np.ndarray]:
    """Covering pairs a demand can use: unsplittable, only sites whose capacity holds the whole demand."""
    coo = sp.coo_array(A)
    rows, cols = coo.row.astype(np.int64), coo.col.astype(np.int64)
    keep = prob.fitting(rows, cols) & (prob.weights[rows] > 0)
    return rows[keep], cols[keep]


def mclp_capmodel(prob: LocationProblem, A: sp.csr_array, *, fixed_only: bool = False) -> CapModel:
    """The capacitated MCLP of ``prob`` on cover ``A`` in profit form (profit = the demand's weight).

    ``fixed_only``: the model with the fixed sites alone (no candidate, ``p = 0``).
    """
    rows, cols = _capacitated_pairs(prob, A)
    if fixed_only:
        keep = prob.fixed[cols]
        rows, cols = rows[keep], cols[keep]
    w = prob.weights
    return CapModel(prob.n_demands, prob.n_sites, rows, cols, w[rows].astype(float), w, prob.capacity, prob.fixed,
                    np.unique(cols[~prob.fixed[cols]]), prob.preference, 0 if fixed_only else prob.p,
                    prob.splittable)


def cap_cover(m: CapModel, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per demand, its served share (0..1) and the site with its largest share (-1 when none)."""
    frac = np.bincount(m.rows, weights=z, minlength=m.n_demands)
    return np.clip(frac, 0.0, 1.0), best_share(m.rows, m.cols, z, m.n_demands)


def _mclp_capacitated(prob: LocationProblem, A: sp.csr_array, uncoverable: np.ndarray) -> Solution:
    w = prob.weights
    m = mclp_capmodel(prob, A)
    params = prob.params({"capacitated": True, "splittable": prob.splittable}, n_pairs=len(m.rows))
    m0 = mclp_capmodel(prob, A, fixed_only=True)
    before = solve_cap(m0, prob, share=0.2)  # fixed sites only
    ans = solve_cap(m, prob)
    cov0, _ = cap_cover(m0, before.z)
    frac, assignment = cap_cover(m, ans.z)
    covered = frac > 0.5
    load = np.bincount(m.cols, weights=w[m.rows] * ans.z, minlength=prob.n_sites)
    chosen = ans.opened
    newly = covered & ~(cov0 > 0.5)
    credited = np.where(newly & np.isin(assignment, chosen), assignment, -1)
    chosen = chosen[load[chosen] > EPS]  # a new centre nobody is assigned to is not proposed
    gains = np.array([float(w[credited == j].sum()) for j in chosen])
    order = np.argsort(-gains, kind="stable")
    params.update(n_vars=ans.n_vars, n_cons=ans.n_cons, objective_before=before.score, load=load)
    verdict = Verdict(ans.status, ans.score, ans.bound, ans.gap, ans.message)
    return make_solution(prob, verdict, model="mclp_cap", objective=float((w * frac).sum()),
                         opened=chosen[order], gains=gains[order], assignment=assignment, credited=credited,
                         covered=covered, uncoverable=uncoverable, params=params)
