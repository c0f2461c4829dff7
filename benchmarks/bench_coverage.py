"""Time the whole coverage step (tiers, township assignment, flags, scorecard, circles).

Usage::

    python benchmarks/bench_coverage.py                 # the bundled demo county (target < 10 s)
    python benchmarks/bench_coverage.py --synthetic 200000 --settlements 3000
                                                        # a seeded synthetic county-size case

Loading the data and building the routing graphs are timed separately: they
are not part of the coverage step.  Prints each stage and the overall
scorecard.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _demo():
    from planner.config import load_config
    from planner.data import load_study
    from planner.demo import demo_config_path
    from planner.network import load_network

    t0 = time.perf_counter()
    config = load_config(demo_config_path())
    data = load_study(config)
    t1 = time.perf_counter()
    network = load_network(config, data.study_area)
    t2 = time.perf_counter()
    print(f"load study        {t1 - t0:7.2f} s  "
          f"({len(data.facilities)} facilities, {len(data.settlements)} settlements)")
    print(f"load network      {t2 - t1:7.2f} s  ({network.n_nodes} nodes, {network.n_segments} segments)")
    return config, data, network


def _synthetic(n_nodes: int, n_settlements: int, seed: int):
    """A seeded synthetic study: roads, settlements and three tiers of facilities, gridded townships."""
    import geopandas as gpd
    from shapely.geometry import box

    from planner.config import default_config
    from planner.data import StudyData, ValidationReport
    from planner.network import random_points_near, synthetic_road_network

    rng = np.random.default_rng(seed)
    net = synthetic_road_network(n_nodes, seed=seed)
    sett = random_points_near(net, n_settlements, seed=seed + 1, max_offset_m=300, prefix="S")
    kinds = np.where(rng.random(n_settlements) < 0.2, "community", "village")
    lon, lat = sett.geometry.x.to_numpy(), sett.geometry.y.to_numpy()
    k = 6  # 6 x 6 townships
    qx = np.minimum((k * (lon - lon.min()) / (np.ptp(lon) + 1e-12)).astype(int), k - 1)
    qy = np.minimum((k * (lat - lat.min()) / (np.ptp(lat) + 1e-12)).astype(int), k - 1)
    town = np.array([f"T{a}_{b}" for a, b in zip(qx, qy, strict=True)], dtype=object)
    sett = sett.assign(
        kind=kinds, township=town, county="合成县", population=rng.integers(200, 3000, n_settlements).astype(float),
    )
    sett["older_population"] = (sett["population"] * 0.22).round()
    sett["older_estimated"] = kinds == "village"
    sett["urban"] = kinds == "community"
    sett["central"] = (qx < 2) & (qy < 2)
    sett.index.name = "settlement_id"
    nf = {"county": 2, "township": 30, "community": max(10, n_settlements // 8)}
    parts = []
    for i, (tier, n) in enumerate(nf.items()):
        prefix = {"county": "K", "township": "T", "community": "C"}[tier]
        f = random_points_near(net, n, seed=seed + 10 + i, max_offset_m=50, prefix=prefix)
        parts.append(f.assign(tier=tier))
    fac = gpd.GeoDataFrame(pd.concat(parts), crs="EPSG:4326")
    fl, fa = fac.geometry.x.to_numpy(), fac.geometry.y.to_numpy()
    fx = np.clip((k * (fl - lon.min()) / (np.ptp(lon) + 1e-12)).astype(int), 0, k - 1)
    fy = np.clip((k * (fa - lat.min()) / (np.ptp(lat) + 1e-12)).astype(int), 0, k - 1)
    fac = fac.assign(
        type=fac["tier"], township=[f"T{a}_{b}" for a, b in zip(fx, fy, strict=True)], county="合成县",
        beds=50.0, nursing_beds=25.0, occupied_beds=30.0, public=pd.array([True] * len(fac), dtype="boolean"),
        capacity=np.nan,
    )
    fac.index.name = "facility_id"
    area = box(net.lon.min(), net.lat.min(), net.lon.max(), net.lat.max())
    import pyproj

    zone = int((float(np.mean(net.lon)) + 180) // 6) + 1
    data = StudyData(
        facilities=fac, settlements=sett, townships=None, counties=None, study_area=area,
        projected_crs=pyproj.CRS(f"EPSG:326{zone:02d}"), report=ValidationReport(), config=default_config(),
    )
    print(f"synthetic study   {len(fac)} facilities, {len(sett)} settlements, {net.n_nodes} nodes (NOT REAL)")
    return data.config, data, net


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--synthetic", type=int, default=0, help="nodes of a synthetic network instead of the demo")
    ap.add_argument("--settlements", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--no-circles", action="store_true", help="skip the service-circle polygons")
    args = ap.parse_args(argv)

    from planner.analysis import analyse_coverage, build_graphs

    if args.synthetic:
        config, data, network = _synthetic(args.synthetic, args.settlements, args.seed)
    else:
        config, data, network = _demo()
    t0 = time.perf_counter()
    graphs = build_graphs(network, config, crs=data.projected_crs)
    print(f"build graphs      {time.perf_counter() - t0:7.2f} s  ({', '.join(graphs)})")

    t0 = time.perf_counter()
    res = analyse_coverage(data, graphs, config=config, circles=not args.no_circles)
    total = time.perf_counter() - t0
    print("coverage step:")
    for stage, sec in res.params["timings_s"].items():
        print(f"  {stage:<20}{sec:7.2f} s")
    print(f"  {'TOTAL':<20}{total:7.2f} s   (target < 10 s)")
    s = res.settlements
    print(f"settlements {len(s)}, under-served {(s['status'] == 'under_served').sum()}, "
          "reason counts:", s["reasons"].str.split(";").explode().replace("", pd.NA).dropna().value_counts().to_dict())
    a = res.params["assignment"] or {}
    print(f"township assignment: {a.get('n_pairs')} pairs in {a.get('independent_pieces')} pieces, "
          f"gap {a.get('mip_gap', 0):.2e}, {a.get('status')}")
    print(f"centres over capacity: {int(res.centres['over'].sum()) if len(res.centres) else 0}, "
          f"natural catchment over: {int(res.centres['nearest_over'].sum()) if len(res.centres) else 0}, "
          f"townships without centre: {len(res.townships_without_centre)}")
    card = res.scorecard[res.scorecard["scope"] == "overall"]
    with pd.option_context("display.width", 200, "display.max_colwidth", 70):
        print(card[["indicator", "value", "target", "met", "gap", "text_en"]].to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
