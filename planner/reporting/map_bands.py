"""Isochrone bands (等时圈) for the map: the area reached within 5, 10, 15 ... minutes of a tier's facilities.

The "rings" ArcGIS users expect, drawn with the engine's own service circles
(:func:`planner.analysis.service_circles`) at each minute value: for every rule
of the tier that judges some settlement (urban and rural apart when their
profile or minutes differ), the union of all the tier's circles at each
value, cut into bands (0-5, 5-10, 10-15 min).  Each band is labelled with the
profile's mode, so a rural e-bike band is never shown as a walk.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner.errors import InputError

if TYPE_CHECKING:
    from planner.study import StudyResult

__all__ = ["band_frame", "BAND_COLOURS"]

logger = logging.getLogger(__name__)

#: Band colours, innermost first (then repeated lightest).
BAND_COLOURS = ("#08519c", "#3182bd", "#6baed6", "#9ecae1", "#c6dbef")


def _check(minutes: Sequence[float], tier: str, result: StudyResult) -> list[float]:
    try:
        values = sorted({float(m) for m in minutes})
    except (TypeError, ValueError) as exc:
        raise InputError(f"bands: minutes must be numbers, got {minutes!r}; write e.g. bands=(5, 10, 15)") from exc
    if not values or values[0] <= 0 or not np.isfinite(values[-1]):
        raise InputError(f"bands: minutes must be positive and finite, got {minutes!r}; write e.g. bands=(5, 10, 15)")
    if tier not in result.config.tiers:
        raise InputError(f"bands_tier {tier!r} is not a tier of this study; tiers are "
                         f"{', '.join(result.config.tiers)}")
    return values


def _rules(result: StudyResult, tier: str) -> list[tuple[str, str, float, np.ndarray]]:
    """``(applies_to, profile, minutes, settlement mask)`` per rule of ``tier`` that judges some settlement."""
    t = result.config.tiers[tier]
    sett = result.coverage.settlements
    village = (sett["kind"].astype(str) == "village").to_numpy() if "kind" in sett else np.zeros(len(sett), bool)
    urban, rural = t.profile_for("community"), t.profile_for("village")
    if urban == rural:
        return [("all", urban[0], urban[1], np.ones(len(sett), bool))]
    rules = [("urban", urban[0], urban[1], ~village), ("rural", rural[0], rural[1], village)]
    return [r for r in rules if r[3].any()]


def band_frame(result: StudyResult, minutes: Sequence[float], *, tier: str = "community") -> gpd.GeoDataFrame:
    """Isochrone bands of one tier's facilities, one row per rule and band.

    Parameters
    ----------
    result
        The study (its routing graphs and coverage).
    minutes
        Upper bounds of the bands, e.g. ``(5, 10, 15)``.
    tier
        The tier whose facilities the bands are drawn round.

    Returns
    -------
    GeoDataFrame
        Columns ``applies_to`` (``urban``/``rural``/``all``), ``profile``, ``mode``, ``rule_minutes`` (the
        rule's own threshold), ``lo``, ``hi`` (the band, minutes), ``geometry`` (WGS84; the band's area
        without the inner bands').  Empty when the tier has no facility.

    Raises
    ------
    InputError
        When ``minutes`` are not positive numbers or ``tier`` is not a tier of the study.
    """
    from planner.analysis import service_circles

    values = _check(minutes, tier, result)
    fac = result.coverage.facilities
    fac = fac[(fac["tier"] == tier).to_numpy()]
    sett = result.coverage.settlements
    rows = []
    for applies_to, profile, rule_minutes, mask in ([] if not len(fac) else _rules(result, tier)):
        graph = result.graphs.get(profile)
        if graph is None:
            logger.warning("isochrone bands: no routing graph for profile %s; bands of %s skipped", profile, tier)
            continue
        inner = None
        for lo, hi in zip([0.0, *values[:-1]], values):
            circles = service_circles(graph, fac, minutes=hi, settlements=sett[mask], dissolve=True)
            union = circles.attrs.get("dissolved")
            if union is None or union.is_empty:
                continue
            band = union if inner is None else shapely.difference(union, inner)
            inner = union
            rows.append({"applies_to": applies_to, "profile": profile, "mode": graph.profile.mode,
                         "rule_minutes": rule_minutes, "lo": lo, "hi": hi, "geometry": band})
    if not rows:
        return gpd.GeoDataFrame(pd.DataFrame(columns=["applies_to", "profile", "mode", "rule_minutes", "lo", "hi"]),
                                geometry=gpd.GeoSeries([], crs="EPSG:4326"), crs="EPSG:4326")
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
