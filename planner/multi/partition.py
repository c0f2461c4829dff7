"""Splitting a loaded study into one task per county: its polygon, its points, its clipped roads.

The buffer rule (one buffer per travel profile)
-----------------------------------------------
A county's routing graph of travel profile ``p`` is built from the road
segments with both ends within ``buffer_m[p]`` of the county polygon
(:func:`planner.network.clip_network`), with ``buffer_m`` from
:func:`partition_buffers_m`::

    buffer_m[p] = reach[p] + 3 x snap[p] + longest[p]

* ``reach[p]``: the longest distance a rule using ``p`` lets anyone travel on a
  road: over every tier, its urban and rural rule, and every configured
  scenario whose rule uses ``p`` for that kind, the threshold in seconds (or
  the ``[access]`` catchment of the tier, when longer) times the *fastest*
  speed of ``p`` (as that config defines it) on this network: the largest
  length / time over the segments ``p`` may use, from
  :func:`planner.network.segment_travel_times`, so ``maxspeed`` tags and
  speed factors count;
* ``snap[p]``: the largest snapping distance of ``p`` (``max_snap_m_urban`` /
  ``max_snap_m_rural``): once from the settlement to its road, once from the
  facility to its road, once more for the segments around the facility among
  which its nearest is chosen;
* ``longest[p]``: the longest segment ``p`` may use, so the two segments at
  the ends of a route (and those a point snaps to) keep both their nodes;
* plus, for a rule of a tier in ``execution.cross_border``, the tier's serving
  reach (:mod:`planner.multi.context`): the routes of the settlements beyond the
  border that share a facility's supply (accessibility's demand) are kept too.

Why that is enough: a route of at most the threshold from a settlement ``s``
inside the county runs on roads ``p`` may use, at most ``reach[p]`` long,
from ``s``'s snap point (within ``snap`` of ``s``) to the facility's; every
node on it lies within ``snap + reach[p]`` of ``s``, and the two end
segments within ``longest[p]`` more, so the clip keeps the route.  A facility
whose snap point the route may reach lies within ``2 x snap + reach[p]`` of
``s``; the segment it snaps to in the whole network, within ``snap`` more
(plus its length), is kept too, so it snaps where it does in a whole-area
run and the clip cannot offer it a nearer, different road.  Hence the
settlement's time, facility, covered flag and reason within its thresholds
are those of a whole-area run, for every profile, however small its buffer.
Times beyond every threshold (reported for the nearest facility at any time)
can be longer in a county run, where the road beyond the buffer is missing;
the covered flags are the same.

The task cuts the roads once at the largest buffer (:meth:`CountyTask.clipped`,
``CountyTask.buffer_m``) and each profile's roads from that clip with a node
mask (:meth:`CountyTask.profile_networks`): a walking graph of a 15-minute rule
is built on the roads a few kilometres around the county, not on those the
60-minute drive of the county tier needs.

Settlements belong to the county their ``county`` column names (a name not in
the county layer: the county containing the point; none: counted in
``unassigned``).  Facilities serve their own county (by ``county`` column,
else location); for the tiers in ``execution.cross_border`` also every
facility within the largest buffer of the tier's profiles (without the
serving reach: the facilities a county settlement may reach).  Those tiers'
accessibility also counts the demand of the settlements beyond the border
(:attr:`CountyTask.access_context`, :mod:`planner.multi.context`).
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from planner.errors import ConfigError, DataError
from planner.results import FrozenMap, freeze_fields

if TYPE_CHECKING:
    import geopandas as gpd

    from planner.analysis import AccessContext
    from planner.config import StudyConfig
    from planner.data import StudyData
    from planner.network import RoadNetwork

__all__ = ["CountyTask", "Partition", "partition_buffer_m", "partition_buffers_m", "partition_study",
           "county_names"]

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
        The largest buffer of the profiles (:func:`partition_buffer_m`): the clip of ``network``.
    buffers_m
        Travel profile -> its buffer (:func:`partition_buffers_m`); each profile's graph is built on
        the roads within its own buffer (:meth:`profile_networks`).  Empty: every profile uses ``network``.
    access_context
        The settlements beyond the county that share the supply of its cross-border tiers' facilities
        (accessibility demand only, :func:`planner.multi.context.demand_context`); ``None``: none.
    """

    county: str
    city: str
    data: StudyData
    network: RoadNetwork | None
    buffer_m: float
    buffers_m: Mapping[str, float] = field(default_factory=FrozenMap)
    access_context: AccessContext | None = None

    def __post_init__(self) -> None:
        freeze_fields(self, "buffers_m")

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

    def profile_networks(self) -> dict[str, RoadNetwork]:
        """Each travel profile's roads: those of :attr:`network` within the profile's own buffer.

        A node mask on the task's clip (already cut at the largest buffer, so only its nodes are
        tested); a profile whose buffer is the largest shares :attr:`network` itself.

        Returns
        -------
        dict
            Profile name -> :class:`planner.network.RoadNetwork`, for the profiles of ``buffers_m``.

        Raises
        ------
        planner.errors.NetworkError
            The task's roads have not been cut yet (:meth:`clipped`).
        """
        from planner.network import clip_network

        if self.network is None:
            from planner.errors import NetworkError

            raise NetworkError(f"county {self.county!r}: cut the task's roads first (CountyTask.clipped)")
        out: dict[str, RoadNetwork] = {}
        by_buffer: dict[float, RoadNetwork] = {}
        profiles = self.data.config.profiles
        for name, buf in self.buffers_m.items():
            if buf >= self.buffer_m:
                out[name] = self.network
                continue
            if buf not in by_buffer:
                by_buffer[buf] = clip_network(self.network, self.data.study_area, buffer_m=buf)
            net = by_buffer[buf]
            # no road of the profile that near: the larger clip (as correct, and its graph can be built;
            # every point then finds no road within its snapping distance, as in a whole-area run)
            out[name] = net if name not in profiles or _has_road(net, profiles[name]) else self.network
        return out


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
        The largest buffer, where every task's roads are cut (:func:`partition_buffer_m`).
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
    buffers_m: Mapping[str, float] = field(default_factory=FrozenMap)

    def __post_init__(self) -> None:
        freeze_fields(self, "buffers_m")


def _has_road(network: RoadNetwork, profile: Any) -> bool:
    """Whether ``profile`` may use some segment of ``network``."""
    from planner.network import segment_travel_times

    fwd, bwd = segment_travel_times(network, profile)
    return bool(np.isfinite(np.minimum(fwd, bwd)).any())


def _extent(network: RoadNetwork, profile: Any) -> tuple[float, float]:
    """``profile``'s fastest speed (m/s) and longest segment (m) over the segments it may use (0, 0: none)."""
    from planner.network import segment_travel_times

    fwd, bwd = segment_travel_times(network, profile)
    best = np.minimum(fwd, bwd)
    ok = np.isfinite(best) & (best > 0)
    if not ok.any():
        return 0.0, 0.0
    length = np.asarray(network.length_m, dtype=float)[ok]
    return float(np.max(length / best[ok])), float(np.max(length))


def _rules(config: StudyConfig) -> list[tuple[str, Any, float, str]]:
    """(profile name, profile, minutes, tier) of every tier rule, in the study and in each scenario.

    ``minutes`` is the rule's threshold, or the tier's ``[access]`` catchment for that kind when longer
    (the accessibility searches reach that far with the same profile).
    """
    from planner.config.scenarios import scenario_config

    configs = [config] + [scenario_config(config, sc) for sc in config.scenarios.values()]
    out = []
    for cfg in configs:
        for tier in cfg.tiers.values():
            for kind in ("community", "village"):
                name, minutes = tier.profile_for(kind)
                minutes = max(minutes, float(cfg.access.catchment_for(tier, kind)))
                out.append((name, cfg.profiles[name], minutes, tier.key))
    return out


def rule_extents(config: StudyConfig, network: RoadNetwork) -> list[tuple[str, str, float, float, float]]:
    """Per tier rule (:func:`_rules`): profile name, tier, reach (m), largest snapping (m), longest segment (m).

    ``reach`` is the rule's minutes at the profile's fastest speed on ``network`` (module docstring).
    """
    seen: list[tuple[Any, tuple[float, float]]] = []
    out = []
    for name, profile, minutes, tier in _rules(config):
        ext = next((e for p, e in seen if p == profile), None)
        if ext is None:
            ext = _extent(network, profile)
            seen.append((profile, ext))
        fastest, longest = ext
        snap = max(profile.max_snap_m_urban, profile.max_snap_m_rural)
        out.append((name, tier, float(minutes * 60.0 * fastest), float(snap), float(longest)))
    return out


def partition_buffers_m(config: StudyConfig, network: RoadNetwork) -> dict[str, float]:
    """The buffer of each travel profile that keeps every route of its rules (module docstring).

    A tier in ``execution.cross_border`` grows the buffer of each profile it uses by its serving
    reach (:func:`planner.multi.context.serving_reach_m`): the routes from the settlements beyond
    the border that share its facilities' supply (accessibility) are kept too.

    Parameters
    ----------
    config
        The study configuration (tiers, profiles, scenarios, access catchments, cross-border tiers).
    network
        The whole study's road network.

    Returns
    -------
    dict
        Profile name -> metres (``reach + 3 x snap + longest segment`` of that profile, plus the serving
        reach of a cross-border tier), for every profile a tier rule uses (in the study or a scenario);
        ``inf`` when a snapping distance is unlimited (then nothing is clipped).
    """
    return _buffers_from(rule_extents(config, network), config.execution.cross_border)


def _buffers_from(rows: list[tuple[str, str, float, float, float]], cross: Any) -> dict[str, float]:
    """Profile -> buffer from :func:`rule_extents` rows; the tiers in ``cross`` grown by their serving reach."""
    from planner.multi.context import serving_from

    serving = serving_from(rows)
    out: dict[str, float] = {}
    for name, tier, reach, snap, longest in rows:
        extra = serving[tier] if tier in set(cross) else 0.0
        out[name] = max(out.get(name, 0.0), extra + reach + 3.0 * snap + longest)
    return out


def partition_buffer_m(config: StudyConfig, network: RoadNetwork) -> float:
    """The largest buffer of :func:`partition_buffers_m`: where a county's roads are cut.

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
    return max(partition_buffers_m(config, network).values(), default=0.0)


def tier_buffers_m(config: StudyConfig, buffers_m: Mapping[str, float]) -> dict[str, float]:
    """Each tier's buffer: the largest of the profiles its rules use (in the study or a scenario)."""
    out: dict[str, float] = {}
    for name, _profile, _minutes, tier in _rules(config):
        out[tier] = max(out.get(tier, 0.0), float(buffers_m[name]))
    return out


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


def _facilities_for(data: StudyData, fac_county: pd.Series, county: str,
                    areas: Mapping[str, Any]) -> gpd.GeoDataFrame:
    """The county's own facilities, plus those of each cross-border tier within the county grown by its buffer.

    ``areas``: tier -> the county polygon grown by the tier's buffer (:func:`tier_buffers_m`).
    """
    import shapely

    fac = data.facilities
    keep = (fac_county == county).to_numpy(copy=True)
    cross = data.config.execution.cross_border
    if cross and len(fac):
        x, y = fac.geometry.x.to_numpy(), fac.geometry.y.to_numpy()
        tiers = fac["tier"].astype(str).to_numpy()
        for tier in cross:
            mine = tiers == tier
            if tier in areas and mine.any():
                keep[mine] |= shapely.intersects_xy(areas[tier], x[mine], y[mine])
    return fac[keep]


def _subset(frame: gpd.GeoDataFrame | None, mask: Any) -> gpd.GeoDataFrame | None:
    return None if frame is None else frame[np.asarray(mask, dtype=bool)]


def _grown(polygon: Any, buffer_m: float) -> Any:
    """``polygon`` grown by ``buffer_m`` (itself for an infinite buffer), prepared."""
    import shapely

    from planner.network import buffered_area

    area = polygon if math.isinf(buffer_m) else buffered_area(polygon, buffer_m)
    shapely.prepare(area)
    return area


def _county_task(data: StudyData, county: str, members: Mapping[str, pd.Series], buffers_m: Mapping[str, float],
                 tier_buffers: Mapping[str, float], context_m: float = 0.0) -> CountyTask:
    """One county's task: its points and polygon, the serving facilities, the demand beyond its border."""
    from planner.multi.context import demand_context

    polygon = data.counties.geometry.loc[county]
    buffer_m = max(buffers_m.values(), default=0.0)
    grown: dict[float, Any] = {}
    for buf in {buffer_m, *(tier_buffers[t] for t in data.config.execution.cross_border if t in tier_buffers)}:
        grown[buf] = _grown(polygon, buf)
    area = grown[buffer_m]
    tier_areas = {t: grown[b] for t, b in tier_buffers.items() if b in grown}
    towns = data.townships
    config = data.config.replace(name=f"{data.config.name} · {county}")  # the county's report and map say which
    sub = dataclasses.replace(
        data,
        config=config,
        settlements=data.settlements[(members["settlements"] == county).to_numpy()],
        facilities=_facilities_for(data, members["facilities"], county, tier_areas),
        townships=None if towns is None else towns[towns["county"].astype(str) == county],
        counties=data.counties.loc[[county]],
        study_area=polygon,
        candidates=_subset(data.candidates, members["candidates"] == county) if "candidates" in members else None,
        exclusion_zones=_zones_near(data.exclusion_zones, area),
    )
    city = str(data.counties["city"].loc[county]) if "city" in data.counties else ""
    context = demand_context(data, county, members["settlements"], sub.facilities, members["facilities"], context_m)
    return CountyTask(county=county, city=city, data=sub, network=None, buffer_m=buffer_m, buffers_m=buffers_m,
                      access_context=context)


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
    from planner.multi.context import context_radius_m, serving_from

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
    rows = rule_extents(config, network)
    buffers_m = FrozenMap(_buffers_from(rows, config.execution.cross_border))
    buffer_m = max(buffers_m.values(), default=0.0)
    logger.info("splitting the study into %d counties, roads clipped %.1f km around each", len(names),
                buffer_m / 1000.0)
    for name, buf in buffers_m.items():
        logger.info("routing graph of profile %r: roads within %.1f km of the county", name, buf / 1000.0)
    # the facilities a county's settlement may reach: within its tier's buffer for coverage's routes
    tiers = tier_buffers_m(config, _buffers_from(rows, ()))
    context_m = context_radius_m(config, serving_from(rows))
    if context_m > 0:
        logger.info("accessibility of the cross-border tiers counts the older people within %.1f km beyond each "
                    "county", context_m / 1000.0)
    tasks = tuple(_county_task(data, c, members, buffers_m, tiers, context_m) for c in names)
    return Partition(config=config, tasks=tasks, data=data, network=network, buffer_m=buffer_m,
                     unassigned=unassigned, unassigned_facilities=lost, buffers_m=buffers_m)
