"""TODO"""

from __future__ import annotations

from planner.analysis.circles import (
    service_circles,
    reached_lines,
    circles_by_tier,
    network_voronoi,
)
from planner.analysis.assignment import (
    AssignmentSolution,
    TownshipAssignment,
    assign_capacitated,
    assign_brute_force,
    township_assignment,
    assignment_objective,
)
from planner.analysis.coverage import (
    REASON_CODES,
    CoverageResult,
    build_graphs,
    analyse_coverage,
    classify_settlements,
    coverage_summary,
)
from planner.analysis.scoring import (
    scorecard,
    INDICATORS,
    OVERALL,
)

__all__ = [
    "service_circles",
    "reached_lines",
    "circles_by_tier",
    "network_voronoi",
    "AssignmentSolution",
    "TownshipAssignment",
    "assign_capacitated",
    "assign_brute_force",
    "township_assignment",
    "assignment_objective",
    "REASON_CODES",
    "CoverageResult",
    "build_graphs",
    "analyse_coverage",
    "classify_settlements",
    "coverage_summary",
    "scorecard",
    "INDICATORS",
    "OVERALL",
]
