"""Facilities from an OpenStreetMap file (``[inputs.facilities]`` an .osm.pbf, or ``source = "osm"``).

The file's elderly-care objects are chosen and typed by the documented rule
of :func:`planner.io.elderly_care_facilities_from_osm_file`; the result is
handed to the ordinary facility checks as a vector layer (columns ``id``
= ``way/986527128``, ``name``, ``type``, point geometry in WGS84), so ids,
tiers, the study-area check and the admin lookup work as for any facility
file.  The candidates the rule leaves out are logged with their reasons.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyproj

from planner.codes import DataProblem
from planner.config import InputSpec, StudyConfig
from planner.data.reading import LayerLog, filter_rows
from planner.errors import DataError
from planner.io import RawLayer, elderly_care_facilities_from_osm_file

__all__ = ["is_osm_file", "osm_facility_spec", "read_osm_facilities"]

logger = logging.getLogger(__name__)

_OSM_SUFFIXES = (".osm.pbf", ".pbf", ".osm.bz2", ".osm.gz", ".osm")


def is_osm_file(path: Path | None) -> bool:
    """True for an OpenStreetMap file name (.osm, .osm.bz2, .osm.gz, .osm.pbf, .pbf)."""
    return path is not None and Path(path).name.lower().endswith(_OSM_SUFFIXES)


def osm_facility_spec(spec: InputSpec, config: StudyConfig) -> InputSpec:
    """``spec`` with ``source = "osm"`` resolved to the roads file; a :class:`ConfigError` when there is none.

    Parameters
    ----------
    spec
        The facilities' input spec.
    config
        The study configuration (``inputs.roads.path``).

    Returns
    -------
    InputSpec
    """
    from planner.errors import ConfigError

    if spec.source != "osm":
        return spec
    roads = config.inputs.roads.path
    if not is_osm_file(roads):
        raise ConfigError(
            "[inputs.facilities] source = \"osm\" reads the facilities from the [inputs] roads OpenStreetMap "
            f"file, but roads is {str(roads) if roads else 'not set'}. Fix: set [inputs] roads to an .osm.pbf "
            "file, or give the facilities file as [inputs.facilities] path."
        )
    return dataclasses.replace(spec, path=roads)


def read_osm_facilities(spec: InputSpec, layer: LayerLog, config: StudyConfig) -> RawLayer | None:
    """The elderly-care facilities of an OSM file as a vector :class:`RawLayer` (``None`` when unreadable).

    Parameters
    ----------
    spec
        Its ``path`` is the OSM file; ``filter`` applies to the columns ``id``, ``name``, ``type``,
        ``amenity``, ``social_facility``, ``rule``.
    layer
        The facilities' log.
    config
        Its tiers' words give each facility its ``type``.

    Returns
    -------
    RawLayer or None
    """
    if not Path(spec.path).exists():
        layer.layer(None, None, DataProblem.FILE_NOT_FOUND, f"facilities 文件不存在：{spec.path}",
                    "检查配置 [inputs.facilities] 的 path（或 source = \"osm\" 时的 [inputs] roads）",
                    f"facilities file not found: {spec.path}",
                    "check path in [inputs.facilities] (or [inputs] roads with source = \"osm\")")
        layer.summary(0, None, None)
        return None
    try:
        found = elderly_care_facilities_from_osm_file(spec.path, config=config)
    except (DataError, OSError) as exc:
        layer.layer(None, None, DataProblem.READ_FAILED, f"无法读取 OpenStreetMap 文件：{exc}",
                    "检查文件是否完整（重新下载或导出 .osm.pbf）",
                    f"cannot read the OpenStreetMap file: {exc}", "check the file (download or export it again)")
        layer.summary(0, None, None)
        return None
    excluded = {**found.attrs.get("excluded", {}), **found.attrs.get("dropped", {})}
    if excluded:  # counted in the layer's summary as read and left out, never silently dropped
        logger.info("%s: OSM objects left out by the elderly-care rule: %s", spec.path, excluded)
        layer.left_out[DataProblem.OSM_NOT_ELDERLY_CARE] += int(sum(excluded.values()))
    frame = gpd.GeoDataFrame({
        "id": [str(i) for i in found.index], "name": found["name"].astype(str).to_numpy(),
        "type": found["type"].astype(str).to_numpy(),
        "amenity": found["amenity"].to_numpy(), "social_facility": found["social_facility"].to_numpy(),
        "rule": found["rule"].astype(str).to_numpy(),
    }, geometry=found.geometry.to_numpy(), crs="EPSG:4326")
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="row")
    raw = RawLayer(frame=frame, path=Path(spec.path), format="vector", crs=pyproj.CRS("EPSG:4326"))
    return filter_rows(raw, spec, layer)
