"""The map's legend: every layer drawn, each service circle with the mode and minutes of its own rule.

Only what the map shows is listed: the facility badges of the kinds present,
the circle rules that judge some settlement (urban and rural apart when they
differ), catchment lines when there are township centres, clusters when
points are clustered, isochrone bands when drawn, the township choropleth
when there are township boundaries, and proposed sites only when siting ran
and proposed some (each tier with its own shape and colour).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from planner.i18n import fmt_share, label, tr
from planner.reporting.map_assets import CHORO_BINS, SITE_STYLE, STATUS_COLOR, TIER_STYLE, badge_style
from planner.reporting.popups import circle_rule_text, map_text

__all__ = ["LegendParts", "legend_html", "BADGE_WORDS"]

#: What each facility badge stands for: kind -> (zh, en).
BADGE_WORDS = {
    "county": ("县级养老服务机构", "County-tier institution"),
    "township": ("乡镇区域养老服务中心", "Township care centre"),
    "street": ("街道综合养老服务中心", "Street care centre"),
    "community": ("社区养老服务设施（日间照料等）", "Urban community facility (day care etc.)"),
    "village": ("农村养老服务设施（幸福院等）", "Village facility (rural mutual-aid home etc.)"),
}


@dataclass(frozen=True)
class LegendParts:
    """What the map drew, as the legend needs it.

    Attributes
    ----------
    badges
        Facility badge kinds present, in drawing order.
    circles
        Per circle layer: ``(tier, mode, minutes, applies_to)``.
    catchments
        Township-centre catchment lines were drawn.
    clustered
        Settlement points are clustered at low zoom.
    choropleth
        The township coverage choropleth was drawn.
    sites
        Tiers with proposed sites.
    bands
        Isochrone band minutes (empty when none) and the tier they belong to.
    clustered_under
        Under-served settlements are clustered too (red bubbles).
    """

    badges: tuple[str, ...]
    circles: tuple[tuple[str, str, float, str], ...]
    catchments: bool
    clustered: bool
    choropleth: bool
    sites: tuple[str, ...]
    bands: tuple[float, ...] = ()
    bands_tier: str = "community"
    clustered_under: bool = False


def _swatch(style: str, words: str, *, cls: str = "sw") -> str:
    return f'<div><span class="{cls}" style="{style}"></span>{words}</div>'


def _head(words: str) -> str:
    return f"<div style='margin-top:4px;color:#333'><b>{words}</b></div>"


def _badge_rows(badges: Iterable[str], lang: str) -> list[str]:
    rows = []
    for kind in badges:
        st = badge_style(kind, lang)
        words = tr(lang, *BADGE_WORDS[kind])
        rows.append(f'<div><span class="planner-badge" style="display:inline-flex;width:16px;height:16px;'
                    f'font-size:10px;margin-right:6px;vertical-align:middle;background:{st["color"]};'
                    f'border-radius:{st["radius"]}">{map_text(st["text"])}</span>{map_text(words)}</div>')
    return rows


def _circle_rows(parts: LegendParts, lang: str) -> list[str]:
    rows = []
    for tier, mode, minutes, who in parts.circles:
        colour = TIER_STYLE.get(tier, TIER_STYLE["community"])["color"]
        border = "dashed" if who == "rural" else "solid"
        rows.append(_swatch(f"background:{colour};border:1px {border} {colour}",
                            f"{map_text(label(tier, lang))}{tr(lang, '：', ': ')}"
                            f"{circle_rule_text(mode, minutes, who, lang)}", cls="sw sq"))
    return rows


def _choropleth_rows(lang: str) -> list[str]:
    bounds = [lo for lo, _ in CHORO_BINS] + [1.0]
    cells = "".join(f'<span class="ramp" style="background:{c};opacity:.7" title="{fmt_share(lo, 0)}"></span>'
                    for lo, c in CHORO_BINS)
    ticks = " ".join(fmt_share(b, 0) for b in bounds[1:-1])
    return [_head(tr(lang, "乡镇/街道覆盖率（已覆盖村/社区占比）", "Township coverage (share of settlements served)")),
            f"<div>{cells}</div><div style='color:#555'>{tr(lang, '分界：', 'Breaks: ')}{ticks}</div>"]


def legend_html(lang: str, parts: LegendParts) -> str:
    """The legend of a study map (see the module docstring).

    Parameters
    ----------
    lang
        ``"zh"`` or ``"en"``.
    parts
        What the map drew.

    Returns
    -------
    str
        The legend's HTML (a fixed box at the lower left).
    """
    rows = [f"<b>{tr(lang, '图例', 'Legend')}</b>", _head(tr(lang, "养老服务设施", "Facilities"))]
    rows += _badge_rows(parts.badges, lang)
    rows.append(_head(tr(lang, "村/社区", "Settlements")))
    rows.append(_swatch(f"background:{STATUS_COLOR['served']}", tr(lang, "已覆盖", "Served")))
    rows.append(_swatch(f"background:{STATUS_COLOR['under_served']};border:1px solid #7f0000",
                        tr(lang, "服务不足（点大小＝老年人口）", "Under-served (size = older population)")))
    if parts.clustered:
        rows.append(_swatch("background:rgba(110,204,57,.8);width:16px;height:16px",
                            tr(lang, "聚合点：数字为村/社区个数，放大后展开",
                               "Cluster: number of settlements; zoom in")))
    if parts.clustered_under:
        rows.append(_swatch("background:rgba(214,39,40,.8);width:16px;height:16px",
                            tr(lang, "服务不足聚合点：数字为服务不足的村/社区个数",
                               "Under-served cluster: number of under-served settlements")))
    if parts.circles:
        rows.append(_head(tr(lang, "服务圈（沿路网，出行方式与时间按层级和城乡）",
                             "Service areas (along roads; mode and minutes per tier and rule)")))
        rows += _circle_rows(parts, lang)
    if parts.bands:
        mins = "/".join(f"{b:g}" for b in parts.bands)
        rows.append(_swatch("background:linear-gradient(90deg,#08519c,#6baed6,#c6dbef)",
                            tr(lang, f"等时圈 {mins} 分钟（{label(parts.bands_tier, lang)}）",
                               f"Isochrone bands {mins} min ({label(parts.bands_tier, lang)})"), cls="sw sq"))
    if parts.catchments:
        rows.append(_swatch("", tr(lang, "乡镇区域中心服务范围：村/社区到所属中心的连线；圆环＝中心（红＝超负荷）",
                                   "Township-centre catchment: line to the assigned centre; ring = centre "
                                   "(red = over capacity)"), cls="ln"))
    if parts.choropleth:
        rows += _choropleth_rows(lang)
    if parts.sites:
        rows.append(_head(tr(lang, "建议新增选址（数字＝本层级排序）", "Proposed sites (number = rank in its tier)")))
        for tier in parts.sites:
            st = SITE_STYLE.get(tier, SITE_STYLE["community"])
            shape = "transform:rotate(45deg);border-radius:2px" if st["shape"] == "diamond" else "border-radius:0"
            rows.append(_swatch(f"background:{st['color']};{shape}", map_text(tr(lang, st["zh"], st["en"]))))
    return '<div class="planner-legend">' + "".join(rows) + "</div>"
