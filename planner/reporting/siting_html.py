"""The report's siting section: per tier, the plan, its proof, before/after, the curve, the sites and the gaps.

Every number comes from the :class:`planner.siting.SitingResult` of the tier:
the sentence, the curve and the list describe one solution; the solver status
is stated as proven (only a proven optimum is called optimal); a tier whose
siting did not finish says so and why (:attr:`planner.study.StudyResult.siting_errors`).
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from planner.i18n import is_missing, label, tr
from planner.reporting.charts import num, table_html
from planner.reporting.report_words import estimated_note, indicator_format
from planner.reporting.svg import line_chart

if TYPE_CHECKING:
    from planner.siting import SitingResult
    from planner.study import StudyResult

__all__ = ["sites_section", "curve_spec"]

#: The words of each kind of township gap (``SitingResult.gaps["gap_kind"]``).
_GAP_KINDS = {"no_centre": ("乡镇/街道没有中心", "township without a centre"),
              "overload": ("中心超出服务能力", "centre over capacity")}
_SITE_COLUMNS = ("rank", "name", "type", "township", "new_villages", "new_older", "new_names")
#: Column widths (%) of the sites table, so that the long texts wrap in wide columns.
_SITE_WIDTHS = {"rank": 4, "name": 11, "type": 8, "township": 8, "new_villages": 6, "new_older": 7, "new_names": 18,
                "closes_zh": 19, "closes_en": 19, "why_zh": 19, "why_en": 19}


def curve_spec(result: StudyResult, site: SitingResult, lang: str) -> tuple[str, float | None, str, str]:
    """(curve column, target, y-axis label, target label) of a tier's curve: each tier its own indicator."""
    t = result.config.targets
    if site.tier == "township" and "township_centre_share" in site.curve:
        return ("township_centre_share", t.township_centre_share_2025,
                tr(lang, "有区域养老服务中心的乡镇/街道比例", "share of townships/streets with a centre"),
                tr(lang, f"2025 年目标 {num(t.township_centre_share_2025, 0, True)}",
                   f"2025 target {num(t.township_centre_share_2025, 0, True)}"))
    if site.tier == "community" and site.curve["village_share"].notna().any():
        return ("village_share", t.village_facility_share,
                tr(lang, "村覆盖率（按村个数，不含社区）", "share of villages covered (count of villages)"),
                tr(lang, f"目标 {num(t.village_facility_share, 0, True)}",
                   f"target {num(t.village_facility_share, 0, True)}"))
    return "older_share", None, tr(lang, "老年人口覆盖率", "share of older people covered"), ""


def _curve(result: StudyResult, site: SitingResult, lang: str) -> str:
    """The tier's own indicator against the number of new sites (in list order), with its target line."""
    curve = site.curve
    if not len(curve):
        return ""
    col, target, y_label, t_label = curve_spec(result, site, lang)
    title = tr(lang, f"{label(site.tier, 'zh')}：{y_label}随新增点数的变化",
               f"{label(site.tier, 'en')}: {y_label} against the number of new sites")
    values = pd.to_numeric(curve[col], errors="coerce").to_numpy(dtype=float)
    note = ""
    if np.isnan(values).any():
        note = tr(lang, "缺点处：求解未在时限内结束，无结果。", "Gaps: the solve did not end in time, no result.")
    return line_chart(curve["k"].to_numpy(dtype=float), values, title=title, y_label=y_label,
                      x_label=tr(lang, "新增点数（按建议清单顺序）", "number of new sites (in list order)"),
                      target=target, target_label=t_label, note=note)


def _after_cell(row: pd.Series | None, pct: bool, digits: int, lang: str) -> str:
    """One tier's "after" value of an indicator: the value, and its judgement where the sites changed it."""
    if row is None:
        return "<td class='num'>—</td>"
    text = num(row.get("value_after"), digits, pct)
    if not bool(row.get("changed")):
        return f"<td class='num'>{text}</td>"
    met = row.get("met_after")
    judged = "" if is_missing(met) else (f"<br><span class='met'>{tr(lang, '达标', 'met')}</span>" if bool(met)
                                         else f"<br><span class='notmet'>{tr(lang, '未达标', 'not met')}</span>")
    return f"<td class='num changed'><b>{text}</b>{judged}</td>"


def _before_after(result: StudyResult, lang: str) -> str:
    """The policy scorecard now and with each tier's proposed sites built, side by side (overall rows)."""
    cards = {}
    for tier, site in result.siting.items():
        card = site.scorecard
        if card is not None and len(card):
            card = card[card["scope"] == "overall"] if "scope" in card else card
            cards[tier] = card.set_index("indicator")
    if not cards:
        return ""
    now = result.coverage.scorecard
    now = now[now["scope"] == "overall"] if "scope" in now else now
    heads = [tr(lang, "指标", "Indicator"), tr(lang, "目标", "Target"), tr(lang, "现状（建设前）", "Now (before)")]
    heads += [tr(lang, f"建设后：新增{label(t, 'zh')}点", f"After the new {label(t, 'en').lower()} sites")
              for t in cards]
    body = []
    for _, r in now.iterrows():
        key = r["indicator"]
        pct, digits = indicator_format(str(key))
        rows = {t: (c.loc[key] if key in c.index else None) for t, c in cards.items()}
        changed = any(x is not None and bool(x.get("changed")) for x in rows.values())
        cls = ' class="changed"' if changed else ""
        body.append(f"<tr{cls}><td>{escape(str(r.get(f'name_{lang}', '')))}</td>"
                    f"<td class='num'>{num(r.get('target'), 0, pct)}</td>"
                    f"<td class='num'>{num(r.get('value'), digits, pct)}</td>"
                    + "".join(_after_cell(x, pct, digits, lang) for x in rows.values()) + "</tr>")
    title = tr(lang, "建设前后政策指标对比（绿色行为建议新增点改变的指标；各列分别只计该级新增点）",
               "Policy scorecard before and after (changed rows in green; each column counts only that tier's "
               "new sites)")
    head = "".join(f"<th>{h}</th>" for h in heads)
    return f"<h3>{title}</h3><table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _proof(site: SitingResult, lang: str) -> str:
    from planner.siting.explain import proof

    s = site.solution
    zh, en = proof(s.status, s.gap)
    secs = float(site.params.get("total_s", s.runtime_s))
    return (f'<p class="muted">{tr(lang, "求解状态：", "Solver status: ")}{escape(tr(lang, zh, en))}'
            f'{tr(lang, "；用时", "; time")} {secs:.1f} s</p>')


def _site_block(result: StudyResult, key: str, site: SitingResult, lang: str) -> str:
    """One tier: summary, proof, before/after, curve, the sites and (township tier) the gap table."""
    out = [f"<h3>{escape(label(key, lang))}</h3>", f"<p>{escape(site.summary(lang=lang))}</p>", _proof(site, lang),
           _curve(result, site, lang)]
    sites = site.sites
    if len(sites):
        cols = [c for c in (*_SITE_COLUMNS, f"closes_{lang}", f"why_{lang}") if c in sites]
        out.append(f"<h4>{tr(lang, '建议新增点（按边际增益排序）', 'Proposed sites (by marginal gain)')}</h4>")
        shown = sites.reset_index(drop=True)
        if "tier" in shown:
            shown["tier"] = [label(str(t), lang) for t in shown["tier"]]
        out.append(table_html(shown, cols, lang, widths=_SITE_WIDTHS))
        if estimated_note(result, lang):
            out.append(f'<p class="muted">{escape(estimated_note(result, lang))}</p>')
    gaps = site.gaps
    if len(gaps):
        out.append(f"<h4>{tr(lang, '缺口逐项说明', 'Each gap and what closes it')}</h4>")
        gaps = gaps.reset_index(drop=True)
        gaps["gap_kind"] = [tr(lang, *_GAP_KINDS.get(str(k), (str(k), str(k)))) for k in gaps["gap_kind"]]
        out.append(table_html(gaps, ["gap_kind", "township", "centre_name", "closed_by",
                                                            f"text_{lang}"], lang))
    return "".join(out)


def sites_section(result: StudyResult, lang: str) -> str:
    """6. Proposed new sites per tier, and any tier whose siting did not finish (nothing when not run)."""
    errors = dict(getattr(result, "siting_errors", {}) or {})
    if not result.siting and not errors:
        return ""
    out = [f"<h2>{tr(lang, '六、建议新增选址', '6. Proposed new sites')}</h2>"]
    for tier, msg in errors.items():
        zh = f"{label(tier, 'zh')}选址未完成：{msg}。覆盖分析、地图和表格不受影响。"
        en = f"Siting of the {label(tier, 'en')} tier did not finish: {msg}. The coverage analysis, map and tables " \
             "are complete."
        out.append(f'<div class="banner">{escape(tr(lang, zh, en))}</div>')
    out.append(_before_after(result, lang))
    out.extend(_site_block(result, key, site, lang) for key, site in result.siting.items())
    return "".join(out)
