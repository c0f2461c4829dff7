"""Read the packaged reference data: counties, townships, villages, township seats, census totals.

Every function takes a county name (or its 6-digit code) and optionally its
city; a name used by two counties (向阳区 in 鹤岗市 and in 佳木斯市) raises
:class:`~planner.errors.InputError` asking for the city.  Frames are fresh
copies: callers may change them.
"""

from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from planner.errors import DataError, InputError
from planner.reference.names import settlement_kind

__all__ = [
    "DATA_DIR",
    "CountyRef",
    "CensusTotals",
    "provinces",
    "find_county",
    "list_counties",
    "county_boundary",
    "townships",
    "villages",
    "township_seats",
    "census_older",
]

#: Folder of the packaged data, one sub-folder per province (``heilongjiang``...).
DATA_DIR = Path(__file__).resolve().parent / "data"
#: What :func:`township_seats` says about where its points come from.
SEAT_SOURCE = "GeoNames (CC-BY 4.0), matched by name"


@dataclass(frozen=True)
class CountyRef:
    """One county-level unit of the packaged data.

    Parameters
    ----------
    code
        6-digit division code (e.g. ``"230103"``).
    name, city, province
        Names as in the boundary source (e.g. ``"南岗区"``, ``"哈尔滨市"``, ``"黑龙江省"``).
    slug
        The province's data folder name.
    """

    code: str
    name: str
    city: str
    province: str
    slug: str


@dataclass(frozen=True)
class CensusTotals:
    """A county's 2020 census figures (7th national census county tables).

    Parameters
    ----------
    county, city, code
        The census row's names and code.
    population, urban, rural, pop60plus, pop65plus
        Residents; urban and rural residents; residents aged 60+ and 65+.
    source
        Where the figures come from (for reports).
    """

    county: str
    city: str
    code: str
    population: int
    urban: int
    rural: int
    pop60plus: int
    pop65plus: int
    source: str = "第七次全国人口普查（2020）分县表 / 7th national census (2020) county tables, via leiii/census (MIT)"


def provinces() -> list[str]:
    """Province folders packaged (e.g. ``["heilongjiang"]``).

    Returns
    -------
    list of str
        Sorted folder names under :data:`DATA_DIR` that hold a ``counties.geojson``.
    """
    return sorted(p.name for p in DATA_DIR.iterdir() if (p / "counties.geojson").exists())


@functools.cache
def _counties(slug: str) -> Any:
    import geopandas as gpd

    frame = gpd.read_file(DATA_DIR / slug / "counties.geojson")
    frame["code"] = frame["code"].astype(str)
    frame["slug"] = slug
    return frame


@functools.cache
def _table(slug: str, name: str) -> pd.DataFrame:
    return pd.read_csv(DATA_DIR / slug / name, dtype=str, keep_default_na=False)


def list_counties() -> pd.DataFrame:
    """Every packaged county-level unit.

    Returns
    -------
    pandas.DataFrame
        ``code``, ``province``, ``city``, ``county``, ``slug``, sorted by code.
    """
    frames = [_counties(s).drop(columns="geometry") for s in provinces()]
    return pd.concat(frames, ignore_index=True).sort_values("code").reset_index(drop=True)


def find_county(county: str | CountyRef, city: str | None = None) -> CountyRef:
    """The packaged county a name (or code) means.

    Parameters
    ----------
    county : str or CountyRef
        Name (``"南岗区"``) or 6-digit code (``"230103"``); a :class:`CountyRef` is returned as is.
    city : str, optional
        The county's city (``"哈尔滨市"``), needed when two counties share the name.

    Returns
    -------
    CountyRef

    Raises
    ------
    InputError
        No such county (the closest names are suggested), or the name is ambiguous without ``city``.
    """
    if isinstance(county, CountyRef):
        return county
    table = list_counties()
    key = str(county).strip()
    hits = table[table["code"] == key] if key.isdigit() else table[table["county"] == key]
    if city:
        in_city = hits[hits["city"] == str(city).strip()]
        if in_city.empty and not hits.empty:
            raise InputError(f"「{key}」不在「{city}」：它在 {', '.join(hits['city'])} / {key!r} is not in {city!r}; "
                             f"it is in {', '.join(hits['city'])}. 修正 / Fix: --city {hits['city'].iloc[0]}")
        hits = in_city
    if hits.empty:
        close = difflib.get_close_matches(key, table["county"].tolist(), n=5, cutoff=0.3)
        raise InputError(f"参考数据中没有县区「{key}」/ no county {key!r} in the packaged reference data "
                         f"({', '.join(provinces())}). 修正 / Fix: use the official name"
                         + (f", e.g. {', '.join(close)}" if close else "") + " or the 6-digit code.")
    if len(hits) > 1:
        cities = ", ".join(f"{c} ({k})" for c, k in zip(hits["city"], hits["code"]))
        raise InputError(f"「{key}」有 {len(hits)} 个同名县区：{cities} / "
                         f"{key!r} names {len(hits)} counties: {cities}. "
                         f"修正 / Fix: add --city <city> (e.g. --city {hits['city'].iloc[0]}) or give the code.")
    row = hits.iloc[0]
    return CountyRef(code=row["code"], name=row["county"], city=row["city"], province=row["province"],
                     slug=row["slug"])


def county_boundary(county: str | CountyRef, city: str | None = None) -> Any:
    """The county's boundary (WGS84, simplified; see the province's ``PROVENANCE.md``).

    Parameters
    ----------
    county, city
        See :func:`find_county`.

    Returns
    -------
    geopandas.GeoDataFrame
        One row: ``code``, ``province``, ``city``, ``county``, geometry (EPSG:4326).
    """
    ref = find_county(county, city)
    frame = _counties(ref.slug)
    return frame[frame["code"] == ref.code].drop(columns="slug").reset_index(drop=True).copy()


def townships(county: str | CountyRef, city: str | None = None) -> pd.DataFrame:
    """The county's township-level units (NBS 2023 codes).

    Parameters
    ----------
    county, city
        See :func:`find_county`.

    Returns
    -------
    pandas.DataFrame
        ``code`` (9 digits), ``name``, ``kind`` (``street``/``town``/``township``/``other``), ``county_code``,
        ``county``, sorted by code.
    """
    ref = find_county(county, city)
    t = _table(ref.slug, "townships.csv")
    t = t[t["code"].str[:6] == ref.code].copy()
    t["county_code"] = ref.code
    t["county"] = ref.name
    return t.reset_index(drop=True)


def villages(county: str | CountyRef, city: str | None = None) -> pd.DataFrame:
    """The county's village-level units (村/社区, NBS 2023 codes).

    Parameters
    ----------
    county, city
        See :func:`find_county`.

    Returns
    -------
    pandas.DataFrame
        ``code`` (12 digits), ``name``, ``kind`` (``village``/``community``/``virtual``, from the name's suffix:
        :func:`~planner.reference.names.settlement_kind`), ``township_code`` (the code's first 9 digits),
        ``township``, ``county_code``, ``county``, sorted by code.

    Raises
    ------
    DataError
        A village's code names no township of the county (a broken data folder).
    """
    ref = find_county(county, city)
    v = _table(ref.slug, "villages.csv")
    v = v[v["code"].str[:6] == ref.code].copy()
    towns = townships(ref).set_index("code")["name"]
    v["kind"] = v["name"].map(settlement_kind)
    v["township_code"] = v["code"].str[:9]
    v["township"] = v["township_code"].map(towns)
    if v["township"].isna().any():
        bad = v.loc[v["township"].isna(), "code"].iloc[0]
        raise DataError(f"{DATA_DIR / ref.slug / 'villages.csv'}: code {bad} names no township of {ref.name}; "
                        "rebuild the reference data (scripts/build_reference.py)")
    v["county_code"] = ref.code
    v["county"] = ref.name
    return v.reset_index(drop=True)


def township_seats(county: str | CountyRef, city: str | None = None) -> Any:
    """Inferred township seats (乡镇驻地): GeoNames places matched to the county's townships by name.

    Parameters
    ----------
    county, city
        See :func:`find_county`.

    Returns
    -------
    geopandas.GeoDataFrame
        ``township_code``, ``township``, ``geonameid``, ``place_zh`` (GeoNames' Chinese names), ``score`` (name
        match, 0-1), ``inferred`` (always True), ``source``, point geometry (EPSG:4326); townships without a
        matched place have no row.
    """
    import geopandas as gpd

    ref = find_county(county, city)
    s = _table(ref.slug, "township_seats.csv")
    s = s[s["township_code"].str[:6] == ref.code].copy()
    lon, lat = s.pop("lon").astype(float), s.pop("lat").astype(float)
    s["geonameid"] = s["geonameid"].astype(int)
    s["score"] = s["score"].astype(float)
    s["inferred"] = True
    s["source"] = SEAT_SOURCE
    return gpd.GeoDataFrame(s.reset_index(drop=True), geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")


def census_older(county: str | CountyRef, city: str | None = None) -> CensusTotals:
    """The county's 2020 census totals (residents, 60+, 65+).

    Parameters
    ----------
    county, city
        See :func:`find_county`.

    Returns
    -------
    CensusTotals

    Raises
    ------
    DataError
        The census has no row for the county (matched by code, then by city and name).
    """
    ref = find_county(county, city)
    c = _table(ref.slug, "census2020.csv")
    hit = c[c["code"] == ref.code]
    if hit.empty:
        hit = c[(c["county"] == ref.name) & (c["city"] == ref.city)]
    if hit.empty:
        raise DataError(f"{DATA_DIR / ref.slug / 'census2020.csv'}: no 2020 census row for {ref.city}{ref.name} "
                        f"({ref.code}); the unit may have been created after 2020. Fix: give its 60+ total in "
                        "study.toml [population] county_older_totals.")
    r = hit.iloc[0]
    return CensusTotals(county=r["county"], city=r["city"], code=r["code"], population=int(r["population"]),
                        urban=int(r["urban"] or 0), rural=int(r["rural"] or 0), pop60plus=int(r["pop60plus"]),
                        pop65plus=int(r["pop65plus"]))
