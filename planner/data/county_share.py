"""How much of a county the study covers, and what that means for the county's older-population total.

A county's 60+ total (census, or ``county_older_totals``) counts the whole
county.  Split over a study that holds only part of it (a few streets of a
district), it gives more older people than residents.  Two measures say how
much of a county the study covers:

* **area**: the share of the county polygon (``boundaries_county``) covered
  by the township boundaries (``boundaries_township``), when both are given;
* **residents**: the study's settlements' total population over the county's
  census population (``人口数_合计`` or ``总人口`` of ``population.census_csv``).

Rule (:func:`scale_partial_counties`), per county with a total:

1. area share at least :data:`WHOLE_AREA_SHARE`: the whole county; the total is used as given.
2. else residents share below :data:`PARTIAL_SHARE`: the total is scaled by
   that share (i.e. the county's 60+ rate applied to the study's residents),
   with a ``PARTIAL_COUNTY`` warning.
3. else area share below :data:`WHOLE_AREA_SHARE` (residents unknown): the
   total is not allocated (it cannot be split to part of a county without
   knowing how many live there), with a ``PARTIAL_COUNTY`` warning and the fix.
4. otherwise the total is used as given.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner.codes import DataProblem
from planner.data.validation import Problem, ProblemLog
from planner.geo import utm_crs_for
from planner.io import read_layer
from planner.io.columns import norm_name

__all__ = [
    "WHOLE_AREA_SHARE",
    "PARTIAL_SHARE",
    "CountyShare",
    "county_area_shares",
    "county_population_from_census",
    "scale_partial_counties",
    "unverified_coverage",
]

#: A study covering at least this share of a county's area covers the whole county.
WHOLE_AREA_SHARE = 0.9
#: A study whose settlements hold less than this share of a county's census residents covers part of it.
PARTIAL_SHARE = 0.8

#: Census columns holding a county's total residents (first found wins).
_POPULATION_COLUMNS = ("人口数_合计", "总人口", "常住人口", "人口数", "population", "pop")


@dataclass(frozen=True)
class CountyShare:
    """What part of one county the study covers, and what was done with its total.

    Parameters
    ----------
    county
        County name.
    area_share
        Share of the county polygon covered by the township boundaries (NaN unknown).
    residents_share
        The study's residents over the county's census residents (NaN unknown).
    full_total
        The county's 60+ total as given.
    used_total
        The total allocated (scaled, or NaN when refused).
    """

    county: str
    area_share: float
    residents_share: float
    full_total: float
    used_total: float


def county_area_shares(counties: gpd.GeoDataFrame | None, townships: gpd.GeoDataFrame | None) -> dict[str, float]:
    """County name -> share of its polygon covered by the township boundaries (both layers needed).

    Areas are measured in the UTM zone of the counties.
    """
    if counties is None or townships is None or not len(counties) or not len(townships):
        return {}
    crs = utm_crs_for(shapely.union_all(counties.geometry.to_numpy()))
    cty = counties.to_crs(crs)
    towns = shapely.union_all(townships.to_crs(crs).geometry.to_numpy())
    out = {}
    for name, geom in zip(cty.index, cty.geometry):
        if geom is None or geom.is_empty or geom.area <= 0:
            continue
        out[str(name)] = float(shapely.intersection(geom, towns).area / geom.area)
    return out


def county_population_from_census(path: str | Path) -> dict[str, float]:
    """County name -> census total residents from the census table (empty when it has no such column).

    Names that occur on more than one row are left out (see
    :func:`planner.data.population.county_older_totals_from_census`).
    """
    raw = read_layer(path)
    by_norm = {norm_name(c): c for c in raw.columns}
    county = next((by_norm[norm_name(c)] for c in ("区县", "县", "county", "district") if norm_name(c) in by_norm),
                  None)
    pop = next((by_norm[norm_name(c)] for c in _POPULATION_COLUMNS if norm_name(c) in by_norm), None)
    if county is None or pop is None:
        return {}
    names = raw.frame[county].astype(str).str.strip()
    values = pd.to_numeric(raw.frame[pop], errors="coerce")
    dup = names.duplicated(keep=False)
    return {n: float(v) for n, v, d in zip(names, values, dup) if not d and pd.notna(v) and v > 0}


def _study_residents(pop: np.ndarray) -> float:
    """Residents of a county's settlements: known counts, unknown ones at the mean of the known (NaN if none)."""
    known = np.isfinite(pop)
    if not known.any():
        return math.nan
    return float(pop[known].sum() + (~known).sum() * pop[known].mean())


def _pct(x: float) -> str:
    return f"{x:.1%}"


def scale_partial_counties(
    totals: Mapping[str, float], settlements: pd.DataFrame, *, file: str, column: str,
    area_shares: Mapping[str, float], county_population: Mapping[str, float],
) -> tuple[dict[str, float], tuple[Problem, ...], tuple[CountyShare, ...]]:
    """County totals fitted to the part of each county the study covers (module docstring's rule).

    Parameters
    ----------
    totals
        County -> 60+ total for the whole county.
    settlements
        Frame with ``county`` and ``population``.
    file, column
        Settlement file and its 60+ column, for problems.
    area_shares
        :func:`county_area_shares`.
    county_population
        :func:`county_population_from_census`.

    Returns
    -------
    (totals, problems, shares)
        The totals to allocate (refused counties left out), the ``PARTIAL_COUNTY``
        warnings, and one :class:`CountyShare` per county found partial.
    """
    log = ProblemLog()
    out = dict(totals)
    shares: list[CountyShare] = []
    if "county" not in settlements.columns or "population" not in settlements.columns:
        return out, (), ()
    counties = settlements["county"].fillna("").astype(str).to_numpy()
    pop = pd.to_numeric(settlements["population"], errors="coerce").to_numpy(dtype=float)
    for name in sorted(set(counties) & set(totals)):
        area = float(area_shares.get(name, math.nan))
        if area >= WHOLE_AREA_SHARE:
            continue
        residents = _study_residents(pop[counties == name])
        county_pop = float(county_population.get(name, math.nan))
        share = residents / county_pop if county_pop > 0 else math.nan
        total = float(totals[name])
        area_zh = f"（按面积约占 {_pct(area)}）" if math.isfinite(area) else ""
        area_en = f" (about {_pct(area)} of its area)" if math.isfinite(area) else ""
        if share < PARTIAL_SHARE:
            out[name] = total * share
            log.add(file, None, column, name, DataProblem.PARTIAL_COUNTY,
                    f"研究区只含{name}的一部分：村/社区总人口 {residents:,.0f}，占全县普查人口 {county_pop:,.0f} 的 "
                    f"{_pct(share)}{area_zh}；全县60岁以上人口 {total:,.0f} 已按此比例缩小为 {out[name]:,.0f} 再分配",
                    f"如果村/社区文件已包含{name}的全部村/社区，请核对各村人口；否则在配置 "
                    f"[population.township_older_totals] 给出所研究乡镇的老年人口数",
                    severity="warning",
                    message_en=f"the study covers part of {name}: its settlements hold {residents:,.0f} of the "
                               f"county's {county_pop:,.0f} census residents ({_pct(share)}){area_en}; the county's "
                               f"60+ total {total:,.0f} was scaled to {out[name]:,.0f} before allocation",
                    fix_en=f"if the settlements file lists every village of {name}, check their populations; "
                           "otherwise give the studied townships' totals in [population.township_older_totals]")
        elif math.isfinite(area) and not math.isfinite(share):
            del out[name]
            log.add(file, None, column, name, DataProblem.PARTIAL_COUNTY,
                    f"研究区（乡镇边界）只覆盖{name}面积的 {_pct(area)}，且不知道全县总人口，"
                    f"全县60岁以上人口 {total:,.0f} 不能分给其中一部分，未分配",
                    "在 population.census_csv 中提供含“人口数_合计”的普查表，或在配置 "
                    "[population.township_older_totals] 给出所研究乡镇的老年人口数",
                    severity="warning",
                    message_en=f"the township boundaries cover {_pct(area)} of {name}'s area and the county's "
                               f"residents are not known, so its 60+ total {total:,.0f} was not allocated",
                    fix_en="give a census table with total residents (人口数_合计) in population.census_csv, or "
                           "the studied townships' totals in [population.township_older_totals]")
        else:
            continue
        shares.append(CountyShare(name, area, share, total, out.get(name, math.nan)))
    return out, tuple(log.problems), tuple(shares)


def unverified_coverage(
    records: pd.DataFrame, *, known_counties: set[str], area_shares: Mapping[str, float],
    county_population: Mapping[str, float], file: str, column: str,
) -> tuple[Problem, ...]:
    """A ``COUNTY_COVERAGE_UNKNOWN`` warning per county whose whole total was allocated unverified.

    Without the county's boundary (so the study area is not known to hold the
    whole county), without an area share and without its census residents,
    nothing says how much of the county the study covers: the total is
    allocated as given (rule 4 of the module docstring), and this says so.

    Parameters
    ----------
    records
        :attr:`PopulationAllocation.records` (``level``, ``area``, ``known_total``, ``n_estimated``).
    known_counties
        Counties whose boundary is in ``boundaries_county``.
    area_shares, county_population
        As for :func:`scale_partial_counties`.
    file, column
        Settlement file and its 60+ column, for the problems.

    Returns
    -------
    tuple of Problem
    """
    log = ProblemLog()
    used = records[(records["level"] == "county") & (records["n_estimated"] > 0)]
    for name, total in zip(used["area"], used["known_total"], strict=True):
        if name in known_counties or math.isfinite(area_shares.get(name, math.nan)) \
                or math.isfinite(county_population.get(name, math.nan)):
            continue
        log.add(file, None, column, name, DataProblem.COUNTY_COVERAGE_UNKNOWN,
                f"{name}：不知道研究区占全县的多少（没有该县的县界，普查表也没有全县总人口），"
                f"全县60岁以上人口 {total:,.0f} 已全部分给研究区的村/社区；如果研究区只是县的一部分，这些估算偏大",
                "在 population.census_csv 提供含“人口数_合计”的普查表（按人口比例缩小），或给出县界 "
                "[inputs.boundaries_county]，或在 [population.township_older_totals] 给出所研究乡镇的老年人口数",
                severity="warning",
                message_en=f"{name}: how much of the county the study covers is unknown (no boundary of the county, "
                           f"no census residents): its whole 60+ total {total:,.0f} was allocated to the study's "
                           "settlements; if the study covers only part of the county, these estimates are too high",
                fix_en="give a census table with total residents (人口数_合计) in population.census_csv (the total is "
                       "then scaled), the county boundary in [inputs.boundaries_county], or the studied townships' "
                       "totals in [population.township_older_totals]")
    return tuple(log.problems)
