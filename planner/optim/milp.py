"""The one HiGHS wrapper: solve a MILP (or its LP relaxation) with HiGHS (:mod:`highspy`).

Every model of the planner (the location models here and the township-centre
assignment of :mod:`planner.analysis`) is built as a :class:`Milp` and solved by
:func:`solve_milp` (or kept in a :class:`HighsModel` to be re-solved after a
bound change), which applies the time limit and gap, can hand HiGHS a starting
solution, keeps HiGHS quiet, and turns HiGHS' answer into a :class:`MilpResult`
with one of the statuses below.

Statuses (the vocabulary of :attr:`planner.optim.Solution.status` too)
---------------------------------------------------------------------
``"optimal"``
    Proven optimal: HiGHS finished with no gap asked for, or the proven gap is <= 1e-9.
``"gap_limit"``
    HiGHS stopped at the relative gap asked for (``mip_gap`` > 0) with a feasible
    solution; ``gap`` says how far from optimal it may be.
``"time_limit"``
    The time ran out; the best solution found is kept, with its proven gap (NaN when
    no bound is known).
``gap`` is always the *proven* relative gap between the solution and HiGHS' dual bound.
A time limit without any solution raises :class:`NoSolutionInTime` (a
:class:`~planner.errors.SolverError` that carries the best bound), so a caller can
fall back to a heuristic; infeasible or failed models raise :class:`~planner.errors.SolverError`.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import highspy
import numpy as np
import scipy.sparse as sp

from planner.errors import SolverError

__all__ = ["Milp", "MilpResult", "HighsModel", "solve_milp", "quiet_stdout", "relative_gap", "NoSolutionInTime",
           "status_of", "OPTIMAL", "GAP_LIMIT", "TIME_LIMIT", "GREEDY", "EMPTY", "PROVEN"]

#: Proven optimal.
OPTIMAL = "optimal"
#: Stopped at the requested relative gap with a feasible solution.
GAP_LIMIT = "gap_limit"
#: The time limit ran out; the best solution found is kept.
TIME_LIMIT = "time_limit"
#: A heuristic answer (greedy with repair), its gap against an LP or Lagrangian bound.
GREEDY = "greedy"
#: Nothing to decide.
EMPTY = "empty"
#: Statuses of a proven-optimal answer.
PROVEN = (OPTIMAL, EMPTY)

_EPS = 1e-9
_STOPPED = {highspy.HighsModelStatus.kTimeLimit, highspy.HighsModelStatus.kIterationLimit,
            highspy.HighsModelStatus.kInterrupt, highspy.HighsModelStatus.kSolutionLimit,
            highspy.HighsModelStatus.kHighsInterrupt, highspy.HighsModelStatus.kMemoryLimit,
            highspy.HighsModelStatus.kObjectiveBound, highspy.HighsModelStatus.kObjectiveTarget}


@dataclass(frozen=True, eq=False)
class Milp:
    """A mixed-integer linear program ``min/max c x`` s.t. ``lo <= A x <= hi``, ``0 <= x <= 1``.

    Attributes
    ----------
    c : ndarray
        Objective coefficients.
    A : scipy sparse matrix
        Constraint rows (may have no rows).
    lo, hi : ndarray
        Row bounds (``-inf``/``inf`` for one-sided rows).
    integrality : ndarray
        1 for integer variables, 0 for continuous ones.
    maximise : bool
        Maximise instead of minimise.

    Every variable of the planner's models is a 0-1 share (open, assigned, unserved), so the
    variable bounds are always 0 and 1.
    """

    c: np.ndarray
    A: Any
    lo: np.ndarray
    hi: np.ndarray
    integrality: np.ndarray
    maximise: bool = False

    @property
    def n_vars(self) -> int:
        """Number of variables."""
        return len(self.c)

    @property
    def n_cons(self) -> int:
        """Number of constraint rows."""
        return int(self.A.shape[0])


@dataclass(frozen=True, eq=False)
class MilpResult:
    """HiGHS' answer to one :class:`Milp`.

    Attributes
    ----------
    x : ndarray
        Variable values.
    status : str
        :data:`OPTIMAL`, :data:`GAP_LIMIT` or :data:`TIME_LIMIT`.
    score : float
        Objective value in the model's own sense (maximised or minimised).
    bound : float
        Proven bound on the optimum (HiGHS' dual bound; ``score`` for a solved LP; NaN when unknown).
    gap : float
        Proven relative gap between ``score`` and ``bound`` (see :func:`relative_gap`; NaN when unknown).
    message : str
        HiGHS' message.
    n_vars, n_cons : int
        Size of the model.
    solver_gap : float
        The relative MIP gap as HiGHS itself reports it (0 when absent).
    """

    x: np.ndarray
    status: str
    score: float
    bound: float
    gap: float
    message: str
    n_vars: int
    n_cons: int
    solver_gap: float = 0.0


class NoSolutionInTime(SolverError):
    """HiGHS ran out of time before any feasible solution; ``bound`` is the best proven bound (NaN if none)."""

    def __init__(self, message: str, bound: float = math.nan) -> None:
        super().__init__(message)
        self.bound = bound


@contextlib.contextmanager
def quiet_stdout() -> Iterator[None]:
    """Discard what is written to file descriptor 1 (HiGHS prints its banner before any option applies)."""
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):  # no file descriptor 1
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


def relative_gap(value: float, bound: float, maximise: bool) -> float:
    """Relative gap, >= 0: ``(bound - value) / |bound|`` (max) or ``(value - bound) / |value|`` (min); NaN unknown."""
    if not (np.isfinite(value) and np.isfinite(bound)):
        return math.nan
    diff = (bound - value) if maximise else (value - bound)
    denom = abs(bound) if maximise else abs(value)
    if denom < _EPS:
        return 0.0 if abs(diff) < 1e-6 else float("inf")
    g = diff / denom
    return 0.0 if g < 1e-9 else float(g)


def status_of(gap: float, mip_gap: float, stopped: bool) -> str:
    """The truthful status of a feasible answer: proven gap ``gap``, ``mip_gap`` asked for, time ran out."""
    if np.isfinite(gap) and gap <= _EPS:
        return OPTIMAL
    if stopped or not np.isfinite(gap) or gap > mip_gap + _EPS:
        return TIME_LIMIT
    return GAP_LIMIT


class HighsModel:
    """One :class:`Milp` loaded into HiGHS, to be solved (again) after changing row bounds.

    Parameters
    ----------
    model : Milp
    relax : bool
        Load every variable as continuous (the LP relaxation).
    """

    def __init__(self, model: Milp, *, relax: bool = False) -> None:
        self.model = model
        self.relax = relax or not np.asarray(model.integrality).any()
        with quiet_stdout():
            self.h = highspy.Highs()
        self.h.setOptionValue("output_flag", False)
        n = model.n_vars
        A = sp.csc_array(model.A, dtype=float) if model.n_cons else sp.csc_array((0, n))
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = n, int(A.shape[0])
        lp.col_cost_ = np.asarray(model.c, dtype=float)
        lp.col_lower_, lp.col_upper_ = np.zeros(n), np.ones(n)
        lp.row_lower_ = np.asarray(model.lo, dtype=float)
        lp.row_upper_ = np.asarray(model.hi, dtype=float)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = A.indptr.astype(np.int32)
        lp.a_matrix_.index_ = A.indices.astype(np.int32)
        lp.a_matrix_.value_ = A.data.astype(float)
        lp.sense_ = highspy.ObjSense.kMaximize if model.maximise else highspy.ObjSense.kMinimize
        if not self.relax:
            kinds = np.array([highspy.HighsVarType.kContinuous, highspy.HighsVarType.kInteger], dtype=object)
            lp.integrality_ = kinds[(np.asarray(model.integrality) != 0).astype(np.int64)].tolist()
        self.h.passModel(lp)

    def set_row_bounds(self, row: int, lo: float, hi: float) -> None:
        """Change the bounds of constraint ``row``."""
        inf = highspy.kHighsInf
        self.h.changeRowBounds(int(row), max(float(lo), -inf), min(float(hi), inf))

    def solve(self, *, time_limit_s: float, mip_gap: float = 0.0, start: np.ndarray | None = None,
              what: str = "the model", advice: str = "raise [siting] time_limit_s") -> MilpResult:
        """Run HiGHS and return its answer, or the feasible ``start`` when that is better (with HiGHS' bound).

        The start is *not* handed to HiGHS: HiGHS 1.16 maps a user solution wrongly through
        presolve (it reported a start of value 799 as "optimal, 1690"), so it is compared afterwards.

        Raises
        ------
        NoSolutionInTime
            When the time ran out before any feasible solution and there is no ``start`` (``bound`` attached).
        SolverError
            When the model is infeasible or HiGHS fails.
        """
        h = self.h
        h.setOptionValue("time_limit", max(float(time_limit_s), 0.01))
        h.setOptionValue("mip_rel_gap", float(mip_gap))
        with quiet_stdout():
            h.run()
        try:
            res = self._answer(time_limit_s, mip_gap, what, advice)
        except NoSolutionInTime as err:
            if start is None or self.relax:
                raise
            return self._from_start(np.asarray(start, dtype=float), err.bound, mip_gap,
                                    f"no solution of HiGHS' own in {time_limit_s:.3g} s; the start is kept")
        if start is not None and not self.relax:
            x0 = np.asarray(start, dtype=float)
            s0 = float(np.dot(self.model.c, x0))
            better = s0 > res.score + 1e-9 * max(1.0, abs(s0)) if self.model.maximise else \
                s0 < res.score - 1e-9 * max(1.0, abs(s0))
            if better:
                return self._from_start(x0, res.bound, mip_gap, f"HiGHS: {res.message}; the start is kept")
        return res

    def _from_start(self, x0: np.ndarray, bound: float, mip_gap: float, message: str) -> MilpResult:
        """The start as the answer, its gap against HiGHS' ``bound``."""
        model = self.model
        score = float(np.dot(model.c, x0))
        gap = relative_gap(score, bound, model.maximise)
        return MilpResult(x0, status_of(gap, mip_gap, True), score, bound, gap, message, model.n_vars, model.n_cons,
                          math.nan)

    def _answer(self, time_limit_s: float, mip_gap: float, what: str, advice: str) -> MilpResult:
        h, model = self.h, self.model
        st = h.getModelStatus()
        info = h.getInfo()
        message = h.modelStatusToString(st)
        feasible = info.primal_solution_status == highspy.kSolutionStatusFeasible
        stopped = st in _STOPPED
        dual = float(info.mip_dual_bound) if not self.relax else math.nan
        dual = dual if np.isfinite(dual) and abs(dual) < highspy.kHighsInf else math.nan
        if not feasible or (self.relax and st != highspy.HighsModelStatus.kOptimal):
            if stopped:
                raise NoSolutionInTime(f"HiGHS found no solution for {what} within {time_limit_s:g} s ({message}); "
                                       f"{advice}", bound=dual)
            raise SolverError(f"HiGHS could not solve {what}: {message}")
        x = np.asarray(h.getSolution().col_value, dtype=float)
        score = float(np.dot(model.c, x))
        if self.relax:
            return MilpResult(x, OPTIMAL, score, score, 0.0, message, model.n_vars, model.n_cons)
        if st == highspy.HighsModelStatus.kOptimal and mip_gap <= _EPS:
            bound, gap = score, 0.0  # proven at HiGHS' own (absolute) tolerance
        else:
            bound, gap = dual, relative_gap(score, dual, model.maximise)
        status = status_of(gap, mip_gap, stopped)
        return MilpResult(x, status, score, bound, gap, message, model.n_vars, model.n_cons,
                          float(info.mip_gap) if np.isfinite(info.mip_gap) else math.nan)


def solve_milp(
    model: Milp,
    *,
    time_limit_s: float,
    mip_gap: float = 0.0,
    relax: bool = False,
    start: np.ndarray | None = None,
    what: str = "the model",
    advice: str = "raise [siting] time_limit_s",
) -> MilpResult:
    """Solve ``model`` with HiGHS.

    Parameters
    ----------
    model : Milp
    time_limit_s : float
        HiGHS time limit.
    mip_gap : float
        HiGHS relative MIP gap tolerance (ignored for the LP relaxation).
    relax : bool
        Solve the LP relaxation (every variable continuous).
    start : ndarray, optional
        A feasible solution to start from (MIP only).
    what, advice : str
        Name of the model and what to do, for the error message when there is no solution.

    Returns
    -------
    MilpResult

    Raises
    ------
    NoSolutionInTime
        When HiGHS runs out of time before a first solution (or before solving the LP relaxation).
    SolverError
        When the model is infeasible or HiGHS fails.
    """
    if not model.n_vars:  # nothing to decide (e.g. no reachable pair at all)
        return MilpResult(np.zeros(0), OPTIMAL, 0.0, 0.0, 0.0, "empty model", 0, model.n_cons)
    return HighsModel(model, relax=relax).solve(time_limit_s=time_limit_s, mip_gap=mip_gap, start=start, what=what,
                                                advice=advice)
