"""The single-file HTML report of a study.

The report needs nothing but a browser: its charts are drawn with HTML and
CSS (:mod:`planner.reporting.charts`), so Chinese labels use the reader's own
fonts (no CJK font is needed where the report is made).  Each section is
built by its own function; :func:`write_report_html` puts them together.
"""

from __future__ import annotations

import datetime as _dt
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from planner.codes import DataProblem, code_label
from planner.i18n import check_lang, fmt_number, label, tr
from planner.reporting.charts import CSS, bars, histogram, met_class_text, num, table_html
from planner.reporting.older_labels import older_caveats
from planner.reporting.siting_html import sites_section

if TYPE_CHECKING:
    from planner.study import StudyResult

__all__ = ["write_report_html"]

_TIERS = ("community", "township", "county")
#: Upper end of the travel-time histogram of each tier (minutes).
_HISTOGRAM_TOP = {"community": 30, "township": 60, "county": 120}


def _overall_scorecard(result: StudyResult) -> pd.DataFrame:
    card = result.coverage.scorecard
    return card[card["scope"] == "overall"] if "scope" in card else card


def _title(result: StudyResult, lang: str) -> str:
    name = result.config.name
    return tr(lang, f"{name}：养老服务设施覆盖评估报告", f"{name}: elderly-care coverage report")


def _heading(result: StudyResult, lang: str) -> str:
    """Title, date, milestone year and (for synthetic data) the warning banner."""
    cfg, cov = result.config, result.coverage
    out = [f"<h1>{escape(_title(result, lang))}</h1>",
           f'<p class="muted">{tr(lang, "生成日期", "Generated")}: {_dt.date.today().isoformat()} · '
           f'{tr(lang, "目标年份", "Milestone year")}: {cov.params.get("year", cfg.targets.milestone_year)}</p>']
    if result.synthetic:
        banner = tr(lang, "本报告基于合成（模拟）数据生成，县名、村名、人口与设施均为虚构，仅用于演示。",
                    "This report is made from synthetic (simulated) data: the county, villages, population and "
                    "facilities are invented for demonstration.")
        out.append(f'<div class="banner">{banner}</div>')
    return "".join(out)


def _summary_cards(result: StudyResult, lang: str) -> str:
    """Settlements analysed, under-served, older people in them, targets met."""
    sett = result.coverage.settlements
    under_mask = sett["status"] == "under_served"
    judged = _overall_scorecard(result)["met"].dropna()
    met = int(judged.astype(bool).sum())
    under_older = pd.to_numeric(sett["older_population"], errors="coerce")[under_mask].sum()
    cards = (
        (f"{len(sett):,}", tr(lang, "村/社区", "settlements analysed")),
        (f"{int(under_mask.sum()):,}", tr(lang, "服务不足的村/社区", "under-served settlements")),
        (num(under_older), tr(lang, "服务不足地区的老年人", "older people in under-served settlements")),
        (f"{met} / {len(judged)}", tr(lang, "政策指标达标", "policy targets met")),
    )
    body = "".join(f'<div class="card"><div class="big">{big}</div><div class="muted">{small}</div></div>'
                   for big, small in cards)
    return f'<div class="cards">{body}</div>'


def _value_text(row: pd.Series) -> tuple[str, str]:
    """An indicator's value and target as text: shares as percentages, bed counts as numbers."""
    v, t = row.get("value"), row.get("target")
    as_pct = str(row.get("indicator", "")) not in ("beds_per_1000_older", "total_beds")
    return num(v, 1, as_pct), num(t, 0, as_pct)


def _judgement(met: object, lang: str) -> str:
    cls, text = met_class_text(met, lang, na_text=tr(lang, "仅报告", "report only"))
    return f'<span class="{cls}">{text}</span>'


def _scorecard_section(result: StudyResult, lang: str) -> str:
    """1. The policy scorecard: value, target, met or not, the gap sentence and its source."""
    name_col, text_col = f"name_{lang}", f"text_{lang}"
    rows = []
    for _, r in _overall_scorecard(result).iterrows():
        v, t = _value_text(r)
        rows.append(f"<tr><td>{escape(str(r.get(name_col, '')))}</td><td class='num'>{v}</td>"
                    f"<td class='num'>{t}</td><td>{_judgement(r.get('met'), lang)}</td>"
                    f"<td>{escape(str(r.get(text_col, '') or ''))}</td>"
                    f"<td class='muted'>{escape(str(r.get('source', '') or ''))}</td></tr>")
    head = "".join(f"<th>{tr(lang, zh, en)}</th>" for zh, en in (
        ("指标", "Indicator"), ("现状", "Value"), ("目标", "Target"), ("评估", "Judgement"), ("差距", "Gap"),
        ("依据", "Source")))
    return (f"<h2>{tr(lang, '一、政策指标评估', '1. Policy scorecard')}</h2>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")


def _tier_heading(result: StudyResult, tier: str, lang: str) -> str:
    t = result.config.tiers[tier]
    rule = tr(lang, f"村 {t.rural_minutes:.0f} 分钟/{t.rural_profile}，社区 {t.minutes:.0f} 分钟/{t.profile}",
              f"villages {t.rural_minutes:.0f} min by {t.rural_profile}, "
              f"communities {t.minutes:.0f} min by {t.profile}")
    return f"<h3>{escape(label(tier, lang))}（{escape(rule)}）</h3>"  # profile names are the user's TOML keys


def _coverage_section(result: StudyResult, lang: str) -> str:
    """2. Coverage of the older population by township (one bar chart per tier) and by county (a table)."""
    cov = result.coverage
    target = result.config.targets.village_facility_share
    note_en = "Share of older population covered; red line: target."
    out = [f"<h2>{tr(lang, '二、分乡镇（街道）与分县覆盖率', '2. Coverage by township and county')}</h2>",
           f'<p class="muted">{tr(lang, "按老年人口计的覆盖率；红线为目标。", note_en)}</p>']
    for tier in _TIERS:
        col = f"{tier}_older_share"
        if col not in cov.by_township:
            continue
        out.append(_tier_heading(result, tier, lang))
        bt = cov.by_township.sort_values(col)
        out.append(bars(((str(i), float(r[col]) if pd.notna(r[col]) else np.nan, num(r[col], 0, True))
                         for i, r in bt.iterrows()), maximum=1.0,
                        mark=target if tier == "community" else None, bad_above=False))
    out.append(f"<h3>{tr(lang, '分县', 'By county')}</h3>")
    cols = [c for c in ("settlements", "served", "under_served", "served_share", "community_older_share",
                        "township_older_share", "county_older_share") if c in cov.by_county]
    out.append(table_html(cov.by_county.reset_index(), [cov.by_county.index.name or "county"] + cols, lang,
                          pct=[c for c in cols if "share" in c]))
    return "".join(out)


def _travel_time_section(result: StudyResult, lang: str) -> str:
    """3. Histograms of the time to the nearest facility of each tier (unreachable counted apart)."""
    sett = result.coverage.settlements
    out = [f"<h2>{tr(lang, '三、出行时间分布', '3. Travel-time distribution')}</h2>"]
    for tier in _TIERS:
        col = f"{tier}_time_min"
        if col not in sett:
            continue
        vals = pd.to_numeric(sett[col], errors="coerce").to_numpy(dtype=float)
        vals = np.where(np.isnan(vals), np.inf, vals)
        edges = np.linspace(0, _HISTOGRAM_TOP[tier], 11)
        name = label(tier, lang)
        heading = tr(lang, f"到最近{name}设施的时间（分钟，村/社区数）",
                     f"Time to the nearest {name.lower()} facility (minutes; settlements)")
        out.append(f"<h3>{heading}</h3>")
        out.append(histogram(vals, edges=edges, lang=lang))
    return "".join(out)


def _centre_load_bars(centres: pd.DataFrame) -> str:
    """Natural-catchment load of each centre against capacity (the median capacity is the red line)."""
    load_col = "nearest_load" if "nearest_load" in centres else "load"
    load = pd.to_numeric(centres[load_col], errors="coerce")
    cap = pd.to_numeric(centres.get("capacity"), errors="coerce")
    top = float(np.nanmax(np.r_[load.to_numpy(dtype=float), cap.to_numpy(dtype=float), 1.0]))
    rows = [(str(r.get("name", cid)), float(r[load_col]) if pd.notna(r[load_col]) else np.nan,
             f"{fmt_number(r[load_col])} / {fmt_number(r.get('capacity'))}") for cid, r in centres.iterrows()]
    cap_mark = float(np.nanmedian(cap)) if cap.notna().any() else None
    return bars(rows, maximum=top * 1.05, mark=cap_mark, colour="#d46b08")


def _centre_section(result: StudyResult, lang: str) -> str:
    """4. Township-centre loads against capacity, and the townships without a centre."""
    cov = result.coverage
    out = [f"<h2>{tr(lang, '四、乡镇区域养老服务中心负荷', '4. Township-centre loads against capacity')}</h2>"]
    cen = cov.centres
    if len(cen):
        note = tr(lang, "按就近分配的老年人数（自然服务范围）与服务能力（红线）比较；按能力约束分配后的负荷见表。",
                  "Older people whose nearest centre it is (natural catchment) against capacity (red line); "
                  "the capacity-aware assignment is in the table.")
        out.append(f'<p class="muted">{note}</p>')
        out.append(_centre_load_bars(cen))
        cols = [c for c in ("name", "township", "capacity", "nearest_load", "load", "share", "over") if c in cen]
        out.append(table_html(cen, cols, lang, pct=["share"]))
    tw = cov.townships_without_centre
    if len(tw):
        names = ", ".join(map(str, tw.index)) if tw.index.name else ", ".join(map(str, tw.iloc[:, 0]))
        out.append(f"<p><b>{tr(lang, '没有区域养老服务中心的乡镇/街道', 'Townships/streets without a centre')}</b>"
                   f"（{len(tw)}）：{escape(names)}</p>")
    return "".join(out)


def _priority_section(result: StudyResult, lang: str) -> str:
    """5. The first 50 under-served settlements in priority order."""
    us = result.coverage.under_served
    note = tr(lang, f"共 {len(us)} 个，按老年人口和缺口程度排序，列出前 50 个；完整名单见 Excel。",
              f"{len(us)} in all, ranked by older population and shortfall; the first 50 are listed, "
              "all of them in the workbook.")
    cols = [c for c in ("priority", "name", "township", "kind", "older_population", "reasons",
                        f"reason_detail_{lang}") if c in us]
    return (f"<h2>{tr(lang, '五、服务不足村/社区优先序', '5. Under-served settlements, in priority order')}</h2>"
            f'<p class="muted">{note}</p>' + table_html(us.head(50).reset_index(), cols, lang))


def _parameter_items(result: StudyResult, lang: str) -> list[str]:
    """Thresholds of each tier, each travel profile, and the township-centre capacity."""
    cfg = result.config
    minutes = label("minutes", lang)
    items = [f"<li>{escape(label(key, lang))}: {tr(lang, '社区', 'communities')} {t.minutes:.0f} {minutes} "
             f"({escape(t.profile)}), {tr(lang, '村', 'villages')} {t.rural_minutes:.0f} {minutes} "
             f"({escape(t.rural_profile)})</li>" for key, t in cfg.tiers.items()]
    for name, p in cfg.profiles.items():
        per_class = tr(lang, "（按道路等级限速）", " (per road class)") if p.highway_speeds_kmh else ""
        items.append(f"<li>{tr(lang, '出行方式', 'profile')} {escape(name)}: {p.mode}, {p.speed_kmh:.2f} km/h"
                     f"{per_class}; {tr(lang, '最大捕捉距离', 'max snapping')} "
                     f"{p.max_snap_m_urban:.0f} / {p.max_snap_m_rural:.0f} m</li>")
    items.append(f"<li>{tr(lang, '区域中心服务能力', 'Township-centre capacity')}: "
                 f"{fmt_number(cfg.targets.township_centre_capacity)}</li>")
    return items


def _layer_caveat(layer: object, lang: str) -> str:
    """Rows read, kept and excluded (and why) of one input file."""
    excluded = layer.excluded or {}
    n_ex = sum(excluded.values())
    why = {k: f"{code_label(k, lang, kind=DataProblem)} {v}" for k, v in excluded.items()}
    return tr(lang, f"{layer.file}：读取 {layer.rows_read} 行，保留 {layer.rows_kept} 行，排除 {n_ex} 行"
                    + (f"（{'；'.join(why.values())}）" if n_ex else "") + "。",
              f"{layer.file}: {layer.rows_read} rows read, {layer.rows_kept} kept, {n_ex} excluded"
              + (f" ({'; '.join(why.values())})" if n_ex else "") + ".")


def _caveats(result: StudyResult, lang: str) -> list[str]:
    """Estimated populations, rows excluded from each input, road pieces dropped, synthetic inputs."""
    sett = result.coverage.settlements
    out = []
    out.extend(older_caveats(sett, lang))
    out.extend(_layer_caveat(layer, lang) for layer in result.data.report.layers)
    dropped = result.network.dropped
    if dropped:
        what = [f"{k} {v}" for k, v in dropped.items()]
        out.append(tr(lang, "路网：" + "；".join(what), "Road network: " + "; ".join(what)))
    if result.synthetic:
        out.append(tr(lang, "全部输入为合成数据。", "All inputs are synthetic."))
    return out


def _parameters_section(result: StudyResult, lang: str) -> str:
    """7. The parameters of the run and the caveats of its data."""
    caveats = "".join(f"<li>{escape(c)}</li>" for c in _caveats(result, lang))
    return (f"<h2>{tr(lang, '七、参数与数据说明', '7. Parameters and data caveats')}</h2>"
            f"<ul>{''.join(_parameter_items(result, lang))}</ul><ul>{caveats}</ul>")


#: The sections of the report, in order.
_SECTIONS = (_heading, _summary_cards, _scorecard_section, _coverage_section, _travel_time_section,
             _centre_section, _priority_section, sites_section, _parameters_section)


def write_report_html(result: StudyResult, path: str | Path, *, lang: str = "zh") -> Path:
    """Write the single-file HTML report of a study.

    Sections: summary, policy scorecard (met / not met and gaps in counts),
    coverage by township and county (charts), travel-time distribution,
    township-centre loads against capacity, priority list of under-served
    settlements, proposed sites, parameters and data caveats.

    Parameters
    ----------
    result : StudyResult
    path : str or Path
        The HTML file (its folder is created).
    lang : {"zh", "en"}

    Returns
    -------
    Path
    """
    check_lang(lang)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = "".join(section(result, lang) for section in _SECTIONS)
    doc = (f'<!DOCTYPE html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
           f"<title>{escape(_title(result, lang))}</title><style>{CSS}</style></head>"
           f"<body><main>{body}</main></body></html>")
    path.write_text(doc, encoding="utf-8")
    return path
