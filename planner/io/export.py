"""The one serialiser: named layers (GeoDataFrames and tables) to GeoPackage and CSV.

Results expose their layers as a mapping ``name -> frame`` (``layers()``);
this module is the only place that turns such a mapping into files, so every
output of the planner writes dtypes, indexes, geometry and encodings the same
way:

- a frame whose index is named writes the index as its first column(s);
- GeoPackage: geometry layers as feature layers, other frames as attribute
  tables; nullable booleans, strings and other extension dtypes become plain
  values every GeoPackage reader accepts;
- CSV: UTF-8 with a byte-order mark (Excel opens the Chinese correctly);
  point layers get ``lon``/``lat`` columns; other geometries stay in the
  GeoPackage only (a polygon's WKT runs to hundreds of thousands of
  characters, past Excel's 32,767 per cell) and the CSV gets their centroid
  (``centroid_lon``/``centroid_lat``) and size (``area_km2`` for polygons,
  ``length_km`` for lines, measured in the local UTM zone) instead;
- CSV text that a spreadsheet would read as a formula (``=``, ``+``, ``-``,
  ``@``, tab, CR first) is written with a leading ``'``, and no cell is longer
  than Excel's limit (:mod:`planner.io.spreadsheet`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from planner.errors import InputError
from planner.geo import utm_crs_for
from planner.io.spreadsheet import guard_text_cells

__all__ = ["file_safe", "plain_table", "write_geopackage", "write_csvs", "write_layer_styles", "LAYER_STYLE_COLUMNS"]

logger = logging.getLogger(__name__)


def _has_geometry(frame: pd.DataFrame) -> bool:
    return isinstance(frame, gpd.GeoDataFrame) and frame._geometry_column_name in frame.columns


def file_safe(frame: pd.DataFrame, *, keep_integers: bool = False) -> pd.DataFrame:
    """Copy of ``frame`` with the index as columns (when named) and plain column dtypes.

    Parameters
    ----------
    frame : pandas.DataFrame or geopandas.GeoDataFrame
    keep_integers : bool
        Keep nullable integer columns (``Int64``) as they are, for writers that
        print them (CSV: ``54``, not ``54.0``); GeoPackage writers get floats.

    Returns
    -------
    pandas.DataFrame or geopandas.GeoDataFrame
        Same rows; nullable booleans and strings as objects with ``None`` for
        missing, other extension dtypes as floats, geometry untouched.
    """
    out = frame.reset_index() if any(n is not None for n in frame.index.names) else frame.reset_index(drop=True)
    out = out.copy()
    geom_name = out._geometry_column_name if _has_geometry(out) else None
    for col in out.columns:
        if col == geom_name:
            continue
        s = out[col]
        if isinstance(s.dtype, gpd.array.GeometryDtype):
            out[col] = s.to_wkt() if hasattr(s, "to_wkt") else gpd.GeoSeries(s).to_wkt()
        elif isinstance(s.dtype, pd.BooleanDtype):
            out[col] = s.astype(object).where(s.notna(), None)
        elif isinstance(s.dtype, pd.StringDtype) or s.dtype == object:
            out[col] = s.astype(object).where(s.notna(), None).map(lambda v: v if v is None else str(v))
        elif keep_integers and pd.api.types.is_integer_dtype(s.dtype):
            continue
        elif isinstance(s.dtype, pd.api.extensions.ExtensionDtype):
            out[col] = s.astype(float)
    return out


def write_geopackage(layers: Mapping[str, pd.DataFrame | None], path: str | Path, *,
                     prefix: str = "", replace: bool = True, crs: str | None = None,
                     descriptions: Mapping[str, str] | None = None,
                     metadata: Mapping[str, Mapping[str, str]] | None = None) -> Path:
    """Write every layer to one GeoPackage.

    Parameters
    ----------
    layers : mapping
        Layer name -> frame; ``None`` values are skipped.
    path : str or Path
        The GeoPackage.
    prefix : str
        Put before every layer name (``"community_"``), so several results can share one file.
    replace : bool
        Remove an existing file first (default); ``False`` adds or replaces layers in it.
    crs : str, optional
        Write the geometry layers in this CRS (``"EPSG:4490"``); default: as they are.
    descriptions : mapping, optional
        Layer name (without prefix) -> the layer's description in ``gpkg_contents``.
    metadata : mapping, optional
        Layer name (without prefix) -> key/value notes stored as the layer's metadata
        (``gpkg_metadata``, linked to the layer by ``gpkg_metadata_reference``).

    Returns
    -------
    Path
    """
    import pyogrio

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if replace and path.exists():
        path.unlink()
    descriptions, metadata = descriptions or {}, metadata or {}
    with _unsynced_sqlite():
        for name, frame in layers.items():
            if frame is None:
                continue
            out = file_safe(frame)
            layer = f"{prefix}{name}"
            options = {"DESCRIPTION": descriptions[name]} if descriptions.get(name) else None
            notes = {str(k): str(v) for k, v in metadata.get(name, {}).items()} or None
            if _has_geometry(out):
                if crs is not None:
                    out = (out.set_crs("EPSG:4326") if out.crs is None else out).to_crs(crs)
                pyogrio.write_dataframe(out, path, layer=layer, driver="GPKG", layer_options=options,
                                       layer_metadata=notes)
            else:
                pyogrio.write_dataframe(pd.DataFrame(out), path, layer=layer, driver="GPKG", layer_options=options,
                                       layer_metadata=notes)
            logger.debug("wrote layer %s (%d rows) to %s", layer, len(out), path)
    _fsync(path)
    return path


@contextmanager
def _unsynced_sqlite() -> Iterator[None]:
    """GDAL's SQLite writes without a disk sync per transaction while inside (the previous setting restored).

    Every layer written is a few SQLite transactions, each synced to disk
    (``PRAGMA synchronous=FULL``): on a slow disk 22 layers took 2.5 s, 0.26 s
    unsynced.  :func:`write_geopackage` syncs the finished file once instead
    (:func:`_fsync`); the file's content is the same.
    """
    import pyogrio

    key = "OGR_SQLITE_SYNCHRONOUS"
    before = pyogrio.get_gdal_config_option(key)
    pyogrio.set_gdal_config_options({key: "OFF"})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({key: before})


def _fsync(path: Path) -> None:
    """Flush a written file to disk (once, after the unsynced writes)."""
    if not path.exists():
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


#: The columns of QGIS's ``layer_styles`` table (the convention QGIS reads a layer's default style from).
LAYER_STYLE_COLUMNS = ("f_table_catalog", "f_table_schema", "f_table_name", "f_geometry_column", "styleName",
                       "styleQML", "styleSLD", "useAsDefault", "description", "owner", "ui", "update_time")


def write_layer_styles(path: str | Path, styles: Mapping[str, tuple[str, str]], *, sld: Mapping[str, str] | None
                       = None, owner: str = "planner") -> Path:
    """Store a default QGIS style per layer in the GeoPackage's ``layer_styles`` table.

    QGIS opens a layer with the style of its ``layer_styles`` row marked
    ``useAsDefault``; the table is the one QGIS itself writes ("Save as
    default" into the GeoPackage): an attribute table registered in
    ``gpkg_contents`` with the columns :data:`LAYER_STYLE_COLUMNS`.  Rows of
    the layers given replace their previous rows; other rows are kept.

    Parameters
    ----------
    path : str or Path
        An existing GeoPackage holding the layers.
    styles : mapping
        Layer name -> (style name, QML document).
    sld : mapping, optional
        Layer name -> SLD document (empty when not given).
    owner : str
        Written into the ``owner`` column.

    Returns
    -------
    Path
    """
    import sqlite3

    import pyogrio

    path = Path(path)
    info = {row[0]: row[1] for row in pyogrio.list_layers(path)}
    missing = sorted(set(styles) - set(info))
    if missing:
        raise InputError(f"{path}: no layer {missing[0]!r} to style; write the layer first (layers: "
                         f"{', '.join(sorted(info))})")
    if "layer_styles" not in info:
        dtypes = {"useAsDefault": bool, "update_time": "datetime64[ms, UTC]"}
        empty = pd.DataFrame({c: pd.Series(dtype=dtypes.get(c, object)) for c in LAYER_STYLE_COLUMNS})
        with _unsynced_sqlite():
            pyogrio.write_dataframe(empty, path, layer="layer_styles", driver="GPKG",
                                   layer_options={"FID": "id", "DESCRIPTION": "QGIS layer styles (QML)"})
    stamp = pd.Timestamp.now(tz="UTC").strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("PRAGMA synchronous = OFF")  # the file is synced once below
        geom = dict(db.execute("SELECT table_name, column_name FROM gpkg_geometry_columns").fetchall())
        for layer, (name, qml) in styles.items():
            db.execute("DELETE FROM layer_styles WHERE f_table_name = ?", (layer,))
            db.execute(
                f"INSERT INTO layer_styles ({', '.join(LAYER_STYLE_COLUMNS)}) VALUES ({', '.join('?' * 12)})",
                ("", "", layer, geom.get(layer, ""), name, qml, (sld or {}).get(layer, ""), 1, name, owner, "",
                 stamp))
    _fsync(path)
    return path


def write_csvs(layers: Mapping[str, pd.DataFrame | None], folder: str | Path, *, prefix: str = ""
               ) -> dict[str, Path]:
    """Write every layer as ``<folder>/<prefix><name>.csv`` (UTF-8 with BOM).

    Parameters
    ----------
    layers : mapping
        Layer name -> frame; ``None`` values are skipped.
    folder : str or Path
        Created when missing.
    prefix : str
        Put before every file name.

    Returns
    -------
    dict
        Layer name -> file.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for name, frame in layers.items():
        if frame is None:
            continue
        out = plain_table(frame)
        p = folder / f"{prefix}{name}.csv"
        # CRLF rows (RFC 4180): a CR or LF inside a cell is then quoted, so it cannot start a new row
        guard_text_cells(pd.DataFrame(out), what=str(p)).to_csv(p, encoding="utf-8-sig", index=False,
                                                               lineterminator="\r\n")
        paths[name] = p
    return paths


def plain_table(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` as a plain table for a spreadsheet: index as columns, plain dtypes, geometry as numbers.

    The one conversion of a layer to a table (the CSVs and the workbook both use it):
    :func:`file_safe` (integers kept), then point geometry as ``lon``/``lat`` and other shapes
    as centroid and ``area_km2``/``length_km``; geometry columns that are not the frame's
    active geometry are written as WKT.

    Parameters
    ----------
    frame : pandas.DataFrame or geopandas.GeoDataFrame

    Returns
    -------
    pandas.DataFrame
    """
    out = file_safe(frame, keep_integers=True)
    return _geometry_columns(out) if _has_geometry(out) else pd.DataFrame(out)


def _geometry_columns(frame: gpd.GeoDataFrame) -> pd.DataFrame:
    """A layer as a table: ``lon``/``lat`` for points; centroid and area or length for other shapes."""
    geom = frame.geometry
    if frame.crs is None:  # the planner's layers are WGS84 (docs/architecture.md)
        geom = geom.set_crs("EPSG:4326")
    elif not frame.crs.equals("EPSG:4326"):
        geom = geom.to_crs("EPSG:4326")
    table = pd.DataFrame(frame.drop(columns=[frame._geometry_column_name]))
    if not len(geom) or (geom.geom_type == "Point").all():
        table["lon"] = np.round(geom.x.to_numpy(), 7) if len(geom) else []
        table["lat"] = np.round(geom.y.to_numpy(), 7) if len(geom) else []
        return table
    valid = geom.notna() & ~geom.is_empty
    metric = geom.to_crs(utm_crs_for(geom[valid])) if valid.any() else geom
    centre = metric.centroid.to_crs("EPSG:4326")
    table["centroid_lon"] = np.where(valid, np.round(centre.x.to_numpy(), 7), np.nan)
    table["centroid_lat"] = np.where(valid, np.round(centre.y.to_numpy(), 7), np.nan)
    kinds = set(geom[valid].geom_type)
    if kinds & {"Polygon", "MultiPolygon"} and "area_km2" not in table:
        table["area_km2"] = np.where(valid, np.round(metric.area.to_numpy() / 1e6, 4), np.nan)
    if kinds & {"LineString", "MultiLineString"} and "length_km" not in table:
        table["length_km"] = np.where(valid, np.round(metric.length.to_numpy() / 1e3, 4), np.nan)
    return table
