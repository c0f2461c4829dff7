"""Siting benchmark: time and PROVEN gap of each siting run, on three sizes.

1. The bundled demo county (SYNTHETIC): the plan models the pipeline uses
   (village ``target``: fewest points for 80 % of villages; township
   ``centres``: gap by gap), then MCLP, LSCP and p-median exactly on (a) the
   candidate layer and (b) every settlement as a candidate.
2. The Harbin-sized real study (``benchmarks/harbin_study.py``: 77 streets,
   OSM settlements, TEST facilities; built into ``--harbin DIR`` when
   missing): the township tier by e-bike as a capacitated MCLP with
   ``p = 77``, and the two plan models.
3. A province-size SYNTHETIC instance: 9,000 settlements x 9,000 candidates
   over a 110 km square, 500 existing sites fixed, seeded detours 1.15-1.6 on
   straight-line distance: MCLP, LSCP, p-median (exact and greedy) and the
   village-target partial cover (80 % of the demands).

Every line gives the status (only ``optimal`` is proven optimal), the proven
relative gap (``n/a`` when no bound is known) and seconds.

Run: ``python benchmarks/bench_siting.py [--quick] [--skip-demo] [--skip-harbin] [--harbin DIR]``.
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
sys.path.insert(0, str(ROOT / "benchmarks"))

from planner.optim import locate as L  # noqa: E402

if TYPE_CHECKING:
    from planner.data import StudyData

log = logging.getLogger("bench_siting")

_DEMO_HEADER = (f"{'case':<30} {'tier':<9} {'model':<8} {'n_cand':>6} {'new':>4} {'status':<10} {'objective':>14} "
                f"{'gap':>8} {'solve_s':>8} {'total_s':>8}")
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


def _gap(g: float) -> str:
    return f"{g:.4%}" if g == g else "n/a"


def _site_line(name: str, tier: str, model: str, run: Any) -> None:
    """Run ``run()`` (a propose_sites call) and log its status, proven gap and times."""
    t0 = time.perf_counter()
    r = run()
    tot = time.perf_counter() - t0
    s = r.solution
    log.info(f"{name:<30} {tier:<9} {model:<8} {r.params['n_usable']:>6} {len(r.sites):>4} {s.status:<10} "
             f"{s.objective:>14,.1f} {_gap(s.gap):>8} {s.runtime_s:>8.2f} {tot:>8.2f}")
    for line in r.targets["text_en"]:
        log.info("    %s", line)


def _demo_models(name: str, data: StudyData, reach: Any) -> None:
    """The plan models, then every classic model exactly, on one candidate variant of the demo."""
    from planner.siting import propose_sites

    _site_line(name, "community", "target", lambda: propose_sites(data, reach, tier="community", model="target"))
    _site_line(name, "township", "centres", lambda: propose_sites(data, reach, tier="township", model="centres"))
    for model in ("mclp", "lscp", "pmedian"):
        _site_line(name, "community", model,
                   lambda m=model: propose_sites(data, reach, tier="community", model=m, p=10, method="exact"))


def _demo() -> None:
    from planner.config import load_config
    from planner.data import load_study
    from planner.demo import demo_config_path

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


def _harbin(folder: Path) -> None:
    """The Harbin-sized study: capacitated township MCLP with p = 77, and the plan models."""
    from harbin_study import build

    from planner.config import load_config
    from planner.data import load_study
    from planner.pipeline import build_study_graphs
    from planner.siting import propose_sites

    if not (folder / "harbin.toml").exists():
        build(folder)
    t0 = time.perf_counter()
    data = load_study(load_config(folder / "harbin.toml"))
    _, graphs = build_study_graphs(data)
    tier = data.config.tiers["township"]
    log.info("\nHarbin-sized study (OSM + TEST facilities): %d settlements, %d facilities (%d township-tier), "
             "%d streets; township tier: communities %s %g min, villages %s %g min; loaded and routed in %.1f s",
             len(data.settlements), len(data.facilities), int((data.facilities["tier"] == "township").sum()),
             len(data.townships), tier.profile, tier.minutes, tier.rural_profile, tier.rural_minutes,
             time.perf_counter() - t0)
    log.info(_DEMO_HEADER)
    _site_line("harbin, every settlement", "township", "mclp_cap",
               lambda: propose_sites(data, graphs, tier="township", model="mclp", p=77, capacitated=True,
                                     method="exact", curve_k=0))
    _site_line("harbin, every settlement", "township", "centres",
               lambda: propose_sites(data, graphs, tier="township", model="centres"))
    _site_line("harbin, every settlement", "community", "target",
               lambda: propose_sites(data, graphs, tier="community", model="target"))


def _province_instance(n: int, seed: int) -> tuple[sp.csr_array, sp.csr_array, np.ndarray, np.ndarray]:
    """(cover within 10 min, times within 20 min, weights, fixed) of a seeded random province."""
    rng = np.random.default_rng(seed)
    side = 110_000.0 * np.sqrt(n / 9000)
    n_fixed = max(1, round(500 * n / 9000))
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
             f"{s.bound:>16,.1f} {_gap(s.gap):>8} {s.runtime_s:>7.2f}")


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
    need = int(np.ceil(0.8 * n))
    _show("target80", L.solve_partial_cover(cover, np.ones(n, bool), need, fixed=fixed, time_limit_s=tl), "-")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller province instance (3,000 x 3,000)")
    ap.add_argument("--skip-demo", action="store_true", help="no demo county")
    ap.add_argument("--skip-harbin", action="store_true", help="no Harbin-sized study")
    ap.add_argument("--skip-province", action="store_true", help="no province-size instance")
    ap.add_argument("--harbin", type=Path, default=Path("outputs") / "harbin_study",
                    help="folder of the Harbin study (built there when missing)")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    log.setLevel(logging.INFO)
    logging.getLogger("harbin_study").setLevel(logging.INFO)
    if not args.skip_demo:
        _demo()
    if not args.skip_harbin:
        _harbin(args.harbin)
    if not args.skip_province:
        _province(args.quick)


if __name__ == "__main__":
    main()
