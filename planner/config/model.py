"""The frozen dataclasses of a study configuration, their defaults and the tier of a facility type.

The sources of the defaults are listed in :mod:`planner.config`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planner.config.access import AccessConfig
from planner.config.execution import ExecutionConfig
from planner.config.output import OutputConfig
from planner.config.scenarios import Scenario
from planner.errors import ConfigError
from planner.results import freeze_fields

__all__ = [
    "tier_for_type", "TravelProfile", "Tier", "InputSpec", "Inputs", "PopulationConfig", "NetworkConfig",
    "PolicyTargets", "SitingConfig", "StudyConfig", "TIER_KEYS", "DRIVE_SPEEDS_KMH", "OLDER_WALK_SPEED_MS",
    "default_config",
]

#: The three tiers of the facility network, from the top down.
TIER_KEYS: tuple[str, ...] = ("county", "township", "community")

#: Older walker pace, m/s (the source is in the :mod:`planner.config` docstring).
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
    speed_factor
        Multiplies every road speed of the profile, ``maxspeed`` tags included
        (1 = as given; the winter variants of :mod:`planner.config.winter` slow
        each mode by its documented factor).  The access leg keeps
        ``access_speed_kmh``.
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
    speed_factor: float = 1.0

    def __post_init__(self) -> None:
        freeze_fields(self, "highway_speeds_kmh")
        if self.mode not in ("walk", "bike", "drive"):
            raise ConfigError(
                f"profile {self.name!r}: mode must be 'walk', 'bike' or 'drive', not {self.mode!r}"
            )
        if not self.speed_kmh > 0 or not self.access_speed_kmh > 0 or not self.speed_factor > 0:
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
    ebike_slow = {"track": 10.0, "path": 10.0, "footway": 8.0, "pedestrian": 8.0}
    return {
        "walk": TravelProfile("walk", "walk", walk_kmh, allowed_highways=_FOOT_CLASSES),
        "ebike": TravelProfile("ebike", "bike", 15.0, ebike_slow, _BIKE_CLASSES,
                               max_snap_m_urban=300.0, max_snap_m_rural=1000.0),
        "drive": TravelProfile("drive", "drive", 30.0, DRIVE_SPEEDS_KMH, _ROAD_CLASSES,
                               respect_oneway=True, use_maxspeed=True),
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


#: Facility-type words of each tier (the longest word found in a facility's type decides its tier).
_TIER_WORDS: dict[str, tuple[str, ...]] = {
    "county": ("特困人员供养服务机构", "特困供养", "敬老院", "福利中心", "社会福利院", "福利院", "养老院",
               "县级综合养老服务管理平台", "失能照护", "护理院", "养老机构"),
    "township": ("区域养老服务中心", "区域性幸福养老服务中心", "区域性养老服务中心", "综合养老服务中心",
                 "街道综合养老服务机构", "综合养老服务机构", "乡镇养老服务中心", "街道养老服务中心"),
    "community": ("日间照料中心", "日间照料室", "日间照料", "养老服务驿站", "幸福养老服务驿站", "养老驿站",
                  "互助养老服务点", "互助养老点", "互助养老", "农村幸福院", "幸福院", "养老大院", "睦邻点",
                  "老年活动站"),
}
#: key: (name_zh, name_en, urban profile, minutes, rural profile, rural minutes); why: :mod:`planner.config`.
_TIER_RULES: dict[str, tuple[str, str, str, float, str, float]] = {
    "county": ("县级", "County", "drive", 60.0, "drive", 60.0),
    "township": ("乡镇/街道", "Township / street", "ebike", 30.0, "drive", 30.0),
    "community": ("社区/村级", "Community / village", "walk", 15.0, "ebike", 10.0),
}


def _default_tiers() -> dict[str, Tier]:
    return {
        key: Tier(key, zh, en, _TIER_WORDS[key], (), profile, minutes, rural, rural_minutes)
        for key, (zh, en, profile, minutes, rural, rural_minutes) in _TIER_RULES.items()
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
    header_row
        Row (CSV line) number of the column names in a table, when a title or
        notes stand above them; ``None``: the first row whose cells are known
        column names (else the first non-blank row).
    filter
        Keep only the rows whose column has the value, e.g.
        ``{ level = "区县", name = "桦南县" }`` (all must hold); the other rows
        are counted and reported as excluded.  An unknown column is an error
        naming the columns present.
    source
        ``"file"`` (``path``; an OpenStreetMap file .osm/.osm.bz2/.osm.pbf is
        read with the elderly-care rule of :mod:`planner.io.osm_elderly` for
        facilities) or ``"osm"`` (facilities only: the elderly-care objects of
        the ``[inputs] roads`` OpenStreetMap file).
    """

    path: Path | None = None
    crs: str = "wgs84"
    layer: str | None = None
    sheet: str | None = None
    encoding: str = "auto"
    columns: Mapping[str, str] = field(default_factory=dict)
    header_row: int | None = None
    filter: Mapping[str, str] = field(default_factory=dict)
    source: str = "file"

    def __post_init__(self) -> None:
        freeze_fields(self, "columns", "filter")


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
        freeze_fields(self, "county_older_totals", "township_older_totals")
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
    timeout_s
        Seconds one download request may wait for the server.
    retries
        Further attempts after a timeout or connection failure (the pause doubles each time).
    max_download_km2
        Largest area downloaded; a bigger one is refused with a message (a
        province-wide boundary by mistake).
    overpass_url, nominatim_url
        Other Overpass / Nominatim endpoints (mirrors); ``None``: osmnx's defaults.
    """

    source: str = "auto"
    place: str | None = None
    buffer_m: float = 2000.0
    cache_dir: Path = Path("cache")
    timeout_s: float = 180.0
    retries: int = 2
    max_download_km2: float = 20_000.0
    overpass_url: str | None = None
    nominatim_url: str | None = None

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
    #: ``auto`` (exact unless more than ``greedy_above`` usable candidates), ``exact`` (HiGHS) or ``greedy``.
    method: str = "auto"

    def __post_init__(self) -> None:
        # The ranges live in one table (config/checks.py), also for a SitingConfig built in Python.
        from planner.config.checks import check_values

        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        check_values(SitingConfig, values, "siting", "SitingConfig")


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
    #: Named scenarios (:mod:`planner.config.scenarios`), name -> :class:`~planner.config.scenarios.Scenario`.
    scenarios: Mapping[str, Scenario] = field(default_factory=dict)
    output: OutputConfig = field(default_factory=OutputConfig)
    access: AccessConfig = field(default_factory=AccessConfig)
    #: How a study of several counties is split and run (:mod:`planner.config.execution`).
    execution: ExecutionConfig = field(default_factory=ExecutionConfig)

    def __post_init__(self) -> None:
        freeze_fields(self, "profiles", "tiers", "scenarios")
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
