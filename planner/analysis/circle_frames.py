"""Inputs and outputs shared by the service circles and the network Voronoi.

Checks of the facilities and parameters, attaching the facilities to the
routing graph, and the output frame: indexed like the facilities, WGS84,
with the parameters that produced it in ``frame.attrs["params"]``.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from planner.codes import RouteReason
from planner.errors import ConfigError, DataError, InputError
from planner.routing import RoutingGraph

__all__ = [
    "WGS84",
    "PASSTHROUGH",
    "check_facilities",
    "check_minutes",
    "check_buffer",
    "attach_facilities",
    "settlement_snap_m",
    "result_columns",
    "frame",
]

WGS84 = "EPSG:4326"
#: Columns copied from the facilities when present.
PASSTHROUGH = ("name", "tier", "type")


def check_facilities(facilities: Any, who: str) -> gpd.GeoDataFrame:
    """The facilities, if they are a GeoDataFrame of points with a CRS and unique ids (DataError else)."""
    if not isinstance(facilities, gpd.GeoDataFrame):
        raise DataError(
            f"{who}: facilities must be a GeoDataFrame of points, got {type(facilities).__name__}; "
            "load them with planner.data.load_study"
        )
    if facilities.crs is None:
        raise DataError(f"{who}: the facilities layer has no CRS; set it (WGS84, EPSG:4326) before drawing circles")
    bad = ~facilities.geometry.geom_type.isin(["Point"]) | facilities.geometry.is_empty
    if bad.any():
        rows = ", ".join(map(str, facilities.index[bad.to_numpy()][:5]))
        raise DataError(
            f"{who}: facilities {rows} have no point geometry; give every facility a longitude and latitude"
        )
    if not facilities.index.is_unique:
        dup = facilities.index[facilities.index.duplicated()][:5]
        raise DataError(
            f"{who}: facility ids are not unique ({', '.join(map(str, dup))}); give each facility its own id"
        )
    return facilities


def check_minutes(minutes: float) -> None:
    """ConfigError unless ``minutes`` is a finite number >= 0."""
    if not np.isfinite(minutes) or minutes < 0:
        raise ConfigError(
            f"minutes must be a finite number >= 0, got {minutes!r}; check the tier's minutes in the study file"
        )


def check_buffer(buffer_m: float) -> None:
    """ConfigError unless ``buffer_m`` is a number > 0."""
    if not buffer_m > 0:
        raise ConfigError(f"buffer_m must be a number > 0 (metres), got {buffer_m!r}")


def settlement_snap_m(graph: RoutingGraph, settlements: gpd.GeoDataFrame) -> np.ndarray:
    """Per settlement the profile's snapping limit for its kind (rural for villages), as coverage snaps them."""
    prof = graph.profile
    if "kind" not in settlements.columns:
        return np.full(len(settlements), float(prof.max_snap_m_urban))
    village = settlements["kind"].astype(str).to_numpy() == "village"
    return np.where(village, float(prof.max_snap_m_rural), float(prof.max_snap_m_urban))


def attach_facilities(
    graph: RoutingGraph, facilities: gpd.GeoDataFrame, max_snap_m: Any,
    settlements: gpd.GeoDataFrame | None = None,
) -> tuple[RoutingGraph, np.ndarray, pd.DataFrame]:
    """Add the facilities (and settlements) to the graph; return (augmented graph, node per facility, snapping).

    ``max_snap_m`` defaults to the profile's rural value.  Settlements, when
    given, are attached with their kind's limit (:func:`settlement_snap_m`)
    after the facilities: their access legs become part of the graph, so a
    settlement that reaches a facility in time lies on the reached linework.
    """
    if max_snap_m is None:
        max_snap_m = graph.profile.max_snap_m_rural
    if settlements is None or not len(settlements):
        g2, snapping = graph.with_points(facilities, max_snap_m=max_snap_m)
        snapping = pd.DataFrame(snapping)
        return g2, np.asarray(snapping["node"], dtype=np.int64), snapping
    n = len(facilities)
    pts = gpd.GeoSeries(
        np.r_[facilities.geometry.to_crs(WGS84).to_numpy(), settlements.geometry.to_crs(WGS84).to_numpy()],
        crs=WGS84,
    )
    limits = np.r_[np.broadcast_to(np.asarray(max_snap_m, dtype=float), (n,)), settlement_snap_m(graph, settlements)]
    g2, snapping = graph.with_points(pts, max_snap_m=limits)
    snapping = pd.DataFrame(snapping).iloc[:n].set_axis(facilities.index.copy())
    return g2, np.asarray(snapping["node"], dtype=np.int64), snapping


def _snap_distance(snapping: pd.DataFrame) -> np.ndarray:
    if "distance_m" in snapping.columns:
        d = pd.to_numeric(snapping["distance_m"], errors="coerce").to_numpy(dtype=float)
        return np.where(np.asarray(snapping["node"]) >= 0, d, np.inf)
    return np.full(len(snapping), np.nan)


def result_columns(
    minutes: float, km: np.ndarray, snapping: pd.DataFrame, geoms: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """The columns of a circle frame: ``minutes``, ``reached_km``, ``area_km2`` (polygons only), ``snap_m``,
    ``reason`` (None, or ``NO_ROAD`` for a facility off the network)."""
    linked = np.asarray(snapping["node"], dtype=np.int64) >= 0
    cols: dict[str, np.ndarray] = {"minutes": np.full(len(snapping), float(minutes)), "reached_km": km}
    if geoms is not None:
        cols["area_km2"] = shapely.area(geoms) / 1e6
    cols["snap_m"] = _snap_distance(snapping)
    cols["reason"] = np.where(linked, None, RouteReason.NO_ROAD).astype(object)
    return cols


def _graph_crs(graph: RoutingGraph) -> Any:
    crs = getattr(graph, "crs", None)
    if crs is None:
        raise InputError("the routing graph has no projected CRS (graph.crs)")
    return crs


def frame(
    facilities: gpd.GeoDataFrame, geoms: np.ndarray, graph: RoutingGraph, extra: dict[str, Any],
    params: dict[str, Any],
) -> gpd.GeoDataFrame:
    """Output frame: passthrough columns, ``extra``, ``geoms`` (graph CRS) in WGS84, ``attrs["params"]``."""
    data: dict[str, Any] = {c: facilities[c].copy() for c in PASSTHROUGH if c in facilities.columns}
    for k, v in extra.items():
        arr = np.asarray(v)
        data[k] = pd.Series(arr, index=facilities.index, dtype=object if arr.dtype == object else None)
    crs = _graph_crs(graph)
    gs = gpd.GeoSeries(geoms, index=facilities.index, crs=crs).to_crs(WGS84)
    out = gpd.GeoDataFrame(data, index=facilities.index.copy(), geometry=gs, crs=WGS84)
    prof = getattr(graph, "profile", None)
    out.attrs["params"] = {
        **params,
        "profile": getattr(prof, "name", None),
        "projected_crs": pyproj.CRS.from_user_input(crs).to_string(),
        "n_no_road": int((np.asarray(extra["reason"], dtype=object) == RouteReason.NO_ROAD).sum()),
    }
    return out
