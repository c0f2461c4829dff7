"""The report's building blocks in plain HTML and CSS: bar charts, histograms, tables, numbers.

Charts are drawn with ``<div>``s and CSS, so the report needs no plotting
library and no CJK font where it is made.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from html import escape
from typing import Any

import numpy as np
import pandas as pd

from planner.i18n import fmt_number, fmt_share, is_missing, tr
from planner.reporting.workbook import column_header

__all__ = ["CSS", "num", "bars", "histogram", "table_html", "met_class_text"]

#: The report's style sheet.
CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:0;color:#222;background:#fafafa}
main{max-width:1100px;margin:0 auto;padding:16px 24px;background:white}
h1{font-size:24px;margin:8px 0}h2{font-size:19px;border-bottom:2px solid #1d5fa8;padding-bottom:4px;margin-top:28px}
h3{font-size:15px;margin:16px 0 6px}
table{border-collapse:collapse;font-size:13px;width:100%;margin:6px 0}
th,td{border:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}th{background:#f0f4f8}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.met{color:#1a7f37;font-weight:bold}.notmet{color:#c62828;font-weight:bold}.na{color:#888}
.banner{background:#fff3cd;border:1px solid #e0b252;color:#7a4d00;padding:8px 12px;border-radius:4px;font-weight:bold}
.cards{display:flex;gap:12px;flex-wrap:wrap}
.card{flex:1;min-width:160px;border:1px solid #ddd;border-radius:6px;padding:10px}
.card .big{font-size:26px;font-weight:bold}.muted{color:#666;font-size:12px}
.bar{display:flex;align-items:center;margin:2px 0;font-size:12px}.bar .lab{width:170px;flex:none;overflow:hidden;
white-space:nowrap;text-overflow:ellipsis}
.bar .track{flex:1;background:#eef1f5;height:14px;position:relative;border-radius:2px}
.bar .fill{height:14px;border-radius:2px}.bar .val{width:90px;flex:none;text-align:right;padding-left:6px}
.bar .mark{position:absolute;top:-2px;width:2px;height:18px;background:#c62828}
.hist{display:flex;align-items:flex-end;height:160px;gap:2px;border-bottom:1px solid #999;padding-top:6px}
.hist div{flex:1;background:#1d5fa8;position:relative}
.hist span{position:absolute;top:-15px;width:100%;text-align:center;font-size:10px}
.axis{display:flex;gap:2px;font-size:10px;color:#555}.axis div{flex:1;text-align:center}
"""


def num(v: Any, digits: int = 0, pct: bool = False) -> str:
    """``v`` as HTML text: thousands separators, or a percentage with ``pct``; ``—`` when missing."""
    return fmt_share(v, digits) if pct else escape(fmt_number(v, digits))


def bars(rows: Iterable[tuple[str, float, str]], *, maximum: float | None = None, mark: float | None = None,
         colour: str = "#1d5fa8", bad_above: bool = True) -> str:
    """Horizontal bars; with ``mark``, bars on the bad side of it are red.

    ``bad_above``: loads above capacity are bad; coverage below a target is bad
    (``bad_above=False``).
    """
    rows = list(rows)
    top = maximum if maximum is not None else max([r[1] for r in rows if np.isfinite(r[1])] + [1e-9])
    out = []
    for name, value, text in rows:
        width = 0.0 if not np.isfinite(value) else max(0.0, min(100.0, 100.0 * value / top))
        bad = mark is not None and np.isfinite(value) and (value > mark if bad_above else value < mark)
        col = "#c62828" if bad else colour
        mk = f'<div class="mark" style="left:{100.0 * mark / top:.1f}%"></div>' if mark is not None else ""
        out.append(f'<div class="bar"><div class="lab" title="{escape(name)}">{escape(name)}</div>'
                   f'<div class="track"><div class="fill" style="width:{width:.1f}%;background:{col}"></div>{mk}</div>'
                   f'<div class="val">{escape(text)}</div></div>')
    return "".join(out)


def histogram(values: np.ndarray, *, edges: np.ndarray, lang: str) -> str:
    """Vertical bars counting ``values`` between ``edges``, then beyond the last edge, then unreachable (inf)."""
    finite = values[np.isfinite(values)]
    counts, _ = np.histogram(np.clip(finite, edges[0], None), bins=edges)
    n_over = int((finite >= edges[-1]).sum())
    n_inf = int((~np.isfinite(values)).sum())
    top = max(int(counts.max()) if len(counts) else 0, n_over, n_inf, 1)
    columns = "".join(f'<div style="height:{100 * c / top:.1f}%"><span>{c}</span></div>' for c in counts)
    columns += f'<div style="height:{100 * n_over / top:.1f}%;background:#d46b08"><span>{n_over}</span></div>'
    columns += f'<div style="height:{100 * n_inf / top:.1f}%;background:#c62828"><span>{n_inf}</span></div>'
    axis = "".join(f"<div>{int(a)}–{int(b)}</div>" for a, b in zip(edges[:-1], edges[1:]))
    axis += f"<div>&gt;{int(edges[-1])}</div><div>{tr(lang, '不可达', 'unreachable')}</div>"
    return f'<div class="hist">{columns}</div><div class="axis">{axis}</div>'


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
               digits: Mapping[str, int] | None = None) -> str:
    """An HTML table of ``columns`` of ``frame``, headers in ``lang``.

    Numbers are right-aligned with thousands separators (columns in ``pct`` as
    percentages with one decimal unless ``digits`` says otherwise); a ``met``
    column reads met / not met.
    """
    pct = set(pct)
    digits = dict(digits or {})
    head = "".join(f"<th>{escape(column_header(c, lang))}</th>" for c in columns)
    body = "".join("<tr>" + "".join(_cell(c, row.get(c), lang, pct=c in pct, digits=digits.get(c)) for c in columns)
                   + "</tr>" for _, row in frame.iterrows())
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
