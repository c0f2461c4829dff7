"""Loading and validating a study's inputs: the canonical layers (:class:`StudyData`), population, problems."""

from __future__ import annotations

from planner.config import tier_for_type
from planner.data.load import (
    KIND_VALUES,
    PUBLIC_VALUES,
    StudyData,
    load_study,
    summarise_study,
    summarise_study_frame,
    township_kind_from_name,
)
from planner.data.population import (
    PopulationAllocation,
    allocate_older_population,
    county_older_totals_from_census,
)
from planner.data.validation import (
    REASONS,
    LayerSummary,
    Problem,
    ProblemLog,
    ValidationReport,
)

__all__ = [
    "township_kind_from_name",
    "Problem",
    "LayerSummary",
    "ValidationReport",
    "ProblemLog",
    "REASONS",
    "PopulationAllocation",
    "allocate_older_population",
    "county_older_totals_from_census",
    "StudyData",
    "load_study",
    "summarise_study",
    "summarise_study_frame",
    "tier_for_type",
    "KIND_VALUES",
    "PUBLIC_VALUES",
]
