"""The policy scorecard before and after the proposed sites, side by side."""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from planner.siting.outcome import SitingOutcome
from planner.siting.problem import SitingProblem

if TYPE_CHECKING:  # pragma: no cover
    from planner.analysis import CoverageResult

__all__ = ["scorecard_before_after"]

_COVERAGE_COLUMNS = ("community_covered", "circle15_covered", "township_covered", "county_covered")


def _with_new_sites(facilities: pd.DataFrame, sites: gpd.GeoDataFrame, tier: str) -> pd.DataFrame:
    """The facilities plus the proposed sites as facilities of ``tier`` (ids ``new:<candidate id>``).

    Values are taken by position (the sites are indexed by candidate id, the new rows by ``new:<id>``).
    """
    cols = ("name", "type", "township", "county")
    new_fac = pd.DataFrame({c: sites[c].fillna("").astype(str).to_numpy() for c in cols} | {"tier": tier},
                           index=pd.Index([f"new:{i}" for i in sites.index], name=facilities.index.name))
    return pd.concat([facilities, new_fac]) if len(new_fac) else facilities


def scorecard_before_after(problem: SitingProblem, out: SitingOutcome, sites: gpd.GeoDataFrame, *,
                           coverage: CoverageResult | None = None) -> pd.DataFrame:
    """The scorecard with the tier's coverage as before, and as after with the proposed sites built.

    Parameters
    ----------
    problem : SitingProblem
        Gives the study, the tier and the targets.
    out : SitingOutcome
        The tier's coverage per settlement before and after.
    sites : GeoDataFrame
        The proposed sites (added as facilities of the tier after).
    coverage : CoverageResult, optional
        Its other tiers' coverage columns feed both scorecards.

    Returns
    -------
    DataFrame
        ``indicator``, ``scope``, ``name_zh``, ``name_en``, ``target``,
        ``value_before``, ``met_before``, ``gap_before``, ``value_after``,
        ``met_after``, ``gap_after``, ``text_zh``, ``text_en``, ``changed``.
    """
    data, tier = problem.data, problem.options.tier
    sett = pd.DataFrame(data.settlements.drop(columns="geometry"))
    if coverage is not None:
        cs = coverage.settlements
        for c in _COVERAGE_COLUMNS:
            if c in cs:
                sett[c] = cs[c].reindex(sett.index)
    fac = pd.DataFrame(data.facilities.drop(columns="geometry"))
    col = f"{tier}_covered"
    s_before, s_after = sett.copy(), sett.copy()
    s_before[col], s_after[col] = out.covered_before, out.covered_after
    from planner.analysis import scorecard as make_scorecard  # the analysis stage (numba) loads on first use

    kw = {"townships": data.townships, "targets": problem.config.targets}
    b = make_scorecard(s_before, fac, **kw)
    a = make_scorecard(s_after, _with_new_sites(fac, sites, tier), **kw)
    keys = ["indicator", "scope"]
    out = b[keys + ["name_zh", "name_en", "target", "value", "met", "gap"]].merge(
        a[keys + ["value", "met", "gap", "text_zh", "text_en"]], on=keys, suffixes=("_before", "_after"))
    out["changed"] = (out["value_before"].fillna(-1) != out["value_after"].fillna(-1)).to_numpy()
    return out
