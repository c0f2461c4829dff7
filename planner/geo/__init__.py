"""Coordinates and projections: WGS84 / GCJ-02 / BD-09 conversion, CRS names, the UTM zone choice, haversine."""

from __future__ import annotations

from planner.geo.coords import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    normalise_crs,
    out_of_china,
    to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from planner.geo.crs import EARTH_RADIUS_M, haversine_m, utm_crs_for, utm_crs_for_lonlat

__all__ = [
    "EARTH_RADIUS_M",
    "haversine_m",
    "utm_crs_for",
    "utm_crs_for_lonlat",
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
