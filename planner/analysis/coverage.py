"""Tiered coverage of settlements, township-centre assignment, reason codes.

For every settlement (village or community) and every tier of the facility
network (county, township/street, community/village) this module finds the
nearest facility of that tier by travel time on the road network (settlement
-> facility, the tier's profile for the settlement's kind) and whether it is
within the tier's threshold.  The township tier is also assigned *with
capacity* (:mod:`planner.analysis.assignment`).  Every settlement read appears in the
result with a status and, when under-served, the reasons with evidence.

Reason codes (``reasons`` column, ``;``-joined) and their evidence
------------------------------------------------------------------
``NO_ROAD``
    No road usable by the tier's profile within the snapping distance: the
    distance to the nearest such road and the limit.
``DISCONNECTED``
    The settlement's road piece (weakly connected component) holds no
    facility of that tier: the piece id.
``ONE_WAY_TRAPPED``
    The piece holds facilities of the tier, but one-way streets lead away
    from all of them (driving): the piece id, and where the one-way road runs
    to a node at which the road file was cut, that node.
``NO_FACILITY``
    The study has no facility of that tier at all.
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

Under-served settlements are ranked by ``priority`` (1 = first): see
:mod:`planner.analysis.classify` for the score (older people affected, weighed
by how far they fall short, the shortfall ratio capped at 1).

The numeric core (:func:`planner.analysis.classify.classify_settlements`)
works on plain nearest-facility tables, so it can be checked by hand; the
sentences come from :mod:`planner.analysis.explain`; :func:`analyse_coverage`
runs the routing (:mod:`planner.analysis.travel`), the township assignment,
the summaries (:mod:`planner.analysis.summary`) and the scorecard, and
assembles :class:`CoverageResult`.
"""

from __future__ import annotations

import logging
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
from planner.analysis.circle_layers import draw_circles
from planner.analysis.classify import classify_settlements
from planner.analysis.policy import scorecard as make_scorecard
from planner.analysis.summary import coverage_summary, facility_links, facility_table, township_table
from planner.analysis.travel import (
    CoverageInputs,
    TierRouting,
    circle15_extra_readings,
    circle15_reading,
    profiles_in_use,
    route_tiers,
)
from planner.codes import CoverageReason
from planner.config import TIER_KEYS, StudyConfig, Tier
from planner.io import write_csvs, write_geopackage
from planner.results import FrozenParams

if TYPE_CHECKING:  # pragma: no cover
    from planner.data import StudyData
    from planner.routing import RoutingGraph

__all__ = ["REASON_CODES", "CoverageResult", "analyse_coverage"]

logger = logging.getLogger(__name__)

#: The codes the ``reasons`` column can hold.
REASON_CODES: tuple[CoverageReason, ...] = tuple(CoverageReason)


# --------------------------------------------------------------------------- result


@dataclass(frozen=True, eq=False)
class CoverageResult(FrozenParams):
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
    circles, circles_by_tier, catchments : GeoDataFrame or None
        Polygons from :mod:`planner.analysis.circle_layers` (None when not
        drawn; ``params["circles"]`` says why): service circles per facility
        and rule (``applies_to`` urban/rural/all, ``profile``, ``mode``,
        ``minutes``: the rule that judged the settlements inside), their
        dissolve per tier and rule, and per township centre the catchment
        drawn from the settlements assigned to it.
    centres : GeoDataFrame
        Township-tier centres: capacity, natural-catchment load, assigned
        load, spill, ``load``, ``share``, ``over``.
    townships_without_centre : DataFrame
    by_township, by_county, overall : DataFrame
        Per tier: settlements, covered, share, older population, covered older, share.
    scorecard : DataFrame
        :func:`planner.analysis.scorecard`.
    params : mapping
        Every parameter used (and ``timings_s``: seconds per stage); read-only.
    """

    settlements: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    circles: gpd.GeoDataFrame | None
    circles_by_tier: gpd.GeoDataFrame | None
    catchments: gpd.GeoDataFrame | None
    centres: gpd.GeoDataFrame
    townships_without_centre: pd.DataFrame
    by_township: pd.DataFrame
    by_county: pd.DataFrame
    overall: pd.DataFrame
    scorecard: pd.DataFrame
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def under_served(self) -> gpd.GeoDataFrame:
        """Under-served settlements in priority order."""
        s = self.settlements[self.settlements["status"] == "under_served"]
        return s.sort_values("priority")

    def layers(self) -> dict[str, pd.DataFrame]:
        """Every table of the result by layer name (the polygon layers only when drawn)."""
        layers: dict[str, pd.DataFrame] = {
            "settlements": self.settlements,
            "facilities": self.facilities,
            "centres": self.centres,
            "townships_without_centre": self.townships_without_centre,
            "by_township": self.by_township,
            "by_county": self.by_county,
            "overall": self.overall,
            "scorecard": self.scorecard,
        }
        for name in ("circles", "circles_by_tier", "catchments"):
            frame = getattr(self, name)
            if frame is not None:
                layers[name] = frame
        return layers

    def to_gpkg(self, path: str | Path) -> Path:
        """Write :meth:`layers` to one GeoPackage (overwritten): :func:`planner.io.write_geopackage`."""
        return write_geopackage(self.layers(), path)

    def to_csv(self, folder: str | Path) -> dict[str, Path]:
        """Write :meth:`layers` as CSVs (UTF-8 with BOM): :func:`planner.io.write_csvs`."""
        return write_csvs(self.layers(), folder)


# --------------------------------------------------------------------------- stages


class _Timer:
    """Seconds spent per stage, added up."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._clock = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.seconds[stage] = self.seconds.get(stage, 0.0) + now - self._clock
        self._clock = now


def _assign_centres(inp: CoverageInputs, routing: TierRouting, config: StudyConfig,
                    townships: pd.DataFrame | None) -> TownshipAssignment | None:
    """Capacitated township-centre assignment over the pairs within the threshold plus each nearest centre."""
    if "township" not in inp.tiers:
        return None
    tier, sett = inp.tiers["township"], inp.settlements
    centres = inp.facilities_of("township")
    within = sparse.coo_array(routing.pairs["township"])  # township is one of travel.PAIR_TIERS
    # add the nearest centre at any time (second stage), from the unbounded search
    nt = routing.nearest["township"]
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
    return township_assignment(
        sett, centres, times, threshold_min=thr,
        default_capacity=config.targets.township_centre_capacity,
        townships=townships, time_limit_s=config.siting.time_limit_s,
    )


def _classify(inp: CoverageInputs, routing: TierRouting, config: StudyConfig,
              assignment: TownshipAssignment | None, circle15: pd.DataFrame | None) -> pd.DataFrame:
    """:func:`classify_settlements` on the routed tiers, facilities named by their ``name``."""
    fac = inp.facilities
    return classify_settlements(
        inp.settlements, routing.nearest, tiers=inp.tiers, profiles=config.profiles,
        facility_names=fac["name"].astype(str).to_dict() if "name" in fac else {},
        assignment=assignment, circle15=circle15,
    )


def _scorecard(settlements: pd.DataFrame, data: StudyData, config: StudyConfig, year: int) -> pd.DataFrame:
    """The policy scorecard of the classified settlements, per county read (all counties named otherwise)."""
    counties = list(data.counties.index.astype(str)) if data.counties is not None and len(data.counties) else None
    return make_scorecard(settlements, data.facilities, townships=data.townships, counties=counties,
                          targets=config.targets, year=year)


def _settlement_layer(inp: CoverageInputs, table: pd.DataFrame,
                      extra15: Mapping[str, pd.DataFrame]) -> gpd.GeoDataFrame:
    """Input settlements with the classification and the extra 15-minute-circle readings."""
    sett = inp.settlements
    out = gpd.GeoDataFrame(
        pd.concat([pd.DataFrame(sett).drop(columns=[sett.geometry.name]), table], axis=1),
        geometry=sett.geometry.to_numpy(), crs=sett.crs,
    )
    out.index = sett.index
    for prof, frame in extra15.items():
        out[f"circle15_{prof}_time_min"] = frame["time_min"].reindex(sett.index)
        out[f"circle15_{prof}_covered"] = frame["covered"].reindex(sett.index).astype("boolean")
    return out


def _centre_layers(inp: CoverageInputs, assignment: TownshipAssignment | None,
                   ) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """The centres (with geometry) and the townships without a centre."""
    fac = inp.facilities
    if assignment is None:
        empty = pd.DataFrame(columns=["county", "settlements", "older_population"],
                             index=pd.Index([], name="township"))
        return gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=fac.crs)), empty
    centres = gpd.GeoDataFrame(
        assignment.centres, geometry=fac.geometry.reindex(assignment.centres.index).to_numpy(), crs=fac.crs
    )
    return centres, assignment.townships_without_centre


def _params(config: StudyConfig, inp: CoverageInputs, year: int, assignment: TownshipAssignment | None,
            circles_status: str) -> dict[str, Any]:
    """Every parameter the coverage used (the caller adds what later stages learn)."""
    tiers, sett, fac = inp.tiers, inp.settlements, inp.facilities
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
                "respect_oneway": config.profiles[n].respect_oneway,
                "speed_factor": config.profiles[n].speed_factor}
            for n in profiles_in_use(config)
        },
        "graphs": sorted(inp.graphs),
        "township_centre_capacity": config.targets.township_centre_capacity,
        "targets": {f: getattr(config.targets, f) for f in config.targets.__dataclass_fields__},
        "assignment": dict(assignment.params) if assignment is not None else None,
        "circle15": {"profile": tiers["community"].profile, "minutes": tiers["community"].minutes}
        if "community" in tiers else None,
        "circles": circles_status,
        "settlements": int(len(sett)),
        "settlements_missing_older_population": int(older.isna().sum()),
        "facilities": int(len(fac)),
        "facilities_by_tier": {str(k): int(v) for k, v in inp.facility_tier.fillna("none").value_counts().items()},
        "priority": "older_population * (1 + min(minutes over / threshold, 1)); unreachable counts 1",
    }


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
        Also draw the service-circle polygons (per facility and rule) and
        the centres' catchments (:mod:`planner.analysis.circle_layers`).
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
    timer = _Timer()
    config = config or data.config
    year = int(config.targets.milestone_year if year is None else year)
    tiers: dict[str, Tier] = {k: config.tiers[k] for k in TIER_KEYS if k in config.tiers}
    inp = CoverageInputs(data.settlements, data.facilities, tiers, graphs)

    routing = route_tiers(inp, verbose=verbose, lang=config.lang)
    timer.lap("tiers")
    circle15 = circle15_reading(inp, routing.nearest)
    extra15 = circle15_extra_readings(inp, circle15_profiles)
    timer.lap("circle15")
    assignment = _assign_centres(inp, routing, config, data.townships)
    timer.lap("township_assignment")

    table = _classify(inp, routing, config, assignment, circle15)
    settlements = _settlement_layer(inp, table, extra15)
    facilities = facility_table(inp, table, routing.in_circle, assignment)
    facilities["snap_m"], facilities["linked"], unlinked = facility_links(inp, routing)
    centres, no_centre = _centre_layers(inp, assignment)
    by_township = township_table(settlements, inp, data.townships)
    by_county = coverage_summary(settlements, "county", tiers=tiers)
    overall = coverage_summary(settlements, None, tiers=tiers)
    timer.lap("flags_and_summaries")

    card = _scorecard(settlements, data, config, year)
    timer.lap("scorecard")
    c_all, c_tier, catch, circ_status = draw_circles(inp, settlements, verbose=verbose) if circles else (
        None, None, None, "not requested")
    timer.lap("circles")

    params = _params(config, inp, year, assignment, circ_status)
    params.update(circle15_extra_profiles=list(extra15), facilities_unlinked=unlinked,
                  timings_s=timer.seconds)
    logger.info("coverage: %d settlements, %d under-served", len(settlements),
                int((settlements["status"] == "under_served").sum()))
    return CoverageResult(
        settlements=settlements, facilities=facilities, circles=c_all, circles_by_tier=c_tier,
        catchments=catch, centres=centres, townships_without_centre=no_centre, by_township=by_township,
        by_county=by_county, overall=overall, scorecard=card, params=params,
    )
