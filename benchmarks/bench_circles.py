"""Benchmark: 15-minute service-circle polygons on the real Harbin walking graph.

Usage::

    python benchmarks/bench_circles.py [--n 100] [--naive 30] [--minutes 15] [--seed 0]
    python benchmarks/bench_circles.py --study --profile drive [--cprofile 15]

``--study`` builds the Harbin test study (``tests/test_harbin.py``'s
builders: OSM settlements and facilities, invented TEST centres and
stations) with every tier's urban and rural profile set to ``--profile``,
and times :func:`planner.analysis.analyse_coverage` with circles off and on
(the circle stage's seconds and share of the run; ``--cprofile N`` prints
the N most expensive functions of the circle-drawing stage).

Facilities are ``--n`` random points on walkable roads of the Harbin extract
(seeded) plus 哈尔滨市第一社会福利院 (OSM way 986527128, centroid of its
outline).  For each facility it times

* the engine's per-facility hot path (bounded reverse Dijkstra, reached
  pieces with partial arcs, chain buffer and union, in tiles when wide), after one
  ``with_points`` for all facilities (timed separately);
* the public :func:`planner.analysis.service_circles` call for all facilities
  (amortised per facility);
* a naive reference on the first ``--naive`` facilities: networkx
  ``ego_graph`` on the reversed reference graph (whole edges only, no
  partial arcs) and a per-edge buffer followed by ``union_all``.

and prints median and 90th percentile per facility and the speed-up.
Older walker: profile ``walk`` of :func:`planner.config.default_config`.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

ROOT = Path(__file__).resolve().parents[1]
if "PYTHONPATH" not in os.environ:  # else the caller chose the planner to measure (e.g. main vs a branch)
    sys.path.insert(0, str(ROOT))

from planner.analysis import circle_frames as F  # noqa: E402
from planner.analysis import circle_geometry as G  # noqa: E402
from planner.analysis import circle_pieces as P  # noqa: E402
from planner.analysis import circles as C  # noqa: E402
from planner.config import default_config  # noqa: E402

HARBIN = ROOT.parent / "shared" / "data" / "harbin" / "harbin.osm.pbf"
WELFARE_WAY = 986527128
WELFARE_FALLBACK = (126.61816, 45.68698)  # centroid of way 986527128 when osmium cannot read it
UTM = pyproj.CRS("EPSG:32652")


def welfare_home(path: Path) -> tuple[float, float]:
    """Centroid of 哈尔滨市第一社会福利院's outline (OSM way 986527128)."""
    try:
        import osmium

        fp = (
            osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
            .with_locations()
            .with_filter(osmium.filter.IdFilter([WELFARE_WAY]))
        )
        for obj in fp:
            if obj.is_way():
                ring = [(n.lon, n.lat) for n in obj.nodes]
                c = shapely.Polygon(ring).centroid
                return float(c.x), float(c.y)
    except Exception as exc:  # noqa: BLE001 - a benchmark falls back to the documented centroid
        print(f"(could not read way {WELFARE_WAY}: {exc}; using {WELFARE_FALLBACK})")
    return WELFARE_FALLBACK


def random_road_points(net, profile, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` random points on segments the profile may use."""
    usable = np.flatnonzero(np.isin(net.highway, list(profile.allowed_highways)))
    seg = rng.choice(usable, size=n, replace=False)
    f = rng.random(n)
    lon = net.lon[net.u[seg]] + f * (net.lon[net.v[seg]] - net.lon[net.u[seg]])
    lat = net.lat[net.u[seg]] + f * (net.lat[net.v[seg]] - net.lat[net.u[seg]])
    return lon, lat


def stats(ms: np.ndarray) -> str:
    return f"median {np.median(ms):8.2f} ms   p90 {np.percentile(ms, 90):8.2f} ms   max {np.max(ms):8.2f} ms"


def naive_circle(ref, xy: dict, source, limit_s: float, buffer_m: float) -> shapely.Geometry:
    """Reference: whole edges of the ego graph, each buffered, then unioned."""
    import networkx as nx

    ego = nx.ego_graph(ref, source, radius=limit_s, distance="travel_time")
    lines = [shapely.LineString([xy[a], xy[b]]) for a, b in ego.edges()]
    if not lines:
        return shapely.buffer(shapely.Point(xy[source]), buffer_m)
    return shapely.union_all(shapely.buffer(np.array(lines, dtype=object), buffer_m))


def _study_config(folder: Path, profile: str):
    """The Harbin test study written to ``folder``, every tier routed with ``profile``: (config, network)."""
    sys.path.insert(0, str(ROOT / "tests"))
    import test_harbin as H  # the study builders of the real-data tests

    from planner.config import load_config
    from planner.io import elderly_care_facilities_from_osm_file
    from planner.network import network_from_osm_file

    net = network_from_osm_file(H.PBF)
    sett = H.harbin_settlements(H.PBF)
    streets = gpd.read_file(H.STREETS)
    test_fac = H.harbin_test_facilities(sett, streets)
    path = H.write_study(folder, elderly_care_facilities_from_osm_file(H.PBF), test_fac, sett, streets,
                         H.older_share_from_census(H.CENSUS))
    with open(path, "a", encoding="utf-8") as fh:
        for key in ("county", "township", "community"):
            fh.write(f'\n[tiers.{key}]\nprofile = "{profile}"\nrural_profile = "{profile}"\n')
    return load_config(path), net


def study(args: argparse.Namespace) -> None:
    """Time analyse_coverage on the Harbin study with circles off and on (see the module docstring)."""
    import cProfile
    import pstats
    import tempfile

    from planner.analysis import analyse_coverage, build_graphs
    from planner.data import load_study

    with tempfile.TemporaryDirectory() as tmp:
        cfg, net = _study_config(Path(tmp), args.profile)
        data = load_study(cfg)
    graphs = build_graphs(net, cfg)
    print(f"Harbin study, profile {args.profile}: {len(data.settlements):,} settlements, "
          f"{len(data.facilities):,} facilities {data.facilities['tier'].value_counts().to_dict()}; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    analyse_coverage(data, graphs, circles=False)  # warm-up: numba caches, lazy imports
    t0 = time.perf_counter()
    off = analyse_coverage(data, graphs, circles=False)
    t_off = time.perf_counter() - t0
    prof = cProfile.Profile() if args.cprofile else None
    t0 = time.perf_counter()
    if prof is not None:
        prof.enable()
    on = analyse_coverage(data, graphs, circles=True)
    if prof is not None:
        prof.disable()
    t_on = time.perf_counter() - t0
    circ = on.params["timings_s"]["circles"]
    catch = getattr(on, "catchments", getattr(on, "voronoi", None))
    print(f"analyse_coverage circles off: {t_off:.1f} s (stages {_rounded(off.params['timings_s'])})")
    print(f"analyse_coverage circles on:  {t_on:.1f} s (stages {_rounded(on.params['timings_s'])})")
    print(f"circle stage: {circ:.1f} s = {100 * circ / t_on:.0f} % of the run "
          f"({len(on.circles)} circles, {len(catch) if catch is not None else 0} catchments"
          f"{', cProfile on' if prof is not None else ''})")
    for name in ("circles", "circles_by_tier", "catchments", "voronoi"):
        frame = getattr(on, name, None)
        if frame is not None and len(frame):
            verts = int(shapely.get_num_coordinates(frame.geometry.to_numpy()).sum())
            print(f"  {name}: {len(frame)} rows, {verts:,} vertices")
    if prof is not None:
        pstats.Stats(prof).sort_stats("tottime").print_stats(args.cprofile)


def _rounded(timings: dict) -> dict:
    return {k: round(float(v), 1) for k, v in timings.items()}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--study", action="store_true", help="time analyse_coverage on the Harbin test study")
    ap.add_argument("--profile", default="drive", help="travel profile of every tier in --study mode")
    ap.add_argument("--cprofile", type=int, default=0, help="print the N most expensive functions (--study)")
    ap.add_argument("--n", type=int, default=100, help="random facilities (plus the welfare home)")
    ap.add_argument("--naive", type=int, default=30, help="facilities timed with the naive reference")
    ap.add_argument("--minutes", type=float, default=15.0)
    ap.add_argument("--buffer", type=float, default=30.0)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    if not HARBIN.exists():
        sys.exit(f"real data not found: {HARBIN}")
    if args.study:
        study(args)
        return

    from planner.network import graph_from_network, network_from_osm_file
    from planner.routing import RoutingGraph

    profile = default_config().profiles["walk"]
    limit = args.minutes * 60.0
    t0 = time.perf_counter()
    net = network_from_osm_file(HARBIN)
    t1 = time.perf_counter()
    graph = RoutingGraph.from_network(net, profile, crs=UTM)
    t2 = time.perf_counter()
    print(f"Harbin: {net.n_nodes:,} nodes, {net.n_segments:,} segments (load {t1 - t0:.1f} s); "
          f"walk graph {graph.indptr.shape[0] - 1:,} nodes, {graph.indices.shape[0]:,} arcs (build {t2 - t1:.1f} s)")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (timings are wall clock)")
    print(f"profile walk {profile.speed_kmh / 3.6:.2f} m/s, {args.minutes:g} min "
          f"(reach {profile.speed_kmh / 3.6 * limit:.0f} m of road), buffer {args.buffer:g} m, quad_segs {G.QUAD_SEGS}")

    rng = np.random.default_rng(args.seed)
    lon, lat = random_road_points(net, profile, args.n, rng)
    wlon, wlat = welfare_home(HARBIN)
    ids = ["W986527128"] + [f"R{i:03d}" for i in range(args.n)]
    fac = gpd.GeoDataFrame(
        {"name": ["哈尔滨市第一社会福利院"] + [f"random {i}" for i in range(args.n)], "tier": "community"},
        geometry=gpd.points_from_xy(np.r_[wlon, lon], np.r_[wlat, lat]), crs="EPSG:4326",
        index=pd.Index(ids, name="facility_id"),
    )

    # warm-up (numba kernels compile or load from cache)
    C.service_circles(graph, fac.iloc[:2], minutes=args.minutes, buffer_m=args.buffer)

    # ---- engine, per facility
    t0 = time.perf_counter()
    g2, nodes, _ = F.attach_facilities(graph, fac, None)
    t1 = time.perf_counter()
    arcs = P.ReverseArcs(g2)
    t2 = time.perf_counter()
    print(f"setup for {len(fac)} facilities: with_points {1e3 * (t1 - t0):.0f} ms, "
          f"reverse-arc geometry {1e3 * (t2 - t1):.0f} ms")
    eng_ms, eng_area, eng_km, eng_geom = [], [], [], []
    for s in nodes:
        if s < 0:
            eng_ms.append(np.nan)
            eng_area.append(0.0)
            eng_km.append(0.0)
            eng_geom.append(shapely.Polygon())
            continue
        a = time.perf_counter()
        coords, group = P.reached_pieces(g2, arcs, np.array([s]), limit)
        poly = G.TiledBuffer(args.buffer).polygon(coords)
        eng_ms.append(1e3 * (time.perf_counter() - a))
        eng_area.append(poly.area / 1e6)
        eng_km.append(P.piece_lengths_km(coords, group, 1)[0])
        eng_geom.append(poly)
    eng_ms = np.array(eng_ms)
    ok = np.isfinite(eng_ms)
    print(f"\nengine per facility ({ok.sum()} snapped, {(~ok).sum()} off the network): {stats(eng_ms[ok])}")
    print(f"  reached road per circle: median {np.median(np.array(eng_km)[ok]):.2f} km, "
          f"area median {np.median(np.array(eng_area)[ok]):.3f} km2")
    w = 0
    print(f"  哈尔滨市第一社会福利院: {eng_ms[w]:.2f} ms, {eng_km[w]:.2f} km of road, {eng_area[w]:.3f} km2")

    t0 = time.perf_counter()
    circ = C.service_circles(graph, fac, minutes=args.minutes, buffer_m=args.buffer)
    t1 = time.perf_counter()
    print(f"service_circles() for all {len(fac)}: {t1 - t0:.2f} s = "
          f"{1e3 * (t1 - t0) / len(fac):.2f} ms per facility "
          f"(incl. with_points, reprojection to WGS84)")
    # service_circles shares tiles between facilities: the same polygons up to the 1 mm tile grid
    assert np.allclose(circ["area_km2"].to_numpy(), np.array(eng_area), rtol=1e-5, atol=1e-9)
    t0 = time.perf_counter()
    vor = C.network_voronoi(graph, fac, minutes=args.minutes, buffer_m=args.buffer)
    t1 = time.perf_counter()
    print(f"network_voronoi() for all {len(fac)}: {t1 - t0:.2f} s; served area {vor['area_km2'].sum():.1f} km2 "
          f"(sum of circles {circ['area_km2'].sum():.1f} km2)")

    # ---- naive reference
    k = min(args.naive, len(fac))
    t0 = time.perf_counter()
    ref = graph_from_network(net, profile).reverse(copy=False)
    to_utm = pyproj.Transformer.from_crs("EPSG:4326", UTM, always_xy=True)
    names = list(ref.nodes)
    xs, ys = to_utm.transform([ref.nodes[v]["x"] for v in names], [ref.nodes[v]["y"] for v in names])
    xy = {v: (x, y) for v, x, y in zip(names, xs, ys)}
    tree_nodes = np.array(names, dtype=object)
    tree = shapely.STRtree(shapely.points(np.asarray(xs), np.asarray(ys)))
    print(f"\nnaive reference: networkx graph built in {time.perf_counter() - t0:.1f} s (not counted)")
    fac_utm = fac.to_crs(UTM).geometry.to_numpy()
    naive_ms, ratio_area = [], []
    for i in range(k):
        if not ok[i]:
            continue
        src = tree_nodes[tree.nearest(fac_utm[i])]
        a = time.perf_counter()
        poly = naive_circle(ref, xy, src, limit, args.buffer)
        naive_ms.append(1e3 * (time.perf_counter() - a))
        if poly.area > 0:
            ratio_area.append(eng_geom[i].area / poly.area)
    naive_ms = np.array(naive_ms)
    print(f"naive per facility ({naive_ms.shape[0]} facilities): {stats(naive_ms)}")
    print(f"  area engine / naive (engine adds the partial arcs at the edge): median {np.median(ratio_area):.3f}")
    sub = eng_ms[:k][ok[:k]]
    print(f"\nspeed-up on the same {naive_ms.shape[0]} facilities: median {np.median(naive_ms) / np.median(sub):.0f}x, "
          f"p90 {np.percentile(naive_ms, 90) / np.percentile(sub, 90):.0f}x")
    target = 50.0
    print(f"target median < {target:g} ms per facility: {'met' if np.median(eng_ms[ok]) < target else 'NOT met'}")


if __name__ == "__main__":
    main()
