"""The map's words: popups of facilities, settlements and proposed sites, tooltips and the legend.

Everything here returns HTML text, with every piece of data escaped by
:func:`map_text`; the map module places it on Folium layers.  Numbers are
written by the formatters of :mod:`planner.i18n`.

Folium puts popup and tooltip HTML inside JavaScript template literals
(`` `...` ``), so text that is safe as HTML can still end the literal (a
backtick), run code (``${...}``) or break the page (a trailing backslash).
:func:`map_text` therefore escapes for both contexts at once: HTML
(``& < > " '``) and template literal (backtick, ``$``, backslash and the line separators
U+2028/U+2029) and Jinja (braces: folium renders the page's scripts twice
as Jinja templates, so ``{{ ... }}`` in a name would be evaluated as Python
while the map is written), all written as character references, which HTML
turns back into the characters.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from planner.i18n import fmt_minutes, fmt_number, fmt_share, is_missing, label, tr
from planner.reporting.map_assets import STATUS_COLOR, TIER_STYLE
from planner.reporting.older_labels import older_label

if TYPE_CHECKING:
    from planner.study import StudyResult

__all__ = ["map_text", "text", "is_true", "facility_popup", "settlement_popup", "site_popup", "centre_tooltip",
           "legend_html"]


#: Characters that end, interpolate into or escape inside a JavaScript template literal
#: (and the line separators some engines refuse in strings), as HTML character references.
#: Braces too: folium renders every script a second time as a Jinja template, so ``{{ ... }}``
#: in a name would otherwise run as Python while the map is written.
_TEMPLATE_LITERAL = str.maketrans({"`": "&#96;", "$": "&#36;", "\\": "&#92;", "{": "&#123;", "}": "&#125;",
                                   "\u2028": "&#8232;", "\u2029": "&#8233;"})


def map_text(v: Any) -> str:
    """``str(v)`` escaped for the map: HTML that is also inert inside a JavaScript template literal.

    Parameters
    ----------
    v
        Any value; it is turned into text with ``str``.

    Returns
    -------
    str
        ``& < > " '`` as HTML entities (as :func:`html.escape`) and
        `` ` ``, ``$``, ``\\``, ``{``, ``}``, U+2028, U+2029 as numeric character references,
        so the text shows as written whether the browser parses it as HTML
        or it first passes through a `` `...` `` literal.
    """
    return html.escape(str(v)).translate(_TEMPLATE_LITERAL)


def text(v: Any, digits: int = 0) -> str:
    """``v`` as map text (:func:`map_text`): numbers with thousands separators, booleans as ✓/✗, ``—`` when missing."""
    if isinstance(v, (bool, np.bool_)):
        return "✓" if v else "✗"
    return map_text(fmt_number(v, digits))


def _minutes(v: Any) -> str:
    return map_text(fmt_minutes(v))


def _table(rows: list[tuple[str, str]]) -> str:
    body = "".join(f"<tr><td>{map_text(k)}</td><td>{v}</td></tr>" for k, v in rows)
    return f'<table class="pp">{body}</table>'


def is_true(v: Any) -> bool:
    """``bool(v)``, with missing and ambiguous values false."""
    try:
        return bool(v) and v is not pd.NA
    except (TypeError, ValueError):
        return False


def facility_popup(row: pd.Series, lang: str) -> str:
    """Name, type, tier, beds, what its circle reaches, and its load when it is a township centre."""
    tier = str(row.get("tier", ""))
    rows = [
        (tr(lang, "名称", "Name"), f"<b>{text(row.get('name'))}</b>"),
        (tr(lang, "类型", "Type"), text(row.get("type"))),
        (tr(lang, "层级", "Tier"), map_text(label(tier, lang))),
        (tr(lang, "床位", "Beds"), text(row.get("beds"))),
        (tr(lang, "护理型床位", "Nursing beds"), text(row.get("nursing_beds"))),
        (tr(lang, "入住", "Occupied"), text(row.get("occupied_beds"))),
        (tr(lang, "公办", "Public"), text(row.get("public"))),
        (tr(lang, "服务圈内村/社区", "Settlements in its circle"), text(row.get("settlements_in_circle"))),
        (tr(lang, "服务圈内老年人", "Older people in its circle"), text(row.get("older_in_circle"))),
    ]
    if "load" in row and pd.notna(row.get("load")):
        share = row.get("share")
        load_txt = text(row.get("load"))
        if pd.notna(share):
            load_txt += tr(lang, f"（{fmt_share(share, 0)}）", f" ({fmt_share(share, 0)})")
        rows.append((tr(lang, "服务负荷（老年人）", "Catchment load (older people)"), load_txt))
    if is_true(row.get("over")):
        rows.append((tr(lang, "状态", "Status"), f"<b style='color:#d62728'>{tr(lang, '超负荷', 'over capacity')}</b>"))
    return _table(rows)


def _nearest_rows(row: pd.Series, tiers: list[str], lang: str) -> list[tuple[str, str]]:
    """Per tier: the nearest facility and the time to it; then the assigned township centre."""
    rows = []
    for tier in tiers:
        fac = row.get(f"{tier}_facility_name", row.get(f"{tier}_facility"))
        t = row.get(f"{tier}_time_min")
        if fac is None and t is None:
            continue
        finite = pd.notna(t) and not np.isinf(float(t))
        time_txt = _minutes(t) + " " + map_text(label("minutes", lang)) if finite else "—"
        rows.append((f"{label(tier, lang)}", f"{text(fac)} · {time_txt}"))
    centre = row.get("centre_name", row.get("centre"))
    if not is_missing(centre) and str(centre):
        rows.append((tr(lang, "所属区域中心", "Township centre"),
                     f"{text(centre)} · {_minutes(row.get('centre_time_min'))} {map_text(label('minutes', lang))}"))
    return rows


def _reason_list(row: pd.Series, lang: str) -> str | None:
    """The reasons a settlement is under-served, in words, as a bullet list (None when it has none)."""
    detail = row.get(f"reason_detail_{lang}")
    if is_missing(detail) or not str(detail).strip():
        return None
    items = "".join(f"<li>{map_text(x.strip())}</li>"
                    for x in str(detail).split("；" if lang == "zh" else ";") if x.strip())
    return f"<ul style='margin:0;padding-left:16px'>{items}</ul>"


def settlement_popup(row: pd.Series, tiers: list[str], lang: str) -> str:
    """Name, kind, township, older population, status, nearest facilities and (when under-served) why."""
    status = str(row.get("status", ""))
    older = text(row.get("older_population"))
    if is_true(row.get("older_estimated")):
        older += tr(lang, "（估算）", " (estimated)") + older_label(row, lang)
    kind = label("village" if row.get("kind") == "village" else "community_kind", lang)
    rows = [
        (tr(lang, "名称", "Name"), f"<b>{text(row.get('name'))}</b>"),
        (tr(lang, "类别", "Kind"), map_text(kind)),
        (tr(lang, "乡镇/街道", "Township"), text(row.get("township"))),
        (tr(lang, "60岁及以上", "Aged 60+"), older),
        (tr(lang, "状态", "Status"),
         f"<b style='color:{STATUS_COLOR.get(status, '#333')}'>{map_text(label(status, lang))}</b>"),
    ]
    rows += _nearest_rows(row, tiers, lang)
    reasons = _reason_list(row, lang)
    if reasons is not None:
        rows.append((tr(lang, "原因", "Why"), reasons))
    return _table(rows)


def site_popup(row: pd.Series, lang: str) -> str:
    """Name, rank and the reason of a proposed site."""
    why = row.get(f"why_{lang}", row.get("why", ""))
    return _table([(tr(lang, "名称", "Name"), f"<b>{text(row.get('name'))}</b>"),
                   (tr(lang, "排序", "Rank"), text(row.get("rank"))),
                   (tr(lang, "理由", "Why"), text(why))])


def centre_tooltip(cid: Any, row: pd.Series, lang: str) -> str:
    """A township centre's name, load and capacity."""
    name, load, cap = text(row.get("name", cid)), text(row.get("load")), text(row.get("capacity"))
    return tr(lang, f"{name}：负荷 {load} / 能力 {cap}", f"{name}: load {load} / capacity {cap}")


def _swatch(style: str, words: str, *, cls: str = "sw") -> str:
    return f'<div><span class="{cls}" style="{style}"></span>{words}</div>'


#: Who a circle's rule judges: applies_to -> (zh, en).
_APPLIES_TO = {"urban": ("城镇社区", "urban communities"), "rural": ("农村", "villages"), "all": ("城乡", "all")}


def circle_rule_text(mode: str, minutes: Any, applies_to: str, lang: str) -> str:
    """How a service circle was drawn, e.g. ``老年人步行 15 分钟（城镇社区）`` / ``电动车 30 分钟（农村）``."""
    zh_mode = "老年人步行" if mode == "walk" else {"bike": "电动自行车", "drive": "驾车"}.get(mode, mode)
    en_mode = "older-walker pace" if mode == "walk" else {"bike": "by e-bike", "drive": "driving"}.get(mode, mode)
    zh_who, en_who = _APPLIES_TO.get(applies_to, (applies_to, applies_to))
    m = f"{float(minutes):g}"
    return html.escape(tr(lang, f"{zh_mode} {m} 分钟（{zh_who}）", f"{m} min {en_mode} ({en_who})"))


def legend_html(result: StudyResult, lang: str) -> str:
    """The legend: facility tiers, settlement status, service circles, proposed sites, the circle's pace."""
    rows = [f"<b>{tr(lang, '图例', 'Legend')}</b>"]
    for tier, st in TIER_STYLE.items():
        radius = "3px" if tier == "county" else ("4px" if tier == "township" else "7px")
        rows.append(_swatch(f"background:{st['color']};border-radius:{radius}",
                            f'{map_text(label(tier, lang))}{tr(lang, "养老服务设施", " facility")}'))
    rows.append(_swatch(f"background:{STATUS_COLOR['served']}", tr(lang, "村/社区：已覆盖", "Settlement: served")))
    rows.append(_swatch(f"background:{STATUS_COLOR['under_served']}",
                        tr(lang, "村/社区：服务不足（点大小=老年人口）",
                           "Settlement: under-served (size = older population)")))
    rows.append(_swatch(f"background:{TIER_STYLE['community']['color']}",
                        tr(lang, "15分钟养老服务圈（沿路网）", "15-minute service circle (along roads)"), cls="sw sq"))
    rows.append(_swatch("background:#6a0dad;border-radius:2px", tr(lang, "建议新增选址", "Proposed new site")))
    community = result.config.tiers["community"]
    profiles = result.config.profiles
    rules = [(community.profile, community.minutes, "urban"),
             (community.rural_profile, community.rural_minutes, "rural")]
    pace = "；".join(circle_rule_text(profiles[p].mode, m, who, lang) for p, m, who in rules)
    rows.append(f"<div style='color:#555'>{tr(lang, '服务圈：', 'Circles: ')}{pace}</div>")
    return '<div class="planner-legend">' + "".join(rows) + "</div>"
