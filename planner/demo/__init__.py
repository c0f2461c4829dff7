"""TODO"""

from __future__ import annotations

from planner.demo.generate import (
    DEMO_COUNTY_NAME,
    DEMO_OLDER_TOTAL,
    demo_config_path,
    generate_demo_county,
)

__all__ = [
    "generate_demo_county",
    "demo_config_path",
    "DEMO_COUNTY_NAME",
    "DEMO_OLDER_TOTAL",
]
