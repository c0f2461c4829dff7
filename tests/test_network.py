"""Tests of planner.network: profiles -> edge times, OSM loaders, graphs, components."""

from __future__ import annotations

import numpy as np
import pytest

from planner.config import DRIVE_SPEEDS_KMH, OLDER_WALK_SPEED_MS, default_config
from planner.network import RoadNetwork, segment_travel_times

PROFILES = default_config().profiles
WALK, EBIKE, DRIVE = PROFILES["walk"], PROFILES["ebike"], PROFILES["drive"]


def _net(rows: list[tuple]) -> RoadNetwork:
    """A network of independent segments: rows of (highway, length, oneway, maxspeed, foot, motor)."""
    m = len(rows)
    hw, length, ow, ms, foot, motor = zip(*rows) if rows else ((),) * 6
    return RoadNetwork(
        node_id=np.arange(2 * m, dtype=np.int64),
        lon=np.linspace(126.6, 126.7, 2 * m), lat=np.full(2 * m, 45.7),
        u=np.arange(0, 2 * m, 2, dtype=np.int64), v=np.arange(1, 2 * m, 2, dtype=np.int64),
        length_m=np.array(length, dtype=np.float64), highway=np.array(hw, dtype=object),
        oneway=np.array(ow, dtype=np.int8), maxspeed_kmh=np.array(ms, dtype=np.float64),
        foot=np.array(foot, dtype=np.int8), motor=np.array(motor, dtype=np.int8),
        way_id=np.arange(m, dtype=np.int64), name="hand-made",
    )


NAN = float("nan")
ROWS = [
    # highway, length, oneway, maxspeed, foot, motor
    ("residential", 900.0, 0, NAN, 0, 0),      # 0 plain two-way
    ("primary", 1000.0, 1, 60.0, 0, 0),        # 1 oneway forward with maxspeed
    ("secondary", 500.0, -1, NAN, 0, 0),       # 2 oneway reversed, no maxspeed
    ("motorway", 2000.0, 1, NAN, 0, 0),        # 3 motorway: not for walkers
    ("footway", 300.0, 0, NAN, 0, -1),         # 4 footway, no cars
    ("residential", 400.0, 0, NAN, -1, 0),     # 5 foot=no
    ("service", 100.0, 0, NAN, -1, -1),        # 6 access=private
    ("tertiary_link", 200.0, 0, 20.0, 0, 0),   # 7 link with maxspeed
    ("steps", 50.0, 0, NAN, 1, -1),            # 8 steps: walk yes, bike no
]


def test_walk_times_hand_computed():
    fwd, bwd = segment_travel_times(_net(ROWS), WALK)
    v = OLDER_WALK_SPEED_MS  # 0.9 m/s everywhere, oneway ignored
    exp = np.array([900 / v, 1000 / v, 500 / v, np.inf, 300 / v, np.inf, np.inf, 200 / v, 50 / v])
    np.testing.assert_allclose(fwd, exp)
    np.testing.assert_allclose(bwd, exp)
    assert fwd[0] == pytest.approx(1000.0)  # 900 m at 0.9 m/s is 1000 s


def test_drive_times_hand_computed():
    fwd, bwd = segment_travel_times(_net(ROWS), DRIVE)
    kmh = DRIVE_SPEEDS_KMH
    res = 900 / (kmh["residential"] / 3.6)
    prim = 1000 / (60 / 3.6)  # maxspeed wins over the class speed
    sec = 500 / (kmh["secondary"] / 3.6)
    mw = 2000 / (kmh["motorway"] / 3.6)
    link = 200 / (20 / 3.6)
    inf = np.inf
    np.testing.assert_allclose(fwd, [res, prim, inf, mw, inf, 400 / (kmh["residential"] / 3.6), inf, link, inf])
    np.testing.assert_allclose(bwd, [res, inf, sec, inf, inf, 400 / (kmh["residential"] / 3.6), inf, link, inf])
    assert prim == pytest.approx(60.0)


def test_drive_without_maxspeed_or_oneway_uses_class_speeds_both_ways():
    import dataclasses

    prof = dataclasses.replace(DRIVE, use_maxspeed=False, respect_oneway=False)
    fwd, bwd = segment_travel_times(_net(ROWS), prof)
    assert fwd[1] == pytest.approx(1000 / (DRIVE_SPEEDS_KMH["primary"] / 3.6))
    assert bwd[1] == fwd[1] and bwd[2] == fwd[2]
    # tertiary_link takes the tertiary speed when maxspeed is not used
    assert fwd[7] == pytest.approx(200 / (DRIVE_SPEEDS_KMH["tertiary"] / 3.6))


def test_ebike_class_speeds_and_exclusions():
    fwd, bwd = segment_travel_times(_net(ROWS), EBIKE)
    assert fwd[0] == pytest.approx(900 / (15 / 3.6))
    assert fwd[4] == pytest.approx(300 / (8 / 3.6))  # footway at 8 km/h
    assert np.isinf(fwd[8]) and np.isinf(fwd[3]) and np.isinf(fwd[5])
    assert bwd[1] == fwd[1]  # bikes ignore oneway


def test_empty_network_gives_empty_arrays():
    fwd, bwd = segment_travel_times(_net([]), WALK)
    assert fwd.shape == (0,) and bwd.shape == (0,)


# --------------------------------------------------------------------------- hand-written OSM fixture

import bz2  # noqa: E402
import dataclasses  # noqa: E402
import math  # noqa: E402
from pathlib import Path  # noqa: E402

import networkx as nx  # noqa: E402
import shapely  # noqa: E402

import planner.network as N  # noqa: E402
from planner.errors import InputFileNotFoundError, NetworkError  # noqa: E402
from planner.geo import haversine_m  # noqa: E402
from planner.network.model import buffered_area, subset_segments  # noqa: E402
from planner.network.osm_tags import SKIP_HIGHWAYS  # noqa: E402

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "osm"
SMALL = FIXTURES / "small.osm"
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
HARBIN = SHARED_DATA / "harbin" / "harbin.osm.pbf"
R = 6_371_008.8
EW_M = R * math.cos(math.radians(45.70)) * math.radians(0.001)  # 0.001 deg of longitude at 45.70 N
NS_M = R * math.radians(0.001)


@pytest.fixture(scope="module")
def small() -> N.RoadNetwork:
    return N.network_from_osm_file(SMALL)


def _seg(net: N.RoadNetwork, a: int, b: int, way: int | None = None) -> int:
    """Index of the segment between OSM nodes a and b (either orientation), optionally of one way."""
    ua, ub = net.node_id[net.u], net.node_id[net.v]
    hit = ((ua == a) & (ub == b)) | ((ua == b) & (ub == a))
    if way is not None:
        hit &= net.way_id == way
    hit = np.flatnonzero(hit)
    assert hit.shape[0] == 1, (a, b, hit)
    return int(hit[0])


def test_small_fixture_segments_nodes_and_counts(small):
    # kept ways 101(2) 102(1) 103(3) 104 105 106 107(2 of 4) 110 111 112 115
    assert small.n_segments == 15
    assert sorted(small.node_id.tolist()) == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 20, 21]
    assert 14 not in small.node_id and 99 not in small.node_id  # construction-only node, missing node
    assert small.dropped == {
        "ways_highway_construction": 1, "ways_area_yes": 1, "segments_missing_node": 2,
        "ways_cut_at_missing_node": 1, "ways_oneway_reversible_as_two_way": 1, "ways_maxspeed_not_numeric": 1,
    }
    assert small.name == "small.osm"
    assert small.highway.dtype == object and small.oneway.dtype == np.int8 and small.u.dtype == np.int64


def test_way_cut_at_missing_node_keeps_both_runs(small):
    w = small.way_id == 107
    pairs = {tuple(sorted(p)) for p in zip(small.node_id[small.u[w]].tolist(), small.node_id[small.v[w]].tolist())}
    assert pairs == {(7, 8), (9, 10)}


def test_geodesic_lengths(small):
    np.testing.assert_allclose(small.length_m[_seg(small, 1, 2)], EW_M, rtol=1e-6)
    np.testing.assert_allclose(small.length_m[_seg(small, 1, 5)], NS_M, rtol=1e-9)
    at_45701 = R * math.cos(math.radians(45.701)) * math.radians(0.002)
    np.testing.assert_allclose(small.length_m[_seg(small, 7, 5)], at_45701, rtol=1e-6)


def test_oneway_parsing(small):
    ow = {k: int(small.oneway[_seg(small, *k)]) for k in [(1, 2), (3, 4), (5, 6), (7, 5), (4, 8), (10, 11), (1, 5)]}
    assert ow == {(1, 2): 1, (3, 4): -1, (5, 6): 1, (7, 5): 1, (4, 8): 1, (10, 11): 0, (1, 5): 0}
    # the roundabout runs in way order 5 -> 6 -> 7 -> 5
    s = _seg(small, 7, 5)
    assert small.node_id[small.u[s]] == 7 and small.node_id[small.v[s]] == 5


def test_maxspeed_parsing(small):
    ms = {k: small.maxspeed_kmh[_seg(small, *k)] for k in [(1, 2), (3, 4), (5, 6), (7, 8), (1, 5)]}
    assert ms[(1, 2)] == 30.0 and ms[(3, 4)] == 60.0
    assert ms[(5, 6)] == pytest.approx(20 * 1.609344)
    assert math.isnan(ms[(7, 8)]) and math.isnan(ms[(1, 5)])  # CN:urban zone, absent


@pytest.mark.parametrize(
    ("value", "expected"),
    [("50", 50.0), ("50 km/h", 50.0), ("50kmh", 50.0), ("30 mph", 30 * 1.609344), ("60;80", 60.0),
     ("7,5", 7.5), (40, 40.0), (["60", "40"], 40.0), ("CN:urban", math.nan), ("none", math.nan),
     ("signals", math.nan), (None, math.nan), ("0", math.nan)],
)
def test_parse_maxspeed(value, expected):
    got = N.parse_maxspeed(value)
    assert (math.isnan(got) and math.isnan(expected)) or got == pytest.approx(expected)


def test_access_codes(small):
    def codes(a, b, way=None):
        s = _seg(small, a, b, way)
        return int(small.foot[s]), int(small.motor[s])

    assert codes(1, 5) == (-1, 0)  # foot=no
    assert codes(2, 6) == (-1, -1)  # access=private
    assert codes(6, 7, 110) == (1, -1)  # access=private + foot=yes
    assert codes(11, 12) == (0, -1)  # motor_vehicle=agricultural
    assert codes(1, 2) == (0, 0)


def test_profiles_on_fixture(small):
    wf, wb = segment_travel_times(small, WALK)
    df, db = segment_travel_times(small, DRIVE)
    s = _seg(small, 1, 5)
    assert np.isinf(wf[s]) and np.isinf(wb[s])  # foot=no
    assert df[s] == pytest.approx(NS_M / (DRIVE_SPEEDS_KMH["residential"] / 3.6))
    s = _seg(small, 2, 6)
    assert np.isinf([wf[s], wb[s], df[s], db[s]]).all()  # private
    s = _seg(small, 4, 8)
    assert np.isinf(wf[s]) and np.isinf(wb[s])  # motorway excluded from walk
    assert np.isfinite(df[s]) and np.isinf(db[s])
    s = _seg(small, 3, 4)  # oneway=-1: drive only 4 -> 3, at the 60 km/h maxspeed
    assert np.isinf(df[s]) and db[s] == pytest.approx(EW_M / (60 / 3.6), rel=1e-6)
    assert wf[s] == wb[s] == pytest.approx(EW_M / OLDER_WALK_SPEED_MS, rel=1e-6)
    s = _seg(small, 6, 7, 110)  # footway, private for cars, foot=yes
    assert np.isfinite(wf[s]) and np.isinf(df[s]) and np.isinf(db[s])


def test_bz2_reads_the_same(small, tmp_path):
    p = tmp_path / "small.osm.bz2"
    p.write_bytes(bz2.compress(SMALL.read_bytes()))
    net = N.network_from_osm_file(p)
    np.testing.assert_array_equal(net.node_id, small.node_id)
    np.testing.assert_array_equal(net.u, small.u)
    np.testing.assert_array_equal(net.v, small.v)
    np.testing.assert_allclose(net.length_m, small.length_m)
    assert net.dropped == small.dropped


def test_missing_and_bad_files(tmp_path):
    with pytest.raises(InputFileNotFoundError, match="nope.osm.pbf"):
        N.network_from_osm_file(tmp_path / "nope.osm.pbf")
    bad = tmp_path / "bad.osm"
    bad.write_text("<osm><way id='1'><nd ref='1'/>", encoding="utf-8")
    with pytest.raises(NetworkError, match="bad.osm"):
        N.network_from_osm_file(bad)
    odd = tmp_path / "roads.shp"
    odd.write_text("x")
    with pytest.raises(NetworkError, match="roads.shp"):
        N.network_from_osm_file(odd)


def test_polygon_clip(small):
    # box around nodes 1-8 only (45.700-45.701): 107's (9,10), 111, 112, 115 fall outside
    box = shapely.box(126.5995, 45.6995, 126.6035, 45.7015)
    net = N.network_from_osm_file(SMALL, polygon=box)
    assert net.n_segments == 11
    assert net.dropped["segments_outside_area"] == 4
    assert sorted(net.node_id.tolist()) == [1, 2, 3, 4, 5, 6, 7, 8]
    # a 200 m buffer brings node 9 (111 m north of 8) back, and segment 8-9 is missing in the file anyway
    grown = N.clip_network(small, box, buffer_m=200.0)
    assert 9 in grown.node_id.tolist() and 10 in grown.node_id.tolist()
    assert 20 not in grown.node_id.tolist()
    assert small.n_segments == 15  # caller's network untouched
    # a GeoDataFrame and a self-intersecting (bow-tie) ring work as areas too
    import geopandas as gpd

    gdf = gpd.GeoDataFrame(geometry=[box], crs="EPSG:4326").to_crs("EPSG:32652")
    assert N.clip_network(small, gdf).n_segments == 11
    bowtie = shapely.Polygon([(126.5995, 45.6995), (126.6035, 45.7015), (126.6035, 45.6995), (126.5995, 45.7015)])
    assert not bowtie.is_valid
    assert 0 < N.clip_network(small, bowtie).n_segments < small.n_segments
    with pytest.raises(NetworkError, match="small.osm"):
        N.network_from_osm_file(SMALL, polygon=shapely.box(0, 0, 1, 1))


# --------------------------------------------------------------------------- arcs, networkx reference, pieces


@pytest.mark.parametrize("name", ["walk", "ebike", "drive"])
def test_graph_from_network_equals_arcs(small, name):
    prof = PROFILES[name]
    tail, head, sec, seg = N.arcs_from_network(small, prof)
    fwd, bwd = segment_travel_times(small, prof)
    assert tail.shape[0] == np.isfinite(fwd).sum() + np.isfinite(bwd).sum()
    assert np.isfinite(sec).all()
    g = N.graph_from_network(small, prof)
    assert isinstance(g, nx.MultiDiGraph) and g.graph["crs"] == "EPSG:4326"
    assert list(g.nodes) == list(range(small.n_nodes))
    assert g.nodes[0]["x"] == small.lon[0] and g.nodes[0]["osmid"] == small.node_id[0]
    edges = sorted((a, b, round(d["travel_time"], 9), d["segment"]) for a, b, d in g.edges(data=True))
    arcs = sorted(zip(tail.tolist(), head.tolist(), np.round(sec, 9).tolist(), seg.tolist()))
    assert edges == arcs
    for a, b, d in g.edges(data=True):
        s = d["segment"]
        assert {a, b} == {int(small.u[s]), int(small.v[s])}
        assert d["length"] == small.length_m[s] and d["highway"] == small.highway[s]


def test_components_keep_cut_off_pieces(small):
    comp = N.components_of(small, WALK)
    idx = {int(o): i for i, o in enumerate(small.node_id)}
    # walk: {1-4} (5 only by foot=no, 6 only by private, 8 only by motorway), {5-8},
    # {9-12} (8-9 lost at the missing node) and the far {20, 21}
    assert comp.weak[idx[20]] == comp.weak[idx[21]] != comp.main
    assert comp.n_pieces == 4
    assert comp.pieces["n_nodes"].tolist() == [4, 4, 4, 2]
    assert comp.pieces["main"].tolist() == [True, False, False, False]
    assert len({comp.weak[idx[i]] for i in (1, 5, 9, 20)}) == 4
    assert comp.weak[idx[1]] == comp.weak[idx[4]] and comp.weak[idx[9]] == comp.weak[idx[12]]
    assert comp.pieces["length_km"].iloc[3] == pytest.approx(small.length_m[_seg(small, 20, 21)] / 1000)
    assert comp.pieces["n_segments"].sum() == np.isfinite(segment_travel_times(small, WALK)[0]).sum()
    # drive: the oneway street 1 -> 2 -> 3 cannot be driven back, so 1 is not strongly connected
    dcomp = N.components_of(small, DRIVE)
    assert dcomp.strong[idx[1]] != dcomp.strong[idx[2]]
    assert dcomp.in_main[idx[1]]
    # track 11-12 is closed to cars: node 12 is on no drivable segment
    assert dcomp.weak[idx[12]] == -1 and dcomp.strong[idx[12]] == -1


def test_components_agree_with_networkx(small):
    for prof in (WALK, DRIVE):
        comp = N.components_of(small, prof)
        g = N.graph_from_network(small, prof)
        g.remove_nodes_from([n for n in list(g.nodes) if g.degree(n) == 0])
        weak = sorted(len(c) for c in nx.weakly_connected_components(g))
        strong = sorted(len(c) for c in nx.strongly_connected_components(g))
        assert sorted(np.bincount(comp.weak[comp.weak >= 0]).tolist()) == weak
        assert sorted(np.bincount(comp.strong[comp.strong >= 0]).tolist()) == strong


# --------------------------------------------------------------------------- GraphML, osmnx graphs, cache


def _arc_set(net: N.RoadNetwork, prof) -> list[tuple]:
    """Arcs as (tail lon, tail lat, head lon, head lat, seconds): comparable across node numberings."""
    t, h, s, _ = N.arcs_from_network(net, prof)
    return sorted(zip(np.round(net.lon[t], 7).tolist(), np.round(net.lat[t], 7).tolist(),
                      np.round(net.lon[h], 7).tolist(), np.round(net.lat[h], 7).tolist(), np.round(s, 6).tolist()))


def test_graphml_round_trip(small, tmp_path):
    path = N.network_to_graphml(small, tmp_path / "small.graphml")
    back = N.network_from_graphml(path)
    assert back.n_segments == small.n_segments
    assert sorted(back.node_id.tolist()) == sorted(small.node_id.tolist())
    assert back.dropped.get("reverse_edges_merged") == int((small.oneway == 0).sum())
    for prof in (WALK, EBIKE, DRIVE):
        assert _arc_set(back, prof) == _arc_set(small, prof), prof.name
    assert sorted(back.way_id.tolist()) == sorted(small.way_id.tolist())


def test_network_from_simplified_graph_expands_geometry():
    from shapely.geometry import LineString

    g = nx.MultiDiGraph(crs="EPSG:4326")
    g.add_node(1, x=126.600, y=45.700)
    g.add_node(2, x=126.602, y=45.700)
    g.add_node(3, x=126.602, y=45.702)
    line = LineString([(126.600, 45.700), (126.601, 45.7005), (126.602, 45.700)])
    # a two-way road as osmnx stores it: both directions, the second with reversed geometry
    g.add_edge(1, 2, osmid=[7, 8], highway=["residential", "service"], oneway=False, reversed=False,
               geometry=line, maxspeed=["30", "40"])
    g.add_edge(2, 1, osmid=[7, 8], highway=["residential", "service"], oneway=False, reversed=True,
               geometry=LineString(line.coords[::-1]), maxspeed=["30", "40"])
    g.add_edge(2, 3, osmid=9, highway="primary", oneway=True, reversed=False, access="no")
    before = nx.to_dict_of_dicts(g)
    net = N.network_from_graph(g, name="hand")
    assert nx.to_dict_of_dicts(g) == before  # caller's graph untouched
    assert net.n_segments == 3 and net.n_nodes == 4
    assert net.dropped["reverse_edges_merged"] == 1
    interior = net.node_id < 0
    assert interior.sum() == 1
    assert net.lon[interior][0] == 126.601 and net.lat[interior][0] == 45.7005
    assert set(net.highway.tolist()) == {"residential", "primary"}
    assert set(net.way_id.tolist()) == {7, 9}
    np.testing.assert_allclose(np.sort(net.maxspeed_kmh[net.way_id == 7]), [30.0, 30.0])
    p = net.way_id == 9
    assert net.oneway[p][0] == 1 and net.foot[p][0] == -1 and net.motor[p][0] == -1
    exp = haversine_m(126.600, 45.700, 126.601, 45.7005) + haversine_m(126.601, 45.7005, 126.602, 45.700)
    assert net.length_m[net.way_id == 7].sum() == pytest.approx(float(exp))
    # the same graph as plain networkx reads GraphML: strings everywhere, geometry as WKT
    h = nx.MultiDiGraph(crs="EPSG:4326")
    for n, d in g.nodes(data=True):
        h.add_node(str(n), x=str(d["x"]), y=str(d["y"]))
    for a, b, d in g.edges(data=True):
        h.add_edge(str(a), str(b), **{k: (v.wkt if k == "geometry" else str(v)) for k, v in d.items()})
    text = N.network_from_graph(h)
    assert text.n_segments == 3 and sorted(text.node_id[text.node_id > 0].tolist()) == [1, 2, 3]
    assert _arc_set(text, DRIVE) == _arc_set(net, DRIVE) and _arc_set(text, WALK) == _arc_set(net, WALK)


def test_network_from_projected_graph_is_back_in_wgs84(small):
    import osmnx as ox

    tmp = N.graph_from_network(small, WALK)  # has x/y/osmid and crs, like an osmnx graph
    for _, _, d in tmp.edges(data=True):
        d["oneway"] = False
    proj = ox.project_graph(tmp, to_crs="EPSG:32652")
    assert proj.graph["crs"] != "EPSG:4326"
    net = N.network_from_graph(proj)
    idx = {int(o): i for i, o in enumerate(small.node_id)}
    ref = [idx[int(o)] for o in net.node_id]
    np.testing.assert_allclose(net.lon, small.lon[ref], atol=1e-8)
    np.testing.assert_allclose(net.lat, small.lat[ref], atol=1e-8)
    walk_segments = np.isfinite(segment_travel_times(small, WALK)[0]).sum()
    assert net.n_segments == walk_segments


def _forbid_download(monkeypatch):
    import osmnx as ox

    def boom(*a, **k):
        raise AssertionError("must not download")

    monkeypatch.setattr(ox, "graph_from_polygon", boom)
    monkeypatch.setattr(ox, "graph_from_place", boom)


def test_osmnx_cache_hit_does_not_download(small, tmp_path, monkeypatch):
    _forbid_download(monkeypatch)
    poly = shapely.box(126.59, 45.69, 126.63, 45.73)
    cached = N.osmnx_cache_path(tmp_path, polygon=poly, network_type="all")
    N.network_to_graphml(small, cached)
    net = N.network_from_osmnx(polygon=poly, cache_dir=tmp_path)
    assert _arc_set(net, DRIVE) == _arc_set(small, DRIVE)
    # another query has another cache file
    assert N.osmnx_cache_path(tmp_path, polygon=poly, network_type="walk") != cached
    assert N.osmnx_cache_path(tmp_path, place="五常市") != cached


def test_osmnx_download_is_cached_and_settings_restored(small, tmp_path, monkeypatch):
    import osmnx as ox

    calls = []
    graph = ox.load_graphml(N.network_to_graphml(small, tmp_path / "src.graphml"))
    tags_before = list(ox.settings.useful_tags_way)

    def fake(polygon, **kw):
        calls.append(kw)
        assert "foot" in ox.settings.useful_tags_way and "motor_vehicle" in ox.settings.useful_tags_way
        return graph

    monkeypatch.setattr(ox, "graph_from_polygon", fake)
    poly = shapely.box(126.59, 45.69, 126.63, 45.73)
    first = N.network_from_osmnx(polygon=poly, cache_dir=tmp_path / "cache")
    second = N.network_from_osmnx(polygon=poly, cache_dir=tmp_path / "cache")
    assert len(calls) == 1 and calls[0]["simplify"] is False and calls[0]["retain_all"] is True
    assert list(ox.settings.useful_tags_way) == tags_before
    assert N.osmnx_cache_path(tmp_path / "cache", polygon=poly).exists()
    assert _arc_set(first, WALK) == _arc_set(second, WALK) == _arc_set(small, WALK)


def test_osmnx_failure_is_a_network_error(tmp_path, monkeypatch):
    import osmnx as ox

    def down(*a, **k):
        raise ConnectionError("no route to host")

    monkeypatch.setattr(ox, "graph_from_place", down)
    with pytest.raises(NetworkError, match="no route to host"):
        N.network_from_osmnx(place="五常市", cache_dir=tmp_path)
    with pytest.raises(NetworkError):
        N.network_from_osmnx(cache_dir=tmp_path)


@pytest.mark.network
def test_osmnx_download_real(tmp_path):
    poly = shapely.box(126.630, 45.755, 126.640, 45.762)  # a few blocks of central Harbin
    net = N.network_from_osmnx(polygon=poly, cache_dir=tmp_path)
    assert net.n_segments > 50
    assert N.osmnx_cache_path(tmp_path, polygon=poly).exists()
    again = N.network_from_osmnx(polygon=poly, cache_dir=tmp_path)
    assert again.n_segments == net.n_segments


# --------------------------------------------------------------------------- load_network


def _config(tmp_path, **network):
    from planner.config import config_from_dict

    return config_from_dict({"network": {"buffer_m": 0.0, **network}, "inputs": {"roads": str(SMALL)}},
                            base_dir=tmp_path)


def test_clip_tests_only_the_points_in_the_box_and_agrees_with_testing_them_all():
    """The bounding-box prefilter of the clip (a province's millions of nodes) changes no node's answer."""
    from planner.network.model import clip_network, points_in_area
    from planner.network.synthetic import synthetic_road_network

    net = synthetic_road_network(20_000, seed=3)
    lon0, lat0 = float(np.median(net.lon)), float(np.median(net.lat))
    # an L-shaped area with a hole, off centre: points in its box but outside it exist on every side
    area = shapely.Polygon([(lon0 - 0.05, lat0 - 0.03), (lon0 + 0.04, lat0 - 0.03), (lon0 + 0.04, lat0),
                            (lon0, lat0), (lon0, lat0 + 0.02), (lon0 - 0.05, lat0 + 0.02)],
                           holes=[[(lon0 - 0.03, lat0 - 0.02), (lon0 - 0.01, lat0 - 0.02), (lon0 - 0.02, lat0)]])
    expected = shapely.intersects_xy(area, net.lon, net.lat)
    got = points_in_area(area, net.lon, net.lat)
    assert np.array_equal(got, expected) and 0 < got.sum() < 0.5 * net.n_nodes
    x0, y0, x1, y1 = area.bounds
    in_box = (net.lon >= x0) & (net.lon <= x1) & (net.lat >= y0) & (net.lat <= y1)
    assert (in_box & ~expected).any()  # the polygon test really decides inside the box
    clipped = clip_network(net, area)
    assert clipped.n_segments == int((expected[net.u] & expected[net.v]).sum())
    assert not points_in_area(shapely.Polygon(), net.lon, net.lat).any()
    # cut nodes: the kept nodes at an end of a segment left out, computed here from every segment
    keep = expected[net.u] & expected[net.v]
    ends = set(net.node_id[net.u[~keep]].tolist()) | set(net.node_id[net.v[~keep]].tolist())
    assert clipped.cut_node_ids.tolist() == sorted(ends & set(clipped.node_id.tolist())) != []


def test_load_network_from_file_clipped_with_buffer(tmp_path):
    from planner.config import config_from_dict

    box = shapely.box(126.5995, 45.6995, 126.6035, 45.7015)
    net = N.load_network(_config(tmp_path), box)
    assert net.n_segments == 11 and net.dropped["segments_outside_area"] == 4
    wide = N.load_network(_config(tmp_path, buffer_m=200.0), box)
    assert 10 in wide.node_id.tolist() and wide.n_segments > net.n_segments
    whole = N.load_network(_config(tmp_path), None)
    assert whole.n_segments == 15
    # GraphML input by suffix
    gml = N.network_to_graphml(whole, tmp_path / "roads.graphml")
    cfg = config_from_dict({"network": {"buffer_m": 0.0}, "inputs": {"roads": str(gml)}})
    assert N.load_network(cfg, box).n_segments == 11


def test_load_network_errors_name_file_and_fix(tmp_path):
    from planner.config import config_from_dict

    cfg = config_from_dict({"inputs": {"roads": "missing/roads.osm.pbf"}}, base_dir=tmp_path)
    with pytest.raises(InputFileNotFoundError, match="roads.osm.pbf") as err:
        N.load_network(cfg, None)
    assert "修正" in str(err.value)
    en = config_from_dict({"lang": "en", "inputs": {"roads": "missing/roads.osm.pbf"}}, base_dir=tmp_path)
    with pytest.raises(InputFileNotFoundError, match="Fix: check the path"):
        N.load_network(en, None)
    with pytest.raises(NetworkError, match=r"\[inputs\] roads"):
        N.load_network(config_from_dict({"lang": "en", "network": {"source": "file"}}), None)
    odd = tmp_path / "roads.shp"
    odd.write_text("x")
    with pytest.raises(NetworkError, match="roads.shp"):
        N.load_network(config_from_dict({"inputs": {"roads": str(odd)}}), None)
    with pytest.raises(NetworkError, match="small.osm"):
        N.load_network(_config(tmp_path), shapely.box(0, 0, 1, 1))


def test_load_network_osmnx_source_uses_cache(small, tmp_path, monkeypatch):
    from planner.config import config_from_dict

    _forbid_download(monkeypatch)
    area = shapely.box(126.5995, 45.6995, 126.6035, 45.7015)
    cfg = config_from_dict({"network": {"source": "osmnx", "buffer_m": 100.0, "cache_dir": "cache"}},
                           base_dir=tmp_path)
    polygon = buffered_area(area, 100.0)
    N.network_to_graphml(small, N.osmnx_cache_path(tmp_path / "cache", polygon=polygon))
    net = N.load_network(cfg, area)
    assert net.n_segments == small.n_segments


# --------------------------------------------------------------------------- the real Harbin extract

HARBIN_BBOX = (126.506, 45.658, 126.772, 45.831)  # from shared/data/README.md


@pytest.fixture(scope="module")
def harbin() -> N.RoadNetwork:
    if not HARBIN.exists():
        pytest.skip(f"real data not present: {HARBIN}")
    return N.network_from_osm_file(HARBIN)


def test_harbin_loads_despite_clipped_ways(harbin):
    net = harbin
    assert net.n_segments > 10_000 and net.n_nodes > 10_000
    assert np.unique(net.node_id).shape[0] == net.n_nodes
    used = np.bincount(np.concatenate([net.u, net.v]), minlength=net.n_nodes)
    assert (used > 0).all()  # only nodes of kept segments
    assert net.dropped["segments_missing_node"] > 0 and net.dropped["ways_cut_at_missing_node"] > 0
    x0, y0, x1, y1 = HARBIN_BBOX
    pad = 0.01
    assert ((net.lon > x0 - pad) & (net.lon < x1 + pad) & (net.lat > y0 - pad) & (net.lat < y1 + pad)).all()
    assert np.isfinite(net.length_m).all() and (net.length_m > 0).all()
    # segments of a road are short; a cut way must not bridge its gap with a long jump
    assert net.length_m.max() < 5_000
    assert (net.u != net.v).all()
    assert set(net.highway.tolist()).isdisjoint(SKIP_HIGHWAYS)


@pytest.mark.parametrize("name", ["walk", "drive"])
def test_harbin_profiles(harbin, name):
    prof = PROFILES[name]
    fwd, bwd = segment_travel_times(harbin, prof)
    usable = np.isfinite(fwd) | np.isfinite(bwd)
    assert usable.mean() > 0.5
    comp = N.components_of(harbin, prof)
    on = comp.weak >= 0
    # one city network dominates; the cut-off pieces are kept and listed, not dropped
    assert comp.pieces["n_nodes"].iloc[0] > 0.8 * on.sum()
    assert comp.n_pieces > 1 and comp.pieces["n_nodes"].sum() == on.sum()
    assert comp.in_main_strong.sum() > 0.7 * on.sum()
    motorway = harbin.highway == "motorway"
    if name == "walk":
        assert np.isinf(fwd[motorway]).all()
        np.testing.assert_array_equal(np.isfinite(fwd), np.isfinite(bwd))  # walkers ignore oneway
    else:
        one = harbin.oneway == 1
        assert one.any() and np.isinf(bwd[one & usable]).all()
    tail, head, sec, seg = N.arcs_from_network(harbin, prof)
    assert tail.shape[0] == np.isfinite(fwd).sum() + np.isfinite(bwd).sum()


def test_harbin_clipped_to_a_street(harbin, tmp_path):
    import geopandas as gpd

    from planner.config import config_from_dict

    streets = SHARED_DATA / "harbin" / "harbin_streets.geojson"
    if not streets.exists():
        pytest.skip(f"real data not present: {streets}")
    area = gpd.read_file(streets).to_crs("EPSG:4326").geometry.iloc[0]
    cfg = config_from_dict({"network": {"buffer_m": 500.0}, "inputs": {"roads": str(HARBIN)}}, base_dir=tmp_path)
    net = N.load_network(cfg, area)
    assert 0 < net.n_segments < harbin.n_segments
    assert net.dropped["segments_outside_area"] > 0
    grown = buffered_area(area, 500.0)
    assert shapely.intersects_xy(grown, net.lon, net.lat).all()
    # the same as clipping the whole network afterwards
    again = N.clip_network(harbin, area, buffer_m=500.0)
    assert again.n_segments == net.n_segments


def test_agrees_with_osmnx_reading_the_same_xml(small, tmp_path, monkeypatch):
    """An independent reader (osmnx) of the fixture, minus the missing node it cannot handle."""
    import osmnx as ox

    text = SMALL.read_text(encoding="utf-8").replace('<nd ref="99"/>', "")
    path = tmp_path / "complete.osm"
    path.write_text(text, encoding="utf-8")
    ours = N.network_from_osm_file(path)
    tags = sorted(set(ox.settings.useful_tags_way) | {"foot", "motor_vehicle"})
    monkeypatch.setattr(ox.settings, "useful_tags_way", tags)
    g = ox.graph_from_xml(path, simplify=False, retain_all=True)
    theirs = N.network_from_graph(g)
    assert ours.n_segments == small.n_segments + 1  # 8-9-10 now whole: 8-9 and 9-10 instead of 9-10
    for prof in (WALK, EBIKE):
        assert _arc_set(theirs, prof) == _arc_set(ours, prof), prof.name
    # drive: osmnx does not imply oneway on motorways; compare everything else
    keep_ours = ours.highway != "motorway"
    keep_theirs = theirs.highway != "motorway"
    theirs_drive = _arc_set(subset_segments(theirs, keep_theirs, {}), DRIVE)
    assert theirs_drive == _arc_set(subset_segments(ours, keep_ours, {}), DRIVE)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_components_and_arcs_on_synthetic_networks_match_networkx(seed):
    from planner.network import synthetic_road_network

    net = synthetic_road_network(400, seed=seed)
    rng = np.random.default_rng(seed)
    # add one-way streets and bans so the strong components differ from the weak ones
    net = dataclasses.replace(
        net,
        oneway=rng.choice(np.array([0, 1, -1], dtype=np.int8), size=net.n_segments, p=[0.7, 0.15, 0.15]),
        motor=np.where(rng.random(net.n_segments) < 0.05, -1, 0).astype(np.int8),
    )
    for prof in (WALK, DRIVE):
        comp = N.components_of(net, prof)
        g = N.graph_from_network(net, prof)
        assert g.number_of_edges() == N.arcs_from_network(net, prof)[0].shape[0]
        g.remove_nodes_from([n for n in list(g.nodes) if g.degree(n) == 0])
        for piece in nx.weakly_connected_components(g):
            labels = {int(comp.weak[n]) for n in piece}
            assert len(labels) == 1
        for scc in nx.strongly_connected_components(g):
            assert len({int(comp.strong[n]) for n in scc}) == 1
        assert comp.n_pieces == nx.number_weakly_connected_components(g)
        assert (comp.strong >= 0).sum() == g.number_of_nodes()
        assert int(comp.strong.max()) + 1 == nx.number_strongly_connected_components(g)
        largest = max(nx.strongly_connected_components(g), key=len)
        assert comp.in_main_strong.sum() == len(largest)
