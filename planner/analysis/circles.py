"""15-minute service circles (15分钟养老服务圈) as polygons drawn from the road network.

A facility's service circle is the area from which an older person reaches
the facility within the threshold along the network: the road pieces
reached in time (:mod:`planner.analysis.circle_pieces`, one bounded search
per facility by :func:`planner.routing.reach_nodes`) buffered by
``buffer_m`` (:mod:`planner.analysis.circle_geometry`).
``benchmarks/bench_circles.py`` measures it against a networkx
``ego_graph`` + buffer-and-union reference.

Every output frame carries the parameters that produced it in
``frame.attrs["params"]``.

Public functions
----------------
:func:`service_circles`
    One polygon per facility.
:func:`reached_lines`
    The reached linework per facility (what the polygon is drawn from).
:func:`circles_by_tier`
    One dissolved polygon per tier.
:func:`network_voronoi`
    The served area split by nearest facility along the network, without
    overlaps (:mod:`planner.analysis.voronoi`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner.analysis.circle_frames import PASSTHROUGH as PASSTHROUGH
from planner.analysis.circle_frames import (
    WGS84,
    attach_facilities,
    check_buffer,
    check_facilities,
    check_minutes,
    frame,
    result_columns,
)
from planner.analysis.circle_geometry import BUFFER_M, TiledBuffer, multilines, union_polygons
from planner.analysis.circle_geometry import QUAD_SEGS as QUAD_SEGS
from planner.analysis.circle_pieces import ReverseArcs, piece_lengths_km, reached_by_any, reached_pieces
from planner.analysis.voronoi import network_voronoi
from planner.errors import DataError, InputError
from planner.geo import utm_crs_for
from planner.routing import RoutingGraph

__all__ = ["service_circles", "reached_lines", "circles_by_tier", "network_voronoi"]

logger = logging.getLogger(__name__)

#: Facilities searched together (bounds the memory of the reached-node table).
_CHUNK = 64


@dataclass(frozen=True, eq=False)
class _Drawn:
    """Per facility: reached linework (None when polygons are asked for), polygons (None when not), km; snapping."""

    lines: np.ndarray | None
    polys: np.ndarray | None
    km: np.ndarray
    snapping: pd.DataFrame
    union: shapely.Geometry | None = None


def _draw(
    graph: RoutingGraph, facilities: gpd.GeoDataFrame, minutes: float, buffer_m: float | None, max_snap_m: Any,
    verbose: bool, settlements: gpd.GeoDataFrame | None = None, dissolve: bool = False,
    tiles: TiledBuffer | None = None,
) -> _Drawn:
    """Reached linework (or, when ``buffer_m`` is given, its polygons) of every facility, in chunks.

    The polygons are drawn from the pieces themselves, so the linework is only
    built when no polygon is asked for (:func:`reached_lines`).
    """
    check_minutes(minutes)
    g2, nodes, snapping = attach_facilities(graph, facilities, max_snap_m, settlements)
    arcs = ReverseArcs(g2)
    limit = float(minutes) * 60.0
    n = len(facilities)
    lines = np.full(n, shapely.MultiLineString(), dtype=object) if buffer_m is None else None
    polys = None if buffer_m is None else np.full(n, shapely.Polygon(), dtype=object)
    km = np.zeros(n)
    ok = np.flatnonzero(nodes >= 0)
    bar = None
    if verbose:
        from tqdm.auto import tqdm

        bar = tqdm(total=int(ok.shape[0]), desc="service circles", unit="facility")
    if buffer_m is None:
        tiles = None
    elif tiles is None:
        tiles = TiledBuffer(buffer_m)
    elif tiles.buffer_m != float(buffer_m):
        raise InputError(f"service_circles: the tiles given are drawn with buffer_m={tiles.buffer_m:g}, not "
                         f"{float(buffer_m):g}; pass tiles made with the same buffer_m (or none)")
    drawn0, reused0 = (tiles.drawn, tiles.reused) if tiles is not None else (0, 0)
    for lo in range(0, ok.shape[0], _CHUNK):
        idx = ok[lo:lo + _CHUNK]
        coords, group = reached_pieces(g2, arcs, nodes[idx], limit)
        if lines is not None:
            lines[idx] = multilines(coords, group, idx.shape[0])
        km[idx] = piece_lengths_km(coords, group, idx.shape[0])
        if tiles is not None:
            bounds = np.searchsorted(group, np.arange(idx.shape[0] + 1))
            for k in range(idx.shape[0]):
                polys[idx[k]] = tiles.polygon(coords[bounds[k]:bounds[k + 1]])
        if bar is not None:
            bar.update(idx.shape[0])
    if bar is not None:
        bar.close()
    union = None
    if tiles is not None and dissolve:
        union = tiles.polygon(reached_by_any(g2, arcs, nodes, limit))
    if tiles is not None:
        logger.debug("service circles: %d tiles drawn, %d reused", tiles.drawn - drawn0, tiles.reused - reused0)
    return _Drawn(lines, polys, km, snapping, union)


def service_circles(
    graph: RoutingGraph,
    facilities: gpd.GeoDataFrame,
    *,
    minutes: float = 15.0,
    buffer_m: float = BUFFER_M,
    max_snap_m: float | np.ndarray | None = None,
    settlements: gpd.GeoDataFrame | None = None,
    dissolve: bool = False,
    verbose: bool = False,
    tiles: TiledBuffer | None = None,
) -> gpd.GeoDataFrame:
    """Service-circle polygon of every facility, drawn from the reached roads.

    Parameters
    ----------
    graph : planner.routing.RoutingGraph
        Routing graph of the travel profile (projected coordinates).
    facilities : GeoDataFrame
        Facility points (any CRS; WGS84 in the canonical layers).
    minutes : float
        Travel-time threshold (settlement -> facility).
    buffer_m : float
        Distance the reached linework is widened by, metres (default 30).
    max_snap_m : float or array, optional
        Farthest a facility may be from a usable road; default the
        profile's rural value (see :meth:`RoutingGraph.with_points`).
    settlements : GeoDataFrame, optional
        Settlement points judged with this profile and ``minutes``.  They are
        attached to the graph as coverage attaches them (their kind's
        snapping limit), so the off-road access leg of every settlement that
        reaches a facility in time is drawn too and the settlement lies
        inside that facility's circle.
    dissolve : bool
        Also draw the union of all circles (from the roads reached by any
        facility, not by unioning the polygons) into
        ``frame.attrs["dissolved"]`` (WGS84 geometry).
    verbose : bool
        Show a progress bar.
    tiles : TiledBuffer, optional
        The tile cache to draw with (made with the same ``buffer_m``); pass one
        to several calls on the same roads (the tiers and rules of a study) so
        that a tile drawn for one is reused by the others.  A tile is reused
        only for exactly the same reached pieces, so the polygons are the same
        as with a cache of their own (the default).

    Returns
    -------
    GeoDataFrame
        Indexed like ``facilities``, WGS84: ``geometry`` (Polygon or
        MultiPolygon; empty when the facility is off the network),
        ``minutes``, ``reached_km`` (network length inside, km),
        ``area_km2`` (computed in the graph's projected CRS), ``snap_m``,
        ``reason`` (``None`` or ``NO_ROAD``) and ``name``/``tier``/``type``
        when the facilities have them.

    Notes
    -----
    A point on a road belongs to the circle when the facility is reached
    from it within ``minutes``; roads cut by the threshold contribute the
    part within it, from each reached end.  Facilities that could not be
    snapped get an empty polygon and reason ``NO_ROAD`` (counted in the log).
    """
    facilities = check_facilities(facilities, "service_circles")
    check_buffer(buffer_m)
    drawn = _draw(graph, facilities, minutes, buffer_m, max_snap_m, verbose, settlements, dissolve, tiles)
    n_bad = int((np.asarray(drawn.snapping["node"], dtype=np.int64) < 0).sum())
    if n_bad:
        logger.warning(
            "%d of %d facilities are too far from a usable road: empty circle, reason NO_ROAD", n_bad, len(facilities)
        )
    extra = result_columns(minutes, drawn.km, drawn.snapping, drawn.polys)
    params = {"function": "service_circles", "minutes": float(minutes), "buffer_m": float(buffer_m)}
    out = frame(facilities, drawn.polys, graph, extra, params)
    if dissolve:
        union = drawn.union if drawn.union is not None else shapely.Polygon()
        out.attrs["dissolved"] = gpd.GeoSeries([union], crs=graph.crs).to_crs(WGS84).iloc[0]
        out.attrs["dissolved_area_km2"] = float(shapely.area(union)) / 1e6
    return out


def reached_lines(
    graph: RoutingGraph,
    facilities: gpd.GeoDataFrame,
    *,
    minutes: float = 15.0,
    max_snap_m: float | np.ndarray | None = None,
    verbose: bool = False,
) -> gpd.GeoDataFrame:
    """The road linework from which each facility is reached within ``minutes``.

    Parameters
    ----------
    graph, facilities, minutes, max_snap_m, verbose
        As in :func:`service_circles`.

    Returns
    -------
    GeoDataFrame
        Indexed like ``facilities``, WGS84: ``geometry`` (MultiLineString,
        partial roads cut at the threshold), ``minutes``, ``reached_km``,
        ``snap_m``, ``reason`` and the passthrough columns.
    """
    facilities = check_facilities(facilities, "reached_lines")
    drawn = _draw(graph, facilities, minutes, None, max_snap_m, verbose)
    extra = result_columns(minutes, drawn.km, drawn.snapping)
    return frame(facilities, drawn.lines, graph, extra, {"function": "reached_lines", "minutes": float(minutes)})


# --------------------------------------------------------------------------- per-tier dissolve


def _tiers(circles: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame) -> pd.Series:
    """Tier of every circle: its own column, else the facilities' (DataError when missing)."""
    if "tier" in circles.columns:
        tier = circles["tier"]
    else:
        if "tier" not in facilities.columns:
            raise DataError(
                "circles_by_tier: the facilities have no 'tier' column; classify them with planner.data.load_study"
            )
        tier = facilities["tier"].reindex(circles.index)
    missing = tier.isna()
    if missing.any():
        rows = ", ".join(map(str, circles.index[missing.to_numpy()][:5]))
        raise DataError(
            f"circles_by_tier: circles {rows} have no tier; every circle must belong to a facility with a tier"
        )
    return tier


#: Rule columns a dissolved row keeps (one value per tier and rule).
_RULE_COLUMNS = ("applies_to", "profile", "mode")


def _dissolve(circles: gpd.GeoDataFrame, geo: gpd.GeoSeries, key: Any, idx: np.ndarray) -> dict[str, Any]:
    """One tier's (and rule's) row: the union of its drawn circles, counts, thresholds and area."""
    g, rows = geo.iloc[idx], circles.iloc[idx]
    empty = g.is_empty | g.isna()
    merged = union_polygons(g[~empty].to_numpy())
    mins = sorted({float(m) for m in rows["minutes"]}) if "minutes" in circles.columns else []
    out = {"tier": key[0] if isinstance(key, tuple) else key}
    out.update({c: rows[c].iloc[0] for c in _RULE_COLUMNS if c in circles.columns and len(rows)})
    out.update({
        "n_facilities": int((~empty).sum()),
        "n_empty": int(empty.sum()),
        "minutes": ";".join(f"{m:g}" for m in mins),
        "area_km2": float(shapely.area(merged)) / 1e6,
        "geometry": merged,
    })
    return out


def circles_by_tier(circles: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Dissolve service circles into one polygon per tier.

    Parameters
    ----------
    circles : GeoDataFrame
        Output of :func:`service_circles` (indexed by facility id).
    facilities : GeoDataFrame
        The facilities, with a ``tier`` column (used when ``circles`` has none).

    Returns
    -------
    GeoDataFrame
        Index ``tier`` (one row per tier, or per tier and rule when the
        circles carry ``applies_to``; then also ``applies_to``, ``profile``
        and ``mode``); ``geometry`` (WGS84), ``n_facilities`` (circles
        dissolved), ``n_empty`` (facilities off the network, not drawn),
        ``area_km2`` (computed in the local UTM zone) and ``minutes``
        (the thresholds used, ``;``-joined when a tier mixes several).
    """
    tier = _tiers(circles, facilities)
    crs_m = utm_crs_for(circles) if len(circles) and not circles.geometry.is_empty.all() else None
    geo = circles.geometry.to_crs(crs_m) if crs_m is not None else circles.geometry
    keys = [tier.to_numpy()]
    if "applies_to" in circles.columns:
        keys.append(circles["applies_to"].astype(str).to_numpy())
    flat = circles.reset_index(drop=True)
    groups = flat.groupby(keys if len(keys) > 1 else keys[0], sort=True).indices.items()
    geo = geo.reset_index(drop=True)
    rows = [_dissolve(flat, geo, key, idx) for key, idx in groups]
    if not rows:
        return gpd.GeoDataFrame(
            {"n_facilities": [], "n_empty": [], "minutes": [], "area_km2": []},
            geometry=gpd.GeoSeries([], crs=WGS84), index=pd.Index([], name="tier"), crs=WGS84,
        )
    out = gpd.GeoDataFrame(rows, geometry="geometry", crs=crs_m if crs_m is not None else circles.crs)
    return out.set_index("tier").to_crs(WGS84)
