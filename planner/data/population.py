"""Older population (60+) for settlements that have no count.

Village and township population by age is not published in China; county
totals are (the 7th census, 2020).  Planners usually know the 60+ count of
some settlements (communities keep registers) and the county total.  The
rest is filled in by this rule, and every filled value is flagged
``older_estimated = True`` so reports can say it is an estimate.

Allocation rule (``population.allocation = "proportional"``)
-------------------------------------------------------------
1. **Townships first.**  For every township with a known older total ``T``
   (``population.township_older_totals``): ``C`` = sum of the counted
   ``older_population`` of its settlements; the remainder ``R = T - C`` is
   split among its settlements lacking a count, in proportion to their
   total ``population``.
2. **Then counties**, the same way, with ``T`` from
   ``population.county_older_totals`` (or, for counties not listed there, the
   ``pop60plus`` column of ``population.census_csv``) and ``C`` including the
   values allocated in step 1.
3. **Missing total population.**  A settlement lacking a count *and* a total
   population gets the mean population of the other settlements in the same
   split as its weight; when none of them has a population the remainder is
   split equally.  Either way a ``POPULATION_SPLIT_EQUALLY`` warning names
   the area and the settlements.
4. **Counted exceeds total** (``R < 0``): the settlements lacking a count get
   0 and an ``OLDER_EXCEEDS_TOTAL`` warning is given: the total or the counts
   are wrong.
5. **Part of a county.**  Before step 2, a county total is scaled to the
   share of the county the study covers, or not allocated
   (:mod:`planner.data.county_share`, ``PARTIAL_COUNTY`` warning).
6. **Check.**  Where an estimate exceeds a settlement's residents, or a
   township's 60+ total its residents, an ``ESTIMATED_OLDER_EXCEEDS_POPULATION``
   warning names the settlements or the township; such an estimate is then
   capped at the settlement's residents (rule ``CAPPED``): never more older
   people than residents, the excess is not allocated elsewhere.
7. Settlements still without a value (no total known for their township or
   county, or ``allocation = "none"``) keep NaN and get a
   ``MISSING_OLDER_POPULATION`` warning per area.

Allocated values are not rounded, so they add up exactly to the remainder
(capped values excepted).  Every settlement carries the source of its figure
(``older_source``: counted, township total, county total, census total, the
county total scaled to the part of the county studied, or unknown) and the rule
that made it (``older_rule``), so every estimate is labelled where it is shown.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner.codes import DataProblem, OlderRule, OlderSource
from planner.config import PopulationConfig
from planner.data.county_share import CountyShare, scale_partial_counties
from planner.data.validation import Problem, ProblemLog
from planner.errors import DataError
from planner.i18n import check_lang, tr
from planner.io import read_layer, recognise_columns
from planner.results import FrozenParams

__all__ = [
    "PopulationAllocation",
    "allocate_older_population",
    "county_older_totals_from_census",
    "older_source_lines",
]

logger = logging.getLogger(__name__)

_RECORD_COLUMNS = [
    "level", "area", "known_total", "counted", "remainder", "allocated", "n_estimated", "method",
]


@dataclass(frozen=True)
class PopulationAllocation(FrozenParams):
    """Result of :func:`allocate_older_population`.

    Attributes
    ----------
    settlements
        Copy of the input with ``older_population`` filled, ``older_estimated``
        set, and per settlement where its figure comes from (``older_source``,
        a :class:`~planner.codes.OlderSource` name) and how it was made
        (``older_rule``, a :class:`~planner.codes.OlderRule` name).
    records
        One row per township/county split: ``level`` (township/county),
        ``area``, ``known_total``, ``counted``, ``remainder``, ``allocated``,
        ``n_estimated`` (settlements filled), ``method``
        (``proportional``/``equal``/``mixed``/``none``).
    problems
        Warnings (see the module docstring).
    params
        The :class:`PopulationConfig` used, and the county totals applied.
    county_shares
        The counties the study covers only part of, and what was done with their totals
        (:mod:`planner.data.county_share`).
    """

    settlements: pd.DataFrame
    records: pd.DataFrame
    problems: tuple[Problem, ...]
    params: Mapping[str, Any]
    county_shares: tuple[CountyShare, ...] = ()

    @property
    def estimated_share(self) -> float:
        """Share of the older population that is estimated (0 when none is known)."""
        s = self.settlements
        total = float(np.nansum(s["older_population"].to_numpy(dtype=float)))
        if total <= 0:
            return 0.0
        est = float(np.nansum(s.loc[s["older_estimated"], "older_population"].to_numpy(dtype=float)))
        return est / total


def county_older_totals_from_census(path: str | Path) -> tuple[dict[str, float], tuple[str, ...]]:
    """County older (60+) totals from a census table with columns ``区县`` and ``pop60plus``.

    Parameters
    ----------
    path
        CSV or Excel file (any encoding :func:`planner.io.read_layer` reads).

    Returns
    -------
    (totals, ambiguous)
        ``totals``: county name -> 60+ count.  Names that occur on more than
        one row (e.g. two cities each have a 向阳区) are left out and listed
        in ``ambiguous``: put them in ``county_older_totals`` explicitly.

    Raises
    ------
    DataError
        When the columns are missing (naming the columns found) or a value is not a number.
    """
    raw = read_layer(path)
    match = recognise_columns(raw.columns, ["county", "older_population"],
                              required=["county", "older_population"])
    if not match.ok:
        raise DataError(
            f"{path}: census table needs columns 区县 and pop60plus; found {', '.join(match.found)}; "
            "fix: rename the columns"
        )
    names = raw.frame[match.columns["county"]].astype(str).str.strip()
    values = pd.to_numeric(raw.frame[match.columns["older_population"]], errors="coerce")
    bad = values.isna() & raw.frame[match.columns["older_population"]].notna()
    if bad.any():
        row = int(values.index[bad.to_numpy()][0])
        raise DataError(
            f"{path}: row {row}: {match.columns['older_population']} "
            f"{raw.frame.loc[row, match.columns['older_population']]!r} is not a number; fix: correct it"
        )
    dup = names.duplicated(keep=False)
    totals = {n: float(v) for n, v, d in zip(names, values, dup) if not d and pd.notna(v)}
    return totals, tuple(sorted(set(names[dup])))


def _split(remainder: float, pop: np.ndarray) -> tuple[np.ndarray, str]:
    """Split ``remainder`` over weights ``pop`` (NaN weights -> mean of the known ones)."""
    n = pop.shape[0]
    known = np.isfinite(pop) & (pop >= 0)
    # weights are normalised before scaling so tiny populations cannot underflow
    if known.all() and pop.sum() > 0:
        return remainder * (pop / pop.sum()), "proportional"
    if known.any() and pop[known].sum() > 0:
        w = np.where(known, pop, pop[known].mean())
        return remainder * (w / w.sum()), "mixed"
    return np.full(n, remainder / n), "equal"


@dataclass(frozen=True)
class _Work:
    """The allocation in progress: the copied frame, the arrays being filled, problems and records."""

    out: pd.DataFrame
    older: np.ndarray
    pop: np.ndarray
    estimated: np.ndarray
    file: str
    ids: list[str]
    rows: Mapping[str, int] | None
    colname: dict[str, str]
    source: np.ndarray  # OlderSource per settlement
    rule: np.ndarray  # OlderRule per settlement
    log: ProblemLog = field(default_factory=ProblemLog)
    records: list[dict] = field(default_factory=list)

    def row_list(self, mask: np.ndarray) -> str:
        """The first 20 settlements of ``mask`` as ``id(row n)``, and how many more."""
        names = []
        for i in np.flatnonzero(mask)[:20]:
            r = self.rows.get(self.ids[i]) if self.rows else None
            names.append(f"{self.ids[i]}" + (f"(row {r})" if r is not None else ""))
        more = int(mask.sum()) - len(names)
        return ", ".join(names) + (f" … +{more}" if more > 0 else "")


def _start(settlements: pd.DataFrame, *, file: str, rows: Mapping[str, int] | None,
           columns: Mapping[str, str] | None) -> _Work:
    """Copy the frame and read its counts; counted values are never changed."""
    out = settlements.copy()
    estimated = np.zeros(len(out), dtype=bool)
    if "older_estimated" in out.columns:
        estimated |= out["older_estimated"].fillna(False).to_numpy(dtype=bool)
    colname = {"population": "population", "older_population": "older_population", "county": "county"}
    colname.update(columns or {})
    older = pd.to_numeric(out["older_population"], errors="coerce").to_numpy(dtype=float).copy()
    known = np.isfinite(older)
    return _Work(
        out=out, older=older,
        pop=pd.to_numeric(out["population"], errors="coerce").to_numpy(dtype=float),
        estimated=estimated, file=file, ids=[str(i) for i in out.index], rows=rows, colname=colname,
        source=np.where(known, OlderSource.COUNTED, OlderSource.UNKNOWN).astype(object),
        rule=np.where(known, OlderRule.AS_COUNTED, OlderRule.NONE).astype(object),
    )


def _allocate_level(work: _Work, level: str, totals: Mapping[str, float],
                    sources: Mapping[str, OlderSource]) -> None:
    """Steps 1 and 2: split each known ``level`` total over the area's settlements lacking a count.

    ``sources``: area -> where its total comes from (labels the settlements filled).
    """
    if level not in work.out.columns:
        return
    area_names = work.out[level].fillna("").astype(str).to_numpy()
    for area in sorted(set(area_names) - {""}):
        if area not in totals:
            continue
        in_area = area_names == area
        missing = in_area & np.isnan(work.older)
        if missing.any():
            _allocate_area(work, level, area, float(totals[area]), in_area, missing)
            work.source[missing] = sources[area]


def _allocate_area(work: _Work, level: str, area: str, total: float, in_area: np.ndarray,
                   missing: np.ndarray) -> None:
    """Split ``total`` minus the counted values of ``in_area`` over ``missing`` (steps 3 and 4)."""
    counted = float(np.nansum(work.older[in_area]))
    remainder = total - counted
    if remainder < 0:
        _warn_counted_exceeds(work, area, counted, total, int(missing.sum()))
        remainder = 0.0
    values, method = _split(remainder, work.pop[missing])
    if method != "proportional":
        listed = work.row_list(missing & ~np.isfinite(work.pop))
        work.log.add(
            work.file, None, work.colname["population"], area, DataProblem.POPULATION_SPLIT_EQUALLY,
            f"{area}：以下村/社区缺少总人口，老年人口按平均值分配：{listed}",
            "在总人口列填写这些村/社区的常住人口",
            severity="warning",
            message_en=f"{area}: these settlements have no total population, so the older "
                       f"population was split equally: {listed}",
            fix_en="fill in the total population of these settlements",
        )
    work.older[missing] = values
    work.estimated[missing] = True
    work.rule[missing] = {"proportional": OlderRule.PROPORTIONAL, "mixed": OlderRule.MIXED,
                          "equal": OlderRule.EQUAL}[method]
    work.records.append({
        "level": level, "area": area, "known_total": total, "counted": counted,
        "remainder": total - counted, "allocated": float(values.sum()),
        "n_estimated": int(missing.sum()), "method": method,
    })


def _warn_counted_exceeds(work: _Work, area: str, counted: float, total: float, n_missing: int) -> None:
    work.log.add(
        work.file, None, work.colname["older_population"], area, DataProblem.OLDER_EXCEEDS_TOTAL,
        f"{area}：各村/社区已填的老年人口合计 {counted:g} 超过已知总数 {total:g}，"
        f"其余 {n_missing} 个村/社区按 0 计",
        f"核对 {area} 的老年人口总数或各村/社区填报的数字",
        severity="warning",
        message_en=f"{area}: counted older population {counted:g} exceeds the known total "
                   f"{total:g}; the {n_missing} settlements without a count get 0",
        fix_en=f"check the total for {area} or the settlements' counts",
    )


def _unfilled_fix(area: str, county_column: str) -> tuple[str, str]:
    """How to fill the settlements of ``area`` (a county, or ``""`` for none) that have no value (zh, en)."""
    if area:
        return (f"填写这些村/社区的60岁以上人口，或在配置 [population.county_older_totals] 中给出 "
                f"\"{area}\" 的老年人口总数（或 census_csv）",
                f"fill in their 60+ population, or give the total for \"{area}\" in "
                "[population.county_older_totals] (or census_csv)")
    return (f"填写这些村/社区的60岁以上人口，或填写「{county_column}」列"
            "（或提供县界，按位置补全）并给出该县的老年人口总数",
            f"fill in their 60+ population, or fill in '{county_column}' (or give county "
            "boundaries) and the county's older total")


def _report_unfilled(work: _Work) -> None:
    """Step 5: one MISSING_OLDER_POPULATION warning and one ``none`` record per county still lacking values."""
    still = np.isnan(work.older)
    if not still.any():
        return
    out = work.out
    groups = out["county"].fillna("").astype(str).to_numpy() if "county" in out.columns \
        else np.array([""] * len(out))
    for area in sorted(set(groups[still])):
        mask = still & (groups == area)
        fix_zh, fix_en = _unfilled_fix(area, work.colname["county"])
        n, listed = int(mask.sum()), work.row_list(mask)
        work.log.add(
            work.file, None, work.colname["older_population"], area or None, DataProblem.MISSING_OLDER_POPULATION,
            f"{area or '（未填县）'}：{n} 个村/社区没有老年人口，也没有可分配的总数：{listed}",
            fix_zh,
            severity="warning",
            message_en=f"{area or '(no county)'}: {n} settlements have no older population "
                       f"and no total to allocate from: {listed}",
            fix_en=fix_en,
        )
        work.records.append({
            "level": "county", "area": area, "known_total": np.nan,
            "counted": float(np.nansum(work.older[groups == area])), "remainder": np.nan,
            "allocated": 0.0, "n_estimated": 0, "method": "none",
        })


def _check_estimates(work: _Work) -> None:
    """Step 6: estimates above the residents named (per county and per township), then capped at the residents."""
    _warn_estimates(work)
    over = work.estimated & np.isfinite(work.pop) & (work.older > work.pop)
    work.older[over] = work.pop[over]
    work.rule[over] = OlderRule.CAPPED


def _warn_estimates(work: _Work) -> None:
    """Estimates above the residents, per county (settlements listed) and per township (before the cap)."""
    over = work.estimated & np.isfinite(work.pop) & (work.older > work.pop)
    out = work.out
    counties = out["county"].fillna("").astype(str).to_numpy() if "county" in out.columns else np.full(len(out), "")
    for area in sorted(set(counties[over])):
        mask = over & (counties == area)
        n, listed = int(mask.sum()), work.row_list(mask)
        work.log.add(
            work.file, None, work.colname["older_population"], area or None,
            DataProblem.ESTIMATED_OLDER_EXCEEDS_POPULATION,
            f"{area or '（未填县）'}：{n} 个村/社区估算的60岁以上人口大于其总人口，已按总人口封顶"
            f"（多出的部分不再分配）：{listed}",
            "已知总数对这些村/社区来说太大：核对老年人口总数是否只属于研究区，或这些村/社区的总人口",
            severity="warning",
            message_en=f"{area or '(no county)'}: the estimated 60+ population exceeds the residents of {n} "
                       f"settlements and was capped at the residents (the excess is not allocated): {listed}",
            fix_en="the known total is too large for these settlements: check that it covers only the study "
                   "area, and their total populations",
        )
    if "township" not in out.columns:
        return
    towns = out["township"].fillna("").astype(str).to_numpy()
    for town in sorted(set(towns[work.estimated & (work.older > 0)]) - {""}):
        t = towns == town
        if not np.isfinite(work.pop[t]).all() or np.nansum(work.older[t]) <= work.pop[t].sum():
            continue
        older, pop = float(np.nansum(work.older[t])), float(work.pop[t].sum())
        work.log.add(
            work.file, None, work.colname["older_population"], town,
            DataProblem.ESTIMATED_OLDER_EXCEEDS_POPULATION,
            f"{town}：60岁以上人口合计 {older:,.0f}（含估算）大于总人口 {pop:,.0f}",
            "核对老年人口总数是否只属于研究区，或各村/社区的人口",
            severity="warning",
            message_en=f"{town}: its 60+ population {older:,.0f} (partly estimated) exceeds its residents {pop:,.0f}",
            fix_en="check that the known totals cover only the study area, and the settlements' populations",
        )


def allocate_older_population(
    settlements: pd.DataFrame,
    population: PopulationConfig,
    *,
    file: str = "settlements",
    rows: Mapping[str, int] | None = None,
    census_totals: Mapping[str, float] | None = None,
    columns: Mapping[str, str] | None = None,
    area_shares: Mapping[str, float] | None = None,
    county_population: Mapping[str, float] | None = None,
) -> PopulationAllocation:
    """Fill missing older population from township and county totals.

    Parameters
    ----------
    settlements
        Frame with ``township``, ``county``, ``population`` and
        ``older_population`` (NaN = not counted); not modified.
    population
        The study's population settings (totals, ``allocation``).
    file
        File name used in problems.
    rows
        Settlement id -> source row number, to name rows in problems.
    census_totals
        County totals read from ``population.census_csv`` (see
        :func:`county_older_totals_from_census`); ``county_older_totals``
        entries take precedence.
    columns
        Field -> column name in the user's file (``population``,
        ``older_population``, ``county``), so problems name the user's columns.
    area_shares, county_population
        County -> share of its area the study's township boundaries cover, and
        county -> census residents (:mod:`planner.data.county_share`): county
        totals are scaled to the part of the county the study covers.

    Returns
    -------
    PopulationAllocation
    """
    work = _start(settlements, file=file, rows=rows, columns=columns)
    county_totals = dict(census_totals or {})
    county_totals.update(population.county_older_totals)
    shares: tuple[CountyShare, ...] = ()
    if population.allocation == "proportional":
        _allocate_level(work, "township", population.township_older_totals,
                        dict.fromkeys(population.township_older_totals, OlderSource.TOWNSHIP_TOTAL))
        county_totals, partial, shares = scale_partial_counties(
            county_totals, settlements, file=file, column=work.colname["older_population"],
            area_shares=area_shares or {}, county_population=county_population or {})
        work.log.extend(partial)
        sources = {c: OlderSource.COUNTY_TOTAL if c in population.county_older_totals else OlderSource.CENSUS_TOTAL
                   for c in county_totals}
        sources.update({sh.county: OlderSource.COUNTY_PART for sh in shares if np.isfinite(sh.used_total)})
        _allocate_level(work, "county", county_totals, sources)
        _check_estimates(work)
    _report_unfilled(work)
    out = work.out
    out["older_population"] = work.older
    out["older_estimated"] = work.estimated
    out["older_source"] = pd.Series(work.source, index=out.index).astype(str)
    out["older_rule"] = pd.Series(work.rule, index=out.index).astype(str)
    frame = pd.DataFrame(work.records, columns=_RECORD_COLUMNS)
    logger.debug("older population allocation: %s", frame.to_dict("records"))
    return PopulationAllocation(
        settlements=out,
        records=frame,
        problems=tuple(work.log.problems),
        params={"config": population, "county_totals": county_totals},
        county_shares=shares,
    )


def older_source_lines(settlements: pd.DataFrame, lang: str = "zh") -> list[str]:
    """One sentence per (source, rule) of the estimated and unknown older populations, for reports.

    Parameters
    ----------
    settlements
        Settlements with ``older_source`` and ``older_rule``
        (:func:`allocate_older_population`); without them: no line.
    lang
        ``"zh"`` or ``"en"``.

    Returns
    -------
    list of str
        E.g. "12 个村/社区的60岁以上人口为估算：来源 普查表县60岁以上人口；方法 总数减已填数后按总人口比例分配".
    """
    check_lang(lang)
    if "older_source" not in settlements or "older_rule" not in settlements:
        return []
    lines = []
    groups = settlements.groupby([settlements["older_source"].astype(str), settlements["older_rule"].astype(str)])
    for (src, rule), g in groups:
        if src == OlderSource.COUNTED:
            continue
        n = len(g)
        if src == OlderSource.UNKNOWN:
            lines.append(tr(lang, f"{n} 个村/社区的60岁以上人口未知（不计为 0）。",
                            f"The 60+ population of {n} settlements is unknown (not counted as 0)."))
            continue
        s_lab, r_lab = OlderSource[src].label(lang), OlderRule[rule].label(lang)
        lines.append(tr(lang, f"{n} 个村/社区的60岁以上人口为估算（标注“估算”）：来源 {s_lab}；方法 {r_lab}。",
                        f"The 60+ population of {n} settlements is estimated (marked 'estimated'): "
                        f"source {s_lab}; rule {r_lab}."))
    return lines
