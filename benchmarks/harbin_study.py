"""A Harbin-sized real study for `planner run`: central Harbin from OpenStreetMap, with TEST facilities.

Built from ``../shared/data/harbin`` (see docs/harbin_test_set.md) with the
builders of ``tests/test_harbin.py``: the 77 streets as townships, OSM
residential areas and place nodes as settlements (assumed populations, older
people allocated from the 2020 census share), the OSM elderly-care
facilities, and a few hundred invented TEST facilities placed on residential
areas (snapped to the road network by the planner like any facility): the
test builder's stations and street centres plus a community station on every
``--every``-th residential area.  Every TEST row says it is not a real
facility.  No candidate layer: every settlement is a candidate site.

Run::

    python benchmarks/harbin_study.py build OUT_DIR           # writes OUT_DIR/harbin.toml and its inputs
    python benchmarks/harbin_study.py run OUT_DIR [--fail-siting]

``run`` times ``planner run`` on the study in this process (all outputs,
siting included) and prints each tier's sites and proven gap;
``--fail-siting`` makes every siting solve raise a SolverError to show that
coverage, map, report and workbook are still written.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from test_harbin import (  # noqa: E402  (the builders live with the Harbin tests)
    CENSUS,
    PBF,
    STREETS,
    harbin_settlements,
    harbin_test_facilities,
    older_share_from_census,
    write_study,
)

log = logging.getLogger("harbin_study")


def many_test_facilities(settlements: gpd.GeoDataFrame, streets: gpd.GeoDataFrame, *, every: int = 5
                         ) -> gpd.GeoDataFrame:
    """The test builder's TEST points plus a TEST community station on every ``every``-th residential area."""
    base = harbin_test_facilities(settlements, streets)
    res = settlements[settlements["source"] == "residential"].sort_index()
    used = set(base.geometry.to_wkb())
    pick = res.iloc[::every]
    pick = pick[[g not in used for g in pick.geometry.to_wkb()]]
    extra = gpd.GeoDataFrame(
        {"name": [f"测试养老服务驿站 {k + 1:03d}" for k in range(len(pick))], "type": "养老服务驿站"},
        index=pd.Index([f"TEST-R{k + 1:03d}" for k in range(len(pick))], name="facility_id"),
        geometry=pick.geometry.to_numpy(), crs="EPSG:4326")
    return pd.concat([base, extra])


def build(folder: Path, *, every: int = 5) -> Path:
    """Write the study to ``folder``; return its TOML path."""
    from planner.io import elderly_care_facilities_from_osm_file

    t0 = time.perf_counter()
    settlements = harbin_settlements(PBF)
    streets = gpd.read_file(STREETS)
    osm_fac = elderly_care_facilities_from_osm_file(PBF)
    test_fac = many_test_facilities(settlements, streets, every=every)
    path = write_study(folder, osm_fac, test_fac, settlements, streets, older_share_from_census(CENSUS))
    log.info("study written to %s in %.1f s: %d settlements read, %d streets, %d OSM facilities, %d TEST facilities "
             "(%d township-tier)", path, time.perf_counter() - t0, len(settlements), len(streets), len(osm_fac),
             len(test_fac), int(test_fac["type"].str.contains("中心").sum()))
    return path


def run(folder: Path, *, fail_siting: bool = False) -> None:
    """``planner run`` on the study, timed; optionally with every siting solve failing."""
    from planner.config import load_config
    from planner.pipeline import run_study, write_outputs

    if fail_siting:
        import planner.siting as siting
        from planner.errors import SolverError

        def fail(*args: object, **kwargs: object) -> None:
            raise SolverError("forced failure (benchmarks/harbin_study.py --fail-siting)")

        siting.propose_sites = fail  # type: ignore[assignment]
    cfg = load_config(folder / "harbin.toml")
    t0 = time.perf_counter()
    result = run_study(cfg, site=True)
    t_run = time.perf_counter() - t0
    out = folder / ("outputs_fail" if fail_siting else "outputs")
    paths = write_outputs(result, out, lang="zh")
    total = time.perf_counter() - t0
    log.info("planner run: %.1f s (%.1f min) in all, %.1f s to write; steps: %s", total, total / 60,
             total - t_run, {k: round(v, 1) for k, v in result.timings.items()})
    log.info("outputs: %s", {k: str(v) for k, v in paths.items()})
    for tier, site in result.siting.items():
        s = site.solution
        log.info("%s: %d sites, model %s, status %s, proven gap %s, %.1f s", tier, len(site.sites), site.model,
                 s.status, f"{s.gap:.4%}" if s.gap == s.gap else "n/a", site.params["total_s"])
        for text in site.targets["text_en"]:
            log.info("    %s", text)
    for tier, msg in result.siting_errors.items():
        log.info("%s: siting did not finish: %s", tier, msg)


def main() -> None:
    """Command line: ``build OUT_DIR`` or ``run OUT_DIR [--fail-siting]``."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("command", choices=("build", "run"))
    ap.add_argument("folder", type=Path)
    ap.add_argument("--every", type=int, default=5, help="a TEST station on every n-th residential area")
    ap.add_argument("--fail-siting", action="store_true")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    for name in ("planner", "pyogrio"):
        logging.getLogger(name).setLevel(logging.WARNING)
    if args.command == "build":
        build(args.folder, every=args.every)
    else:
        run(args.folder, fail_siting=args.fail_siting)


if __name__ == "__main__":
    main()
