"""Projections and distances: the one UTM zone choice and the one haversine.

Metric work (snapping, buffers, areas) happens in the WGS84 / UTM zone of the
study area; straight-line distances between WGS84 points use the haversine
formula on a sphere of the mean Earth radius.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyproj

from planner.errors import InputError

__all__ = ["EARTH_RADIUS_M", "utm_crs_for", "utm_crs_for_lonlat", "haversine_m"]


def utm_crs_for(geometry_or_bounds: Any) -> pyproj.CRS:
    """The WGS84 / UTM zone CRS (EPSG:326xx or 327xx) for a study area.

    The zone is the one containing the centre of the bounds, so a county that
    straddles a zone edge is projected in the zone holding most of it.
    Heilongjiang lies in zones 51N (120-126 E), 52N (126-132 E) and 53N
    (132-138 E).

    Parameters
    ----------
    geometry_or_bounds
        A shapely geometry, a (Geo)Series/GeoDataFrame (``total_bounds`` is
        used) or a ``(minx, miny, maxx, maxy)`` sequence in WGS84 degrees.

    Returns
    -------
    pyproj.CRS
    """
    obj = geometry_or_bounds
    if hasattr(obj, "total_bounds"):
        bounds = tuple(obj.total_bounds)
    elif hasattr(obj, "bounds") and not isinstance(obj, Sequence | np.ndarray):
        bounds = tuple(obj.bounds)
    else:
        bounds = tuple(obj)
    if len(bounds) != 4 or not np.all(np.isfinite(np.asarray(bounds, dtype=float))):
        raise InputError(f"cannot choose a UTM zone from bounds {bounds!r}")
    minx, miny, maxx, maxy = (float(b) for b in bounds)
    lon = (minx + maxx) / 2.0
    lat = (miny + maxy) / 2.0
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise InputError(f"bounds {bounds!r} are not WGS84 degrees")
    zone = int(math.floor((lon + 180.0) / 6.0)) % 60 + 1
    code = (32600 if lat >= 0 else 32700) + zone
    return pyproj.CRS.from_epsg(code)


def utm_crs_for_lonlat(lon: Any, lat: Any) -> pyproj.CRS:
    """The WGS84 / UTM zone CRS for the centre of the bounds of WGS84 points.

    Parameters
    ----------
    lon, lat : array-like
        Degrees; NaNs are ignored.

    Returns
    -------
    pyproj.CRS

    Raises
    ------
    InputError
        When there are no points (or all are NaN).
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    if lon.size == 0 or np.all(np.isnan(lon)) or np.all(np.isnan(lat)):
        raise InputError("cannot choose a projection for no points")
    return utm_crs_for((np.nanmin(lon), np.nanmin(lat), np.nanmax(lon), np.nanmax(lat)))


#: Mean Earth radius (m), of the sphere every straight-line distance uses.
EARTH_RADIUS_M = 6_371_008.8


def haversine_m(lon1: Any, lat1: Any, lon2: Any, lat2: Any) -> np.ndarray:
    """Great-circle distance in metres between WGS84 points (vectorised).

    Parameters
    ----------
    lon1, lat1, lon2, lat2
        Degrees; arrays broadcast together.

    Returns
    -------
    numpy.ndarray
        Metres on a sphere of the mean Earth radius (within 0.5 % of the
        ellipsoidal distance).
    """
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(a, dtype=np.float64)) for a in (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
