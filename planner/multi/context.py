"""A county's accessibility demand from across its border: which other settlements share its facilities.

Accessibility (:func:`planner.analysis.analyse_access`) divides each
facility's supply by the older people within its catchment (step 1 of a
floating catchment).  A county task holds only its own settlements, but a
facility of a tier in ``execution.cross_border`` is shared by everyone who
reaches it, on both sides of the border.  So each task also carries, as
demand only (:class:`planner.analysis.AccessContext`), the settlements of
the rest of the study that could reach a facility its settlements reach.

The distances (``serving[T]``, :func:`serving_reach_m`)
-------------------------------------------------------
For a tier ``T``, ``serving[T]`` = max over ``T``'s rules (each kind, the study
and every scenario) of ``reach + 2 x snap`` (``reach``: the rule's threshold or
catchment, when longer, at the profile's fastest speed; ``snap``: its largest
snapping distance): a facility whose catchment a settlement reaches lies
within ``serving[T]`` of it, its snap point within ``reach + snap``.

* **Which facilities matter**: only those a county settlement reaches, within
  ``serving[T]`` of the county.
* **Which settlements are shipped** (:func:`demand_context`): every settlement
  of the study outside the county within ``2 x serving[T]`` of it, for the
  largest ``serving`` of the cross-border tiers: any settlement reaching a
  facility that matters lies there.
* **Their travel times are a whole-area run's**: a route of a rule of profile
  ``p`` from such a settlement to a facility that matters runs within
  ``serving[T] + reach[p] + snap[p]`` of the county, its end segments within
  ``longest[p]`` more, and the settlement's snapping segments within another
  ``snap[p]``: :func:`planner.multi.partition_buffers_m` grows the buffer of
  ``p`` by ``serving[T]`` for every cross-border tier ``T`` with a rule of ``p``.

Hence each facility a county settlement reaches has the demand, the ratio
and so each settlement the access index of a whole-area run.  A tier not in
``cross_border`` serves only its own county: its facilities share their
supply among the county's own settlements alone (no context, no wider buffer).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import geopandas as gpd

    from planner.analysis import AccessContext
    from planner.config import StudyConfig
    from planner.data import StudyData
    from planner.network import RoadNetwork

__all__ = ["serving_reach_m", "serving_from", "demand_context", "context_radius_m"]


def serving_reach_m(config: StudyConfig, network: RoadNetwork) -> dict[str, float]:
    """Each tier's ``reach + 2 x snap``, the largest over its rules (module docstring).

    Parameters
    ----------
    config
        The study configuration (tiers, profiles, scenarios, access catchments).
    network
        The whole study's road network (each profile's fastest speed on it).

    Returns
    -------
    dict
        Tier key -> metres (``inf`` when a snapping distance is unlimited).
    """
    from planner.multi.partition import rule_extents

    return serving_from(rule_extents(config, network))


def serving_from(rows: Sequence[tuple[str, str, float, float, float]]) -> dict[str, float]:
    """Tier -> the largest ``reach + 2 x snap`` of its rules (rows of :func:`planner.multi.partition.rule_extents`)."""
    out: dict[str, float] = {}
    for _name, tier, reach, snap, _longest in rows:
        out[tier] = max(out.get(tier, 0.0), reach + 2.0 * snap)
    return out


def context_radius_m(config: StudyConfig, serving: Mapping[str, float]) -> float:
    """How far beyond a county its demand context reaches: ``2 x serving`` of the cross-border tiers (0: none)."""
    return max((2.0 * serving[t] for t in config.execution.cross_border if t in serving), default=0.0)


def demand_context(data: StudyData, county: str, settlement_county: pd.Series, facilities: gpd.GeoDataFrame,
                   facility_county: pd.Series, radius_m: float) -> AccessContext | None:
    """The county's accessibility demand from outside it (see the module docstring).

    Parameters
    ----------
    data
        The whole study.
    county
        The county.
    settlement_county, facility_county
        Each settlement's / facility's county (``""``: none), indexed like ``data``'s layers.
    facilities
        The facilities the county's task holds.
    radius_m
        :func:`context_radius_m`; 0: no tier serves across a border, no context.

    Returns
    -------
    AccessContext or None
        The settlements of other counties (or of none) within ``radius_m`` of the county, with the
        columns a demand needs; the cross-border tiers; the task's facilities of other counties.
    """
    from planner.analysis import AccessContext
    from planner.analysis.access_context import CONTEXT_COLUMNS

    if radius_m <= 0 or not data.config.execution.cross_border:
        return None
    sett = data.settlements
    other = (settlement_county != county).to_numpy(copy=True)
    if not math.isinf(radius_m) and other.any():
        import shapely

        from planner.network import buffered_area

        area = buffered_area(data.counties.geometry.loc[county], radius_m)
        shapely.prepare(area)
        pts = sett.geometry[other]
        other[np.flatnonzero(other)] = shapely.intersects_xy(area, pts.x.to_numpy(), pts.y.to_numpy())
    ctx = sett.loc[other, [*CONTEXT_COLUMNS, sett.geometry.name]]
    foreign = facility_county.reindex(facilities.index).astype(str) != county
    return AccessContext(settlements=ctx, tiers=tuple(data.config.execution.cross_border),
                         foreign=tuple(str(i) for i in facilities.index[foreign.to_numpy()]))
