"""The bundled synthetic demo county (合成示范县): where its data lives, and the seeded generator that writes it."""

from __future__ import annotations

from planner.demo.generate import generate_demo_county
from planner.demo.names import DEMO_COUNTY_NAME, DEMO_OLDER_TOTAL
from planner.demo.paths import demo_config_path

__all__ = [
    "generate_demo_county",
    "demo_config_path",
    "DEMO_COUNTY_NAME",
    "DEMO_OLDER_TOTAL",
]
