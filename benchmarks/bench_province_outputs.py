"""Time and size of a province's summary outputs (report.html, map.html, summary.xlsx) at full scale.

The 122 county polygons of the packaged Heilongjiang data with SYNTHETIC counts (seeded: villages,
villages covered, townships, centres, public institutions, beds, older people per county), put
through :func:`planner.multi.write_multi_outputs` exactly as a province run's result would be.
No routing is run: this measures the summary outputs only (the province run itself is
``benchmarks/bench_province.py``).

    python benchmarks/bench_province_outputs.py [--area 黑龙江省] [--out /tmp/province_outputs] [--lang zh]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from planner.config import config_from_dict
from planner.data import named_counties
from planner.multi import aggregate_scorecards, write_multi_outputs
from planner.multi.aggregate import SCORECARD_COLUMNS
from planner.multi.result import COUNTY_COLUMNS, MultiResult

#: indicator -> (zh, en, target, gap unit)
_INDICATORS = {
    "village_facility_coverage": ("农村养老服务设施覆盖率（村）", "Village coverage", 0.8, "villages"),
    "township_centre_coverage": ("乡镇（街道）具备综合功能的养老服务机构覆盖率", "Township centres", 0.6, "townships"),
    "county_public_institution": ("县（市）公办养老机构覆盖率", "Public institution", 1.0, "counties"),
    "total_beds": ("养老服务床位总量", "Beds", float("nan"), "beds"),
}


def _card(counties: gpd.GeoDataFrame, rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for county, city in zip(counties.index, counties["city"]):
        villages, towns = int(rng.integers(20, 300)), int(rng.integers(5, 25))
        counts = {"village_facility_coverage": (int(rng.binomial(villages, rng.uniform(0.3, 1.0))), villages),
                  "township_centre_coverage": (int(rng.binomial(towns, rng.uniform(0.2, 1.0))), towns),
                  "county_public_institution": (int(rng.random() < 0.85), 1),
                  "total_beds": (int(rng.integers(200, 3000)), 1)}
        for key, (num, den) in counts.items():
            zh, en, target, unit = _INDICATORS[key]
            value = float(num) if key == "total_beds" else num / den
            has = not np.isnan(target)
            rows.append({"level": "county", "scope": county, "city": city, "indicator": key, "name_zh": zh,
                         "name_en": en, "value": value, "numerator": num, "denominator": den, "target": target,
                         "met": bool(value >= target) if has else pd.NA,
                         "gap": max(0, int(np.ceil(target * den - 1e-9)) - num) if has else pd.NA,
                         "gap_unit": unit, "due_year": pd.NA, "applies": True, "n_counties": 1,
                         "text_zh": "", "text_en": ""})
    card = pd.DataFrame(rows, columns=SCORECARD_COLUMNS)
    card["met"], card["gap"] = card["met"].astype("boolean"), card["gap"].astype("Int64")
    return card


def main() -> None:
    """Build the synthetic province result, write its summary outputs, print times and sizes."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--area", default="黑龙江省")
    ap.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "province_outputs")
    ap.add_argument("--lang", default="zh")
    ap.add_argument("--seed", type=int, default=13)
    args = ap.parse_args()
    config = config_from_dict({"name": f"{args.area}（合成计数 synthetic counts）", "synthetic": True,
                               "execution": {"area": args.area}})
    counties = named_counties(config)
    card = _card(counties, np.random.default_rng(args.seed))
    table = pd.DataFrame({"county": counties.index, "city": counties["city"].to_numpy(), "status": "ok",
                          "error": "", "settlements": 0, "facilities": 0, "road_segments": 0, "buffer_m": 0.0,
                          "seconds": 0.0, "outputs": "", "siting_errors": ""}, columns=COUNTY_COLUMNS)
    result = MultiResult(config=config, counties=table, settlements=pd.DataFrame(), scorecard_county=card,
                         scorecard_city=aggregate_scorecards(card, level="city"),
                         scorecard_study=aggregate_scorecards(card, level="study"),
                         boundaries=counties[["city", "geometry"]])
    t0 = time.perf_counter()
    paths = write_multi_outputs(result, args.out, lang=args.lang)
    seconds = time.perf_counter() - t0
    print(f"SYNTHETIC counts on the real county polygons of {args.area}: {len(counties)} counties, "
          f"{counties['city'].nunique()} cities, {len(card)} county scorecard rows")
    print(f"write_multi_outputs: {seconds:.2f} s")
    for key in ("report", "map", "workbook"):
        print(f"  {paths[key].name:<14} {paths[key].stat().st_size / 1e6:6.2f} MB  {paths[key]}")


if __name__ == "__main__":
    main()
