"""The tables behind a multi-county study's own report, map and workbook.

* :func:`furthest_from_target`: for every indicator with a target, the counties
  that miss it, furthest first.  "Furthest" is the shortfall of the county's
  share from the target (``target - value``, in share points), so a small
  county at 20 % ranks above a large one at 70 %; ties go to the larger count
  still needed (``gap``).  The counts that make each share travel with it.
* :func:`indicator_table`: one row per county (or city), the indicators side by side.
* :func:`county_links`: each county's report and map, as links relative to the study's folder.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from planner.i18n import fmt_number, fmt_share
from planner.multi.result import MultiResult

__all__ = ["RANK_COLUMNS", "NOT_SHARES", "furthest_from_target", "indicator_table", "county_links",
           "target_indicators", "value_text", "value_cell"]

#: Indicators whose value is a count or a rate, not a share: the decimal places shown.
NOT_SHARES = {"total_beds": 0, "beds_per_1000_older": 1}

#: Columns of :func:`furthest_from_target`.
RANK_COLUMNS = ["indicator", "name_zh", "name_en", "rank", "scope", "city", "value", "numerator", "denominator",
                "target", "shortfall", "gap", "gap_unit"]


def value_text(key: str, v: object) -> str:
    """An indicator's value (or target) as text: a share as a percentage, a count or rate with its digits.

    Parameters
    ----------
    key : str
        The indicator.
    v : number

    Returns
    -------
    str
        Unescaped (``—`` when missing).
    """
    return fmt_number(v, NOT_SHARES[key]) if key in NOT_SHARES else fmt_share(v)


def value_cell(key: str, value: object, met: object, numerator: float, denominator: float) -> str:
    """A report table cell: the value over its counts, red when it misses its target, green when it meets it.

    Parameters
    ----------
    key : str
        The indicator.
    value, met : object
        Its value and whether it meets the target (NA: no target).
    numerator, denominator : float
        The counts that make the value (not shown for ``total_beds`` or an empty denominator).

    Returns
    -------
    str
        One ``<td>``.
    """
    cls = "num" if met is None or met is pd.NA or pd.isna(met) else ("num met" if bool(met) else "num notmet")
    sub = ""
    if key != "total_beds" and denominator > 0:
        sub = f"<br><span class='muted'>{fmt_number(numerator)} / {fmt_number(denominator)}</span>"
    return f"<td class='{cls}'>{value_text(key, value)}{sub}</td>"


def target_indicators(card: pd.DataFrame) -> list[str]:
    """Indicators of a scorecard that have a target and apply this year, in the scorecard's order.

    Parameters
    ----------
    card : pandas.DataFrame
        A scorecard of :mod:`planner.multi.aggregate` (any level).

    Returns
    -------
    list of str
    """
    if card.empty:
        return []
    has = card["target"].notna() & card["applies"].fillna(False).astype(bool)
    return list(dict.fromkeys(card.loc[has, "indicator"].astype(str)))


def furthest_from_target(card: pd.DataFrame, *, top: int | None = None) -> pd.DataFrame:
    """The counties (or cities) missing each target, furthest first (module docstring).

    Parameters
    ----------
    card : pandas.DataFrame
        :attr:`MultiResult.scorecard_county` (or ``scorecard_city``).
    top : int, optional
        Keep the first ``top`` of each indicator (default: all that miss it).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`RANK_COLUMNS`; ``rank`` counts from 1 within each indicator; ``shortfall`` is
        ``target - value`` (share points); an indicator every county meets has no row.
    """
    parts = []
    for key in target_indicators(card):
        missed = card["met"].astype("boolean").eq(False).fillna(False).to_numpy(dtype=bool)
        rows = card[(card["indicator"] == key).to_numpy() & missed].copy()
        rows = rows[rows["value"].notna()]
        if rows.empty:
            continue
        rows["shortfall"] = rows["target"].astype(float) - rows["value"].astype(float)
        rows["gap_sort"] = rows["gap"].astype("Float64").fillna(0.0)
        rows = rows.sort_values(["shortfall", "gap_sort", "scope"], ascending=[False, False, True], kind="stable")
        rows["rank"] = np.arange(1, len(rows) + 1)
        parts.append(rows.head(top) if top is not None else rows)
    if not parts:
        return pd.DataFrame(columns=RANK_COLUMNS)
    return pd.concat(parts, ignore_index=True)[RANK_COLUMNS]


def indicator_table(card: pd.DataFrame, *, lang: str = "zh") -> pd.DataFrame:
    """One row per scope (county or city), one column per indicator's value, in the scorecard's order.

    Parameters
    ----------
    card : pandas.DataFrame
        A scorecard of :mod:`planner.multi.aggregate`.
    lang : {"zh", "en"}
        Language of the indicator names (the column headers).

    Returns
    -------
    pandas.DataFrame
        Indexed by scope; ``attrs["indicators"]`` lists the indicator keys of the columns.
    """
    if card.empty:
        return pd.DataFrame()
    order = list(dict.fromkeys(card["indicator"].astype(str)))
    names = card.drop_duplicates("indicator").set_index("indicator")["name_zh" if lang == "zh" else "name_en"]
    wide = card.pivot_table(index="scope", columns="indicator", values="value", aggfunc="first", sort=False)
    wide = wide.reindex(index=list(dict.fromkeys(card["scope"])), columns=order)
    wide.attrs["indicators"] = order
    wide.columns = [str(names[k]) for k in order]
    return wide


def county_links(result: MultiResult, out_dir: str | Path) -> dict[str, dict[str, str]]:
    """Each finished county's ``report`` and ``map`` as paths relative to ``out_dir`` (``/`` separated).

    Parameters
    ----------
    result : MultiResult
    out_dir : str or Path
        The folder of the page that links to them.

    Returns
    -------
    dict
        County -> {"report": ..., "map": ...}; a county without written outputs has no entry.
    """
    out: dict[str, dict[str, str]] = {}
    base = Path(out_dir).resolve()
    for county, outcome in result.outcomes.items():
        paths: Mapping[str, str] = outcome.outputs
        links = {k: Path(os.path.relpath(Path(paths[k]).resolve(), base)).as_posix()
                 for k in ("report", "map") if paths.get(k)}
        if links:
            out[county] = links
    return out
