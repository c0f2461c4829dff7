"""The report's building blocks: bar charts, histograms, tables, numbers.

Charts are inline SVG (:mod:`planner.reporting.svg`), so they print with the
browser's default settings; the report needs no plotting library and no CJK
font where it is made.  The style sheet is :data:`CSS`
(:mod:`planner.reporting.report_css`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from html import escape
from typing import Any

import numpy as np
import pandas as pd

from planner.i18n import fmt_number, fmt_share, is_missing, tr
from planner.reporting import svg
from planner.reporting.report_css import CSS
from planner.reporting.workbook import column_header

__all__ = ["CSS", "num", "bars", "histogram", "table_html", "met_class_text"]

def num(v: Any, digits: int = 0, pct: bool = False) -> str:
    """``v`` as HTML text: thousands separators, or a percentage with ``pct``; ``—`` when missing."""
    return fmt_share(v, digits) if pct else escape(fmt_number(v, digits))


def bars(rows: Iterable[tuple[str, float, str]], *, maximum: float | None = None, mark: float | None = None,
         colour: str = svg.BLUE, bad_above: bool = True, title: str = "", x_label: str = "", mark_label: str = "",
         pct: bool = False) -> str:
    """Horizontal bars (inline SVG); with ``mark``, bars on the bad side of it are red.

    ``bad_above``: loads above capacity are bad; coverage below a target is bad
    (``bad_above=False``).  ``title`` and ``x_label`` name the chart and its
    axis; ``mark_label`` the red line; ``pct`` reads the axis as percentages.
    """
    return svg.bar_chart(list(rows), title=title, x_label=x_label, maximum=maximum, mark=mark,
                         mark_label=mark_label, pct=pct, colour=colour, bad_above=bad_above)


def histogram(values: np.ndarray, *, edges: np.ndarray, lang: str, title: str = "", x_label: str | None = None,
              y_label: str | None = None) -> str:
    """Columns counting ``values`` between ``edges``, then beyond the last edge, then unreachable (inf).

    The last two columns are orange and red; every count is printed on its column.
    """
    finite = values[np.isfinite(values)]
    counts, _ = np.histogram(np.clip(finite, edges[0], None), bins=edges)
    n_over = int((finite >= edges[-1]).sum())
    n_inf = int((~np.isfinite(values)).sum())
    columns = [(f"{a:g}–{b:g}", float(c), svg.BLUE) for a, b, c in zip(edges[:-1], edges[1:], counts)]
    columns += [(f">{edges[-1]:g}", float(n_over), svg.ORANGE),
                (tr(lang, "不可达", "unreachable"), float(n_inf), svg.RED)]
    x_label = x_label if x_label is not None else tr(lang, "出行时间（分钟）", "travel time (min)")
    y_label = y_label if y_label is not None else tr(lang, "村/社区数", "settlements")
    return svg.column_chart(columns, title=title, x_label=x_label, y_label=y_label)


def met_class_text(met: Any, lang: str, *, na_text: str) -> tuple[str, str]:
    """CSS class and words of a target judgement: met, not met, or ``na_text`` when not judged."""
    if is_missing(met):
        return "na", na_text
    return ("met", tr(lang, "达标", "met")) if bool(met) else ("notmet", tr(lang, "未达标", "not met"))


def _cell(column: str, v: Any, lang: str, *, pct: bool, digits: int | None) -> str:
    if column == "met":
        cls, text = met_class_text(v, lang, na_text=tr(lang, "仅报告", "report"))
        return f'<td class="{cls}">{text}</td>'
    if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
        return f'<td class="num">{num(v, digits if digits is not None else (1 if pct else 0), pct)}</td>'
    return f"<td>{escape('' if v is None or v is pd.NA else str(v))}</td>"


def table_html(frame: pd.DataFrame, columns: list[str], lang: str, *, pct: Iterable[str] = (),
               digits: Mapping[str, int] | None = None, widths: Mapping[str, float] | None = None) -> str:
    """An HTML table of ``columns`` of ``frame``, headers in ``lang``.

    Numbers are right-aligned with thousands separators (columns in ``pct`` as
    percentages with one decimal unless ``digits`` says otherwise); a ``met``
    column reads met / not met.  ``widths`` (column -> % of the table) fixes
    the column widths, so long texts wrap in their own columns.
    """
    pct = set(pct)
    digits = dict(digits or {})
    head = "".join(f"<th>{escape(column_header(c, lang))}</th>" for c in columns)
    body = "".join("<tr>" + "".join(_cell(c, row.get(c), lang, pct=c in pct, digits=digits.get(c)) for c in columns)
                   + "</tr>" for _, row in frame.iterrows())
    if widths:
        cols = "".join(f'<col style="width:{widths.get(c, 100 / len(columns)):g}%">' for c in columns)
        return (f'<table class="fixed"><colgroup>{cols}</colgroup><thead><tr>{head}</tr></thead>'
                f"<tbody>{body}</tbody></table>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
