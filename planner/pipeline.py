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
    from planner.analysis import AccessContext, CoverageResult
    from planner.data import StudyData
    from planner.network import RoadNetwork
    from planner.routing import RoutingGraph
    from planner.siting import SitingResult

__all__ = ["StudyResult", "run_study", "run_loaded_study", "write_outputs", "build_study_graphs", "study_place_area"]

logger = logging.getLogger(__name__)


def build_study_graphs(data: StudyData, *, verbose: bool = False) -> tuple[RoadNetwork, dict[str, RoutingGraph]]:
    """Load the study's road network and build one routing graph per profile in use."""
    from planner.analysis import build_graphs
    from planner.logtext import COMPILE_NOTICE
    from planner.network import load_network
    from planner.routing import kernels_need_compiling

    if kernels_need_compiling():  # the first run compiles the routing kernels: say so before the wait
        logger.info(COMPILE_NOTICE[1])
    network = load_network(data.config, data.study_area, verbose=verbose)
    graphs = build_graphs(network, data.config)
    return network, graphs


def study_place_area(config: StudyConfig) -> Any:
    """``network.place``'s boundary when no boundary file is given (the study area then), else ``None``.

    Parameters
    ----------
    config
        The study configuration.

    Returns
    -------
    shapely geometry (WGS84) or None
        Geocoded through Nominatim, cached in the study's cache folder (:func:`planner.network.place_area`).
    """
    inputs = config.inputs
    if not config.network.place or inputs.boundaries_county.path or inputs.boundaries_township.path:
        return None
    from planner.network import place_area

    return place_area(config)


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
    from planner.data import load_study
    from planner.logtext import COMPILE_NOTICE
    from planner.network import load_network
    from planner.routing import kernels_need_compiling

    t0 = time.perf_counter()
    data = load_study(config, strict=strict, verbose=verbose, place_area=study_place_area(config))
    load_s = time.perf_counter() - t0
    logger.info("loaded %d facilities and %d settlements", len(data.facilities), len(data.settlements))
    if kernels_need_compiling():  # the first run compiles the routing kernels: say so before the wait
        logger.info(COMPILE_NOTICE[1])
    t0 = time.perf_counter()
    network = load_network(data.config, data.study_area, verbose=verbose)
    return run_loaded_study(data, network, site=site, strict=strict, verbose=verbose,
                            timings={"load": load_s, "network": time.perf_counter() - t0})


def run_loaded_study(
    data: StudyData,
    network: RoadNetwork,
    *,
    site: bool = True,
    strict: bool | None = None,
    verbose: bool = False,
    timings: Mapping[str, float] | None = None,
    profile_networks: Mapping[str, RoadNetwork] | None = None,
    access_context: AccessContext | None = None,
) -> StudyResult:
    """Route, cover, site and run the scenarios of data already loaded, on a road network already read.

    :func:`run_study` is this after loading the files; :mod:`planner.multi` calls it once per
    county with the county's points and its clipped network.

    Parameters
    ----------
    data
        The validated layers (:func:`planner.data.load_study`, or one county's part of them).
    network
        The road network covering ``data`` (with the buffer its thresholds need).
    site, strict, verbose
        As for :func:`run_study`.
    timings
        Seconds already spent (``load``, ``network``); the steps here are added.
    profile_networks
        Travel profile -> the part of ``network`` its routing graphs are built on (a county's
        roads within that profile's buffer, :meth:`planner.multi.CountyTask.profile_networks`);
        a profile not named uses ``network``.
    access_context
        Settlements outside ``data`` counted in the accessibility demand of the facilities that
        serve across a border (a county's neighbours, :mod:`planner.multi`); ``None``: none.

    Returns
    -------
    StudyResult
    """
    from planner.analysis import analyse_access, analyse_coverage, build_graphs
    from planner.routing import check_points_on_roads

    config = data.config
    timings = dict(timings or {})
    t0 = time.perf_counter()
    graphs = build_graphs(network, config, networks=profile_networks)
    data = check_points_on_roads(data, network, strict=strict)  # wrong datum, points far from every road
    timings["network"] = timings.get("network", 0.0) + time.perf_counter() - t0

    t0 = time.perf_counter()
    coverage = analyse_coverage(data, graphs, config=config, verbose=verbose)
    timings["coverage"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    access = analyse_access(data, graphs, study_config=config, context=access_context)
    timings["access"] = time.perf_counter() - t0

    siting: dict[str, Any] = {}
    errors: dict[str, str] = {}
    if site:
        t0 = time.perf_counter()
        siting, errors = _site_study(data, graphs, coverage, verbose=verbose)
        timings["siting"] = time.perf_counter() - t0

    scenarios: Mapping[str, Any] = {}
    if config.scenarios:  # after siting: a scenario may add the proposed sites
        from planner.scenarios import run_scenarios

        t0 = time.perf_counter()
        scenarios = run_scenarios(data, network, graphs, config=config, siting=siting, verbose=verbose,
                                  networks=profile_networks, access_context=access_context)
        timings["scenarios"] = time.perf_counter() - t0

    return StudyResult(
        config=config, data=data, network=network, graphs=graphs,
        coverage=coverage, siting=siting, siting_errors=errors, timings=timings, scenarios=scenarios,
        access=access,
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


#: The files of one study's outputs: kind -> name inside the output folder.
OUTPUT_FILES = {"map": "map.html", "report": "report.html", "workbook": "results.xlsx",
                "geopackage": "results.gpkg", "csv": "csv"}
#: Written last into the output folder: what the set holds and when it was made.
MANIFEST = "outputs.json"


def write_outputs(result: StudyResult, out_dir: str | Path, *, lang: str | None = None,
                  map_bands: tuple[float, ...] | None = None,
                  kinds: tuple[str, ...] | None = None) -> dict[str, Path]:
    """Write the map, report, workbook, GeoPackage and CSVs of a study, all at once.

    The folder is checked first (:func:`planner.io.check_output_folder`) and
    locked while in use (:class:`planner.io.OutputLock`: a second run into the
    same folder fails at once, naming the lock).  Everything is written into a
    hidden folder inside ``out_dir`` and moved into place only when all of it
    is written, the manifest ``outputs.json`` last
    (:func:`planner.io.staged_outputs`): an error or Ctrl-C leaves the
    previous outputs as they were, never a mixture of two runs.

    Parameters
    ----------
    result
        What :func:`run_study` returned.
    out_dir
        Folder to write into (created).
    lang
        ``"zh"`` (default from the config) or ``"en"``.
    map_bands
        Isochrone bands drawn on the map, minutes (e.g. ``(5, 10, 15)``); None: none.
    kinds
        Which of :data:`OUTPUT_FILES` to write (default: all); a multi-county study's
        ``[execution] county_outputs``.  The manifest lists what was written.

    Returns
    -------
    dict
        Output kind (``map``, ``report``, ``workbook``, ``geopackage``, ``csv``) -> path, the kinds written.

    Raises
    ------
    planner.errors.OutputError
        The folder cannot be written (a file in the way, no permission, disk
        full, name too long) or another run holds it; the message names the
        path and the fix.
    """
    import json

    from planner.errors import OutputError, PlannerError
    from planner.io import OutputLock, check_output_folder, os_error_message, staged_outputs
    from planner.reporting import write_csvs, write_geopackage, write_map, write_report_html, write_workbook

    lang = lang or result.config.lang
    out = check_output_folder(out_dir)
    writers = {
        "map": lambda p: write_map(result, p, lang=lang, bands=map_bands),
        "report": lambda p: write_report_html(result, p, lang=lang),
        "workbook": lambda p: write_workbook(result, p, lang=lang),
        "geopackage": lambda p: write_geopackage(result, p, lang=lang),
        "csv": lambda p: write_csvs(result, p, lang=lang),
    }
    unknown = sorted(set(kinds or ()) - set(writers))
    if unknown:
        raise ValueError(f"unknown output kind {unknown[0]!r}; kinds are {', '.join(writers)}")
    writers = {k: w for k, w in writers.items() if kinds is None or k in kinds}
    with OutputLock(out), staged_outputs(out) as stage:
        try:
            for kind, write in writers.items():
                write(stage / OUTPUT_FILES[kind])
            manifest = {"study": result.config.name, "lang": lang, "synthetic": result.synthetic,
                        "written": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                        "files": sorted(OUTPUT_FILES[k] for k in writers)}
            (stage / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        except OSError as exc:
            if isinstance(exc, PlannerError):
                raise
            if exc.filename and str(exc.filename).startswith(str(stage)):  # name the file, not the staging copy
                exc.filename = str(out) + str(exc.filename)[len(str(stage)):]
            raise OutputError(os_error_message(exc, out)) from exc
    logger.info("outputs written to %s", out)
    return {kind: out / OUTPUT_FILES[kind] for kind in writers}
