"""Loading and validating a study's inputs: the canonical layers (:class:`StudyData`), population, problems."""

from __future__ import annotations

from planner.config import tier_for_type
from planner.data.areas import admin_lookup
from planner.data.load import StudyData, load_study
from planner.data.named_area import NamedArea, named_census_totals, named_counties, resolve_area
from planner.data.population import (
    PopulationAllocation,
    allocate_older_population,
    county_older_totals_from_census,
    older_source_lines,
)
from planner.data.summary import summarise_study, summarise_study_frame
from planner.data.validation import (
    REASONS,
    LayerSummary,
    Problem,
    ProblemLog,
    ValidationReport,
)
from planner.data.vocabulary import KIND_VALUES, PUBLIC_VALUES, township_kind_from_name

__all__ = [
    "NamedArea",
    "named_census_totals",
    "named_counties",
    "resolve_area",
    "township_kind_from_name",
    "Problem",
    "LayerSummary",
    "ValidationReport",
    "ProblemLog",
    "REASONS",
    "PopulationAllocation",
    "allocate_older_population",
    "county_older_totals_from_census",
    "older_source_lines",
    "StudyData",
    "load_study",
    "summarise_study",
    "summarise_study_frame",
    "tier_for_type",
    "KIND_VALUES",
    "PUBLIC_VALUES",
    "admin_lookup",
]
