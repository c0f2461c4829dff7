"""Reporting stage: a study's results as an interactive map, an HTML report, a workbook, a GeoPackage and CSVs."""

from __future__ import annotations

from planner.reporting.files import study_layers, write_csvs, write_geopackage
from planner.reporting.html import write_report_html
from planner.reporting.map import TIER_STYLE, coverage_map, write_map
from planner.reporting.workbook import COLUMN_LABELS, report_tables, write_workbook

__all__ = [
    "coverage_map",
    "write_map",
    "TIER_STYLE",
    "write_report_html",
    "write_workbook",
    "write_geopackage",
    "write_csvs",
    "study_layers",
    "report_tables",
    "COLUMN_LABELS",
]
