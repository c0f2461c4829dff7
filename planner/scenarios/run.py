"""Running the named scenarios of a study: coverage per scenario, graphs reused where speeds are unchanged.

Each scenario (:class:`planner.config.scenarios.Scenario`) is the study with
some facilities closed, the proposed sites of some tiers added, other
thresholds or other speeds (winter).  Its coverage is
:func:`planner.analysis.analyse_coverage` on the changed facilities with the
changed configuration; a routing graph is built only for a profile whose
speeds differ from the study's, once for all scenarios that share it.  The
service-circle polygons are not drawn for scenarios (the map shows the study
as configured).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd

from planner.config import StudyConfig
from planner.config.scenarios import Scenario, check_scenarios, scenario_config, scenario_parameters
from planner.errors import ConfigError, PlannerError
from planner.results import FrozenMap, FrozenParams

if TYPE_CHECKING:
    from planner.analysis import AccessResult, CoverageResult
    from planner.data import StudyData
    from planner.network import RoadNetwork
    from planner.routing import RoutingGraph
    from planner.siting import SitingResult

__all__ = ["ScenarioRun", "check_closed_ids", "run_scenario", "run_scenarios", "scenario_facilities"]

logger = logging.getLogger(__name__)

#: The facility columns a proposed site carries over (the rest are unknown: NaN / NA).
_SITE_COLUMNS = ("name", "type", "township", "county")


@dataclass(frozen=True, eq=False)
class ScenarioRun(FrozenParams):
    """One scenario's coverage and everything needed to trace it.

    Attributes
    ----------
    name
        The scenario's key.
    scenario
        The scenario as configured.
    coverage
        Its coverage (no polygons), or None when it could not run (``error`` says why).
    closed
        Ids of the facilities left out.
    added
        The proposed sites added as facilities (indexed by their facility id, with ``tier`` and
        ``candidate_id``); empty when none.
    error
        Why the scenario did not run (e.g. the siting of a tier it adds did not finish), else None.
    access
        Its floating-catchment accessibility and equity (:func:`planner.analysis.analyse_access`),
        or None when it did not run.
    params
        :func:`planner.config.scenarios.scenario_parameters`, the profiles whose graphs were
        rebuilt (``graphs_rebuilt``) and the seconds it took.
    """

    name: str
    scenario: Scenario
    coverage: CoverageResult | None
    closed: tuple[str, ...] = ()
    added: pd.DataFrame = field(default_factory=pd.DataFrame)
    error: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    access: AccessResult | None = None

    def label(self, lang: str) -> str:
        """The scenario's label in ``lang``."""
        return self.scenario.label(lang)


#: The supply columns a proposed site is given (accessibility counts one of them, ``[access] supply``).
SUPPLY_COLUMNS = ("beds", "nursing_beds", "capacity")


def planned_supply(facilities: gpd.GeoDataFrame, tier: str) -> dict[str, float]:
    """The supply a proposed site of ``tier`` is assumed to have: the median of the tier's facilities.

    A proposed site has no bed count yet; counted as "unknown", the settlements only it reaches
    would drop out of the accessibility figures and flatter the scenario.  Each supply column gets
    the median of the tier's existing facilities where that column is known (none when no facility
    of the tier has it), and the scenario's parameters record the figures used (``added_supply``).

    Parameters
    ----------
    facilities
        The study's facilities (``tier`` and the supply columns they have).
    tier
        The tier of the proposed sites.

    Returns
    -------
    dict
        Column -> assumed value.
    """
    same = facilities[facilities["tier"] == tier] if "tier" in facilities else facilities.iloc[:0]
    out = {}
    for col in SUPPLY_COLUMNS:
        if col in same:
            known = pd.to_numeric(same[col], errors="coerce").dropna()
            if len(known):
                out[col] = float(known.median())
    return out


def _added_sites(facilities: gpd.GeoDataFrame, siting: Mapping[str, SitingResult], scenario: Scenario
                 ) -> gpd.GeoDataFrame:
    """The proposed sites of the scenario's tiers as facility rows (an id prefixed ``new:<tier>:`` when taken)."""
    frames = []
    for tier in scenario.add_sites:
        if tier not in siting:
            raise ConfigError(f"scenarios.{scenario.name}.add_sites: the {tier} tier has no siting result (siting "
                              "was not run or did not finish). Fix: run with siting, or remove the tier")
        sites = siting[tier].sites
        rows = gpd.GeoDataFrame({c: sites[c].astype(object) for c in _SITE_COLUMNS}, geometry=sites.geometry.values,
                                crs=sites.crs, index=pd.Index(sites.index.astype(str), name="facility_id"))
        rows["tier"] = tier
        rows["candidate_id"] = sites.index.astype(str)
        for col, value in planned_supply(facilities, tier).items():
            rows[col] = value
        frames.append(rows)
    if not frames:
        return gpd.GeoDataFrame({"tier": [], "candidate_id": []}, geometry=gpd.GeoSeries([], crs=facilities.crs),
                                index=pd.Index([], name="facility_id"))
    added = gpd.GeoDataFrame(pd.concat(frames), crs=frames[0].crs).to_crs(facilities.crs)
    seen = set(facilities.index.astype(str))
    ids = []
    for cid, tier in zip(added.index, added["tier"], strict=True):
        new = cid if cid not in seen else f"new:{tier}:{cid}"  # a candidate id equal to a facility's, or sited twice
        seen.add(new)
        ids.append(new)
    added.index = pd.Index(ids, name="facility_id")
    return added


def scenario_facilities(data: StudyData, scenario: Scenario, siting: Mapping[str, SitingResult] | None = None
                        ) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The facilities of a scenario: the study's without the closed ones, plus the added sites.

    Parameters
    ----------
    data
        The study's layers.
    scenario
        The scenario.
    siting
        The study's siting results per tier (needed when ``scenario.add_sites`` is set).

    Returns
    -------
    (facilities, added)
        The scenario's facilities (a new frame; ``proposed`` True for added sites) and the added rows.

    Raises
    ------
    ConfigError
        A closed id that is not a facility read (naming the key and the ids read), or a tier to add
        without a siting result.
    """
    fac = data.facilities
    ids = check_closed_ids(data, scenario)
    kept = fac[~ids.isin(list(scenario.close))].copy()
    kept["proposed"] = False
    added = _added_sites(fac, siting or {}, scenario)
    out = pd.concat([kept, added.drop(columns=["candidate_id"]).assign(proposed=True)]) if len(added) else kept
    out = gpd.GeoDataFrame(out, geometry=fac.geometry.name, crs=fac.crs)
    out.index.name = fac.index.name
    return out, added


def check_closed_ids(data: StudyData, scenario: Scenario) -> pd.Index:
    """The facility ids read (as text); :class:`ConfigError` naming the key when ``close`` names another id.

    Parameters
    ----------
    data
        The study's layers.
    scenario
        The scenario.

    Returns
    -------
    pandas.Index
        The ids of ``data.facilities`` as strings.
    """
    ids = pd.Index(data.facilities.index.astype(str))
    missing = [i for i in scenario.close if i not in ids]
    if missing:
        where = data.config.source or "<config>"
        raise ConfigError(f"{where}: scenarios.{scenario.name}.close: facility id(s) {', '.join(map(repr, missing))} "
                          f"are not among the {len(ids)} facilities read (e.g. {', '.join(list(ids[:5]))}). Fix: use "
                          "the ids of the facilities file's id column (编号), or remove them")
    return ids


class _GraphCache:
    """Routing graphs per profile: the study's where a profile is unchanged, else built once per distinct profile."""

    def __init__(self, network: RoadNetwork, config: StudyConfig, graphs: Mapping[str, RoutingGraph],
                 networks: Mapping[str, RoadNetwork] | None = None) -> None:
        self.network, self.config, self.graphs = network, config, graphs
        self.networks = dict(networks or {})  # profile -> its part of the roads (a county's, within its buffer)
        self.built: list[tuple[Any, RoadNetwork, RoutingGraph]] = []

    def for_config(self, cfg: StudyConfig) -> tuple[dict[str, RoutingGraph], list[str]]:
        from planner.analysis.travel import profiles_in_use
        from planner.routing import RoutingGraph

        out: dict[str, RoutingGraph] = {}
        rebuilt: list[str] = []
        for name in profiles_in_use(cfg):
            prof = cfg.profiles[name]
            if name in self.graphs and self.config.profiles.get(name) == prof:
                out[name] = self.graphs[name]
                continue
            net = self.networks.get(name, self.network)
            hit = next((g for p, n, g in self.built if p == prof and n is net), None)
            if hit is None:
                crs = next(iter(self.graphs.values())).crs if self.graphs else None
                hit = RoutingGraph.from_network(net, prof, crs=crs)
                self.built.append((prof, net, hit))
            out[name] = hit
            rebuilt.append(name)
        return out, rebuilt


def run_scenario(data: StudyData, scenario: Scenario, cache: _GraphCache, *,
                 siting: Mapping[str, SitingResult] | None = None, verbose: bool = False,
                 access_context: Any = None) -> ScenarioRun:
    """Coverage of one scenario (see :func:`run_scenarios`); a :class:`PlannerError` is kept in ``error``."""
    from planner.analysis import analyse_access, analyse_coverage

    t0 = time.perf_counter()
    base = cache.config
    params = scenario_parameters(base, scenario)
    try:
        cfg = scenario_config(base, scenario)
        facilities, added = scenario_facilities(data, scenario, siting)
        graphs, rebuilt = cache.for_config(cfg)
        scen_data = replace(data, facilities=facilities, config=cfg)
        coverage = analyse_coverage(scen_data, graphs, config=cfg, circles=False, verbose=verbose)
        access = analyse_access(scen_data, graphs, study_config=cfg, context=access_context)
    except PlannerError as exc:
        logger.error("scenario %r did not run: %s", scenario.name, exc)
        params["seconds"] = time.perf_counter() - t0
        return ScenarioRun(scenario.name, scenario, None, tuple(scenario.close),
                           error=f"{type(exc).__name__}: {exc}", params=params)
    params.update(graphs_rebuilt=rebuilt, added_ids=[str(i) for i in added.index],
                  added_supply={t: planned_supply(data.facilities, t) for t in scenario.add_sites},
                  seconds=time.perf_counter() - t0)
    logger.info("scenario %r: %d settlements, %d under-served", scenario.name, len(coverage.settlements),
                int((coverage.settlements["status"] == "under_served").sum()))
    return ScenarioRun(scenario.name, scenario, coverage, tuple(scenario.close), pd.DataFrame(added),
                       params=params, access=access)


def run_scenarios(
    data: StudyData,
    network: RoadNetwork,
    graphs: Mapping[str, RoutingGraph],
    *,
    config: StudyConfig | None = None,
    siting: Mapping[str, SitingResult] | None = None,
    verbose: bool = False,
    networks: Mapping[str, RoadNetwork] | None = None,
    access_context: Any = None,
) -> FrozenMap:
    """Coverage of every named scenario of the study.

    Parameters
    ----------
    data
        The study's layers (:func:`planner.data.load_study`).
    network
        The road network the study's graphs were built from (winter and speed scenarios build
        their own graphs from it).
    graphs
        The study's routing graphs per profile, reused where a scenario leaves a profile unchanged.
    config
        Default ``data.config``; its ``scenarios`` are run, in order.
    siting
        The study's siting results per tier, for scenarios that add the proposed sites.
    verbose
        Progress bars in the coverage runs.
    networks
        Profile name -> the part of ``network`` a rebuilt graph of that profile uses (as for
        :func:`planner.analysis.build_graphs`); other profiles use ``network``.
    access_context
        Demand from outside the study for each scenario's accessibility
        (:class:`planner.analysis.AccessContext`, a county's neighbours); ``None``: none.

    Returns
    -------
    FrozenMap
        Scenario name -> :class:`ScenarioRun`; a scenario that cannot run carries its ``error``
        and the others run all the same.

    Raises
    ------
    ConfigError
        A scenario names a tier or profile that does not exist, or closes a facility id that was
        not read (checked before any scenario runs).
    """
    config = config or data.config
    check_scenarios(config, str(config.source or "<config>"))  # also for a config built in Python, not loaded
    for sc in config.scenarios.values():  # a wrong id is the user's typo: stop before any scenario runs
        check_closed_ids(data, sc)
    cache = _GraphCache(network, config, graphs, networks)
    return FrozenMap({name: run_scenario(data, sc, cache, siting=siting, verbose=verbose,
                                         access_context=access_context)
                      for name, sc in config.scenarios.items()})
