"""Where the official units are: township points and village coordinates from map data, by name.

Nothing here invents a location.  A unit gets coordinates only when a map
object with a matching name lies inside the county:

* townships (乡/镇/街道): the county's ``boundary=administrative`` polygons of
  an OSM file (the point is the polygon's centroid, or a point inside it when
  the centroid falls outside), else an OSM ``place`` object named as a
  township (…街道/…镇/…乡), else the packaged GeoNames seat (inferred);
* villages and communities: OSM ``place`` objects (from a local OSM file, or
  downloaded with ``planner.network.osm_places_in``) of a compatible kind,
  matched one-to-one by name; places named as townships never match a village
  or community (花园街道 is not 花园街社区), and a name shared by two units or
  two places of the county is left unmatched (it cannot be told which is which).

Each located unit carries ``coord_source`` and the name ``score``.
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

from planner.reference import match_names, name_core, township_kind

__all__ = [
    "PLACE_KINDS_FOR",
    "BORDER_TOLERANCE_M",
    "osm_file_places",
    "osm_file_boundaries",
    "locate_townships",
    "locate_villages",
]

logger = logging.getLogger(__name__)

#: OSM ``place`` values a unit of each kind may be matched to.
PLACE_KINDS_FOR = {
    "village": ("village", "hamlet", "isolated_dwelling"),
    "community": ("neighbourhood", "quarter", "suburb"),
}
#: Map objects this far outside the (simplified) county boundary still count as inside.
BORDER_TOLERANCE_M = 300.0
_DEG_PER_M = 1.0 / 111_000.0


def _inside(geoms: Any, polygon: Any) -> np.ndarray:
    """True where a geometry's representative point lies in the polygon grown by the border tolerance."""
    grown = shapely.buffer(polygon, BORDER_TOLERANCE_M * _DEG_PER_M)
    pts = shapely.point_on_surface(np.asarray(geoms))
    return np.asarray(shapely.contains(grown, pts), dtype=bool)


def osm_file_places(path: str | Path, polygon: Any) -> Any:
    """OSM ``place`` objects of a local file that lie inside the county.

    Parameters
    ----------
    path : str or Path
        ``.osm``/``.osm.pbf`` file (clipped extracts are fine).
    polygon : shapely geometry
        The county boundary (WGS84).

    Returns
    -------
    geopandas.GeoDataFrame
        ``osmid`` (element, e.g. ``"node/123"``), ``name``, ``place``, point geometry; the columns of
        ``planner.network.osm_places_in``, for the same matching.
    """
    from planner.io import features_from_osm_file

    kinds = sorted({k for ks in PLACE_KINDS_FOR.values() for k in ks})
    f = features_from_osm_file(path, tags={"place": kinds})
    f = f[_inside(f.geometry.values, polygon)] if len(f) else f
    name = [z or n for n, z in zip(f["name"], f["name:zh"])] if len(f) else []
    import geopandas as gpd

    return gpd.GeoDataFrame({"osmid": list(f.index), "name": name, "place": list(f["place"])},
                            geometry=list(f.geometry), crs="EPSG:4326")


def osm_file_boundaries(path: str | Path, polygon: Any) -> Any:
    """Named ``boundary=administrative`` polygons of a local OSM file inside the county.

    Parameters
    ----------
    path : str or Path
        ``.osm``/``.osm.pbf`` file.
    polygon : shapely geometry
        The county boundary (WGS84).

    Returns
    -------
    geopandas.GeoDataFrame
        ``osmid``, ``name``, ``admin_level``, (multi)polygon geometry; only closed, assembled polygons (a
        boundary cut by the extract's edge is not assembled and so not returned).
    """
    import geopandas as gpd

    from planner.io import features_from_osm_file

    f = features_from_osm_file(path, tags={"boundary": "administrative"}, columns=["admin_level"], keep_shapes=True)
    f = f[f.geom_type.isin(["Polygon", "MultiPolygon"]) & (f["name"] != "")]
    if len(f):
        f = f[_inside(f.geometry.values, polygon)]
    return gpd.GeoDataFrame({"osmid": list(f.index), "name": [z or n for n, z in zip(f["name"], f["name:zh"])],
                             "admin_level": list(f["admin_level"])}, geometry=list(f.geometry), crs="EPSG:4326")


def _unique_cores(names: list[str]) -> np.ndarray:
    counts = Counter(name_core(n) for n in names)
    return np.array([counts[name_core(n)] == 1 for n in names], dtype=bool)


def _township_named(names: Any) -> np.ndarray:
    return np.array([township_kind(n) != "other" for n in names], dtype=bool)


def locate_townships(towns: pd.DataFrame, seats: Any, boundaries: Any | None, places: Any | None = None
                     ) -> pd.DataFrame:
    """A point for each township: its OSM boundary, else an OSM place named as it, else its GeoNames seat.

    Parameters
    ----------
    towns : pandas.DataFrame
        ``planner.reference.townships`` rows (``code``, ``name``).
    seats : geopandas.GeoDataFrame
        ``planner.reference.township_seats`` rows.
    boundaries : geopandas.GeoDataFrame or None
        :func:`osm_file_boundaries` output (None: no OSM file).
    places : geopandas.GeoDataFrame, optional
        OSM ``place`` objects inside the county (:func:`osm_file_places`); those named as townships are used.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``towns``: ``lon``, ``lat`` (NaN when unknown), ``coord_source`` (``osm_boundary``,
        ``osm_place``, ``geonames_seat`` or ``""``), ``score``, ``match`` (the map name or GeoNames id) and
        ``polygon`` (the matched OSM boundary or None).
    """
    out = pd.DataFrame({"lon": np.nan, "lat": np.nan, "coord_source": "", "score": np.nan, "match": "",
                        "polygon": None}, index=towns.index)
    if boundaries is not None and len(boundaries):
        ok = _unique_cores(list(boundaries["name"]))
        cand = boundaries[ok]
        for i, j, score in match_names(list(towns["name"]), list(cand["name"])):
            geom = cand.geometry.iloc[j]
            c = geom.centroid
            p = c if geom.contains(c) else geom.representative_point()
            idx = towns.index[i]
            out.loc[idx, ["lon", "lat", "coord_source", "score", "match"]] = [
                round(p.x, 6), round(p.y, 6), "osm_boundary", score, f"{cand['osmid'].iloc[j]} {cand['name'].iloc[j]}"]
            out.at[idx, "polygon"] = geom
    if places is not None and len(places):
        named = places[_township_named(places["name"]) & _unique_cores(list(places["name"]))]
        left = towns[out["coord_source"] == ""]
        pts = named.geometry.representative_point()
        for i, j, score in match_names(list(left["name"]), list(named["name"])):
            out.loc[left.index[i], ["lon", "lat", "coord_source", "score", "match"]] = [
                round(pts.iloc[j].x, 6), round(pts.iloc[j].y, 6), "osm_place", score,
                f"{named['osmid'].iloc[j]} {named['name'].iloc[j]}"]
    by_code = {c: r for c, r in zip(seats["township_code"], seats.itertuples())} if len(seats) else {}
    for idx, code in zip(towns.index, towns["code"]):
        seat = by_code.get(code)
        if seat is None or out.at[idx, "coord_source"]:
            continue
        out.loc[idx, ["lon", "lat", "coord_source", "score", "match"]] = [
            seat.geometry.x, seat.geometry.y, "geonames_seat", seat.score, f"geonames:{seat.geonameid} {seat.place_zh}"]
    return out


def locate_villages(units: pd.DataFrame, places: Any, *, source: str) -> pd.DataFrame:
    """Coordinates for villages and communities matched by name to map places of a compatible kind.

    Parameters
    ----------
    units : pandas.DataFrame
        ``planner.reference.villages`` rows (``name``, ``kind``).
    places : geopandas.GeoDataFrame
        ``osmid``, ``name``, ``place``, point geometry (:func:`osm_file_places` or
        ``planner.network.osm_places_in``), already inside the county.
    source : str, keyword-only
        ``coord_source`` written for matched units (``osm_file_match``, ``osm_match``).

    Returns
    -------
    pandas.DataFrame
        Indexed like ``units``: ``lon``, ``lat`` (NaN unmatched), ``coord_source`` (``""`` unmatched),
        ``score``, ``match`` (the OSM element and name).
    """
    out = pd.DataFrame({"lon": np.nan, "lat": np.nan, "coord_source": "", "score": np.nan, "match": ""},
                       index=units.index)
    if places is None or not len(places):
        return out
    places = places[(places["name"].astype(str) != "") & ~_township_named(places["name"].astype(str))]
    unit_ok = _unique_cores(list(units["name"]))
    place_ok = _unique_cores(list(places["name"]))
    for kind, allowed in PLACE_KINDS_FOR.items():
        u = units[(units["kind"] == kind) & unit_ok]
        p = places[places["place"].isin(allowed) & place_ok]
        if u.empty or p.empty:
            continue
        pts = p.geometry.representative_point()
        for i, j, score in match_names(list(u["name"]), list(p["name"])):
            idx = u.index[i]
            out.loc[idx, ["lon", "lat", "coord_source", "score", "match"]] = [
                round(pts.iloc[j].x, 6), round(pts.iloc[j].y, 6), source, score,
                f"{p['osmid'].iloc[j]} {p['name'].iloc[j]}"]
    ambiguous = int((~unit_ok).sum())
    if ambiguous:
        logger.info("%d units share a name with another unit of the county and were not matched", ambiguous)
    return out
