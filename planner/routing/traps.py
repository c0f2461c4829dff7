"""Where points trapped behind one-way streets end up: the nodes where the road file stops short.

On a directed (driving) graph a point can be linked to a road piece that
holds facilities and still reach none of them: every road it may drive
along leads away (``ONE_WAY_TRAPPED``).  On a clipped extract that is
mostly a one-way street that runs out of the file: the road goes on, the
file does not.  :func:`trap_edges` finds, for each trapped point, the
nearest node it can drive to where a way was cut
(:attr:`planner.network.RoadNetwork.cut_node_ids`), so the report can name
it and say that the road file stops short there.

All the nodes a trapped point can drive to cannot reach a facility either,
so the searches run only on those nodes (one reverse search from the
facilities marks the rest), which on a real extract are a small part of the
graph.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import breadth_first_order

if TYPE_CHECKING:
    from planner.routing.graph import RoutingGraph

__all__ = ["trap_edges"]

logger = logging.getLogger(__name__)

#: Most node visits spent looking for cut nodes (searches beyond it are skipped and logged).
MAX_VISITS = 50_000_000


def _ends(graph: RoutingGraph, segment: np.ndarray, fraction: np.ndarray, *, leaving: bool) -> list[np.ndarray]:
    """Per point, the network nodes it can drive to straight from its snap (``leaving``) or come from."""
    net = graph.network
    out = []
    for s, t in zip(segment, fraction):
        u, v = int(net.u[s]), int(net.v[s])
        if t == 0.0:
            out.append(np.array([u]))
            continue
        if t == 1.0:
            out.append(np.array([v]))
            continue
        along, against = np.isfinite(graph.seg_fwd_s[s]), np.isfinite(graph.seg_bwd_s[s])
        if not leaving:
            along, against = against, along
        out.append(np.array([n for n, ok in ((v, along), (u, against)) if ok], dtype=np.int64))
    return out


def _network_csr(graph: RoutingGraph) -> sparse.csr_array:
    """The road graph's arcs between network nodes (a graph from ``from_network``)."""
    n = graph.n_nodes
    return sparse.csr_array((np.ones(graph.n_arcs, dtype=np.int8), graph.indices, graph.indptr), shape=(n, n))


def _no_way_to_facility(graph: RoutingGraph, fac_snap: pd.DataFrame) -> np.ndarray:
    """Bool per network node: no facility can be reached from it."""
    ok = fac_snap["ok"].to_numpy(dtype=bool)
    starts = _ends(graph, fac_snap["segment"].to_numpy()[ok], fac_snap["fraction"].to_numpy()[ok], leaving=False)
    seeds = np.unique(np.concatenate(starts)) if starts else np.zeros(0, dtype=np.int64)
    trapped = np.ones(graph.n_nodes, dtype=bool)
    if seeds.size:
        rev = _network_csr(graph).T.tocsr()
        # one search from a super source joined to every seed
        n = graph.n_nodes
        src = sparse.csr_array((np.ones(seeds.size, dtype=np.int8), (np.full(seeds.size, n), seeds)),
                               shape=(n + 1, n + 1))
        big = sparse.block_diag([rev, sparse.csr_array((1, 1), dtype=np.int8)], format="csr") + src
        trapped[breadth_first_order(big, n, directed=True, return_predecessors=False)[1:]] = False
    return trapped


def trap_edges(graph: RoutingGraph, settlement_snapping: pd.DataFrame, facility_snapping: pd.DataFrame,
               trapped: np.ndarray) -> pd.DataFrame:
    """For each trapped settlement, the nearest cut node it can drive to (if any).

    Parameters
    ----------
    graph : RoutingGraph
        A graph from :meth:`RoutingGraph.from_network`.
    settlement_snapping, facility_snapping : pandas.DataFrame
        Snapping tables (``segment``, ``fraction``, ``ok``) of the settlements and facilities.
    trapped : numpy.ndarray of bool
        Per settlement: linked, on a piece with a facility, and no facility reached.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``settlement_snapping``: ``edge_node`` (OSM id of the node where the road
        file stops short, ``<NA>`` when none or not trapped), ``edge_lon``, ``edge_lat``.
    """
    net = graph.network
    k = len(settlement_snapping)
    node = np.full(k, -1, dtype=np.int64)
    pos = np.flatnonzero(np.asarray(trapped, dtype=bool))
    cut_ids = np.asarray(getattr(net, "cut_node_ids", []), dtype=np.int64)
    if cut_ids.size and pos.size:
        cut = np.flatnonzero(np.isin(net.node_id, cut_ids))
        node[pos] = _nearest_cut(graph, settlement_snapping.iloc[pos], facility_snapping, cut)
    has = node >= 0
    safe = np.maximum(node, 0)
    ids = pd.array(np.where(has, net.node_id[safe], 0), dtype="Int64")
    ids[~has] = pd.NA
    return pd.DataFrame(
        {"edge_node": ids, "edge_lon": np.where(has, net.lon[safe], np.nan),
         "edge_lat": np.where(has, net.lat[safe], np.nan)},
        index=settlement_snapping.index.copy(),
    )


def _nearest_cut(graph: RoutingGraph, snap: pd.DataFrame, fac_snap: pd.DataFrame, cut: np.ndarray) -> np.ndarray:
    """Network node index of the nearest cut node each trapped point can drive to (``-1``: none)."""
    dead = _no_way_to_facility(graph, fac_snap)
    sub_nodes = np.flatnonzero(dead)
    local = np.full(graph.n_nodes, -1, dtype=np.int64)
    local[sub_nodes] = np.arange(sub_nodes.size)
    sub = _network_csr(graph)[sub_nodes][:, sub_nodes].tocsr()
    is_cut = np.zeros(sub_nodes.size, dtype=bool)
    is_cut[local[cut[dead[cut]]]] = True
    seg, frac = snap["segment"].to_numpy(), snap["fraction"].to_numpy()
    starts = _ends(graph, seg, frac, leaving=True)
    net = graph.network
    t = np.clip(np.nan_to_num(frac), 0.0, 1.0)
    px = graph.x[net.u[seg]] + t * (graph.x[net.v[seg]] - graph.x[net.u[seg]])
    py = graph.y[net.u[seg]] + t * (graph.y[net.v[seg]] - graph.y[net.u[seg]])
    out = np.full(len(snap), -1, dtype=np.int64)
    visits = 0
    for i, st in enumerate(starts):
        st = local[st[dead[st]]] if st.size else st
        if not st.size:
            continue
        if visits > MAX_VISITS:
            logger.info("stopped looking for cut roads after %d node visits (%d points left)", visits,
                        len(starts) - i)
            break
        seen = np.unique(np.concatenate([breadth_first_order(sub, int(s), directed=True,
                                                             return_predecessors=False) for s in st]))
        visits += seen.size
        hit = sub_nodes[seen[is_cut[seen]]]
        if hit.size:
            out[i] = hit[np.argmin(np.hypot(graph.x[hit] - px[i], graph.y[hit] - py[i]))]
    return out
