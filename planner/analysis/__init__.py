"""Analysis stage: tiered coverage with reasons and priority, township centres, service circles, policy scorecard,
floating-catchment accessibility and its equity."""

from __future__ import annotations

from planner.analysis.access import AccessResult, analyse_access, floating_catchment
from planner.analysis.access_context import AccessContext
from planner.analysis.assignment import (
    AssignmentSolution,
    TownshipAssignment,
    assign_brute_force,
    assign_capacitated,
    assignment_objective,
    township_assignment,
)
from planner.analysis.circles import (
    circles_by_tier,
    network_voronoi,
    reached_lines,
    service_circles,
)
from planner.analysis.classify import classify_settlements
from planner.analysis.coverage import (
    REASON_CODES,
    CoverageResult,
    analyse_coverage,
)
from planner.analysis.explain import SEPARATORS, Finding, describe
from planner.analysis.indicators import GAP_TEXTS, INDICATORS, SOURCE_DOCUMENTS, cited_documents, source_parts
from planner.analysis.policy import OVERALL, scorecard
from planner.analysis.summary import coverage_summary
from planner.analysis.travel import build_graphs

__all__ = [
    "AccessContext",
    "AccessResult",
    "analyse_access",
    "floating_catchment",
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
    "SOURCE_DOCUMENTS",
    "cited_documents",
    "source_parts",
    "Finding",
    "describe",
    "SEPARATORS",
    "OVERALL",
    "GAP_TEXTS",
]
