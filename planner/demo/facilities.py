"""Existing facilities of every tier: county institutions, street and township centres, day-care, village points."""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from planner.demo.county import DemoCounty
from planner.demo.names import DEMO_COUNTY_NAME, LOW_OCCUPANCY, SOUTH, STREETS, SYNTHETIC_NOTE, TOWNSHIPS, street_of
from planner.demo.text import lonlat_cells

FACILITY_HEADER = ["编号", "名称", "类型", "经度", "纬度", "床位数", "护理型床位数", "入住人数", "是否公办", "服务能力",
                   "所属乡镇", "所属县", "备注"]
#: Facility types of the township tier (the rest after the three county institutions are community tier).
TOWNSHIP_TIER_TYPES = ("区域养老服务中心", "街道综合养老服务机构")
N_COUNTY_INSTITUTIONS = 3
#: The township whose centre is the only one for three populous townships (over capacity).
_OVERLOADED = "南岭镇"


class Facility(NamedTuple):
    """One facility as drawn (km position); ``None`` numbers are left blank in the table."""

    name: str
    ftype: str
    x: float
    y: float
    beds: int | None
    nursing: int | None
    occupied: int | None
    public: str
    capacity: int | None
    township: str


def facility_rows(c: DemoCounty) -> tuple[list[list[str]], str]:
    """Rows of facilities.csv (F001...) and the township of the over-loaded centre (``""`` if none)."""
    facilities = _county_institutions()
    facilities += _street_centres(c)
    township_centres = _township_centres(c)
    facilities += township_centres
    facilities += _day_care(c)
    facilities += _village_facilities(c)
    overloaded = _OVERLOADED if any(f.township == _OVERLOADED for f in township_centres) else ""
    return [_row(k, f) for k, f in enumerate(facilities, 1)], overloaded


def _row(k: int, f: Facility) -> list[str]:
    """The table row of the ``k``-th facility."""
    num = lambda v: "" if v is None else str(int(v))  # noqa: E731
    return [f"F{k:03d}", f.name, f.ftype, *lonlat_cells(f.x, f.y), num(f.beds), num(f.nursing), num(f.occupied),
            f.public, num(f.capacity), f.township, DEMO_COUNTY_NAME, SYNTHETIC_NOTE]


def _county_institutions() -> list[Facility]:
    """The county tier: welfare centre, the county's home for the destitute, one private home."""
    return [
        Facility("合成示范县社会福利中心", "社会福利中心", -0.55, 0.62, 280, 160, 196, "是", None,
                 street_of(-0.55, 0.62)),
        Facility("合成示范县特困人员供养服务中心（县敬老院）", "特困人员供养服务机构", 1.35, -0.95, 150, 72, 88, "是",
                 None, street_of(1.35, -0.95)),
        Facility("康宁颐养院", "养老院", 0.95, 1.45, 120, 58, 86, "否", None, street_of(0.95, 1.45)),
    ]


def _street_centres(c: DemoCounty) -> list[Facility]:
    """A comprehensive centre in each street that has one."""
    rng, out = c.rng, []
    for s in STREETS:
        if s.has_centre:
            x, y = s.sx * rng.uniform(0.6, 1.4), s.sy * rng.uniform(0.6, 1.4)
            beds = int(rng.integers(30, 60))
            out.append(Facility(f"{s.name}综合养老服务中心", "街道综合养老服务机构", x, y, beds,
                                int(beds * rng.uniform(0.4, 0.6)), int(beds * rng.uniform(0.6, 0.85)), "是", 10000,
                                s.name))
    return out


def _township_centres(c: DemoCounty) -> list[Facility]:
    """A regional centre at each township seat that has one; the southern low-occupancy ones under half full."""
    rng, out = c.rng, []
    for k, t in enumerate(TOWNSHIPS):
        if not t.has_centre:
            continue
        sx, sy = c.layout.seats[t.name]
        beds = int(rng.integers(36, 90))
        occ = rng.uniform(0.33, 0.46) if t.name in LOW_OCCUPANCY else rng.uniform(0.55, 0.85)
        public = "公建民营" if k % 4 == 1 else "是"
        cap = 10000 if k % 3 != 2 else None
        out.append(Facility(f"{t.name}区域养老服务中心", "区域养老服务中心", sx - 0.18, sy + 0.2, beds,
                            int(beds * rng.uniform(0.4, 0.6)), int(beds * occ), public, cap, t.name))
    return out


def _day_care(c: DemoCounty) -> list[Facility]:
    """Day-care centres or rooms in 25 of the communities, near their centre."""
    rng, out = c.rng, []
    for i in sorted(rng.choice(len(c.communities), size=25, replace=False).tolist()):
        nm, st, x, y, _p, _o = c.communities[i]
        beds = int(rng.integers(4, 12))
        th = rng.uniform(0, 2 * math.pi)
        r = rng.uniform(0.05, 0.15)
        ftype = "社区日间照料中心" if rng.uniform() < 0.6 else "社区日间照料室"
        out.append(Facility(nm + ftype.removeprefix("社区"), ftype, x + r * math.cos(th), y + r * math.sin(th), beds,
                            int(rng.integers(1, 4)), int(beds * rng.uniform(0.3, 0.8)), "是", None, st))
    return out


def _village_facilities(c: DemoCounty) -> list[Facility]:
    """Village facilities in about 55% of villages (fewer in the south, more at seats, none in special ones)."""
    rng, villages, out = c.rng, c.villages, []
    p_v = np.array([0.0 if v.special else (0.42 if v.township in SOUTH else 0.68) for v in villages])
    p_v[[i for i, v in enumerate(villages) if v.seat]] *= 1.4
    n_vf = int(round(0.55 * len(villages)))
    with_fac = sorted(rng.choice(len(villages), size=n_vf, replace=False, p=p_v / p_v.sum()).tolist(),
                      key=lambda i: c.village_ids[i])
    for i in with_fac:
        v = villages[i]
        u = rng.uniform()
        ftype = "农村幸福院" if u < 0.6 else ("互助养老点" if u < 0.85 else "养老大院")
        th = rng.uniform(0, 2 * math.pi)
        r = rng.uniform(0.03, 0.15)
        # most rural mutual-aid points are day-activity rooms without beds
        beds = None if ftype == "互助养老点" or rng.uniform() < 0.5 else int(rng.integers(4, 12))
        occ = None if beds is None else int(beds * rng.uniform(0.3, 0.9))
        out.append(Facility(v.name + ftype, ftype, v.x + r * math.cos(th), v.y + r * math.sin(th), beds,
                            None if beds is None else int(rng.integers(0, 3)), occ,
                            "是" if ftype == "农村幸福院" else ("否" if ftype == "养老大院" else ""), None, v.township))
    return out
