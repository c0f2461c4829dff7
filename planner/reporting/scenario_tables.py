"""The scenario comparison as tables: the report and the workbook both lay out these frames.

The study as configured (summer speeds, the existing facilities) is the first
column, ``现状`` / ``current``; each named scenario of the study file follows
(:attr:`planner.study.StudyResult.scenarios`).  Accessibility joins the
comparison through :func:`planner.scenarios.access_metrics` on the result's and
each run's ``access`` attribute, when they have one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from planner.i18n import tr

if TYPE_CHECKING:
    from planner.study import StudyResult

__all__ = ["BASE", "SCENARIO_COLUMNS",
           "base_label", "scenario_labels", "scenario_summaries", "scenario_overview", "scenario_comparison",
           "scenario_scorecards", "scenario_changes", "scenario_sheets", "scenario_layers",
           "scenario_lines"]

#: Key of the study as configured among the scenario columns.
BASE = "current"

#: Headers (zh, en) of the scenario tables' own columns (the others: :data:`planner.reporting.COLUMN_LABELS`).
SCENARIO_COLUMNS: dict[str, tuple[str, str]] = {
    "scenario": ("情景", "Scenario"), "label": ("名称", "Label"), "close": ("关停设施", "Facilities closed"),
    "add_sites": ("加入建议选址的层级", "Proposed sites added (tiers)"), "added_ids": ("加入的选址", "Sites added"),
    "added_supply": ("新增点假定供给（同层级现有设施中位数）", "Assumed supply of added sites (tier median)"),
    "winter": ("冬季", "Winter"), "minutes": ("社区阈值（分钟）", "Community thresholds (min)"),
    "rural_minutes": ("村阈值（分钟）", "Village thresholds (min)"), "speed_factors": ("速度系数", "Speed factors"),
    "profile_speed_factors": ("各出行方式实际速度系数", "Effective speed factor per profile"),
    "graphs_rebuilt": ("重建路网图的出行方式", "Graphs rebuilt"), "seconds": ("用时（秒）", "Seconds"),
    "error": ("未完成原因", "Why it did not run"), "metric": ("指标代码", "Metric"), "share": ("比例", "Share"),
    "change": ("变化", "Change"), "base_time_min": ("现状时间（分钟）", "Current time (min)"),
    "other_time_min": ("情景时间（分钟）", "Scenario time (min)"),
    "base_threshold_min": ("现状阈值（分钟）", "Current threshold (min)"),
    "other_threshold_min": ("情景阈值（分钟）", "Scenario threshold (min)"),
    "base_facility": ("现状最近设施", "Current nearest facility"),
    "other_facility": ("情景最近设施", "Scenario nearest facility"),
    "other_reason": ("情景原因代码", "Scenario reason"),
}


def base_label(lang: str) -> str:
    """Header of the study as configured (summer, existing facilities)."""
    return tr(lang, "现状（夏季）", "Current (summer)")


def _runs(result: StudyResult) -> dict[str, Any]:
    return dict(getattr(result, "scenarios", {}) or {})


def scenario_labels(result: StudyResult, lang: str) -> dict[str, str]:
    """Scenario key -> column header (the study as configured first); labels made unique."""
    out = {BASE: base_label(lang)}
    for name, run in _runs(result).items():
        text = run.label(lang)
        out[name] = text if text not in out.values() else f"{text} ({name})"
    return out


def scenario_summaries(result: StudyResult) -> dict[str, dict[str, float]]:
    """Scenario key -> :func:`planner.scenarios.scenario_summary` (scenarios that did not run are left out)."""
    from planner.scenarios import scenario_summary

    out = {BASE: scenario_summary(result.coverage, access=getattr(result, "access", None))}
    for name, run in _runs(result).items():
        if run.coverage is not None:
            out[name] = scenario_summary(run.coverage, access=getattr(run, "access", None))
    return out


def _text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    if isinstance(value, dict) or hasattr(value, "items"):
        return ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in dict(value).items())
    return "" if value is None else str(value)


def scenario_overview(result: StudyResult, lang: str = "zh") -> pd.DataFrame:
    """One row per scenario: what it sets, the speed factors that result, the graphs rebuilt, run time, error."""
    rows = []
    for name, run in _runs(result).items():
        p = run.params
        own = dict(p.get("scenario", {}))
        rows.append({
            "scenario": name, "label": run.label(lang),
            "close": _text(own.get("close", ())), "add_sites": _text(own.get("add_sites", ())),
            "added_ids": _text(p.get("added_ids", ())),
            "added_supply": "; ".join(f"{t}: {_text(v)}" for t, v in dict(p.get("added_supply", {})).items()),
            "winter": bool(own.get("winter", False)),
            "minutes": _text(own.get("minutes", {})), "rural_minutes": _text(own.get("rural_minutes", {})),
            "speed_factors": _text(own.get("speed_factors", {})),
            "profile_speed_factors": _text({n: v["speed_factor"] for n, v in dict(p.get("profiles", {})).items()}),
            "graphs_rebuilt": _text(p.get("graphs_rebuilt", ())), "seconds": float(p.get("seconds", np.nan)),
            "error": run.error or "",
        })
    return pd.DataFrame(rows)


def scenario_comparison(result: StudyResult, lang: str = "zh", *, prefixes: tuple[str, ...] = ("",)) -> pd.DataFrame:
    """The summaries side by side (:func:`planner.scenarios.comparison_table`), headers = scenario labels."""
    from planner.scenarios import comparison_table

    return comparison_table(scenario_summaries(result), labels=scenario_labels(result, lang), lang=lang,
                            prefixes=prefixes)


def scenario_scorecards(result: StudyResult, lang: str = "zh") -> pd.DataFrame:
    """The overall policy scorecard of each scenario side by side."""
    from planner.scenarios import scorecard_comparison

    cards = {BASE: result.coverage.scorecard}
    cards.update({n: r.coverage.scorecard for n, r in _runs(result).items() if r.coverage is not None})
    return scorecard_comparison(cards, labels=scenario_labels(result, lang))


def scenario_changes(result: StudyResult, lang: str = "zh") -> pd.DataFrame:
    """Every settlement and tier whose coverage differs from the study as configured, per scenario."""
    from planner.scenarios import coverage_changes

    labels = scenario_labels(result, lang)
    frames = []
    for name, run in _runs(result).items():
        if run.coverage is None:
            continue
        ch = coverage_changes(result.coverage, run.coverage)
        ch.insert(0, "scenario", labels[name])
        frames.append(ch)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def scenario_layers(result: StudyResult) -> dict[str, pd.DataFrame]:
    """The scenario tables as layers for the GeoPackage and CSVs (scenario keys, not labels, as names).

    Parameters
    ----------
    result
        The study result.

    Returns
    -------
    dict
        ``scenario_comparison`` (metrics x scenarios), ``scenario_scorecard`` and
        ``scenario_changes`` (settlement points that lose or gain coverage, with ``scenario``);
        empty without scenarios.
    """
    import geopandas as gpd

    from planner.scenarios import comparison_table, coverage_changes, scorecard_comparison

    runs = {n: r for n, r in _runs(result).items() if r.coverage is not None}
    if not _runs(result):
        return {}
    cards = {BASE: result.coverage.scorecard, **{n: r.coverage.scorecard for n, r in runs.items()}}
    frames = [coverage_changes(result.coverage, r.coverage).assign(scenario=n) for n, r in runs.items()]
    changes = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["settlement_id", "scenario"])
    sett = result.coverage.settlements
    points = gpd.GeoDataFrame(changes, geometry=sett.geometry.reindex(changes["settlement_id"]).to_numpy(),
                              crs=sett.crs)
    return {"scenario_comparison": comparison_table(scenario_summaries(result)).drop(columns=["label"]),
            "scenario_scorecard": scorecard_comparison(cards), "scenario_changes": points}


def scenario_lines(result: StudyResult, lang: str = "zh") -> list[str]:
    """One line per scenario for the command line: village coverage per tier against the study, losses.

    Parameters
    ----------
    result
        The study result.
    lang
        ``"zh"`` or ``"en"``.

    Returns
    -------
    list of str
    """
    from planner.i18n import fmt_share, label
    from planner.scenarios import coverage_changes

    summaries = scenario_summaries(result)
    base = summaries[BASE]
    lines = []
    for name, run in _runs(result).items():
        if run.coverage is None:
            lines.append(tr(lang, f"情景 {run.label(lang)} 未完成：{run.error}", f"Scenario {run.label(lang)} did not "
                            f"run: {run.error}"))
            continue
        mine = summaries[name]
        parts = [f"{label(t, lang)} {fmt_share(base[k], 1)} → {fmt_share(mine[k], 1)}"
                 for t in ("community", "township", "county") if (k := f"{t}.village_share") in mine]
        ch = coverage_changes(result.coverage, run.coverage)
        lost = ch.loc[ch["change"] == "lost", "settlement_id"].nunique() if len(ch) else 0
        lines.append(tr(lang, f"情景 {run.label(lang)}：行政村覆盖率 {'，'.join(parts)}；{lost} 个村/社区失去某级覆盖",
                        f"Scenario {run.label(lang)}: villages covered {', '.join(parts)}; {lost} settlements lose "
                        "coverage of some tier"))
    return lines


def _header(col: str, lang: str, column_header: Any) -> str:
    if col in SCENARIO_COLUMNS:
        return tr(lang, *SCENARIO_COLUMNS[col])
    if col.endswith(" met"):  # scorecard_comparison's "<scenario> met"
        return col.removesuffix(" met") + tr(lang, "（是否达标）", " (met)")
    return column_header(col, lang)


def _readable_comparison(frame: pd.DataFrame) -> pd.DataFrame:
    """The comparison as a reader wants it: the metric in words, shares as percentages, no internal keys."""
    out = frame.reset_index(drop=True)
    values = [c for c in out.columns if c not in ("label", "share")]
    share = out["share"].to_numpy(dtype=bool)
    out.loc[share, values] = out.loc[share, values] * 100.0
    out["label"] = [f"{lab} (%)" if s else lab for lab, s in zip(out["label"], share, strict=True)]
    return out.drop(columns=["share"])


def scenario_sheets(result: StudyResult, *, lang: str = "zh") -> dict[str, pd.DataFrame]:
    """The workbook's scenario sheets (sheet name -> frame, headers in ``lang``); empty without scenarios.

    Parameters
    ----------
    result
        The study result.
    lang
        ``"zh"`` or ``"en"``.

    Returns
    -------
    dict
    """
    from planner.reporting.labels import column_header, readable_table

    if not _runs(result):
        return {}
    out = {}
    for (zh, en), frame in (
        (("情景说明", "scenarios"), scenario_overview(result, lang)),
        (("情景对比", "scenario_comparison"), _readable_comparison(scenario_comparison(result, lang))),
        (("情景指标对比", "scenario_scorecard"), scenario_scorecards(result, lang)),
        (("情景覆盖变化", "scenario_changes"), scenario_changes(result, lang)),
    ):
        f = readable_table(frame, lang, drop_other_lang=False)  # values in words, keys kept in attrs
        f.columns = [_header(k, lang, column_header) for k in f.attrs["keys"]]
        out[tr(lang, zh, en)] = f
    return out
