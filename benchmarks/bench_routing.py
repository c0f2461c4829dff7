"""Benchmark the routing engine against the networkx reference.

Run from the repository root::

    python benchmarks/bench_routing.py                      # the full issue set
    python benchmarks/bench_routing.py --graphs harbin-walk --facilities 10,100

For every graph, in one process of its own (so the peak memory is that
graph's), it prints: build time (engine from arrays vs networkx
``graph_from_network``), nearest-facility and reach-matrix times for the
engine and networkx, their ratio, the peak resident memory, and whether the
results are identical (to 1e-6 s).  It also times one full single-source
search of the engine against a C binary-heap Dijkstra
(``c_floor_dijkstra.c``, compiled with gcc and run on the same arrays in the
same run; without a compiler, the issue's 0.33 s per 3 million nodes scaled
by node count), once on the uncontracted graph and once as the engine runs
that query, on its contracted graph.

What is compared: the networkx reference runs on the full graph with every
segment split at its points and a virtual node per point
(:meth:`RoutingGraph.with_points` then ``to_networkx``, not timed); the
engine answers the same query from the road network and the points.  Its
"search" time is the kernel alone, on its contracted graph (intersections
and point nodes, see :mod:`planner.routing.contract`); its "end-to-end" time is the
public call (snapping, the contracted graph with the points, search, result
tables).  Ratios are given for both.

The machine is shared (2 cores): numbers are noisy.  Numba compile (or cache
load) time is measured once and printed separately; every timed call is
warm.
"""

from __future__ import annotations

import argparse
import gc
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HARBIN = ROOT.parent / "shared" / "data" / "harbin" / "harbin.osm.pbf"
GRAPHS = ("harbin-walk", "harbin-drive", "synthetic-1m", "synthetic-3m")
C_FLOOR_S_PER_NODE = 0.33 / 3_000_000


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def timed(fn, *a, **k):
    t = time.perf_counter()
    out = fn(*a, **k)
    return out, time.perf_counter() - t


def best_of(n, fn, *a, **k):
    """Result and the best time of ``n`` runs (the machine is shared)."""
    best = np.inf
    for _ in range(max(1, n)):
        out, t = timed(fn, *a, **k)
        best = min(best, t)
    return out, best


def same(a: np.ndarray, b: np.ndarray) -> bool:
    fa, fb = np.isfinite(a), np.isfinite(b)
    return bool(np.array_equal(fa, fb) and np.all(np.abs(a[fa] - b[fb]) <= 1e-6))


def run_graph(name: str, args: argparse.Namespace) -> None:
    import networkx as nx

    from planner.config import default_config
    from planner.network import graph_from_network, random_points_near, synthetic_road_network
    from planner.routing import RoutingGraph, contracted, nearest_facility, reach_matrix
    from planner.routing import kernels as _dijkstra
    from planner.routing.snap import Snapped

    profiles = default_config().profiles
    # numba: compile or load from cache, on a tiny graph
    _, t_jit = timed(_warm_up, _dijkstra)
    if name.startswith("harbin"):
        if not HARBIN.exists():
            print(f"[{name}] skipped: {HARBIN} not found")
            return
        from planner.network import network_from_osm_file

        net, t_load = timed(network_from_osm_file, HARBIN)
        profile = profiles[name.split("-")[1]]
        src = f"Harbin OSM extract, loaded in {t_load:.2f} s"
    else:
        n = {"synthetic-1m": 1_000_000, "synthetic-3m": 3_000_000}[name]
        net, t_load = timed(synthetic_road_network, n, seed=args.seed)
        profile = profiles[args.synthetic_profile]
        src = f"synthetic road-like network, generated in {t_load:.2f} s"
    cutoff = args.cutoff_walk if profile.mode != "drive" else args.cutoff_drive
    print(f"\n=== {name}: {net.n_nodes:,} nodes, {net.n_segments:,} segments ({src}); profile {profile.name!r}")
    print(f"numba JIT compile/cache load: {t_jit:.2f} s (excluded from all timings)")

    g, t_build = timed(RoutingGraph.from_network, net, profile)
    _, t_prep = timed(g.prepare)
    ch = contracted.chains(g)
    print(f"engine build from arrays (no networkx): CSR {t_build:.2f} s + snapping grid and contraction "
          f"{t_prep:.2f} s = {t_build + t_prep:.2f} s ({g.n_nodes:,} nodes, {g.n_arcs:,} arcs; contracted: "
          f"{ch.n_core:,} key nodes, {ch.chain_a.shape[0]:,} chains)")

    n_fac = max(args.facilities)
    S = random_points_near(net, args.settlements, seed=args.seed + 1, max_offset_m=200.0, prefix="S")
    F_all = random_points_near(net, n_fac, seed=args.seed + 2, max_offset_m=100.0, prefix="F")
    nearest_facility(g, S.iloc[:3], F_all.iloc[:3])  # warm the Python paths too

    # full single-source run on the uncontracted graph vs the C floor, and the same
    # whole-network query as the engine answers it (on its contracted graph)
    main = np.flatnonzero(g.component == g.main_component)[:1]
    no_t = np.zeros(1, dtype=bool)
    _dijkstra.multi_source(g.rev_indptr, g.rev_indices, g.rev_weight, main, np.inf, no_t, -1)
    (dist_e, _, settled), t_full = best_of(
        args.repeat, _dijkstra.multi_source, g.rev_indptr, g.rev_indices, g.rev_weight, main, np.inf, no_t, -1
    )
    c = c_floor(g.rev_indptr, g.rev_indices, g.rev_weight, int(main[0]), repeat=args.repeat)
    if c is not None:
        c_settled, floor, c_sum = c
        fin = np.isfinite(dist_e)
        agree = c_settled == settled and abs(c_sum - float(dist_e[fin].sum())) <= 1e-6 * max(1.0, abs(c_sum))
        src_floor = f"measured now: C binary-heap Dijkstra (gcc -O2) {floor:.3f} s, same labels: {agree}"
    else:
        floor = C_FLOOR_S_PER_NODE * settled
        src_floor = f"no C compiler: the issue's 0.33 s per 3M nodes, scaled: {floor:.3f} s"
    no_points = Snapped(*(np.zeros(0, dtype=t) for t in (float, float, np.int64, float, float, bool, float, float)))
    sg0, _ = contracted.search_graph(g, no_points)
    core_src = ch.core_of[main]
    (_, _, settled_c), t_core = best_of(
        args.repeat, _dijkstra.multi_source, sg0.rev_indptr, sg0.rev_indices, sg0.rev_weight, core_src, np.inf,
        no_t, -1,
    )
    print(f"full single-source search, uncontracted graph: {settled:,} nodes settled in {t_full:.3f} s; C floor "
          f"({src_floor}) -> factor {t_full / floor:.2f}")
    print(f"the same whole-network search as the engine runs it (contracted graph, {settled_c:,} key nodes): "
          f"{t_core:.3f} s -> {t_core / floor:.2f}x the C floor on the uncontracted graph")

    engine = []
    for k in args.facilities:
        F = F_all.iloc[:k]
        nf, t_nf = best_of(args.repeat, nearest_facility, g, S, F)
        rm, t_rm = best_of(args.repeat, reach_matrix, g, F, S, cutoff_s=cutoff)
        # the parts: snap + contracted graph with the points, then the search alone
        at, t_att = best_of(args.repeat, contracted.attach, g, S, F, None)
        t_nf_s, t_rm_s = _search_times(at, nf.method, cutoff, args.repeat)
        engine.append((k, nf, t_nf, t_nf_s, rm, t_rm, t_rm_s))
        print(f"engine  k={k:>6,}: snap + contracted graph ({at.graph.n_nodes:,} nodes) {t_att:6.3f} s | "
              f"nearest-facility {t_nf:7.3f} s end-to-end, {t_nf_s:7.4f} s search ({nf.method}) | "
              f"reach matrix (cutoff {cutoff:.0f} s) {t_rm:7.3f} s end-to-end, {t_rm_s:7.4f} s search, "
              f"{rm.times.nnz:,} pairs")
    print(f"peak memory after the engine runs: {peak_mb():,.0f} MB (ru_maxrss)")

    if net.n_nodes > args.reference_max_nodes:
        print(f"networkx reference skipped: {net.n_nodes:,} nodes > --reference-max-nodes")
        return
    gc.collect()
    ref_g, t_nxbuild = timed(graph_from_network, net, profile)
    del ref_g
    gc.collect()
    print(f"networkx build (graph_from_network, MultiDiGraph): {t_nxbuild:.2f} s -> engine build is "
          f"{t_nxbuild / (t_build + t_prep):.1f}x faster")
    summary = []
    for k, nf, t_nf, t_nf_s, rm, t_rm, t_rm_s in engine:
        F = F_all.iloc[:k]
        # the reference graph: every segment split at its points, virtual node per point (not timed)
        aug, snap = g.with_points(pd_concat_points(S, F), max_snap_m=_snap_limits(g, S, F))
        snode = snap["node"].to_numpy()[: len(S)]
        fnode = snap["node"].to_numpy()[len(S):]
        rev = aug.to_networkx().reverse(copy=False)
        del aug
        fset = {int(v) for v in fnode if v >= 0}
        ref, t_ref_nf = timed(nx.multi_source_dijkstra_path_length, rev, fset, weight="travel_time")
        ref_t = np.array([ref.get(int(v), np.inf) if v >= 0 else np.inf for v in snode])
        del ref
        ok_nf = same(nf.table["time_s"].to_numpy(dtype=float), ref_t)
        # reach matrix reference: capped number of facilities, ratio per facility
        m = min(k, args.reference_max_sources)
        t_ref_rm = 0.0
        ok_rm = True
        for j in range(m):
            row_e = np.full(len(S), np.inf)
            sl = slice(rm.times.indptr[j], rm.times.indptr[j + 1])
            row_e[rm.times.indices[sl]] = rm.times.data[sl]
            if fnode[j] < 0:
                ok_rm &= bool(np.isinf(row_e).all())
                continue
            d, dt = timed(nx.single_source_dijkstra_path_length, rev, int(fnode[j]), cutoff=cutoff,
                          weight="travel_time")
            t_ref_rm += dt
            row = np.array([d.get(int(v), np.inf) if v >= 0 else np.inf for v in snode])
            ok_rm &= same(row_e, row)
        per_ref = t_ref_rm / m
        per_eng, per_eng_s = t_rm / k, t_rm_s / k
        r_nf_s, r_nf_e = t_ref_nf / t_nf_s, t_ref_nf / t_nf
        r_rm_s, r_rm_e = per_ref / per_eng_s, per_ref / per_eng
        print(f"networkx k={k:>6,}: nearest-facility {t_ref_nf:7.3f} s -> engine {r_nf_s:6.1f}x faster "
              f"(search), {r_nf_e:6.1f}x end-to-end; identical: {ok_nf}")
        print(f"                   reach matrix {per_ref * 1e3:8.3f} ms/facility ({m} facilities timed) -> engine "
              f"{per_eng_s * 1e3:8.4f} ms/facility search ({r_rm_s:6.1f}x), "
              f"{per_eng * 1e3:8.4f} end-to-end ({r_rm_e:6.1f}x); identical: {ok_rm}")
        summary.append((k, r_nf_s, r_nf_e, r_rm_s, r_rm_e, ok_nf and ok_rm))
        del rev
        gc.collect()
    print(f"peak memory including the networkx reference: {peak_mb():,.0f} MB")
    print(f"summary {name} (targets: nearest facility >= 20x, reach matrix >= 30x, search only):")
    for k, a, b, c, d, ok in summary:
        verdict = "meets" if a >= 20 and c >= 30 and ok else "MISSES"
        print(f"  k={k:>6,}: nearest {a:6.1f}x search / {b:5.1f}x end-to-end | reach {c:6.1f}x search / "
              f"{d:5.1f}x end-to-end | identical {ok} -> {verdict}")


def c_floor(indptr, indices, weight, source: int, *, repeat: int) -> tuple[int, float, float] | None:
    """Settled count, best time and distance checksum of ``c_floor_dijkstra.c`` on this graph (None: no gcc)."""
    import shutil
    import tempfile

    cc = shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        return None
    tmp = Path(tempfile.mkdtemp(prefix="planner-cfloor-"))
    exe = tmp / "c_floor"
    src = Path(__file__).with_name("c_floor_dijkstra.c")
    if subprocess.run([cc, "-O2", "-o", str(exe), str(src), "-lm"], check=False).returncode != 0:
        return None
    data = tmp / "graph.bin"
    with open(data, "wb") as f:
        np.array([indptr.shape[0] - 1, indices.shape[0], source], dtype="<i8").tofile(f)
        np.asarray(indptr, dtype="<i8").tofile(f)
        np.asarray(indices, dtype="<i4").tofile(f)
        np.asarray(weight, dtype="<f8").tofile(f)
    best = None
    for _ in range(max(1, repeat)):
        out = subprocess.run([str(exe), str(data)], check=True, capture_output=True, text=True).stdout.split()
        run = (int(out[0]), float(out[1]), float(out[2]))
        best = run if best is None or run[1] < best[1] else best
    shutil.rmtree(tmp, ignore_errors=True)
    return best


def pd_concat_points(S, F):
    """Settlements then facilities as one GeoSeries (the order the engine attaches them)."""
    import geopandas as gpd
    import pandas as pd

    return gpd.GeoSeries(pd.concat([S.geometry, F.geometry], ignore_index=True), crs="EPSG:4326")


def _snap_limits(g, S, F) -> np.ndarray:
    """The engine's default snapping limits (settlements, then facilities), from the engine itself."""
    from planner.routing.contracted import default_max_snap

    return np.r_[default_max_snap(g, S, rural=False), default_max_snap(g, F, rural=True)]


def _search_times(at, method, cutoff, repeat) -> tuple[float, float]:
    """Best search-only times on an attached (contracted) graph: nearest facility, reach matrix.

    The same private steps as ``nearest_facility`` / ``reach_matrix`` run after attaching.
    """
    from planner.routing.queries import nearest_search, reach_search

    _, t_nf = best_of(repeat, nearest_search, at, method, None)
    _, t_rm = best_of(repeat, reach_search, at, cutoff, None)
    return t_nf, t_rm


def _warm_up(_dijkstra) -> None:
    indptr = np.array([0, 1, 1], dtype=np.int64)
    ind = np.array([1], dtype=np.int32)
    w = np.array([1.0])
    _dijkstra.multi_source(indptr, ind, w, np.array([0], dtype=np.int64), np.inf, np.zeros(2, dtype=bool), -1)
    _dijkstra.bounded_many_source(indptr, ind, w, np.array([0], dtype=np.int64), 1.0,
                                  np.zeros(2, dtype=np.int64), False)
    _dijkstra.bounded_many_source(indptr, ind, w, np.array([0], dtype=np.int64), 1.0,
                                  np.zeros(0, dtype=np.int64), True)
    ws = _dijkstra.new_workspace(2)
    _dijkstra.bounded_many_source_ws(indptr, ind, w, np.array([0], dtype=np.int64), 1.0,
                                     np.zeros(2, dtype=np.int64), False, *ws)
    _dijkstra.bounded_many_source_ws(indptr, ind, w, np.array([0], dtype=np.int64), 1.0,
                                     np.zeros(0, dtype=np.int64), True, *ws)
    _dijkstra.first_hit_many_ws(indptr, ind, w, np.array([0], dtype=np.int64), np.zeros(2, dtype=np.int64), *ws)
    one = np.zeros(1)
    _dijkstra.multi_source_from(indptr, ind, w, np.array([0], dtype=np.int64), one, np.inf, np.zeros(2, dtype=bool), -1)
    _dijkstra.bounded_from_ws(indptr, ind, w, np.array([0], dtype=np.int64), one, 1.0, np.zeros(2, dtype=np.int64),
                              np.zeros(2), False, *ws, 10)
    _dijkstra.first_hit_from_ws(indptr, ind, w, np.array([0], dtype=np.int64), one, np.zeros(2, dtype=np.int64),
                                np.zeros(2), *ws, 10)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--graphs", default=",".join(GRAPHS), help=f"comma list of {', '.join(GRAPHS)}")
    p.add_argument("--facilities", default="10,100,1000,10000", help="comma list of facility counts")
    p.add_argument("--settlements", type=int, default=9000)
    p.add_argument("--cutoff-walk", type=float, default=900.0, help="reach-matrix cutoff, walk/bike (s)")
    p.add_argument("--cutoff-drive", type=float, default=300.0, help="reach-matrix cutoff, drive (s)")
    p.add_argument("--synthetic-profile", default="walk", choices=("walk", "ebike", "drive"))
    p.add_argument("--reference-max-sources", type=int, default=100,
                   help="facilities timed with networkx for the reach matrix (ratio is per facility)")
    p.add_argument("--reference-max-nodes", type=int, default=4_000_000,
                   help="skip the networkx reference on larger graphs")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--repeat", type=int, default=5, help="engine timings are the best of this many runs")
    p.add_argument("--single", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    args.facilities = [int(x) for x in args.facilities.split(",")]
    graphs = [g.strip() for g in args.graphs.split(",") if g.strip()]
    for g in graphs:
        if g not in GRAPHS:
            p.error(f"unknown graph {g!r}; choose from {', '.join(GRAPHS)}")
    if args.single:
        run_graph(graphs[0], args)
        return
    print(f"Routing benchmark (shared 2-core machine: timings are noisy; engine times are the best of "
          f"{args.repeat} runs, networkx times one run)")
    for g in graphs:  # one process per graph so each peak memory is its own
        cmd = [
            sys.executable, __file__, "--single", "--graphs", g,
            "--facilities", ",".join(map(str, args.facilities)), "--settlements", str(args.settlements),
            "--cutoff-walk", str(args.cutoff_walk), "--cutoff-drive", str(args.cutoff_drive),
            "--synthetic-profile", args.synthetic_profile,
            "--reference-max-sources", str(args.reference_max_sources),
            "--reference-max-nodes", str(args.reference_max_nodes), "--seed", str(args.seed),
            "--repeat", str(args.repeat),
        ]
        subprocess.run(cmd, check=False)


if __name__ == "__main__":
    main()
