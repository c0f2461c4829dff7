"""The report's charts as inline SVG: horizontal bars, histograms and line curves.

SVG shapes are drawn (not CSS backgrounds), so the charts print with the
browser's default settings and scale with the page.  Text is SVG ``<text>``
in the reader's own fonts, so no CJK font is needed where the report is made.
Each chart is a ``<figure>`` with a visible title and an accessible name
(``role="img"``, ``<title>`` and ``<desc>``), and axis labels.

Sizes are in CSS pixels of the chart's ``viewBox``; the style sheet lets a
chart shrink to the page (``max-width:100%``) but never grow past them.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from html import escape

import numpy as np

from planner.i18n import fmt_number, fmt_share

__all__ = ["BLUE", "RED", "ORANGE", "GREY", "text_width", "bar_chart", "column_chart", "line_chart",
           "figure", "nice_ticks"]

BLUE, RED, ORANGE, GREY = "#1d5fa8", "#c62828", "#d46b08", "#9e9e9e"
_FONT = 11  # px, the charts' text
_ROW = 18  # px per bar
_WIDTH = 720  # px, the charts' natural width
_MAX_BARS = 40  # bars per SVG; longer lists are split so that no chart is taller than a page
_ids = itertools.count()


def text_width(text: str, size: float = _FONT) -> float:
    """Estimated width of ``text`` in px: CJK and full-width characters count one em, others about half."""
    return sum(size if ord(ch) > 0x2E7F else size * 0.56 for ch in text)


def _fit(text: str, width: float) -> str:
    """``text`` cut with an ellipsis to fit ``width`` px."""
    if text_width(text) <= width:
        return text
    while text and text_width(text + "…") > width:
        text = text[:-1]
    return text + "…"


def nice_ticks(top: float, n: int = 5) -> list[float]:
    """Round tick values from 0 to at least ``top`` (about ``n`` of them)."""
    if not np.isfinite(top) or top <= 0:
        return [0.0, 1.0]
    raw = top / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    return [i * step for i in range(int(math.ceil(top / step - 1e-9)) + 1)]


def figure(svg: str, *, title: str, note: str = "") -> str:
    """A chart in a ``<figure>`` with its title as caption (kept on one printed page)."""
    cap = f"<figcaption><b>{escape(title)}</b>" + (f"<br><span class='muted'>{escape(note)}</span>" if note else "")
    return f'<figure class="chart">{cap}</figcaption>{svg}</figure>'


def _svg(width: float, height: float, title: str, desc: str, body: str) -> str:
    n = next(_ids)
    return (f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
            f'width="{width:.0f}" height="{height:.0f}" role="img" aria-labelledby="t{n} d{n}" '
            f'font-size="{_FONT}" font-family="inherit"><title id="t{n}">{escape(title)}</title>'
            f'<desc id="d{n}">{escape(desc)}</desc>{body}</svg>')


def _tick_text(v: float, pct: bool) -> str:
    return fmt_share(v, 0) if pct else fmt_number(v, 0 if float(v).is_integer() else 1)


def bar_chart(rows: Sequence[tuple[str, float, str]], *, title: str, x_label: str, maximum: float | None = None,
              mark: float | None = None, mark_label: str = "", pct: bool = False, colour: str = BLUE,
              bad_above: bool = True) -> str:
    """Horizontal bars, one per ``(label, value, text)`` row, with an x axis and an optional target line.

    Parameters
    ----------
    rows : sequence of (str, float, str)
        Bar label, value (NaN draws no bar) and the text printed after the bar.
    title, x_label : str
        The chart's title (caption and accessible name) and the x-axis label.
    maximum : float, optional
        The axis end (default: the largest value, rounded up).
    mark, mark_label : float and str, optional
        A vertical red line (a target or a capacity) and its label; bars on
        the bad side of it are red (above it with ``bad_above``, else below).
    pct : bool
        Values are shares, ticks read as percentages.
    colour : str
        Fill of the bars on the good side.

    Returns
    -------
    str
        One ``<figure>`` (several SVGs when there are more than 40 bars).
    """
    rows = list(rows)
    finite = [r[1] for r in rows if np.isfinite(r[1])]
    top = maximum if maximum is not None else max(finite + [mark or 0.0, 1e-9])
    top = max(top, 1.0) if pct else top
    ticks = [0.25 * i for i in range(int(math.ceil(top / 0.25 - 1e-9)) + 1)] if pct else nice_ticks(top)
    top = ticks[-1]
    lab_w = min(220.0, max([text_width(r[0]) for r in rows] + [40.0]) + 14)
    val_w = max([text_width(r[2]) for r in rows] + [30.0]) + 8
    x0, x1 = lab_w, _WIDTH - val_w
    scale = (x1 - x0) / top
    parts = []
    for chunk_no, start in enumerate(range(0, max(len(rows), 1), _MAX_BARS)):
        chunk = rows[start:start + _MAX_BARS]
        y_top = 22 if mark is not None else 6
        height = y_top + _ROW * len(chunk) + 36
        body = []
        for v in ticks:  # grid and tick labels
            x = x0 + v * scale
            body.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y_top}" y2="{y_top + _ROW * len(chunk)}" '
                        f'stroke="#e3e3e3"/><text x="{x:.1f}" y="{y_top + _ROW * len(chunk) + 13}" '
                        f'text-anchor="middle" fill="#555">{escape(_tick_text(v, pct))}</text>')
        for i, (name, value, text) in enumerate(chunk):
            y = y_top + i * _ROW
            body.append(f'<text x="{x0 - 6:.1f}" y="{y + 13}" text-anchor="end"><title>{escape(name)}</title>'
                        f'{escape(_fit(name, lab_w - 8))}</text>')
            if np.isfinite(value):
                bad = mark is not None and (value > mark if bad_above else value < mark)
                w = max(0.0, min(value, top)) * scale
                body.append(f'<rect x="{x0:.1f}" y="{y + 3}" width="{w:.1f}" height="{_ROW - 6}" '
                            f'fill="{RED if bad else colour}"><title>{escape(f"{name}: {text}")}</title></rect>')
            body.append(f'<text x="{x1 + 6:.1f}" y="{y + 13}">{escape(text)}</text>')
        body.append(f'<line x1="{x0:.1f}" x2="{x0:.1f}" y1="{y_top}" y2="{y_top + _ROW * len(chunk)}" '
                    'stroke="#777"/>')
        if mark is not None and np.isfinite(mark):
            x = x0 + min(mark, top) * scale
            body.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y_top - 4}" y2="{y_top + _ROW * len(chunk)}" '
                        f'stroke="{RED}" stroke-width="2" stroke-dasharray="5 3"/>'
                        f'<text x="{x:.1f}" y="{y_top - 7}" text-anchor="middle" fill="{RED}">'
                        f'{escape(mark_label)}</text>')
        body.append(f'<text x="{(x0 + x1) / 2:.1f}" y="{height - 4}" text-anchor="middle" fill="#333">'
                    f'{escape(x_label)}</text>')
        desc = "; ".join(f"{r[0]}: {r[2]}" for r in chunk)
        suffix = f" ({chunk_no + 1})" if len(rows) > _MAX_BARS else ""
        parts.append(_svg(_WIDTH, height, title + suffix, desc, "".join(body)))
    return figure("".join(parts), title=title)


def column_chart(columns: Sequence[tuple[str, float, str]], *, title: str, x_label: str, y_label: str) -> str:
    """Vertical columns (a histogram): one per ``(category label, count, colour)``, counts printed on top.

    Parameters
    ----------
    columns : sequence of (str, float, str)
        Category label under the axis, the count, the fill colour.
    title, x_label, y_label : str
        Caption and accessible name, and the labels of both axes.

    Returns
    -------
    str
        A ``<figure>``.
    """
    columns = list(columns)
    top = max([c[1] for c in columns] + [1.0])
    ticks = nice_ticks(top, 4)
    top = ticks[-1]
    x0, y0, y1 = 54.0, 14.0, 164.0  # plot area: left edge, top, bottom (axis)
    step = (_WIDTH - x0 - 8) / max(len(columns), 1)
    body = [f'<text transform="translate(13,{(y0 + y1) / 2:.0f}) rotate(-90)" text-anchor="middle" '
            f'fill="#333">{escape(y_label)}</text>']
    for v in ticks:
        y = y1 - v / top * (y1 - y0)
        body.append(f'<line x1="{x0}" x2="{_WIDTH - 8}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e3e3"/>'
                    f'<text x="{x0 - 5}" y="{y + 4:.1f}" text-anchor="end" fill="#555">{fmt_number(v)}</text>')
    for i, (name, count, colour) in enumerate(columns):
        h = count / top * (y1 - y0)
        x = x0 + i * step
        body.append(f'<rect x="{x + 2:.1f}" y="{y1 - h:.1f}" width="{step - 4:.1f}" height="{h:.1f}" '
                    f'fill="{colour}"><title>{escape(f"{name}: {fmt_number(count)}")}</title></rect>'
                    f'<text x="{x + step / 2:.1f}" y="{y1 - h - 3:.1f}" text-anchor="middle">'
                    f'{fmt_number(count)}</text><text x="{x + step / 2:.1f}" y="{y1 + 14}" text-anchor="middle" '
                    f'fill="#333">{escape(_fit(name, step))}</text>')
    body.append(f'<line x1="{x0}" x2="{_WIDTH - 8}" y1="{y1}" y2="{y1}" stroke="#777"/>'
                f'<text x="{(x0 + _WIDTH) / 2:.0f}" y="{y1 + 32}" text-anchor="middle" fill="#333">'
                f'{escape(x_label)}</text>')
    desc = "; ".join(f"{c[0]}: {fmt_number(c[1])}" for c in columns)
    return figure(_svg(_WIDTH, y1 + 38, title, desc, "".join(body)), title=title)


def line_chart(x: Sequence[float], y: Sequence[float], *, title: str, x_label: str, y_label: str,
               target: float | None = None, target_label: str = "", pct: bool = True, note: str = "") -> str:
    """A curve of ``y`` against ``x`` with points, axes and an optional horizontal target line.

    NaN values of ``y`` leave a gap (and no point); the y axis runs from 0 to
    100 % with ``pct``, else from 0 to the largest value rounded up.

    Returns
    -------
    str
        A ``<figure>``.
    """
    xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    fin = np.isfinite(ys)
    ticks_y = [0.0, 0.25, 0.5, 0.75, 1.0] if pct else nice_ticks(float(np.nanmax(np.r_[ys[fin], 1e-9])), 4)
    x_hi = float(xs.max()) if len(xs) else 1.0
    ticks_x = nice_ticks(max(x_hi, 1.0), min(10, max(int(x_hi), 1)))
    x_hi = ticks_x[-1]
    x0, x1, y0, y1 = 60.0, _WIDTH - 20.0, 16.0, 216.0
    sx, sy = (x1 - x0) / x_hi, (y1 - y0) / ticks_y[-1]
    px, py = x0 + xs * sx, y1 - ys * sy
    body = [f'<text transform="translate(14,{(y0 + y1) / 2:.0f}) rotate(-90)" text-anchor="middle" '
            f'fill="#333">{escape(y_label)}</text>']
    for v in ticks_y:
        yy = y1 - v * sy
        body.append(f'<line x1="{x0}" x2="{x1}" y1="{yy:.1f}" y2="{yy:.1f}" stroke="#e3e3e3"/>'
                    f'<text x="{x0 - 5}" y="{yy + 4:.1f}" text-anchor="end" fill="#555">'
                    f'{escape(_tick_text(v, pct))}</text>')
    for v in ticks_x:
        xx = x0 + v * sx
        body.append(f'<text x="{xx:.1f}" y="{y1 + 14}" text-anchor="middle" fill="#555">{fmt_number(v)}</text>')
    body.append(f'<line x1="{x0}" x2="{x1}" y1="{y1}" y2="{y1}" stroke="#777"/>'
                f'<line x1="{x0}" x2="{x0}" y1="{y0}" y2="{y1}" stroke="#777"/>')
    if target is not None and np.isfinite(target):
        yy = y1 - target * sy
        body.append(f'<line x1="{x0}" x2="{x1}" y1="{yy:.1f}" y2="{yy:.1f}" stroke="{RED}" stroke-width="2" '
                    f'stroke-dasharray="6 3"/><text x="{x1}" y="{yy - 4:.1f}" text-anchor="end" fill="{RED}">'
                    f'{escape(target_label)}</text>')
    for run_ok, idx in itertools.groupby(range(len(ys)), key=lambda i: bool(fin[i])):
        idx = list(idx)
        if run_ok and len(idx) > 1:
            pts = " ".join(f"{px[i]:.1f},{py[i]:.1f}" for i in idx)
            body.append(f'<polyline points="{pts}" fill="none" stroke="{BLUE}" stroke-width="2"/>')
    for i in np.flatnonzero(fin):
        text = _tick_text(ys[i], pct) if not pct else fmt_share(ys[i], 1)
        body.append(f'<circle cx="{px[i]:.1f}" cy="{py[i]:.1f}" r="3.5" fill="{BLUE}">'
                    f'<title>{escape(f"{fmt_number(xs[i])}: {text}")}</title></circle>')
    body.append(f'<text x="{(x0 + x1) / 2:.0f}" y="{y1 + 32}" text-anchor="middle" fill="#333">'
                f'{escape(x_label)}</text>')
    desc = "; ".join(f"{fmt_number(a)}: {fmt_share(b, 1) if pct else fmt_number(b, 1)}" for a, b in zip(xs, ys))
    return figure(_svg(_WIDTH, y1 + 38, title, desc, "".join(body)), title=title, note=note)
