"""Elderly-care (养老服务) facility network planner.

Plan 15-minute service circles, tiered and township-centre coverage,
under-served villages, policy scorecards and new sites over real road networks.

The main entry points are importable from here; the modules behind them load
on first use, so ``import planner`` stays fast::

    from planner import load_config, run_study, write_outputs
"""

from __future__ import annotations

import importlib
from typing import Any

from planner.config import StudyConfig, default_config, load_config
from planner.errors import (
    ConfigError,
    DataError,
    InputError,
    InputFileNotFoundError,
    NetworkError,
    PlannerError,
    SolverError,
)

__version__ = "0.1.0"

#: public name -> module that defines it (imported lazily)
_LAZY = {
    "load_study": "planner.data",
    "StudyData": "planner.data",
    "summarise_study": "planner.data",
    "network_from_osm_file": "planner.network",
    "network_from_graphml": "planner.network",
    "network_from_osmnx": "planner.network",
    "graph_from_network": "planner.network",
    "RoadNetwork": "planner.network",
    "RoutingGraph": "planner.routing",
    "nearest_facility": "planner.routing",
    "reach_matrix": "planner.routing",
    "reach_counts": "planner.routing",
    "service_circles": "planner.analysis",
    "network_voronoi": "planner.analysis",
    "analyse_coverage": "planner.analysis",
    "build_graphs": "planner.analysis",
    "CoverageResult": "planner.analysis",
    "scorecard": "planner.analysis",
    "propose_sites": "planner.siting",
    "propose_tiered_sites": "planner.siting",
    "SitingResult": "planner.siting",
    "run_study": "planner.pipeline",
    "write_outputs": "planner.pipeline",
    "StudyResult": "planner.study",
    "coverage_map": "planner.reporting",
    "demo_config_path": "planner.demo",
}

__all__ = [
    "ConfigError", "DataError", "InputError", "InputFileNotFoundError", "NetworkError", "PlannerError", "SolverError",
    "StudyConfig", "default_config", "load_config", *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'planner' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
