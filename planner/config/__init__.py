"""Study configuration: one TOML file, loaded into frozen dataclasses (:mod:`.model`) by :mod:`.loading`.

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

from planner.config.execution import COUNTY_OUTPUT_KINDS, ExecutionConfig
from planner.config.loading import config_from_dict, load_config
from planner.config.model import (
    DRIVE_SPEEDS_KMH,
    OLDER_WALK_SPEED_MS,
    TIER_KEYS,
    Inputs,
    InputSpec,
    NetworkConfig,
    PolicyTargets,
    PopulationConfig,
    SitingConfig,
    StudyConfig,
    Tier,
    TravelProfile,
    default_config,
    tier_for_type,
)
from planner.config.output import OUTPUT_CRS, OutputConfig

__all__ = [
    "tier_for_type", "TravelProfile", "Tier", "InputSpec", "Inputs", "PopulationConfig", "NetworkConfig",
    "PolicyTargets", "SitingConfig", "StudyConfig", "TIER_KEYS", "default_config", "load_config",
    "config_from_dict", "DRIVE_SPEEDS_KMH", "OLDER_WALK_SPEED_MS", "ExecutionConfig", "COUNTY_OUTPUT_KINDS",
    "OutputConfig", "OUTPUT_CRS",
]
