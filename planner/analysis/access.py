"""Floating-catchment accessibility: places per 1,000 older people within reach, per settlement and tier.

The numeric core, :func:`floating_catchment`, works on the settlement x
facility pairs within the catchment (travel times from
:func:`planner.routing.reach_matrix`) and follows the documented definitions:

* **2SFCA** (Luo & Wang 2003, *Environment and Planning B* 30:865-884).
  Step 1: each facility j's supply-to-demand ratio ``R_j = S_j / Σ_k D_k``
  over the settlements k within the catchment ``d0`` of j.  Step 2: each
  settlement i's accessibility ``A_i = Σ_j R_j`` over the facilities within
  ``d0`` of i.
* **E2SFCA** (Luo & Qi 2009, *Health & Place* 15:1100-1107).  The same with
  a weight ``W(t)`` per travel-time zone in both steps:
  ``R_j = S_j / Σ_k W(t_kj) D_k`` and ``A_i = Σ_j W(t_ij) R_j``.  The zones
  are given as fractions of the catchment (default thirds, weights 1, 0.68,
  0.22); a time on a zone's upper end belongs to that zone.
* **Gaussian 2SFCA** (Dai 2010, *Health & Place* 16:1038-1052).  The weight is
  ``G(t) = (exp(-t²/2σ²) - exp(-d0²/2σ²)) / (1 - exp(-d0²/2σ²))`` for
  ``t <= d0`` (0 beyond), with ``σ = d0`` in Dai's paper
  (``gaussian_bandwidth`` = 1): 1 at the door, 0 at the catchment's edge.

These are the formulas of PySAL ``access`` (``Access.two_stage_fca`` with
``max_cost = d0``, and ``enhanced_two_stage_fca`` with a ``weight_fn``),
whose result is ``A_i`` per person: this module multiplies it by 1,000
(places per 1,000 older people) and nothing else (no normalisation by the
mean, ``normalize=False`` there).  PySAL's ``weights.gaussian(σ)`` is
``exp(-t²/2σ²)``; Dai's kernel is that minus its value at ``d0``, divided by
one minus it (the tests pass exactly this to ``access``).  The catchment may
differ per settlement (a tier's thresholds differ for communities and
villages): a pair is in the catchment when its time is within the
settlement's catchment, and the same pairs and weights serve both steps.

What is not counted is said, never dropped: a settlement whose older
population is unknown adds no demand (``OLDER_UNKNOWN``); a facility whose
supply is unknown, that stands too far from a road, or whose catchment holds no
known older people adds no supply; a settlement's value is then a lower bound
(``SUPPLY_PARTLY_UNKNOWN``) or unknown (NaN, ``SUPPLY_UNKNOWN``).  A settlement
with no facility within its catchment has accessibility 0
(``NONE_IN_CATCHMENT``: 0 places is the measure, not a stand-in); one not on
the road network has NaN (``NO_ROAD``).  :func:`analyse_access` routes each
tier and assembles :class:`AccessResult` with the equity measures of
:mod:`planner.analysis.equity` (:mod:`planner.analysis.access_summary`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from planner.analysis.access_context import AccessContext, context_counts, reported, with_context
from planner.analysis.access_summary import equity_table, township_table
from planner.analysis.classify import THRESHOLD_TOLERANCE_S
from planner.codes import AccessReason
from planner.config import TIER_KEYS, StudyConfig, Tier
from planner.config.access import AccessConfig
from planner.errors import InputError
from planner.results import FrozenParams

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

    from planner.data import StudyData
    from planner.routing import RoutingGraph

__all__ = ["decay_weight", "floating_catchment", "FloatingCatchment", "AccessResult", "analyse_access",
           "PER_1000"]

logger = logging.getLogger(__name__)

#: Accessibility is written per 1,000 older people.
PER_1000 = 1000.0


# --------------------------------------------------------------------------- numeric core


def decay_weight(times_s: np.ndarray, catchment_s: np.ndarray | float, *, method: str,
                 steps: Sequence[float] = (1 / 3, 2 / 3, 1.0), weights: Sequence[float] = (1.0, 0.68, 0.22),
                 bandwidth: float = 1.0) -> np.ndarray:
    """The weight of each pair by its travel time (see the module docstring); 0 beyond the catchment.

    Parameters
    ----------
    times_s : array
        Travel times of the pairs, seconds.
    catchment_s : array or float
        The catchment of each pair (or one for all), seconds.
    method : {"2sfca", "e2sfca", "gaussian"}
    steps, weights : sequence of float
        E2SFCA zones (upper ends as fractions of the catchment, increasing) and their weights.
    bandwidth : float
        Gaussian width as a multiple of the catchment (Dai 2010: 1).

    Returns
    -------
    numpy.ndarray
        One weight per pair.
    """
    t = np.asarray(times_s, dtype=float)
    d0 = np.broadcast_to(np.asarray(catchment_s, dtype=float), t.shape)
    inside = t <= d0 + THRESHOLD_TOLERANCE_S
    if method == "2sfca":
        return inside.astype(float)
    ratio = np.divide(t, d0, out=np.zeros_like(t), where=d0 > 0)
    if method == "e2sfca":
        edges, vals = np.asarray(steps, dtype=float), np.asarray(weights, dtype=float)
        if edges.shape != vals.shape or not len(edges):
            raise InputError(f"{len(edges)} decay steps and {len(vals)} weights: give one weight per step")
        zone = np.searchsorted(edges, ratio - 1e-12, side="left")  # a time on a zone's upper end is in it
        w = np.where(zone < len(vals), vals[np.minimum(zone, len(vals) - 1)], 0.0)
        return np.where(inside, w, 0.0)
    if method == "gaussian":
        if not bandwidth > 0:
            raise InputError(f"gaussian bandwidth = {bandwidth!r} must be positive")
        edge = np.exp(-0.5 / bandwidth**2)
        g = (np.exp(-0.5 * (ratio / bandwidth) ** 2) - edge) / (1.0 - edge)
        return np.where(inside, np.clip(g, 0.0, 1.0), 0.0)
    raise InputError(f"method = {method!r}; use '2sfca', 'e2sfca' or 'gaussian'")


#: The equity measures a scenario comparison shows per tier (:meth:`AccessResult.scenario_metrics`).
SCENARIO_MEASURES = ("mean", "median", "gini", "theil", "share_below")

@dataclass(frozen=True)
class FloatingCatchment:
    """What :func:`floating_catchment` computes (arrays by position).

    Attributes
    ----------
    access : numpy.ndarray
        Per settlement: ``A_i`` per person (``Σ_j W_ij R_j`` over facilities whose ratio is known).
    ratio : numpy.ndarray
        Per facility: ``R_j`` (supply per weighted older person), NaN where the supply is unknown or
        the weighted demand within the catchment is 0.
    weighted_demand : numpy.ndarray
        Per facility: ``Σ_k W_kj D_k`` over known demand.
    weight : numpy.ndarray
        Per pair: ``W``.
    in_catchment, known, supply_unknown, no_demand : numpy.ndarray
        Per settlement: facilities with a positive weight; those with a known ratio; those whose
        supply is unknown; those with known supply but no weighted demand.
    """

    access: np.ndarray
    ratio: np.ndarray
    weighted_demand: np.ndarray
    weight: np.ndarray
    in_catchment: np.ndarray
    known: np.ndarray
    supply_unknown: np.ndarray
    no_demand: np.ndarray


def floating_catchment(settlement_pos: np.ndarray, facility_pos: np.ndarray, times_s: np.ndarray,
                       catchment_s: np.ndarray | float, demand: np.ndarray, supply: np.ndarray, *,
                       method: str = "2sfca", steps: Sequence[float] = (1 / 3, 2 / 3, 1.0),
                       weights: Sequence[float] = (1.0, 0.68, 0.22), bandwidth: float = 1.0) -> FloatingCatchment:
    """2SFCA / E2SFCA / Gaussian 2SFCA on sparse pairs (see the module docstring).

    Parameters
    ----------
    settlement_pos, facility_pos, times_s : array
        One entry per settlement x facility pair (positions and seconds); pairs beyond the
        catchment get weight 0.
    catchment_s : array or float
        Catchment of each pair (or one for all), seconds.
    demand : array
        Per settlement: older people; NaN = unknown, left out of the demand.
    supply : array
        Per facility: beds or places; NaN = unknown, left out of the supply.
    method, steps, weights, bandwidth
        As in :func:`decay_weight`.

    Returns
    -------
    FloatingCatchment
    """
    s = np.asarray(settlement_pos, dtype=np.int64)
    f = np.asarray(facility_pos, dtype=np.int64)
    t = np.asarray(times_s, dtype=float)
    demand, supply = np.asarray(demand, dtype=float), np.asarray(supply, dtype=float)
    if not (s.shape == f.shape == t.shape):
        raise InputError("settlement_pos, facility_pos and times_s must have one entry per pair")
    if (np.nan_to_num(demand) < 0).any() or (np.nan_to_num(supply) < 0).any():
        raise InputError("demand and supply must be non-negative (NaN for unknown)")
    n_s, n_f = len(demand), len(supply)
    w = decay_weight(t, catchment_s, method=method, steps=steps, weights=weights, bandwidth=bandwidth)
    d_known = np.nan_to_num(demand, nan=0.0)
    wd = np.bincount(f, weights=w * d_known[s], minlength=n_f)
    supplied = np.isfinite(supply)
    ratio = np.full(n_f, np.nan)
    ok = supplied & (wd > 0)
    ratio[ok] = supply[ok] / wd[ok]
    live = w > 0
    known_pair = live & np.isfinite(ratio[f])
    access = np.bincount(s[known_pair], weights=w[known_pair] * ratio[f[known_pair]], minlength=n_s)

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(s[mask], minlength=n_s)

    return FloatingCatchment(
        access=access, ratio=ratio, weighted_demand=wd, weight=w, in_catchment=count(live),
        known=count(known_pair), supply_unknown=count(live & ~supplied[f]),
        no_demand=count(live & supplied[f] & ~(wd[f] > 0)),
    )


# --------------------------------------------------------------------------- result


@dataclass(frozen=True, eq=False)
class AccessResult(FrozenParams):
    """Accessibility per settlement and tier, the facilities' ratios, townships and equity.

    Attributes
    ----------
    settlements : GeoDataFrame
        Indexed like the input settlements: ``name``, ``township``, ``county``, ``kind``,
        ``older_population``; per tier ``<tier>_access`` (places per 1,000 older people; NaN
        unknown), ``<tier>_access_reason`` (``;``-joined :class:`~planner.codes.AccessReason`
        codes, "" when none), ``<tier>_access_facilities`` (facilities within the catchment),
        ``<tier>_catchment_min``.
    facilities : GeoDataFrame
        One row per facility of a studied tier: ``name``, ``tier``, ``supply``,
        ``weighted_demand`` (older people within the catchment, weighted), ``ratio_per_1000``,
        ``settlements_in_catchment``, ``reason`` (why its supply is not counted, "" when it is).
    by_township : DataFrame
        One row per tier and township: ``settlements``, ``older_population`` (counted),
        ``access`` (older-weighted mean), ``share_below``.
    equity : DataFrame
        Indexed by tier: the summary of :func:`planner.analysis.access_summary.equity_table`.
    params : mapping
        Method, catchments, weights, supply column, thresholds, exclusions, seconds.
    """

    settlements: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    by_township: pd.DataFrame
    equity: pd.DataFrame
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def tiers(self) -> list[str]:
        """The tiers measured."""
        return list(self.equity.index)

    def scenario_metrics(self) -> dict[str, float]:
        """Per tier the figures a scenario comparison shows: ``<tier>.access_<measure>``.

        Returns
        -------
        dict
            Mean, median, Gini, Theil and the share of older people below the threshold, per tier.
        """
        out: dict[str, float] = {}
        for tier, row in self.equity.iterrows():
            for measure in SCENARIO_MEASURES:
                out[f"{tier}.access_{measure}"] = float(row[measure])
        return out

    def layers(self) -> dict[str, pd.DataFrame]:
        """Every table by layer name (for :mod:`planner.io.export`)."""
        return {"access_settlements": self.settlements, "access_facilities": self.facilities,
                "access_townships": self.by_township, "access_equity": self.equity}


# --------------------------------------------------------------------------- routing a tier


def _tier_pairs(settlements: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame, tier: Tier, cfg: AccessConfig,
                graphs: Mapping[str, RoutingGraph]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                                                              np.ndarray, np.ndarray]:
    """Pairs within the catchment: settlement pos, facility pos, seconds, catchment seconds; snapped flags."""
    from planner.routing import reach_matrix

    kinds = settlements["kind"].astype(str).to_numpy()
    prof_min = [(tier.profile_for(k)[0], cfg.catchment_for(tier, k)) for k in kinds]
    rows, cols, vals, d0 = [], [], [], []
    on_road = np.zeros(len(settlements), dtype=bool)
    linked = np.zeros(len(facilities), dtype=bool)
    for prof, minutes in dict.fromkeys(prof_min):
        if prof not in graphs:
            raise InputError(f"no routing graph for travel profile {prof!r} (tier {tier.key}); build the graphs "
                             f"with planner.analysis.build_graphs (have: {', '.join(graphs) or 'none'})")
        pos = np.flatnonzero([pm == (prof, minutes) for pm in prof_min])
        sub = settlements.iloc[pos]
        rm = reach_matrix(graphs[prof], facilities, sub, cutoff_s=minutes * 60.0)
        r, c, v = rm.pairs(facilities.index, sub.index)
        rows.append(pos[r])
        cols.append(c)
        vals.append(v)
        d0.append(np.full(len(v), minutes * 60.0))
        on_road[pos] = rm.settlement_snapping["ok"].reindex(sub.index).fillna(False).to_numpy(dtype=bool)
        linked |= rm.facility_snapping["ok"].reindex(facilities.index).fillna(False).to_numpy(dtype=bool)
    cat = (lambda parts, dt: np.concatenate(parts).astype(dt) if parts else np.zeros(0, dt))
    return (cat(rows, np.int64), cat(cols, np.int64), cat(vals, float), cat(d0, float), on_road, linked)


def _settlement_reasons(fc: FloatingCatchment, on_road: np.ndarray, older_known: np.ndarray,
                        has_facility: bool) -> tuple[np.ndarray, list[str]]:
    """Per settlement: places per 1,000 (NaN unknown) and the ``;``-joined reasons."""
    value = fc.access * PER_1000
    value = np.where((fc.known == 0) & ((fc.supply_unknown > 0) | (fc.no_demand > 0)), np.nan, value)
    if has_facility:
        value = np.where(on_road, value, np.nan)
    reasons = []
    for i in range(len(value)):
        codes: list[str] = []
        if not has_facility:
            codes.append(AccessReason.NO_FACILITY)
        elif not on_road[i]:
            codes.append(AccessReason.NO_ROAD)
        elif fc.in_catchment[i] == 0:
            codes.append(AccessReason.NONE_IN_CATCHMENT)
        else:
            if fc.supply_unknown[i]:
                codes.append(AccessReason.SUPPLY_UNKNOWN if fc.known[i] == 0 else AccessReason.SUPPLY_PARTLY_UNKNOWN)
            if fc.no_demand[i]:
                codes.append(AccessReason.NO_DEMAND_IN_CATCHMENT)
        if not older_known[i]:
            codes.append(AccessReason.OLDER_UNKNOWN)
        reasons.append(";".join(str(c) for c in codes))
    return value, reasons


def _facility_table(fac: gpd.GeoDataFrame, key: str, supply: np.ndarray, fc: FloatingCatchment,
                    f_pos: np.ndarray, linked: np.ndarray, column: str) -> pd.DataFrame:
    """One tier's facilities: supply, weighted demand, ratio per 1,000 and why a supply is not counted."""
    reason = np.where(~np.isfinite(supply), str(AccessReason.FACILITY_SUPPLY_UNKNOWN),
                      np.where(~linked, str(AccessReason.FACILITY_UNLINKED),
                               np.where(~(fc.weighted_demand > 0), str(AccessReason.NO_DEMAND_IN_CATCHMENT), "")))
    live = fc.weight > 0
    return pd.DataFrame({
        "name": fac["name"].astype(str).to_numpy() if "name" in fac else fac.index.astype(str),
        "tier": key, "supply_column": column, "supply": supply,
        "weighted_demand": fc.weighted_demand, "ratio_per_1000": fc.ratio * PER_1000,
        "settlements_in_catchment": np.bincount(f_pos[live], minlength=len(fac)), "reason": reason,
    }, index=fac.index)


def _access_tier(settlements: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame, tier: Tier, cfg: AccessConfig,
                 graphs: Mapping[str, RoutingGraph]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One tier: the settlement columns and the facility rows."""
    key = tier.key
    fac = facilities[(facilities["tier"].astype("string") == key).fillna(False).to_numpy()]
    supply = pd.to_numeric(fac[cfg.supply], errors="coerce").to_numpy(dtype=float) if cfg.supply in fac \
        else np.full(len(fac), np.nan)
    demand = pd.to_numeric(settlements["older_population"], errors="coerce").to_numpy(dtype=float)
    kinds = settlements["kind"].astype(str)
    catch = np.array([cfg.catchment_for(tier, k) for k in kinds], dtype=float)
    if len(fac):
        s_pos, f_pos, t_s, d0, on_road, linked = _tier_pairs(settlements, fac, tier, cfg, graphs)
    else:
        s_pos = f_pos = np.zeros(0, np.int64)
        t_s = d0 = np.zeros(0)
        on_road, linked = np.ones(len(settlements), bool), np.zeros(0, bool)
    fc = floating_catchment(s_pos, f_pos, t_s, d0, demand, supply, method=cfg.method, steps=cfg.decay_steps,
                            weights=cfg.decay_weights, bandwidth=cfg.gaussian_bandwidth)
    value, reasons = _settlement_reasons(fc, on_road, np.isfinite(demand), bool(len(fac)))
    cols = pd.DataFrame({f"{key}_access": value, f"{key}_access_reason": reasons,
                         f"{key}_access_facilities": fc.in_catchment, f"{key}_catchment_min": catch},
                        index=settlements.index)
    return cols, _facility_table(fac, key, supply, fc, f_pos, linked, cfg.supply)


# --------------------------------------------------------------------------- the analysis


def _settlement_base(settlements: gpd.GeoDataFrame) -> pd.DataFrame:
    keep = [c for c in ("name", "kind", "township", "county", "older_population", "older_estimated")
            if c in settlements]
    return pd.DataFrame(settlements[keep]).copy()


def analyse_access(data: StudyData, graphs: Mapping[str, RoutingGraph], *, config: AccessConfig | None = None,
                   tiers: Mapping[str, Tier] | None = None, study_config: StudyConfig | None = None,
                   context: AccessContext | None = None) -> AccessResult:
    """Accessibility (2SFCA family) of every settlement at every tier, and its equity.

    A pure function of its arguments: pass other ``graphs`` (e.g. winter profiles), ``tiers``
    (other thresholds or profiles) or ``data`` (facilities closed or added) to compare scenarios.

    Parameters
    ----------
    data : StudyData
        Settlements (``older_population``, ``kind``, ``township``) and facilities (``tier`` and the
        supply column).
    graphs : mapping
        Profile name -> :class:`~planner.routing.RoutingGraph` (:func:`planner.analysis.build_graphs`).
    config : AccessConfig, optional
        Method and parameters (default: ``data.config.access``).
    tiers : mapping, optional
        Tier key -> :class:`~planner.config.Tier` (default: ``data.config.tiers``): each tier's travel
        profiles and, unless ``config.catchment_minutes`` sets it, its catchment.
    study_config : StudyConfig, optional
        Where ``config`` and ``tiers`` default from (default: ``data.config``).
    context : AccessContext, optional
        Settlements outside the study (a county's neighbours) counted in the demand of the facilities
        of ``context.tiers`` only; rows are returned for ``data``'s settlements alone, and for its
        facilities but ``context.foreign``.  ``None``: the study's own demand.

    Returns
    -------
    AccessResult
    """
    t0 = time.perf_counter()
    study_config = study_config or data.config
    cfg = config or getattr(study_config, "access", None) or AccessConfig()
    tiers = dict(tiers if tiers is not None else study_config.tiers)
    sett, fac = data.settlements, data.facilities
    out = _settlement_base(sett)
    fac_rows = []
    for key in [k for k in TIER_KEYS if k in tiers]:
        cols, rows = _access_tier(with_context(sett, context, key), fac, tiers[key], cfg, graphs)
        out = pd.concat([out, cols.iloc[:len(sett)]], axis=1)  # the study's own settlements come first
        fac_rows.append(reported(rows, context))
    import geopandas as gpd

    settlements = gpd.GeoDataFrame(out, geometry=sett.geometry.to_numpy(), crs=sett.crs)
    settlements.index = sett.index
    facilities = pd.concat(fac_rows) if fac_rows else pd.DataFrame(columns=["name", "tier"])
    facilities = gpd.GeoDataFrame(facilities, geometry=fac.geometry.reindex(facilities.index).to_numpy(),
                                  crs=fac.crs)
    measured = [k for k in TIER_KEYS if k in tiers]
    equity = equity_table(settlements, measured, cfg, facilities)
    by_township = township_table(settlements, measured, equity)
    params = _params(cfg, tiers, measured, settlements, facilities, time.perf_counter() - t0)
    params["context"] = context_counts(context)
    logger.info("accessibility (%s) of %d settlements at %d tiers in %.2f s", cfg.method, len(sett),
                len(measured), params["seconds"])
    return AccessResult(settlements=settlements, facilities=facilities, by_township=by_township, equity=equity,
                        params=params)


def _params(cfg: AccessConfig, tiers: Mapping[str, Tier], measured: list[str], settlements: pd.DataFrame,
            facilities: pd.DataFrame, seconds: float) -> dict[str, Any]:
    """Every parameter of the run and what was left out, per tier."""
    excluded: dict[str, dict[str, int]] = {}
    for key in measured:
        codes = settlements[f"{key}_access_reason"].str.split(";").explode()
        fcodes = facilities.loc[facilities["tier"] == key, "reason"]
        excluded[key] = {"settlements": {str(c): int(n) for c, n in codes[codes != ""].value_counts().items()},
                         "facilities": {str(c): int(n) for c, n in fcodes[fcodes != ""].value_counts().items()}}
    return {
        "method": cfg.method, "supply": cfg.supply,
        "catchment_minutes": {k: ({"all": cfg.catchment_minutes[k]} if k in cfg.catchment_minutes else
                                  {"community": tiers[k].minutes, "village": tiers[k].rural_minutes})
                              for k in measured},
        "profiles": {k: {"community": tiers[k].profile, "village": tiers[k].rural_profile} for k in measured},
        "decay_steps": list(cfg.decay_steps), "decay_weights": list(cfg.decay_weights),
        "gaussian_bandwidth": cfg.gaussian_bandwidth,
        "threshold_per_1000": dict(cfg.threshold_per_1000), "relative_threshold": cfg.relative_threshold,
        "per": PER_1000, "excluded": excluded, "seconds": seconds,
    }
