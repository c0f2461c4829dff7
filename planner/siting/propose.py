"""Where to build next: location-allocation on the road network.

:func:`propose_sites` proposes new elderly-care sites for one tier of the
network (community/village points or township centres) from candidate sites
(township seats, village committees, 乡镇卫生院, 村卫生室, idle schools 闲置校舍 —
or every settlement when no candidate layer is given), keeping the existing
facilities of the tier open.  :func:`propose_tiered_sites` runs it for the
village tier and for township centres, each with its own threshold and
travel profile (``config.tiers``).

Models (numeric core in :mod:`planner.optim.locate`)
-----------------------------------------------------
``"mclp"``
    Maximal covering: ``p`` new sites covering the most older people not yet
    covered.  For the township tier it is capacitated by default (each new
    centre serves about ``targets.township_centre_capacity`` = 10,000 older
    people; existing centres their ``capacity``), with unsplittable assignment
    (a village goes to one centre as a whole).
``"lscp"``
    Location set covering: the fewest new sites so that every settlement a
    candidate can reach within the threshold is covered; the settlements no
    candidate can reach are listed with the reason instead of the model failing.
``"pmedian"``
    ``p`` new sites minimising older-population-weighted travel time, each
    settlement going to its nearest open site (existing or new) among the pairs
    reachable within ``reach_factor`` x the threshold; a settlement no open site
    reaches pays twice that search limit (documented penalty) and is listed.

Rules applied before solving, each reported in :attr:`SitingResult.excluded`
----------------------------------------------------------------------------
``EXCLUSION_ZONE``
    The candidate lies in an exclusion zone (ecological red line, permanent
    basic farmland: 002 §五(三)1).
``LOW_PUBLIC_OCCUPANCY``
    New *public* sites only: the candidate's county has public institutions
    occupied below ``targets.min_occupancy_for_new_public`` (50 %; sum of
    occupied beds / sum of beds over public facilities with both known,
    003 §二(一)1).  Public by default for the county and township tiers, not for
    village mutual-aid points (``public=`` overrides).
``NO_LOCATION``
    The candidate has no coordinates.
``UNREACHABLE``
    The candidate reaches no settlement within the search limit (no road
    nearby or an isolated road piece).

Co-location with health facilities (卫生院/卫生室, "毗邻而建", 003 §二(三)1) is a
preference, not a rule: a candidate within ``siting.colocation_distance_m`` of
one (or being one) earns a small bonus in the objective, ``siting.colocation_bonus``
times: the mean older population of a settlement (MCLP), the mean older
population x the threshold in seconds (p-median), or ``1 / (n_candidates + 1)``
of a site (LSCP: it only breaks ties between solutions with equally few sites).

Plan models (what :func:`planner.pipeline.run_study` uses, :data:`DEFAULT_MODELS`)
------------------------------------------------------------------------------
``"target"`` (community tier)
    The fewest new village-level points so that the share of *villages*
    covered reaches ``targets.village_facility_share`` (a partial-cover MILP,
    :mod:`planner.siting.target`), listed by villages newly covered.
``"centres"`` (township tier)
    A centre in every township/street without one (inside it, or the reason
    and the nearest candidates outside), then centres relieving overloaded
    ones (:mod:`planner.siting.centres`); a rule, so no optimality gap.

The coverage curve
------------------
For the plan models the curve is the proposal itself (its first ``k`` sites,
so sentence, chart and list agree).  Otherwise coverage versus ``k = 0..K``
re-solves the covering model (MCLP, capacitated for township centres) for
every ``k`` when exact (sharing one ``siting.time_limit_s`` budget; a point
that does not finish is kept with ``status = "not_finished"``) and reads the
incremental greedy order when greedy.  It runs to ``k = max(p, the target
points)`` (at most 100).

:attr:`SitingResult.targets` gives, for each policy share target, the fewest
new sites that reach it ("新增 9 个村级点可使村覆盖率达到 80%"), solved exactly
as a partial-cover MILP; its older-people row compares before and after the
proposal itself.

Distances
---------
Travel times come from :func:`planner.routing.reach_matrix` on the routing
graph of each profile.  Callers without a road network may pass
:func:`straight_line_reach` instead: straight-line distance x a detour factor
at the profile's speed (a documented approximation, flagged in ``params``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd

from planner.config import StudyConfig
from planner.optim import locate as _locate
from planner.siting.centres import GAP_COLUMNS, plan_centres
from planner.siting.curve import curve_and_targets
from planner.siting.outcome import coverage_outcome, settlement_table, solve, uncoverable_table
from planner.siting.problem import SitingProblem, build_problem, siting_options
from planner.siting.reach import ReachFn
from planner.siting.result import SitingResult
from planner.siting.scorecard import scorecard_before_after
from planner.siting.sites import site_table

if TYPE_CHECKING:  # pragma: no cover
    from planner.analysis import CoverageResult
    from planner.data import StudyData

__all__ = ["DEFAULT_MODELS", "propose_sites", "propose_tiered_sites"]

#: The model that answers each tier's planning question (see the module docstring).
DEFAULT_MODELS = {"community": "target", "township": "centres"}

logger = logging.getLogger(__name__)


def _params(problem: SitingProblem, sol: _locate.Solution, n_excluded: int, curve_method: str,
            t_start: float) -> dict[str, Any]:
    """Every parameter of the run, for :attr:`SitingResult.params`."""
    o, sc, n_ex = problem.options, problem.siting, problem.n_existing
    pref = problem.preference
    return {
        "tier": o.tier, "model": o.model, "p": o.p, "capacitated": o.capacitated, "splittable": o.splittable,
        "public": o.public, "method": problem.method, "reach_source": problem.reach_source,
        "reach_factor": o.reach_factor, "candidate_source": problem.screen.source,
        "n_candidates": len(problem.screen.candidates), "n_excluded": n_excluded,
        "n_usable": problem.n_live, "n_existing": n_ex, "n_settlements": len(problem.settlements),
        "older_unknown": int(problem.older.isna().sum()),
        "thresholds_min": {f"{k[0]}:{k[1]:g}": len(v) for k, v in problem.reach.groups.items()},
        "colocation_bonus": sc.colocation_bonus, "colocation_distance_m": sc.colocation_distance_m,
        "preference_per_colocated_site": float(pref[n_ex:].max()) if problem.n_sites > n_ex else 0.0,
        "time_limit_s": sc.time_limit_s, "mip_gap": sc.mip_gap, "curve_method": curve_method,
        "status": sol.status, "objective": sol.objective, "bound": sol.bound, "gap": sol.gap,
        "solve_s": sol.runtime_s, "total_s": time.perf_counter() - t_start,
    }


def _solve(problem: SitingProblem) -> tuple[_locate.Solution, pd.DataFrame]:
    """The model's answer and the gap table (the township plan's; empty for the other models)."""
    if problem.options.model == "centres":
        plan = plan_centres(problem)
        return plan.solution, plan.gaps
    return solve(problem), pd.DataFrame(columns=GAP_COLUMNS)


def _solve_and_explain(problem: SitingProblem, coverage: CoverageResult | None, t_start: float) -> SitingResult:
    """Solve the problem and build every table of the result (sites, settlements, curve, targets, scorecard)."""
    sol, gaps = _solve(problem)
    out = coverage_outcome(problem, sol)
    sites = site_table(problem, sol, out, gaps)
    settlements = settlement_table(problem, sol, out)
    uncoverable = uncoverable_table(problem, settlements)
    targets, curve, curve_method = curve_and_targets(problem, sol, out, gaps)
    score = scorecard_before_after(problem, out, sites, coverage=coverage)
    excluded = problem.screen.excluded()
    params = _params(problem, sol, len(excluded), curve_method, t_start)
    if params["older_unknown"]:
        logger.warning("%d settlements have no older-population figure and count as 0 in siting",
                       params["older_unknown"])
    return SitingResult(sites=sites, excluded=excluded, settlements=settlements, uncoverable=uncoverable,
                        curve=curve, targets=targets, scorecard=score, occupancy=problem.screen.occupancy,
                        solution=sol, gaps=gaps, params=params)


def propose_sites(
    data: StudyData,
    graphs_or_reach: Mapping[str, Any] | ReachFn,
    *,
    tier: str = "community",
    model: str = "mclp",
    p: int | None = None,
    candidates: gpd.GeoDataFrame | None = None,
    exclusion_zones: gpd.GeoDataFrame | None = None,
    health_facilities: gpd.GeoDataFrame | None = None,
    coverage: CoverageResult | None = None,
    capacitated: bool | None = None,
    splittable: bool = False,
    public: bool | None = None,
    method: str | None = None,
    reach_factor: float = 2.0,
    curve_k: int | None = None,
    config: StudyConfig | None = None,
    verbose: bool = False,
) -> SitingResult:
    """Propose new sites for one tier (see the module docstring for the models and rules).

    Parameters
    ----------
    data : StudyData
        Canonical layers; its settlements are the demands (weight: ``older_population``, unknown counts as 0).
    graphs_or_reach : mapping or callable
        Profile name -> :class:`planner.routing.RoutingGraph`, or a reach
        function such as :func:`straight_line_reach`.
    tier : {"community", "township", "county"}
    model : {"mclp", "lscp", "pmedian", "target", "centres"}
        ``target``/``centres``: :mod:`planner.siting.target`, :mod:`planner.siting.centres`.
    p : int, optional
        New sites for MCLP / p-median (default ``config.siting.max_new_sites``).
    candidates : GeoDataFrame, optional
        Candidate sites (``name``, ``type``, ``township``, ``county``); default
        ``data.candidates``, else every settlement.
    exclusion_zones : GeoDataFrame, optional
        Polygons; default ``data.exclusion_zones``.
    health_facilities : GeoDataFrame, optional
        Health facilities for co-location (``type`` shown in the reasons); default the candidates
        whose type names one (乡镇卫生院, 村卫生室..., co-located themselves).
    coverage : CoverageResult, optional
        Feeds the before/after scorecard (the tier's own coverage is recomputed).
    capacitated : bool, optional
        Default: True for the township tier with MCLP and p-median.
    splittable : bool
        Capacitated assignment may split a settlement between centres.
    public : bool, optional
        New sites are public (the occupancy rule applies); default True for county and township tiers.
    method : {"auto", "exact", "greedy"}, optional
        Default ``config.siting.method`` (``auto``: exact up to ``siting.greedy_above`` candidates).
    reach_factor : float
        p-median / centre-plan search limit as a multiple of the threshold.
    curve_k : int, optional
        Largest ``k`` of the coverage curve (default: ``p``, at least the LSCP size).
    config : StudyConfig, optional
        Default ``data.config``.
    verbose : bool
        Progress bar over the curve.

    Returns
    -------
    SitingResult

    Raises
    ------
    InputError
        Bad arguments (unknown tier, model or method, negative ``p``, a capacitated LSCP...).
    DataError
        Candidates without a coordinate system or with duplicate ids.
    """
    t_start = time.perf_counter()
    config = config or data.config
    options = siting_options(config, tier=tier, model=model, p=p, capacitated=capacitated, splittable=splittable,
                             public=public, method=method, reach_factor=reach_factor, curve_k=curve_k,
                             verbose=verbose)
    problem = build_problem(data, graphs_or_reach, options, config=config, candidates=candidates,
                            exclusion_zones=exclusion_zones, health_facilities=health_facilities)
    return _solve_and_explain(problem, coverage, t_start)


def propose_tiered_sites(
    data: StudyData,
    graphs_or_reach: Mapping[str, Any] | ReachFn,
    *,
    tiers: Sequence[str] = ("community", "township"),
    models: Mapping[str, str] | None = None,
    p: Mapping[str, int] | None = None,
    coverage: CoverageResult | None = None,
    candidates: gpd.GeoDataFrame | None = None,
    exclusion_zones: gpd.GeoDataFrame | None = None,
    health_facilities: gpd.GeoDataFrame | None = None,
    config: StudyConfig | None = None,
    verbose: bool = False,
) -> dict[str, SitingResult]:
    """Site village-level points and township centres, each with its own threshold and profile.

    Parameters
    ----------
    data, graphs_or_reach
        As for :func:`propose_sites`.
    tiers : sequence of str
        Tiers to site, in order (default community/village points, then township centres).
    models : mapping, optional
        Tier -> model (default ``target`` for the community tier, ``centres`` for the township
        tier, ``mclp`` otherwise: the plans' own questions).
    p : mapping, optional
        Tier -> number of new sites (default ``config.siting.max_new_sites``).
    coverage, candidates, exclusion_zones, health_facilities, config, verbose
        Passed on to :func:`propose_sites`.

    Returns
    -------
    dict
        Tier key -> :class:`SitingResult`.
    """
    config = config or data.config
    out: dict[str, SitingResult] = {}
    for key in tiers:
        out[key] = propose_sites(
            data, graphs_or_reach, tier=key, model=(models or {}).get(key, DEFAULT_MODELS.get(key, "mclp")),
            p=(p or {}).get(key),
            candidates=candidates, exclusion_zones=exclusion_zones, health_facilities=health_facilities,
            coverage=coverage, config=config, verbose=verbose,
        )
    return out
