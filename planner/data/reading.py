"""Opening one input layer: the problem book-keeping of a layer, the file, its columns and its coordinate system."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyproj

from planner.codes import DataProblem
from planner.config import InputSpec, StudyConfig
from planner.data.validation import LayerSummary, ProblemLog
from planner.data.vocabulary import FIELD_ZH
from planner.errors import DataError, InputFileNotFoundError
from planner.geo import normalise_crs
from planner.io import ALIASES, RawLayer, SuspectEncodingError, read_layer, recognise_columns

__all__ = [
    "WGS84",
    "LayerLog",
    "display_path",
    "read_input",
    "filter_rows",
    "match_columns",
    "crs_name",
    "accept_unrecorded_crs",
    "in_degrees",
    "units_fit",
]

WGS84 = "EPSG:4326"


class LayerLog:
    """Bookkeeping for one layer: problems go to the log, excluded rows are counted under their first error."""

    def __init__(self, log: ProblemLog, file: str, name: str) -> None:
        self.log = log
        self.file = file
        self.name = name
        self.excluded: dict[int, str] = {}  # row -> first error code
        self.warned: dict[int, set[str]] = {}  # row -> warning codes
        self.unusable: str | None = None  # the first error of the whole layer
        #: rows left out before any check, by reason (the row filter, the OSM elderly-care rule): counted as read
        self.left_out: Counter = Counter()

    def row(self, row: int, column: str | None, value: Any, code: DataProblem, zh: str, fix_zh: str,
            en: str, fix_en: str, *, severity: str = "error") -> None:
        """A problem of one row; an error excludes the row."""
        self.log.add(self.file, row, column, value, code, zh, fix_zh, severity=severity,
                     message_en=en, fix_en=fix_en)
        if severity == "error":
            self.excluded.setdefault(row, code)
        else:
            self.warned.setdefault(row, set()).add(code)

    def layer(self, column: str | None, value: Any, code: DataProblem, zh: str, fix_zh: str, en: str,
              fix_en: str, *, severity: str = "error") -> None:
        """A problem of the whole layer (the caller stops reading it after an error)."""
        self.log.add(self.file, None, column, value, code, zh, fix_zh, severity=severity,
                     message_en=en, fix_en=fix_en)
        if severity == "error" and self.unusable is None:
            self.unusable = code

    def summary(self, rows_read: int, encoding: str | None, crs: str | None) -> None:
        """Record the layer's summary (rows read, kept, excluded per reason, kept rows warned per code);
        after an error of the whole layer no row is kept (the rest are counted under that error)."""
        counts = Counter(self.excluded.values())
        if self.unusable is not None and rows_read > len(self.excluded):
            counts[self.unusable] += rows_read - len(self.excluded)  # an unusable layer keeps no row
        for code, n in self.left_out.items():
            rows_read += n
            counts[code] += n
        flagged = Counter(c for row, codes in self.warned.items() if row not in self.excluded for c in codes)
        self.log.summary(LayerSummary(
            file=self.file, layer=self.name, rows_read=rows_read,
            rows_kept=rows_read - sum(counts.values()), excluded=dict(counts),
            encoding=encoding, crs=crs, flagged=dict(flagged),
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
    """The layer's file, or ``None`` (with a FILE_NOT_FOUND/READ_FAILED/SUSPECT_ENCODING problem and an
    empty summary); title rows skipped and merged cells filled are reported as warnings."""
    try:
        raw = read_layer(spec.path, encoding=spec.encoding, sheet=spec.sheet, layer=spec.layer,
                         header_row=spec.header_row, column_names=tuple(spec.columns.values()))
    except InputFileNotFoundError:
        layer.layer(None, None, DataProblem.FILE_NOT_FOUND,
                    f"{layer.name} 文件不存在：{spec.path}",
                    f"检查配置 [inputs.{layer.name}] 中的 path 是否正确（相对于配置文件所在文件夹）",
                    f"{layer.name} file not found: {spec.path}",
                    f"check path in [inputs.{layer.name}] (relative to the config file's folder)")
    except SuspectEncodingError as exc:
        _suspect_encoding(layer, exc)
    except DataError as exc:
        layer.layer(None, None, DataProblem.READ_FAILED, f"无法读取：{exc}",
                    "用 Excel/WPS 另存为 CSV UTF-8 或 .xlsx，或检查 sheet/layer/header_row 设置",
                    f"cannot read: {exc}", "re-save as CSV UTF-8 or .xlsx, or check sheet/layer/header_row")
    else:
        _report_title_rows(raw, layer)
        _report_merged(raw, layer)
        filtered = filter_rows(raw, spec, layer)
        if filtered is not None:
            return filtered
    layer.summary(0, None, None)
    return None


#: The config key of the layers whose log name differs from it.
_INPUT_KEYS = {"counties": "boundaries_county", "townships": "boundaries_township"}


def _cell_key(value: Any) -> str:
    """A cell as the text a filter value is compared with (``230822.0`` -> ``"230822"``, blanks -> ``""``)."""
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def filter_rows(raw: RawLayer, spec: InputSpec, layer: LayerLog) -> RawLayer | None:
    """The rows of ``raw`` that pass ``spec.filter`` (every ``column = value`` holds), the others counted.

    Parameters
    ----------
    raw
        The layer as read.
    spec
        Its input spec; ``spec.filter`` maps a column of the file to the value to keep.
    layer
        Its log: the rows left out are counted in its summary under ``ROWS_FILTERED``.

    Returns
    -------
    RawLayer or None
        ``raw`` itself without a filter; ``None`` (a layer error) when a filter column is not in the
        file (the message lists the columns present) or no row passes (it lists the values present).
    """
    if not spec.filter:
        return raw
    frame = raw.frame
    present = [str(c) for c in frame.columns if c != "geometry"]
    where = f"[inputs.{_INPUT_KEYS.get(layer.name, layer.name)}] filter"
    for col in spec.filter:
        if col not in frame.columns:
            layer.layer(col, col, DataProblem.MISSING_COLUMNS,
                        f"{where} 中的列「{col}」不在文件中；文件中的列：{'、'.join(present)}",
                        f"把 {where} 的列名改为上面列出的某一列",
                        f"column '{col}' of {where} is not in the file; columns present: {', '.join(present)}",
                        f"use one of the columns present in {where}")
            return None
    keep = np.ones(len(frame), dtype=bool)
    for col, want in spec.filter.items():
        cells = np.array([_cell_key(v) for v in frame[col]], dtype=object)
        passed = cells == str(want).strip()
        if keep.any() and not (keep & passed).any():
            values = sorted({c for c in cells[keep] if c})
            shown = "、".join(values[:20]) + ("…" if len(values) > 20 else "")
            layer.layer(col, want, DataProblem.EMPTY_LAYER,
                        f"{where}：没有一行的「{col}」等于「{want}」；该列的值有：{shown}",
                        f"把 {where} 中 {col} 的值改为上面列出的某个值",
                        f"{where}: no row has '{col}' = '{want}'; values present: {', '.join(values[:20])}",
                        f"set {col} in {where} to one of the values present")
            layer.left_out[DataProblem.ROWS_FILTERED] += len(frame)
            return None
        keep &= passed
    if (~keep).any():
        layer.left_out[DataProblem.ROWS_FILTERED] += int((~keep).sum())
    return dataclasses.replace(raw, frame=frame[keep])


def _suspect_encoding(layer: LayerLog, exc: SuspectEncodingError) -> None:
    """The file decodes but its text is not believable: a layer error naming the likely encoding."""
    j, likely = exc.judgement, exc.likely
    share = f"{j.common}/{j.judged}"
    if likely:
        fix_zh = (f"用 Excel/WPS 打开后另存为“CSV UTF-8”（繁体请先转为简体），或在配置 [inputs.{layer.name}] "
                  f"写 encoding = \"{likely}\"")
        fix_en = f"re-save as 'CSV UTF-8', or set encoding = \"{likely}\" in [inputs.{layer.name}]"
        zh = (f"按 {j.encoding} 解码后的文字不像中文名称（常用汉字仅占 {share}，如「{j.sample}」）；"
              f"很可能是 {likely} 编码")
    else:
        fix_zh = f"用生成该文件的软件另存为“CSV UTF-8”，或在配置 [inputs.{layer.name}] 写 encoding = \"编码名\""
        fix_en = f"re-save as 'CSV UTF-8', or set encoding = \"<codec>\" in [inputs.{layer.name}]"
        zh = f"按 {j.encoding} 解码后的文字不像中文名称（常用汉字仅占 {share}，如「{j.sample}」），无法判断实际编码"
    layer.layer(None, j.encoding, DataProblem.SUSPECT_ENCODING, zh, fix_zh, str(exc), fix_en)


def _report_title_rows(raw: RawLayer, layer: LayerLog) -> None:
    """A warning when rows above the header were skipped without ``header_row`` (a title, a note)."""
    if not raw.header_detected:
        return
    rows = raw.title_rows
    span = f"{rows[0]}" if len(rows) == 1 else f"{rows[0]}-{rows[-1]}"
    layer.layer(None, raw.title_text or None, DataProblem.TITLE_ROWS_SKIPPED,
                f"第 {span} 行在表头之上（标题或说明），已跳过；表头取第 {raw.header_row} 行（其中有可识别的列名）",
                f"如果表头不是第 {raw.header_row} 行，在配置 [inputs.{layer.name}] 写 header_row = 表头所在行号",
                f"{'row' if len(rows) == 1 else 'rows'} {span} above the header (a title or a note) "
                f"{'was' if len(rows) == 1 else 'were'} skipped; the header is row "
                f"{raw.header_row} (its cells are known column names)",
                f"if the header is not row {raw.header_row}, set header_row = <row> in [inputs.{layer.name}]",
                severity="warning")


def _report_merged(raw: RawLayer, layer: LayerLog) -> None:
    """One warning per merged range that reached into the data (its cells were filled with its value)."""
    for m in raw.merged:
        cols = "、".join(m.columns)
        rows = f"{m.first_row}-{m.last_row}"
        layer.layer(cols, m.value, DataProblem.MERGED_CELLS,
                    f"合并单元格 {m.ref}（列「{cols}」，第 {rows} 行）：只有第一格有值，已把「{m.value}」填入每一行",
                    "在 Excel 中取消合并单元格并把值填到每一行（选中 > 取消合并 > 定位空值 > 填充），核对后保存",
                    f"merged cells {m.ref} (column '{', '.join(m.columns)}', rows {rows}): only the first cell "
                    f"holds a value; '{m.value}' was filled into every row",
                    "unmerge the cells in Excel and fill the value into every row, then check and save",
                    severity="warning")


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


def _is_geographic(crs: str) -> bool:
    if crs in ("wgs84", "gcj02", "bd09"):
        return True
    try:
        return bool(pyproj.CRS.from_user_input(crs).is_geographic)
    except pyproj.exceptions.CRSError:
        return True


def units_fit(layer: LayerLog, crs: str, x: np.ndarray, y: np.ndarray, *, recorded: bool = False) -> bool:
    """False (a WRONG_CRS layer error) when the coordinates cannot be in ``crs``.

    Metres (most coordinates beyond +-180/+-90) in a longitude/latitude system, or
    degrees (every coordinate within 180 m of the projection's origin) in a
    projected one, mean the configured or recorded coordinate system is wrong.
    ``recorded``: ``crs`` is the one the file records (the fix is then in the GIS, not the config).
    """
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any():
        return True
    deg = (np.abs(x[ok]) <= 180) & (np.abs(y[ok]) <= 90)
    i = int(np.flatnonzero(ok)[0])
    example = f"{x[i]:.10g}, {y[i]:.10g}"
    where = f"[inputs.{layer.name}]"
    if _is_geographic(crs) and deg.mean() < 0.5:
        layer.layer(None, example, DataProblem.WRONG_CRS,
                    f"坐标系是经纬度（{crs}），但坐标不是经纬度（如 {example}，像是投影坐标的米数）",
                    f"在配置 {where} 写 crs = \"EPSG:编号\"，即坐标实际所用的投影坐标系（如 WGS84 UTM 52N 为 "
                    "EPSG:32652，CGCS2000 3度带 129E 为 EPSG:4549），或在 GIS 软件中定义正确的坐标系后重新导出",
                    f"the coordinate system is longitude/latitude ({crs}) but the coordinates are not degrees "
                    f"(e.g. {example}: they look like metres of a projected system)",
                    f"set crs = \"EPSG:<code>\" of the system they are in {where} (e.g. EPSG:32652 = WGS84 UTM "
                    "52N, EPSG:4549 = CGCS2000 3-degree zone 129E), or define the right CRS in your GIS")
        return False
    if not _is_geographic(crs) and deg.all():
        if recorded:
            fix_zh = (f"文件记录的坐标系 {crs} 不对：在 GIS 软件中为图层“定义”（不是“转换”）坐标系为 "
                      "WGS84（EPSG:4326）后重新导出")
            fix_en = (f"the file records the wrong system ({crs}): in your GIS define (not reproject) the "
                      "layer's CRS as WGS84 (EPSG:4326) and export it again")
        else:
            fix_zh = f"在配置 {where} 写 crs = \"wgs84\"（高德/腾讯写 gcj02，百度写 bd09）"
            fix_en = f"set crs = \"wgs84\" (gcj02 for Amap/Tencent, bd09 for Baidu) in {where}"
        layer.layer(None, example, DataProblem.WRONG_CRS,
                    f"坐标系 {crs} 以米为单位，但坐标像是经纬度（如 {example}）", fix_zh,
                    f"the coordinate system {crs} is in metres but the coordinates look like degrees (e.g. {example})",
                    fix_en)
        return False
    return True

