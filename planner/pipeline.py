"""The whole job, end to end: load, build networks, measure coverage, site, write.

>>> from planner.pipeline import run_study, write_outputs        # doctest: +SKIP
>>> result = run_study(load_config("data/demo_county.toml"))      # doctest: +SKIP
>>> paths = write_outputs(result, "outputs/demo")                # doctest: +SKIP
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.config import StudyConfig
from planner.study import StudyResult

if TYPE_CHECKING:  # imported lazily at run time: the heavy modules load only when used
    from planner.analysis import CoverageResult
    from planner.data import StudyData
    from planner.network import RoadNetwork
    from planner.routing import RoutingGraph
    from planner.siting import SitingResult

__all__ = ["StudyResult", "run_study", "write_outputs", "build_study_graphs"]

logger = logging.getLogger(__name__)


def build_study_graphs(data: StudyData, *, verbose: bool = False) -> tuple[RoadNetwork, dict[str, RoutingGraph]]:
    """Load the study's road network and build one routing graph per profile in use."""
    from planner.analysis import build_graphs
    from planner.network import load_network

    network = load_network(data.config, data.study_area, verbose=verbose)
    graphs = build_graphs(network, data.config)
    return network, graphs


def run_study(
    config: StudyConfig,
    *,
    site: bool = True,
    strict: bool | None = None,
    verbose: bool = False,
) -> StudyResult:
    """Run the whole analysis for one study.

    Parameters
    ----------
    config
        The study configuration (:func:`planner.config.load_config`).
    site
        Also propose new sites for the community/village and township tiers.
    strict
        Turn validation warnings into errors (default: ``config.strict``).
    verbose
        Show progress bars.

    Returns
    -------
    StudyResult
    """
    from planner.analysis import analyse_coverage
    from planner.data import load_study

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    data = load_study(config, strict=strict, verbose=verbose)
    timings["load"] = time.perf_counter() - t0
    logger.info("loaded %d facilities and %d settlements", len(data.facilities), len(data.settlements))

    t0 = time.perf_counter()
    network, graphs = build_study_graphs(data, verbose=verbose)
    timings["network"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    coverage = analyse_coverage(data, graphs, config=config, verbose=verbose)
    timings["coverage"] = time.perf_counter() - t0

    siting: dict[str, Any] = {}
    errors: dict[str, str] = {}
    if site:
        t0 = time.perf_counter()
        siting, errors = _site_study(data, graphs, coverage, verbose=verbose)
        timings["siting"] = time.perf_counter() - t0

    return StudyResult(
        config=config, data=data, network=network, graphs=graphs,
        coverage=coverage, siting=siting, siting_errors=errors, timings=timings,
    )


def _site_study(data: StudyData, graphs: Mapping[str, RoutingGraph], coverage: CoverageResult, *,
                verbose: bool) -> tuple[dict[str, SitingResult], dict[str, str]]:
    """Propose village-level points and township centres, each answering its plan's question.

    Village-level points: the fewest new points bringing the share of villages covered to
    ``targets.village_facility_share`` (model ``target``).  Township centres: one in every
    township/street without one, then relief of overloaded centres (model ``centres``).  A tier whose
    siting fails (a solver or input problem) is recorded in the second mapping, tier -> message,
    and the other tier and the coverage analysis are kept.
    """
    from planner.errors import PlannerError
    from planner.siting import DEFAULT_MODELS, propose_sites

    out: dict[str, SitingResult] = {}
    errors: dict[str, str] = {}
    for tier, model in DEFAULT_MODELS.items():
        if tier not in data.config.tiers:
            continue
        try:
            out[tier] = propose_sites(data, graphs, tier=tier, model=model, coverage=coverage, config=data.config,
                                      verbose=verbose)
        except PlannerError as exc:
            logger.error("siting of the %s tier did not finish: %s", tier, exc)
            errors[tier] = f"{type(exc).__name__}: {exc}"
    return out, errors


def write_outputs(result: StudyResult, out_dir: str | Path, *, lang: str | None = None) -> dict[str, Path]:
    """Write the map, report, workbook, GeoPackage and CSVs of a study.

    Parameters
    ----------
    result
        What :func:`run_study` returned.
    out_dir
        Folder to write into (created).
    lang
        ``"zh"`` (default from the config) or ``"en"``.

    Returns
    -------
    dict
        Output kind (``map``, ``report``, ``workbook``, ``geopackage``, ``csv``) -> path.
    """
    from planner.reporting import write_csvs, write_geopackage, write_map, write_report_html, write_workbook

    lang = lang or result.config.lang
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "map": write_map(result, out / "map.html", lang=lang),
        "report": write_report_html(result, out / "report.html", lang=lang),
        "workbook": write_workbook(result, out / "results.xlsx", lang=lang),
        "geopackage": write_geopackage(result, out / "results.gpkg"),
        "csv": write_csvs(result, out / "csv", lang=lang),
    }
    logger.info("outputs written to %s", out)
    return paths
