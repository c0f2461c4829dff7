"""One county's run on a worker: the study's own stages on the county's part, its outputs, a small summary back.

:func:`run_county` is what a Dask worker executes.  It calls
:func:`planner.pipeline.run_loaded_study` (the same routing, coverage, siting
and scenarios as a one-county study) and, when an output folder is given,
:func:`planner.pipeline.write_outputs` into the county's own subfolder; only
the per-settlement coverage table, the scorecard, the timings and the paths
travel back (:class:`CountyOutcome`), never the graphs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from planner.results import FrozenMap

if TYPE_CHECKING:
    import geopandas as gpd

    from planner.multi.partition import CountyTask
    from planner.network import RoadNetwork
    from planner.study import StudyResult

__all__ = ["CountyOutcome", "run_county", "county_folder"]


@dataclass(frozen=True)
class CountyOutcome:
    """What comes back from one county's run.

    Attributes
    ----------
    county, city
        The county and its city.
    settlements
        The county's settlements with every coverage column (:attr:`CoverageResult.settlements`).
    scorecard
        The county's scorecard (:attr:`CoverageResult.scorecard`), rows of scope ``overall`` and the county.
    timings
        Seconds per step.
    outputs
        Output kind -> path (empty when no folder was given).
    n_facilities, n_segments
        Facilities that could serve the county, road segments of its clipped network.
    siting_errors
        Tier -> why its siting did not finish.
    new_sites
        Tier -> number of new sites proposed (tiers whose siting finished).
    scenarios
        Scenario name -> the county's rows of that scenario's scorecard (scope = the county), for the
        scenarios that ran; :func:`planner.multi.aggregate.aggregate_scorecards` sums them like the baseline.
    scenario_labels
        Scenario name -> (Chinese label, English label), every configured scenario.
    scenario_errors
        Scenario name -> why it did not run in this county.
    profile_segments
        Travel profile -> road segments its routing graph was built on (within the profile's buffer).
    access
        The county's settlements with their accessibility columns (:attr:`AccessResult.settlements`,
        without the points); ``None`` when not measured.
    access_facilities
        The county's own facilities' accessibility rows (:attr:`AccessResult.facilities`, without the
        points: supply, weighted demand, ratio); ``None`` when not measured.
    """

    county: str
    city: str
    settlements: gpd.GeoDataFrame
    scorecard: pd.DataFrame
    timings: dict[str, float] = field(default_factory=FrozenMap)
    outputs: dict[str, str] = field(default_factory=FrozenMap)
    n_facilities: int = 0
    n_segments: int = 0
    siting_errors: dict[str, str] = field(default_factory=FrozenMap)
    new_sites: dict[str, int] = field(default_factory=FrozenMap)
    scenarios: dict[str, pd.DataFrame] = field(default_factory=FrozenMap)
    scenario_labels: dict[str, tuple[str, str]] = field(default_factory=FrozenMap)
    scenario_errors: dict[str, str] = field(default_factory=FrozenMap)
    profile_segments: dict[str, int] = field(default_factory=FrozenMap)
    access: pd.DataFrame | None = None
    access_facilities: pd.DataFrame | None = None


def _scenario_parts(result: StudyResult, county: str) -> tuple[dict, dict, dict]:
    """The county's scenario scorecard rows, every scenario's labels, and why any did not run."""
    cards, labels, errors = {}, {}, {}
    for name, run in result.scenarios.items():
        labels[name] = (run.label("zh"), run.label("en"))
        if run.coverage is None:
            errors[name] = run.error or "did not run"
            continue
        card = run.coverage.scorecard
        cards[name] = card[card["scope"].astype(str) == county].reset_index(drop=True)
    return cards, labels, errors


def county_folder(out_dir: str | Path, county: str) -> Path:
    """The county's output folder inside the study's: ``<out_dir>/counties/<safe name>``."""
    from planner.io import safe_name

    return Path(out_dir) / "counties" / safe_name(county)


def run_county(task: CountyTask, network: RoadNetwork | None = None, *, site: bool = True,
               out_dir: str | None = None, lang: str | None = None) -> CountyOutcome:
    """Analyse one county and write its outputs (what one Dask task runs).

    Parameters
    ----------
    task
        The county's points and polygon (:func:`planner.multi.partition_study`).
    network
        The whole study's road network, cut here to the county plus the largest buffer
        (:meth:`CountyTask.clipped`), then each profile's roads to its own buffer
        (:meth:`CountyTask.profile_networks`); ``None`` when the task carries its roads.
    site
        Also propose new sites.
    out_dir
        The study's output folder; the county's files go to :func:`county_folder`.  ``None``: none written.
        On a cluster of several machines it must be a folder every worker can write.
    lang
        Language of the outputs (default: the config's).

    Returns
    -------
    CountyOutcome

    Raises
    ------
    planner.errors.NetworkError
        The county's clipped network has no road.
    planner.errors.PlannerError
        Whatever the county's analysis raises (the runner reports it with the county's name).
    """
    from planner.errors import NetworkError
    from planner.network import check_profiles
    from planner.pipeline import run_loaded_study, write_outputs

    t0 = time.perf_counter()
    if task.network is None:
        if network is None:
            raise NetworkError(f"county {task.county!r}: no road network given (pass the study's network)")
        task = task.clipped(network)
    clip_s = time.perf_counter() - t0  # the county's network: its roads cut from the study's
    if task.network.n_segments == 0:
        raise NetworkError(f"county {task.county!r}: no road of the road file lies within {task.buffer_m:,.0f} m of "
                           "the county. Fix: use a road file covering the county (its .osm.pbf extract)")
    check_profiles(task.network, task.data.config)
    t0_profiles = time.perf_counter()
    profile_networks = task.profile_networks()  # each profile's graph on the roads within its own buffer
    clip_s += time.perf_counter() - t0_profiles
    result = run_loaded_study(task.data, task.network, site=site, timings={"network": clip_s},
                              profile_networks=profile_networks, access_context=task.access_context)
    paths: dict[str, str] = {}
    t_write = time.perf_counter()
    if out_dir is not None:
        written = write_outputs(result, county_folder(out_dir, task.county), lang=lang,
                                kinds=tuple(task.data.config.execution.county_outputs))
        paths = {k: str(p) for k, p in written.items()}
    timings = dict(result.timings)
    timings["write"] = time.perf_counter() - t_write
    timings["total"] = time.perf_counter() - t0
    cov = result.coverage
    cards, labels, errors = _scenario_parts(result, task.county)
    return CountyOutcome(
        county=task.county, city=task.city, settlements=cov.settlements, scorecard=cov.scorecard,
        timings=timings, outputs=paths, n_facilities=len(task.data.facilities),
        n_segments=task.network.n_segments, siting_errors=dict(result.siting_errors),
        new_sites={tier: len(s.sites) for tier, s in result.siting.items()},
        scenarios=cards, scenario_labels=labels, scenario_errors=errors,
        profile_segments={name: net.n_segments for name, net in profile_networks.items()},
        access=None if result.access is None else pd.DataFrame(result.access.settlements.drop(columns="geometry")),
        access_facilities=None if result.access is None else pd.DataFrame(
            result.access.facilities.drop(columns="geometry")),
    )
