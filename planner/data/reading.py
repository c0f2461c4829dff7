"""Opening one input layer: the problem book-keeping of a layer, the file, its columns and its coordinate system."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from planner.codes import DataProblem
from planner.config import InputSpec, StudyConfig
from planner.data.validation import LayerSummary, ProblemLog
from planner.data.vocabulary import FIELD_ZH
from planner.errors import DataError, InputFileNotFoundError
from planner.geo import normalise_crs
from planner.io import ALIASES, RawLayer, read_layer, recognise_columns

__all__ = [
    "WGS84",
    "LayerLog",
    "display_path",
    "read_input",
    "match_columns",
    "crs_name",
    "accept_unrecorded_crs",
    "in_degrees",
]

WGS84 = "EPSG:4326"


class LayerLog:
    """Bookkeeping for one layer: problems go to the log, excluded rows are counted under their first error."""

    def __init__(self, log: ProblemLog, file: str, name: str) -> None:
        self.log = log
        self.file = file
        self.name = name
        self.excluded: dict[int, str] = {}  # row -> first error code

    def row(self, row: int, column: str | None, value: Any, code: DataProblem, zh: str, fix_zh: str,
            en: str, fix_en: str, *, severity: str = "error") -> None:
        """A problem of one row; an error excludes the row."""
        self.log.add(self.file, row, column, value, code, zh, fix_zh, severity=severity,
                     message_en=en, fix_en=fix_en)
        if severity == "error":
            self.excluded.setdefault(row, code)

    def layer(self, column: str | None, value: Any, code: DataProblem, zh: str, fix_zh: str, en: str,
              fix_en: str, *, severity: str = "error") -> None:
        """A problem of the whole layer (the caller stops reading it after an error)."""
        self.log.add(self.file, None, column, value, code, zh, fix_zh, severity=severity,
                     message_en=en, fix_en=fix_en)

    def summary(self, rows_read: int, encoding: str | None, crs: str | None) -> None:
        """Record the layer's summary (rows read, kept, excluded per reason)."""
        counts = Counter(self.excluded.values())
        self.log.summary(LayerSummary(
            file=self.file, layer=self.name, rows_read=rows_read,
            rows_kept=rows_read - len(self.excluded), excluded=dict(counts),
            encoding=encoding, crs=crs,
        ))


def display_path(path: Path, config: StudyConfig) -> str:
    """``path`` relative to the config file's folder when it lies inside it, else as given."""
    if config.source is not None:
        try:
            return str(Path(path).resolve().relative_to(Path(config.source).resolve().parent))
        except ValueError:
            pass
    return str(path)


def read_input(spec: InputSpec, layer: LayerLog) -> RawLayer | None:
    """The layer's file, or ``None`` (with a FILE_NOT_FOUND/READ_FAILED problem and an empty summary)."""
    try:
        return read_layer(spec.path, encoding=spec.encoding, sheet=spec.sheet, layer=spec.layer)
    except InputFileNotFoundError:
        layer.layer(None, None, DataProblem.FILE_NOT_FOUND,
                    f"{layer.name} 文件不存在：{spec.path}",
                    f"检查配置 [inputs.{layer.name}] 中的 path 是否正确（相对于配置文件所在文件夹）",
                    f"{layer.name} file not found: {spec.path}",
                    f"check path in [inputs.{layer.name}] (relative to the config file's folder)")
    except DataError as exc:
        layer.layer(None, None, DataProblem.READ_FAILED, f"无法读取：{exc}",
                    "用 Excel/WPS 另存为 CSV UTF-8 或 .xlsx，或检查 sheet/layer 设置",
                    f"cannot read: {exc}", "re-save as CSV UTF-8 or .xlsx, or check sheet/layer")
    layer.summary(0, None, None)
    return None


def _unknown_column_keys(spec: InputSpec, layer: LayerLog, fields: Sequence[str]) -> None:
    """A key of ``[inputs.<layer>.columns]`` that is no field of the layer: an error naming the closest field."""
    import difflib

    for key in spec.columns:
        if key in fields:
            continue
        by_alias = [f for f in fields if key.strip().lower() in (a.lower() for a in ALIASES.get(f, ()))]
        close = by_alias or difflib.get_close_matches(key, list(fields), n=1, cutoff=0.5)
        hint_zh, hint_en = (f"（是否应为 {close[0]}？）", f" (did you mean {close[0]!r}?)") if close else ("", "")
        layer.layer(None, key, DataProblem.MISSING_COLUMNS,
                    f"[inputs.{layer.name}.columns] 中的 {key} 不是该图层的字段{hint_zh}；字段：{', '.join(fields)}",
                    f"把 {key} 改为上面列出的某个字段（x 为经度，y 为纬度）",
                    f"{key!r} in [inputs.{layer.name}.columns] is not a field of this layer{hint_en}; "
                    f"fields: {', '.join(fields)}",
                    f"rename {key!r} to one of the fields listed (x is longitude, y latitude)")


def match_columns(raw: RawLayer, spec: InputSpec, layer: LayerLog, fields: Sequence[str],
                  required: Sequence[str]) -> dict[str, str] | None:
    """Field -> file column, or ``None`` (with MISSING_COLUMNS problems) when a required field has no column."""
    _unknown_column_keys(spec, layer, fields)
    match = recognise_columns(raw.columns, fields, required=required, overrides=spec.columns)
    found = "、".join(match.found) or "（无）"
    for fld, col in match.bad_overrides.items():
        layer.layer(col, col, DataProblem.MISSING_COLUMNS,
                    f"配置指定 {fld} 列为「{col}」，但文件中没有这一列；文件中的列：{found}",
                    f"把 [inputs.{layer.name}.columns] 中的 {fld} 改为上面列出的某一列",
                    f"the config names column '{col}' for {fld}, but the file has no such column; "
                    f"columns found: {', '.join(match.found)}",
                    f"set {fld} in [inputs.{layer.name}.columns] to one of the columns found")
    if match.missing:
        need_zh = "、".join(f"{FIELD_ZH.get(f, f)}（{f}）" for f in match.missing)
        need_en = ", ".join(match.missing)
        example = match.missing[0]
        layer.layer(None, None, DataProblem.MISSING_COLUMNS,
                    f"缺少必需的列：{need_zh}；文件中的列：{found}",
                    f"把相应列名改为 {FIELD_ZH.get(example, example)}，或在配置中写 "
                    f"[inputs.{layer.name}.columns] {example} = \"文件中的列名\"",
                    f"required columns missing: {need_en}; columns found: {', '.join(match.found)}",
                    f"rename the columns, or map them in [inputs.{layer.name}.columns], "
                    f"e.g. {example} = \"<column in file>\"")
    if not match.ok:
        return None
    return dict(match.columns)


def crs_name(spec: InputSpec, layer: LayerLog) -> str | None:
    """The configured coordinate system, normalised; ``None`` (MISSING_CRS) when it is not recognised."""
    try:
        return normalise_crs(spec.crs)
    except Exception as exc:  # ConfigError from normalise_crs
        layer.layer(None, spec.crs, DataProblem.MISSING_CRS, f"无法识别坐标系：{exc}",
                    "crs 写 wgs84、gcj02（高德/腾讯）、bd09（百度）或 EPSG:编号",
                    f"unknown coordinate system: {exc}", "use wgs84, gcj02, bd09 or EPSG:<code>")
        return None


def accept_unrecorded_crs(layer: LayerLog, crs: str, degrees: bool) -> bool:
    """For a file that records no CRS: read it as the configured ``crs`` (warning) when that is
    an EPSG code or the coordinates are degrees; else the layer is unusable (error, ``False``)."""
    if crs.startswith("EPSG:") or degrees:
        layer.layer(None, None, DataProblem.MISSING_CRS,
                    f"文件没有记录坐标系，按配置的 crs = {crs} 读取",
                    "确认坐标系；在 GIS 软件中为图层定义坐标系（如 EPSG:4326）后重新导出",
                    f"the file records no coordinate system; read as the config's crs = {crs}",
                    "check it, and define the layer's CRS (e.g. EPSG:4326) in your GIS", severity="warning")
        return True
    layer.layer(None, None, DataProblem.MISSING_CRS,
                "文件没有记录坐标系，且坐标不是经纬度，无法确定位置",
                f"在 GIS 软件中定义坐标系后重新导出，或在配置 [inputs.{layer.name}] 写 crs = \"EPSG:编号\"",
                "the file records no coordinate system and its coordinates are not degrees",
                f"define the CRS in your GIS, or set crs = \"EPSG:<code>\" in [inputs.{layer.name}]")
    return False


def in_degrees(x: np.ndarray, y: np.ndarray) -> bool:
    """True when the finite coordinates (there is at least one) all look like longitude/latitude."""
    ok = np.isfinite(x) & np.isfinite(y)
    return bool(ok.any()) and bool(
        (np.abs(x[ok]) <= 180).all() and (np.abs(y[ok]) <= 90).all()
    )
