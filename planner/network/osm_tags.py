"""OpenStreetMap way tags read into segment attributes: road classes, ``maxspeed``, one-way and access rules.

Used by every loader (OSM files and osmnx/GraphML graphs) so that the same
tags give the same :class:`~planner.network.model.RoadNetwork` attributes.
Travel speeds are not decided here but by the profiles of ``planner.config``.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

import numpy as np

__all__ = ["SKIP_HIGHWAYS", "parse_maxspeed", "first_token", "WayAttributes", "way_attributes", "graph_oneway"]

#: ``highway`` values that are not usable roads or paths; such ways are skipped and counted.
SKIP_HIGHWAYS = frozenset({
    "proposed", "construction", "platform", "bus_stop", "elevator", "raceway", "abandoned",
    "disused", "planned", "razed", "dismantled", "rest_area", "services", "emergency_bay",
    "bus_guideway", "via_ferrata", "no", "traffic_island", "street_lamp", "turning_circle",
})

_FORBID = frozenset({"no", "private", "military"})
_MOTOR_FORBID = _FORBID | {"agricultural", "forestry", "agricultural;forestry", "forestry;agricultural"}
_ALLOW = frozenset({"yes", "designated", "permissive", "official"})
_ONEWAY_YES = ("yes", "true", "1")
_SPEED_RE = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(km/h|kmh|kph|km|mph|knots)?\s*$", re.IGNORECASE)


def parse_maxspeed(value: Any) -> float:
    """Parse an OSM ``maxspeed`` value to km/h.

    Parameters
    ----------
    value
        ``"60"``, ``"60 km/h"``, ``"30 mph"``, ``"60;80"`` (the lowest is
        taken), a number, or ``None``.

    Returns
    -------
    float
        km/h, or NaN for absent values and for zone or symbolic values
        (``"CN:urban"``, ``"none"``, ``"signals"``, ``"walk"``), so the
        profile's speed for the road class applies instead.
    """
    if value is None:
        return math.nan
    if isinstance(value, (list, tuple)):
        vals = [parse_maxspeed(v) for v in value]
        vals = [v for v in vals if not math.isnan(v)]
        return min(vals) if vals else math.nan
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        v = float(value)
        return v if v > 0 else math.nan
    best = math.nan
    for part in re.split(r"[;|]", str(value)):
        m = _SPEED_RE.match(part)
        if not m:
            continue
        v = float(m.group(1).replace(",", "."))
        unit = (m.group(2) or "").lower()
        if unit == "mph":
            v *= 1.609344
        elif unit == "knots":
            v *= 1.852
        if v > 0 and not (best <= v):
            best = v
    return best


def first_token(value: Any) -> str:
    """The first value of a tag (osmnx merges values into lists), stripped and lower-case; ``""`` if absent."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        value = value[0] if value else ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    return str(value).strip().lower()


def _access_code(values: Iterable[Any], forbid: frozenset[str]) -> int:
    """``1``/``0``/``-1`` from access-like tag values, most specific first."""
    for raw in values:
        val = first_token(raw)
        if not val:
            continue
        if val in forbid or val.split(";")[0].strip() in forbid:
            return -1
        if val in _ALLOW:
            return 1
        return 0  # destination, customers, delivery, permit...: allowed, not explicit
    return 0


def _oneway_code(oneway: Any, junction: Any, highway: str, counts: Counter) -> int:
    """``1``/``-1``/``0`` from ``oneway`` (and ``junction``/``highway`` when it is absent); oddities counted."""
    ow = first_token(oneway)
    if ow in _ONEWAY_YES:
        return 1
    if ow in ("-1", "reverse"):
        return -1
    if ow in ("no", "false", "0"):
        return 0
    if ow in ("reversible", "alternating"):
        counts["ways_oneway_reversible_as_two_way"] += 1
        return 0
    if ow:
        counts["ways_oneway_unknown_as_two_way"] += 1
        return 0
    if first_token(junction) in ("roundabout", "circular") or highway == "motorway":
        return 1  # implied by OSM convention
    return 0


class WayAttributes(NamedTuple):
    """What the profiles need from a way's tags (see :class:`~planner.network.model.RoadNetwork`)."""

    oneway: int
    maxspeed_kmh: float
    foot: int
    motor: int


def way_attributes(tags: Mapping[str, Any], highway: str, counts: Counter, ms_cache: dict) -> WayAttributes:
    """One-way code, ``maxspeed`` (km/h or NaN), foot and motor access codes of a way.

    Parameters
    ----------
    tags
        The way's tags (``oneway``, ``junction``, ``maxspeed``, ``foot``,
        ``access``, ``motorcar``, ``motor_vehicle``, ``vehicle``).
    highway
        Its ``highway`` value (``motorway`` implies one-way).
    counts
        Counter of reinterpreted tags (``ways_oneway_*``, ``ways_maxspeed_not_numeric``), updated.
    ms_cache
        Parsed ``maxspeed`` by raw value, shared across ways (updated).

    Returns
    -------
    WayAttributes
    """
    oneway = _oneway_code(tags.get("oneway"), tags.get("junction"), highway, counts)
    raw_ms = tags.get("maxspeed")
    if raw_ms is None:
        ms = math.nan
    else:
        key = raw_ms if isinstance(raw_ms, str) else repr(raw_ms)
        ms = ms_cache.get(key)
        if ms is None:
            ms = ms_cache[key] = parse_maxspeed(raw_ms)
        if math.isnan(ms):
            counts["ways_maxspeed_not_numeric"] += 1
    foot = _access_code((tags.get("foot"), tags.get("access")), _FORBID)
    motor = _access_code(
        (tags.get("motorcar"), tags.get("motor_vehicle"), tags.get("vehicle"), tags.get("access")), _MOTOR_FORBID
    )
    return WayAttributes(oneway, ms, foot, motor)


def graph_oneway(value: Any) -> bool:
    """Whether an osmnx edge's ``oneway`` attribute (bool, text or list of them) marks a one-way road."""
    if isinstance(value, (list, tuple)):
        return any(graph_oneway(v) for v in value)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    return first_token(value) in (*_ONEWAY_YES, "-1")
