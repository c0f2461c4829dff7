"""Coordinate systems used by Chinese map data, and the UTM zone of a study area.

Chinese web maps do not publish WGS84 coordinates:

* **GCJ-02** ("Mars coordinates", 国测局坐标) is used by Amap/Gaode (高德) and
  Tencent maps.  It is WGS84 shifted by a deliberately obfuscating, smooth
  offset of a few hundred metres, defined on the Krasovsky ellipsoid.  Outside
  mainland China the offset is not applied (GCJ-02 = WGS84 there).
* **BD-09** (百度坐标) is GCJ-02 with Baidu's further polar-coordinate shift.

The forward transform WGS84 -> GCJ-02 is a closed formula; its inverse is not,
so :func:`gcj02_to_wgs84` solves it by fixed-point iteration (the offset
changes by well under a millimetre per metre of position, so each step gains
several digits) until the round trip is below a millimetre.  BD-09 <-> GCJ-02
is invertible in closed form up to Baidu's own approximations (~1e-6 degrees).

All functions are vectorised: they take scalars or array-likes and return
numpy arrays (0-d for scalars).  Missing values (NaN) stay NaN.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np
import pyproj

from planner.errors import ConfigError

__all__ = [
    "out_of_china",
    "wgs84_to_gcj02",
    "gcj02_to_wgs84",
    "gcj02_to_bd09",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "wgs84_to_bd09",
    "to_wgs84",
    "normalise_crs",
]

logger = logging.getLogger(__name__)

# Krasovsky 1940 ellipsoid, on which the GCJ-02 offset is defined.
_A = 6378245.0
_EE = 0.00669342162296594323
# Baidu's angular constant.
_X_PI = math.pi * 3000.0 / 180.0

# Rectangle outside of which no GCJ-02 offset is applied (the usual rule of
# every public implementation; it also covers Taiwan, Hong Kong and Macau,
# which a stricter polygon would exclude, but Heilongjiang is far inside).
_CHINA_LON = (72.004, 137.8347)
_CHINA_LAT = (0.8293, 55.8271)


def _arrays(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    lon_a = np.asarray(lon, dtype=float)
    lat_a = np.asarray(lat, dtype=float)
    lon_a, lat_a = np.broadcast_arrays(lon_a, lat_a)
    return lon_a.copy(), lat_a.copy()


def out_of_china(lon: Any, lat: Any) -> np.ndarray:
    """True where a point lies outside the area in which GCJ-02 is offset.

    Parameters
    ----------
    lon, lat
        Longitude and latitude in degrees (scalars or arrays).

    Returns
    -------
    numpy.ndarray of bool
        NaN coordinates count as outside.
    """
    lon_a, lat_a = _arrays(lon, lat)
    with np.errstate(invalid="ignore"):
        inside = (
            (lon_a >= _CHINA_LON[0]) & (lon_a <= _CHINA_LON[1])
            & (lat_a >= _CHINA_LAT[0]) & (lat_a <= _CHINA_LAT[1])
        )
    return ~inside


def _gcj_offset(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The GCJ-02 offset (dlon, dlat) in degrees at WGS84 position (lon, lat)."""
    x = lon - 105.0
    y = lat - 35.0
    sq = np.sqrt(np.abs(x))
    t_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sq
    t_lat += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    t_lat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    t_lat += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    t_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sq
    t_lon += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    t_lon += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    t_lon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    rad = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (t_lat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlon = (t_lon * 180.0) / (_A / sqrt_magic * np.cos(rad) * np.pi)
    outside = out_of_china(lon, lat)
    dlat = np.where(outside, 0.0, dlat)
    dlon = np.where(outside, 0.0, dlon)
    return dlon, dlat


def wgs84_to_gcj02(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 -> GCJ-02 (Amap/Gaode, Tencent).

    Parameters
    ----------
    lon, lat
        WGS84 longitude and latitude in degrees.

    Returns
    -------
    (lon, lat) : tuple of numpy.ndarray
        GCJ-02 coordinates; unchanged outside China.
    """
    lon_a, lat_a = _arrays(lon, lat)
    dlon, dlat = _gcj_offset(lon_a, lat_a)
    return lon_a + dlon, lat_a + dlat


def gcj02_to_wgs84(
    lon: Any, lat: Any, *, tol_deg: float = 1e-10, max_iter: int = 30
) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 -> WGS84 by fixed-point iteration of the forward transform.

    Starting from ``w = g``, each step sets ``w <- w + (g - forward(w))``;
    it stops when every point's residual is below ``tol_deg`` (1e-10 degrees
    is about 0.01 mm) or after ``max_iter`` steps.

    Parameters
    ----------
    lon, lat
        GCJ-02 longitude and latitude in degrees.
    tol_deg
        Convergence tolerance in degrees.
    max_iter
        Iteration cap (convergence normally takes 4-6 steps).

    Returns
    -------
    (lon, lat) : tuple of numpy.ndarray
        WGS84 coordinates.
    """
    g_lon, g_lat = _arrays(lon, lat)
    w_lon, w_lat = g_lon.copy(), g_lat.copy()
    for _ in range(max_iter):
        f_lon, f_lat = wgs84_to_gcj02(w_lon, w_lat)
        r_lon = g_lon - f_lon
        r_lat = g_lat - f_lat
        w_lon = w_lon + r_lon
        w_lat = w_lat + r_lat
        with np.errstate(invalid="ignore"):
            worst = np.nanmax(np.abs(np.concatenate([r_lon.ravel(), r_lat.ravel(), [0.0]])))
        if worst < tol_deg:
            break
    return w_lon, w_lat


def gcj02_to_bd09(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 -> BD-09 (Baidu).

    Parameters
    ----------
    lon, lat
        GCJ-02 longitude and latitude in degrees.

    Returns
    -------
    (lon, lat) : tuple of numpy.ndarray
    """
    x, y = _arrays(lon, lat)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_gcj02(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    """BD-09 (Baidu) -> GCJ-02.

    Parameters
    ----------
    lon, lat
        BD-09 longitude and latitude in degrees.

    Returns
    -------
    (lon, lat) : tuple of numpy.ndarray
    """
    b_lon, b_lat = _arrays(lon, lat)
    x = b_lon - 0.0065
    y = b_lat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def bd09_to_wgs84(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    """BD-09 (Baidu) -> WGS84 (through GCJ-02)."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def wgs84_to_bd09(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 -> BD-09 (Baidu) (through GCJ-02)."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


_ALIASES = {
    "wgs84": "wgs84", "wgs-84": "wgs84", "wgs 84": "wgs84", "epsg:4326": "wgs84", "4326": "wgs84",
    "gps": "wgs84",
    "gcj02": "gcj02", "gcj-02": "gcj02", "gcj": "gcj02", "amap": "gcj02", "gaode": "gcj02",
    "高德": "gcj02", "火星坐标": "gcj02", "国测局坐标": "gcj02", "tencent": "gcj02",
    "bd09": "bd09", "bd-09": "bd09", "bd09ll": "bd09", "baidu": "bd09", "百度": "bd09",
}


def normalise_crs(crs: str | int | pyproj.CRS | None) -> str:
    """Canonical name of a coordinate system: ``"wgs84"``, ``"gcj02"``, ``"bd09"`` or ``"EPSG:<code>"``.

    Parameters
    ----------
    crs
        A name (``"wgs84"``, ``"GCJ-02"``, ``"baidu"``...), an EPSG code
        (``"EPSG:32652"`` or ``32652``), any string pyproj accepts, or a
        :class:`pyproj.CRS`.  ``None`` means WGS84.

    Raises
    ------
    ConfigError
        When the CRS is not recognised.
    """
    if crs is None:
        return "wgs84"
    if isinstance(crs, pyproj.CRS):
        epsg = crs.to_epsg()
        if epsg == 4326:
            return "wgs84"
        return f"EPSG:{epsg}" if epsg else crs.to_wkt()
    key = str(crs).strip().lower()
    if key in _ALIASES:
        return _ALIASES[key]
    try:
        parsed = pyproj.CRS.from_user_input(int(key) if key.isdigit() else str(crs))
    except (pyproj.exceptions.CRSError, ValueError):
        raise ConfigError(
            f"unknown coordinate system {crs!r}; use 'wgs84', 'gcj02' (Amap/Gaode, Tencent), "
            "'bd09' (Baidu) or 'EPSG:<code>'"
        ) from None
    return normalise_crs(parsed)


def to_wgs84(lon: Any, lat: Any, crs: str | int | pyproj.CRS | None) -> tuple[np.ndarray, np.ndarray]:
    """Convert coordinates in ``crs`` to WGS84 longitude/latitude.

    Parameters
    ----------
    lon, lat
        Coordinates in ``crs`` (for projected EPSG systems: easting, northing).
    crs
        ``"wgs84"``, ``"gcj02"``, ``"bd09"``, ``"EPSG:<code>"`` (see :func:`normalise_crs`).

    Returns
    -------
    (lon, lat) : tuple of numpy.ndarray
    """
    name = normalise_crs(crs)
    x, y = _arrays(lon, lat)
    if name == "wgs84":
        return x, y
    if name == "gcj02":
        return gcj02_to_wgs84(x, y)
    if name == "bd09":
        return bd09_to_wgs84(x, y)
    tf = pyproj.Transformer.from_crs(pyproj.CRS.from_user_input(name), "EPSG:4326", always_xy=True)
    ox, oy = tf.transform(x, y)
    return np.asarray(ox, dtype=float), np.asarray(oy, dtype=float)
