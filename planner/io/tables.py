"""Reading the tables and vector files planners actually have.

* **CSV** in whatever encoding the office PC wrote: UTF-8, UTF-8 with BOM
  (Excel's "CSV UTF-8"), or GBK/GB18030 (Excel's default "CSV" on Chinese
  Windows).  With ``encoding="auto"`` they are tried strictly in that order
  and the one that decoded the whole file is reported.
* **Excel** ``.xlsx`` (openpyxl), first or named sheet.
* **GeoJSON**, **GeoPackage** (named layer), **Shapefile** and anything else
  pyogrio reads.

Every reader returns a :class:`RawLayer`: the cells as the file has them (text
for CSV, cell values for Excel, attribute values plus ``geometry`` for vector
files), indexed by the **1-based row number the user sees** -- the line
number in a CSV (header = line 1; multi-line quoted cells are counted
properly), the row number in Excel, the feature number in a vector file -- so
validation can say "row 17".  Nothing is converted or dropped here; blank
lines are not rows.

Column recognition (:func:`recognise_columns`) maps the planner's field names
to the file's columns by the alias table of ``docs/architecture.md``
(case-insensitive, first alias that matches wins), with the user's
``[inputs.<layer>.columns]`` overrides taking precedence.
"""

from __future__ import annotations

import codecs
import csv
import io as _io
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyproj

from planner.errors import DataError, InputFileNotFoundError

__all__ = [
    "RawLayer",
    "ColumnMatch",
    "ALIASES",
    "LAYER_FIELDS",
    "ENCODINGS",
    "detect_encoding",
    "read_csv",
    "read_excel",
    "read_vector",
    "read_layer",
    "recognise_columns",
]

logger = logging.getLogger(__name__)

#: Encodings tried by ``encoding="auto"``, strictly in this order.
ENCODINGS: tuple[str, ...] = ("utf-8", "utf-8-sig", "gbk", "gb18030")

#: Column aliases per planner field (docs/architecture.md); first match wins.
ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("编号", "设施编号", "机构编号", "村编号", "代码", "区划代码", "id", "code", "fid"),
    "name": ("名称", "机构名称", "设施名称", "村名", "社区名称", "name"),
    "type": ("类型", "设施类型", "机构类型", "type", "category"),
    "kind": ("类型", "村社类型", "类别", "kind", "type"),
    "x": ("经度", "lng", "lon", "long", "longitude", "x", "东经"),
    "y": ("纬度", "lat", "latitude", "y", "北纬"),
    "beds": ("床位数", "床位", "总床位", "beds"),
    "nursing_beds": ("护理型床位数", "护理型床位", "护理床位", "nursing_beds"),
    "occupied_beds": ("入住人数", "在住人数", "入住床位", "occupied", "occupied_beds"),
    "public": ("是否公办", "公办", "性质", "举办性质", "public"),
    "capacity": ("服务能力", "服务人数", "服务老人数", "capacity"),
    "township": ("所属乡镇", "乡镇", "街道", "乡镇街道", "乡镇(街道)", "township", "town"),
    "county": ("所属县", "县", "区县", "县(市、区)", "county", "district"),
    "population": ("总人口", "常住人口", "户籍人口", "人口", "population", "pop"),
    "older_population": (
        "60岁以上人口", "60岁及以上人口", "老年人口", "older_population", "pop60", "pop60plus",
    ),
}

#: Fields each layer may have, and which of them are required.  ``x``/``y``
#: are required only for tables (vector files carry geometry).
LAYER_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "facilities": {
        "required": ("type", "x", "y"),
        "optional": ("id", "name", "beds", "nursing_beds", "occupied_beds", "public", "capacity",
                     "township", "county"),
    },
    "settlements": {
        "required": ("x", "y"),
        "optional": ("id", "name", "kind", "township", "county", "population", "older_population"),
    },
    "candidates": {
        "required": ("x", "y"),
        "optional": ("id", "name", "type", "township", "county"),
    },
    "townships": {"required": ("name",), "optional": ("kind", "county")},
    "counties": {"required": ("name",), "optional": ()},
}


@dataclass(frozen=True)
class RawLayer:
    """A file's rows as read, before any validation.

    Parameters
    ----------
    frame
        The rows; a GeoDataFrame (with ``geometry``) for vector files.  Index:
        1-based row number as the user sees it (name ``row``).
    path
        The file.
    format
        ``"csv"``, ``"excel"`` or ``"vector"``.
    encoding
        Encoding used for CSV (``None`` otherwise).
    crs
        The file's own CRS for vector files (``None`` when it has none, and for tables).
    sheet, layer
        Excel sheet / GeoPackage layer read.
    """

    frame: pd.DataFrame
    path: Path
    format: str
    encoding: str | None = None
    crs: pyproj.CRS | None = None
    sheet: str | None = None
    layer: str | None = None

    @property
    def columns(self) -> list[str]:
        """The attribute columns (without ``geometry``)."""
        return [str(c) for c in self.frame.columns if c != "geometry"]

    @property
    def is_vector(self) -> bool:
        """True for vector files (rows carry a geometry)."""
        return self.format == "vector"


@dataclass(frozen=True)
class ColumnMatch:
    """Which file column holds each planner field.

    Parameters
    ----------
    columns
        Field -> column name in the file, for the fields found.
    missing
        Required fields with no column.
    found
        Every column of the file (to show the user when something is missing).
    bad_overrides
        Overrides from the config that name a column the file does not have.
    """

    columns: Mapping[str, str]
    missing: tuple[str, ...] = ()
    found: tuple[str, ...] = ()
    bad_overrides: Mapping[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when every required field was found and every override exists."""
        return not self.missing and not self.bad_overrides


def _existing(path: str | Path) -> Path:
    """``path`` as a Path; :class:`InputFileNotFoundError` when there is no such file."""
    path = Path(path)
    if not path.exists():
        raise InputFileNotFoundError(f"{path}: file not found; fix: check the path in the config")
    return path


# --------------------------------------------------------------------------- encodings


def detect_encoding(data: bytes, *, path: str | Path = "<bytes>") -> str:
    """The first of :data:`ENCODINGS` that decodes ``data`` without error.

    A leading byte-order mark selects ``utf-8-sig`` (plain UTF-8 would keep
    the mark as part of the first column name).

    Raises
    ------
    DataError
        When no encoding decodes the file.
    """
    for enc in ENCODINGS:
        if enc == "utf-8" and data.startswith(codecs.BOM_UTF8):
            continue
        try:
            data.decode(enc, errors="strict")
        except UnicodeDecodeError:
            continue
        return enc
    raise DataError(
        f"{path}: cannot decode the file as UTF-8, UTF-8 with BOM, GBK or GB18030; "
        "fix: open it in Excel or WPS and save as 'CSV UTF-8'"
    )


def _decode(path: Path, encoding: str) -> tuple[str, str]:
    data = path.read_bytes()
    if encoding == "auto":
        enc = detect_encoding(data, path=path)
    else:
        enc = encoding
    try:
        text = data.decode(enc, errors="strict")
    except (UnicodeDecodeError, LookupError) as exc:
        raise DataError(
            f"{path}: cannot decode with encoding {encoding!r} ({exc}); "
            "fix: set encoding = \"auto\" for this input or save the file as 'CSV UTF-8'"
        ) from None
    return text.removeprefix("\ufeff"), enc


# --------------------------------------------------------------------------- tables


def _unique_header(cells: Sequence[Any]) -> list[str]:
    names: list[str] = []
    seen: dict[str, int] = {}
    for i, c in enumerate(cells):
        name = "" if c is None else str(c).strip()
        if not name:
            name = f"column_{i + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        else:
            seen[name] = 0
        names.append(name)
    return names


def _frame_from_rows(header: list[str], rows: list[tuple[int, list[Any]]]) -> pd.DataFrame:
    width = max([len(header)] + [len(r) for _, r in rows])
    header = header + [f"column_{i + 1}" for i in range(len(header), width)]
    header = _unique_header(header)
    data = [r + [None] * (width - len(r)) for _, r in rows]
    frame = pd.DataFrame(data, columns=header, dtype=object)
    frame.index = pd.Index([n for n, _ in rows], name="row", dtype="int64")
    return frame


def _blank(cells: Sequence[Any]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def read_csv(path: str | Path, *, encoding: str = "auto") -> RawLayer:
    """Read a CSV file as text cells, keeping each row's line number.

    Parameters
    ----------
    path
        The file.
    encoding
        ``"auto"`` (try :data:`ENCODINGS` in order) or a Python codec name.

    Returns
    -------
    RawLayer
        ``frame`` holds strings (``None`` for cells missing from short rows),
        indexed by line number; ``encoding`` is the one used.

    Raises
    ------
    InputFileNotFoundError, DataError
    """
    path = _existing(path)
    text, enc = _decode(path, encoding)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(_io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[tuple[int, list[Any]]] = []
    start = 1
    try:
        for cells in reader:
            line = start
            start = reader.line_num + 1
            if _blank(cells):
                continue
            cells = [c.strip() for c in cells]
            if header is None:
                header = _unique_header(cells)
                continue
            rows.append((line, list(cells)))
    except csv.Error as exc:
        raise DataError(f"{path}: line {reader.line_num}: malformed CSV ({exc})") from None
    if header is None:
        return RawLayer(frame=pd.DataFrame(index=pd.Index([], name="row", dtype="int64")),
                        path=path, format="csv", encoding=enc)
    logger.debug("read %s: %d rows, encoding %s", path, len(rows), enc)
    return RawLayer(frame=_frame_from_rows(header, rows), path=path, format="csv", encoding=enc)


def read_excel(path: str | Path, *, sheet: str | None = None) -> RawLayer:
    """Read an Excel ``.xlsx`` sheet, keeping each row's Excel row number.

    The first non-blank row is the header; blank rows are skipped.

    Parameters
    ----------
    path
        The workbook.
    sheet
        Sheet name; ``None`` = the first sheet.

    Raises
    ------
    InputFileNotFoundError, DataError
        The latter names the sheets when ``sheet`` does not exist.
    """
    import openpyxl

    path = _existing(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for bad files
        raise DataError(f"{path}: cannot read as an Excel .xlsx workbook ({exc}); "
                        "fix: save it as .xlsx or CSV UTF-8") from None
    try:
        if sheet is None:
            ws = wb.worksheets[0]
        elif sheet in wb.sheetnames:
            ws = wb[sheet]
        else:
            raise DataError(
                f"{path}: no sheet {sheet!r}; the workbook has sheets {', '.join(map(repr, wb.sheetnames))}; "
                "fix: set sheet = one of these for this input"
            )
        header: list[str] | None = None
        rows: list[tuple[int, list[Any]]] = []
        for number, cells in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = list(cells)
            if _blank(cells):
                continue
            cells = [c.strip() if isinstance(c, str) else c for c in cells]
            if header is None:
                header = _unique_header(cells)
                continue
            rows.append((number, cells))
        title = ws.title
    finally:
        wb.close()
    if header is None:
        frame = pd.DataFrame(index=pd.Index([], name="row", dtype="int64"))
    else:
        frame = _frame_from_rows(header, rows)
    return RawLayer(frame=frame, path=path, format="excel", sheet=title)


def read_vector(path: str | Path, *, layer: str | None = None) -> RawLayer:
    """Read a GeoJSON, GeoPackage, Shapefile or other OGR vector file.

    Parameters
    ----------
    path
        The file.
    layer
        Layer name (GeoPackage); required when the file has several layers.

    Returns
    -------
    RawLayer
        ``frame`` is a GeoDataFrame indexed by 1-based feature number;
        ``crs`` is the file's CRS or ``None`` when it declares none.

    Raises
    ------
    InputFileNotFoundError, DataError
    """
    import geopandas as gpd
    import pyogrio

    path = _existing(path)
    try:
        available = [str(n) for n in pyogrio.list_layers(path)[:, 0]]
    except Exception as exc:
        raise DataError(f"{path}: cannot read as a vector file ({exc})") from None
    if layer is None and len(available) > 1:
        raise DataError(
            f"{path}: the file has several layers ({', '.join(available)}); "
            "fix: set layer = the one to use for this input"
        )
    if layer is not None and layer not in available:
        raise DataError(
            f"{path}: no layer {layer!r}; layers are {', '.join(available)}; fix: set layer = one of these"
        )
    try:
        gdf = gpd.read_file(path, layer=layer, engine="pyogrio")
    except Exception as exc:
        raise DataError(f"{path}: cannot read as a vector file ({exc})") from None
    gdf.index = pd.Index(range(1, len(gdf) + 1), name="row", dtype="int64")
    crs = gdf.crs
    return RawLayer(frame=gdf, path=path, format="vector", crs=crs,
                    layer=layer or (available[0] if available else None))


_TABLE_SUFFIXES = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "excel", ".xlsm": "excel"}


def read_layer(
    path: str | Path, *, encoding: str = "auto", sheet: str | None = None, layer: str | None = None
) -> RawLayer:
    """Read any supported file, choosing the reader from the file suffix.

    ``.csv``/``.txt``/``.tsv`` -> :func:`read_csv`; ``.xlsx`` -> :func:`read_excel`;
    ``.xls`` is refused with a fix; anything else -> :func:`read_vector`.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise DataError(f"{path}: old Excel .xls files are not supported; fix: save it as .xlsx or CSV UTF-8")
    kind = _TABLE_SUFFIXES.get(suffix)
    if kind == "csv":
        return read_csv(path, encoding=encoding)
    if kind == "excel":
        return read_excel(path, sheet=sheet)
    return read_vector(path, layer=layer)


# --------------------------------------------------------------------------- columns


def _norm(name: str) -> str:
    return (
        str(name).strip().lower()
        .replace("（", "(").replace("）", ")").replace("，", ",").replace(" ", "")
    )


def recognise_columns(
    columns: Sequence[str],
    fields: Sequence[str],
    *,
    required: Sequence[str] = (),
    overrides: Mapping[str, str] | None = None,
) -> ColumnMatch:
    """Match planner fields to a file's columns.

    Parameters
    ----------
    columns
        The file's column names.
    fields
        Planner fields to look for (keys of :data:`ALIASES`).
    required
        Fields that must be found.
    overrides
        Field -> column name from ``[inputs.<layer>.columns]``; these win
        over the aliases.  An override naming a column the file lacks is
        reported in ``bad_overrides``.

    Returns
    -------
    ColumnMatch
        Each file column is used for at most one field (overrides first,
        then fields in the order given).
    """
    columns = [str(c) for c in columns if c != "geometry"]
    by_norm: dict[str, str] = {}
    for c in columns:
        by_norm.setdefault(_norm(c), c)
    used: set[str] = set()
    out: dict[str, str] = {}
    bad: dict[str, str] = {}
    for fld, col in (overrides or {}).items():
        hit = col if col in columns else by_norm.get(_norm(col))
        if hit is None:
            bad[fld] = col
        else:
            out[fld] = hit
            used.add(hit)
    for fld in fields:
        if fld in out or fld in bad:
            continue
        for alias in ALIASES.get(fld, (fld,)):
            hit = by_norm.get(_norm(alias))
            if hit is not None and hit not in used:
                out[fld] = hit
                used.add(hit)
                break
    missing = tuple(f for f in required if f not in out and f not in bad)
    return ColumnMatch(columns=out, missing=missing, found=tuple(columns), bad_overrides=bad)
