"""The named scenarios of a study of many counties, summed like the baseline and set beside it.

Each county runs the study file's scenarios (winter, after siting, closures, ...) as a
one-county study does; its rows of each scenario's scorecard come back with their counts,
and :func:`planner.multi.result.scenario_scorecards` sums them per city and for the study.
This module puts them beside the baseline:

* :func:`scenario_comparison`: one row per scope, indicator and scenario (the baseline first),
  with the counts that make each value; the workbook's 情景对比 / Scenarios sheet and the
  ``scenario_scorecards.csv`` read it;
* :func:`scenario_section_html`: the report's section, the study's indicators as rows and the
  baseline and each scenario as columns (value over its counts, red when it misses the target).

A scenario that did not run in some county is summed over the counties where it ran; its
``n_counties`` says over how many, and the section names the counties left out.
"""

from __future__ import annotations

from html import escape

import pandas as pd

from planner.i18n import check_lang, tr
from planner.multi.province_tables import value_cell, value_text
from planner.multi.result import MultiResult

__all__ = ["BASELINE", "scenario_comparison", "scenario_section_html"]

#: The ``scenario`` key of the baseline's rows.
BASELINE = "baseline"
_LEVELS = ("study", "city", "county")


def _label(result: MultiResult, name: str, lang: str) -> str:
    if name == BASELINE:
        return tr(lang, "现状", "baseline")
    zh, en = result.scenario_labels.get(name, (name, name))
    return tr(lang, zh, en)


def scenario_comparison(result: MultiResult, *, levels: tuple[str, ...] = ("study", "city"),
                        lang: str = "zh") -> pd.DataFrame:
    """The baseline's and every scenario's scorecard rows, side by side per scope and indicator.

    Parameters
    ----------
    result : MultiResult
    levels : tuple of str
        Which of ``study``, ``city``, ``county`` to keep.
    lang : {"zh", "en"}
        Language of ``scenario_label``.

    Returns
    -------
    pandas.DataFrame
        ``scenario`` (key, :data:`BASELINE` first), ``scenario_label``, then the scorecard columns
        (:data:`~planner.multi.aggregate.SCORECARD_COLUMNS`); ordered by level, scope, indicator,
        scenario.  Empty when the study has no scenario.
    """
    lang = check_lang(lang)
    bad = set(levels) - set(_LEVELS)
    if bad:
        raise ValueError(f"unknown level {sorted(bad)[0]!r}; levels are {', '.join(_LEVELS)}")
    scen = result.scenario_scorecards
    if not len(scen):
        return pd.DataFrame()
    base = pd.concat([result.scorecard_study, result.scorecard_city, result.scorecard_county], ignore_index=True)
    frame = pd.concat([base.assign(scenario=BASELINE), scen], ignore_index=True)
    frame = frame[frame["level"].isin(levels)].copy()
    order = [BASELINE, *dict.fromkeys(scen["scenario"])]
    indicators = list(dict.fromkeys(base["indicator"]))
    scopes = list(dict.fromkeys(frame["scope"]))
    frame["_l"] = frame["level"].map({lv: i for i, lv in enumerate(_LEVELS)})
    frame["_s"] = frame["scope"].map({s: i for i, s in enumerate(scopes)})
    frame["_i"] = frame["indicator"].map({k: i for i, k in enumerate(indicators)})
    frame["_n"] = frame["scenario"].map({k: i for i, k in enumerate(order)})
    frame = frame.sort_values(["_l", "_s", "_i", "_n"], kind="stable").reset_index(drop=True)
    frame["scenario_label"] = [_label(result, n, lang) for n in frame["scenario"]]
    rest = [c for c in frame.columns if c not in ("scenario", "scenario_label") and not c.startswith("_")]
    return frame[["scenario", "scenario_label", *rest]]


def _cell(key: str, row: pd.Series | None) -> str:
    if row is None:
        return "<td class='na'>—</td>"
    return value_cell(key, row["value"], row["met"], row["numerator"], row["denominator"])


def scenario_section_html(result: MultiResult, lang: str = "zh", *, number: str = "") -> str:
    """The report's scenario section: the study's indicators by scenario (empty without scenarios).

    Parameters
    ----------
    result : MultiResult
    lang : {"zh", "en"}
    number : str
        The section's number in the report (e.g. ``"五、"``).

    Returns
    -------
    str
        HTML.
    """
    table = scenario_comparison(result, levels=("study",), lang=lang)
    if table.empty:
        return ""
    names = list(dict.fromkeys(table["scenario"]))
    heads = [tr(lang, "指标", "Indicator"), tr(lang, "目标", "Target")]
    heads += [_label(result, n, lang) for n in names]
    rows = []
    for key, part in table.groupby("indicator", sort=False):
        first = part.iloc[0]
        by = {r["scenario"]: r for _, r in part.iterrows()}
        target = first["target"]
        t = "—" if pd.isna(target) else value_text(str(key), target)
        name = first["name_zh"] if lang == "zh" else first["name_en"]
        rows.append(f"<tr><td>{escape(str(name))}</td><td class='num'>{t}</td>"
                    + "".join(_cell(str(key), by.get(n)) for n in names) + "</tr>")
    ths = "".join(f"<th>{escape(h)}</th>" for h in heads)
    notes = _not_everywhere(result, names, lang)
    intro = tr(lang, "各情景在每个县分别计算（与现状相同的层级、阈值和目标），再由各县计数相加；红色为未达到目标。",
               "Each scenario runs in every county (the same tiers, thresholds and targets as the baseline), then "
               "the counties' counts are summed; red: below the target.")
    return (f"<h2>{escape(number)}{tr(lang, '情景对比（全域）', 'Scenarios (whole study)')}</h2>"
            f"<p class='muted'>{intro}</p>{notes}"
            f"<table><thead><tr>{ths}</tr></thead><tbody>{''.join(rows)}</tbody></table>")


def _not_everywhere(result: MultiResult, names: list[str], lang: str) -> str:
    """A note naming the counties where a scenario did not run (its sums leave them out)."""
    out = []
    for name in names:
        missing = [c for c, o in result.outcomes.items() if name not in o.scenarios]
        if name == BASELINE or not missing:
            continue
        n = len(result.outcomes) - len(missing)
        out.append(tr(lang, f"「{_label(result, name, 'zh')}」只在 {n} 个县完成，未计入：{'、'.join(missing)}",
                      f"'{_label(result, name, 'en')}' ran in {n} counties only; not summed: {', '.join(missing)}"))
    return "".join(f"<p class='notmet'>{escape(s)}</p>" for s in out)
