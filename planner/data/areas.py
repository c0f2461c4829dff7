"""Boundaries: county and township polygons, exclusion zones, the study area and which area holds a point.

A point counts as inside the study area when it lies within
:data:`AREA_TOLERANCE_M` of the boundary (boundaries are simplified; a
facility on the border road is not an error).  Without boundaries the study
area is the points' convex hull buffered by :data:`HULL_BUFFER_M`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

from planner.codes import DataProblem
from planner.config import InputSpec, StudyConfig
from planner.data.cells import cell_text
from planner.data.reading import (
    WGS84,
    LayerLog,
    accept_unrecorded_crs,
    crs_name,
    display_path,
    in_degrees,
    match_columns,
    read_input,
    units_fit,
)
from planner.data.validation import ProblemLog
from planner.data.vocabulary import TOWNSHIP_KINDS, township_kind_from_name
from planner.geo import normalise_crs, out_of_china, to_wgs84, utm_crs_for
from planner.io import RawLayer, recognise_columns

__all__ = [
    "AREA_TOLERANCE_M",
    "HULL_BUFFER_M",
    "AreaCheck",
    "load_areas",
    "load_zones",
    "admin_lookup",
    "area_check",
    "inside",
    "boundary_area",
    "hull_area",
]

#: How far (m) outside the study boundary a point may lie and still count as
#: inside (boundaries are simplified; a facility on the border road is not an error).
AREA_TOLERANCE_M = 200.0
#: Buffer (m) around the points' convex hull when no boundary is given.
HULL_BUFFER_M = 2000.0

_POLYGONS = ("Polygon", "MultiPolygon")


# --------------------------------------------------------------------------- reading polygon layers


def to_wgs84_frame(gdf: gpd.GeoDataFrame, raw: RawLayer, spec: InputSpec, layer: LayerLog
                   ) -> gpd.GeoDataFrame | None:
    """Vector frame in WGS84 (None when the layer is unusable)."""
    crs = crs_name(spec, layer)
    if crs is None:
        return None
    if raw.crs is None:
        bounds = gdf.geometry.total_bounds
        if not accept_unrecorded_crs(layer, crs, in_degrees(bounds[[0, 2]], bounds[[1, 3]])):
            return None
        gdf = gdf.set_crs(crs if crs.startswith("EPSG:") else WGS84, allow_override=True)
    bounds = gdf.geometry.total_bounds
    recorded = raw.crs is not None and crs not in ("gcj02", "bd09")
    if not units_fit(layer, normalise_crs(raw.crs) if recorded else crs, bounds[[0, 2]], bounds[[1, 3]],
                     recorded=recorded):
        return None
    if crs in ("gcj02", "bd09"):
        gdf = gdf.to_crs(WGS84)
        geoms = shapely.transform(
            gdf.geometry.to_numpy(),
            lambda xy: np.column_stack(to_wgs84(xy[:, 0], xy[:, 1], crs)),
        )
        return gpd.GeoDataFrame(gdf.drop(columns="geometry"), geometry=geoms, crs=WGS84)
    return gdf.to_crs(WGS84)


def _vector_only(raw: RawLayer, layer: LayerLog, noun_zh: str, message_en: str) -> bool:
    """False (READ_FAILED, summary written) when a polygon layer was given as a table."""
    if raw.is_vector:
        return True
    layer.layer(None, None, DataProblem.READ_FAILED, f"{noun_zh}必须是 GeoJSON、GeoPackage 或 Shapefile 面数据",
                "在 GIS 软件中导出为 GeoJSON", message_en, "export them as GeoJSON from your GIS")
    layer.summary(len(raw.frame), None, None)
    return False


def _polygon_ok(layer: LayerLog, row: int, g: BaseGeometry | None, noun_zh: str, noun_en: str) -> bool:
    """False (with an EMPTY_GEOMETRY or NON_POLYGON_GEOMETRY error) when the row is no polygon."""
    if g is None or g.is_empty:
        layer.row(row, "geometry", None, DataProblem.EMPTY_GEOMETRY, "要素没有几何", "在 GIS 软件中补画或删除该要素",
                  "feature has no geometry", "draw it or delete the feature")
        return False
    if g.geom_type not in _POLYGONS:
        layer.row(row, "geometry", g.geom_type, DataProblem.NON_POLYGON_GEOMETRY,
                  f"{noun_zh}应为面（Polygon），实际为 {g.geom_type}", "导出面图层，而不是线或点",
                  f"{noun_en} must be polygons, got {g.geom_type}", "export the polygon layer")
        return False
    return True


# --------------------------------------------------------------------------- county and township boundaries


@dataclass(frozen=True)
class _OpenAreas:
    """A boundary layer that was read, in WGS84, with its columns."""

    layer: LayerLog
    frame: gpd.GeoDataFrame
    rows_read: int
    columns: dict[str, str]
    crs_label: str | None


def _open_areas(spec: InputSpec, name: str, config: StudyConfig, log: ProblemLog) -> _OpenAreas | None:
    """Read a boundary layer: file, vector check, features, columns, CRS (None, summary written, when unusable)."""
    layer = LayerLog(log, display_path(spec.path, config), name)
    raw = read_input(spec, layer)
    if raw is None or not _vector_only(raw, layer, "边界", "boundaries must be a GeoJSON, GeoPackage or "
                                       "Shapefile of polygons"):
        return None
    gdf = raw.frame
    if len(gdf) == 0:
        layer.layer(None, None, DataProblem.EMPTY_LAYER, "图层没有任何要素", "检查文件是否导出完整",
                    "the layer has no features", "check that the file was exported completely")
        layer.summary(0, None, None)
        return None
    fields = ("name", "kind", "county") if name == "townships" else ("name", "city")
    cols = match_columns(raw, spec, layer, fields, ("name",))
    crs_label = raw.crs.to_string() if raw.crs is not None else None
    wgs = None if cols is None else to_wgs84_frame(gdf, raw, spec, layer)
    if wgs is None:
        layer.summary(len(gdf), None, crs_label)
        return None
    return _OpenAreas(layer, wgs, len(gdf), cols, crs_label)


def _named_polygons(opened: _OpenAreas) -> tuple[gpd.GeoDataFrame, pd.Series]:
    """The rows that are polygons with a name, and their names."""
    gdf, cols, layer = opened.frame, opened.columns, opened.layer
    names = gdf[cols["name"]].map(cell_text)
    geoms = gdf.geometry
    keep = []
    for row in gdf.index:
        if not _polygon_ok(layer, row, geoms.loc[row], "边界", "boundaries"):
            continue
        if not names.loc[row]:
            layer.row(row, cols["name"], None, DataProblem.MISSING_NAME, "边界缺少名称", f"填写「{cols['name']}」",
                      "boundary has no name", f"fill in '{cols['name']}'")
            continue
        keep.append(row)
    return gdf.loc[keep], names.loc[keep]


def _warn_shared_names(names: pd.Series, column: str, layer: LayerLog) -> None:
    """Several features with one name become one (multi)polygon: say so."""
    dup = names[names.duplicated(keep=False)]
    for nm, rows in dup.groupby(dup).groups.items():
        rows_txt = "、".join(str(r) for r in rows)
        layer.row(int(rows[0]), column, nm, DataProblem.DUPLICATE_ID,
                  f"名称「{nm}」出现在多个要素（第 {rows_txt} 个），已合并为一个区域",
                  "若是不同的乡镇，请改名以区分（例如加上所属县）",
                  f"name '{nm}' is used by several features ({', '.join(map(str, rows))}); merged into one area",
                  "if these are different areas, give them distinct names", severity="warning")


def _township_kinds(sub: gpd.GeoDataFrame, names: pd.Series, cols: dict[str, str], layer: LayerLog) -> list[str]:
    """Street/town/township per row, from the kind column or else the name (UNKNOWN_TOWNSHIP_KIND when neither says)."""
    kinds = []
    for row in sub.index:
        value = cell_text(sub.loc[row, cols["kind"]]) if "kind" in cols else ""
        kind = TOWNSHIP_KINDS.get(value.lower(), "")
        if not kind:
            nm = names.loc[row]
            kind = township_kind_from_name(nm)
            if not kind:
                layer.row(row, cols.get("kind"), value, DataProblem.UNKNOWN_TOWNSHIP_KIND,
                          f"无法判断「{nm}」是街道、镇还是乡", "在类型列填写 街道、镇 或 乡",
                          f"cannot tell whether '{nm}' is a street, town or township",
                          "fill in 街道, 镇 or 乡 in the kind column", severity="warning")
        kinds.append(kind)
    return kinds


def _dissolve_by_name(frame: pd.DataFrame, sub: gpd.GeoDataFrame, index_name: str) -> gpd.GeoDataFrame:
    """One (multi)polygon per name, indexed by name."""
    out = gpd.GeoDataFrame(frame, geometry=sub.geometry.make_valid().to_numpy(), crs=WGS84)
    agg = {c: "first" for c in out.columns if c not in ("geometry", "name")}
    out = out.dissolve(by="name", aggfunc=agg) if len(out) else out.set_index("name")
    out.index = out.index.astype(str)
    out.index.name = index_name
    return out


def _finish_townships(out: gpd.GeoDataFrame, counties: gpd.GeoDataFrame | None,
                      config: StudyConfig) -> gpd.GeoDataFrame:
    """Fill blank counties by location; mark the central townships (configured, else the streets)."""
    if counties is not None and len(counties):
        missing = out["county"] == ""
        if missing.any():
            pts = gpd.GeoDataFrame(geometry=out.loc[missing].geometry.representative_point(), crs=WGS84)
            out.loc[missing, "county"] = admin_lookup(pts, counties).to_numpy()
    central = set(config.central_townships)
    out["central"] = out.index.isin(central) if central else (out["kind"] == "street").to_numpy()
    out["central"] = out["central"].astype(bool)
    return out[["kind", "county", "central", "geometry"]]


def load_areas(spec: InputSpec, name: str, config: StudyConfig, log: ProblemLog,
               counties: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame | None:
    """The ``counties`` or ``townships`` boundary layer, indexed by name (None when absent or unusable).

    Townships get ``kind`` (street/town/township), ``county`` (filled by
    location from ``counties`` when blank) and ``central``.
    """
    if spec.path is None:
        return None
    opened = _open_areas(spec, name, config, log)
    if opened is None:
        return None
    cols, layer = opened.columns, opened.layer
    sub, names = _named_polygons(opened)
    _warn_shared_names(names, cols["name"], layer)
    frame = pd.DataFrame({"name": names.to_numpy()}, index=sub.index)
    if name == "townships":
        frame["kind"] = _township_kinds(sub, names, cols, layer)
        frame["county"] = [cell_text(sub.loc[r, cols["county"]]) if "county" in cols else "" for r in sub.index]
    elif "city" in cols:  # the city (地级市) of each county, for scorecards per city (planner.multi)
        frame["city"] = [cell_text(sub.loc[r, cols["city"]]) for r in sub.index]
    out = _dissolve_by_name(frame, sub, "township" if name == "townships" else "county")
    keep = [c for c in ("city", "geometry") if c in out]
    out = _finish_townships(out, counties, config) if name == "townships" else out[keep]
    layer.summary(opened.rows_read, None, opened.crs_label or normalise_crs(spec.crs))
    return out


# --------------------------------------------------------------------------- exclusion zones


def load_zones(spec: InputSpec, config: StudyConfig, log: ProblemLog) -> gpd.GeoDataFrame | None:
    """Exclusion-zone polygons (ecological red line, basic farmland...) in WGS84."""
    layer = LayerLog(log, display_path(spec.path, config), "exclusion_zones")
    raw = read_input(spec, layer)
    if raw is None or not _vector_only(raw, layer, "禁建区", "exclusion zones must be a polygon GeoJSON, "
                                       "GeoPackage or Shapefile"):
        return None
    cols = recognise_columns(raw.columns, ["name", "kind"], overrides=spec.columns).columns
    gdf = to_wgs84_frame(raw.frame, raw, spec, layer) if len(raw.frame) else raw.frame
    if gdf is None:
        layer.summary(len(raw.frame), None, None)
        return None
    keep = [row for row, g in zip(gdf.index, gdf.geometry) if _polygon_ok(layer, row, g, "禁建区", "exclusion zones")]
    sub = gdf.loc[keep]

    def texts(fld: str) -> list[str]:
        return [cell_text(v) for v in sub[cols[fld]]] if fld in cols else [""] * len(sub)

    out = gpd.GeoDataFrame({"name": texts("name"), "kind": texts("kind")},
                           geometry=sub.geometry.make_valid().to_numpy(), crs=WGS84, index=sub.index)
    out.index.name = "zone"
    layer.summary(len(raw.frame), None, raw.crs.to_string() if raw.crs is not None else None)
    return out


# --------------------------------------------------------------------------- where points are


def _reproject(geom: Any, transformer: pyproj.Transformer) -> Any:
    """Geometry (or array of geometries) through ``transformer`` (x/y order)."""
    return shapely.transform(geom, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))


def admin_lookup(points: gpd.GeoDataFrame, areas: gpd.GeoDataFrame) -> pd.Series:
    """Name of the area containing each point ("" when none).

    A point in no area but within :data:`AREA_TOLERANCE_M` of one (it was kept
    as inside the study area) goes to the nearest such area.
    """
    if areas is None or len(areas) == 0 or len(points) == 0:
        return pd.Series("", index=points.index, dtype=object)
    geoms = points.geometry.to_numpy()
    tree = shapely.STRtree(areas.geometry.to_numpy())
    pi, ai = tree.query(geoms, predicate="intersects")
    hit = np.full(len(points), -1)
    # first hit per point (a point on a shared border goes to the first area listed)
    order = np.lexsort((ai, pi))
    pi, ai = pi[order], ai[order]
    first = np.unique(pi, return_index=True)[1]
    hit[pi[first]] = ai[first]
    near = np.flatnonzero(hit < 0)
    if len(near):
        hit[near] = _nearest_within_tolerance(geoms[near], areas)
    names = np.append(areas.index.astype(str).to_numpy(), "").astype(object)
    return pd.Series(names[hit], index=points.index, dtype=object)


def _nearest_within_tolerance(points: np.ndarray, areas: gpd.GeoDataFrame) -> np.ndarray:
    """Position of the area nearest each point if within :data:`AREA_TOLERANCE_M`, else -1 (metric, in UTM)."""
    to_utm = pyproj.Transformer.from_crs(WGS84, utm_crs_for(areas), always_xy=True)
    tree = shapely.STRtree(_reproject(areas.geometry.to_numpy(), to_utm))
    pi, ai = tree.query_nearest(_reproject(points, to_utm), max_distance=AREA_TOLERANCE_M, all_matches=False)
    out = np.full(len(points), -1)
    out[pi] = ai
    return out


@dataclass(frozen=True)
class AreaCheck:
    """The study area buffered by :data:`AREA_TOLERANCE_M`, in its UTM zone, ready for point tests."""

    zone: Any
    to_utm: pyproj.Transformer


def area_check(area: BaseGeometry | None) -> AreaCheck | None:
    """The :class:`AreaCheck` of ``area`` (None without an area)."""
    if area is None:
        return None
    crs = utm_crs_for(area)
    to_utm = pyproj.Transformer.from_crs(WGS84, crs, always_xy=True)
    zone = _reproject(area, to_utm).buffer(AREA_TOLERANCE_M)
    shapely.prepare(zone)
    return AreaCheck(zone, to_utm)


def inside(lon: np.ndarray, lat: np.ndarray, check: AreaCheck | None) -> np.ndarray:
    """Inside the (buffered) area; without an area: inside China."""
    ok = np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90)
    res = np.zeros(lon.shape, dtype=bool)
    if not ok.any():
        return res
    if check is None:
        res[ok] = ~out_of_china(lon[ok], lat[ok])
        return res
    ex, ny = check.to_utm.transform(lon[ok], lat[ok])
    res[ok] = shapely.contains_xy(check.zone, ex, ny)
    return res


def boundary_area(counties: gpd.GeoDataFrame | None, townships: gpd.GeoDataFrame | None) -> BaseGeometry | None:
    """The union of the county boundaries, else of the township boundaries, else None."""
    for areas in (counties, townships):
        if areas is not None and len(areas):
            return shapely.union_all(areas.geometry.to_numpy())
    return None


def hull_area(points: list[gpd.GeoDataFrame | None]) -> BaseGeometry | None:
    """The points' convex hull buffered by :data:`HULL_BUFFER_M` (None without points)."""
    pts = [p.geometry for p in points if p is not None and len(p)]
    if not pts:
        return None
    allp = shapely.union_all(np.concatenate([g.to_numpy() for g in pts]))
    crs = utm_crs_for(allp)
    fwd = pyproj.Transformer.from_crs(WGS84, crs, always_xy=True)
    back = pyproj.Transformer.from_crs(crs, WGS84, always_xy=True)
    return _reproject(_reproject(allp, fwd).convex_hull.buffer(HULL_BUFFER_M), back)
