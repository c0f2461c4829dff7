"""Optimisation core: location models (LSCP, MCLP, p-median) and the capacitated assignment, solved with HiGHS."""

from __future__ import annotations

from planner.optim.assign import AssignmentAnswer, AssignmentModel, best_share, solve_assignment
from planner.optim.curve import CurvePoint, cover_curve
from planner.optim.locate import (
    Solution,
    cover_from_times,
    solve_lscp,
    solve_mclp,
    solve_partial_cover,
    solve_pmedian,
)
from planner.optim.milp import (
    EMPTY,
    GAP_LIMIT,
    GREEDY,
    OPTIMAL,
    PROVEN,
    TIME_LIMIT,
    HighsModel,
    Milp,
    MilpResult,
    NoSolutionInTime,
    quiet_stdout,
    relative_gap,
    solve_milp,
)
from planner.optim.problem import LocationProblem, build_problem
from planner.optim.solution import covered_by

__all__ = [
    "Solution",
    "solve_lscp",
    "solve_mclp",
    "solve_pmedian",
    "solve_partial_cover",
    "cover_from_times",
    "AssignmentModel",
    "AssignmentAnswer",
    "solve_assignment",
    "best_share",
    "Milp",
    "MilpResult",
    "solve_milp",
    "quiet_stdout",
    "relative_gap",
    "OPTIMAL",
    "TIME_LIMIT",
    "GAP_LIMIT",
    "GREEDY",
    "EMPTY",
    "PROVEN",
    "HighsModel",
    "NoSolutionInTime",
    "LocationProblem",
    "build_problem",
    "CurvePoint",
    "cover_curve",
    "covered_by",
]
