"""The validated, canonical study data: :func:`load_study`.

:func:`load_study` reads every input layer named in the config, checks every
row, and returns a frozen :class:`StudyData` with the canonical layers of
``docs/architecture.md`` (facilities, settlements, townships, counties, all in
WGS84), the optional candidate sites and exclusion zones, plus a
:class:`~planner.validation.ValidationReport` that lists every problem once.

What happens to bad input
-------------------------
* A bad **row** (no or non-numeric coordinates, outside the study area,
  duplicate id, unknown facility type, unknown settlement kind, not a point)
  is excluded and counted in its layer's summary under the reason.
* A bad **value** that does not make the row useless (negative or
  non-numeric population or beds, unrecognised 公办 value) becomes unknown
  (NaN/NA) with a warning; swapped longitude/latitude are swapped back with a
  warning.
* A bad **layer** (file missing or unreadable, empty, required columns
  missing, no CRS and coordinates not in degrees) makes the study unusable:
  :class:`~planner._errors.DataError` is raised, carrying the full report
  (``exc.report``) and with ``report.format()`` as its message, so the user
  sees every problem at once rather than one per run.
* ``strict=True`` (or ``strict = true`` in the config) raises on any problem.

Coordinates in GCJ-02 (Amap/Gaode, Tencent) or BD-09 (Baidu) are converted
to WGS84 when the layer's ``crs`` says so (:mod:`planner.coords`).
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry
from tqdm.auto import tqdm

from planner.config import InputSpec, StudyConfig, tier_for_type
from planner.data.population import (
    PopulationAllocation,
    allocate_older_population,
    county_older_totals_from_census,
)
from planner.data.validation import LayerSummary, ProblemLog, ValidationReport
from planner.errors import DataError, InputFileNotFoundError
from planner.geo import normalise_crs, out_of_china, to_wgs84, utm_crs_for
from planner.i18n import check_lang, label, tr
from planner.io import LAYER_FIELDS, RawLayer, read_layer, recognise_columns

__all__ = [
    "StudyData",
    "township_kind_from_name",
    "load_study",
    "summarise_study",
    "summarise_study_frame",
    "KIND_VALUES",
    "PUBLIC_VALUES",
]

logger = logging.getLogger(__name__)

WGS84 = "EPSG:4326"

#: Settlement kind values (lower-cased) -> canonical kind.
KIND_VALUES: dict[str, str] = {
    "村": "village", "行政村": "village", "自然村": "village", "村委会": "village", "village": "village",
    "社区": "community", "居委会": "community", "community": "community",
}
#: 公办 values (lower-cased) -> bool.
PUBLIC_VALUES: dict[str, bool] = {
    "是": True, "公办": True, "公建公营": True, "公建民营": True, "true": True, "1": True, "yes": True,
    "否": False, "民办": False, "false": False, "0": False, "no": False,
}
_TOWNSHIP_KINDS = {"街道": "street", "street": "street", "镇": "town", "town": "town",
                   "乡": "township", "township": "township", "民族乡": "township"}


def township_kind_from_name(name: str) -> str:
    """Kind of a township-level unit from its name: ``street`` (街道), ``town`` (镇), ``township`` (乡).

    Parameters
    ----------
    name : str
        E.g. ``"站前街道"``, ``"站前街道办事处"``, ``"梨树乡"``, ``"明义乡"`` (民族乡 too).

    Returns
    -------
    str
        ``"street"``, ``"town"``, ``"township"``, or ``""`` when the name does not say.
    """
    name = str(name).strip()
    if name.endswith(("街道", "街道办事处", "街道办")):
        return "street"
    if name.endswith("镇"):
        return "town"
    if name.endswith("乡"):
        return "township"
    return ""


_AMAP_HINT = re.compile(r"高德|amap|gaode|gcj|火星|百度|baidu|bd09|腾讯|tencent", re.IGNORECASE)
#: How far (m) outside the study boundary a point may lie and still count as
#: inside (boundaries are simplified; a facility on the border road is not an error).
AREA_TOLERANCE_M = 200.0
#: Buffer (m) around the points' convex hull when no boundary is given.
HULL_BUFFER_M = 2000.0

_FIELD_ZH = {
    "id": "编号", "name": "名称", "type": "类型", "kind": "类型", "x": "经度", "y": "纬度",
    "beds": "床位数", "nursing_beds": "护理型床位数", "occupied_beds": "入住人数", "public": "是否公办",
    "capacity": "服务能力", "township": "所属乡镇", "county": "所属县", "population": "总人口",
    "older_population": "60岁以上人口",
}


@dataclass(frozen=True)
class StudyData:
    """The validated study layers (see ``docs/architecture.md``).

    Attributes
    ----------
    facilities, settlements
        Canonical point layers (WGS84), indexed by id.
    townships, counties
        Boundary layers indexed by name, or ``None`` when not given.
    study_area
        Union of the county (else township) boundaries, else the points'
        convex hull buffered by :data:`HULL_BUFFER_M`; WGS84.
    projected_crs
        UTM zone of the study area, for metric work.
    report
        Every problem found, and a summary per layer.
    config
        The configuration the data was loaded with.
    allocation
        The older-population allocation (records of what was estimated).
    candidates
        Candidate sites for new facilities (``inputs.candidates``), indexed by
        ``candidate_id``, columns ``name``, ``type`` (as written), ``township``,
        ``county``, ``geometry``; ``None`` when not configured.
    exclusion_zones
        Polygons where no facility may be sited (``inputs.exclusion_zones``):
        columns ``name``, ``kind``, ``geometry``, indexed by feature number; or ``None``.
    """

    facilities: gpd.GeoDataFrame
    settlements: gpd.GeoDataFrame
    townships: gpd.GeoDataFrame | None
    counties: gpd.GeoDataFrame | None
    study_area: BaseGeometry
    projected_crs: pyproj.CRS
    report: ValidationReport
    config: StudyConfig
    allocation: PopulationAllocation | None = None
    candidates: gpd.GeoDataFrame | None = None
    exclusion_zones: gpd.GeoDataFrame | None = None


# --------------------------------------------------------------------------- helpers


def _display(path: Path, config: StudyConfig) -> str:
    if config.source is not None:
        try:
            return str(Path(path).resolve().relative_to(Path(config.source).resolve().parent))
        except ValueError:
            pass
    return str(path)


def _cell_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        if math.isnan(v):
            return ""
        if v.is_integer():
            return str(int(v))
    s = str(v).strip()
    return "" if s.lower() in ("nan", "none", "<na>") else s


def _number(v: Any) -> tuple[float, bool]:
    """(value, ok): NaN and ok=True for blanks, NaN and ok=False for junk."""
    if v is None:
        return math.nan, True
    if isinstance(v, bool):
        return math.nan, False
    if isinstance(v, int | float | np.integer | np.floating):
        return float(v), True
    s = unicodedata.normalize("NFKC", str(v)).strip().replace(",", "")
    if s == "" or s.lower() in ("nan", "none", "<na>"):
        return math.nan, True
    try:
        return float(s), True
    except ValueError:
        return math.nan, False


_DMS = re.compile(
    r"^\s*(?:东经|北纬|[ENen])?\s*(\d+(?:\.\d+)?)\s*[°度]\s*(?:(\d+(?:\.\d+)?)\s*['′’分])?"
    r"\s*(?:(\d+(?:\.\d+)?)\s*(?:\"|″|”|''|′′|秒))?\s*[ENen]?\s*$"
)


def _coordinate(v: Any) -> tuple[float, bool]:
    """Like :func:`_number`, also reading degrees-minutes-seconds (东经126°38′12″, 126°38'12.5"E)."""
    value, ok = _number(v)
    if ok:
        return value, ok
    m = _DMS.match(unicodedata.normalize("NFKC", str(v)))
    if m is None:
        return math.nan, False
    deg, minutes, seconds = (float(g) if g else 0.0 for g in m.groups())
    if minutes >= 60 or seconds >= 60:
        return math.nan, False
    return deg + minutes / 60.0 + seconds / 3600.0, True


class _Layer:
    """Bookkeeping for one layer: problems go to the log, exclusions are counted."""

    def __init__(self, log: ProblemLog, file: str, name: str, lang: str) -> None:
        self.log = log
        self.file = file
        self.name = name
        self.lang = lang
        self.excluded: dict[int, str] = {}  # row -> first error code
        self.fatal = False

    def row(self, row: int, column: str | None, value: Any, code: str, zh: str, fix_zh: str,
            en: str, fix_en: str, *, severity: str = "error") -> None:
        self.log.add(self.file, row, column, value, code, zh, fix_zh, severity=severity,
                     message_en=en, fix_en=fix_en)
        if severity == "error":
            self.excluded.setdefault(row, code)

    def layer(self, column: str | None, value: Any, code: str, zh: str, fix_zh: str, en: str,
              fix_en: str, *, severity: str = "error") -> None:
        self.log.add(self.file, None, column, value, code, zh, fix_zh, severity=severity,
                     message_en=en, fix_en=fix_en)
        if severity == "error":
            self.fatal = True

    def summary(self, rows_read: int, encoding: str | None, crs: str | None) -> None:
        counts = Counter(self.excluded.values())
        self.log.summary(LayerSummary(
            file=self.file, layer=self.name, rows_read=rows_read,
            rows_kept=rows_read - len(self.excluded), excluded=dict(counts),
            encoding=encoding, crs=crs,
        ))


def _read(spec: InputSpec, layer: _Layer) -> RawLayer | None:
    try:
        return read_layer(spec.path, encoding=spec.encoding, sheet=spec.sheet, layer=spec.layer)
    except InputFileNotFoundError:
        layer.layer(None, None, "FILE_NOT_FOUND",
                    f"{layer.name} 文件不存在：{spec.path}",
                    f"检查配置 [inputs.{layer.name}] 中的 path 是否正确（相对于配置文件所在文件夹）",
                    f"{layer.name} file not found: {spec.path}",
                    f"check path in [inputs.{layer.name}] (relative to the config file's folder)")
    except DataError as exc:
        layer.layer(None, None, "READ_FAILED", f"无法读取：{exc}",
                    "用 Excel/WPS 另存为 CSV UTF-8 或 .xlsx，或检查 sheet/layer 设置",
                    f"cannot read: {exc}", "re-save as CSV UTF-8 or .xlsx, or check sheet/layer")
    layer.summary(0, None, None)
    return None


def _columns(raw: RawLayer, spec: InputSpec, layer: _Layer, fields: Sequence[str],
             required: Sequence[str]) -> dict[str, str] | None:
    match = recognise_columns(raw.columns, fields, required=required, overrides=spec.columns)
    found = "、".join(match.found) or "（无）"
    for fld, col in match.bad_overrides.items():
        layer.layer(col, col, "MISSING_COLUMNS",
                    f"配置指定 {fld} 列为「{col}」，但文件中没有这一列；文件中的列：{found}",
                    f"把 [inputs.{layer.name}.columns] 中的 {fld} 改为上面列出的某一列",
                    f"the config names column '{col}' for {fld}, but the file has no such column; "
                    f"columns found: {', '.join(match.found)}",
                    f"set {fld} in [inputs.{layer.name}.columns] to one of the columns found")
    if match.missing:
        need_zh = "、".join(f"{_FIELD_ZH.get(f, f)}（{f}）" for f in match.missing)
        need_en = ", ".join(match.missing)
        example = match.missing[0]
        layer.layer(None, None, "MISSING_COLUMNS",
                    f"缺少必需的列：{need_zh}；文件中的列：{found}",
                    f"把相应列名改为 {_FIELD_ZH.get(example, example)}，或在配置中写 "
                    f"[inputs.{layer.name}.columns] {example} = \"文件中的列名\"",
                    f"required columns missing: {need_en}; columns found: {', '.join(match.found)}",
                    f"rename the columns, or map them in [inputs.{layer.name}.columns], "
                    f"e.g. {example} = \"<column in file>\"")
    if not match.ok:
        return None
    return dict(match.columns)


def _crs_name(spec: InputSpec, layer: _Layer) -> str | None:
    try:
        return normalise_crs(spec.crs)
    except Exception as exc:  # ConfigError from normalise_crs
        layer.layer(None, spec.crs, "MISSING_CRS", f"无法识别坐标系：{exc}",
                    "crs 写 wgs84、gcj02（高德/腾讯）、bd09（百度）或 EPSG:编号",
                    f"unknown coordinate system: {exc}", "use wgs84, gcj02, bd09 or EPSG:<code>")
        return None


def _degrees(x: np.ndarray, y: np.ndarray) -> bool:
    ok = np.isfinite(x) & np.isfinite(y)
    return bool(ok.any()) and bool(
        (np.abs(x[ok]) <= 180).all() and (np.abs(y[ok]) <= 90).all()
    )


# --------------------------------------------------------------------------- boundaries


def _load_areas(spec: InputSpec, name: str, config: StudyConfig, log: ProblemLog,
                counties: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame | None:
    if spec.path is None:
        return None
    layer = _Layer(log, _display(spec.path, config), name, config.lang)
    raw = _read(spec, layer)
    if raw is None:
        return None
    if not raw.is_vector:
        layer.layer(None, None, "READ_FAILED", "边界必须是 GeoJSON、GeoPackage 或 Shapefile 面数据",
                    "在 GIS 软件中导出为 GeoJSON", "boundaries must be a GeoJSON, GeoPackage or Shapefile "
                    "of polygons", "export them as GeoJSON from your GIS")
        layer.summary(len(raw.frame), None, None)
        return None
    gdf = raw.frame
    if len(gdf) == 0:
        layer.layer(None, None, "EMPTY_LAYER", "图层没有任何要素", "检查文件是否导出完整",
                    "the layer has no features", "check that the file was exported completely")
        layer.summary(0, None, None)
        return None
    fields = ("name", "kind", "county") if name == "townships" else ("name",)
    cols = _columns(raw, spec, layer, fields, ("name",))
    crs_label = raw.crs.to_string() if raw.crs is not None else None
    if cols is None:
        layer.summary(len(gdf), None, crs_label)
        return None
    gdf = _to_wgs84_frame(gdf, raw, spec, layer)
    if gdf is None:
        layer.summary(len(raw.frame), None, crs_label)
        return None
    names = gdf[cols["name"]].map(_cell_text)
    geoms = gdf.geometry
    keep = []
    for row in gdf.index:
        g = geoms.loc[row]
        if g is None or g.is_empty:
            layer.row(row, "geometry", None, "EMPTY_GEOMETRY", "要素没有几何", "在 GIS 软件中补画或删除该要素",
                      "feature has no geometry", "draw it or delete the feature")
            continue
        if g.geom_type not in ("Polygon", "MultiPolygon"):
            layer.row(row, "geometry", g.geom_type, "NON_POLYGON_GEOMETRY",
                      f"边界应为面（Polygon），实际为 {g.geom_type}", "导出面图层，而不是线或点",
                      f"boundaries must be polygons, got {g.geom_type}", "export the polygon layer")
            continue
        if not names.loc[row]:
            layer.row(row, cols["name"], None, "MISSING_NAME", "边界缺少名称", f"填写「{cols['name']}」",
                      "boundary has no name", f"fill in '{cols['name']}'")
            continue
        keep.append(row)
    sub = gdf.loc[keep]
    names = names.loc[keep]
    # several features with one name: one (multi)polygon
    dup = names[names.duplicated(keep=False)]
    for nm, rows in dup.groupby(dup).groups.items():
        rows_txt = "、".join(str(r) for r in rows)
        layer.row(int(rows[0]), cols["name"], nm, "DUPLICATE_ID",
                  f"名称「{nm}」出现在多个要素（第 {rows_txt} 个），已合并为一个区域",
                  "若是不同的乡镇，请改名以区分（例如加上所属县）",
                  f"name '{nm}' is used by several features ({', '.join(map(str, rows))}); merged into one area",
                  "if these are different areas, give them distinct names", severity="warning")
    frame = pd.DataFrame({"name": names.to_numpy()}, index=sub.index)
    if name == "townships":
        kinds = []
        for row in sub.index:
            value = _cell_text(sub.loc[row, cols["kind"]]) if "kind" in cols else ""
            kind = _TOWNSHIP_KINDS.get(value.lower(), "")
            if not kind:
                nm = names.loc[row]
                kind = township_kind_from_name(nm)
                if not kind:
                    layer.row(row, cols.get("kind"), value, "UNKNOWN_TOWNSHIP_KIND",
                              f"无法判断「{nm}」是街道、镇还是乡", "在类型列填写 街道、镇 或 乡",
                              f"cannot tell whether '{nm}' is a street, town or township",
                              "fill in 街道, 镇 or 乡 in the kind column", severity="warning")
            kinds.append(kind)
        frame["kind"] = kinds
        frame["county"] = [_cell_text(sub.loc[r, cols["county"]]) if "county" in cols else "" for r in sub.index]
    out = gpd.GeoDataFrame(frame, geometry=sub.geometry.make_valid().to_numpy(), crs=WGS84)
    agg = {c: "first" for c in out.columns if c not in ("geometry", "name")}
    out = out.dissolve(by="name", aggfunc=agg) if len(out) else out.set_index("name")
    out.index = out.index.astype(str)
    out.index.name = "township" if name == "townships" else "county"
    if name == "townships":
        if counties is not None and len(counties):
            missing = out["county"] == ""
            if missing.any():
                pts = gpd.GeoDataFrame(geometry=out.loc[missing].geometry.representative_point(), crs=WGS84)
                out.loc[missing, "county"] = _admin_lookup(pts, counties).to_numpy()
        central = set(config.central_townships)
        out["central"] = out.index.isin(central) if central else (out["kind"] == "street").to_numpy()
        out["central"] = out["central"].astype(bool)
        out = out[["kind", "county", "central", "geometry"]]
    else:
        out = out[["geometry"]]
    layer.summary(len(gdf), None, crs_label or normalise_crs(spec.crs))
    return out


def _load_zones(spec: InputSpec, config: StudyConfig, log: ProblemLog) -> gpd.GeoDataFrame | None:
    """Exclusion-zone polygons (ecological red line, basic farmland...) in WGS84."""
    layer = _Layer(log, _display(spec.path, config), "exclusion_zones", config.lang)
    raw = _read(spec, layer)
    if raw is None:
        return None
    if not raw.is_vector:
        layer.layer(None, None, "READ_FAILED", "禁建区必须是 GeoJSON、GeoPackage 或 Shapefile 面数据",
                    "在 GIS 软件中导出为 GeoJSON", "exclusion zones must be a polygon GeoJSON, GeoPackage or "
                    "Shapefile", "export them as GeoJSON from your GIS")
        layer.summary(len(raw.frame), None, None)
        return None
    cols = recognise_columns(raw.columns, ["name", "kind"], overrides=spec.columns).columns
    gdf = _to_wgs84_frame(raw.frame, raw, spec, layer) if len(raw.frame) else raw.frame
    if gdf is None:
        layer.summary(len(raw.frame), None, None)
        return None
    keep = []
    for row, g in zip(gdf.index, gdf.geometry):
        if g is None or g.is_empty:
            layer.row(row, "geometry", None, "EMPTY_GEOMETRY", "要素没有几何", "在 GIS 软件中补画或删除该要素",
                      "feature has no geometry", "draw it or delete the feature")
        elif g.geom_type not in ("Polygon", "MultiPolygon"):
            layer.row(row, "geometry", g.geom_type, "NON_POLYGON_GEOMETRY",
                      f"禁建区应为面（Polygon），实际为 {g.geom_type}", "导出面图层，而不是线或点",
                      f"exclusion zones must be polygons, got {g.geom_type}", "export the polygon layer")
        else:
            keep.append(row)
    sub = gdf.loc[keep]
    out = gpd.GeoDataFrame(
        {"name": [_cell_text(v) for v in sub[cols["name"]]] if "name" in cols else [""] * len(sub),
         "kind": [_cell_text(v) for v in sub[cols["kind"]]] if "kind" in cols else [""] * len(sub)},
        geometry=sub.geometry.make_valid().to_numpy(), crs=WGS84, index=sub.index,
    )
    out.index.name = "zone"
    layer.summary(len(raw.frame), None, raw.crs.to_string() if raw.crs is not None else None)
    return out


def _admin_lookup(points: gpd.GeoDataFrame, areas: gpd.GeoDataFrame) -> pd.Series:
    """Name of the area containing each point ("" when none)."""
    if areas is None or len(areas) == 0 or len(points) == 0:
        return pd.Series("", index=points.index, dtype=object)
    tree = shapely.STRtree(areas.geometry.to_numpy())
    pi, ai = tree.query(points.geometry.to_numpy(), predicate="intersects")
    values = np.full(len(points), "", dtype=object)
    # first hit per point (a point on a shared border goes to the first area listed)
    order = np.lexsort((ai, pi))
    pi, ai = pi[order], ai[order]
    first = np.unique(pi, return_index=True)[1]
    names = areas.index.astype(str).to_numpy()
    values[pi[first]] = names[ai[first]]
    return pd.Series(values, index=points.index, dtype=object)


def _to_wgs84_frame(gdf: gpd.GeoDataFrame, raw: RawLayer, spec: InputSpec, layer: _Layer
                    ) -> gpd.GeoDataFrame | None:
    """Vector frame in WGS84 (None when the layer is unusable)."""
    crs_name = _crs_name(spec, layer)
    if crs_name is None:
        return None
    bounds = gdf.geometry.total_bounds
    if raw.crs is None:
        degrees = np.all(np.isfinite(bounds)) and abs(bounds[0]) <= 180 and abs(bounds[2]) <= 180 \
            and abs(bounds[1]) <= 90 and abs(bounds[3]) <= 90
        if crs_name.startswith("EPSG:") or degrees:
            layer.layer(None, None, "MISSING_CRS",
                        f"文件没有记录坐标系，按配置的 crs = {crs_name} 读取",
                        "确认坐标系；在 GIS 软件中为图层定义坐标系（如 EPSG:4326）后重新导出",
                        f"the file records no coordinate system; read as the config's crs = {crs_name}",
                        "check it, and define the layer's CRS (e.g. EPSG:4326) in your GIS", severity="warning")
        else:
            layer.layer(None, None, "MISSING_CRS",
                        "文件没有记录坐标系，且坐标不是经纬度，无法确定位置",
                        f"在 GIS 软件中定义坐标系后重新导出，或在配置 [inputs.{layer.name}] 写 crs = \"EPSG:编号\"",
                        "the file records no coordinate system and its coordinates are not degrees",
                        f"define the CRS in your GIS, or set crs = \"EPSG:<code>\" in [inputs.{layer.name}]")
            return None
        gdf = gdf.set_crs(crs_name if crs_name.startswith("EPSG:") else WGS84, allow_override=True)
    if crs_name in ("gcj02", "bd09"):
        gdf = gdf.to_crs(WGS84)
        geoms = shapely.transform(
            gdf.geometry.to_numpy(),
            lambda xy: np.column_stack(to_wgs84(xy[:, 0], xy[:, 1], crs_name)),
        )
        return gpd.GeoDataFrame(gdf.drop(columns="geometry"), geometry=geoms, crs=WGS84)
    return gdf.to_crs(WGS84)


# --------------------------------------------------------------------------- points


def _load_points(spec: InputSpec, name: str, config: StudyConfig, log: ProblemLog,
                 area: BaseGeometry | None, townships: gpd.GeoDataFrame | None,
                 counties: gpd.GeoDataFrame | None) -> tuple[gpd.GeoDataFrame | None, dict, dict]:
    """A canonical point layer (None when unusable), id -> source row, and field -> file column."""
    layer = _Layer(log, _display(spec.path, config), name, config.lang)
    raw = _read(spec, layer)
    if raw is None:
        return None, {}, {}
    frame = raw.frame
    enc = raw.encoding
    if len(frame) == 0:
        layer.layer(None, None, "EMPTY_LAYER", "文件没有数据行", "检查是否选对了文件或工作表",
                    "the file has no data rows", "check the file (or sheet) is the right one")
        layer.summary(0, enc, None)
        return None, {}, {}
    spec_fields = LAYER_FIELDS[name]
    fields = spec_fields["required"] + spec_fields["optional"]
    required = tuple(f for f in spec_fields["required"] if not (raw.is_vector and f in ("x", "y")))
    if raw.is_vector:
        fields = tuple(f for f in fields if f not in ("x", "y"))
    cols = _columns(raw, spec, layer, fields, required)
    crs_name = _crs_name(spec, layer)
    if cols is None or crs_name is None:
        layer.summary(len(frame), enc, crs_name)
        return None, {}, {}
    rows = frame.index.to_numpy()
    n = len(rows)

    # ---- coordinates
    x = np.full(n, np.nan)
    y = np.full(n, np.nan)
    if raw.is_vector:
        file_crs = raw.crs
        for i, row in enumerate(rows):
            g = frame.geometry.iloc[i]
            if g is None or g.is_empty:
                layer.row(row, "geometry", None, "EMPTY_GEOMETRY", "要素没有几何（坐标）",
                          "在 GIS 软件中补上位置或删除该要素", "feature has no geometry",
                          "add its location or delete it")
                continue
            if g.geom_type == "MultiPoint" and len(g.geoms) == 1:
                g = g.geoms[0]
            if g.geom_type != "Point":
                layer.row(row, "geometry", g.geom_type, "NON_POINT_GEOMETRY",
                          f"{name} 应为点，实际为 {g.geom_type}",
                          "在 GIS 软件中用“要素转点”转换后再导出", f"{name} must be points, got {g.geom_type}",
                          "convert to points (feature to point) in your GIS")
                continue
            x[i], y[i] = g.x, g.y
        if file_crs is None:
            if crs_name.startswith("EPSG:") or _degrees(x, y):
                layer.layer(None, None, "MISSING_CRS", f"文件没有记录坐标系，按配置的 crs = {crs_name} 读取",
                            "确认坐标系；在 GIS 软件中为图层定义坐标系（如 EPSG:4326）后重新导出",
                            f"the file records no coordinate system; read as the config's crs = {crs_name}",
                            "check it, and define the layer's CRS (e.g. EPSG:4326) in your GIS", severity="warning")
            else:
                layer.layer(None, None, "MISSING_CRS", "文件没有记录坐标系，且坐标不是经纬度，无法确定位置",
                            f"在 GIS 软件中定义坐标系后重新导出，或在配置 [inputs.{name}] 写 crs = \"EPSG:编号\"",
                            "the file records no coordinate system and its coordinates are not degrees",
                            f"define the CRS in your GIS, or set crs = \"EPSG:<code>\" in [inputs.{name}]")
                layer.summary(n, enc, None)
                return None, {}, {}
        elif crs_name not in ("gcj02", "bd09"):
            epsg = file_crs.to_epsg()
            crs_name = "wgs84" if epsg == 4326 else (f"EPSG:{epsg}" if epsg else file_crs.to_wkt())
    else:
        xcol, ycol = cols["x"], cols["y"]
        for i, (row, xv, yv) in enumerate(zip(rows, frame[xcol].tolist(), frame[ycol].tolist())):
            xn, xok = _coordinate(xv)
            yn, yok = _coordinate(yv)
            if not (xok and yok):
                bad_col, bad_val = (xcol, xv) if not xok else (ycol, yv)
                layer.row(row, bad_col, bad_val, "NON_NUMERIC_COORDINATES", "坐标不是数字",
                          "填写十进制度数（如 126.6351）或度分秒（如 126°38′6″）",
                          "coordinate is not a number", "write decimal degrees (126.6351) or degrees-minutes-seconds (126°38'6\")")
                continue
            if math.isnan(xn) or math.isnan(yn):
                bad_col = xcol if math.isnan(xn) else ycol
                layer.row(row, bad_col, None, "MISSING_COORDINATES", "缺少坐标",
                          "在地图上查到位置后填写经度和纬度", "coordinates missing",
                          "look the place up on a map and fill in longitude and latitude")
                continue
            x[i], y[i] = xn, yn
    coord_col = "geometry" if raw.is_vector else f"{cols['x']}/{cols['y']}"

    if crs_name == "wgs84" and (_AMAP_HINT.search(Path(spec.path).name)
                                or any(_AMAP_HINT.search(c) for c in raw.columns)):
        layer.layer(None, Path(spec.path).name, "SUSPECT_GCJ02",
                    "文件名或列名提示坐标来自高德/腾讯或百度地图，但配置的坐标系是 WGS84",
                    f"如果坐标取自高德/腾讯地图，在配置 [inputs.{name}] 写 crs = \"gcj02\"；"
                    "取自百度地图写 crs = \"bd09\"（否则位置偏差约 300-700 米）",
                    "the file or column names suggest Amap/Tencent or Baidu coordinates, but the config says WGS84",
                    f"set crs = \"gcj02\" (Amap/Tencent) or \"bd09\" (Baidu) in [inputs.{name}]; "
                    "otherwise points are off by 300-700 m", severity="warning")

    # ---- swapped longitude/latitude, then to WGS84
    geographic = crs_name in ("wgs84", "gcj02", "bd09")
    valid = np.isfinite(x) & np.isfinite(y)
    area_check = _area_checker(area)
    if geographic:
        inside = _inside(x, y, area_check) & valid
        swapped_in = _inside(y, x, area_check) & valid & ~inside
        for i in np.flatnonzero(swapped_in):
            row = rows[i]
            layer.row(row, coord_col, f"{_fmt(x[i])}, {_fmt(y[i])}", "SWAPPED_LON_LAT",
                      f"经度和纬度填反了（已按 经度 {_fmt(y[i])}、纬度 {_fmt(x[i])} 使用）",
                      f"在文件中交换第 {row} 行的经度和纬度",
                      f"longitude and latitude are swapped (used as lon {_fmt(y[i])}, lat {_fmt(x[i])})",
                      f"swap longitude and latitude in row {row}", severity="warning")
            x[i], y[i] = y[i], x[i]
    if valid.any():
        lon, lat = to_wgs84(x, y, crs_name)
    else:
        lon, lat = x, y

    # ---- outside the area (or China)
    if area is not None:
        outside = valid & ~_inside(lon, lat, area_check)
        for i in np.flatnonzero(outside):
            layer.row(rows[i], coord_col, f"{_fmt(x[i])}, {_fmt(y[i])}", "OUTSIDE_STUDY_AREA",
                      "位置在研究区（县界）之外", "核对坐标（常见原因：抄错数字、坐标系不对）；区外设施请删除该行",
                      "the point is outside the study area", "check the coordinates (typos, wrong crs); "
                      "delete the row if the place really is outside")
    else:
        outside = valid & out_of_china(lon, lat)
        for i in np.flatnonzero(outside):
            layer.row(rows[i], coord_col, f"{_fmt(x[i])}, {_fmt(y[i])}", "OUTSIDE_CHINA",
                      "位置不在中国境内", "核对坐标（经度约 121-135，纬度约 43-54）",
                      "the point is not in China", "check the coordinates (lon 121-135, lat 43-54 in Heilongjiang)")

    # ---- ids
    ids = _ids(frame, cols, layer, name)
    out = pd.DataFrame(index=frame.index)
    out["id"] = ids
    out["name"] = [_cell_text(v) for v in frame[cols["name"]].tolist()] if "name" in cols else [""] * n
    out.loc[out["name"] == "", "name"] = out.loc[out["name"] == "", "id"]

    # ---- layer-specific fields
    if name == "facilities":
        _facility_fields(frame, cols, layer, config, out)
    elif name == "settlements":
        _settlement_fields(frame, cols, layer, out)
    else:  # candidates: the type is kept as written (乡镇卫生院, 闲置校舍...)
        out["type"] = [_cell_text(v) for v in frame[cols["type"]].tolist()] if "type" in cols else [""] * n
    for fld in ("township", "county"):
        out[fld] = [_cell_text(v) for v in frame[cols[fld]].tolist()] if fld in cols else [""] * n

    kept = [r for r in rows if r not in layer.excluded]
    gdf = gpd.GeoDataFrame(out, geometry=gpd.points_from_xy(lon, lat), crs=WGS84).loc[kept]
    _fill_admin(gdf, townships, counties, layer, cols)
    row_of = dict(zip(gdf["id"], gdf.index))
    gdf = gdf.set_index("id")
    gdf.index = gdf.index.astype(str)
    gdf.index.name = {"facilities": "facility_id", "settlements": "settlement_id"}.get(name, "candidate_id")
    if name == "settlements":
        gdf["urban"] = (gdf["kind"] == "community").to_numpy()
        gdf["central"] = _central(gdf["township"], townships, config)
    if len(gdf) == 0 and n > 0:
        layer.layer(None, None, "EMPTY_LAYER", f"所有 {n} 行都被排除，没有可用数据",
                    "按上面列出的问题修改文件", f"all {n} rows were excluded; nothing usable is left",
                    "fix the problems listed above")
    layer.summary(n, enc, crs_name)
    return gdf, row_of, cols


def _fmt(v: float) -> str:
    return f"{v:.6f}".rstrip("0").rstrip(".")


def _area_checker(area: BaseGeometry | None) -> tuple[Any, pyproj.Transformer] | None:
    if area is None:
        return None
    crs = utm_crs_for(area)
    to_utm = pyproj.Transformer.from_crs(WGS84, crs, always_xy=True)
    proj = shapely.transform(area, lambda xy: np.column_stack(to_utm.transform(xy[:, 0], xy[:, 1])))
    zone = proj.buffer(AREA_TOLERANCE_M)
    shapely.prepare(zone)
    return zone, to_utm


def _inside(lon: np.ndarray, lat: np.ndarray, checker: tuple[Any, pyproj.Transformer] | None) -> np.ndarray:
    """Inside the (buffered) area; without an area: inside China."""
    ok = np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90)
    res = np.zeros(lon.shape, dtype=bool)
    if not ok.any():
        return res
    if checker is None:
        res[ok] = ~out_of_china(lon[ok], lat[ok])
        return res
    zone, to_utm = checker
    ex, ny = to_utm.transform(lon[ok], lat[ok])
    res[ok] = shapely.contains_xy(zone, ex, ny)
    return res


def _ids(frame: pd.DataFrame, cols: dict[str, str], layer: _Layer, name: str) -> list[str]:
    rows = frame.index.to_numpy()
    prefix = {"facilities": "F", "settlements": "S"}.get(name, "C")
    if "id" not in cols:
        layer.layer(None, None, "MISSING_ID", f"没有编号列，按行号生成编号（{prefix}行号）",
                    "增加一列“编号”，给每行一个唯一编号，便于核对结果",
                    f"no id column; ids were made from row numbers ({prefix}<row>)",
                    "add an id column (编号) with a unique id per row", severity="warning")
        return [f"{prefix}{r}" for r in rows]
    col = cols["id"]
    given = [_cell_text(v) for v in frame[col].tolist()]
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
        layer.row(r, col, None, "MISSING_ID", f"缺少编号，已按行号记为 {new}", f"填写「{col}」",
                  f"id missing; recorded as {new}", f"fill in '{col}'", severity="warning")
        ids.append(new)
    groups: dict[str, list[int]] = defaultdict(list)
    for r, v in zip(rows, ids):
        groups[v].append(int(r))
    for v, rs in groups.items():
        if len(rs) < 2:
            continue
        listed = "、".join(map(str, rs))
        for r in rs[1:]:
            layer.row(r, col, v, "DUPLICATE_ID",
                      f"编号「{v}」重复，出现在第 {listed} 行；保留第 {rs[0]} 行，排除本行",
                      "给每行一个唯一编号",
                      f"id '{v}' is used on rows {', '.join(map(str, rs))}; row {rs[0]} kept, this row excluded",
                      "give every row a unique id")
    return ids


def _numeric(frame: pd.DataFrame, cols: dict[str, str], fld: str, layer: _Layer) -> np.ndarray:
    rows = frame.index.to_numpy()
    out = np.full(len(rows), np.nan)
    if fld not in cols:
        return out
    col = cols[fld]
    for i, (r, raw_v) in enumerate(zip(rows, frame[col].tolist())):
        v, ok = _number(raw_v)
        if not ok:
            layer.row(r, col, raw_v, "NON_NUMERIC_VALUE", "不是数字，按“未知”处理",
                      "填写数字（不要带单位或文字），未知请留空",
                      "not a number; treated as unknown", "write a plain number, or leave blank if unknown",
                      severity="warning")
        elif v < 0:
            layer.row(r, col, raw_v, "NEGATIVE_VALUE", "数值为负，按“未知”处理",
                      "改为正确的非负数，未知请留空", "negative value; treated as unknown",
                      "correct it, or leave blank if unknown", severity="warning")
        else:
            out[i] = v
    return out


def _facility_fields(frame: pd.DataFrame, cols: dict[str, str], layer: _Layer, config: StudyConfig,
                     out: pd.DataFrame) -> None:
    rows = frame.index.to_numpy()
    tcol = cols["type"]
    types = [_cell_text(v) for v in frame[tcol].tolist()]
    tiers = [tier_for_type(t, config.tiers) if t else None for t in types]
    unknown = sorted({t for t, k in zip(types, tiers) if k is None})
    if unknown:
        shown = "、".join(f"「{t}」" if t else "（空）" for t in unknown)
        shown_en = ", ".join(f"'{t}'" if t else "(blank)" for t in unknown)
        known_zh = "；".join(f"{tier.name_zh}：{'、'.join(tier.all_words)}" for tier in config.tiers.values())
        known_en = "; ".join(f"{k}: {', '.join(tier.all_words)}" for k, tier in config.tiers.items())
        for r, t, k in zip(rows, types, tiers):
            if k is None:
                layer.row(r, tcol, t, "UNKNOWN_FACILITY_TYPE",
                          f"设施类型无法归入县级、乡镇或村级（文件中无法识别的类型：{shown}）",
                          f"类型须包含以下词之一——{known_zh}。或在配置中添加，例如 "
                          f"[tiers.community] extra_words = [\"{t or '类型名称'}\"]",
                          f"facility type matches no tier (unrecognised types in the file: {shown_en})",
                          f"the type must contain one of: {known_en}; or add it in the config, e.g. "
                          f"[tiers.community] extra_words = [\"{t or 'type name'}\"]")
    out["type"] = types
    out["tier"] = [k or "" for k in tiers]
    for fld in ("beds", "nursing_beds", "occupied_beds"):
        out[fld] = _numeric(frame, cols, fld, layer)
    public = pd.array([pd.NA] * len(rows), dtype="boolean")
    if "public" in cols:
        pcol = cols["public"]
        for i, (r, v) in enumerate(zip(rows, frame[pcol].tolist())):
            v = _cell_text(v)
            if not v:
                continue
            b = PUBLIC_VALUES.get(v.lower())
            if b is None:
                layer.row(r, pcol, v, "UNKNOWN_BOOLEAN", "无法判断是否公办，按“未知”处理",
                          "填写 是/否、公办/民办", "cannot tell whether public; treated as unknown",
                          "write 是/否 or 公办/民办", severity="warning")
            else:
                public[i] = b
    out["public"] = public
    out["capacity"] = _numeric(frame, cols, "capacity", layer)


def _settlement_fields(frame: pd.DataFrame, cols: dict[str, str], layer: _Layer, out: pd.DataFrame) -> None:
    rows = frame.index.to_numpy()
    kcol = cols.get("kind")
    kinds = []
    accepted = "、".join(KIND_VALUES)
    kvals = frame[kcol].tolist() if kcol else [None] * len(rows)
    for r, nm, kv in zip(rows, out["name"], kvals):
        v = _cell_text(kv)
        kind = KIND_VALUES.get(v.lower())
        if kind is None:
            guess = "community" if re.search(r"(社区|居委会)$", nm) else \
                "village" if re.search(r"(村|村委会|屯)$", nm) else None
            if guess is None:
                layer.row(r, kcol, v or None, "UNKNOWN_SETTLEMENT_KIND",
                          "无法判断是村还是社区" + (f"（类型「{v}」无法识别）" if v else "（类型为空，名称也看不出）"),
                          f"在类型列填写以下之一：{accepted}",
                          "cannot tell whether this is a village or a community",
                          f"write one of: {', '.join(KIND_VALUES)} in the kind column")
            else:
                layer.row(r, kcol, v or None, "KIND_FROM_NAME",
                          f"类型{'「' + v + '」无法识别' if v else '为空'}，按名称判断为{label(guess if guess == 'village' else 'community_kind')}",
                          f"在类型列填写以下之一：{accepted}",
                          f"kind {'unrecognised' if v else 'blank'}; taken from the name as {guess}",
                          f"write one of: {', '.join(KIND_VALUES)}", severity="warning")
            kind = guess or ""
        kinds.append(kind)
    out["kind"] = kinds
    out["population"] = _numeric(frame, cols, "population", layer)
    out["older_population"] = _numeric(frame, cols, "older_population", layer)
    too_many = out["older_population"].to_numpy() > out["population"].to_numpy()
    for r, older, pop in zip(rows[too_many], out["older_population"][too_many], out["population"][too_many]):
        layer.row(r, cols["older_population"], older, "OLDER_EXCEEDS_POPULATION",
                  f"60岁以上人口 {older:g} 大于总人口 {pop:g}", "核对这两个数字（是否填反或多写了一位）",
                  f"population aged 60+ ({older:g}) exceeds the total population ({pop:g})",
                  "check both numbers (swapped columns or an extra digit?)", severity="warning")
    out["older_estimated"] = False


def _fill_admin(gdf: gpd.GeoDataFrame, townships: gpd.GeoDataFrame | None,
                counties: gpd.GeoDataFrame | None, layer: _Layer, columns: dict[str, str]) -> None:
    """Fill blank township/county names by point-in-polygon (in place, on our own frame).

    A name that the boundary layer does not know is replaced by the name of
    the boundary containing the point, with an ``UNKNOWN_ADMIN_NAME`` warning.
    """
    if not len(gdf):
        return
    for fld, areas, zh in (("township", townships, "乡镇"), ("county", counties, "县")):
        if areas is None or not len(areas):
            continue
        found = _admin_lookup(gdf, areas)
        blank = gdf[fld] == ""
        gdf.loc[blank, fld] = found[blank]
        known = set(areas.index)
        for row in gdf.index[(~blank) & ~gdf[fld].isin(known) & (found != "")]:
            given = gdf.at[row, fld]
            layer.row(row, columns.get(fld, fld), given, "UNKNOWN_ADMIN_NAME",
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
    if config.central_townships:
        return township.isin(set(config.central_townships)).to_numpy(dtype=bool)
    if townships is not None and len(townships):
        streets = set(townships.index[townships["kind"] == "street"])
        return (township.isin(streets) | township.map(township_kind_from_name).eq("street")).to_numpy(dtype=bool)
    return township.map(township_kind_from_name).eq("street").to_numpy(dtype=bool)


_FACILITY_COLUMNS = ["name", "type", "tier", "beds", "nursing_beds", "occupied_beds", "public",
                     "capacity", "county", "township", "geometry"]
_SETTLEMENT_COLUMNS = ["name", "kind", "township", "county", "population", "older_population",
                       "older_estimated", "urban", "central", "geometry"]


def _empty(columns: list[str], index_name: str) -> gpd.GeoDataFrame:
    dtypes = {"beds": float, "nursing_beds": float, "occupied_beds": float, "capacity": float,
              "population": float, "older_population": float, "public": "boolean",
              "older_estimated": bool, "urban": bool, "central": bool}
    data = {c: pd.Series([], dtype=dtypes.get(c, object)) for c in columns if c != "geometry"}
    gdf = gpd.GeoDataFrame(data, geometry=gpd.GeoSeries([], crs=WGS84), crs=WGS84)
    gdf.index = pd.Index([], dtype=object, name=index_name)
    return gdf


def _hull_area(points: list[gpd.GeoDataFrame]) -> BaseGeometry | None:
    pts = [p.geometry for p in points if p is not None and len(p)]
    if not pts:
        return None
    allp = shapely.union_all(np.concatenate([g.to_numpy() for g in pts]))
    crs = utm_crs_for(allp)
    fwd = pyproj.Transformer.from_crs(WGS84, crs, always_xy=True)
    back = pyproj.Transformer.from_crs(crs, WGS84, always_xy=True)
    hull = shapely.transform(allp, lambda xy: np.column_stack(fwd.transform(xy[:, 0], xy[:, 1]))).convex_hull
    buf = hull.buffer(HULL_BUFFER_M)
    return shapely.transform(buf, lambda xy: np.column_stack(back.transform(xy[:, 0], xy[:, 1])))


# --------------------------------------------------------------------------- public


def load_study(config: StudyConfig, *, strict: bool | None = None, verbose: bool = False) -> StudyData:
    """Read, validate and standardise every input layer of a study.

    Parameters
    ----------
    config
        The study configuration (``config.inputs`` names the files).
    strict
        Raise on any problem, warnings included.  ``None``: ``config.strict``.
    verbose
        Show progress bars.

    Returns
    -------
    StudyData

    Raises
    ------
    DataError
        When a layer is unusable (missing, unreadable, empty, required
        columns missing) or, with ``strict``, on any problem.  The message is
        the full report (``report.format(config.lang)``) and ``exc.report``
        holds the :class:`ValidationReport`.
    """
    strict = config.strict if strict is None else strict
    lang = check_lang(config.lang)
    log = ProblemLog()
    inputs = config.inputs

    progress = tqdm(total=6, desc="loading study", unit="layer", disable=not verbose)
    counties = _load_areas(inputs.boundaries_county, "counties", config, log)
    progress.update()
    townships = _load_areas(inputs.boundaries_township, "townships", config, log, counties=counties)
    progress.update()
    area: BaseGeometry | None = None
    if counties is not None and len(counties):
        area = shapely.union_all(counties.geometry.to_numpy())
    elif townships is not None and len(townships):
        area = shapely.union_all(townships.geometry.to_numpy())

    facilities = None
    if inputs.facilities.path is None:
        log.add("facilities", None, None, None, "NO_FACILITIES", "配置中没有设施文件，按“现有设施为零”计算",
                "在配置 [inputs.facilities] 写 path = \"设施文件\"", severity="warning",
                message_en="no facilities file in the config; computing as if there were no facilities",
                fix_en="set path in [inputs.facilities]")
        facilities = _empty(_FACILITY_COLUMNS, "facility_id")
    else:
        facilities, _, _ = _load_points(inputs.facilities, "facilities", config, log, area,
                                        townships, counties)
    progress.update()
    settlements: gpd.GeoDataFrame | None = None
    rows: dict = {}
    settlement_columns: dict = {}
    if inputs.settlements.path is None:
        log.add("settlements", None, None, None, "FILE_NOT_FOUND", "配置中没有村/社区文件",
                "在配置 [inputs.settlements] 写 path = \"村社区文件\"",
                message_en="no settlements file in the config", fix_en="set path in [inputs.settlements]")
    else:
        settlements, rows, settlement_columns = _load_points(
            inputs.settlements, "settlements", config, log, area, townships, counties
        )
    progress.update()
    candidates = None
    if inputs.candidates.path is not None:
        candidates, _, _ = _load_points(inputs.candidates, "candidates", config, log, area,
                                        townships, counties)
        if candidates is not None:
            candidates = gpd.GeoDataFrame(candidates[["name", "type", "township", "county", "geometry"]],
                                          geometry="geometry", crs=WGS84)
    zones = _load_zones(inputs.exclusion_zones, config, log) if inputs.exclusion_zones.path else None
    progress.update()

    if area is None:
        area = _hull_area([facilities, settlements])
        if area is not None:
            log.add("boundaries", None, None, None, "NO_STUDY_AREA",
                    f"没有县或乡镇边界；研究区取为所有点的凸包外扩 {HULL_BUFFER_M / 1000:g} 公里，"
                    "无法检查点是否在县界之外，也无法按位置补全乡镇名称",
                    "在配置 [inputs.boundaries_county] / [inputs.boundaries_township] 给出边界文件",
                    severity="warning",
                    message_en=f"no county or township boundaries; the study area is the points' convex "
                               f"hull buffered by {HULL_BUFFER_M / 1000:g} km, so points outside the county "
                               "cannot be detected",
                    fix_en="give boundary files in [inputs.boundaries_county] / [inputs.boundaries_township]")

    allocation = None
    if settlements is not None and len(settlements):
        census = None
        if config.population.census_csv is not None and config.population.allocation == "proportional":
            try:
                census, ambiguous = county_older_totals_from_census(config.population.census_csv)
                used = set(settlements["county"]) & set(ambiguous)
                for nm in sorted(used):
                    log.add(_display(config.population.census_csv, config), None, "区县", nm, "DUPLICATE_ID",
                            f"普查表中「{nm}」出现多次（不同地市同名），不能确定用哪一个",
                            f"在配置 [population.county_older_totals] 写 \"{nm}\" = 老年人口数",
                            severity="warning",
                            message_en=f"'{nm}' occurs several times in the census table (same name in "
                                       "different cities)",
                            fix_en=f"set \"{nm}\" in [population.county_older_totals]")
            except (DataError, InputFileNotFoundError) as exc:
                log.add(_display(config.population.census_csv, config), None, None, None, "READ_FAILED",
                        f"无法读取普查表：{exc}", "检查 population.census_csv 路径和列（区县、pop60plus）",
                        message_en=f"cannot read the census table: {exc}",
                        fix_en="check population.census_csv (columns 区县, pop60plus)")
        allocation = allocate_older_population(
            settlements, config.population, file=_display(inputs.settlements.path, config),
            rows=rows, census_totals=census, columns=settlement_columns,
        )
        log.extend(allocation.problems)
        settlements = allocation.settlements

    progress.update()
    progress.close()
    report = log.report()
    if strict:
        report = report.strict()
    fatal = [p for p in report.errors if p.row is None]
    if fatal or (strict and report.problems) or settlements is None or facilities is None or area is None:
        raise DataError(report.format(lang), report=report)

    facilities = gpd.GeoDataFrame(facilities[_FACILITY_COLUMNS], geometry="geometry", crs=WGS84)
    settlements = gpd.GeoDataFrame(settlements[_SETTLEMENT_COLUMNS], geometry="geometry", crs=WGS84)
    for c in ("older_estimated", "urban", "central"):
        settlements[c] = settlements[c].astype(bool)
    projected = utm_crs_for(area)
    logger.info("loaded study %s: %d facilities, %d settlements, %d problems",
                config.name, len(facilities), len(settlements), len(report.problems))
    return StudyData(
        facilities=facilities, settlements=settlements, townships=townships, counties=counties,
        study_area=area, projected_crs=projected, report=report, config=config, allocation=allocation,
        candidates=candidates, exclusion_zones=zones,
    )


def summarise_study_frame(data: StudyData, *, lang: str = "zh") -> pd.DataFrame:
    """Counts per township: settlements by kind, facilities by tier, population.

    Parameters
    ----------
    data
        A loaded study.
    lang
        Column labels: ``"zh"`` or ``"en"``.

    Returns
    -------
    pandas.DataFrame
        One row per township (``""`` = none) plus a total row; columns
        ``villages``, ``communities``, one per tier, ``population``,
        ``older_population``, ``older_estimated`` (estimated part), translated.
    """
    check_lang(lang)
    s, f = data.settlements, data.facilities
    towns = sorted(set(s["township"]) | set(f["township"]) |
                   (set(data.townships.index) if data.townships is not None else set()))
    frame = pd.DataFrame(index=pd.Index(towns, name="township"))
    frame["villages"] = s[s["kind"] == "village"].groupby("township").size()
    frame["communities"] = s[s["kind"] == "community"].groupby("township").size()
    for key in data.config.tiers:
        frame[key] = f[f["tier"] == key].groupby("township").size()
    frame = frame.fillna(0).astype(int)
    frame["population"] = s.groupby("township")["population"].sum(min_count=1)
    frame["older_population"] = s.groupby("township")["older_population"].sum(min_count=1)
    frame["older_estimated"] = s[s["older_estimated"]].groupby("township")["older_population"].sum()
    frame["older_estimated"] = frame["older_estimated"].fillna(0.0)
    frame = frame.rename(index={"": tr(lang, "（未填乡镇）", "(no township)")})
    total = frame.sum(numeric_only=True, min_count=1)
    frame.loc[tr(lang, "合计", "Total")] = total
    names = {"villages": tr(lang, "村", "villages"), "communities": tr(lang, "社区", "communities"),
             "population": tr(lang, "总人口", "population"),
             "older_population": tr(lang, "60岁以上人口", "aged 60+"),
             "older_estimated": tr(lang, "其中估算", "of which estimated")}
    names.update({k: label(k, lang) for k in data.config.tiers})
    frame.index.name = tr(lang, "乡镇/街道", "township")
    return frame.rename(columns=names)


def summarise_study(data: StudyData, lang: str = "zh") -> str:
    """Readable summary: counts per tier, per settlement kind and per township.

    Parameters
    ----------
    data
        A loaded study.
    lang
        ``"zh"`` (default) or ``"en"``.
    """
    check_lang(lang)
    s, f = data.settlements, data.facilities
    older = float(np.nansum(s["older_population"].to_numpy(dtype=float)))
    est = float(np.nansum(s.loc[s["older_estimated"], "older_population"].to_numpy(dtype=float)))
    pop = float(np.nansum(s["population"].to_numpy(dtype=float)))
    share = est / older if older > 0 else 0.0
    tiers = tr(lang, "，", ", ").join(
        f"{label(k, lang)} {int((f['tier'] == k).sum())}" for k in data.config.tiers
    )
    kinds = tr(lang, "，", ", ").join(
        f"{label('village' if k == 'village' else 'community_kind', lang)} {int((s['kind'] == k).sum())}"
        for k in ("village", "community")
    )
    lines = [
        tr(lang, f"研究：{data.config.name}", f"Study: {data.config.name}"),
    ]
    if data.config.synthetic:
        lines.append(label("synthetic", lang))
    lines += [
        tr(lang, f"设施 {len(f)} 个：{tiers}", f"Facilities {len(f)}: {tiers}"),
        tr(lang, f"村/社区 {len(s)} 个：{kinds}", f"Settlements {len(s)}: {kinds}"),
        tr(lang, f"总人口 {pop:,.0f}；60岁以上 {older:,.0f}（其中估算 {share:.0%}）",
           f"Population {pop:,.0f}; aged 60+ {older:,.0f} ({share:.0%} estimated)"),
        tr(lang, f"坐标系（米制计算）：{data.projected_crs.to_string()}",
           f"Projected CRS: {data.projected_crs.to_string()}"),
        tr(lang, f"数据问题：{len(data.report.errors)} 个错误（已排除的行），{len(data.report.warnings)} 个警告",
           f"Data problems: {len(data.report.errors)} errors (rows excluded), "
           f"{len(data.report.warnings)} warnings"),
        "",
        tr(lang, "按乡镇/街道：", "By township:"),
        summarise_study_frame(data, lang=lang).to_string(float_format=lambda v: f"{v:,.0f}"),
    ]
    return "\n".join(lines)
