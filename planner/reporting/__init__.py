"""TODO"""

from __future__ import annotations

from planner.reporting.map import (
    coverage_map,
    write_map,
    TIER_STYLE,
)
from planner.reporting.report import (
    write_report_html,
    write_workbook,
    write_geopackage,
    write_csvs,
    report_tables,
    COLUMN_LABELS,
)

__all__ = [
    "coverage_map",
    "write_map",
    "TIER_STYLE",
    "write_report_html",
    "write_workbook",
    "write_geopackage",
    "write_csvs",
    "report_tables",
    "COLUMN_LABELS",
]
