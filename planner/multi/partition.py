"""Splitting a loaded study into one task per county: its polygon, its points, its clipped roads.

The buffer rule
---------------
A county's task keeps the road segments with both ends within ``buffer_m`` of
the county polygon (:func:`planner.network.clip_network` on the arrays read
once), with ``buffer_m`` from :func:`partition_buffer_m`::

    reach + 3 x snap + longest segment

* ``reach``: the longest distance a threshold lets anyone travel on a road: for
  every tier, urban and rural rule, and every configured scenario, the
  threshold in seconds times the *fastest* speed of its profile on this network
  (the largest length / time over the segments the profile may use, from
  :func:`planner.network.segment_travel_times`, so ``maxspeed`` tags and speed
  factors count);
* ``snap``: the largest snapping distance of the profiles in use
  (``max_snap_m_urban`` / ``max_snap_m_rural``): once from the settlement to
  its road, once from the facility to its road, once more for the segments
  around the facility among which its nearest is chosen;
* the longest segment of the network, so the two segments at the ends of a
  route (and those a point snaps to) keep both their nodes.

Every route of at most the threshold from a settlement inside the county runs
within that buffer, so the settlement's time, covered flag and reason within
its thresholds are those of a whole-area run.  Times beyond every threshold
(reported for the nearest facility at any time) can be longer in a county run,
where the road beyond the buffer is missing; the covered flags are the same.

Settlements belong to the county their ``county`` column names (a name not in
the county layer: the county containing the point; none: counted in
``unassigned``).  Facilities serve their own county (by ``county`` column,
else location); for the tiers in ``execution.cross_border`` also every
facility within the buffer.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from planner.errors import ConfigError, DataError

if TYPE_CHECKING:
    import geopandas as gpd

    from planner.config import StudyConfig
    from planner.data import StudyData
    from planner.network import RoadNetwork

__all__ = ["CountyTask", "Partition", "partition_buffer_m", "partition_study", "county_names"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CountyTask:
    """What one county's run needs, and nothing more (it is shipped to a Dask worker).

    Attributes
    ----------
    county, city
        The county's name (its row of the county layer) and its city ("" when the layer has none).
    data
        The county's part of the study: its settlements, the facilities that may serve it, its
        townships, its boundary row, candidates and exclusion zones; ``study_area`` is the county polygon.
    network
        The road network clipped to the county polygon plus ``buffer_m``; ``None`` until
        :meth:`clipped` cuts it from the study's network (on the worker, from the network Dask
        broadcast once to every worker, so the driver never holds every county's copy).
    buffer_m
        The buffer of :func:`partition_buffer_m`.
    """

    county: str
    city: str
    data: StudyData
    network: RoadNetwork | None
    buffer_m: float

    def clipped(self, network: RoadNetwork) -> CountyTask:
        """This task with its roads: ``network`` (the whole study's) clipped to the county plus the buffer.

        A task that already has its network is returned as it is.
        """
        if self.network is not None:
            return self
        from planner.network import clip_network

        polygon = self.data.study_area
        net = network if math.isinf(self.buffer_m) else clip_network(network, polygon, buffer_m=self.buffer_m)
        return dataclasses.replace(self, network=net)


@dataclass(frozen=True)
class Partition:
    """A study split by county.

    Attributes
    ----------
    config
        The study configuration.
    tasks
        One :class:`CountyTask` per county, in the order of the county layer.
    data
        The whole study as loaded (validation report, all layers).
    network
        The whole study's road network, read once; each task clips its part (:meth:`CountyTask.clipped`).
    buffer_m
        The buffer of every task (:func:`partition_buffer_m`).
    unassigned
        Settlements in no county of the layer, nor named for one (ids), reported, not run.
    unassigned_facilities
        Facilities in no county of the layer (ids): they serve only through ``cross_border``.
    """

    config: StudyConfig
    tasks: tuple[CountyTask, ...]
    data: StudyData
    network: RoadNetwork
    buffer_m: float
    unassigned: tuple[str, ...] = ()
    unassigned_facilities: tuple[str, ...] = ()


def _fastest_ms(network: RoadNetwork, profile: Any) -> float:
    """The fastest speed (m/s) of ``profile`` on any segment it may use (0 when none)."""
    from planner.network import segment_travel_times

    fwd, bwd = segment_travel_times(network, profile)
    best = np.minimum(fwd, bwd)
    ok = np.isfinite(best) & (best > 0)
    if not ok.any():
        return 0.0
    return float(np.max(np.asarray(network.length_m, dtype=float)[ok] / best[ok]))


def _rules(config: StudyConfig) -> list[tuple[Any, float]]:
    """(profile, minutes) of every tier rule, in the study and in each scenario."""
    from planner.config.scenarios import scenario_config

    configs = [config] + [scenario_config(config, sc) for sc in config.scenarios.values()]
    out = []
    for cfg in configs:
        for tier in cfg.tiers.values():
            for kind in ("community", "village"):
                name, minutes = tier.profile_for(kind)
                out.append((cfg.profiles[name], minutes))
    return out


def partition_buffer_m(config: StudyConfig, network: RoadNetwork) -> float:
    """The buffer around each county that keeps every route within a threshold (module docstring).

    Parameters
    ----------
    config
        The study configuration (tiers, profiles, scenarios).
    network
        The whole study's road network.

    Returns
    -------
    float
        Metres; ``inf`` when a snapping distance is unlimited (then nothing is clipped).
    """
    rules = _rules(config)
    fastest: dict[int, float] = {}
    reach = 0.0
    for profile, minutes in rules:
        key = id(profile)
        if key not in fastest:
            fastest[key] = _fastest_ms(network, profile)
        reach = max(reach, minutes * 60.0 * fastest[key])
    snap = max(max(p.max_snap_m_urban, p.max_snap_m_rural) for p, _ in rules)
    longest = float(np.max(network.length_m)) if network.n_segments else 0.0
    return float(reach + 3.0 * snap + longest)


def county_names(config: StudyConfig, counties: gpd.GeoDataFrame | None) -> list[str]:
    """The counties to run: ``execution.counties`` (checked against the layer), else every row of the layer.

    Raises
    ------
    ConfigError
        A listed county is not in the layer (the message lists the layer's names), or there is no county layer.
    """
    where = str(config.source) if config.source is not None else "<config>"
    if counties is None or not len(counties):
        raise ConfigError(f"{where}: a study split by county needs a county boundary layer with one row per "
                          "county. Fix: set [inputs] boundaries_county, or execution.split = \"none\"")
    names = [str(c) for c in counties.index]
    chosen = list(config.execution.counties) or names
    missing = [c for c in chosen if c not in names]
    if missing:
        raise ConfigError(f"{where}: execution.counties names {missing[0]!r}, which is not in the county layer; "
                          f"its counties: {', '.join(names[:20])}{' ...' if len(names) > 20 else ''}. Fix: use a "
                          "name of the layer's name column")
    return chosen


def _county_of(points: gpd.GeoDataFrame, counties: gpd.GeoDataFrame) -> pd.Series:
    """Each point's county: its ``county`` column where that names a county of the layer, else by location."""
    from planner.data import admin_lookup

    named = points["county"].astype(str) if "county" in points else pd.Series("", index=points.index)
    known = named.isin(set(counties.index.astype(str)))
    out = named.where(known, "")
    if (~known).any():
        out.loc[~known] = admin_lookup(points.loc[~known], counties).to_numpy()
    return out


def _facilities_for(data: StudyData, fac_county: pd.Series, county: str, area: Any) -> gpd.GeoDataFrame:
    """The county's own facilities, plus those of the cross-border tiers within the buffered county."""
    import shapely

    fac = data.facilities
    keep = (fac_county == county).to_numpy(copy=True)
    cross = data.config.execution.cross_border
    if cross and len(fac):
        near = shapely.intersects_xy(area, fac.geometry.x.to_numpy(), fac.geometry.y.to_numpy())
        keep |= near & fac["tier"].astype(str).isin(cross).to_numpy()
    return fac[keep]


def _subset(frame: gpd.GeoDataFrame | None, mask: Any) -> gpd.GeoDataFrame | None:
    return None if frame is None else frame[np.asarray(mask, dtype=bool)]


def _county_task(data: StudyData, county: str, members: Mapping[str, pd.Series], buffer_m: float) -> CountyTask:
    """One county's task: its points and polygon, the serving facilities (its roads are cut later)."""
    import shapely

    from planner.network import buffered_area

    polygon = data.counties.geometry.loc[county]
    area = polygon if math.isinf(buffer_m) else buffered_area(polygon, buffer_m)
    shapely.prepare(area)
    towns = data.townships
    config = data.config.replace(name=f"{data.config.name} · {county}")  # the county's report and map say which
    sub = dataclasses.replace(
        data,
        config=config,
        settlements=data.settlements[(members["settlements"] == county).to_numpy()],
        facilities=_facilities_for(data, members["facilities"], county, area),
        townships=None if towns is None else towns[towns["county"].astype(str) == county],
        counties=data.counties.loc[[county]],
        study_area=polygon,
        candidates=_subset(data.candidates, members["candidates"] == county) if "candidates" in members else None,
        exclusion_zones=_zones_near(data.exclusion_zones, area),
    )
    city = str(data.counties["city"].loc[county]) if "city" in data.counties else ""
    return CountyTask(county=county, city=city, data=sub, network=None, buffer_m=buffer_m)


def _zones_near(zones: gpd.GeoDataFrame | None, area: Any) -> gpd.GeoDataFrame | None:
    if zones is None or not len(zones):
        return zones
    return zones[zones.geometry.intersects(area).to_numpy()]


def partition_study(data: StudyData, network: RoadNetwork) -> Partition:
    """Split a loaded study into one :class:`CountyTask` per county (rules in the module docstring).

    Parameters
    ----------
    data
        The whole study (:func:`planner.data.load_study`), with a county layer.
    network
        The whole study's road network, read once (:func:`planner.network.load_network`).

    Returns
    -------
    Partition
        The tasks without their roads: each cuts its part of ``network`` when it runs.

    Raises
    ------
    ConfigError
        No county layer, or ``execution.counties`` names a county not in it.
    DataError
        No settlement belongs to any of the counties run.
    """
    config = data.config
    names = county_names(config, data.counties)
    members = {"settlements": _county_of(data.settlements, data.counties),
               "facilities": _county_of(data.facilities, data.counties)}
    if data.candidates is not None:
        members["candidates"] = _county_of(data.candidates, data.counties)
    unassigned = tuple(str(i) for i in data.settlements.index[(members["settlements"] == "").to_numpy()])
    if unassigned:
        logger.warning("%d settlement(s) lie in no county of the county layer and are not analysed: %s",
                       len(unassigned), ", ".join(unassigned[:10]))
    lost = tuple(str(i) for i in data.facilities.index[(members["facilities"] == "").to_numpy()])
    if lost:
        logger.warning("%d facility(ies) lie in no county of the county layer and serve only the tiers in "
                       "execution.cross_border: %s", len(lost), ", ".join(lost[:10]))
    if not members["settlements"].isin(names).any():
        raise DataError(f"no settlement lies in the counties run ({', '.join(names[:10])}). Fix: check the "
                        "settlements' county column and the county boundary layer")
    buffer_m = partition_buffer_m(config, network)
    logger.info("splitting the study into %d counties, roads clipped %.1f km around each", len(names),
                buffer_m / 1000.0)
    tasks = tuple(_county_task(data, c, members, buffer_m) for c in names)
    return Partition(config=config, tasks=tasks, data=data, network=network, buffer_m=buffer_m,
                     unassigned=unassigned, unassigned_facilities=lost)
