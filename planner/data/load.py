"""The validated, canonical study data: :func:`load_study`.

:func:`load_study` reads every input layer named in the config, checks every
row, and returns a frozen :class:`StudyData` with the canonical layers of
``docs/architecture.md`` (facilities, settlements, townships, counties, all in
WGS84), the optional candidate sites and exclusion zones, plus a
:class:`~planner.data.validation.ValidationReport` that lists every problem once.

What happens to bad input
-------------------------
* A bad **row** (no or non-numeric coordinates, outside the study area,
  duplicate id, unknown facility type, unknown settlement kind, not a point)
  is excluded and counted in its layer's summary under the reason.
* A bad **value** that does not make the row useless (negative or
  non-numeric population or beds, unrecognised 公办 value) becomes unknown
  (NaN/NA) with a warning; swapped longitude/latitude are swapped back with a
  warning.
* A bad **layer** (file missing or unreadable, empty, required columns
  missing, no CRS and coordinates not in degrees) makes the study unusable:
  :class:`~planner.errors.DataError` is raised, carrying the full report
  (``exc.report``) and with ``report.format()`` as its message, so the user
  sees every problem at once rather than one per run.
* ``strict=True`` (or ``strict = true`` in the config) raises on any problem.

Coordinates in GCJ-02 (Amap/Gaode, Tencent) or BD-09 (Baidu) are converted
to WGS84 when the layer's ``crs`` says so (:mod:`planner.geo`).
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass

import geopandas as gpd
import pyproj
from shapely.geometry.base import BaseGeometry
from tqdm.auto import tqdm

from planner.codes import DataProblem
from planner.config import StudyConfig
from planner.data.areas import HULL_BUFFER_M, boundary_area, hull_area, load_areas, load_zones
from planner.data.county_share import county_area_shares, county_population_from_census, unverified_coverage
from planner.data.named_area import AREA_SOURCE, named_census_totals, named_counties
from planner.data.osm_facilities import osm_facility_spec
from planner.data.points import (
    FACILITY_COLUMNS,
    SETTLEMENT_COLUMNS,
    PointContext,
    empty_points,
    load_points,
)
from planner.data.population import (
    PopulationAllocation,
    allocate_older_population,
    county_older_totals_from_census,
)
from planner.data.reading import WGS84, LayerLog, display_path
from planner.data.validation import ProblemLog, ValidationReport
from planner.errors import DataError, InputFileNotFoundError
from planner.geo import utm_crs_for
from planner.i18n import check_lang, tr

__all__ = ["StudyData", "load_study"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StudyData:
    """The validated study layers (see ``docs/architecture.md``).

    Attributes
    ----------
    facilities, settlements
        Canonical point layers (WGS84), indexed by id.
    townships, counties
        Boundary layers indexed by name, or ``None`` when not given.
    study_area
        Union of the county (else township) boundaries, else the points'
        convex hull buffered by :data:`HULL_BUFFER_M`; WGS84.
    projected_crs
        UTM zone of the study area, for metric work.
    report
        Every problem found, and a summary per layer.
    config
        The configuration the data was loaded with.
    allocation
        The older-population allocation (records of what was estimated).
    candidates
        Candidate sites for new facilities (``inputs.candidates``), indexed by
        ``candidate_id``, columns ``name``, ``type`` (as written), ``township``,
        ``county``, ``geometry``; ``None`` when not configured.
    exclusion_zones
        Polygons where no facility may be sited (``inputs.exclusion_zones``):
        columns ``name``, ``kind``, ``geometry``, indexed by feature number; or ``None``.
    """

    facilities: gpd.GeoDataFrame
    settlements: gpd.GeoDataFrame
    townships: gpd.GeoDataFrame | None
    counties: gpd.GeoDataFrame | None
    study_area: BaseGeometry
    projected_crs: pyproj.CRS
    report: ValidationReport
    config: StudyConfig
    allocation: PopulationAllocation | None = None
    candidates: gpd.GeoDataFrame | None = None
    exclusion_zones: gpd.GeoDataFrame | None = None


# --------------------------------------------------------------------------- stages


def _load_boundaries(config: StudyConfig, log: ProblemLog, progress: tqdm,
                     place_area: BaseGeometry | None) -> PointContext:
    """Counties, then townships (their counties filled by location), and the area they cover.

    Without boundaries, ``place_area`` (the geocoded ``network.place``) is the study area, noted as a warning.
    """
    inputs = config.inputs
    if config.execution.area:  # a named city or province: the packaged boundaries (planner.data.named_area)
        counties = named_counties(config)
        LayerLog(log, AREA_SOURCE, "counties").summary(len(counties), None, "EPSG:4326")
    else:
        counties = load_areas(inputs.boundaries_county, "counties", config, log)
    progress.update()
    townships = load_areas(inputs.boundaries_township, "townships", config, log, counties=counties)
    progress.update()
    area = boundary_area(counties, townships)
    if area is None and place_area is not None:
        area = place_area
        place = config.network.place
        log.add("boundaries", None, "network.place", place, DataProblem.STUDY_AREA_FROM_PLACE,
                f"没有县或乡镇边界；研究区取为地名「{place}」在 OpenStreetMap 上的边界，"
                "区外的点被排除，乡镇名称无法按位置补全",
                "在配置 [inputs.boundaries_county] / [inputs.boundaries_township] 给出边界文件",
                severity="warning",
                message_en=f"no county or township boundaries; the study area is the OpenStreetMap boundary "
                           f"of {place!r}: points outside it are excluded, townships cannot be filled by location",
                fix_en="give boundary files in [inputs.boundaries_county] / [inputs.boundaries_township]")
    return PointContext(config=config, log=log, area=area, townships=townships, counties=counties)


def _load_facilities(ctx: PointContext) -> gpd.GeoDataFrame | None:
    """The facilities; no file configured counts as no facilities (a warning)."""
    spec = osm_facility_spec(ctx.config.inputs.facilities, ctx.config)  # source = "osm": the roads file
    if spec.path is None:
        ctx.log.add("facilities", None, None, None, DataProblem.NO_FACILITIES,
                    "配置中没有设施文件，按“现有设施为零”计算",
                    "在配置 [inputs.facilities] 写 path = \"设施文件\"", severity="warning",
                    message_en="no facilities file in the config; computing as if there were no facilities",
                    fix_en="set path in [inputs.facilities]")
        return empty_points(FACILITY_COLUMNS, "facility_id")
    return load_points(spec, "facilities", ctx)[0]


def _load_settlements(ctx: PointContext) -> tuple[gpd.GeoDataFrame | None, dict, dict]:
    """The settlements, id -> source row and field -> column; no file configured is an error."""
    spec = ctx.config.inputs.settlements
    if spec.path is None:
        ctx.log.add("settlements", None, None, None, DataProblem.FILE_NOT_FOUND, "配置中没有村/社区文件",
                    "在配置 [inputs.settlements] 写 path = \"村社区文件\"",
                    message_en="no settlements file in the config", fix_en="set path in [inputs.settlements]")
        return None, {}, {}
    return load_points(spec, "settlements", ctx)


def _load_candidates(ctx: PointContext) -> gpd.GeoDataFrame | None:
    """Candidate sites (name, type as written, township, county), or None when not configured."""
    spec = ctx.config.inputs.candidates
    if spec.path is None:
        return None
    candidates = load_points(spec, "candidates", ctx)[0]
    if candidates is None:
        return None
    return gpd.GeoDataFrame(candidates[["name", "type", "township", "county", "geometry"]],
                            geometry="geometry", crs=WGS84)


def _hull_study_area(points: list[gpd.GeoDataFrame | None], log: ProblemLog) -> BaseGeometry | None:
    """Without boundaries: the points' buffered convex hull, with a NO_STUDY_AREA warning."""
    area = hull_area(points)
    if area is not None:
        km = HULL_BUFFER_M / 1000
        log.add("boundaries", None, None, None, DataProblem.NO_STUDY_AREA,
                f"没有县或乡镇边界；研究区取为所有点的凸包外扩 {km:g} 公里，"
                "无法检查点是否在县界之外，也无法按位置补全乡镇名称",
                "在配置 [inputs.boundaries_county] / [inputs.boundaries_township] 给出边界文件",
                severity="warning",
                message_en=f"no county or township boundaries; the study area is the points' convex "
                           f"hull buffered by {km:g} km, so points outside the county cannot be detected",
                fix_en="give boundary files in [inputs.boundaries_county] / [inputs.boundaries_township]")
    return area


def _census_totals(config: StudyConfig, settlements: gpd.GeoDataFrame, log: ProblemLog,
                   counties: gpd.GeoDataFrame | None) -> tuple[dict | None, dict]:
    """County older totals and county residents from ``population.census_csv`` (None, {} when not used);
    with ``execution.area``, the packaged census of ``counties`` first, ``census_csv`` over it."""
    path = config.population.census_csv
    if config.execution.area and config.population.allocation == "proportional":
        older, residents, _ = named_census_totals(counties)  # the packaged 2020 census; census_csv overrides
        if path is not None:
            plain = config.replace(execution=dataclasses.replace(config.execution, area=None))
            more, more_residents = _census_totals(plain, settlements, log, None)
            older.update(more or {})
            residents.update(more_residents)
        return older, residents
    if path is None or config.population.allocation != "proportional":
        return None, {}
    shown = display_path(path, config)
    try:
        census, ambiguous = county_older_totals_from_census(path)
        residents = county_population_from_census(path)
    except (DataError, InputFileNotFoundError) as exc:
        log.add(shown, None, None, None, DataProblem.READ_FAILED,
                f"无法读取普查表：{exc}", "检查 population.census_csv 路径和列（区县、pop60plus）",
                message_en=f"cannot read the census table: {exc}",
                fix_en="check population.census_csv (columns 区县, pop60plus)")
        return None, {}
    for nm in sorted(set(settlements["county"]) & set(ambiguous)):
        log.add(shown, None, "区县", nm, DataProblem.DUPLICATE_ID,
                f"普查表中「{nm}」出现多次（不同地市同名），不能确定用哪一个",
                f"在配置 [population.county_older_totals] 写 \"{nm}\" = 老年人口数",
                severity="warning",
                message_en=f"'{nm}' occurs several times in the census table (same name in different cities)",
                fix_en=f"set \"{nm}\" in [population.county_older_totals]")
    return census, residents


def _allocate(config: StudyConfig, settlements: gpd.GeoDataFrame, rows: dict, columns: dict,
              log: ProblemLog, ctx: PointContext) -> PopulationAllocation:
    """Fill missing older population (:func:`allocate_older_population`), its problems into the log."""
    census, residents = _census_totals(config, settlements, log, ctx.counties)
    shares, file = county_area_shares(ctx.counties, ctx.townships), display_path(config.inputs.settlements.path, config)
    allocation = allocate_older_population(
        settlements, config.population, file=file, rows=rows, census_totals=census, columns=columns,
        area_shares=shares, county_population=residents,
    )
    log.extend(allocation.problems)
    known = set(ctx.counties.index.astype(str)) if ctx.counties is not None else set()
    log.extend(unverified_coverage(allocation.records, known_counties=known, area_shares=shares,
                                   county_population=residents, file=file,
                                   column=columns.get("older_population", "older_population")))
    return allocation


def _final_report(log: ProblemLog, strict: bool, lang: str, usable: bool) -> ValidationReport:
    """The frozen report; raises DataError when a layer is unusable or, if strict, on any problem."""
    report = log.report()
    if strict:
        report = report.strict()
    fatal = [p for p in report.errors if p.row is None]
    if fatal or (strict and report.problems) or not usable:
        raise DataError(report.format(lang), report=report)
    return report


def _canonical(frame: gpd.GeoDataFrame, columns: list[str]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(frame[columns], geometry="geometry", crs=WGS84)


# --------------------------------------------------------------------------- public


def load_study(config: StudyConfig, *, strict: bool | None = None, verbose: bool = False,
               place_area: BaseGeometry | None = None) -> StudyData:
    """Read, validate and standardise every input layer of a study.

    Parameters
    ----------
    config
        The study configuration (``config.inputs`` names the files).
    strict
        Raise on any problem, warnings included.  ``None``: ``config.strict``.
    verbose
        Show progress bars.
    place_area
        The study area when no boundary file is given: the geocoded
        ``network.place`` (:func:`planner.network.place_area`), WGS84.  Points
        outside it are excluded.  ``None``: the points' buffered convex hull.

    Returns
    -------
    StudyData

    Raises
    ------
    DataError
        When a layer is unusable (missing, unreadable, empty, required
        columns missing) or, with ``strict``, on any problem.  The message is
        the full report (``report.format(config.lang)``) and ``exc.report``
        holds the :class:`ValidationReport`.
    """
    strict = config.strict if strict is None else strict
    lang = check_lang(config.lang)
    log = ProblemLog()
    progress = tqdm(total=6, desc=tr(lang, "读取数据", "loading study"), unit="layer", disable=not verbose)
    ctx = _load_boundaries(config, log, progress, place_area)
    facilities = _load_facilities(ctx)
    progress.update()
    settlements, rows, settlement_columns = _load_settlements(ctx)
    progress.update()
    candidates = _load_candidates(ctx)
    zones = load_zones(config.inputs.exclusion_zones, config, log) if config.inputs.exclusion_zones.path else None
    progress.update()
    area = ctx.area if ctx.area is not None else _hull_study_area([facilities, settlements], log)
    allocation = None
    if settlements is not None and len(settlements):
        allocation = _allocate(config, settlements, rows, settlement_columns, log, ctx)
        settlements = allocation.settlements
    progress.update()
    progress.close()
    usable = settlements is not None and facilities is not None and area is not None
    report = _final_report(log, strict, lang, usable)

    facilities = _canonical(facilities, FACILITY_COLUMNS)
    settlements = _canonical(settlements, SETTLEMENT_COLUMNS)
    for c in ("older_estimated", "urban", "central"):
        settlements[c] = settlements[c].astype(bool)
    projected: pyproj.CRS = utm_crs_for(area)
    logger.info("loaded study %s: %d facilities, %d settlements, %d problems",
                config.name, len(facilities), len(settlements), len(report.problems))
    return StudyData(
        facilities=facilities, settlements=settlements, townships=ctx.townships, counties=ctx.counties,
        study_area=area, projected_crs=projected, report=report, config=config, allocation=allocation,
        candidates=candidates, exclusion_zones=zones,
    )
