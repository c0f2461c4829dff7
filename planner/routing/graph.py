"""The road graph of one travel profile in compressed sparse row form, both ways.

Direction
---------
Every time the routing stage returns is a time **from a settlement (or any
node) to a facility**: older people travel to the facility.  On a directed
(driving) graph that is not the same as facility -> settlement, so the
searches that start at facilities (nearest facility, reach matrix, reach
sets) run on the **reversed** graph: relaxing the reverse arc ``v -> u`` of
the road arc ``u -> v`` gives the time of ``u`` to the source.  Both
directions are stored (``indptr``/``indices``/``weight`` and
``rev_indptr``/``rev_indices``/``rev_weight``).

Model
-----
:class:`RoutingGraph` is a directed graph in compressed sparse row form
(``indptr``, ``indices``, ``weight`` in seconds) built straight from the
arrays of a :class:`planner.network.RoadNetwork` (no networkx) with the
weights of :func:`planner.network.segment_travel_times` (the only place
edge weights are made).  Parallel arcs (two segments joining the same pair of
nodes) keep the *minimum* time.  Nodes carry projected (UTM, metres)
coordinates and the id of their weakly connected *piece* (``component``).

Points are attached by :meth:`RoutingGraph.with_points`
(:mod:`planner.routing.snap`); the searches live in
:mod:`planner.routing.queries`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyproj
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from planner.config import TravelProfile
from planner.errors import NetworkError
from planner.geo import utm_crs_for_lonlat
from planner.routing import contracted as _contracted
from planner.routing import snap as _snap
from planner.routing.csr import Arcs, arc_tails, counting_order, dedupe_parallel

__all__ = ["RoutingGraph"]

logger = logging.getLogger(__name__)


def _network_crs(net: Any) -> pyproj.CRS:
    """UTM zone of the network's nodes (NetworkError for an empty network)."""
    if len(net.lon) == 0:
        raise NetworkError("cannot choose a projection for an empty network")
    return utm_crs_for_lonlat(net.lon, net.lat)


def _road_arcs(net: Any, profile: TravelProfile, fwd: np.ndarray, bwd: np.ndarray) -> tuple[np.ndarray, Arcs]:
    """Usable segment directions as arcs sorted by tail, parallel arcs merged: (indptr, arcs).

    NetworkError when the profile may use no segment.
    """
    from planner.network import arcs_from_times

    n = net.n_nodes
    tail, head, w, seg = arcs_from_times(net, fwd, bwd)
    ok = tail != head  # a loop never shortens a path
    tail, head, w, seg = tail[ok], head[ok], w[ok], seg[ok]
    if not tail.size:
        raise NetworkError(
            f"road network {getattr(net, 'name', '')!r}: profile {profile.name!r} may use none of its "
            f"{net.n_segments} segments; check the profile's allowed_highways or the extract"
        )
    f0 = (tail != np.asarray(net.u, dtype=np.int64)[seg]).astype(np.float64)  # 0 along u->v, 1 against it
    indptr0, order = counting_order(n, tail)
    keep = dedupe_parallel(indptr0, order, head, w)
    n_dup = int((~keep).sum())
    if n_dup:
        logger.info("merged %d parallel arcs (kept the fastest of each pair of nodes)", n_dup)
    order = order[keep]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(tail[order], minlength=n), out=indptr[1:])
    return indptr, Arcs(tail[order], head[order], w[order], seg[order], f0[order], 1.0 - f0[order])


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
        The same arcs reversed (grouped by head, and within a head by
        tail); ``rev_arc`` is the position of each reverse arc in the
        forward arrays.
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
        indptr, arcs = _road_arcs(net, profile, fwd, bwd)
        crs_obj = pyproj.CRS.from_user_input(crs) if crs is not None else _network_crs(net)
        tr = pyproj.Transformer.from_crs("EPSG:4326", crs_obj, always_xy=True)
        x, y = tr.transform(np.asarray(net.lon, dtype=float), np.asarray(net.lat, dtype=float))
        return cls._assemble(
            indptr=indptr, tail=arcs.tail, head=arcs.head, weight=arcs.weight,
            arc_segment=arcs.segment, arc_f0=arcs.f0, arc_f1=arcs.f1,
            x=np.asarray(x, dtype=np.float64), y=np.asarray(y, dtype=np.float64),
            component=None, main_component=None, n_network_nodes=net.n_nodes, crs=crs_obj, profile=profile,
            network=net, seg_fwd_s=fwd, seg_bwd_s=bwd, augmented=False,
        )

    @classmethod
    def _assemble(cls, *, indptr, tail, head, weight, component, main_component, **kw) -> RoutingGraph:
        """Make the reverse CSR (and components when not given) for forward arcs sorted by tail."""
        n = indptr.shape[0] - 1
        rev_indptr, rev_arc = counting_order(n, head)
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

    # ------------------------------------------------------------ points
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
        return _snap.with_points(self, points, max_snap_m=max_snap_m)

    def prepare_snapping(self) -> None:
        """Build the spatial index used by :meth:`with_points` now (it is cached)."""
        _snap.segment_grid(self)

    def prepare(self) -> None:
        """Build the snapping index and the contracted search graph now (both are cached)."""
        _snap.segment_grid(self)
        _contracted.chains(self)

    # -------------------------------------------------------------- networkx
    def to_networkx(self) -> nx.DiGraph:
        """The same graph as a networkx ``DiGraph`` (the readable reference).

        Nodes are ``0 .. n_nodes - 1`` with attributes ``x``, ``y``
        (projected metres); arcs carry ``travel_time`` (seconds) and
        ``segment``.  Parallel arcs were already merged (minimum time).
        """
        g = nx.DiGraph()
        g.add_nodes_from((i, {"x": float(a), "y": float(b)}) for i, (a, b) in enumerate(zip(self.x, self.y)))
        tails = arc_tails(self.indptr)
        g.add_edges_from(
            (int(a), int(b), {"travel_time": float(w), "segment": int(s)})
            for a, b, w, s in zip(tails, self.indices, self.weight, self.arc_segment)
        )
        return g
