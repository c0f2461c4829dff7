"""The polygon layers of a coverage run, drawn with the rules that counted the settlements.

Each tier judges communities with its urban rule (``profile``, ``minutes``)
and villages with its rural rule (``rural_profile``, ``rural_minutes``).
The service circles are drawn once per facility and rule that applies to
some settlement of the study (one row when both rules are the same), each
row labelled ``profile``/``mode``/``minutes``/``applies_to``
(``urban``, ``rural`` or ``all``), with the settlements judged by that rule
attached, so a settlement counted covered at a tier lies inside the circle
of its facility drawn with its own rule.  Township-centre catchments are
drawn from the settlements actually assigned to each centre
(:mod:`planner.analysis.catchments`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from planner.analysis.travel import CoverageInputs
from planner.config import TIER_KEYS, Tier

__all__ = ["Rule", "tier_rules", "draw_circles"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rule:
    """One way a tier judges settlements: profile, minutes and the settlements it applies to."""

    applies_to: str  # "urban", "rural" or "all"
    profile: str
    minutes: float

    def mask(self, kind: pd.Series) -> np.ndarray:
        """Settlements (by ``kind``) this rule judges."""
        village = kind.astype(str).to_numpy() == "village"
        if self.applies_to == "all":
            return np.ones(village.shape[0], dtype=bool)
        return village if self.applies_to == "rural" else ~village


def tier_rules(tier: Tier, kind: pd.Series | None = None) -> list[Rule]:
    """The rules of ``tier`` that apply to some settlement of ``kind`` (both when ``kind`` is None).

    The urban and rural rules are one rule ``all`` when they are the same
    profile and minutes.
    """
    urban = (tier.profile, float(tier.minutes))
    rural = (tier.rural_profile, float(tier.rural_minutes))
    if urban == rural:
        return [Rule("all", *urban)]
    rules = [Rule("urban", *urban), Rule("rural", *rural)]
    if kind is None or not len(kind):
        return rules
    return [r for r in rules if r.mask(kind).any()]


def _tier_circles(circ: Any, inp: CoverageInputs, key: str, verbose: bool, tiles: Any) -> list[gpd.GeoDataFrame]:
    """The service circles of one tier's facilities, one frame per rule (``tiles``: the run's tile cache)."""
    tier, fac, sett = inp.tiers[key], inp.facilities_of(key), inp.settlements
    kind = sett["kind"] if "kind" in sett else pd.Series("community", index=sett.index)
    parts = []
    for rule in tier_rules(tier, kind):
        graph = inp.graph(rule.profile)
        frame = circ.service_circles(graph, fac, minutes=rule.minutes, settlements=sett[rule.mask(kind)],
                                     dissolve=True, verbose=verbose, tiles=tiles)
        frame.insert(0, "applies_to", rule.applies_to)
        frame.insert(1, "profile", rule.profile)
        frame.insert(2, "mode", graph.profile.mode)
        parts.append(frame)
    return parts


def _dissolved(frame: gpd.GeoDataFrame, key: str) -> dict[str, Any]:
    """The row of one tier and rule in ``circles_by_tier``: the union drawn with the circles."""
    empty = frame.geometry.is_empty.to_numpy()
    return {
        "tier": key, "applies_to": frame["applies_to"].iloc[0], "profile": frame["profile"].iloc[0],
        "mode": frame["mode"].iloc[0], "n_facilities": int((~empty).sum()), "n_empty": int(empty.sum()),
        "minutes": f"{float(frame['minutes'].iloc[0]):g}", "area_km2": frame.attrs["dissolved_area_km2"],
        "geometry": frame.attrs["dissolved"],
    }


def _catchments(catch: Any, inp: CoverageInputs, settlements: pd.DataFrame | None) -> gpd.GeoDataFrame | None:
    """The township centres' catchments from the assignment in ``settlements`` (None without centres)."""
    centres = inp.facilities_of("township") if "township" in inp.tiers else []
    if not len(centres):
        return None
    sett = inp.settlements
    if settlements is None or "centre" not in settlements:
        assigned = pd.Series(pd.NA, index=sett.index, dtype=object)
        time_s = pd.Series(np.nan, index=sett.index)
    else:
        assigned = settlements["centre"].reindex(sett.index).astype(object)
        time_s = pd.to_numeric(settlements["centre_time_min"].reindex(sett.index), errors="coerce") * 60.0
    tier = inp.tiers["township"]
    kind = sett["kind"].astype(str) if "kind" in sett else pd.Series("community", index=sett.index)
    profile = pd.Series([tier.profile_for(k)[0] for k in kind], index=sett.index)
    graphs = {p: inp.graph(p) for p in set(profile)}
    return catch.assigned_catchments(graphs, centres, sett, centre=assigned.where(assigned.notna(), None),
                                     time_s=time_s, profile=profile)


def draw_circles(inp: CoverageInputs, settlements: pd.DataFrame | None = None, *,
                 verbose: bool = False) -> tuple[Any, Any, Any, str]:
    """Service circles per facility and rule, circles by tier and rule, the centres' catchments, and a status.

    ``settlements`` is the classified settlement table (its ``centre`` and
    ``centre_time_min`` columns give the township assignment).  Returns
    ``(circles, circles_by_tier, catchments, status)``; the frames are None
    when the polygon modules cannot be imported (status says why).
    """
    try:
        from planner.analysis import catchments as catch
        from planner.analysis import circles as circ
    except ImportError as exc:  # the polygons modules are optional for the numbers
        logger.warning("service circles skipped: planner.analysis.circles is not available (%s)", exc)
        return None, None, None, f"unavailable: {exc}"
    parts, rows = [], []
    tiles = circ.TiledBuffer(circ.BUFFER_M)  # one cache for every tier and rule: their roads share most tiles
    for key in TIER_KEYS:
        if key in inp.tiers and len(inp.facilities_of(key)):
            frames = _tier_circles(circ, inp, key, verbose, tiles)
            parts += frames
            rows += [_dissolved(f, key) for f in frames]
            for f in frames:  # geometry in attrs would be compared by pd.concat
                f.attrs.pop("dissolved")
                f.attrs.pop("dissolved_area_km2")
    circles = by_tier = None
    if parts:
        circles = gpd.GeoDataFrame(pd.concat(parts), crs=parts[0].crs)
        circles.attrs = {"params": dict(parts[0].attrs.get("params", {}), minutes="per rule", profile="per rule")}
        by_tier = gpd.GeoDataFrame(rows, geometry="geometry", crs=parts[0].crs).set_index("tier")
    return circles, by_tier, _catchments(catch, inp, settlements), "ok"
