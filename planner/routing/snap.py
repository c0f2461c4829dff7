"""Snapping points to the road and splicing them into the graph (:meth:`RoutingGraph.with_points`).

Points (settlements, facilities) are snapped to the nearest segment the
profile may use (not the nearest node), through a grid index whose distances
and tie-breaks are those of shapely (:mod:`planner.routing.grid`).  A point
farther than its ``max_snap_m`` from every usable segment is not linked
(``ok=False``, later reported as ``NO_ROAD``): it is never snapped to a far
road across a river.  :func:`with_points` then gives the *full* augmented
graph: the segment is split at the snap positions (several points on one
segment split it in order) and a *virtual node* at the point itself is
joined to the split node by an off-network access leg walked at
``profile.access_speed_kmh`` in both directions.  A point whose snap
position is a segment's end (within :data:`NODE_SNAP_M`) stands at that
node: the piece of no length between its split node and the node is usable
both ways, so every road at the node may be taken, even when the segment it
snapped to is one-way.  That graph is the readable model (and what
:func:`planner.routing.reach_nodes` and the service circles use).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from planner.errors import DataError, InputError
from planner.routing.csr import Arcs, arc_tails, counting_order, split_order
from planner.routing.grid import SegmentGrid

if TYPE_CHECKING:
    from planner.routing.graph import RoutingGraph

__all__ = ["NODE_SNAP_M", "Snapped", "at_node", "usable_segments", "segment_grid", "project_points", "snap_points",
           "with_points"]

logger = logging.getLogger(__name__)

#: A snap position this close (metres, along the segment) to a segment's end is that node.
#: A point on a node stands at the node: every road there may be taken from it and to it,
#: whichever segment it snapped to (a one-way segment's end included).  One centimetre is
#: the precision of OpenStreetMap coordinates (1e-7 degree): a point given to that precision
#: on a junction is on the junction, and a snap 1e-12 of the way along a one-way street
#: behaves as one on its end node, not as one a step down a street it cannot drive back.
NODE_SNAP_M = 0.01


def usable_segments(graph: RoutingGraph) -> np.ndarray:
    """Bool per network segment: the profile may use it in some direction and it is not a loop."""
    net = graph.network
    return (np.isfinite(graph.seg_fwd_s) | np.isfinite(graph.seg_bwd_s)) & (net.u != net.v)


def segment_grid(graph: RoutingGraph) -> tuple[SegmentGrid, np.ndarray]:
    """Grid index of the projected segments the profile may use, and their ids (cached on the graph)."""
    if "grid" not in graph._cache:
        net = graph.network
        segs = np.flatnonzero(usable_segments(graph))
        u, v = net.u[segs], net.v[segs]
        x, y = graph.x, graph.y
        graph._cache["grid"] = (SegmentGrid(x[u], y[u], x[v], y[v]), segs)
    return graph._cache["grid"]


def project_points(graph: RoutingGraph, points: gpd.GeoDataFrame | gpd.GeoSeries) -> tuple[np.ndarray, np.ndarray]:
    """Projected (graph CRS) coordinates of points; DataError for missing or non-point geometries."""
    geoms = points.geometry if isinstance(points, gpd.GeoDataFrame) else points
    if not isinstance(geoms, gpd.GeoSeries):
        raise TypeError("points must be a GeoDataFrame or GeoSeries")
    if geoms.crs is None:
        geoms = geoms.set_crs("EPSG:4326")
    bad = geoms.isna() | geoms.is_empty | (geoms.geom_type != "Point")
    if bad.any():
        first = geoms.index[np.flatnonzero(bad.to_numpy())[0]]
        raise DataError(
            f"{int(bad.sum())} point(s) have a missing or non-point geometry (first: row {first!r}); "
            "give every row a longitude/latitude"
        )
    proj = geoms.to_crs(graph.crs)
    return proj.x.to_numpy(dtype=float), proj.y.to_numpy(dtype=float)


@dataclass(frozen=True, eq=False)
class Snapped:
    """Projected points and where they meet the road.

    ``segment`` is the nearest usable segment (``-1``, with ``fraction`` and
    ``distance`` NaN, only when the profile has no usable segment at all);
    ``fraction`` the snap position along its ``u -> v``; ``ok`` the distance
    within the point's ``max_snap_m``; ``sx, sy`` the snap position.
    """

    px: np.ndarray
    py: np.ndarray
    segment: np.ndarray
    fraction: np.ndarray
    distance: np.ndarray
    ok: np.ndarray
    sx: np.ndarray
    sy: np.ndarray


def _nearest_segments(graph: RoutingGraph, px: np.ndarray, py: np.ndarray, max_snap: np.ndarray) -> np.ndarray:
    """Nearest usable segment of each point (``-1`` only when the profile has none)."""
    grid, segs = segment_grid(graph)
    k = px.shape[0]
    if not k:
        return np.full(k, -1, dtype=np.int64)
    # the nearest usable segment within each point's limit (ties: the smallest
    # segment id, as shapely's query_nearest); beyond it, still the nearest one,
    # so that its distance can be reported
    near = grid.nearest(px, py, max_snap)
    miss = np.flatnonzero(near < 0)
    if miss.size:
        near[miss] = grid.nearest(px[miss], py[miss], np.full(miss.size, np.inf))
    return np.where(near >= 0, segs[np.maximum(near, 0)], -1)


def at_node(t: np.ndarray, length: np.ndarray) -> np.ndarray:
    """Snap fractions with the positions within :data:`NODE_SNAP_M` of a segment end put on that end.

    ``t`` is the fraction along each segment (in ``[0, 1]``), ``length`` the
    segment's projected length.  A position that close to a node is the node
    (the nearer end of a segment shorter than two tolerances).
    """
    to_u = t * length <= NODE_SNAP_M
    to_v = (1.0 - t) * length <= NODE_SNAP_M
    out = np.where(to_v, 1.0, t)
    return np.where(to_u & (~to_v | (t <= 0.5)), 0.0, out)


def snap_points(graph: RoutingGraph, px: np.ndarray, py: np.ndarray, max_snap_m: float | np.ndarray) -> Snapped:
    """Snap projected points to their nearest usable segment; linked when within ``max_snap_m``.

    ``max_snap_m`` is one value or one per point (InputError when negative or NaN).
    """
    net = graph.network
    k = px.shape[0]
    max_snap = np.broadcast_to(np.asarray(max_snap_m, dtype=float), (k,)).copy()
    if np.any(np.isnan(max_snap)) or np.any(max_snap < 0):
        raise InputError("max_snap_m must be non-negative numbers")
    seg_of = _nearest_segments(graph, px, py, max_snap)
    has = seg_of >= 0
    s = np.where(has, seg_of, 0)
    nu, nv = net.u[s], net.v[s]
    x0, y0, x1, y1 = graph.x[nu], graph.y[nu], graph.x[nv], graph.y[nv]
    dx, dy = x1 - x0, y1 - y0
    len2 = dx * dx + dy * dy
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(len2 > 0, ((px - x0) * dx + (py - y0) * dy) / len2, 0.0)
    t = at_node(np.clip(t, 0.0, 1.0), np.sqrt(len2))
    sx = np.where(t == 1.0, x1, x0 + t * dx)
    sy = np.where(t == 1.0, y1, y0 + t * dy)
    dist = np.where(has, np.hypot(px - sx, py - sy), np.nan)
    ok = has & (dist <= max_snap)
    return Snapped(px, py, seg_of, np.where(has, t, np.nan), dist, ok, sx, sy)


# ------------------------------------------------------------------ splicing points into the graph


@dataclass(frozen=True, eq=False)
class _Numbering:
    """New nodes of the linked points: ``okp`` (linked positions), ``sp`` (them in split order),
    ``split_node`` and ``virt_node`` per point (``virt_node`` is ``-1`` when not linked)."""

    okp: np.ndarray
    sp: np.ndarray
    split_node: np.ndarray
    virt_node: np.ndarray


def _number(n: int, snapped: Snapped) -> _Numbering:
    """Split nodes follow the graph's nodes in split order, then one virtual node per linked point."""
    k = snapped.ok.shape[0]
    okp = np.flatnonzero(snapped.ok)
    n_ok = okp.size
    sp = split_order(okp, snapped.segment, snapped.fraction)  # point positions in split order
    split_node = np.empty(k, dtype=np.int64)
    split_node[sp] = n + np.arange(n_ok)
    virt_node = np.full(k, -1, dtype=np.int64)
    virt_node[okp] = n + n_ok + np.arange(n_ok)
    return _Numbering(okp, sp, split_node, virt_node)


def _pieces(graph: RoutingGraph, snapped: Snapped, num: _Numbering) -> tuple[np.ndarray, ...]:
    """Pieces of the split segments: (from node, to node, start fraction, end fraction, segment).

    Each point's piece runs from the previous split node (or the segment's
    ``u``) to its own split node; each segment's last point adds the piece
    to the segment's ``v``.
    """
    net = graph.network
    sp, split_node = num.sp, num.split_node
    n_ok = sp.size
    sseg = snapped.segment[sp]
    st = snapped.fraction[sp]
    first = np.r_[True, sseg[1:] != sseg[:-1]] if n_ok else np.zeros(0, dtype=bool)
    last = np.r_[sseg[1:] != sseg[:-1], True] if n_ok else np.zeros(0, dtype=bool)
    prev_node = np.where(first, net.u[sseg], np.r_[-1, split_node[sp][:-1]])
    prev_t = np.where(first, 0.0, np.r_[0.0, st[:-1]])
    p_a = np.concatenate([prev_node, split_node[sp][last]])
    p_b = np.concatenate([split_node[sp], net.v[sseg[last]]])
    p_t0 = np.concatenate([prev_t, st[last]])
    p_t1 = np.concatenate([st, np.ones(int(last.sum()))])
    p_seg = np.concatenate([sseg, sseg[last]])
    return p_a, p_b, p_t0, p_t1, p_seg


def _new_arcs(graph: RoutingGraph, snapped: Snapped, num: _Numbering) -> Arcs:
    """The arcs of the pieces (usable directions, timed by covered fraction) and the access legs."""
    p_a, p_b, p_t0, p_t1, p_seg = _pieces(graph, snapped, num)
    fwd, bwd = graph.seg_fwd_s[p_seg], graph.seg_bwd_s[p_seg]
    frac = p_t1 - p_t0
    with np.errstate(invalid="ignore"):  # inf * 0 on unusable directions, replaced below
        fw = fwd * frac
        bw = bwd * frac
    fw = np.where(np.isfinite(fwd), fw, np.inf)
    bw = np.where(np.isfinite(bwd), bw, np.inf)
    # a piece of no length joins two nodes at one place (a point on a node and the node, or
    # two points on one spot): it takes no time and is usable both ways, one-way or not
    nil = frac == 0.0
    fw[nil] = 0.0
    bw[nil] = 0.0
    fok, bok = np.isfinite(fw), np.isfinite(bw)
    okp, n_ok = num.okp, num.okp.size
    acc = snapped.distance[okp] / (graph.profile.access_speed_kmh / 3.6)
    virt, split = num.virt_node[okp], num.split_node[okp]
    return Arcs(
        tail=np.concatenate([p_a[fok], p_b[bok], virt, split]),
        head=np.concatenate([p_b[fok], p_a[bok], split, virt]),
        weight=np.concatenate([fw[fok], bw[bok], acc, acc]),
        segment=np.concatenate([p_seg[fok], p_seg[bok], np.full(2 * n_ok, -1, dtype=np.int64)]),
        f0=np.concatenate([p_t0[fok], p_t1[bok], np.full(2 * n_ok, np.nan)]),
        f1=np.concatenate([p_t1[fok], p_t0[bok], np.full(2 * n_ok, np.nan)]),
    )


def _splice(graph: RoutingGraph, snapped: Snapped, num: _Numbering, new: Arcs) -> RoutingGraph:
    """The graph with the arcs of split segments replaced by ``new`` and the new nodes added."""
    net = graph.network
    n, n_ok, sp = graph.n_nodes, num.okp.size, num.sp
    sseg = snapped.segment[sp]
    split_flag = np.zeros(net.n_segments, dtype=bool)
    split_flag[sseg] = True
    keep = ~split_flag[graph.arc_segment]
    tail = np.concatenate([arc_tails(graph.indptr)[keep], new.tail])
    indptr, order = counting_order(n + 2 * n_ok, tail)

    def cat(old: np.ndarray, added: np.ndarray) -> np.ndarray:
        return np.concatenate([old[keep], added])[order]

    comp_split = graph.component[net.u[sseg]]
    component = np.concatenate([graph.component, comp_split, np.empty(n_ok, dtype=np.int64)])
    component[num.virt_node[sp]] = comp_split
    return type(graph)._assemble(
        indptr=indptr,
        tail=tail[order],
        head=cat(graph.indices.astype(np.int64), new.head),
        weight=cat(graph.weight, new.weight),
        arc_segment=cat(graph.arc_segment, new.segment),
        arc_f0=cat(graph.arc_f0, new.f0),
        arc_f1=cat(graph.arc_f1, new.f1),
        x=np.concatenate([graph.x, snapped.sx[sp], snapped.px[num.okp]]),
        y=np.concatenate([graph.y, snapped.sy[sp], snapped.py[num.okp]]),
        component=component,
        main_component=graph.main_component,
        n_network_nodes=graph.n_network_nodes,
        crs=graph.crs,
        profile=graph.profile,
        network=graph.network,
        seg_fwd_s=graph.seg_fwd_s,
        seg_bwd_s=graph.seg_bwd_s,
        augmented=True,
    )


def log_unlinked(graph: RoutingGraph, n_bad: int, n_points: int) -> None:
    """Log how many points are too far from a road the profile may use."""
    if n_bad:
        logger.info("%d of %d points are farther than max_snap_m from any road usable by profile %r",
                    n_bad, n_points, graph.profile.name)


def with_points(
    graph: RoutingGraph, points: gpd.GeoDataFrame | gpd.GeoSeries, *, max_snap_m: float | np.ndarray
) -> tuple[RoutingGraph, pd.DataFrame]:
    """:meth:`RoutingGraph.with_points`: snap, split segments, add access legs (see there)."""
    if graph.augmented:
        raise InputError("with_points needs the graph from RoutingGraph.from_network, not an augmented one")
    px, py = project_points(graph, points)
    snapped = snap_points(graph, px, py, max_snap_m)
    num = _number(graph.n_nodes, snapped)
    augmented = _splice(graph, snapped, num, _new_arcs(graph, snapped, num))
    k = px.shape[0]
    comp_pt = np.full(k, -1, dtype=np.int64)
    comp_pt[num.okp] = augmented.component[num.virt_node[num.okp]]
    snapping = pd.DataFrame(
        {
            "node": num.virt_node,
            "segment": snapped.segment,
            "fraction": snapped.fraction,
            "distance_m": snapped.distance,
            "ok": snapped.ok,
            "component": comp_pt,
        },
        index=points.index.copy(),
    )
    log_unlinked(graph, int(k - num.okp.size), k)
    return augmented, snapping
