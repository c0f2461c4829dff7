"""Named scenarios: each scenario's coverage (:mod:`.run`) and the scenarios side by side (:mod:`.compare`).

A scenario is configured in the study file (:mod:`planner.config.scenarios`):
facilities closed, proposed sites added, winter speeds, other thresholds or
speeds.  This stage sits above siting (it adds the proposed sites) and below
:mod:`planner.study`, whose ``scenarios`` field holds the runs.
"""

from __future__ import annotations

from planner.scenarios.compare import (
    METRIC_LABELS,
    access_metrics,
    comparison_table,
    coverage_changes,
    scenario_summary,
    scorecard_comparison,
)
from planner.scenarios.run import ScenarioRun, check_closed_ids, run_scenario, run_scenarios, scenario_facilities

__all__ = [
    "ScenarioRun", "run_scenarios", "run_scenario", "scenario_facilities", "check_closed_ids",
    "scenario_summary", "comparison_table", "scorecard_comparison", "coverage_changes", "access_metrics",
    "METRIC_LABELS",
]
