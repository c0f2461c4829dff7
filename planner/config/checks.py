"""Range checks of every configuration value, run when a configuration is loaded.

A value of the right type can still be unusable: a township centre of
capacity 0 (loads as "inf %"), a threshold of 0 minutes, a negative snapping
distance, a share of 80 meaning 80 %.  Each field of the dataclasses in
:mod:`planner.config.model` has one rule here; a value outside it raises a
:class:`~planner.errors.ConfigError` naming the file, the dotted TOML key
(``tiers.township.minutes``), the value, the allowed range and the fix.

:func:`check_values` checks the keys a TOML table sets (before the dataclass
is built, so its own checks never speak first); :func:`check_config` checks
every value of a finished :class:`~planner.config.model.StudyConfig`.
A field without a rule (paths, booleans, names of layers) is checked by its
type alone, in :mod:`planner.config.loading`.
"""

from __future__ import annotations

import codecs
import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from planner.config.access import ACCESS_METHODS, SUPPLY_COLUMNS, AccessConfig, Numbers
from planner.config.execution import SPLIT_MODES, ExecutionConfig, check_execution
from planner.config.model import (
    InputSpec,
    NetworkConfig,
    PolicyTargets,
    PopulationConfig,
    SitingConfig,
    StudyConfig,
    Tier,
    TravelProfile,
)
from planner.config.output import OUTPUT_CRS, OutputConfig
from planner.config.scenarios import Scenario, check_scenarios
from planner.errors import ConfigError

__all__ = ["Number", "Text", "Words", "RULES", "check_values", "check_config"]


def _num(v: float) -> str:
    return "inf" if math.isinf(v) else f"{v:g}"


def _shown(value: Any) -> str:
    """A value as the user wrote it in TOML (``0``, ``-5``, ``nan``, ``'x'``)."""
    if isinstance(value, float) and not isinstance(value, bool):
        return _num(value) if not math.isnan(value) else "nan"
    return repr(value)


@dataclass(frozen=True)
class Number:
    """A number in a range; ``low_open``/``high_open``: the bound itself is excluded.

    ``infinite`` allows ``inf`` (TOML ``inf``) at the open top of the range;
    NaN is never allowed; ``optional``: ``None`` (the key left out) is allowed.
    """

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    infinite: bool = False
    fix: str = ""
    optional: bool = False

    def allowed(self) -> str:
        """The allowed range in words."""
        parts = []
        if self.low is not None:
            parts.append(f"greater than {_num(self.low)}" if self.low_open else f"at least {_num(self.low)}")
        if self.high is not None:
            parts.append(f"less than {_num(self.high)}" if self.high_open else f"at most {_num(self.high)}")
        if self.high is None and not self.infinite:
            parts.append("finite")
        return " and ".join(parts) or "a number"

    def ok(self, value: Any) -> bool:
        """Whether ``value`` is in the range."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        v = float(value)
        if math.isnan(v) or (math.isinf(v) and not self.infinite):
            return False
        if self.low is not None and not (v > self.low if self.low_open else v >= self.low):
            return False
        return self.high is None or (v < self.high if self.high_open else v <= self.high)

    def check(self, value: Any, key: str, where: str) -> None:
        """Raise ConfigError when ``value`` (at dotted ``key`` of file ``where``) is out of range."""
        if value is None and self.optional:
            return
        if not self.ok(value):
            raise ConfigError(
                f"{where}: {key} = {_shown(value)} is out of range; allowed: {self.allowed()}. Fix: {self.fix}"
            )


@dataclass(frozen=True)
class Text:
    """A string: one of ``choices`` (when given), never blank unless ``blank_ok``; or a codec name."""

    choices: tuple[str, ...] = ()
    codec: bool = False
    fix: str = ""

    def check(self, value: Any, key: str, where: str) -> None:
        """Raise ConfigError when ``value`` is blank, not a choice or not a known codec."""
        if value is None:
            return
        if self.choices and value not in self.choices:
            raise ConfigError(
                f"{where}: {key} = {value!r} is not allowed; allowed: {', '.join(map(repr, self.choices))}. "
                f"Fix: {self.fix}"
            )
        if not str(value).strip():
            raise ConfigError(f"{where}: {key} is blank. Fix: {self.fix}")
        if self.codec and value != "auto":
            try:
                codecs.lookup(str(value))
            except LookupError:
                raise ConfigError(
                    f"{where}: {key} = {value!r} is not a text encoding Python knows; allowed: \"auto\" or a "
                    f"codec name. Fix: {self.fix}"
                ) from None


@dataclass(frozen=True)
class Words:
    """A list of non-blank strings (``nonempty``: at least one), or a table whose values follow ``each``."""

    nonempty: bool = False
    each: Number | None = None
    fix: str = ""

    def check(self, value: Any, key: str, where: str) -> None:
        """Raise ConfigError for an empty list (when required), a blank entry or an entry out of range."""
        if isinstance(value, Mapping):
            for k, v in value.items():
                if not str(k).strip():
                    raise ConfigError(f"{where}: {key} has a blank name. Fix: {self.fix}")
                if self.each is not None:
                    self.each.check(v, f"{key}.{k}", where)
                elif not str(v).strip():
                    raise ConfigError(f"{where}: {key}.{k} is blank. Fix: {self.fix}")
            return
        items = tuple(value)
        if self.nonempty and not items:
            raise ConfigError(f"{where}: {key} is empty; allowed: at least one entry. Fix: {self.fix}")
        for item in items:
            if not str(item).strip():
                raise ConfigError(f"{where}: {key} contains a blank entry {item!r}. Fix: {self.fix}")


_SPEED = Number(0.0, 200.0, low_open=True, fix="write the speed in km/h, e.g. 3.24 (older walker), 15 (e-bike), "
                                                 "30 (car); a value above 200 km/h is a typing error")
_SNAP = Number(0.0, low_open=True, infinite=True,
               fix="write the farthest distance in metres a point may be from a road, e.g. 300 (urban) or 1000 "
                   "(rural); inf links every point however far")
_MINUTES = Number(0.0, 1440.0, low_open=True,
                  fix="write the travel-time threshold in minutes, e.g. 15, 30 or 60 (more than a day is a typo)")
_SHARE = Number(0.0, 1.0, fix="write a share as a fraction between 0 and 1, e.g. 0.8 for 80 %")
_YEAR = Number(2000.0, 2100.0, fix="write a four-digit year, e.g. 2027")
_COUNT = Number(0.0, fix="write a non-negative number of people, e.g. 70488")
_WORDS = Words(fix="delete the blank entry or write a word")

#: The rule of each checked field, per dataclass (fields without a rule: checked by type only).
RULES: dict[type, dict[str, Any]] = {
    TravelProfile: {
        "mode": Text(("walk", "bike", "drive"), fix="use mode = \"walk\", \"bike\" or \"drive\""),
        "speed_kmh": _SPEED, "access_speed_kmh": _SPEED,
        "highway_speeds_kmh": Words(each=_SPEED, fix="name an OSM highway class, e.g. primary = 60"),
        "allowed_highways": Words(nonempty=True, fix="list the OSM highway classes the mode may use, e.g. "
                                                     "[\"primary\", \"secondary\", \"residential\", \"track\"]"),
        "max_snap_m_urban": _SNAP, "max_snap_m_rural": _SNAP,
        "speed_factor": Number(0.0, 10.0, low_open=True, fix="write a factor multiplying every road speed, "
                                                             "e.g. 1 (as given) or 0.7"),
    },
    Tier: {
        "name_zh": Text(fix="write a label, e.g. name_zh = \"乡镇/街道\""),
        "name_en": Text(fix="write a label, e.g. name_en = \"Township\""),
        "words": _WORDS, "extra_words": _WORDS,
        "profile": Text(fix="name a profile, e.g. \"walk\", \"ebike\" or \"drive\""),
        "rural_profile": Text(fix="name a profile, e.g. \"walk\", \"ebike\" or \"drive\""),
        "minutes": _MINUTES, "rural_minutes": _MINUTES,
    },
    InputSpec: {
        "crs": Text(fix="write wgs84, gcj02 (Amap/Tencent), bd09 (Baidu) or EPSG:<code>"),
        "layer": Text(fix="name the GeoPackage layer, or delete the key"),
        "sheet": Text(fix="name the Excel sheet, or delete the key"),
        "encoding": Text(codec=True, fix="use \"auto\", or a codec such as \"utf-8\", \"gb18030\" or \"big5\""),
        "columns": Words(fix="map a planner field to your column, e.g. { x = \"东经\" }"),
        "header_row": Number(1, 10_000, optional=True,
                             fix="write the row number of the header (1 = the first row), or delete the key"),
    },
    PopulationConfig: {
        "allocation": Text(("proportional", "none"), fix="use \"proportional\" or \"none\""),
        "county_older_totals": Words(each=_COUNT, fix="write { \"<county name>\" = <people aged 60+> }"),
        "township_older_totals": Words(each=_COUNT, fix="write { \"<township name>\" = <people aged 60+> }"),
    },
    NetworkConfig: {
        "source": Text(("auto", "file", "osmnx"), fix="use \"auto\", \"file\" or \"osmnx\""),
        "place": Text(fix="write a place name osmnx can find, or delete the key"),
        "buffer_m": Number(0.0, 100_000.0, fix="write the buffer around the study area in metres, e.g. 2000"),
    },
    PolicyTargets: {
        "milestone_year": _YEAR, "streets_full_coverage_year": _YEAR, "townships_full_coverage_year": _YEAR,
        "village_facility_share": _SHARE, "township_centre_share_2025": _SHARE,
        "county_public_institution_share": _SHARE, "community_daycare_share": _SHARE,
        "nursing_bed_share": _SHARE, "public_occupancy": _SHARE, "circle15_older_share": _SHARE,
        "min_occupancy_for_new_public": _SHARE,
        "township_centre_capacity": Number(0.0, low_open=True, fix="write the older people one township centre "
                                                                   "serves, e.g. 10000 (seed 001)"),
    },
    SitingConfig: {
        "max_new_sites": Number(0.0, 100_000.0, fix="write how many new sites at most, e.g. 20"),
        "time_limit_s": Number(0.0, low_open=True, infinite=True,
                               fix="write the solver's time limit in seconds, e.g. 60 (inf: no limit)"),
        "mip_gap": Number(0.0, 1.0, high_open=True, fix="write the accepted relative gap, e.g. 0 (optimal) "
                                                        "or 0.01 (1 %)"),
        "colocation_bonus": _SHARE,
        "colocation_distance_m": Number(0.0, 100_000.0, fix="write a distance in metres, e.g. 500"),
        "greedy_above": Number(0.0, fix="write a number of candidate sites, e.g. 3000"),
        "method": Text(("auto", "exact", "greedy"), fix="use method = \"auto\", \"exact\" or \"greedy\""),
    },
    StudyConfig: {
        "name": Text(fix="write the study's name, e.g. name = \"桦南县\""),
        "lang": Text(("zh", "en"), fix="use lang = \"zh\" or \"en\""),
        "central_townships": _WORDS,
    },
    Scenario: {
        "close": _WORDS, "add_sites": _WORDS,
        "minutes": Words(each=_MINUTES, fix="write { <tier> = <minutes> }, e.g. { community = 20 }"),
        "rural_minutes": Words(each=_MINUTES, fix="write { <tier> = <minutes> }, e.g. { township = 40 }"),
        "speed_factors": Words(each=Number(0.0, 10.0, low_open=True, fix="write a factor multiplying the "
                                                                          "profile's speeds, e.g. 0.8"),
                               fix="write { <profile> = <factor> }, e.g. { walk = 0.8 }"),
    },
    OutputConfig: {
        "crs": Text(tuple(OUTPUT_CRS), fix="use crs = \"wgs84\" (EPSG:4326, the default) or \"cgcs2000\" (EPSG:4490)"),
    },
    AccessConfig: {
        "method": Text(tuple(ACCESS_METHODS), fix="use method = \"2sfca\", \"e2sfca\" or \"gaussian\""),
        "supply": Text(tuple(SUPPLY_COLUMNS), fix="use supply = \"beds\", \"nursing_beds\" or \"capacity\""),
        "catchment_minutes": Words(each=_MINUTES, fix="write { <tier> = <minutes> }, e.g. { county = 60 }"),
        "decay_steps": Numbers(0.0, 1.0, low_open=True, fix="write the upper end of each zone as a fraction of "
                                                            "the catchment, e.g. [0.3333333, 0.6666667, 1.0]"),
        "decay_weights": Numbers(0.0, fix="write one weight per zone, e.g. [1.0, 0.68, 0.22]"),
        "gaussian_bandwidth": Number(0.0, 100.0, low_open=True,
                                     fix="write the kernel width as a multiple of the catchment, e.g. 1.0"),
        "threshold_per_1000": Words(each=Number(0.0, fix="write places per 1,000 older people, e.g. 32"),
                                    fix="write { <tier> = <places per 1,000 older people> }"),
        "relative_threshold": Number(0.0, 1.0, low_open=True, fix="write a share of the mean, e.g. 0.5"),
    },
    ExecutionConfig: {
        "split": Text(SPLIT_MODES, fix="use split = \"auto\", \"counties\" or \"none\""),
        "counties": _WORDS, "cross_border": _WORDS,
        "scheduler": Text(fix="write scheduler = \"tcp://<host>:8786\", or delete the key"),
        "n_workers": Number(0.0, 1024.0, fix="write the number of local workers, e.g. 2 (0: one per core)"),
        "memory_limit_gb": Number(0.0, 65536.0, fix="write each worker's memory limit in GB, e.g. 4 (0: automatic)"),
        "retries": Number(0.0, 10.0, fix="write how many times a failed county is run again, e.g. 1"),
        "area": Text(fix="write a province, city or county name, e.g. area = \"佳木斯市\", or delete the key"),
    },
}
RULES[NetworkConfig].update({
    "timeout_s": Number(0.0, 3600.0, low_open=True, fix="write the seconds one request may wait, e.g. 180"),
    "retries": Number(0.0, 10.0, fix="write how many times a failed request is tried again, e.g. 2"),
    "max_download_km2": Number(0.0, low_open=True, infinite=True,
                               fix="write the largest area to download in km², e.g. 20000 (one county)"),
    "overpass_url": Text(fix="write an Overpass API URL, e.g. \"https://overpass-api.de/api\", or delete the key"),
    "nominatim_url": Text(fix="write a Nominatim URL, e.g. \"https://nominatim.openstreetmap.org/\", or delete it"),
})
RULES[InputSpec]["source"] = Text(("file", "osm"), fix="use source = \"file\" (path), or \"osm\" for facilities "
                                                       "from the [inputs] roads OpenStreetMap file")
RULES[InputSpec]["filter"] = Words(fix="write { <column> = \"<value>\" }, e.g. { level = \"区县\" }")


def check_values(cls: type, values: Mapping[str, Any], section: str, where: str) -> None:
    """Check the values a table sets for the fields of ``cls``.

    Parameters
    ----------
    cls
        The dataclass of the table (:class:`~planner.config.model.Tier`...).
    values
        Field name -> value (already of the field's type).
    section
        Dotted key of the table (``tiers.township``; ``""`` for the top level).
    where
        The config file, for the message.

    Raises
    ------
    ConfigError
        Naming ``section.key``, the value, the allowed range and the fix.
    """
    rules = RULES.get(cls, {})
    for key, value in values.items():
        if key in rules:
            rules[key].check(value, f"{section}.{key}" if section else key, where)


def _fields(obj: Any) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}


def check_config(config: StudyConfig, where: str = "<config>") -> None:
    """Check every value of a configuration (see :data:`RULES`).

    Parameters
    ----------
    config
        The configuration.
    where
        The config file, for the message.

    Raises
    ------
    ConfigError
        At the first value out of range, naming its dotted key.
    """
    check_values(StudyConfig, _fields(config), "", where)
    for name, prof in config.profiles.items():
        check_values(TravelProfile, _fields(prof), f"profiles.{name}", where)
    for key, tier in config.tiers.items():
        check_values(Tier, _fields(tier), f"tiers.{key}", where)
    for f in dataclasses.fields(config.inputs):
        check_values(InputSpec, _fields(getattr(config.inputs, f.name)), f"inputs.{f.name}", where)
    for section in ("population", "network", "targets", "siting", "output", "access", "execution"):
        obj = getattr(config, section)
        check_values(type(obj), _fields(obj), section, where)
    for name, sc in config.scenarios.items():
        check_values(Scenario, _fields(sc), f"scenarios.{name}", where)
    check_scenarios(config, where)
    check_execution(config.execution, tuple(config.tiers), where, county_file=config.inputs.boundaries_county.path)
