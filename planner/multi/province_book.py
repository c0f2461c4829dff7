"""The workbook of a study of many counties (``summary.xlsx``): one sheet per level, formatted for reading.

Sheets (Chinese names and headers by default, English with ``lang="en"``):
说明 / Notes (the study, the counties run, how the sums and the ranking are made),
全域指标 / Study, 各市指标 / By city (when the county layer names cities),
各县指标 / By county, 距目标排名 / Furthest from target (every county missing each
target, furthest first, with its counts), with scenarios 情景对比 / Scenarios (study and
cities, the baseline beside each scenario) and 各县情景 / Scenarios by county
(:mod:`planner.multi.province_scenarios`), then 各县运行 / County runs (status, error,
sizes, seconds, new sites proposed per tier, folder).  Each sheet is written through
:func:`planner.reporting.readable_table` (headers with units, values in words)
and formatted by :func:`planner.reporting.format_sheet` (shares as percentages,
counts with thousands separators, frozen header, filter, fitted widths); the
scorecards' value, target and gap take a format per row (a share or a count,
the gap with its unit).
"""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd

from planner.i18n import check_lang, tr
from planner.multi.province_scenarios import scenario_comparison
from planner.multi.province_tables import furthest_from_target
from planner.multi.result import MultiResult, buffer_words

__all__ = ["write_province_workbook", "province_sheets", "province_csv_tables", "MULTI_LABELS"]

#: Headers of the multi-county tables' own columns (the others come from planner.reporting's labels).
MULTI_LABELS: dict[str, tuple[str, str]] = {
    "level": ("层级", "Level"), "city": ("地级市", "City"), "n_counties": ("县数（个）", "Counties"),
    "shortfall": ("距目标（百分点）", "Below target (share points)"), "error": ("错误", "Error"),
    "facilities": ("可服务设施数（个）", "Facilities that may serve it"),
    "road_segments": ("路段数（条）", "Road segments"), "buffer_m": ("道路缓冲距离（米）", "Road buffer (m)"),
    "seconds": ("用时（秒）", "Seconds"), "outputs": ("县报告", "County report"),
    "siting_errors": ("选址未完成", "Siting not finished"),
    "scenario_errors": ("情景未完成", "Scenarios not finished"), "scenario_label": ("情景", "Scenario"),
    "scenario": ("情景代码", "Scenario key"),
    "new_sites_county": ("建议新建县级设施（个）", "New county-tier sites proposed"),
    "new_sites_township": ("建议新建乡镇级设施（个）", "New township-tier sites proposed"),
    "new_sites_community": ("建议新建村（社区）级设施（个）", "New community-tier sites proposed"),
}
_LEVELS = {"county": ("县", "county"), "city": ("市", "city"), "study": ("全域", "whole study")}
#: The scope column's header where rows of several levels meet.
SCOPE = ("范围（全域/市/县）", "Scope (study / city / county)")
_STATUS = {"ok": ("完成", "done"), "failed": ("失败", "failed")}
#: Excel formats of a scorecard row's value and target, by indicator (default: a share).
_VALUE_FORMATS = {"total_beds": "#,##0", "beds_per_1000_older": "0.0"}


def _row_formats(lang: str):  # noqa: ANN202 - a callable for readable_table
    from planner.reporting import value_word

    def formats(table: pd.DataFrame) -> dict[str, list[str]]:
        if "indicator" not in table:
            return {}
        value = [_VALUE_FORMATS.get(str(k), "0.0%") for k in table["indicator"]]
        gap = [f'#,##0" {value_word("gap_unit", u, lang)}"' if isinstance(u, str) and u else "#,##0"
               for u in table["gap_unit"].astype(object)]
        return {"value": value, "target": value, "gap": gap}

    return formats


def _readable(frame: pd.DataFrame, lang: str, *, drop: tuple[str, ...] = (), card: bool = True,
              scope: tuple[str, str] | None = None, drop_other_lang: bool = True) -> pd.DataFrame:
    """``frame`` through readable_table, with this module's headers (``scope``: the scope column's header)."""
    from planner.reporting import readable_table

    work = frame.copy()
    if "scope" in work and "level" in work:
        work.loc[work["level"] == "study", "scope"] = tr(lang, *_LEVELS["study"])
    if "level" in work:
        work["level"] = work["level"].map(lambda v: tr(lang, *_LEVELS[v]) if v in _LEVELS else v)
    if "status" in work:
        work["status"] = work["status"].map(lambda v: tr(lang, *_STATUS[v]) if v in _STATUS else v)
    if "shortfall" in work:
        work["shortfall"] = work["shortfall"].astype(float) * 100.0
    out = readable_table(work, lang, drop=drop, row_formats=_row_formats(lang) if card else None,
                         drop_other_lang=drop_other_lang)
    keys = out.attrs["keys"]
    labels = {**MULTI_LABELS, **({"scope": scope} if scope else {})}
    out.columns = [tr(lang, *labels[k]) if k in labels else c for k, c in zip(keys, out.columns)]
    if "shortfall" in keys:
        out.attrs["row_formats"] = {**out.attrs["row_formats"], "shortfall": ["0.0"] * len(out)}
    return out


def _notes(result: MultiResult, lang: str) -> pd.DataFrame:
    cfg, ex = result.config, result.config.execution
    rows = [
        (tr(lang, "研究名称", "Study"), cfg.name),
        (tr(lang, "生成时间", "Written"), time.strftime("%Y-%m-%d %H:%M")),
        (tr(lang, "合成数据", "Synthetic data"), tr(lang, "是", "yes") if cfg.synthetic else tr(lang, "否", "no")),
        (tr(lang, "县（完成/全部）", "Counties (done / all)"), f"{len(result.outcomes)} / {len(result.counties)}"),
        (tr(lang, "县界来源", "County boundaries"),
         tr(lang, f"按名称「{ex.area}」取自内置参考数据", f"packaged reference data for {ex.area!r}") if ex.area
         else str(cfg.inputs.boundaries_county.path or "")),
        (tr(lang, "可跨县服务的层级", "Tiers served across county borders"), "、".join(ex.cross_border) or "—"),
        (tr(lang, "各县道路范围（按出行方式）", "Each county's roads, per travel profile"),
         tr(lang, "县界外扩：", "the county grown by: ") + (buffer_words(result, lang) or "—")),
        (tr(lang, "汇总方法", "How the sums are made"),
         tr(lang, "市级和全域的比例 = 各县计数之和 ÷ 各县分母之和（不是各县比例的平均）；还差 = 达到目标需增加的数量",
            "city and study shares = summed counts / summed denominators (never a mean of shares); "
            "gap = the count to add to reach the target")),
        (tr(lang, "排名方法", "How counties are ranked"),
         tr(lang, "未达标的县按（目标 − 现状）的百分点从大到小排列，相同时还差数量大者在前",
            "counties missing a target, by (target - value) in share points, largest first; ties: larger gap first")),
    ]
    if ex.area:
        rows.append((tr(lang, "老年人口总数", "Older population totals"),
                     tr(lang, "各县 60 岁及以上人口取第七次全国人口普查（2020）分县数据，"
                              "按总人口比例分配到未填写的村/社区",
                        "each county's 60+ total is the 7th national census (2020) county figure, shared among the "
                        "settlements without a count in proportion to their population")))
    if result.failures:
        rows += [(tr(lang, f"失败：{c}", f"failed: {c}"), str(e)) for c, e in result.failures.items()]
    return pd.DataFrame(rows, columns=[tr(lang, "项目", "Item"), tr(lang, "内容", "Value")])


def province_sheets(result: MultiResult, lang: str = "zh") -> dict[str, pd.DataFrame]:
    """The workbook's sheets, name -> readable table (module docstring).

    Parameters
    ----------
    result : MultiResult
    lang : {"zh", "en"}

    Returns
    -------
    dict
    """
    lang = check_lang(lang)
    other = ("name_en", "text_en") if lang == "zh" else ("name_zh", "text_zh")
    drop = ("indicator", "level", *other)
    sheets = {tr(lang, "说明", "Notes"): _notes(result, lang),
              tr(lang, "全域指标", "Study"): _readable(result.scorecard_study, lang, drop=(*drop, "city"))}
    if len(result.scorecard_city):
        sheets[tr(lang, "各市指标", "By city")] = _readable(result.scorecard_city, lang, drop=(*drop, "city"),
                                                            scope=MULTI_LABELS["city"])
    county = ("县（市、区）", "County")
    sheets[tr(lang, "各县指标", "By county")] = _readable(result.scorecard_county, lang, drop=drop, scope=county)
    ranked = furthest_from_target(result.scorecard_county)
    sheets[tr(lang, "距目标排名", "Furthest from target")] = _readable(ranked, lang, drop=("indicator", *other),
                                                                  scope=county)
    if len(result.scenario_scorecards):
        sheets[tr(lang, "情景对比", "Scenarios")] = _readable(scenario_comparison(result, lang=lang), lang,
                                                          drop=("scenario", *drop), scope=SCOPE)
        sheets[tr(lang, "各县情景", "Scenarios by county")] = _readable(
            scenario_comparison(result, levels=("county",), lang=lang), lang, drop=("scenario", *drop), scope=county)
    sheets[tr(lang, "各县运行", "County runs")] = _readable(result.counties, lang, card=False)
    return sheets


def province_csv_tables(result: MultiResult, lang: str = "zh") -> dict[str, pd.DataFrame]:
    """The summary CSVs' tables, table name -> readable table, as a county's CSVs read.

    Headers in ``lang`` with units and values in words, like the workbook's
    sheets and a single county's CSVs (:func:`planner.reporting.write_csvs`);
    every column is kept (both languages' indicator names, the indicator key),
    shares stay fractions and the shortfall is in share points.

    Parameters
    ----------
    result : MultiResult
    lang : {"zh", "en"}

    Returns
    -------
    dict
        ``counties``, ``scorecard_county``, ``scorecard_city``, ``scorecard_study``
        (:meth:`MultiResult.layers`' names) and, with scenarios, ``scenario_scorecards`` (the baseline
        beside each scenario, every level: :func:`~planner.multi.province_scenarios.scenario_comparison`).
    """
    lang = check_lang(lang)
    county = ("县（市、区）", "County")
    scopes = {"scorecard_county": county, "scorecard_city": MULTI_LABELS["city"], "scenario_scorecards": SCOPE}
    frames = dict(result.layers())
    if len(result.scenario_scorecards):
        frames["scenario_scorecards"] = scenario_comparison(result, levels=("study", "city", "county"), lang=lang)
    return {name: _readable(frame, lang, card=name != "counties", scope=scopes.get(name), drop_other_lang=False)
            for name, frame in frames.items()}


def write_province_workbook(result: MultiResult, path: str | Path, *, lang: str = "zh") -> Path:
    """Write :func:`province_sheets` to one Excel file, each sheet formatted.

    Parameters
    ----------
    result : MultiResult
    path : str or Path
    lang : {"zh", "en"}

    Returns
    -------
    Path
    """
    from planner.io import guard_text_cells, make_text_cells
    from planner.reporting import format_sheet

    path = Path(path)
    sheets = province_sheets(result, lang)
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            safe = guard_text_cells(frame, what=name, quote_formulas=False)
            safe.attrs = dict(frame.attrs)
            safe.to_excel(writer, sheet_name=name, index=False)
            ws = writer.sheets[name]
            make_text_cells(ws)
            format_sheet(ws, safe, lang)
    return path
