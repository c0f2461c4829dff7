"""The two GIS layers made for the GeoPackage: coverage by township with geometry, and allocation lines.

``township_coverage``: the per-township table (``coverage.by_township``) on
the township polygons.  A township without a boundary (no township file, or a
name the file does not hold) gets the convex hull of its settlements widened
by :data:`HULL_BUFFER_M` instead, and its ``geometry_source`` says so: such a
shape shows where the settlements are, never where the township ends.

``allocation_lines``: one straight line per settlement and link, from the
settlement to the township centre it is assigned to (``kind = "centre"``) and
to its nearest facility of each tier (``kind = "nearest_<tier>"``), carrying
the travel time on the roads in minutes.  A settlement that reaches no
facility of a tier gets no line for it; those pairs are counted and the
count goes into the layer's description.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner.geo import utm_crs_for
from planner.i18n import label, tr

if TYPE_CHECKING:
    from planner.study import StudyResult

__all__ = ["township_coverage", "allocation_lines", "GisLayer", "HULL_BUFFER_M", "GEOMETRY_SOURCES", "LINK_KINDS"]

logger = logging.getLogger(__name__)

#: How far the hull of a township's settlements is widened when no boundary is known (metres).
HULL_BUFFER_M = 500.0
#: ``township_coverage.geometry_source`` values -> (zh, en).
GEOMETRY_SOURCES: dict[str, tuple[str, str]] = {
    "boundary": ("乡镇边界", "township boundary"),
    "settlement_hull": (f"无边界：所辖村/社区的凸包外扩 {HULL_BUFFER_M:.0f} 米（示意，非边界）",
                        f"no boundary: hull of its settlements plus {HULL_BUFFER_M:.0f} m (indicative, not a "
                        "boundary)"),
}
#: ``allocation_lines.kind`` values (the tier ones are ``nearest_<tier>``) -> (zh, en).
LINK_KINDS: dict[str, tuple[str, str]] = {
    "centre": ("分配的区域中心", "assigned township centre"),
    "nearest_county": ("最近县级设施", "nearest county facility"),
    "nearest_township": ("最近乡镇级设施", "nearest township facility"),
    "nearest_community": ("最近社区/村级设施", "nearest community/village facility"),
}


@dataclass(frozen=True)
class GisLayer:
    """A layer made for the GeoPackage and the sentence that describes it (zh or en)."""

    frame: gpd.GeoDataFrame
    description: str


def township_coverage(result: StudyResult, *, lang: str = "zh") -> GisLayer | None:
    """Coverage by township (``by_township``) with the township's polygon.

    Parameters
    ----------
    result : StudyResult
    lang : {"zh", "en"}
        Language of the description.

    Returns
    -------
    GisLayer or None
        Indexed by township; ``geometry_source`` is ``boundary`` or ``settlement_hull``
        (:data:`GEOMETRY_SOURCES`).  ``None`` when the study has no township table.
    """
    table = result.coverage.by_township
    if table is None or not len(table):
        return None
    boundaries = result.data.townships
    geoms = pd.Series([None] * len(table), index=table.index, dtype=object)
    if boundaries is not None and len(boundaries):
        known = table.index.intersection(boundaries.index)
        geoms.loc[known] = boundaries.geometry.to_crs("EPSG:4326").loc[known].to_numpy()
    source = pd.Series(np.where(geoms.notna(), "boundary", "settlement_hull"), index=table.index)
    missing = geoms.index[geoms.isna()]
    if len(missing):
        geoms.loc[missing] = _settlement_hulls(result.coverage.settlements, missing).to_numpy()
    frame = gpd.GeoDataFrame(table.assign(geometry_source=source), geometry=list(geoms), crs="EPSG:4326")
    frame.index.name = table.index.name or "township"
    n_hull = int(len(missing))
    if n_hull:
        logger.info("township coverage layer: %d of %d townships have no boundary and are drawn as the hull of "
                    "their settlements", n_hull, len(frame))
    what = tr(lang, "各乡镇/街道覆盖情况", "Coverage by township")
    if not n_hull:
        return GisLayer(frame, tr(lang, f"{what}（乡镇边界）", f"{what} (township boundaries)"))
    return GisLayer(frame, tr(
        lang, f"{what}；{n_hull} 个乡镇/街道无边界数据，其图形为所辖村/社区的凸包外扩 {HULL_BUFFER_M:.0f} 米，"
              "仅示意位置，不是边界",
        f"{what}; {n_hull} townships have no boundary data and are drawn as the hull of their settlements plus "
        f"{HULL_BUFFER_M:.0f} m, which shows where they are, not where they end"))


def _settlement_hulls(settlements: gpd.GeoDataFrame, townships: pd.Index) -> gpd.GeoSeries:
    """The convex hull of each township's settlements widened by HULL_BUFFER_M (WGS84)."""
    points = settlements.geometry.to_crs("EPSG:4326")
    metric_crs = utm_crs_for(points)
    metric = points.to_crs(metric_crs)
    shapes = []
    for town in townships:
        members = metric[settlements["township"] == town]
        members = members[members.notna() & ~members.is_empty]
        shapes.append(shapely.MultiPoint(list(members)).convex_hull.buffer(HULL_BUFFER_M)
                      if len(members) else None)
    return gpd.GeoSeries(shapes, index=townships, crs=metric_crs).to_crs("EPSG:4326")


def allocation_lines(result: StudyResult, *, lang: str = "zh") -> GisLayer | None:
    """Lines settlement -> assigned township centre and settlement -> nearest facility of each tier.

    Parameters
    ----------
    result : StudyResult
    lang : {"zh", "en"}
        Language of the ``link`` column and of the description.

    Returns
    -------
    GisLayer or None
        Columns ``settlement_id``, ``settlement``, ``kind`` (:data:`LINK_KINDS`), ``link`` (its words),
        ``tier``, ``facility_id``, ``facility``, ``minutes``, ``threshold_min``, ``covered``; ``None``
        when no settlement has any link.
    """
    cov = result.coverage
    sett = cov.settlements
    facilities = cov.facilities.geometry.to_crs("EPSG:4326")
    names = cov.facilities["name"] if "name" in cov.facilities else pd.Series(dtype=object)
    links = []
    if "centre" in sett:
        links.append(("centre", "township", "centre", "centre_time_min", None, None))
    for tier in result.config.tiers:
        if f"{tier}_facility" in sett:
            links.append((f"nearest_{tier}", tier, f"{tier}_facility", f"{tier}_time_min",
                          f"{tier}_threshold_min", f"{tier}_covered"))
    parts, n_without = [], 0
    for kind, tier, fac_col, time_col, limit_col, covered_col in links:
        fac = sett[fac_col].astype(object)
        has = fac.notna() & fac.isin(facilities.index)
        n_without += int((~has).sum())
        rows = sett[has]
        if not len(rows):
            continue
        ends = facilities.loc[rows[fac_col].astype(object)].to_numpy()
        starts = rows.geometry.to_crs("EPSG:4326").to_numpy()
        part = pd.DataFrame({
            "settlement_id": rows.index.astype(object), "settlement": rows.get("name"), "kind": kind,
            "link": tr(lang, *LINK_KINDS.get(kind, (kind, kind))), "tier": tier,
            "tier_label": label(tier, lang), "facility_id": rows[fac_col].astype(object).to_numpy(),
            "facility": names.reindex(rows[fac_col].astype(object)).to_numpy(),
            "minutes": pd.to_numeric(rows.get(time_col), errors="coerce").to_numpy(dtype=float),
            "threshold_min": (pd.to_numeric(rows[limit_col], errors="coerce").to_numpy(dtype=float)
                              if limit_col in rows else np.nan),
            "covered": (rows[covered_col].astype(object).to_numpy() if covered_col in rows else None),
        })
        part["geometry"] = shapely.linestrings([[(a.x, a.y), (b.x, b.y)] for a, b in zip(starts, ends, strict=True)])
        parts.append(part)
    if not parts:
        return None
    frame = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs="EPSG:4326")
    if n_without:
        logger.info("allocation lines: %d settlement links without a reachable facility are not drawn", n_without)
    what = tr(lang, "村/社区到分配中心及各层级最近设施的连线（直线示意，时间为路网出行分钟）",
              "Lines from each settlement to its assigned centre and nearest facility per tier (straight for "
              "display; minutes are travel on the roads)")
    if n_without:
        what += tr(lang, f"；{n_without} 条因无可达设施未画出", f"; {n_without} links have no reachable facility "
                   "and are not drawn")
    return GisLayer(frame, what)
