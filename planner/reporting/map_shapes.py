"""Polygons and lines for the map as small GeoJSON: simplified, rounded, only the columns shown."""

from __future__ import annotations

import math
from typing import Any

import geopandas as gpd
import numpy as np
import shapely.geometry

from planner.reporting.popups import map_text

__all__ = ["small_geojson"]


def _value(v: Any, *, escape: bool, digits: int) -> Any:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return None if not math.isfinite(float(v)) else round(float(v), digits)
    return map_text(v) if escape else str(v)


def _round(c: Any) -> Any:
    if isinstance(c, (list, tuple)) and c and isinstance(c[0], (list, tuple)):
        return [_round(x) for x in c]
    return [round(x, 5) for x in c] if isinstance(c, (list, tuple)) else c


def small_geojson(frame: gpd.GeoDataFrame, *, columns: list[str], tolerance_deg: float = 5e-5,
                  escape: bool = True, digits: int = 1) -> dict:
    """Small GeoJSON: simplified (≈5 m) geometry, coordinates to 5 decimals (≈1 m), only ``columns``.

    Parameters
    ----------
    frame
        Polygons or lines (any CRS; written in WGS84).
    columns
        The properties kept (missing ones are skipped).
    tolerance_deg
        Simplification tolerance, degrees.
    escape
        Escape text values with :func:`~planner.reporting.popups.map_text` (folium's tooltips put them
        into the page as HTML); False for data the page script escapes itself.
    digits
        Decimal places of float values.

    Returns
    -------
    dict
        A GeoJSON FeatureCollection; rows with an empty geometry are left out, ``label_at`` (lon, lat of a
        point inside each shape) added.
    """
    keep = [c for c in columns if c in frame.columns]
    geom = frame.geometry.to_crs("EPSG:4326") if frame.crs is not None else frame.geometry
    simple = geom.simplify(tolerance_deg, preserve_topology=True)
    ok = (~simple.is_empty & simple.notna()).to_numpy()
    inside = geom[ok].representative_point()
    features = []
    for (_, row), shape, at in zip(frame[ok].iterrows(), simple[ok], inside):
        gj = shapely.geometry.mapping(shape)
        props = {c: _value(row[c], escape=escape, digits=digits) for c in keep}
        props["label_at"] = [round(at.x, 5), round(at.y, 5)]
        features.append({"type": "Feature", "properties": props,
                         "geometry": {"type": gj["type"], "coordinates": _round(gj["coordinates"])}})
    return {"type": "FeatureCollection", "features": features}
