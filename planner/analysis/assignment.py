"""Capacity-aware assignment of settlements to township centres (乡镇区域养老服务中心).

The province's plan lays rural regional centres out so that one serves about
10,000 resident older people (服务覆盖1万人左右常住老年人口, seed 001 §二(二)).
"Nearest centre" coverage ignores that: one centre may be the nearest for
three times its capacity.  This module assigns every settlement (village or
community) to one township-tier centre by travel time **respecting capacity**.

Model (solved exactly as a MILP with HiGHS through :func:`scipy.optimize.milp`)
------------------------------------------------------------------------------
For settlements ``i`` with older population ``w_i`` and centres ``j`` with
capacity ``c_j`` and travel time ``t_ij`` (settlement -> centre):

* ``x_ij`` binary, only for pairs with ``t_ij <= threshold_i`` (and
  ``w_i <= c_j``): settlement ``i`` is served by ``j`` (unsplittable).
* ``u_i`` binary: ``i`` is left unassigned.
* ``sum_j x_ij + u_i = 1`` for every ``i``; ``sum_i w_i x_ij <= c_j``.
* minimise ``sum_ij a_i t_ij x_ij + sum_i P a_i u_i`` with ``a_i = max(w_i, 1)``
  (a settlement with no recorded older people still counts as one person, so
  it goes to its nearest centre) and ``P`` a large per-person penalty
  (default 100 times the longest threshold in minutes): the model serves as
  many older people as it can, then minimises older-weighted travel time.
* The settlements and centres linked by within-threshold pairs fall apart into
  independent pieces (one per cluster of townships); each is solved on its own.

Second stage: a settlement the model cannot serve within the threshold and
capacity is sent to its *nearest reachable* centre.  It is flagged
``BEYOND_THRESHOLD`` when that centre is beyond its threshold and
``OVER_CAPACITY`` when that centre ends up over capacity.  Settlements no
centre can reach at all are flagged ``NO_REACHABLE_CENTRE``.

:func:`assign_capacitated` is the numeric core on plain arrays;
:func:`township_assignment` is the (Geo)DataFrame adapter used by
:mod:`planner.coverage`.  :func:`assign_brute_force` enumerates every
assignment of a tiny case (the reference the MILP is tested against).
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse.csgraph import connected_components

from planner.errors import DataError, SolverError

__all__ = [
    "AssignmentSolution",
    "TownshipAssignment",
    "assign_capacitated",
    "assign_brute_force",
    "township_assignment",
    "assignment_objective",
]

logger = logging.getLogger(__name__)

#: Flags a settlement can get from the second stage.
FLAG_OVER_CAPACITY = "OVER_CAPACITY"
FLAG_BEYOND_THRESHOLD = "BEYOND_THRESHOLD"
FLAG_NO_REACHABLE_CENTRE = "NO_REACHABLE_CENTRE"

#: Stage labels per settlement.
STAGE_WITHIN = "within"  # served within threshold and capacity (MILP)
STAGE_SPILL = "spill"  # sent to its nearest reachable centre (second stage)
STAGE_NONE = "none"  # no centre reachable at all


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


def _prepare(
    times_s: Any, demand: Any, capacity: Any, threshold_s: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Validate inputs; return (ii, jj, tt) finite pairs and w, c, thr."""
    if sparse.issparse(times_s):
        coo = sparse.coo_array(times_s)
        n, k = coo.shape
        ii, jj, tt = (np.asarray(coo.row, dtype=np.int64), np.asarray(coo.col, dtype=np.int64),
                      np.asarray(coo.data, dtype=float))
    else:
        t = np.asarray(times_s, dtype=float)
        if t.ndim != 2:
            raise ValueError(f"times_s must be a 2-D (settlements x centres) array, got shape {t.shape}")
        n, k = t.shape
        if np.any(np.isnan(t)):
            raise ValueError("times_s contains NaN; use inf for unreachable pairs")
        ii, jj = np.nonzero(np.isfinite(t))
        tt = t[ii, jj]
    if np.any(np.isnan(tt)):
        raise ValueError("times_s contains NaN; use inf for unreachable pairs")
    keep = np.isfinite(tt)
    ii, jj, tt = ii[keep], jj[keep], tt[keep]
    if ii.size:  # a pair given twice (sparse input): keep its shorter time
        o = np.lexsort((tt, jj, ii))
        ii, jj, tt = ii[o], jj[o], tt[o]
        first = np.ones(ii.size, dtype=bool)
        first[1:] = (ii[1:] != ii[:-1]) | (jj[1:] != jj[:-1])
        ii, jj, tt = ii[first], jj[first], tt[first]
    w = np.asarray(demand, dtype=float).reshape(-1)
    c = np.asarray(capacity, dtype=float).reshape(-1)
    if w.shape[0] != n:
        raise ValueError(f"demand has {w.shape[0]} values for {n} settlements")
    if c.shape[0] != k:
        raise ValueError(f"capacity has {c.shape[0]} values for {k} centres")
    w = np.where(np.isnan(w), 0.0, w)
    if np.any(w < 0):
        raise ValueError("demand (older population) must not be negative")
    if np.any(np.isnan(c)) or np.any(c < 0):
        raise ValueError("capacity must be a non-negative number for every centre")
    thr = np.broadcast_to(np.asarray(threshold_s, dtype=float), (n,)).copy()
    return ii, jj, tt, w, c, thr, np.array([n, k])


def _weights(w: np.ndarray) -> np.ndarray:
    return np.maximum(w, 1.0)


#: Default cost of leaving one older person unassigned, in multiples of the longest threshold.
PENALTY_FACTOR = 100.0


def _default_penalty(tt: np.ndarray, thr: np.ndarray) -> float:
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


def assignment_objective(
    centre: np.ndarray, times_s: Any, demand: Any, *, penalty_per_person: float
) -> float:
    """Objective of an assignment (minutes; ``centre == -1`` = unassigned).

    Parameters
    ----------
    centre
        Centre index per settlement, ``-1`` for unassigned.
    times_s, demand
        As for :func:`assign_capacitated`.
    penalty_per_person
        ``P`` in the module docstring.

    Returns
    -------
    float
    """
    t = np.asarray(times_s, dtype=float)
    w = np.nan_to_num(np.asarray(demand, dtype=float), nan=0.0)
    a = _weights(w)
    centre = np.asarray(centre)
    obj = 0.0
    for i, j in enumerate(centre):
        obj += penalty_per_person * a[i] if j < 0 else a[i] * t[i, j] / 60.0
    return float(obj)


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
    SolverError
        When HiGHS returns no solution at all.
    """
    pi, pj, pt, w, c, thr, shape = _prepare(times_s, demand, capacity, threshold_s)
    n, k = int(shape[0]), int(shape[1])
    a = _weights(w)
    P = _default_penalty(pt, thr) if penalty_per_person is None else float(penalty_per_person)

    feasible = (pt <= thr[pi]) & (w[pi] <= c[pj] + 1e-9)
    ii, jj, tt = pi[feasible], pj[feasible], pt[feasible]
    m = ii.shape[0]
    has_pair = np.zeros(n, dtype=bool)
    has_pair[ii] = True

    centre = np.full(n, -1, dtype=np.int64)
    time_s = np.full(n, np.inf)
    objective = float(P * a[~has_pair].sum())
    statuses: list[str] = []
    mip_gap = 0.0
    n_components = 0
    if m:
        # Settlements and centres linked by feasible pairs form independent sub-models
        # (no constraint crosses two pieces), so each piece is solved on its own: exact,
        # and much faster for a whole province than one big model.
        bip = sparse.coo_array((np.ones(m), (ii, n + jj)), shape=(n + k, n + k))
        n_comp, lab = connected_components(bip, directed=False)
        pair_comp = lab[ii]
        order = np.argsort(pair_comp, kind="stable")
        bounds_ = np.searchsorted(pair_comp[order], np.arange(n_comp + 1))
        start = time.perf_counter()
        pairs_left = m
        for ci in range(n_comp):
            sel = order[bounds_[ci]:bounds_[ci + 1]]
            if not len(sel):
                continue
            n_components += 1
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

    assigned_load = np.zeros(k)
    np.add.at(assigned_load, centre[centre >= 0], w[centre >= 0])
    stage = np.where(centre >= 0, STAGE_WITHIN, STAGE_NONE).astype(object)

    # natural catchment: nearest reachable centre at any time (ties: lowest centre index)
    nearest = np.full(n, -1, dtype=np.int64)
    nearest_time = np.full(n, np.inf)
    if pi.size:
        o = np.lexsort((pj, pt, pi))
        first = np.ones(o.size, dtype=bool)
        first[1:] = pi[o][1:] != pi[o][:-1]
        nearest[pi[o][first]] = pj[o][first]
        nearest_time[pi[o][first]] = pt[o][first]
    nearest_load = np.zeros(k)
    ok = nearest >= 0
    np.add.at(nearest_load, nearest[ok], w[ok])
    nearest_load_within = np.zeros(k)
    okw = ok & (nearest_time <= thr)
    np.add.at(nearest_load_within, nearest[okw], w[okw])

    # second stage
    spill = (centre < 0) & (nearest >= 0)
    centre[spill] = nearest[spill]
    time_s[spill] = nearest_time[spill]
    stage[spill] = STAGE_SPILL
    spill_load = np.zeros(k)
    np.add.at(spill_load, nearest[spill], w[spill])
    final = assigned_load + spill_load
    beyond = spill & (nearest_time > thr)
    over = np.zeros(n, dtype=bool)
    over[spill] = final[nearest[spill]] > c[nearest[spill]] + 1e-9
    # within threshold but not assigned: every centre in reach was full
    over |= spill & ~beyond
    unreachable = centre < 0

    return AssignmentSolution(
        centre=centre,
        stage=stage,
        time_s=time_s,
        nearest=nearest,
        nearest_time_s=nearest_time,
        beyond_threshold=beyond,
        over_capacity=over,
        unreachable=unreachable,
        assigned_load=assigned_load,
        spill_load=spill_load,
        nearest_load=nearest_load,
        nearest_load_within=nearest_load_within,
        capacity=c.copy(),
        objective=objective,
        status=status,
        mip_gap=mip_gap,
        n_pairs=int(m),
        params={
            "independent_pieces": int(n_components),
            "penalty_per_person": P,
            "time_limit_s": float(time_limit_s),
            "mip_rel_gap": float(mip_rel_gap),
            "solver": "HiGHS (scipy.optimize.milp)",
        },
    )


@contextlib.contextmanager
def _quiet_stdout():
    """Silence HiGHS' C++ debug lines written straight to file descriptor 1 despite ``disp=False``."""
    fd = 1
    try:
        sys.stdout.flush()
        saved = os.dup(fd)
    except OSError:  # no file descriptor 1
        yield
        return
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), fd)
            yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)


def _solve_piece(
    ii: np.ndarray, jj: np.ndarray, tt: np.ndarray, w: np.ndarray, a: np.ndarray, c: np.ndarray,
    P: float, time_limit_s: float, mip_rel_gap: float,
) -> tuple[np.ndarray, float, str, float]:
    """Solve the MILP on one independent piece; returns (x per pair, objective, message, gap)."""
    m = ii.shape[0]
    rows, row_of = np.unique(ii, return_inverse=True)
    cols, col_of = np.unique(jj, return_inverse=True)
    nu, kc = rows.shape[0], cols.shape[0]
    cost = np.concatenate([a[ii] * tt / 60.0, P * a[rows]])
    # row i: sum_j x_ij + u_i = 1
    a_eq = sparse.csr_array(
        (np.ones(m + nu), (np.concatenate([row_of, np.arange(nu)]), np.arange(m + nu))),
        shape=(nu, m + nu),
    )
    # centre j: sum_i w_i x_ij <= c_j
    a_cap = sparse.csr_array((w[ii], (col_of, np.arange(m))), shape=(kc, m + nu))
    with _quiet_stdout():
        res = milp(
            cost,
            constraints=[LinearConstraint(a_eq, 1.0, 1.0), LinearConstraint(a_cap, -np.inf, c[cols])],
            integrality=np.ones(m + nu),
            bounds=Bounds(0.0, 1.0),
            options={"time_limit": float(time_limit_s), "mip_rel_gap": float(mip_rel_gap), "disp": False},
        )
    if res.x is None:
        raise SolverError(
            f"the township-centre assignment model ({nu} settlements, {kc} centres, {m} pairs) "
            f"was not solved: {res.message}. Raise the time limit (siting.time_limit_s) or "
            "study fewer settlements at once."
        )
    if res.status != 0:
        logger.warning("township assignment: HiGHS stopped early (%s); keeping the best solution found", res.message)
    gap = float(getattr(res, "mip_gap", 0.0) or 0.0)
    return res.x[:m] > 0.5, float(res.fun), str(res.message), gap


def assign_brute_force(
    times_s: Any,
    demand: Any,
    capacity: Any,
    *,
    threshold_s: float | np.ndarray,
    penalty_per_person: float | None = None,
    max_combinations: int = 2_000_000,
) -> tuple[np.ndarray, float]:
    """Best first-stage assignment by exhaustive enumeration (reference for tiny cases).

    Parameters
    ----------
    times_s, demand, capacity, threshold_s, penalty_per_person
        As for :func:`assign_capacitated`.
    max_combinations : int
        Refuse cases with more combinations than this.

    Returns
    -------
    centre : int64 (n,)
        Centre per settlement, ``-1`` unassigned.
    objective : float
        Its objective (same definition as the MILP).
    """
    pi, pj, pt, w, c, thr, shape = _prepare(times_s, demand, capacity, threshold_s)
    n, k = int(shape[0]), int(shape[1])
    t = np.full((n, k), np.inf)
    t[pi, pj] = pt
    P = _default_penalty(pt, thr) if penalty_per_person is None else float(penalty_per_person)
    options = [[-1] + [j for j in range(k) if t[i, j] <= thr[i] and w[i] <= c[j] + 1e-9] for i in range(n)]
    total = int(np.prod([len(o) for o in options], dtype=float))
    if total > max_combinations:
        raise ValueError(f"{total} combinations: too many for brute force (max {max_combinations})")
    best, best_obj = None, np.inf
    for combo in itertools.product(*options):
        load = np.zeros(k)
        for i, j in enumerate(combo):
            if j >= 0:
                load[j] += w[i]
        if np.any(load > c + 1e-9):
            continue
        obj = assignment_objective(np.array(combo), t, w, penalty_per_person=P)
        if obj < best_obj - 1e-9:
            best, best_obj = np.array(combo, dtype=np.int64), obj
    assert best is not None  # all-unassigned is always feasible
    return best, float(best_obj)


# --------------------------------------------------------------------------- adapter


@dataclass(frozen=True, eq=False)
class TownshipAssignment:
    """Township-centre coverage with capacity (see the module docstring).

    Attributes
    ----------
    settlements : DataFrame
        Indexed like the settlements given: ``centre`` (facility id or NA),
        ``centre_time_min`` (inf when none), ``nearest_centre``,
        ``nearest_centre_time_min``, ``stage`` (``within``/``spill``/``none``),
        ``threshold_min``, ``over_capacity``, ``beyond_threshold``,
        ``no_reachable_centre``, ``cannot_serve`` (not servable within
        capacity and threshold), ``no_township_centre`` (its township has no
        township-tier centre), ``flags`` (``;``-joined).
    centres : DataFrame
        Indexed like the centres given: ``name``, ``township``, ``county``,
        ``capacity``, ``capacity_source`` (``facility``/``default``),
        ``nearest_load``, ``nearest_load_within``, ``nearest_share``,
        ``nearest_over``, ``assigned_load``, ``assigned_settlements``,
        ``spill_load``, ``spill_settlements``, ``load``, ``share``, ``over``.
    townships_without_centre : DataFrame
        One row per township (index: name) with no centre: ``county``,
        ``settlements``, ``older_population``.
    solution : AssignmentSolution
    params : dict
    """

    settlements: pd.DataFrame
    centres: pd.DataFrame
    townships_without_centre: pd.DataFrame
    solution: AssignmentSolution
    params: dict

    @property
    def unserved(self) -> pd.DataFrame:
        """Settlements no centre can serve within capacity and threshold."""
        return self.settlements[self.settlements["cannot_serve"]]


def township_assignment(
    settlements: pd.DataFrame,
    centres: pd.DataFrame,
    times_s: pd.DataFrame | np.ndarray,
    *,
    threshold_min: float | pd.Series | np.ndarray,
    default_capacity: float = 10000.0,
    townships: pd.DataFrame | None = None,
    time_limit_s: float = 60.0,
    mip_rel_gap: float = 1e-3,
) -> TownshipAssignment:
    """Capacity-aware township-centre assignment on (Geo)DataFrames.

    Parameters
    ----------
    settlements : DataFrame
        Canonical settlements (``older_population``, ``township``, ``county``, ``kind``).
    centres : DataFrame
        Township-tier facilities (``capacity`` NaN -> ``default_capacity``;
        ``township``, ``county``, ``name`` when present).
    times_s : DataFrame, array or scipy sparse array (settlements x centres)
        Seconds from each settlement to each centre, ``inf`` (or, sparse, no
        stored entry) unreachable.
        A DataFrame is aligned on the settlements' index and the centres' index.
    threshold_min : float, Series or array
        Threshold in minutes (one value, or one per settlement).
    default_capacity : float
        Capacity of centres whose ``capacity`` is unknown
        (``targets.township_centre_capacity``).
    townships : DataFrame, optional
        Canonical townships (index name, ``county``); when absent the
        settlements' township names are used.
    time_limit_s : float
        HiGHS time budget.
    mip_rel_gap : float
        HiGHS relative gap (see :func:`assign_capacitated`).

    Returns
    -------
    TownshipAssignment
    """
    if isinstance(times_s, pd.DataFrame):
        missing_rows = settlements.index.difference(times_s.index)
        missing_cols = centres.index.difference(times_s.columns)
        if len(missing_rows) or len(missing_cols):
            raise DataError(
                f"travel-time table lacks {len(missing_rows)} settlements and {len(missing_cols)} centres "
                "(e.g. " + ", ".join(map(str, list(missing_rows[:3]) + list(missing_cols[:3]))) + ")"
            )
        t = times_s.loc[settlements.index, centres.index].to_numpy(dtype=float)
    else:
        t = times_s if sparse.issparse(times_s) else np.asarray(times_s, dtype=float)
        if t.shape != (len(settlements), len(centres)):
            raise ValueError(f"times_s has shape {t.shape}, expected {(len(settlements), len(centres))}")
    older = pd.to_numeric(settlements["older_population"], errors="coerce").to_numpy(dtype=float)
    w = np.nan_to_num(older, nan=0.0)
    cap_raw = (
        pd.to_numeric(centres["capacity"], errors="coerce").to_numpy(dtype=float)
        if "capacity" in centres
        else np.full(len(centres), np.nan)
    )
    use_default = ~(np.isfinite(cap_raw) & (cap_raw > 0))
    cap = np.where(use_default, float(default_capacity), cap_raw)
    if isinstance(threshold_min, pd.Series):
        thr_min = threshold_min.reindex(settlements.index).to_numpy(dtype=float)
    else:
        thr_min = np.broadcast_to(np.asarray(threshold_min, dtype=float), (len(settlements),)).copy()
    sol = assign_capacitated(
        t, w, cap, threshold_s=thr_min * 60.0, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap
    )

    ids = np.asarray(centres.index, dtype=object)

    def _ids(idx: np.ndarray) -> pd.Series:
        out = pd.Series(pd.NA, index=settlements.index, dtype="string")
        ok = idx >= 0
        out[ok] = ids[idx[ok]].astype(str)
        return out

    # townships with no centre
    sett_town = settlements["township"].fillna("").astype(str) if "township" in settlements else pd.Series("", index=settlements.index)
    centre_towns = set(centres["township"].fillna("").astype(str)) if "township" in centres else set()
    if townships is not None and len(townships):
        town_names = pd.Index(townships.index.astype(str))
        town_county = townships["county"].astype(str) if "county" in townships else pd.Series("", index=townships.index)
        town_county.index = town_names
    else:
        town_names = pd.Index(sorted(n for n in sett_town.unique() if n))
        county_of = (
            settlements.assign(_t=sett_town).groupby("_t")["county"].first()
            if "county" in settlements
            else pd.Series("", index=town_names)
        )
        town_county = county_of.reindex(town_names).fillna("").astype(str)
    no_centre_towns = [n for n in town_names if n not in centre_towns]
    # a settlement whose township is unknown ("") is not flagged: we cannot tell
    sett_no_centre = sett_town.isin(no_centre_towns).to_numpy()

    table = pd.DataFrame(index=settlements.index)
    table["centre"] = _ids(sol.centre)
    table["centre_time_min"] = sol.time_s / 60.0
    table["nearest_centre"] = _ids(sol.nearest)
    table["nearest_centre_time_min"] = sol.nearest_time_s / 60.0
    table["stage"] = pd.Series(sol.stage, index=settlements.index, dtype="string")
    table["threshold_min"] = thr_min
    table["over_capacity"] = sol.over_capacity
    table["beyond_threshold"] = sol.beyond_threshold
    table["no_reachable_centre"] = sol.unreachable
    table["cannot_serve"] = ~sol.within
    table["no_township_centre"] = sett_no_centre
    flags = []
    for oc, bt, nr, nt in zip(sol.over_capacity, sol.beyond_threshold, sol.unreachable, sett_no_centre, strict=True):
        f = [FLAG_OVER_CAPACITY] if oc else []
        f += [FLAG_BEYOND_THRESHOLD] if bt else []
        f += [FLAG_NO_REACHABLE_CENTRE] if nr else []
        f += ["NO_TOWNSHIP_CENTRE"] if nt else []
        flags.append(";".join(f))
    table["flags"] = pd.Series(flags, index=settlements.index, dtype="string")

    cent = pd.DataFrame(index=centres.index)
    for col in ("name", "township", "county"):
        cent[col] = centres[col].astype("string") if col in centres else pd.Series("", index=centres.index, dtype="string")
    cent["capacity"] = cap
    cent["capacity_source"] = np.where(use_default, "default", "facility")
    cent["nearest_load"] = sol.nearest_load
    cent["nearest_load_within"] = sol.nearest_load_within
    with np.errstate(divide="ignore", invalid="ignore"):
        cent["nearest_share"] = np.where(cap > 0, sol.nearest_load / cap, np.inf)
        cent["nearest_over"] = sol.nearest_load > cap + 1e-9
        cent["assigned_load"] = sol.assigned_load
        within = sol.stage == STAGE_WITHIN
        spill = sol.stage == STAGE_SPILL
        cent["assigned_settlements"] = np.bincount(sol.centre[within], minlength=len(centres))[: len(centres)]
        cent["spill_load"] = sol.spill_load
        cent["spill_settlements"] = np.bincount(sol.centre[spill], minlength=len(centres))[: len(centres)]
        cent["load"] = sol.load
        cent["share"] = np.where(cap > 0, sol.load / cap, np.inf)
        cent["over"] = sol.load > cap + 1e-9

    older_s = pd.Series(w, index=settlements.index)
    rows = []
    for name in no_centre_towns:
        mask = (sett_town == name).to_numpy()
        rows.append({
            "township": name,
            "county": str(town_county.get(name, "")),
            "settlements": int(mask.sum()),
            "older_population": float(older_s[mask].sum()),
        })
    no_centre_df = pd.DataFrame(rows, columns=["township", "county", "settlements", "older_population"]).set_index("township")

    params = {
        "threshold_min": float(np.nanmax(thr_min)) if len(thr_min) and np.all(thr_min == thr_min[0]) else "per settlement",
        "default_capacity": float(default_capacity),
        "centres_with_default_capacity": int(use_default.sum()),
        "settlements_missing_older_population": int(np.isnan(older).sum()),
        **sol.params,
        "status": sol.status,
        "mip_gap": sol.mip_gap,
        "n_pairs": sol.n_pairs,
    }
    logger.info(
        "township assignment: %d settlements, %d centres, %d within, %d spilled, %d unreachable, %d centres over",
        len(settlements), len(centres), int(within.sum()), int(spill.sum()), int(sol.unreachable.sum()),
        int(cent["over"].sum()),
    )
    return TownshipAssignment(
        settlements=table, centres=cent, townships_without_centre=no_centre_df, solution=sol, params=params
    )
