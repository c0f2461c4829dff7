"""The routing engine against hand computations and the networkx reference."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.config import default_config
from planner.errors import NetworkError
from planner.network import (
    RoadNetwork,
    graph_from_network,
    random_points_near,
    segment_travel_times,
    synthetic_road_network,
)
from planner.routing import RoutingGraph, contracted, nearest_facility, reach_counts, reach_matrix, reach_nodes

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
HARBIN = DATA / "harbin" / "harbin.osm.pbf"
PROFILES = default_config().profiles
WALK, DRIVE = PROFILES["walk"], PROFILES["drive"]
UTM = "EPSG:32652"
X0, Y0 = 500_000.0, 5_060_000.0  # near Harbin in UTM 52N
_TO_LL = pyproj.Transformer.from_crs(UTM, "EPSG:4326", always_xy=True)


# ---------------------------------------------------------------- helpers
def make_net(xy, segs, *, lengths=None) -> RoadNetwork:
    """Network from local metres (UTM 52N offsets) and (u, v, highway, oneway) tuples."""
    xy = np.asarray(xy, dtype=float)
    lon, lat = _TO_LL.transform(X0 + xy[:, 0], Y0 + xy[:, 1])
    u = np.array([s[0] for s in segs], dtype=np.int64)
    v = np.array([s[1] for s in segs], dtype=np.int64)
    m = len(segs)
    if lengths is None:
        lengths = np.hypot(*(xy[v] - xy[u]).T)
    return RoadNetwork(
        node_id=np.arange(len(xy), dtype=np.int64) + 1, lon=np.asarray(lon), lat=np.asarray(lat),
        u=u, v=v, length_m=np.asarray(lengths, dtype=float),
        highway=np.array([s[2] for s in segs], dtype=object),
        oneway=np.array([s[3] for s in segs], dtype=np.int8),
        maxspeed_kmh=np.full(m, np.nan), foot=np.zeros(m, dtype=np.int8), motor=np.zeros(m, dtype=np.int8),
        way_id=np.arange(m, dtype=np.int64) + 1, name="test",
    )


def pts(xy, *, prefix="P", kind=None) -> gpd.GeoDataFrame:
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    lon, lat = _TO_LL.transform(X0 + xy[:, 0], Y0 + xy[:, 1])
    idx = pd.Index([f"{prefix}{i}" for i in range(len(xy))], name="id")
    df = gpd.GeoDataFrame(index=idx, geometry=gpd.points_from_xy(lon, lat, crs="EPSG:4326"))
    if kind is not None:
        df["kind"] = kind
    return df


def nx_augmented(net, profile, snapping) -> nx.MultiDiGraph:
    """Reference: graph_from_network with snapped segments split by hand (networkx only).

    A point whose snap is a segment's end stands at that node: its split node is the node
    itself (every road there may be taken, whatever the segment it snapped to).  Two points
    on one spot of a segment are joined both ways at no time, one-way or not.
    """
    g = graph_from_network(net, profile)
    fwd, bwd = segment_travel_times(net, profile)
    ok = snapping[snapping["ok"]]
    pos = {key: i for i, key in enumerate(snapping.index)}
    end = ok["fraction"].isin([0.0, 1.0])
    for key, row in ok[end].iterrows():
        seg = int(row["segment"])
        node = int(net.u[seg]) if row["fraction"] == 0.0 else int(net.v[seg])
        g.add_edge(("split", pos[key]), node, travel_time=0.0, segment=-2)
        g.add_edge(node, ("split", pos[key]), travel_time=0.0, segment=-2)
    ok = ok[~end]
    split = set(ok["segment"].astype(int))
    by_seg: dict[int, list] = {}
    for a, b, k, d in g.edges(keys=True, data=True):
        if d["segment"] in split:
            by_seg.setdefault(d["segment"], []).append((a, b, k))
    for seg, grp in ok.groupby("segment"):
        seg = int(seg)
        g.remove_edges_from(by_seg.get(seg, []))
        grp = grp.assign(_pos=[pos[k] for k in grp.index]).sort_values(["fraction", "_pos"])
        chain = [int(net.u[seg])] + [("split", p) for p in grp["_pos"]] + [int(net.v[seg])]
        fr = [0.0] + grp["fraction"].tolist() + [1.0]
        for a, b, f0, f1 in zip(chain[:-1], chain[1:], fr[:-1], fr[1:]):
            if f1 == f0:  # two points on one spot: a piece of no length, usable both ways, one-way or not
                g.add_edge(a, b, travel_time=0.0, segment=seg)
                g.add_edge(b, a, travel_time=0.0, segment=seg)
                continue
            if np.isfinite(fwd[seg]):
                g.add_edge(a, b, travel_time=fwd[seg] * (f1 - f0), segment=seg)
            if np.isfinite(bwd[seg]):
                g.add_edge(b, a, travel_time=bwd[seg] * (f1 - f0), segment=seg)
    speed = profile.access_speed_kmh / 3.6
    for key, row in snapping[snapping["ok"]].iterrows():
        t = row["distance_m"] / speed
        g.add_edge(("virt", pos[key]), ("split", pos[key]), travel_time=t, segment=-1)
        g.add_edge(("split", pos[key]), ("virt", pos[key]), travel_time=t, segment=-1)
    return g


def reference_nearest(g_aug, snap_s, snap_f):
    """networkx multi-source Dijkstra from the facilities on the reversed reference graph."""
    pos_f = [("virt", len(snap_s) + i) for i, ok in enumerate(snap_f["ok"]) if ok]
    rev = g_aug.reverse(copy=False)
    d = nx.multi_source_dijkstra_path_length(rev, set(pos_f), weight="travel_time") if pos_f else {}
    return np.array([d.get(("virt", i), np.inf) if ok else np.inf for i, ok in enumerate(snap_s["ok"])])


def both_snapping(graph, S, F, max_snap):
    """The snapping table of settlements followed by facilities (as the engine attaches them)."""
    allp = gpd.GeoSeries(list(S.geometry) + list(F.geometry), crs="EPSG:4326")
    _, snap = graph.with_points(allp, max_snap_m=max_snap)
    return snap


# ---------------------------------------------------------------- CSR build
def test_parallel_arcs_keep_minimum_not_sum():
    net = make_net([(0, 0), (90, 0)], [(0, 1, "residential", 0), (1, 0, "residential", 0)],
                   lengths=[90.0, 270.0])
    g = RoutingGraph.from_network(net, WALK, crs=UTM)
    assert g.n_arcs == 2
    np.testing.assert_allclose(g.weight, [100.0, 100.0])  # 90 m at 0.9 m/s, not 100 + 300
    assert set(g.arc_segment.tolist()) == {0}
    # the trap this avoids: networkx sums parallel edges of a MultiDiGraph
    ref = nx.to_scipy_sparse_array(graph_from_network(net, WALK), weight="travel_time")
    assert ref[0, 1] == pytest.approx(400.0)


@st.composite
def road_networks(draw):
    n = draw(st.integers(2, 12))
    m = draw(st.integers(1, 30))
    xy = draw(st.lists(st.tuples(st.integers(0, 2000), st.integers(0, 2000)), min_size=n, max_size=n))
    segs = []
    for _ in range(m):
        a = draw(st.integers(0, n - 1))
        b = draw(st.integers(0, n - 1))
        hw = draw(st.sampled_from(["residential", "footway", "motorway", "primary"]))
        ow = draw(st.sampled_from([0, 0, 1, -1]))
        segs.append((a, b, hw, ow))
    lengths = draw(st.lists(st.integers(0, 9).map(lambda k: 90.0 * k), min_size=m, max_size=m))
    return make_net(xy, segs, lengths=lengths)


@settings(max_examples=40, deadline=None)
@given(road_networks(), st.sampled_from(["walk", "drive"]), st.data())
def test_graph_equals_networkx_reference(net, pname, data):
    profile = PROFILES[pname]
    fwd, bwd = segment_travel_times(net, profile)
    if not ((np.isfinite(fwd) | np.isfinite(bwd)) & (net.u != net.v)).any():
        with pytest.raises(NetworkError):
            RoutingGraph.from_network(net, profile, crs=UTM)
        return
    g = RoutingGraph.from_network(net, profile, crs=UTM)
    ref = graph_from_network(net, profile).reverse(copy=False)
    n = net.n_nodes
    sources = data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=3, unique=True))
    cutoff = data.draw(st.sampled_from([np.inf, 300.0, 1000.0]))
    # per source, bounded (the reach sets)
    nt = reach_nodes(g, np.array(sources), cutoff_s=cutoff)
    for i, s in enumerate(sources):
        d = nx.single_source_dijkstra_path_length(ref, s, cutoff=None if np.isinf(cutoff) else cutoff,
                                                  weight="travel_time")
        row = nt.times[[i], :].tocoo()
        assert dict(zip(row.col.tolist(), row.data.tolist())) == pytest.approx(d, abs=1e-6)
    # components = weakly connected pieces of the reference
    pieces = list(nx.weakly_connected_components(ref))
    for piece in pieces:
        assert len({int(g.component[v]) for v in piece}) == 1
    assert len(np.unique(g.component)) == len(pieces)


@st.composite
def networks_with_points(draw):
    """A random road network, settlements and facilities; some points co-located or on nodes."""
    net = draw(road_networks())
    xy = np.c_[_TO_LL.transform(net.lon, net.lat, direction="INVERSE")] - [X0, Y0]
    n_pts = draw(st.integers(1, 10))
    where = []
    for _ in range(n_pts):
        kind = draw(st.sampled_from(["free", "free", "node", "copy"]))
        if kind == "node":
            where.append(tuple(xy[draw(st.integers(0, len(xy) - 1))]))
        elif kind == "copy" and where:
            where.append(where[draw(st.integers(0, len(where) - 1))])
        else:
            where.append((draw(st.integers(-100, 2100)), draw(st.integers(-100, 2100))))
    n_fac = draw(st.integers(1, n_pts))
    order = draw(st.permutations(range(n_pts)))
    P = [where[i] for i in order]
    return net, pts(P[n_fac:] or np.zeros((0, 2)), prefix="S"), pts(P[:n_fac], prefix="F")


@settings(max_examples=80, deadline=None)
@given(networks_with_points(), st.sampled_from(["walk", "drive"]), st.sampled_from([np.inf, 400.0, 1500.0]))
def test_contracted_searches_equal_networkx(case, pname, cutoff):
    """nearest_facility and reach_matrix run on the contracted graph; networkx on the full split graph."""
    net, S, F = case
    profile = PROFILES[pname]
    fwd, bwd = segment_travel_times(net, profile)
    if not ((np.isfinite(fwd) | np.isfinite(bwd)) & (net.u != net.v)).any() or len(S) == 0:
        return
    g = RoutingGraph.from_network(net, profile, crs=UTM)
    snap = both_snapping(g, S, F, 600.0)
    snap_s, snap_f = snap.iloc[: len(S)], snap.iloc[len(S):]
    rev = nx_augmented(net, profile, snap).reverse(copy=False)
    per_f = []
    for j in range(len(F)):
        d = (nx.single_source_dijkstra_path_length(rev, ("virt", len(S) + j), weight="travel_time")
             if snap_f["ok"].iloc[j] else {})
        per_f.append(np.array([d.get(("virt", i), np.inf) for i in range(len(S))]))
    per_f = np.array(per_f)
    best = per_f.min(axis=0)
    expected = np.where(best <= cutoff, best, np.inf)
    for method in ("multi_source", "per_settlement"):
        nf = nearest_facility(g, S, F, cutoff_s=cutoff, max_snap_m=600.0, method=method)
        got = nf.table["time_s"].to_numpy()
        np.testing.assert_array_equal(np.isfinite(got), np.isfinite(expected))
        fin = np.isfinite(expected)
        np.testing.assert_allclose(got[fin], expected[fin], rtol=0, atol=1e-6)
        for i in np.flatnonzero(fin):  # the facility: one of those at the least time
            j = F.index.get_loc(nf.table["facility"].iloc[i])
            assert per_f[j, i] <= best[i] + 1e-6
        np.testing.assert_array_equal(nf.table["snap_m"].to_numpy(), snap_s["distance_m"].to_numpy())
    rm = reach_matrix(g, F, S, cutoff_s=cutoff if np.isfinite(cutoff) else 1e9, max_snap_m=600.0).to_dense()
    lim = cutoff if np.isfinite(cutoff) else 1e9
    ref = np.where(per_f <= lim, per_f, np.inf)
    np.testing.assert_array_equal(np.isfinite(rm), np.isfinite(ref))
    np.testing.assert_allclose(rm[np.isfinite(ref)], ref[np.isfinite(ref)], rtol=0, atol=1e-6)
    counts = reach_counts(g, F, S, cutoff_s=lim, max_snap_m=600.0).table["settlements"].to_numpy()
    np.testing.assert_array_equal(counts, np.isfinite(ref).sum(axis=1))


def test_contraction_keeps_intersections_and_drops_shape_nodes():
    # a 4-node chain with a spur at node 2, and a ring of shape nodes 5-6-7 on its own
    net = make_net([(0, 0), (100, 0), (200, 0), (300, 0), (200, 100), (0, 500), (100, 500), (50, 600)],
                   [(0, 1, "residential", 0), (1, 2, "residential", 0), (2, 3, "residential", 0),
                    (2, 4, "residential", 0), (5, 6, "residential", 0), (6, 7, "residential", 0),
                    (7, 5, "residential", 0)])
    g = RoutingGraph.from_network(net, WALK, crs=UTM)
    ch = contracted.chains(g)
    key = np.flatnonzero(ch.core_of >= 0).tolist()
    assert key == [0, 2, 3, 4, 5]  # ends, the junction, one node of the ring; 1, 6, 7 are shape nodes
    assert ch.chain_a.shape[0] == 4  # 0-1-2, 2-3, 2-4 and the ring
    ring = ch.seg_chain[4]
    assert (ch.seg_chain[4:] == ring).all() and ch.chain_a[ring] == ch.chain_b[ring]
    np.testing.assert_allclose(np.sort(ch.time_f[:3]), np.sort([200 / 0.9, 100 / 0.9, 100 / 0.9]), atol=1e-9)
    # a settlement on the ring reaches a facility on the ring both ways round
    S, F = pts([(10, 500)], prefix="S"), pts([(90, 500)], prefix="F")
    nf = nearest_facility(g, S, F, max_snap_m=50.0)
    assert nf.table["time_s"].iloc[0] == pytest.approx(80 / 0.9, abs=1e-9)


# ---------------------------------------------------------------- snapping, by hand
def test_snap_mid_segment_time_by_hand():
    net = make_net([(0, 0), (1000, 0)], [(0, 1, "residential", 0)])
    g = RoutingGraph.from_network(net, WALK, crs=UTM)
    S = pts([(300, 50)], prefix="S")
    F = pts([(1000, -20)], prefix="F")
    nf = nearest_facility(g, S, F, max_snap_m=100.0)
    row = nf.table.loc["S0"]
    assert row["facility"] == "F0" and row["reason"] is None
    assert row["time_s"] == pytest.approx((50 + 700 + 20) / 0.9, abs=1e-6)
    assert row["snap_m"] == pytest.approx(50.0, abs=1e-6)
    snap = nf.settlement_snapping.loc["S0"]
    assert snap["segment"] == 0 and snap["fraction"] == pytest.approx(0.3, abs=1e-9)
    assert nf.facility_snapping.loc["F0", "fraction"] == pytest.approx(1.0)


def test_two_points_on_one_segment_split_in_order():
    net = make_net([(0, 0), (1000, 0)], [(0, 1, "residential", 0)])
    g = RoutingGraph.from_network(net, WALK, crs=UTM)
    allp = pts([(600, 10), (200, 10), (900, 0)])
    aug, snap = g.with_points(allp, max_snap_m=100.0)
    assert snap["ok"].all()
    np.testing.assert_allclose(snap["fraction"], [0.6, 0.2, 0.9], atol=1e-9)
    assert aug.n_nodes == 2 + 3 + 3
    # the segment is now 4 pieces each way: 0-0.2-0.6-0.9-1
    on_seg = aug.arc_segment == 0
    pieces = sorted(zip(np.round(aug.arc_f0[on_seg], 9), np.round(aug.arc_f1[on_seg], 9)))
    assert pieces == sorted([(0, .2), (.2, .6), (.6, .9), (.9, 1), (.2, 0), (.6, .2), (.9, .6), (1, .9)])
    np.testing.assert_allclose(np.sort(aug.weight[on_seg]), np.sort(np.repeat([200, 400, 300, 100], 2) / 0.9))
    assert (aug.arc_segment == -1).sum() == 6  # access legs both ways
    nf = nearest_facility(g, allp.iloc[:2], allp.iloc[2:], max_snap_m=100.0)
    np.testing.assert_allclose(nf.table["time_s"], [(10 + 300) / 0.9, (10 + 700) / 0.9], atol=1e-6)
    # the original graph is unchanged
    assert g.n_nodes == 2 and g.n_arcs == 2


def test_beyond_max_snap_is_no_road_not_snapped_far():
    # a road 400 m away across a river, and nothing closer
    net = make_net([(0, 0), (1000, 0), (0, 3000), (1000, 3000)],
                   [(0, 1, "residential", 0), (2, 3, "residential", 0)])
    g = RoutingGraph.from_network(net, WALK, crs=UTM)
    S = pts([(500, 400), (500, 2900)], prefix="S", kind=["community", "village"])
    F = pts([(100, 0)], prefix="F")
    nf = nearest_facility(g, S, F)  # defaults: community 300 m, village 1000 m
    t = nf.table
    assert t.loc["S0", "reason"] == "NO_ROAD" and np.isinf(t.loc["S0", "time_s"])
    assert t.loc["S0", "snap_m"] == pytest.approx(400.0, abs=1e-6)
    assert not nf.settlement_snapping.loc["S0", "ok"] and nf.settlement_snapping.loc["S0", "node"] == -1
    assert pd.isna(t.loc["S0", "facility"]) and t.loc["S0", "component"] == -1
    # the village 100 m from the other road is linked, but that piece has no facility
    assert t.loc["S1", "reason"] == "DISCONNECTED" and np.isinf(t.loc["S1", "time_s"])


def test_beyond_cutoff_reason_and_explicit_zero():
    net = make_net([(0, 0), (1000, 0)], [(0, 1, "residential", 0)])
    g = RoutingGraph.from_network(net, WALK, crs=UTM)
    S = pts([(0, 0), (1000, 0)], prefix="S")
    F = pts([(0, 0)], prefix="F")
    nf = nearest_facility(g, S, F, cutoff_s=600.0, max_snap_m=50.0)
    assert nf.table.loc["S0", "time_s"] == 0.0 and nf.table.loc["S0", "reason"] is None
    assert nf.table.loc["S1", "reason"] == "BEYOND_CUTOFF" and np.isinf(nf.table.loc["S1", "time_s"])
    rm = reach_matrix(g, F, S, cutoff_s=600.0, max_snap_m=50.0)
    assert rm.times.nnz == 1 and rm.times[0, 0] == 0.0  # stored zero: reachable at 0 s
    assert rm.to_dense().tolist() == [[0.0, np.inf]]


def test_one_way_direction_settlement_to_facility():
    # one street, one-way 0 -> 1, 1000 m; residential at 25 km/h by car
    net = make_net([(0, 0), (1000, 0)], [(0, 1, "residential", 1)])
    g = RoutingGraph.from_network(net, DRIVE, crs=UTM)
    near0, near1 = pts([(100, 30)], prefix="A"), pts([(900, 30)], prefix="B")
    car = 1000 / (25 / 3.6)
    walk_leg = 30 / (DRIVE.access_speed_kmh / 3.6)
    ok = nearest_facility(g, near0, near1, max_snap_m=50.0)  # settlement upstream of the facility
    assert ok.table.iloc[0]["time_s"] == pytest.approx(2 * walk_leg + 0.8 * car, abs=1e-6)
    bad = nearest_facility(g, near1, near0, max_snap_m=50.0)  # against the one-way
    # the facility is on the settlement's road piece, but the one-way street leads away from it
    assert np.isinf(bad.table.iloc[0]["time_s"]) and bad.table.iloc[0]["reason"] == "ONE_WAY_TRAPPED"
    assert pd.isna(bad.table.iloc[0]["edge_node"])  # a network built here: no road was cut
    rm = reach_matrix(g, near1, near0, cutoff_s=1e6, max_snap_m=50.0)
    assert rm.times[0, 0] == pytest.approx(2 * walk_leg + 0.8 * car, abs=1e-6)
    rm2 = reach_matrix(g, near0, near1, cutoff_s=1e6, max_snap_m=50.0)
    assert rm2.times.nnz == 0
    # walkers ignore one-way streets
    gw = RoutingGraph.from_network(net, WALK, crs=UTM)
    assert np.isfinite(nearest_facility(gw, near1, near0, max_snap_m=50.0).table.iloc[0]["time_s"])


def test_default_max_snap_by_kind_and_inputs_not_mutated():
    net = make_net([(0, 0), (1000, 0)], [(0, 1, "residential", 0)])
    g = RoutingGraph.from_network(net, WALK, crs=UTM)
    S = pts([(500, 500), (500, 500)], prefix="S", kind=["village", "community"])
    F = pts([(0, 0)], prefix="F")
    before = S.copy()
    nf = nearest_facility(g, S, F)
    assert nf.table["reason"].tolist() == [None, "NO_ROAD"]
    pd.testing.assert_frame_equal(S, before)
    assert nf.table.index.equals(S.index)


# ---------------------------------------------------------------- against networkx on a synthetic network
@pytest.mark.parametrize("pname,method", [("walk", "multi_source"), ("drive", "multi_source"),
                                          ("walk", "per_settlement"), ("drive", "per_settlement")])
def test_nearest_and_reach_equal_networkx_on_synthetic(pname, method):
    profile = PROFILES[pname]
    net = synthetic_road_network(3_000, seed=5)
    g = RoutingGraph.from_network(net, profile)
    S = random_points_near(net, 150, seed=6, max_offset_m=400.0, prefix="S")
    F = random_points_near(net, 8, seed=7, max_offset_m=200.0, prefix="F")
    cutoff = 1200.0
    nf = nearest_facility(g, S, F, cutoff_s=cutoff, max_snap_m=300.0, method=method)
    other = nearest_facility(g, S, F, cutoff_s=cutoff, max_snap_m=300.0,
                             method="per_settlement" if method == "multi_source" else "multi_source")
    assert nf.table["facility"].fillna("-").tolist() == other.table["facility"].fillna("-").tolist()
    assert nf.table["reason"].fillna("-").tolist() == other.table["reason"].fillna("-").tolist()
    snap = both_snapping(g, S, F, 300.0)
    snap_s, snap_f = snap.iloc[: len(S)], snap.iloc[len(S):]
    # snapped segment is the nearest usable one (brute force)
    fwd, bwd = segment_travel_times(net, profile)
    usable = np.flatnonzero(np.isfinite(fwd) | np.isfinite(bwd))
    a = np.c_[g.x[net.u[usable]], g.y[net.u[usable]]]
    b = np.c_[g.x[net.v[usable]], g.y[net.v[usable]]]
    P = gpd.GeoSeries(S.geometry, crs=4326).to_crs(g.crs)
    for i in range(0, len(S), 15):
        p = np.array([P.iloc[i].x, P.iloc[i].y])
        ab = b - a
        t = np.clip(((p - a) * ab).sum(1) / np.maximum((ab * ab).sum(1), 1e-300), 0, 1)
        dmin = np.hypot(*(a + t[:, None] * ab - p).T).min()
        assert snap_s.iloc[i]["distance_m"] == pytest.approx(dmin, abs=1e-6)
    ref = reference_nearest(nx_augmented(net, profile, snap), snap_s, snap_f)
    got = nf.table["time_s"].to_numpy()
    expected = np.where(ref <= cutoff, ref, np.inf)
    np.testing.assert_array_equal(np.isfinite(got), np.isfinite(expected))
    fin = np.isfinite(expected)
    np.testing.assert_allclose(got[fin], expected[fin], rtol=0, atol=1e-6)
    assert set(nf.table.loc[~fin & snap_s["ok"].to_numpy(), "reason"]) <= {"BEYOND_CUTOFF", "DISCONNECTED",
                                                                            "ONE_WAY_TRAPPED"}
    assert (nf.table.loc[np.isfinite(ref) & ~fin, "reason"] == "BEYOND_CUTOFF").all()
    assert (nf.table.loc[~snap_s["ok"].to_numpy(), "reason"] == "NO_ROAD").all()
    # reach matrix, facility by facility
    rm = reach_matrix(g, F, S, cutoff_s=cutoff, max_snap_m=300.0)
    dense = rm.to_dense()
    rev = nx_augmented(net, profile, snap).reverse(copy=False)
    for j in range(len(F)):
        if not snap_f.iloc[j]["ok"]:
            assert np.isinf(dense[j]).all()
            continue
        d = nx.single_source_dijkstra_path_length(rev, ("virt", len(S) + j), cutoff=cutoff, weight="travel_time")
        row = np.array([d.get(("virt", i), np.inf) for i in range(len(S))])
        np.testing.assert_array_equal(np.isfinite(row), np.isfinite(dense[j]))
        np.testing.assert_allclose(dense[j][np.isfinite(row)], row[np.isfinite(row)], rtol=0, atol=1e-6)
    # the engine's own networkx export agrees too
    aug, _ = g.with_points(gpd.GeoSeries(list(S.geometry) + list(F.geometry), crs=4326), max_snap_m=300.0)
    assert aug.to_networkx().number_of_edges() == aug.n_arcs


# ---------------------------------------------------------------- real data: Harbin
@pytest.fixture(scope="module")
def harbin():
    if not HARBIN.exists():
        pytest.skip("shared Harbin extract not available")
    from planner.network import network_from_osm_file

    return network_from_osm_file(HARBIN)


@pytest.mark.parametrize("pname,method", [("walk", "multi_source"), ("drive", "per_settlement")])
def test_harbin_nearest_facility_equals_networkx(harbin, pname, method):
    profile = PROFILES[pname]
    g = RoutingGraph.from_network(harbin, profile)
    S = random_points_near(harbin, 200, seed=11, max_offset_m=300.0, prefix="S")
    F = random_points_near(harbin, 20, seed=12, max_offset_m=100.0, prefix="F")
    nf = nearest_facility(g, S, F, max_snap_m=500.0, method=method)
    snap = both_snapping(g, S, F, 500.0)
    ref = reference_nearest(nx_augmented(harbin, profile, snap), snap.iloc[:200], snap.iloc[200:])
    got = nf.table["time_s"].to_numpy()
    np.testing.assert_array_equal(np.isfinite(got), np.isfinite(ref))
    fin = np.isfinite(ref)
    assert fin.sum() > 100
    np.testing.assert_allclose(got[fin], ref[fin], rtol=0, atol=1e-6)


def test_harbin_welfare_home_15_minute_walk(harbin):
    """15-minute older-walker reach set of 哈尔滨市第一社会福利院 (OSM way 986527128)."""
    g = RoutingGraph.from_network(harbin, WALK)
    home = gpd.GeoDataFrame(index=pd.Index(["w986527128"]),
                            geometry=gpd.points_from_xy([126.6182], [45.6870], crs="EPSG:4326"))
    nt = reach_nodes(g, home, cutoff_s=15 * 60.0)
    assert nt.snapping["ok"].all()
    row = nt.times[[0], :].tocoo()
    got = {int(c): v for c, v in zip(row.col, row.data) if c < g.n_network_nodes}
    ref_g = nx_augmented(harbin, WALK, nt.snapping).reverse(copy=False)
    d = nx.single_source_dijkstra_path_length(ref_g, ("virt", 0), cutoff=900.0, weight="travel_time")
    ref = {k: v for k, v in d.items() if isinstance(k, int)}
    # the home's centroid is ~144 m inside its compound; the rest of 15 min walks the streets
    assert nt.snapping["distance_m"].iloc[0] < 300.0
    assert len(ref) >= 10
    assert got.keys() == ref.keys()
    for k, v in ref.items():
        assert abs(got[k] - v) <= 1e-6
    assert max(ref.values()) <= 900.0
