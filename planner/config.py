"""Study configuration: one TOML file, loaded into frozen dataclasses.

A study is described by a TOML file (see ``README.md`` for every key).  Every
key has a default taken from the province's plans (``docs/policy.md``), so a
user who writes no file at all still gets a complete, documented
configuration::

    >>> from planner.config import load_config, default_config
    >>> cfg = default_config()
    >>> cfg.tiers["township"].minutes
    30.0

Unknown keys are rejected with the file, the key and the closest valid key,
the way geopandas' ``_config`` rejects unknown option names.

Defaults and their sources
--------------------------
* Older walker: 0.9 m/s (3.24 km/h).  Asher et al. (2012), *Age and Ageing*
  41(5):690-694, measured a mean walking speed of 0.9 m/s for men and 0.8 m/s
  for women aged 65+; China's residential planning standard GB 50180-2018
  takes the 15-minute life circle as 800-1,000 m of walking, i.e. 0.9-1.1 m/s.
  15 minutes at 0.9 m/s is 810 m.
* E-bike / electric tricycle: 15 km/h (the legal limit for e-bikes in
  GB 17761-2018 is 25 km/h; older riders and loaded tricycles go slower).
* Driving: speeds per road class from the design speeds of China's highway
  and urban-road standards (JTG B01-2014, CJJ 37-2012), lowered for village
  roads, used where OSM has no ``maxspeed``.
* Tier thresholds: community/village tier 15 minutes walking in urban areas
  (the 15-minute service circle, 15分钟养老服务圈) and, for villages, a facility
  in the village or within 10 minutes by e-bike (about 2.5 km: the next
  village); township tier 30 minutes, by e-bike for urban communities and by
  car for villages (a rural township centre's day care, respite beds and home
  visits reach villages by car: family cars, carers' and the centre's own
  vehicles; an older person's 30-minute e-bike ride, about 7 km, does not span
  a Heilongjiang township of 200-300 km2, so it would fail nearly every village
  for reasons no centre could fix); county tier 60 minutes by car.
* Township centre capacity: about 10,000 resident older people
  (服务覆盖1万人左右常住老年人口, seed 001 §二(二)).
"""

from __future__ import annotations

import dataclasses
import difflib
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planner.errors import ConfigError

__all__ = [
    "tier_for_type",
    "TravelProfile",
    "Tier",
    "InputSpec",
    "Inputs",
    "PopulationConfig",
    "NetworkConfig",
    "PolicyTargets",
    "SitingConfig",
    "StudyConfig",
    "TIER_KEYS",
    "default_config",
    "load_config",
    "config_from_dict",
]

#: The three tiers of the facility network, from the top down.
TIER_KEYS: tuple[str, ...] = ("county", "township", "community")

#: Older walker pace, m/s (see module docstring for the source).
OLDER_WALK_SPEED_MS = 0.9


@dataclass(frozen=True)
class TravelProfile:
    """How people move on the road network for one mode of travel.

    Parameters
    ----------
    name
        Key of the profile (``"walk"``, ``"drive"``, ``"ebike"`` or a user's own).
    mode
        ``"walk"``, ``"bike"`` or ``"drive"``.  Decides which roads are usable
        (``allowed_highways``) and whether one-way streets apply.
    speed_kmh
        Speed on every road for walk and bike; for drive the speed on road
        classes missing from ``highway_speeds_kmh``.
    highway_speeds_kmh
        Speed per OSM ``highway`` class, used where OSM has no ``maxspeed``
        (drive) or to slow bikes on tracks.  ``*_link`` classes take the speed
        of their main class.
    allowed_highways
        OSM ``highway`` values this mode may use.
    respect_oneway
        Honour ``oneway`` tags (drive: yes; walking: no).
    use_maxspeed
        Use the OSM ``maxspeed`` tag when present (drive only).
    access_speed_kmh
        Speed of the off-network leg from a point to the road (on foot).
    max_snap_m_urban, max_snap_m_rural
        Farthest a community (urban) or village (rural) point may be from a
        road before it is reported as ``NO_ROAD`` instead of being snapped.
    """

    name: str
    mode: str = "walk"
    speed_kmh: float = OLDER_WALK_SPEED_MS * 3.6
    highway_speeds_kmh: Mapping[str, float] = field(default_factory=dict)
    allowed_highways: tuple[str, ...] = ()
    respect_oneway: bool = False
    use_maxspeed: bool = False
    access_speed_kmh: float = OLDER_WALK_SPEED_MS * 3.6
    max_snap_m_urban: float = 300.0
    max_snap_m_rural: float = 1000.0

    def __post_init__(self) -> None:
        if self.mode not in ("walk", "bike", "drive"):
            raise ConfigError(
                f"profile {self.name!r}: mode must be 'walk', 'bike' or 'drive', not {self.mode!r}"
            )
        if not self.speed_kmh > 0 or not self.access_speed_kmh > 0:
            raise ConfigError(f"profile {self.name!r}: speeds must be positive")
        for hw, v in self.highway_speeds_kmh.items():
            if not v > 0:
                raise ConfigError(f"profile {self.name!r}: speed for {hw!r} must be positive, got {v}")

    def speed_for(self, highway: str) -> float:
        """Speed in km/h on a road of OSM class ``highway`` (without maxspeed)."""
        hw = highway.removesuffix("_link")
        return float(self.highway_speeds_kmh.get(highway, self.highway_speeds_kmh.get(hw, self.speed_kmh)))


_ROAD_CLASSES = (
    "motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link",
    "secondary", "secondary_link", "tertiary", "tertiary_link", "unclassified",
    "residential", "living_street", "service", "road", "track",
)
_FOOT_CLASSES = tuple(
    c for c in _ROAD_CLASSES if not c.startswith("motorway")
) + ("pedestrian", "footway", "path", "steps", "cycleway", "bridleway", "corridor")
_BIKE_CLASSES = tuple(c for c in _FOOT_CLASSES if c not in ("steps", "corridor"))

#: Chinese default driving speeds by road class (km/h) where ``maxspeed`` is missing.
DRIVE_SPEEDS_KMH: dict[str, float] = {
    "motorway": 100.0, "trunk": 80.0, "primary": 60.0, "secondary": 50.0,
    "tertiary": 40.0, "unclassified": 30.0, "residential": 25.0,
    "living_street": 15.0, "service": 15.0, "road": 30.0, "track": 15.0,
}


def _default_profiles() -> dict[str, TravelProfile]:
    walk_kmh = OLDER_WALK_SPEED_MS * 3.6
    return {
        "walk": TravelProfile(
            name="walk", mode="walk", speed_kmh=walk_kmh,
            allowed_highways=_FOOT_CLASSES, respect_oneway=False,
        ),
        "ebike": TravelProfile(
            name="ebike", mode="bike", speed_kmh=15.0,
            highway_speeds_kmh={"track": 10.0, "path": 10.0, "footway": 8.0, "pedestrian": 8.0},
            allowed_highways=_BIKE_CLASSES, respect_oneway=False,
            max_snap_m_urban=300.0, max_snap_m_rural=1000.0,
        ),
        "drive": TravelProfile(
            name="drive", mode="drive", speed_kmh=30.0,
            highway_speeds_kmh=dict(DRIVE_SPEEDS_KMH),
            allowed_highways=_ROAD_CLASSES, respect_oneway=True, use_maxspeed=True,
        ),
    }


@dataclass(frozen=True)
class Tier:
    """One tier of the facility network and how its coverage is measured.

    Parameters
    ----------
    key
        ``"county"``, ``"township"`` or ``"community"``.
    name_zh, name_en
        Labels shown to users.
    words
        Facility-type words that map a facility to this tier (matched as
        substrings of the facility's ``type``; the longest match wins).
    extra_words
        Words a user adds in the config; appended to ``words``.
    profile, minutes
        Travel profile and threshold for urban settlements (communities).
    rural_profile, rural_minutes
        Travel profile and threshold for villages.
    """

    key: str
    name_zh: str
    name_en: str
    words: tuple[str, ...] = ()
    extra_words: tuple[str, ...] = ()
    profile: str = "walk"
    minutes: float = 15.0
    rural_profile: str = "walk"
    rural_minutes: float = 15.0

    @property
    def all_words(self) -> tuple[str, ...]:
        """Built-in and user-added facility-type words."""
        return tuple(dict.fromkeys(self.words + self.extra_words))

    def profile_for(self, kind: str) -> tuple[str, float]:
        """``(profile name, minutes)`` for a settlement of ``kind`` (village / community)."""
        if kind == "village":
            return self.rural_profile, float(self.rural_minutes)
        return self.profile, float(self.minutes)


def _default_tiers() -> dict[str, Tier]:
    return {
        "county": Tier(
            key="county", name_zh="县级", name_en="County",
            words=("特困人员供养服务机构", "特困供养", "敬老院", "福利中心", "社会福利院", "福利院",
                   "养老院", "县级综合养老服务管理平台", "失能照护", "护理院", "养老机构"),
            profile="drive", minutes=60.0, rural_profile="drive", rural_minutes=60.0,
        ),
        "township": Tier(
            key="township", name_zh="乡镇/街道", name_en="Township / street",
            words=("区域养老服务中心", "区域性幸福养老服务中心", "区域性养老服务中心", "综合养老服务中心",
                   "街道综合养老服务机构", "综合养老服务机构", "乡镇养老服务中心", "街道养老服务中心"),
            profile="ebike", minutes=30.0, rural_profile="drive", rural_minutes=30.0,
        ),
        "community": Tier(
            key="community", name_zh="社区/村级", name_en="Community / village",
            words=("日间照料中心", "日间照料室", "日间照料", "养老服务驿站", "幸福养老服务驿站", "养老驿站",
                   "互助养老服务点", "互助养老点", "互助养老", "农村幸福院", "幸福院", "养老大院", "睦邻点",
                   "老年活动站"),
            profile="walk", minutes=15.0, rural_profile="ebike", rural_minutes=10.0,
        ),
    }


@dataclass(frozen=True)
class InputSpec:
    """One input layer.

    Parameters
    ----------
    path
        File path (absolute, or relative to the config file).  ``None``: no such layer.
    crs
        Coordinate system of the file's coordinates: ``"wgs84"``, ``"gcj02"``
        (Amap/Gaode, Tencent), ``"bd09"`` (Baidu) or ``"EPSG:<code>"``.
        For GeoJSON/GeoPackage/Shapefile the file's own CRS is used when it
        has one, unless this says gcj02/bd09 (which no file format records).
    layer, sheet
        GeoPackage layer / Excel sheet name.
    encoding
        ``"auto"`` (UTF-8, UTF-8 with BOM, then GB18030 are tried and the one
        used is reported) or an explicit codec.
    columns
        Map from the planner's field name (``id``, ``name``, ``type``, ``x``,
        ``y``, ``beds``...) to the file's column name, when the automatic
        recognition of common names (经度/纬度, lng/lat, lon/lat, x/y...) is not enough.
    """

    path: Path | None = None
    crs: str = "wgs84"
    layer: str | None = None
    sheet: str | None = None
    encoding: str = "auto"
    columns: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Inputs:
    """The study's input layers."""

    facilities: InputSpec = field(default_factory=InputSpec)
    settlements: InputSpec = field(default_factory=InputSpec)
    boundaries_county: InputSpec = field(default_factory=InputSpec)
    boundaries_township: InputSpec = field(default_factory=InputSpec)
    roads: InputSpec = field(default_factory=InputSpec)
    candidates: InputSpec = field(default_factory=InputSpec)
    exclusion_zones: InputSpec = field(default_factory=InputSpec)
    health_facilities: InputSpec = field(default_factory=InputSpec)


@dataclass(frozen=True)
class PopulationConfig:
    """How older population is filled in where it was not counted.

    Parameters
    ----------
    allocation
        ``"proportional"``: a county's (or township's) known older total,
        minus what its settlements report, is split among the settlements
        lacking a count in proportion to their total population.
        ``"none"``: missing values stay missing (and are reported).
    county_older_totals
        Known older (60+) totals per county name, e.g. from the 2020 census.
    township_older_totals
        Known older totals per township name (used before county totals).
    census_csv
        Optional census table with columns ``区县`` and ``pop60plus``
        (the format of the 7th census county tables); fills county totals.
    """

    allocation: str = "proportional"
    county_older_totals: Mapping[str, float] = field(default_factory=dict)
    township_older_totals: Mapping[str, float] = field(default_factory=dict)
    census_csv: Path | None = None

    def __post_init__(self) -> None:
        if self.allocation not in ("proportional", "none"):
            raise ConfigError(
                f"population.allocation must be 'proportional' or 'none', not {self.allocation!r}"
            )


@dataclass(frozen=True)
class NetworkConfig:
    """Where road networks come from.

    Parameters
    ----------
    source
        ``"file"`` (``inputs.roads``), ``"osmnx"`` (download through osmnx)
        or ``"auto"`` (file when given, else download).
    place
        Place name for osmnx downloads when no boundary is given.
    buffer_m
        Buffer around the study area when clipping or downloading.
    cache_dir
        Where downloaded and built graphs are cached (relative to the config file).
    """

    source: str = "auto"
    place: str | None = None
    buffer_m: float = 2000.0
    cache_dir: Path = Path("cache")

    def __post_init__(self) -> None:
        if self.source not in ("auto", "file", "osmnx"):
            raise ConfigError(f"network.source must be 'auto', 'file' or 'osmnx', not {self.source!r}")


@dataclass(frozen=True)
class PolicyTargets:
    """Targets from the province's and cities' plans (see ``docs/policy.md``)."""

    milestone_year: int = 2025
    village_facility_share: float = 0.80
    township_centre_share_2025: float = 0.60
    streets_full_coverage_year: int = 2027
    townships_full_coverage_year: int = 2029
    county_public_institution_share: float = 1.0
    community_daycare_share: float = 0.90
    nursing_bed_share: float = 0.55
    public_occupancy: float = 0.65
    circle15_older_share: float = 1.0
    township_centre_capacity: float = 10000.0
    min_occupancy_for_new_public: float = 0.50


@dataclass(frozen=True)
class SitingConfig:
    """Location-allocation settings (``planner site``)."""

    max_new_sites: int = 20
    time_limit_s: float = 60.0
    mip_gap: float = 0.0
    colocation_bonus: float = 0.1
    colocation_distance_m: float = 500.0
    greedy_above: int = 3000


@dataclass(frozen=True)
class StudyConfig:
    """Everything that defines a study.

    Build with :func:`load_config` (from TOML) or :func:`default_config`.
    """

    name: str = "study"
    synthetic: bool = False
    lang: str = "zh"
    output_dir: Path = Path("outputs")
    central_townships: tuple[str, ...] = ()
    strict: bool = False
    inputs: Inputs = field(default_factory=Inputs)
    profiles: Mapping[str, TravelProfile] = field(default_factory=_default_profiles)
    tiers: Mapping[str, Tier] = field(default_factory=_default_tiers)
    population: PopulationConfig = field(default_factory=PopulationConfig)
    network: NetworkConfig = field(default_factory=NetworkConfig)
    targets: PolicyTargets = field(default_factory=PolicyTargets)
    siting: SitingConfig = field(default_factory=SitingConfig)
    source: Path | None = None

    def __post_init__(self) -> None:
        if self.lang not in ("zh", "en"):
            raise ConfigError(f"lang must be 'zh' or 'en', not {self.lang!r}")
        unknown_tiers = set(self.tiers) - set(TIER_KEYS)
        if unknown_tiers:
            raise ConfigError(
                f"unknown tier {sorted(unknown_tiers)[0]!r}; tiers are {', '.join(TIER_KEYS)}"
            )
        for tier in self.tiers.values():
            for prof in (tier.profile, tier.rural_profile):
                if prof not in self.profiles:
                    raise ConfigError(
                        f"tier {tier.key!r} uses profile {prof!r}, which is not defined; "
                        f"profiles are {', '.join(self.profiles)}"
                    )

    def replace(self, **changes: Any) -> StudyConfig:
        """A copy with some fields changed (the config itself is immutable)."""
        return dataclasses.replace(self, **changes)


def default_config() -> StudyConfig:
    """The configuration a user gets without writing a file."""
    return StudyConfig()


# --------------------------------------------------------------------------- TOML loading


def load_config(path: str | Path) -> StudyConfig:
    """Load a study configuration from a TOML file.

    Parameters
    ----------
    path
        The TOML file.  Relative paths inside it are relative to its folder.

    Returns
    -------
    StudyConfig

    Raises
    ------
    ConfigError
        On TOML syntax errors, unknown keys (naming the closest valid key),
        or values of the wrong type.
    """
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"{path}: config file not found")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: config files must be UTF-8 encoded; re-save it as UTF-8") from None
    return config_from_dict(data, base_dir=path.parent, source=path)


def config_from_dict(
    data: Mapping[str, Any], *, base_dir: str | Path = ".", source: Path | None = None
) -> StudyConfig:
    """Build a :class:`StudyConfig` from a parsed TOML mapping (see :func:`load_config`)."""
    where = str(source) if source is not None else "<config>"
    base = Path(base_dir)
    defaults = default_config()
    data = dict(data)

    profiles = dict(defaults.profiles)
    for name, raw in _as_table(data.pop("profiles", {}), "profiles", where).items():
        raw = _as_table(raw, f"profiles.{name}", where)
        base_prof = profiles.get(name, TravelProfile(name=name))
        profiles[name] = _build(TravelProfile, raw, f"profiles.{name}", where, base_prof, base, name=name)

    tiers = dict(defaults.tiers)
    for key, raw in _as_table(data.pop("tiers", {}), "tiers", where).items():
        if key not in TIER_KEYS:
            raise ConfigError(_unknown(where, "tiers", key, TIER_KEYS))
        raw = _as_table(raw, f"tiers.{key}", where)
        tiers[key] = _build(Tier, raw, f"tiers.{key}", where, tiers[key], base, key=key)

    kwargs: dict[str, Any] = {"profiles": profiles, "tiers": tiers, "source": source}
    nested = {
        "inputs": Inputs, "population": PopulationConfig, "network": NetworkConfig,
        "targets": PolicyTargets, "siting": SitingConfig,
    }
    valid_top = [f.name for f in dataclasses.fields(StudyConfig) if f.name != "source"]
    for key, value in data.items():
        if key not in valid_top:
            raise ConfigError(_unknown(where, "", key, valid_top))
        if key == "inputs":
            table = _as_table(value, "inputs", where)
            specs = {}
            for name, spec in table.items():
                if name not in [f.name for f in dataclasses.fields(Inputs)]:
                    raise ConfigError(_unknown(where, "inputs", name, [f.name for f in dataclasses.fields(Inputs)]))
                if isinstance(spec, str):
                    spec = {"path": spec}
                spec = _as_table(spec, f"inputs.{name}", where)
                specs[name] = _build(InputSpec, spec, f"inputs.{name}", where, InputSpec(), base)
            kwargs["inputs"] = Inputs(**specs)
        elif key in nested:
            cls = nested[key]
            kwargs[key] = _build(cls, _as_table(value, key, where), key, where, cls(), base)
        else:
            kwargs[key] = _coerce(StudyConfig, key, value, where, key, base)
    try:
        return StudyConfig(**kwargs)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _as_table(value: Any, key: str, where: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: [{key}] must be a table, got {type(value).__name__} {value!r}")
    return dict(value)


def _unknown(where: str, section: str, key: str, valid: typing.Iterable[str]) -> str:
    valid = list(valid)
    close = difflib.get_close_matches(key, valid, n=1, cutoff=0.5)
    full = f"{section}.{key}" if section else key
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"{where}: unknown key {full!r}{hint} Valid keys here: {', '.join(valid)}"


def _build(cls: type, raw: dict[str, Any], section: str, where: str, base_obj: Any, base_dir: Path, **fixed: Any) -> Any:
    names = [f.name for f in dataclasses.fields(cls)]
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in names or key in fixed:
            raise ConfigError(_unknown(where, section, key, [n for n in names if n not in fixed]))
        values[key] = _coerce(cls, key, value, where, f"{section}.{key}", base_dir)
    values.update(fixed)
    try:
        return dataclasses.replace(base_obj, **values)
    except ConfigError as exc:
        raise ConfigError(f"{where}: [{section}] {exc}") from None
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: [{section}] {exc}") from None


def _coerce(cls: type, key: str, value: Any, where: str, full: str, base_dir: Path) -> Any:
    hints = typing.get_type_hints(cls)
    hint = hints[key]
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    allow_none = origin in (typing.Union, types.UnionType) and type(None) in args
    if allow_none:
        inner = [a for a in args if a is not type(None)]
        hint = inner[0]
        origin = typing.get_origin(hint)
        args = typing.get_args(hint)
        if value in ("", None):
            return None
    bad = ConfigError(f"{where}: {full} = {value!r} has the wrong type; expected {_describe(hint)}")
    if hint is Path:
        if not isinstance(value, str):
            raise bad
        p = Path(value)
        return p if p.is_absolute() else (base_dir / p)
    if hint is bool:
        if not isinstance(value, bool):
            raise bad
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise bad
        return float(value)
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad
        return value
    if hint is str:
        if not isinstance(value, str):
            raise bad
        return value
    if origin is tuple:
        if isinstance(value, str) or not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise bad
        return tuple(value)
    if origin in (Mapping, dict) or hint is Mapping:
        if not isinstance(value, Mapping):
            raise bad
        val_type = args[1] if len(args) == 2 else Any
        out = {}
        for k, v in value.items():
            if val_type is float:
                if isinstance(v, bool) or not isinstance(v, int | float):
                    raise ConfigError(f"{where}: {full}.{k} = {v!r} must be a number")
                v = float(v)
            elif val_type is str and not isinstance(v, str):
                raise ConfigError(f"{where}: {full}.{k} = {v!r} must be a string")
            out[str(k)] = v
        return out
    return value


def _describe(hint: Any) -> str:
    if hint is Path:
        return "a path string"
    if typing.get_origin(hint) is tuple:
        return "a list of strings"
    if typing.get_origin(hint) in (Mapping, dict):
        return "a table"
    return getattr(hint, "__name__", str(hint))


def tier_for_type(facility_type: str, tiers: Mapping[str, Tier]) -> str | None:
    """The tier whose word is the longest substring of ``facility_type``.

    Parameters
    ----------
    facility_type
        The type as the user wrote it (e.g. ``农村幸福院``).
    tiers
        ``config.tiers`` (mapping of key -> :class:`~planner.config.Tier`).

    Returns
    -------
    str or None
        Tier key, or ``None`` when no word matches.
    """
    text = str(facility_type).strip()
    best: tuple[int, str] | None = None
    for key, tier in tiers.items():
        for word in tier.all_words:
            if word and word in text and (best is None or len(word) > best[0]):
                best = (len(word), key)
    return None if best is None else best[1]
