"""Reading the tables and vector files planners actually have.

* **CSV** in whatever encoding the office PC wrote: UTF-8, UTF-8 with BOM
  (Excel's "CSV UTF-8"), GBK/GB18030 (Excel's default "CSV" on Chinese
  Windows) or UTF-16 (Excel's "Unicode text").  With ``encoding="auto"`` the
  encoding is detected, the decoded text is judged (a Big5 file decoded as
  GB18030 is refused, naming Big5; :mod:`planner.io.encoding`) and the
  encoding used is reported.
* **Excel** ``.xlsx`` (openpyxl), first or named sheet, merged cells filled
  (:mod:`planner.io.excel`).
* **GeoJSON**, **GeoPackage** (named layer), **Shapefile** and anything else
  pyogrio reads.

Every reader returns a :class:`RawLayer`: the cells as the file has them (text
for CSV, cell values for Excel, attribute values plus ``geometry`` for vector
files), indexed by the **1-based row number the user sees** -- the line
number in a CSV (header = line 1 unless a title is above it; multi-line
quoted cells are counted properly), the row number in Excel, the feature
number in a vector file -- so validation can say "row 17".  Nothing is
converted or dropped here; blank lines are not rows.  A table's header is the
configured ``header_row``, else the first row whose cells are known column
names, else its first non-blank row (:func:`planner.io.rows.find_header`).

Column recognition lives in :mod:`planner.io.columns` (re-exported here).
"""

from __future__ import annotations

import csv
import io as _io
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from planner.errors import DataError
from planner.io.columns import ALIASES, LAYER_FIELDS, ColumnMatch, known_column_names, recognise_columns
from planner.io.encoding import ENCODINGS, SuspectEncodingError, decode_bytes, detect_encoding
from planner.io.excel import read_excel
from planner.io.rows import (
    MergedCells,
    RawLayer,
    blank,
    existing,
    find_header,
    first_text,
    frame_from_rows,
    unique_header,
)

__all__ = [
    "RawLayer",
    "MergedCells",
    "ColumnMatch",
    "ALIASES",
    "LAYER_FIELDS",
    "ENCODINGS",
    "SuspectEncodingError",
    "detect_encoding",
    "read_csv",
    "read_excel",
    "read_vector",
    "read_layer",
    "recognise_columns",
]

logger = logging.getLogger(__name__)


def _csv_rows(text: str, path: Path) -> list[tuple[int, list[Any]]]:
    """The non-blank rows of CSV text with the line each starts on (quoted line breaks counted)."""
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(_io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list[Any]]] = []
    start = 1
    try:
        for cells in reader:
            line = start
            start = reader.line_num + 1
            if not blank(cells):
                rows.append((line, [c.strip() for c in cells]))
    except csv.Error as exc:
        raise DataError(f"{path}: line {reader.line_num}: malformed CSV ({exc})") from None
    return rows


def read_csv(path: str | Path, *, encoding: str = "auto", header_row: int | None = None,
             column_names: Sequence[str] = ()) -> RawLayer:
    """Read a CSV file as text cells, keeping each row's line number.

    Parameters
    ----------
    path
        The file.
    encoding
        ``"auto"`` (detect and judge, :func:`planner.io.encoding.decode_bytes`) or a Python codec name.
    header_row
        Line number of the column names (``None``: the first line whose cells are
        known column names, else the first non-blank line).
    column_names
        Column names the config maps fields to (recognised as header cells too).

    Returns
    -------
    RawLayer
        ``frame`` holds strings (``None`` for cells missing from short rows),
        indexed by line number; ``encoding`` is the one used.

    Raises
    ------
    InputFileNotFoundError, DataError
        :class:`~planner.io.encoding.SuspectEncodingError` (a DataError) when
        the decoded text is not believable.
    """
    path = existing(path)
    text, enc = decode_bytes(path.read_bytes(), encoding, path=path)
    rows = _csv_rows(text, path)
    if not rows:
        return RawLayer(frame=pd.DataFrame(index=pd.Index([], name="row", dtype="int64")),
                        path=path, format="csv", encoding=enc)
    at, detected = find_header(rows, header_row=header_row, names=known_column_names(column_names), path=path)
    number, header = rows[at]
    logger.debug("read %s: %d rows, encoding %s, header line %d", path, len(rows) - at - 1, enc, number)
    return RawLayer(frame=frame_from_rows(unique_header(header), rows[at + 1:]), path=path, format="csv",
                    encoding=enc, header_row=number, title_rows=tuple(n for n, _ in rows[:at]),
                    title_text=first_text(rows[:at]),
                    header_detected=detected)


def read_vector(path: str | Path, *, layer: str | None = None) -> RawLayer:
    """Read a GeoJSON, GeoPackage, Shapefile or other OGR vector file.

    Parameters
    ----------
    path
        The file.
    layer
        Layer name (GeoPackage); required when the file has several layers.

    Returns
    -------
    RawLayer
        ``frame`` is a GeoDataFrame indexed by 1-based feature number;
        ``crs`` is the file's CRS or ``None`` when it declares none.

    Raises
    ------
    InputFileNotFoundError, DataError
    """
    import geopandas as gpd
    import pyogrio

    path = existing(path)
    try:
        available = [str(n) for n in pyogrio.list_layers(path)[:, 0]]
    except Exception as exc:
        raise DataError(f"{path}: cannot read as a vector file ({exc})") from None
    if layer is None and len(available) > 1:
        raise DataError(
            f"{path}: the file has several layers ({', '.join(available)}); "
            "fix: set layer = the one to use for this input"
        )
    if layer is not None and layer not in available:
        raise DataError(
            f"{path}: no layer {layer!r}; layers are {', '.join(available)}; fix: set layer = one of these"
        )
    try:
        gdf = gpd.read_file(path, layer=layer, engine="pyogrio")
    except Exception as exc:
        raise DataError(f"{path}: cannot read as a vector file ({exc})") from None
    gdf.index = pd.Index(range(1, len(gdf) + 1), name="row", dtype="int64")
    crs = gdf.crs
    return RawLayer(frame=gdf, path=path, format="vector", crs=crs,
                    layer=layer or (available[0] if available else None))


_TABLE_SUFFIXES = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "excel", ".xlsm": "excel"}


def read_layer(
    path: str | Path, *, encoding: str = "auto", sheet: str | None = None, layer: str | None = None,
    header_row: int | None = None, column_names: Sequence[str] = (),
) -> RawLayer:
    """Read any supported file, choosing the reader from the file suffix.

    ``.csv``/``.txt``/``.tsv`` -> :func:`read_csv`; ``.xlsx`` -> :func:`read_excel`;
    ``.xls`` is refused with a fix; anything else -> :func:`read_vector`.
    ``header_row`` and ``column_names`` apply to tables only.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise DataError(f"{path}: old Excel .xls files are not supported; fix: save it as .xlsx or CSV UTF-8")
    kind = _TABLE_SUFFIXES.get(suffix)
    if kind == "csv":
        return read_csv(path, encoding=encoding, header_row=header_row, column_names=column_names)
    if kind == "excel":
        return read_excel(path, sheet=sheet, header_row=header_row, column_names=column_names)
    return read_vector(path, layer=layer)
