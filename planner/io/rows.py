"""From a table's rows to a :class:`RawLayer`: the header row (given, or found below a title), unique names.

Planners' tables often carry a title above the column names ("2023年某县养老机构
名单"), and Excel sheets merged cells.  :func:`find_header` picks the header
row: the configured ``header_row``, else the first of the first
:data:`HEADER_SEARCH_ROWS` non-blank rows whose cells are known column names
(:func:`planner.io.columns.known_column_names`), else the first non-blank row.
Rows above the header are reported in :attr:`RawLayer.title_rows`, merged
ranges reaching into the data in :attr:`RawLayer.merged`, so the data stage
can say what was done.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyproj

from planner.errors import DataError, InputFileNotFoundError
from planner.io.columns import norm_name

__all__ = ["RawLayer", "MergedCells", "HEADER_SEARCH_ROWS", "find_header", "frame_from_rows", "blank",
           "unique_header", "existing", "first_text"]

#: How many non-blank rows at the top of a table are searched for the header row.
HEADER_SEARCH_ROWS = 10


@dataclass(frozen=True)
class MergedCells:
    """One merged range of an Excel sheet that reaches into the data rows (its value was filled in).

    Parameters
    ----------
    ref
        The range as Excel writes it (``"C3:C10"``).
    first_row, last_row
        Excel row numbers the range covers.
    columns
        The header names of the columns it covers.
    value
        The value of its top-left cell, now in every cell of the range.
    """

    ref: str
    first_row: int
    last_row: int
    columns: tuple[str, ...]
    value: Any


@dataclass(frozen=True)
class RawLayer:
    """A file's rows as read, before any validation.

    Parameters
    ----------
    frame
        The rows; a GeoDataFrame (with ``geometry``) for vector files.  Index:
        1-based row number as the user sees it (name ``row``).
    path
        The file.
    format
        ``"csv"``, ``"excel"`` or ``"vector"``.
    encoding
        Encoding used for CSV (``None`` otherwise).
    crs
        The file's own CRS for vector files (``None`` when it has none, and for tables).
    sheet, layer
        Excel sheet / GeoPackage layer read.
    header_row
        Row (line) number of the column names in a table; ``None`` for vector files.
    title_rows
        Non-blank rows above the header that were skipped (a title, a note).
    title_text
        The first cell of the first skipped row (to show which rows were skipped).
    header_detected
        True when the header was found below such rows automatically (no ``header_row`` given).
    merged
        Merged cell ranges that reached into the data rows, filled with their top-left value.
    """

    frame: pd.DataFrame
    path: Path
    format: str
    encoding: str | None = None
    crs: pyproj.CRS | None = None
    sheet: str | None = None
    layer: str | None = None
    header_row: int | None = None
    title_rows: tuple[int, ...] = ()
    title_text: str = ""
    header_detected: bool = False
    merged: tuple[MergedCells, ...] = ()

    @property
    def columns(self) -> list[str]:
        """The attribute columns (without ``geometry``)."""
        return [str(c) for c in self.frame.columns if c != "geometry"]

    @property
    def is_vector(self) -> bool:
        """True for vector files (rows carry a geometry)."""
        return self.format == "vector"


def existing(path: str | Path) -> Path:
    """``path`` as a Path; :class:`InputFileNotFoundError` when there is no such file."""
    path = Path(path)
    if not path.exists():
        raise InputFileNotFoundError(f"{path}: file not found; fix: check the path in the config")
    return path


def unique_header(cells: Sequence[Any]) -> list[str]:
    """Column names from header cells: blanks become ``column_<n>``, repeats get ``.1``, ``.2``..."""
    names: list[str] = []
    seen: dict[str, int] = {}
    for i, c in enumerate(cells):
        name = "" if c is None else str(c).strip()
        if not name:
            name = f"column_{i + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        else:
            seen[name] = 0
        names.append(name)
    return names


def frame_from_rows(header: list[str], rows: list[tuple[int, list[Any]]]) -> pd.DataFrame:
    """The data rows as an object frame indexed by row number (name ``row``), short rows padded with None."""
    width = max([len(header)] + [len(r) for _, r in rows])
    header = header + [f"column_{i + 1}" for i in range(len(header), width)]
    header = unique_header(header)
    data = [r + [None] * (width - len(r)) for _, r in rows]
    frame = pd.DataFrame(data, columns=header, dtype=object)
    frame.index = pd.Index([n for n, _ in rows], name="row", dtype="int64")
    return frame


def first_text(rows: Sequence[tuple[int, list[Any]]]) -> str:
    """The first non-blank cell of the first of ``rows``, as text ("" when there is none)."""
    for _, cells in rows[:1]:
        for c in cells:
            if c is not None and str(c).strip():
                return str(c).strip()
    return ""


def blank(cells: Sequence[Any]) -> bool:
    """True when every cell is empty or white space."""
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _known_cells(cells: Sequence[Any], names: frozenset[str]) -> int:
    return sum(1 for c in cells if c is not None and str(c).strip() and norm_name(str(c)) in names)


def find_header(rows: Sequence[tuple[int, list[Any]]], *, header_row: int | None, names: frozenset[str],
                path: Path) -> tuple[int, bool]:
    """Position in ``rows`` (non-blank rows with their numbers) of the header, and whether it was detected.

    Parameters
    ----------
    rows
        The table's non-blank rows, ``(row number, cells)``, in file order.
    header_row
        The configured row number of the header (1-based as the user sees it), or ``None``.
    names
        Normalised known column names (aliases and the config's column overrides).
    path
        The file, for messages.

    Returns
    -------
    (index, detected)
        ``detected`` is True when rows above the header were skipped without ``header_row``.

    Raises
    ------
    DataError
        When ``header_row`` is below 1, or names a blank row or one past the end.
    """
    if header_row is not None:
        if header_row < 1:
            raise DataError(f"{path}: header_row = {header_row} must be a row number (1 or more); "
                            "fix: set header_row to the row that holds the column names")
        for i, (number, _) in enumerate(rows):
            if number == header_row:
                return i, False
        last = rows[-1][0] if rows else 0
        raise DataError(f"{path}: header_row = {header_row} is a blank row or past the last row ({last}); "
                        "fix: set header_row to the row that holds the column names")
    counts = [_known_cells(cells, names) for _, cells in rows[:HEADER_SEARCH_ROWS]]
    for need in (2, 1):
        for i, n in enumerate(counts):
            if n >= need:
                return i, i > 0
    return 0, False
