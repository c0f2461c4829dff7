"""Settlements: the villages (with the cut-off pair and the roadless one), communities, populations, their table."""

from __future__ import annotations

import logging
import math

import numpy as np
import shapely
from scipy.spatial import cKDTree

from planner.demo.county import Community, DemoCounty, Village
from planner.demo.names import (
    COMMUNITY_NAMES,
    DEMO_COUNTY_NAME,
    STREETS,
    SYNTHETIC_NOTE,
    TOWNSHIP_NAMES,
    TOWNSHIPS,
    village_names,
)
from planner.demo.text import lonlat_cells

logger = logging.getLogger(__name__)

_RURAL_POPULATION = 185_000   # villages; communities add about 100,000
SETTLEMENT_HEADER = ["编号", "名称", "类型", "所属乡镇", "所属县", "总人口", "60岁以上人口", "备注", "经度", "纬度"]


def find_no_road_spot(c: DemoCounty) -> None:
    """The forest spot with no road: farthest from the roads built so far, inside a township, off the river."""
    layout = c.layout
    tree0 = cKDTree(c.osm.coords())
    gx, gy = np.meshgrid(np.arange(-40, 40.1, 0.5), np.arange(-40, 40.1, 0.5))
    gxy = np.column_stack([gx.ravel(), gy.ravel()])
    inside = shapely.contains_xy(layout.rural.buffer(-2.5), gxy[:, 0], gxy[:, 1])
    inside &= np.abs(gxy[:, 1] - layout.river.y(gxy[:, 0])) > 3.0
    gxy = gxy[inside]
    far = tree0.query(gxy)[0]
    c.no_road_xy = tuple(gxy[int(np.argmax(far))])


def place_villages(c: DemoCounty) -> None:
    """The special villages and the seat villages first, then villages scattered over each township."""
    names = village_names(c.rng, 260)
    taken = _place_special_villages(c, names)
    total_area = sum(p.area for p in c.layout.township_poly.values())
    for name in TOWNSHIP_NAMES:
        poly = c.layout.township_poly[name]
        n_target = max(8, int(round(202 * poly.area / total_area)))
        placed = _scatter_villages(c, name, n_target, names, taken)
        if placed < n_target:
            logger.debug("%s: placed %d of %d villages", name, placed, n_target)


def _place_special_villages(c: DemoCounty, names: list[str]) -> list[tuple[float, float]]:
    """The two cut-off villages, the roadless one and one village at each seat; returns the points taken."""
    layout, nr_xy = c.layout, c.no_road_xy
    taken: list[tuple[float, float]] = []
    # the two cut-off villages: south bank, west of the seat, no bridge near
    ix = -12.0 + c.rng.uniform(-1.0, 1.0)
    for dx in (0.0, 2.3):
        x = ix + dx
        y = float(layout.river.y(x)) - 1.4
        c.villages.append(Village(names.pop(0), layout.township_of(x, y), round(x, 4), round(y, 4),
                                  special="isolated"))
        taken.append((x, y))
    c.villages.append(Village(names.pop(0), layout.township_of(*nr_xy), nr_xy[0], nr_xy[1], special="no_road"))
    taken.append(nr_xy)
    for name in TOWNSHIP_NAMES:
        sx, sy = layout.seats[name]
        c.villages.append(Village(names.pop(0), name, sx + 0.15, sy + 0.12, seat=True))
        taken.append((sx, sy))
    return taken


def _scatter_villages(c: DemoCounty, name: str, n_target: int, names: list[str],
                      taken: list[tuple[float, float]]) -> int:
    """Up to ``n_target`` villages at random points of a township, spaced apart; returns how many were placed."""
    rng, river, nr_xy = c.rng, c.layout.river, c.no_road_xy
    poly = c.layout.township_poly[name]
    minx, miny, maxx, maxy = poly.bounds
    placed, tries = 0, 0
    while placed < n_target and tries < 6000:
        tries += 1
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if not shapely.contains_xy(poly, x, y) or abs(y - float(river.y(x))) < 0.7:
            continue
        if shapely.contains_xy(poly.boundary.buffer(0.3), x, y):
            continue
        d = np.hypot(*(np.asarray(taken) - (x, y)).T)
        if d.min() < 1.9 or math.hypot(x - nr_xy[0], y - nr_xy[1]) < 3.5:
            continue
        c.villages.append(Village(names.pop(0), name, round(x, 4), round(y, 4)))
        taken.append((x, y))
        placed += 1
    return placed


def assign_village_populations(c: DemoCounty) -> None:
    """Village populations: lognormal draws weighted by township, seat and remoteness, summing to about 185,000."""
    villages = c.villages
    rng_pop = c.rng.lognormal(mean=0.0, sigma=0.35, size=len(villages))
    weight = {t.name: t.weight for t in TOWNSHIPS}
    raw = np.array([rng_pop[i] * weight.get(v.township, 1.0) * (3.2 if v.seat else 1.0)
                    * (0.45 if v.special == "no_road" else 1.0) for i, v in enumerate(villages)])
    pops = np.maximum(np.round(raw / raw.sum() * _RURAL_POPULATION), 60).astype(int)
    for v, p in zip(villages, pops):
        v.population = int(p)


def place_communities(c: DemoCounty) -> None:
    """Communities: per street, points in its quadrant of the seat about 500 m apart, with counted 60+."""
    rng = c.rng
    cnames = list(COMMUNITY_NAMES)
    cpts: list[tuple[float, float]] = []
    for street in STREETS:
        k, tries, spacing = 0, 0, 0.5
        while k < street.n_communities:
            tries += 1
            if tries % 500 == 0:      # jammed: relax the spacing rather than loop forever
                spacing *= 0.9
            x, y = street.sx * rng.uniform(0.15, 1.9), street.sy * rng.uniform(0.15, 1.9)
            if cpts and np.hypot(*(np.asarray(cpts) - (x, y)).T).min() < spacing:
                continue
            cpts.append((x, y))
            pop = int(rng.integers(2400, 4200))
            c.communities.append(Community(cnames.pop(0) + "社区", street.name, round(x, 4), round(y, 4), pop,
                                           int(round(pop * rng.uniform(0.19, 0.27)))))
            k += 1


def settlement_rows(c: DemoCounty) -> list[list[str]]:
    """Rows of settlements.csv: communities (C001...), then villages (V001...) by township, seat first, name.

    Also records the villages' table order and ids in ``c``.
    """
    rows = []
    for i, (nm, st, x, y, pop, old) in enumerate(c.communities, 1):
        rows.append([f"C{i:03d}", nm, "社区", st, DEMO_COUNTY_NAME, str(pop), str(old), SYNTHETIC_NOTE,
                     *lonlat_cells(x, y)])
    villages = c.villages
    c.village_order = sorted(range(len(villages)),
                             key=lambda i: (TOWNSHIP_NAMES.index(villages[i].township) if villages[i].township else 99,
                                            not villages[i].seat, villages[i].name))
    for k, i in enumerate(c.village_order, 1):
        v = villages[i]
        c.village_ids[i] = f"V{k:03d}"
        rows.append([c.village_ids[i], v.name, "村", v.township, DEMO_COUNTY_NAME, str(v.population), "",
                     SYNTHETIC_NOTE, *lonlat_cells(v.x, v.y)])
    return rows

