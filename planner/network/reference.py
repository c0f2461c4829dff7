"""networkx graphs in and out: the readable reference model of a network, and osmnx graphs as RoadNetworks.

:func:`graph_from_network` is the networkx ``MultiDiGraph`` for one profile,
built from the same arcs as the routing engine
(:func:`~planner.network.weights.arcs_from_network`): slow but readable, to
check the engine.  :func:`network_from_graph` converts osmnx-style graphs
(simplified or not, projected or not) to a
:class:`~planner.network.model.RoadNetwork`, in stages: node coordinates and
ids, each edge's vertex chain, the two-way duplicates osmnx makes, the tags.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from planner.network.model import RoadNetwork, assemble
from planner.network.osm_tags import SKIP_HIGHWAYS, WayAttributes, first_token, graph_oneway, way_attributes
from planner.network.weights import arcs_from_network

if TYPE_CHECKING:
    import networkx as nx

    from planner.config import TravelProfile

__all__ = ["graph_from_network", "network_from_graph"]


def graph_from_network(net: RoadNetwork, profile: TravelProfile) -> nx.MultiDiGraph:
    """The networkx reference model of a network for one travel profile.

    Slow but readable: use it to check the routing engine, not to route a
    province.

    Parameters
    ----------
    net
        The road network.
    profile
        The travel profile; its usable directions become edges.

    Returns
    -------
    networkx.MultiDiGraph
        Nodes ``0 .. n-1`` (indices into ``net``) with attributes ``x``
        (longitude), ``y`` (latitude) and ``osmid``; one edge per usable
        direction of each segment with ``travel_time`` (s), ``length`` (m),
        ``highway`` and ``segment`` (index).  Graph attributes ``crs``
        (``"EPSG:4326"``), ``name`` and ``profile``.
    """
    import networkx as nx

    tail, head, seconds, segment = arcs_from_network(net, profile)
    g = nx.MultiDiGraph(crs="EPSG:4326", name=net.name, profile=profile.name)
    g.add_nodes_from(
        (i, {"x": float(x), "y": float(y), "osmid": int(o)})
        for i, (x, y, o) in enumerate(zip(net.lon.tolist(), net.lat.tolist(), net.node_id.tolist()))
    )
    length = np.asarray(net.length_m, dtype=np.float64)[segment].tolist()
    highway = np.asarray(net.highway, dtype=object)[segment].tolist()
    arcs = zip(tail.tolist(), head.tolist(), seconds.tolist(), length, highway, segment.tolist())
    g.add_edges_from(
        (t, h, {"travel_time": s, "length": ln, "highway": str(hw), "segment": sg}) for t, h, s, ln, hw, sg in arcs
    )
    return g


# --------------------------------------------------------------------------- attribute values


def _unlist(value: Any) -> Any:
    """``"['a', 'b']"`` (a list saved as text in GraphML) -> ``['a', 'b']``; else unchanged."""
    if isinstance(value, str) and value.startswith("[") and value.endswith("]"):
        import ast

        try:
            parsed = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            return value
        return parsed if isinstance(parsed, list) else value
    return value


def _norm_attr(value: Any) -> tuple[str, ...]:
    """Order-free form of an edge attribute (osmnx merges values into lists)."""
    if isinstance(value, (list, tuple, set)):
        return tuple(sorted(str(v) for v in value))
    return (str(value),)


def _to_int(value: Any) -> int | None:
    """An id as int (the first of a list); ``None`` when it is not a number."""
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --------------------------------------------------------------------------- nodes


@dataclass(eq=False)
class _Nodes:
    """The graph's nodes in WGS84, their ids, and generated (negative) ids for edge-interior vertices."""

    pos: dict[Any, int]
    lon: np.ndarray
    lat: np.ndarray
    ids: list[int]
    transform: Any  # pyproj Transformer to WGS84, or None
    next_gen: int = -1
    interior: dict[tuple[float, float], int] = field(default_factory=dict)

    def generated_id(self) -> int:
        """A fresh negative id."""
        i = self.next_gen
        self.next_gen -= 1
        return i

    def interior_id(self, c: tuple[float, float]) -> int:
        """The id of an edge-interior vertex (shared by edges through the same point, to 1e-7)."""
        k = (round(c[0], 7), round(c[1], 7))
        if k not in self.interior:
            self.interior[k] = self.generated_id()
        return self.interior[k]


def _to_wgs84_transform(g: nx.MultiDiGraph) -> Any:
    """A transformer from the graph's projected CRS to WGS84, or ``None`` when it is not projected."""
    crs = g.graph.get("crs")
    if crs is None:
        return None
    import pyproj

    src = pyproj.CRS.from_user_input(crs)
    if not src.equals(pyproj.CRS.from_epsg(4326)) and src.is_projected:
        return pyproj.Transformer.from_crs(src, "EPSG:4326", always_xy=True)
    return None


def _graph_nodes(g: nx.MultiDiGraph) -> _Nodes:
    """Node positions, WGS84 coordinates and ids (``osmid``, else the node key, else generated)."""
    node_keys = list(g.nodes)
    xs = np.array([float(g.nodes[n]["x"]) for n in node_keys], dtype=np.float64)
    ys = np.array([float(g.nodes[n]["y"]) for n in node_keys], dtype=np.float64)
    transform = _to_wgs84_transform(g)
    if transform is not None:
        lon_t, lat_t = transform.transform(xs, ys)
        xs, ys = np.asarray(lon_t, dtype=np.float64), np.asarray(lat_t, dtype=np.float64)
    nodes = _Nodes(pos={n: k for k, n in enumerate(node_keys)}, lon=xs, lat=ys, ids=[], transform=transform)
    for n in node_keys:
        i = _to_int(g.nodes[n].get("osmid", n))
        if i is None:
            i = _to_int(n)
        if i is None:
            i = nodes.generated_id()
        nodes.ids.append(i)
    return nodes


# --------------------------------------------------------------------------- edges


def _edge_coords(d: dict, ia: int, ib: int, nodes: _Nodes) -> list[tuple[float, float]]:
    """The edge's vertices in WGS84: its ``geometry`` (simplified graphs) or its two end nodes."""
    geom = d.get("geometry")
    if isinstance(geom, str):  # GraphML read by plain networkx keeps WKT text
        import shapely

        geom = shapely.from_wkt(geom)
    if geom is None:
        return [(nodes.lon[ia], nodes.lat[ia]), (nodes.lon[ib], nodes.lat[ib])]
    coords = [tuple(map(float, c[:2])) for c in geom.coords]
    if nodes.transform is not None:
        cx, cy = nodes.transform.transform([c[0] for c in coords], [c[1] for c in coords])
        coords = list(zip(map(float, cx), map(float, cy)))
    return coords


def _is_reverse_twin(coords: list[tuple[float, float]], d: dict, seen: dict) -> bool:
    """Whether a two-way edge is the opposite twin of one already kept.

    osmnx stores a two-way road as two opposite edges: keep one per pair.
    Parallel roads with the same geometry (a footway along a roundabout) stay
    separate: each direction is counted, and an edge is a twin only while the
    opposite direction has been seen at least as often.
    """
    fwd_key = tuple((round(x, 7), round(y, 7)) for x, y in coords)
    rev_key = fwd_key[::-1]
    canon = min(fwd_key, rev_key)
    key = (canon, _norm_attr(d.get("osmid")), _norm_attr(d.get("highway")))
    pair = seen.setdefault(key, [0, 0])
    side = 0 if fwd_key == canon else 1
    pair[side] += 1
    return pair[side] <= pair[1 - side]


def _edge_attributes(d: dict, oneway: bool, counts: Counter, ms_cache: dict) -> tuple[str, WayAttributes] | None:
    """``highway`` and tag attributes of an edge; ``None`` (counted) when it is not a road or path."""
    hw = first_token(d.get("highway"))
    if not hw or hw in SKIP_HIGHWAYS:
        counts[f"edges_highway_{hw or 'missing'}"] += 1
        return None
    if first_token(d.get("area")) == "yes":
        counts["edges_area_yes"] += 1
        return None
    tags = {k: d.get(k) for k in ("maxspeed", "access", "foot", "motor_vehicle", "motorcar", "vehicle")}
    tags["oneway"] = "yes" if oneway else "no"
    return hw, way_attributes(tags, hw, counts, ms_cache)


@dataclass(eq=False)
class _Segments:
    """Per-segment columns collected edge by edge, then assembled into a RoadNetwork."""

    uid: list[int] = field(default_factory=list)
    vid: list[int] = field(default_factory=list)
    ulon: list[float] = field(default_factory=list)
    ulat: list[float] = field(default_factory=list)
    vlon: list[float] = field(default_factory=list)
    vlat: list[float] = field(default_factory=list)
    highway: list[str] = field(default_factory=list)
    attrs: list[WayAttributes] = field(default_factory=list)
    way_id: list[int] = field(default_factory=list)

    def add_chain(self, ids: list[int], pts: list[tuple[float, float]], highway: str, attrs: WayAttributes,
                  way: int | None, counts: Counter) -> None:
        """One segment per consecutive vertex pair of an edge (pairs repeating a node are counted, not kept)."""
        for j in range(len(pts) - 1):
            if ids[j] == ids[j + 1]:
                counts["segments_repeated_node"] += 1
                continue
            self.uid.append(ids[j])
            self.vid.append(ids[j + 1])
            self.ulon.append(pts[j][0])
            self.ulat.append(pts[j][1])
            self.vlon.append(pts[j + 1][0])
            self.vlat.append(pts[j + 1][1])
            self.highway.append(highway)
            self.attrs.append(attrs)
            self.way_id.append(way if way is not None else -1)

    def network(self, name: str, counts: Counter) -> RoadNetwork:
        """The assembled network."""
        arr = np.asarray
        ow, ms, foot, motor = (list(c) for c in zip(*self.attrs)) if self.attrs else ([], [], [], [])
        return assemble(
            arr(self.uid, dtype=np.int64), arr(self.vid, dtype=np.int64), arr(self.ulon, dtype=np.float64),
            arr(self.ulat, dtype=np.float64), arr(self.vlon, dtype=np.float64), arr(self.vlat, dtype=np.float64),
            highway=arr(self.highway, dtype=object), oneway=arr(ow, dtype=np.int8),
            maxspeed=arr(ms, dtype=np.float64), foot=arr(foot, dtype=np.int8), motor=arr(motor, dtype=np.int8),
            way_id=arr(self.way_id, dtype=np.int64), name=name, dropped=counts,
        )


def network_from_graph(g: nx.MultiDiGraph, *, name: str = "") -> RoadNetwork:
    """Convert an osmnx-style ``MultiDiGraph`` (simplified or not) to a RoadNetwork.

    Edge ``geometry`` LineStrings (simplified graphs) are expanded into one
    segment per vertex pair; interior vertices become nodes with negative
    generated ids.  The two directed edges osmnx makes for a two-way road are
    merged into one segment; ``oneway`` edges keep their direction.  Tags
    read from edges: ``highway``, ``oneway``, ``maxspeed``, ``access``,
    ``foot``, ``motor_vehicle``, ``motorcar``, ``vehicle``, ``osmid``.
    Projected graphs (graph attribute ``crs``) are converted back to WGS84.

    Parameters
    ----------
    g
        The graph (not modified).
    name
        Name recorded on the network.

    Returns
    -------
    RoadNetwork
    """
    counts: Counter = Counter()
    nodes = _graph_nodes(g)
    segments = _Segments()
    seen: dict = {}
    ms_cache: dict = {}
    for a, b, d in g.edges(data=True):
        d = {k: _unlist(v) for k, v in d.items()}
        ia, ib = nodes.pos[a], nodes.pos[b]
        coords = _edge_coords(d, ia, ib, nodes)
        oneway = graph_oneway(d.get("oneway"))
        if not oneway and _is_reverse_twin(coords, d, seen):
            counts["reverse_edges_merged"] += 1
            continue
        tagged = _edge_attributes(d, oneway, counts, ms_cache)
        if tagged is None:
            continue
        # node id per vertex: graph nodes at the ends, generated ids inside
        inner = coords[1:-1]
        ids = [nodes.ids[ia], *(nodes.interior_id(c) for c in inner), nodes.ids[ib]]
        pts = [(nodes.lon[ia], nodes.lat[ia]), *inner, (nodes.lon[ib], nodes.lat[ib])]
        segments.add_chain(ids, pts, *tagged, _to_int(d.get("osmid")), counts)
    return segments.network(name or str(g.graph.get("name", "")), counts)
