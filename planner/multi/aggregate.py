"""Scorecards of many counties summed per city and for the whole study, from the counts.

Each county's run gives its scorecard row per indicator with the ``numerator``
and ``denominator`` that make its share (villages covered / villages,
townships with a centre / townships, ...).  A city's or the study's row sums
those counts and divides once: the share of villages covered in a city is
(villages covered in its counties) / (villages in its counties), never an
average of the counties' shares.  ``beds_per_1000_older`` is beds x 1000 /
older people and ``total_beds`` the sum of beds; the target, ``met`` and
``gap`` (the count still needed, as in :mod:`planner.analysis.policy`) follow
from the summed counts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from planner.errors import InputError

__all__ = ["aggregate_scorecards", "county_rows", "SCORECARD_COLUMNS", "STUDY"]

#: The scope name of the whole study's rows.
STUDY = "study"

#: Columns of an aggregated scorecard (``level`` is county / city / study).
SCORECARD_COLUMNS = [
    "level", "scope", "city", "indicator", "name_zh", "name_en", "value", "numerator", "denominator", "target",
    "met", "gap", "gap_unit", "due_year", "applies", "n_counties", "text_zh", "text_en",
]

#: Indicators whose value is not numerator / denominator.
_VALUE_RULES = {
    "total_beds": lambda num, den: num,
    "beds_per_1000_older": lambda num, den: num / den * 1000.0 if den > 0 else np.nan,
}


def county_rows(scorecard: pd.DataFrame, county: str, city: str) -> pd.DataFrame:
    """The rows of one county's scorecard that describe the county itself (scope = the county's name).

    Parameters
    ----------
    scorecard
        The county run's scorecard (:func:`planner.analysis.scorecard` output).
    county, city
        The county and its city ("" when unknown).

    Returns
    -------
    DataFrame
        Columns :data:`SCORECARD_COLUMNS`, level ``county``.
    """
    rows = scorecard[scorecard["scope"].astype(str) == county].copy()
    rows["level"] = "county"
    rows["city"] = city
    rows["n_counties"] = 1
    return rows.reindex(columns=SCORECARD_COLUMNS).reset_index(drop=True)


def _needed(target: float, den: float, num: float) -> int:
    """Smallest count to add to ``num`` so that num / den reaches ``target`` (as the county scorecard counts)."""
    return int(max(0, math.ceil(target * den - 1e-9) - num))


def _sentences(key: str, num: float, den: float, target: float, gap: int) -> tuple[str, str]:
    """The county scorecard's words for summed counts (:data:`planner.analysis.GAP_TEXTS`)."""
    from planner.analysis import GAP_TEXTS
    from planner.i18n import fmt_share

    words = GAP_TEXTS.get(key)
    if words is None:
        return "", ""
    if den <= 0:
        return words.none_zh, words.none_en
    values = {"value": fmt_share(num / den), "target": fmt_share(target), "gap": gap, "num": f"{num:.0f}",
              "den": f"{den:.0f}"}
    zh, en = (words.met_zh, words.met_en) if gap == 0 else (words.need_zh, words.need_en[gap != 1])
    try:
        return zh.format(**values), en.format(**values)
    except KeyError:  # a template with a field of its own (settlements outside the circle): the counts only
        counts = f"{values['value']} ({values['num']}/{values['den']}), target {values['target']}, gap {gap}"
        return counts, counts


def _summed(group: pd.DataFrame, level: str, scope: str, city: str) -> dict:
    first = group.iloc[0]
    num, den = float(group["numerator"].sum()), float(group["denominator"].sum())
    key = str(first["indicator"])
    rule = _VALUE_RULES.get(key)
    value = rule(num, den) if rule else (num / den if den > 0 else np.nan)
    target = float(first["target"]) if pd.notna(first["target"]) else np.nan
    has_target = not np.isnan(target) and rule is None
    met = bool(value >= target - 1e-12) if has_target and not np.isnan(value) else pd.NA
    gap = _needed(target, den, num) if has_target and den > 0 else pd.NA
    zh, en = _sentences(key, num, den, target, 0 if gap is pd.NA else int(gap)) if has_target else ("", "")
    return {"level": level, "scope": scope, "city": city, "indicator": key, "name_zh": first["name_zh"],
            "name_en": first["name_en"], "value": value, "numerator": num, "denominator": den, "target": target,
            "met": met, "gap": gap, "gap_unit": first["gap_unit"], "due_year": first["due_year"],
            "applies": first["applies"], "n_counties": int(group["n_counties"].sum()), "text_zh": zh, "text_en": en}


def aggregate_scorecards(county_frame: pd.DataFrame, *, level: str) -> pd.DataFrame:
    """Sum county scorecard rows per city (``level="city"``) or over the study (``level="study"``).

    Parameters
    ----------
    county_frame
        Rows of :func:`county_rows` for every county run.
    level
        ``"city"`` (one block per non-blank city; empty when no county has one) or ``"study"``.

    Returns
    -------
    DataFrame
        Columns :data:`SCORECARD_COLUMNS`, indicators in the order of the county scorecards.
    """
    if level not in ("city", "study"):
        raise InputError(f"level must be 'city' or 'study', not {level!r}")
    order = list(dict.fromkeys(county_frame["indicator"]))
    groups: Sequence[tuple[str, pd.DataFrame]]
    if level == "study":
        groups = [(STUDY, county_frame)]
    else:
        named = county_frame[county_frame["city"].fillna("").astype(str) != ""]
        groups = list(named.groupby("city", sort=False))
    rows = []
    for scope, frame in groups:
        for key in order:
            part = frame[frame["indicator"] == key]
            if len(part):
                rows.append(_summed(part, level, str(scope), "" if level == "study" else str(scope)))
    out = pd.DataFrame(rows, columns=SCORECARD_COLUMNS)
    out["met"] = out["met"].astype("boolean")
    out["gap"] = out["gap"].astype("Int64")
    return out
