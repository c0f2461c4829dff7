"""A study's layers as files: one GeoPackage and a folder of CSVs.

The layers come from the results themselves (``coverage.layers()``, each
siting result's ``layers()``) plus the administrative boundaries; the files
are written by the one serialiser, :mod:`planner.io.export`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from planner.i18n import check_lang
from planner.io.export import write_csvs as _write_csv_layers
from planner.reporting.scenario_tables import scenario_layers

if TYPE_CHECKING:
    import pandas as pd

    from planner.study import StudyResult

__all__ = ["write_geopackage", "write_csvs", "study_layers", "boundary_layers", "site_layers"]


def boundary_layers(result: StudyResult) -> dict[str, pd.DataFrame]:
    """The administrative boundaries of the study: ``counties`` and ``townships`` (when loaded)."""
    data = result.data
    return {name: frame for name, frame in (("counties", data.counties), ("townships", data.townships))
            if frame is not None}


def site_layers(result: StudyResult) -> dict[str, pd.DataFrame]:
    """The proposed sites of each siting run that proposed any, as ``proposed_sites_<tier>``."""
    layers: dict[str, pd.DataFrame] = {}
    for key, site in result.siting.items():
        if len(site.sites):
            layers[f"proposed_sites_{key}"] = site.sites
    return layers


def access_layers(result: StudyResult) -> dict[str, pd.DataFrame]:
    """The accessibility tables (``access_*``) when accessibility was measured."""
    access = getattr(result, "access", None)
    return access.layers() if access is not None else {}


def study_layers(result: StudyResult, *, lang: str = "zh") -> dict[str, pd.DataFrame]:
    """Every layer of a study by name: the coverage layers, the boundaries, the proposed sites, the
    township coverage polygons and the allocation lines (:func:`planner.reporting.gpkg.gis_layers`)."""
    from planner.reporting.gpkg import gis_layers

    return {**base_layers(result), **gis_layers(result, lang=lang)[0]}


def base_layers(result: StudyResult) -> dict[str, pd.DataFrame]:
    """The study's own layers: coverage, boundaries, proposed sites and scenario tables (no GIS extras)."""
    return {**result.coverage.layers(), **boundary_layers(result), **site_layers(result), **access_layers(result),
            **scenario_layers(result)}


def write_geopackage(result: StudyResult, path: str | Path, *, lang: str | None = None,
                     crs: str | None = None) -> Path:
    """Write every layer of a study (see :func:`study_layers`) to one GeoPackage, styled for QGIS.

    Parameters
    ----------
    result : StudyResult
    path : str or Path
        The GeoPackage; replaced when it exists.
    lang : {"zh", "en"}, optional
        Language of the layer descriptions, field aliases and legends (default: the config's).
    crs : {"wgs84", "cgcs2000"}, optional
        CRS of the layers (default: the config's ``[output] crs``).

    Returns
    -------
    Path

    See Also
    --------
    planner.reporting.gpkg.write_study_geopackage
    """
    from planner.reporting.gpkg import write_study_geopackage

    return write_study_geopackage(result, path, lang=lang, crs=crs)


def write_csvs(result: StudyResult, folder: str | Path, *, lang: str = "zh") -> Path:
    """Write the coverage tables and the proposed sites as CSVs (UTF-8 with BOM) into ``folder``.

    One file per layer, named by the layer (``settlements.csv``); the headers and the coded
    values are in ``lang`` as in the workbook (:func:`planner.reporting.labels.readable_table`,
    both languages' text columns kept), points as longitude/latitude, other shapes as centroid
    and size; formula-like text is quoted (:mod:`planner.io.spreadsheet`).

    Parameters
    ----------
    result : StudyResult
    folder : str or Path
        Created when missing.
    lang : {"zh", "en"}
        Language of the headers and the values in words (Chinese by default).

    Returns
    -------
    Path
        The folder.
    """
    from planner.reporting.labels import readable_table

    check_lang(lang)
    folder = Path(folder)
    layers = {n: f for n, f in base_layers(result).items() if n not in boundary_layers(result)}
    _write_csv_layers({name: readable_table(frame, lang, drop_other_lang=False)
                       for name, frame in layers.items() if frame is not None}, folder)
    return folder
