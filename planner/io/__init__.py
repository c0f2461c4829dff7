"""Reading and writing files: tables and vector layers in, OSM features, the one serialiser out."""

from __future__ import annotations

from planner.io.export import file_safe, plain_table, write_csvs, write_geopackage
from planner.io.osm_features import (
    ELDERLY_NAME_WORDS,
    NON_ELDERLY_NAME_WORDS,
    elderly_care_facilities_from_osm_file,
    features_from_osm_file,
)
from planner.io.spreadsheet import EXCEL_CELL_LIMIT, csv_text, guard_text_cells, is_formula_like, make_text_cells
from planner.io.tables import (
    ALIASES,
    ENCODINGS,
    LAYER_FIELDS,
    ColumnMatch,
    MergedCells,
    RawLayer,
    SuspectEncodingError,
    detect_encoding,
    read_csv,
    read_excel,
    read_layer,
    read_vector,
    recognise_columns,
)
from planner.io.target import LOCK_NAME, OutputLock, check_output_folder, os_error_message, safe_name, staged_outputs

__all__ = [
    "RawLayer",
    "MergedCells",
    "SuspectEncodingError",
    "ColumnMatch",
    "ALIASES",
    "LAYER_FIELDS",
    "ENCODINGS",
    "detect_encoding",
    "read_csv",
    "read_excel",
    "read_vector",
    "read_layer",
    "recognise_columns",
    "features_from_osm_file",
    "elderly_care_facilities_from_osm_file",
    "ELDERLY_NAME_WORDS",
    "NON_ELDERLY_NAME_WORDS",
    "file_safe",
    "plain_table",
    "write_geopackage",
    "write_csvs",
    "EXCEL_CELL_LIMIT",
    "csv_text",
    "is_formula_like",
    "guard_text_cells",
    "make_text_cells",
    "LOCK_NAME",
    "OutputLock",
    "check_output_folder",
    "staged_outputs",
    "safe_name",
    "os_error_message",
]
