"""Travel times from every site (existing and candidate) to the settlements it can reach.

Times come from :func:`planner.routing.reach_matrix` on the routing graph of
each travel profile, or from a reach function such as
:func:`straight_line_reach` (straight-line distance x a detour factor at the
profile's speed, for studies without a road network: a documented
approximation, flagged in the result's ``params``).  :func:`site_reach` runs
the reach once per (profile, threshold) group of settlements and gathers the
(settlement, site, seconds) pairs into the cover and time matrices the models use.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp

from planner.config import StudyConfig, Tier
from planner.errors import ConfigError, InputError
from planner.geo import utm_crs_for
from planner.optim import cover_from_times

if TYPE_CHECKING:  # routing (numba) loads only when a road network is used
    from planner.routing import ReachMatrix

__all__ = ["ReachFn", "straight_line_reach", "reach_function", "SiteReach", "site_table", "site_reach"]

#: ``reach(profile, sites, settlements, cutoff_s) -> ReachMatrix``.
ReachFn = Callable[[str, gpd.GeoDataFrame, gpd.GeoDataFrame, float], "ReachMatrix"]


def _xy(points: gpd.GeoSeries) -> np.ndarray:
    return np.column_stack([points.x.to_numpy(), points.y.to_numpy()])


def _pairs_within(xa: np.ndarray, xb: np.ndarray, radius: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row in ``xa``, row in ``xb``, metres) for every pair within ``radius``, coincident pairs included."""
    from scipy.spatial import cKDTree

    ta, tb = cKDTree(xa), cKDTree(xb)
    pairs = ta.sparse_distance_matrix(tb, max_distance=radius, output_type="coo_matrix")
    # sparse_distance_matrix drops exact zeros: add coincident pairs back explicitly
    same = ta.query_ball_tree(tb, r=1e-6)
    r0 = np.array([i for i, js in enumerate(same) for _ in js], dtype=np.int64)
    c0 = np.array([j for js in same for j in js], dtype=np.int64)
    return (np.concatenate([pairs.row, r0]), np.concatenate([pairs.col, c0]),
            np.concatenate([pairs.data, np.zeros(len(r0))]))


def straight_line_reach(config: StudyConfig, *, detour: float = 1.3, crs: Any = None) -> ReachFn:
    """Travel times by straight-line distance, for studies without a road network.

    Time = straight-line distance x ``detour`` / the profile's ``speed_kmh``.
    A detour factor of 1.2-1.4 is typical of rural road networks; the answer
    is an approximation and :func:`planner.siting.propose_sites` records that it was used.

    Parameters
    ----------
    config : StudyConfig
        Gives the travel profiles.
    detour : float
        Network distance / straight-line distance (>= 1).
    crs : optional
        Metric CRS; default the UTM zone estimated from the settlements.

    Returns
    -------
    callable
        ``reach(profile, sites, settlements, cutoff_s)`` returning a
        :class:`planner.routing.ReachMatrix` (sites x settlements, seconds
        within ``cutoff_s``), like :func:`planner.routing.reach_matrix`.

    Raises
    ------
    InputError
        ``detour`` below 1.
    """
    if not detour >= 1.0:
        raise InputError(f"detour must be >= 1, got {detour}")

    def reach(profile: str, sites: gpd.GeoDataFrame, settlements: gpd.GeoDataFrame, cutoff_s: float) -> ReachMatrix:
        if profile not in config.profiles:
            raise ConfigError(f"unknown travel profile {profile!r} (have: {', '.join(config.profiles)})")
        speed = config.profiles[profile].speed_kmh * config.profiles[profile].speed_factor / 3.6
        metric = crs or utm_crs_for(settlements)
        rows, cols, metres = _pairs_within(_xy(sites.geometry.to_crs(metric)),
                                           _xy(settlements.geometry.to_crs(metric)), float(cutoff_s) * speed / detour)
        times = sp.csr_array((metres * detour / speed, (rows, cols)), shape=(len(sites), len(settlements)))
        from planner.routing import ReachMatrix

        return ReachMatrix(times, pd.Index(sites.index), pd.Index(settlements.index), pd.DataFrame(), pd.DataFrame(),
                           float(cutoff_s), f"straight_line:{profile}")

    reach.detour = detour  # type: ignore[attr-defined]
    return reach


def reach_function(graphs_or_reach: Mapping[str, Any] | ReachFn) -> tuple[ReachFn, str]:
    """The reach function for routing graphs per profile (or a given function) and how to name its source.

    Raises
    ------
    InputError
        Neither a mapping nor a callable, or (when called) no graph for a profile.
    """
    if callable(graphs_or_reach) and not isinstance(graphs_or_reach, Mapping):
        if hasattr(graphs_or_reach, "detour"):
            return graphs_or_reach, f"straight_line(detour={graphs_or_reach.detour})"
        return graphs_or_reach, "callable"
    if isinstance(graphs_or_reach, Mapping):
        graphs = graphs_or_reach

        def reach(profile: str, sites: gpd.GeoDataFrame, settlements: gpd.GeoDataFrame, cutoff_s: float
                  ) -> ReachMatrix:
            from planner.routing import reach_matrix

            if profile not in graphs:
                raise InputError(
                    f"no routing graph for travel profile {profile!r}; build the graphs with "
                    f"planner.analysis.build_graphs(network, config) (have: {', '.join(graphs) or 'none'})"
                )
            return reach_matrix(graphs[profile], sites, settlements, cutoff_s=cutoff_s)

        return reach, "road_network"
    raise InputError("graphs_or_reach must be a mapping profile -> RoutingGraph or a reach function "
                     "(see planner.siting.straight_line_reach)")


@dataclass(frozen=True)
class SiteReach:
    """Who reaches whom: every (settlement, site) pair within the search limit.

    Attributes
    ----------
    sites : GeoDataFrame
        Existing facilities (``e0``...) then usable candidates (``c0``...), EPSG:4326.
    threshold_s : ndarray
        Each settlement's threshold in seconds (its tier profile for its kind).
    groups : dict
        ``(profile, minutes)`` -> settlement positions.
    rows, cols, vals : ndarray
        Settlement position, site position, seconds of every pair within the search limit.
    """

    sites: gpd.GeoDataFrame
    threshold_s: np.ndarray
    groups: dict[tuple[str, float], list[int]]
    rows: np.ndarray
    cols: np.ndarray
    vals: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        """(settlements, sites)."""
        return len(self.threshold_s), len(self.sites)

    @cached_property
    def cover(self) -> sp.csr_array:
        """Settlements x sites, True within the settlement's threshold."""
        return cover_from_times(self.times, self.threshold_s)

    @cached_property
    def times(self) -> sp.csr_array:
        """Settlements x sites, seconds within the search limit (explicit zeros kept)."""
        return sp.csr_array((self.vals, (self.rows, self.cols)), shape=self.shape)

    @cached_property
    def reached(self) -> np.ndarray:
        """True for every site that reaches at least one settlement."""
        out = np.zeros(len(self.sites), bool)
        out[self.cols] = True
        return out


def site_table(existing: gpd.GeoDataFrame, usable: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The existing facilities (``e0``...) then the usable candidates (``c0``...) as one point layer."""
    sites = pd.concat([
        gpd.GeoDataFrame(geometry=existing.geometry.to_numpy(), crs=existing.crs),
        gpd.GeoDataFrame(geometry=usable.geometry.to_numpy(), crs=usable.crs),
    ], ignore_index=True)
    sites.index = pd.Index([f"e{i}" for i in range(len(existing))] + [f"c{i}" for i in range(len(usable))],
                           name="site")
    return gpd.GeoDataFrame(sites, geometry="geometry", crs="EPSG:4326")


def site_reach(reach: ReachFn, sites: gpd.GeoDataFrame, settlements: gpd.GeoDataFrame, tier: Tier, *,
               search: float) -> SiteReach:
    """Run ``reach`` for every (profile, threshold) group of settlements up to ``search`` x the threshold.

    Parameters
    ----------
    reach : callable
        A reach function (:func:`reach_function`).
    sites : GeoDataFrame
        :func:`site_table`.
    settlements : GeoDataFrame
        The demands (``kind`` picks the tier's profile and threshold).
    tier : Tier
    search : float
        Search limit as a multiple of the threshold (1 for covering models).

    Returns
    -------
    SiteReach
    """
    kind = settlements["kind"].astype(str).to_numpy()
    thr = np.zeros(len(settlements))
    groups: dict[tuple[str, float], list[int]] = {}
    for i, k in enumerate(kind):
        groups.setdefault(tier.profile_for(k), []).append(i)
    rows_l, cols_l, vals_l = [], [], []
    for (prof, minutes), pos in groups.items():
        pos_a = np.asarray(pos)
        thr[pos_a] = minutes * 60.0
        if not len(sites):
            continue
        sub = settlements.iloc[pos_a]
        cutoff = minutes * 60.0 * search
        r, c, v = reach(prof, sites, sub, cutoff).pairs(sites.index, sub.index, cutoff_s=cutoff)
        rows_l.append(pos_a[r])
        cols_l.append(c)
        vals_l.append(v)
    rows = np.concatenate(rows_l) if rows_l else np.zeros(0, int)
    cols = np.concatenate(cols_l) if cols_l else np.zeros(0, int)
    vals = np.concatenate(vals_l) if vals_l else np.zeros(0)
    return SiteReach(sites, thr, groups, rows, cols, vals)
