"""The one HiGHS wrapper: solve a MILP (or its LP relaxation) with :func:`scipy.optimize.milp`.

Every model of the planner (the location models here and the township-centre
assignment of :mod:`planner.analysis`) is built as a :class:`Milp` and solved by
:func:`solve_milp`, which applies the time limit and gap, silences HiGHS' debug
output, and turns HiGHS' answer into a :class:`MilpResult` with one of the
statuses below.  A model without any usable solution raises
:class:`~planner.errors.SolverError`.

Statuses
--------
``"optimal"``
    HiGHS finished: proven optimal, or within the relative gap asked for
    (``MilpResult.gap`` > 0 then: feasible at the gap).
``"time_limit"``
    The time ran out; the best solution found is kept and its gap reported.
Infeasible or failed models, and a time limit without any solution, raise
:class:`~planner.errors.SolverError`.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

from planner.errors import SolverError

__all__ = ["Milp", "MilpResult", "solve_milp", "quiet_stdout", "relative_gap", "OPTIMAL", "TIME_LIMIT"]

#: HiGHS finished (proven optimal, or within the requested relative gap).
OPTIMAL = "optimal"
#: The time limit ran out; the best solution found is kept.
TIME_LIMIT = "time_limit"

_EPS = 1e-9
_HIGHS_TIME_LIMIT = 1  # scipy.optimize.milp status: iteration or time limit reached


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
        :data:`OPTIMAL` or :data:`TIME_LIMIT`.
    score : float
        Objective value in the model's own sense (maximised or minimised).
    bound : float
        Best bound on ``score`` (HiGHS' dual bound; ``score`` for an LP).
    gap : float
        Relative gap between ``score`` and ``bound`` (see :func:`relative_gap`).
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


@contextlib.contextmanager
def quiet_stdout() -> Iterator[None]:
    """Discard what is written to file descriptor 1 (HiGHS' MIP code prints debug lines even with ``disp=False``)."""
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
    """Relative gap, always >= 0: ``(bound - value) / |bound|`` (max) or ``(value - bound) / |value|`` (min)."""
    diff = (bound - value) if maximise else (value - bound)
    denom = abs(bound) if maximise else abs(value)
    if denom < _EPS:
        return 0.0 if abs(diff) < 1e-6 else float("inf")
    g = diff / denom
    return 0.0 if g < 1e-9 else float(g)


def _failure(res: Any, time_limit_s: float, what: str, advice: str) -> SolverError:
    if res.status == _HIGHS_TIME_LIMIT:
        return SolverError(f"HiGHS found no solution for {what} within {time_limit_s:g} s ({res.message}); {advice}")
    return SolverError(f"HiGHS could not solve {what}: {res.message}")


def _run_highs(model: Milp, *, time_limit_s: float, mip_gap: float, relax: bool) -> Any:
    """Hand the model to HiGHS (quietly) and return scipy's raw result."""
    sign = -1.0 if model.maximise else 1.0
    cons = [LinearConstraint(sp.csr_array(model.A), model.lo, model.hi)] if model.n_cons else []
    integ = np.zeros_like(model.integrality) if relax else model.integrality
    opts: dict[str, Any] = {"time_limit": float(time_limit_s), "disp": False}
    if not relax:
        opts["mip_rel_gap"] = float(mip_gap)
    with quiet_stdout():
        return milp(sign * model.c, integrality=integ, bounds=Bounds(0, 1), constraints=cons, options=opts)


def solve_milp(
    model: Milp,
    *,
    time_limit_s: float,
    mip_gap: float = 0.0,
    relax: bool = False,
    what: str = "the model",
    advice: str = "raise [siting] time_limit_s or use method='greedy'",
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
    what, advice : str
        Name of the model and what to do, for the error message when there is no solution.

    Returns
    -------
    MilpResult

    Raises
    ------
    SolverError
        When HiGHS returns no solution (infeasible, failed, or out of time before a first solution).
    """
    if not model.n_vars:  # nothing to decide (e.g. no reachable pair at all)
        return MilpResult(np.zeros(0), OPTIMAL, 0.0, 0.0, 0.0, "empty model", 0, model.n_cons)
    res = _run_highs(model, time_limit_s=time_limit_s, mip_gap=mip_gap, relax=relax)
    if res.x is None:
        raise _failure(res, time_limit_s, what, advice)
    sign = -1.0 if model.maximise else 1.0
    score = sign * float(res.fun)
    status = OPTIMAL if res.status == 0 else TIME_LIMIT
    if relax or not model.integrality.any():
        bound, gap = score, 0.0
    else:
        dual = getattr(res, "mip_dual_bound", None)
        bound = sign * float(dual) if dual is not None and np.isfinite(dual) else score
        gap = relative_gap(score, bound, model.maximise)
    solver_gap = float(getattr(res, "mip_gap", 0.0) or 0.0)
    return MilpResult(np.asarray(res.x), status, score, bound, gap, str(res.message), model.n_vars, model.n_cons,
                      solver_gap)
