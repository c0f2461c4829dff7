"""TODO"""

from __future__ import annotations

from planner.reporting.map import (
    TIER_STYLE,
    coverage_map,
    write_map,
)
from planner.reporting.report import (
    COLUMN_LABELS,
    report_tables,
    write_csvs,
    write_geopackage,
    write_report_html,
    write_workbook,
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
