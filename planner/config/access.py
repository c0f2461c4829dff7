"""The ``[access]`` section: floating-catchment accessibility and its equity measures.

::

    [access]
    method = "e2sfca"                          # "2sfca", "e2sfca" or "gaussian"
    supply = "beds"                            # "beds", "nursing_beds" or "capacity"
    catchment_minutes = { county = 60 }        # per tier; a tier left out uses its coverage thresholds
    decay_steps = [0.3333333, 0.6666667, 1.0]  # e2sfca: upper ends of the zones, as fractions of the catchment
    decay_weights = [1.0, 0.68, 0.22]          # e2sfca: the weight of each zone (Luo & Qi 2009)
    gaussian_bandwidth = 1.0                   # gaussian: the kernel's width as a multiple of the catchment
    threshold_per_1000 = { county = 32 }       # per tier: places per 1,000 older people counted "below"
    relative_threshold = 0.5                   # a tier without a stated threshold: this share of its mean

Sources of the defaults: the zone weights 1, 0.68 and 0.22 of three equal
zones are Luo & Qi (2009, *Health & Place* 15:1100-1107), the default of
PySAL ``access``' ``enhanced_two_stage_fca``; the Gaussian kernel with its
width equal to the catchment is Dai (2010, *Health & Place* 16:1038-1052).
A tier without a stated threshold is judged against half of its own
older-weighted mean (a relative line, stated as such in the report).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from planner.errors import ConfigError
from planner.results import freeze_fields

__all__ = ["AccessConfig", "ACCESS_METHODS", "SUPPLY_COLUMNS", "Numbers"]

#: The floating-catchment methods: key -> (zh, en) name.
ACCESS_METHODS: dict[str, tuple[str, str]] = {
    "2sfca": ("两步移动搜索法（2SFCA，Luo & Wang 2003）", "two-step floating catchment (2SFCA, Luo & Wang 2003)"),
    "e2sfca": ("增强两步移动搜索法（E2SFCA，分段权重，Luo & Qi 2009）",
               "enhanced 2SFCA (stepped weights, Luo & Qi 2009)"),
    "gaussian": ("高斯两步移动搜索法（Gaussian 2SFCA，Dai 2010）", "Gaussian 2SFCA (Dai 2010)"),
}
#: Facility columns that can be the supply: column -> (zh, en) name.
SUPPLY_COLUMNS: dict[str, tuple[str, str]] = {
    "beds": ("床位", "beds"),
    "nursing_beds": ("护理型床位", "nursing beds"),
    "capacity": ("服务能力（日间照料等服务名额）", "places (capacity, e.g. day care)"),
}


@dataclass(frozen=True)
class Numbers:
    """A rule for a list of numbers: each in ``[low, high]`` (``low_open``: above ``low``), at least one."""

    low: float = 0.0
    high: float = math.inf
    low_open: bool = False
    fix: str = ""

    def check(self, value: Any, key: str, where: str) -> None:
        """Raise ConfigError when ``value`` is empty or holds a number out of range."""
        items = tuple(value)
        if not items:
            raise ConfigError(f"{where}: {key} is empty; allowed: at least one number. Fix: {self.fix}")
        for v in items:
            bad = isinstance(v, bool) or not isinstance(v, int | float) or math.isnan(v) or math.isinf(v)
            if bad or (v <= self.low if self.low_open else v < self.low) or v > self.high:
                low = f"greater than {self.low:g}" if self.low_open else f"at least {self.low:g}"
                high = "" if math.isinf(self.high) else f" and at most {self.high:g}"
                raise ConfigError(f"{where}: {key} contains {v!r}, out of range; allowed: {low}{high}. "
                                  f"Fix: {self.fix}")


@dataclass(frozen=True)
class AccessConfig:
    """How accessibility (places per 1,000 older people within reach) and its equity are measured.

    Parameters
    ----------
    method
        ``"2sfca"`` (Luo & Wang 2003: every pair within the catchment weighs 1),
        ``"e2sfca"`` (Luo & Qi 2009: stepped weights by travel-time zone) or
        ``"gaussian"`` (Dai 2010: Gaussian decay reaching 0 at the catchment's edge).
    supply
        The facility column that is the supply: ``"beds"``, ``"nursing_beds"`` or
        ``"capacity"`` (places, e.g. of day care).  A facility without a value is left out, counted.
    catchment_minutes
        Tier -> catchment in minutes for every settlement; a tier left out uses its coverage
        thresholds (``minutes`` for communities, ``rural_minutes`` for villages).
    decay_steps, decay_weights
        E2SFCA zones: the upper end of each zone as a fraction of the catchment (increasing,
        the last at most 1) and its weight.  Beyond the last zone the weight is 0.
    gaussian_bandwidth
        Gaussian kernel width as a multiple of the catchment (Dai 2010: 1).
    threshold_per_1000
        Tier -> places per 1,000 older people below which the older people of a settlement count
        as "below the threshold".
    relative_threshold
        A tier without a stated threshold is judged against this share of its older-weighted mean.
    """

    method: str = "e2sfca"
    supply: str = "beds"
    catchment_minutes: Mapping[str, float] = field(default_factory=dict)
    decay_steps: tuple[float, ...] = (1.0 / 3.0, 2.0 / 3.0, 1.0)
    decay_weights: tuple[float, ...] = (1.0, 0.68, 0.22)
    gaussian_bandwidth: float = 1.0
    threshold_per_1000: Mapping[str, float] = field(default_factory=dict)
    relative_threshold: float = 0.5

    def __post_init__(self) -> None:
        freeze_fields(self, "catchment_minutes", "threshold_per_1000")
        from planner.config.checks import check_values

        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        check_values(AccessConfig, values, "access", "AccessConfig")
        steps, weights = tuple(self.decay_steps), tuple(self.decay_weights)
        if len(steps) != len(weights):
            raise ConfigError(
                f"access.decay_steps has {len(steps)} entries but access.decay_weights has {len(weights)}; "
                "Fix: give one weight per zone")
        if any(b <= a for a, b in zip(steps, steps[1:], strict=False)):
            raise ConfigError(f"access.decay_steps = {list(steps)} must increase; Fix: list the upper end of "
                              "each zone from the nearest out, e.g. [0.3333333, 0.6666667, 1.0]")
        from planner.config.model import TIER_KEYS

        for name in ("catchment_minutes", "threshold_per_1000"):
            unknown = set(getattr(self, name)) - set(TIER_KEYS)
            if unknown:
                raise ConfigError(f"access.{name} names unknown tier {sorted(unknown)[0]!r}; "
                                  f"Fix: use the tiers {', '.join(TIER_KEYS)}")

    def catchment_for(self, tier: Any, kind: str) -> float:
        """Catchment minutes of ``tier`` (a :class:`~planner.config.Tier`) for a settlement of ``kind``."""
        if tier.key in self.catchment_minutes:
            return float(self.catchment_minutes[tier.key])
        return tier.profile_for(kind)[1]
