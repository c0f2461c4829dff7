"""The report's map figure: a static picture of the study, and the link to the interactive map.

Drawn with matplotlib's object API (no pyplot state) in the study's metric
CRS: township and county boundaries, settlements served and under-served,
facilities by tier, and the proposed sites of each tier.  The picture holds
no text but the scale bar (so no CJK font is needed where it is made); its
legend is HTML below it, in the report's language.  It is embedded as a
base64 PNG, whose size does not grow with the number of points.
"""

from __future__ import annotations

import base64
import io
import logging
from html import escape
from typing import TYPE_CHECKING

import numpy as np

from planner.i18n import label, tr

if TYPE_CHECKING:
    import geopandas as gpd

    from planner.study import StudyResult

__all__ = ["map_png", "map_section", "MAP_LINK"]

logger = logging.getLogger(__name__)

#: Where the interactive map sits, relative to the report (the pipeline writes both into one folder).
MAP_LINK = "map.html"
#: (marker, face colour, size) per layer; shapes as matplotlib markers and as SVG in the legend.
_STYLE = {
    "served": ("o", "#43a047", 14), "under_served": ("o", "#c62828", 24),
    "county": ("p", "#4a148c", 90), "township": ("^", "#1565c0", 55), "community": ("s", "#00838f", 16),
    "site_community": ("D", "#ef6c00", 40), "site_township": ("*", "#d81b60", 110),
}


def _xy(frame: gpd.GeoDataFrame, crs: object) -> tuple[np.ndarray, np.ndarray]:
    pts = frame.geometry.to_crs(crs)
    ok = ~(pts.is_empty | pts.isna())
    return pts[ok].x.to_numpy(), pts[ok].y.to_numpy()


def _scale_bar(ax: object, xlim: tuple[float, float], ylim: tuple[float, float]) -> None:
    """A metric scale bar in the lower left (about a fifth of the width, rounded to 1, 2 or 5 × 10^n km)."""
    width = xlim[1] - xlim[0]
    raw = width / 5 / 1000
    mag = 10 ** np.floor(np.log10(raw))
    km = float(next(m * mag for m in (5, 2, 1) if m * mag <= raw))
    x0, y0 = xlim[0] + 0.04 * width, ylim[0] + 0.04 * (ylim[1] - ylim[0])
    ax.plot([x0, x0 + km * 1000], [y0, y0], color="black", lw=3, solid_capstyle="butt")
    ax.text(x0 + km * 500, y0 + 0.012 * (ylim[1] - ylim[0]), f"{km:g} km", ha="center", va="bottom", fontsize=8)


def map_png(result: StudyResult, *, width_in: float = 7.0, dpi: int = 150) -> bytes:
    """The study drawn as a PNG: boundaries, settlements by status, facilities by tier, proposed sites.

    Parameters
    ----------
    result : StudyResult
    width_in : float
        Width in inches (the height follows the study area's shape, at most 1.3 × the width).
    dpi : int

    Returns
    -------
    bytes
        The PNG file.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    data, cov = result.data, result.coverage
    crs = data.projected_crs
    sett = cov.settlements
    fig = Figure()
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    if data.townships is not None and len(data.townships):
        data.townships.to_crs(crs).boundary.plot(ax=ax, color="#9e9e9e", linewidth=0.6)
    if data.counties is not None and len(data.counties):
        data.counties.to_crs(crs).boundary.plot(ax=ax, color="#212121", linewidth=1.4)
    for status in ("served", "under_served"):
        x, y = _xy(sett[sett["status"] == status], crs)
        m, c, s = _STYLE[status]
        ax.scatter(x, y, marker=m, c=c, s=s, linewidths=0.3, edgecolors="white", zorder=3)
    fac = data.facilities
    for tier in ("community", "township", "county"):
        x, y = _xy(fac[fac["tier"] == tier], crs)
        m, c, s = _STYLE[tier]
        ax.scatter(x, y, marker=m, c=c, s=s, linewidths=0.6, edgecolors="white", zorder=4)
    for tier, site in result.siting.items():
        if site.sites is None or not len(site.sites):
            continue
        x, y = _xy(site.sites, crs)
        m, c, s = _STYLE.get(f"site_{tier}", _STYLE["site_community"])
        ax.scatter(x, y, marker=m, c=c, s=s, linewidths=0.8, edgecolors="black", zorder=5)
    ax.set_aspect("equal")
    ax.autoscale()
    ax.margins(0.03)
    xlim, ylim = ax.get_xlim(), ax.get_ylim()
    ratio = min(1.3, (ylim[1] - ylim[0]) / max(xlim[1] - xlim[0], 1e-9))
    fig.set_size_inches(width_in, width_in * ratio)
    _scale_bar(ax, xlim, ylim)
    ax.set_axis_off()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
    return buf.getvalue()


def _swatch(key: str) -> str:
    """The legend symbol of a layer as a small inline SVG."""
    m, c, _ = _STYLE[key]
    edge = ' stroke="black" stroke-width="0.8"' if key.startswith("site_") else ""
    shape = {"o": f'<circle cx="7" cy="7" r="{4 if key == "served" else 5}" fill="{c}"{edge}/>',
             "s": f'<rect x="3" y="3" width="8" height="8" fill="{c}"{edge}/>',
             "p": f'<polygon points="7,1 13,5.5 10.5,13 3.5,13 1,5.5" fill="{c}"{edge}/>',
             "^": f'<polygon points="7,1 13,13 1,13" fill="{c}"{edge}/>',
             "D": f'<polygon points="7,1 13,7 7,13 1,7" fill="{c}"{edge}/>',
             "*": f'<polygon points="7,0 9,5 14,5 10,8.5 11.5,14 7,10.5 2.5,14 4,8.5 0,5 5,5" fill="{c}"{edge}/>'}[m]
    return f'<svg width="14" height="14" viewBox="0 0 14 14" aria-hidden="true">{shape}</svg>'


def _legend(result: StudyResult, lang: str) -> str:
    items = [("served", tr(lang, "村/社区：已覆盖", "settlement served")),
             ("under_served", tr(lang, "村/社区：服务不足", "settlement under-served"))]
    items += [(t, tr(lang, f"现有设施：{label(t, 'zh')}", f"facility: {label(t, 'en').lower()}"))
              for t in ("county", "township", "community")]
    items += [(f"site_{t}", tr(lang, f"建议新增：{label(t, 'zh')}", f"proposed site: {label(t, 'en').lower()}"))
              for t, s in result.siting.items() if s.sites is not None and len(s.sites) and f"site_{t}" in _STYLE]
    lines = [('<svg width="18" height="14" aria-hidden="true"><line x1="0" y1="7" x2="18" y2="7" stroke="#9e9e9e"/>'
              "</svg>", tr(lang, "乡镇（街道）界", "township boundary")),
             ('<svg width="18" height="14" aria-hidden="true"><line x1="0" y1="7" x2="18" y2="7" stroke="#212121" '
              'stroke-width="2"/></svg>', tr(lang, "县界", "county boundary"))]
    spans = [f"<span>{_swatch(k)}{escape(text)}</span>" for k, text in items]
    spans += [f"<span>{sym}{escape(text)}</span>" for sym, text in lines]
    return f'<div class="legend">{"".join(spans)}</div>'


def map_section(result: StudyResult, lang: str, *, link: str | None = MAP_LINK) -> str:
    """The map figure with its legend, and a relative link to the interactive map (``link=None``: no link)."""
    try:
        png = map_png(result)
    except (ValueError, TypeError, AttributeError) as exc:  # a study without points or geometry: no figure
        logger.warning("report map figure left out: %s", exc)
        return ""
    title = tr(lang, "研究区概览：现有设施、村/社区覆盖情况与建议新增点",
               "The study area: facilities, settlements served or under-served, proposed sites")
    alt = tr(lang, "研究区地图：乡镇界、按覆盖情况着色的村/社区、按级别区分的养老设施和建议新增点",
             "Map of the study area: township boundaries, settlements coloured by coverage, facilities by tier "
             "and proposed sites")
    out = [f'<figure class="mapfig"><figcaption><b>{escape(title)}</b></figcaption>'
           f'<img alt="{escape(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}">'
           f"{_legend(result, lang)}</figure>"]
    if link:
        text = tr(lang, "打开交互地图（map.html，与本报告在同一文件夹）：可缩放，点击查看各村/社区和设施的详情",
                  "Open the interactive map (map.html, in the same folder as this report): zoom and click any "
                  "settlement or facility for its details")
        out.append(f'<p><a href="{escape(link)}">{escape(text)}</a></p>')
    return "".join(out)
