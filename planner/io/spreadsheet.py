"""Text cells that spreadsheets open safely: never a formula, never longer than Excel's cell.

Names in the input data reach CSV files and the workbook.  A spreadsheet reads
a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, per OWASP, a tab or
carriage return) as a formula, so a village called ``=HYPERLINK(...)`` would
become a live link, or worse, in whoever opens the file.  And Excel cuts or
refuses cells longer than 32,767 characters.

- CSV: such text is written with a leading single quote (``'=SUM(A1)``), the
  OWASP recommendation: Excel and LibreOffice then show it as text (the quote
  is visible in other readers).  Text that is a plain number (``-12.5``) is
  left alone: a spreadsheet reads it as that number, which is what it is.
- Workbook: cells are typed, so text stays text; :func:`make_text_cells`
  turns any cell a writer made a formula back into a text cell and marks it
  "quote prefix", so editing it in Excel does not turn it into a formula either.
- Both: text longer than :data:`EXCEL_CELL_LIMIT` is cut with a marker saying
  how long it was, and a warning is logged.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import pandas as pd

__all__ = ["EXCEL_CELL_LIMIT", "FORMULA_STARTS", "is_formula_like", "csv_text", "guard_text_cells",
           "make_text_cells"]

logger = logging.getLogger(__name__)

#: Most characters Excel keeps in one cell.
EXCEL_CELL_LIMIT = 32_767

#: First characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def is_formula_like(value: str) -> bool:
    """Whether a spreadsheet would read text ``value`` as a formula (a plain number is not one).

    Parameters
    ----------
    value : str

    Returns
    -------
    bool
    """
    return value.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(value.strip())


def _cut(value: str) -> str:
    """``value`` cut to the cell limit, ending with a marker of its full length."""
    if len(value) <= EXCEL_CELL_LIMIT:
        return value
    marker = f"…[truncated: {len(value):,} characters]"
    return value[: EXCEL_CELL_LIMIT - len(marker)] + marker


def csv_text(value: Any) -> Any:
    """One CSV cell: formula-like text quoted (``'=...``), text over the cell limit cut; other values as they are.

    Parameters
    ----------
    value : Any

    Returns
    -------
    Any
    """
    if not isinstance(value, str):
        return value
    return _cut("'" + value if is_formula_like(value) else value)


def guard_text_cells(frame: pd.DataFrame, *, what: str, quote_formulas: bool = True) -> pd.DataFrame:
    """Copy of ``frame`` whose text cells a spreadsheet opens safely (see the module docstring).

    Parameters
    ----------
    frame : pandas.DataFrame
        Only text (object/string) columns are touched; numbers stay numbers.
    what : str
        The file or sheet, for the log messages.
    quote_formulas : bool
        Prefix formula-like text with ``'`` (CSV).  The workbook passes False:
        its cells are typed, see :func:`make_text_cells`.

    Returns
    -------
    pandas.DataFrame
    """
    out = frame.copy()
    for j, col in enumerate(out.columns):
        s = out.iloc[:, j]
        if not (s.dtype == object or isinstance(s.dtype, pd.StringDtype)):
            continue
        text = s.map(lambda v: isinstance(v, str))
        if not text.any():
            continue
        values = s[text].astype(str)
        long = values.str.len() > EXCEL_CELL_LIMIT
        formula = values.map(is_formula_like) if quote_formulas else pd.Series(False, index=values.index)
        if not (long.any() or formula.any()):
            continue
        if long.any():
            logger.warning("%s, column %s: %d cell(s) longer than Excel's %s characters were cut (longest %s)",
                           what, col, int(long.sum()), f"{EXCEL_CELL_LIMIT:,}", f"{int(values.str.len().max()):,}")
        if formula.any():
            logger.info("%s, column %s: %d cell(s) starting like a formula written as text with a leading '",
                        what, col, int(formula.sum()))
        fixed = values.map(csv_text if quote_formulas else _cut)
        column = s.astype(object).to_numpy(copy=True)
        column[text.to_numpy()] = fixed.to_numpy()
        out.isetitem(j, column)
    return out


def make_text_cells(worksheet: Any) -> int:
    """Turn every formula cell of an openpyxl worksheet into a text cell with Excel's quote prefix.

    The planner never writes formulas: a formula cell can only come from data
    text that starts with ``=`` (openpyxl makes such strings formulas).

    Parameters
    ----------
    worksheet : openpyxl.worksheet.worksheet.Worksheet

    Returns
    -------
    int
        How many cells were changed.
    """
    changed = 0
    for row in worksheet.iter_rows():
        for cell in row:
            if cell.data_type == "f" or (isinstance(cell.value, str) and is_formula_like(cell.value)):
                cell.data_type = "s"
                cell.quotePrefix = True
                changed += 1
    return changed
