"""Tables that summarise a coverage classification: per area, per facility, per township.

:func:`coverage_summary` counts settlements and older people covered per tier
(overall, per township or per county); :func:`facility_table` says, per
facility, whom it reaches and how loaded it is; :func:`township_table` adds
the townships without settlements and whether each has a centre.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from planner.config import TIER_KEYS, Tier

if TYPE_CHECKING:  # pragma: no cover
    from planner.analysis.assignment import TownshipAssignment
    from planner.analysis.travel import CoverageInputs, TierRouting

__all__ = ["coverage_summary", "facility_table", "facility_links", "township_table"]

logger = logging.getLogger(__name__)


def coverage_summary(settlements: pd.DataFrame, by: str | None, *, tiers: Mapping[str, Tier]) -> pd.DataFrame:
    """Share of settlements and of older population covered, per tier.

    Parameters
    ----------
    settlements : DataFrame
        Result settlements (``<tier>_covered``, ``older_population``, ``status``).
    by : str or None
        Column to group by (``township``, ``county``) or None for one ``overall`` row.
    tiers : mapping
        Tiers analysed.

    Returns
    -------
    DataFrame
        ``settlements``, ``older_population``, ``served``, ``served_share``,
        ``under_served``, per tier ``<tier>_covered``,
        ``<tier>_settlement_share``, ``<tier>_older_covered``, ``<tier>_older_share``;
        ``central_older_population`` and, per 15-minute-circle reading,
        ``circle15[_<profile>]_older_share`` (share of the central older population).
    """
    s = settlements
    keys = [k for k in TIER_KEYS if k in tiers and f"{k}_covered" in s]
    circle_cols = [c for c in s.columns if str(c).startswith("circle15") and str(c).endswith("_covered")]
    g = _summed(_counts(s, keys, circle_cols), s, by)
    out = pd.DataFrame(index=g.index)
    out["settlements"] = g["_one"].astype(int)
    out["older_population"] = g["_older"].where(g["_older_known"] > 0)  # none known: unknown, not 0
    out["served"] = g["_served"].astype(int)
    out["under_served"] = out["settlements"] - out["served"]
    n_sett = out["settlements"].where(out["settlements"] > 0)
    n_older = out["older_population"].where(out["older_population"] > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["served_share"] = out["served"] / n_sett
        for k in keys:
            out[f"{k}_covered"] = g[f"{k}_covered"].astype(int)
            out[f"{k}_settlement_share"] = g[f"{k}_covered"] / n_sett
            out[f"{k}_older_covered"] = g[f"{k}_older_covered"]
            out[f"{k}_older_share"] = g[f"{k}_older_covered"] / n_older
        out["central_older_population"] = g["_central_older"]
        for c in circle_cols:
            name = c.removesuffix("_covered")
            out[f"{name}_older_share"] = g[f"_{c}"] / g["_central_older"].where(g["_central_older"] > 0)
    return out


def _counts(s: pd.DataFrame, keys: list[str], circle_cols: list[str]) -> pd.DataFrame:
    """Per settlement the numbers to add up: one, older people, served, covered per tier and circle."""
    raw = pd.to_numeric(s["older_population"], errors="coerce")
    older = raw.fillna(0.0)
    frame = pd.DataFrame({"_one": 1, "_older": older, "_older_known": raw.notna().astype(int),
                          "_served": (s["status"] == "served").astype(int)}, index=s.index)
    central = (s["central"].astype("boolean").fillna(False).astype(bool) if "central" in s
               else pd.Series(False, index=s.index))
    frame["_central_older"] = older.where(central, 0.0)
    for c in circle_cols:
        cov15 = s[c].astype("boolean").fillna(False).astype(bool) & central
        frame[f"_{c}"] = older.where(cov15, 0.0)
    for k in keys:
        cov = s[f"{k}_covered"].astype(bool)
        frame[f"{k}_covered"] = cov.astype(int)
        frame[f"{k}_older_covered"] = older.where(cov, 0.0)
    return frame


def _summed(frame: pd.DataFrame, s: pd.DataFrame, by: str | None) -> pd.DataFrame:
    if by is None:
        g = frame.sum(numeric_only=True).to_frame().T
        g.index = pd.Index(["overall"], name="scope")
    else:
        g = frame.groupby(s[by].fillna("").astype(str)).sum(numeric_only=True)
        g.index.name = by
    return g


def township_table(settlements: pd.DataFrame, inp: CoverageInputs, townships: pd.DataFrame | None,
                   ) -> pd.DataFrame:
    """:func:`coverage_summary` per township, with every township read and ``has_centre``."""
    by_township = coverage_summary(settlements, "township", tiers=inp.tiers)
    if townships is not None and len(townships):
        by_township = by_township.reindex(by_township.index.union(pd.Index(townships.index.astype(str))))
        by_township.index.name = "township"
        for col in ("settlements", "served", "under_served"):
            by_township[col] = by_township[col].fillna(0).astype(int)
        by_township["county"] = townships["county"].reindex(by_township.index) if "county" in townships else ""
    fac = inp.facilities
    centre_towns = set(fac.loc[inp.tier_mask("township"), "township"].astype(str)) if "township" in fac else set()
    by_township["has_centre"] = [t in centre_towns for t in by_township.index]
    return by_township


def _reach_counts(inp: CoverageInputs, table: pd.DataFrame, in_circle: Mapping[str, pd.DataFrame]
                  ) -> dict[str, np.ndarray]:
    """Per facility: settlements and older people within its circle, whose nearest it is, its threshold and load.

    ``in_circle`` is :attr:`TierRouting.in_circle`: per tier, the counts within the threshold.
    """
    n, older = len(inp.facilities), inp.older
    cols = {c: np.zeros(n) for c in ("settlements_in_circle", "older_in_circle", "nearest_settlements",
                                     "nearest_load", "threshold_min", "load")}
    cols["threshold_min"][:] = np.nan
    cols["load"][:] = np.nan
    for key, tier in inp.tiers.items():
        pos = np.flatnonzero(inp.tier_mask(key))
        if not len(pos):
            continue
        cols["threshold_min"][pos] = tier.minutes
        counts = in_circle[key]  # indexed like the facilities of the tier, in their order
        cols["settlements_in_circle"][pos] = counts["settlements"].to_numpy()
        cols["older_in_circle"][pos] = counts["older"].to_numpy()
        covered = table[f"{key}_covered"].to_numpy(dtype=bool)
        nf = table[f"{key}_facility"].astype(object)
        ids = inp.facilities.index[pos]
        near_o = pd.Series(older[covered], index=nf[covered].index).groupby(nf[covered].to_numpy()).sum()
        cols["nearest_settlements"][pos] = nf[covered].value_counts().reindex(ids).fillna(0).to_numpy()
        cols["nearest_load"][pos] = near_o.reindex(ids).fillna(0.0).to_numpy()
        cols["load"][pos] = cols["nearest_load"][pos]
    return cols


def facility_table(inp: CoverageInputs, table: pd.DataFrame, in_circle: Mapping[str, pd.DataFrame],
                   assignment: TownshipAssignment | None) -> gpd.GeoDataFrame:
    """The facilities with whom they reach (``in_circle``: :attr:`TierRouting.in_circle`), their load and capacity.

    See :class:`CoverageResult` for the columns.
    """
    fac = inp.facilities
    cols = _reach_counts(inp, table, in_circle)
    cap_used = (np.array(pd.to_numeric(fac["capacity"], errors="coerce"), dtype=float) if "capacity" in fac
                else np.full(len(fac), np.nan))
    load = cols["load"]
    if assignment is not None and len(assignment.centres):
        c = assignment.centres
        pos = fac.index.get_indexer(c.index)
        cap_used[pos] = c["capacity"].to_numpy()
        load[pos] = c["load"].to_numpy()
    out = fac.copy()
    for k in ("settlements_in_circle", "older_in_circle", "nearest_settlements", "nearest_load"):
        out[k] = cols[k].astype(int) if k in ("settlements_in_circle", "nearest_settlements") else cols[k]
    out["threshold_min"] = cols["threshold_min"]
    out["capacity_used"] = cap_used
    out["load"] = load
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(np.isfinite(cap_used) & (cap_used > 0), load / cap_used, np.nan)
    out["share"] = share
    out["over"] = pd.array(np.where(np.isnan(share), None, share > 1.0 + 1e-12), dtype="boolean")
    return out


def facility_links(inp: CoverageInputs, routing: TierRouting) -> tuple[pd.Series, pd.Series, dict[str, int]]:
    """Per facility its distance to the road (``snap_m``) and whether it is ``linked``; unlinked count per tier."""
    fac = inp.facilities
    snap_m = pd.Series(np.nan, index=fac.index)
    linked = pd.Series(pd.NA, index=fac.index, dtype="boolean")
    for key, fs in routing.facility_snapping.items():
        fs = fs.reindex(fac.index[inp.tier_mask(key)])
        if "distance_m" in fs:
            snap_m[fs.index] = pd.to_numeric(fs["distance_m"], errors="coerce").to_numpy(dtype=float)
        if "ok" in fs:
            linked[fs.index] = fs["ok"].astype("boolean").to_numpy()
    unlinked = {k: int((~linked[inp.tier_mask(k)].fillna(True)).sum()) for k in inp.tiers}
    for k, n_bad in unlinked.items():
        if n_bad:
            logger.warning("%d %s-tier facilities are too far from a usable road and reach nobody", n_bad, k)
    return snap_m, linked, unlinked
