"""The coverage curve: the MCLP optimum for every number of new sites ``k = 0..k_max``, from one model.

The model is loaded into HiGHS once (:class:`~planner.optim.milp.HighsModel`);
for each ``k`` only the bound of the row ``sum of new sites <= k`` changes.
Each ``k`` starts from the better of the greedy answer for ``k`` (one
incremental greedy run gives every prefix) and the answer for ``k - 1``
(feasible for ``k``), so the curve never goes down.  Capacitated models first
try the Lagrangian bound: when it already proves the greedy answer within the
gap, HiGHS is not run for that ``k``.

Time: ``time_limit_s`` for the whole curve; each ``k`` still to solve gets an
equal share of what is left (time a ``k`` does not use passes on).  A ``k``
that does not finish keeps its best answer with status ``"time_limit"`` and its
proven gap; nothing raises for lack of time.

Bounds are made consistent afterwards: the optimum cannot fall as ``k`` grows,
so the bound at ``k`` is the smallest bound at any ``k' >= k``.

The curve maximises covered weight only (the problem's site preferences are
left out: the curve is about coverage).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp

from planner.errors import InputError
from planner.optim.assign import build_assignment_milp
from planner.optim.capacitated import CapModel, greedy_run, lagrangian_bound
from planner.optim.capsolve import MAX_HIGHS_PAIRS
from planner.optim.mclp import Uncovered, cap_cover, greedy_pick, mclp_capmodel
from planner.optim.milp import EMPTY, OPTIMAL, TIME_LIMIT, HighsModel, relative_gap, status_of
from planner.optim.problem import LocationProblem
from planner.optim.solution import CoverSplit, finish_cover, useful_columns

__all__ = ["CurvePoint", "cover_curve"]


@dataclass(frozen=True)
class CurvePoint:
    """One point of the coverage curve (arrays are read-only).

    Attributes
    ----------
    k : int
        Number of new sites allowed.
    opened : ndarray of int
        Column indices of the new sites opened, in rank order (largest marginal gain first).
    covered : ndarray of bool
        Per demand row: covered with the fixed and the opened sites (capacitated: assigned).
    objective : float
        Covered weight (what MCLP maximises, without preference bonus).
    bound : float
        Proven upper bound on the objective for this ``k`` (NaN if unknown).
    gap : float
        Proven relative gap ``(bound - objective) / bound`` (NaN if unknown).
    status : str
        Same vocabulary as :attr:`planner.optim.Solution.status`.
    """

    k: int
    opened: np.ndarray
    covered: np.ndarray
    objective: float
    bound: float
    gap: float
    status: str

    def __post_init__(self) -> None:
        for name in ("opened", "covered"):
            arr = np.array(getattr(self, name), copy=True)
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)


class _Clock:
    """Equal shares of what is left of the budget for the ``k`` still to solve."""

    def __init__(self, budget: float, k_max: int) -> None:
        self.end = time.perf_counter() + budget
        self.k_max = k_max

    def share(self, k: int) -> float:
        return max((self.end - time.perf_counter()) / max(self.k_max - k + 1, 1), 0.05)


def cover_curve(prob: LocationProblem, k_max: int, *, time_limit_s: float) -> tuple[CurvePoint, ...]:
    """The MCLP optimum (or best answer with its proven gap) for ``k = 0..k_max`` new sites.

    Parameters
    ----------
    prob : LocationProblem
        The MCLP problem, capacitated or not, as built by
        ``build_problem(cover.shape, model="MCLP", weights=..., fixed=..., capacity=..., splittable=...,
        mip_gap=..., cover=cover)`` (the cover matrix must be given; ``p`` and ``method`` are not used).
    k_max : int
        Largest number of new sites (at most the number of candidates is meaningful).
    time_limit_s : float
        Time for the whole curve.

    Returns
    -------
    tuple of CurvePoint
        One per ``k = 0..k_max``; objectives non-decreasing in ``k``.

    Raises
    ------
    InputError
        When ``prob`` has no cover matrix or ``k_max < 0``.
    """
    if prob.cover is None:
        raise InputError("cover_curve needs the cover matrix: build the problem with build_problem(..., cover=cover)")
    if k_max < 0:
        raise InputError(f"k_max must be >= 0, got {k_max}")
    clock = _Clock(float(time_limit_s), int(k_max))
    pts = _cap_curve(prob, int(k_max), clock) if prob.capacitated else _uncap_curve(prob, int(k_max), clock)
    return _consistent(pts, prob.mip_gap)


def _point(k: int, opened: np.ndarray, covered: np.ndarray, objective: float, bound: float, stopped: bool,
           mip_gap: float) -> CurvePoint:
    bound = max(bound, objective) if math.isfinite(bound) else math.nan
    gap = relative_gap(objective, bound, True)
    return CurvePoint(k, opened, covered, objective, bound, gap, status_of(gap, mip_gap, stopped))


def _consistent(pts: list[CurvePoint], mip_gap: float) -> tuple[CurvePoint, ...]:
    """Bounds non-increasing from the right (opt(k) <= opt(k+1) <= bound(k+1)); gaps and statuses follow."""
    out: list[CurvePoint] = []
    tight = math.inf
    for pt in reversed(pts):
        b = pt.bound if math.isfinite(pt.bound) else math.inf
        tight = min(tight, b)
        if pt.status == EMPTY or not math.isfinite(tight):
            out.append(pt)
            continue
        gap = relative_gap(pt.objective, tight, True)
        status = pt.status if pt.status == OPTIMAL else status_of(gap, mip_gap, pt.status == TIME_LIMIT)
        out.append(replace(pt, bound=tight, gap=gap, status=status))
    return tuple(reversed(out))


def _uncap_curve(prob: LocationProblem, k_max: int, clock: _Clock) -> list[CurvePoint]:
    A, w, fx = prob.cover, prob.weights, prob.fixed
    split = CoverSplit.of(A, fx)
    covered0 = split.covered0
    need = np.flatnonzero(~covered0 & split.by_cand)
    sub, cols = useful_columns(A, need, prob.candidates)
    base = float(w[covered0].sum())
    zero = np.zeros(prob.n_sites)
    pts = [CurvePoint(0, np.zeros(0, int), covered0, base, base, 0.0, EMPTY)]
    if not len(need) or not len(cols) or k_max == 0:
        return pts + [replace(pts[0], k=k) for k in range(1, k_max + 1)]
    left = Uncovered(sub, cols, w[need], base)
    top = base + float(left.wn.sum())
    greedy, _ = greedy_pick(left, zero, k_max)
    ny = sub.shape[0]
    hm: HighsModel | None = None
    prev: list[int] = []
    for k in range(1, k_max + 1):
        starts = [left.start(greedy[:k]), left.start(prev)]
        start = max(starts, key=lambda s: float(left.wn @ s[len(cols):]))
        value = base + float(left.wn @ start[len(cols):])
        bound, stopped = top, False
        x = start
        if value < top - 1e-9 * max(1.0, top):  # everything coverable covered: nothing to prove
            if hm is None:
                hm = HighsModel(left.milp(zero, k_max))
            hm.set_row_bounds(ny, -np.inf, k)
            res = hm.solve(time_limit_s=clock.share(k), mip_gap=prob.mip_gap, start=start)
            x, bound, stopped = res.x, res.bound + base, res.status == TIME_LIMIT
        chosen = list(cols[x[:len(cols)] > 0.5])
        prev = [int(i) for i in np.flatnonzero(x[:len(cols)] > 0.5)]
        order, _, _, covered = finish_cover(chosen, A, covered0, w, zero)
        pts.append(_point(k, order, covered, float(w[covered].sum()), bound, stopped, prob.mip_gap))
    return pts


def _cap_answer(m: CapModel, x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """(opened in order of load taken, covered, covered weight) of HiGHS-shaped variables ``x``."""
    nx = len(m.candidates)
    z = x[nx:nx + len(m.rows)]
    frac, _ = cap_cover(m, z)
    load = np.bincount(m.cols, weights=w[m.rows] * z, minlength=m.n_sites)
    opened = m.candidates[x[:nx] > 0.5]
    opened = opened[load[opened] > 1e-9]
    return opened[np.argsort(-load[opened], kind="stable")], frac > 0.5, float((w * frac).sum())


def _cap_curve(prob: LocationProblem, k_max: int, clock: _Clock) -> list[CurvePoint]:
    w = prob.weights
    m = replace(mclp_capmodel(prob, sp.csr_array(prob.cover)), pref=np.zeros(prob.n_sites), p=k_max)
    run = greedy_run(m, k_max)
    milp = build_assignment_milp(m.assignment_model(k_max))
    card = milp.n_cons - 1  # the "sum of new sites <= k" row is the last one
    hm: HighsModel | None = None
    prev: np.ndarray | None = None
    lam: np.ndarray | None = None
    pts: list[CurvePoint] = []
    for k in range(0, k_max + 1):
        step = min(k, len(run.opened))
        starts = [m.start_vector(run.opened[:step], run.site_of[step])] + ([] if prev is None else [prev])
        start = max(starts, key=lambda s: float(milp.c @ s))
        value = float(milp.c @ start)
        share = clock.share(k)
        t0 = time.perf_counter()
        on = start[len(m.candidates):]
        cur = np.bincount(m.rows, weights=m.profit * on, minlength=m.n_demands)
        bound, lam = lagrangian_bound(m, value, p=k, time_budget_s=0.3 * share, lam0=cur if lam is None else lam,
                                      close_enough=0.999 * prob.mip_gap * abs(value))
        x, stopped = start, False
        if relative_gap(value, bound, True) > max(prob.mip_gap, 1e-9) and len(m.rows) <= MAX_HIGHS_PAIRS:
            if hm is None:
                hm = HighsModel(milp)
            hm.set_row_bounds(card, -np.inf, k)
            res = hm.solve(time_limit_s=max(share - (time.perf_counter() - t0), 0.05), mip_gap=prob.mip_gap,
                           start=start)
            x, stopped = res.x, res.status == TIME_LIMIT
            if math.isfinite(res.bound):
                bound = min(bound, res.bound)
        prev = x
        opened, covered, objective = _cap_answer(m, x, w)
        pts.append(_point(k, opened, covered, objective, bound, stopped, prob.mip_gap))
    return pts
