"""Benchmark: how often the datum test gives the right verdict, on the demo county and on real Harbin roads.

Usage::

    python benchmarks/bench_datum.py [--reps 50] [--seed 0]

Points: the demo county's facilities and settlements on its own roads, and
the 430 OSM ``amenity`` nodes of the central Harbin extract
(``../shared/data/harbin/harbin.osm.pbf``) on the extract's roads: both
true WGS84.  For layers of 10, 20, 50 and 100 points drawn at random
(seeded), ``--reps`` times each, the points are tested as read (the right
verdict: nothing), shifted into GCJ-02 and into BD-09 (the right verdict:
that system), all declared WGS84 (:func:`planner.routing.datum.layer_datum_test`).
Prints the share of right verdicts per case and the time of one test.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def _demo():
    import pandas as pd

    from planner.config import load_config
    from planner.data import load_study
    from planner.demo import demo_config_path
    from planner.network import load_network

    config = load_config(demo_config_path())
    data = load_study(config)
    g = pd.concat([data.facilities.geometry, data.settlements.geometry])
    return load_network(config, data.study_area), np.c_[g.x, g.y], data.projected_crs


def _harbin():
    import osmium

    from planner.geo import utm_crs_for_lonlat
    from planner.network import network_from_osm_file

    path = SHARED / "harbin" / "harbin.osm.pbf"
    pts = np.array([(n.location.lon, n.location.lat) for n in osmium.FileProcessor(str(path), osmium.osm.NODE)
                    if "amenity" in n.tags and n.location.valid()])
    return network_from_osm_file(path), pts, utm_crs_for_lonlat(pts[:, 0], pts[:, 1])


def main() -> None:
    """Run the benchmark and print one line per place and layer size."""
    from planner.geo import wgs84_to_bd09, wgs84_to_gcj02
    from planner.routing.datum import RoadIndex, layer_datum_test

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=50)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    cases = (("as read", lambda x, y: (x, y), None), ("GCJ-02", wgs84_to_gcj02, "gcj02"),
             ("BD-09", wgs84_to_bd09, "bd09"))
    for place, load in (("demo county", _demo), ("Harbin", _harbin)):
        net, pts, crs = load()
        index = RoadIndex(net, crs)
        print(f"{place}: {len(pts)} true points, {net.n_segments:,} road segments")
        for n in (10, 20, 50, 100):
            right, t0 = [], time.perf_counter()
            for _, shift, want in cases:
                ok = 0
                for _ in range(args.reps):
                    sel = pts[rng.choice(len(pts), n, replace=False)]
                    ok += layer_datum_test(index, *shift(sel[:, 0], sel[:, 1])).likely == want
                right.append(ok)
            per = (time.perf_counter() - t0) / (3 * args.reps) * 1000
            print(f"  {n:4d} points: right verdict " + ", ".join(
                f"{name} {ok}/{args.reps}" for (name, _, _), ok in zip(cases, right)) + f"; {per:.1f} ms per test")


if __name__ == "__main__":
    main()
