"""Named scenarios of a study: what changes against the study as configured.

A study file may define scenarios, as a table of tables or an array of tables::

    [scenarios.winter]
    label_zh = "冬季（冰雪）"
    label_en = "Winter (snow and ice)"
    winter = true

    [[scenarios]]                  # the same, as an array entry with its name
    name = "close_F012"
    close = ["F012"]               # facility ids (the input file's 编号) left out
    add_sites = ["community"]      # the proposed sites of these tiers (siting) added as facilities
    minutes = { community = 20 }   # a tier's threshold for communities (urban)
    rural_minutes = { township = 40 }
    speed_factors = { walk = 0.8 } # a profile's speeds multiplied (on top of winter)

Every key is checked when the file is loaded (:func:`check_scenarios`): an
unknown key names the closest valid one, a tier or profile that does not exist
names the valid ones, and a scenario that changes nothing says what to set.
Facility ids are checked when the scenario runs (the facilities are read
then).  :func:`scenario_config` applies a scenario to a configuration; the
scenario runs in :mod:`planner.scenarios`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from planner.errors import ConfigError
from planner.results import freeze_fields

if TYPE_CHECKING:
    from planner.config.model import StudyConfig

__all__ = ["Scenario", "SITED_TIERS", "check_scenarios", "scenario_config", "scenario_parameters"]

#: Tiers whose proposed sites ``add_sites`` may add (the tiers :func:`planner.pipeline.run_study` sites).
SITED_TIERS: tuple[str, ...] = ("community", "township")


@dataclass(frozen=True)
class Scenario:
    """One named scenario (see the module docstring for the TOML keys).

    Parameters
    ----------
    name
        The scenario's key (``[scenarios.<name>]``).
    label_zh, label_en
        Labels in the report (default: the name).
    close
        Facility ids left out of the facilities.
    add_sites
        Tiers whose proposed sites are added as facilities of that tier.
    winter
        Use the winter variant of every profile (:mod:`planner.config.winter`).
    minutes, rural_minutes
        Tier -> threshold in minutes for communities / villages.
    speed_factors
        Profile name -> factor multiplying its speeds.
    """

    name: str
    label_zh: str = ""
    label_en: str = ""
    close: tuple[str, ...] = ()
    add_sites: tuple[str, ...] = ()
    winter: bool = False
    minutes: Mapping[str, float] = field(default_factory=dict)
    rural_minutes: Mapping[str, float] = field(default_factory=dict)
    speed_factors: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        freeze_fields(self, "minutes", "rural_minutes", "speed_factors")

    def label(self, lang: str) -> str:
        """The label in ``lang`` (``zh``/``en``), else the name."""
        text = self.label_zh if lang == "zh" else self.label_en
        return text or self.label_zh or self.label_en or self.name

    @property
    def changes_profiles(self) -> bool:
        """Whether the scenario changes travel speeds (so routing graphs must be rebuilt)."""
        return self.winter or any(float(v) != 1.0 for v in self.speed_factors.values())


_CHANGES = ("close", "add_sites", "winter", "minutes", "rural_minutes", "speed_factors")


def check_scenarios(config: StudyConfig, where: str = "<config>") -> None:
    """Check the scenarios against the configuration's tiers and profiles.

    Parameters
    ----------
    config
        The configuration holding the scenarios.
    where
        The config file, for the message.

    Raises
    ------
    ConfigError
        Naming ``scenarios.<name>.<key>``, what is wrong and the fix.
    """
    for name, sc in config.scenarios.items():
        key = f"scenarios.{name}"
        if not str(name).strip():
            raise ConfigError(f"{where}: a scenario has a blank name. Fix: write [scenarios.<name>] with a name")
        if not any(getattr(sc, k) for k in _CHANGES):
            raise ConfigError(f"{where}: {key} changes nothing. Fix: set at least one of {', '.join(_CHANGES)}")
        for item in sc.close:
            if not str(item).strip():
                raise ConfigError(f"{where}: {key}.close contains a blank id. Fix: write facility ids, e.g. [\"F012\"]")
        for tier in sc.add_sites:
            if tier not in SITED_TIERS or tier not in config.tiers:
                allowed = [t for t in SITED_TIERS if t in config.tiers]
                raise ConfigError(f"{where}: {key}.add_sites names {tier!r}, which is not a sited tier; allowed: "
                                  f"{', '.join(map(repr, allowed))}. Fix: add_sites = [\"community\"]")
        for part in ("minutes", "rural_minutes"):
            for tier in getattr(sc, part):
                if tier not in config.tiers:
                    raise ConfigError(f"{where}: {key}.{part} names tier {tier!r}, which is not studied; tiers are "
                                      f"{', '.join(config.tiers)}. Fix: e.g. {part} = {{ community = 20 }}")
        for prof in sc.speed_factors:
            if prof not in config.profiles:
                raise ConfigError(f"{where}: {key}.speed_factors names profile {prof!r}, which is not defined; "
                                  f"profiles are {', '.join(config.profiles)}. "
                                  "Fix: e.g. speed_factors = { walk = 0.8 }")


def scenario_config(config: StudyConfig, scenario: Scenario) -> StudyConfig:
    """``config`` with the scenario's thresholds and speeds (facilities change in :mod:`planner.scenarios`).

    Parameters
    ----------
    config
        The study configuration.
    scenario
        The scenario.

    Returns
    -------
    StudyConfig
        Tiers with the scenario's minutes; profiles in their winter variant
        (``winter``) and with ``speed_factor`` multiplied by ``speed_factors``;
        profile names unchanged, so the tiers still name them.
    """
    from planner.config.winter import winter_profile

    tiers = dict(config.tiers)
    for tier, value in scenario.minutes.items():
        tiers[tier] = dataclasses.replace(tiers[tier], minutes=float(value))
    for tier, value in scenario.rural_minutes.items():
        tiers[tier] = dataclasses.replace(tiers[tier], rural_minutes=float(value))
    profiles = dict(config.profiles)
    if scenario.winter:
        profiles = {n: winter_profile(p) for n, p in profiles.items()}
    for prof, factor in scenario.speed_factors.items():
        profiles[prof] = dataclasses.replace(profiles[prof], speed_factor=profiles[prof].speed_factor * float(factor))
    return config.replace(tiers=tiers, profiles=profiles, scenarios={})


def scenario_parameters(config: StudyConfig, scenario: Scenario) -> dict[str, Any]:
    """What a scenario sets and the thresholds and speeds that result (its trace in the outputs).

    Parameters
    ----------
    config
        The study configuration (before the scenario).
    scenario
        The scenario.

    Returns
    -------
    dict
        The scenario's own keys, then per tier the profiles and minutes and per
        profile the effective ``speed_factor`` and ``access_speed_kmh``.
    """
    cfg = scenario_config(config, scenario)
    own = {f.name: getattr(scenario, f.name) for f in dataclasses.fields(scenario)}
    own = {k: (dict(v) if isinstance(v, Mapping) else list(v) if isinstance(v, tuple) else v) for k, v in own.items()}
    return {
        "scenario": own,
        "tiers": {k: {"profile": t.profile, "minutes": t.minutes, "rural_profile": t.rural_profile,
                      "rural_minutes": t.rural_minutes} for k, t in cfg.tiers.items()},
        "profiles": {n: {"mode": p.mode, "speed_factor": round(p.speed_factor, 6),
                         "access_speed_kmh": round(p.access_speed_kmh, 6)} for n, p in cfg.profiles.items()},
    }
