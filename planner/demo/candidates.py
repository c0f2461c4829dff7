"""Candidate sites for new facilities, and the exclusion zones (some candidates fall inside them)."""

from __future__ import annotations

from shapely.geometry import LineString

from planner.demo.county import DemoCounty, Village
from planner.demo.layout import blob
from planner.demo.names import DEMO_COUNTY_NAME, SYNTHETIC_NOTE, TOWNSHIP_NAMES
from planner.demo.text import lonlat_cells

CANDIDATE_HEADER = ["编号", "名称", "类型", "经度", "纬度", "所属乡镇", "所属县", "备注"]


def candidate_rows(c: DemoCounty) -> tuple[list[list[str]], list[Village]]:
    """Rows of candidates.csv (K001...) and the two villages whose farmland becomes an exclusion zone.

    Health centres at every seat, clinics in half the ordinary villages, five
    idle schools, every community's residents' committee and every ordinary
    village's committee building.
    """
    rng, villages = c.rng, c.villages
    sites: list[tuple[str, str, float, float, str]] = []
    for name in TOWNSHIP_NAMES:
        sx, sy = c.layout.seats[name]
        sites.append((f"{name}卫生院", "乡镇卫生院", sx + 0.21, sy - 0.16, name))
    regular = c.regular
    clinics = sorted(rng.choice(len(regular), size=len(regular) // 2, replace=False).tolist())
    for j in clinics:
        v = villages[regular[j]]
        sites.append((f"{v.name}卫生室", "村卫生室", v.x - 0.06, v.y + 0.05, v.township))
    for j in sorted(rng.choice(len(regular), size=5, replace=False).tolist()):
        v = villages[regular[j]]
        sites.append((f"{v.name}原小学（闲置校舍）", "闲置校舍", v.x + 0.12, v.y - 0.08, v.township))
    # every community's residents' committee building can host a day-care station
    for nm, st, x, y, _p, _o in c.communities:
        sites.append((f"{nm}居委会", "社区居委会", x - 0.05, y + 0.04, st))
    # every administrative village has a committee building: the plans' first choice for
    # a village mutual-aid point (reuse idle public buildings, 002/003)
    for i in regular:
        v = villages[i]
        sites.append((f"{v.name}村委会", "村委会", v.x + 0.04, v.y + 0.07, v.township))
    rows = [[f"K{k:03d}", name, ctype, *lonlat_cells(x, y), township, DEMO_COUNTY_NAME, SYNTHETIC_NOTE]
            for k, (name, ctype, x, y, township) in enumerate(sites, 1)]
    farm_villages = [villages[regular[clinics[j]]] for j in (3, len(clinics) // 2)]
    return rows, farm_villages


def exclusion_zones(c: DemoCounty, farm_villages: list[Village]) -> list[tuple[dict, object]]:
    """Ecological red lines (river wetland, the roadless village's forest) and two permanent-farmland zones."""
    layout, rng = c.layout, c.rng
    wet = LineString(layout.river.line(-30.0, 2.0)).buffer(0.8).intersection(layout.county)
    forest = blob(c.no_road_xy[0], c.no_road_xy[1], 3.5, rng).intersection(layout.rural)
    zones = [({"name": "示范河湿地生态保护红线（合成）", "kind": "生态保护红线", "synthetic": True}, wet),
             ({"name": "林区水源涵养生态保护红线（合成）", "kind": "生态保护红线", "synthetic": True}, forest)]
    for v in farm_villages:
        zones.append(({"name": f"{v.name}永久基本农田保护区（合成）", "kind": "永久基本农田", "synthetic": True},
                      blob(v.x, v.y, 1.4, rng).intersection(layout.county)))
    return zones
