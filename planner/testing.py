"""Assert helpers for tests of the planner and of code built on it (like ``geopandas.testing``).

- :func:`reference_times` and :func:`assert_times_equal_reference`: the fast routing engine
  against the readable networkx reference on the same graph (every fast path is checked this way).
- :func:`assert_layer_contract`: a canonical layer has the index and columns
  ``docs/architecture.md`` promises.
- :func:`assert_indexed_like`: an output is indexed like its input (same labels, same order).

Nothing here is used by the library itself; it imports networkx only when called.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import geopandas as gpd

    from planner.routing import RoutingGraph

__all__ = [
    "network_from_local_xy",
    "points_from_local_xy",
    "LAYER_CONTRACTS",
    "reference_times",
    "assert_times_equal_reference",
    "assert_reach_equal_reference",
    "assert_layer_contract",
    "assert_indexed_like",
]

#: Index name and required columns of each canonical layer (see docs/architecture.md).
LAYER_CONTRACTS: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "facilities": ("facility_id", ("name", "type", "tier", "beds", "nursing_beds", "occupied_beds", "public",
                                   "capacity", "county", "township", "geometry")),
    "settlements": ("settlement_id", ("name", "kind", "township", "county", "population", "older_population",
                                      "older_estimated", "urban", "central", "older_source", "older_rule",
                                      "geometry")),
    "townships": (None, ("kind", "county", "central", "geometry")),
}


def _snap_all(graph: RoutingGraph, settlements: Any, facilities: Any, max_snap_m: float
              ) -> tuple[Any, pd.DataFrame, pd.DataFrame]:
    """The engine's own split graph with settlements then facilities attached, and their snapping."""
    import geopandas as gpd

    s = gpd.GeoSeries(settlements.geometry, crs=settlements.crs)
    f = gpd.GeoSeries(facilities.geometry, crs=facilities.crs).to_crs(s.crs)
    both = gpd.GeoSeries(list(s) + list(f), crs=s.crs)
    aug, snap = graph.with_points(both, max_snap_m=float(max_snap_m))
    return aug, snap.iloc[: len(s)], snap.iloc[len(s):]


def _stand_on_nodes(g: Any, graph: RoutingGraph, aug: Any, snap: pd.DataFrame) -> None:
    """A point snapped onto a segment's end stands at that node: join its virtual node to the node.

    (Written here rather than read from the split graph, so the reference does not rely on how
    the engine joins such a point's split node to the node.)
    """
    net = graph.network
    for node, seg, frac in zip(snap["node"], snap["segment"], snap["fraction"]):
        if node < 0 or frac not in (0.0, 1.0):
            continue
        end = int(net.u[seg]) if frac == 0.0 else int(net.v[seg])
        leg = aug.weight[aug.indptr[node]]  # the virtual node's one arc: its access leg
        g.add_edge(int(node), end, travel_time=float(leg), segment=-1)
        g.add_edge(end, int(node), travel_time=float(leg), segment=-1)


def reference_times(graph: RoutingGraph, settlements: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame, *,
                    max_snap_m: float = 1000.0) -> np.ndarray:
    """Seconds from each settlement to every facility, by networkx Dijkstra on the split graph.

    The points are attached with the engine's :meth:`RoutingGraph.with_points` (snapping and
    access legs), and the graph is exported with ``to_networkx``; the search itself is networkx's.
    A point snapped onto a segment's end also gets its access leg to that node itself: standing
    on a node, it may take every road there.

    Parameters
    ----------
    graph : RoutingGraph
        A graph from :meth:`RoutingGraph.from_network`.
    settlements, facilities : geopandas.GeoDataFrame
        Points.
    max_snap_m : float
        Farthest snap, as given to the engine.

    Returns
    -------
    numpy.ndarray
        Settlements x facilities, ``inf`` where no path exists or a point is not linked.
    """
    import networkx as nx

    aug, snap_s, snap_f = _snap_all(graph, settlements, facilities, max_snap_m)
    g = aug.to_networkx()
    _stand_on_nodes(g, graph, aug, pd.concat([snap_s, snap_f]))
    rev = g.reverse(copy=False)
    out = np.full((len(settlements), len(facilities)), np.inf)
    s_node = snap_s["node"].to_numpy()
    for j, node in enumerate(snap_f["node"].to_numpy()):
        if node < 0:
            continue
        dist = nx.single_source_dijkstra_path_length(rev, int(node), weight="travel_time")
        out[:, j] = [dist.get(int(n), np.inf) if n >= 0 else np.inf for n in s_node]
    return out


def assert_times_equal_reference(graph: RoutingGraph, settlements: gpd.GeoDataFrame,
                                 facilities: gpd.GeoDataFrame, *, cutoff_s: float = np.inf,
                                 max_snap_m: float = 1000.0, atol: float = 1e-6) -> None:
    """Assert that :func:`planner.routing.nearest_facility` equals the networkx reference.

    Checks the time to the nearest facility of every settlement (within ``cutoff_s``; ``inf``
    beyond it) and that every settlement without a time carries a reason.

    Raises
    ------
    AssertionError
        Naming the first settlements whose times differ.
    """
    from planner.routing import nearest_facility

    got = nearest_facility(graph, settlements, facilities, cutoff_s=cutoff_s, max_snap_m=max_snap_m)
    ref = reference_times(graph, settlements, facilities, max_snap_m=max_snap_m)
    best = ref.min(axis=1) if ref.shape[1] else np.full(len(settlements), np.inf)
    expected = np.where(best <= cutoff_s, best, np.inf)
    times = got.table["time_s"].to_numpy(dtype=float)
    _assert_times(times, expected, settlements.index, atol, "nearest facility")
    no_time = ~np.isfinite(times)
    missing = got.table.index[no_time & got.table["reason"].isna().to_numpy()]
    assert not len(missing), f"settlements without a time and without a reason: {list(missing[:10])}"


def assert_reach_equal_reference(graph: RoutingGraph, facilities: gpd.GeoDataFrame,
                                 settlements: gpd.GeoDataFrame, *, cutoff_s: float,
                                 max_snap_m: float = 1000.0, atol: float = 1e-6) -> None:
    """Assert that :func:`planner.routing.reach_matrix` holds exactly the reference pairs within ``cutoff_s``."""
    from planner.routing import reach_matrix

    rm = reach_matrix(graph, facilities, settlements, cutoff_s=cutoff_s, max_snap_m=max_snap_m)
    ref = reference_times(graph, settlements, facilities, max_snap_m=max_snap_m).T
    expected = np.where(ref <= cutoff_s, ref, np.inf)
    got = rm.to_dense()
    for j, fid in enumerate(facilities.index):
        _assert_times(got[j], expected[j], settlements.index, atol, f"reach of facility {fid!r}")


def _assert_times(got: np.ndarray, expected: np.ndarray, labels: pd.Index, atol: float, what: str) -> None:
    reach_differs = np.isfinite(got) != np.isfinite(expected)
    both = np.isfinite(got) & np.isfinite(expected)
    value_differs = np.zeros_like(both)
    value_differs[both] = np.abs(got[both] - expected[both]) > atol
    bad = np.flatnonzero(reach_differs | value_differs)
    if bad.size:
        rows = ", ".join(f"{labels[i]!r}: engine {got[i]:.6f} s, networkx {expected[i]:.6f} s" for i in bad[:5])
        raise AssertionError(f"{what}: {bad.size} of {len(got)} settlements differ from the reference ({rows})")


def assert_layer_contract(frame: pd.DataFrame, layer: str, *, extra: Iterable[str] = ()) -> None:
    """Assert that ``frame`` has the index name, unique index and columns of canonical ``layer``.

    Parameters
    ----------
    frame : pandas.DataFrame
    layer : {"facilities", "settlements", "townships"}
    extra : iterable of str
        More columns the caller relies on.
    """
    if layer not in LAYER_CONTRACTS:
        raise AssertionError(f"unknown layer {layer!r}; known: {', '.join(LAYER_CONTRACTS)}")
    index_name, columns = LAYER_CONTRACTS[layer]
    if index_name is not None:
        assert frame.index.name == index_name, f"{layer}: index is named {frame.index.name!r}, not {index_name!r}"
    assert frame.index.is_unique, f"{layer}: index has duplicates: {list(frame.index[frame.index.duplicated()][:5])}"
    missing = [c for c in (*columns, *extra) if c not in frame.columns]
    assert not missing, f"{layer}: columns missing: {missing}"
    if "geometry" in columns and len(frame):
        assert frame.crs is not None and frame.crs.to_epsg() == 4326, f"{layer}: not in WGS84 (EPSG:4326)"


def assert_indexed_like(result: pd.DataFrame | pd.Series, source: pd.DataFrame | pd.Series) -> None:
    """Assert that ``result`` has exactly ``source``'s index (labels and order), as outputs promise."""
    pd.testing.assert_index_equal(result.index, source.index, check_names=False)


#: Where :func:`network_from_local_xy` puts local (0, 0): UTM 52N, in Heilongjiang.
LOCAL_CRS = "EPSG:32652"
LOCAL_ORIGIN = (500_000.0, 5_060_000.0)


def _local_to_lonlat(xy: np.ndarray, crs: str, origin: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    import pyproj

    to_ll = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    lon, lat = to_ll.transform(origin[0] + xy[:, 0], origin[1] + xy[:, 1])
    return np.asarray(lon), np.asarray(lat)


def network_from_local_xy(xy: Any, segments: Iterable[tuple[int, int, str, int]], *, first_id: int = 1,
                          cut: Iterable[int] = (), crs: str = LOCAL_CRS,
                          origin: tuple[float, float] = LOCAL_ORIGIN) -> Any:
    """A small :class:`~planner.network.RoadNetwork` drawn in local metres, for tests.

    Parameters
    ----------
    xy : array-like, shape (n, 2)
        Node positions in metres from ``origin`` (in ``crs``).
    segments : iterable of (u, v, highway, oneway)
        Node indices, OSM highway class and ``oneway`` (0 both ways, 1 forward,
        -1 backward); lengths are the straight lines.
    first_id : int
        OSM id of node 0 (node ``i`` gets ``first_id + i``).
    cut : iterable of int
        Node indices where the road file stops short (``cut_node_ids``).
    crs, origin
        The metric system of ``xy`` and where its (0, 0) lies.

    Returns
    -------
    planner.network.RoadNetwork
    """
    from planner.network import RoadNetwork

    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    segs = list(segments)
    lon, lat = _local_to_lonlat(xy, crs, origin)
    u = np.array([s[0] for s in segs], dtype=np.int64)
    v = np.array([s[1] for s in segs], dtype=np.int64)
    m = len(segs)
    return RoadNetwork(
        node_id=np.arange(len(xy), dtype=np.int64) + first_id, lon=lon, lat=lat, u=u, v=v,
        length_m=np.hypot(*(xy[v] - xy[u]).T), highway=np.array([s[2] for s in segs], dtype=object),
        oneway=np.array([s[3] for s in segs], dtype=np.int8), maxspeed_kmh=np.full(m, np.nan),
        foot=np.zeros(m, dtype=np.int8), motor=np.zeros(m, dtype=np.int8),
        way_id=np.arange(m, dtype=np.int64) + 1, name="test",
        cut_node_ids=np.asarray(list(cut), dtype=np.int64) + first_id,
    )


def points_from_local_xy(xy: Any, *, prefix: str, index_name: str = "id", crs: str = LOCAL_CRS,
                         origin: tuple[float, float] = LOCAL_ORIGIN, **columns: Any) -> gpd.GeoDataFrame:
    """Points in local metres (as :func:`network_from_local_xy`) as a WGS84 GeoDataFrame, for tests.

    Parameters
    ----------
    xy : array-like, shape (n, 2)
        Positions in metres from ``origin``.
    prefix : str
        Ids are ``<prefix>0``, ``<prefix>1``...
    index_name : str
        Name of the index (``settlement_id``, ``facility_id``...).
    crs, origin
        As in :func:`network_from_local_xy`.
    **columns
        Extra columns (a scalar or one value per point).

    Returns
    -------
    geopandas.GeoDataFrame
    """
    import geopandas as gpd

    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    lon, lat = _local_to_lonlat(xy, crs, origin)
    idx = pd.Index([f"{prefix}{i}" for i in range(len(xy))], name=index_name)
    return gpd.GeoDataFrame(dict(columns), index=idx, geometry=gpd.points_from_xy(lon, lat, crs="EPSG:4326"))
