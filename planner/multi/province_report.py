"""The report of a study of many counties (``report.html`` at the top of its output folder).

One page, Chinese by default (English with ``lang="en"``), printable on A4 with the
county reports' style sheet (:data:`planner.reporting.REPORT_CSS`):

1. the study's scorecard: each indicator with its counts (numerator / denominator), target, met and
   the count still needed;
2. the scorecard by city (one row per city, the indicators side by side), when the county layer names cities;
3. the scorecard by county, each county linked to its own report and map;
4. for each target, the counties furthest from it (:func:`planner.multi.province_tables.furthest_from_target`)
   with their counts, and a bar chart of their shares against the target;
5. the named scenarios summed like the baseline and set beside it, when the study has any
   (:mod:`planner.multi.province_scenarios`);
6. the counties that failed, with their errors; how the sums are made.

Sections are numbered in order whatever sections the study has.
"""

from __future__ import annotations

import logging
import time
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd

from planner.i18n import check_lang, fmt_number, fmt_share, tr
from planner.multi.province_scenarios import scenario_section_html
from planner.multi.province_tables import (
    county_links,
    furthest_from_target,
    indicator_table,
    value_cell,
    value_text,
)
from planner.multi.result import MultiResult, buffer_words

__all__ = ["province_report_html", "write_province_report", "REPORT_NAME", "RANK_TOP"]

logger = logging.getLogger(__name__)

#: The report's file name at the top of the study's output folder.
REPORT_NAME = "report.html"
#: Counties listed per target in the ranking (all of them in the workbook).
RANK_TOP = 10

def _unit(unit: object, lang: str) -> str:
    from planner.reporting import value_word

    return str(value_word("gap_unit", unit, lang)) if isinstance(unit, str) and unit else ""


def _met(v: object, lang: str) -> str:
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return '<td class="na">—</td>'
    return (f'<td class="met">{tr(lang, "达标", "met")}</td>' if bool(v)
            else f'<td class="notmet">{tr(lang, "未达标", "not met")}</td>')


def _points(shortfall: float, lang: str) -> str:
    """A shortfall of a share in percentage points."""
    return tr(lang, f"{shortfall * 100:.1f} 个百分点", f"{shortfall * 100:.1f} pp")


def _name(row: pd.Series, lang: str) -> str:
    return str(row["name_zh"] if lang == "zh" else row["name_en"])


def _counts(row: pd.Series) -> str:
    if row["indicator"] == "total_beds":
        return fmt_number(row["numerator"])
    return f"{fmt_number(row['numerator'])} / {fmt_number(row['denominator'])}"


def _scorecard_table(card: pd.DataFrame, lang: str) -> str:
    """The study's (or one city's) scorecard: indicator, value, counts, target, met, count still needed."""
    head = [tr(lang, "指标", "Indicator"), tr(lang, "现状", "Value"), tr(lang, "计数（分子/分母）", "Counts"),
            tr(lang, "目标", "Target"), tr(lang, "是否达标", "Met"), tr(lang, "还差", "Still needed"),
            tr(lang, "县数", "Counties")]
    rows = []
    for _, r in card.iterrows():
        key = str(r["indicator"])
        target = "—" if pd.isna(r["target"]) else value_text(key, r["target"])
        gap = "—" if r["gap"] is pd.NA or pd.isna(r["gap"]) else f"{fmt_number(r['gap'])} {_unit(r['gap_unit'], lang)}"
        due = tr(lang, "（目标年份未到）", "(not due yet)")
        note = "" if bool(r["applies"]) else f' <span class="muted">{due}</span>'
        rows.append(f"<tr><td>{escape(_name(r, lang))}{note}</td><td class='num'>{value_text(key, r['value'])}</td>"
                    f"<td class='num'>{_counts(r)}</td><td class='num'>{target}</td>{_met(r['met'], lang)}"
                    f"<td class='num'>{escape(gap)}</td><td class='num'>{int(r['n_counties'])}</td></tr>")
    ths = "".join(f"<th>{escape(h)}</th>" for h in head)
    return f"<table><thead><tr>{ths}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _wide_table(card: pd.DataFrame, lang: str, *, first: str, links: dict[str, dict[str, str]] | None = None,
                extra: dict[str, str] | None = None) -> str:
    """Scopes as rows, indicators as columns (the value over its counts); a value missing its target in red."""
    wide = indicator_table(card, lang=lang)
    if wide.empty:
        return ""
    keys = wide.attrs["indicators"]
    met = card.pivot_table(index="scope", columns="indicator", values="met", aggfunc="first", sort=False)
    counts = card.set_index(["scope", "indicator"])[["numerator", "denominator"]]
    counts = counts[~counts.index.duplicated()]
    cols = [f"<th>{escape(first)}</th>"] + [f"<th>{escape(str(c))}</th>" for c in wide.columns]
    if links is not None:
        cols.append(f"<th>{tr(lang, '县报告与地图', 'County report and map')}</th>")
    rows = []
    for scope, values in wide.iterrows():
        label = escape(str(scope)) + (f"<br><span class='muted'>{escape(extra[scope])}</span>"
                                      if extra and extra.get(scope) else "")
        cells = [f"<td style='white-space:nowrap'>{label}</td>"]
        for key, v in zip(keys, values.tolist()):
            ok = met.at[scope, key] if scope in met.index and key in met.columns else pd.NA
            num, den = counts.loc[(scope, key)] if (scope, key) in counts.index else (np.nan, np.nan)
            cells.append(value_cell(key, v, ok, num, den))
        if links is not None:
            ln = links.get(str(scope), {})
            parts = [f'<a href="{escape(ln[k])}">{tr(lang, w_zh, w_en)}</a>'
                     for k, w_zh, w_en in (("report", "报告", "report"), ("map", "地图", "map")) if k in ln]
            cells.append(f"<td>{' · '.join(parts) or '—'}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return f"<table><thead><tr>{''.join(cols)}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _ranking(result: MultiResult, lang: str, top: int) -> str:
    """Per target: the counties furthest from it, with their counts, and their shares against the target."""
    from planner.reporting import bar_chart

    ranked = furthest_from_target(result.scorecard_county)
    if ranked.empty:
        return f"<p>{tr(lang, '每个县都达到了每项已到期的目标。', 'Every county meets every target that is due.')}</p>"
    out = []
    head = [tr(lang, "名次", "Rank"), tr(lang, "县", "County"), tr(lang, "市", "City"), tr(lang, "现状", "Value"),
            tr(lang, "计数", "Counts"), tr(lang, "距目标", "Below target"), tr(lang, "还差", "Still needed")]
    for key, group in ranked.groupby("indicator", sort=False):
        first = group.iloc[0]
        name, target = _name(first, lang), value_text(str(key), first["target"])
        n_miss = len(group)
        shown = group.head(top)
        out.append(f"<h3>{escape(name)} — {tr(lang, '目标', 'target')} {target}</h3><p class='muted'>"
                   + tr(lang, f"{n_miss} 个县未达标，按距目标的差距（百分点）从大到小列出前 {len(shown)} 个。",
                        f"{n_miss} counties miss it; the {len(shown)} furthest below it (share points) are listed.")
                   + "</p>")
        rows = []
        for _, r in shown.iterrows():
            gap = f"{fmt_number(r['gap'])} {_unit(r['gap_unit'], lang)}"
            rows.append(f"<tr><td class='num'>{int(r['rank'])}</td><td>{escape(str(r['scope']))}</td>"
                        f"<td>{escape(str(r['city'] or ''))}</td>"
                        f"<td class='num'>{value_text(str(key), r['value'])}</td>"
                        f"<td class='num'>{_counts(r)}</td><td class='num'>{_points(r['shortfall'], lang)}</td>"
                        f"<td class='num'>{escape(gap)}</td></tr>")
        ths = "".join(f"<th>{escape(h)}</th>" for h in head)
        out.append(f"<table><thead><tr>{ths}</tr></thead><tbody>{''.join(rows)}</tbody></table>")
        bars = [(str(r["scope"]), float(r["value"]), f"{fmt_share(r['value'])} ({_counts(r)})")
                for _, r in shown.iterrows()]
        out.append(bar_chart(bars, title=name, x_label=tr(lang, "现状（占比）", "value (share)"), pct=True,
                             mark=float(first["target"]), mark_label=tr(lang, f"目标 {target}", f"target {target}"),
                             bad_above=False))
    return "".join(out)


def _failures(result: MultiResult, lang: str) -> str:
    if not result.failures:
        return ""
    items = "".join(f"<li><b>{escape(c)}</b>: {escape(str(e))}</li>" for c, e in result.failures.items())
    return (f"<h2>{tr(lang, '未完成的县', 'Counties that failed')}</h2><p>"
            + tr(lang, "以下县的计算失败（已重试），未计入市级和全域汇总：",
                 "These counties failed (after their retries) and are not in the city and study sums:")
            + f"</p><ul>{items}</ul>")


_SITE_TIERS = {"county": ("县级", "county-tier"), "township": ("乡镇级", "township-tier"),
               "community": ("村（社区）级", "community-tier")}


def _site_cards(result: MultiResult, lang: str) -> list[tuple[str, str]]:
    """New sites proposed per tier, summed over the counties whose siting of the tier finished."""
    from planner.multi.result import NEW_SITES_COLUMN

    out = []
    for tier, (zh, en) in _SITE_TIERS.items():
        col = NEW_SITES_COLUMN.format(tier=tier)
        if col not in result.counties:
            continue
        done = result.counties[col].dropna()
        note = "" if len(done) == len(result.counties) else (
            f"<br><span class='muted'>{tr(lang, f'{len(done)} 个县完成选址', f'{len(done)} counties sited')}</span>")
        out.append((tr(lang, f"建议新建{zh}设施", f"New {en} sites proposed"), f"{fmt_number(done.sum())}{note}"))
    return out


def _head(result: MultiResult, lang: str) -> str:
    cfg = result.config
    n_ok, n_all = len(result.outcomes), len(result.counties)
    cities = sorted({str(c) for c in result.counties["city"] if isinstance(c, str) and c})
    title = tr(lang, f"{cfg.name}：{n_all} 个县汇总报告", f"{cfg.name}: summary of {n_all} counties")
    out = [f"<h1>{escape(title)}</h1><p class='muted'>{time.strftime('%Y-%m-%d')}</p>"]
    if cfg.synthetic:
        words = tr(lang, "本报告基于合成（模拟）数据生成，县名、村名、人口与设施均为虚构，仅用于演示。",
                   "This report is made from synthetic (simulated) data: names, population and facilities are "
                   "invented, for demonstration only.")
        out.append(f'<div class="banner">{words}</div>')
    cards = [(tr(lang, "县（完成/全部）", "Counties (done / all)"), f"{n_ok} / {n_all}"),
             (tr(lang, "地级市", "Cities"), str(len(cities)) if cities else "—")]
    st = result.scorecard_study
    vil = st[st["indicator"] == "village_facility_coverage"]
    if len(vil):
        r = vil.iloc[0]
        cards.append((tr(lang, "村级设施覆盖率", "Village coverage"), f"{fmt_share(r['value'])}<br>"
                      f"<span class='muted'>{fmt_number(r['numerator'])} / {fmt_number(r['denominator'])}</span>"))
    cards += _site_cards(result, lang)
    out.append('<div class="cards">' + "".join(f'<div class="card"><div class="muted">{escape(k)}</div>'
                                               f'<div class="big">{v}</div></div>' for k, v in cards) + "</div>")
    out.append("<p class='screen-only'><a href='map.html'>" + tr(lang, "打开全域概览地图（各县指标）",
                                                                 "Open the overview map (county indicators)")
               + "</a></p>")
    return "".join(out)


def _numbering(lang: str):  # noqa: ANN202 - a generator of section numbers
    """Section numbers in order, whatever sections the study has: 一、二、... or 1. 2. ..."""
    zh = "一二三四五六七八九十"
    for i in range(len(zh)):
        yield f"{zh[i]}、" if lang == "zh" else f"{i + 1}. "


def _buffer_note(result: MultiResult, lang: str) -> str:
    """The roads each county's travel times were computed on: the county grown by each profile's buffer."""
    words = buffer_words(result, lang)
    if not words:
        return ""
    return "<p>" + escape(tr(
        lang, f"各县的出行时间按各出行方式分别在县界外扩以下距离以内的道路上计算：{words}。外扩距离 = 该方式最长的"
              "时间门槛 × 该方式在路网上的最高速度 + 3 × 最大吸附距离 + 最长路段，门槛以内的路线都在其中，"
              "结果与全域一次计算相同。",
        f"Each county's travel times are computed, per travel profile, on the roads within this distance of the "
        f"county: {words}. The distance = the profile's longest threshold × its fastest speed on the network "
        "+ 3 × its snapping distance + the longest road segment, so every route within a threshold lies inside "
        "and the results equal a whole-area run.")) + "</p>"


def province_report_html(result: MultiResult, *, lang: str = "zh", out_dir: str | Path = ".",
                         top: int = RANK_TOP) -> str:
    """The report of a multi-county study as one HTML page (module docstring).

    Parameters
    ----------
    result : MultiResult
    lang : {"zh", "en"}
    out_dir : str or Path
        Where the page will be written (the counties' links are relative to it).
    top : int
        Counties listed per target in the ranking.

    Returns
    -------
    str
    """
    from planner.reporting import REPORT_CSS

    lang = check_lang(lang)
    links = county_links(result, out_dir)
    num = _numbering(lang)
    body = [_head(result, lang), f"<h2>{next(num)}{tr(lang, '全域指标', 'The whole study')}</h2>",
            _scorecard_table(result.scorecard_study, lang)]
    if len(result.scorecard_city):
        body += [f"<h2>{next(num)}{tr(lang, '各市指标', 'By city')}</h2>",
                 _wide_table(result.scorecard_city, lang, first=tr(lang, "市", "City"))]
    extra = {str(r.county): str(r.city) for r in result.counties.itertuples() if isinstance(r.city, str)}
    body += [f"<h2>{next(num)}{tr(lang, '各县指标', 'By county')}</h2><p class='muted'>"
             + tr(lang, "红色为未达到目标，绿色为达到。", "Red: below the target; green: meets it.") + "</p>",
             _wide_table(result.scorecard_county, lang, first=tr(lang, "县", "County"), links=links, extra=extra),
             f"<h2>{next(num)}{tr(lang, '距目标最远的县', 'Counties furthest from each target')}</h2>",
             _ranking(result, lang, top)]
    if len(result.scenario_scorecards):
        body.append(scenario_section_html(result, lang, number=next(num)))
    body += [_failures(result, lang),
             f"<h2>{tr(lang, '计算说明', 'How the sums are made')}</h2><p>"
             + tr(lang, "市级和全域的比例由各县的计数相加后再相除（例如已覆盖村数之和 ÷ 村数之和），"
                        "不是各县比例的平均；“还差”是达到目标还需增加的数量。各县按各自的边界分别计算（见各县报告）。",
                  "City and study shares divide summed counts (villages covered in all counties / villages in all "
                  "counties), never an average of the counties' shares; 'still needed' is the count to add to "
                  "reach the target. Each county is computed within its own boundary (see its report).") + "</p>",
             _buffer_note(result, lang)]
    title = escape(tr(lang, f"{result.config.name} 汇总报告", f"{result.config.name} summary report"))
    return (f'<!DOCTYPE html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>'
            f"<style>{REPORT_CSS}</style></head><body><main>{''.join(body)}</main></body></html>")


def write_province_report(result: MultiResult, out_dir: str | Path, *, lang: str = "zh",
                          top: int = RANK_TOP, final_dir: str | Path | None = None) -> Path:
    """Write :func:`province_report_html` to ``<out_dir>/report.html``.

    Parameters
    ----------
    result : MultiResult
    out_dir : str or Path
    lang : {"zh", "en"}
    top : int
        Counties listed per target in the ranking.
    final_dir : str or Path, optional
        The folder the page ends up in when ``out_dir`` is a staging folder (the
        counties' links are relative to it; default ``out_dir``).

    Returns
    -------
    Path
    """
    path = Path(out_dir) / REPORT_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    links_from = path.parent if final_dir is None else Path(final_dir)
    path.write_text(province_report_html(result, lang=lang, out_dir=links_from, top=top), encoding="utf-8")
    logger.info("summary report written to %s", links_from / REPORT_NAME)
    return path
