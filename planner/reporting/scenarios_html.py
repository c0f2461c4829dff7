"""The report's scenario section: the study as configured next to each named scenario.

What each scenario sets (and the winter factors with their sources), coverage
per tier side by side, the policy scorecard side by side, and the settlements
that lose coverage (winter) or gain it (proposed sites added).  The frames
come from :mod:`planner.reporting.scenario_tables`.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

import pandas as pd

from planner.i18n import is_missing, label, tr
from planner.reporting.charts import met_class_text, num
from planner.reporting.scenario_tables import (
    BASE,
    scenario_changes,
    scenario_comparison,
    scenario_labels,
    scenario_overview,
    scenario_scorecards,
)

if TYPE_CHECKING:
    from planner.study import StudyResult

__all__ = ["scenarios_section"]

#: Most rows of a change list shown in the report (the workbook has them all).
MAX_CHANGE_ROWS = 150


def _row_html(cells: list[str]) -> str:
    return "<tr>" + "".join(cells) + "</tr>"


def _head(cols: list[str]) -> str:
    return "<thead><tr>" + "".join(f"<th>{escape(c)}</th>" for c in cols) + "</tr></thead>"


def _describe(row: pd.Series, lang: str) -> str:
    parts = []
    if row["winter"]:
        parts.append(tr(lang, "冬季车速与步速（冰雪）", "winter speeds (snow and ice)"))
    for key, zh, en in (("close", "关停设施", "facilities closed"),
                        ("added_ids", "加入建议选址", "proposed sites added"),
                        ("minutes", "社区阈值", "community thresholds"),
                        ("rural_minutes", "村阈值", "village thresholds"),
                        ("speed_factors", "速度系数", "speed factors")):
        if row[key]:
            parts.append(f"{tr(lang, zh, en)}: {row[key]}")
    if row["profile_speed_factors"] and (row["winter"] or row["speed_factors"]):
        parts.append(f"{tr(lang, '实际速度系数', 'effective speed factors')}: {row['profile_speed_factors']}")
    text = escape("; ".join(parts))
    if row["error"]:
        text += f' — <span class="notmet">{escape(tr(lang, "未完成：", "did not run: ") + row["error"])}</span>'
    return f"<li><b>{escape(row['label'])}</b>: {text}</li>"


def _winter_sources(lang: str) -> str:
    from planner.config.winter import WINTER_FACTOR_SOURCES, WINTER_SPEED_FACTORS

    items = []
    for mode, factor in WINTER_SPEED_FACTORS.items():
        source, assumed = WINTER_FACTOR_SOURCES[mode]
        flag = tr(lang, "（假设）", " (assumption)") if assumed else ""
        items.append(f"<li>{escape(mode)} × {factor:.3f}{escape(flag)}: {escape(source)}</li>")
    head = tr(lang, "冬季速度系数及来源（详见 docs/winter.md）：",
              "Winter speed factors and sources (see docs/winter.md):")
    return f'<p class="muted">{head}</p><ul class="muted">{"".join(items)}</ul>'


def _comparison_html(frame: pd.DataFrame, cols: list[str]) -> str:
    body = []
    for _, r in frame.iterrows():
        cells = [f"<td>{escape(str(r['label']))}</td>"]
        cells += [f'<td class="num">{num(r[c], 1 if r["share"] else 0, bool(r["share"]))}</td>' for c in cols]
        body.append(_row_html(cells))
    return f"<table>{_head([''] + cols)}<tbody>{''.join(body)}</tbody></table>"


def _scorecard_html(card: pd.DataFrame, cols: list[str], lang: str) -> str:
    body = []
    for _, r in card.iterrows():
        share = not is_missing(r["target"]) and float(r["target"]) <= 1.0
        cells = [f"<td>{escape(str(r['name_zh' if lang == 'zh' else 'name_en']))}</td>",
                 f'<td class="num">{num(r["target"], 0, share) if not is_missing(r["target"]) else "—"}</td>']
        for c in cols:
            cls, text = met_class_text(r[f"{c} met"], lang, na_text="")
            val = num(r[c], 1 if share else 0, share)
            cells.append(f'<td class="num {cls}">{val}{" · " + text if text else ""}</td>')
        body.append(_row_html(cells))
    head = [tr(lang, "指标", "Indicator"), tr(lang, "目标", "Target")] + cols
    return f"<table>{_head(head)}<tbody>{''.join(body)}</tbody></table>"


def _change_rows(changes: pd.DataFrame, lang: str) -> str:
    head = [tr(lang, "村/社区", "Settlement"), tr(lang, "乡镇/街道", "Township"), tr(lang, "层级", "Tier"),
            tr(lang, "现状时间（分钟）", "Current (min)"), tr(lang, "情景时间（分钟）", "Scenario (min)"),
            tr(lang, "阈值（分钟）", "Threshold (min)")]
    body = []
    for _, r in changes.head(MAX_CHANGE_ROWS).iterrows():
        kind = tr(lang, "村", "village") if r["kind"] == "village" else tr(lang, "社区", "community")
        body.append(_row_html([
            f"<td>{escape(str(r['name']))}（{kind}）</td>", f"<td>{escape(str(r['township']))}</td>",
            f"<td>{escape(label(r['tier'], lang))}</td>", f'<td class="num">{num(r["base_time_min"], 1)}</td>',
            f'<td class="num">{num(r["other_time_min"], 1)}</td>',
            f'<td class="num">{num(r["other_threshold_min"], 0)}</td>']))
    more = len(changes) - MAX_CHANGE_ROWS
    note = (f'<p class="muted">{tr(lang, f"另有 {more} 条见工作簿。", f"{more} more in the workbook.")}</p>'
            if more > 0 else "")
    return f"<table>{_head(head)}<tbody>{''.join(body)}</tbody></table>{note}"


def _changes_html(result: StudyResult, lang: str) -> str:
    changes = scenario_changes(result, lang)
    labels = scenario_labels(result, lang)
    out = []
    for name, run in dict(result.scenarios).items():
        if run.coverage is None:
            continue
        mine = changes[changes["scenario"] == labels[name]] if len(changes) else changes
        lost = mine[mine["change"] == "lost"] if len(mine) else mine
        gained = mine[mine["change"] == "gained"] if len(mine) else mine
        title = escape(labels[name])
        counts = tr(lang, f"失去覆盖 {len(lost)} 处，新增覆盖 {len(gained)} 处",
                    f"{len(lost)} lose coverage, {len(gained)} gain it")
        out.append(f"<h3>{title}：{counts}</h3>")
        if len(lost):
            what = tr(lang, "冬季失去覆盖的村/社区" if run.scenario.winter else "失去覆盖的村/社区",
                      "Settlements losing coverage in winter" if run.scenario.winter else "Settlements losing coverage")
            out.append(f"<p><b>{what}</b></p>" + _change_rows(lost, lang))
        if len(gained):
            out.append(f"<p><b>{tr(lang, '新增覆盖的村/社区', 'Settlements gaining coverage')}</b></p>"
                       + _change_rows(gained, lang))
    return "".join(out)


def scenarios_section(result: StudyResult, lang: str) -> str:
    """The scenario comparison section of the report ("" when the study defines no scenario).

    Parameters
    ----------
    result
        The study result (its ``scenarios``).
    lang
        ``"zh"`` or ``"en"``.

    Returns
    -------
    str
        HTML.
    """
    if not dict(getattr(result, "scenarios", {}) or {}):
        return ""
    labels = scenario_labels(result, lang)
    overview = scenario_overview(result, lang)
    cols = [labels[BASE]] + [labels[n] for n, r in result.scenarios.items() if r.coverage is not None]
    title = tr(lang, "八、情景比较：冬季、建设前后与其他情景", "8. Scenarios: winter, before/after siting and others")
    note = tr(lang, "第一列为现状（夏季车速与步速、现有设施）；各情景的参数如下，全部数据见工作簿。",
              "The first column is the study as configured (summer speeds, existing facilities); each scenario's "
              "parameters follow; all rows are in the workbook.")
    out: list[Any] = [f"<h2>{title}</h2>", f'<p class="muted">{note}</p>',
                      "<ul>" + "".join(_describe(r, lang) for _, r in overview.iterrows()) + "</ul>"]
    if overview["winter"].any():
        out.append(_winter_sources(lang))
    prefixes = tuple(f"{t}." for t in ("community", "township", "county")) + ("served", "under_served", "access.")
    tier_rows = scenario_comparison(result, lang, prefixes=prefixes)
    out.append(f"<h3>{tr(lang, '分层级覆盖', 'Coverage per tier')}</h3>" + _comparison_html(tier_rows, cols))
    out.append(f"<h3>{tr(lang, '政策指标对比（全域）', 'Policy scorecard side by side (overall)')}</h3>"
               + _scorecard_html(scenario_scorecards(result, lang), cols, lang))
    out.append(_changes_html(result, lang))
    return "".join(out)
