"""Numeric core of location-allocation: LSCP, MCLP and p-median on matrices.

Everything here works on plain arrays, so it can be checked by hand and
against spopt; :mod:`planner.siting` turns study layers into these matrices
and the answers back into layers.

Conventions
-----------
*Demands* are rows (settlements), *sites* are columns.  A site is either
*fixed* (an existing facility: always open, not counted in ``p``) or a
*candidate* (may be opened).  Every solver is one function call that returns
an immutable :class:`Solution`; nothing has to be called in order.

``cover``
    Boolean matrix, demands x sites: ``True`` where the site serves the
    demand within the threshold.  scipy.sparse (any format) or dense.
``times``
    Travel times, demands x sites.  scipy.sparse: the *stored* entries are
    the reachable pairs (explicit zeros are kept and mean "0 s"; entries that
    are ``inf`` are ignored); dense: ``inf`` (or NaN) means unreachable.
``weights``
    Demand weights (older population); NaN is treated as 0.

Fixed sites' coverage counts as already given: in the uncapacitated LSCP and
MCLP the demands they cover are dropped before solving.  Demands that no
site at all (fixed or candidate) can cover or reach are *not* a reason for
the model to fail: they are listed in :attr:`Solution.uncoverable` and kept
out of the model.

p-median and unreachable demands
--------------------------------
Only reachable pairs enter the model (a sparse formulation).  A demand that
some site can reach, but no *open* site does, is "unserved" and pays
``unserved_penalty`` seconds (default: twice the largest reachable time in
the matrix, 1 s when every time is 0, so it always costs more than any real
assignment).  The penalty
is part of the objective and is reported separately
(:attr:`Solution.unserved`); demands nobody can reach are constant and are
left out entirely (:attr:`Solution.uncoverable`).

Capacitated variants
--------------------
``capacity`` (per site, in the units of ``weights``; ``inf`` = no limit)
turns MCLP and p-median into assignment models with variables ``z_ij``:
``sum_i w_i z_ij <= C_j x_j`` and ``z_ij <= x_j``.  Assignment is
*unsplittable* by default (``z`` binary: a village goes to one centre as a
whole); ``splittable=True`` lets ``z`` be fractional (an LP-like relaxation
of the assignment, exact when centres may share villages).  In the
capacitated models fixed sites take part in the assignment with their own
capacity, so demands they already cover may be moved to a new site to make
room.

Exact and greedy
----------------
``method="exact"`` solves the MILP with HiGHS (:func:`scipy.optimize.milp`)
under ``time_limit_s`` and reports HiGHS' status, best bound and relative
gap.  ``method="greedy"`` adds one site at a time, the one with the largest
marginal gain (lazy evaluation: gains only shrink as sites are added, so a
stale gain is an upper bound and only the top of the heap is re-evaluated);
its gap is measured against the bound of the LP relaxation of the same
model, which HiGHS solves under the same time limit.  Gaps are relative:
``(bound - value) / |bound|`` for maximisation and ``(value - bound) / |value|``
for minimisation, so always >= 0.
"""

from __future__ import annotations

import contextlib
import dataclasses
import heapq
import logging
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

from planner.errors import SolverError

__all__ = ["Solution", "solve_lscp", "solve_mclp", "solve_pmedian", "solve_partial_cover", "cover_from_times"]

logger = logging.getLogger(__name__)

_EPS = 1e-9


@dataclass(frozen=True)
class Solution:
    """The answer of one location-allocation model (arrays are read-only).

    Attributes
    ----------
    model : str
        ``"lscp"``, ``"mclp"`` or ``"pmedian"`` (``"mclp_cap"``, ``"pmedian_cap"`` when capacitated).
    method : str
        ``"exact"`` (HiGHS MILP) or ``"greedy"``.
    status : str
        ``"optimal"``, ``"time_limit"`` (best solution found when the time ran
        out), ``"greedy"`` or ``"empty"`` (nothing to decide).
    objective : float
        The model's own measure, without preferences: number of new sites
        (LSCP), covered weight including what fixed sites cover (MCLP), or
        weighted time in seconds including unserved penalties (p-median).
    score : float
        What the solver optimised: ``objective`` plus/minus the preference bonus.
    bound : float
        Best bound on ``score`` (HiGHS' dual bound, or the LP relaxation for greedy).
    gap : float
        Relative gap between ``score`` and ``bound`` (>= 0; 0 = proven optimal).
    opened : ndarray of int
        Site (column) indices of the new sites, in rank order (largest
        marginal gain first, given the sites ranked before).
    gains : ndarray of float
        Marginal gain of each opened site in rank order (covered weight for
        MCLP, newly covered demands for LSCP, seconds x weight saved for p-median).
    assignment : ndarray of int
        Per demand: the site serving it (fixed or new), -1 when none.
    credited : ndarray of int
        Per demand: the *new* site credited with serving it (first in rank
        order that covers it; for p-median the assigned new site), -1 otherwise.
    covered : ndarray of bool
        Per demand: covered (LSCP/MCLP) or served by an open site (p-median).
    uncoverable : ndarray of int
        Demands that no site, fixed or candidate, can cover/reach.
    unserved : ndarray of int
        p-median: demands reachable by some site but by no open one (they pay the penalty).
    runtime_s : float
    params : dict
        Size of the model and the options used.
    message : str
        Solver message.
    """

    model: str
    method: str
    status: str
    objective: float
    score: float
    bound: float
    gap: float
    opened: np.ndarray
    gains: np.ndarray
    assignment: np.ndarray
    credited: np.ndarray
    covered: np.ndarray
    uncoverable: np.ndarray
    unserved: np.ndarray
    runtime_s: float
    params: dict = field(default_factory=dict)
    message: str = ""

    def __post_init__(self) -> None:
        for name in ("opened", "gains", "assignment", "credited", "covered", "uncoverable", "unserved"):
            arr = np.array(getattr(self, name), copy=True)
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)


# --------------------------------------------------------------------------- inputs


def _as_cover(cover: Any) -> sp.csr_array:
    if sp.issparse(cover):
        m = sp.csr_array(cover)
        m = sp.csr_array((m.data.astype(bool), m.indices, m.indptr), shape=m.shape)
        m.eliminate_zeros()
        return m
    return sp.csr_array(np.asarray(cover, dtype=bool))


def _pairs(times: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[int, int]]:
    """(rows, cols, values, shape) of the reachable pairs (finite entries)."""
    if sp.issparse(times):
        coo = sp.coo_array(times)
        r, c, v = coo.row, coo.col, np.asarray(coo.data, dtype=float)
        shape = coo.shape
    else:
        arr = np.asarray(times, dtype=float)
        shape = arr.shape
        r, c = np.nonzero(np.isfinite(arr))
        v = arr[r, c]
    ok = np.isfinite(v)
    if (v[ok] < 0).any():
        raise SolverError("travel times must be >= 0")
    return r[ok].astype(np.int64), c[ok].astype(np.int64), v[ok], (int(shape[0]), int(shape[1]))


def cover_from_times(times: Any, threshold: float | np.ndarray) -> sp.csr_array:
    """Boolean demands x sites cover matrix: ``times <= threshold`` over reachable pairs.

    Parameters
    ----------
    times : sparse or ndarray
        Demands x sites seconds (see the module docstring).
    threshold : float or ndarray
        Seconds; an array gives one threshold per demand.

    Returns
    -------
    scipy.sparse.csr_array of bool
    """
    r, c, v, shape = _pairs(times)
    thr = np.broadcast_to(np.asarray(threshold, dtype=float), (shape[0],))
    keep = v <= thr[r] + _EPS
    return sp.csr_array((np.ones(int(keep.sum()), dtype=bool), (r[keep], c[keep])), shape=shape)


def _vec(x: Any, n: int, name: str, default: float = 0.0) -> np.ndarray:
    if x is None:
        return np.full(n, default, dtype=float)
    arr = np.asarray(x, dtype=float).reshape(-1)
    if arr.shape[0] != n:
        raise SolverError(f"{name} has {arr.shape[0]} values for {n} rows/columns")
    return arr


def _fixed(fixed: Any, n: int) -> np.ndarray:
    if fixed is None:
        return np.zeros(n, dtype=bool)
    arr = np.asarray(fixed)
    if arr.dtype == bool:
        if arr.shape[0] != n:
            raise SolverError(f"fixed has {arr.shape[0]} flags for {n} sites")
        return arr.copy()
    out = np.zeros(n, dtype=bool)
    out[arr.astype(int)] = True
    return out


def _check_p(p: int | None, n_cand: int) -> int:
    if p is None or p < 0:
        raise SolverError(f"p (number of new sites) must be >= 0, got {p}")
    return int(min(p, n_cand))


# --------------------------------------------------------------------------- HiGHS


@dataclass
class _Milp:
    x: np.ndarray | None
    status: str
    score: float
    bound: float
    gap: float
    message: str
    n_vars: int
    n_cons: int


def _solve(c: np.ndarray, A: sp.spmatrix | sp.sparray, lo: np.ndarray, hi: np.ndarray, lb: np.ndarray,
           ub: np.ndarray, integrality: np.ndarray, *, time_limit_s: float, mip_gap: float,
           maximise: bool, relax: bool = False) -> _Milp:
    sign = -1.0 if maximise else 1.0
    if not len(c):  # nothing to decide (e.g. no reachable pair at all)
        return _Milp(np.zeros(0), "optimal", 0.0, 0.0, 0.0, "empty model", 0, int(A.shape[0]))
    cons = [LinearConstraint(sp.csr_array(A), lo, hi)] if A.shape[0] else []
    integ = np.zeros_like(integrality) if relax else integrality
    opts: dict[str, Any] = {"time_limit": float(time_limit_s), "disp": False}
    if not relax:
        opts["mip_rel_gap"] = float(mip_gap)
    with _no_fd1():
        res = milp(sign * c, integrality=integ, bounds=Bounds(lb, ub), constraints=cons, options=opts)
    n_cons = int(A.shape[0])
    if res.x is None:
        if res.status == 1:
            raise SolverError(
                f"HiGHS found no solution within {time_limit_s:g} s ({res.message}); raise "
                "[siting] time_limit_s or use method='greedy'"
            )
        raise SolverError(f"HiGHS could not solve the model: {res.message}")
    score = sign * float(res.fun)
    if relax or not integ.any():
        bound, gap, status = score, 0.0, "optimal" if res.status == 0 else "time_limit"
    else:
        dual = getattr(res, "mip_dual_bound", None)
        bound = sign * float(dual) if dual is not None and np.isfinite(dual) else score
        gap = _gap(score, bound, maximise)
        status = "optimal" if res.status == 0 else "time_limit"
    return _Milp(np.asarray(res.x), status, score, bound, gap, str(res.message), len(c), n_cons)


@contextlib.contextmanager
def _no_fd1() -> Iterator[None]:
    """HiGHS' MIP code prints debug lines to file descriptor 1 even with ``disp=False``: discard them."""
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def _gap(value: float, bound: float, maximise: bool) -> float:
    diff = (bound - value) if maximise else (value - bound)
    denom = abs(bound) if maximise else abs(value)
    if denom < _EPS:
        return 0.0 if abs(diff) < 1e-6 else float("inf")
    g = diff / denom
    return 0.0 if g < 1e-9 else float(g)


class _Lazy:
    """Lazy greedy (CELF): gains are recomputed only when they reach the top."""

    def __init__(self, gains: np.ndarray, usable: np.ndarray) -> None:
        self.heap = [(-float(g), int(j), 0) for j, g in enumerate(gains) if usable[j]]
        heapq.heapify(self.heap)

    def pop(self, gain_of: Any, rnd: int) -> tuple[int, float] | None:
        while self.heap:
            g, j, stamp = heapq.heappop(self.heap)
            if stamp == rnd:
                return j, -g
            heapq.heappush(self.heap, (-float(gain_of(j)), j, rnd))
        return None


def _empty(model: str, method: str, n_dem: int, uncoverable: np.ndarray, objective: float,
           params: dict, t0: float, assignment: np.ndarray | None = None,
           covered: np.ndarray | None = None) -> Solution:
    return Solution(
        model=model, method=method, status="empty", objective=objective, score=objective, bound=objective,
        gap=0.0, opened=np.zeros(0, int), gains=np.zeros(0),
        assignment=np.full(n_dem, -1) if assignment is None else assignment,
        credited=np.full(n_dem, -1), covered=np.zeros(n_dem, bool) if covered is None else covered,
        uncoverable=uncoverable, unserved=np.zeros(0, int), runtime_s=time.perf_counter() - t0,
        params=params, message="nothing to decide",
    )


def _prune(cols: list[int], value: Any) -> list[int]:
    """Drop sites whose removal does not lower ``value`` (a redundant site is not proposed)."""
    keep = list(cols)
    full = value(keep)
    for j in sorted(cols, key=lambda j: value([j])):
        trial = [k for k in keep if k != j]
        if value(trial) >= full - 1e-9:
            keep = trial
    return keep


def _rank_cover(cols: list[int], csc: sp.csc_array, base: np.ndarray, w: np.ndarray, pref: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rank chosen columns by marginal covered weight; credit demands to the first covering one.

    Redundant columns (covering nothing the others do not) are dropped first.
    """

    def value(sel: list[int]) -> float:
        cov = base.copy()
        for j in sel:
            cov[csc.indices[csc.indptr[j]:csc.indptr[j + 1]]] = True
        return float(w[cov].sum())

    cols = _prune(cols, value)
    covered = base.copy()
    credited = np.full(len(base), -1)
    order, gains = [], []
    left = list(cols)
    while left:
        best, best_g = None, -np.inf
        for j in left:
            rows = csc.indices[csc.indptr[j]:csc.indptr[j + 1]]
            g = float(w[rows[~covered[rows]]].sum()) + pref[j]
            if g > best_g + _EPS or (abs(g - best_g) <= _EPS and (best is None or j < best)):
                best, best_g = j, g
        rows = csc.indices[csc.indptr[best]:csc.indptr[best + 1]]
        new = rows[~covered[rows]]
        credited[new] = best
        covered[new] = True
        left.remove(best)
        if best_g - pref[best] <= _EPS:
            continue  # adds nothing the sites ranked before do not already cover: not proposed
        order.append(best)
        gains.append(best_g - pref[best])
    return np.array(order, dtype=int), np.array(gains, dtype=float), credited


def _nearest_open(cover: sp.csr_array, open_mask: np.ndarray) -> np.ndarray:
    """Per demand, the first open site that covers it (-1 when none)."""
    out = np.full(cover.shape[0], -1)
    for i in range(cover.shape[0]):
        cols = cover.indices[cover.indptr[i]:cover.indptr[i + 1]]
        cols = cols[open_mask[cols]]
        if len(cols):
            out[i] = cols[0]
    return out


# --------------------------------------------------------------------------- LSCP


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
    """
    t0 = time.perf_counter()
    A = _as_cover(cover)
    n_dem, n_site = A.shape
    fx = _fixed(fixed, n_site)
    pref = _vec(preference, n_site, "preference")
    pref[fx] = 0.0
    covered0 = (A[:, np.flatnonzero(fx)].sum(axis=1) > 0) if fx.any() else np.zeros(n_dem, bool)
    cand = np.flatnonzero(~fx)
    by_cand = A[:, cand].sum(axis=1) > 0 if len(cand) else np.zeros(n_dem, bool)
    need = np.flatnonzero(~covered0 & by_cand)
    uncoverable = np.flatnonzero(~covered0 & ~by_cand)
    params = {"n_demands": n_dem, "n_sites": n_site, "n_fixed": int(fx.sum()), "n_to_cover": len(need),
              "time_limit_s": time_limit_s, "mip_gap": mip_gap}
    if not len(need):
        return _empty("lscp", method, n_dem, uncoverable, 0.0, params, t0,
                      assignment=_nearest_open(A, fx), covered=covered0)
    sub = sp.csc_array(A[need][:, cand])
    useful = np.flatnonzero(np.diff(sub.indptr) > 0)
    sub = sp.csc_array(sub[:, useful])
    cols = cand[useful]
    cost = 1.0 - pref[cols]
    if method == "exact":
        m = _solve(cost, sp.csr_array(sub), np.ones(len(need)), np.full(len(need), np.inf),
                   np.zeros(len(cols)), np.ones(len(cols)), np.ones(len(cols)),
                   time_limit_s=time_limit_s, mip_gap=mip_gap, maximise=False)
        chosen = list(cols[m.x > 0.5])
        status, score, bound, gap, msg = m.status, m.score, m.bound, m.gap, m.message
        params.update(n_vars=m.n_vars, n_cons=m.n_cons)
    elif method == "greedy":
        unc = np.ones(len(need), bool)
        csc = sub

        def gain(k: int) -> float:
            rows = csc.indices[csc.indptr[k]:csc.indptr[k + 1]]
            return float(unc[rows].sum()) / cost[k]

        lazy = _Lazy(np.diff(csc.indptr) / cost, np.ones(len(cols), bool))
        picked: list[int] = []
        rnd = 0
        while unc.any():
            got = lazy.pop(gain, rnd)
            if got is None or got[1] <= 0:
                break
            k = got[0]
            picked.append(k)
            unc[csc.indices[csc.indptr[k]:csc.indptr[k + 1]]] = False
            rnd += 1
        chosen = list(cols[picked])
        score = float(cost[picked].sum())
        lp = _solve(cost, sp.csr_array(sub), np.ones(len(need)), np.full(len(need), np.inf),
                    np.zeros(len(cols)), np.ones(len(cols)), np.ones(len(cols)),
                    time_limit_s=time_limit_s, mip_gap=mip_gap, maximise=False, relax=True)
        bound = lp.score
        gap = _gap(score, bound, maximise=False)
        status, msg = "greedy", f"greedy (lazy); LP relaxation {lp.status}"
        params.update(n_vars=len(cols), n_cons=len(need))
    else:
        raise SolverError(f"method must be 'exact' or 'greedy', not {method!r}")
    full = sp.csc_array(A)
    order, gains, credited = _rank_cover(chosen, full, covered0, np.ones(n_dem), pref)
    open_mask = fx.copy()
    open_mask[order] = True
    covered = covered0.copy()
    covered[credited >= 0] = True
    return Solution(
        model="lscp", method=method, status=status, objective=float(len(order)), score=score, bound=bound,
        gap=gap, opened=order, gains=gains, assignment=_nearest_open(A, open_mask), credited=credited,
        covered=covered, uncoverable=uncoverable, unserved=np.zeros(0, int),
        runtime_s=time.perf_counter() - t0, params=params, message=msg,
    )


# --------------------------------------------------------------------------- MCLP


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
        capacitated model is solved (see the module docstring).
    splittable : bool
        Capacitated only: allow a demand to be split between sites.
    method : {"exact", "greedy"}
        Greedy is for the uncapacitated model only.
    time_limit_s, mip_gap : float

    Returns
    -------
    Solution
        ``objective`` = covered weight, fixed sites' coverage included.
    """
    t0 = time.perf_counter()
    A = _as_cover(cover)
    n_dem, n_site = A.shape
    w = np.nan_to_num(_vec(weights, n_dem, "weights"), nan=0.0)
    if (w < 0).any():
        raise SolverError("weights must be >= 0")
    fx = _fixed(fixed, n_site)
    pref = _vec(preference, n_site, "preference")
    pref[fx] = 0.0
    cand = np.flatnonzero(~fx)
    p = _check_p(p, len(cand))
    any_cover = np.asarray(A.sum(axis=1)).reshape(-1) > 0
    uncoverable = np.flatnonzero(~any_cover)
    if capacity is not None:
        return _mclp_capacitated(A, w, p, fx, pref, _vec(capacity, n_site, "capacity", np.inf), splittable,
                                 method, time_limit_s, mip_gap, uncoverable, t0)
    covered0 = (A[:, np.flatnonzero(fx)].sum(axis=1) > 0) if fx.any() else np.zeros(n_dem, bool)
    base = float(w[covered0].sum())
    need = np.flatnonzero(~covered0 & any_cover)
    params = {"n_demands": n_dem, "n_sites": n_site, "n_fixed": int(fx.sum()), "p": p,
              "time_limit_s": time_limit_s, "mip_gap": mip_gap, "capacitated": False}
    sub = sp.csc_array(A[need][:, cand]) if len(need) and len(cand) else sp.csc_array((len(need), 0))
    useful = np.flatnonzero(np.diff(sub.indptr) > 0)
    if not len(need) or not len(useful) or p == 0:
        return _empty("mclp", method, n_dem, uncoverable, base, params, t0,
                      assignment=_nearest_open(A, fx), covered=covered0)
    sub = sp.csc_array(sub[:, useful])
    cols = cand[useful]
    wn = w[need]
    nx, ny = len(cols), len(need)
    if method == "exact":
        # y_i - sum_j a_ij x_j <= 0 ; sum_j x_j <= p
        A1 = sp.hstack([-sp.csr_array(sub, dtype=float), sp.identity(ny, format="csr")])
        A2 = sp.csr_array(np.concatenate([np.ones(nx), np.zeros(ny)])[None, :])
        Aall = sp.vstack([A1, A2]).tocsr()
        c = np.concatenate([pref[cols], wn])
        m = _solve(c, Aall, np.full(ny + 1, -np.inf), np.concatenate([np.zeros(ny), [p]]),
                   np.zeros(nx + ny), np.ones(nx + ny), np.concatenate([np.ones(nx), np.zeros(ny)]),
                   time_limit_s=time_limit_s, mip_gap=mip_gap, maximise=True)
        chosen = list(cols[m.x[:nx] > 0.5])
        status, score, bound, gap, msg = m.status, m.score + base, m.bound + base, 0.0, m.message
        gap = _gap(score, bound, True) if status != "optimal" or m.gap > 0 else 0.0
        params.update(n_vars=m.n_vars, n_cons=m.n_cons)
    elif method == "greedy":
        unc = np.ones(ny, bool)

        def gain(k: int) -> float:
            rows = sub.indices[sub.indptr[k]:sub.indptr[k + 1]]
            return float(wn[rows[unc[rows]]].sum()) + pref[cols[k]]

        init = np.array([gain(k) for k in range(nx)])
        lazy = _Lazy(init, np.ones(nx, bool))
        picked: list[int] = []
        score = base
        for rnd in range(p):
            got = lazy.pop(gain, rnd)
            if got is None or got[1] <= _EPS:
                break
            k, g = got
            picked.append(k)
            score += g
            unc[sub.indices[sub.indptr[k]:sub.indptr[k + 1]]] = False
        chosen = list(cols[picked])
        A1 = sp.hstack([-sp.csr_array(sub, dtype=float), sp.identity(ny, format="csr")])
        A2 = sp.csr_array(np.concatenate([np.ones(nx), np.zeros(ny)])[None, :])
        lp = _solve(np.concatenate([pref[cols], wn]), sp.vstack([A1, A2]).tocsr(), np.full(ny + 1, -np.inf),
                    np.concatenate([np.zeros(ny), [p]]), np.zeros(nx + ny), np.ones(nx + ny),
                    np.concatenate([np.ones(nx), np.zeros(ny)]), time_limit_s=time_limit_s, mip_gap=mip_gap,
                    maximise=True, relax=True)
        bound = lp.score + base
        gap = _gap(score, bound, True)
        status, msg = "greedy", f"greedy (lazy); LP relaxation {lp.status}"
        params.update(n_vars=nx + ny, n_cons=ny + 1)
    else:
        raise SolverError(f"method must be 'exact' or 'greedy', not {method!r}")
    order, gains, credited = _rank_cover(chosen, sp.csc_array(A), covered0, w, pref)
    open_mask = fx.copy()
    open_mask[order] = True
    covered = covered0.copy()
    covered[credited >= 0] = True
    return Solution(
        model="mclp", method=method, status=status, objective=float(w[covered].sum()), score=score,
        bound=bound, gap=gap, opened=order, gains=gains, assignment=_nearest_open(A, open_mask),
        credited=credited, covered=covered, uncoverable=uncoverable, unserved=np.zeros(0, int),
        runtime_s=time.perf_counter() - t0, params=params, message=msg,
    )


def _assignment_model(rows: np.ndarray, cols: np.ndarray, cost_z: np.ndarray, w: np.ndarray, n_dem: int,
                      n_site: int, fx: np.ndarray, cand_cols: np.ndarray, pref: np.ndarray, cap: np.ndarray,
                      p: int, splittable: bool, *, must_assign: np.ndarray | None, penalty: np.ndarray | None,
                      maximise: bool, time_limit_s: float, mip_gap: float) -> tuple[_Milp, int, int]:
    """Assignment MILP shared by the capacitated MCLP and the p-median.

    Variables: x (candidate columns ``cand_cols``), z (pairs), u (unserved,
    one per demand in ``must_assign`` when ``penalty`` is given).
    """
    nx, nz = len(cand_cols), len(rows)
    xpos = np.full(n_site, -1)
    xpos[cand_cols] = np.arange(nx)
    ua = np.flatnonzero(must_assign) if must_assign is not None else np.zeros(0, int)
    nu = len(ua) if penalty is not None else 0
    nv = nx + nz + nu
    c = np.concatenate([pref[cand_cols], cost_z, (penalty[ua] * w[ua]) if nu else np.zeros(0)])
    blocks, lo, hi = [], [], []
    zidx = nx + np.arange(nz)
    # each demand at most / exactly once
    if must_assign is not None:
        urow = np.full(n_dem, -1)
        urow[ua] = np.arange(nu)
        r_all = np.concatenate([rows, ua if nu else np.zeros(0, int)])
        c_all = np.concatenate([zidx, (nx + nz + np.arange(nu)) if nu else np.zeros(0, int)])
        M = sp.csr_array((np.ones(len(r_all)), (r_all, c_all)), shape=(n_dem, nv))
        dem_rows = np.unique(r_all)
        blocks.append(M[dem_rows])
        eq = must_assign[dem_rows] if penalty is not None else np.zeros(len(dem_rows), bool)
        lo.append(np.where(eq, 1.0, -np.inf))
        hi.append(np.ones(len(dem_rows)))
    else:
        M = sp.csr_array((np.ones(nz), (rows, zidx)), shape=(n_dem, nv))
        dem_rows = np.unique(rows)
        blocks.append(M[dem_rows])
        lo.append(np.full(len(dem_rows), -np.inf))
        hi.append(np.ones(len(dem_rows)))
    # z_ij <= x_j for candidate pairs
    on_cand = xpos[cols] >= 0
    k = int(on_cand.sum())
    if k:
        Z = sp.csr_array((np.concatenate([np.ones(k), -np.ones(k)]),
                          (np.concatenate([np.arange(k)] * 2),
                           np.concatenate([zidx[on_cand], xpos[cols[on_cand]]]))), shape=(k, nv))
        blocks.append(Z)
        lo.append(np.full(k, -np.inf))
        hi.append(np.zeros(k))
    # capacities: sum_i w_i z_ij - C_j x_j <= 0 (candidates); <= C_j (fixed)
    capped = np.flatnonzero(np.isfinite(cap) & np.isin(np.arange(n_site), np.unique(cols)))
    if len(capped):
        crow = np.full(n_site, -1)
        crow[capped] = np.arange(len(capped))
        sel = crow[cols] >= 0
        rr = [crow[cols[sel]]]
        cc = [zidx[sel]]
        vv = [w[rows[sel]]]
        cx = capped[xpos[capped] >= 0]
        rr.append(crow[cx])
        cc.append(xpos[cx])
        vv.append(-cap[cx])
        C = sp.csr_array((np.concatenate(vv), (np.concatenate(rr), np.concatenate(cc))), shape=(len(capped), nv))
        blocks.append(C)
        lo.append(np.full(len(capped), -np.inf))
        hi.append(np.where(fx[capped], cap[capped], 0.0))
    # sum x <= p
    blocks.append(sp.csr_array((np.ones(nx), (np.zeros(nx, int), np.arange(nx))), shape=(1, nv)))
    lo.append(np.array([-np.inf]))
    hi.append(np.array([float(p)]))
    A = sp.vstack(blocks).tocsr()
    integ = np.concatenate([np.ones(nx), np.full(nz, 0 if splittable else 1), np.zeros(nu)])
    m = _solve(c, A, np.concatenate(lo), np.concatenate(hi), np.zeros(nv), np.ones(nv), integ,
               time_limit_s=time_limit_s, mip_gap=mip_gap, maximise=maximise)
    return m, nx, nz


def _mclp_capacitated(A: sp.csr_array, w: np.ndarray, p: int, fx: np.ndarray, pref: np.ndarray, cap: np.ndarray,
                      splittable: bool, method: str, time_limit_s: float, mip_gap: float,
                      uncoverable: np.ndarray, t0: float) -> Solution:
    if method != "exact":
        raise SolverError("the capacitated MCLP is solved exactly only; use method='exact'")
    n_dem, n_site = A.shape
    coo = sp.coo_array(A)
    rows, cols = coo.row.astype(np.int64), coo.col.astype(np.int64)
    keep = w[rows] <= cap[cols] + _EPS if not splittable else np.ones(len(rows), bool)
    rows, cols = rows[keep], cols[keep]
    cand_cols = np.unique(cols[~fx[cols]])
    params = {"n_demands": n_dem, "n_sites": n_site, "n_fixed": int(fx.sum()), "p": p, "capacitated": True,
              "splittable": splittable, "time_limit_s": time_limit_s, "mip_gap": mip_gap, "n_pairs": len(rows)}

    def run(pp: int, cc: np.ndarray) -> tuple[_Milp, np.ndarray]:
        m, nx, nz = _assignment_model(rows, cols, w[rows], w, n_dem, n_site, fx, cc, pref, cap, pp, splittable,
                                      must_assign=None, penalty=None, maximise=True,
                                      time_limit_s=time_limit_s, mip_gap=mip_gap)
        z = m.x[nx:nx + nz]
        return m, z

    m0, z0 = run(0, np.zeros(0, int))  # before: fixed sites only
    cov0 = np.zeros(n_dem)
    np.add.at(cov0, rows, z0)
    m, z = run(p, cand_cols)
    nx = len(cand_cols)
    chosen = cand_cols[m.x[:nx] > 0.5]
    frac = np.zeros(n_dem)
    np.add.at(frac, rows, z)
    assignment = np.full(n_dem, -1)
    best = np.zeros(n_dem)
    for r, c_, v in zip(rows, cols, z, strict=True):
        if v > best[r] + 1e-6:
            best[r], assignment[r] = v, c_
    covered = frac > 0.5
    before = cov0 > 0.5
    load = np.zeros(n_site)
    np.add.at(load, cols, w[rows] * z)
    newly = covered & ~before
    credited = np.where(newly & np.isin(assignment, chosen), assignment, -1)
    chosen = chosen[load[chosen] > _EPS]  # a new centre nobody is assigned to is not proposed
    gains = np.array([float(w[credited == j].sum()) for j in chosen])
    order = np.argsort(-gains, kind="stable")
    params.update(n_vars=m.n_vars, n_cons=m.n_cons, objective_before=m0.score,
                  load=load)
    objective = float((w * np.clip(frac, 0, 1)).sum())
    return Solution(
        model="mclp_cap", method="exact", status=m.status, objective=objective, score=m.score, bound=m.bound,
        gap=m.gap, opened=chosen[order], gains=gains[order], assignment=assignment, credited=credited,
        covered=covered, uncoverable=uncoverable, unserved=np.zeros(0, int), runtime_s=time.perf_counter() - t0,
        params=params, message=m.message,
    )


# --------------------------------------------------------------------------- p-median


def solve_pmedian(
    times: Any,
    weights: Any,
    p: int,
    *,
    fixed: Any = None,
    preference: Any = None,
    capacity: Any = None,
    splittable: bool = False,
    unserved_penalty: float | None = None,
    method: str = "exact",
    time_limit_s: float = 60.0,
    mip_gap: float = 0.0,
) -> Solution:
    """p-median: open at most ``p`` new sites to minimise weighted travel time.

    Demands go to the nearest open site (fixed or new) among the reachable
    pairs; see the module docstring for unreachable and unserved demands.

    Parameters
    ----------
    times : sparse or ndarray
        Demands x sites, seconds (stored entries / finite values = reachable).
    weights : array
        Demand weights (older population).
    p : int
        New sites to open.
    fixed : bool mask or indices, optional
        Existing sites.
    preference : array, optional
        Per-site bonus subtracted from the objective when opened (weight x seconds).
    capacity : array, optional
        Per-site capacity in weight units; solves the capacitated p-median.
    splittable : bool
        Capacitated only: fractional assignment allowed.
    unserved_penalty : float, optional
        Seconds charged per unit weight for a demand no open site reaches;
        default twice the largest reachable time.
    method : {"exact", "greedy"}
        Greedy is for the uncapacitated model only.
    time_limit_s, mip_gap : float

    Returns
    -------
    Solution
        ``objective`` = weighted seconds, penalties included.
    """
    t0 = time.perf_counter()
    rows, cols, vals, (n_dem, n_site) = _pairs(times)
    w = np.nan_to_num(_vec(weights, n_dem, "weights"), nan=0.0)
    if (w < 0).any():
        raise SolverError("weights must be >= 0")
    fx = _fixed(fixed, n_site)
    pref = _vec(preference, n_site, "preference")
    pref[fx] = 0.0
    cand = np.flatnonzero(~fx)
    p = _check_p(p, len(cand))
    reach_any = np.zeros(n_dem, bool)
    reach_any[rows] = True
    uncoverable = np.flatnonzero(~reach_any)
    penalty = float(unserved_penalty) if unserved_penalty is not None else (2.0 * float(vals.max()) if len(vals) else 1.0)
    if penalty <= 0:
        penalty = 1.0
    # nearest fixed site per demand
    fbest = np.full(n_dem, np.inf)
    fsite = np.full(n_dem, -1)
    onf = fx[cols]
    if onf.any():
        order = np.lexsort((vals[onf], rows[onf]))
        rf, cf, vf = rows[onf][order], cols[onf][order], vals[onf][order]
        first = np.r_[True, rf[1:] != rf[:-1]]
        fbest[rf[first]], fsite[rf[first]] = vf[first], cf[first]
    params = {"n_demands": n_dem, "n_sites": n_site, "n_fixed": int(fx.sum()), "p": p,
              "unserved_penalty_s": penalty, "time_limit_s": time_limit_s, "mip_gap": mip_gap,
              "capacitated": capacity is not None, "splittable": splittable}
    cap = _vec(capacity, n_site, "capacity", np.inf) if capacity is not None else np.full(n_site, np.inf)
    cur = np.where(np.isfinite(fbest), fbest, penalty)  # cost per unit weight with fixed sites only
    cur[~reach_any] = 0.0
    base_obj = float((w * cur).sum())
    if capacity is not None:
        return _pmedian_capacitated(rows, cols, vals, w, n_dem, n_site, p, fx, pref, cap, splittable, penalty,
                                    reach_any, uncoverable, method, time_limit_s, mip_gap, params, t0)
    # uncapacitated: a candidate pair matters only when it beats the nearest fixed site
    oncand = ~fx[cols] & (vals < np.minimum(fbest[rows], penalty) - _EPS)
    r_c, c_c, v_c = rows[oncand], cols[oncand], vals[oncand]
    saving = w[r_c] * (cur[r_c] - v_c)
    useful_cols = np.unique(c_c)
    if not len(useful_cols) or p == 0:
        return _finish_pmedian([], rows, cols, vals, w, fx, fbest, fsite, penalty, reach_any, uncoverable, pref,
                               "empty", base_obj, base_obj, 0.0, method, params, t0, "nothing to decide")
    if method == "exact":
        m, nx, const = _pmedian_uncap(r_c, c_c, v_c, w, cur, useful_cols, pref, p, n_dem, n_site,
                                      time_limit_s=time_limit_s, mip_gap=mip_gap, relax=False)
        chosen = list(useful_cols[m.x[:nx] > 0.5])
        params.update(n_vars=m.n_vars, n_cons=m.n_cons)
        return _finish_pmedian(chosen, rows, cols, vals, w, fx, fbest, fsite, penalty, reach_any, uncoverable, pref,
                               m.status, m.score + const, m.bound + const, m.gap, method, params, t0, m.message)
    if method != "greedy":
        raise SolverError(f"method must be 'exact' or 'greedy', not {method!r}")
    csc = sp.csc_array((v_c, (r_c, c_c)), shape=(n_dem, n_site))
    best = cur.copy()

    def gain(j: int) -> float:
        sl = slice(csc.indptr[j], csc.indptr[j + 1])
        r = csc.indices[sl]
        return float((w[r] * np.maximum(0.0, best[r] - csc.data[sl])).sum()) + pref[j]

    init = np.bincount(c_c, weights=saving, minlength=n_site) + pref
    usable = np.zeros(n_site, bool)
    usable[useful_cols] = True
    lazy = _Lazy(init, usable)
    picked: list[int] = []
    for rnd in range(p):
        got = lazy.pop(gain, rnd)
        if got is None or got[1] <= _EPS:
            break
        j = got[0]
        picked.append(j)
        sl = slice(csc.indptr[j], csc.indptr[j + 1])
        r = csc.indices[sl]
        best[r] = np.minimum(best[r], csc.data[sl])
    score = float((w * best).sum()) - float(pref[picked].sum())
    # LP relaxation of the same sparse model for the bound
    lp, _, const = _pmedian_uncap(r_c, c_c, v_c, w, cur, useful_cols, pref, p, n_dem, n_site,
                                  time_limit_s=time_limit_s, mip_gap=mip_gap, relax=True)
    bound = lp.score + const
    gap = _gap(score, bound, maximise=False)
    params.update(n_vars=len(useful_cols) + len(r_c), n_cons=len(r_c))
    return _finish_pmedian(picked, rows, cols, vals, w, fx, fbest, fsite, penalty, reach_any, uncoverable, pref,
                           "greedy", score, bound, gap, method, params, t0, "greedy (lazy); LP relaxation bound")


def _pmedian_uncap(r_c: np.ndarray, c_c: np.ndarray, v_c: np.ndarray, w: np.ndarray, cur: np.ndarray,
                   useful_cols: np.ndarray, pref: np.ndarray, p: int, n_dem: int, n_site: int, *,
                   time_limit_s: float, mip_gap: float, relax: bool) -> tuple[_Milp, int, float]:
    """Uncapacitated p-median over the useful candidate pairs.

    Variables x (useful candidates), z_ij (pairs that beat the demand's
    current cost), z_i0 (keep the current cost: nearest fixed site or the
    penalty).  ``z_i0 + sum_j z_ij = 1``; ``z_ij <= x_j``; ``sum x <= p``.
    Returns the solve, the number of x variables and the constant cost of
    demands that no useful pair touches.
    """
    dem = np.unique(r_c)
    dpos = np.full(n_dem, -1)
    dpos[dem] = np.arange(len(dem))
    xpos = np.full(n_site, -1)
    xpos[useful_cols] = np.arange(len(useful_cols))
    nx, nz, n0 = len(useful_cols), len(r_c), len(dem)
    nv = nx + nz + n0
    zi = nx + np.arange(nz)
    z0 = nx + nz + np.arange(n0)
    c = np.concatenate([-pref[useful_cols], w[r_c] * v_c, w[dem] * cur[dem]])
    assign = sp.csr_array((np.ones(nz + n0), (np.concatenate([dpos[r_c], np.arange(n0)]), np.concatenate([zi, z0]))),
                          shape=(n0, nv))
    link = sp.csr_array((np.concatenate([np.ones(nz), -np.ones(nz)]),
                         (np.concatenate([np.arange(nz)] * 2), np.concatenate([zi, xpos[c_c]]))), shape=(nz, nv))
    card = sp.csr_array((np.ones(nx), (np.zeros(nx, int), np.arange(nx))), shape=(1, nv))
    A = sp.vstack([assign, link, card]).tocsr()
    lo = np.concatenate([np.ones(n0), np.full(nz, -np.inf), [-np.inf]])
    hi = np.concatenate([np.ones(n0), np.zeros(nz), [p]])
    integ = np.concatenate([np.ones(nx), np.zeros(nz + n0)])
    m = _solve(c, A, lo, hi, np.zeros(nv), np.ones(nv), integ, time_limit_s=time_limit_s, mip_gap=mip_gap,
               maximise=False, relax=relax)
    const = float((w * cur).sum() - (w[dem] * cur[dem]).sum())
    return m, nx, const


def _finish_pmedian(chosen: list[int], rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, w: np.ndarray,
                    fx: np.ndarray, fbest: np.ndarray, fsite: np.ndarray, penalty: float, reach_any: np.ndarray,
                    uncoverable: np.ndarray, pref: np.ndarray, status: str, score: float, bound: float, gap: float,
                    method: str, params: dict, t0: float, message: str) -> Solution:
    n_dem = len(w)
    best = np.where(np.isfinite(fbest), fbest, penalty)
    best[~reach_any] = 0.0
    site = fsite.copy()
    if chosen:
        sel0 = np.isin(cols, chosen)
        r0, c0, v0 = rows[sel0], cols[sel0], vals[sel0]

        def value(keep: list[int]) -> float:
            b = best.copy()
            m = np.isin(c0, keep)
            np.minimum.at(b, r0[m], v0[m])
            return -float((w * b).sum())

        chosen = _prune(list(chosen), value)
    # rank new sites greedily by saving given those ranked before (lazy: savings only shrink)
    sel = np.isin(cols, chosen)
    r_s, c_s, v_s = rows[sel], cols[sel], vals[sel]
    srt = np.argsort(c_s, kind="stable")
    r_s, c_s, v_s = r_s[srt], c_s[srt], v_s[srt]
    starts = np.searchsorted(c_s, chosen, side="left")
    ends = np.searchsorted(c_s, chosen, side="right")
    piece = {int(j): (r_s[a:b], v_s[a:b]) for j, a, b in zip(chosen, starts, ends, strict=True)}

    def saving(k: int) -> float:
        r, v = piece[int(chosen[k])]
        return float((w[r] * np.maximum(0.0, best[r] - v)).sum())

    lazy = _Lazy(np.array([saving(k) for k in range(len(chosen))]), np.ones(len(chosen), bool))
    order, gains = [], []
    for rnd in range(len(chosen)):
        got = lazy.pop(saving, rnd)
        if got is None or got[1] <= _EPS:
            break  # the rest save no travel time given the sites ranked before: not proposed
        j = int(chosen[got[0]])
        r, v = piece[j]
        better = v < best[r] - _EPS
        best[r[better]] = v[better]
        site[r[better]] = j
        order.append(j)
        gains.append(got[1])
    served = site >= 0
    credited = np.where(served & ~np.isin(site, np.flatnonzero(fx)), site, -1)
    unserved = np.flatnonzero(reach_any & ~served)
    objective = float((w * best).sum())
    params = dict(params, weighted_time_served_s=float((w[served] * best[served]).sum()),
                  unserved_weight=float(w[unserved].sum()))
    return Solution(
        model="pmedian", method=method, status=status, objective=objective, score=score, bound=bound, gap=gap,
        opened=np.array(order, dtype=int), gains=np.array(gains, dtype=float), assignment=site, credited=credited,
        covered=served, uncoverable=uncoverable, unserved=unserved, runtime_s=time.perf_counter() - t0,
        params=params, message=message,
    )


def _pmedian_capacitated(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, w: np.ndarray, n_dem: int,
                         n_site: int, p: int, fx: np.ndarray, pref: np.ndarray, cap: np.ndarray, splittable: bool,
                         penalty: float, reach_any: np.ndarray, uncoverable: np.ndarray, method: str,
                         time_limit_s: float, mip_gap: float, params: dict, t0: float) -> Solution:
    if method != "exact":
        raise SolverError("the capacitated p-median is solved exactly only; use method='exact'")
    keep = (w[rows] <= cap[cols] + _EPS) if not splittable else np.ones(len(rows), bool)
    rows, cols, vals = rows[keep], cols[keep], vals[keep]
    cand_cols = np.unique(cols[~fx[cols]])
    must = reach_any.copy()
    m, nx, nz = _assignment_model(rows, cols, w[rows] * vals, w, n_dem, n_site, fx, cand_cols, -pref, cap, p,
                                  splittable, must_assign=must, penalty=np.full(n_dem, penalty), maximise=False,
                                  time_limit_s=time_limit_s, mip_gap=mip_gap)
    chosen = cand_cols[m.x[:nx] > 0.5]
    z = m.x[nx:nx + nz]
    site = np.full(n_dem, -1)
    bestz = np.zeros(n_dem)
    for r, c_, v in zip(rows, cols, z, strict=True):
        if v > bestz[r] + 1e-6:
            bestz[r], site[r] = v, c_
    load = np.zeros(n_site)
    np.add.at(load, cols, w[rows] * z)
    served = site >= 0
    unserved = np.flatnonzero(reach_any & ~served)
    credited = np.where(served & ~fx[np.maximum(site, 0)], site, -1)
    chosen = chosen[load[chosen] > _EPS]  # a new site nobody is assigned to is not proposed
    gains = np.array([float(w[credited == j].sum()) for j in chosen])
    order = np.argsort(-gains, kind="stable")
    objective = float((w[rows] * vals * z).sum() + penalty * w[unserved].sum())
    params = dict(params, n_vars=m.n_vars, n_cons=m.n_cons, load=load, n_pairs=len(rows))
    return Solution(
        model="pmedian_cap", method="exact", status=m.status, objective=objective, score=m.score, bound=m.bound,
        gap=m.gap, opened=chosen[order], gains=gains[order], assignment=site, credited=credited, covered=served,
        uncoverable=uncoverable, unserved=unserved, runtime_s=time.perf_counter() - t0, params=params,
        message=m.message,
    )


# --------------------------------------------------------------------------- partial cover


def solve_partial_cover(
    cover: Any,
    group: Any,
    n_needed: int,
    *,
    fixed: Any = None,
    time_limit_s: float = 60.0,
    mip_gap: float = 0.0,
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

    Returns
    -------
    Solution
        ``objective`` = number of new sites; ``status`` is ``"infeasible"``
        (and ``opened`` empty) when even every candidate together does not
        cover ``n_needed``; ``params["max_coverable"]`` says how many could be.
    """
    t0 = time.perf_counter()
    A = _as_cover(cover)
    n_dem, n_site = A.shape
    grp = np.asarray(group, dtype=bool)
    fx = _fixed(fixed, n_site)
    covered0 = (np.asarray(A[:, np.flatnonzero(fx)].sum(axis=1)).reshape(-1) > 0) if fx.any() else np.zeros(n_dem, bool)
    cand = np.flatnonzero(~fx)
    by_cand = np.asarray(A[:, cand].sum(axis=1)).reshape(-1) > 0 if len(cand) else np.zeros(n_dem, bool)
    have = int((covered0 & grp).sum())
    need_rows = np.flatnonzero(grp & ~covered0 & by_cand)
    max_cov = have + len(need_rows)
    extra = int(n_needed) - have
    params = {"n_needed": int(n_needed), "already": have, "max_coverable": max_cov,
              "time_limit_s": time_limit_s, "mip_gap": mip_gap}
    uncoverable = np.flatnonzero(grp & ~covered0 & ~by_cand)
    if extra <= 0:
        return _empty("partial_cover", "exact", n_dem, uncoverable, 0.0, params, t0, covered=covered0)
    if extra > len(need_rows):
        s = _empty("partial_cover", "exact", n_dem, uncoverable, float("nan"), params, t0, covered=covered0)
        return dataclasses.replace(s, status="infeasible", message=f"at most {max_cov} of {int(grp.sum())} coverable")
    sub = sp.csc_array(sp.csr_array(A[need_rows][:, cand], dtype=float))
    useful = np.flatnonzero(np.diff(sub.indptr) > 0)
    sub = sp.csr_array(sub[:, useful])
    cols = cand[useful]
    nx, ny = len(cols), len(need_rows)
    # y_i - sum_j a_ij x_j <= 0 ; sum_i y_i >= extra ; min sum x
    A1 = sp.hstack([-sub, sp.identity(ny, format="csr")])
    A2 = sp.csr_array(np.concatenate([np.zeros(nx), np.ones(ny)])[None, :])
    m = _solve(np.concatenate([np.ones(nx), np.zeros(ny)]), sp.vstack([A1, A2]).tocsr(),
               np.concatenate([np.full(ny, -np.inf), [extra]]), np.concatenate([np.zeros(ny), [np.inf]]),
               np.zeros(nx + ny), np.ones(nx + ny), np.concatenate([np.ones(nx), np.zeros(ny)]),
               time_limit_s=time_limit_s, mip_gap=mip_gap, maximise=False)
    chosen = list(cols[m.x[:nx] > 0.5])
    order, gains, credited = _rank_cover(chosen, sp.csc_array(A), covered0 | ~grp, np.ones(n_dem), np.zeros(n_site))
    covered = covered0.copy()
    covered[credited >= 0] = True
    params.update(n_vars=m.n_vars, n_cons=m.n_cons)
    return Solution(
        model="partial_cover", method="exact", status=m.status, objective=float(len(chosen)), score=m.score,
        bound=m.bound, gap=m.gap, opened=order, gains=gains, assignment=np.full(n_dem, -1), credited=credited,
        covered=covered, uncoverable=uncoverable, unserved=np.zeros(0, int), runtime_s=time.perf_counter() - t0,
        params=params, message=m.message,
    )
