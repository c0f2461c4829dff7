"""The road pieces reached within a time: what service circles and the network Voronoi are drawn from.

Times run *settlement -> facility*, so the searches start at the facility
on the **reversed** graph (the reverse arrays a
:class:`planner.routing.RoutingGraph` carries):

* every arc whose far end is reached in time is taken whole;
* an arc cut by the threshold contributes the part walked in time: the
  fraction ``(T - t_node) / arc_time`` measured from its reached end (both
  ends reached but not the middle: two pieces, one from each end);
* a two-way street reached from both ends whose pieces meet is one piece.

One numba pass turns the reached node times of every search into line
pieces ``(x0, y0, x1, y1, length_m)``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from planner.errors import InputError
from planner.routing import RoutingGraph, nearest_source_times, reach_nodes

__all__ = ["ReverseArcs", "reached_pieces", "reached_by_any", "owned_pieces", "piece_lengths_km"]


class ReverseArcs:
    """The reversed arcs of a routing graph with their geometry and twin arcs.

    Arc ``a`` of the reverse CSR (``graph.rev_indptr``/``rev_indices``/
    ``rev_weight``) runs ``u -> v`` for the road arc ``v -> u``: a walker at
    ``v`` walks to ``u``.  ``sx, sy`` is the position of its tail ``u`` and
    ``ex, ey`` of its head, so a piece reached from the tail runs from ``s``
    toward ``e``; ``length`` is its length in metres; ``twin[a]`` is the
    reverse arc ``v -> u`` (``-1`` when the way is one-way).
    """

    def __init__(self, graph: RoutingGraph) -> None:
        n = graph.n_nodes
        x = np.asarray(graph.x, dtype=np.float64)
        y = np.asarray(graph.y, dtype=np.float64)
        if x.shape[0] != n or y.shape[0] != n:
            raise InputError(f"routing graph has {n} nodes but {x.shape[0]} x and {y.shape[0]} y coordinates")
        self.n = n
        self.indptr = np.ascontiguousarray(graph.rev_indptr, dtype=np.int64)
        self.indices = np.ascontiguousarray(graph.rev_indices, dtype=np.int32)
        self.weight = np.ascontiguousarray(graph.rev_weight, dtype=np.float64)
        tail = np.repeat(np.arange(n, dtype=np.int64), np.diff(self.indptr))
        head = self.indices.astype(np.int64)
        self.sx, self.sy = np.ascontiguousarray(x[tail]), np.ascontiguousarray(y[tail])
        self.ex, self.ey = np.ascontiguousarray(x[head]), np.ascontiguousarray(y[head])
        self.length = np.ascontiguousarray(_arc_length_m(graph, self.sx, self.sy, self.ex, self.ey))
        self.twin = _twins(tail, head, n)


def _twins(tail: np.ndarray, head: np.ndarray, n: int) -> np.ndarray:
    """Position of the arc ``head -> tail`` of every arc ``tail -> head`` (``-1`` when there is none)."""
    key = tail * n + head
    if key.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.argsort(key, kind="stable")  # already sorted (reverse arcs by tail, then head): cheap
    pos = np.minimum(np.searchsorted(key[order], head * n + tail), key.shape[0] - 1)
    found = key[order[pos]] == head * n + tail
    return np.ascontiguousarray(np.where(found, order[pos], -1).astype(np.int64))


def _arc_length_m(graph: RoutingGraph, x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray) -> np.ndarray:
    """Length of every reverse arc in metres.

    Road segments are straight between consecutive OSM nodes (never
    simplified), :meth:`RoutingGraph.with_points` puts its split nodes on
    the segment and access legs run straight from the split node to the
    point, so every arc is the straight line between its ends.  Road
    pieces take the network's geodesic segment length times the covered
    fraction (``arc_segment``, ``arc_f0``, ``arc_f1``), the same length
    travel times were made from, so reached length is exactly speed x time;
    access legs (and networks without lengths) take the projected length.
    """
    length = np.hypot(x1 - x0, y1 - y0)
    net = graph.network
    if getattr(net, "length_m", None) is None:
        return length
    fwd = np.asarray(graph.rev_arc, dtype=np.int64)  # the road arc of each reverse arc
    seg = np.asarray(graph.arc_segment, dtype=np.int64)[fwd]
    on = seg >= 0
    f0 = np.asarray(graph.arc_f0, dtype=np.float64)[fwd][on]
    f1 = np.asarray(graph.arc_f1, dtype=np.float64)[fwd][on]
    length[on] = np.abs(f1 - f0) * np.asarray(net.length_m, dtype=np.float64)[seg[on]]
    return length


# --------------------------------------------------------------------------- kernels


@njit(cache=True, nogil=True, inline="always")
def _fraction(rem, w):  # pragma: no cover - numba
    """Part of an arc taking ``w`` walked in the time ``rem`` left."""
    return 1.0 if w <= rem else rem / w


@njit(cache=True, nogil=True)
def _put(out, nout, a, f, sx, sy, ex, ey, alen):  # pragma: no cover - numba
    """Write the piece of arc ``a`` covering ``f`` of it from its tail at row ``nout`` (growing ``out``)."""
    if nout == out.shape[0]:
        grown = np.empty((2 * out.shape[0], 5), dtype=np.float64)
        grown[:nout] = out[:nout]
        out = grown
    out[nout, 0] = sx[a]
    out[nout, 1] = sy[a]
    out[nout, 2] = sx[a] + f * (ex[a] - sx[a])
    out[nout, 3] = sy[a] + f * (ey[a] - sy[a])
    out[nout, 4] = f * alen[a]
    return out


@njit(cache=True, nogil=True)
def _pieces_kernel(  # pragma: no cover - numba
    indptr, indices, weight, twin, sx, sy, ex, ey, alen, n, counts, cols, vals, limit
):
    """Line pieces reached within ``limit`` for each search.

    ``counts``/``cols``/``vals`` are the per-search reached nodes and times
    (CSR rows of :func:`planner.routing.reach_nodes`).  Returns per search
    the number of pieces and the concatenated pieces ``(x0, y0, x1, y1,
    length_m)``.  A piece starts at the reached end of an arc and covers
    ``min(1, (limit - t) / w)`` of it; a two-way arc reached from both ends
    whose pieces meet is emitted once, whole.
    """
    t = np.full(n, np.inf)
    nsrc = counts.shape[0]
    pcounts = np.zeros(nsrc, dtype=np.int64)
    out = np.empty((1024, 5), dtype=np.float64)
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
                fu = _fraction(rem, weight[a])
                tw = twin[a]
                if tw >= 0 and t[v] <= limit and fu + _fraction(limit - t[v], weight[tw]) >= 1.0:
                    if u < v:
                        fu = 1.0
                    else:
                        continue
                if fu <= 0.0:
                    continue
                out = _put(out, nout, a, fu, sx, sy, ex, ey, alen)
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
    out = np.empty((1024, 5), dtype=np.float64)
    own = np.empty(1024, dtype=np.int64)
    nout = 0
    for u in range(indptr.shape[0] - 1):
        tu = dist[u]
        if not tu <= limit:
            continue
        for a in range(indptr[u], indptr[u + 1]):
            v = indices[a]
            w = weight[a]
            f = _fraction(limit - tu, w)
            tw = twin[a]
            if tw >= 0 and dist[v] <= limit:
                wv = weight[tw]
                if origin[v] == origin[u]:
                    if f + _fraction(limit - dist[v], wv) >= 1.0:
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
            out = _put(out, nout, a, f, sx, sy, ex, ey, alen)
            if nout == own.shape[0]:
                grown = np.empty(out.shape[0], dtype=np.int64)
                grown[:nout] = own[:nout]
                own = grown
            own[nout] = origin[u]
            nout += 1
    return own[:nout].copy(), out[:nout].copy()


# --------------------------------------------------------------------------- drivers


def reached_pieces(
    graph: RoutingGraph, arcs: ReverseArcs, nodes: np.ndarray, limit_s: float
) -> tuple[np.ndarray, np.ndarray]:
    """Pieces reached within ``limit_s`` of each source node of ``graph``, and their source's position.

    One bounded search per source (:func:`planner.routing.reach_nodes`, on
    ``graph``'s reverse arrays, threads for big jobs), then one kernel pass.
    """
    reach = reach_nodes(graph, np.asarray(nodes, dtype=np.int64), cutoff_s=float(limit_s)).times
    counts = np.diff(reach.indptr).astype(np.int64)
    cols = np.ascontiguousarray(reach.indices, dtype=np.int64)
    vals = np.ascontiguousarray(reach.data, dtype=np.float64)
    pcounts, coords = _pieces_kernel(
        arcs.indptr, arcs.indices, arcs.weight, arcs.twin, arcs.sx, arcs.sy, arcs.ex, arcs.ey, arcs.length, arcs.n,
        counts, cols, vals, float(limit_s),
    )
    return coords, np.repeat(np.arange(counts.shape[0]), pcounts)


def reached_by_any(graph: RoutingGraph, arcs: ReverseArcs, nodes: np.ndarray, limit_s: float) -> np.ndarray:
    """Pieces within ``limit_s`` of any source node (the union of every source's pieces), once each.

    One multi-source search gives every node its time to the nearest
    source; a point of an arc is reached by some source exactly when it is
    reached from an end at that end's nearest time, so the pieces are cut as
    for a single search.  Arcs reached whole are the same pieces (same
    coordinates) as in :func:`reached_pieces`.
    """
    nodes = np.asarray(nodes, dtype=np.int64)
    nodes = nodes[nodes >= 0]
    if nodes.shape[0] == 0:
        return np.zeros((0, 5))
    dist, _ = nearest_source_times(graph, nodes, cutoff_s=float(limit_s))
    cols = np.flatnonzero(dist <= limit_s).astype(np.int64)
    _, coords = _pieces_kernel(
        arcs.indptr, arcs.indices, arcs.weight, arcs.twin, arcs.sx, arcs.sy, arcs.ex, arcs.ey, arcs.length, arcs.n,
        np.array([cols.shape[0]], dtype=np.int64), cols, np.ascontiguousarray(dist[cols]), float(limit_s),
    )
    return coords


def owned_pieces(
    graph: RoutingGraph, arcs: ReverseArcs, nodes: np.ndarray, limit_s: float
) -> tuple[np.ndarray, np.ndarray]:
    """Pieces within ``limit_s`` of any source node, each given to its nearest source: (coords, owner).

    One multi-source search (:func:`planner.routing.nearest_source_times`)
    labels every node with its nearest source; an arc reached from both
    ends by different sources is split at the point of equal time.
    """
    dist, origin = nearest_source_times(graph, nodes, cutoff_s=float(limit_s))
    owner, coords = _owned_pieces_kernel(
        arcs.indptr, arcs.indices, arcs.weight, arcs.twin, arcs.sx, arcs.sy, arcs.ex, arcs.ey, arcs.length,
        dist, origin, float(limit_s),
    )
    return coords, owner


def piece_lengths_km(coords: np.ndarray, group: np.ndarray, n: int) -> np.ndarray:
    """Network length of the pieces per group, km (geodesic, as travel times were made)."""
    return np.bincount(group, weights=coords[:, 4], minlength=n) / 1000.0
