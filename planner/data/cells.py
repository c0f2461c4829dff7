"""Reading one table cell: text, numbers, coordinates (decimal degrees or degrees-minutes-seconds)."""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any

import numpy as np

__all__ = ["cell_text", "number", "coordinate", "fmt_coord"]

_BLANKS = ("nan", "none", "<na>")
_DMS = re.compile(
    r"^\s*(?:东经|北纬|[ENen])?\s*(\d+(?:\.\d+)?)\s*[°度]\s*(?:(\d+(?:\.\d+)?)\s*['′’分])?"
    r"\s*(?:(\d+(?:\.\d+)?)\s*(?:\"|″|”|''|′′|秒))?\s*[ENen]?\s*$"
)


def cell_text(v: Any) -> str:
    """A cell as trimmed text; ``""`` for blanks and NaN, ``"3"`` for the float ``3.0``."""
    if v is None:
        return ""
    if isinstance(v, float):
        if math.isnan(v):
            return ""
        if v.is_integer():
            return str(int(v))
    s = str(v).strip()
    return "" if s.lower() in _BLANKS else s


def number(v: Any) -> tuple[float, bool]:
    """(value, ok): NaN and ok=True for blanks, NaN and ok=False for junk."""
    if v is None:
        return math.nan, True
    if isinstance(v, bool):
        return math.nan, False
    if isinstance(v, int | float | np.integer | np.floating):
        return float(v), True
    s = unicodedata.normalize("NFKC", str(v)).strip().replace(",", "")
    if s == "" or s.lower() in _BLANKS:
        return math.nan, True
    try:
        return float(s), True
    except ValueError:
        return math.nan, False


def coordinate(v: Any) -> tuple[float, bool]:
    """Like :func:`number`, also reading degrees-minutes-seconds (东经126°38′12″, 126°38'12.5"E)."""
    value, ok = number(v)
    if ok:
        return value, ok
    m = _DMS.match(unicodedata.normalize("NFKC", str(v)))
    if m is None:
        return math.nan, False
    deg, minutes, seconds = (float(g) if g else 0.0 for g in m.groups())
    if minutes >= 60 or seconds >= 60:
        return math.nan, False
    return deg + minutes / 60.0 + seconds / 3600.0, True


def fmt_coord(v: float) -> str:
    """A coordinate with at most 6 decimals and no trailing zeros."""
    return f"{v:.6f}".rstrip("0").rstrip(".")
