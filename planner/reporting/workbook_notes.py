"""Two sheets of the workbook written for reading: the notes (说明) and the priority list (优先序).

:func:`notes_table` is the 说明 / Notes sheet as rows of section, item and value: the study, the
date, whether the data are synthetic, the travel profiles and tiers, every policy target with
the titles of the plans it comes from, how older populations were estimated, and the caveats
(rows excluded from each input and why, warnings by kind, unfinished siting runs).

:func:`priority_table` lists the under-served settlements in priority order (1 first) with the
reasons in words.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import pandas as pd

from planner.codes import DataProblem, code_label
from planner.i18n import fmt_number, fmt_share, label, mode_label, tr
from planner.reporting.labels import POLICY_DOCUMENTS, source_text

if TYPE_CHECKING:
    from planner.study import StudyResult

__all__ = ["notes_table", "priority_table", "PRIORITY_COLUMNS"]

#: The columns of the priority sheet (those the settlements table has), in order.
PRIORITY_COLUMNS = ("priority", "name", "kind", "township", "older_population", "older_estimated", "reasons",
                    "reason_detail_zh", "reason_detail_en", "shortfall_min", "county_time_min", "township_time_min",
                    "community_time_min", "priority_score")


def priority_table(result: StudyResult) -> pd.DataFrame:
    """The under-served settlements ordered by priority (1 first), ties by id.

    Parameters
    ----------
    result : StudyResult

    Returns
    -------
    pandas.DataFrame
        ``priority``, the settlement id, then the other :data:`PRIORITY_COLUMNS` the
        settlements table has; no geometry; a plain index.
    """
    sett = result.coverage.settlements
    under = sett[sett["status"].astype(str) == "under_served"] if "status" in sett else sett.iloc[:0]
    cols = [c for c in PRIORITY_COLUMNS if c in sett.columns]
    table = pd.DataFrame(under[cols]).copy()
    table.index.name = sett.index.name or "settlement_id"
    order = table.assign(_p=pd.to_numeric(table["priority"], errors="coerce"), _id=table.index.astype(str))
    table = table.loc[order.sort_values(["_p", "_id"], na_position="last").index].reset_index()
    first = ["priority", table.columns[0]] if "priority" in table else [table.columns[0]]
    return table[first + [c for c in table.columns if c not in first]]


def _row(rows: list[tuple[str, str, str]], section: str, item: str, value: object) -> None:
    rows.append((section, item, str(value)))


def _study_rows(result: StudyResult, lang: str, rows: list) -> None:
    cfg, sec = result.config, tr(lang, "研究", "Study")
    _row(rows, sec, tr(lang, "研究名称", "Study name"), cfg.name)
    _row(rows, sec, tr(lang, "生成时间", "Made on"), datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"))
    _row(rows, sec, tr(lang, "数据性质", "Data"),
         tr(lang, "合成（模拟）数据，非真实情况", "Synthetic (simulated) data: not a real place")
         if result.synthetic else tr(lang, "实际数据", "Real data"))
    if cfg.source is not None:
        _row(rows, sec, tr(lang, "配置文件", "Configuration file"), cfg.source.name)
    _row(rows, sec, tr(lang, "目标年份", "Milestone year"), cfg.targets.milestone_year)
    if cfg.central_townships:
        _row(rows, sec, tr(lang, "中心城区乡镇/街道", "Central townships / streets"),
             tr(lang, "、", ", ").join(cfg.central_townships))


def _travel_rows(result: StudyResult, lang: str, rows: list) -> None:
    cfg, sec = result.config, tr(lang, "出行与服务时间", "Travel and time limits")
    for key, p in cfg.profiles.items():
        oneway = tr(lang, "遵守单行道", "one-way streets respected") if p.respect_oneway else \
            tr(lang, "不限单行", "one-way ignored")
        _row(rows, sec, tr(lang, f"出行方式 {key}", f"Travel profile {key}"),
             tr(lang, f"{mode_label(p.mode, lang)}，{fmt_number(p.speed_kmh, 1)} 公里/小时；{oneway}；"
                      f"接入道路最远 城镇 {fmt_number(p.max_snap_m_urban)} 米 / "
                      f"农村 {fmt_number(p.max_snap_m_rural)} 米",
                f"{mode_label(p.mode, lang)}, {fmt_number(p.speed_kmh, 1)} km/h; {oneway}; "
                f"to the road at most {fmt_number(p.max_snap_m_urban)} m urban / "
                f"{fmt_number(p.max_snap_m_rural)} m rural"))
    for t in cfg.tiers.values():
        _row(rows, sec, tr(lang, f"{t.name_zh}设施服务时间", f"{t.name_en} facilities: time limit"),
             tr(lang, f"城镇 {mode_label(cfg.profiles[t.profile].mode, lang)} {fmt_number(t.minutes)} 分钟；"
                      f"农村 {mode_label(cfg.profiles[t.rural_profile].mode, lang)} {fmt_number(t.rural_minutes)} 分钟",
                f"urban {fmt_number(t.minutes)} min {mode_label(cfg.profiles[t.profile].mode, lang)}; "
                f"rural {fmt_number(t.rural_minutes)} min {mode_label(cfg.profiles[t.rural_profile].mode, lang)}")
             if t.profile in cfg.profiles and t.rural_profile in cfg.profiles else f"{t.profile} {t.minutes}")


def _target_rows(result: StudyResult, lang: str, rows: list) -> None:
    sec = tr(lang, "政策目标与依据", "Policy targets and sources")
    card = result.coverage.scorecard
    if card is None or not len(card):
        return
    card = card[card["scope"].astype(str) == "overall"] if "scope" in card else card
    name_col = tr(lang, "name_zh", "name_en")
    for _, r in card.drop_duplicates("indicator").iterrows():
        target = r.get("target")
        share = str(r["indicator"]) not in ("total_beds", "beds_per_1000_older")
        what = tr(lang, "仅报告", "reported only") if pd.isna(target) else \
            (fmt_share(target) if share else fmt_number(target))
        year = r.get("due_year")
        if not pd.isna(year):
            what += tr(lang, f"（{int(year)} 年）", f" (by {int(year)})")
        _row(rows, sec, r[name_col], tr(lang, f"{what}；依据：", f"{what}; source: ") + source_text(r["source"], lang))
    t = result.config.targets
    _row(rows, sec, tr(lang, "区域中心服务能力", "Township centre capacity"),
         tr(lang, f"约 {fmt_number(t.township_centre_capacity)} 名老年人",
            f"about {fmt_number(t.township_centre_capacity)} older people")
         + tr(lang, "；依据：", "; source: ") + source_text("000 #4", lang))
    _row(rows, sec, tr(lang, "新建公办设施的入住率下限", "Occupancy below which no new public site"),
         fmt_share(t.min_occupancy_for_new_public) + tr(lang, "；依据：", "; source: ")
         + source_text("003 §二(一)1", lang))
    for i, (zh, en) in enumerate(POLICY_DOCUMENTS.values(), start=1):
        _row(rows, tr(lang, "政策文件", "Policy documents"), tr(lang, f"文件 {i}", f"Document {i}"), tr(lang, zh, en))


def _population_rows(result: StudyResult, lang: str, rows: list) -> None:
    sec, cfg = tr(lang, "人口", "Population"), result.config.population
    sett = result.coverage.settlements
    n_est = int(sett["older_estimated"].fillna(False).astype(bool).sum()) if "older_estimated" in sett else 0
    method = {"proportional": tr(lang, "按总人口比例分配", "in proportion to the total population"),
              "equal": tr(lang, "平均分配", "split equally")}.get(cfg.allocation, cfg.allocation)
    _row(rows, sec, tr(lang, "老年人口估算规则", "How missing older populations are estimated"),
         tr(lang, f"已知总数减去已填报之和，余数{method}到未填报的村/社区",
            f"the known total minus the counted, the remainder allocated {method} to the settlements without a figure"))
    _row(rows, sec, tr(lang, "估算的村/社区", "Settlements estimated"), fmt_number(n_est))
    allocation = result.data.allocation
    if allocation is not None and len(allocation.records):
        for _, r in allocation.records.iterrows():
            _row(rows, sec, f"{label(str(r['level']), lang)} {r['area']}",
                 tr(lang, f"已知总数 {fmt_number(r['known_total'])}，已填报 {fmt_number(r['counted'])}，"
                          f"估算分配 {fmt_number(r['allocated'])} 人到 {fmt_number(r['n_estimated'])} 个村/社区",
                    f"known total {fmt_number(r['known_total'])}, counted {fmt_number(r['counted'])}, "
                    f"{fmt_number(r['allocated'])} allocated to {fmt_number(r['n_estimated'])} settlements"))


def _caveat_rows(result: StudyResult, lang: str, rows: list) -> None:
    sec, report = tr(lang, "注意事项", "Caveats"), result.data.report
    for layer in report.layers:
        excluded = dict(layer.excluded or {})
        n_ex = sum(excluded.values())
        why = tr(lang, "；", "; ").join(f"{code_label(k, lang, kind=DataProblem)} {v}" for k, v in excluded.items())
        _row(rows, sec, layer.file, tr(lang, f"读取 {layer.rows_read} 行，保留 {layer.rows_kept} 行，排除 {n_ex} 行",
                                       f"{layer.rows_read} rows read, {layer.rows_kept} kept, {n_ex} excluded")
             + (f"（{why}）" if why and lang == "zh" else f" ({why})" if why else ""))
    for code, n in sorted(report.codes().items()):
        _row(rows, sec, code_label(code, lang, kind=DataProblem), tr(lang, f"{n} 处（见“数据问题”表）",
                                                                   f"{n} (see the data_problems sheet)"))
    for key, msg in dict(result.siting_errors or {}).items():
        _row(rows, sec, tr(lang, f"选址未完成：{label(key, lang)}", f"Siting not finished: {label(key, lang)}"), msg)
    for key, n in dict(getattr(result.network, "dropped", {}) or {}).items():
        _row(rows, sec, tr(lang, f"路网：{key}", f"Road network: {key}"), n)
    if result.synthetic:
        _row(rows, sec, tr(lang, "合成数据", "Synthetic data"),
             tr(lang, "全部输入为合成数据，结果不代表任何真实地区。",
                "All inputs are synthetic; no result describes a real place."))


def notes_table(result: StudyResult, lang: str = "zh") -> pd.DataFrame:
    """The 说明 / Notes sheet: columns ``section``, ``item``, ``detail_value``, one fact a row.

    Parameters
    ----------
    result : StudyResult
    lang : {"zh", "en"}

    Returns
    -------
    pandas.DataFrame
    """
    rows: list[tuple[str, str, str]] = []
    for part in (_study_rows, _travel_rows, _target_rows, _population_rows, _caveat_rows):
        part(result, lang, rows)
    return pd.DataFrame(rows, columns=["section", "item", "detail_value"])
