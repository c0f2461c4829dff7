"""The searches the planner asks of a road graph: nearest facility, reach matrix, reach sets.

All times run from a settlement (or node) *to* a facility (see
:mod:`planner.routing.graph`).  The searches that only need the times of
points run on the contracted graph with the points attached
(:mod:`planner.routing.contracted`); the numba kernels of
:mod:`planner.routing.kernels` do the searching, many at once through
:mod:`planner.routing.parallel`:

* :func:`nearest_facility`: one multi-source Dijkstra from all facilities,
  or, when facilities are dense, one forward search per settlement stopped
  at its first facility (local, cache-friendly, run in threads);
* :func:`reach_matrix`: one bounded Dijkstra per facility whose cost is
  proportional to what it reaches, run in parallel threads (every pair
  kept: for questions about who may go where; per-facility counts come from
  :func:`planner.routing.reach_counts`, the same searches without pairs);
* :func:`reach_nodes`: the same on the full graph, reporting every node
  reached (for the service-circle polygons);
* :func:`nearest_source_times`: one multi-source Dijkstra on the full
  graph, the nearest source of every node (for the network Voronoi).

Results equal networkx's ``multi_source_dijkstra`` /
``single_source_dijkstra`` on :meth:`RoutingGraph.to_networkx` of the
augmented graph (up to the order in which floating-point sums are taken,
far below a microsecond); the tests check this on random graphs and on
Harbin, and ``benchmarks/bench_routing.py`` on every benchmark graph.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import sparse

from planner.codes import RouteReason
from planner.errors import InputError
from planner.routing import kernels as _kernels
from planner.routing.contracted import Attached, attach
from planner.routing.graph import RoutingGraph
from planner.routing.parallel import bounded, first_hit
from planner.routing.traps import trap_edges

__all__ = [
    "NearestFacility",
    "ReachMatrix",
    "NodeTimes",
    "nearest_facility",
    "reach_matrix",
    "reach_nodes",
    "nearest_source_times",
]

logger = logging.getLogger(__name__)

_METHODS = ("auto", "multi_source", "per_settlement")


def _check_cutoff(cutoff_s: float) -> float:
    cutoff_s = float(cutoff_s)
    if not cutoff_s >= 0:
        raise InputError(f"cutoff_s must be >= 0, got {cutoff_s}")
    return cutoff_s


# ------------------------------------------------------------------ searches on the attached graph


def nearest_search(at: Attached, method: str, n_threads: int | None) -> tuple[np.ndarray, np.ndarray, str]:
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
        dist, origin, _ = _kernels.multi_source_from(
            sg.rev_indptr, sg.rev_indices, sg.rev_weight, src, at.f_access_s, np.inf, at.node_s_col >= 0, n_t
        )
        # a settlement's time: its road node's, plus its own access leg
        d = np.where(tgt >= 0, dist[np.maximum(tgt, 0)] + at.s_access_s, np.inf)
        return d, np.where(tgt >= 0, origin[np.maximum(tgt, 0)], -1), method
    d, org = first_hit(sg, np.where(hope, tgt, -1), at.node_f_rank, n_threads,
                       start=np.where(hope, at.s_access_s, 0.0), target_time=at.node_f_access)
    return d, org, method


def reach_search(at: Attached, cutoff_s: float, n_threads: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Facility x settlement times within ``cutoff_s`` on the attached graph, as CSR (indptr, cols, vals)."""
    # unlinked facilities (node -1, access inf) are skipped by the kernel
    return bounded(at.graph, at.f_node, cutoff_s, at.node_s_col, False, n_threads, start=at.f_access_s,
                   target_time=at.node_s_access)


# ------------------------------------------------------------------ nearest facility


@dataclass(frozen=True, eq=False)
class NearestFacility:
    """Nearest facility of every settlement (times settlement -> facility).

    Attributes
    ----------
    table : pandas.DataFrame
        Indexed like the settlements: ``facility`` (id, NA when none within
        the cutoff), ``time_s`` (seconds, ``inf`` when none), ``reason``
        (None or a :class:`planner.codes.RouteReason`: ``NO_ROAD``,
        ``DISCONNECTED``, ``ONE_WAY_TRAPPED``, ``BEYOND_CUTOFF``),
        ``snap_m`` (distance to the road), ``component`` (road piece id,
        ``-1`` when not linked), and for ``ONE_WAY_TRAPPED`` points whose
        one-way roads run to a node where the road file was cut
        (:func:`planner.routing.traps.trap_edges`) that node's OSM id
        ``edge_node`` (``<NA>`` otherwise), ``edge_lon``, ``edge_lat``.
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


def _nearest_table(
    at: Attached, d: np.ndarray, org: np.ndarray, settlements: pd.Index, facilities: pd.Index, cutoff_s: float
) -> pd.DataFrame:
    """The table of :class:`NearestFacility` from the search's times and facility positions."""
    within = np.isfinite(d) & (d <= cutoff_s)
    fac_ids = np.asarray(facilities, dtype=object)
    facility = pd.array([fac_ids[o] if w else pd.NA for o, w in zip(org, within)], dtype=object)
    reason = np.full(len(d), None, dtype=object)
    reason[~within & np.isfinite(d)] = RouteReason.BEYOND_CUTOFF
    reason[~within & ~np.isfinite(d)] = RouteReason.DISCONNECTED
    # searched (its piece holds a linked facility) and still no time: one-way streets lead away
    reason[~np.isfinite(d) & at.reachable] = RouteReason.ONE_WAY_TRAPPED
    reason[at.s_node < 0] = RouteReason.NO_ROAD
    return pd.DataFrame(
        {
            "facility": pd.Series(facility, dtype=object, index=settlements),
            "time_s": np.where(within, d, np.inf),
            "reason": pd.Series(reason, dtype=object, index=settlements),
            "snap_m": at.snap_s["distance_m"].to_numpy(),
            "component": at.snap_s["component"].to_numpy(),
        },
        index=settlements.copy(),
    )


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
    Reasons (:class:`planner.codes.RouteReason`).  ``NO_ROAD``: the
    settlement is farther than ``max_snap_m`` from any road the profile may
    use.  ``BEYOND_CUTOFF``: a facility is reachable, but only in more than
    ``cutoff_s``.  ``DISCONNECTED``: the settlement's road piece
    (``component``, weakly connected) holds no linked facility (found
    without searching).  ``ONE_WAY_TRAPPED``: its piece holds a facility,
    but one-way streets lead away from every one (only on directed graphs;
    found by the search running to exhaustion).  The search is not stopped
    at the cutoff but once every other linked settlement has been settled,
    so ``BEYOND_CUTOFF`` is exact.
    """
    cutoff_s = _check_cutoff(cutoff_s)
    if method not in _METHODS:
        raise InputError(f"method must be 'auto', 'multi_source' or 'per_settlement', not {method!r}")
    at = attach(graph, settlements, facilities, max_snap_m)
    d, org, method = nearest_search(at, method, n_threads)
    table = _nearest_table(at, d, org, settlements.index, facilities.index, cutoff_s)
    trapped = (table["reason"] == RouteReason.ONE_WAY_TRAPPED).to_numpy(dtype=bool)
    table = table.join(trap_edges(graph, at.snap_s, at.snap_f, trapped).set_axis(table.index))
    n_unlinked = int((at.f_node < 0).sum())
    if n_unlinked:
        logger.warning("%d facilities are not near any usable road and were not used", n_unlinked)
    return NearestFacility(
        table=table,
        settlement_snapping=at.snap_s,
        facility_snapping=at.snap_f,
        cutoff_s=cutoff_s,
        profile=graph.profile.name,
        n_unlinked_facilities=n_unlinked,
        method=method,
    )


# ------------------------------------------------------------------ reach matrix


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
    cutoff_s = _check_cutoff(cutoff_s)
    at = attach(graph, settlements, facilities, max_snap_m)
    indptr, cols, vals = reach_search(at, cutoff_s, n_threads)
    times = sparse.csr_array((vals, cols, indptr), shape=(len(at.f_node), len(at.s_node)))
    times.sort_indices()
    return ReachMatrix(
        times=times,
        facility_ids=pd.Index(facilities.index.copy()),
        settlement_ids=pd.Index(settlements.index.copy()),
        facility_snapping=at.snap_f,
        settlement_snapping=at.snap_s,
        cutoff_s=cutoff_s,
        profile=graph.profile.name,
    )


# ------------------------------------------------------------------ searches on the full graph


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


def _source_nodes(graph: RoutingGraph, sources: np.ndarray) -> np.ndarray:
    """Source node indices of ``graph`` as int64 (InputError when out of range; ``-1`` is allowed)."""
    nodes = np.asarray(sources, dtype=np.int64).ravel()
    if nodes.size and (nodes.min() < -1 or nodes.max() >= graph.n_nodes):
        raise InputError(f"source node indices must be in [0, {graph.n_nodes})")
    return nodes


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
    cutoff_s = _check_cutoff(cutoff_s)
    snapping = None
    if isinstance(sources, gpd.GeoDataFrame | gpd.GeoSeries):
        ms = graph.profile.max_snap_m_rural if max_snap_m is None else max_snap_m
        g, snapping = graph.with_points(sources, max_snap_m=ms)
        nodes = snapping["node"].to_numpy(dtype=np.int64)
        ids = pd.Index(sources.index.copy())
    else:
        g = graph
        nodes = _source_nodes(g, sources)
        ids = pd.Index(nodes)
    indptr, cols, vals = bounded(g, nodes, cutoff_s, np.zeros(0, dtype=np.int64), True, n_threads)
    times = sparse.csr_array((vals, cols, indptr), shape=(nodes.shape[0], g.n_nodes))
    times.sort_indices()
    return NodeTimes(graph=g, source_ids=ids, source_nodes=nodes, times=times, snapping=snapping, cutoff_s=cutoff_s)


def nearest_source_times(
    graph: RoutingGraph, sources: np.ndarray, *, cutoff_s: float
) -> tuple[np.ndarray, np.ndarray]:
    """Time from every node to its nearest source within ``cutoff_s``, and that source.

    One multi-source Dijkstra on the reversed graph (times node -> source);
    ties in time go to the source listed first.

    Parameters
    ----------
    graph
        A :class:`RoutingGraph`, augmented or not (e.g. the graph of
        :meth:`RoutingGraph.with_points`, whose virtual nodes are the
        points).
    sources
        Node indices of ``graph``; ``-1`` (a point not linked to a road) is
        skipped.
    cutoff_s
        Largest time kept (inclusive).

    Returns
    -------
    time : numpy.ndarray
        float64 per node, ``inf`` beyond ``cutoff_s`` of every source.
    source : numpy.ndarray
        int64 per node: position in ``sources`` of the nearest source,
        ``-1`` where ``time`` is ``inf``.
    """
    cutoff_s = _check_cutoff(cutoff_s)
    nodes = np.ascontiguousarray(_source_nodes(graph, sources))
    no_target = np.zeros(graph.n_nodes, dtype=np.bool_)
    dist, origin, _ = _kernels.multi_source(graph.rev_indptr, graph.rev_indices, graph.rev_weight, nodes, cutoff_s,
                                            no_target, -1)
    return dist, origin
