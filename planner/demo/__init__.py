"""TODO"""

from __future__ import annotations

from planner.demo.generate import (
    generate_demo_county,
    demo_config_path,
    DEMO_COUNTY_NAME,
    DEMO_OLDER_TOTAL,
)

__all__ = [
    "generate_demo_county",
    "demo_config_path",
    "DEMO_COUNTY_NAME",
    "DEMO_OLDER_TOTAL",
]
