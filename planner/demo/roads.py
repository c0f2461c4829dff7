"""The road network: seat grids, the roads between seats, village streets, village links and field tracks."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import networkx as nx
import numpy as np
import shapely
from scipy.spatial import cKDTree
from shapely.geometry import LineString, Point

from planner.demo.county import DemoCounty
from planner.demo.names import SEAT_HUB, SOUTH, TOWNSHIPS
from planner.demo.osm import add_junctions, bridge_way, grid, wiggly

logger = logging.getLogger(__name__)

_GRID_HALF = 20               # urban grid half-width in 100 m lattice steps (2 km)
_PARK_FOOTWAYS = ((0.4, 0.4, 0.8, 0.8), (0.4, 0.8, 0.8, 0.4), (-1.2, -1.2, -0.8, -0.8), (-1.6, 1.2, -1.2, 1.6))
_TRUNK = {"highway": "trunk", "name": "兴华公路（合成）", "maxspeed": "80"}


@dataclass(frozen=True)
class Hubs:
    """The county seat and the township seats as road hubs: centre and the perimeter junctions of their grid."""

    xy: dict[str, tuple[float, float]]
    perimeter: dict[str, list[tuple[float, float]]]

    def port(self, hub: str, toward: tuple[float, float]) -> tuple[float, float]:
        """The perimeter junction of ``hub`` where a road toward ``toward`` leaves it."""
        hx, hy = self.xy[hub]
        d = np.subtract(toward, (hx, hy))
        aim = np.array([hx, hy]) + 0.6 * d / max(np.hypot(*d), 1e-9) * (2.5 if hub == SEAT_HUB else 1.0)
        per = np.asarray(self.perimeter[hub])
        return tuple(per[int(np.argmin(np.hypot(*(per - aim).T)))])


def _road(c: DemoCounty, a, b, tags: dict[str, str], *, amp: float, connectable: bool = True,
          step: tuple[float, float] = (0.05, 0.15)) -> list[int]:
    """Add a wiggly road from ``a`` to ``b`` (nodes rounded to 0.1 m); returns its node ids."""
    return c.osm.way(np.round(wiggly(a, b, c.rng, amp=amp, step=step), 4), tags, connectable=connectable)


# --------------------------------------------------------------------------- seats and the roads between them


def build_main_roads(c: DemoCounty) -> Hubs:
    """The county seat's and the township seats' street grids and the roads between the seats."""
    urban_perim = _county_seat_grid(c)
    # township seats: small grids, 300 m blocks
    seat_perim = {t.name: grid(c.osm, *c.layout.seats[t.name], 6, 3,
                               lambda axis, k: "tertiary" if k == 0 else "residential")
                  for t in TOWNSHIPS}
    hubs = Hubs({SEAT_HUB: (0.0, 0.0), **c.layout.seats}, {SEAT_HUB: urban_perim, **seat_perim})
    fixed = _trunk_and_primary_roads(c, hubs)
    # secondary/tertiary: spanning tree (plus a few loops) on each side of the river
    for side_hubs, n_extra in (([h for h in hubs.xy if h not in SOUTH], 2), (list(SOUTH), 1)):
        _side_roads(c, hubs, side_hubs, n_extra, fixed)
    return hubs


def _urban_class(axis: str, k: int) -> str:
    """Highway class of the county seat's grid line ``k``: main axes secondary, ring tertiary."""
    if k == 0:
        return "secondary"
    if abs(k) == 12:
        return "tertiary"
    return "residential"


def _county_seat_grid(c: DemoCounty) -> list[tuple[float, float]]:
    """County seat: urban grid, 400 m blocks, main axes secondary, a few one-way streets and park footways."""
    perim = grid(c.osm, 0.0, 0.0, _GRID_HALF, 4, _urban_class,
                 oneway={("v", 8): "yes", ("v", -8): "-1", ("h", -4): "yes"})
    for (x0, y0, x1, y1) in _PARK_FOOTWAYS:
        c.osm.way(np.round(wiggly((x0, y0), (x1, y1), c.rng, amp=0.0, step=(0.04, 0.08), noise_km=0.0), 4),
                  {"highway": "footway"})
    return perim


def _hub_road(c: DemoCounty, hubs: Hubs, a: str, b: str, tags: dict[str, str], *, bridge: bool = False) -> None:
    """A road between the facing perimeter junctions of two hubs, its river crossing as a bridge."""
    pa, pb = hubs.port(a, hubs.xy[b]), hubs.port(b, hubs.xy[a])
    pts = np.round(wiggly(pa, pb, c.rng, amp=0.03), 4)
    if bridge:
        bridge_way(c.osm, pts, tags, c.layout.river)
    else:
        c.osm.way(pts, tags)


def _trunk_and_primary_roads(c: DemoCounty, hubs: Hubs) -> list[tuple[str, str]]:
    """The trunk road across the county, the primary roads and the two bridges; returns the hub pairs joined."""
    layout, seats = c.layout, c.layout.seats
    # trunk west-east through 西河镇, the seat and 东兴镇, beyond the county border
    west_end = (-layout.radius_at(math.pi) - 1.5, seats["西河镇"][1] + 1.0)
    east_end = (layout.radius_at(0.0) + 1.5, seats["东兴镇"][1] - 1.0)
    _road(c, west_end, hubs.port("西河镇", west_end), _TRUNK, amp=0.02)
    _hub_road(c, hubs, "西河镇", SEAT_HUB, _TRUNK)
    _hub_road(c, hubs, SEAT_HUB, "东兴镇", _TRUNK)
    _road(c, hubs.port("东兴镇", east_end), east_end, _TRUNK, amp=0.02)
    _hub_road(c, hubs, SEAT_HUB, "新华镇", {"highway": "primary", "name": "北环公路（合成）", "maxspeed": "60"})
    _hub_road(c, hubs, SEAT_HUB, "长发镇", {"highway": "primary", "name": "南线公路（合成）"})
    _hub_road(c, hubs, "长发镇", "富民镇", {"highway": "primary", "name": "南线公路（合成）"}, bridge=True)
    _hub_road(c, hubs, "东兴镇", "双龙镇", {"highway": "tertiary", "name": "东河路（合成）"}, bridge=True)
    return [("西河镇", SEAT_HUB), (SEAT_HUB, "东兴镇"), (SEAT_HUB, "新华镇"), (SEAT_HUB, "长发镇")]


def _side_roads(c: DemoCounty, hubs: Hubs, side_hubs: list[str], n_extra: int,
                fixed: list[tuple[str, str]]) -> None:
    """Secondary/tertiary roads: a minimum spanning tree of the hubs on one side of the river, plus loops."""
    g = nx.Graph()
    cand = []
    for i, a in enumerate(side_hubs):
        for b in side_hubs[i + 1:]:
            line = np.array([hubs.xy[a], hubs.xy[b]])
            dense = np.column_stack([np.linspace(line[0, 0], line[1, 0], 60),
                                     np.linspace(line[0, 1], line[1, 1], 60)])
            if c.layout.river.crosses(dense):
                continue
            w = 0.0 if (a, b) in fixed or (b, a) in fixed else float(np.hypot(*(line[1] - line[0])))
            g.add_edge(a, b, weight=w)
            cand.append((w, a, b))
    tree = nx.minimum_spanning_tree(g, algorithm="kruskal")
    chosen = sorted(tuple(sorted(e)) for e in tree.edges if g.edges[e]["weight"] > 0)
    extra = sorted((w, a, b) for w, a, b in cand if w > 0 and not tree.has_edge(a, b) and w < 20.0)
    chosen += [(a, b) for _w, a, b in extra[:n_extra]]
    for a, b in chosen:
        length = float(np.hypot(*np.subtract(hubs.xy[a], hubs.xy[b])))
        cls = "secondary" if (length > 13.0 or SEAT_HUB in (a, b)) else "tertiary"
        _hub_road(c, hubs, a, b, {"highway": cls})


# --------------------------------------------------------------------------- village roads


def build_village_roads(c: DemoCounty, hubs: Hubs) -> None:
    """Village streets, their links to the network, the cut-off pair's roads, field tracks, then junctions."""
    _village_streets(c)
    _link_villages(c, hubs)
    _cut_off_pair_roads(c)
    _field_tracks(c)
    c.junctions_added = add_junctions(c.osm)


def _village_streets(c: DemoCounty) -> None:
    """Village streets (residential) around each centre; the village point moves beside its main street."""
    rng = c.rng
    for vi, v in enumerate(c.villages):
        if v.special == "no_road" or v.seat:
            continue
        th = rng.uniform(0, math.pi)
        half = rng.uniform(0.2, 0.45)
        d = np.array([math.cos(th), math.sin(th)])
        centre = np.array([v.x, v.y])
        vtags = {"highway": "residential", **({"_piece": "isolated"} if v.special else {})}
        ids = _road(c, centre - half * d, centre + half * d, vtags, amp=0.05, connectable=False)
        if rng.uniform() < 0.6:
            h2 = rng.uniform(0.15, 0.3)
            p = np.array([-d[1], d[0]])
            mid = c.osm.xy[ids[len(ids) // 2]]
            _road(c, np.array(mid), np.array(mid) + h2 * p, vtags, amp=0.05, connectable=False)
        c.village_streets[vi] = ids
        off = rng.uniform(0.02, 0.06)
        v.x, v.y = round(v.x - off * d[1], 4), round(v.y + off * d[0], 4)


def _spur_ok(c: DemoCounty, pts: np.ndarray) -> bool:
    """A link or track neither crosses the river nor comes within 1.6 km of the roadless village."""
    if c.layout.river.crosses(pts):
        return False
    return LineString(pts).distance(Point(c.no_road_xy)) > 1.6


def _link_villages(c: DemoCounty, hubs: Hubs) -> None:
    """Link villages to the network in order of distance from the nearest seat, so they chain."""
    villages, osm = c.villages, c.osm
    order = sorted((vi for vi in c.village_streets if villages[vi].special == ""),
                   key=lambda vi: (min(math.hypot(villages[vi].x - hx, villages[vi].y - hy)
                                       for hx, hy in hubs.xy.values()), vi))
    unconnected = []
    for vi in order:
        v = villages[vi]
        ids = c.village_streets[vi]
        if not _link_village(c, v.x, v.y, [ids[0], ids[-1]]):
            unconnected.append(v.name)
            continue
        for i in ids:
            osm.connectable[i] = True
    if unconnected:
        logger.warning("villages left without a road link: %s", ", ".join(unconnected))


def _link_village(c: DemoCounty, x: float, y: float, ends: list[int]) -> int:
    """Unclassified links from a street end to the nearest connectable nodes on the same bank; returns how many."""
    osm, rng, river = c.osm, c.rng, c.layout.river
    xy = osm.coords()
    same_side = river.side(xy[:, 0], xy[:, 1]) == river.side(x, y)
    conn_idx = np.flatnonzero(np.asarray(osm.connectable) & same_side)
    tree = cKDTree(xy[conn_idx])
    dist, nn = tree.query([x, y], k=min(24, len(conn_idx)))
    done = 0
    for _d, j in zip(dist, nn):
        target = xy[conn_idx[j]]
        end = min(ends, key=lambda e: math.dist(osm.xy[e], target))
        pts = np.round(wiggly(osm.xy[end], target, rng, amp=0.05), 4)
        if float(np.hypot(*(pts[-1] - pts[0]))) > 12.0 or not _spur_ok(c, pts):
            continue
        osm.way(pts, {"highway": "unclassified"})
        done += 1
        if done == 1 and rng.uniform() < 0.35:
            ends = [e for e in ends if e != end] or ends
            continue
        break
    return done


def _cut_off_pair_roads(c: DemoCounty) -> None:
    """The cut-off pair: joined to each other and to a dead end at the river bank (bridge missing)."""
    osm, iso = c.osm, c.isolated
    a_ids, b_ids = c.village_streets[iso[0]], c.village_streets[iso[1]]
    pa = min((a_ids[0], a_ids[-1]), key=lambda e: math.dist(osm.xy[e], osm.xy[b_ids[0]]))
    pb = min((b_ids[0], b_ids[-1]), key=lambda e: math.dist(osm.xy[e], osm.xy[pa]))
    _road(c, osm.xy[pa], osm.xy[pb],
          {"highway": "unclassified", "note": "合成数据：渡口桥梁已毁，与主路网不连通 (synthetic: bridge missing)",
           "_piece": "isolated"}, amp=0.05, connectable=False)
    va = c.villages[iso[0]]
    bank = (va.x + 0.3, float(c.layout.river.y(va.x + 0.3)) + -0.12)
    _road(c, osm.xy[a_ids[len(a_ids) // 2]], bank,
          {"highway": "unclassified", "note": "合成数据：旧桥已拆除 (synthetic: former bridge removed)",
           "_piece": "isolated"}, amp=0.05, connectable=False)


def _field_tracks(c: DemoCounty) -> None:
    """Two to four field tracks from each village street, kept in the county and out of the seat."""
    rng, osm = c.rng, c.osm
    for vi in sorted(c.village_streets):
        ids = c.village_streets[vi]
        for _ in range(int(rng.integers(2, 5))):
            start = np.array(osm.xy[ids[int(rng.integers(0, len(ids)))]])
            th = rng.uniform(0, 2 * math.pi)
            end = start + rng.uniform(0.7, 2.2) * np.array([math.cos(th), math.sin(th)])
            pts = np.round(wiggly(start, end, rng, amp=0.04, step=(0.07, 0.15)), 4)
            if not _spur_ok(c, pts) or not shapely.contains_xy(c.layout.county, *end):
                continue
            if shapely.intersects(LineString(pts), c.layout.urban):
                continue
            ttags = {"highway": "track", "tracktype": "grade3" if rng.uniform() < 0.5 else "grade4"}
            if c.villages[vi].special:
                ttags["_piece"] = "isolated"
            osm.way(pts, ttags, connectable=False)
