"""The map's words written in Python: popups of facilities and proposed sites, tooltips, circle rules.

The settlements' popups (many) are written in the browser from their data
rows (``planner/static/map_layers.js``); the legend is
:mod:`planner.reporting.map_legend`.

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
from typing import Any

import numpy as np
import pandas as pd

from planner.i18n import fmt_number, fmt_share, is_missing, label, tr

__all__ = ["map_text", "text", "is_true", "facility_popup", "site_popup", "centre_tooltip", "circle_rule_text"]


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


def site_popup(row: pd.Series, lang: str, *, tier: str | None = None) -> str:
    """A proposed site: name, tier, rank, type, township, the settlements it newly serves and why."""
    tier = tier or str(row.get("tier", ""))
    new_older = text(row.get("new_older"))
    rows = [(tr(lang, "名称", "Name"), f"<b>{text(row.get('name'))}</b>"),
            (tr(lang, "建议层级", "Tier"), map_text(label(tier, lang))),
            (tr(lang, "本层级排序", "Rank in its tier"), text(row.get("rank"))),
            (tr(lang, "类型", "Type"), text(row.get("type"))),
            (tr(lang, "乡镇/街道", "Township"), text(row.get("township"))),
            (tr(lang, "新增覆盖村/社区", "Newly served settlements"),
             f"{text(row.get('new_settlements'))}{tr(lang, ' 个', '')}"),
            (tr(lang, "新增覆盖老年人", "Older people newly served"), new_older)]
    names = row.get("new_names")
    if not is_missing(names) and str(names).strip():
        rows.append((tr(lang, "新增覆盖的村/社区", "Settlements newly served"), map_text(names)))
    closes = row.get(f"closes_{lang}")
    if not is_missing(closes) and str(closes).strip():
        rows.append((tr(lang, "补足", "Closes"), map_text(closes)))
    why = row.get(f"why_{lang}", row.get("why", ""))
    rows.append((tr(lang, "理由", "Why"), text(why)))
    return _table(rows)


def centre_tooltip(cid: Any, row: pd.Series, lang: str) -> str:
    """A township centre's name, load and capacity."""
    name, load, cap = text(row.get("name", cid)), text(row.get("load")), text(row.get("capacity"))
    return tr(lang, f"{name}：负荷 {load} / 能力 {cap}", f"{name}: load {load} / capacity {cap}")


#: Who a circle's rule judges: applies_to -> (zh, en).
_APPLIES_TO = {"urban": ("城镇社区", "urban communities"), "rural": ("农村", "villages"), "all": ("城乡", "all")}


def circle_rule_text(mode: str, minutes: Any, applies_to: str, lang: str, *, with_minutes: bool = True) -> str:
    """How a service circle was drawn, e.g. ``老年人步行 15 分钟（城镇社区）`` / ``电动车 30 分钟（农村）``.

    With ``with_minutes=False`` the mode and who only (``老年人步行（城镇社区）``), for isochrone bands.
    """
    zh_mode = "老年人步行" if mode == "walk" else {"bike": "电动自行车", "drive": "驾车"}.get(mode, mode)
    en_mode = "older-walker pace" if mode == "walk" else {"bike": "by e-bike", "drive": "driving"}.get(mode, mode)
    zh_who, en_who = _APPLIES_TO.get(applies_to, (applies_to, applies_to))
    if not with_minutes:
        return html.escape(tr(lang, f"{zh_mode}（{zh_who}）", f"{en_mode} ({en_who})"))
    m = f"{float(minutes):g}"
    return html.escape(tr(lang, f"{zh_mode} {m} 分钟（{zh_who}）", f"{m} min {en_mode} ({en_who})"))
