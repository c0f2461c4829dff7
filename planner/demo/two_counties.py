"""The demo county split in two: a synthetic two-county study (west and east of its townships' median longitude).

Made from the bundled demo data, for trying and testing studies of several
counties (:mod:`planner.multi`): the townships west of the median longitude of
their centres form one county, the others the second; the county layer has a
``city`` column (both counties in one synthetic city); every point's ``所属县``
names its new county; the demo's known older total is shared between the two
counties in proportion to their settlements' total population.  Every file
stays labelled synthetic.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd

from planner.demo.names import DEMO_COUNTY_NAME, DEMO_OLDER_TOTAL
from planner.demo.paths import DEMO_DATA_DIR

__all__ = ["write_two_county_demo", "TWO_COUNTY_NAMES", "TWO_COUNTY_CITY"]

#: The two counties' names (west, east).
TWO_COUNTY_NAMES: tuple[str, str] = ("合成西县", "合成东县")
#: The city both belong to.
TWO_COUNTY_CITY = "合成示范市"

_TABLES = ("settlements/settlements.csv", "facilities/facilities.csv", "candidates/candidates.csv")


def _split_townships(townships: gpd.GeoDataFrame) -> pd.Series:
    """Township name -> new county: west of the median longitude of the township centres, or east."""
    utm = townships.estimate_utm_crs()
    centres = townships.to_crs(utm).geometry.representative_point().to_crs("EPSG:4326")
    west = centres.x <= centres.x.median()
    return pd.Series(
        [TWO_COUNTY_NAMES[0] if w else TWO_COUNTY_NAMES[1] for w in west], index=townships["name"].to_numpy()
    )


def _older_totals(settlements: pd.DataFrame) -> dict[str, int]:
    """The demo's older total shared by the counties' total population (the remainder to the last)."""
    pop = settlements.groupby("所属县")["总人口"].sum()
    share = {c: int(DEMO_OLDER_TOTAL * pop.get(c, 0) / pop.sum()) for c in TWO_COUNTY_NAMES}
    share[TWO_COUNTY_NAMES[-1]] = DEMO_OLDER_TOTAL - sum(share[c] for c in TWO_COUNTY_NAMES[:-1])
    return share


def write_two_county_demo(folder: str | Path, *, scenarios: bool = False) -> Path:
    """Write the two-county variant of the demo study into ``folder``.

    Parameters
    ----------
    folder
        Where to write (created); the demo's files are copied and rewritten there.
    scenarios
        Keep the demo's named scenarios (winter, after siting) in the study file.

    Returns
    -------
    Path
        The study file, ``<folder>/two_counties.toml``.
    """
    src, dst = DEMO_DATA_DIR, Path(folder)
    dst.mkdir(parents=True, exist_ok=True)
    for sub in ("boundaries", "roads", "settlements", "facilities", "candidates"):
        shutil.copytree(src / sub, dst / sub, dirs_exist_ok=True)
    towns = gpd.read_file(src / "boundaries" / "townships.geojson")
    county_of = _split_townships(towns)
    towns["county"] = towns["name"].map(county_of)
    towns.to_file(dst / "boundaries" / "townships.geojson", driver="GeoJSON")
    counties = towns.dissolve(by="county", as_index=False)[["county", "geometry"]].rename(columns={"county": "name"})
    counties["city"] = TWO_COUNTY_CITY
    counties["synthetic"] = True
    counties.to_file(dst / "boundaries" / "county.geojson", driver="GeoJSON")
    frames = {}
    for rel in _TABLES:
        frame = pd.read_csv(src / rel, encoding="utf-8-sig", dtype={"编号": str})
        frame["所属县"] = frame["所属乡镇"].map(county_of).fillna(frame["所属县"])
        frame.to_csv(dst / rel, index=False, encoding="utf-8-sig")
        frames[rel] = frame
    totals = _older_totals(frames[_TABLES[0]])
    text = (src / "demo_county.toml").read_text(encoding="utf-8")
    head, _, rest = text.partition("[inputs]")
    body = rest if scenarios else rest.split("\n[scenarios.", 1)[0].rsplit("\n# Scenarios", 1)[0]
    body = body.replace(f'county_older_totals = {{ "{DEMO_COUNTY_NAME}" = {DEMO_OLDER_TOTAL} }}',
                        "county_older_totals = { " + ", ".join(f'"{c}" = {n}' for c, n in totals.items()) + " }")
    head = head.replace(f'name = "{DEMO_COUNTY_NAME}"', 'name = "合成示范市（两县）"')
    (dst / "two_counties.toml").write_text(
        "# SYNTHETIC: the demo county split in two (planner.demo.two_counties)\n" + head + "[inputs]" + body
        + "\n[execution]\nsplit = \"counties\"\ncross_border = [\"county\", \"township\", \"community\"]\n",
        encoding="utf-8",
    )
    return dst / "two_counties.toml"
