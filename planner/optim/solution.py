"""The answer of a location model (:class:`Solution`) and the steps every model shares to make one.

Ranking the opened sites by marginal gain (lazy greedy), dropping redundant
sites, crediting demands to the first new site that covers them, and the
"nothing to decide" answer live here, once for LSCP, MCLP and p-median.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from planner.optim.milp import OPTIMAL, PROVEN, MilpResult, relative_gap
from planner.optim.problem import EPS, LocationProblem

__all__ = ["Solution", "Verdict", "Lazy", "prune", "rank_cover", "covered_by", "CoverSplit", "useful_columns",
           "nearest_open", "empty_solution", "make_solution", "finish_cover"]


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
        How far the answer is proven:

        * ``"optimal"``: proven optimal (HiGHS finished with no gap asked for, or
          the proven gap is <= 1e-9);
        * ``"gap_limit"``: HiGHS stopped at the requested ``mip_gap`` with a
          feasible solution (within ``gap`` of optimal, not proven optimal);
        * ``"time_limit"``: the time ran out; the best solution found (HiGHS' or,
          when the exact model found none, the greedy heuristic's) with its
          proven ``gap`` (NaN when no bound was computed in time);
        * ``"greedy"``: the heuristic answer (``method="greedy"``), ``gap``
          against an LP-relaxation or Lagrangian bound (NaN when none was
          computed in time);
        * ``"empty"``: nothing to decide (no candidate can add anything, or ``p = 0``);
        * ``"infeasible"``: :func:`~planner.optim.solve_partial_cover` only, the target cannot be reached.

        Only ``"optimal"`` and ``"empty"`` are proven optimal (:attr:`proven_optimal`).
    objective : float
        The model's own measure, without preferences: number of new sites
        (LSCP), covered weight including what fixed sites cover (MCLP), or
        weighted time in seconds including unserved penalties (p-median).
    score : float
        What the solver optimised: ``objective`` plus/minus the preference bonus.
    bound : float
        Proven bound on the best possible ``score`` (HiGHS' dual bound, the LP
        relaxation or a Lagrangian bound); NaN when none is known.
    gap : float
        Proven relative gap between ``score`` and ``bound`` (>= 0; 0 = proven
        optimal; NaN when no bound is known).
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

    @property
    def proven_optimal(self) -> bool:
        """True when the answer is proven optimal (status ``"optimal"`` or ``"empty"``)."""
        return self.status in PROVEN


@dataclass(frozen=True)
class Verdict:
    """What the solver said: status, optimised score, its bound, the relative gap and the message."""

    status: str
    score: float
    bound: float
    gap: float
    message: str

    @classmethod
    def of(cls, m: MilpResult, offset: float = 0.0, *, maximise: bool = False) -> Verdict:
        """HiGHS' answer, the score and bound shifted by the constant ``offset`` left out of the model.

        The gap is recomputed on the shifted values (it is the gap of what the user sees).
        """
        score, bound = m.score + offset, m.bound + offset
        gap = m.gap if m.status == OPTIMAL or not offset else relative_gap(score, bound, maximise)
        return cls(m.status, score, bound, gap, m.message)


def make_solution(prob: LocationProblem, verdict: Verdict, *, model: str, objective: float, opened: Any,
                  gains: Any, assignment: Any, credited: Any, covered: Any, uncoverable: Any, params: dict,
                  unserved: Any = None) -> Solution:
    """A :class:`Solution` of ``prob`` with the solver's ``verdict`` and the run time so far."""
    return Solution(
        model=model, method=prob.method, status=verdict.status,
        objective=objective, score=verdict.score, bound=verdict.bound, gap=verdict.gap, opened=opened,
        gains=gains, assignment=assignment, credited=credited, covered=covered, uncoverable=uncoverable,
        unserved=np.zeros(0, int) if unserved is None else unserved, runtime_s=prob.elapsed(), params=params,
        message=verdict.message,
    )


def empty_solution(prob: LocationProblem, model: str, uncoverable: np.ndarray, objective: float, params: dict, *,
                   assignment: np.ndarray | None = None, covered: np.ndarray | None = None) -> Solution:
    """The answer when there is nothing to decide: no new site, ``objective`` as given."""
    n_dem = prob.n_demands
    verdict = Verdict("empty", objective, objective, 0.0, "nothing to decide")
    return make_solution(
        prob, verdict, model=model, objective=objective, opened=np.zeros(0, int), gains=np.zeros(0),
        assignment=np.full(n_dem, -1) if assignment is None else assignment, credited=np.full(n_dem, -1),
        covered=np.zeros(n_dem, bool) if covered is None else covered, uncoverable=uncoverable, params=params,
    )


class Lazy:
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


def prune(cols: list[int], value: Any) -> list[int]:
    """Drop sites whose removal does not lower ``value`` (a redundant site is not proposed)."""
    keep = list(cols)
    full = value(keep)
    for j in sorted(cols, key=lambda j: value([j])):
        trial = [k for k in keep if k != j]
        if value(trial) >= full - 1e-9:
            keep = trial
    return keep


def rank_cover(cols: list[int], csc: sp.csc_array, base: np.ndarray, w: np.ndarray, pref: np.ndarray,
               tie: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rank chosen columns by marginal covered weight; credit demands to the first covering one.

    Redundant columns (covering nothing the others do not) are dropped first.  Between
    columns of equal gain, the one newly covering more ``tie`` weight (when given, e.g. older
    people when the gain counts villages) comes first, then the lower index.
    """

    def value(sel: list[int]) -> float:
        cov = base.copy()
        for j in sel:
            cov[csc.indices[csc.indptr[j]:csc.indptr[j + 1]]] = True
        return float(w[cov].sum())

    cols = prune(cols, value)
    covered = base.copy()
    credited = np.full(len(base), -1)
    order, gains = [], []
    left = list(cols)
    tie = np.zeros(len(base)) if tie is None else np.asarray(tie, dtype=float)
    while left:
        best, best_g, best_t = None, -np.inf, -np.inf
        for j in left:
            rows = csc.indices[csc.indptr[j]:csc.indptr[j + 1]]
            fresh = rows[~covered[rows]]
            g, t = float(w[fresh].sum()) + pref[j], float(tie[fresh].sum())
            level = abs(g - best_g) <= EPS
            if g > best_g + EPS or (level and (t > best_t + EPS or (abs(t - best_t) <= EPS and j < best))):
                best, best_g, best_t = j, g, t
        rows = csc.indices[csc.indptr[best]:csc.indptr[best + 1]]
        new = rows[~covered[rows]]
        credited[new] = best
        covered[new] = True
        left.remove(best)
        if best_g - pref[best] <= EPS:
            continue  # adds nothing the sites ranked before do not already cover: not proposed
        order.append(best)
        gains.append(best_g - pref[best])
    return np.array(order, dtype=int), np.array(gains, dtype=float), credited


def covered_by(A: Any, sites: np.ndarray) -> np.ndarray:
    """Bool per demand (row of cover matrix ``A``): covered by one of the sites in the column mask ``sites``."""
    cols = np.flatnonzero(sites)
    if not len(cols):
        return np.zeros(A.shape[0], bool)
    return np.asarray(A[:, cols].sum(axis=1)).reshape(-1) > 0


@dataclass(frozen=True, eq=False)
class CoverSplit:
    """Which demands fixed sites already cover, and which candidates can cover."""

    covered0: np.ndarray
    by_cand: np.ndarray

    @classmethod
    def of(cls, A: sp.csr_array, fx: np.ndarray) -> CoverSplit:
        """The split of cover matrix ``A`` (demands x sites) for the fixed-site mask ``fx``."""
        return cls(covered_by(A, fx), covered_by(A, ~fx))


def useful_columns(A: sp.csr_array, need: np.ndarray, cand: np.ndarray) -> tuple[sp.csc_array, np.ndarray]:
    """The needed demands x the candidates that cover at least one of them, and those candidates' columns."""
    if not len(need) or not len(cand):
        return sp.csc_array((len(need), 0)), cand[:0]
    sub = sp.csc_array(A[need][:, cand])
    useful = np.flatnonzero(np.diff(sub.indptr) > 0)
    return sp.csc_array(sub[:, useful]), cand[useful]


def nearest_open(cover: sp.csr_array, fixed: np.ndarray, opened: Any = ()) -> np.ndarray:
    """Per demand, the first site that covers it among the fixed and the ``opened`` ones (-1 when none)."""
    open_mask = np.array(fixed, dtype=bool)
    open_mask[np.asarray(opened, dtype=np.int64)] = True
    out = np.full(cover.shape[0], -1)
    for i in range(cover.shape[0]):
        cols = cover.indices[cover.indptr[i]:cover.indptr[i + 1]]
        cols = cols[open_mask[cols]]
        if len(cols):
            out[i] = cols[0]
    return out


def finish_cover(chosen: list[int], cover: sp.csr_array, base: np.ndarray, w: np.ndarray, pref: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rank the chosen sites of a covering model: (opened in rank order, gains, credited, covered)."""
    order, gains, credited = rank_cover(chosen, sp.csc_array(cover), base, w, pref)
    covered = base.copy()
    covered[credited >= 0] = True
    return order, gains, credited, covered
