"""The heavy reach case of issue #13: 10,000 facilities x 9,000 settlements within 30 minutes by car, Harbin.

Run from the repository root::

    python benchmarks/bench_reach_heavy.py                    # the issue's case
    python benchmarks/bench_reach_heavy.py --skip-matrix      # without the old full matrix
    python benchmarks/bench_reach_heavy.py --facilities 1000 --settlements 2000 --reference-sample 5

On the drive graph of the Harbin OpenStreetMap extract (``../shared/data/harbin``,
see docs/harbin_test_set.md), with seeded random settlements and facilities near
its roads (``planner.network.random_points_near``: settlements up to 200 m from a
road, facilities up to 100 m, a seeded mix of villages and communities with
invented older populations; no real facility), it prints the time and the memory
of each way to answer the coverage questions:

(a) ``reach_matrix`` and its ``pairs``: every settlement x facility pair within
    the cutoff (the old way for every tier; ``--skip-matrix`` leaves it out);
(b) ``reach_counts``: per facility the settlements and older people within the
    cutoff, counted in the search kernel (no pairs);
(c) ``nearest_facility``: covered or not, time and nearest facility (one search);
(d) the coverage step of one tier with these rules (``route_tiers`` and
    ``facility_table``): *after*, counts; *before*, pairs (as every tier did before
    ``PAIR_TIERS``); their facility tables are compared;

and the networkx reference (``single_source_dijkstra`` with the cutoff on the
engine's split graph with the points attached) on a sample of facilities: the
settlements each reaches must equal the engine's count, and the time per facility
gives the ratio networkx / engine.

Memory is the peak resident memory during the step above the resident memory at
its start (psutil, sampled every 5 ms in a background thread), and the peak of the
process.  The machine is shared (2 cores): times are noisy (``--repeat N`` prints the
best of N runs); numba's compile (or cache load) is done first and not counted.

Measured 2026-12-07 (``python benchmarks/bench_reach_heavy.py --repeat 2``: best of 2, 2 threads,
load average 3.3 from other engineers' runs on the same 2 cores; 81,010,551 pairs within 30 min):
nearest_facility 0.14 s / +11 MB; reach_counts 63.6 s / +0 MB; reach_matrix + pairs 77.0 s /
+5,019 MB; coverage step after 60.9 s / +11 MB, before 101.0 s / +5,563 MB (identical facility
tables); networkx 317 ms per facility, reach_counts 6.4 ms end-to-end -> 50x.  At load 1.1 with
2,000 facilities (``--facilities 2000 --reference-sample 0``, one run): reach_counts 6.4 s / +0 MB,
matrix 9.2 s / +1,024 MB, coverage step 6.8 s / +7 MB after, 10.0 s / +1,157 MB before.  The rest
is the searches' (10,000 bounded Dijkstras over most of the city): counting removes the pairs'
memory and handling, not the searching.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HARBIN = ROOT.parent / "shared" / "data" / "harbin" / "harbin.osm.pbf"
MB = 1024.0 ** 2


class Peak:
    """Peak resident memory while the block runs, above the resident memory at its start."""

    def __init__(self, every_s: float = 0.005) -> None:
        self.every_s = every_s
        self.proc = psutil.Process()

    def __enter__(self) -> Peak:
        gc.collect()
        self.start = self.peak = self.proc.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        self.t0 = time.perf_counter()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.proc.memory_info().rss)
            self._stop.wait(self.every_s)

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self.t0
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.proc.memory_info().rss)

    @property
    def above_mb(self) -> float:
        return (self.peak - self.start) / MB

    def line(self, what: str) -> str:
        return (f"{what:<46} {self.seconds:8.2f} s | peak +{self.above_mb:8,.0f} MB above its start "
                f"(process peak {self.peak / MB:,.0f} MB)")


class Runs:
    """``fn()`` run ``repeat`` times: best time, largest peak (the machine is shared); ``out``: the last result."""

    def __init__(self, fn, repeat: int) -> None:
        self.seconds, self.above_mb, self.peak = np.inf, 0.0, 0
        for _ in range(max(1, repeat)):
            self.out = None  # the previous result is freed before the next run is measured
            with Peak() as m:
                self.out = fn()
            self.seconds = min(self.seconds, m.seconds)
            self.above_mb = max(self.above_mb, m.above_mb)
            self.peak = max(self.peak, m.peak)

    line = Peak.line


def points(net, args):
    """Seeded settlements (villages and communities, older people) and facilities (one tier) near the roads."""
    from planner.network import random_points_near

    rng = np.random.default_rng(args.seed)
    S = random_points_near(net, args.settlements, seed=args.seed + 1, max_offset_m=200.0, prefix="S")
    S["kind"] = np.where(rng.random(len(S)) < 0.6, "village", "community")
    S["older_population"] = rng.integers(20, 900, len(S)).astype(float) * 0.987  # not whole: sums in any order
    S["older_estimated"] = False
    S["township"] = "T" + pd.Series(rng.integers(0, 80, len(S)), index=S.index).astype(str)
    S["county"] = "harbin-test"
    S["name"] = S.index
    S.index.name = "settlement_id"
    F = random_points_near(net, args.facilities, seed=args.seed + 2, max_offset_m=100.0, prefix="F")
    F["tier"] = "county"
    F["name"] = F.index
    F["township"] = "T0"
    F.index.name = "facility_id"
    return S, F


def matrix_pairs(g, F, S, cutoff):
    """The old way: every pair within the cutoff, as positions (what coverage read)."""
    from planner.routing import reach_matrix

    rm = reach_matrix(g, F, S, cutoff_s=cutoff)
    return rm, rm.pairs(F.index, S.index)


def coverage_step(g, S, F, tier, config, *, pairs: bool):
    """One tier's coverage routing and facility table (pairs as before, or counts as now)."""
    from planner.analysis import travel
    from planner.analysis.classify import classify_settlements
    from planner.analysis.summary import facility_table

    inp = travel.CoverageInputs(S, F, {"county": tier}, {"drive": g})
    keep = travel.PAIR_TIERS
    travel.PAIR_TIERS = frozenset({"county", "township"}) if pairs else keep
    try:
        routing = travel.route_tiers(inp)
    finally:
        travel.PAIR_TIERS = keep
    table = classify_settlements(S, routing.nearest, tiers=inp.tiers, profiles=config.profiles)
    return facility_table(inp, table, routing.in_circle, None), routing


def reference(g, S, F, cutoff, sample, counts, rng) -> tuple[int, int, float, int]:
    """networkx on a sample of facilities: (facilities checked, differing, seconds per facility, near-cutoff pairs)."""
    import geopandas as gpd
    import networkx as nx

    from planner.routing.contracted import default_max_snap
    from planner.testing import _stand_on_nodes

    both = gpd.GeoSeries(list(S.geometry) + list(F.geometry), crs=S.crs)
    limits = np.r_[default_max_snap(g, S, rural=False), default_max_snap(g, F, rural=True)]
    aug, snap = g.with_points(both, max_snap_m=limits)
    G = aug.to_networkx()
    _stand_on_nodes(G, g, aug, snap)
    rev = G.reverse(copy=False)
    s_node = snap["node"].to_numpy()[: len(S)]
    f_node = snap["node"].to_numpy()[len(S):]
    linked = np.flatnonzero(f_node >= 0)
    pick = rng.choice(linked, size=min(sample, linked.size), replace=False)
    spent, bad, near = 0.0, 0, 0
    for j in pick:
        t = time.perf_counter()
        d = nx.single_source_dijkstra_path_length(rev, int(f_node[j]), cutoff=cutoff, weight="travel_time")
        spent += time.perf_counter() - t
        tt = np.array([d.get(int(v), np.inf) if v >= 0 else np.inf for v in s_node])
        near += int((np.abs(tt - cutoff) <= 1e-6).sum())
        bad += int(int((tt <= cutoff).sum()) != int(counts[j]))
    return len(pick), bad, spent / max(len(pick), 1), near


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--facilities", type=int, default=10_000)
    p.add_argument("--settlements", type=int, default=9_000)
    p.add_argument("--minutes", type=float, default=30.0, help="threshold by car (minutes)")
    p.add_argument("--skip-matrix", action="store_true", help="leave out (a) and the coverage step 'before'")
    p.add_argument("--skip-coverage", action="store_true", help="leave out (d)")
    p.add_argument("--reference-sample", type=int, default=20, help="facilities searched by networkx (0: none)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--repeat", type=int, default=1, help="runs per step: best time, largest peak")
    args = p.parse_args(argv)
    if not HARBIN.exists():
        print(f"skipped: {HARBIN} not found")
        return

    from planner.config import default_config
    from planner.network import network_from_osm_file
    from planner.routing import RoutingGraph, nearest_facility, reach_counts, reach_matrix
    from planner.routing.parallel import default_threads

    config = default_config()
    tier = dataclasses.replace(config.tiers["county"], profile="drive", minutes=args.minutes,
                               rural_profile="drive", rural_minutes=args.minutes)
    cutoff = args.minutes * 60.0
    t = time.perf_counter()
    net = network_from_osm_file(HARBIN)
    g = RoutingGraph.from_network(net, config.profiles["drive"])
    g.prepare()
    S, F = points(net, args)
    print(f"Harbin drive graph: {net.n_nodes:,} nodes, {g.n_arcs:,} arcs; {len(F):,} facilities x {len(S):,} "
          f"settlements (seeded random points, not real), cutoff {args.minutes:g} min; {default_threads()} "
          f"threads; uptime load {psutil.getloadavg()[0]:.2f}; set up in {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    older = S["older_population"].to_numpy()
    reach_counts(g, F.iloc[:5], S.iloc[:5], cutoff_s=60.0, weights=older[:5])  # numba load + Python paths
    reach_matrix(g, F.iloc[:5], S.iloc[:5], cutoff_s=60.0)
    nearest_facility(g, S.iloc[:5], F.iloc[:5])
    print(f"warm-up (numba cache load or compile): {time.perf_counter() - t:.1f} s, not counted")

    m = Runs(lambda: nearest_facility(g, S, F), args.repeat)
    nf = m.out
    print(m.line(f"(c) nearest_facility ({nf.method})"))
    m = Runs(lambda: reach_counts(g, F, S, cutoff_s=cutoff, weights=older), args.repeat)
    rc = m.out
    t_counts = m.seconds
    print(m.line("(b) reach_counts") + f" | {int(rc.table['settlements'].sum()):,} pairs counted")
    if not args.skip_matrix:
        m = Runs(lambda: matrix_pairs(g, F, S, cutoff), args.repeat)
        rm, (r, c, v) = m.out
        del m.out
        print(m.line("(a) reach_matrix + pairs (old way)") + f" | {rm.times.nnz:,} pairs stored")
        same_n = np.array_equal(np.diff(rm.times.indptr), rc.table["settlements"].to_numpy())
        w = np.bincount(c, weights=older[r], minlength=len(F))
        same_w = np.allclose(w, rc.table["weight"].to_numpy(), rtol=1e-12, atol=0)
        print(f"    counts equal the matrix's rows: {same_n}; older people equal to 1e-12: {same_w}")
        del rm, r, c, v
    if not args.skip_coverage:
        m = Runs(lambda: coverage_step(g, S, F, tier, config, pairs=False), args.repeat)
        after, routing = m.out
        del m.out
        print(m.line("(d) coverage step, after (counts)") + f" | pairs kept: {sorted(routing.pairs) or 'none'}")
        del routing
        if not args.skip_matrix:
            m = Runs(lambda: coverage_step(g, S, F, tier, config, pairs=True), args.repeat)
            before, routing = m.out
            del m.out
            print(m.line("(d) coverage step, before (pairs)") + f" | pairs kept: {routing.pairs['county'].nnz:,}")
            del routing
            cols = ["settlements_in_circle", "nearest_settlements", "nearest_load"]
            same = after[cols].equals(before[cols]) and np.allclose(after["older_in_circle"],
                                                                    before["older_in_circle"], rtol=1e-12, atol=0)
            print(f"    facility tables equal (older_in_circle to 1e-12): {same}")
    if args.reference_sample:
        k, bad, per_ref, near = reference(g, S, F, cutoff, args.reference_sample, rc.table["settlements"].to_numpy(),
                                          np.random.default_rng(args.seed + 3))
        per_eng = t_counts / len(F)
        print(f"networkx single_source_dijkstra (cutoff {cutoff:.0f} s) on {k} facilities: {per_ref * 1e3:,.1f} "
              f"ms/facility; reach_counts {per_eng * 1e3:,.2f} ms/facility end-to-end -> engine "
              f"{per_ref / per_eng:,.0f}x faster; counts differing: {bad} of {k} "
              f"(pairs within 1e-6 s of the cutoff: {near})")


if __name__ == "__main__":
    main()
