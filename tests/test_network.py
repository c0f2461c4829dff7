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
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import networkx as nx  # noqa: E402
import shapely  # noqa: E402

from planner import network as N  # noqa: E402
from planner._errors import InputFileNotFoundError, NetworkError  # noqa: E402

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
        "ways_cut_at_missing_node": 1, "oneway_reversible_as_two_way": 1, "maxspeed_not_numeric": 1,
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
