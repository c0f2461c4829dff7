"""Reporting stage: a study's results as an interactive map, an HTML report, a workbook, a GeoPackage and CSVs."""

from __future__ import annotations

from planner.reporting.files import study_layers, write_csvs, write_geopackage
from planner.reporting.html import write_report_html
from planner.reporting.labels import column_header, readable_table, value_word
from planner.reporting.map import TIER_STYLE, coverage_map, write_map
from planner.reporting.map_assets import MapControls, inline_assets
from planner.reporting.map_shapes import small_geojson
from planner.reporting.popups import map_text
from planner.reporting.report_css import CSS as REPORT_CSS
from planner.reporting.svg import bar_chart
from planner.reporting.workbook import COLUMN_LABELS, report_tables, write_workbook
from planner.reporting.workbook_format import format_sheet

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
    "column_header", "readable_table", "value_word", "inline_assets", "small_geojson", "REPORT_CSS",
    "bar_chart", "format_sheet", "map_text", "MapControls",
]
