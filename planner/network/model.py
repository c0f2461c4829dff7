"""The road network as arrays (:class:`RoadNetwork`), how loaders build it, and clipping it to an area.

The canonical in-memory form is :class:`RoadNetwork`: plain numpy arrays of
nodes and of *segments* (one per consecutive node pair of an OSM way, never
simplified), with the tags the travel profiles need.  Loaders hand their
per-segment arrays to :func:`assemble`; :func:`subset_segments` keeps some
segments (and only the nodes they use); :func:`clip_network` keeps those
inside a study area.  What is left out is counted in ``RoadNetwork.dropped``.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from planner.geo import haversine_m

__all__ = ["RoadNetwork", "assemble", "subset_segments", "as_area", "buffered_area", "clip_network", "points_in_area"]


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
    cut_node_ids : int64 (k,)
        OSM ids of the kept nodes where a way was cut: its next node is not
        in the file (a clipped extract) or its next segment was clipped away
        (:func:`clip_network`).  There the road file stops short of the road.
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
    cut_node_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.node_id.shape[0])

    @property
    def n_segments(self) -> int:
        """Number of segments (undirected records)."""
        return int(self.u.shape[0])


# --------------------------------------------------------------------------- building and subsetting


def assemble(
    uid: np.ndarray, vid: np.ndarray, ulon: np.ndarray, ulat: np.ndarray, vlon: np.ndarray, vlat: np.ndarray,
    *, highway: np.ndarray, oneway: np.ndarray, maxspeed: np.ndarray, foot: np.ndarray, motor: np.ndarray,
    way_id: np.ndarray, name: str, dropped: Mapping[str, int], cut_node_ids: np.ndarray | None = None,
) -> RoadNetwork:
    """Build a RoadNetwork from per-segment end ids and coordinates.

    Nodes are the distinct end ids (sorted), placed at the first coordinates
    seen for each; lengths are haversine distances; zero counts in
    ``dropped`` are left out; ``cut_node_ids`` are kept for the nodes the
    network has.
    """
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
        cut_node_ids=_cut_ids(node_id, cut_node_ids),
    )


def _cut_ids(node_id: np.ndarray, cut: np.ndarray | None) -> np.ndarray:
    """The distinct ``cut`` ids that are nodes of the network."""
    if cut is None:
        return np.zeros(0, dtype=np.int64)
    cut = np.unique(np.asarray(cut, dtype=np.int64))
    return cut[np.isin(cut, node_id)]


_SEGMENT_FIELDS = ("u", "v", "length_m", "highway", "oneway", "maxspeed_kmh", "foot", "motor", "way_id")


def subset_segments(net: RoadNetwork, keep: np.ndarray, dropped: Mapping[str, int], *,
                    cuts: bool = False) -> RoadNetwork:
    """Keep some segments; keep only the nodes they use; add ``dropped`` to the counts.

    With ``cuts``, the kept nodes of the segments left out become cut nodes (``cut_node_ids``).
    """
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
    cut = np.asarray(net.cut_node_ids, dtype=np.int64)
    if cuts:  # the kept nodes at an end of a left-out segment (a mask: a province has millions left out)
        ends = np.zeros(net.n_nodes, dtype=bool)
        ends[np.asarray(net.u)[~keep]] = True
        ends[np.asarray(net.v)[~keep]] = True
        cut = np.r_[cut, net.node_id[used & ends]]
    return dataclasses.replace(
        net, node_id=net.node_id[used], lon=net.lon[used], lat=net.lat[used],
        dropped={k: int(c) for k, c in total.items() if c}, cut_node_ids=_cut_ids(net.node_id[used], cut), **fields,
    )


# --------------------------------------------------------------------------- study area


def buffered_area(polygon: Any, buffer_m: float) -> Any:
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


def as_area(polygon: Any) -> Any:
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

    area = as_area(polygon)
    area = buffered_area(area, buffer_m)
    shapely.prepare(area)
    inside = points_in_area(area, net.lon, net.lat)
    keep = inside[net.u] & inside[net.v]
    return subset_segments(net, keep, {"segments_outside_area": int((~keep).sum())}, cuts=True)


def points_in_area(area: Any, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Whether each point lies in ``area``: its bounding box first, the polygon test only within it.

    A county's clip of a province's roads tests a few of its millions of nodes against the
    polygon instead of all of them (the same answer: a point outside the box is outside the area).

    Parameters
    ----------
    area
        shapely geometry (prepared or not), WGS84.
    lon, lat
        Point coordinates.

    Returns
    -------
    numpy.ndarray
        bool, one per point.
    """
    import shapely

    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    inside = np.zeros(lon.shape[0], dtype=bool)
    if area is None or area.is_empty:
        return inside
    x0, y0, x1, y1 = area.bounds
    idx = np.flatnonzero((lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1))
    inside[idx] = shapely.intersects_xy(area, lon[idx], lat[idx])
    return inside
