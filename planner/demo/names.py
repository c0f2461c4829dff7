"""What the demo county holds by name: its townships, streets, communities and village-name syllables."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

#: Name of the synthetic county.
DEMO_COUNTY_NAME = "合成示范县"
#: 60+ total of the county (the model county's 2020 census figure), given in the config.
DEMO_OLDER_TOTAL = 70488
#: Note written into every table's 备注 column.
SYNTHETIC_NOTE = "合成数据（模拟）synthetic"
#: Name of the county seat among the road hubs.
SEAT_HUB = "县城"


class Township(NamedTuple):
    """A township (镇/乡) of the layout: seat position (km) before jitter, centre or not, population weight."""

    name: str
    kind: str
    x: float
    y: float
    has_centre: bool
    weight: float


class Street(NamedTuple):
    """A street (街道) of the county seat: its quadrant (sign of x, y), centre or not, number of communities."""

    name: str
    sx: int
    sy: int
    has_centre: bool
    n_communities: int


TOWNSHIPS: tuple[Township, ...] = (
    Township("西河镇", "镇", -17.0, 1.0, True, 1.0),
    Township("东兴镇", "镇", 18.0, -1.0, True, 1.0),
    Township("北岗镇", "镇", -8.0, 14.0, True, 1.0),
    Township("新华镇", "镇", 8.0, 16.0, True, 1.0),
    Township("榆林乡", "乡", -24.0, 12.0, True, 0.8),
    Township("太平镇", "镇", 22.0, 14.0, True, 1.0),
    Township("永安镇", "镇", -10.0, -4.0, True, 1.0),
    Township("长发镇", "镇", 10.0, -4.5, True, 1.0),
    Township("靠山乡", "乡", 0.0, 26.0, True, 0.8),
    Township("南岭镇", "镇", -17.0, -21.0, True, 1.7),
    Township("柳河乡", "乡", -2.0, -23.0, False, 1.7),
    Township("富民镇", "镇", 12.0, -22.0, False, 1.0),
    Township("双龙镇", "镇", 25.0, -19.0, True, 1.0),
    Township("西沟乡", "乡", -27.0, -17.0, False, 1.7),
)
TOWNSHIP_NAMES: tuple[str, ...] = tuple(t.name for t in TOWNSHIPS)
#: Townships south of the river.
SOUTH = ("南岭镇", "柳河乡", "富民镇", "双龙镇", "西沟乡")
#: Townships whose centre is under half occupied.
LOW_OCCUPANCY = ("南岭镇", "双龙镇")

# the street without a centre is the small one, so no street centre is overloaded
STREETS: tuple[Street, ...] = (
    Street("文化街道", -1, 1, True, 8),
    Street("兴华街道", 1, 1, True, 8),
    Street("铁南街道", -1, -1, True, 9),
    Street("站前街道", 1, -1, False, 5),
)
COMMUNITY_NAMES = (
    "文化", "建设", "和平", "光明", "胜利", "幸福", "团结", "民主", "繁荣", "新华", "育才", "春晖", "朝阳",
    "振兴", "康乐", "永平", "兴业", "鑫源", "锦绣", "阳光", "铁东", "铁西", "站北", "园林", "北山", "南湖",
    "翠岭", "金桥", "安居", "东方",
)
_VILLAGE_FIRST = tuple("东西南北前后新老大小三双永长太兴福德富和安平青红靖宏顺庆保吉")
_VILLAGE_SECOND = tuple("兴合发胜丰安山河林岗民利泉源屯华光荣盛阳")


def village_names(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` distinct two-syllable village names (…村) in a random order."""
    pairs = [f + s for f in _VILLAGE_FIRST for s in _VILLAGE_SECOND if f != s]
    order = rng.permutation(len(pairs))[:n]
    return [pairs[i] + "村" for i in order]


def street_of(x: float, y: float) -> str:
    """The street (街道) whose quadrant of the seat holds ``(x, y)`` (km)."""
    for street in STREETS:
        if (x >= 0) == (street.sx > 0) and (y >= 0) == (street.sy > 0):
            return street.name
    return ""
