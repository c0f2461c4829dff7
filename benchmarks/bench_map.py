"""Map benchmark: size and write time of the interactive map, for the demo and a 10,000-settlement study.

Usage::

    python benchmarks/bench_map.py [--n 10000] [--seed 7] [--out DIR] [--bands 5,10,15]

1. The bundled demo county (SYNTHETIC), run through :func:`planner.pipeline.run_study`
   with siting: the map's size and write time.
2. The same study scaled to ``--n`` settlements (SYNTHETIC): settlements drawn
   from the demo's with replacement (seeded), moved up to ~1.5 km at random and
   given new ids and names, every analysis column kept (status, reasons,
   nearest facilities, township centre), so the map draws ``--n`` points with
   the demo's facilities, circles and sites.  Routing is not rerun: this
   measures the map, not the analysis.

``--bands`` also writes the demo map with isochrone bands at those minutes
(times the extra circle drawing).  Prints one line per map: settlements, bytes,
MB and seconds.  Leave ``PYTHONPATH`` unset to measure this checkout, or set it to
measure another (e.g. main vs a branch).
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if "PYTHONPATH" not in os.environ:  # else the caller chose the planner to measure
    sys.path.insert(0, str(ROOT))


def demo_study():
    """The demo county analysed with siting."""
    from planner.config import load_config
    from planner.demo import demo_config_path
    from planner.pipeline import run_study

    return run_study(load_config(demo_config_path()), site=True)


def scaled_study(result, n: int, *, seed: int):
    """``result`` with ``n`` settlements drawn from its own (seeded), jittered, renamed."""
    rng = np.random.default_rng(seed)
    cov = result.coverage
    sett = cov.settlements
    pick = rng.integers(0, len(sett), size=n)
    out = sett.iloc[pick].copy()
    lon, lat = out.geometry.x.to_numpy(), out.geometry.y.to_numpy()
    lon = lon + rng.uniform(-0.02, 0.02, n)
    lat = lat + rng.uniform(-0.014, 0.014, n)
    out = gpd.GeoDataFrame(out.drop(columns=out.geometry.name), geometry=gpd.points_from_xy(lon, lat),
                           crs=sett.crs)
    out.index = pd.Index([f"S{i:05d}" for i in range(n)], name=sett.index.name)
    out["name"] = [f"{name}{i}" for i, name in enumerate(out["name"].astype(str))]
    coverage = dataclasses.replace(cov, settlements=out)
    return dataclasses.replace(result, coverage=coverage)


def measure(result, path: Path, label: str, **kwargs) -> None:
    """Write the map and print its size and the seconds it took."""
    from planner.reporting import write_map

    t0 = time.perf_counter()
    write_map(result, path, **kwargs)
    seconds = time.perf_counter() - t0
    size = path.stat().st_size
    print(f"{label:<34} settlements={len(result.coverage.settlements):>6}  bytes={size:>10,}  "
          f"MB={size / 1e6:6.2f}  write_s={seconds:6.2f}", flush=True)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--n", type=int, default=10_000)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--out", type=Path, default=None, help="keep the maps in this folder")
    p.add_argument("--bands", default="", help="also the demo map with isochrone bands at these minutes")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    import planner

    print(f"planner from {Path(planner.__file__).parent}", flush=True)
    result = demo_study()
    out = args.out or Path(tempfile.mkdtemp(prefix="bench_map_"))
    out.mkdir(parents=True, exist_ok=True)
    measure(result, out / "demo.html", "demo county")
    measure(scaled_study(result, args.n, seed=args.seed), out / f"scaled_{args.n}.html",
            f"demo scaled to {args.n:,} settlements")
    if args.bands:
        bands = tuple(float(x) for x in args.bands.split(","))
        measure(result, out / "demo_bands.html", f"demo, bands {args.bands} min", bands=bands)
    print(f"maps in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
