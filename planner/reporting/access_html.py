"""The report's accessibility and equity section.

Per tier: the older-weighted mean, median and 10th percentile of places per
1,000 older people within reach, the share of older people with none, the
Gini and Theil indices (split within / between townships), the share below
the threshold and the lowest townships; a bar per township; what was left out
and why.  The method, supply, catchments and decay are stated first.  Every
number comes from :attr:`planner.study.StudyResult.access`.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from planner.codes import AccessReason
from planner.i18n import label, tr
from planner.reporting.access_tables import access_header, method_text, rule_words
from planner.reporting.charts import bars, num
from planner.reporting.report_words import travel_words

if TYPE_CHECKING:
    from planner.study import StudyResult

__all__ = ["access_section"]

#: The summary rows of each tier: (column, digits, as a percentage).
_SUMMARY = (("mean", 1, False), ("median", 1, False), ("p10", 1, False), ("share_zero", 1, True),
            ("gini", 3, False), ("theil", 3, False), ("theil_within", 3, False), ("theil_between", 3, False),
            ("township_gini", 3, False), ("threshold", 1, False), ("share_below", 1, True),
            ("older_below", 0, False))


def _catchment_text(result: StudyResult, params: Any, tier: str, lang: str) -> str:
    """The tier's catchment in words: mode and minutes for communities and villages."""
    cfg = result.config
    minutes, prof = params["catchment_minutes"][tier], params["profiles"][tier]
    urban = travel_words(cfg, prof["community"], minutes.get("all", minutes.get("community")), lang)
    rural = travel_words(cfg, prof["village"], minutes.get("all", minutes.get("village")), lang)
    if urban == rural:
        return tr(lang, f"村和社区：{urban}", f"villages and communities: {urban}")
    return tr(lang, f"社区：{urban}；村：{rural}", f"communities: {urban}; villages: {rural}")


def _summary_table(eq: pd.DataFrame, lang: str) -> str:
    """One column per tier, one row per measure."""
    head = "".join(f"<th>{escape(label(t, lang))}</th>" for t in eq.index)
    rows = []
    for col, digits, pct in _SUMMARY:
        cells = "".join(f"<td class='num'>{num(eq.loc[t, col], digits, pct)}</td>" for t in eq.index)
        rows.append(f"<tr><td>{escape(access_header(col, lang))}</td>{cells}</tr>")
    rule = "".join(f"<td>{escape(rule_words(eq.loc[t, 'threshold_rule'], lang))}</td>" for t in eq.index)
    rows.append(f"<tr><td>{escape(access_header('threshold_rule', lang))}</td>{rule}</tr>")
    worst = "".join(f"<td>{escape(str(eq.loc[t, 'worst_townships']).replace(';', '、'))}</td>" for t in eq.index)
    rows.append(f"<tr><td>{escape(access_header('worst_townships', lang))}</td>{worst}</tr>")
    return (f"<table><thead><tr><th>{tr(lang, '指标', 'Measure')}</th>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def _left_out(params: Any, eq: pd.DataFrame, tier: str, lang: str) -> str:
    """What a tier's measures leave out, and why, in one sentence."""
    ex = params["excluded"][tier]
    known = AccessReason.__members__
    parts = [f"{AccessReason[c].label(lang)} {n}" for c, n in ex["settlements"].items() if c in known]
    fparts = [f"{AccessReason[c].label(lang)} {n}" for c, n in ex["facilities"].items() if c in known]
    row = eq.loc[tier]
    sep = tr(lang, "；", "; ")
    text = tr(lang, f"计入 {int(row['settlements_counted'])} 个村/社区（老年人 {num(row['older_counted'])}）。",
              f"{int(row['settlements_counted'])} settlements counted ({num(row['older_counted'])} older people).")
    if parts:
        text += tr(lang, f" 村/社区说明：{sep.join(parts)}。", f" Settlements: {sep.join(parts)}.")
    if fparts:
        text += tr(lang, f" 未计入供给的设施：{sep.join(fparts)}。", f" Facilities whose supply is not counted: "
                                                                  f"{sep.join(fparts)}.")
    return f'<p class="muted">{escape(text)}</p>'


def _township_bars(by_township: pd.DataFrame, eq: pd.DataFrame, tier: str, lang: str) -> str:
    """Older-weighted mean per township; red where below the tier's threshold."""
    tw = by_township[by_township["tier"] == tier].dropna(subset=["access"])
    line = float(eq.loc[tier, "threshold"])
    top = float(np.nanmax(np.r_[tw["access"].to_numpy(dtype=float), line, 1e-9])) * 1.05
    rows = ((str(r["township"]), float(r["access"]), num(r["access"], 1)) for _, r in tw.iterrows())
    return bars(rows, maximum=top, mark=line if np.isfinite(line) else None, bad_above=False,
                title=tr(lang, f"{label(tier, lang)}：各乡镇/街道平均可达性",
                         f"{label(tier, lang)}: mean accessibility by township"),
                x_label=tr(lang, "每千名老年人可及的床位或服务位", "places per 1,000 older people"),
                mark_label=tr(lang, "阈值", "threshold"))


def access_section(result: StudyResult, lang: str) -> str:
    """The accessibility and equity section of the report ("" when accessibility was not measured).

    Parameters
    ----------
    result : StudyResult
    lang : {"zh", "en"}

    Returns
    -------
    str
        HTML.
    """
    acc = getattr(result, "access", None)
    if acc is None or not len(acc.equity):
        return ""
    params, eq = acc.params, acc.equity
    intro = tr(lang, "可达性 = 在服务范围（按路网出行时间）内可获得的供给量，按与其他老年人分享后计，"
                     "单位为每千名老年人；公平性按老年人口加权计算（基尼系数、泰尔指数 T 及其乡镇内/乡镇间分解）。",
               "Accessibility = supply within the catchment (network travel time), shared with the other older "
               "people who reach it, per 1,000 older people; equity is weighted by older population (Gini, "
               "Theil T split within / between townships).")
    out = [f"<h2>{tr(lang, '七、供需可达性与公平性', '7. Accessibility and equity')}</h2>",
           f"<p>{escape(intro)}</p><p>{escape(method_text(params, lang))}</p>", _summary_table(eq, lang)]
    for tier in eq.index:
        head = tr(lang, f"{label(tier, lang)}（{_catchment_text(result, params, tier, lang)}）",
                  f"{label(tier, lang)} ({_catchment_text(result, params, tier, lang)})")
        note = tr(lang, "各乡镇/街道的老年人口加权平均可达性；红色：低于阈值（红线）。",
                  "Older-weighted mean accessibility per township; red: below the threshold (red line).")
        out.append(f"<h3>{escape(head)}</h3><p class='muted'>{note}</p>")
        out.append(_township_bars(acc.by_township, eq, tier, lang))
        out.append(_left_out(params, eq, tier, lang))
    return "".join(out)
