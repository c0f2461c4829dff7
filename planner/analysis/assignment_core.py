"""Capacity-aware assignment on plain arrays: the MILP (through :mod:`planner.optim`) and the second stage.

See :mod:`planner.analysis.assignment` for the model.  The stages of
:func:`assign_capacitated`: check the inputs (:func:`prepare_inputs`), solve the
within-threshold MILP piece by piece (:func:`_solve_within`), find each
settlement's nearest reachable centre (:func:`_natural_catchment`), and send
what the MILP cannot serve to it (:func:`_second_stage`).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from planner.codes import AssignmentFlag, CoverageReason
from planner.errors import InputError
from planner.optim import TIME_LIMIT, AssignmentModel, solve_assignment

__all__ = [
    "AssignmentSolution",
    "AssignmentInputs",
    "assign_capacitated",
    "prepare_inputs",
    "default_penalty",
    "objective_weights",
    "CAPACITY_TOL",
    "PENALTY_FACTOR",
    "FLAG_OVER_CAPACITY",
    "FLAG_BEYOND_THRESHOLD",
    "FLAG_NO_REACHABLE_CENTRE",
    "STAGE_WITHIN",
    "STAGE_SPILL",
    "STAGE_NONE",
]

logger = logging.getLogger(__name__)

#: Flags a settlement can get from the second stage (aliases of the code members).
FLAG_OVER_CAPACITY = AssignmentFlag.OVER_CAPACITY
FLAG_BEYOND_THRESHOLD = CoverageReason.BEYOND_THRESHOLD
FLAG_NO_REACHABLE_CENTRE = AssignmentFlag.NO_REACHABLE_CENTRE

#: Stage labels per settlement.
STAGE_WITHIN = "within"  # served within threshold and capacity (MILP)
STAGE_SPILL = "spill"  # sent to its nearest reachable centre (second stage)
STAGE_NONE = "none"  # no centre reachable at all

#: Default cost of leaving one older person unassigned, in multiples of the longest threshold.
PENALTY_FACTOR = 100.0

#: Tolerance of capacity comparisons: a load equal to the capacity is not over it.
CAPACITY_TOL = 1e-9


@dataclass(frozen=True, eq=False)
class AssignmentSolution:
    """Result of :func:`assign_capacitated` (plain arrays, indexed by position).

    Attributes
    ----------
    centre : int64 (n,)
        Centre each settlement ends up with (MILP or second stage); ``-1``: none reachable.
    stage : object (n,)
        ``"within"``, ``"spill"`` or ``"none"``.
    time_s : float64 (n,)
        Travel time to ``centre`` (``inf`` when none).
    nearest : int64 (n,)
        Nearest reachable centre (natural catchment); ``-1`` when none.
    nearest_time_s : float64 (n,)
    beyond_threshold, over_capacity, unreachable : bool (n,)
        Second-stage flags.
    assigned_load : float64 (k,)
        Older people assigned to each centre by the MILP (never above capacity).
    spill_load : float64 (k,)
        Older people sent to each centre by the second stage.
    nearest_load : float64 (k,)
        Older people whose nearest reachable centre it is (any time).
    nearest_load_within : float64 (k,)
        Same, counting only settlements within their threshold of it.
    capacity : float64 (k,)
    objective : float
        MILP objective (see the module docstring).
    status : str
        HiGHS status message.
    mip_gap : float
        Relative MIP gap reported by HiGHS (0 when proven optimal).
    n_pairs : int
        Number of assignment variables (pairs within threshold).
    params : dict
    """

    centre: np.ndarray
    stage: np.ndarray
    time_s: np.ndarray
    nearest: np.ndarray
    nearest_time_s: np.ndarray
    beyond_threshold: np.ndarray
    over_capacity: np.ndarray
    unreachable: np.ndarray
    assigned_load: np.ndarray
    spill_load: np.ndarray
    nearest_load: np.ndarray
    nearest_load_within: np.ndarray
    capacity: np.ndarray
    objective: float
    status: str
    mip_gap: float
    n_pairs: int
    params: dict = field(default_factory=dict)

    @property
    def load(self) -> np.ndarray:
        """Final load per centre: MILP assignment plus second-stage spill."""
        return self.assigned_load + self.spill_load

    @property
    def within(self) -> np.ndarray:
        """True where the settlement is served within threshold and capacity."""
        return self.stage == STAGE_WITHIN


@dataclass(frozen=True, eq=False)
class AssignmentInputs:
    """Checked inputs: the finite pairs ``(pi, pj, pt)`` (one per settlement-centre, shortest time) and vectors.

    Attributes
    ----------
    pi, pj : ndarray of int
        Settlement and centre of each reachable pair.
    pt : ndarray
        Seconds of each pair.
    w : ndarray
        Older population per settlement (NaN -> 0).
    c : ndarray
        Capacity per centre.
    thr : ndarray
        Threshold per settlement, seconds.
    n, k : int
        Settlements, centres.
    """

    pi: np.ndarray
    pj: np.ndarray
    pt: np.ndarray
    w: np.ndarray
    c: np.ndarray
    thr: np.ndarray
    n: int
    k: int

    @property
    def a(self) -> np.ndarray:
        """Objective weight per settlement: ``max(w, 1)`` (no recorded older people still counts as one)."""
        return objective_weights(self.w)

    def penalty(self, penalty_per_person: float | None) -> float:
        """``penalty_per_person``, or the default (:func:`default_penalty`)."""
        return default_penalty(self.pt, self.thr) if penalty_per_person is None else float(penalty_per_person)


def _finite_pairs(times_s: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int]:
    """(settlement, centre, seconds) of the reachable pairs, a pair given twice keeping its shorter time."""
    if sparse.issparse(times_s):
        coo = sparse.coo_array(times_s)
        n, k = coo.shape
        ii, jj, tt = (np.asarray(coo.row, dtype=np.int64), np.asarray(coo.col, dtype=np.int64),
                      np.asarray(coo.data, dtype=float))
    else:
        t = np.asarray(times_s, dtype=float)
        if t.ndim != 2:
            raise InputError(f"times_s must be a 2-D (settlements x centres) array, got shape {t.shape}")
        n, k = t.shape
        if np.any(np.isnan(t)):
            raise InputError("times_s contains NaN; use inf for unreachable pairs")
        ii, jj = np.nonzero(np.isfinite(t))
        tt = t[ii, jj]
    if np.any(np.isnan(tt)):
        raise InputError("times_s contains NaN; use inf for unreachable pairs")
    keep = np.isfinite(tt)
    ii, jj, tt = ii[keep], jj[keep], tt[keep]
    if ii.size:  # a pair given twice (sparse input): keep its shorter time
        o = np.lexsort((tt, jj, ii))
        ii, jj, tt = ii[o], jj[o], tt[o]
        first = np.ones(ii.size, dtype=bool)
        first[1:] = (ii[1:] != ii[:-1]) | (jj[1:] != jj[:-1])
        ii, jj, tt = ii[first], jj[first], tt[first]
    return ii, jj, tt, int(n), int(k)


def prepare_inputs(times_s: Any, demand: Any, capacity: Any, threshold_s: Any) -> AssignmentInputs:
    """Check the arguments of :func:`assign_capacitated`.

    Raises
    ------
    InputError
        For a wrong shape or length, NaN times, negative demand or a missing/negative capacity.
    """
    ii, jj, tt, n, k = _finite_pairs(times_s)
    w = np.asarray(demand, dtype=float).reshape(-1)
    c = np.asarray(capacity, dtype=float).reshape(-1)
    if w.shape[0] != n:
        raise InputError(f"demand has {w.shape[0]} values for {n} settlements")
    if c.shape[0] != k:
        raise InputError(f"capacity has {c.shape[0]} values for {k} centres")
    w = np.where(np.isnan(w), 0.0, w)
    if np.any(w < 0):
        raise InputError("demand (older population) must not be negative")
    if np.any(np.isnan(c)) or np.any(c < 0):
        raise InputError("capacity must be a non-negative number for every centre")
    thr = np.broadcast_to(np.asarray(threshold_s, dtype=float), (n,)).copy()
    return AssignmentInputs(ii, jj, tt, w, c, thr, n, k)


def objective_weights(w: np.ndarray) -> np.ndarray:
    """``a_i = max(w_i, 1)``: a settlement with no recorded older people still counts as one person."""
    return np.maximum(w, 1.0)


def default_penalty(tt: np.ndarray, thr: np.ndarray) -> float:
    """Per-person penalty: ``PENALTY_FACTOR`` times the longest threshold (minutes).

    Serving a settlement always beats leaving it out (its trip is within the
    threshold); serving one more older person is worth pushing up to
    ``PENALTY_FACTOR`` others to a centre a whole threshold farther away.
    Keeping the penalty moderate (rather than strictly lexicographic) keeps the
    model well scaled, so HiGHS proves optimality quickly.
    """
    finite = thr[np.isfinite(thr)]
    longest = float(finite.max()) if finite.size else float(tt.max(initial=60.0))
    return PENALTY_FACTOR * max(longest, 60.0) / 60.0


def assign_capacitated(
    times_s: Any,
    demand: Any,
    capacity: Any,
    *,
    threshold_s: float | np.ndarray,
    penalty_per_person: float | None = None,
    time_limit_s: float = 60.0,
    mip_rel_gap: float = 1e-3,
) -> AssignmentSolution:
    """Assign settlements to capacitated centres (exact MILP) plus second stage.

    Parameters
    ----------
    times_s : array or scipy sparse array (n, k)
        Travel time in seconds from settlement ``i`` to centre ``j``; ``inf``
        unreachable.  Sparse input: stored entries are the reachable pairs
        (explicit zeros are a zero-minute trip), the rest is unreachable.
    demand : array (n,)
        Older population per settlement (NaN counts as 0 load).
    capacity : array (k,)
        Older people each centre can serve.
    threshold_s : float or array (n,)
        Longest acceptable trip per settlement, seconds.
    penalty_per_person : float, optional
        Cost (person-minutes) of leaving one older person unassigned; default
        ``PENALTY_FACTOR`` (100) times the longest threshold in minutes.
    time_limit_s : float
        Total HiGHS time budget over all pieces; a feasible but unproven
        solution is kept and its gap reported (and logged) when it runs out.
    mip_rel_gap : float
        HiGHS relative gap tolerance.  When centres are over-subscribed the
        model packs villages into capacities (a knapsack), and proving the last
        0.1 % can take minutes while changing the result by a handful of older
        people; the default 1e-3 stops there.  Use 0 for a proven optimum.

    Returns
    -------
    AssignmentSolution

    Raises
    ------
    InputError
        For inputs of the wrong shape or with invalid values.
    SolverError
        When HiGHS returns no solution at all.
    """
    inp = prepare_inputs(times_s, demand, capacity, threshold_s)
    P = inp.penalty(penalty_per_person)
    first = _solve_within(inp, P, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap)
    nearest, nearest_time = _natural_catchment(inp)
    return _second_stage(inp, first, nearest, nearest_time, params={
        "independent_pieces": first.n_pieces,
        "penalty_per_person": P,
        "time_limit_s": float(time_limit_s),
        "mip_rel_gap": float(mip_rel_gap),
        "solver": "HiGHS (scipy.optimize.milp)",
    })


@dataclass(frozen=True, eq=False)
class _FirstStage:
    """The MILP's answer: centre and time per settlement (-1/inf: not served within), objective, status."""

    centre: np.ndarray
    time_s: np.ndarray
    objective: float
    status: str
    mip_gap: float
    n_pieces: int
    n_pairs: int


def _pieces(ii: np.ndarray, jj: np.ndarray, n: int, k: int) -> list[np.ndarray]:
    """Pair positions of each independent piece (settlements and centres linked by pairs).

    No constraint crosses two pieces, so each is solved on its own: exact,
    and much faster for a whole province than one big model.
    """
    m = ii.shape[0]
    bip = sparse.coo_array((np.ones(m), (ii, n + jj)), shape=(n + k, n + k))
    n_comp, lab = connected_components(bip, directed=False)
    pair_comp = lab[ii]
    order = np.argsort(pair_comp, kind="stable")
    bounds_ = np.searchsorted(pair_comp[order], np.arange(n_comp + 1))
    pieces = (order[bounds_[ci]:bounds_[ci + 1]] for ci in range(n_comp))
    return [sel for sel in pieces if len(sel)]


def _solve_within(inp: AssignmentInputs, P: float, *, time_limit_s: float, mip_rel_gap: float) -> _FirstStage:
    """Serve as many older people as possible within threshold and capacity, piece by piece."""
    pi, pj, pt, w, c, thr = inp.pi, inp.pj, inp.pt, inp.w, inp.c, inp.thr
    a = inp.a
    feasible = (pt <= thr[pi]) & (w[pi] <= c[pj] + CAPACITY_TOL)
    ii, jj, tt = pi[feasible], pj[feasible], pt[feasible]
    has_pair = np.zeros(inp.n, dtype=bool)
    has_pair[ii] = True
    centre = np.full(inp.n, -1, dtype=np.int64)
    time_s = np.full(inp.n, np.inf)
    objective = float(P * a[~has_pair].sum())
    statuses: list[str] = []
    mip_gap = 0.0
    pieces = _pieces(ii, jj, inp.n, inp.k) if ii.shape[0] else []
    start = time.perf_counter()
    pairs_left = ii.shape[0]
    for sel in pieces:
        # share the remaining time budget among the pieces by their number of pairs
        left = float(time_limit_s) - (time.perf_counter() - start)
        budget = max(1.0, left * len(sel) / pairs_left)
        pairs_left -= len(sel)
        x, fun, msg, gap = _solve_piece(ii[sel], jj[sel], tt[sel], w, a, c, P, budget, mip_rel_gap)
        centre[ii[sel][x]] = jj[sel][x]
        time_s[ii[sel][x]] = tt[sel][x]
        objective += fun
        statuses.append(msg)
        mip_gap = max(mip_gap, gap)
    status = "; ".join(sorted(set(statuses))) if statuses else "no feasible pair"
    return _FirstStage(centre, time_s, objective, status, mip_gap, len(pieces), int(ii.shape[0]))


def _solve_piece(
    ii: np.ndarray, jj: np.ndarray, tt: np.ndarray, w: np.ndarray, a: np.ndarray, c: np.ndarray,
    P: float, time_limit_s: float, mip_rel_gap: float,
) -> tuple[np.ndarray, float, str, float]:
    """Solve the MILP on one independent piece; returns (x per pair, objective, message, gap).

    It is optim's capacitated assignment model with every centre fixed (open)
    and every settlement served or paying ``P`` per person (binary).
    """
    rows, row_of = np.unique(ii, return_inverse=True)
    cols, col_of = np.unique(jj, return_inverse=True)
    nu, kc = rows.shape[0], cols.shape[0]
    model = AssignmentModel(
        nu, kc, row_of, col_of, pair_cost=a[ii] * tt / 60.0, load=w[rows], capacity=c[cols],
        fixed=np.ones(kc, dtype=bool), candidates=np.zeros(0, dtype=np.int64), open_cost=np.zeros(0), p=None,
        must_assign=np.ones(nu, dtype=bool), unserved_cost=P * a[rows], integral_unserved=True,
    )
    ans = solve_assignment(
        model, time_limit_s=time_limit_s, mip_gap=mip_rel_gap,
        what=f"the township-centre assignment model ({nu} settlements, {kc} centres, {ii.shape[0]} pairs)",
        advice="raise the time limit (siting.time_limit_s) or study fewer settlements at once",
    )
    res = ans.milp
    if res.status == TIME_LIMIT:  # a stop at the gap asked for (siting.mip_rel_gap) is the answer asked for
        logger.warning("township assignment: HiGHS stopped early (%s); keeping the best solution found", res.message)
    return ans.z > 0.5, res.score, res.message, res.solver_gap


def _natural_catchment(inp: AssignmentInputs) -> tuple[np.ndarray, np.ndarray]:
    """Nearest reachable centre at any time and its time (ties: lowest centre index); -1/inf when none."""
    pi, pj, pt = inp.pi, inp.pj, inp.pt
    nearest = np.full(inp.n, -1, dtype=np.int64)
    nearest_time = np.full(inp.n, np.inf)
    if pi.size:
        o = np.lexsort((pj, pt, pi))
        first = np.ones(o.size, dtype=bool)
        first[1:] = pi[o][1:] != pi[o][:-1]
        nearest[pi[o][first]] = pj[o][first]
        nearest_time[pi[o][first]] = pt[o][first]
    return nearest, nearest_time


def _load(k: int, centre: np.ndarray, w: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Older people per centre over the settlements in ``mask``."""
    out = np.zeros(k)
    np.add.at(out, centre[mask], w[mask])
    return out


def _second_stage(inp: AssignmentInputs, first: _FirstStage, nearest: np.ndarray, nearest_time: np.ndarray, *,
                  params: dict) -> AssignmentSolution:
    """Send what the MILP cannot serve to its nearest reachable centre and flag it."""
    w, c, thr, k = inp.w, inp.c, inp.thr, inp.k
    centre, time_s = first.centre.copy(), first.time_s.copy()
    assigned_load = _load(k, centre, w, centre >= 0)
    stage = np.where(centre >= 0, STAGE_WITHIN, STAGE_NONE).astype(object)
    ok = nearest >= 0
    spill = (centre < 0) & ok
    centre[spill] = nearest[spill]
    time_s[spill] = nearest_time[spill]
    stage[spill] = STAGE_SPILL
    spill_load = _load(k, nearest, w, spill)
    final = assigned_load + spill_load
    beyond = spill & (nearest_time > thr)
    over = np.zeros(inp.n, dtype=bool)
    over[spill] = final[nearest[spill]] > c[nearest[spill]] + CAPACITY_TOL
    over |= spill & ~beyond  # within threshold but not assigned: every centre in reach was full
    return AssignmentSolution(
        centre=centre, stage=stage, time_s=time_s, nearest=nearest, nearest_time_s=nearest_time,
        beyond_threshold=beyond, over_capacity=over, unreachable=centre < 0, assigned_load=assigned_load,
        spill_load=spill_load, nearest_load=_load(k, nearest, w, ok),
        nearest_load_within=_load(k, nearest, w, ok & (nearest_time <= thr)), capacity=c.copy(),
        objective=first.objective, status=first.status, mip_gap=first.mip_gap, n_pairs=first.n_pairs,
        params=params,
    )
