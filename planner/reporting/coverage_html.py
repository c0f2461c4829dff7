"""The report's coverage sections: by township and county, travel times, township-centre loads, priority list.

Each target is drawn only against the measure it applies to: the village
target (80 %) against the share of *villages* covered, the community day-care
target against the share of *communities* covered; the older-population
shares of each tier carry no target line, since no plan sets one for them.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from planner.i18n import fmt_number, fmt_share, label, tr
from planner.reporting.charts import bars, histogram, num, table_html
from planner.reporting.report_words import estimated_note, older_text, reason_words, tier_rule_words, yes_no

if TYPE_CHECKING:
    from planner.study import StudyResult

__all__ = ["coverage_section", "travel_time_section", "centre_section", "priority_section", "TIERS",
           "PRIORITY_ROWS"]

TIERS = ("community", "township", "county")
#: Upper end of the travel-time histogram of each tier (minutes).
_HISTOGRAM_TOP = {"community": 30, "township": 60, "county": 120}
#: Under-served settlements listed in the report (all of them are in the workbook).
PRIORITY_ROWS = 50


def _tier_heading(result: StudyResult, tier: str, lang: str) -> str:
    rule = escape(tier_rule_words(result.config, tier, lang))
    return f"<h3>{escape(label(tier, lang))}{tr(lang, f'（{rule}）', f' ({rule})')}</h3>"


def _kind_share_bars(result: StudyResult, kind: str, target: float, lang: str) -> str:
    """Per township, the share of its villages (or communities) the community tier covers, against the target."""
    sett = result.coverage.settlements
    if "community_covered" not in sett:
        return ""
    mine = sett[sett["kind"] == kind]
    if not len(mine):
        return ""
    covered = mine["community_covered"].astype("boolean").fillna(False).astype(bool)
    per = pd.DataFrame({"n": covered.groupby(mine["township"]).size(),
                        "k": covered.groupby(mine["township"]).sum()})
    per["share"] = per["k"] / per["n"]
    per = per.sort_values("share")
    what = tr(lang, *(("村", "villages") if kind == "village" else ("社区", "communities")))
    rows = [(str(t), float(r["share"]), f"{fmt_share(r['share'], 0)} ({int(r['k'])}/{int(r['n'])})")
            for t, r in per.iterrows()]
    return bars(rows, maximum=1.0, mark=target, bad_above=False, pct=True,
                mark_label=tr(lang, f"目标 {fmt_share(target)}", f"target {fmt_share(target)}"),
                title=tr(lang, f"各乡镇（街道）{what}覆盖率（按{what}个数）",
                         f"Share of {what} covered, by township (count of {what})"),
                x_label=tr(lang, f"已覆盖的{what}占本乡镇{what}数的比例", f"share of the township's {what} covered"))


def coverage_section(result: StudyResult, lang: str) -> str:
    """2. Coverage by township (per tier: older people, and villages/communities against their targets), by county."""
    cov, targets = result.coverage, result.config.targets
    note = tr(lang, "老年人口覆盖率没有规划目标，不画目标线；村、社区个数覆盖率与各自的规划目标（红线）比较。",
              "No plan sets a target for the share of older people covered, so it has no target line; the shares "
              "of villages and of communities covered are drawn against their own targets (red line).")
    out = [f"<h2>{tr(lang, '二、分乡镇（街道）与分县覆盖率', '2. Coverage by township and county')}</h2>",
           f'<p class="muted">{note} {escape(estimated_note(result, lang))}</p>']
    for tier in TIERS:
        col = f"{tier}_older_share"
        if col not in cov.by_township:
            continue
        out.append(_tier_heading(result, tier, lang))
        bt = cov.by_township.sort_values(col)
        out.append(bars(((str(i), float(r[col]) if pd.notna(r[col]) else np.nan, num(r[col], 0, True))
                         for i, r in bt.iterrows()), maximum=1.0, pct=True,
                        title=tr(lang, f"各乡镇（街道）老年人口覆盖率（{label(tier, 'zh')}）",
                                 f"Share of older people covered, by township ({label(tier, 'en').lower()})"),
                        x_label=tr(lang, "服务范围内的老年人占本乡镇老年人口的比例",
                                   "share of the township's older people within reach")))
        if tier == "community":
            out.append(_kind_share_bars(result, "village", targets.village_facility_share, lang))
            out.append(_kind_share_bars(result, "community", targets.community_daycare_share, lang))
    out.append(f"<h3>{tr(lang, '分县', 'By county')}</h3>")
    cols = [c for c in ("settlements", "served", "under_served", "served_share", "community_older_share",
                        "township_older_share", "county_older_share") if c in cov.by_county]
    out.append(table_html(cov.by_county.reset_index(), [cov.by_county.index.name or "county"] + cols, lang,
                          pct=[c for c in cols if "share" in c]))
    return "".join(out)


def travel_time_section(result: StudyResult, lang: str) -> str:
    """3. Histograms of the time to the nearest facility of each tier (beyond the axis and unreachable apart)."""
    sett = result.coverage.settlements
    out = [f"<h2>{tr(lang, '三、出行时间分布', '3. Travel-time distribution')}</h2>"]
    for tier in TIERS:
        col = f"{tier}_time_min"
        if col not in sett:
            continue
        vals = pd.to_numeric(sett[col], errors="coerce").to_numpy(dtype=float)
        vals = np.where(np.isnan(vals), np.inf, vals)
        name = label(tier, lang)
        title = tr(lang, f"到最近{name}设施的出行时间（{tier_rule_words(result.config, tier, lang)}）",
                   f"Time to the nearest {name.lower()} facility ({tier_rule_words(result.config, tier, lang)})")
        out.append(histogram(vals, edges=np.linspace(0, _HISTOGRAM_TOP[tier], 11), lang=lang, title=title))
    return "".join(out)


def _centre_load_bars(centres: pd.DataFrame, lang: str) -> str:
    """Each centre's natural-catchment load as a share of its own capacity, against 100 %."""
    load_col = "nearest_load" if "nearest_load" in centres else "load"
    load = pd.to_numeric(centres[load_col], errors="coerce")
    cap = pd.to_numeric(centres.get("capacity"), errors="coerce")
    share = (load / cap.where(cap > 0)).to_numpy(dtype=float)
    rows = [(str(r.get("name", cid)), float(s), f"{fmt_number(r[load_col])} / {fmt_number(r.get('capacity'))}")
            for (cid, r), s in zip(centres.iterrows(), share)]
    top = float(np.nanmax(np.r_[share[np.isfinite(share)], 1.0]))
    return bars(rows, maximum=top, mark=1.0, pct=True, colour="#d46b08",
                mark_label=tr(lang, "服务能力", "capacity"),
                title=tr(lang, "各区域养老服务中心负荷率（按就近分配）",
                         "Load of each township centre (nearest centre)"),
                x_label=tr(lang, "就近的老年人数 ÷ 服务能力", "older people nearest to it ÷ its capacity"))


def _centre_table(cen: pd.DataFrame, lang: str) -> str:
    """The centres in words: capacity, natural and assigned load, share, and whether over capacity."""
    heads = (("名称", "Name"), ("乡镇（街道）", "Township"), ("服务能力（人）", "Capacity (older people)"),
             ("就近的老年人（人）", "Nearest to it (older people)"),
             ("按能力分配后的负荷（人）", "Load after capacity-aware assignment"), ("负荷率", "Share of capacity"),
             ("是否超出服务能力", "Over capacity"))
    head = "".join(f"<th>{tr(lang, zh, en)}</th>" for zh, en in heads)
    body = []
    for cid, r in cen.iterrows():
        over = yes_no(r.get("over"), lang, yes=("超出", "over"), no=("未超出", "no"))
        cls = ' class="notmet"' if over in ("超出", "over") else ""
        body.append(f"<tr><td>{escape(str(r.get('name', cid)))}</td><td>{escape(str(r.get('township', '')))}</td>"
                    f"<td class='num'>{num(r.get('capacity'))}</td><td class='num'>{num(r.get('nearest_load'))}</td>"
                    f"<td class='num'>{num(r.get('load'))}</td><td class='num'>{num(r.get('share'), 0, True)}</td>"
                    f"<td{cls}>{over}</td></tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def centre_section(result: StudyResult, lang: str) -> str:
    """4. Township-centre loads against capacity, and the townships without a centre."""
    cov = result.coverage
    out = [f"<h2>{tr(lang, '四、乡镇区域养老服务中心负荷', '4. Township-centre loads against capacity')}</h2>"]
    cen = cov.centres
    if len(cen):
        note = tr(lang, "图：以该中心为最近中心的老年人数占其服务能力的比例（自然服务范围）；"
                        "表：另列按能力约束分配后的负荷。",
                  "Chart: older people whose nearest centre it is, as a share of its capacity (natural catchment); "
                  "the table adds the load after the capacity-aware assignment.")
        out.append(f'<p class="muted">{note} {escape(estimated_note(result, lang))}</p>')
        out.append(_centre_load_bars(cen, lang))
        out.append(_centre_table(cen, lang))
    tw = cov.townships_without_centre
    if len(tw):
        names = "、".join(map(str, tw.index)) if tw.index.name else "、".join(map(str, tw.iloc[:, 0]))
        out.append(f"<p><b>{tr(lang, '没有区域养老服务中心的乡镇/街道', 'Townships/streets without a centre')}</b>"
                   + tr(lang, f"（{len(tw)}）：{escape(names)}", f" ({len(tw)}): {escape(names.replace('、', ', '))}")
                   + "</p>")
    return "".join(out)


def _detail_items(row: pd.Series, lang: str) -> str:
    """The row's reason sentences as a list, without the estimated-population one (the count is marked instead)."""
    from planner.analysis import SEPARATORS, Finding, describe
    from planner.codes import CoverageReason

    text = row.get(f"reason_detail_{lang}")
    parts = [p for p in ("" if not isinstance(text, str) else text).split(SEPARATORS[lang]) if p.strip()]
    if bool(row.get("older_estimated", False)):
        est = describe(Finding(CoverageReason.ESTIMATED_POPULATION, evidence={"older": row.get("older_population")}),
                       lang)
        parts = [p for p in parts if p != est]
    return "<ul>" + "".join(f"<li>{escape(p)}</li>" for p in parts) + "</ul>" if parts else ""


def priority_section(result: StudyResult, lang: str) -> str:
    """5. The first 50 under-served settlements in priority order, reasons in words."""
    us = result.coverage.under_served
    note = tr(lang, f"共 {len(us)} 个，按老年人口和缺口程度排序，列出前 {PRIORITY_ROWS} 个；完整名单见 Excel。"
                    "“估算”表示老年人口为按规则分配的估算值，非统计数。",
              f"{len(us)} in all, ranked by older population and shortfall; the first {PRIORITY_ROWS} are listed, "
              "all of them in the workbook. \"estimated\": the older population is allocated, not counted.")
    heads = (("序", "#", "num", 4), ("村/社区", "Settlement", "", 11), ("乡镇（街道）", "Township", "", 8),
             ("60岁及以上人口", "Aged 60+", "num", 8), ("原因", "Reasons", "", 14), ("说明", "Details", "", 55))
    cols = "".join(f'<col style="width:{w}%">' for *_, w in heads)
    head = "".join(f'<th class="{c}">{tr(lang, zh, en)}</th>' for zh, en, c, _ in heads)
    body = []
    for _, r in us.head(PRIORITY_ROWS).iterrows():
        kind = label("village" if r.get("kind") == "village" else "community_kind", lang)
        words = "<br>".join(escape(w) for w in reason_words(r.get("reasons"), lang))
        body.append(f"<tr><td class='num'>{num(r.get('priority'))}</td>"
                    f"<td>{escape(str(r.get('name', '')))} <span class='muted'>{escape(kind)}</span></td>"
                    f"<td>{escape(str(r.get('township', '')))}</td>"
                    f"<td class='num'>{older_text(r.get('older_population'), r.get('older_estimated'), lang)}</td>"
                    f"<td class='reasons'>{words}</td><td class='detail'>{_detail_items(r, lang)}</td></tr>")
    return (f"<h2>{tr(lang, '五、服务不足村/社区优先序', '5. Under-served settlements, in priority order')}</h2>"
            f'<p class="muted">{note}</p><table class="fixed priority"><colgroup>{cols}</colgroup>'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")
