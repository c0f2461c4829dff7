"""The real-data case: central Harbin from OpenStreetMap (see docs/harbin_test_set.md).

Checks the routing engine and the service circles against an independent
networkx computation on a real, clipped extract, and runs the whole coverage
analysis on a documented Harbin study.  Skipped when the shared data is absent.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from planner.config import default_config, load_config
from planner.io import elderly_care_facilities_from_osm_file, features_from_osm_file
from planner.network import graph_from_network, network_from_osm_file, segment_travel_times

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
HARBIN = DATA / "harbin"
PBF = HARBIN / "harbin.osm.pbf"
STREETS = HARBIN / "harbin_streets.geojson"
CENSUS = DATA / "heilongjiang" / "county_census2020.csv"

pytestmark = pytest.mark.skipif(
    not (PBF.exists() and STREETS.exists() and CENSUS.exists()), reason="shared Harbin data not available"
)

WELFARE_HOME = "way/986527128"  # 哈尔滨市第一社会福利院
CUTOFF_S = 900.0  # 15 minutes
LONG_S = 2400.0  # 40 minutes: a second, wider check with many more settlements reached
BUFFER_M = 30.0
#: A TEST point (not a real facility) on the south bank of the Songhua (斯大林公园, 道里区).
RIVER_TEST_POINT = (126.6200, 45.7826)
#: The study's single county-level unit (an invented name: the streets span four districts).
COUNTY = "哈尔滨中心城区（测试）"
#: Assumed residents per settlement (see docs/harbin_test_set.md): not real counts.
ASSUMED_RESIDENTS = {"suburb": 8000.0, "quarter": 5000.0, "neighbourhood": 3000.0, "village": 1000.0,
                     "residential": 2000.0}
CENTRAL_DISTRICTS = ("道里区", "南岗区", "道外区", "香坊区")


# --------------------------------------------------------------------------- the study


def older_share_from_census(path: Path) -> float:
    """Share aged 60+ in Harbin's four central districts (2020 census)."""
    c = pd.read_csv(path)
    c = c[(c["市"] == "哈尔滨市") & c["区县"].isin(CENTRAL_DISTRICTS)]
    assert len(c) == len(CENTRAL_DISTRICTS)
    return float(c["pop60plus"].sum() / c["人口数_合计"].sum())


def harbin_settlements(pbf: Path) -> gpd.GeoDataFrame:
    """Residential places: place=suburb/quarter/neighbourhood/village and landuse=residential centroids."""
    places = features_from_osm_file(pbf, tags={"place": ["suburb", "quarter", "neighbourhood", "village"]})
    res = features_from_osm_file(pbf, tags={"landuse": "residential"})
    res = res[~res.index.isin(places.index)]
    places = places.assign(source=places["place"])
    res = res.assign(source="residential")
    s = pd.concat([places[["name", "source", "geometry"]], res[["name", "source", "geometry"]]])
    s["name"] = [n if n else f"未命名住宅区 {i}" for i, n in zip(s.index, s["name"])]
    s["kind"] = np.where(s["source"] == "village", "village", "community")
    s["population"] = s["source"].map(ASSUMED_RESIDENTS).astype(float)
    return gpd.GeoDataFrame(s, geometry="geometry", crs="EPSG:4326")


def harbin_test_facilities(settlements: gpd.GeoDataFrame, streets: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Invented TEST points: a community station in every 3rd street, a street centre in every 4th.

    Each is placed on the first (by OSM element id) residential area inside the street.
    """
    streets = streets.sort_values("osm_rel").reset_index(drop=True)
    res = settlements[settlements["source"] == "residential"].sort_index()
    joined = gpd.sjoin(res[["geometry"]], streets[["name", "geometry"]], predicate="within")
    rows = []
    for i, street in streets.iterrows():
        inside = joined[joined["index_right"] == i]
        if (i % 3 == 0 or i % 4 == 0) and len(inside) < 2:
            continue
        if i % 3 == 0:
            name = f"{street['name']}测试养老服务驿站"
            rows.append((f"TEST-S{i:02d}", name, "养老服务驿站", inside.geometry.iloc[0]))
        if i % 4 == 0:
            rows.append((f"TEST-C{i:02d}", f"{street['name']}测试街道综合养老服务中心", "街道综合养老服务中心",
                         inside.geometry.iloc[1]))
    return gpd.GeoDataFrame(
        {"name": [r[1] for r in rows], "type": [r[2] for r in rows]},
        index=pd.Index([r[0] for r in rows], name="facility_id"),
        geometry=[r[3] for r in rows],
        crs="EPSG:4326",
    )


def write_study(folder: Path, osm_fac: gpd.GeoDataFrame, test_fac: gpd.GeoDataFrame,
                settlements: gpd.GeoDataFrame, streets: gpd.GeoDataFrame, older_share: float) -> Path:
    """Write the Harbin study (CSV, GeoJSON, TOML) to ``folder``; return the config path."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "facilities.csv", "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["编号", "名称", "类型", "经度", "纬度", "备注"])
        for i, r in osm_fac.iterrows():
            w.writerow([i, r["name"], r["type"], f"{r.geometry.x:.7f}", f"{r.geometry.y:.7f}",
                        f"OpenStreetMap {i}（{r['rule']}）"])
        for i, r in test_fac.iterrows():
            w.writerow([i, r["name"], r["type"], f"{r.geometry.x:.7f}", f"{r.geometry.y:.7f}",
                        "测试点，非真实设施 (TEST point, not a real facility)"])
    inside = settlements.geometry.within(shapely.union_all(streets.geometry.to_numpy()))
    with open(folder / "settlements.csv", "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["编号", "名称", "类型", "经度", "纬度", "总人口", "60岁以上人口", "所属县", "备注"])
        for i, r in settlements.iterrows():
            w.writerow([i, r["name"], "村" if r["kind"] == "village" else "社区", f"{r.geometry.x:.7f}",
                        f"{r.geometry.y:.7f}", f"{r['population']:.0f}", "", COUNTY,
                        f"OpenStreetMap {r['source']}; 人口为假设值 (assumed population)"])
    feats = []
    for _, r in streets.iterrows():
        kind = "街道" if "街道" in r["name"] else "镇"
        feats.append({"type": "Feature", "properties": {"name": r["name"], "kind": kind, "county": COUNTY},
                      "geometry": shapely.geometry.mapping(r.geometry)})
    (folder / "streets.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": feats},
                                                       ensure_ascii=False), encoding="utf-8")
    older_total = round(float(settlements.loc[inside, "population"].sum()) * older_share)
    (folder / "harbin.toml").write_text(
        f'''name = "哈尔滨中心城区（OSM 测试）"
lang = "zh"

[inputs]
facilities = "facilities.csv"
settlements = "settlements.csv"
boundaries_township = "streets.geojson"
roads = "{PBF.as_posix()}"

[population]
allocation = "proportional"
county_older_totals = {{ "{COUNTY}" = {older_total} }}

[network]
source = "file"
''', encoding="utf-8")
    return folder / "harbin.toml"


# --------------------------------------------------------------------------- independent reference


def _project(lon: np.ndarray, lat: np.ndarray, crs: pyproj.CRS) -> tuple[np.ndarray, np.ndarray]:
    t = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    x, y = t.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.asarray(x), np.asarray(y)


def reference_times(net, profile, base: nx.MultiDiGraph, points: gpd.GeoSeries, max_snap: np.ndarray,
                    source: int, cutoff_s: float, crs: pyproj.CRS) -> tuple[dict, np.ndarray]:
    """Times (s) to ``points[source]`` from every node within ``cutoff_s``, by networkx.

    Each point is snapped to the nearest usable segment (projected distance,
    ties to the lower segment index) if within its ``max_snap``; the segment is
    split there (time in proportion to the covered part) and a virtual node
    ``("pt", i)`` is joined to the split node ``("split", i)`` by an access leg
    walked at ``profile.access_speed_kmh``.  Dijkstra runs from the source's
    virtual node on the reversed graph (times run towards the facility).

    Returns the node -> time mapping and the segment each point snapped to (-1: none).
    """
    g = base.copy()
    fwd, bwd = segment_travel_times(net, profile)
    usable = np.flatnonzero(np.isfinite(fwd) | np.isfinite(bwd))
    nx_, ny_ = _project(net.lon, net.lat, crs)
    x0, y0 = nx_[net.u[usable]], ny_[net.u[usable]]
    x1, y1 = nx_[net.v[usable]], ny_[net.v[usable]]
    dx, dy = x1 - x0, y1 - y0
    len2 = dx * dx + dy * dy
    px, py = _project(points.x.to_numpy(), points.y.to_numpy(), crs)
    seg_of = np.full(len(points), -1)
    frac = np.zeros(len(points))
    dist = np.zeros(len(points))
    for i in range(len(points)):
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.clip(np.where(len2 > 0, ((px[i] - x0) * dx + (py[i] - y0) * dy) / len2, 0.0), 0.0, 1.0)
        d = np.hypot(px[i] - (x0 + t * dx), py[i] - (y0 + t * dy))
        j = int(np.argmin(d))
        if d[j] <= max_snap[i]:
            seg_of[i], frac[i], dist[i] = usable[j], t[j], d[j]
    access_ms = profile.access_speed_kmh / 3.6
    for s in np.unique(seg_of[seg_of >= 0]):
        on = np.flatnonzero(seg_of == s)
        on = on[np.lexsort((on, frac[on]))]
        u, v = int(net.u[s]), int(net.v[s])
        for a, b in [(u, v), (v, u)]:
            drop = [k for k, d in g.get_edge_data(a, b, default={}).items() if d["segment"] == s]
            for k in drop:
                g.remove_edge(a, b, k)
        chain = [u] + [("split", int(i)) for i in on] + [v]
        ts = [0.0] + [float(frac[i]) for i in on] + [1.0]
        for k in range(len(chain) - 1):
            part = ts[k + 1] - ts[k]
            if np.isfinite(fwd[s]):
                g.add_edge(chain[k], chain[k + 1], travel_time=fwd[s] * part, segment=s)
            if np.isfinite(bwd[s]):
                g.add_edge(chain[k + 1], chain[k], travel_time=bwd[s] * part, segment=s)
        for i in on:
            acc = dist[i] / access_ms
            g.add_edge(("pt", int(i)), ("split", int(i)), travel_time=acc, segment=-1)
            g.add_edge(("split", int(i)), ("pt", int(i)), travel_time=acc, segment=-1)
    if seg_of[source] < 0:
        return {}, seg_of
    times = nx.single_source_dijkstra_path_length(
        g.reverse(copy=False), ("pt", int(source)), cutoff=cutoff_s, weight="travel_time"
    )
    return times, seg_of


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def harbin() -> dict:
    from planner.routing import RoutingGraph

    cfg = default_config()
    net = network_from_osm_file(PBF)
    walk = cfg.profiles["walk"]
    graph = RoutingGraph.from_network(net, walk)
    base = graph_from_network(net, walk)
    facilities = elderly_care_facilities_from_osm_file(PBF)
    settlements = harbin_settlements(PBF)
    streets = gpd.read_file(STREETS)
    return {"cfg": cfg, "net": net, "walk": walk, "graph": graph, "base": base,
            "facilities": facilities, "settlements": settlements, "streets": streets}


@pytest.fixture(scope="module")
def welfare_reach(harbin: dict) -> dict:
    """Routing and the networkx reference for 哈尔滨市第一社会福利院, walking 15 minutes."""
    from planner.routing import reach_matrix

    fac = harbin["facilities"].loc[[WELFARE_HOME]]
    sett = harbin["settlements"]
    walk, graph = harbin["walk"], harbin["graph"]
    rm = reach_matrix(graph, fac, sett, cutoff_s=CUTOFF_S)
    rm_long = reach_matrix(graph, fac, sett, cutoff_s=LONG_S)
    # the reference snaps the facility and every settlement within 5 km straight line
    # (40 minutes at 0.9 m/s is 2.2 km: nothing farther can be reached)
    crs = pyproj.CRS.from_user_input(graph.crs)
    fx, fy = _project([fac.geometry.iloc[0].x], [fac.geometry.iloc[0].y], crs)
    sx, sy = _project(sett.geometry.x.to_numpy(), sett.geometry.y.to_numpy(), crs)
    near = np.hypot(sx - fx[0], sy - fy[0]) < 5000.0
    pts = gpd.GeoSeries([fac.geometry.iloc[0], *sett.geometry[near]], crs="EPSG:4326")
    snap = np.r_[walk.max_snap_m_rural,
                 np.where(sett["kind"][near] == "village", walk.max_snap_m_rural, walk.max_snap_m_urban)]
    times, seg_of = reference_times(harbin["net"], walk, harbin["base"], pts, snap, 0, LONG_S, crs)
    near_ids = sett.index[near]
    ref = {near_ids[k[1] - 1]: t for k, t in times.items() if isinstance(k, tuple) and k[0] == "pt" and k[1] > 0}
    return {"rm": rm, "rm_long": rm_long, "ref": ref, "times": times, "fac": fac, "near": near, "seg_of": seg_of,
            "crs": crs}


# --------------------------------------------------------------------------- tests


def test_extract_loads_offline_for_every_profile(harbin: dict) -> None:
    from planner.routing import RoutingGraph

    net = harbin["net"]
    # a clipped extract: ways cut where they leave the box, counted
    assert net.dropped["segments_missing_node"] > 0
    assert net.n_segments > 50_000
    arcs = {}
    for name in ("walk", "ebike", "drive"):
        g = RoutingGraph.from_network(net, harbin["cfg"].profiles[name])
        arcs[name] = g.n_arcs
        assert g.n_arcs > 0
        assert pyproj.CRS.from_user_input(g.crs).to_epsg() == 32652  # UTM 52N for 126.5-126.8 E
        # the welfare home snaps onto each profile's network
        _, snap = g.with_points(harbin["facilities"].loc[[WELFARE_HOME]], max_snap_m=300.0)
        assert bool(snap["ok"].iloc[0])
        # most of the roads the profile may use form one connected piece
        tails = np.repeat(np.arange(g.n_nodes), np.diff(g.indptr))
        used = np.unique(np.r_[tails, np.asarray(g.indices)])
        assert np.mean(g.component[used] == g.main_component) > 0.9
    # walkers use footways and ignore one-way streets; cars do neither
    assert arcs["walk"] >= arcs["ebike"] > arcs["drive"]


def test_welfare_home_is_found(harbin: dict) -> None:
    fac = harbin["facilities"]
    assert fac.loc[WELFARE_HOME, "name"] == "哈尔滨市第一社会福利院"
    pt = fac.loc[WELFARE_HOME].geometry
    assert pt.x == pytest.approx(126.6182, abs=1e-3) and pt.y == pytest.approx(45.6870, abs=1e-3)


@pytest.mark.parametrize(("key", "cutoff", "at_least"), [("rm", CUTOFF_S, 1), ("rm_long", LONG_S, 20)])
def test_walking_circle_settlements_match_networkx(welfare_reach: dict, harbin: dict, key: str,
                                                   cutoff: float, at_least: int) -> None:
    rm = welfare_reach[key]
    ref = {sid: t for sid, t in welfare_reach["ref"].items() if t <= cutoff}
    dense = pd.Series(rm.to_dense()[0], index=rm.settlement_ids)
    reached = dense[np.isfinite(dense)]
    # nothing beyond the reference's 5 km radius can be reached within the cutoff
    assert set(reached.index) <= set(harbin["settlements"].index[welfare_reach["near"]])
    assert set(reached.index) == set(ref)
    assert len(ref) >= at_least
    for sid, t in ref.items():
        assert reached[sid] == pytest.approx(t, abs=1e-6)
    # snapping agrees too: the same segment for every settlement the reference linked
    seg_ref = welfare_reach["seg_of"][1:]
    seg_rt = rm.settlement_snapping["segment"].to_numpy()[welfare_reach["near"]]
    ok_rt = rm.settlement_snapping["ok"].to_numpy()[welfare_reach["near"]]
    assert np.array_equal(np.where(ok_rt, seg_rt, -1), seg_ref)
    assert int(rm.facility_snapping["segment"].iloc[0]) == int(welfare_reach["seg_of"][0])


def _circle_projected(graph, fac: gpd.GeoDataFrame, crs: pyproj.CRS):
    from planner.analysis import service_circles

    circles = service_circles(graph, fac, minutes=CUTOFF_S / 60.0, buffer_m=BUFFER_M)
    assert circles["reason"].isna().all()
    return circles, circles.to_crs(crs).geometry.iloc[0]


def _reached_superset(net, times: dict, seg_of_fac: int, fac_xy: tuple[float, float], crs) -> tuple:
    """Lines that may hold reached road: every segment with a reached end, the facility's segment
    and its access leg; plus the midpoints of segments with no reached end."""
    x, y = _project(net.lon, net.lat, crs)
    t = np.full(net.n_nodes, np.inf)
    for k, v in times.items():
        if isinstance(k, int | np.integer):
            t[int(k)] = v
    u, v = np.asarray(net.u), np.asarray(net.v)
    any_end = (t[u] <= CUTOFF_S) | (t[v] <= CUTOFF_S)
    any_end[seg_of_fac] = True
    lines = shapely.linestrings(np.stack([np.c_[x[u], y[u]], np.c_[x[v], y[v]]], axis=1)[any_end])
    s = seg_of_fac
    leg = shapely.shortest_line(shapely.Point(fac_xy), shapely.LineString([(x[u[s]], y[u[s]]), (x[v[s]], y[v[s]])]))
    reached = shapely.union_all(np.r_[lines, [leg]])
    mid = shapely.points((x[u] + x[v]) / 2, (y[u] + y[v]) / 2)[~any_end]
    nodes_in = shapely.points(x[t <= CUTOFF_S], y[t <= CUTOFF_S])
    return reached, mid, nodes_in


def test_circle_covers_reached_roads_only(welfare_reach: dict, harbin: dict) -> None:
    graph, net, crs = harbin["graph"], harbin["net"], welfare_reach["crs"]
    fac = welfare_reach["fac"]
    circles, poly = _circle_projected(graph, fac, crs)
    fx, fy = _project([fac.geometry.iloc[0].x], [fac.geometry.iloc[0].y], crs)
    reached, mid, nodes_in = _reached_superset(net, welfare_reach["times"], int(welfare_reach["seg_of"][0]),
                                               (fx[0], fy[0]), crs)
    # every network node the reference reaches is inside the polygon
    assert len(nodes_in) > 0
    assert shapely.contains(poly, nodes_in).all()
    # unreached roads nearby (within 3 km), farther than 2 buffers from any reached road, are outside
    near = shapely.distance(mid, shapely.Point(fx[0], fy[0])) < 3000.0
    far_from_reached = shapely.distance(mid, reached) > 2 * BUFFER_M
    samples = mid[near & far_from_reached]
    assert len(samples) > 100
    assert not shapely.intersects(poly, samples).any()
    # and some of them are inside the straight-line 810 m disc a radius map would draw
    disc = shapely.Point(fx[0], fy[0]).buffer(CUTOFF_S * 0.9)
    assert shapely.contains(disc, samples).sum() > 0
    assert poly.area < disc.area


def test_circle_does_not_cross_the_songhua(harbin: dict) -> None:
    from planner.routing import reach_nodes

    graph, net, walk = harbin["graph"], harbin["net"], harbin["walk"]
    crs = pyproj.CRS.from_user_input(graph.crs)
    fac = gpd.GeoDataFrame({"name": ["江畔测试点（非真实设施）"]}, index=pd.Index(["TEST-RIVER"], name="facility_id"),
                           geometry=[shapely.Point(RIVER_TEST_POINT)], crs="EPSG:4326")
    circles, poly = _circle_projected(graph, fac, crs)
    times, seg_of = reference_times(net, walk, harbin["base"], fac.geometry.reset_index(drop=True),
                                    np.array([walk.max_snap_m_rural]), 0, CUTOFF_S, crs)
    river = features_from_osm_file(PBF, tags={"waterway": "river"}, keep_shapes=True)
    river = river[river["name"] == "松花江"].to_crs(crs)
    # the main stem runs across the whole box (other 松花江 ways are side channels)
    river_line = river.geometry.iloc[int(np.argmax(river.geometry.length.to_numpy()))]
    fx, fy = _project([RIVER_TEST_POINT[0]], [RIVER_TEST_POINT[1]], crs)
    here = shapely.Point(fx[0], fy[0])
    assert 200.0 < here.distance(river_line) < 810.0  # the river is within the straight-line radius

    # across the river: more than 250 m north of the main stem's centre line at the same easting
    # (piers and embankment paths reach into the river)
    def across_river(px: np.ndarray, py: np.ndarray) -> np.ndarray:
        out = np.zeros(px.size, dtype=bool)
        for xv in np.unique(px):
            cut = shapely.intersection(river_line, shapely.LineString([(xv, fy[0] - 5000), (xv, fy[0] + 5000)]))
            if cut.is_empty:
                continue
            top = shapely.get_coordinates(cut)[:, 1].max()
            out[px == xv] = py[px == xv] > top + 250.0
        return out

    # network nodes across the river within 1.5 km in a straight line
    x, y = _project(net.lon, net.lat, crs)
    pts = shapely.points(x, y)
    close = np.flatnonzero(shapely.distance(pts, here) < 1500.0)
    across = close[across_river(x[close], y[close])]
    assert across.size > 20
    assert all(int(i) not in times for i in across)  # the reference says: not within 15 minutes
    nt = reach_nodes(graph, fac, cutoff_s=CUTOFF_S)
    reached_rt = set(nt.times.indices[nt.times.indptr[0]:nt.times.indptr[1]].tolist())
    assert not reached_rt & set(across.tolist())
    assert not shapely.intersects(poly, pts[across]).any()
    # places across the river inside the straight-line 810 m disc (25 m grid) are outside the circle
    disc = here.buffer(CUTOFF_S * 0.9)
    gx, gy = np.meshgrid(np.arange(fx[0] - 810, fx[0] + 811, 25.0), np.arange(fy[0] - 810, fy[0] + 811, 25.0))
    gx, gy = gx.ravel(), gy.ravel()
    in_disc = shapely.contains(disc, shapely.points(gx, gy))
    gx, gy = gx[in_disc], gy[in_disc]
    # (a footway runs out from a pier over the water: the network does reach along it, so places
    # within two buffers of a road the reference reaches are not asked to be outside)
    reached, _, _ = _reached_superset(net, times, int(seg_of[0]), (fx[0], fy[0]), crs)
    far_bank = across_river(gx, gy) & (shapely.distance(shapely.points(gx, gy), reached) > 2 * BUFFER_M)
    assert far_bank.sum() > 50
    assert not shapely.intersects(poly, shapely.points(gx[far_bank], gy[far_bank])).any()
    # while the reached network nodes on the south bank are inside
    ref_nodes = [k for k in times if isinstance(k, int)]
    assert len(ref_nodes) > 20
    assert shapely.contains(poly, pts[ref_nodes]).all()
    # the engine reaches the same network nodes with the same times
    rt = dict(zip(nt.times.indices[nt.times.indptr[0]:nt.times.indptr[1]].tolist(),
                  nt.times.data[nt.times.indptr[0]:nt.times.indptr[1]].tolist()))
    rt_net = {k: v for k, v in rt.items() if k < net.n_nodes}
    assert set(rt_net) == set(ref_nodes)
    for k in ref_nodes:
        assert rt_net[k] == pytest.approx(times[k], abs=1e-6)


def test_coverage_analysis_runs_on_the_harbin_study(harbin: dict, tmp_path_factory) -> None:
    from planner.analysis import analyse_coverage, build_graphs
    from planner.data import load_study

    folder = tmp_path_factory.mktemp("harbin_study")
    sett, streets = harbin["settlements"], harbin["streets"]
    test_fac = harbin_test_facilities(sett, streets)
    assert set(test_fac["type"]) == {"养老服务驿站", "街道综合养老服务中心"}
    path = write_study(folder, harbin["facilities"], test_fac, sett, streets, older_share_from_census(CENSUS))
    cfg = load_config(path)
    data = load_study(cfg)
    # every facility read is kept, with the tier its type says
    assert set(data.facilities.index) == set(harbin["facilities"].index) | set(test_fac.index)
    assert data.facilities.loc[WELFARE_HOME, "tier"] == "county"
    assert set(data.facilities["tier"]) == {"county", "township", "community"}
    # settlements outside the 77 streets are excluded and counted, not lost
    summary = {s.layer: s for s in data.report.layers}["settlements"]
    assert summary.rows_read == len(sett)
    assert summary.rows_kept + sum(summary.excluded.values()) == summary.rows_read
    assert summary.rows_kept == len(data.settlements) > 500
    assert data.settlements["older_estimated"].all()
    assert (data.settlements["older_population"] > 0).all()
    graphs = build_graphs(harbin["net"], cfg)
    result = analyse_coverage(data, graphs, circles=False)
    out = result.settlements
    assert out.index.equals(data.settlements.index)
    assert out["status"].isin(["served", "under_served"]).all()
    under = out[out["status"] == "under_served"]
    assert len(under) > 0 and (under["reasons"].str.len() > 0).all()
    # the estimated population is flagged on every row
    assert out["reasons"].str.contains("ESTIMATED_POPULATION").all()


def test_drive_times_at_one_way_junctions_equal_networkx(harbin: dict) -> None:
    """Driving, with points exactly on junctions of one-way streets and at random, against networkx.

    The reference is built here from the network's arrays: each point goes to its nearest usable
    segment (ties: the lower id); a snap on a segment's end (within NODE_SNAP_M) joins the point to
    that node itself (standing on a junction, every road there may be taken), else the segment is
    split there.  Times settlement -> facility by Dijkstra from each facility on the reversed graph.
    """
    from planner.routing import RoutingGraph, nearest_facility, reach_matrix
    from planner.routing.snap import NODE_SNAP_M

    net, drive = harbin["net"], harbin["cfg"].profiles["drive"]
    g = RoutingGraph.from_network(net, drive)
    fwd, bwd = g.seg_fwd_s, g.seg_bwd_s
    usable = np.flatnonzero((np.isfinite(fwd) | np.isfinite(bwd)) & (net.u != net.v))
    one = usable[np.isinf(fwd[usable]) | np.isinf(bwd[usable])]
    deg = np.bincount(np.r_[net.u[usable], net.v[usable]], minlength=net.n_nodes)
    junction = np.intersect1d(np.r_[net.u[one], net.v[one]], np.flatnonzero(deg >= 3))
    rng = np.random.default_rng(11)
    nodes = rng.choice(junction, 150, replace=False)
    lon = np.r_[net.lon[nodes], rng.uniform(126.60, 126.70, 100)]
    lat = np.r_[net.lat[nodes], rng.uniform(45.72, 45.78, 100)]
    flon, flat = rng.uniform(126.60, 126.70, 5), rng.uniform(45.72, 45.78, 5)
    sett = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    fac = gpd.GeoDataFrame(geometry=gpd.points_from_xy(flon, flat), crs="EPSG:4326")
    nf = nearest_facility(g, sett, fac, max_snap_m=300.0)
    rm = reach_matrix(g, fac, sett, cutoff_s=CUTOFF_S, max_snap_m=300.0)
    # the junction points sit on a segment's end, many of them on a one-way street's
    snap = nf.settlement_snapping.iloc[:150]
    assert snap["fraction"].isin([0.0, 1.0]).all()
    assert np.isin(snap["segment"], one).sum() > 30

    ref = nx.MultiDiGraph()
    for s in usable:
        a, b = int(net.u[s]), int(net.v[s])
        if np.isfinite(fwd[s]):
            ref.add_edge(a, b, key=int(s), w=float(fwd[s]))
        if np.isfinite(bwd[s]):
            ref.add_edge(b, a, key=int(s), w=float(bwd[s]))
    x0, y0, x1, y1 = g.x[net.u[usable]], g.y[net.u[usable]], g.x[net.v[usable]], g.y[net.v[usable]]
    dx, dy = x1 - x0, y1 - y0
    len2 = dx * dx + dy * dy
    px, py = _project(np.r_[lon, flon], np.r_[lat, flat], pyproj.CRS.from_user_input(g.crs))
    on_seg: dict[int, list] = {}
    access = drive.access_speed_kmh / 3.6
    for i in range(px.size):
        t = np.clip(((px[i] - x0) * dx + (py[i] - y0) * dy) / len2, 0.0, 1.0)
        d = np.hypot(px[i] - (x0 + t * dx), py[i] - (y0 + t * dy))
        j = int(np.argmin(d))
        assert d[j] <= 300.0
        s, along = int(usable[j]), float(t[j]) * np.sqrt(len2[j])
        end = net.u[s] if along <= NODE_SNAP_M else net.v[s] if np.sqrt(len2[j]) - along <= NODE_SNAP_M else -1
        if end >= 0:
            leg = float(np.hypot(px[i] - g.x[end], py[i] - g.y[end])) / access
            ref.add_edge(("pt", i), int(end), w=leg)
            ref.add_edge(int(end), ("pt", i), w=leg)
        else:
            on_seg.setdefault(s, []).append((float(t[j]), i, float(d[j]) / access))
    for s, on in on_seg.items():
        a, b = int(net.u[s]), int(net.v[s])
        ref.remove_edges_from([e for e in ((a, b, s), (b, a, s)) if ref.has_edge(*e)])
        on.sort()
        chain = [a, *(("split", i) for _, i, _ in on), b]
        ts = [0.0, *(t for t, _, _ in on), 1.0]
        for k in range(len(chain) - 1):
            if np.isfinite(fwd[s]):
                ref.add_edge(chain[k], chain[k + 1], w=fwd[s] * (ts[k + 1] - ts[k]))
            if np.isfinite(bwd[s]):
                ref.add_edge(chain[k + 1], chain[k], w=bwd[s] * (ts[k + 1] - ts[k]))
        for _, i, leg in on:
            ref.add_edge(("pt", i), ("split", i), w=leg)
            ref.add_edge(("split", i), ("pt", i), w=leg)
    rev = ref.reverse(copy=False)
    times = np.full((len(fac), len(sett)), np.inf)
    for j in range(len(fac)):
        d = nx.single_source_dijkstra_path_length(rev, ("pt", len(sett) + j), weight="w")
        times[j] = [d.get(("pt", i), np.inf) for i in range(len(sett))]
    np.testing.assert_allclose(nf.table["time_s"].to_numpy(dtype=float), times.min(axis=0), rtol=0, atol=1e-6)
    expected = np.where(times <= CUTOFF_S, times, np.inf)
    assert np.isfinite(expected).sum() > 100
    np.testing.assert_allclose(rm.to_dense(), expected, rtol=0, atol=1e-6)
