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

from planner.i18n import label, tr
from planner.reporting.charts import bars, num, table_html

if TYPE_CHECKING:
    from planner.siting import SitingResult
    from planner.study import StudyResult

__all__ = ["sites_section", "curve_spec"]

#: The words of each kind of township gap (``SitingResult.gaps["gap_kind"]``).
_GAP_KINDS = {"no_centre": ("乡镇/街道没有中心", "township without a centre"),
              "overload": ("中心超出服务能力", "centre over capacity")}
_SITE_COLUMNS = ("rank", "tier", "name", "type", "township", "new_villages", "new_older", "new_names")


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
    curve = site.curve
    if not len(curve):
        return ""
    col, target, y_label, t_label = curve_spec(result, site, lang)
    title = tr(lang, f"{label(site.tier, 'zh')}：{y_label}随新增点数的变化",
               f"{label(site.tier, 'en')}: {y_label} against the number of new sites")
    axis = tr(lang, f"纵向各行：新增点数 k（按建议清单顺序）；横向：{y_label}"
              + (f"；红线：{t_label}" if t_label else ""),
              f"Rows: number of new sites k (in list order); bars: {y_label}"
              + (f"; red line: {t_label}" if t_label else ""))
    unfinished = tr(lang, "未完成（求解未在时限内结束）", "not finished (the solve did not end in time)")
    rows = []
    for _, r in curve.iterrows():
        v = float(r[col]) if pd.notna(r[col]) else np.nan
        text = num(v, 1, True) if np.isfinite(v) else unfinished
        rows.append((f"+{int(r['k'])}", v, text))
    return (f"<h4>{escape(title)}</h4><p class=\"muted\">{escape(axis)}</p>"
            + bars(rows, maximum=1.0, mark=target, bad_above=False))


def _before_after(site: SitingResult, lang: str) -> str:
    """The policy scorecard before and after the proposed sites (overall rows)."""
    card = site.scorecard
    if not len(card):
        return ""
    card = card[card["scope"] == "overall"] if "scope" in card else card
    head = "".join(f"<th>{tr(lang, zh, en)}</th>" for zh, en in (
        ("指标", "Indicator"), ("目标", "Target"), ("建设前", "Before"), ("建设后", "After"),
        ("评估（后）", "Judgement after")))
    body = []
    for _, r in card.iterrows():
        pct = str(r.get("indicator", "")) not in ("beds_per_1000_older", "total_beds")
        met = r.get("met_after")
        judged = "" if met is None or pd.isna(met) else (tr(lang, "达标", "met") if bool(met)
                                                         else tr(lang, "未达标", "not met"))
        style = ' style="background:#eef7ee"' if bool(r.get("changed")) else ""
        body.append(f"<tr{style}><td>{escape(str(r.get(f'name_{lang}', '')))}</td>"
                    f"<td class='num'>{num(r.get('target'), 0, pct)}</td>"
                    f"<td class='num'>{num(r.get('value_before'), 1, pct)}</td>"
                    f"<td class='num'>{num(r.get('value_after'), 1, pct)}</td><td>{judged}</td></tr>")
    title = tr(lang, "建设前后政策指标对比（绿色行为有变化的指标）",
               "Policy scorecard before and after (changed rows in green)")
    return f"<h4>{title}</h4><table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _proof(site: SitingResult, lang: str) -> str:
    from planner.siting.explain import proof

    s = site.solution
    zh, en = proof(s.status, s.gap)
    secs = float(site.params.get("total_s", s.runtime_s))
    return (f'<p class="muted">{tr(lang, "求解状态", "Solver status")}：{escape(tr(lang, zh, en))}；'
            f'{tr(lang, "用时", "time")} {secs:.1f} s</p>')


def _site_block(result: StudyResult, key: str, site: SitingResult, lang: str) -> str:
    """One tier: summary, proof, before/after, curve, the sites and (township tier) the gap table."""
    out = [f"<h3>{escape(label(key, lang))}</h3>", f"<p>{escape(site.summary(lang=lang))}</p>", _proof(site, lang),
           _before_after(site, lang), _curve(result, site, lang)]
    sites = site.sites
    if len(sites):
        cols = [c for c in (*_SITE_COLUMNS, f"closes_{lang}", f"why_{lang}") if c in sites]
        out.append(f"<h4>{tr(lang, '建议新增点（按边际增益排序）', 'Proposed sites (by marginal gain)')}</h4>")
        shown = sites.reset_index(drop=True)
        if "tier" in shown:
            shown["tier"] = [label(str(t), lang) for t in shown["tier"]]
        out.append(table_html(shown, cols, lang))
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
    out.extend(_site_block(result, key, site, lang) for key, site in result.siting.items())
    return "".join(out)
