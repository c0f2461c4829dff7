"""Seeded, road-like synthetic road networks (for tests and benchmarks).

:func:`synthetic_road_network` builds a :class:`planner.network.RoadNetwork`
with the shape of a real, unsimplified OpenStreetMap road graph, using numpy
only (3 million nodes in a few seconds):

* a jittered grid of intersections about 250 m apart;
* each block edge is a way split into 1-3 segments by degree-2 shape nodes,
  as OSM ways are, which brings the graph to about 2.5 directed arcs per node
  (real unsimplified road graphs have 2.3-2.7);
* a hierarchy of road classes by grid line: every 80th line ``motorway``,
  every 40th ``trunk``, every 10th ``primary``, every 5th ``secondary``, the
  rest ``tertiary`` / ``unclassified`` / ``residential`` / ``service``;
* 15 % of minor block edges deleted at random (dead ends, irregular blocks,
  small disconnected pieces) and 8 % of the remaining minor edges one-way;
* placed in Heilongjiang (centred on 128.0 E, 46.8 N).

The network is **synthetic**: its ``name`` says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from planner.errors import InputError
from planner.geo import EARTH_RADIUS_M, haversine_m
from planner.network.model import RoadNetwork

__all__ = ["synthetic_road_network", "random_points_near"]

_LON0, _LAT0 = 128.0, 46.8
_SPACING_M = 250.0
_P_DELETE = 0.15
_P_ONEWAY = 0.08
_MINOR = np.array(["tertiary", "unclassified", "residential", "service"], dtype=object)
_MINOR_P = np.array([0.15, 0.2, 0.55, 0.1])


def _line_class(idx: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Road class of each grid line (row or column)."""
    cls = rng.choice(_MINOR, size=idx.shape[0], p=_MINOR_P).astype(object)
    cls[idx % 5 == 0] = "secondary"
    cls[idx % 10 == 0] = "primary"
    cls[idx % 40 == 0] = "trunk"
    cls[idx % 80 == 0] = "motorway"
    return cls


@dataclass(frozen=True, eq=False)
class _Grid:
    """Jittered intersections (local metres, row-major ``nrow x ncol``)."""

    nrow: int
    ncol: int
    x: np.ndarray
    y: np.ndarray

    @property
    def n(self) -> int:
        """Number of intersections."""
        return self.nrow * self.ncol


@dataclass(frozen=True, eq=False)
class _BlockEdges:
    """The kept block edges between intersections ``a`` and ``b``, one way each."""

    a: np.ndarray
    b: np.ndarray
    highway: np.ndarray
    oneway: np.ndarray
    n_segments: np.ndarray  # segments per edge, 1-3


def _intersections(n_nodes: int, rng: np.random.Generator) -> _Grid:
    """A grid of intersections sized so that the finished network has about ``n_nodes`` nodes."""
    # nodes = I * (1 + 2 * p_keep * (mean segments per edge - 1)) with mean 2
    n_int = max(4, int(round(n_nodes / (1.0 + 2.0 * (1 - _P_DELETE * 0.9)))))
    ncol = max(2, int(np.ceil(np.sqrt(n_int))))
    nrow = max(2, int(np.ceil(n_int / ncol)))
    rr, cc = np.divmod(np.arange(nrow * ncol, dtype=np.int64), ncol)
    x = (cc - (ncol - 1) / 2) * _SPACING_M + rng.uniform(-60, 60, rr.shape[0])
    y = (rr - (nrow - 1) / 2) * _SPACING_M + rng.uniform(-60, 60, rr.shape[0])
    return _Grid(nrow=nrow, ncol=ncol, x=x, y=y)


def _block_edges(grid: _Grid, rng: np.random.Generator) -> _BlockEdges:
    """Edges between neighbouring intersections with the class of their grid line; minor ones thinned, some one-way."""
    nrow, ncol = grid.nrow, grid.ncol
    row_cls = _line_class(np.arange(nrow), rng)
    col_cls = _line_class(np.arange(ncol), rng)
    idx = np.arange(nrow * ncol, dtype=np.int64).reshape(nrow, ncol)
    ha, hb = idx[:, :-1].ravel(), idx[:, 1:].ravel()
    va, vb = idx[:-1, :].ravel(), idx[1:, :].ravel()
    a = np.concatenate([ha, va])
    b = np.concatenate([hb, vb])
    hw = np.concatenate([
        np.repeat(row_cls, ncol - 1),
        np.tile(col_cls, nrow - 1),
    ])
    minor = np.isin(hw, _MINOR)
    keep = ~minor | (rng.random(a.shape[0]) >= _P_DELETE)
    a, b, hw, minor = a[keep], b[keep], hw[keep], minor[keep]
    ne = a.shape[0]
    oneway = np.zeros(ne, dtype=np.int8)
    ow = minor & (rng.random(ne) < _P_ONEWAY)
    oneway[ow] = rng.choice(np.array([1, -1], dtype=np.int8), size=int(ow.sum()))
    k = rng.integers(1, 4, size=ne)
    return _BlockEdges(a=a, b=b, highway=hw, oneway=oneway, n_segments=k)


def _shape_nodes(
    grid: _Grid, edges: _BlockEdges, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Degree-2 nodes along each edge (numbered after the intersections), jittered off the straight line.

    Returns the coordinates of all nodes (intersections first) and, per
    edge, the number of its first shape node.
    """
    a, b, k = edges.a, edges.b, edges.n_segments
    n_new = k - 1
    new_start = grid.n + np.concatenate([[0], np.cumsum(n_new)[:-1]])
    total_new = int(n_new.sum())
    e_of_new = np.repeat(np.arange(a.shape[0]), n_new)
    j_of_new = np.arange(total_new) - np.repeat(new_start - grid.n, n_new) + 1
    t = j_of_new / k[e_of_new]
    x, y = grid.x, grid.y
    nx_ = x[a[e_of_new]] + t * (x[b[e_of_new]] - x[a[e_of_new]]) + rng.uniform(-15, 15, total_new)
    ny_ = y[a[e_of_new]] + t * (y[b[e_of_new]] - y[a[e_of_new]]) + rng.uniform(-15, 15, total_new)
    return np.concatenate([x, nx_]), np.concatenate([y, ny_]), new_start


def _chain_segments(edges: _BlockEdges, new_start: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Segments chaining each edge ``a -> shape nodes -> b``: their end nodes and the edge of each."""
    k = edges.n_segments
    e_of_seg = np.repeat(np.arange(k.shape[0]), k)
    seg_start = np.concatenate([[0], np.cumsum(k)[:-1]])
    j = np.arange(e_of_seg.shape[0]) - np.repeat(seg_start, k)
    ke = k[e_of_seg]
    base = new_start[e_of_seg]
    u = np.where(j == 0, edges.a[e_of_seg], base + j - 1)
    v = np.where(j == ke - 1, edges.b[e_of_seg], base + j)
    return u, v, e_of_seg


def _to_lonlat(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Local metres around the centre to WGS84 (spherical, exact enough for a synthetic network)."""
    coslat = np.cos(np.radians(_LAT0))
    return _LON0 + np.degrees(x / (EARTH_RADIUS_M * coslat)), _LAT0 + np.degrees(y / EARTH_RADIUS_M)


def synthetic_road_network(n_nodes: int, *, seed: int) -> RoadNetwork:
    """A seeded road-like network of about ``n_nodes`` nodes.

    Parameters
    ----------
    n_nodes
        Wanted number of nodes; the result has about that many (within a
        few percent: intersections whose every edge was deleted are dropped).
    seed
        Seed of the random generator; the same seed gives the same network.

    Returns
    -------
    RoadNetwork
        WGS84 node coordinates in Heilongjiang, segments with ``highway``,
        ``oneway`` (``0``/``1``/``-1``), ``length_m`` (haversine),
        ``maxspeed_kmh`` NaN, ``foot``/``motor`` 0 (unspecified),
        ``way_id`` one per block edge.

    Raises
    ------
    InputError
        ``n_nodes`` is below 4.

    Examples
    --------
    >>> net = synthetic_road_network(10_000, seed=1)
    >>> 9_000 < net.n_nodes < 11_000
    True
    """
    if n_nodes < 4:
        raise InputError(f"n_nodes must be at least 4, got {n_nodes}")
    rng = np.random.default_rng(seed)
    grid = _intersections(n_nodes, rng)
    edges = _block_edges(grid, rng)
    x, y, new_start = _shape_nodes(grid, edges, rng)
    u, v, e_of_seg = _chain_segments(edges, new_start)

    # drop intersections left without any segment, renumber
    used = np.zeros(x.shape[0], dtype=bool)
    used[u] = True
    used[v] = True
    new_index = np.cumsum(used) - 1
    u = new_index[u]
    v = new_index[v]
    lon, lat = _to_lonlat(x[used], y[used])
    m = u.shape[0]
    n = lon.shape[0]
    return RoadNetwork(
        node_id=np.arange(1, n + 1, dtype=np.int64),
        lon=lon,
        lat=lat,
        u=u.astype(np.int64),
        v=v.astype(np.int64),
        length_m=haversine_m(lon[u], lat[u], lon[v], lat[v]),
        highway=edges.highway[e_of_seg],
        oneway=edges.oneway[e_of_seg],
        maxspeed_kmh=np.full(m, np.nan),
        foot=np.zeros(m, dtype=np.int8),
        motor=np.zeros(m, dtype=np.int8),
        way_id=(e_of_seg + 1).astype(np.int64),
        name=f"synthetic road network (not real), {n} nodes, seed {seed}",
        dropped={"isolated_intersections": int((~used[: grid.n]).sum())},
    )


def random_points_near(
    net: RoadNetwork,
    n: int,
    *,
    seed: int,
    max_offset_m: float = 150.0,
    kind: str = "village",
    prefix: str = "P",
) -> gpd.GeoDataFrame:
    """Random points near the roads of ``net`` (settlements or facilities).

    Each point lies on a uniformly chosen segment at a uniform position,
    moved sideways by up to ``max_offset_m``.

    Parameters
    ----------
    net
        Road network.
    n
        Number of points.
    seed
        Random seed.
    max_offset_m
        Largest sideways distance from the segment, metres.
    kind
        Value of the ``kind`` column (``"village"`` or ``"community"``).
    prefix
        Prefix of the string ids in the index.

    Returns
    -------
    geopandas.GeoDataFrame
        WGS84 points, index ``f"{prefix}{i}"`` named ``id``, columns
        ``name``, ``kind``.
    """
    rng = np.random.default_rng(seed)
    seg = rng.integers(0, net.n_segments, size=n)
    f = rng.random(n)
    lon0, lat0 = net.lon[net.u[seg]], net.lat[net.u[seg]]
    lon1, lat1 = net.lon[net.v[seg]], net.lat[net.v[seg]]
    coslat = np.cos(np.radians(lat0))
    dx = np.radians(lon1 - lon0) * EARTH_RADIUS_M * coslat
    dy = np.radians(lat1 - lat0) * EARTH_RADIUS_M
    norm = np.hypot(dx, dy)
    norm[norm == 0] = 1.0
    off = rng.uniform(-max_offset_m, max_offset_m, size=n)
    px = f * dx - dy / norm * off
    py = f * dy + dx / norm * off
    lon = lon0 + np.degrees(px / (EARTH_RADIUS_M * coslat))
    lat = lat0 + np.degrees(py / EARTH_RADIUS_M)
    ids = pd.Index([f"{prefix}{i}" for i in range(n)], name="id")
    return gpd.GeoDataFrame(
        {"name": ids.to_numpy(), "kind": np.full(n, kind, dtype=object)},
        geometry=gpd.points_from_xy(lon, lat, crs="EPSG:4326"),
        index=ids,
    )
