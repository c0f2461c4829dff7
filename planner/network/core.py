"""Road networks: build them from OpenStreetMap (online or offline) as arrays.

The canonical in-memory form is :class:`RoadNetwork`: plain numpy arrays of
nodes and of *segments* (one per consecutive node pair of an OSM way, never
simplified), with the tags the travel profiles need.  It is built straight
from a file without ever creating a networkx graph, so a province-size
extract fits in memory.  :func:`graph_from_network` gives the networkx
``MultiDiGraph`` for a profile: the readable reference model.

Edge weights come only from :func:`segment_travel_times`, which applies a
``planner.config.TravelProfile``: the default walking profile is the older
walker's 0.9 m/s (3.24 km/h, see ``planner.config``), e-bikes 15 km/h, cars
the per-class speeds of Chinese road standards unless OSM gives ``maxspeed``.

Loaders: :func:`network_from_osm_file` (.osm, .osm.bz2, .osm.pbf, streamed
with pyosmium; ways cut at nodes missing from clipped extracts),
:func:`network_from_graphml`, :func:`network_from_graph` (osmnx graphs,
simplified or not), :func:`network_from_osmnx` (download, cached as GraphML)
and :func:`load_network` (the study's configuration).  What a loader leaves
out is counted in ``RoadNetwork.dropped``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import math
import re
import time
from array import array
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from planner.errors import InputFileNotFoundError, NetworkError
from planner.geo import haversine_m

if TYPE_CHECKING:
    import networkx as nx
    import pandas as pd

    from planner.config import StudyConfig, TravelProfile

__all__ = [
    "RoadNetwork",
    "Components",
    "segment_travel_times",
    "usable_directions",
    "arcs_from_network",
    "graph_from_network",
    "components_of",
    "network_from_osm_file",
    "network_from_graph",
    "network_from_graphml",
    "network_to_graphml",
    "network_from_osmnx",
    "osmnx_cache_path",
    "clip_network",
    "load_network",
    "parse_maxspeed",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class RoadNetwork:
    """An OpenStreetMap road network as arrays (mode-independent).

    Nodes
    -----
    node_id : int64 (n,)
        OSM node ids (or generated ids for synthetic networks).
    lon, lat : float64 (n,)
        WGS84 coordinates.

    Segments (one per consecutive node pair of a way; undirected record)
    --------------------------------------------------------------------
    u, v : int64 (m,)
        Indices into the node arrays; the way runs from ``u`` to ``v``.
    length_m : float64 (m,)
        Geodesic length in metres.
    highway : object (m,)
        OSM ``highway`` value (str).
    oneway : int8 (m,)
        ``0`` both directions, ``1`` only ``u -> v``, ``-1`` only ``v -> u``
        (for motor traffic; walkers ignore it).
    maxspeed_kmh : float64 (m,)
        Parsed ``maxspeed``; NaN when absent or unparseable.
    foot : int8 (m,)
        ``1`` foot explicitly allowed, ``0`` unspecified, ``-1`` forbidden
        (``foot=no`` or ``access=no/private`` without a foot exception).
    motor : int8 (m,)
        Same for motor vehicles (``motor_vehicle``/``motorcar``/``access``).
    way_id : int64 (m,)
        OSM way id of the segment.

    Other
    -----
    name : str
        Where the network came from (file name or place), for reports.
    dropped : dict
        Counts of what the loader left out and why (e.g. segments cut at
        nodes missing from a clipped extract), so nothing vanishes silently.
    """

    node_id: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    u: np.ndarray
    v: np.ndarray
    length_m: np.ndarray
    highway: np.ndarray
    oneway: np.ndarray
    maxspeed_kmh: np.ndarray
    foot: np.ndarray
    motor: np.ndarray
    way_id: np.ndarray
    name: str = ""
    dropped: dict = field(default_factory=dict)

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.node_id.shape[0])

    @property
    def n_segments(self) -> int:
        """Number of segments (undirected records)."""
        return int(self.u.shape[0])


# --------------------------------------------------------------------------- profiles -> edge times


def _per_highway(highway: np.ndarray, fn) -> np.ndarray:
    """Evaluate ``fn(str)`` once per distinct highway value and broadcast it.

    The distinct values are found by hashing (``pandas.factorize``), which is
    20x faster than sorting strings with ``np.unique`` on province-size arrays.
    """
    import pandas as pd

    hw = np.asarray(highway, dtype=object)
    if hw.shape[0] == 0:
        return np.empty(0)
    codes, uniq = pd.factorize(hw, use_na_sentinel=False)
    table = np.array([fn(str(h)) for h in uniq])
    return table[codes]


def usable_directions(net: RoadNetwork, profile: TravelProfile) -> tuple[np.ndarray, np.ndarray]:
    """Which directions of each segment ``profile`` may use.

    Parameters
    ----------
    net
        The road network.
    profile
        The travel profile (``planner.config.TravelProfile``).

    Returns
    -------
    fwd_ok, bwd_ok : bool ndarray (m,)
        ``u -> v`` and ``v -> u`` usable.  A segment is usable when its
        ``highway`` is in ``profile.allowed_highways`` and it is not forbidden
        for the mode (walk/bike: ``foot == -1``; drive: ``motor == -1``).
        Drive profiles with ``respect_oneway`` honour ``oneway``; walkers
        and bikes ignore it.
    """
    allowed = frozenset(profile.allowed_highways)
    ok = _per_highway(net.highway, lambda h: h in allowed).astype(bool)
    if profile.mode == "drive":
        ok &= np.asarray(net.motor) != -1
    else:
        ok &= np.asarray(net.foot) != -1
    fwd = ok.copy()
    bwd = ok.copy()
    if profile.mode == "drive" and profile.respect_oneway:
        ow = np.asarray(net.oneway)
        fwd &= ow != -1
        bwd &= ow != 1
    return fwd, bwd


def segment_travel_times(net: RoadNetwork, profile: TravelProfile) -> tuple[np.ndarray, np.ndarray]:
    """Travel time in seconds over each segment, in both directions.

    This is the only place edge weights are made: the networkx reference
    (:func:`graph_from_network`) and the routing engine both use it.

    Parameters
    ----------
    net
        The road network.
    profile
        The travel profile.  Speeds come from ``planner.config``: the default
        walking profile uses the older walker's 0.9 m/s (3.24 km/h) on every
        road; driving uses per-class speeds where OSM has no ``maxspeed``.

    Returns
    -------
    fwd_s, bwd_s : float64 ndarray (m,)
        Seconds for ``u -> v`` and ``v -> u``; ``np.inf`` where the profile
        may not use the segment in that direction (see
        :func:`usable_directions`).  Speed is ``maxspeed_kmh`` when
        ``profile.use_maxspeed`` and the tag was parsed, else
        ``profile.speed_for(highway)``.
    """
    fwd_ok, bwd_ok = usable_directions(net, profile)
    speed = _per_highway(net.highway, profile.speed_for).astype(np.float64)
    if profile.use_maxspeed:
        ms = np.asarray(net.maxspeed_kmh, dtype=np.float64)
        has = np.isfinite(ms) & (ms > 0)
        speed = np.where(has, ms, speed)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.asarray(net.length_m, dtype=np.float64) / (speed / 3.6)
    fwd = np.where(fwd_ok, t, np.inf)
    bwd = np.where(bwd_ok, t, np.inf)
    return fwd, bwd


def arcs_from_network(
    net: RoadNetwork, profile: TravelProfile
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Directed arcs a profile may use, as flat arrays (for CSR builders).

    Parameters
    ----------
    net
        The road network.
    profile
        The travel profile.

    Returns
    -------
    tail, head : int64 ndarray (a,)
        Node indices; the arc runs ``tail -> head``.
    seconds : float64 ndarray (a,)
        Travel time (finite) from :func:`segment_travel_times`.
    segment : int64 ndarray (a,)
        Index of the segment the arc runs along.  Forward arcs (``u -> v``,
        ``head == net.v[segment]``) come first, then the backward ones.
    """
    fwd, bwd = segment_travel_times(net, profile)
    f = np.flatnonzero(np.isfinite(fwd))
    b = np.flatnonzero(np.isfinite(bwd))
    u = np.asarray(net.u, dtype=np.int64)
    v = np.asarray(net.v, dtype=np.int64)
    tail = np.concatenate([u[f], v[b]])
    head = np.concatenate([v[f], u[b]])
    seconds = np.concatenate([fwd[f], bwd[b]])
    segment = np.concatenate([f, b]).astype(np.int64)
    return tail, head, seconds, segment


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
    g.add_edges_from(
        (t, h, {"travel_time": s, "length": ln, "highway": str(hw), "segment": sg})
        for t, h, s, ln, hw, sg in zip(tail.tolist(), head.tolist(), seconds.tolist(), length, highway, segment.tolist())
    )
    return g


# --------------------------------------------------------------------------- connected pieces


@dataclass(frozen=True, eq=False)
class Components:
    """Connected pieces of a road network for one travel profile.

    A village on a piece cut off from the main network must later be
    reported as disconnected, so small pieces are kept and described here
    rather than dropped.

    Attributes
    ----------
    profile : str
        Name of the travel profile.
    weak : int64 ndarray (n,)
        Weakly connected piece per node, numbered by size (``0`` is the
        largest); ``-1`` for nodes no usable segment touches.
    strong : int64 ndarray (n,)
        Strongly connected component per node, numbered by size (``0`` is
        the largest: from every node of it every other can be reached);
        ``-1`` for unused nodes.
    pieces : pandas.DataFrame
        One row per weak piece (index ``piece``): ``n_nodes``,
        ``n_segments``, ``length_km``, ``main`` (bool).
    """

    profile: str
    weak: np.ndarray
    strong: np.ndarray
    pieces: pd.DataFrame

    @property
    def main(self) -> int:
        """Id of the largest weakly connected piece (``-1`` if none)."""
        return 0 if len(self.pieces) else -1

    @property
    def in_main(self) -> np.ndarray:
        """Bool per node: on the largest weakly connected piece."""
        return self.weak == 0

    @property
    def in_main_strong(self) -> np.ndarray:
        """Bool per node: in the largest strongly connected component."""
        return self.strong == 0

    @property
    def n_pieces(self) -> int:
        """Number of weakly connected pieces."""
        return int(len(self.pieces))


def _labels_by_size(labels: np.ndarray, used: np.ndarray) -> np.ndarray:
    out = np.full(labels.shape[0], -1, dtype=np.int64)
    if not used.any():
        return out
    lab = labels[used]
    _, dense = np.unique(lab, return_inverse=True)
    counts = np.bincount(dense)
    order = np.argsort(-counts, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.shape[0])
    out[used] = rank[dense]
    return out


def components_of(net: RoadNetwork, profile: TravelProfile) -> Components:
    """Weakly and strongly connected pieces of the network for a profile.

    Parameters
    ----------
    net
        The road network.
    profile
        The travel profile (only the segments and directions it may use count).

    Returns
    -------
    Components
    """
    import pandas as pd
    from scipy.sparse import coo_array
    from scipy.sparse.csgraph import connected_components

    n = net.n_nodes
    tail, head, _, segment = arcs_from_network(net, profile)
    used = np.zeros(n, dtype=bool)
    used[tail] = True
    used[head] = True
    adj = coo_array((np.ones(tail.shape[0], dtype=np.int8), (tail, head)), shape=(n, n)).tocsr()
    _, weak_raw = connected_components(adj, directed=True, connection="weak")
    _, strong_raw = connected_components(adj, directed=True, connection="strong")
    weak = _labels_by_size(weak_raw, used)
    strong = _labels_by_size(strong_raw, used)
    n_pieces = int(weak.max()) + 1 if used.any() else 0
    segs = np.unique(segment)
    seg_piece = weak[np.asarray(net.u)[segs]]
    pieces = pd.DataFrame(
        {
            "n_nodes": np.bincount(weak[used], minlength=n_pieces),
            "n_segments": np.bincount(seg_piece, minlength=n_pieces),
            "length_km": np.bincount(seg_piece, weights=np.asarray(net.length_m)[segs], minlength=n_pieces) / 1000.0,
        },
        index=pd.RangeIndex(n_pieces, name="piece"),
    )
    pieces["main"] = pieces.index == 0
    if n_pieces > 1:
        logger.info(
            "%s: %d road pieces for profile %r; the largest has %d of %d nodes",
            net.name, n_pieces, profile.name, int(pieces["n_nodes"].iloc[0]), int(used.sum()),
        )
    return Components(profile=profile.name, weak=weak, strong=strong, pieces=pieces)


# --------------------------------------------------------------------------- OSM tags

#: ``highway`` values that are not usable roads or paths; such ways are skipped and counted.
SKIP_HIGHWAYS = frozenset({
    "proposed", "construction", "platform", "bus_stop", "elevator", "raceway", "abandoned",
    "disused", "planned", "razed", "dismantled", "rest_area", "services", "emergency_bay",
    "bus_guideway", "via_ferrata", "no", "traffic_island", "street_lamp", "turning_circle",
})

_FORBID = frozenset({"no", "private", "military"})
_MOTOR_FORBID = _FORBID | {"agricultural", "forestry", "agricultural;forestry", "forestry;agricultural"}
_ALLOW = frozenset({"yes", "designated", "permissive", "official"})
_SPEED_RE = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(km/h|kmh|kph|km|mph|knots)?\s*$", re.IGNORECASE)


def parse_maxspeed(value: Any) -> float:
    """Parse an OSM ``maxspeed`` value to km/h.

    Parameters
    ----------
    value
        ``"60"``, ``"60 km/h"``, ``"30 mph"``, ``"60;80"`` (the lowest is
        taken), a number, or ``None``.

    Returns
    -------
    float
        km/h, or NaN for absent values and for zone or symbolic values
        (``"CN:urban"``, ``"none"``, ``"signals"``, ``"walk"``), so the
        profile's speed for the road class applies instead.
    """
    if value is None:
        return math.nan
    if isinstance(value, (list, tuple)):
        vals = [parse_maxspeed(v) for v in value]
        vals = [v for v in vals if not math.isnan(v)]
        return min(vals) if vals else math.nan
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        v = float(value)
        return v if v > 0 else math.nan
    best = math.nan
    for part in re.split(r"[;|]", str(value)):
        m = _SPEED_RE.match(part)
        if not m:
            continue
        v = float(m.group(1).replace(",", "."))
        unit = (m.group(2) or "").lower()
        if unit == "mph":
            v *= 1.609344
        elif unit == "knots":
            v *= 1.852
        if v > 0 and not (best <= v):
            best = v
    return best


def _first_token(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        value = value[0] if value else ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    return str(value).strip().lower()


def _access_code(values: Iterable[Any], forbid: frozenset[str]) -> int:
    """``1``/``0``/``-1`` from access-like tag values, most specific first."""
    for raw in values:
        val = _first_token(raw)
        if not val:
            continue
        if val in forbid or val.split(";")[0].strip() in forbid:
            return -1
        if val in _ALLOW:
            return 1
        return 0  # destination, customers, delivery, permit...: allowed, not explicit
    return 0


def _oneway_code(oneway: Any, junction: Any, highway: str, counts: Counter) -> int:
    ow = _first_token(oneway)
    if ow in ("yes", "true", "1"):
        return 1
    if ow in ("-1", "reverse"):
        return -1
    if ow in ("no", "false", "0"):
        return 0
    if ow in ("reversible", "alternating"):
        counts["ways_oneway_reversible_as_two_way"] += 1
        return 0
    if ow:
        counts["ways_oneway_unknown_as_two_way"] += 1
        return 0
    if _first_token(junction) in ("roundabout", "circular") or highway == "motorway":
        return 1  # implied by OSM convention
    return 0


def _way_attributes(tags: Mapping[str, Any], highway: str, counts: Counter, ms_cache: dict) -> tuple[int, float, int, int]:
    oneway = _oneway_code(tags.get("oneway"), tags.get("junction"), highway, counts)
    raw_ms = tags.get("maxspeed")
    if raw_ms is None:
        ms = math.nan
    else:
        key = raw_ms if isinstance(raw_ms, str) else repr(raw_ms)
        ms = ms_cache.get(key)
        if ms is None:
            ms = ms_cache[key] = parse_maxspeed(raw_ms)
        if math.isnan(ms):
            counts["ways_maxspeed_not_numeric"] += 1
    foot = _access_code((tags.get("foot"), tags.get("access")), _FORBID)
    motor = _access_code(
        (tags.get("motorcar"), tags.get("motor_vehicle"), tags.get("vehicle"), tags.get("access")), _MOTOR_FORBID
    )
    return oneway, ms, foot, motor


# --------------------------------------------------------------------------- assembling arrays

def _assemble(
    uid: np.ndarray, vid: np.ndarray, ulon: np.ndarray, ulat: np.ndarray, vlon: np.ndarray, vlat: np.ndarray,
    *, highway: np.ndarray, oneway: np.ndarray, maxspeed: np.ndarray, foot: np.ndarray, motor: np.ndarray,
    way_id: np.ndarray, name: str, dropped: dict,
) -> RoadNetwork:
    """Build a RoadNetwork from per-segment end ids and coordinates."""
    m = uid.shape[0]
    ids = np.concatenate([uid, vid]).astype(np.int64)
    node_id, first, inv = np.unique(ids, return_index=True, return_inverse=True)
    lon = np.concatenate([ulon, vlon]).astype(np.float64)[first]
    lat = np.concatenate([ulat, vlat]).astype(np.float64)[first]
    u = inv[:m].astype(np.int64)
    v = inv[m:].astype(np.int64)
    return RoadNetwork(
        node_id=node_id, lon=lon, lat=lat, u=u, v=v,
        length_m=haversine_m(lon[u], lat[u], lon[v], lat[v]),
        highway=np.asarray(highway, dtype=object), oneway=np.asarray(oneway, dtype=np.int8),
        maxspeed_kmh=np.asarray(maxspeed, dtype=np.float64), foot=np.asarray(foot, dtype=np.int8),
        motor=np.asarray(motor, dtype=np.int8), way_id=np.asarray(way_id, dtype=np.int64),
        name=name, dropped={k: int(c) for k, c in dropped.items() if c},
    )


_SEGMENT_FIELDS = ("u", "v", "length_m", "highway", "oneway", "maxspeed_kmh", "foot", "motor", "way_id")


def _subset(net: RoadNetwork, keep: np.ndarray, dropped: Mapping[str, int]) -> RoadNetwork:
    """Keep some segments; keep only the nodes they use; add to ``dropped``."""
    keep = np.asarray(keep, dtype=bool)
    u = np.asarray(net.u)[keep]
    v = np.asarray(net.v)[keep]
    used = np.zeros(net.n_nodes, dtype=bool)
    used[u] = True
    used[v] = True
    new_index = np.cumsum(used) - 1
    fields = {f: np.asarray(getattr(net, f))[keep] for f in _SEGMENT_FIELDS}
    fields["u"] = new_index[u].astype(np.int64)
    fields["v"] = new_index[v].astype(np.int64)
    total = Counter(net.dropped)
    for k, c in dropped.items():
        total[k] += int(c)
    return dataclasses.replace(
        net, node_id=net.node_id[used], lon=net.lon[used], lat=net.lat[used],
        dropped={k: int(c) for k, c in total.items() if c}, **fields,
    )


def _buffered_area(polygon: Any, buffer_m: float) -> Any:
    """``polygon`` (WGS84) grown by ``buffer_m`` metres in its UTM zone."""
    if not buffer_m:
        return polygon
    import pyproj
    import shapely

    from planner.geo import utm_crs_for

    utm = utm_crs_for(polygon)
    fwd = pyproj.Transformer.from_crs("EPSG:4326", utm, always_xy=True)
    back = pyproj.Transformer.from_crs(utm, "EPSG:4326", always_xy=True)

    grown = shapely.buffer(shapely.transform(polygon, fwd.transform, interleaved=False), float(buffer_m))
    return shapely.transform(grown, back.transform, interleaved=False)


def _as_area(polygon: Any) -> Any:
    """A valid shapely geometry in WGS84 from a geometry or a GeoSeries/GeoDataFrame."""
    import shapely

    if hasattr(polygon, "union_all"):  # GeoSeries / GeoDataFrame
        if getattr(polygon, "crs", None) is not None:
            polygon = polygon.to_crs("EPSG:4326")
        polygon = polygon.union_all()
    if not shapely.is_valid(polygon):
        polygon = shapely.make_valid(polygon)
    return polygon


def clip_network(net: RoadNetwork, polygon: Any, *, buffer_m: float = 0.0) -> RoadNetwork:
    """Keep the segments with both ends inside a polygon (plus a buffer).

    Parameters
    ----------
    net
        The road network (not modified).
    polygon
        shapely (Multi)Polygon in WGS84, or a GeoSeries/GeoDataFrame (its
        union is used); invalid rings are repaired with ``make_valid``.
    buffer_m
        Grow the polygon by this many metres first (in its UTM zone), so
        routes that leave the area briefly are kept.

    Returns
    -------
    RoadNetwork
        A new network; ``dropped["segments_outside_area"]`` counts the
        segments left out.
    """
    import shapely

    area = _as_area(polygon)
    area = _buffered_area(area, buffer_m)
    shapely.prepare(area)
    inside = shapely.intersects_xy(area, net.lon, net.lat)
    keep = inside[net.u] & inside[net.v]
    return _subset(net, keep, {"segments_outside_area": int((~keep).sum())})


# --------------------------------------------------------------------------- OSM files

_INVALID_COORD = 2147483647


def _osm_file_format(path: Path) -> str | None:
    name = path.name.lower()
    for suffix, fmt in ((".osm.pbf", "pbf"), (".pbf", "pbf"), (".osm.bz2", "osm.bz2"), (".xml.bz2", "osm.bz2"),
                        (".osm.gz", "osm.gz"), (".xml.gz", "osm.gz"), (".osm", "osm"), (".xml", "osm")):
        if name.endswith(suffix):
            return fmt
    return None


def network_from_osm_file(
    path: str | Path, *, polygon: Any = None, buffer_m: float = 0.0, verbose: bool = False
) -> RoadNetwork:
    """Read a road network from an OpenStreetMap file (.osm, .osm.bz2, .osm.pbf).

    Ways with a ``highway`` tag are kept unless the value is not a road or
    path (:data:`SKIP_HIGHWAYS`) or the way is an ``area=yes`` plaza.  Each
    way becomes one segment per consecutive node pair.  Extracts clipped at
    a box edge reference nodes missing from the file: ways are cut there
    (the runs of present nodes are kept) and the lost segments are counted
    in ``dropped["segments_missing_node"]``.  The file is streamed with
    pyosmium into flat arrays; no graph is built.

    Tags: ``oneway`` yes/true/1 and -1 (``reversible``/``alternating`` are
    kept two-way and counted; ``junction=roundabout`` and
    ``highway=motorway`` imply one-way); ``maxspeed`` via
    :func:`parse_maxspeed`; ``foot``/``access`` fold into ``foot`` and
    ``motorcar``/``motor_vehicle``/``vehicle``/``access`` (most specific
    wins) into ``motor``.  Travel speeds are not decided here but by the
    profiles of ``planner.config`` (the older walker's 0.9 m/s on foot).

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
    import osmium
    from tqdm.auto import tqdm

    path = Path(path)
    if not path.exists():
        raise InputFileNotFoundError(
            f"{path}: 路网文件不存在 / road network file not found. "
            "Fix: check the path in [inputs] roads, or download an extract (.osm.pbf) of the area."
        )
    fmt = _osm_file_format(path)
    if fmt is None:
        raise NetworkError(
            f"{path}: 无法识别的路网文件格式 / unknown road file type. "
            "Fix: use .osm, .osm.bz2, .osm.pbf or .graphml."
        )
    t0 = time.perf_counter()
    counts: Counter = Counter()
    ms_cache: dict = {}
    refs, xs, ys = array("q"), array("i"), array("i")
    n_refs, way_ids = array("q"), array("q")
    w_oneway, w_foot, w_motor = array("b"), array("b"), array("b")
    w_ms = array("d")
    w_highway: list[str] = []
    interned: dict[str, str] = {}
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
            if hw in SKIP_HIGHWAYS:
                counts[f"ways_highway_{hw}"] += 1
                continue
            if tags.get("area") == "yes":
                counts["ways_area_yes"] += 1
                continue
            nodes = w.nodes
            if len(nodes) < 2:
                counts["ways_fewer_than_two_nodes"] += 1
                continue
            for nd in nodes:
                refs.append(nd.ref)
                xs.append(nd.x)
                ys.append(nd.y)
            n_refs.append(len(nodes))
            way_ids.append(w.id)
            w_highway.append(interned.setdefault(hw, hw))
            oneway, ms, foot, motor = _way_attributes(tags, hw, counts, ms_cache)
            w_oneway.append(oneway)
            w_ms.append(ms)
            w_foot.append(foot)
            w_motor.append(motor)
    except (RuntimeError, ValueError, OSError) as exc:
        raise NetworkError(
            f"{path}: 无法读取 OSM 文件 / cannot read the OSM file ({exc}). "
            "Fix: check that it is a complete OpenStreetMap .osm/.osm.bz2/.osm.pbf file."
        ) from exc

    refs_a = np.frombuffer(refs, dtype=np.int64) if len(refs) else np.empty(0, np.int64)
    x_a = np.frombuffer(xs, dtype=np.int32) if len(xs) else np.empty(0, np.int32)
    y_a = np.frombuffer(ys, dtype=np.int32) if len(ys) else np.empty(0, np.int32)
    per_way = np.frombuffer(n_refs, dtype=np.int64) if len(n_refs) else np.empty(0, np.int64)
    way_of = np.repeat(np.arange(per_way.shape[0]), per_way)
    present = (x_a != _INVALID_COORD) & (y_a != _INVALID_COORD)
    cand = np.flatnonzero(way_of[:-1] == way_of[1:]) if way_of.shape[0] > 1 else np.empty(0, np.int64)
    both = present[cand] & present[cand + 1]
    missing = cand[~both]
    counts["segments_missing_node"] += int(missing.shape[0])
    if missing.shape[0]:
        w_cut = np.unique(way_of[missing])
        w_kept = np.unique(way_of[cand[both]])
        counts["ways_cut_at_missing_node"] += int(np.isin(w_cut, w_kept).sum())
        counts["ways_without_present_segment"] += int((~np.isin(w_cut, w_kept)).sum())
    seg = cand[both]
    loop = refs_a[seg] == refs_a[seg + 1]
    counts["segments_repeated_node"] += int(loop.sum())
    seg = seg[~loop]
    seg_way = way_of[seg]
    lon_a = x_a.astype(np.float64) / 1e7
    lat_a = y_a.astype(np.float64) / 1e7
    net = _assemble(
        refs_a[seg], refs_a[seg + 1], lon_a[seg], lat_a[seg], lon_a[seg + 1], lat_a[seg + 1],
        highway=np.array(w_highway, dtype=object)[seg_way] if seg.shape[0] else np.empty(0, dtype=object),
        oneway=np.frombuffer(w_oneway, dtype=np.int8)[seg_way] if seg.shape[0] else np.empty(0, np.int8),
        maxspeed=np.frombuffer(w_ms, dtype=np.float64)[seg_way] if seg.shape[0] else np.empty(0),
        foot=np.frombuffer(w_foot, dtype=np.int8)[seg_way] if seg.shape[0] else np.empty(0, np.int8),
        motor=np.frombuffer(w_motor, dtype=np.int8)[seg_way] if seg.shape[0] else np.empty(0, np.int8),
        way_id=np.frombuffer(way_ids, dtype=np.int64)[seg_way] if seg.shape[0] else np.empty(0, np.int64),
        name=path.name, dropped=counts,
    )
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
        path.name, net.n_nodes, net.n_segments, len(way_ids), time.perf_counter() - t0, net.dropped,
    )
    return net


# --------------------------------------------------------------------------- networkx / GraphML / osmnx


def _graph_oneway(value: Any) -> bool:
    if isinstance(value, (list, tuple)):
        return any(_graph_oneway(v) for v in value)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    return _first_token(value) in ("yes", "true", "1", "-1")


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
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


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
    node_keys = list(g.nodes)
    xs = np.array([float(g.nodes[n]["x"]) for n in node_keys], dtype=np.float64)
    ys = np.array([float(g.nodes[n]["y"]) for n in node_keys], dtype=np.float64)
    crs = g.graph.get("crs")
    transform = None
    if crs is not None:
        import pyproj

        src = pyproj.CRS.from_user_input(crs)
        if not src.equals(pyproj.CRS.from_epsg(4326)) and src.is_projected:
            transform = pyproj.Transformer.from_crs(src, "EPSG:4326", always_xy=True)
            lon_t, lat_t = transform.transform(xs, ys)
            xs, ys = np.asarray(lon_t, dtype=np.float64), np.asarray(lat_t, dtype=np.float64)
    ids = []
    next_gen = -1
    for n in node_keys:
        i = _to_int(g.nodes[n].get("osmid", n))
        if i is None:
            i = _to_int(n)
        if i is None:
            i, next_gen = next_gen, next_gen - 1
        ids.append(i)
    pos = {n: k for k, n in enumerate(node_keys)}
    interior: dict[tuple[float, float], int] = {}
    seen: dict = {}
    uid, vid, ulon, ulat, vlon, vlat = [], [], [], [], [], []
    hw_l, ow_l, ms_l, foot_l, motor_l, way_l = [], [], [], [], [], []
    ms_cache: dict = {}
    for a, b, d in g.edges(data=True):
        d = {k: _unlist(v) for k, v in d.items()}
        ia, ib = pos[a], pos[b]
        geom = d.get("geometry")
        if isinstance(geom, str):  # GraphML read by plain networkx keeps WKT text
            import shapely

            geom = shapely.from_wkt(geom)
        if geom is not None:
            coords = [tuple(map(float, c[:2])) for c in geom.coords]
            if transform is not None:
                cx, cy = transform.transform([c[0] for c in coords], [c[1] for c in coords])
                coords = list(zip(map(float, cx), map(float, cy)))
        else:
            coords = [(xs[ia], ys[ia]), (xs[ib], ys[ib])]
        oneway = _graph_oneway(d.get("oneway"))
        if not oneway:
            # osmnx stores a two-way road as two opposite edges: keep one per pair.  Parallel
            # roads with the same geometry (a footway along a roundabout) stay separate.
            fwd_key = tuple((round(x, 7), round(y, 7)) for x, y in coords)
            rev_key = fwd_key[::-1]
            canon = min(fwd_key, rev_key)
            key = (canon, _norm_attr(d.get("osmid")), _norm_attr(d.get("highway")))
            pair = seen.setdefault(key, [0, 0])
            side = 0 if fwd_key == canon else 1
            pair[side] += 1
            if pair[side] <= pair[1 - side]:
                counts["reverse_edges_merged"] += 1
                continue
        hw = _first_token(d.get("highway"))
        if not hw or hw in SKIP_HIGHWAYS:
            counts[f"edges_highway_{hw or 'missing'}"] += 1
            continue
        if _first_token(d.get("area")) == "yes":
            counts["edges_area_yes"] += 1
            continue
        tags = {k: d.get(k) for k in ("maxspeed", "access", "foot", "motor_vehicle", "motorcar", "vehicle")}
        tags["oneway"] = "yes" if oneway else "no"
        ow, ms, foot, motor = _way_attributes(tags, hw, counts, ms_cache)
        way = _to_int(d.get("osmid"))
        # node id per vertex: graph nodes at the ends, generated ids inside
        vid_chain = [ids[ia]]
        for c in coords[1:-1]:
            k = (round(c[0], 7), round(c[1], 7))
            if k not in interior:
                interior[k] = next_gen
                next_gen -= 1
            vid_chain.append(interior[k])
        vid_chain.append(ids[ib])
        pts = [(xs[ia], ys[ia]), *coords[1:-1], (xs[ib], ys[ib])]
        for j in range(len(pts) - 1):
            if vid_chain[j] == vid_chain[j + 1]:
                counts["segments_repeated_node"] += 1
                continue
            uid.append(vid_chain[j])
            vid.append(vid_chain[j + 1])
            ulon.append(pts[j][0])
            ulat.append(pts[j][1])
            vlon.append(pts[j + 1][0])
            vlat.append(pts[j + 1][1])
            hw_l.append(hw)
            ow_l.append(ow)
            ms_l.append(ms)
            foot_l.append(foot)
            motor_l.append(motor)
            way_l.append(way if way is not None else -1)
    arr = np.asarray
    return _assemble(
        arr(uid, dtype=np.int64), arr(vid, dtype=np.int64), arr(ulon, dtype=np.float64), arr(ulat, dtype=np.float64),
        arr(vlon, dtype=np.float64), arr(vlat, dtype=np.float64),
        highway=arr(hw_l, dtype=object), oneway=arr(ow_l, dtype=np.int8), maxspeed=arr(ms_l, dtype=np.float64),
        foot=arr(foot_l, dtype=np.int8), motor=arr(motor_l, dtype=np.int8), way_id=arr(way_l, dtype=np.int64),
        name=name or str(g.graph.get("name", "")), dropped=counts,
    )


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
    code = {1: "yes", -1: "no"}
    nid = net.node_id
    for s in range(net.n_segments):
        a, b = int(nid[net.u[s]]), int(nid[net.v[s]])
        ow = int(net.oneway[s])
        attrs: dict[str, Any] = {"osmid": int(net.way_id[s]), "highway": str(net.highway[s]),
                                 "length": float(net.length_m[s])}
        if np.isfinite(net.maxspeed_kmh[s]):
            attrs["maxspeed"] = repr(float(net.maxspeed_kmh[s]))
        if int(net.foot[s]) in code:
            attrs["foot"] = code[int(net.foot[s])]
        if int(net.motor[s]) in code:
            attrs["motor_vehicle"] = code[int(net.motor[s])]
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


#: OSM way tags osmnx must keep for the profiles' access rules.
_OSMNX_TAGS = ("foot", "motor_vehicle", "motorcar", "vehicle", "access", "maxspeed", "oneway", "junction", "highway")


def osmnx_cache_path(
    cache_dir: str | Path, *, polygon: Any = None, place: str | None = None, network_type: str = "all"
) -> Path:
    """Where :func:`network_from_osmnx` caches the download for a query.

    Parameters
    ----------
    cache_dir
        Cache folder.
    polygon, place, network_type
        The query (see :func:`network_from_osmnx`).

    Returns
    -------
    pathlib.Path
        ``cache_dir / "osmnx_<hash>.graphml"``, the hash covering the query.
    """
    import json

    import shapely

    query = {
        "polygon": shapely.to_wkt(polygon, rounding_precision=6) if polygon is not None else None,
        "place": place,
        "network_type": network_type,
        "tags": sorted(_OSMNX_TAGS),
        "simplify": False,
        "format": 1,
    }
    digest = hashlib.sha256(json.dumps(query, sort_keys=True).encode()).hexdigest()[:16]
    return Path(cache_dir) / f"osmnx_{digest}.graphml"


def network_from_osmnx(
    *,
    polygon: Any = None,
    place: str | None = None,
    network_type: str = "all",
    cache_dir: str | Path,
    verbose: bool = False,
) -> RoadNetwork:
    """Download a road network with osmnx, cached on disk as GraphML.

    The graph is fetched unsimplified with every piece kept
    (``simplify=False, retain_all=True``) and the access tags the profiles
    need.  The second call with the same query reads the cache and does not
    touch the network.

    Parameters
    ----------
    polygon
        shapely (Multi)Polygon in WGS84 (takes precedence over ``place``).
    place
        Place name for geocoding (e.g. ``"五常市, 黑龙江省, 中国"``).
    network_type
        osmnx network type; ``"all"`` keeps every road and path (the
        profiles decide what each mode may use).
    cache_dir
        Folder of the cache (created when missing).
    verbose
        Log osmnx's progress.

    Returns
    -------
    RoadNetwork

    Raises
    ------
    NetworkError
        Neither polygon nor place given, or the download failed.
    """
    if polygon is None and not place:
        raise NetworkError(
            "下载路网需要研究区范围或地名 / downloading roads needs a study area polygon or a place name. "
            "Fix: give county/township boundaries, or set [network] place."
        )
    path = osmnx_cache_path(cache_dir, polygon=polygon, place=place, network_type=network_type)
    if path.exists():
        logger.info("road network from cache %s", path)
        return dataclasses.replace(network_from_graphml(path), name=place or path.name)
    import osmnx as ox

    old_tags, old_log = ox.settings.useful_tags_way, ox.settings.log_console
    ox.settings.useful_tags_way = sorted(set(old_tags) | set(_OSMNX_TAGS))
    ox.settings.log_console = bool(verbose)
    try:
        if polygon is not None:
            g = ox.graph_from_polygon(polygon, network_type=network_type, simplify=False, retain_all=True)
        else:
            g = ox.graph_from_place(place, network_type=network_type, simplify=False, retain_all=True)
    except Exception as exc:  # requests, osmnx InsufficientResponseError, geocoding errors...
        raise NetworkError(
            f"路网下载失败 / road network download failed ({type(exc).__name__}: {exc}). "
            "Fix: check the internet connection, or give a local extract as [inputs] roads (.osm.pbf)."
        ) from exc
    finally:
        ox.settings.useful_tags_way, ox.settings.log_console = old_tags, old_log
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    ox.save_graphml(g, tmp)
    tmp.replace(path)
    logger.info("road network downloaded and cached as %s", path)
    return network_from_graph(g, name=place or path.name)


# --------------------------------------------------------------------------- study loader


def load_network(config: StudyConfig, study_area: Any, *, verbose: bool = False) -> RoadNetwork:
    """The study's road network, clipped to the study area plus a buffer.

    Parameters
    ----------
    config
        The study configuration: ``inputs.roads.path`` (by suffix: .osm,
        .osm.bz2, .osm.pbf, .graphml) and ``network`` (``source``,
        ``buffer_m``, ``place``, ``cache_dir``).
    study_area
        shapely geometry in WGS84, or ``None`` (no clipping; downloads then
        need ``network.place``).
    verbose
        Show progress.

    Returns
    -------
    RoadNetwork

    Raises
    ------
    InputFileNotFoundError
        The roads file named in the configuration does not exist.
    NetworkError
        No roads file when ``network.source = "file"``, an unknown file
        type, or no usable road inside the study area.
    """
    from planner.i18n import tr

    lang = config.lang
    ncfg = config.network
    if study_area is not None:
        study_area = _as_area(study_area)
    roads = config.inputs.roads.path
    buffer_m = float(ncfg.buffer_m)
    use_file = ncfg.source == "file" or (ncfg.source == "auto" and roads is not None)
    if use_file:
        if roads is None:
            raise NetworkError(tr(
                lang,
                "network.source = \"file\"，但未设置 [inputs] roads。修正：填写路网文件（.osm.pbf / .osm.bz2 / .graphml），"
                "或设置 network.source = \"osmnx\" 在线下载。",
                "network.source = \"file\" but [inputs] roads is not set. Fix: name a road file "
                "(.osm.pbf / .osm.bz2 / .graphml) or set network.source = \"osmnx\" to download.",
            ))
        path = Path(roads)
        if not path.exists():
            raise InputFileNotFoundError(tr(
                lang,
                f"{path}：路网文件不存在（[inputs] roads）。修正：检查路径，或从 OpenStreetMap 下载该地区的 .osm.pbf 文件。",
                f"{path}: road network file not found ([inputs] roads). Fix: check the path, or download "
                "an OpenStreetMap .osm.pbf extract of the area.",
            ))
        if path.name.lower().endswith(".graphml"):
            net = network_from_graphml(path)
            if study_area is not None:
                net = clip_network(net, study_area, buffer_m=buffer_m)
        elif _osm_file_format(path) is not None:
            net = network_from_osm_file(path, polygon=study_area, buffer_m=buffer_m, verbose=verbose)
        else:
            raise NetworkError(tr(
                lang,
                f"{path}：无法识别的路网文件类型。修正：使用 .osm、.osm.bz2、.osm.pbf 或 .graphml 文件。",
                f"{path}: unknown road file type. Fix: use a .osm, .osm.bz2, .osm.pbf or .graphml file.",
            ))
    else:
        polygon = _buffered_area(study_area, buffer_m) if study_area is not None else None
        cache_dir = Path(ncfg.cache_dir)
        if not cache_dir.is_absolute() and config.source is not None:
            cache_dir = Path(config.source).parent / cache_dir  # relative to the config file
        net = network_from_osmnx(
            polygon=polygon, place=None if polygon is not None else ncfg.place,
            network_type="all", cache_dir=cache_dir, verbose=verbose,
        )
    if net.n_segments == 0:
        raise NetworkError(tr(
            lang,
            f"{net.name}：研究区内没有道路。修正：确认路网文件覆盖研究区，且坐标为 WGS84。",
            f"{net.name}: no roads inside the study area. Fix: make sure the road data covers the study "
            "area and uses WGS84 coordinates.",
        ))
    return net
