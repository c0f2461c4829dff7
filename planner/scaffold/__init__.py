"""``planner init``: set up a study folder for a real county from the packaged reference data."""

from __future__ import annotations

from planner.scaffold.init import InitResult, init_study
from planner.scaffold.population import older_by_township
from planner.scaffold.todo import still_missing

__all__ = ["InitResult", "init_study", "older_by_township", "still_missing"]
