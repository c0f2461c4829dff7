"""Elderly-care (养老服务) facility network planner.

Plan 15-minute service circles, tiered and township-centre coverage,
under-served villages, policy scorecards and new sites over real road networks.
"""

from planner._errors import (
    ConfigError,
    DataError,
    InputFileNotFoundError,
    NetworkError,
    PlannerError,
    SolverError,
)
from planner.config import StudyConfig, default_config, load_config

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "DataError",
    "InputFileNotFoundError",
    "NetworkError",
    "PlannerError",
    "SolverError",
    "StudyConfig",
    "default_config",
    "load_config",
]
