"""Road networks from files: OpenStreetMap (.osm, .osm.bz2, .osm.pbf, streamed with pyosmium) and GraphML.

:func:`network_from_osm_file` reads the ways into flat arrays without ever
creating a graph, so a province-size extract fits in memory, in stages:
collect the kept ways (:func:`_read_ways`), cut them into the segments whose
both nodes are in the file (:func:`_present_segments`), then assemble the
:class:`~planner.network.model.RoadNetwork`.  :func:`network_from_graphml`
and :func:`network_to_graphml` read and write osmnx-style GraphML.
"""

from __future__ import annotations

import logging
import time
from array import array
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from planner.errors import InputFileNotFoundError, NetworkError
from planner.network.model import RoadNetwork, assemble, clip_network
from planner.network.osm_tags import SKIP_HIGHWAYS, WayAttributes, way_attributes
from planner.network.reference import network_from_graph

__all__ = ["osm_file_format", "network_from_osm_file", "network_from_graphml", "network_to_graphml"]

logger = logging.getLogger(__name__)

#: pyosmium's x/y of a node missing from the file (a way clipped at the extract's edge).
_INVALID_COORD = 2147483647


def osm_file_format(path: Path) -> str | None:
    """pyosmium's format name for an OSM file, from its suffix; ``None`` when it is not one."""
    name = path.name.lower()
    for suffix, fmt in ((".osm.pbf", "pbf"), (".pbf", "pbf"), (".osm.bz2", "osm.bz2"), (".xml.bz2", "osm.bz2"),
                        (".osm.gz", "osm.gz"), (".xml.gz", "osm.gz"), (".osm", "osm"), (".xml", "osm")):
        if name.endswith(suffix):
            return fmt
    return None


# --------------------------------------------------------------------------- stage 1: the kept ways


def _as_numpy(buffer: array | list, dtype: Any) -> np.ndarray:
    """A collected buffer as a numpy array (an empty one when nothing was collected)."""
    if not len(buffer):
        return np.empty(0, dtype)
    if isinstance(buffer, list):
        return np.array(buffer, dtype=dtype)
    return np.frombuffer(buffer, dtype=dtype)


@dataclass(eq=False)
class _Ways:
    """The kept ways, collected flat while streaming: their node refs and coordinates, then one entry per way."""

    refs: array = field(default_factory=lambda: array("q"))
    xs: array = field(default_factory=lambda: array("i"))
    ys: array = field(default_factory=lambda: array("i"))
    n_refs: array = field(default_factory=lambda: array("q"))
    way_id: array = field(default_factory=lambda: array("q"))
    oneway: array = field(default_factory=lambda: array("b"))
    maxspeed: array = field(default_factory=lambda: array("d"))
    foot: array = field(default_factory=lambda: array("b"))
    motor: array = field(default_factory=lambda: array("b"))
    highway: list[str] = field(default_factory=list)
    interned: dict[str, str] = field(default_factory=dict)

    def add(self, way: Any, highway: str, attrs: WayAttributes) -> None:
        """Append one way (pyosmium ``Way``) with its ``highway`` and tag attributes."""
        nodes = way.nodes
        for nd in nodes:
            self.refs.append(nd.ref)
            self.xs.append(nd.x)
            self.ys.append(nd.y)
        self.n_refs.append(len(nodes))
        self.way_id.append(way.id)
        self.highway.append(self.interned.setdefault(highway, highway))
        self.oneway.append(attrs.oneway)
        self.maxspeed.append(attrs.maxspeed_kmh)
        self.foot.append(attrs.foot)
        self.motor.append(attrs.motor)


def _skip_reason(tags: Any, highway: str, n_nodes: int) -> str | None:
    """Why a ``highway`` way is not a road or path to keep (the ``dropped`` key), or ``None``."""
    if highway in SKIP_HIGHWAYS:
        return f"ways_highway_{highway}"
    if tags.get("area") == "yes":
        return "ways_area_yes"
    if n_nodes < 2:
        return "ways_fewer_than_two_nodes"
    return None


def _read_ways(path: Path, fmt: str, counts: Counter, *, verbose: bool) -> _Ways:
    """Stream the ``highway`` ways of an OSM file; skipped ways and odd tags are counted in ``counts``."""
    import osmium
    from tqdm.auto import tqdm

    ways = _Ways()
    ms_cache: dict = {}
    try:
        fp = (
            osmium.FileProcessor(osmium.io.File(str(path), fmt))
            .with_locations()
            .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
            .with_filter(osmium.filter.KeyFilter("highway"))
        )
        for w in tqdm(fp, disable=not verbose, unit=" ways", desc=f"reading {path.name}"):
            tags = w.tags
            hw = tags.get("highway")
            skip = _skip_reason(tags, hw, len(w.nodes))
            if skip is not None:
                counts[skip] += 1
                continue
            ways.add(w, hw, way_attributes(tags, hw, counts, ms_cache))
    except (RuntimeError, ValueError, OSError) as exc:
        raise NetworkError(
            f"{path}: 无法读取 OSM 文件 / cannot read the OSM file ({exc}). "
            "Fix: check that it is a complete OpenStreetMap .osm/.osm.bz2/.osm.pbf file."
        ) from exc
    return ways


# --------------------------------------------------------------------------- stage 2: segments of present nodes


def _present_segments(
    refs: np.ndarray, x: np.ndarray, y: np.ndarray, way_of: np.ndarray, counts: Counter
) -> tuple[np.ndarray, np.ndarray]:
    """Positions ``i`` (into the flat node refs) of the segments ``i -> i + 1`` to keep, and the cut nodes.

    A segment is kept when both nodes are in the file and differ.  Ways cut
    at missing nodes keep their runs of present nodes; the lost segments, the
    ways cut and those left without any segment are counted in ``counts``,
    as are segments that repeat a node.  The cut nodes are the ids of the
    present nodes next to a missing one on a way.
    """
    present = (x != _INVALID_COORD) & (y != _INVALID_COORD)
    cand = np.flatnonzero(way_of[:-1] == way_of[1:]) if way_of.shape[0] > 1 else np.empty(0, np.int64)
    both = present[cand] & present[cand + 1]
    missing = cand[~both]
    counts["segments_missing_node"] += int(missing.shape[0])
    if missing.shape[0]:
        w_cut = np.unique(way_of[missing])
        w_kept = np.unique(way_of[cand[both]])
        counts["ways_cut_at_missing_node"] += int(np.isin(w_cut, w_kept).sum())
        counts["ways_without_present_segment"] += int((~np.isin(w_cut, w_kept)).sum())
    cut = np.r_[refs[missing][present[missing]], refs[missing + 1][present[missing + 1]]]
    seg = cand[both]
    loop = refs[seg] == refs[seg + 1]
    counts["segments_repeated_node"] += int(loop.sum())
    return seg[~loop], cut


def _network_from_ways(ways: _Ways, counts: Counter, name: str) -> RoadNetwork:
    """Cut the collected ways into segments and assemble the network (before any clipping)."""
    refs = _as_numpy(ways.refs, np.int64)
    x = _as_numpy(ways.xs, np.int32)
    y = _as_numpy(ways.ys, np.int32)
    per_way = _as_numpy(ways.n_refs, np.int64)
    way_of = np.repeat(np.arange(per_way.shape[0]), per_way)
    seg, cut = _present_segments(refs, x, y, way_of, counts)
    seg_way = way_of[seg]
    lon = x.astype(np.float64) / 1e7
    lat = y.astype(np.float64) / 1e7
    return assemble(
        refs[seg], refs[seg + 1], lon[seg], lat[seg], lon[seg + 1], lat[seg + 1],
        highway=_as_numpy(ways.highway, object)[seg_way],
        oneway=_as_numpy(ways.oneway, np.int8)[seg_way],
        maxspeed=_as_numpy(ways.maxspeed, np.float64)[seg_way],
        foot=_as_numpy(ways.foot, np.int8)[seg_way],
        motor=_as_numpy(ways.motor, np.int8)[seg_way],
        way_id=_as_numpy(ways.way_id, np.int64)[seg_way],
        name=name, dropped=counts, cut_node_ids=cut,
    )


# --------------------------------------------------------------------------- OSM files


def _checked_osm_format(path: Path) -> str:
    """The pyosmium format of an existing OSM file; the errors a user can act on otherwise."""
    if not path.exists():
        raise InputFileNotFoundError(
            f"{path}: 路网文件不存在 / road network file not found. "
            "Fix: check the path in [inputs] roads, or download an extract (.osm.pbf) of the area."
        )
    fmt = osm_file_format(path)
    if fmt is None:
        raise NetworkError(
            f"{path}: 无法识别的路网文件格式 / unknown road file type. "
            "Fix: use .osm, .osm.bz2, .osm.pbf or .graphml."
        )
    return fmt


def network_from_osm_file(
    path: str | Path, *, polygon: Any = None, buffer_m: float = 0.0, verbose: bool = False
) -> RoadNetwork:
    """Read a road network from an OpenStreetMap file (.osm, .osm.bz2, .osm.pbf).

    Ways with a ``highway`` tag are kept unless the value is not a road or
    path (:data:`~planner.network.osm_tags.SKIP_HIGHWAYS`) or the way is an
    ``area=yes`` plaza.  Each way becomes one segment per consecutive node
    pair.  Extracts clipped at a box edge reference nodes missing from the
    file: ways are cut there (the runs of present nodes are kept) and the
    lost segments are counted in ``dropped["segments_missing_node"]``.  The
    file is streamed with pyosmium into flat arrays; no graph is built.

    Tags: ``oneway`` yes/true/1 and -1 (``reversible``/``alternating`` are
    kept two-way and counted; ``junction=roundabout`` and
    ``highway=motorway`` imply one-way); ``maxspeed`` via
    :func:`~planner.network.osm_tags.parse_maxspeed`; ``foot``/``access``
    fold into ``foot`` and ``motorcar``/``motor_vehicle``/``vehicle``/``access``
    (most specific wins) into ``motor``.  Travel speeds are not decided here
    but by the profiles of ``planner.config`` (the older walker's 0.9 m/s on foot).

    ``RoadNetwork.dropped`` counts what was left out or reinterpreted:
    ``ways_highway_<value>`` and ``ways_area_yes`` (ways skipped),
    ``segments_missing_node`` (node pairs lost at nodes absent from the
    file), ``ways_cut_at_missing_node`` (ways kept in pieces),
    ``ways_without_present_segment``, ``segments_repeated_node``,
    ``ways_oneway_reversible_as_two_way``, ``ways_oneway_unknown_as_two_way``,
    ``ways_maxspeed_not_numeric`` (speed from the road class instead) and,
    with ``polygon``, ``segments_outside_area``.

    Parameters
    ----------
    path
        The file.
    polygon
        Optional shapely (Multi)Polygon in WGS84: keep only segments with both
        ends inside it (grown by ``buffer_m``); the rest are counted.
    buffer_m
        Buffer in metres around ``polygon``.
    verbose
        Show a progress bar while reading.

    Returns
    -------
    RoadNetwork

    Raises
    ------
    InputFileNotFoundError
        The file does not exist.
    NetworkError
        The file cannot be read or holds no usable road.
    """
    path = Path(path)
    fmt = _checked_osm_format(path)
    t0 = time.perf_counter()
    counts: Counter = Counter()
    ways = _read_ways(path, fmt, counts, verbose=verbose)
    net = _network_from_ways(ways, counts, path.name)
    if polygon is not None:
        net = clip_network(net, polygon, buffer_m=buffer_m)
    if net.n_segments == 0:
        where = "inside the study area " if polygon is not None else ""
        raise NetworkError(
            f"{path}: 文件中没有可用道路 / no usable road {where}in this file (dropped: {net.dropped}). "
            "Fix: use an extract that covers the study area (WGS84 coordinates)."
        )
    logger.info(
        "%s: %d nodes, %d segments from %d ways in %.1f s; dropped %s",
        path.name, net.n_nodes, net.n_segments, len(ways.way_id), time.perf_counter() - t0, net.dropped,
    )
    return net


# --------------------------------------------------------------------------- GraphML


def network_from_graphml(path: str | Path) -> RoadNetwork:
    """Read a road network from a GraphML file written by osmnx (or :func:`network_to_graphml`).

    Parameters
    ----------
    path
        The ``.graphml`` file.

    Returns
    -------
    RoadNetwork

    Raises
    ------
    InputFileNotFoundError
        The file does not exist.
    NetworkError
        The file is not an osmnx GraphML road graph.
    """
    import osmnx as ox

    path = Path(path)
    if not path.exists():
        raise InputFileNotFoundError(
            f"{path}: 路网文件不存在 / road network file not found. Fix: check the path in [inputs] roads."
        )
    try:
        g = ox.load_graphml(path)
    except Exception as exc:  # osmnx/networkx raise many types for malformed files
        raise NetworkError(
            f"{path}: 无法读取 GraphML 路网 / cannot read this GraphML road graph ({exc}). "
            "Fix: save the graph with osmnx.save_graphml, or use an .osm.pbf extract."
        ) from exc
    if any("x" not in d or "y" not in d for _, d in g.nodes(data=True)):
        raise NetworkError(
            f"{path}: GraphML 节点缺少 x/y 坐标 / GraphML nodes lack x/y coordinates. "
            "Fix: use a graph saved by osmnx.save_graphml."
        )
    return network_from_graph(g, name=path.name)


_ACCESS_TEXT = {1: "yes", -1: "no"}


def _graphml_edge_attributes(net: RoadNetwork, s: int) -> dict[str, Any]:
    """The osmnx-style attributes of segment ``s`` (tags written only when known)."""
    attrs: dict[str, Any] = {"osmid": int(net.way_id[s]), "highway": str(net.highway[s]),
                             "length": float(net.length_m[s])}
    if np.isfinite(net.maxspeed_kmh[s]):
        attrs["maxspeed"] = repr(float(net.maxspeed_kmh[s]))
    if int(net.foot[s]) in _ACCESS_TEXT:
        attrs["foot"] = _ACCESS_TEXT[int(net.foot[s])]
    if int(net.motor[s]) in _ACCESS_TEXT:
        attrs["motor_vehicle"] = _ACCESS_TEXT[int(net.motor[s])]
    return attrs


def network_to_graphml(net: RoadNetwork, path: str | Path) -> Path:
    """Write a network as an osmnx-style GraphML file (readable by :func:`network_from_graphml`).

    Two-way segments become two directed edges (``reversed`` False/True),
    one-way segments one edge in the travel direction.  ``foot`` and
    ``motor_vehicle`` are written as ``yes``/``no`` when explicit.

    Parameters
    ----------
    net
        The road network.
    path
        Output file.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    import networkx as nx
    import osmnx as ox

    path = Path(path)
    g = nx.MultiDiGraph(crs="EPSG:4326", name=net.name)
    g.add_nodes_from(
        (o, {"osmid": o, "x": x, "y": y})
        for o, x, y in zip(net.node_id.tolist(), net.lon.tolist(), net.lat.tolist())
    )
    nid = net.node_id
    for s in range(net.n_segments):
        a, b = int(nid[net.u[s]]), int(nid[net.v[s]])
        ow = int(net.oneway[s])
        attrs = _graphml_edge_attributes(net, s)
        if ow == 0:
            g.add_edge(a, b, oneway=False, reversed=False, **attrs)
            g.add_edge(b, a, oneway=False, reversed=True, **attrs)
        elif ow == 1:
            g.add_edge(a, b, oneway=True, reversed=False, **attrs)
        else:
            g.add_edge(b, a, oneway=True, reversed=False, **attrs)
    path.parent.mkdir(parents=True, exist_ok=True)
    ox.save_graphml(g, path)
    return path
