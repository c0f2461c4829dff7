"""Solve a capacitated model (:class:`~planner.optim.capacitated.CapModel`): heuristic, bound, then HiGHS if needed.

1. the greedy heuristic with repair (:func:`~planner.optim.capacitated.greedy_run`);
2. the Lagrangian bound (a quarter of the time left, at most);
3. ``method="greedy"``, or the heuristic already within ``mip_gap`` of the bound: done;
4. otherwise HiGHS solves the full MILP (up to :data:`MAX_HIGHS_PAIRS` pairs) in the time
   left; the better answer and the tighter of the two bounds are kept.  When
   HiGHS runs out of time without anything better, the heuristic's answer is
   kept with status ``"time_limit"`` and a message that says so.

Gaps are computed on the user's objective (covered weight for MCLP, weighted
seconds with penalties for p-median), so they are the gaps the report shows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from planner.optim.assign import build_assignment_milp
from planner.optim.capacitated import CapModel, greedy_run, lagrangian_bound
from planner.optim.milp import GREEDY, TIME_LIMIT, HighsModel, NoSolutionInTime, relative_gap, status_of
from planner.optim.problem import LocationProblem

__all__ = ["CapAnswer", "solve_cap", "MAX_HIGHS_PAIRS"]

#: Largest number of pairs handed to HiGHS: HiGHS 1.16's presolve of an 885,345-pair model ran past a 47 s
#: limit for minutes (it returned at a 38 s limit), so bigger models keep the heuristic and its bound.
MAX_HIGHS_PAIRS = 300_000


@dataclass(frozen=True, eq=False)
class CapAnswer:
    """A solved :class:`CapModel`: opened candidates, per-pair shares ``z``, score/bound/gap in the user's sense."""

    opened: np.ndarray
    z: np.ndarray
    value: float
    score: float
    bound: float
    gap: float
    status: str
    message: str
    n_vars: int
    n_cons: int


def _user(value: float, offset: float, minimise: bool) -> float:
    return offset - value if minimise else value


def _tighter(a: float, b: float, minimise: bool) -> float:
    return max(a, b) if minimise else min(a, b)


def solve_cap(m: CapModel, prob: LocationProblem, *, offset: float = 0.0, minimise: bool = False,
              share: float = 1.0) -> CapAnswer:
    """Solve ``m`` under ``prob``'s method, time limit (its ``share`` of what is left) and gap.

    Parameters
    ----------
    m : CapModel
    prob : LocationProblem
    offset, minimise : float, bool
        The user's objective is ``offset - value`` when ``minimise`` (p-median), else ``value``.
    share : float
        Fraction of the time left that this solve may use.

    Returns
    -------
    CapAnswer
    """
    budget = prob.remaining() * share
    t_end = prob.elapsed() + budget
    run = greedy_run(m)
    opened, site_of, value = run.opened, run.site_of[-1], float(run.values[-1])
    cur = np.zeros(m.n_demands)
    on = site_of[m.rows] == m.cols
    cur[m.rows[on]] = m.profit[on]
    user_scale = abs(offset - value) if minimise else abs(value)  # what the user's relative gap divides by
    lag, _ = lagrangian_bound(m, value, time_budget_s=max(0.25 * (t_end - prob.elapsed()), 0.05), lam0=cur,
                              close_enough=0.999 * prob.mip_gap * user_scale)
    lag = max(lag, value)  # the bound can only be looser than a feasible value (rounding)
    score, bound = _user(value, offset, minimise), _user(lag, offset, minimise)
    gap = relative_gap(score, bound, not minimise)
    size = (len(m.candidates) + len(m.rows), m.n_demands + len(m.rows))
    z = on.astype(float)
    if prob.method == "greedy":
        return CapAnswer(opened, z, value, score, bound, gap, GREEDY, "greedy with repair; Lagrangian bound", *size)
    if gap <= max(prob.mip_gap, 1e-9):
        return CapAnswer(opened, z, value, score, bound, gap, status_of(gap, prob.mip_gap, False),
                         "greedy with repair, proven within the gap by the Lagrangian bound", *size)
    if len(m.rows) > MAX_HIGHS_PAIRS:
        return CapAnswer(opened, z, value, score, bound, gap, TIME_LIMIT,
                         f"the exact model was not run: {len(m.rows):,} pairs are more than HiGHS can presolve within "
                         f"a time limit (its presolve ignores the limit at this size); the greedy answer is kept with "
                         f"its Lagrangian bound", *size)
    model = build_assignment_milp(m.assignment_model())
    hm = HighsModel(model)
    left = t_end - prob.elapsed()  # after building and loading the model: their time counts too
    left = max(left - max(1.0, 0.05 * left), 0.05)  # HiGHS overruns its limit a little on big models
    try:
        res = hm.solve(time_limit_s=left, mip_gap=prob.mip_gap, start=m.start_vector(opened, site_of))
    except NoSolutionInTime as err:  # only without a start; kept for safety
        if math.isfinite(err.bound):
            bound = _tighter(bound, _user(err.bound, offset, minimise), minimise)
        gap = relative_gap(score, bound, not minimise)
        return CapAnswer(opened, z, value, score, bound, gap, TIME_LIMIT,
                         f"the exact model did not finish in {left:.0f} s ({err}); the greedy answer is kept with "
                         "its Lagrangian bound", model.n_vars, model.n_cons)
    nx = len(m.candidates)
    note = f"HiGHS from the greedy start: {res.message}"
    if res.message.endswith("the start is kept"):
        note = (f"the exact model found no better solution than the greedy answer in {left:.0f} s "
                f"({res.message.split(';')[0]}); the greedy answer is kept with the best proven bound")
    if res.score >= value - 1e-9 * max(1.0, abs(value)):
        opened, z, value = m.candidates[res.x[:nx] > 0.5], res.x[nx:nx + len(m.rows)], res.score
        score = _user(value, offset, minimise)
    if math.isfinite(res.bound):
        bound = _tighter(bound, _user(res.bound, offset, minimise), minimise)
    gap = relative_gap(score, bound, not minimise)
    status = status_of(gap, prob.mip_gap, res.status == TIME_LIMIT)
    return CapAnswer(opened, z, value, score, bound, gap, status, note, model.n_vars, model.n_cons)
