"""15-minute service circles (15分钟养老服务圈) as polygons drawn from the road network.

A facility's service circle is the area from which an older person reaches
the facility within the threshold along the network.  Times run
*settlement -> facility*, so the search starts at the facility on the
**reversed** graph.  The polygon is made from the network itself:

* every arc whose far end is reached in time is taken whole;
* an arc cut by the threshold contributes the part walked in time: the
  fraction ``(T - t_node) / arc_time`` measured from its reached end (both
  ends reached but not the middle: two pieces, one from each end);
* the reached linework is buffered by ``buffer_m`` (default 30 m, the depth
  of the buildings along a street).

No convex hull and no alpha shape: a hull would cover rivers, rail yards
and land no road reaches, which is exactly what a planner must see.

Speed
-----
One bounded Dijkstra per facility (:func:`planner._dijkstra.bounded_many_source`,
touched-node reset), then one numba pass that turns every facility's reached
node times into line pieces (two-way arcs deduplicated: a street reached
from both ends is one piece).  Pieces are merged into chains
(``shapely.line_merge``), all chains are buffered in one vectorised call
(round caps, ``QUAD_SEGS`` segments per quarter circle) and each facility's
chain polygons are unioned; one GEOS buffer of the whole MultiLineString is
several times slower on real street grids.  ``benchmarks/bench_circles.py``
measures it against a networkx ``ego_graph`` + buffer-and-union reference.

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
    overlaps.
"""

from __future__ import annotations

import logging
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from numba import njit

from planner.errors import ConfigError, DataError
from planner.routing.kernels import bounded_many_source, multi_source

__all__ = ["service_circles", "reached_lines", "circles_by_tier", "network_voronoi"]

logger = logging.getLogger(__name__)

WGS84 = "EPSG:4326"
#: Columns copied from the facilities when present.
PASSTHROUGH = ("name", "tier", "type")
#: Segments per quarter circle of the buffer's round caps and joins.
QUAD_SEGS = 2

_REASON_NO_ROAD = "NO_ROAD"


# --------------------------------------------------------------------------- graph adapter


class _Reversed:
    """Reversed CSR of a routing graph, with arc geometry and twin arcs.

    ``indptr``/``indices``/``weight`` are the reversed graph (arc ``u -> v``
    here is the original arc ``v -> u``: a walker at ``v`` walks to ``u``).
    ``sx, sy`` is the position of the reversed arc's tail (the original
    head) and ``ex, ey`` of its head, so a piece reached from the tail runs
    from ``s`` toward ``e``.  ``twin[a]`` is the reversed arc ``v -> u`` of
    ``a = u -> v`` (``-1`` when the way is one-way).
    """

    def __init__(self, graph: Any) -> None:
        indptr = np.asarray(graph.indptr, dtype=np.int64)
        heads = np.asarray(graph.indices, dtype=np.int64)
        weight = np.asarray(graph.weight, dtype=np.float64)
        n = indptr.shape[0] - 1
        x = np.asarray(graph.x, dtype=np.float64)
        y = np.asarray(graph.y, dtype=np.float64)
        if x.shape[0] != n or y.shape[0] != n:
            raise ValueError(f"routing graph has {n} nodes but {x.shape[0]} x and {y.shape[0]} y coordinates")
        tails = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
        x0, y0, x1, y1 = _arc_geometry(graph, tails, heads, x, y)
        length = _arc_length_m(graph, x0, y0, x1, y1)
        keep = np.isfinite(weight)
        tails, heads, weight = tails[keep], heads[keep], weight[keep]
        x0, y0, x1, y1, length = x0[keep], y0[keep], x1[keep], y1[keep], length[keep]
        # reversed arc: tail = original head
        rt, rh = heads, tails
        key = rt * n + rh
        order = np.argsort(key, kind="stable")
        key = key[order]
        self.n = n
        self.indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(rt, minlength=n), out=self.indptr[1:])
        self.indices = np.ascontiguousarray(rh[order].astype(np.int32))
        self.weight = np.ascontiguousarray(weight[order])
        self.sx, self.sy = np.ascontiguousarray(x1[order]), np.ascontiguousarray(y1[order])
        self.ex, self.ey = np.ascontiguousarray(x0[order]), np.ascontiguousarray(y0[order])
        self.length = np.ascontiguousarray(length[order])
        tw_key = rh[order] * n + rt[order]
        pos = np.searchsorted(key, tw_key)
        pos = np.minimum(pos, max(key.shape[0] - 1, 0))
        twin = np.where((key.shape[0] > 0) & (key[pos] == tw_key), pos, -1) if key.shape[0] else pos
        self.twin = np.ascontiguousarray(np.asarray(twin, dtype=np.int64))
        self.x, self.y = x, y


def _arc_geometry(
    graph: Any, tails: np.ndarray, heads: np.ndarray, x: np.ndarray, y: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Start and end point of every original arc (projected metres).

    Road segments are straight between consecutive OSM nodes (never
    simplified), :meth:`RoutingGraph.with_points` puts its split nodes on
    the segment and access legs run straight from the split node to the
    point, so every arc is the straight line between its tail and head.
    """
    return x[tails], y[tails], x[heads], y[heads]


def _arc_length_m(graph: Any, x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray) -> np.ndarray:
    """Length of every original arc in metres.

    Road pieces take the network's geodesic segment length times the
    covered fraction (``arc_segment``, ``arc_f0``, ``arc_f1``), the same
    length travel times were made from, so reached length is exactly
    speed x time; access legs (and graphs without segment data) take the
    projected length.
    """
    length = np.hypot(x1 - x0, y1 - y0)
    seg = getattr(graph, "arc_segment", None)
    net = getattr(graph, "network", None)
    if seg is None or net is None or getattr(net, "length_m", None) is None:
        return length
    seg = np.asarray(seg, dtype=np.int64)
    on = seg >= 0
    f0 = np.asarray(graph.arc_f0, dtype=np.float64)[on]
    f1 = np.asarray(graph.arc_f1, dtype=np.float64)[on]
    length[on] = np.abs(f1 - f0) * np.asarray(net.length_m, dtype=np.float64)[seg[on]]
    return length


# --------------------------------------------------------------------------- kernels


@njit(cache=True, nogil=True)
def _pieces_kernel(  # pragma: no cover - numba
    indptr, indices, weight, twin, sx, sy, ex, ey, alen, n, counts, cols, vals, limit
):
    """Line pieces reached within ``limit`` for each search.

    ``counts``/``cols``/``vals`` are the per-search reached nodes and times
    of :func:`bounded_many_source`.  Returns per search the number of pieces
    and the concatenated pieces ``(x0, y0, x1, y1, length_m)``.  A piece
    starts at the reached end of an arc and covers
    ``min(1, (limit - t) / w)`` of it; a two-way arc reached from both ends
    whose pieces meet is emitted once, whole.
    """
    t = np.full(n, np.inf)
    nsrc = counts.shape[0]
    pcounts = np.zeros(nsrc, dtype=np.int64)
    cap = 1024
    out = np.empty((cap, 5), dtype=np.float64)
    nout = 0
    start = 0
    for k in range(nsrc):
        c = counts[k]
        for i in range(start, start + c):
            t[cols[i]] = vals[i]
        before = nout
        for i in range(start, start + c):
            u = cols[i]
            rem = limit - vals[i]
            for a in range(indptr[u], indptr[u + 1]):
                v = indices[a]
                w = weight[a]
                fu = 1.0 if w <= rem else rem / w
                tw = twin[a]
                if tw >= 0 and t[v] <= limit:
                    remv = limit - t[v]
                    wv = weight[tw]
                    fv = 1.0 if wv <= remv else remv / wv
                    if fu + fv >= 1.0:
                        if u < v:
                            fu = 1.0
                        else:
                            continue
                if fu <= 0.0:
                    continue
                if nout == cap:
                    cap *= 2
                    out2 = np.empty((cap, 5), dtype=np.float64)
                    out2[:nout] = out[:nout]
                    out = out2
                out[nout, 0] = sx[a]
                out[nout, 1] = sy[a]
                out[nout, 2] = sx[a] + fu * (ex[a] - sx[a])
                out[nout, 3] = sy[a] + fu * (ey[a] - sy[a])
                out[nout, 4] = fu * alen[a]
                nout += 1
        for i in range(start, start + c):
            t[cols[i]] = np.inf
        pcounts[k] = nout - before
        start += c
    return pcounts, out[:nout].copy()


@njit(cache=True, nogil=True)
def _owned_pieces_kernel(  # pragma: no cover - numba
    indptr, indices, weight, twin, sx, sy, ex, ey, alen, dist, origin, limit
):
    """Line pieces of a multi-source search, each given to its nearest source.

    A point at fraction ``f`` of reversed arc ``u -> v`` reaches a facility
    via ``u`` in ``t_u + f w`` and via ``v`` (when the way is two-way) in
    ``t_v + (1 - f) w'``; it belongs to the source of the smaller.  The piece
    of ``u``'s source therefore ends at
    ``min(cut, split)`` with ``split = (t_v + w' - t_u) / (w + w')``.
    Returns ``(owner, coords)``.
    """
    cap = 1024
    out = np.empty((cap, 5), dtype=np.float64)
    own = np.empty(cap, dtype=np.int64)
    nout = 0
    nn = indptr.shape[0] - 1
    for u in range(nn):
        tu = dist[u]
        if not tu <= limit:
            continue
        rem = limit - tu
        for a in range(indptr[u], indptr[u + 1]):
            v = indices[a]
            w = weight[a]
            f = 1.0 if w <= rem else rem / w
            tw = twin[a]
            if tw >= 0 and dist[v] <= limit:
                wv = weight[tw]
                remv = limit - dist[v]
                fv = 1.0 if wv <= remv else remv / wv
                if origin[v] == origin[u]:
                    if f + fv >= 1.0:
                        if u < v:
                            f = 1.0
                        else:
                            continue
                else:
                    tot = w + wv
                    split = 0.5 if tot <= 0.0 else (dist[v] + wv - tu) / tot
                    if split < f:
                        f = split
            if f <= 0.0:
                continue
            if nout == cap:
                cap *= 2
                out2 = np.empty((cap, 5), dtype=np.float64)
                out2[:nout] = out[:nout]
                out = out2
                own2 = np.empty(cap, dtype=np.int64)
                own2[:nout] = own[:nout]
                own = own2
            out[nout, 0] = sx[a]
            out[nout, 1] = sy[a]
            out[nout, 2] = sx[a] + f * (ex[a] - sx[a])
            out[nout, 3] = sy[a] + f * (ey[a] - sy[a])
            out[nout, 4] = f * alen[a]
            own[nout] = origin[u]
            nout += 1
    return own[:nout].copy(), out[:nout].copy()


# --------------------------------------------------------------------------- geometry helpers


def _multilines(coords: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """One MultiLineString per group from pieces ``(k, >= 4)``: x0, y0, x1, y1.

    Groups without pieces get an empty geometry.
    """
    out = np.full(n_groups, shapely.MultiLineString(), dtype=object)
    if coords.shape[0] == 0:
        return out
    pts = np.ascontiguousarray(coords[:, :4]).reshape(-1, 2)
    lines = shapely.linestrings(pts, indices=np.repeat(np.arange(coords.shape[0]), 2))
    order = np.argsort(group, kind="stable")
    g = group[order]
    present = np.unique(g)
    # shapely.multilinestrings needs indices 0..k-1 without gaps
    dense = np.searchsorted(present, g)
    multis = shapely.multilinestrings(lines[order], indices=dense)
    out[present] = multis
    return out


def _polygons(lines: np.ndarray, buffer_m: float) -> np.ndarray:
    """Buffer each reached linework.

    Pieces are merged into chains (``line_merge``), every chain is buffered
    on its own in one vectorised call and the chain polygons of a facility
    are unioned.  On the Harbin walking graph this is 4-5 times faster in
    the heavy tail than one GEOS buffer of the whole MultiLineString, whose
    noding of thousands of overlapping offset curves dominates (measured in
    ``benchmarks/bench_circles.py``).
    """
    out = np.full(lines.shape[0], shapely.Polygon(), dtype=object)
    merged = shapely.line_merge(lines)
    parts, owner = shapely.get_parts(merged, return_index=True)
    if parts.shape[0] == 0:
        return out
    bufs = shapely.buffer(parts, buffer_m, quad_segs=QUAD_SEGS)
    bounds = np.searchsorted(owner, np.arange(lines.shape[0] + 1))
    for i in range(lines.shape[0]):
        a, b = bounds[i], bounds[i + 1]
        if b > a:
            out[i] = bufs[a] if b - a == 1 else shapely.union_all(bufs[a:b])
    return out


def _snap(graph: Any, facilities: gpd.GeoDataFrame, max_snap_m: Any) -> tuple[Any, np.ndarray, pd.DataFrame]:
    """Add the facilities to the graph; return (graph, node per facility, snapping)."""
    if max_snap_m is None:
        prof = getattr(graph, "profile", None)
        max_snap_m = getattr(prof, "max_snap_m_rural", None)
    kwargs = {} if max_snap_m is None else {"max_snap_m": max_snap_m}
    g2, snapping = graph.with_points(facilities, **kwargs)
    snapping = pd.DataFrame(snapping)
    nodes = np.asarray(snapping["node"], dtype=np.int64)
    return g2, nodes, snapping


def _check_facilities(facilities: Any, who: str) -> gpd.GeoDataFrame:
    if not isinstance(facilities, gpd.GeoDataFrame):
        raise DataError(
            f"{who}: facilities must be a GeoDataFrame of points, got {type(facilities).__name__}; "
            "load them with planner.data.load_study"
        )
    if facilities.crs is None:
        raise DataError(f"{who}: the facilities layer has no CRS; set it (WGS84, EPSG:4326) before drawing circles")
    bad = ~facilities.geometry.geom_type.isin(["Point"]) | facilities.geometry.is_empty
    if bad.any():
        rows = ", ".join(map(str, facilities.index[bad.to_numpy()][:5]))
        raise DataError(
            f"{who}: facilities {rows} have no point geometry; give every facility a longitude and latitude"
        )
    if not facilities.index.is_unique:
        dup = facilities.index[facilities.index.duplicated()][:5]
        raise DataError(
            f"{who}: facility ids are not unique ({', '.join(map(str, dup))}); give each facility its own id"
        )
    return facilities


def _check_minutes(minutes: float) -> None:
    if not np.isfinite(minutes) or minutes < 0:
        raise ConfigError(
            f"minutes must be a finite number >= 0, got {minutes!r}; check the tier's minutes in the study file"
        )


def _graph_crs(graph: Any) -> Any:
    crs = getattr(graph, "crs", None)
    if crs is None:
        raise ValueError("the routing graph has no projected CRS (graph.crs)")
    return crs


def _frame(
    facilities: gpd.GeoDataFrame, geoms: np.ndarray, graph: Any, extra: dict[str, Any], params: dict[str, Any]
) -> gpd.GeoDataFrame:
    data: dict[str, Any] = {c: facilities[c].copy() for c in PASSTHROUGH if c in facilities.columns}
    for k, v in extra.items():
        arr = np.asarray(v)
        data[k] = pd.Series(arr, index=facilities.index, dtype=object if arr.dtype == object else None)
    crs = _graph_crs(graph)
    gs = gpd.GeoSeries(geoms, index=facilities.index, crs=crs).to_crs(WGS84)
    out = gpd.GeoDataFrame(data, index=facilities.index.copy(), geometry=gs, crs=WGS84)
    prof = getattr(graph, "profile", None)
    out.attrs["params"] = {
        **params,
        "profile": getattr(prof, "name", None),
        "projected_crs": pyproj.CRS.from_user_input(crs).to_string(),
        "n_no_road": int((np.asarray(extra["reason"], dtype=object) == _REASON_NO_ROAD).sum()),
    }
    return out


# --------------------------------------------------------------------------- core


def _reached_pieces(rev: _Reversed, nodes: np.ndarray, limit_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Reached piece coordinates of each source node and their source index."""
    sources = np.ascontiguousarray(nodes, dtype=np.int64)
    target_col = np.empty(0, dtype=np.int64)
    counts, cols, vals = bounded_many_source(
        rev.indptr, rev.indices, rev.weight, sources, float(limit_s), target_col, True
    )
    pcounts, coords = _pieces_kernel(
        rev.indptr, rev.indices, rev.weight, rev.twin, rev.sx, rev.sy, rev.ex, rev.ey, rev.length, rev.n,
        counts, cols, vals, float(limit_s),
    )
    group = np.repeat(np.arange(sources.shape[0]), pcounts)
    return coords, group


def _piece_lengths_km(coords: np.ndarray, group: np.ndarray, n: int) -> np.ndarray:
    """Network length of the pieces per group, km (geodesic, as travel times were made)."""
    return np.bincount(group, weights=coords[:, 4], minlength=n) / 1000.0


def _chunks(n: int, size: int) -> list[slice]:
    return [slice(i, min(i + size, n)) for i in range(0, n, size)]


def _lines_and_polygons(
    graph: Any, facilities: gpd.GeoDataFrame, minutes: float, buffer_m: float | None, max_snap_m: Any,
    verbose: bool,
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray, pd.DataFrame]:
    _check_minutes(minutes)
    g2, nodes, snapping = _snap(graph, facilities, max_snap_m)
    rev = _Reversed(g2)
    limit = float(minutes) * 60.0
    n = len(facilities)
    lines = np.full(n, shapely.MultiLineString(), dtype=object)
    polys = None if buffer_m is None else np.full(n, shapely.Polygon(), dtype=object)
    km = np.zeros(n)
    ok = np.flatnonzero(nodes >= 0)
    bar = None
    if verbose:
        from tqdm.auto import tqdm

        bar = tqdm(total=int(ok.shape[0]), desc="service circles", unit="facility")
    for sl in _chunks(ok.shape[0], 64):
        idx = ok[sl]
        coords, group = _reached_pieces(rev, nodes[idx], limit)
        ml = _multilines(coords, group, idx.shape[0])
        lines[idx] = ml
        km[idx] = _piece_lengths_km(coords, group, idx.shape[0])
        if polys is not None:
            polys[idx] = _polygons(ml, buffer_m)
        if bar is not None:
            bar.update(idx.shape[0])
    if bar is not None:
        bar.close()
    return lines, polys, km, snapping


def _reasons(nodes_ok: np.ndarray) -> np.ndarray:
    return np.where(nodes_ok, None, _REASON_NO_ROAD).astype(object)


def service_circles(
    graph: Any,
    facilities: gpd.GeoDataFrame,
    *,
    minutes: float = 15.0,
    buffer_m: float = 30.0,
    max_snap_m: float | np.ndarray | None = None,
    verbose: bool = False,
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
        Distance the reached linework is widened by, metres.
    max_snap_m : float or array, optional
        Farthest a facility may be from a usable road; default the
        profile's rural value (see :meth:`RoutingGraph.with_points`).
    verbose : bool
        Show a progress bar.

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
    facilities = _check_facilities(facilities, "service_circles")
    if not buffer_m > 0:
        raise ConfigError(f"buffer_m must be a number > 0 (metres), got {buffer_m!r}")
    _, polys, km, snapping = _lines_and_polygons(graph, facilities, minutes, buffer_m, max_snap_m, verbose)
    nodes_ok = np.asarray(snapping["node"], dtype=np.int64) >= 0
    n_bad = int((~nodes_ok).sum())
    if n_bad:
        logger.warning(
            "%d of %d facilities are too far from a usable road: empty circle, reason NO_ROAD", n_bad, len(nodes_ok)
        )
    extra = {
        "minutes": np.full(len(facilities), float(minutes)),
        "reached_km": km,
        "area_km2": shapely.area(polys) / 1e6,
        "snap_m": _snap_distance(snapping),
        "reason": _reasons(nodes_ok),
    }
    params = {"function": "service_circles", "minutes": float(minutes), "buffer_m": float(buffer_m)}
    return _frame(facilities, polys, graph, extra, params)


def reached_lines(
    graph: Any,
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
    facilities = _check_facilities(facilities, "reached_lines")
    lines, _, km, snapping = _lines_and_polygons(graph, facilities, minutes, None, max_snap_m, verbose)
    nodes_ok = np.asarray(snapping["node"], dtype=np.int64) >= 0
    extra = {
        "minutes": np.full(len(facilities), float(minutes)),
        "reached_km": km,
        "snap_m": _snap_distance(snapping),
        "reason": _reasons(nodes_ok),
    }
    return _frame(facilities, lines, graph, extra, {"function": "reached_lines", "minutes": float(minutes)})


def _snap_distance(snapping: pd.DataFrame) -> np.ndarray:
    if "distance_m" in snapping.columns:
        d = pd.to_numeric(snapping["distance_m"], errors="coerce").to_numpy(dtype=float)
        return np.where(np.asarray(snapping["node"]) >= 0, d, np.inf)
    return np.full(len(snapping), np.nan)


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
        Index ``tier``; ``geometry`` (WGS84), ``n_facilities`` (circles
        dissolved), ``n_empty`` (facilities off the network, not drawn),
        ``area_km2`` (computed in the local UTM zone) and ``minutes``
        (the thresholds used, ``;``-joined when a tier mixes several).
    """
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
    crs_m = circles.estimate_utm_crs() if len(circles) and not circles.geometry.is_empty.all() else None
    geo = circles.geometry.to_crs(crs_m) if crs_m is not None else circles.geometry
    rows = []
    for key, idx in circles.groupby(tier.to_numpy(), sort=True).groups.items():
        g = geo.loc[idx]
        empty = g.is_empty | g.isna()
        merged = shapely.union_all(g[~empty].to_numpy()) if (~empty).any() else shapely.Polygon()
        mins = sorted({float(m) for m in circles.loc[idx, "minutes"]}) if "minutes" in circles.columns else []
        rows.append({
            "tier": key,
            "n_facilities": int((~empty).sum()),
            "n_empty": int(empty.sum()),
            "minutes": ";".join(f"{m:g}" for m in mins),
            "area_km2": float(shapely.area(merged)) / 1e6,
            "geometry": merged,
        })
    if not rows:
        return gpd.GeoDataFrame(
            {"n_facilities": [], "n_empty": [], "minutes": [], "area_km2": []},
            geometry=gpd.GeoSeries([], crs=WGS84), index=pd.Index([], name="tier"), crs=WGS84,
        )
    out = gpd.GeoDataFrame(rows, geometry="geometry", crs=crs_m if crs_m is not None else circles.crs)
    return out.set_index("tier").to_crs(WGS84)


def network_voronoi(
    graph: Any,
    facilities: gpd.GeoDataFrame,
    *,
    minutes: float = 15.0,
    buffer_m: float = 30.0,
    max_snap_m: float | np.ndarray | None = None,
) -> gpd.GeoDataFrame:
    """The served area split by nearest facility along the network.

    Parameters
    ----------
    graph : planner.routing.RoutingGraph
        Routing graph of the travel profile.
    facilities : GeoDataFrame
        Facility points.
    minutes : float
        Threshold; roads beyond it from every facility are not drawn.
    buffer_m : float
        Widening of the linework, metres.
    max_snap_m : float or array, optional
        As in :func:`service_circles`.

    Returns
    -------
    GeoDataFrame
        Indexed like ``facilities``, WGS84: ``geometry`` (the part of the
        served area closest in time to this facility; pieces do not
        overlap and together equal the dissolved circles), ``minutes``,
        ``reached_km`` (network length this facility is nearest for),
        ``area_km2``, ``snap_m``, ``reason`` and passthrough columns.

    Notes
    -----
    One multi-source Dijkstra labels every node with its nearest facility.
    Each reached arc piece goes to the facility of its reached end; an arc
    reached from both ends by different facilities is split at the point of
    equal time.  The buffered linework is then divided among facilities by
    the Voronoi diagram of points spaced ``buffer_m`` along each
    facility's pieces, so neighbouring pieces meet along a line instead of
    overlapping by the buffer width.
    """
    facilities = _check_facilities(facilities, "network_voronoi")
    if not buffer_m > 0:
        raise ConfigError(f"buffer_m must be a number > 0 (metres), got {buffer_m!r}")
    _check_minutes(minutes)
    g2, nodes, snapping = _snap(graph, facilities, max_snap_m)
    rev = _Reversed(g2)
    limit = float(minutes) * 60.0
    n = len(facilities)
    target = np.zeros(rev.n, dtype=np.bool_)
    dist, origin, _ = multi_source(rev.indptr, rev.indices, rev.weight, np.ascontiguousarray(nodes), limit, target, -1)
    owner, coords = _owned_pieces_kernel(
        rev.indptr, rev.indices, rev.weight, rev.twin, rev.sx, rev.sy, rev.ex, rev.ey, rev.length, dist, origin, limit
    )
    km = _piece_lengths_km(coords, owner, n) if n else np.zeros(0)
    polys = _split_area(coords, owner, n, buffer_m)
    nodes_ok = nodes >= 0
    extra = {
        "minutes": np.full(n, float(minutes)),
        "reached_km": km,
        "area_km2": shapely.area(polys) / 1e6,
        "snap_m": _snap_distance(snapping),
        "reason": _reasons(nodes_ok),
    }
    params = {"function": "network_voronoi", "minutes": float(minutes), "buffer_m": float(buffer_m)}
    return _frame(facilities, polys, graph, extra, params)


def _split_area(coords: np.ndarray, owner: np.ndarray, n: int, buffer_m: float) -> np.ndarray:
    """Divide the buffered linework among owners without overlap."""
    out = np.full(n, shapely.Polygon(), dtype=object)
    if coords.shape[0] == 0:
        return out
    served = _polygons(_multilines(coords, np.zeros(coords.shape[0], dtype=np.int64), 1), buffer_m)[0]
    owners = np.unique(owner)
    if owners.shape[0] == 1:
        out[owners[0]] = served
        return out
    # sample points along every piece, labelled by owner
    step = buffer_m
    length = np.hypot(coords[:, 2] - coords[:, 0], coords[:, 3] - coords[:, 1])
    k = np.maximum(np.ceil(length / step).astype(np.int64), 1) + 1
    piece = np.repeat(np.arange(coords.shape[0]), k)
    first = np.cumsum(k) - k
    f = (np.arange(piece.shape[0]) - first[piece]) / (k[piece] - 1)
    # pull the end samples 0.5 m into their own piece: where two facilities'
    # pieces meet (the equal-time point) the two samples straddling it make
    # the cell boundary the perpendicular to the road at that point
    eps = np.minimum(0.5 / np.maximum(length[piece], 1e-9), 0.25)
    f = np.clip(f, eps, 1.0 - eps)
    px = coords[piece, 0] + f * (coords[piece, 2] - coords[piece, 0])
    py = coords[piece, 1] + f * (coords[piece, 3] - coords[piece, 1])
    lab = owner[piece]
    # identical samples (pieces meeting head-on): keep one
    _, first_idx = np.unique(np.column_stack([px, py]), axis=0, return_index=True)
    first_idx.sort()
    px, py, lab = px[first_idx], py[first_idx], lab[first_idx]
    pts = shapely.points(px, py)
    minx, miny, maxx, maxy = shapely.bounds(served)
    pad = 4 * buffer_m
    extent = shapely.box(minx - pad, miny - pad, maxx + pad, maxy + pad)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=extent))
    # a cell's generator is the sample nearest to any point inside the cell
    near = shapely.STRtree(pts).nearest(shapely.point_on_surface(cells))
    cell_owner = lab[near]
    # On regular layouts GEOS can return a cell as a collection with sliver
    # lines or a slightly invalid cell.  Such cells are left out of the
    # (fast) coverage union; the gaps they leave are given to the owner of
    # the nearest sample afterwards, so pieces still tile the served area.
    good = (shapely.get_type_id(cells) == 3) & shapely.is_valid(cells)
    regions = {}
    for o in owners:
        mine = cells[good & (cell_owner == o)]
        try:
            region = shapely.coverage_union_all(mine)
        except shapely.errors.GEOSException:  # pragma: no cover - GEOS refused a valid coverage
            region = shapely.union_all(mine)
        # coverage_union trusts its input to tile exactly; cells that meet only within
        # floating-point noise can leave a self-touching ring, which GEOS then refuses
        # to intersect ("side location conflict").  Redo those with the full overlay union.
        if not shapely.is_valid(region):
            region = shapely.union_all(mine)
        regions[o] = region
        try:
            out[o] = shapely.intersection(served, region)
        except shapely.errors.GEOSException:
            out[o] = shapely.intersection(served, region, grid_size=1e-3)
    if not good.all():
        covered = shapely.union_all(np.array(list(regions.values()), dtype=object))
        gaps = shapely.get_parts(shapely.difference(served, covered))
        gaps = gaps[shapely.area(gaps) > 0]
        if gaps.shape[0]:
            gap_owner = lab[shapely.STRtree(pts).nearest(shapely.point_on_surface(gaps))]
            for o in np.unique(gap_owner):
                out[o] = shapely.union_all(np.append(gaps[gap_owner == o], out[o]))
        logger.debug(
            "network_voronoi: %d degenerate Voronoi cells, %d gaps reassigned", int((~good).sum()), gaps.shape[0]
        )
    return _resolve_overlaps(out, pts, lab)


def _resolve_overlaps(out: np.ndarray, pts: np.ndarray, lab: np.ndarray) -> np.ndarray:
    """Give any area two pieces share to the owner of the sample nearest to it.

    Degenerate Voronoi cells (regular layouts) can leave two owners' pieces
    overlapping after the repairs above; pieces must tile the served area.
    """
    out = out.copy()
    bad = ~shapely.is_valid(out)
    out[bad] = shapely.make_valid(out[bad])
    tree = shapely.STRtree(out)
    left, right = tree.query(out, predicate="intersects")
    near = shapely.STRtree(pts)
    for i, j in zip(left, right):
        if i >= j:
            continue
        shared = shapely.intersection(out[i], out[j])
        if shapely.area(shared) <= 1e-6:
            continue
        parts = shapely.get_parts(shared)
        parts = parts[shapely.area(parts) > 0]
        owner = lab[near.nearest(shapely.point_on_surface(parts))]
        for part, o in zip(parts, owner):
            loser = j if o == i else i
            out[loser] = shapely.difference(out[loser], part)
    return out
