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

Run: ``python benchmarks/bench_siting.py [--quick] [--skip-demo]``; the table is logged to stderr.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from planner.optim import locate as L  # noqa: E402

if TYPE_CHECKING:
    from planner.data import StudyData

log = logging.getLogger("bench_siting")

_DEMO_HEADER = (f"{'candidates':<30} {'model':<8} {'n_cand':>6} {'new':>4} {'status':<9} {'objective':>14} "
                f"{'gap':>7} {'solve_s':>8} {'total_s':>8}")
_PROVINCE_HEADER = (f"{'model':<10} {'method':<7} {'p':>5} {'opened':>6} {'status':<10} {'objective':>16} "
                    f"{'bound':>16} {'gap':>8} {'time_s':>7}")


def _demo_reach(data: StudyData) -> Any:
    """Routing graphs of the demo, or straight-line reach when routing is not available."""
    from planner.siting import straight_line_reach

    try:
        from planner.pipeline import build_study_graphs

        t0 = time.perf_counter()
        _, graphs = build_study_graphs(data)
        log.info("travel times: road network (planner.routing), graphs built in %.2f s", time.perf_counter() - t0)
        return graphs
    except ImportError as exc:
        log.info("travel times: STRAIGHT-LINE x 1.3 (planner.routing not available: %s)", exc)
        return straight_line_reach(data.config, detour=1.3)


def _demo_models(name: str, data: StudyData, reach: Any) -> None:
    """Every model, exact, on one candidate variant of the demo."""
    from planner.siting import propose_sites

    for model in ("mclp", "lscp", "pmedian"):
        t0 = time.perf_counter()
        r = propose_sites(data, reach, tier="community", model=model, p=10, method="exact")
        tot = time.perf_counter() - t0
        log.info(f"{name:<30} {model:<8} {r.params['n_usable']:>6} {len(r.sites):>4} {r.solution.status:<9} "
                 f"{r.solution.objective:>14,.1f} {r.solution.gap:>7.4f} {r.solution.runtime_s:>8.3f} {tot:>8.3f}")
        if model == "mclp":
            for line in r.targets["text_en"]:
                log.info("    %s", line)
            excluded = {str(k): int(v) for k, v in r.excluded["reason"].value_counts().items()}
            log.info("    excluded: %s | curve: %s", excluded, r.params["curve_method"])


def _demo() -> None:
    from planner.config import load_config
    from planner.data import load_study
    from planner.demo import demo_config_path
    from planner.siting import propose_tiered_sites

    cfg_path = demo_config_path()
    if not cfg_path.exists():
        log.info("demo county data missing: skipped")
        return
    t0 = time.perf_counter()
    data = load_study(load_config(cfg_path))
    log.info("demo county (SYNTHETIC): %d settlements, %d facilities, %d candidates; loaded in %.2f s",
             len(data.settlements), len(data.facilities), 0 if data.candidates is None else len(data.candidates),
             time.perf_counter() - t0)
    reach = _demo_reach(data)
    log.info(_DEMO_HEADER)
    for name, d in (("candidate layer", data), ("every settlement as candidate",
                                                 dataclasses.replace(data, candidates=None))):
        _demo_models(name, d, reach)
    t0 = time.perf_counter()
    tiered = propose_tiered_sites(data, reach, p={"community": 10, "township": 3})
    log.info("tiered run (village points + capacitated township centres) in %.2f s:", time.perf_counter() - t0)
    for r in tiered.values():
        log.info("    %s", r.summary(lang="en"))


def _province_instance(n: int, seed: int) -> tuple[sp.csr_array, sp.csr_array, np.ndarray, np.ndarray]:
    """(cover within 10 min, times within 20 min, weights, fixed) of a seeded random province."""
    rng = np.random.default_rng(seed)
    side = 110_000.0 * np.sqrt(n / 9000)
    n_fixed = n // 9 * 2
    dem = rng.uniform(0, side, (n, 2))
    cand = rng.uniform(0, side, (n + n_fixed, 2))
    w = np.round(rng.gamma(2.0, 120.0, n))
    speed = 15 / 3.6
    thr = 600.0  # 10 minutes by e-bike
    from scipy.spatial import cKDTree

    pairs = cKDTree(dem).sparse_distance_matrix(cKDTree(cand), max_distance=2 * thr * speed, output_type="coo_matrix")
    detour = rng.uniform(1.15, 1.6, pairs.nnz)
    times = sp.csr_array((pairs.data * detour / speed, (pairs.row, pairs.col)), shape=(n, n + n_fixed))
    fixed = np.zeros(n + n_fixed, bool)
    fixed[n:] = True
    return L.cover_from_times(times, thr), times, w, fixed


def _show(model: str, s: L.Solution, p: int | str) -> None:
    log.info(f"{model:<10} {s.method:<7} {p!s:>5} {len(s.opened):>6} {s.status:<10} {s.objective:>16,.1f} "
             f"{s.bound:>16,.1f} {s.gap:>8.5f} {s.runtime_s:>7.2f}")


def _province(quick: bool, seed: int = 20201) -> None:
    n = 3000 if quick else 9000
    t0 = time.perf_counter()
    cover, times, w, fixed = _province_instance(n, seed)
    log.info("\nprovince-size SYNTHETIC instance (seed %d): %s settlements x %s candidates + %s existing; "
             "%s covering pairs (<= 10 min), %s pairs within 20 min; built in %.2f s",
             seed, f"{n:,}", f"{n:,}", f"{int(fixed.sum()):,}", f"{cover.nnz:,}", f"{times.nnz:,}",
             time.perf_counter() - t0)
    log.info(_PROVINCE_HEADER)
    tl = 60.0
    for p in (50, 300):
        _show("mclp", L.solve_mclp(cover, w, p, fixed=fixed, method="greedy", time_limit_s=tl), p)
        _show("mclp", L.solve_mclp(cover, w, p, fixed=fixed, method="exact", time_limit_s=tl), p)
    _show("lscp", L.solve_lscp(cover, fixed=fixed, method="greedy", time_limit_s=tl), "-")
    _show("lscp", L.solve_lscp(cover, fixed=fixed, method="exact", time_limit_s=tl), "-")
    _show("pmedian", L.solve_pmedian(times, w, 300, fixed=fixed, method="greedy", time_limit_s=tl), 300)
    if not quick:
        _show("pmedian", L.solve_pmedian(times, w, 300, fixed=fixed, method="exact", time_limit_s=tl), 300)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller province instance (3,000 x 3,000)")
    ap.add_argument("--skip-demo", action="store_true", help="only the province instance")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    log.setLevel(logging.INFO)
    if not args.skip_demo:
        _demo()
    _province(args.quick)


if __name__ == "__main__":
    main()
