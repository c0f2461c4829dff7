"""What one run of a study produced: :class:`StudyResult`.

It sits between the analysis stages, which make its parts, and the reporting
stage, which reads it: so the map and the report depend on this data type,
never on the orchestrator (:mod:`planner.pipeline`) that builds it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from planner.config import StudyConfig
from planner.results import FrozenMap, freeze_fields

if TYPE_CHECKING:
    from planner.analysis import AccessResult, CoverageResult
    from planner.data import StudyData
    from planner.network import RoadNetwork
    from planner.routing import RoutingGraph
    from planner.scenarios import ScenarioRun
    from planner.siting import SitingResult

__all__ = ["StudyResult"]


@dataclass(frozen=True)
class StudyResult:
    """Everything one run of a study produced.

    Attributes
    ----------
    config
        The configuration that produced it.
    data
        The validated input layers and the validation report.
    network
        The road network (arrays), clipped to the study area.
    graphs
        One routing graph per travel profile the tiers use.
    coverage
        Tiered coverage, township-centre assignment, flags and scorecard.
    siting
        Proposed sites per tier (empty when siting was not run).
    siting_errors
        Tier -> why its siting did not finish (the error's type and message); the coverage, map,
        report and workbook are written all the same and say so.
    timings
        Seconds spent in each step.
    scenarios
        Scenario name -> :class:`planner.scenarios.ScenarioRun` (the named scenarios of the study
        file, each with its coverage and parameters); empty when none are configured.
    access
        Floating-catchment accessibility per settlement and tier and its equity (None: not measured).
    """

    config: StudyConfig
    data: StudyData
    network: RoadNetwork
    graphs: Mapping[str, RoutingGraph]
    coverage: CoverageResult
    siting: Mapping[str, SitingResult] = field(default_factory=FrozenMap)
    siting_errors: Mapping[str, str] = field(default_factory=FrozenMap)
    timings: Mapping[str, float] = field(default_factory=FrozenMap)
    scenarios: Mapping[str, ScenarioRun] = field(default_factory=FrozenMap)
    access: AccessResult | None = None

    def __post_init__(self) -> None:
        freeze_fields(self, "graphs", "siting", "siting_errors", "timings", "scenarios")

    @property
    def synthetic(self) -> bool:
        """True when the inputs are synthetic (the demo county)."""
        return bool(self.config.synthetic)
