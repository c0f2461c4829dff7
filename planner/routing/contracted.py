"""The contracted search graph of a :class:`RoutingGraph`, with settlements and facilities attached.

Searches that only need the times of points run on a **contracted** graph
instead of the full augmented one (:mod:`planner.routing.contract`):
intersections and the points' split nodes, each run of degree-2 shape nodes
one arc, the access legs added at the start of a search or on arrival (a
virtual node is a leaf).  On the Harbin extract that is about a third of
the nodes.  The chain decomposition is made once per graph (cached); the
graph with the points of a query is made per query by :func:`attach`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from planner.errors import InputError
from planner.routing import contract as _contract
from planner.routing.csr import SearchGraph, split_order, zorder
from planner.routing.snap import Snapped, log_unlinked, project_points, snap_points, usable_segments

if TYPE_CHECKING:
    from planner.routing.graph import RoutingGraph

__all__ = ["Chains", "Attached", "chains", "search_graph", "default_max_snap", "attach"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class Chains:
    """Chain decomposition of a graph's usable segments (see :func:`planner.routing.contract.chains_from_segments`).

    ``core_of`` is the contracted node of every network node (``-1`` for
    shape nodes; key nodes are numbered along a Z-order curve), ``n_core``
    their number, ``time_f``/``time_b`` the time along and against each
    whole chain.
    """

    core_of: np.ndarray
    n_core: int
    chain_ptr: np.ndarray
    cseg: np.ndarray
    corient: np.ndarray
    chain_a: np.ndarray
    chain_b: np.ndarray
    seg_chain: np.ndarray
    seg_pos: np.ndarray
    time_f: np.ndarray
    time_b: np.ndarray


def chains(graph: RoutingGraph) -> Chains:
    """Chain decomposition of the usable segments of ``graph`` (not augmented), cached on the graph."""
    if "chains" in graph._cache:
        return graph._cache["chains"]
    if graph.augmented:
        raise InputError("the contracted graph is built from the graph of RoutingGraph.from_network")
    net = graph.network
    u = np.asarray(net.u, dtype=np.int64)
    v = np.asarray(net.v, dtype=np.int64)
    key, chain_ptr, cseg, corient, chain_a, chain_b, seg_chain, seg_pos = _contract.chains_from_segments(
        graph.n_nodes, u, v, usable_segments(graph)
    )
    # key nodes numbered along a Z-order curve: nodes near each other in space are
    # near each other in memory, which is what a search's heap and label reads see
    kn = np.flatnonzero(key)
    core_of = np.full(graph.n_nodes, -1, dtype=np.int64)
    core_of[kn[np.argsort(zorder(graph.x[kn], graph.y[kn]), kind="stable")]] = np.arange(kn.size)
    tf, tb = _contract.chain_times(chain_ptr, cseg, corient, graph.seg_fwd_s, graph.seg_bwd_s)
    ch = Chains(core_of, int(key.sum()), chain_ptr, cseg, corient, chain_a, chain_b, seg_chain, seg_pos, tf, tb)
    logger.debug("contracted %d nodes to %d key nodes and %d chains", graph.n_nodes, ch.n_core, chain_a.shape[0])
    graph._cache["chains"] = ch
    return ch


def search_graph(graph: RoutingGraph, snapped: Snapped) -> tuple[SearchGraph, np.ndarray]:
    """The contracted graph with the linked points on it, and each point's node (``-1``: not linked).

    Points are put on their chains in the order in which
    :meth:`RoutingGraph.with_points` splits a segment (along ``u -> v``, then by
    position), so the pieces and their times are the same.
    """
    ch = chains(graph)
    seg_of, t, ok = snapped.segment, snapped.fraction, snapped.ok
    okp = np.flatnonzero(ok)
    n_ok = okp.size
    sp = split_order(okp, seg_of, t)  # with_points' order, so the pieces are the same
    sseg = seg_of[sp]
    new_seg = np.r_[True, sseg[1:] != sseg[:-1]] if n_ok else np.zeros(0, dtype=bool)
    rank = np.arange(n_ok) - np.maximum.accumulate(np.where(new_seg, np.arange(n_ok), 0))
    c = ch.seg_chain[sseg]
    j = ch.seg_pos[sseg]
    along = ch.corient[ch.chain_ptr[c] + j]
    q = np.lexsort((np.where(along, rank, -rank), j, c))  # chain order
    pts = sp[q]
    node = np.full(seg_of.shape[0], -1, dtype=np.int64)
    node[okp[np.argsort(zorder(snapped.px[okp], snapped.py[okp]), kind="stable")]] = ch.n_core + np.arange(n_ok)
    tail, head, w = _contract.core_arcs(
        ch.chain_ptr, ch.cseg, ch.corient, ch.chain_a, ch.chain_b, ch.core_of,
        graph.seg_fwd_s, graph.seg_bwd_s, ch.time_f, ch.time_b, c[q], j[q], t[pts], node[pts],
    )
    return SearchGraph.from_arcs(ch.n_core + n_ok, tail, head, w), node


# ------------------------------------------------------------------ settlements and facilities


@dataclass(frozen=True, eq=False)
class Attached:
    """Settlements and facilities on the contracted search graph.

    ``*_node`` is each point's node in ``graph`` (``-1`` when not linked)
    and ``*_access_s`` its off-network leg (inf when not linked): added at
    the start of a search from the point, or on arrival at it.  Per node of
    ``graph``: ``node_s_col`` (settlement position, ``-1``),
    ``node_s_access``, ``node_f_rank`` (facility position, ``-1``),
    ``node_f_access`` (0 where no point).  ``reachable``: per settlement,
    linked and on a piece that holds a linked facility.
    """

    graph: SearchGraph
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


def default_max_snap(graph: RoutingGraph, points: Any, *, rural: bool) -> np.ndarray:
    """Snapping limit per point: rural for facilities (``rural``) and villages, urban for the rest."""
    prof = graph.profile
    k = len(points)
    if rural or not isinstance(points, gpd.GeoDataFrame) or "kind" not in points.columns:
        val = prof.max_snap_m_rural if rural else prof.max_snap_m_urban
        return np.full(k, float(val))
    village = (points["kind"].astype("string") == "village").fillna(False).to_numpy(dtype=bool)
    return np.where(village, float(prof.max_snap_m_rural), float(prof.max_snap_m_urban))


def _snap_limits(graph: RoutingGraph, settlements: Any, facilities: Any, max_snap_m: Any) -> np.ndarray:
    """One snapping limit per settlement, then per facility (defaults from the profile)."""
    ns, nf = len(settlements), len(facilities)
    if max_snap_m is None:
        return np.concatenate([
            default_max_snap(graph, settlements, rural=False),
            default_max_snap(graph, facilities, rural=True),
        ])
    ms = np.asarray(max_snap_m, dtype=float)
    if ms.ndim == 0:
        return np.full(ns + nf, float(ms))
    if ms.shape[0] != ns + nf:
        raise InputError("max_snap_m must be one number or one value per settlement followed by one per facility")
    return ms


def _node_lookups(n: int, node: np.ndarray, access: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per node of a graph of ``n`` nodes: the position of the point on it (``-1``) and its access leg (0)."""
    ok = node >= 0
    pos = np.full(n, -1, dtype=np.int64)
    pos[node[ok]] = np.flatnonzero(ok)
    leg = np.zeros(n)
    leg[node[ok]] = access[ok]
    return pos, leg


def attach(graph: RoutingGraph, settlements: Any, facilities: Any, max_snap_m: Any) -> Attached:
    """Snap settlements and facilities, and put them on the contracted search graph."""
    if graph.augmented:
        raise InputError("pass the graph from RoutingGraph.from_network, not an augmented one")
    ns = len(settlements)
    ms = _snap_limits(graph, settlements, facilities, max_snap_m)
    sx, sy = project_points(graph, settlements)
    fx, fy = project_points(graph, facilities)
    snapped = snap_points(graph, np.r_[sx, fx], np.r_[sy, fy], ms)
    sg, node = search_graph(graph, snapped)
    seg_of, ok = snapped.segment, snapped.ok
    acc = np.where(ok, snapped.distance / (graph.profile.access_speed_kmh / 3.6), np.inf)
    comp = np.where(ok, graph.component[graph.network.u[np.maximum(seg_of, 0)]], -1)
    snap = pd.DataFrame({"node": node, "segment": seg_of, "fraction": snapped.fraction,
                         "distance_m": snapped.distance, "ok": ok, "component": comp})
    log_unlinked(graph, int((~ok).sum()), ok.shape[0])
    s_node, s_acc, f_node, f_acc = node[:ns], acc[:ns], node[ns:], acc[ns:]
    # per node of the search graph, what the searches read: a settlement's column and
    # access leg, a facility's position and access leg; and the settlements worth waiting
    # for (their piece holds a linked facility)
    s_col, s_arrive = _node_lookups(sg.n_nodes, s_node, s_acc)
    f_rank, f_arrive = _node_lookups(sg.n_nodes, f_node, f_acc)
    hope = (s_node >= 0) & np.isin(comp[:ns], np.unique(comp[ns:][f_node >= 0]))
    return Attached(
        sg, s_node, s_acc, f_node, f_acc,
        snap.iloc[:ns].set_axis(settlements.index.copy()), snap.iloc[ns:].set_axis(facilities.index.copy()),
        s_col, s_arrive, f_rank, f_arrive, hope,
    )
