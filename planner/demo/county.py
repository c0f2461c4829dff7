"""The demo county being built: its layout, road store, villages and communities, filled in step by step."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from planner.demo.layout import Layout
from planner.demo.osm import Osm


@dataclass
class Village:
    """A village (村) of the demo county; ``special`` is ``""``, ``"isolated"`` (cut off) or ``"no_road"``."""

    name: str
    township: str
    x: float
    y: float
    population: int = 0
    seat: bool = False
    special: str = ""


class Community(NamedTuple):
    """A community (社区) of the county seat with its counted 60+ residents."""

    name: str
    street: str
    x: float
    y: float
    population: int
    older: int


@dataclass
class DemoCounty:
    """Everything drawn so far; each generation step reads from it and adds to it.

    ``rng`` is the one generator of the whole county: the steps must run in
    their fixed order so that its stream is consumed identically.
    """

    rng: np.random.Generator
    layout: Layout
    osm: Osm = field(default_factory=Osm)
    #: The forest spot of the village with no road (km).
    no_road_xy: tuple[float, float] = (0.0, 0.0)
    villages: list[Village] = field(default_factory=list)
    #: Village index -> node ids of its main street.
    village_streets: dict[int, list[int]] = field(default_factory=dict)
    communities: list[Community] = field(default_factory=list)
    #: Village indices in the order of the settlements table, and their ids (V001, ...).
    village_order: list[int] = field(default_factory=list)
    village_ids: dict[int, str] = field(default_factory=dict)
    junctions_added: int = 0

    @property
    def isolated(self) -> list[int]:
        """Indices of the two cut-off villages."""
        return [vi for vi in self.village_streets if self.villages[vi].special == "isolated"]

    @property
    def regular(self) -> list[int]:
        """Indices of the ordinary villages (neither cut off nor roadless), in table order."""
        return [i for i in self.village_order if not self.villages[i].special]
