"""Time floating-catchment accessibility (2SFCA, E2SFCA, Gaussian) on a study, and print its equity summary.

Run::

    python benchmarks/bench_access.py                      # the bundled demo county
    python benchmarks/bench_access.py OUT_DIR/harbin.toml  # e.g. the study of benchmarks/harbin_study.py

Loads the study and builds its routing graphs (not timed here), runs
:func:`planner.analysis.analyse_access` once to compile the routing kernels,
then times each method (best of ``--repeat``) and prints, per tier, the
older-weighted mean, median and p10 (places per 1,000 older people), the share
with none, Gini, Theil (within / between townships), the share below the
threshold and what was left out.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

_COLS = ["settlements_counted", "settlements_value_unknown", "facilities", "facilities_not_counted", "mean",
         "median", "p10", "share_zero", "gini", "theil", "theil_within", "theil_between", "township_gini",
         "threshold", "share_below", "worst_townships"]


def main() -> None:
    """Parse the arguments, time each method, print the summaries."""
    import dataclasses

    import pandas as pd

    from planner.analysis import analyse_access
    from planner.config import load_config
    from planner.data import load_study
    from planner.demo import demo_config_path
    from planner.pipeline import build_study_graphs
    from planner.routing import check_points_on_roads

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("config", nargs="?", default=None, help="study TOML (default: the demo county)")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    cfg = load_config(args.config or demo_config_path())
    t0 = time.perf_counter()
    data = load_study(cfg)
    network, graphs = build_study_graphs(data)
    data = check_points_on_roads(data, network)
    print(f"{cfg.name}: {len(data.settlements)} settlements, {len(data.facilities)} facilities; "
          f"load + graphs {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    analyse_access(data, graphs)
    print(f"first call (compiles the routing kernels): {time.perf_counter() - t0:.2f} s")
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 30)
    for method in ("2sfca", "e2sfca", "gaussian"):
        acc_cfg = dataclasses.replace(cfg.access, method=method)
        best = float("inf")
        for _ in range(max(args.repeat, 1)):
            t0 = time.perf_counter()
            res = analyse_access(data, graphs, config=acc_cfg)
            best = min(best, time.perf_counter() - t0)
        print(f"\n{method}: best of {args.repeat}: {best:.3f} s")
        print(res.equity[_COLS].T.to_string(float_format=lambda v: f"{v:.3f}"))


if __name__ == "__main__":
    main()
