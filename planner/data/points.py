"""Point layers (facilities, settlements, candidate sites): read, locate, identify and name every row.

:func:`load_points` runs the stages in order: open the file (columns, CRS),
read the coordinates (point geometries or x/y columns), warn about suspected
Amap/Baidu coordinates, swap back swapped longitude/latitude, convert to
WGS84, exclude points outside the study area (or China), make ids and names,
read the layer's own fields (:mod:`planner.data.fields`), and fill township
and county names by location.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry.base import BaseGeometry

from planner.codes import DataProblem
from planner.config import InputSpec, StudyConfig
from planner.data.areas import AreaCheck, admin_lookup, area_check, inside
from planner.data.cells import cell_text, coordinate, fmt_coord
from planner.data.fields import facility_fields, settlement_fields
from planner.data.osm_facilities import is_osm_file, read_osm_facilities
from planner.data.outliers import far_points
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
from planner.data.vocabulary import AMAP_HINT, township_kind_from_name
from planner.geo import normalise_crs, out_of_china, to_wgs84
from planner.io import LAYER_FIELDS, RawLayer

__all__ = [
    "FACILITY_COLUMNS",
    "SETTLEMENT_COLUMNS",
    "PointContext",
    "load_points",
    "empty_points",
]

FACILITY_COLUMNS = ["name", "type", "tier", "beds", "nursing_beds", "occupied_beds", "public",
                    "capacity", "county", "township", "geometry"]
SETTLEMENT_COLUMNS = ["name", "kind", "township", "county", "population", "older_population",
                      "older_estimated", "urban", "central", "older_source", "older_rule", "geometry"]
_INDEX_NAMES = {"facilities": "facility_id", "settlements": "settlement_id"}
_ID_PREFIX = {"facilities": "F", "settlements": "S"}


@dataclass(frozen=True)
class PointContext:
    """What every point layer is checked against: the config, the problem log and the boundaries."""

    config: StudyConfig
    log: ProblemLog
    area: BaseGeometry | None
    townships: gpd.GeoDataFrame | None
    counties: gpd.GeoDataFrame | None
    #: WGS84 lon/lat of the kept points of the layers read so far (the reference for far points)
    kept_points: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)


@dataclass(frozen=True)
class _OpenPoints:
    """A point layer that was read, with its columns and configured coordinate system."""

    name: str
    layer: LayerLog
    raw: RawLayer
    columns: dict[str, str]
    crs: str

    @property
    def rows(self) -> np.ndarray:
        return self.raw.frame.index.to_numpy()


def empty_points(columns: list[str], index_name: str) -> gpd.GeoDataFrame:
    """An empty canonical point layer with the right dtypes."""
    dtypes = {"beds": float, "nursing_beds": float, "occupied_beds": float, "capacity": float,
              "population": float, "older_population": float, "public": "boolean",
              "older_estimated": bool, "urban": bool, "central": bool}
    data = {c: pd.Series([], dtype=dtypes.get(c, object)) for c in columns if c != "geometry"}
    gdf = gpd.GeoDataFrame(data, geometry=gpd.GeoSeries([], crs=WGS84), crs=WGS84)
    gdf.index = pd.Index([], dtype=object, name=index_name)
    return gdf


# --------------------------------------------------------------------------- stage 1: open


def _open_points(spec: InputSpec, name: str, ctx: PointContext) -> _OpenPoints | None:
    """Read the file and match its columns (None, summary written, when the layer is unusable)."""
    layer = LayerLog(ctx.log, display_path(spec.path, ctx.config), name)
    if name == "facilities" and is_osm_file(spec.path):  # the elderly-care rule on an OpenStreetMap file
        raw = read_osm_facilities(spec, layer, ctx.config)
    else:
        raw = read_input(spec, layer)
    if raw is None:
        return None
    if len(raw.frame) == 0:
        layer.layer(None, None, DataProblem.EMPTY_LAYER, "文件没有数据行", "检查是否选对了文件或工作表",
                    "the file has no data rows", "check the file (or sheet) is the right one")
        layer.summary(0, raw.encoding, None)
        return None
    spec_fields = LAYER_FIELDS[name]
    fields = spec_fields["required"] + spec_fields["optional"]
    required = tuple(f for f in spec_fields["required"] if not (raw.is_vector and f in ("x", "y")))
    if raw.is_vector:
        fields = tuple(f for f in fields if f not in ("x", "y"))
    cols = match_columns(raw, spec, layer, fields, required)
    crs = crs_name(spec, layer)
    if cols is None or crs is None:
        layer.summary(len(raw.frame), raw.encoding, crs)
        return None
    return _OpenPoints(name, layer, raw, cols, crs)


# --------------------------------------------------------------------------- stage 2: coordinates


def _vector_xy(op: _OpenPoints) -> tuple[np.ndarray, np.ndarray, str] | None:
    """x, y of point features and the CRS they are in (None, summary written, when the CRS is unknowable)."""
    frame, layer, rows, crs = op.raw.frame, op.layer, op.rows, op.crs
    x = np.full(len(rows), np.nan)
    y = np.full(len(rows), np.nan)
    for i, row in enumerate(rows):
        g = frame.geometry.iloc[i]
        if g is None or g.is_empty:
            layer.row(row, "geometry", None, DataProblem.EMPTY_GEOMETRY, "要素没有几何（坐标）",
                      "在 GIS 软件中补上位置或删除该要素", "feature has no geometry",
                      "add its location or delete it")
            continue
        if g.geom_type == "MultiPoint" and len(g.geoms) == 1:
            g = g.geoms[0]
        if g.geom_type != "Point":
            layer.row(row, "geometry", g.geom_type, DataProblem.NON_POINT_GEOMETRY,
                      f"{op.name} 应为点，实际为 {g.geom_type}",
                      "在 GIS 软件中用“要素转点”转换后再导出", f"{op.name} must be points, got {g.geom_type}",
                      "convert to points (feature to point) in your GIS")
            continue
        x[i], y[i] = g.x, g.y
    file_crs = op.raw.crs
    if file_crs is None:
        if not accept_unrecorded_crs(layer, crs, in_degrees(x, y)):
            layer.summary(len(rows), op.raw.encoding, None)
            return None
    elif crs not in ("gcj02", "bd09"):
        crs = normalise_crs(file_crs)
    return x, y, crs


def _table_xy(op: _OpenPoints) -> tuple[np.ndarray, np.ndarray]:
    """x, y from the coordinate columns; rows with junk or missing coordinates are excluded."""
    frame, layer, rows = op.raw.frame, op.layer, op.rows
    x = np.full(len(rows), np.nan)
    y = np.full(len(rows), np.nan)
    xcol, ycol = op.columns["x"], op.columns["y"]
    for i, (row, xv, yv) in enumerate(zip(rows, frame[xcol].tolist(), frame[ycol].tolist())):
        xn, xok = coordinate(xv)
        yn, yok = coordinate(yv)
        if not (xok and yok):
            bad_col, bad_val = (xcol, xv) if not xok else (ycol, yv)
            layer.row(row, bad_col, bad_val, DataProblem.NON_NUMERIC_COORDINATES, "坐标不是数字",
                      "填写十进制度数（如 126.6351）或度分秒（如 126°38′6″）", "coordinate is not a number",
                      "write decimal degrees (126.6351) or degrees-minutes-seconds (126°38'6\")")
            continue
        if math.isnan(xn) or math.isnan(yn):
            bad_col = xcol if math.isnan(xn) else ycol
            layer.row(row, bad_col, None, DataProblem.MISSING_COORDINATES, "缺少坐标",
                      "在地图上查到位置后填写经度和纬度", "coordinates missing",
                      "look the place up on a map and fill in longitude and latitude")
            continue
        x[i], y[i] = xn, yn
    return x, y


def _warn_suspect_gcj02(spec: InputSpec, op: _OpenPoints, crs: str) -> None:
    """WGS84 configured, but the file or column names say Amap/Tencent/Baidu: warn."""
    file_name = Path(spec.path).name
    if crs != "wgs84" or not (AMAP_HINT.search(file_name) or any(AMAP_HINT.search(c) for c in op.raw.columns)):
        return
    op.layer.layer(None, file_name, DataProblem.SUSPECT_GCJ02,
                   "文件名或列名提示坐标来自高德/腾讯或百度地图，但配置的坐标系是 WGS84",
                   f"如果坐标取自高德/腾讯地图，在配置 [inputs.{op.name}] 写 crs = \"gcj02\"；"
                   "取自百度地图写 crs = \"bd09\"（否则位置偏差约 300-700 米）",
                   "the file or column names suggest Amap/Tencent or Baidu coordinates, but the config says WGS84",
                   f"set crs = \"gcj02\" (Amap/Tencent) or \"bd09\" (Baidu) in [inputs.{op.name}]; "
                   "otherwise points are off by 300-700 m", severity="warning")


def _unswap(x: np.ndarray, y: np.ndarray, op: _OpenPoints, coord_col: str, check: AreaCheck | None) -> None:
    """Swap back (in place, with a warning) lon/lat that are only inside the area when swapped."""
    valid = np.isfinite(x) & np.isfinite(y)
    in_place = inside(x, y, check) & valid
    swapped_in = inside(y, x, check) & valid & ~in_place
    for i in np.flatnonzero(swapped_in):
        row = op.rows[i]
        op.layer.row(row, coord_col, f"{fmt_coord(x[i])}, {fmt_coord(y[i])}", DataProblem.SWAPPED_LON_LAT,
                     f"经度和纬度填反了（已按 经度 {fmt_coord(y[i])}、纬度 {fmt_coord(x[i])} 使用）",
                     f"在文件中交换第 {row} 行的经度和纬度",
                     f"longitude and latitude are swapped (used as lon {fmt_coord(y[i])}, lat {fmt_coord(x[i])})",
                     f"swap longitude and latitude in row {row}", severity="warning")
        x[i], y[i] = y[i], x[i]


def _exclude_outside(lon: np.ndarray, lat: np.ndarray, x: np.ndarray, y: np.ndarray, op: _OpenPoints,
                     coord_col: str, ctx: PointContext, check: AreaCheck | None) -> None:
    """Exclude points outside the study area (give or take the tolerance), or outside China without one."""
    valid = np.isfinite(x) & np.isfinite(y)
    if ctx.area is not None:
        outside = valid & ~inside(lon, lat, check)
        code, zh, fix_zh = (DataProblem.OUTSIDE_STUDY_AREA, "位置在研究区（县界）之外",
                            "核对坐标（常见原因：抄错数字、坐标系不对）；区外设施请删除该行")
        en, fix_en = ("the point is outside the study area",
                      "check the coordinates (typos, wrong crs); delete the row if the place really is outside")
    else:
        outside = valid & out_of_china(lon, lat)
        code, zh, fix_zh = DataProblem.OUTSIDE_CHINA, "位置不在中国境内", "核对坐标（经度约 121-135，纬度约 43-54）"
        en, fix_en = "the point is not in China", "check the coordinates (lon 121-135, lat 43-54 in Heilongjiang)"
    for i in np.flatnonzero(outside):
        op.layer.row(op.rows[i], coord_col, f"{fmt_coord(x[i])}, {fmt_coord(y[i])}", code, zh, fix_zh, en, fix_en)
    if ctx.area is None:
        _exclude_far(np.where(outside, np.nan, lon), np.where(outside, np.nan, lat), x, y, op, coord_col, ctx)


def _exclude_far(lon: np.ndarray, lat: np.ndarray, x: np.ndarray, y: np.ndarray, op: _OpenPoints,
                 coord_col: str, ctx: PointContext) -> None:
    """Without a boundary: exclude points far from the rest (:mod:`planner.data.outliers`)."""
    ref_lon = np.concatenate([lon] + [p[0] for p in ctx.kept_points])
    ref_lat = np.concatenate([lat] + [p[1] for p in ctx.kept_points])
    found = far_points(lon, lat, ref_lon, ref_lat)
    if found is None:
        return
    c = f"{fmt_coord(round(found.centre[0], 4))}, {fmt_coord(round(found.centre[1], 4))}"
    for i in np.flatnonzero(found.far):
        d, spread = found.distance_km[i], found.spread_km
        op.layer.row(op.rows[i], coord_col, f"{fmt_coord(x[i])}, {fmt_coord(y[i])}", DataProblem.FAR_FROM_OTHER_POINTS,
                     f"距其他点的中心（{c}）{d:,.0f} 公里，而一半的点在 {spread:,.1f} 公里以内；"
                     "没有边界时这样的点会把研究区拉大，已排除",
                     "核对坐标（抄错数字、经纬度填反、坐标系不对）；给出县界 [inputs.boundaries_county] "
                     "以便按边界检查；确实在那里的点请给出包含它的边界",
                     f"{d:,.0f} km from the centre of the other points ({c}), while half of them lie within "
                     f"{spread:,.1f} km; without a boundary it would stretch the study area, so it was excluded",
                     "check the coordinates (typo, swapped lon/lat, wrong crs); give the county boundary in "
                     "[inputs.boundaries_county]; if the place really is there, give a boundary that contains it")


def _locate(spec: InputSpec, op: _OpenPoints, ctx: PointContext) -> tuple[np.ndarray, np.ndarray, str] | None:
    """WGS84 longitude and latitude of every row (NaN when unusable) and the CRS read (None when unknowable)."""
    if op.raw.is_vector:
        read = _vector_xy(op)
        if read is None:
            return None
        x, y, crs = read
        coord_col = "geometry"
    else:
        (x, y), crs = _table_xy(op), op.crs
        coord_col = f"{op.columns['x']}/{op.columns['y']}"
    if not units_fit(op.layer, crs, x, y, recorded=op.raw.crs is not None and crs not in ("gcj02", "bd09")):
        op.layer.summary(len(op.rows), op.raw.encoding, crs)
        return None
    _warn_suspect_gcj02(spec, op, crs)
    check = area_check(ctx.area)
    if crs in ("wgs84", "gcj02", "bd09"):
        _unswap(x, y, op, coord_col, check)
    valid = np.isfinite(x) & np.isfinite(y)
    lon, lat = to_wgs84(x, y, crs) if valid.any() else (x, y)
    _exclude_outside(lon, lat, x, y, op, coord_col, ctx, check)
    return lon, lat, crs


# --------------------------------------------------------------------------- stage 3: ids and fields


def _ids(op: _OpenPoints) -> list[str]:
    """One id per row: given, or made from the row number (MISSING_ID); repeated ids exclude the later rows."""
    frame, cols, layer, rows = op.raw.frame, op.columns, op.layer, op.rows
    prefix = _ID_PREFIX.get(op.name, "C")
    if "id" not in cols:
        layer.layer(None, None, DataProblem.MISSING_ID, f"没有编号列，按行号生成编号（{prefix}行号）",
                    "增加一列“编号”，给每行一个唯一编号，便于核对结果",
                    f"no id column; ids were made from row numbers ({prefix}<row>)",
                    "add an id column (编号) with a unique id per row", severity="warning")
        return [f"{prefix}{r}" for r in rows]
    col = cols["id"]
    given = [cell_text(v) for v in frame[col].tolist()]
    taken = set(given)
    ids = []
    for r, v in zip(rows, given):
        if v:
            ids.append(v)
            continue
        new = f"{prefix}{r}"
        while new in taken:
            new += "_"
        taken.add(new)
        layer.row(r, col, None, DataProblem.MISSING_ID, f"缺少编号，已按行号记为 {new}", f"填写「{col}」",
                  f"id missing; recorded as {new}", f"fill in '{col}'", severity="warning")
        ids.append(new)
    _exclude_repeated_ids(rows, ids, col, layer)
    return ids


def _exclude_repeated_ids(rows: np.ndarray, ids: list[str], col: str, layer: LayerLog) -> None:
    groups: dict[str, list[int]] = defaultdict(list)
    for r, v in zip(rows, ids):
        groups[v].append(int(r))
    for v, rs in groups.items():
        if len(rs) < 2:
            continue
        listed = "、".join(map(str, rs))
        for r in rs[1:]:
            layer.row(r, col, v, DataProblem.DUPLICATE_ID,
                      f"编号「{v}」重复，出现在第 {listed} 行；保留第 {rs[0]} 行，排除本行",
                      "给每行一个唯一编号",
                      f"id '{v}' is used on rows {', '.join(map(str, rs))}; row {rs[0]} kept, this row excluded",
                      "give every row a unique id")


def _attributes(op: _OpenPoints, config: StudyConfig) -> pd.DataFrame:
    """id, name (the id when blank), the layer's own fields, township and county, one row per input row."""
    frame, cols, n = op.raw.frame, op.columns, len(op.rows)

    def texts(fld: str) -> list[str]:
        return [cell_text(v) for v in frame[cols[fld]].tolist()] if fld in cols else [""] * n

    out = pd.DataFrame(index=frame.index)
    out["id"] = _ids(op)
    out["name"] = texts("name")
    out.loc[out["name"] == "", "name"] = out.loc[out["name"] == "", "id"]
    if op.name == "facilities":
        facility_fields(frame, cols, op.layer, config, out)
    elif op.name == "settlements":
        settlement_fields(frame, cols, op.layer, out)
    else:  # candidates: the type is kept as written (乡镇卫生院, 闲置校舍...)
        out["type"] = texts("type")
    for fld in ("township", "county"):
        out[fld] = texts(fld)
    return out


# --------------------------------------------------------------------------- stage 4: admin names


def _fill_admin(gdf: gpd.GeoDataFrame, ctx: PointContext, layer: LayerLog, columns: dict[str, str]) -> None:
    """Fill blank township/county names by point-in-polygon (in place, on our own frame).

    A name that the boundary layer does not know is replaced by the name of
    the boundary containing the point, with an ``UNKNOWN_ADMIN_NAME`` warning.
    """
    if not len(gdf):
        return
    for fld, areas, zh in (("township", ctx.townships, "乡镇"), ("county", ctx.counties, "县")):
        if areas is None or not len(areas):
            continue
        found = admin_lookup(gdf, areas)
        blank = gdf[fld] == ""
        gdf.loc[blank, fld] = found[blank]
        known = set(areas.index)
        for row in gdf.index[(~blank) & ~gdf[fld].isin(known) & (found != "")]:
            given = gdf.at[row, fld]
            layer.row(row, columns.get(fld, fld), given, DataProblem.UNKNOWN_ADMIN_NAME,
                      f"{zh}「{given}」不在{zh}边界中；按位置归入「{found[row]}」",
                      f"使{zh}名称与边界文件一致（例如写全称）",
                      f"{fld} '{given}' is not in the boundaries; assigned to '{found[row]}' by location",
                      "use the names of the boundary file", severity="warning")
            gdf.at[row, fld] = found[row]
        if fld == "township":
            county_of = areas["county"].to_dict()
            blank_c = gdf["county"] == ""
            gdf.loc[blank_c, "county"] = gdf.loc[blank_c, "township"].map(county_of).fillna("")


def _central(township: pd.Series, townships: gpd.GeoDataFrame | None, config: StudyConfig) -> np.ndarray:
    """Settlements in a central township: the configured ones, else the streets (街道)."""
    if config.central_townships:
        return township.isin(set(config.central_townships)).to_numpy(dtype=bool)
    if townships is not None and len(townships):
        streets = set(townships.index[townships["kind"] == "street"])
        return (township.isin(streets) | township.map(township_kind_from_name).eq("street")).to_numpy(dtype=bool)
    return township.map(township_kind_from_name).eq("street").to_numpy(dtype=bool)


def _assemble(op: _OpenPoints, out: pd.DataFrame, lon: np.ndarray, lat: np.ndarray,
              ctx: PointContext) -> tuple[gpd.GeoDataFrame, dict]:
    """The kept rows as a point layer indexed by id, admin names filled; and id -> source row."""
    kept = [r for r in op.rows if r not in op.layer.excluded]
    gdf = gpd.GeoDataFrame(out, geometry=gpd.points_from_xy(lon, lat), crs=WGS84).loc[kept]
    _fill_admin(gdf, ctx, op.layer, op.columns)
    row_of = dict(zip(gdf["id"], gdf.index))
    gdf = gdf.set_index("id")
    gdf.index = gdf.index.astype(str)
    gdf.index.name = _INDEX_NAMES.get(op.name, "candidate_id")
    if op.name == "settlements":
        gdf["urban"] = (gdf["kind"] == "community").to_numpy()
        gdf["central"] = _central(gdf["township"], ctx.townships, ctx.config)
    n = len(op.rows)
    if len(gdf) == 0 and n > 0:
        op.layer.layer(None, None, DataProblem.EMPTY_LAYER, f"所有 {n} 行都被排除，没有可用数据",
                       "按上面列出的问题修改文件", f"all {n} rows were excluded; nothing usable is left",
                       "fix the problems listed above")
    return gdf, row_of


def load_points(spec: InputSpec, name: str, ctx: PointContext) -> tuple[gpd.GeoDataFrame | None, dict, dict]:
    """A canonical point layer (None when unusable), id -> source row, and field -> file column.

    Parameters
    ----------
    spec
        The layer's input spec.
    name
        ``"facilities"``, ``"settlements"`` or ``"candidates"``.
    ctx
        Config, problem log and boundaries.
    """
    op = _open_points(spec, name, ctx)
    if op is None:
        return None, {}, {}
    located = _locate(spec, op, ctx)
    if located is None:
        return None, {}, {}
    lon, lat, crs = located
    out = _attributes(op, ctx.config)
    gdf, row_of = _assemble(op, out, lon, lat, ctx)
    ctx.kept_points.append((gdf.geometry.x.to_numpy(), gdf.geometry.y.to_numpy()))
    op.layer.summary(len(op.rows), op.raw.encoding, crs)
    return gdf, row_of, op.columns
