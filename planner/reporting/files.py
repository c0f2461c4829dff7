"""A study's layers as files: one GeoPackage and a folder of CSVs.

The layers come from the results themselves (``coverage.layers()``, each
siting result's ``layers()``) plus the administrative boundaries; the files
are written by the one serialiser, :mod:`planner.io.export`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from planner.io.export import write_csvs as _write_csv_layers
from planner.io.export import write_geopackage as _write_gpkg_layers

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


def study_layers(result: StudyResult) -> dict[str, pd.DataFrame]:
    """Every layer of a study by name: the coverage layers, the boundaries and the proposed sites."""
    return {**result.coverage.layers(), **boundary_layers(result), **site_layers(result), **access_layers(result)}


def write_geopackage(result: StudyResult, path: str | Path) -> Path:
    """Write every layer of a study (see :func:`study_layers`) to one GeoPackage.

    Parameters
    ----------
    result : StudyResult
    path : str or Path
        The GeoPackage; replaced when it exists.

    Returns
    -------
    Path
    """
    return _write_gpkg_layers(study_layers(result), path)


def write_csvs(result: StudyResult, folder: str | Path, *, lang: str = "zh") -> Path:
    """Write the coverage tables and the proposed sites as CSVs (UTF-8 with BOM) into ``folder``.

    Parameters
    ----------
    result : StudyResult
    folder : str or Path
        Created when missing.
    lang : {"zh", "en"}
        Accepted for symmetry with the other writers; the CSV columns keep their codes.

    Returns
    -------
    Path
        The folder.
    """
    folder = Path(folder)
    _write_csv_layers({**result.coverage.layers(), **site_layers(result), **access_layers(result)}, folder)
    return folder
