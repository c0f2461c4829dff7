"""Service circles, per-tier dissolve and network Voronoi (planner.circles).

Hand-made networks are drawn in metres in UTM zone 52N (EPSG:32652, the
zone of Harbin) and turned into WGS84 RoadNetworks, so expected lengths and
positions can be written down by hand.  The last tests use the real Harbin
OpenStreetMap extract when it is present.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from planner.analysis import circles as C
from planner.config import OLDER_WALK_SPEED_MS, default_config
from planner.errors import ConfigError, DataError
from planner.network import RoadNetwork

routing = pytest.importorskip("planner.routing")

UTM = pyproj.CRS("EPSG:32652")
X0, Y0 = 600_000.0, 5_060_000.0  # near Harbin (126.3 E, 45.7 N)
WALK = default_config().profiles["walk"]
SPEED = OLDER_WALK_SPEED_MS  # m/s
REACH_15 = SPEED * 15 * 60  # 810 m
DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
HARBIN = DATA / "harbin" / "harbin.osm.pbf"
_GEOD = pyproj.Geod(ellps="WGS84")
_TO_LL = pyproj.Transformer.from_crs(UTM, "EPSG:4326", always_xy=True)


def _net(xy: list[tuple[float, float]], edges: list[tuple[int, int]], highway: str = "residential") -> RoadNetwork:
    """RoadNetwork from node positions in metres (relative to X0, Y0) and node pairs."""
    xy = np.asarray(xy, dtype=float)
    lon, lat = _TO_LL.transform(xy[:, 0] + X0, xy[:, 1] + Y0)
    lon, lat = np.asarray(lon), np.asarray(lat)
    u = np.array([a for a, _ in edges], dtype=np.int64)
    v = np.array([b for _, b in edges], dtype=np.int64)
    _, _, length = _GEOD.inv(lon[u], lat[u], lon[v], lat[v])
    m = len(edges)
    return RoadNetwork(
        node_id=np.arange(len(xy), dtype=np.int64) + 1, lon=lon, lat=lat, u=u, v=v,
        length_m=np.asarray(length, dtype=float), highway=np.array([highway] * m, dtype=object),
        oneway=np.zeros(m, dtype=np.int8), maxspeed_kmh=np.full(m, np.nan), foot=np.zeros(m, dtype=np.int8),
        motor=np.zeros(m, dtype=np.int8), way_id=np.arange(m, dtype=np.int64) + 100, name="hand-made test network",
    )


def _graph(net: RoadNetwork):
    return routing.RoutingGraph.from_network(net, WALK, crs=UTM)


def _points(xy: list[tuple[float, float]], ids: list[str] | None = None, **cols) -> gpd.GeoDataFrame:
    xy = np.asarray(xy, dtype=float)
    lon, lat = _TO_LL.transform(xy[:, 0] + X0, xy[:, 1] + Y0)
    ids = ids or [f"F{i}" for i in range(len(xy))]
    idx = pd.Index(ids, name="facility_id")
    return gpd.GeoDataFrame(cols, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326", index=idx)


def _local(gdf: gpd.GeoDataFrame) -> np.ndarray:
    """Geometries in local metres (UTM minus the origin)."""
    g = gdf.to_crs(UTM).geometry.to_numpy()
    return shapely.transform(g, lambda c: c - np.array([X0, Y0]))


def _pt(x: float, y: float) -> shapely.Point:
    return shapely.Point(x, y)


# --------------------------------------------------------------------------- a straight road


@pytest.fixture(scope="module")
def straight():
    """A 3 km straight east-west road in 6 segments of 500 m."""
    xs = [i * 500.0 for i in range(7)]
    net = _net([(x, 0.0) for x in xs], [(i, i + 1) for i in range(6)])
    return _graph(net)


def test_straight_road_ends_at_the_cut_point(straight):
    fac = _points([(1500.0, 0.0)], tier=["community"], name=["中心"])
    arrays = {k: np.array(getattr(straight, k), copy=True) for k in ("indptr", "indices", "weight", "x", "y")}
    circ = C.service_circles(straight, fac, minutes=15.0, buffer_m=30.0, verbose=True)
    for k, before in arrays.items():  # the caller's graph is not modified
        np.testing.assert_array_equal(getattr(straight, k), before)
    lines = C.reached_lines(straight, fac, minutes=15.0)
    assert circ.index.equals(fac.index) and circ.crs == "EPSG:4326"
    assert circ.loc["F0", "tier"] == "community" and circ.loc["F0", "name"] == "中心"
    # reached linework = speed x time in each direction (partial edges cut at 810 m)
    assert circ.loc["F0", "reached_km"] * 1000 == pytest.approx(2 * REACH_15, rel=1e-3)
    assert _local(lines)[0].length == pytest.approx(2 * REACH_15, rel=1e-3)
    poly = _local(circ)[0]
    minx, miny, maxx, maxy = poly.bounds
    assert minx == pytest.approx(1500 - REACH_15 - 30, abs=1.0)
    assert maxx == pytest.approx(1500 + REACH_15 + 30, abs=1.0)
    assert maxy == pytest.approx(30, abs=0.5) and miny == pytest.approx(-30, abs=0.5)
    assert poly.covers(_pt(1500 + REACH_15 + 25, 0))
    assert not poly.covers(_pt(1500 + REACH_15 + 35, 0))
    assert not poly.covers(_pt(1500, 40))
    assert circ.loc["F0", "area_km2"] == pytest.approx(poly.area / 1e6, rel=1e-3)
    assert circ.attrs["params"] == {
        "function": "service_circles", "minutes": 15.0, "buffer_m": 30.0, "profile": "walk",
        "projected_crs": "EPSG:32652", "n_no_road": 0,
    }
    # a longer threshold reaches further by exactly speed x extra time
    c20 = C.service_circles(straight, fac, minutes=20.0)
    assert c20.loc["F0", "reached_km"] * 1000 == pytest.approx(2 * SPEED * 1200, rel=1e-3)
    assert (c20["minutes"] == 20.0).all()


def test_circle_width_across_the_road_is_twice_the_buffer():
    """The buffer width, pinned on a tiny road built from arrays (no shared data needed)."""
    assert C.BUFFER_M == 30.0  # the documented default: the depth of the buildings along a street
    g = _graph(_net([(0.0, 0.0), (2000.0, 0.0)], [(0, 1)]))
    fac = _points([(1000.0, 0.0)])
    across = shapely.LineString([(1200.0, -500.0), (1200.0, 500.0)])  # 200 m along the road, inside 5 min
    for draw in (C.service_circles, C.network_voronoi):
        poly = _local(draw(g, fac, minutes=5.0))[0]  # default buffer
        assert shapely.intersection(poly, across).length == pytest.approx(2 * C.BUFFER_M, abs=0.05)
        narrow = _local(draw(g, fac, minutes=5.0, buffer_m=12.5))[0]
        assert shapely.intersection(narrow, across).length == pytest.approx(25.0, abs=0.05)


def test_both_ends_reached_middle_not():
    # A(0,0)-B(300,0)-E(300,200) and A-C(-300,0)-F(-700,200); E-F is a 1000 m road
    # reached 310 m from E and 810 - 300 - 447 m from F, with a gap between
    net = _net(
        [(0, 0), (300, 0), (300, 200), (-300, 0), (-700, 200)],
        [(0, 1), (1, 2), (0, 3), (3, 4), (2, 4)],
    )
    g = _graph(net)
    fac = _points([(0.0, 0.0)])
    circ = C.service_circles(g, fac, minutes=15.0, buffer_m=30.0)
    assert circ.loc["F0", "reached_km"] * 1000 == pytest.approx(2 * REACH_15, rel=1e-3)
    poly = _local(circ)[0]
    e_cut = 300 - (REACH_15 - 500)  # x where E's piece ends
    f_cut = -700 + (REACH_15 - 300 - np.hypot(400, 200))
    assert poly.covers(_pt(e_cut + 5, 200)) and poly.covers(_pt(f_cut - 5, 200))
    assert not poly.covers(_pt((e_cut + f_cut) / 2, 200))
    assert not poly.covers(_pt(e_cut - 40, 200)) and not poly.covers(_pt(f_cut + 40, 200))


def test_river_gap_is_not_covered():
    # an L of roads on the south bank, and a road on the north bank 80 m across
    # the river with no bridge: close in a straight line, unreachable on foot
    south = [(0, 0), (200, 0), (400, 0), (600, 0), (0, 150), (0, 300)]
    north = [(100, 80), (350, 80), (600, 80)]
    edges = [(0, 1), (1, 2), (2, 3), (0, 4), (4, 5), (6, 7), (7, 8)]
    g = _graph(_net(south + north, edges))
    fac = _points([(0.0, 0.0)])
    circ = C.service_circles(g, fac, minutes=15.0, buffer_m=30.0)
    poly = _local(circ)[0]
    assert poly.covers(_pt(590, 10)) and poly.covers(_pt(10, 290))
    across = _pt(300, 80)  # 80 m from the reached road
    assert not poly.covers(across)
    assert poly.convex_hull.covers(across)  # what a hull would wrongly have claimed
    assert not poly.intersects(shapely.LineString([(100, 80), (600, 80)]).buffer(29.0))
    assert circ.loc["F0", "reached_km"] * 1000 == pytest.approx(900, rel=1e-3)


def test_facility_off_the_network_gets_an_empty_circle_with_a_reason(straight):
    fac = _points([(1500.0, 0.0), (1500.0, 5000.0)], tier=["community", "community"])
    before = fac.copy()
    circ = C.service_circles(straight, fac, minutes=15.0, max_snap_m=300.0)
    pd.testing.assert_frame_equal(fac, before)
    assert circ.loc["F1", "geometry"].is_empty
    assert circ.loc["F1", "reason"] == "NO_ROAD"
    assert circ.loc["F1", "reached_km"] == 0 and circ.loc["F1", "area_km2"] == 0
    assert circ.loc["F0", "reason"] is None and circ.loc["F0", "reached_km"] > 1.6


def test_no_facilities_give_empty_frames(straight):
    fac = _points([(1500.0, 0.0)], tier=["community"]).iloc[:0]
    for fn in (C.service_circles, C.network_voronoi, C.reached_lines):
        out = fn(straight, fac)
        assert len(out) == 0 and out.crs == "EPSG:4326" and "reached_km" in out.columns
    assert len(C.circles_by_tier(C.service_circles(straight, fac), fac)) == 0


def test_voronoi_keeps_off_network_facilities_as_empty_rows(straight):
    fac = _points([(500.0, 0.0), (1500.0, 5000.0), (1500.0, 0.0)])
    vor = C.network_voronoi(straight, fac, minutes=15.0, max_snap_m=300.0)
    assert vor.index.equals(fac.index)
    assert vor.loc["F1", "reason"] == "NO_ROAD" and vor.loc["F1", "geometry"].is_empty
    assert vor.loc[["F0", "F2"], "reached_km"].to_numpy() * 1000 == pytest.approx([1000, 500 + REACH_15], rel=1e-3)


def test_bad_facilities_raise_planner_errors(straight):
    fac = _points([(1500.0, 0.0)])
    with pytest.raises(DataError, match="CRS"):
        C.service_circles(straight, fac.set_crs(None, allow_override=True))
    with pytest.raises(DataError, match="not unique"):
        C.service_circles(straight, pd.concat([fac, fac]))
    with pytest.raises(ConfigError, match="minutes"):
        C.service_circles(straight, fac, minutes=-1)
    with pytest.raises(ConfigError, match="buffer_m"):
        C.service_circles(straight, fac, buffer_m=0)


# --------------------------------------------------------------------------- voronoi and tiers


def _grid(n: int = 8, step: float = 200.0):
    xy = [(i * step, j * step) for j in range(n) for i in range(n)]
    edges = []
    for j in range(n):
        for i in range(n):
            k = j * n + i
            if i + 1 < n:
                edges.append((k, k + 1))
            if j + 1 < n:
                edges.append((k, k + n))
    return _net(xy, edges)


def test_voronoi_splits_a_road_at_equal_time(straight):
    fac = _points([(500.0, 0.0), (1500.0, 0.0)])
    vor = C.network_voronoi(straight, fac, minutes=15.0, buffer_m=30.0)
    # facilities 1000 m apart: each owns 810 m on its outer side and 500 m toward the other
    assert vor["reached_km"].to_numpy() * 1000 == pytest.approx([500 + 500, 500 + REACH_15], rel=1e-3)
    p0, p1 = _local(vor)
    assert p0.bounds[2] == pytest.approx(1000, abs=1.0) and p1.bounds[0] == pytest.approx(1000, abs=1.0)
    assert shapely.intersection(p0, p1).area < 1e-6


def test_voronoi_pieces_do_not_overlap_and_equal_the_dissolved_circles():
    g = _graph(_grid())
    fac = _points([(100, 0), (700, 300), (200, 1100), (1300, 1300), (1400, 100)],
                  tier=["community", "community", "township", "township", "county"])
    circ = C.service_circles(g, fac, minutes=10.0, buffer_m=30.0)
    vor = C.network_voronoi(g, fac, minutes=10.0, buffer_m=30.0)
    assert vor.index.equals(fac.index)
    vp, cp = _local(vor), _local(circ)
    for i in range(len(vp)):
        assert not vp[i].is_empty
        for j in range(i + 1, len(vp)):
            assert shapely.intersection(vp[i], vp[j]).area < 1.0
    union_v, union_c = shapely.union_all(vp), shapely.union_all(cp)
    assert shapely.symmetric_difference(union_v, union_c).area < 1e-3 * union_c.area
    # each facility's own piece lies inside its own circle
    for i in range(len(vp)):
        assert shapely.difference(vp[i], cp[i]).area < 1e-3 * cp[i].area + 1.0
    # owned network length never exceeds the circle's, and is below it where circles overlap
    assert (vor["reached_km"] <= circ["reached_km"] + 1e-9).all()
    assert vor["reached_km"].sum() < circ["reached_km"].sum()
    by_tier = C.circles_by_tier(circ, fac)
    assert by_tier.index.tolist() == ["community", "county", "township"]
    assert by_tier["n_facilities"].tolist() == [2, 1, 2]
    town = shapely.union_all(cp[[2, 3]])
    got = _local(by_tier.loc[["township"]])[0]
    assert shapely.symmetric_difference(got, town).area < 1e-3 * town.area


def test_circles_by_tier_takes_tier_from_facilities_and_counts_empty(straight):
    fac = _points([(1500.0, 0.0), (1500.0, 5000.0)], tier=["township", "township"])
    circ = C.service_circles(straight, fac, max_snap_m=300.0).drop(columns=["tier"])
    out = C.circles_by_tier(circ, fac)
    assert out.loc["township", "n_facilities"] == 1 and out.loc["township", "n_empty"] == 1
    with pytest.raises(DataError, match="tier"):
        C.circles_by_tier(circ, fac.drop(columns=["tier"]))


# --------------------------------------------------------------------------- against networkx


def _nx_times(net: RoadNetwork, snap: pd.DataFrame, cutoff_s: float) -> np.ndarray:
    """Node times to the facility by networkx on the reversed reference graph.

    Only segments near the facility are given to networkx (nothing farther
    than the cutoff's walk can be reached).  The facility joins the network
    where the routing graph snapped it: a source linked to both ends of the
    snapped segment with the time of the access leg plus the part of the
    segment walked.  Returns the time per node index (inf when unreached).
    """
    import networkx as nx

    from planner.network import graph_from_network

    seg, frac = int(snap["segment"].iloc[0]), float(snap["fraction"].iloc[0])
    access = float(snap["distance_m"].iloc[0]) / (WALK.access_speed_kmh / 3.6)
    su, sv = int(net.u[seg]), int(net.v[seg])
    lon0, lat0 = net.lon[su], net.lat[su]
    radius_deg = (cutoff_s * SPEED + 500) / 75_000  # generous: 1 degree of longitude is ~78 km here
    near = (np.abs(net.lon - lon0) < radius_deg) & (np.abs(net.lat - lat0) < radius_deg)
    keep = near[net.u] & near[net.v]
    sub = dataclasses.replace(
        net,
        **{k: getattr(net, k)[keep]
           for k in ("u", "v", "length_m", "highway", "oneway", "maxspeed_kmh", "foot", "motor", "way_id")},
    )
    ref = graph_from_network(sub, WALK).reverse(copy=True)
    keys = set(ref.nodes)
    key = (lambda i: int(i)) if int(su) in keys and int(sv) in keys else (lambda i: int(net.node_id[i]))
    seg_time = net.length_m[seg] / SPEED
    ref.add_edge("FAC", key(su), travel_time=access + frac * seg_time)
    ref.add_edge("FAC", key(sv), travel_time=access + (1 - frac) * seg_time)
    t = nx.single_source_dijkstra_path_length(ref, "FAC", cutoff=cutoff_s, weight="travel_time")
    return np.array([t.get(key(i), np.inf) for i in range(net.n_nodes)])


def _check_against_networkx(net: RoadNetwork, fac: gpd.GeoDataFrame, minutes: float, buffer_m: float) -> int:
    network = pytest.importorskip("planner.network")
    if not hasattr(network, "graph_from_network"):
        pytest.skip("planner.network.graph_from_network not available yet")
    g = routing.RoutingGraph.from_network(net, WALK, crs=UTM)
    cutoff = minutes * 60
    _, snap = g.with_points(fac, max_snap_m=WALK.max_snap_m_rural)
    times = _nx_times(net, snap, cutoff)
    circ = C.service_circles(g, fac, minutes=minutes, buffer_m=buffer_m)
    poly = circ.to_crs(UTM).geometry.iloc[0]
    to_utm = pyproj.Transformer.from_crs("EPSG:4326", UTM, always_xy=True)
    x, y = (np.asarray(c) for c in to_utm.transform(net.lon, net.lat))
    pts = shapely.points(x, y)
    reached = times <= cutoff - 1.0
    # network length inside: every segment covered from each reached end by speed x time left
    seg = int(snap["segment"].iloc[0])
    usable = np.isfinite(g.seg_fwd_s) | np.isfinite(g.seg_bwd_s)
    # parallel segments between the same two nodes are one straight line: count it once
    usable &= net.u != net.v
    pair = pd.DataFrame({"a": np.minimum(net.u, net.v), "b": np.maximum(net.u, net.v)})[usable]
    usable[np.flatnonzero(usable)[pair.duplicated().to_numpy()]] = False
    left_u = np.clip((cutoff - times[net.u]) * SPEED, 0, None)
    left_v = np.clip((cutoff - times[net.v]) * SPEED, 0, None)
    covered = np.where(usable, np.minimum(net.length_m, np.nan_to_num(left_u + left_v, posinf=0.0)), 0.0)
    covered[seg] = 0.0  # the snapped segment is split by the facility: allowed as slack below
    slack = net.length_m[seg] + float(snap["distance_m"].iloc[0]) + 1.0
    assert circ["reached_km"].iloc[0] * 1000 == pytest.approx(covered.sum(), rel=2e-3, abs=slack)
    inside = shapely.covers(poly, pts[reached])
    assert inside.all(), f"{(~inside).sum()} of {reached.sum()} networkx-reached nodes outside the circle"
    # points far from every arc touching a reached node cannot be in the circle
    touch = reached[net.u] | reached[net.v]
    near_lines = shapely.linestrings(
        np.stack([np.column_stack([x[net.u[touch]], y[net.u[touch]]]),
                  np.column_stack([x[net.v[touch]], y[net.v[touch]]])], axis=1)
    )
    fac_xy = fac.to_crs(UTM).geometry.iloc[0]
    su, sv = net.u[seg], net.v[seg]
    access_leg = shapely.shortest_line(fac_xy, shapely.LineString([(x[su], y[su]), (x[sv], y[sv])]))
    tree = shapely.STRtree(np.append(near_lines, access_leg))
    unreached = np.flatnonzero(~np.isfinite(times) & np.isin(np.arange(net.n_nodes), np.concatenate([net.u, net.v])))
    _, d = tree.query_nearest(pts[unreached], return_distance=True, all_matches=False)
    sample = unreached[(d > 2 * buffer_m) & (d < 400)]
    assert sample.shape[0] > 5
    covered = shapely.covers(poly, pts[sample])
    assert not covered.any(), f"{covered.sum()} points > {2 * buffer_m} m from any reached road are inside"
    return int(reached.sum())


def test_matches_networkx_on_a_synthetic_town():
    from planner.network import synthetic_road_network

    net = synthetic_road_network(3000, seed=7)
    mid = np.argsort(np.hypot(net.lon - np.median(net.lon), net.lat - np.median(net.lat)))[0]
    fac = gpd.GeoDataFrame(geometry=gpd.points_from_xy([net.lon[mid] + 0.0004], [net.lat[mid] + 0.0002]),
                           crs="EPSG:4326", index=pd.Index(["S"], name="facility_id"))
    assert _check_against_networkx(net, fac, 15.0, 30.0) > 10


# --------------------------------------------------------------------------- real Harbin data


@pytest.fixture(scope="module")
def harbin_net():
    if not HARBIN.exists():
        pytest.skip(f"real data not present: {HARBIN}")
    network = pytest.importorskip("planner.network")
    if not hasattr(network, "network_from_osm_file"):
        pytest.skip("planner.network.network_from_osm_file not available yet")
    return network.network_from_osm_file(HARBIN)


@pytest.mark.parametrize(
    ("fid", "name", "lon", "lat", "min_nodes"),
    [
        # 哈尔滨市第一社会福利院 (OSM way 986527128), centroid of its outline: sparse suburban roads
        ("W986527128", "哈尔滨市第一社会福利院", 126.61816, 45.68698, 15),
        # a point in the dense centre (南岗区), many footways and alleys
        ("C1", "centre", 126.6285, 45.7560, 200),
    ],
)
def test_harbin_circle_matches_networkx(harbin_net, fid, name, lon, lat, min_nodes):
    fac = gpd.GeoDataFrame({"name": [name], "tier": ["county"]}, geometry=[shapely.Point(lon, lat)],
                           crs="EPSG:4326", index=pd.Index([fid], name="facility_id"))
    n = _check_against_networkx(harbin_net, fac, 15.0, 30.0)
    assert n > min_nodes


def test_harbin_voronoi_tiles_the_served_area(harbin_net):
    # three points about 1 km apart in the dense centre: their walking circles overlap
    lon = [126.6285, 126.6400, 126.6340]
    lat = [45.7560, 45.7560, 45.7480]
    fac = gpd.GeoDataFrame({"tier": ["township"] * 3}, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326",
                           index=pd.Index(["A", "B", "C"], name="facility_id"))
    g = routing.RoutingGraph.from_network(harbin_net, WALK, crs=UTM)
    circ = C.service_circles(g, fac, minutes=15.0)
    vor = C.network_voronoi(g, fac, minutes=15.0)
    cp, vp = circ.to_crs(UTM).geometry.to_numpy(), vor.to_crs(UTM).geometry.to_numpy()
    union_c = shapely.union_all(cp)
    assert sum(shapely.area(shapely.intersection(cp[i], cp[j])) for i, j in [(0, 1), (0, 2), (1, 2)]) > 1e4
    for i, j in [(0, 1), (0, 2), (1, 2)]:
        assert shapely.intersection(vp[i], vp[j]).area < 1.0
    assert shapely.symmetric_difference(shapely.union_all(vp), union_c).area < 1e-3 * union_c.area
    assert vor["reached_km"].sum() < circ["reached_km"].sum()
    by_tier = C.circles_by_tier(circ, fac)
    assert by_tier.loc["township", "area_km2"] == pytest.approx(vor["area_km2"].sum(), rel=2e-3)
