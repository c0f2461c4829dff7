"""Township-centre catchments drawn from the settlements actually assigned to each centre.

A centre's catchment is the road a settlement assigned to it (capacitated
assignment, :mod:`planner.analysis.assignment`) travels to reach it, with
the travel profile that settlement was judged with (urban or rural rule of
the tier), including the settlement's off-road access leg, widened by
``buffer_m``.  Every assigned settlement therefore lies inside its own
centre's catchment, whether it was assigned within the threshold or spilled
to a farther centre; a centre nobody is assigned to has an empty catchment.
Catchments of neighbouring centres may share a road (two villages on one
road assigned to different centres): they are not forced to tile.

The route of a settlement is read off one bounded search per centre
(:func:`planner.routing.reach_nodes` on the reversed graph, cut at the
farthest assigned settlement's time): from the settlement, step along an
arc whose far end is closer to the centre by exactly the arc's time, until
the centre.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numba import njit

from planner.analysis.circle_frames import WGS84, check_buffer, check_facilities, settlement_snap_m
from planner.analysis.circle_geometry import BUFFER_M, multilines, polygons
from planner.errors import DataError
from planner.routing import RoutingGraph, reach_nodes

__all__ = ["assigned_catchments"]

logger = logging.getLogger(__name__)

#: Relative slack on the searches' cutoff (times are summed in another order by the routing engine).
_SLACK = 1e-6


@njit(cache=True, nogil=True)
def _trace_kernel(indptr, indices, weight, t, start, source, seen, stamp):  # pragma: no cover - numba
    """Arcs of one shortest route ``start -> source`` given every node's time to ``source`` (``t``).

    Returns the tails and heads of the arcs; none when the route breaks off
    (a node with no arc whose time closes the gap).
    """
    n = seen.shape[0]
    tails = np.empty(n, dtype=np.int64)
    heads = np.empty(n, dtype=np.int64)
    v = start
    k = 0
    seen[v] = stamp
    while v != source and k < n:
        best = -1
        tol = 1e-6 * max(1.0, t[v])
        for a in range(indptr[v], indptr[v + 1]):
            u = indices[a]
            if u == source and abs(t[u] + weight[a] - t[v]) <= tol:
                best = u
                break
            # on the route: the arc's time closes the gap; the most progress first, never back
            # onto the route so far (zero-time pieces where a point sits on a road node)
            if seen[u] != stamp and abs(t[u] + weight[a] - t[v]) <= tol and (best < 0 or t[u] < t[best]):
                best = u
        if best < 0:
            return tails[:0], heads[:0]
        seen[best] = stamp
        tails[k] = v
        heads[k] = best
        k += 1
        v = best
    if v != source:
        return tails[:0], heads[:0]
    return tails[:k].copy(), heads[:k].copy()


def _routes(g2: RoutingGraph, centre_node: int, starts: np.ndarray, cutoff_s: float) -> tuple[np.ndarray, list[int]]:
    """Pieces ``(x0, y0, x1, y1)`` of the routes from ``starts`` to one centre, and the starts not traced."""
    reach = reach_nodes(g2, np.array([centre_node], dtype=np.int64), cutoff_s=cutoff_s).times
    t = np.full(g2.n_nodes, np.inf)
    t[reach.indices] = reach.data
    indptr = np.ascontiguousarray(g2.indptr, dtype=np.int64)
    indices = np.ascontiguousarray(g2.indices, dtype=np.int64)
    weight = np.ascontiguousarray(g2.weight, dtype=np.float64)
    arcs: list[np.ndarray] = []
    broken: list[int] = []
    seen = np.full(g2.n_nodes, -1, dtype=np.int64)
    for i, s in enumerate(starts):
        if s < 0 or not np.isfinite(t[s]):
            broken.append(i)
            continue
        tails, heads = _trace_kernel(indptr, indices, weight, t, int(s), int(centre_node), seen, i)
        if s != centre_node and tails.shape[0] == 0:
            broken.append(i)
            continue
        arcs.append(np.column_stack([tails, heads]))
    pairs = np.unique(np.concatenate(arcs), axis=0) if arcs else np.zeros((0, 2), dtype=np.int64)
    x, y = np.asarray(g2.x, dtype=float), np.asarray(g2.y, dtype=float)
    coords = np.column_stack([x[pairs[:, 0]], y[pairs[:, 0]], x[pairs[:, 1]], y[pairs[:, 1]]])
    return coords, broken


def _profile_pieces(graph: RoutingGraph, centres: gpd.GeoDataFrame, sett: gpd.GeoDataFrame,
                    assigned: pd.Series, time_s: pd.Series) -> tuple[dict[int, np.ndarray], dict[int, list[str]]]:
    """Per centre position: route pieces of its settlements judged with ``graph``'s profile; the untraced ones."""
    nc = len(centres)
    pts = gpd.GeoSeries(np.r_[centres.geometry.to_crs(WGS84).to_numpy(), sett.geometry.to_crs(WGS84).to_numpy()],
                        crs=WGS84)
    limits = np.r_[np.full(nc, float(graph.profile.max_snap_m_rural)), settlement_snap_m(graph, sett)]
    g2, snap = graph.with_points(pts, max_snap_m=limits)
    node = np.asarray(snap["node"], dtype=np.int64)
    cnode, snode = node[:nc], node[nc:]
    col = centres.index.get_indexer(assigned.loc[sett.index])
    pieces: dict[int, np.ndarray] = {}
    untraced: dict[int, list[str]] = {}
    for k in np.unique(col):
        mine = np.flatnonzero(col == k)
        if cnode[k] < 0:
            untraced[int(k)] = list(sett.index[mine])
            continue
        tmax = float(np.nanmax(time_s.loc[sett.index[mine]].to_numpy(dtype=float)))
        cutoff = tmax * (1.0 + _SLACK) + 1e-3 if np.isfinite(tmax) else np.inf
        coords, broken = _routes(g2, int(cnode[k]), snode[mine], cutoff)
        pieces[int(k)] = coords
        if broken:
            untraced[int(k)] = [sett.index[mine[i]] for i in broken]
    return pieces, untraced


def assigned_catchments(
    graphs: Mapping[str, RoutingGraph],
    centres: gpd.GeoDataFrame,
    settlements: gpd.GeoDataFrame,
    *,
    centre: pd.Series,
    time_s: pd.Series,
    profile: pd.Series,
    buffer_m: float = BUFFER_M,
) -> gpd.GeoDataFrame:
    """One catchment polygon per centre: the routes of the settlements assigned to it.

    Parameters
    ----------
    graphs : mapping
        Profile name -> :class:`planner.routing.RoutingGraph` (not augmented).
    centres : GeoDataFrame
        The centres (points), indexed by facility id.
    settlements : GeoDataFrame
        Settlement points with ``kind`` (decides their snapping limit).
    centre : Series
        Per settlement the id of the centre it is assigned to (NA: none).
    time_s : Series
        Per settlement its travel time to that centre, seconds.
    profile : Series
        Per settlement the travel profile it was judged with.
    buffer_m : float
        Widening of the routes, metres (default 30).

    Returns
    -------
    GeoDataFrame
        Indexed like ``centres``, WGS84: ``geometry`` (empty when no
        settlement is assigned), ``n_settlements`` (assigned),
        ``profiles`` (``;``-joined profiles of their routes),
        ``reached_km`` (route length drawn, projected), ``area_km2``,
        ``n_straight`` (settlements whose route could not be read off the
        search; drawn as a straight line to the centre, counted in the log)
        and ``name`` when the centres have it.
    """
    centres = check_facilities(centres, "assigned_catchments")
    check_buffer(buffer_m)
    has = centre.reindex(settlements.index).notna() & centre.reindex(settlements.index).isin(centres.index)
    sett = settlements[has.to_numpy()]
    prof = profile.reindex(sett.index).astype(str)
    missing = sorted(set(prof) - set(graphs))
    if missing:
        raise DataError(f"assigned_catchments: no routing graph for profile(s) {', '.join(missing)}")
    crs = next(iter(graphs.values())).crs if graphs else None
    nc = len(centres)
    parts: list[list[np.ndarray]] = [[] for _ in range(nc)]
    straight: list[str] = []
    for p in sorted(set(prof)):
        sub = sett[(prof == p).to_numpy()]
        pieces, untraced = _profile_pieces(graphs[p], centres, sub, centre, time_s)
        for k, c in pieces.items():
            parts[k].append(c)
        straight += [sid for ids in untraced.values() for sid in ids]
    return _frame(centres, sett, centre, prof, parts, straight, crs, buffer_m)


def _frame(centres: gpd.GeoDataFrame, sett: gpd.GeoDataFrame, centre: pd.Series, prof: pd.Series,
           parts: list[list[np.ndarray]], straight: list[str], crs, buffer_m: float) -> gpd.GeoDataFrame:
    """The catchment frame (straight lines for the settlements whose route could not be traced)."""
    nc = len(centres)
    if straight and crs is not None:
        a = gpd.GeoSeries(sett.geometry.loc[straight].to_numpy(), crs=sett.crs).to_crs(crs)
        b = gpd.GeoSeries(centres.geometry.loc[centre.loc[straight]].to_numpy(), crs=centres.crs).to_crs(crs)
        for sid, p0, p1 in zip(straight, a, b):
            k = centres.index.get_loc(centre.loc[sid])
            parts[k].append(np.array([[p0.x, p0.y, p1.x, p1.y]]))
        logger.warning("catchments: %d assigned settlements drawn with a straight line to their centre "
                       "(route not found in the search)", len(straight))
    coords = [np.concatenate(p) if p else np.zeros((0, 4)) for p in parts]
    group = np.repeat(np.arange(nc), [c.shape[0] for c in coords])
    allc = np.concatenate(coords) if coords else np.zeros((0, 4))
    lines = multilines(allc, group, nc)
    polys = polygons(lines, buffer_m) if nc else np.zeros(0, dtype=object)
    own = centre.reindex(sett.index)
    data = {
        "n_settlements": [int((own == c).sum()) for c in centres.index],
        "profiles": [";".join(sorted(set(prof[(own == c).to_numpy()]))) for c in centres.index],
        "reached_km": np.asarray(shapely.length(lines), dtype=float) / 1000.0 if nc else np.zeros(0),
        "area_km2": np.asarray(shapely.area(polys), dtype=float) / 1e6 if nc else np.zeros(0),
        "n_straight": [int(sum(1 for s in straight if centre.loc[s] == c)) for c in centres.index],
    }
    if "name" in centres.columns:
        data = {"name": centres["name"].astype(str).to_numpy(), **data}
    geo = gpd.GeoSeries(polys, index=centres.index, crs=crs if crs is not None else WGS84).to_crs(WGS84)
    out = gpd.GeoDataFrame(data, index=centres.index.copy(), geometry=geo, crs=WGS84)
    out.attrs["params"] = {"function": "assigned_catchments", "buffer_m": float(buffer_m),
                           "n_straight": len(straight)}
    return out
