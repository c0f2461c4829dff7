"""Fast, exact travel times on road networks: CSR graph, snapping, searches.

Direction
---------
Every time this module returns is a time **from a settlement (or any node)
to a facility**: older people travel to the facility.  On a directed
(driving) graph that is not the same as facility -> settlement, so the
searches that start at facilities (nearest facility, reach matrix, reach
sets) run on the **reversed** graph: relaxing the reverse arc ``v -> u`` of
the road arc ``u -> v`` gives the time of ``u`` to the source.

Model
-----
:class:`RoutingGraph` is a directed graph in compressed sparse row form
(``indptr``, ``indices``, ``weight`` in seconds) built straight from the
arrays of a :class:`planner.network.RoadNetwork` (no networkx) with the
weights of :func:`planner.network.segment_travel_times` (the only place
edge weights are made).  Parallel arcs (two segments joining the same pair of
nodes) keep the *minimum* time.  Nodes carry projected (UTM, metres)
coordinates and the id of their weakly connected *piece* (``component``).

Points (settlements, facilities) are snapped to the nearest segment the
profile may use (not the nearest node), through a grid index whose distances
and tie-breaks are those of shapely (:mod:`planner._snap`).  A point farther
than its ``max_snap_m`` from every usable segment is not linked
(``ok=False``, later reported as ``NO_ROAD``): it is never snapped to a far
road across a river.  :meth:`RoutingGraph.with_points` then gives the
*full* augmented graph: the segment is split at the snap positions (several
points on one segment split it in order) and a *virtual node* at the point
itself is joined to the split node by an off-network access leg walked at
``profile.access_speed_kmh`` in both directions.  That graph is the readable
model (and what :func:`reach_nodes` and the service circles use).

Searches that only need the times of points run on a **contracted** graph
instead (:mod:`planner._contract`): intersections and the points' split
nodes, each run of degree-2 shape nodes one arc, the access legs added at
the start of a search or on arrival (a virtual node is a leaf).  On the
Harbin extract that is about a third of the nodes.  The numba kernels of
:mod:`planner._dijkstra` do the searching:

* :func:`nearest_facility`: one multi-source Dijkstra from all facilities,
  or, when facilities are dense, one forward search per settlement stopped
  at its first facility (local, cache-friendly, run in threads);
* :func:`reach_matrix`: one bounded Dijkstra per facility whose cost is
  proportional to what it reaches, run in parallel threads;
* :func:`reach_nodes`: the same on the full graph, reporting every node
  reached (for the service-circle polygons).

Results equal networkx's ``multi_source_dijkstra`` /
``single_source_dijkstra`` on :meth:`RoutingGraph.to_networkx` of the
augmented graph (up to the order in which floating-point sums are taken,
far below a microsecond); the tests check this on random graphs and on
Harbin, and ``benchmarks/bench_routing.py`` on every benchmark graph.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyproj
from numba import njit
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from planner.config import TravelProfile
from planner.errors import DataError, NetworkError
from planner.geo import utm_crs_for_lonlat
from planner.routing import contract as _contract
from planner.routing import grid as _snap
from planner.routing import kernels as _dijkstra

__all__ = [
    "RoutingGraph",
    "NearestFacility",
    "ReachMatrix",
    "NodeTimes",
    "nearest_facility",
    "reach_matrix",
    "reach_nodes",
]

logger = logging.getLogger(__name__)

#: Reason codes of :func:`nearest_facility`.
NO_ROAD = "NO_ROAD"
DISCONNECTED = "DISCONNECTED"
BEYOND_CUTOFF = "BEYOND_CUTOFF"

_SNAP_COLUMNS = ["node", "segment", "fraction", "distance_m", "ok", "component"]


def _network_crs(net: Any) -> pyproj.CRS:
    """UTM zone of the network's nodes (NetworkError for an empty network)."""
    if len(net.lon) == 0:
        raise NetworkError("cannot choose a projection for an empty network")
    return utm_crs_for_lonlat(net.lon, net.lat)


# --------------------------------------------------------------------------
# CSR construction kernels
# --------------------------------------------------------------------------


@njit(cache=True)
def _counting_order(n, key):  # pragma: no cover - numba
    """Stable counting sort of arcs by ``key`` (node index): (indptr, order)."""
    m = key.shape[0]
    indptr = np.zeros(n + 1, dtype=np.int64)
    for a in range(m):
        indptr[key[a] + 1] += 1
    for i in range(n):
        indptr[i + 1] += indptr[i]
    fill = indptr[:-1].copy()
    order = np.empty(m, dtype=np.int64)
    for a in range(m):
        k = key[a]
        order[fill[k]] = a
        fill[k] += 1
    return indptr, order


@njit(cache=True)
def _dedupe_parallel(indptr, order, head, weight):  # pragma: no cover - numba
    """Keep, per (tail, head), the arc of least weight (ties: first arc)."""
    n = indptr.shape[0] - 1
    keep = np.ones(order.shape[0], dtype=np.bool_)
    for u in range(n):
        for i in range(indptr[u], indptr[u + 1]):
            if not keep[i]:
                continue
            ai = order[i]
            for j in range(i + 1, indptr[u + 1]):
                if keep[j] and head[order[j]] == head[ai]:
                    aj = order[j]
                    if weight[aj] < weight[ai]:
                        keep[i] = False
                        break
                    keep[j] = False
    return keep


def _zorder(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Z-order (Morton) codes of points: 21 bits per axis over their bounding box, interleaved."""
    out = np.zeros(x.shape[0], dtype=np.uint64)
    if x.shape[0] == 0:
        return out
    codes = []
    for c in (x, y):
        lo, span = float(np.min(c)), float(np.ptp(c)) or 1.0
        q = ((c - lo) / span * (2**21 - 1)).astype(np.uint64)
        for shift, mask in ((16, 0x0000FFFF0000FFFF), (8, 0x00FF00FF00FF00FF), (4, 0x0F0F0F0F0F0F0F0F),
                            (2, 0x3333333333333333), (1, 0x5555555555555555)):
            q = (q | (q << np.uint64(shift))) & np.uint64(mask)
        codes.append(q)
    return codes[0] | (codes[1] << np.uint64(1))


def _split_order(okp: np.ndarray, seg_of: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Linked points ``okp`` in the order segments are split: by segment, along it, then by position.

    :meth:`RoutingGraph.with_points` and the contracted graph both cut
    segments in this order; the contracted times equal the full graph's
    because the order (and so every piece) is the same.
    """
    return okp[np.lexsort((okp, t[okp], seg_of[okp]))]


def _arc_tails(indptr: np.ndarray) -> np.ndarray:
    n = indptr.shape[0] - 1
    return np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))


# --------------------------------------------------------------------------
# RoutingGraph
# --------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class RoutingGraph:
    """A directed road graph in CSR form for one travel profile.

    Build with :meth:`from_network`; attach points with :meth:`with_points`.

    Attributes
    ----------
    indptr, indices, weight
        Forward CSR: arcs ``u -> indices[indptr[u]:indptr[u+1]]`` with
        ``weight`` seconds (int64, int32, float64).  Parallel arcs are merged
        keeping the minimum time.
    rev_indptr, rev_indices, rev_weight, rev_arc
        The same arcs reversed (grouped by head); ``rev_arc`` is the
        position of each reverse arc in the forward arrays.
    arc_segment, arc_f0, arc_f1
        Per forward arc: network segment it covers (``-1`` for access
        legs) and the covered piece as fractions along the segment's
        ``u -> v`` (``arc_f0`` where the arc starts, ``arc_f1`` where it
        ends; NaN for access legs).
    x, y
        Projected node coordinates (metres, ``crs``).
    component, main_component
        Weakly connected piece of every node (only arcs the profile may use
        connect nodes) and the id of the largest piece.
    n_network_nodes
        Nodes ``0 .. n_network_nodes - 1`` are the network's nodes (same
        order as ``network``); the rest are split nodes and virtual nodes
        added by :meth:`with_points`.
    crs, profile, network
        Projection, travel profile, the source network.
    seg_fwd_s, seg_bwd_s
        Travel time of each network segment u->v and v->u (``inf`` unusable),
        from :func:`planner.network.segment_travel_times`.
    augmented
        True for graphs returned by :meth:`with_points`.
    """

    indptr: np.ndarray
    indices: np.ndarray
    weight: np.ndarray
    rev_indptr: np.ndarray
    rev_indices: np.ndarray
    rev_weight: np.ndarray
    rev_arc: np.ndarray
    arc_segment: np.ndarray
    arc_f0: np.ndarray
    arc_f1: np.ndarray
    x: np.ndarray
    y: np.ndarray
    component: np.ndarray
    main_component: int
    n_network_nodes: int
    crs: pyproj.CRS
    profile: TravelProfile
    network: Any
    seg_fwd_s: np.ndarray
    seg_bwd_s: np.ndarray
    augmented: bool = False
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    # ---------------------------------------------------------------- basics
    @property
    def n_nodes(self) -> int:
        """Number of nodes (network, split and virtual)."""
        return int(self.indptr.shape[0] - 1)

    @property
    def n_arcs(self) -> int:
        """Number of directed arcs."""
        return int(self.indices.shape[0])

    def __repr__(self) -> str:  # pragma: no cover - cosmetic
        return (
            f"RoutingGraph(profile={self.profile.name!r}, nodes={self.n_nodes}, arcs={self.n_arcs}, "
            f"crs={self.crs.to_string()}, augmented={self.augmented})"
        )

    # ---------------------------------------------------------- construction
    @classmethod
    def from_network(
        cls, net: Any, profile: TravelProfile, *, crs: pyproj.CRS | str | int | None = None
    ) -> RoutingGraph:
        """Build the CSR graph of ``net`` for ``profile`` from arrays.

        Parameters
        ----------
        net
            :class:`planner.network.RoadNetwork`.
        profile
            Travel profile; edge times come from
            :func:`planner.network.segment_travel_times`.
        crs
            Projected CRS for metric work; default: the UTM zone of the
            centre of the network's bounds.

        Returns
        -------
        RoutingGraph

        Raises
        ------
        NetworkError
            When the profile may use no segment of the network.
        """
        from planner.network import segment_travel_times

        fwd, bwd = segment_travel_times(net, profile)
        fwd = np.asarray(fwd, dtype=np.float64)
        bwd = np.asarray(bwd, dtype=np.float64)
        n = net.n_nodes
        u = np.asarray(net.u, dtype=np.int64)
        v = np.asarray(net.v, dtype=np.int64)
        loop = u == v
        f_ok = np.isfinite(fwd) & ~loop
        b_ok = np.isfinite(bwd) & ~loop
        if not (f_ok.any() or b_ok.any()):
            raise NetworkError(
                f"road network {getattr(net, 'name', '')!r}: profile {profile.name!r} may use none of its "
                f"{net.n_segments} segments; check the profile's allowed_highways or the extract"
            )
        fs = np.flatnonzero(f_ok)
        bs = np.flatnonzero(b_ok)
        tail = np.concatenate([u[fs], v[bs]])
        head = np.concatenate([v[fs], u[bs]])
        w = np.concatenate([fwd[fs], bwd[bs]])
        seg = np.concatenate([fs, bs])
        f0 = np.concatenate([np.zeros(fs.size), np.ones(bs.size)])
        f1 = 1.0 - f0
        indptr0, order = _counting_order(n, tail)
        keep = _dedupe_parallel(indptr0, order, head, w)
        n_dup = int((~keep).sum())
        if n_dup:
            logger.info("merged %d parallel arcs (kept the fastest of each pair of nodes)", n_dup)
        order = order[keep]
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(tail[order], minlength=n), out=indptr[1:])
        crs_obj = pyproj.CRS.from_user_input(crs) if crs is not None else _network_crs(net)
        tr = pyproj.Transformer.from_crs("EPSG:4326", crs_obj, always_xy=True)
        x, y = tr.transform(np.asarray(net.lon, dtype=float), np.asarray(net.lat, dtype=float))
        return cls._assemble(
            indptr=indptr,
            tail=tail[order],
            head=head[order],
            weight=w[order],
            arc_segment=seg[order],
            arc_f0=f0[order],
            arc_f1=f1[order],
            x=np.asarray(x, dtype=np.float64),
            y=np.asarray(y, dtype=np.float64),
            component=None,
            main_component=None,
            n_network_nodes=n,
            crs=crs_obj,
            profile=profile,
            network=net,
            seg_fwd_s=fwd,
            seg_bwd_s=bwd,
            augmented=False,
        )

    @classmethod
    def _assemble(cls, *, indptr, tail, head, weight, component, main_component, **kw) -> RoutingGraph:
        """Make the reverse CSR (and components when not given) for forward arcs sorted by tail."""
        n = indptr.shape[0] - 1
        rev_indptr, rev_arc = _counting_order(n, head)
        indices = head.astype(np.int32)
        if component is None:
            g = sparse.csr_array((np.ones(indices.shape[0], dtype=np.int8), indices, indptr), shape=(n, n))
            _, component = connected_components(g, directed=True, connection="weak")
            component = component.astype(np.int64)
            main_component = int(np.argmax(np.bincount(component))) if n else -1
        return cls(
            indptr=indptr,
            indices=indices,
            weight=weight,
            rev_indptr=rev_indptr,
            rev_indices=tail[rev_arc].astype(np.int32),
            rev_weight=weight[rev_arc],
            rev_arc=rev_arc,
            component=component,
            main_component=int(main_component),
            **kw,
        )

    # -------------------------------------------------------------- snapping
    def _usable_segments(self) -> np.ndarray:
        """Bool per network segment: the profile may use it in some direction and it is not a loop."""
        net = self.network
        return (np.isfinite(self.seg_fwd_s) | np.isfinite(self.seg_bwd_s)) & (net.u != net.v)

    def _segment_grid(self) -> tuple[_snap.SegmentGrid, np.ndarray]:
        """Grid index of the projected segments the profile may use, and their ids (cached)."""
        if "grid" not in self._cache:
            net = self.network
            segs = np.flatnonzero(self._usable_segments())
            u, v = net.u[segs], net.v[segs]
            self._cache["grid"] = (_snap.SegmentGrid(self.x[u], self.y[u], self.x[v], self.y[v]), segs)
        return self._cache["grid"]

    def prepare_snapping(self) -> None:
        """Build the spatial index used by :meth:`with_points` now (it is cached)."""
        self._segment_grid()

    def _project_points(self, points: gpd.GeoDataFrame | gpd.GeoSeries) -> tuple[np.ndarray, np.ndarray]:
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
        proj = geoms.to_crs(self.crs)
        return proj.x.to_numpy(dtype=float), proj.y.to_numpy(dtype=float)

    def _snap(
        self, px: np.ndarray, py: np.ndarray, max_snap_m: float | np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Nearest usable segment of projected points: (segment, fraction, distance, ok, snap x, snap y).

        ``segment`` is ``-1`` (fraction and distance NaN) only when the
        profile has no usable segment at all; ``ok`` is the distance within
        ``max_snap_m`` (one value or one per point).
        """
        net = self.network
        k = px.shape[0]
        max_snap = np.broadcast_to(np.asarray(max_snap_m, dtype=float), (k,)).copy()
        if np.any(np.isnan(max_snap)) or np.any(max_snap < 0):
            raise ValueError("max_snap_m must be non-negative numbers")
        grid, segs = self._segment_grid()
        seg_of = np.full(k, -1, dtype=np.int64)
        if k:
            # the nearest usable segment within each point's limit (ties: the smallest
            # segment id, as shapely's query_nearest); beyond it, still the nearest one,
            # so that its distance can be reported
            near = grid.nearest(px, py, max_snap)
            miss = np.flatnonzero(near < 0)
            if miss.size:
                near[miss] = grid.nearest(px[miss], py[miss], np.full(miss.size, np.inf))
            seg_of = np.where(near >= 0, segs[np.maximum(near, 0)], -1)
        has = seg_of >= 0
        s = np.where(has, seg_of, 0)
        nu, nv = net.u[s], net.v[s]
        x0, y0, x1, y1 = self.x[nu], self.y[nu], self.x[nv], self.y[nv]
        dx, dy = x1 - x0, y1 - y0
        len2 = dx * dx + dy * dy
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.where(len2 > 0, ((px - x0) * dx + (py - y0) * dy) / len2, 0.0)
        t = np.clip(t, 0.0, 1.0)
        sx, sy = x0 + t * dx, y0 + t * dy
        dist = np.where(has, np.hypot(px - sx, py - sy), np.nan)
        ok = has & (dist <= max_snap)
        t = np.where(has, t, np.nan)
        return seg_of, t, dist, ok, sx, sy

    def with_points(
        self,
        points: gpd.GeoDataFrame | gpd.GeoSeries,
        *,
        max_snap_m: float | np.ndarray,
    ) -> tuple[RoutingGraph, pd.DataFrame]:
        """Attach points to the network: snap, split segments, add access legs.

        Parameters
        ----------
        points
            Points (WGS84, or any CRS the frame declares).
        max_snap_m
            Farthest distance (metres) from a usable segment at which a
            point is still linked; a float or one value per point.

        Returns
        -------
        graph : RoutingGraph
            A new graph (this one is not changed) with, per linked point, one
            split node on its segment and one virtual node joined to it by
            access legs (``arc_segment == -1``) in both directions, timed at
            ``profile.access_speed_kmh``.  A segment carrying ``k`` points
            is replaced by ``k + 1`` pieces in order along it, timed
            in proportion to the covered fraction.
        snapping : pandas.DataFrame
            Indexed like ``points``: ``node`` (virtual node, ``-1`` when not
            linked), ``segment`` (nearest usable segment, ``-1`` when none),
            ``fraction`` (snap position along the segment's u->v),
            ``distance_m`` (to the segment, NaN when the profile has no
            segment at all), ``ok`` (linked), ``component`` (piece id,
            ``-1`` when not linked).
        """
        if self.augmented:
            raise ValueError("with_points needs the graph from RoutingGraph.from_network, not an augmented one")
        net = self.network
        px, py = self._project_points(points)
        k = px.shape[0]
        seg_of, t, dist, ok, sx, sy = self._snap(px, py, max_snap_m)

        n = self.n_nodes
        okp = np.flatnonzero(ok)
        n_ok = okp.size
        # order the linked points along their segments
        sp = _split_order(okp, seg_of, t)  # point positions in split order
        split_node = np.empty(k, dtype=np.int64)
        split_node[sp] = n + np.arange(n_ok)
        virt_node = np.full(k, -1, dtype=np.int64)
        virt_node[okp] = n + n_ok + np.arange(n_ok)
        sseg = seg_of[sp]
        st = t[sp]
        first = np.r_[True, sseg[1:] != sseg[:-1]] if n_ok else np.zeros(0, dtype=bool)
        last = np.r_[sseg[1:] != sseg[:-1], True] if n_ok else np.zeros(0, dtype=bool)
        prev_node = np.where(first, net.u[sseg], np.r_[-1, split_node[sp][:-1]])
        prev_t = np.where(first, 0.0, np.r_[0.0, st[:-1]])
        # pieces: prev -> split node, and for each segment's last point split -> v
        p_a = np.concatenate([prev_node, split_node[sp][last]])
        p_b = np.concatenate([split_node[sp], net.v[sseg[last]]])
        p_t0 = np.concatenate([prev_t, st[last]])
        p_t1 = np.concatenate([st, np.ones(int(last.sum()))])
        p_seg = np.concatenate([sseg, sseg[last]])
        frac = p_t1 - p_t0
        with np.errstate(invalid="ignore"):  # inf * 0 on unusable directions, replaced below
            fw = self.seg_fwd_s[p_seg] * frac
            bw = self.seg_bwd_s[p_seg] * frac
        fw = np.where(np.isfinite(self.seg_fwd_s[p_seg]), fw, np.inf)
        bw = np.where(np.isfinite(self.seg_bwd_s[p_seg]), bw, np.inf)
        fok, bok = np.isfinite(fw), np.isfinite(bw)
        acc_speed = self.profile.access_speed_kmh / 3.6
        acc = dist[okp] / acc_speed
        new_tail = np.concatenate([p_a[fok], p_b[bok], virt_node[okp], split_node[okp]])
        new_head = np.concatenate([p_b[fok], p_a[bok], split_node[okp], virt_node[okp]])
        new_w = np.concatenate([fw[fok], bw[bok], acc, acc])
        new_seg = np.concatenate([p_seg[fok], p_seg[bok], np.full(2 * n_ok, -1, dtype=np.int64)])
        new_f0 = np.concatenate([p_t0[fok], p_t1[bok], np.full(2 * n_ok, np.nan)])
        new_f1 = np.concatenate([p_t1[fok], p_t0[bok], np.full(2 * n_ok, np.nan)])

        # drop the arcs of split segments, add the new ones
        split_flag = np.zeros(net.n_segments, dtype=bool)
        split_flag[sseg] = True
        keep = ~split_flag[self.arc_segment]
        old_tail = _arc_tails(self.indptr)
        tail = np.concatenate([old_tail[keep], new_tail])
        n_total = n + 2 * n_ok
        indptr, order = _counting_order(n_total, tail)

        def cat(old: np.ndarray, new: np.ndarray) -> np.ndarray:
            return np.concatenate([old[keep], new])[order]

        comp_split = self.component[net.u[sseg]]
        component = np.concatenate([self.component, comp_split, np.empty(n_ok, dtype=np.int64)])
        component[virt_node[sp]] = comp_split
        graph = RoutingGraph._assemble(
            indptr=indptr,
            tail=tail[order],
            head=cat(self.indices.astype(np.int64), new_head),
            weight=cat(self.weight, new_w),
            arc_segment=cat(self.arc_segment, new_seg),
            arc_f0=cat(self.arc_f0, new_f0),
            arc_f1=cat(self.arc_f1, new_f1),
            x=np.concatenate([self.x, sx[sp], px[okp]]),
            y=np.concatenate([self.y, sy[sp], py[okp]]),
            component=component,
            main_component=self.main_component,
            n_network_nodes=self.n_network_nodes,
            crs=self.crs,
            profile=self.profile,
            network=self.network,
            seg_fwd_s=self.seg_fwd_s,
            seg_bwd_s=self.seg_bwd_s,
            augmented=True,
        )
        comp_pt = np.full(k, -1, dtype=np.int64)
        comp_pt[okp] = graph.component[virt_node[okp]]
        snapping = pd.DataFrame(
            {
                "node": virt_node,
                "segment": seg_of,
                "fraction": t,
                "distance_m": dist,
                "ok": ok,
                "component": comp_pt,
            },
            index=points.index.copy(),
        )
        n_bad = int(k - n_ok)
        if n_bad:
            logger.info(
                "%d of %d points are farther than max_snap_m from any road usable by profile %r",
                n_bad, k, self.profile.name,
            )
        return graph, snapping

    # -------------------------------------------------------------- networkx
    def to_networkx(self) -> nx.DiGraph:
        """The same graph as a networkx ``DiGraph`` (the readable reference).

        Nodes are ``0 .. n_nodes - 1`` with attributes ``x``, ``y``
        (projected metres); arcs carry ``travel_time`` (seconds) and
        ``segment``.  Parallel arcs were already merged (minimum time).
        """
        g = nx.DiGraph()
        g.add_nodes_from((i, {"x": float(a), "y": float(b)}) for i, (a, b) in enumerate(zip(self.x, self.y)))
        tails = _arc_tails(self.indptr)
        g.add_edges_from(
            (int(a), int(b), {"travel_time": float(w), "segment": int(s)})
            for a, b, w, s in zip(tails, self.indices, self.weight, self.arc_segment)
        )
        return g

    # ------------------------------------------------------- contracted core
    def _chains(self) -> dict[str, np.ndarray]:
        """Chain decomposition of the usable segments (:mod:`planner._contract`), cached."""
        if "chains" not in self._cache:
            if self.augmented:
                raise ValueError("the contracted graph is built from the graph of RoutingGraph.from_network")
            net = self.network
            u = np.asarray(net.u, dtype=np.int64)
            v = np.asarray(net.v, dtype=np.int64)
            usable = self._usable_segments()
            key, chain_ptr, cseg, corient, chain_a, chain_b, seg_chain, seg_pos = _contract.chains_from_segments(
                self.n_nodes, u, v, usable
            )
            # key nodes numbered along a Z-order curve: nodes near each other in space are
            # near each other in memory, which is what a search's heap and label reads see
            kn = np.flatnonzero(key)
            core_of = np.full(self.n_nodes, -1, dtype=np.int64)
            core_of[kn[np.argsort(_zorder(self.x[kn], self.y[kn]), kind="stable")]] = np.arange(kn.size)
            tf, tb = _contract.chain_times(chain_ptr, cseg, corient, self.seg_fwd_s, self.seg_bwd_s)
            self._cache["chains"] = {
                "core_of": core_of, "n_core": int(key.sum()), "chain_ptr": chain_ptr, "cseg": cseg,
                "corient": corient, "chain_a": chain_a, "chain_b": chain_b, "seg_chain": seg_chain,
                "seg_pos": seg_pos, "time_f": tf, "time_b": tb,
            }
            logger.debug("contracted %d nodes to %d key nodes and %d chains", self.n_nodes, int(key.sum()),
                         chain_a.shape[0])
        return self._cache["chains"]

    def prepare(self) -> None:
        """Build the snapping index and the contracted search graph now (both are cached)."""
        self._segment_grid()
        self._chains()

    def _search_graph(
        self, seg_of: np.ndarray, t: np.ndarray, ok: np.ndarray, px: np.ndarray, py: np.ndarray
    ) -> tuple[_SearchGraph, np.ndarray]:
        """The contracted graph with the linked points on it, and each point's node (``-1``: not linked).

        Points are put on their chains in the order in which
        :meth:`with_points` splits a segment (along ``u -> v``, then by
        position), so the pieces and their times are the same.
        """
        ch = self._chains()
        k = seg_of.shape[0]
        okp = np.flatnonzero(ok)
        n_ok = okp.size
        sp = _split_order(okp, seg_of, t)  # with_points' order, so the pieces are the same
        sseg = seg_of[sp]
        new_seg = np.r_[True, sseg[1:] != sseg[:-1]] if n_ok else np.zeros(0, dtype=bool)
        rank = np.arange(n_ok) - np.maximum.accumulate(np.where(new_seg, np.arange(n_ok), 0))
        c = ch["seg_chain"][sseg]
        j = ch["seg_pos"][sseg]
        along = ch["corient"][ch["chain_ptr"][c] + j]
        q = np.lexsort((np.where(along, rank, -rank), j, c))  # chain order
        pts = sp[q]
        n_core = ch["n_core"]
        node = np.full(k, -1, dtype=np.int64)
        node[okp[np.argsort(_zorder(px[okp], py[okp]), kind="stable")]] = n_core + np.arange(n_ok)
        tail, head, w = _contract.core_arcs(
            ch["chain_ptr"], ch["cseg"], ch["corient"], ch["chain_a"], ch["chain_b"], ch["core_of"],
            self.seg_fwd_s, self.seg_bwd_s, ch["time_f"], ch["time_b"], c[q], j[q], t[pts], node[pts],
        )
        return _SearchGraph.from_arcs(n_core + n_ok, tail, head, w), node


@dataclass(frozen=True, eq=False)
class _SearchGraph:
    """A bare directed graph in CSR form, both ways (what the search kernels run on)."""

    indptr: np.ndarray
    indices: np.ndarray
    weight: np.ndarray
    rev_indptr: np.ndarray
    rev_indices: np.ndarray
    rev_weight: np.ndarray

    @property
    def n_nodes(self) -> int:
        return int(self.indptr.shape[0] - 1)

    @classmethod
    def from_arcs(cls, n: int, tail: np.ndarray, head: np.ndarray, weight: np.ndarray) -> _SearchGraph:
        indptr, order = _counting_order(n, tail)
        rev_indptr, rorder = _counting_order(n, head)
        return cls(
            indptr=indptr,
            indices=head[order].astype(np.int32),
            weight=weight[order],
            rev_indptr=rev_indptr,
            rev_indices=tail[rorder].astype(np.int32),
            rev_weight=weight[rorder],
        )


# --------------------------------------------------------------------------
# searches
# --------------------------------------------------------------------------


@functools.cache
def _default_threads() -> int:
    """Threads for searches: numba's count, at most the cores (cached: os.cpu_count costs ~20 us here)."""
    import numba

    return max(1, min(int(numba.config.NUMBA_NUM_THREADS), os.cpu_count() or 1))


# Graph-size search workspaces (pos, packed heap, touched list), reused across calls and
# graphs: a kernel leaves its workspace clean, so a bounded search costs what it reaches
# instead of allocating and initialising arrays of the graph's size every call.  At most
# _WS_KEEP are kept (the largest); one is taken per running search thread.
_WS_LOCK = threading.Lock()
_WS_POOL: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
_WS_KEEP = 4
# searches run in the calling thread until they have settled this many nodes (about
# half a millisecond to a few on this machine); the rest is then shared with a
# persistent pool of threads (see _searches)
_INLINE_WORK = 5_000
_CHUNKS_PER_THREAD = 4
_POOLS: dict[int, ThreadPoolExecutor] = {}


def _pool(n_threads: int) -> ThreadPoolExecutor:
    with _WS_LOCK:
        ex = _POOLS.get(n_threads)
        if ex is None:
            ex = _POOLS[n_threads] = ThreadPoolExecutor(max_workers=n_threads, thread_name_prefix="planner-routing")
        return ex


def _take_workspace(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    with _WS_LOCK:
        for i, ws in enumerate(_WS_POOL):
            if ws[0].shape[0] >= n:
                return _WS_POOL.pop(i)
    return _dijkstra.new_workspace(n)


def _give_workspace(ws: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    with _WS_LOCK:
        _WS_POOL.append(ws)
        _WS_POOL.sort(key=lambda w: -w[0].shape[0])
        del _WS_POOL[_WS_KEEP:]


def _searches(kernel, n: int, total: int, n_threads: int | None) -> list[tuple]:
    """``kernel(lo, hi, max_settled, *workspace)`` over consecutive ranges of ``total`` items; parts in order.

    A kernel does items ``lo .. hi - 1`` and returns its outputs followed by
    the number of items it did: it starts no further item once it has
    settled ``max_settled`` nodes.  The calling thread first runs the whole
    job under a budget of ``_INLINE_WORK`` settled nodes, so a small job is
    one call and never pays for threads; what is left of a big one is cut
    into a few ranges per thread which the caller and ``n_threads - 1``
    pooled threads take in turn (uneven searches balance).  A workspace goes
    back to the pool only when its kernel finished (kernels leave it clean).
    """
    n_threads = n_threads or _default_threads()
    ws = _take_workspace(n)
    first = kernel(0, total, _INLINE_WORK if n_threads > 1 else _dijkstra._NO_BUDGET, *ws)
    parts: list[tuple] = [first[:-1]]
    i = int(first[-1])
    if i >= total:
        _give_workspace(ws)
        return parts
    n_chunks = min(total - i, n_threads * _CHUNKS_PER_THREAD)
    bounds = i + (np.arange(n_chunks + 1) * (total - i)) // n_chunks
    results: list[tuple | None] = [None] * n_chunks
    lock = threading.Lock()
    nxt = [0]

    def work(own: tuple | None) -> None:
        w = own if own is not None else _take_workspace(n)
        while True:
            with lock:
                j = nxt[0]
                nxt[0] += 1
            if j >= n_chunks:
                break
            results[j] = kernel(int(bounds[j]), int(bounds[j + 1]), _dijkstra._NO_BUDGET, *w)[:-1]
        _give_workspace(w)

    helpers = [_pool(n_threads - 1).submit(work, None) for _ in range(min(n_threads, n_chunks) - 1)]
    work(ws)
    for h in helpers:
        h.result()
    parts.extend(results)  # type: ignore[arg-type]
    return parts


def _cat(parts: list[tuple], i: int) -> np.ndarray:
    """Output ``i`` of every part, joined (no copy for a single part)."""
    return parts[0][i] if len(parts) == 1 else np.concatenate([p[i] for p in parts])


_EMPTY = np.zeros(0)


def _bounded(
    graph: RoutingGraph | _SearchGraph,
    sources: np.ndarray,
    limit: float,
    target_col: np.ndarray,
    all_nodes: bool,
    n_threads: int | None,
    *,
    start: np.ndarray = _EMPTY,
    target_time: np.ndarray = _EMPTY,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run the bounded many-source kernel on the reverse graph (threads for big jobs).

    ``start`` (per source) and ``target_time`` (per node) are optional
    access times, as in :func:`planner._dijkstra.bounded_from_ws`.
    """
    sources = np.ascontiguousarray(sources, dtype=np.int64)
    start = np.ascontiguousarray(start, dtype=np.float64)
    if start.shape[0] not in (0, sources.shape[0]):
        raise ValueError("start must have one time per source")

    def kernel(lo, hi, budget, pos, hk, touched):
        st = start[lo:hi] if start.shape[0] else _EMPTY
        return _dijkstra.bounded_from_ws(
            graph.rev_indptr, graph.rev_indices, graph.rev_weight, sources[lo:hi], st, float(limit), target_col,
            target_time, all_nodes, pos, hk, touched, budget,
        )

    parts = _searches(kernel, graph.n_nodes, sources.shape[0], n_threads)
    counts, cols, vals = _cat(parts, 0), _cat(parts, 1), _cat(parts, 2)
    indptr = np.zeros(sources.shape[0] + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    return indptr, cols, vals


def _first_hit(
    graph: RoutingGraph | _SearchGraph,
    starts: np.ndarray,
    rank: np.ndarray,
    n_threads: int | None,
    *,
    start: np.ndarray = _EMPTY,
    target_time: np.ndarray = _EMPTY,
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest target per start node (forward searches stopped at the first hit), threads for big jobs."""
    starts = np.ascontiguousarray(starts, dtype=np.int64)
    start = np.ascontiguousarray(start, dtype=np.float64)

    def kernel(lo, hi, budget, pos, hk, touched):
        st = start[lo:hi] if start.shape[0] else _EMPTY
        return _dijkstra.first_hit_from_ws(
            graph.indptr, graph.indices, graph.weight, starts[lo:hi], st, rank, target_time, pos, hk, touched, budget
        )

    parts = _searches(kernel, graph.n_nodes, starts.shape[0], n_threads)
    return _cat(parts, 0), _cat(parts, 1)


def _default_max_snap(graph: RoutingGraph, points: Any, *, rural: bool) -> np.ndarray:
    prof = graph.profile
    k = len(points)
    if rural or not isinstance(points, gpd.GeoDataFrame) or "kind" not in points.columns:
        val = prof.max_snap_m_rural if rural else prof.max_snap_m_urban
        return np.full(k, float(val))
    village = (points["kind"].astype("string") == "village").fillna(False).to_numpy(dtype=bool)
    return np.where(village, float(prof.max_snap_m_rural), float(prof.max_snap_m_urban))


def _attach(
    graph: RoutingGraph,
    settlements: Any,
    facilities: Any,
    max_snap_m: Any,
) -> _Attached:
    """Snap settlements and facilities, and put them on the contracted search graph."""
    if graph.augmented:
        raise ValueError("pass the graph from RoutingGraph.from_network, not an augmented one")
    ns, nf = len(settlements), len(facilities)
    if max_snap_m is None:
        ms = np.concatenate([
            _default_max_snap(graph, settlements, rural=False),
            _default_max_snap(graph, facilities, rural=True),
        ])
    else:
        ms = np.asarray(max_snap_m, dtype=float)
        if ms.ndim == 0:
            ms = np.full(ns + nf, float(ms))
        elif ms.shape[0] != ns + nf:
            raise ValueError(
                "max_snap_m must be one number or one value per settlement followed by one per facility"
            )
    sx, sy = graph._project_points(settlements)
    fx, fy = graph._project_points(facilities)
    seg_of, t, dist, ok, _, _ = graph._snap(np.r_[sx, fx], np.r_[sy, fy], ms)
    sg, node = graph._search_graph(seg_of, t, ok, np.r_[sx, fx], np.r_[sy, fy])
    acc = np.where(ok, dist / (graph.profile.access_speed_kmh / 3.6), np.inf)
    comp = np.where(ok, graph.component[graph.network.u[np.maximum(seg_of, 0)]], -1)
    snap = pd.DataFrame({"node": node, "segment": seg_of, "fraction": t, "distance_m": dist, "ok": ok,
                         "component": comp})
    snap_s = snap.iloc[:ns].set_axis(settlements.index.copy())
    snap_f = snap.iloc[ns:].set_axis(facilities.index.copy())
    n_bad = int((~ok).sum())
    if n_bad:
        logger.info("%d of %d points are farther than max_snap_m from any road usable by profile %r",
                    n_bad, ns + nf, graph.profile.name)
    s_node, s_acc, f_node, f_acc = node[:ns], acc[:ns], node[ns:], acc[ns:]
    # per node of the search graph, what the searches read: a settlement's column and
    # access leg, a facility's position and access leg; and the settlements worth waiting
    # for (their piece holds a linked facility)
    n, s_ok, f_ok = sg.n_nodes, s_node >= 0, f_node >= 0
    s_col = np.full(n, -1, dtype=np.int64)
    s_col[s_node[s_ok]] = np.flatnonzero(s_ok)
    s_arrive = np.zeros(n)
    s_arrive[s_node[s_ok]] = s_acc[s_ok]
    f_rank = np.full(n, -1, dtype=np.int64)
    f_rank[f_node[f_ok]] = np.flatnonzero(f_ok)
    f_arrive = np.zeros(n)
    f_arrive[f_node[f_ok]] = f_acc[f_ok]
    hope = s_ok & np.isin(comp[:ns], np.unique(comp[ns:][f_ok]))
    return _Attached(sg, s_node, s_acc, f_node, f_acc, snap_s, snap_f, s_col, s_arrive, f_rank, f_arrive, hope)


@dataclass(frozen=True, eq=False)
class _Attached:
    """Settlements and facilities on the contracted search graph.

    ``*_node`` is each point's node in ``graph`` (``-1`` when not linked)
    and ``*_access_s`` its off-network leg (inf when not linked): added at
    the start of a search from the point, or on arrival at it.  Per node of
    ``graph``: ``node_s_col`` (settlement position, ``-1``),
    ``node_s_access``, ``node_f_rank`` (facility position, ``-1``),
    ``node_f_access`` (0 where no point).  ``reachable``: per settlement,
    linked and on a piece that holds a linked facility.
    """

    graph: _SearchGraph
    s_node: np.ndarray
    s_access_s: np.ndarray
    f_node: np.ndarray
    f_access_s: np.ndarray
    snap_s: pd.DataFrame
    snap_f: pd.DataFrame
    node_s_col: np.ndarray
    node_s_access: np.ndarray
    node_f_rank: np.ndarray
    node_f_access: np.ndarray
    reachable: np.ndarray


def _nearest_search(at: _Attached, method: str, n_threads: int | None) -> tuple[np.ndarray, np.ndarray, str]:
    """Time to the nearest facility and its position, per settlement, on the attached graph; and the method used.

    Settlements whose piece holds no linked facility cannot reach one: they
    are not waited for, so the search stops once every settlement that can
    be reached is.
    """
    sg, src, tgt, hope = at.graph, at.f_node, at.s_node, at.reachable
    n_t = int(hope.sum())
    n_src = int((src >= 0).sum())
    if method == "auto":
        # one pass over the whole graph vs one local search per settlement, each about
        # n_nodes / n_facilities in size (and cache-friendly, on every core)
        method = "per_settlement" if 3 * n_src >= n_t else "multi_source"
    if not (n_src and n_t):
        return np.full(len(tgt), np.inf), np.full(len(tgt), -1), method
    if method == "multi_source":
        dist, origin, _ = _dijkstra.multi_source_from(
            sg.rev_indptr, sg.rev_indices, sg.rev_weight, src, at.f_access_s, np.inf, at.node_s_col >= 0, n_t
        )
        # a settlement's time: its road node's, plus its own access leg
        d = np.where(tgt >= 0, dist[np.maximum(tgt, 0)] + at.s_access_s, np.inf)
        return d, np.where(tgt >= 0, origin[np.maximum(tgt, 0)], -1), method
    d, org = _first_hit(sg, np.where(hope, tgt, -1), at.node_f_rank, n_threads,
                        start=np.where(hope, at.s_access_s, 0.0), target_time=at.node_f_access)
    return d, org, method


def _reach_search(at: _Attached, cutoff_s: float, n_threads: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Facility x settlement times within ``cutoff_s`` on the attached graph, as CSR (indptr, cols, vals)."""
    # unlinked facilities (node -1, access inf) are skipped by the kernel
    return _bounded(at.graph, at.f_node, cutoff_s, at.node_s_col, False, n_threads, start=at.f_access_s,
                    target_time=at.node_s_access)


@dataclass(frozen=True, eq=False)
class NearestFacility:
    """Nearest facility of every settlement (times settlement -> facility).

    Attributes
    ----------
    table : pandas.DataFrame
        Indexed like the settlements: ``facility`` (id, NA when none within
        the cutoff), ``time_s`` (seconds, ``inf`` when none), ``reason``
        (None, ``"NO_ROAD"``, ``"DISCONNECTED"``, ``"BEYOND_CUTOFF"``),
        ``snap_m`` (distance to the road), ``component`` (road piece id,
        ``-1`` when not linked).
    settlement_snapping, facility_snapping : pandas.DataFrame
        Snapping tables with the columns of :meth:`RoutingGraph.with_points`;
        ``node`` is the point's node in the contracted search graph (``-1``
        when not linked).
    cutoff_s : float
    profile : str
    n_unlinked_facilities : int
        Facilities farther than their ``max_snap_m`` from a road (not used).
    method : str
        Search used: ``"multi_source"`` or ``"per_settlement"``.
    """

    table: pd.DataFrame
    settlement_snapping: pd.DataFrame
    facility_snapping: pd.DataFrame
    cutoff_s: float
    profile: str
    n_unlinked_facilities: int
    method: str = "multi_source"


def nearest_facility(
    graph: RoutingGraph,
    settlements: gpd.GeoDataFrame | gpd.GeoSeries,
    facilities: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    cutoff_s: float = np.inf,
    max_snap_m: float | np.ndarray | None = None,
    method: str = "auto",
    n_threads: int | None = None,
) -> NearestFacility:
    """Travel time from every settlement to its nearest facility.

    One multi-source Dijkstra from all facilities on the reversed graph.
    Ties in time go to the facility listed first.

    Parameters
    ----------
    graph
        Graph from :meth:`RoutingGraph.from_network` (not augmented).
    settlements, facilities
        Points (WGS84); ids are their indexes.  A ``kind`` column of
        settlements chooses the default ``max_snap_m``.
    cutoff_s
        Times above this are reported as ``inf`` with ``BEYOND_CUTOFF``.
    max_snap_m
        One number, or one per settlement followed by one per facility.
        Default: ``profile.max_snap_m_rural`` for villages
        (``kind == "village"``) and facilities, ``max_snap_m_urban`` else.
    method
        ``"multi_source"``: one Dijkstra from all facilities on the
        reversed graph (best with few facilities); ``"per_settlement"``:
        one forward search per settlement stopped at its first facility,
        settlements split over threads (best when facilities are dense:
        each search stays local); ``"auto"`` (default) picks
        per-settlement when facilities are at least a third as many as
        settlements.  Both are exact; times may differ in the last bits
        of floating point because the sums run in opposite orders.
    n_threads
        Threads for ``"per_settlement"`` (default: the cores).

    Returns
    -------
    NearestFacility

    Notes
    -----
    Reasons.  ``NO_ROAD``: the settlement is farther than ``max_snap_m``
    from any road the profile may use.  ``BEYOND_CUTOFF``: a facility is
    reachable, but only in more than ``cutoff_s``.  ``DISCONNECTED``: no
    facility can be reached at all.  Settlements whose road piece
    (``component``, weakly connected) holds no linked facility are
    ``DISCONNECTED`` without searching; the search is not stopped at the
    cutoff but once every other linked settlement has been settled, so
    ``BEYOND_CUTOFF`` is exact.  On undirected (walk, bike) graphs
    ``DISCONNECTED`` therefore means exactly "no facility in the piece"; on
    directed (drive) graphs it also covers the rare settlement whose piece
    has a facility that one-way streets make unreachable (found by the
    search running to exhaustion, which costs one full pass).
    """
    cutoff_s = float(cutoff_s)
    if not cutoff_s >= 0:
        raise ValueError(f"cutoff_s must be >= 0, got {cutoff_s}")
    if method not in ("auto", "multi_source", "per_settlement"):
        raise ValueError(f"method must be 'auto', 'multi_source' or 'per_settlement', not {method!r}")
    at = _attach(graph, settlements, facilities, max_snap_m)
    snap_s, snap_f = at.snap_s, at.snap_f
    src, tgt = at.f_node, at.s_node
    d, org, method = _nearest_search(at, method, n_threads)
    within = np.isfinite(d) & (d <= cutoff_s)
    fac_ids = np.asarray(facilities.index, dtype=object)
    facility = pd.array(
        [fac_ids[o] if w else pd.NA for o, w in zip(org, within)], dtype=object
    )
    reason = np.full(len(tgt), None, dtype=object)
    reason[~within & np.isfinite(d)] = BEYOND_CUTOFF
    reason[~within & ~np.isfinite(d)] = DISCONNECTED
    reason[tgt < 0] = NO_ROAD
    table = pd.DataFrame(
        {
            "facility": pd.Series(facility, dtype=object, index=settlements.index),
            "time_s": np.where(within, d, np.inf),
            "reason": pd.Series(reason, dtype=object, index=settlements.index),
            "snap_m": snap_s["distance_m"].to_numpy(),
            "component": snap_s["component"].to_numpy(),
        },
        index=settlements.index.copy(),
    )
    n_unlinked = int((src < 0).sum())
    if n_unlinked:
        logger.warning("%d facilities are not near any usable road and were not used", n_unlinked)
    return NearestFacility(
        table=table,
        settlement_snapping=snap_s,
        facility_snapping=snap_f,
        cutoff_s=cutoff_s,
        profile=graph.profile.name,
        n_unlinked_facilities=n_unlinked,
        method=method,
    )


@dataclass(frozen=True, eq=False)
class ReachMatrix:
    """Settlements reachable from each facility within a cutoff.

    Attributes
    ----------
    times : scipy.sparse.csr_array
        Facilities x settlements, seconds from the settlement to the
        facility, only pairs within ``cutoff_s``; explicit zeros are kept
        (a stored ``0.0`` is a reachable pair, a missing entry is not).
    facility_ids, settlement_ids : pandas.Index
        Row and column labels.
    facility_snapping, settlement_snapping : pandas.DataFrame
    cutoff_s : float
    profile : str
    """

    times: sparse.csr_array
    facility_ids: pd.Index
    settlement_ids: pd.Index
    facility_snapping: pd.DataFrame
    settlement_snapping: pd.DataFrame
    cutoff_s: float
    profile: str

    def to_dense(self) -> np.ndarray:
        """Dense facilities x settlements array, ``inf`` where not reached."""
        out = np.full(self.times.shape, np.inf)
        coo = self.times.tocoo()
        out[coo.row, coo.col] = coo.data
        return out

    def pairs(self, facilities: pd.Index, settlements: pd.Index, *, cutoff_s: float | None = None
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Reached pairs as positions in the caller's own indexes.

        Parameters
        ----------
        facilities, settlements : pandas.Index
            The caller's facility and settlement labels (compared as strings);
            labels the matrix does not hold are skipped.
        cutoff_s : float, optional
            Keep only pairs within this many seconds (default the matrix's cutoff).

        Returns
        -------
        settlement_pos, facility_pos, seconds : numpy.ndarray
            One entry per reached pair, in the matrix's row-major order.
        """
        limit = self.cutoff_s if cutoff_s is None else float(cutoff_s)
        coo = sparse.coo_array(self.times)
        fac_pos = pd.Index([str(f) for f in facilities]).get_indexer([str(f) for f in self.facility_ids])
        set_pos = pd.Index([str(x) for x in settlements]).get_indexer([str(x) for x in self.settlement_ids])
        f = fac_pos[np.asarray(coo.row)]
        st = set_pos[np.asarray(coo.col)]
        t = np.asarray(coo.data, dtype=float)
        keep = (f >= 0) & (st >= 0) & np.isfinite(t) & (t <= limit + 1e-9)
        return st[keep], f[keep], t[keep]


def reach_matrix(
    graph: RoutingGraph,
    facilities: gpd.GeoDataFrame | gpd.GeoSeries,
    settlements: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    cutoff_s: float,
    max_snap_m: float | np.ndarray | None = None,
    n_threads: int | None = None,
) -> ReachMatrix:
    """Times from settlements to each facility, within ``cutoff_s``.

    One bounded Dijkstra per facility on the reversed graph (cost
    proportional to what it reaches), facilities split over threads.

    Parameters
    ----------
    graph
        Graph from :meth:`RoutingGraph.from_network`.
    facilities, settlements
        Points (WGS84); ids are their indexes.
    cutoff_s
        Largest time kept (inclusive), seconds.
    max_snap_m
        As in :func:`nearest_facility` (one number, or one per settlement
        followed by one per facility).
    n_threads
        Threads (default: numba's thread count, i.e. the cores).

    Returns
    -------
    ReachMatrix
    """
    cutoff_s = float(cutoff_s)
    if not cutoff_s >= 0:
        raise ValueError(f"cutoff_s must be >= 0, got {cutoff_s}")
    at = _attach(graph, settlements, facilities, max_snap_m)
    snap_s, snap_f = at.snap_s, at.snap_f
    src, tgt = at.f_node, at.s_node
    indptr, cols, vals = _reach_search(at, cutoff_s, n_threads)
    times = sparse.csr_array((vals, cols, indptr), shape=(len(src), len(tgt)))
    times.sort_indices()
    return ReachMatrix(
        times=times,
        facility_ids=pd.Index(facilities.index.copy()),
        settlement_ids=pd.Index(settlements.index.copy()),
        facility_snapping=snap_f,
        settlement_snapping=snap_s,
        cutoff_s=cutoff_s,
        profile=graph.profile.name,
    )


@dataclass(frozen=True, eq=False)
class NodeTimes:
    """Every node within a cutoff of each source (for service-circle polygons).

    Attributes
    ----------
    graph : RoutingGraph
        The graph the node indices refer to (augmented when points were
        given: it then holds the split and virtual nodes).
    source_ids : pandas.Index
        Row labels (the points' index, or the node indices given).
    source_nodes : numpy.ndarray
        Node of each source (``-1`` for points not linked to a road).
    times : scipy.sparse.csr_array
        Sources x ``graph.n_nodes``: seconds from the node *to* the source
        (settlement -> facility direction) for every node within
        ``cutoff_s``, explicit zeros kept; each row lists the source node
        itself at 0.
    snapping : pandas.DataFrame or None
        Snapping of the points, when points were given.
    cutoff_s : float
    """

    graph: RoutingGraph
    source_ids: pd.Index
    source_nodes: np.ndarray
    times: sparse.csr_array
    snapping: pd.DataFrame | None
    cutoff_s: float


def reach_nodes(
    graph: RoutingGraph,
    sources: np.ndarray | gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    cutoff_s: float,
    max_snap_m: float | np.ndarray | None = None,
    n_threads: int | None = None,
) -> NodeTimes:
    """Times of every node within ``cutoff_s`` of each source.

    Parameters
    ----------
    graph
        A :class:`RoutingGraph` (augmented or not when ``sources`` are node
        indices; not augmented when they are points).
    sources
        Node indices of ``graph``, or points (WGS84) which are attached
        with :meth:`RoutingGraph.with_points` first.
    cutoff_s
        Largest time kept (inclusive).
    max_snap_m
        For points: default ``profile.max_snap_m_rural`` (facilities).

    Returns
    -------
    NodeTimes
    """
    cutoff_s = float(cutoff_s)
    if not cutoff_s >= 0:
        raise ValueError(f"cutoff_s must be >= 0, got {cutoff_s}")
    snapping = None
    if isinstance(sources, gpd.GeoDataFrame | gpd.GeoSeries):
        ms = graph.profile.max_snap_m_rural if max_snap_m is None else max_snap_m
        g, snapping = graph.with_points(sources, max_snap_m=ms)
        nodes = snapping["node"].to_numpy(dtype=np.int64)
        ids = pd.Index(sources.index.copy())
    else:
        g = graph
        nodes = np.asarray(sources, dtype=np.int64).ravel()
        if nodes.size and (nodes.min() < -1 or nodes.max() >= g.n_nodes):
            raise ValueError(f"source node indices must be in [0, {g.n_nodes})")
        ids = pd.Index(nodes)
    indptr, cols, vals = _bounded(g, nodes, cutoff_s, np.zeros(0, dtype=np.int64), True, n_threads)
    times = sparse.csr_array((vals, cols, indptr), shape=(nodes.shape[0], g.n_nodes))
    times.sort_indices()
    return NodeTimes(graph=g, source_ids=ids, source_nodes=nodes, times=times, snapping=snapping, cutoff_s=cutoff_s)
