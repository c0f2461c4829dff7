"""Siting benchmark: how long each location-allocation model takes, exact and greedy.

1. The bundled demo county (``data/demo_county.toml``, SYNTHETIC): every
   settlement as a demand, (a) the candidate layer and (b) every settlement as
   a candidate, solved exactly for MCLP, LSCP and p-median (target < 5 s each),
   plus the tiered run (village points + capacitated township centres).
   Travel times come from the road network when :mod:`planner.routing` is
   available, else from straight-line distance x 1.3 (labelled in the output).
2. A province-size SYNTHETIC instance: 9,000 settlements and 9,000
   candidates scattered over a 110 km square (about 15 settlements within a
   candidate's 2.5 km reach, like 10 minutes by e-bike on rural roads), seeded
   detour factors 1.15-1.6 on straight-line distance, 2,000 existing sites
   fixed; exact (HiGHS, time limit) and lazy greedy with the LP-bound gap.

Run: ``python benchmarks/bench_siting.py [--quick]``.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from planner.optim import locate as L  # noqa: E402


def _demo(quick: bool) -> None:
    from planner.config import load_config
    from planner.data import load_study
    from planner.siting import propose_sites, propose_tiered_sites, straight_line_reach

    cfg_path = ROOT / "planner" / "demo" / "data" / "demo_county.toml"
    if not cfg_path.exists():
        print("demo county data missing: skipped")
        return
    t0 = time.perf_counter()
    config = load_config(cfg_path)
    data = load_study(config)
    print(f"demo county (SYNTHETIC): {len(data.settlements)} settlements, {len(data.facilities)} facilities, "
          f"{0 if data.candidates is None else len(data.candidates)} candidates; loaded in {time.perf_counter() - t0:.2f} s")
    try:
        from planner.pipeline import build_study_graphs

        t0 = time.perf_counter()
        _, graphs = build_study_graphs(data)
        reach = graphs
        print(f"travel times: road network (planner.routing), graphs built in {time.perf_counter() - t0:.2f} s")
    except ImportError as exc:
        reach = straight_line_reach(config, detour=1.3)
        print(f"travel times: STRAIGHT-LINE x 1.3 (planner.routing not available: {exc})")
    import dataclasses

    variants = [("candidate layer", data), ("every settlement as candidate",
                                            dataclasses.replace(data, candidates=None))]
    header = f"{'candidates':<30} {'model':<8} {'n_cand':>6} {'new':>4} {'status':<9} {'objective':>14} {'gap':>7} {'solve_s':>8} {'total_s':>8}"
    print(header)
    for name, d in variants:
        for model in ("mclp", "lscp", "pmedian"):
            t0 = time.perf_counter()
            r = propose_sites(d, reach, tier="community", model=model, p=10, method="exact")
            tot = time.perf_counter() - t0
            print(f"{name:<30} {model:<8} {r.params['n_usable']:>6} {len(r.sites):>4} {r.solution.status:<9} "
                  f"{r.solution.objective:>14,.1f} {r.solution.gap:>7.4f} {r.solution.runtime_s:>8.3f} {tot:>8.3f}")
            if model == "mclp":
                for line in r.targets["text_en"]:
                    print("   ", line)
                print("    excluded:", {k: int(v) for k, v in r.excluded["reason"].value_counts().items()},
                      "| curve:", r.params["curve_method"])
    t0 = time.perf_counter()
    tiered = propose_tiered_sites(data, reach, p={"community": 10, "township": 3})
    print(f"tiered run (village points + capacitated township centres) in {time.perf_counter() - t0:.2f} s:")
    for key, r in tiered.items():
        print("   ", r.summary(lang="en"))


def _province(quick: bool, seed: int = 20201) -> None:
    rng = np.random.default_rng(seed)
    n_dem = n_cand = 3000 if quick else 9000
    side = 110_000.0 * np.sqrt(n_dem / 9000)
    n_fixed = n_dem // 9 * 2
    dem = rng.uniform(0, side, (n_dem, 2))
    cand = rng.uniform(0, side, (n_cand + n_fixed, 2))
    w = np.round(rng.gamma(2.0, 120.0, n_dem))
    speed = 15 / 3.6
    thr = 600.0  # 10 minutes by e-bike
    from scipy.spatial import cKDTree

    t0 = time.perf_counter()
    pairs = cKDTree(dem).sparse_distance_matrix(cKDTree(cand), max_distance=2 * thr * speed, output_type="coo_matrix")
    detour = rng.uniform(1.15, 1.6, pairs.nnz)
    tt = pairs.data * detour / speed
    times = sp.csr_array((tt, (pairs.row, pairs.col)), shape=(n_dem, n_cand + n_fixed))
    cover = L.cover_from_times(times, thr)
    fixed = np.zeros(n_cand + n_fixed, bool)
    fixed[n_cand:] = True
    print(f"\nprovince-size SYNTHETIC instance (seed {seed}): {n_dem:,} settlements x {n_cand:,} candidates + "
          f"{n_fixed:,} existing; {cover.nnz:,} covering pairs (<= 10 min), {times.nnz:,} pairs within 20 min; "
          f"built in {time.perf_counter() - t0:.2f} s")
    print(f"{'model':<10} {'method':<7} {'p':>5} {'opened':>6} {'status':<10} {'objective':>16} {'bound':>16} {'gap':>8} {'time_s':>7}")

    def show(model: str, s: L.Solution, p: int | str) -> None:
        print(f"{model:<10} {s.method:<7} {p!s:>5} {len(s.opened):>6} {s.status:<10} {s.objective:>16,.1f} "
              f"{s.bound:>16,.1f} {s.gap:>8.5f} {s.runtime_s:>7.2f}")

    tl = 60.0
    for p in (50, 300):
        show("mclp", L.solve_mclp(cover, w, p, fixed=fixed, method="greedy", time_limit_s=tl), p)
        show("mclp", L.solve_mclp(cover, w, p, fixed=fixed, method="exact", time_limit_s=tl), p)
    show("lscp", L.solve_lscp(cover, fixed=fixed, method="greedy", time_limit_s=tl), "-")
    show("lscp", L.solve_lscp(cover, fixed=fixed, method="exact", time_limit_s=tl), "-")
    show("pmedian", L.solve_pmedian(times, w, 300, fixed=fixed, method="greedy", time_limit_s=tl), 300)
    if not quick:
        show("pmedian", L.solve_pmedian(times, w, 300, fixed=fixed, method="exact", time_limit_s=tl), 300)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller province instance (3,000 x 3,000)")
    ap.add_argument("--skip-demo", action="store_true")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if not args.skip_demo:
        _demo(args.quick)
    _province(args.quick)


if __name__ == "__main__":
    main()
