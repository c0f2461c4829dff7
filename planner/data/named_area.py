"""A study that names its area (``[execution] area = "佳木斯市"`` / ``"黑龙江省"``) instead of giving a county file.

The county layer comes from the packaged reference data (:mod:`planner.reference`):
one row per county-level unit of the named province or city (or the one named
county), indexed by the county's name, with its ``city``, ``province`` and
6-digit ``code``.  Two units of the area sharing a name (向阳区 in 鹤岗市 and in
佳木斯市) are written with their city in front (``佳木斯市向阳区``); settlements
whose ``county`` column says only ``向阳区`` are then placed by location.

The county totals of people aged 60+ are the 7th national census (2020) county
tables of the same data (:func:`planner.reference.census_older`): for every
county of the layer its ``pop60plus`` is the county total that the
``proportional`` rule shares out among the settlements without a count
(source ``CENSUS_TOTAL``), and its residents are the census residents used to
judge what share of the county a study covers.  A ``population.census_csv``
row and a ``population.county_older_totals`` entry for the same county take
precedence over the packaged census, in that order.

The name is checked when the study is loaded (the configuration layer does not
see the packaged data): an unknown name raises :class:`~planner.errors.ConfigError`
naming ``execution.area`` and the closest names.
"""

from __future__ import annotations

import difflib
import logging
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from planner.config import StudyConfig
from planner.errors import ConfigError, DataError, InputError

__all__ = ["NamedArea", "resolve_area", "named_counties", "named_census_totals", "AREA_SOURCE"]

logger = logging.getLogger(__name__)

#: What the county layer of a named area is said to come from (the layer summary's file).
AREA_SOURCE = "planner/reference (packaged boundaries)"


@dataclass(frozen=True)
class NamedArea:
    """The county-level units a name means.

    Attributes
    ----------
    name
        The name as matched (``"佳木斯市"``, ``"黑龙江省"``, ``"桦南县"``).
    level
        ``"province"``, ``"city"`` or ``"county"``.
    units
        ``code``, ``province``, ``city``, ``county``, ``slug`` of each unit, sorted by code.
    """

    name: str
    level: str
    units: pd.DataFrame


def _where(config: StudyConfig) -> str:
    return str(config.source) if config.source is not None else "<config>"


def _matches(names: pd.Series, key: str, suffixes: str) -> list[str]:
    """Distinct names equal to ``key``, or to ``key`` plus one of ``suffixes`` (``黑龙江`` -> ``黑龙江省``)."""
    found = [n for n in dict.fromkeys(names) if n == key or (n[-1:] in suffixes and n[:-1] == key)]
    return found


def resolve_area(area: str, *, where: str = "<config>") -> NamedArea:
    """The county-level units of a province, city or county named in the packaged reference data.

    Parameters
    ----------
    area
        ``"黑龙江省"`` (or ``"黑龙江"``), a city (``"佳木斯市"`` / ``"佳木斯"``), a county (``"桦南县"``) or a
        city and county (``"佳木斯市向阳区"``, for a name two cities share).
    where
        The config file, for the message.

    Returns
    -------
    NamedArea

    Raises
    ------
    ConfigError
        No province, city or county of that name (the closest names are suggested), or a county
        name two cities share.
    """
    from planner.reference import list_counties, provinces

    table = list_counties()
    key = str(area).strip()
    both = table["city"] + table["county"]
    for level, column, suffixes in (("province", table["province"], "省"), ("city", table["city"], "市地州盟"),
                                    ("county", table["county"], ""), ("county", both, "")):
        hits = _matches(column, key, suffixes)
        if not hits:
            continue
        rows = table[column == hits[0]]
        if level == "county" and len(rows) > 1:
            options = "、".join(rows["city"] + rows["county"])
            raise ConfigError(f"{where}: execution.area = {key!r} names {len(rows)} counties ({options}). "
                              f"Fix: write the city in front, e.g. area = \"{options.split('、')[0]}\"")
        return NamedArea(name=hits[0], level=level, units=rows.reset_index(drop=True))
    names = list(dict.fromkeys([*table["province"], *table["city"], *table["county"]]))
    close = difflib.get_close_matches(key, names, n=5, cutoff=0.3)
    hint = f"; did you mean {', '.join(map(repr, close))}?" if close else "."
    raise ConfigError(f"{where}: execution.area = {key!r} is no province, city or county of the packaged reference "
                      f"data ({', '.join(provinces())}){hint} Fix: write an official name, e.g. "
                      f"area = \"{table['city'].iloc[0]}\", or give the county file in [inputs] boundaries_county")


def _layer_names(units: pd.DataFrame) -> pd.Series:
    """The county layer's names: the county's, or city + county where two units share it."""
    shared = units["county"].duplicated(keep=False)
    return units["county"].where(~shared, units["city"] + units["county"])


def named_counties(config: StudyConfig) -> gpd.GeoDataFrame:
    """The county layer of ``execution.area`` (module docstring), indexed by county name.

    Parameters
    ----------
    config
        A study with ``execution.area`` set.

    Returns
    -------
    geopandas.GeoDataFrame
        Index ``county``; columns ``city``, ``province``, ``code``, geometry (EPSG:4326).

    Raises
    ------
    ConfigError
        ``execution.area`` names nothing packaged (:func:`resolve_area`).
    """
    from planner.reference import county_boundary

    named = resolve_area(config.execution.area or "", where=_where(config))
    units = named.units
    parts = [county_boundary(code) for code in units["code"]]
    frame = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs="EPSG:4326")
    frame.index = pd.Index(_layer_names(units).to_numpy(), name="county").astype(str)
    logger.info("the study's %d counties are those of %s in the packaged reference data", len(frame), named.name)
    return frame[["city", "province", "code", "geometry"]]


def named_census_totals(counties: gpd.GeoDataFrame) -> tuple[dict[str, float], dict[str, float], list[str]]:
    """The 2020 census 60+ totals and residents of every county of a named area's layer.

    Parameters
    ----------
    counties
        :func:`named_counties` (index: layer name; ``code`` column).

    Returns
    -------
    older, residents : dict
        Layer name -> census residents aged 60+, and -> census residents.
    missing : list of str
        Counties without a census row (created after 2020): their totals must come from the config.
    """
    from planner.reference import census_older

    older: dict[str, float] = {}
    residents: dict[str, float] = {}
    missing: list[str] = []
    for name, code in zip(counties.index, counties["code"]):
        try:
            totals = census_older(str(code))
        except (DataError, InputError):
            missing.append(str(name))
            continue
        older[str(name)] = float(totals.pop60plus)
        residents[str(name)] = float(totals.population)
    return older, residents, missing
