"""What one siting run solves: the options, the demands, the sites and the matrices, in one frozen object.

:func:`siting_options` checks the arguments of a run; :func:`build_problem`
screens the candidates, computes the reach of every site, marks the candidates
that reach nobody, and adds the co-location preference and the capacities.
The models (:mod:`planner.optim.locate`), the curve, the targets and the
tables all read the resulting :class:`SitingProblem`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp

from planner.config import SitingConfig, StudyConfig, Tier
from planner.errors import InputError
from planner.siting.candidates import CandidateScreen, health_distance, screen_candidates
from planner.siting.reach import ReachFn, SiteReach, reach_function, site_reach, site_table

if TYPE_CHECKING:  # pragma: no cover
    from planner.data import StudyData

__all__ = ["MODELS", "METHODS", "SitingOptions", "SitingProblem", "siting_options", "build_problem"]

#: ``target``: fewest village points reaching the village share (:mod:`planner.siting.target`);
#: ``centres``: township centres gap by gap (:mod:`planner.siting.centres`); then the classic models.
MODELS = ("mclp", "lscp", "pmedian", "target", "centres")
METHODS = ("auto", "exact", "greedy")


@dataclass(frozen=True)
class SitingOptions:
    """The checked arguments of one run (see :func:`planner.siting.propose_sites`)."""

    tier: str
    model: str
    p: int
    capacitated: bool
    splittable: bool
    public: bool
    method: str
    reach_factor: float
    curve_k: int | None
    verbose: bool

    @property
    def search(self) -> float:
        """Search limit as a multiple of the threshold: ``reach_factor`` for p-median and the centre
        plan (whose loads are natural catchments beyond the threshold too), else 1."""
        return self.reach_factor if self.model in ("pmedian", "centres") else 1.0


def siting_options(config: StudyConfig, *, tier: str, model: str, p: int | None, capacitated: bool | None,
                   splittable: bool, public: bool | None, method: str | None, reach_factor: float,
                   curve_k: int | None, verbose: bool) -> SitingOptions:
    """Check the arguments and fill in the defaults that depend on the tier and model.

    Raises
    ------
    InputError
        Unknown tier, model or method; negative ``p``; a capacitated LSCP, target or centres model;
        ``target`` outside the community tier, ``centres`` outside the township tier.
    """
    if tier not in config.tiers:
        raise InputError(f"unknown tier {tier!r}; the study has tiers {', '.join(config.tiers)}")
    if model not in MODELS:
        raise InputError(f"model must be one of {', '.join(MODELS)}, not {model!r}")
    method = config.siting.method if method is None else method
    if method not in METHODS:
        raise InputError(f"method must be 'auto', 'exact' or 'greedy', not {method!r}")
    p = int(config.siting.max_new_sites if p is None else p)
    if p < 0:
        raise InputError(f"p must be >= 0, got {p}")
    if (model, tier) in (("target", "township"), ("target", "county"), ("centres", "community"),
                         ("centres", "county")):
        raise InputError(f"model {model!r} is for the {'community' if model == 'target' else 'township'} tier, "
                         f"not {tier!r}")
    rule = model in ("lscp", "target", "centres")
    capacitated = (tier == "township" and not rule) if capacitated is None else bool(capacitated)
    if capacitated and rule:
        raise InputError("the capacitated variant exists for mclp and pmedian only")
    public = (tier in ("county", "township")) if public is None else bool(public)
    return SitingOptions(tier, model, p, capacitated, bool(splittable), public, method, reach_factor, curve_k,
                         verbose)


@dataclass(frozen=True)
class SitingProblem:
    """Everything a siting run needs once the candidates are screened and the reach is known.

    Attributes
    ----------
    data : StudyData
        The study (settlements are the demands).
    config : StudyConfig
    options : SitingOptions
    method : {"exact", "greedy"}
        The method actually used (``auto`` resolved).
    reach_source : str
        ``road_network``, ``straight_line(detour=...)`` or ``callable``.
    screen : CandidateScreen
        Every candidate with the final exclusion reasons (``UNREACHABLE`` included).
    usable : GeoDataFrame
        The candidates the models see (those the rules left; unreachable ones cover nobody).
    existing : GeoDataFrame
        The tier's existing facilities: open, first in site order.
    older : Series
        Older population per settlement (NaN when unknown).
    weights : ndarray
        ``older`` with unknown as 0.
    reach : SiteReach
    fixed : ndarray
        True for the existing sites.
    preference : ndarray
        Co-location bonus per site.
    capacity : ndarray or None
        Per site, for capacitated models.
    health_m, health_type, colocated : ndarray
        Per usable candidate: metres to the nearest health facility, its type, within the co-location distance.
    """

    data: StudyData
    config: StudyConfig
    options: SitingOptions
    method: str
    reach_source: str
    screen: CandidateScreen
    usable: gpd.GeoDataFrame
    existing: gpd.GeoDataFrame
    older: pd.Series
    weights: np.ndarray
    reach: SiteReach
    fixed: np.ndarray
    preference: np.ndarray
    capacity: np.ndarray | None
    health_m: np.ndarray
    health_type: np.ndarray
    colocated: np.ndarray

    @property
    def settlements(self) -> gpd.GeoDataFrame:
        """The demands."""
        return self.data.settlements

    @cached_property
    def kind(self) -> np.ndarray:
        """``village`` / ``community`` per settlement."""
        return self.settlements["kind"].astype(str).to_numpy()

    @property
    def siting(self) -> SitingConfig:
        """``config.siting``."""
        return self.config.siting

    @property
    def cover(self) -> sp.csr_array:
        """Settlements x sites within the threshold."""
        return self.reach.cover

    @property
    def times(self) -> sp.csr_array:
        """Settlements x sites, seconds within the search limit."""
        return self.reach.times

    @property
    def n_existing(self) -> int:
        """Existing sites (the first columns)."""
        return len(self.existing)

    @property
    def n_sites(self) -> int:
        """Existing sites and usable candidates."""
        return len(self.reach.sites)

    @property
    def n_live(self) -> int:
        """Usable candidates that reach at least one settlement."""
        return int(self.reach.reached[self.n_existing:].sum())

    def site_id(self, j: int) -> Any:
        """Facility or candidate id of site column ``j`` (None for -1)."""
        if j < 0:
            return None
        n_ex = self.n_existing
        return self.existing.index[j] if j < n_ex else self._candidate_ids[j - n_ex]

    @cached_property
    def _candidate_ids(self) -> np.ndarray:
        return np.asarray(self.usable.index, dtype=object)


def _existing(facilities: gpd.GeoDataFrame, tier: str) -> gpd.GeoDataFrame:
    """The facilities of ``tier``."""
    f_tier = (facilities["tier"].astype("string") if "tier" in facilities
              else pd.Series(pd.NA, index=facilities.index))
    return facilities[(f_tier == tier).fillna(False).to_numpy()]


def _preference(model: str, sc: SitingConfig, weights: np.ndarray, thr: np.ndarray, n_existing: int,
                colocated: np.ndarray) -> np.ndarray:
    """The co-location bonus per site, in the unit of the model's objective (0 for existing sites)."""
    pref = np.zeros(n_existing + len(colocated))
    pos_w = weights[weights > 0]
    mean_w = float(pos_w.mean()) if len(pos_w) else 1.0
    if model == "mclp":
        pref[n_existing:] = sc.colocation_bonus * mean_w * colocated
    elif model == "lscp":
        pref[n_existing:] = min(sc.colocation_bonus, 1.0) / (len(colocated) + 1) * colocated
    else:
        pref[n_existing:] = sc.colocation_bonus * mean_w * float(np.mean(thr) if len(thr) else 0.0) * colocated
    return pref


def site_capacity(existing: gpd.GeoDataFrame, n_usable: int, default: float) -> np.ndarray:
    """Existing centres their ``capacity`` (default when unknown), new ones the default."""
    cc = pd.to_numeric(existing.get("capacity", pd.Series(np.nan, index=existing.index)), errors="coerce")
    return np.concatenate([cc.fillna(default).to_numpy(dtype=float), np.full(n_usable, float(default))])


def _resolve_method(method: str, n_live: int, capacitated: bool, greedy_above: int) -> str:
    if method == "auto":
        return "greedy" if (n_live > greedy_above and not capacitated) else "exact"
    return method


def build_problem(data: StudyData, graphs_or_reach: Mapping[str, Any] | ReachFn, options: SitingOptions, *,
                  config: StudyConfig, candidates: gpd.GeoDataFrame | None = None,
                  exclusion_zones: gpd.GeoDataFrame | None = None,
                  health_facilities: gpd.GeoDataFrame | None = None) -> SitingProblem:
    """Screen the candidates, compute the reach of every site and assemble the :class:`SitingProblem`.

    Parameters
    ----------
    data : StudyData
    graphs_or_reach : mapping or callable
        Routing graphs per profile, or a reach function.
    options : SitingOptions
    config : StudyConfig
    candidates, exclusion_zones, health_facilities : GeoDataFrame, optional
        As for :func:`planner.siting.propose_sites`.

    Returns
    -------
    SitingProblem
    """
    reach, reach_source = reach_function(graphs_or_reach)
    tier: Tier = config.tiers[options.tier]
    screen = screen_candidates(data, candidates, exclusion_zones, public=options.public,
                               min_occupancy=config.targets.min_occupancy_for_new_public)
    usable = screen.usable
    existing = _existing(data.facilities, options.tier)
    older = pd.to_numeric(data.settlements["older_population"], errors="coerce")
    weights = older.fillna(0.0).to_numpy(dtype=float)
    sr = site_reach(reach, site_table(existing, usable), data.settlements, tier, search=options.search)
    n_ex = len(existing)
    dead = np.flatnonzero(~sr.reached[n_ex:])
    screen = screen.with_unreachable(usable.index[dead], f"{options.search:g} x threshold")
    fixed = np.zeros(sr.shape[1], bool)
    fixed[:n_ex] = True
    if health_facilities is None:  # health centres and clinics among the candidates count for their neighbours
        health_facilities = screen.health_candidates()
    hdist, htype = health_distance(usable, health_facilities, data.projected_crs)
    sc = config.siting
    colocated = hdist <= sc.colocation_distance_m
    capacity = (site_capacity(existing, len(usable), config.targets.township_centre_capacity)
                if options.capacitated else None)
    n_live = int(sr.reached[n_ex:].sum())
    return SitingProblem(
        data=data, config=config, options=options,
        method=_resolve_method(options.method, n_live, options.capacitated, sc.greedy_above),
        reach_source=reach_source, screen=screen, usable=usable, existing=existing, older=older, weights=weights,
        reach=sr, fixed=fixed, preference=_preference(options.model, sc, weights, sr.threshold_s, n_ex, colocated),
        capacity=capacity, health_m=hdist, health_type=htype, colocated=colocated,
    )
