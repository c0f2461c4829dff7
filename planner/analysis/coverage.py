"""Tiered coverage of settlements, township-centre assignment, reason codes.

For every settlement (village or community) and every tier of the facility
network (county, township/street, community/village) this module finds the
nearest facility of that tier by travel time on the road network (settlement
-> facility, the tier's profile for the settlement's kind) and whether it is
within the tier's threshold.  The township tier is also assigned *with
capacity* (:mod:`planner.assignment`).  Every settlement read appears in the
result with a status and, when under-served, the reasons with evidence.

Reason codes (``reasons`` column, ``;``-joined) and their evidence
------------------------------------------------------------------
``NO_ROAD``
    No road usable by the tier's profile within the snapping distance: the
    distance to the nearest such road and the limit.
``DISCONNECTED``
    The settlement's road piece (weakly connected component) holds no
    facility of that tier (or the study area has none at all): the piece id.
``BEYOND_THRESHOLD``
    The nearest facility of the tier, its travel time and the minutes over.
``OVER_CAPACITY``
    The township centre the settlement falls to (second stage of the
    capacitated assignment) ends up over capacity: the centre and its load.
``NO_TOWNSHIP_CENTRE``
    The settlement's township has no township-tier facility in it.
``ESTIMATED_POPULATION``
    The older population was allocated, not counted (informational: it does
    not by itself make a settlement under-served).

``status`` is ``under_served`` when any code other than
``ESTIMATED_POPULATION`` applies, else ``served``.

Priority
--------
Under-served settlements are ranked (``priority`` 1 = first) by
``priority_score = older_population * (1 + shortfall_ratio)`` where
``shortfall_ratio`` is, over the tiers not covered, the largest
``min(minutes over / threshold, 1)`` (1 when unreachable), and 0 when the only
problems are capacity or a missing township centre.  So the score weighs
how many older people are affected and how far they fall short; ties go to
the larger shortfall in minutes.

The numeric core (:func:`classify_settlements`) works on plain nearest-facility
tables, so it can be checked by hand; :func:`analyse_coverage` runs the
routing and assembles :class:`CoverageResult`.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import sparse

from planner.analysis.assignment import TownshipAssignment, township_assignment
from planner.analysis.scoring import scorecard as make_scorecard
from planner.config import TIER_KEYS, StudyConfig, Tier, TravelProfile
from planner.i18n import label

if TYPE_CHECKING:  # pragma: no cover
    from planner.data import StudyData
    from planner.network import RoadNetwork
    from planner.routing import RoutingGraph

__all__ = [
    "REASON_CODES",
    "CoverageResult",
    "build_graphs",
    "analyse_coverage",
    "classify_settlements",
    "coverage_summary",
]

logger = logging.getLogger(__name__)

REASON_CODES: tuple[str, ...] = (
    "NO_ROAD", "DISCONNECTED", "BEYOND_THRESHOLD", "OVER_CAPACITY", "NO_TOWNSHIP_CENTRE",
    "ESTIMATED_POPULATION",
)
#: Codes that do not by themselves make a settlement under-served.
INFORMATIONAL = frozenset({"ESTIMATED_POPULATION"})

_MODE_ZH = {"walk": "步行", "bike": "电动车", "drive": "驾车"}
_MODE_EN = {"walk": "walking", "bike": "by e-bike", "drive": "driving"}


# --------------------------------------------------------------------------- graphs


def profiles_in_use(config: StudyConfig) -> list[str]:
    """Names of the travel profiles the configured tiers use (urban and rural)."""
    names: list[str] = []
    for key in TIER_KEYS:
        tier = config.tiers.get(key)
        if tier is None:
            continue
        for p in (tier.profile, tier.rural_profile):
            if p not in names:
                names.append(p)
    return names


def build_graphs(network: RoadNetwork, config: StudyConfig, *, crs: Any = None) -> dict[str, RoutingGraph]:
    """Build one routing graph per travel profile the tiers use.

    Parameters
    ----------
    network : RoadNetwork
        The study's road network.
    config : StudyConfig
        Study configuration (its tiers name the profiles).
    crs : optional
        Projected CRS for the graphs (default: chosen by the routing module).

    Returns
    -------
    dict
        Profile name -> :class:`planner.routing.RoutingGraph`.
    """
    from planner.routing import RoutingGraph

    graphs: dict[str, RoutingGraph] = {}
    for name in profiles_in_use(config):
        graphs[name] = RoutingGraph.from_network(network, config.profiles[name], crs=crs)
        logger.info("built routing graph for profile %r", name)
    return graphs


# --------------------------------------------------------------------------- result


@dataclass(frozen=True, eq=False)
class CoverageResult:
    """Tiered coverage of one study (see the module docstring and ``docs/architecture.md``).

    Attributes
    ----------
    settlements : GeoDataFrame
        Indexed like the input settlements, one row per settlement read.  Per
        tier ``<tier>_facility``, ``<tier>_time_min`` (inf when unreachable),
        ``<tier>_covered``, ``<tier>_threshold_min``, ``<tier>_profile``,
        ``<tier>_reason``, ``<tier>_snap_m``; ``circle15_time_min`` and
        ``circle15_covered`` for central settlements; ``centre``,
        ``centre_time_min``, ``centre_stage``, ``nearest_centre``,
        ``nearest_centre_time_min`` (capacitated township assignment);
        ``status``, ``reasons``, ``reason_detail_zh``, ``reason_detail_en``,
        ``shortfall_min``, ``priority_score``, ``priority``.
    facilities : GeoDataFrame
        Indexed like the input facilities: ``threshold_min``,
        ``settlements_in_circle`` and ``older_in_circle`` (settlements that
        reach it within its tier's threshold, by network time),
        ``nearest_settlements`` and ``nearest_load`` (settlements whose
        nearest facility of the tier it is, within the threshold),
        ``capacity_used``, ``load``, ``share``, ``over``; ``snap_m`` and
        ``linked`` (False: too far from a road usable by its tier's profile,
        so it reaches nobody; counted in ``params["facilities_unlinked"]``).
    circles, circles_by_tier, voronoi : GeoDataFrame or None
        Service-circle polygons from :mod:`planner.circles` (None when that
        module is unavailable; ``params["circles"]`` says why).
    centres : GeoDataFrame
        Township-tier centres: capacity, natural-catchment load, assigned
        load, spill, ``load``, ``share``, ``over``.
    townships_without_centre : DataFrame
    by_township, by_county, overall : DataFrame
        Per tier: settlements, covered, share, older population, covered older, share.
    scorecard : DataFrame
        :func:`planner.scorecard.scorecard`.
    params : dict
        Every parameter used (and ``timings_s``: seconds per stage).
    """

    settlements: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    circles: gpd.GeoDataFrame | None
    circles_by_tier: gpd.GeoDataFrame | None
    voronoi: gpd.GeoDataFrame | None
    centres: gpd.GeoDataFrame
    townships_without_centre: pd.DataFrame
    by_township: pd.DataFrame
    by_county: pd.DataFrame
    overall: pd.DataFrame
    scorecard: pd.DataFrame
    params: dict = field(default_factory=dict)

    @property
    def under_served(self) -> gpd.GeoDataFrame:
        """Under-served settlements in priority order."""
        s = self.settlements[self.settlements["status"] == "under_served"]
        return s.sort_values("priority")

    def _layers(self) -> dict[str, pd.DataFrame]:
        layers: dict[str, pd.DataFrame] = {
            "settlements": self.settlements,
            "facilities": self.facilities,
            "centres": self.centres,
            "townships_without_centre": self.townships_without_centre.reset_index(),
            "by_township": self.by_township.reset_index(),
            "by_county": self.by_county.reset_index(),
            "overall": self.overall.reset_index(),
            "scorecard": self.scorecard,
        }
        for name in ("circles", "circles_by_tier", "voronoi"):
            frame = getattr(self, name)
            if frame is not None:
                layers[name] = frame
        return layers

    def to_gpkg(self, path: str | Path) -> Path:
        """Write every layer to one GeoPackage (tables without geometry as attribute tables).

        Parameters
        ----------
        path : str or Path
            Output file; overwritten.

        Returns
        -------
        Path
        """
        import pyogrio

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            path.unlink()
        for name, frame in self._layers().items():
            out = _file_safe(frame)
            if isinstance(out, gpd.GeoDataFrame) and out.geometry.name in out:
                out = out.reset_index() if out.index.name else out
                out.to_file(path, layer=name, driver="GPKG")
            else:
                pyogrio.write_dataframe(pd.DataFrame(out).reset_index(drop=not frame.index.name), path,
                                        layer=name, driver="GPKG")
        return path

    def to_csv(self, folder: str | Path) -> dict[str, Path]:
        """Write every layer as a CSV (UTF-8 with BOM, so Excel reads the Chinese).

        Point layers get ``lon``/``lat`` columns; polygon layers keep WKT geometry.

        Parameters
        ----------
        folder : str or Path

        Returns
        -------
        dict
            Layer name -> file.
        """
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        paths = {}
        for name, frame in self._layers().items():
            out = pd.DataFrame(frame).copy()
            if isinstance(frame, gpd.GeoDataFrame) and frame.geometry.name in frame:
                geom = frame.geometry
                gname = frame.geometry.name
                if len(geom) and (geom.geom_type == "Point").all():
                    out["lon"] = geom.x.to_numpy()
                    out["lat"] = geom.y.to_numpy()
                    out = out.drop(columns=[gname])
                else:
                    out[gname] = geom.to_wkt().to_numpy()
            p = folder / f"{name}.csv"
            out.to_csv(p, encoding="utf-8-sig", index=bool(frame.index.name))
            paths[name] = p
        return paths


def _file_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Copy with column types every GeoPackage writer accepts."""
    out = frame.copy()
    for col in out.columns:
        if isinstance(out, gpd.GeoDataFrame) and col == out.geometry.name:
            continue
        s = out[col]
        if isinstance(s.dtype, pd.BooleanDtype):
            out[col] = s.astype(object).where(s.notna(), None)
        elif isinstance(s.dtype, pd.StringDtype) or s.dtype == object:
            out[col] = s.astype(object).where(s.notna(), None).map(lambda v: v if v is None else str(v))
        elif isinstance(s.dtype, pd.api.extensions.ExtensionDtype) and not isinstance(s.dtype, gpd.array.GeometryDtype):
            out[col] = s.astype(float)
    return out


# --------------------------------------------------------------------------- numeric core


def _fmt_min(x: float) -> str:
    return "∞" if not np.isfinite(x) else f"{x:.1f}"


def _tier_reason(time_s: float, raw: Any, threshold_min: float) -> str | None:
    """Reason code for one settlement and tier (None = covered)."""
    raw = None if raw is None or (isinstance(raw, float) and math.isnan(raw)) or pd.isna(raw) else str(raw)
    if np.isfinite(time_s) and time_s <= threshold_min * 60.0 + 1e-9:
        return None
    if raw == "NO_ROAD":
        return "NO_ROAD"
    if raw in ("DISCONNECTED", "NO_FACILITY") or not np.isfinite(time_s):
        return "DISCONNECTED"
    return "BEYOND_THRESHOLD"


def classify_settlements(
    settlements: pd.DataFrame,
    nearest: Mapping[str, pd.DataFrame],
    *,
    tiers: Mapping[str, Tier],
    profiles: Mapping[str, TravelProfile],
    facility_names: Mapping[str, str] | pd.Series | None = None,
    assignment: TownshipAssignment | None = None,
    circle15: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per-settlement coverage, reasons with evidence, status and priority.

    Parameters
    ----------
    settlements : DataFrame
        Canonical settlements (``kind``, ``township``, ``older_population``,
        ``older_estimated``).
    nearest : mapping tier key -> DataFrame
        Per tier, indexed like ``settlements``: ``facility`` (id or NA),
        ``time_s`` (inf when none), ``reason`` (None, ``NO_ROAD``,
        ``DISCONNECTED``, ``BEYOND_CUTOFF``), ``snap_m``, ``component`` (the
        table of :func:`planner.routing.nearest_facility`).  A tier with no
        facility at all is given as a table of NA / inf with reason
        ``NO_FACILITY`` (reported as ``DISCONNECTED`` with that evidence).
    tiers, profiles : mapping
        From the study config; thresholds and profiles per settlement kind.
    facility_names : mapping, optional
        Facility id -> name, for the evidence text.
    assignment : TownshipAssignment, optional
        Capacitated township assignment (adds ``centre*`` columns,
        ``OVER_CAPACITY`` and ``NO_TOWNSHIP_CENTRE``).
    circle15 : DataFrame, optional
        ``time_min`` and ``covered`` for central settlements (15-minute circle).

    Returns
    -------
    DataFrame
        Indexed like ``settlements``; the columns listed in
        :class:`CoverageResult` (without geometry or input columns).
    """
    idx = settlements.index
    names = dict(facility_names) if facility_names is not None else {}
    kind = settlements["kind"].astype(str) if "kind" in settlements else pd.Series("community", index=idx)
    older = pd.to_numeric(settlements.get("older_population", pd.Series(np.nan, index=idx)), errors="coerce")
    estimated = (
        settlements["older_estimated"].astype("boolean").fillna(False).astype(bool)
        if "older_estimated" in settlements else pd.Series(False, index=idx)
    )
    town = settlements["township"].fillna("").astype(str) if "township" in settlements else pd.Series("", index=idx)
    out = pd.DataFrame(index=idx)
    codes: list[list[str]] = [[] for _ in range(len(idx))]
    zh: list[list[str]] = [[] for _ in range(len(idx))]
    en: list[list[str]] = [[] for _ in range(len(idx))]
    ratio = np.zeros(len(idx))
    shortfall = np.zeros(len(idx))

    for key in TIER_KEYS:
        if key not in tiers or key not in nearest:
            continue
        tier = tiers[key]
        tab = nearest[key].reindex(idx)
        prof_thr = [tier.profile_for(k) for k in kind]
        prof = np.array([p for p, _ in prof_thr], dtype=object)
        thr = np.array([m for _, m in prof_thr], dtype=float)
        time_s = pd.to_numeric(tab["time_s"], errors="coerce").fillna(np.inf).to_numpy(dtype=float)
        fac = tab["facility"].astype("string")
        snap = pd.to_numeric(tab.get("snap_m", pd.Series(np.nan, index=idx)), errors="coerce").to_numpy(dtype=float)
        comp = tab.get("component", pd.Series(pd.NA, index=idx))
        raw = tab.get("reason", pd.Series(None, index=idx, dtype=object))
        out[f"{key}_facility"] = fac
        out[f"{key}_time_min"] = time_s / 60.0
        out[f"{key}_threshold_min"] = thr
        out[f"{key}_profile"] = pd.Series(prof, index=idx, dtype="string")
        covered = np.isfinite(time_s) & (time_s <= thr * 60.0 + 1e-9)
        out[f"{key}_covered"] = covered
        out[f"{key}_snap_m"] = snap
        reasons = []
        tzh, ten = label(key, "zh"), label(key, "en")
        for i in range(len(idx)):
            r = _tier_reason(time_s[i], raw.iloc[i], thr[i])
            reasons.append(r)
            if r is None:
                continue
            if r not in codes[i]:
                codes[i].append(r)
            p = profiles.get(prof[i])
            mode = p.mode if p is not None else "walk"
            mzh, men = _MODE_ZH.get(mode, mode), _MODE_EN.get(mode, mode)
            if r == "NO_ROAD":
                limit = (p.max_snap_m_rural if kind.iloc[i] == "village" else p.max_snap_m_urban) if p else np.nan
                d = snap[i]
                dzh = f"{d:,.0f} 米" if np.isfinite(d) else "未知距离"
                den = f"{d:,.0f} m" if np.isfinite(d) else "an unknown distance"
                zh[i].append(f"[{tzh}] 附近无可用道路（{mzh}）：最近道路距 {dzh}，超过允许的 {limit:,.0f} 米")
                en[i].append(f"[{ten}] no usable road ({men}): nearest road {den} away, limit {limit:,.0f} m")
                ratio[i] = max(ratio[i], 1.0)
                shortfall[i] = np.inf
            elif r == "DISCONNECTED":
                c = comp.iloc[i]
                c = "?" if c is None or pd.isna(c) else c
                if raw.iloc[i] != "NO_FACILITY":
                    zh[i].append(f"[{tzh}] 所在路网片段（编号 {c}，{mzh}）内没有该级设施，无法到达")
                    en[i].append(f"[{ten}] its road piece (id {c}, {men}) holds no facility of this tier")
                else:
                    zh[i].append(f"[{tzh}] 研究区内没有该级设施")
                    en[i].append(f"[{ten}] the study area has no facility of this tier")
                ratio[i] = max(ratio[i], 1.0)
                shortfall[i] = np.inf
            else:
                f = fac.iloc[i]
                fname = names.get(str(f), "") if pd.notna(f) else ""
                over = time_s[i] / 60.0 - thr[i]
                zh[i].append(
                    f"[{tzh}] 最近设施 {f} {fname}（{mzh}）需 {_fmt_min(time_s[i] / 60)} 分钟，"
                    f"超出 {thr[i]:g} 分钟标准 {_fmt_min(over)} 分钟"
                )
                en[i].append(
                    f"[{ten}] nearest facility {f} {fname} is {_fmt_min(time_s[i] / 60)} min {men}, "
                    f"{_fmt_min(over)} min over the {thr[i]:g}-min threshold"
                )
                ratio[i] = max(ratio[i], min(over / thr[i], 1.0) if thr[i] > 0 else 1.0)
                shortfall[i] = max(shortfall[i], over)
        out[f"{key}_reason"] = pd.Series(reasons, index=idx, dtype="string")

    if circle15 is not None:
        c15 = circle15.reindex(idx)
        out["circle15_time_min"] = pd.to_numeric(c15["time_min"], errors="coerce")
        out["circle15_covered"] = c15["covered"].astype("boolean")
    else:
        out["circle15_time_min"] = np.nan
        out["circle15_covered"] = pd.Series(pd.NA, index=idx, dtype="boolean")

    if assignment is not None:
        a = assignment.settlements.reindex(idx)
        out["centre"] = a["centre"].astype("string")
        out["centre_time_min"] = a["centre_time_min"].astype(float)
        out["centre_stage"] = a["stage"].astype("string")
        out["nearest_centre"] = a["nearest_centre"].astype("string")
        out["nearest_centre_time_min"] = a["nearest_centre_time_min"].astype(float)
        cent = assignment.centres
        for i, sid in enumerate(idx):
            if bool(a.at[sid, "over_capacity"]):
                c = a.at[sid, "centre"]
                row = cent.loc[c]
                codes[i].append("OVER_CAPACITY")
                nm = names.get(str(c), str(row.get("name", "")))
                zh[i].append(
                    f"[{label('township', 'zh')}] 所属区域养老服务中心 {c} {nm} 负荷 {row['load']:,.0f} / "
                    f"{row['capacity']:,.0f} 人（{row['share'] * 100:.0f}%），超出服务能力"
                )
                en[i].append(
                    f"[{label('township', 'en')}] its centre {c} {nm} carries {row['load']:,.0f} of "
                    f"{row['capacity']:,.0f} older people ({row['share'] * 100:.0f}%): over capacity"
                )
            if bool(a.at[sid, "no_township_centre"]):
                codes[i].append("NO_TOWNSHIP_CENTRE")
                zh[i].append(f"所在乡镇（街道）{town.iloc[i]} 没有乡镇级区域养老服务中心")
                en[i].append(f"its township {town.iloc[i]} has no township-tier centre")
    else:
        for col in ("centre", "centre_stage", "nearest_centre"):
            out[col] = pd.Series(pd.NA, index=idx, dtype="string")
        out["centre_time_min"] = np.inf
        out["nearest_centre_time_min"] = np.inf

    for i in range(len(idx)):
        if estimated.iloc[i]:
            codes[i].append("ESTIMATED_POPULATION")
            o = older.iloc[i]
            ozh = f"{o:,.0f} 人" if pd.notna(o) else "未知"
            zh[i].append(f"60岁及以上人口（{ozh}）为按规则分配的估算值，非统计数")
            en[i].append(f"older population ({o:,.0f}) is allocated, not counted" if pd.notna(o)
                         else "older population is unknown")

    under = np.array([any(c not in INFORMATIONAL for c in cs) for cs in codes])
    out["status"] = pd.Series(np.where(under, "under_served", "served"), index=idx, dtype="string")
    out["reasons"] = pd.Series([";".join(c) for c in codes], index=idx, dtype="string")
    out["reason_detail_zh"] = pd.Series(["；".join(z) for z in zh], index=idx, dtype="string")
    out["reason_detail_en"] = pd.Series(["; ".join(e) for e in en], index=idx, dtype="string")
    out["shortfall_min"] = np.where(under, shortfall, 0.0)
    score = np.where(under, older.fillna(0.0).to_numpy(dtype=float) * (1.0 + ratio), np.nan)
    out["priority_score"] = score
    pr = pd.Series(pd.NA, index=idx, dtype="Int64")
    if under.any():
        order = pd.DataFrame(
            {"score": score[under], "short": np.where(np.isfinite(shortfall[under]), shortfall[under], 1e18),
             "pos": np.arange(len(idx))[under]}
        ).sort_values(["score", "short", "pos"], ascending=[False, False, True])
        ranks = np.empty(len(idx), dtype=np.int64)
        ranks[order["pos"].to_numpy()] = np.arange(1, len(order) + 1)
        pr[under] = ranks[under]
    out["priority"] = pr
    return out


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
    older = pd.to_numeric(s["older_population"], errors="coerce").fillna(0.0)
    frame = pd.DataFrame({"_one": 1, "_older": older, "_served": (s["status"] == "served").astype(int)}, index=s.index)
    keys = [k for k in TIER_KEYS if k in tiers and f"{k}_covered" in s]
    circle_cols = [c for c in s.columns if str(c).startswith("circle15") and str(c).endswith("_covered")]
    central = s["central"].astype("boolean").fillna(False).astype(bool) if "central" in s else pd.Series(False, index=s.index)
    frame["_central_older"] = older.where(central, 0.0)
    for c in circle_cols:
        cov15 = s[c].astype("boolean").fillna(False).astype(bool) & central
        frame[f"_{c}"] = older.where(cov15, 0.0)
    for k in keys:
        cov = s[f"{k}_covered"].astype(bool)
        frame[f"{k}_covered"] = cov.astype(int)
        frame[f"{k}_older_covered"] = older.where(cov, 0.0)
    if by is None:
        g = frame.sum(numeric_only=True).to_frame().T
        g.index = pd.Index(["overall"], name="scope")
    else:
        g = frame.groupby(s[by].fillna("").astype(str)).sum(numeric_only=True)
        g.index.name = by
    out = pd.DataFrame(index=g.index)
    out["settlements"] = g["_one"].astype(int)
    out["older_population"] = g["_older"]
    out["served"] = g["_served"].astype(int)
    out["under_served"] = out["settlements"] - out["served"]
    with np.errstate(invalid="ignore", divide="ignore"):
        out["served_share"] = out["served"] / out["settlements"].where(out["settlements"] > 0)
        for k in keys:
            out[f"{k}_covered"] = g[f"{k}_covered"].astype(int)
            out[f"{k}_settlement_share"] = g[f"{k}_covered"] / out["settlements"].where(out["settlements"] > 0)
            out[f"{k}_older_covered"] = g[f"{k}_older_covered"]
            out[f"{k}_older_share"] = g[f"{k}_older_covered"] / out["older_population"].where(out["older_population"] > 0)
        out["central_older_population"] = g["_central_older"]
        for c in circle_cols:
            name = c.removesuffix("_covered")
            out[f"{name}_older_share"] = g[f"_{c}"] / g["_central_older"].where(g["_central_older"] > 0)
    return out


# --------------------------------------------------------------------------- routing adapter


def _empty_nearest(idx: pd.Index) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "facility": pd.Series(pd.NA, index=idx, dtype="string"),
            "time_s": np.inf,
            "reason": pd.Series("NO_FACILITY", index=idx, dtype=object),
            "snap_m": np.nan,
            "component": pd.Series(pd.NA, index=idx, dtype="Int64"),
        },
        index=idx,
    )


def _groups(settlements: pd.DataFrame, tier: Tier) -> dict[tuple[str, float], pd.Index]:
    kind = settlements["kind"].astype(str)
    groups: dict[tuple[str, float], list] = {}
    for sid, k in zip(settlements.index, kind, strict=True):
        groups.setdefault(tier.profile_for(k), []).append(sid)
    return {g: pd.Index(ids, name=settlements.index.name) for g, ids in groups.items()}


def _graph(graphs: Mapping[str, Any], name: str) -> Any:
    if name not in graphs:
        from planner.errors import ConfigError

        raise ConfigError(
            f"no routing graph for travel profile {name!r}; build the graphs with "
            f"planner.coverage.build_graphs(network, config) (have: {', '.join(graphs) or 'none'})"
        )
    return graphs[name]


def _reach(graph: Any, facilities: pd.DataFrame, settlements: pd.DataFrame, cutoff_s: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs reached within ``cutoff_s``: (settlement position, facility position, seconds).

    Positions are in ``settlements`` and ``facilities`` as given; kept sparse
    so a province (10,000+ villages, thousands of facilities) fits in memory.
    """
    from planner.routing import reach_matrix

    rm = reach_matrix(graph, facilities, settlements, cutoff_s=cutoff_s)
    return rm.pairs(facilities.index, settlements.index, cutoff_s=cutoff_s)


def _circles(
    graphs: Mapping[str, Any], facilities: gpd.GeoDataFrame, tiers: Mapping[str, Tier], verbose: bool
) -> tuple[Any, Any, Any, str]:
    try:
        from planner.analysis import circles as circ
    except ImportError as exc:  # the polygons module is optional for the numbers
        logger.warning("service circles skipped: planner.circles is not available (%s)", exc)
        return None, None, None, f"unavailable: {exc}"
    parts = []
    for key in TIER_KEYS:
        if key not in tiers:
            continue
        fac = facilities[facilities["tier"] == key]
        if not len(fac):
            continue
        tier = tiers[key]
        parts.append(circ.service_circles(_graph(graphs, tier.profile), fac, minutes=tier.minutes, verbose=verbose))
    if parts:
        circles = gpd.GeoDataFrame(pd.concat(parts), crs=parts[0].crs)
        by_tier = circ.circles_by_tier(circles, facilities)
    else:
        circles, by_tier = None, None
    voronoi = None
    if "township" in tiers:
        centres = facilities[facilities["tier"] == "township"]
        if len(centres):
            t = tiers["township"]
            voronoi = circ.network_voronoi(_graph(graphs, t.profile), centres, minutes=t.minutes)
    return circles, by_tier, voronoi, "ok"


def analyse_coverage(
    data: StudyData,
    graphs: Mapping[str, RoutingGraph],
    *,
    config: StudyConfig | None = None,
    year: int | None = None,
    circles: bool = True,
    circle15_profiles: Sequence[str] = (),
    verbose: bool = False,
) -> CoverageResult:
    """Tiered coverage, capacitated township assignment, reasons, priority and scorecard.

    Parameters
    ----------
    data : StudyData
        Canonical layers (:func:`planner.data.load_study`).
    graphs : mapping
        Profile name -> :class:`planner.routing.RoutingGraph` (:func:`build_graphs`).
    config : StudyConfig, optional
        Default ``data.config``.
    year : int, optional
        Milestone year for the scorecard (default ``config.targets.milestone_year``).
    circles : bool
        Also draw the service-circle polygons and the centres' network
        Voronoi (:mod:`planner.circles`).
    circle15_profiles : sequence of str
        Extra readings of the central districts' 15-minute circle with other
        travel profiles (e.g. ``("drive",)`` besides the configured walking
        reading): columns ``circle15_<profile>_time_min`` /
        ``circle15_<profile>_covered`` and ``circle15_<profile>_older_share``
        in the summaries.  The scorecard uses the configured reading
        (community tier, urban profile and minutes).
    verbose : bool
        Show a progress bar over the tiers.

    Returns
    -------
    CoverageResult
    """
    from planner.routing import nearest_facility

    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[stage] = timings.get(stage, 0.0) + now - clock
        clock = now

    config = config or data.config
    year = int(config.targets.milestone_year if year is None else year)
    tiers = {k: config.tiers[k] for k in TIER_KEYS if k in config.tiers}
    sett = data.settlements
    fac = data.facilities
    f_tier = fac["tier"].astype("string") if "tier" in fac else pd.Series(pd.NA, index=fac.index, dtype="string")

    nearest: dict[str, pd.DataFrame] = {}
    reach: dict[str, sparse.csr_array] = {}  # tier -> settlements x facilities of the tier, within threshold
    fac_snap: dict[str, pd.DataFrame] = {}  # tier -> facility snapping (urban profile preferred)
    iterator: Any = list(tiers)
    if verbose:
        from tqdm.auto import tqdm

        iterator = tqdm(iterator, desc="coverage tiers")
    for key in iterator:
        tier = tiers[key]
        fac_t = fac[(f_tier == key).fillna(False).to_numpy()]
        tables = []
        rows, cols, vals = [], [], []
        for (prof, minutes), ids in _groups(sett, tier).items():
            sub = sett.loc[ids]
            if not len(fac_t):
                tables.append(_empty_nearest(ids))
                continue
            g = _graph(graphs, prof)
            nf = nearest_facility(g, sub, fac_t, cutoff_s=np.inf)
            tables.append(nf.table.reindex(ids))
            fs = getattr(nf, "facility_snapping", None)
            if fs is not None and (key not in fac_snap or prof == tier.profile):
                fac_snap[key] = fs
            pos = sett.index.get_indexer(ids)
            r, c, v = _reach(g, fac_t, sub, minutes * 60.0)
            rows.append(pos[r])
            cols.append(c)
            vals.append(v)
        nearest[key] = pd.concat(tables).reindex(sett.index) if tables else _empty_nearest(sett.index)
        reach[key] = sparse.csr_array(
            (np.concatenate(vals or [np.zeros(0)]),
             (np.concatenate(rows or [np.zeros(0, int)]), np.concatenate(cols or [np.zeros(0, int)]))),
            shape=(len(sett), len(fac_t)),
        )
        logger.info("tier %s: %d facilities", key, len(fac_t))

    lap("tiers")

    # 15-minute circle for central settlements: the community tier's urban reading (walk 15 min)
    circle15 = None
    central = sett["central"].astype("boolean").fillna(False).astype(bool) if "central" in sett else None
    if "community" in tiers and central is not None and central.any():
        tier = tiers["community"]
        cids = sett.index[central.to_numpy()]
        same = sett.loc[cids, "kind"].astype(str).map(lambda k: tier.profile_for(k) == (tier.profile, float(tier.minutes)))
        t_s = pd.Series(np.inf, index=cids)
        t_s[same[same].index] = nearest["community"].loc[same[same].index, "time_s"].astype(float)
        other = same[~same].index
        fac_c = fac[(f_tier == "community").fillna(False).to_numpy()]
        if len(other) and len(fac_c):
            nf = nearest_facility(_graph(graphs, tier.profile), sett.loc[other], fac_c, cutoff_s=np.inf)
            t_s[other] = nf.table.reindex(other)["time_s"].astype(float)
        circle15 = pd.DataFrame({"time_min": t_s / 60.0, "covered": t_s <= tier.minutes * 60.0 + 1e-9})

    extra15: dict[str, pd.DataFrame] = {}
    if "community" in tiers and central is not None and central.any():
        tier = tiers["community"]
        cids = sett.index[central.to_numpy()]
        fac_c = fac[(f_tier == "community").fillna(False).to_numpy()]
        for prof in dict.fromkeys(circle15_profiles):
            if prof == tier.profile:
                continue
            if len(fac_c):
                nf = nearest_facility(_graph(graphs, prof), sett.loc[cids], fac_c, cutoff_s=np.inf)
                t_s = nf.table.reindex(cids)["time_s"].astype(float)
            else:
                t_s = pd.Series(np.inf, index=cids)
            extra15[prof] = pd.DataFrame({"time_min": t_s / 60.0, "covered": t_s <= tier.minutes * 60.0 + 1e-9})

    lap("circle15")

    # capacitated township-centre assignment
    assignment = None
    if "township" in tiers:
        tier = tiers["township"]
        centres = fac[(f_tier == "township").fillna(False).to_numpy()]
        within = sparse.coo_array(reach["township"])
        # add the nearest centre at any time (second stage), from the unbounded search
        nt = nearest["township"]
        col = (
            centres.index.get_indexer(nt["facility"].astype(object).where(nt["facility"].notna(), None))
            if len(centres) else np.full(len(sett), -1)
        )
        ok = col >= 0
        times = sparse.coo_array(
            (np.r_[within.data, nt["time_s"].to_numpy(dtype=float)[ok]],
             (np.r_[within.row, np.flatnonzero(ok)], np.r_[within.col, col[ok]])),
            shape=(len(sett), len(centres)),
        )  # a pair given twice keeps its shorter time
        thr = pd.Series([tier.profile_for(k)[1] for k in sett["kind"].astype(str)], index=sett.index)
        assignment = township_assignment(
            sett, centres, times, threshold_min=thr,
            default_capacity=config.targets.township_centre_capacity,
            townships=data.townships, time_limit_s=config.siting.time_limit_s,
        )

    lap("township_assignment")

    names = fac["name"].astype(str).to_dict() if "name" in fac else {}
    table = classify_settlements(
        sett, nearest, tiers=tiers, profiles=config.profiles, facility_names=names,
        assignment=assignment, circle15=circle15,
    )
    settlements_out = gpd.GeoDataFrame(
        pd.concat([pd.DataFrame(sett).drop(columns=[sett.geometry.name]), table], axis=1),
        geometry=sett.geometry.to_numpy(), crs=sett.crs,
    )
    settlements_out.index = sett.index
    for prof, frame in extra15.items():
        settlements_out[f"circle15_{prof}_time_min"] = frame["time_min"].reindex(sett.index)
        settlements_out[f"circle15_{prof}_covered"] = frame["covered"].reindex(sett.index).astype("boolean")

    facilities_out = _facility_table(fac, f_tier, sett, table, reach, tiers, assignment)
    snap_m = pd.Series(np.nan, index=fac.index)
    linked = pd.Series(pd.NA, index=fac.index, dtype="boolean")
    for key, fs in fac_snap.items():
        fs = fs.reindex(fac.index[(f_tier == key).fillna(False).to_numpy()])
        if "distance_m" in fs:
            snap_m[fs.index] = pd.to_numeric(fs["distance_m"], errors="coerce").to_numpy(dtype=float)
        if "ok" in fs:
            linked[fs.index] = fs["ok"].astype("boolean").to_numpy()
    facilities_out["snap_m"] = snap_m
    facilities_out["linked"] = linked
    unlinked = {k: int((~linked[(f_tier == k).fillna(False).to_numpy()].fillna(True)).sum()) for k in tiers}
    for k, n_bad in unlinked.items():
        if n_bad:
            logger.warning("%d %s-tier facilities are too far from a usable road and reach nobody", n_bad, k)

    if assignment is not None:
        centres_out = gpd.GeoDataFrame(
            assignment.centres, geometry=fac.geometry.reindex(assignment.centres.index).to_numpy(), crs=fac.crs
        )
        no_centre = assignment.townships_without_centre
    else:
        centres_out = gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=fac.crs))
        no_centre = pd.DataFrame(columns=["county", "settlements", "older_population"])

    by_township = coverage_summary(settlements_out, "township", tiers=tiers)
    if data.townships is not None and len(data.townships):
        by_township = by_township.reindex(by_township.index.union(pd.Index(data.townships.index.astype(str))))
        by_township.index.name = "township"
        for col in ("settlements", "served", "under_served"):
            by_township[col] = by_township[col].fillna(0).astype(int)
        by_township["county"] = data.townships["county"].reindex(by_township.index) if "county" in data.townships else ""
    centre_towns = set(fac.loc[(f_tier == "township").fillna(False).to_numpy(), "township"].astype(str)) if "township" in fac else set()
    by_township["has_centre"] = [t in centre_towns for t in by_township.index]
    by_county = coverage_summary(settlements_out, "county", tiers=tiers)
    overall = coverage_summary(settlements_out, None, tiers=tiers)

    lap("flags_and_summaries")

    counties = list(data.counties.index.astype(str)) if data.counties is not None and len(data.counties) else None
    card = make_scorecard(
        settlements_out, fac, townships=data.townships, counties=counties, targets=config.targets, year=year,
    )

    lap("scorecard")

    circ_status = "not requested"
    c_all = c_tier = vor = None
    if circles:
        c_all, c_tier, vor, circ_status = _circles(graphs, fac, tiers, verbose)

    lap("circles")

    params = _params(config, tiers, year, sett, fac, f_tier, assignment, circ_status, graphs)
    params["circle15_extra_profiles"] = list(extra15)
    params["facilities_unlinked"] = unlinked
    params["timings_s"] = timings
    logger.info(
        "coverage: %d settlements, %d under-served", len(settlements_out),
        int((settlements_out["status"] == "under_served").sum()),
    )
    return CoverageResult(
        settlements=settlements_out, facilities=facilities_out, circles=c_all, circles_by_tier=c_tier,
        voronoi=vor, centres=centres_out, townships_without_centre=no_centre, by_township=by_township,
        by_county=by_county, overall=overall, scorecard=card, params=params,
    )


def _facility_table(
    fac: gpd.GeoDataFrame, f_tier: pd.Series, sett: pd.DataFrame, table: pd.DataFrame,
    reach: Mapping[str, Any], tiers: Mapping[str, Tier], assignment: TownshipAssignment | None,
) -> gpd.GeoDataFrame:
    out = fac.copy()
    older = pd.to_numeric(sett["older_population"], errors="coerce").fillna(0.0).to_numpy(dtype=float)
    n = len(fac)
    cols = {c: np.zeros(n) for c in ("settlements_in_circle", "older_in_circle", "nearest_settlements", "nearest_load")}
    thr = np.full(n, np.nan)
    cap_used = (
        np.array(pd.to_numeric(fac["capacity"], errors="coerce"), dtype=float)
        if "capacity" in fac else np.full(n, np.nan)
    )
    load = np.full(n, np.nan)
    for key, tier in tiers.items():
        mask = (f_tier == key).fillna(False).to_numpy()
        pos = np.flatnonzero(mask)
        if not len(pos):
            continue
        thr[pos] = tier.minutes
        d = sparse.coo_array(reach[key])  # settlements x facilities of the tier, reached pairs
        k = len(pos)
        cols["settlements_in_circle"][pos] = np.bincount(d.col, minlength=k)[:k]
        cols["older_in_circle"][pos] = np.bincount(d.col, weights=older[d.row], minlength=k)[:k]
        covered = table[f"{key}_covered"].to_numpy(dtype=bool)
        nf = table[f"{key}_facility"].astype(object)
        ids = fac.index[pos]
        near_n = nf[covered].value_counts().reindex(ids).fillna(0).to_numpy()
        near_o = pd.Series(older[covered], index=nf[covered].index).groupby(nf[covered].to_numpy()).sum()
        cols["nearest_settlements"][pos] = near_n
        cols["nearest_load"][pos] = near_o.reindex(ids).fillna(0.0).to_numpy()
        load[pos] = cols["nearest_load"][pos]
    if assignment is not None and len(assignment.centres):
        c = assignment.centres
        pos = fac.index.get_indexer(c.index)
        cap_used[pos] = c["capacity"].to_numpy()
        load[pos] = c["load"].to_numpy()
    for k, v in cols.items():
        out[k] = v.astype(int) if k in ("settlements_in_circle", "nearest_settlements") else v
    out["threshold_min"] = thr
    out["capacity_used"] = cap_used
    out["load"] = load
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(np.isfinite(cap_used) & (cap_used > 0), load / cap_used, np.nan)
    out["share"] = share
    out["over"] = pd.array(np.where(np.isnan(share), None, share > 1.0 + 1e-12), dtype="boolean")
    return out


def _params(
    config: StudyConfig, tiers: Mapping[str, Tier], year: int, sett: pd.DataFrame, fac: pd.DataFrame,
    f_tier: pd.Series, assignment: TownshipAssignment | None, circ_status: str, graphs: Mapping[str, Any],
) -> dict[str, Any]:
    used = profiles_in_use(config)
    older = pd.to_numeric(sett["older_population"], errors="coerce")
    return {
        "year": year,
        "tiers": {
            k: {"profile": t.profile, "minutes": t.minutes, "rural_profile": t.rural_profile,
                "rural_minutes": t.rural_minutes, "words": list(t.all_words)}
            for k, t in tiers.items()
        },
        "profiles": {
            n: {"mode": config.profiles[n].mode, "speed_kmh": config.profiles[n].speed_kmh,
                "highway_speeds_kmh": dict(config.profiles[n].highway_speeds_kmh),
                "access_speed_kmh": config.profiles[n].access_speed_kmh,
                "max_snap_m_urban": config.profiles[n].max_snap_m_urban,
                "max_snap_m_rural": config.profiles[n].max_snap_m_rural,
                "respect_oneway": config.profiles[n].respect_oneway}
            for n in used
        },
        "graphs": sorted(graphs),
        "township_centre_capacity": config.targets.township_centre_capacity,
        "targets": {f: getattr(config.targets, f) for f in config.targets.__dataclass_fields__},
        "assignment": dict(assignment.params) if assignment is not None else None,
        "circle15": {"profile": tiers["community"].profile, "minutes": tiers["community"].minutes}
        if "community" in tiers else None,
        "circles": circ_status,
        "settlements": int(len(sett)),
        "settlements_missing_older_population": int(older.isna().sum()),
        "facilities": int(len(fac)),
        "facilities_by_tier": {str(k): int(v) for k, v in f_tier.fillna("none").value_counts().items()},
        "priority": "older_population * (1 + min(minutes over / threshold, 1)); unreachable counts 1",
    }
