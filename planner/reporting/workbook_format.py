"""Formatting a workbook sheet by what its columns mean, not by which sheet it is.

:func:`format_sheet` gives any sheet (the planner's own and any a later module adds) the same
reading: a bold wrapped header row that stays in view (frozen) with a filter on it, shares as
percentages (``0.0%``), people, beds and counts as whole numbers with thousands separators,
minutes with one decimal, metres whole, kilometres with two decimals, coordinates with six,
long text wrapped, and every column as wide as its content (Chinese characters count double).

A column's format comes from its name before translation (``attrs["keys"]`` of
:func:`planner.reporting.labels.readable_table`) and its values, see :func:`number_format`;
a column whose unit varies by row (the scorecard's value and gap) takes one format per row
from ``attrs["row_formats"]``.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["PERCENT", "INTEGER", "MINUTES", "number_format", "text_width", "format_sheet"]

PERCENT = "0.0%"
INTEGER = "#,##0"
MINUTES = "0.0"
_DECIMAL = "#,##0.00"
_COORD = "0.000000"
_PLAIN = "0"

#: Widest a column gets (characters); longer text wraps.
MAX_WIDTH = 60
#: Narrowest column.
MIN_WIDTH = 6

#: Parts of a column name that mean "a number of people, beds or places" (whole numbers).
_PEOPLE = ("population", "older", "load", "beds", "occupied", "capacity", "numerator", "denominator",
           "marginal_gain", "_covered", "settlements", "villages", "communities")


def number_format(key: str, values: pd.Series) -> str | None:
    """The Excel number format of column ``key``, or None for a text column.

    Parameters
    ----------
    key : str
        The column's name before translation (``older_share``, ``county_time_min``...).
    values : pandas.Series
        Its values (only numbers are formatted).

    Returns
    -------
    str or None
    """
    numbers = _numbers(values)
    if np.isnan(numbers).all():
        return None
    if key in ("share", "occupancy") or key.endswith("_share"):
        return PERCENT
    if key == "minutes" or key.endswith("_min"):
        return MINUTES
    if key.endswith("_m"):
        return INTEGER
    if key.endswith(("_km", "_km2")):
        return _DECIMAL
    if key.endswith(("lon", "lat")):
        return _COORD
    if key.endswith("year") or key == "row":
        return _PLAIN
    finite = numbers[~np.isnan(numbers)]
    with np.errstate(invalid="ignore"):  # inf - inf: not whole
        whole = bool((np.abs(finite - np.round(finite)) < 1e-9).all())
    if whole or any(p in key for p in _PEOPLE):
        return INTEGER
    return _DECIMAL


def _numbers(values: pd.Series) -> np.ndarray:
    """The numeric cells of ``values`` as floats (NaN for text, booleans and empty cells).

    The values of ``pd.to_numeric(values.map(keep numbers), errors="coerce")``, without the
    pandas calls: numeric columns are converted at once, others cell by cell.
    """
    dtype = values.dtype
    if pd.api.types.is_float_dtype(dtype) or (pd.api.types.is_integer_dtype(dtype)
                                              and not isinstance(dtype, pd.api.extensions.ExtensionDtype)):
        return values.to_numpy(dtype=float, na_value=np.nan)
    return np.array([float(v) if isinstance(v, int | float) and not isinstance(v, bool) else np.nan
                     for v in values.tolist()], dtype=float)


def text_width(text: str) -> int:
    """How many columns ``text`` takes in a spreadsheet: wide (CJK) characters count two.

    Parameters
    ----------
    text : str

    Returns
    -------
    int
    """
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _shown(value: Any, fmt: str | None) -> str:
    """Roughly what Excel shows for ``value`` in format ``fmt`` (to size the column)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if fmt is None or not isinstance(value, int | float) or isinstance(value, bool):
        return str(value)
    if fmt.startswith(PERCENT):
        return f"{value * 100:.1f}%"
    suffix = fmt.split('"')[1] if '"' in fmt else ""
    number = fmt.split('"')[0]
    digits = len(number.split(".")[1]) if "." in number else 0
    sep = "," if "," in number else ""
    return f"{value:{sep}.{digits}f}{suffix}"


def format_sheet(ws: Any, frame: pd.DataFrame, lang: str = "zh", *, keys: Sequence[str] | None = None) -> None:
    """Format worksheet ``ws`` that holds ``frame`` (header in row 1, data from row 2, from column A).

    Parameters
    ----------
    ws : openpyxl.worksheet.worksheet.Worksheet
    frame : pandas.DataFrame
        The table as written; ``attrs["keys"]`` (column names before translation) and
        ``attrs["row_formats"]`` (``{key: [format per row]}``) are used when present.
    lang : {"zh", "en"}
        The sheet's language (kept for symmetry with the writers; formats are the same).
    keys : sequence of str, optional
        Column names before translation, overriding ``attrs["keys"]``.
    """
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    keys = list(keys if keys is not None else frame.attrs.get("keys", [str(c) for c in frame.columns]))
    row_formats = frame.attrs.get("row_formats", {}) or {}
    bare = frame.copy(deep=False)
    bare.attrs = {}  # every column taken below would deep-copy the attrs again
    n = len(frame)
    head_font, head_fill = Font(bold=True), PatternFill("solid", fgColor="DDE7F0")
    wrap = Alignment(wrap_text=True, vertical="top")
    widths: dict[str, int] = {}  # text -> its width, for the values repeated down a column
    for j, key in enumerate(keys, start=1):
        values = bare.iloc[:, j - 1]
        fmt = number_format(key, values)
        per_row = row_formats.get(key)
        head = ws.cell(row=1, column=j)
        head.font, head.fill, head.alignment = head_font, head_fill, Alignment(wrap_text=True, vertical="center")
        widest = 0
        for i, value in enumerate(values.tolist()):
            cell_fmt = per_row[i] if per_row is not None and per_row[i] else fmt
            if cell_fmt is not None and isinstance(value, int | float) and not isinstance(value, bool):
                ws.cell(row=i + 2, column=j).number_format = cell_fmt
            shown = _shown(value, cell_fmt)
            width = widths.get(shown)
            if width is None:
                width = widths[shown] = text_width(shown)
            widest = max(widest, width)
        header_width = text_width(str(head.value or ""))
        width = max(MIN_WIDTH, min(MAX_WIDTH, max(widest, min(header_width, 24)) + 2))
        ws.column_dimensions[get_column_letter(j)].width = width
        if widest > MAX_WIDTH:
            for i in range(n):
                ws.cell(row=i + 2, column=j).alignment = wrap
    ws.freeze_panes = "A2" if len(keys) < 2 else "B2"
    if keys:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(keys))}{n + 1}"
    ws.row_dimensions[1].height = None
