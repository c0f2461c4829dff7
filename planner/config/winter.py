"""Winter variants of the travel profiles: the speed factor of each mode on snow and ice, with sources.

Heilongjiang's roads and paths carry snow and ice from November to March.  A
winter profile is the summer profile with every road speed multiplied by the
factor of its mode (:attr:`TravelProfile.speed_factor`, applied in
:func:`planner.network.segment_travel_times` to the per-class speeds and to
OSM ``maxspeed`` alike); the walking access leg from a point to the road is
slowed by the walking factor.  ``docs/winter.md`` gives the reasoning in full.

Factors and their sources
-------------------------
* **walk** -- ``pace / (pace + 2.0)`` with the older walker's summer pace in
  minutes per km (0.9 m/s: 18.5 min/km), i.e. 0.903.  Fossum, M. & Ryeng,
  E. O. (2021), "The walking speed of pedestrians on various pavement surface
  conditions during winter", *Transportation Research Part D* 97:102934,
  doi:10.1016/j.trd.2021.102934 (field measurements in Trondheim, Norway):
  compared with bare pavement, an average pedestrian's travel time is about
  1 min/km longer on the best winter surface and about 2 min/km longer on
  clean ice.  The planner takes the ice case (village paths in Heilongjiang
  are seldom cleared to bare pavement) and adds its 2 min/km to the older
  walker's pace.  The paper measured pedestrians of all ages; that older
  walkers lose no more than 2 min/km is an assumption (they likely lose more,
  so the factor errs on the side of too little winter loss).
* **drive** -- 0.70.  U.S. Federal Highway Administration, Road Weather
  Management Program, "Snow and Ice" (ops.fhwa.dot.gov/weather/weather_events/
  snow_ice.htm, archived 2004-10-17 at webharvest.gov): "Average arterial
  speeds decline by 30 to 40 [percent] on snowy or slushy pavement.  Freeway
  speeds are reduced by approximately 10 percent in light snow and by 40
  percent in heavy snow."  The planner takes the lower end for arterials
  (30 %).  China's Regulations for the Implementation of the Road Traffic
  Safety Law (《中华人民共和国道路交通安全法实施条例》, Art. 46(4)) limit motor
  vehicles to 30 km/h on icy or snowy roads (在冰雪、泥泞的道路上行驶时); that
  legal cap is not applied, since trunk roads are cleared after snowfall.
* **bike** (e-bike, electric tricycle) -- 0.70, an **assumption**: no
  measured study of e-bike or tricycle speeds on snow and ice was found.  The
  car factor is used; a study that measures it should replace this value.

A study may change any factor: ``[scenarios.<name>] speed_factors = { walk = 0.8 }``
multiplies a profile's speeds in one scenario (on top of ``winter = true``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from planner.config.model import OLDER_WALK_SPEED_MS, StudyConfig, TravelProfile
from planner.errors import ConfigError

__all__ = ["ICE_WALK_DELAY_MIN_PER_KM", "WINTER_SPEED_FACTORS", "WINTER_FACTOR_SOURCES", "winter_factor",
           "winter_profile", "winter_profiles"]

#: Extra minutes per km walking on clean ice instead of bare pavement (Fossum & Ryeng 2021).
ICE_WALK_DELAY_MIN_PER_KM = 2.0
_OLDER_PACE_MIN_PER_KM = 1000.0 / OLDER_WALK_SPEED_MS / 60.0

#: Winter speed factor per profile mode (walk, bike = e-bike, drive); sources in the module docstring.
WINTER_SPEED_FACTORS: dict[str, float] = {
    "walk": round(_OLDER_PACE_MIN_PER_KM / (_OLDER_PACE_MIN_PER_KM + ICE_WALK_DELAY_MIN_PER_KM), 3),
    "bike": 0.70,
    "drive": 0.70,
}

#: Per mode: (source, whether the factor is an assumption) -- shown in the report's scenario section.
WINTER_FACTOR_SOURCES: dict[str, tuple[str, bool]] = {
    "walk": ("Fossum & Ryeng (2021), Transportation Research Part D 97:102934: about +2 min/km on clean ice "
             "vs bare pavement, added to the older walker's 18.5 min/km", False),
    "bike": ("assumption: no measured e-bike speed on snow and ice found; the car factor is used", True),
    "drive": ("US FHWA Road Weather Management Program, 'Snow and Ice': arterial speeds decline 30-40 % on "
              "snowy or slushy pavement (lower end taken)", False),
}


def winter_factor(mode: str, factors: Mapping[str, float] | None = None) -> float:
    """The winter speed factor of a profile ``mode`` (``walk``, ``bike`` or ``drive``).

    Parameters
    ----------
    mode
        The profile's mode.
    factors
        Factors per mode overriding :data:`WINTER_SPEED_FACTORS`.

    Returns
    -------
    float
        The factor (0 < factor <= 1).
    """
    table = {**WINTER_SPEED_FACTORS, **dict(factors or {})}
    if mode not in table:
        raise ConfigError(f"no winter speed factor for mode {mode!r}; modes are {', '.join(table)}")
    return float(table[mode])


def winter_profile(profile: TravelProfile, *, factors: Mapping[str, float] | None = None) -> TravelProfile:
    """The winter variant of ``profile``: its speeds times its mode's winter factor.

    Parameters
    ----------
    profile
        The summer profile (keeps its name, so tiers still name it).
    factors
        Factors per mode overriding :data:`WINTER_SPEED_FACTORS`.

    Returns
    -------
    TravelProfile
        ``speed_factor`` multiplied by the mode's factor; ``access_speed_kmh``
        (on foot) multiplied by the walking factor.
    """
    road = winter_factor(profile.mode, factors)
    foot = winter_factor("walk", factors)
    return dataclasses.replace(profile, speed_factor=profile.speed_factor * road,
                               access_speed_kmh=profile.access_speed_kmh * foot)


def winter_profiles(config: StudyConfig, *, factors: Mapping[str, float] | None = None) -> dict[str, TravelProfile]:
    """Every profile of ``config`` in its winter variant (name -> profile).

    Parameters
    ----------
    config
        The study configuration.
    factors
        Factors per mode overriding :data:`WINTER_SPEED_FACTORS`.

    Returns
    -------
    dict
    """
    return {name: winter_profile(p, factors=factors) for name, p in config.profiles.items()}
