"""Excel ``.xlsx`` sheets: the cells as the user sees them, merged ranges filled, the header found below a title.

A merged range shows its value in every cell it covers, but the file stores
it only in the top-left cell; read naively, the other rows of a merged
"所属乡镇" or "类型" column are blank, and rows drop for no visible reason.
:func:`read_excel` fills every merged range that reaches into the data with
its top-left value and lists it in :attr:`RawLayer.merged`, so the data stage
can name the ranges, rows and columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from planner.errors import DataError
from planner.io.columns import known_column_names
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

__all__ = ["read_excel"]


def _open_sheet(path: Path, sheet: str | None):
    """The workbook (not read-only: merged ranges are only known then) and the sheet."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises many types for bad files
        raise DataError(f"{path}: cannot read as an Excel .xlsx workbook ({exc}); "
                        "fix: save it as .xlsx or CSV UTF-8") from None
    if sheet is None:
        return wb, wb.worksheets[0]
    if sheet not in wb.sheetnames:
        wb.close()
        raise DataError(
            f"{path}: no sheet {sheet!r}; the workbook has sheets {', '.join(map(repr, wb.sheetnames))}; "
            "fix: set sheet = one of these for this input"
        )
    return wb, wb[sheet]


def _fill_merged(ws, cells: dict[int, list[Any]]) -> list[tuple[str, int, int, int, int, Any]]:
    """Put each merged range's top-left value into all its cells (in ``cells``); the ranges, as tuples."""
    ranges = []
    for rng in ws.merged_cells.ranges:
        r0, c0, r1, c1 = rng.min_row, rng.min_col, rng.max_row, rng.max_col
        top = cells.get(r0, [])
        value = top[c0 - 1] if c0 - 1 < len(top) else None
        for r in range(r0, r1 + 1):
            row = cells.setdefault(r, [])
            if len(row) < c1:
                row.extend([None] * (c1 - len(row)))
            for c in range(c0, c1 + 1):
                row[c - 1] = value
        ranges.append((rng.coord, r0, r1, c0, c1, value))
    return ranges


def _merged_in_data(ranges: Sequence[tuple[str, int, int, int, int, Any]], header_row: int,
                    header: list[str]) -> tuple[MergedCells, ...]:
    """The merged ranges that reach below the header, with the names of their columns."""
    out = []
    for ref, r0, r1, c0, c1, value in sorted(ranges, key=lambda t: (t[3], t[1])):
        if r1 <= header_row:
            continue
        cols = tuple(header[c - 1] if c - 1 < len(header) else f"column_{c}" for c in range(c0, c1 + 1))
        out.append(MergedCells(ref=ref, first_row=max(r0, header_row + 1), last_row=r1, columns=cols, value=value))
    return tuple(out)


def read_excel(path: str | Path, *, sheet: str | None = None, header_row: int | None = None,
               column_names: Sequence[str] = ()) -> RawLayer:
    """Read an Excel ``.xlsx`` sheet, keeping each row's Excel row number.

    The header is row ``header_row`` when given, else the first non-blank row
    whose cells are known column names (a title above it is skipped), else the
    first non-blank row.  Blank rows are skipped; merged ranges are filled with
    their top-left value.

    Parameters
    ----------
    path
        The workbook.
    sheet
        Sheet name; ``None`` = the first sheet.
    header_row
        Excel row number of the column names (``None``: found automatically).
    column_names
        Column names the config maps fields to (recognised as header cells too).

    Returns
    -------
    RawLayer
        With ``header_row``, ``title_rows``, ``header_detected`` and ``merged`` set.

    Raises
    ------
    InputFileNotFoundError, DataError
        The latter names the sheets when ``sheet`` does not exist.
    """
    path = existing(path)
    wb, ws = _open_sheet(path, sheet)
    try:
        cells = {n: list(r) for n, r in enumerate(ws.iter_rows(values_only=True), start=1)}
        ranges = _fill_merged(ws, cells)
        title = ws.title
    finally:
        wb.close()
    rows = [(n, [c.strip() if isinstance(c, str) else c for c in r])
            for n, r in sorted(cells.items()) if not blank(r)]
    if not rows:
        frame = pd.DataFrame(index=pd.Index([], name="row", dtype="int64"))
        return RawLayer(frame=frame, path=path, format="excel", sheet=title)
    at, detected = find_header(rows, header_row=header_row, names=known_column_names(column_names), path=path)
    number, header_cells = rows[at]
    header = unique_header(header_cells)
    return RawLayer(frame=frame_from_rows(header, rows[at + 1:]), path=path, format="excel", sheet=title,
                    header_row=number, title_rows=tuple(n for n, _ in rows[:at]),
                    title_text=first_text(rows[:at]), header_detected=detected,
                    merged=_merged_in_data(ranges, number, header))
