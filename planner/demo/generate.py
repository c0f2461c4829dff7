"""The bundled synthetic demo county (合成示范县): a seeded, reproducible generator.

The demo county is modelled on a real county of Heilongjiang (桦南县, Jiamusi:
2020 census 286,855 residents, 70,488 aged 60+, about 4,400 km², near
130.5 E 46.2 N) so that every analysis of the planner has something real to
find, but **every name, point, road and number is invented** and labelled as
synthetic in every file (a ``备注`` column, a ``synthetic`` GeoJSON property,
an XML comment and ``<note>`` in the OpenStreetMap file).

What it holds, by design:

* a county seat (县城) with an urban street grid (secondary/tertiary/residential
  streets, a few one-way streets, footways), 4 streets (街道) and 30
  communities (社区) with counted 60+ numbers;
* 14 townships (镇/乡) partitioning the rest of the county (Voronoi cells of
  their seats), each seat a small street grid, about 220 villages (村) with a
  total population only (their 60+ is allocated from the county total in
  ``population.county_older_totals``);
* a rural road hierarchy (trunk/primary/secondary/tertiary between seats,
  unclassified to villages, residential inside them, track field roads) with
  50-150 m node spacing, ``maxspeed`` on the trunk and one primary road;
* a river crossing the county with only two bridges, both in the east, so
  the south-west is reached by long detours; two villages across the river
  whose roads are cut off from the network (the bridge is missing) and one
  forest village with no road within 1 km;
* facilities of every tier: 3 county-tier institutions, township centres in
  11 of 14 townships (one of them the only centre for three populous
  townships, so over capacity; the southern centres under half occupied),
  street centres in 3 of 4 streets, day-care in 25 of 30 communities and a
  village facility in about 55% of villages;
* exclusion zones (ecological red line, permanent basic farmland) and
  candidate sites (health centres, village clinics, idle schools, village
  committees), some of them inside the zones.

Regenerate with ``python -m planner.demo [out_dir]`` (default: the ``data/``
folder of the repository).  The same seed gives byte-identical files.
"""

from __future__ import annotations

import bz2
import csv
import io
import json
import logging
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import quoteattr

import networkx as nx
import numpy as np
import shapely
from scipy.spatial import cKDTree
from shapely.geometry import LineString, Point, Polygon, box, mapping

from planner.errors import InputFileNotFoundError

#: Where the bundled demo county lives: package data, so a wheel install has it too.
DEMO_DATA_DIR = Path(__file__).resolve().parent / "data"

__all__ = ["generate_demo_county", "demo_config_path", "DEMO_COUNTY_NAME", "DEMO_OLDER_TOTAL"]

logger = logging.getLogger(__name__)

#: Name of the synthetic county.
DEMO_COUNTY_NAME = "合成示范县"
#: 60+ total of the county (the model county's 2020 census figure), given in the config.
DEMO_OLDER_TOTAL = 70488
#: Note written into every table's 备注 column.
SYNTHETIC_NOTE = "合成数据（模拟）synthetic"

_LON0, _LAT0 = 130.5, 46.2
_KM_PER_DEG_LAT = 110.574
_KM_PER_DEG_LON = 111.320 * math.cos(math.radians(_LAT0))
_COUNTY_AREA_KM2 = 4400.0
_URBAN_HALF_KM = 3.0          # the four streets: a 6 x 6 km square around the seat
_GRID_HALF = 20               # urban grid half-width in 100 m lattice steps (2 km)
_RURAL_POPULATION = 185_000   # villages; communities add about 100,000

# (name, kind, x km, y km, has a township centre, population weight)
_TOWNSHIPS: tuple[tuple[str, str, float, float, bool, float], ...] = (
    ("西河镇", "镇", -17.0, 1.0, True, 1.0),
    ("东兴镇", "镇", 18.0, -1.0, True, 1.0),
    ("北岗镇", "镇", -8.0, 14.0, True, 1.0),
    ("新华镇", "镇", 8.0, 16.0, True, 1.0),
    ("榆林乡", "乡", -24.0, 12.0, True, 0.8),
    ("太平镇", "镇", 22.0, 14.0, True, 1.0),
    ("永安镇", "镇", -10.0, -4.0, True, 1.0),
    ("长发镇", "镇", 10.0, -4.5, True, 1.0),
    ("靠山乡", "乡", 0.0, 26.0, True, 0.8),
    ("南岭镇", "镇", -17.0, -21.0, True, 1.7),
    ("柳河乡", "乡", -2.0, -23.0, False, 1.7),
    ("富民镇", "镇", 12.0, -22.0, False, 1.0),
    ("双龙镇", "镇", 25.0, -19.0, True, 1.0),
    ("西沟乡", "乡", -27.0, -17.0, False, 1.7),
)
_SOUTH = ("南岭镇", "柳河乡", "富民镇", "双龙镇", "西沟乡")
_LOW_OCCUPANCY = ("南岭镇", "双龙镇")

# streets (街道) of the seat by quadrant (sign of x, sign of y), whether it has a street centre,
# number of communities (the street without a centre is the small one, so no street centre is overloaded)
_STREETS = (("文化街道", -1, 1, True, 8), ("兴华街道", 1, 1, True, 8), ("铁南街道", -1, -1, True, 9),
            ("站前街道", 1, -1, False, 5))
_COMMUNITY_NAMES = (
    "文化", "建设", "和平", "光明", "胜利", "幸福", "团结", "民主", "繁荣", "新华", "育才", "春晖", "朝阳",
    "振兴", "康乐", "永平", "兴业", "鑫源", "锦绣", "阳光", "铁东", "铁西", "站北", "园林", "北山", "南湖",
    "翠岭", "金桥", "安居", "东方",
)
_VILLAGE_FIRST = tuple("东西南北前后新老大小三双永长太兴福德富和安平青红靖宏顺庆保吉")
_VILLAGE_SECOND = tuple("兴合发胜丰安山河林岗民利泉源屯华光荣盛阳")


# --------------------------------------------------------------------------- geometry helpers


def _lonlat(x: float, y: float) -> tuple[float, float]:
    return _LON0 + x / _KM_PER_DEG_LON, _LAT0 + y / _KM_PER_DEG_LAT


def _to_lonlat_geom(geom):
    return shapely.transform(
        geom, lambda c: np.column_stack([_LON0 + c[:, 0] / _KM_PER_DEG_LON, _LAT0 + c[:, 1] / _KM_PER_DEG_LAT]))


@dataclass
class _River:
    """A meandering river ``y = f(x)`` across the whole county (km)."""

    base: float
    phases: tuple[float, float]

    def y(self, x):
        x = np.asarray(x, dtype=float)
        return self.base + 2.4 * np.sin(x / 7.0 + self.phases[0]) + 1.0 * np.sin(x / 3.1 + self.phases[1])

    def side(self, x, y) -> np.ndarray:
        """+1 north of the river, -1 south."""
        return np.where(np.asarray(y) > self.y(x), 1, -1)

    def line(self, x0: float, x1: float, step: float = 0.3) -> np.ndarray:
        xs = np.arange(x0, x1 + step / 2, step)
        return np.column_stack([xs, self.y(xs)])

    def crosses(self, pts: np.ndarray) -> bool:
        s = self.side(pts[:, 0], pts[:, 1])
        return bool((s != s[0]).any())


def _wiggly(a, b, rng: np.random.Generator, *, amp: float = 0.04, step: tuple[float, float] = (0.05, 0.15),
            noise_km: float = 0.008) -> np.ndarray:
    """A road-like polyline from ``a`` to ``b`` with nodes every ``step`` km."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    d = b - a
    length = float(np.hypot(*d))
    if length < 1e-9:
        return a[None, :]
    n_max = int(length / step[0]) + 3
    cum = np.cumsum(rng.uniform(step[0], step[1], n_max))
    t = cum[cum < length - 0.5 * step[0]] / length
    t = np.concatenate([[0.0], t, [1.0]])
    k = int(rng.integers(1, 3))
    phase = rng.uniform(0, math.pi)
    a_off = rng.uniform(-1.0, 1.0) * amp * length
    off = a_off * np.sin(math.pi * t) * np.sin(k * math.pi * t + phase)
    jitter = rng.normal(0.0, noise_km, t.shape[0])
    jitter[0] = jitter[-1] = 0.0
    off = off + jitter
    normal = np.array([-d[1], d[0]]) / length
    pts = a[None, :] + t[:, None] * d[None, :] + off[:, None] * normal[None, :]
    pts[0], pts[-1] = a, b
    return pts


def _blob(cx: float, cy: float, r: float, rng: np.random.Generator, n: int = 28) -> Polygon:
    ang = np.linspace(0, 2 * math.pi, n, endpoint=False)
    rad = r * (1 + 0.18 * np.sin(2 * ang + rng.uniform(0, 6.3)) + rng.uniform(-0.08, 0.08, n))
    return Polygon(np.column_stack([cx + rad * np.cos(ang), cy + rad * np.sin(ang)]))


# --------------------------------------------------------------------------- OSM builder


@dataclass
class _Osm:
    """Nodes (shared by exact position) and ways, in local km coordinates."""

    xy: list[tuple[float, float]] = field(default_factory=list)
    key: dict[tuple[int, int], int] = field(default_factory=dict)
    connectable: list[bool] = field(default_factory=list)
    ways: list[tuple[list[int], dict[str, str]]] = field(default_factory=list)

    def node(self, x: float, y: float) -> int:
        k = (int(round(x * 1e4)), int(round(y * 1e4)))
        i = self.key.get(k)
        if i is None:
            i = len(self.xy)
            self.key[k] = i
            self.xy.append((float(x), float(y)))
            self.connectable.append(False)
        return i

    def way(self, pts: np.ndarray, tags: dict[str, str], *, connectable: bool = True) -> list[int]:
        ids: list[int] = []
        for x, y in np.asarray(pts, dtype=float):
            i = self.node(x, y)
            if not ids or ids[-1] != i:
                ids.append(i)
        if len(ids) < 2:
            return ids
        self.ways.append((ids, dict(tags)))
        if connectable:
            for i in ids:
                self.connectable[i] = True
        return ids

    def coords(self) -> np.ndarray:
        return np.asarray(self.xy, dtype=float)


def _add_junctions(osm: _Osm) -> int:
    """Join roads that cross at grade with a shared node, as OSM mappers do.

    Bridges and the ways of the cut-off piece (private tag ``_piece``) are
    left alone, so the river stays a barrier and the piece stays cut off.
    Returns the number of crossings joined.
    """
    xy = osm.coords()
    seg_way, seg_k, a_idx, b_idx = [], [], [], []
    for w, (ids, tags) in enumerate(osm.ways):
        if tags.get("bridge") == "yes" or "_piece" in tags:
            continue
        for k in range(len(ids) - 1):
            seg_way.append(w)
            seg_k.append(k)
            a_idx.append(ids[k])
            b_idx.append(ids[k + 1])
    a_idx, b_idx = np.asarray(a_idx), np.asarray(b_idx)
    lines = shapely.linestrings(np.stack([xy[a_idx], xy[b_idx]], axis=1))
    left, right = shapely.STRtree(lines).query(lines, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    shared = ((a_idx[left] == a_idx[right]) | (a_idx[left] == b_idx[right]) | (b_idx[left] == a_idx[right])
              | (b_idx[left] == b_idx[right]))
    left, right = left[~shared], right[~shared]
    inserts: dict[int, list[tuple[int, float, int]]] = {}
    n = 0
    for i, j in sorted(zip(left.tolist(), right.tolist())):
        pt = shapely.intersection(lines[i], lines[j])
        if pt.geom_type != "Point":
            continue
        ends = [int(a_idx[i]), int(b_idx[i]), int(a_idx[j]), int(b_idx[j])]
        d_end = [math.hypot(pt.x - xy[e, 0], pt.y - xy[e, 1]) for e in ends]
        near = int(np.argmin(d_end))
        if d_end[near] < 0.003:        # crossing within 3 m of a node: join there, no sliver segment
            node = ends[near]
            targets = (j,) if near < 2 else (i,)
        else:
            node = osm.node(round(pt.x, 4), round(pt.y, 4))
            targets = (i, j)
        n += 1
        for s_ in targets:
            p0 = xy[a_idx[s_]]
            t = float(np.hypot(*(np.array([pt.x, pt.y]) - p0)))
            inserts.setdefault(seg_way[s_], []).append((seg_k[s_], t, node))
    for w, ins in inserts.items():
        ids, tags = osm.ways[w]
        out: list[int] = []
        by_seg: dict[int, list[tuple[float, int]]] = {}
        for k, t, node in ins:
            by_seg.setdefault(k, []).append((t, node))
        for k, i in enumerate(ids):
            if not out or out[-1] != i:
                out.append(i)
            for _t, node in sorted(by_seg.get(k, [])):
                if out[-1] != node and (k + 1 >= len(ids) or ids[k + 1] != node):
                    out.append(node)
        osm.ways[w] = (out, tags)
    return n


def _grid(osm: _Osm, cx: float, cy: float, half: int, every: int, classes, *, oneway=None,
          connectable: bool = True) -> list[tuple[float, float]]:
    """A street grid on a 100 m lattice: lines every ``every`` steps within ``half`` steps.

    ``classes(axis, k)`` gives the highway class of a line; ``oneway`` maps
    ``(axis, k)`` to ``"yes"`` / ``"-1"``.  Returns the perimeter junctions.
    """
    steps = np.arange(-half, half + 1)
    perimeter = []
    for axis in ("v", "h"):
        for k in range(-half, half + 1, every):
            if axis == "v":
                pts = np.column_stack([np.full(steps.shape, k * 0.1), steps * 0.1])
            else:
                pts = np.column_stack([steps * 0.1, np.full(steps.shape, k * 0.1)])
            pts = np.round(pts + [cx, cy], 4)
            tags = {"highway": classes(axis, k)}
            if oneway and (axis, k) in oneway:
                tags["oneway"] = oneway[(axis, k)]
            osm.way(pts, tags, connectable=connectable)
            if abs(k) == half:
                for j in range(-half, half + 1, every):
                    perimeter.append(tuple(np.round(pts[j + half], 4)))
    return sorted(set(perimeter))


def _bridge_way(osm: _Osm, pts: np.ndarray, tags: dict[str, str], river: _River) -> None:
    """Add a road crossing the river once, its crossing as a bridge way."""
    s = river.side(pts[:, 0], pts[:, 1])
    i = int(np.flatnonzero(s[1:] != s[:-1])[0])
    lo, hi = max(i - 1, 0), min(i + 3, len(pts))
    if lo > 0:
        osm.way(pts[: lo + 1], tags)
    osm.way(pts[lo:hi], {**tags, "bridge": "yes", "layer": "1"})
    if hi < len(pts):
        osm.way(pts[hi - 1:], tags)


# --------------------------------------------------------------------------- the generator


@dataclass
class _Village:
    name: str
    township: str
    x: float
    y: float
    population: int = 0
    seat: bool = False
    special: str = ""      # "" / "isolated" / "no_road"


def _county_polygon(rng: np.random.Generator) -> tuple[Polygon, np.ndarray, np.ndarray]:
    ang = np.linspace(0, 2 * math.pi, 96, endpoint=False)
    ph = rng.uniform(0, 2 * math.pi, 3)
    rel = 1 + 0.09 * np.sin(2 * ang + ph[0]) + 0.06 * np.sin(3 * ang + ph[1]) + 0.03 * np.sin(5 * ang + ph[2])
    rel = rel * (1 + rng.uniform(-0.012, 0.012, ang.shape[0]))
    poly = Polygon(np.column_stack([rel * np.cos(ang), rel * np.sin(ang)]))
    scale = math.sqrt(_COUNTY_AREA_KM2 / poly.area)
    return Polygon(np.column_stack([scale * rel * np.cos(ang), scale * rel * np.sin(ang)])), ang, scale * rel


def _radius_at(theta: float, ang: np.ndarray, rad: np.ndarray) -> float:
    return float(np.interp(theta % (2 * math.pi), np.append(ang, 2 * math.pi), np.append(rad, rad[0])))


def _village_names(rng: np.random.Generator, n: int) -> list[str]:
    pairs = [f + s for f in _VILLAGE_FIRST for s in _VILLAGE_SECOND if f != s]
    order = rng.permutation(len(pairs))[:n]
    return [pairs[i] + "村" for i in order]


def _fmt(v: float, nd: int) -> str:
    s = f"{v:.{nd}f}"
    return "0" if s in ("-0", "-0." + "0" * nd) else s


def _round_coords(obj, nd: int = 7):
    if isinstance(obj, float):
        return round(obj, nd)
    if isinstance(obj, (list, tuple)):
        return [_round_coords(o, nd) for o in obj]
    return obj


def _geojson(features: list[tuple[dict, object]]) -> str:
    feats = []
    for props, geom in features:
        g = mapping(_to_lonlat_geom(geom))
        feats.append({"type": "Feature", "properties": props,
                      "geometry": {"type": g["type"], "coordinates": _round_coords(g["coordinates"])}})
    doc = {"type": "FeatureCollection", "name": "synthetic demo county (合成数据)", "features": feats}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n"


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8-sig")


def generate_demo_county(out_dir: Path, *, seed: int = 2020) -> dict:
    """Write every file of the synthetic demo county into ``out_dir``.

    Parameters
    ----------
    out_dir
        Folder to write into (created if needed); gets ``demo_county.toml``
        and the sub-folders ``boundaries``, ``facilities``, ``settlements``,
        ``candidates`` and ``roads`` laid out as in ``docs/architecture.md``.
    seed
        Seed of the ``numpy.random.default_rng`` used for everything; the
        same seed gives byte-identical files.

    Returns
    -------
    dict
        Counts of what was written: townships, streets, communities,
        villages, facilities per tier, candidates, exclusion zones, OSM nodes
        and ways, residents, counted and county 60+ totals, and the names of
        the special villages (cut off, no road) and of the over-loaded centre's
        townships.
    """
    rng = np.random.default_rng(seed)
    out = Path(out_dir)
    county, ang, rad = _county_polygon(rng)
    river = _River(base=-10.5, phases=(float(rng.uniform(0, 6.3)), float(rng.uniform(0, 6.3))))
    urban = box(-_URBAN_HALF_KM, -_URBAN_HALF_KM, _URBAN_HALF_KM, _URBAN_HALF_KM)

    # ---- township seats: jittered layout, kept inside the county and on their side of the river
    seats: dict[str, tuple[float, float]] = {}
    for name, _kind, x, y, _c, _w in _TOWNSHIPS:
        x += rng.uniform(-1.2, 1.2)
        y += rng.uniform(-1.2, 1.2)
        r = math.hypot(x, y)
        rmax = 0.82 * _radius_at(math.atan2(y, x), ang, rad)
        if r > rmax:
            x, y = x * rmax / r, y * rmax / r
        ry = float(river.y(x))
        y = min(y, ry - 4.0) if name in _SOUTH else max(y, ry + 4.0)
        seats[name] = (round(x, 4), round(y, 4))

    # ---- partition: Voronoi of the seats clipped to the county minus the urban square
    rural = county.difference(urban)
    pts = shapely.MultiPoint([seats[t[0]] for t in _TOWNSHIPS])
    cells = shapely.voronoi_polygons(pts, extend_to=county.buffer(20.0))
    township_poly: dict[str, object] = {}
    for name, _kind, *_ in _TOWNSHIPS:
        p = Point(seats[name])
        cell = next(g for g in cells.geoms if g.contains(p))
        township_poly[name] = cell.intersection(rural)
    street_poly = {}
    for name, sx, sy, _c, _n in _STREETS:
        q = box(min(0, sx * _URBAN_HALF_KM), min(0, sy * _URBAN_HALF_KM),
                max(0, sx * _URBAN_HALF_KM), max(0, sy * _URBAN_HALF_KM))
        street_poly[name] = q.intersection(county)

    osm = _Osm()

    # ---- county seat: urban grid, 400 m blocks, main axes secondary
    def urban_class(axis: str, k: int) -> str:
        if k == 0:
            return "secondary"
        if abs(k) == 12:
            return "tertiary"
        return "residential"

    urban_perim = _grid(osm, 0.0, 0.0, _GRID_HALF, 4, urban_class,
                        oneway={("v", 8): "yes", ("v", -8): "-1", ("h", -4): "yes"})
    # footways through two parks and along the river promenade
    for (x0, y0, x1, y1) in ((0.4, 0.4, 0.8, 0.8), (0.4, 0.8, 0.8, 0.4), (-1.2, -1.2, -0.8, -0.8),
                             (-1.6, 1.2, -1.2, 1.6)):
        osm.way(np.round(_wiggly((x0, y0), (x1, y1), rng, amp=0.0, step=(0.04, 0.08), noise_km=0.0), 4),
                {"highway": "footway"})

    # ---- township seats: small grids, 300 m blocks
    seat_perim: dict[str, list[tuple[float, float]]] = {}
    for name, *_ in _TOWNSHIPS:
        sx, sy = seats[name]
        seat_perim[name] = _grid(osm, sx, sy, 6, 3, lambda axis, k: "tertiary" if k == 0 else "residential")
    hubs = {"县城": (0.0, 0.0), **seats}
    hub_perim = {"县城": urban_perim, **seat_perim}

    def port(hub: str, toward: tuple[float, float]) -> tuple[float, float]:
        hx, hy = hubs[hub]
        d = np.subtract(toward, (hx, hy))
        aim = np.array([hx, hy]) + 0.6 * d / max(np.hypot(*d), 1e-9) * (2.5 if hub == "县城" else 1.0)
        per = np.asarray(hub_perim[hub])
        return tuple(per[int(np.argmin(np.hypot(*(per - aim).T)))])

    def hub_road(a: str, b: str, tags: dict[str, str], *, bridge: bool = False) -> np.ndarray:
        pa, pb = port(a, hubs[b]), port(b, hubs[a])
        pts = np.round(_wiggly(pa, pb, rng, amp=0.03), 4)
        if bridge:
            _bridge_way(osm, pts, tags, river)
        else:
            osm.way(pts, tags)
        return pts

    # trunk west-east through 西河镇, the seat and 东兴镇, beyond the county border
    west_end = (-_radius_at(math.pi, ang, rad) - 1.5, seats["西河镇"][1] + 1.0)
    east_end = (_radius_at(0.0, ang, rad) + 1.5, seats["东兴镇"][1] - 1.0)
    trunk = {"highway": "trunk", "name": "兴华公路（合成）", "maxspeed": "80"}
    osm.way(np.round(_wiggly(west_end, port("西河镇", west_end), rng, amp=0.02), 4), trunk)
    hub_road("西河镇", "县城", trunk)
    hub_road("县城", "东兴镇", trunk)
    osm.way(np.round(_wiggly(port("东兴镇", east_end), east_end, rng, amp=0.02), 4), trunk)
    fixed = [("西河镇", "县城"), ("县城", "东兴镇")]
    hub_road("县城", "新华镇", {"highway": "primary", "name": "北环公路（合成）", "maxspeed": "60"})
    hub_road("县城", "长发镇", {"highway": "primary", "name": "南线公路（合成）"})
    hub_road("长发镇", "富民镇", {"highway": "primary", "name": "南线公路（合成）"}, bridge=True)
    hub_road("东兴镇", "双龙镇", {"highway": "tertiary", "name": "东河路（合成）"}, bridge=True)
    fixed += [("县城", "新华镇"), ("县城", "长发镇")]

    # secondary/tertiary: spanning tree (plus a few loops) on each side of the river
    for side_hubs, n_extra in (([h for h in hubs if h not in _SOUTH], 2), (list(_SOUTH), 1)):
        g = nx.Graph()
        cand = []
        for i, a in enumerate(side_hubs):
            for b in side_hubs[i + 1:]:
                line = np.array([hubs[a], hubs[b]])
                dense = np.column_stack([np.linspace(line[0, 0], line[1, 0], 60),
                                         np.linspace(line[0, 1], line[1, 1], 60)])
                if river.crosses(dense):
                    continue
                w = 0.0 if (a, b) in fixed or (b, a) in fixed else float(np.hypot(*(line[1] - line[0])))
                g.add_edge(a, b, weight=w)
                cand.append((w, a, b))
        tree = nx.minimum_spanning_tree(g, algorithm="kruskal")
        chosen = sorted(tuple(sorted(e)) for e in tree.edges if g.edges[e]["weight"] > 0)
        extra = sorted((w, a, b) for w, a, b in cand if w > 0 and not tree.has_edge(a, b) and w < 20.0)
        chosen += [(a, b) for _w, a, b in extra[:n_extra]]
        for a, b in chosen:
            length = float(np.hypot(*np.subtract(hubs[a], hubs[b])))
            cls = "secondary" if (length > 13.0 or "县城" in (a, b)) else "tertiary"
            hub_road(a, b, {"highway": cls})

    # ---- the forest spot with no road: farthest from the trunk roads, inside a township
    base_xy = osm.coords()
    tree0 = cKDTree(base_xy)
    gx, gy = np.meshgrid(np.arange(-40, 40.1, 0.5), np.arange(-40, 40.1, 0.5))
    gxy = np.column_stack([gx.ravel(), gy.ravel()])
    inside = shapely.contains_xy(rural.buffer(-2.5), gxy[:, 0], gxy[:, 1])
    inside &= np.abs(gxy[:, 1] - river.y(gxy[:, 0])) > 3.0
    gxy = gxy[inside]
    far = tree0.query(gxy)[0]
    nr_xy = tuple(gxy[int(np.argmax(far))])

    # ---- villages
    names = _village_names(rng, 260)
    villages: list[_Village] = []
    taken: list[tuple[float, float]] = []

    def township_of(x: float, y: float) -> str:
        for nm, poly in township_poly.items():
            if shapely.contains_xy(poly, x, y):
                return nm
        return ""

    # the two cut-off villages: south bank, west of the seat, no bridge near
    ix = -12.0 + rng.uniform(-1.0, 1.0)
    for dx in (0.0, 2.3):
        x = ix + dx
        y = float(river.y(x)) - 1.4
        villages.append(_Village(names.pop(0), township_of(x, y), round(x, 4), round(y, 4), special="isolated"))
        taken.append((x, y))
    villages.append(_Village(names.pop(0), township_of(*nr_xy), nr_xy[0], nr_xy[1], special="no_road"))
    taken.append(nr_xy)
    for name, *_ in _TOWNSHIPS:
        sx, sy = seats[name]
        villages.append(_Village(names.pop(0), name, sx + 0.15, sy + 0.12, seat=True))
        taken.append((sx, sy))

    total_area = sum(p.area for p in township_poly.values())
    for name, *_ in _TOWNSHIPS:
        poly = township_poly[name]
        n_target = max(8, int(round(202 * poly.area / total_area)))
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
            villages.append(_Village(names.pop(0), name, round(x, 4), round(y, 4)))
            taken.append((x, y))
            placed += 1
        if placed < n_target:
            logger.debug("%s: placed %d of %d villages", name, placed, n_target)

    # village streets (residential) around each centre
    vstreets: dict[int, list[int]] = {}
    for vi, v in enumerate(villages):
        if v.special == "no_road" or v.seat:
            continue
        th = rng.uniform(0, math.pi)
        half = rng.uniform(0.2, 0.45)
        d = np.array([math.cos(th), math.sin(th)])
        c = np.array([v.x, v.y])
        vtags = {"highway": "residential", **({"_piece": "isolated"} if v.special else {})}
        ids = osm.way(np.round(_wiggly(c - half * d, c + half * d, rng, amp=0.05), 4), vtags, connectable=False)
        if rng.uniform() < 0.6:
            h2 = rng.uniform(0.15, 0.3)
            p = np.array([-d[1], d[0]])
            mid = osm.xy[ids[len(ids) // 2]]
            osm.way(np.round(_wiggly(np.array(mid), np.array(mid) + h2 * p, rng, amp=0.05), 4), vtags,
                    connectable=False)
        vstreets[vi] = ids
        # the village point: beside the main street
        off = rng.uniform(0.02, 0.06)
        v.x, v.y = round(v.x - off * d[1], 4), round(v.y + off * d[0], 4)

    nr_pt = Point(nr_xy)

    def spur_ok(pts: np.ndarray) -> bool:
        if river.crosses(pts):
            return False
        return LineString(pts).distance(nr_pt) > 1.6

    # connect villages in order of distance from the nearest seat, so they chain
    order = sorted((vi for vi in vstreets if villages[vi].special == ""),
                   key=lambda vi: (min(math.hypot(villages[vi].x - hx, villages[vi].y - hy)
                                       for hx, hy in hubs.values()), vi))
    unconnected = []
    for vi in order:
        v = villages[vi]
        ids = vstreets[vi]
        xy = osm.coords()
        same_side = river.side(xy[:, 0], xy[:, 1]) == river.side(v.x, v.y)
        conn_idx = np.flatnonzero(np.asarray(osm.connectable) & same_side)
        tree = cKDTree(xy[conn_idx])
        ends = [ids[0], ids[-1]]
        dist, nn = tree.query([v.x, v.y], k=min(24, len(conn_idx)))
        done = 0
        for _d, j in zip(dist, nn):
            target = xy[conn_idx[j]]
            end = min(ends, key=lambda e: math.dist(osm.xy[e], target))
            pts = np.round(_wiggly(osm.xy[end], target, rng, amp=0.05), 4)
            if float(np.hypot(*(pts[-1] - pts[0]))) > 12.0 or not spur_ok(pts):
                continue
            osm.way(pts, {"highway": "unclassified"})
            done += 1
            if done == 1 and rng.uniform() < 0.35:
                ends = [e for e in ends if e != end] or ends
                continue
            break
        if done == 0:
            unconnected.append(v.name)
            continue
        for i in ids:
            osm.connectable[i] = True
    if unconnected:
        logger.warning("villages left without a road link: %s", ", ".join(unconnected))

    # the cut-off pair: joined to each other and to a dead end at the river bank (bridge missing)
    iso = [vi for vi in vstreets if villages[vi].special == "isolated"]
    a_ids, b_ids = vstreets[iso[0]], vstreets[iso[1]]
    pa = min((a_ids[0], a_ids[-1]), key=lambda e: math.dist(osm.xy[e], osm.xy[b_ids[0]]))
    pb = min((b_ids[0], b_ids[-1]), key=lambda e: math.dist(osm.xy[e], osm.xy[pa]))
    osm.way(np.round(_wiggly(osm.xy[pa], osm.xy[pb], rng, amp=0.05), 4),
            {"highway": "unclassified", "note": "合成数据：渡口桥梁已毁，与主路网不连通 (synthetic: bridge missing)",
             "_piece": "isolated"},
            connectable=False)
    va = villages[iso[0]]
    bank = (va.x + 0.3, float(river.y(va.x + 0.3)) + -0.12)
    osm.way(np.round(_wiggly(osm.xy[a_ids[len(a_ids) // 2]], bank, rng, amp=0.05), 4),
            {"highway": "unclassified", "note": "合成数据：旧桥已拆除 (synthetic: former bridge removed)",
             "_piece": "isolated"},
            connectable=False)

    # field tracks
    for vi in sorted(vstreets):
        ids = vstreets[vi]
        for _ in range(int(rng.integers(2, 5))):
            start = np.array(osm.xy[ids[int(rng.integers(0, len(ids)))]])
            th = rng.uniform(0, 2 * math.pi)
            end = start + rng.uniform(0.7, 2.2) * np.array([math.cos(th), math.sin(th)])
            pts = np.round(_wiggly(start, end, rng, amp=0.04, step=(0.07, 0.15)), 4)
            if not spur_ok(pts) or not shapely.contains_xy(county, *end):
                continue
            if shapely.intersects(LineString(pts), urban):
                continue
            ttags = {"highway": "track", "tracktype": "grade3" if rng.uniform() < 0.5 else "grade4"}
            if villages[vi].special:
                ttags["_piece"] = "isolated"
            osm.way(pts, ttags, connectable=False)
    n_junctions = _add_junctions(osm)

    # ---- populations
    rng_pop = rng.lognormal(mean=0.0, sigma=0.35, size=len(villages))
    weight = {t[0]: t[5] for t in _TOWNSHIPS}
    raw = np.array([rng_pop[i] * weight.get(v.township, 1.0) * (3.2 if v.seat else 1.0)
                    * (0.45 if v.special == "no_road" else 1.0) for i, v in enumerate(villages)])
    pops = np.maximum(np.round(raw / raw.sum() * _RURAL_POPULATION), 60).astype(int)
    for v, p in zip(villages, pops):
        v.population = int(p)

    # communities: per street, points in the grid about 500 m apart
    communities = []
    cnames = list(_COMMUNITY_NAMES)
    cpts: list[tuple[float, float]] = []
    for sname, sx, sy, _c, n in _STREETS:
        k, tries, spacing = 0, 0, 0.5
        while k < n:
            tries += 1
            if tries % 500 == 0:      # jammed: relax the spacing rather than loop forever
                spacing *= 0.9
            x, y = sx * rng.uniform(0.15, 1.9), sy * rng.uniform(0.15, 1.9)
            if cpts and np.hypot(*(np.asarray(cpts) - (x, y)).T).min() < spacing:
                continue
            cpts.append((x, y))
            pop = int(rng.integers(2400, 4200))
            communities.append((cnames.pop(0) + "社区", sname, round(x, 4), round(y, 4), pop,
                                int(round(pop * rng.uniform(0.19, 0.27)))))
            k += 1

    # ---- settlements.csv
    counted_older = sum(c[5] for c in communities)
    srows = []
    for i, (nm, st, x, y, pop, old) in enumerate(communities, 1):
        lon, lat = _lonlat(x, y)
        srows.append([f"C{i:03d}", nm, "社区", st, DEMO_COUNTY_NAME, str(pop), str(old), SYNTHETIC_NOTE,
                      _fmt(lon, 6), _fmt(lat, 6)])
    vorder = sorted(range(len(villages)), key=lambda i: ([t[0] for t in _TOWNSHIPS].index(villages[i].township)
                                                         if villages[i].township else 99,
                                                         not villages[i].seat, villages[i].name))
    vid = {}
    for k, i in enumerate(vorder, 1):
        v = villages[i]
        vid[i] = f"V{k:03d}"
        lon, lat = _lonlat(v.x, v.y)
        srows.append([vid[i], v.name, "村", v.township, DEMO_COUNTY_NAME, str(v.population), "", SYNTHETIC_NOTE,
                      _fmt(lon, 6), _fmt(lat, 6)])
    s_header = ["编号", "名称", "类型", "所属乡镇", "所属县", "总人口", "60岁以上人口", "备注", "经度", "纬度"]

    # ---- facilities.csv
    frows: list[list[str]] = []

    def fac(name, ftype, x, y, beds, nursing, occupied, public, capacity, township):
        lon, lat = _lonlat(x, y)
        num = lambda v: "" if v is None else str(int(v))  # noqa: E731
        frows.append([f"F{len(frows) + 1:03d}", name, ftype, _fmt(lon, 6), _fmt(lat, 6), num(beds), num(nursing),
                      num(occupied), public, num(capacity), township, DEMO_COUNTY_NAME, SYNTHETIC_NOTE])

    def street_of(x, y):
        for nm, sx, sy, _c, _n in _STREETS:
            if (x >= 0) == (sx > 0) and (y >= 0) == (sy > 0):
                return nm
        return ""

    fac("合成示范县社会福利中心", "社会福利中心", -0.55, 0.62, 280, 160, 196, "是", None, street_of(-0.55, 0.62))
    fac("合成示范县特困人员供养服务中心（县敬老院）", "特困人员供养服务机构", 1.35, -0.95, 150, 72, 88, "是", None,
        street_of(1.35, -0.95))
    fac("康宁颐养院", "养老院", 0.95, 1.45, 120, 58, 86, "否", None, street_of(0.95, 1.45))
    for nm, sx, sy, has, _n in _STREETS:
        if has:
            x, y = sx * rng.uniform(0.6, 1.4), sy * rng.uniform(0.6, 1.4)
            beds = int(rng.integers(30, 60))
            fac(f"{nm}综合养老服务中心", "街道综合养老服务机构", x, y, beds, int(beds * rng.uniform(0.4, 0.6)),
                int(beds * rng.uniform(0.6, 0.85)), "是", 10000, nm)
    overloaded = ""
    for k, (name, _kind, *_r, has, _w) in enumerate(_TOWNSHIPS):
        if not has:
            continue
        sx, sy = seats[name]
        beds = int(rng.integers(36, 90))
        occ = rng.uniform(0.33, 0.46) if name in _LOW_OCCUPANCY else rng.uniform(0.55, 0.85)
        public = "公建民营" if k % 4 == 1 else "是"
        cap = 10000 if k % 3 != 2 else None
        fac(f"{name}区域养老服务中心", "区域养老服务中心", sx - 0.18, sy + 0.2, beds,
            int(beds * rng.uniform(0.4, 0.6)), int(beds * occ), public, cap, name)
        if name == "南岭镇":
            overloaded = name
    daycare = sorted(rng.choice(len(communities), size=25, replace=False).tolist())
    for i in daycare:
        nm, st, x, y, _p, _o = communities[i]
        beds = int(rng.integers(4, 12))
        th = rng.uniform(0, 2 * math.pi)
        r = rng.uniform(0.05, 0.15)
        ftype = "社区日间照料中心" if rng.uniform() < 0.6 else "社区日间照料室"
        fac(nm + ftype.removeprefix("社区"), ftype, x + r * math.cos(th), y + r * math.sin(th), beds,
            int(rng.integers(1, 4)), int(beds * rng.uniform(0.3, 0.8)), "是", None, st)
    p_v = np.array([0.0 if v.special else (0.42 if v.township in _SOUTH else 0.68) for v in villages])
    p_v[[i for i, v in enumerate(villages) if v.seat]] *= 1.4
    n_vf = int(round(0.55 * len(villages)))
    with_fac = sorted(rng.choice(len(villages), size=n_vf, replace=False, p=p_v / p_v.sum()).tolist(),
                      key=lambda i: vid[i])
    for i in with_fac:
        v = villages[i]
        u = rng.uniform()
        ftype = "农村幸福院" if u < 0.6 else ("互助养老点" if u < 0.85 else "养老大院")
        th = rng.uniform(0, 2 * math.pi)
        r = rng.uniform(0.03, 0.15)
        # most rural mutual-aid points are day-activity rooms without beds
        beds = None if ftype == "互助养老点" or rng.uniform() < 0.5 else int(rng.integers(4, 12))
        occ = None if beds is None else int(beds * rng.uniform(0.3, 0.9))
        fac(v.name + ftype, ftype, v.x + r * math.cos(th), v.y + r * math.sin(th), beds,
            None if beds is None else int(rng.integers(0, 3)), occ,
            "是" if ftype == "农村幸福院" else ("否" if ftype == "养老大院" else ""), None, v.township)
    f_header = ["编号", "名称", "类型", "经度", "纬度", "床位数", "护理型床位数", "入住人数", "是否公办", "服务能力",
                "所属乡镇", "所属县", "备注"]

    # ---- candidates.csv and exclusion zones
    crows: list[list[str]] = []

    def cand(name, ctype, x, y, township):
        lon, lat = _lonlat(x, y)
        crows.append([f"K{len(crows) + 1:03d}", name, ctype, _fmt(lon, 6), _fmt(lat, 6), township, DEMO_COUNTY_NAME,
                      SYNTHETIC_NOTE])

    for name, *_ in _TOWNSHIPS:
        sx, sy = seats[name]
        cand(f"{name}卫生院", "乡镇卫生院", sx + 0.21, sy - 0.16, name)
    regular = [i for i in vorder if not villages[i].special]
    clinics = sorted(rng.choice(len(regular), size=len(regular) // 2, replace=False).tolist())
    for j in clinics:
        v = villages[regular[j]]
        cand(f"{v.name}卫生室", "村卫生室", v.x - 0.06, v.y + 0.05, v.township)
    for j in sorted(rng.choice(len(regular), size=5, replace=False).tolist()):
        v = villages[regular[j]]
        cand(f"{v.name}原小学（闲置校舍）", "闲置校舍", v.x + 0.12, v.y - 0.08, v.township)
    # every community's residents' committee building can host a day-care station
    for nm, st, x, y, _p, _o in communities:
        cand(f"{nm}居委会", "社区居委会", x - 0.05, y + 0.04, st)
    # every administrative village has a committee building: the plans' first choice for
    # a village mutual-aid point (reuse idle public buildings, 002/003)
    for i in regular:
        v = villages[i]
        cand(f"{v.name}村委会", "村委会", v.x + 0.04, v.y + 0.07, v.township)
    c_header = ["编号", "名称", "类型", "经度", "纬度", "所属乡镇", "所属县", "备注"]

    wet = LineString(river.line(-30.0, 2.0)).buffer(0.8).intersection(county)
    forest = _blob(nr_xy[0], nr_xy[1], 3.5, rng).intersection(rural)
    farm_villages = [villages[regular[clinics[j]]] for j in (3, len(clinics) // 2)]
    zones = [({"name": "示范河湿地生态保护红线（合成）", "kind": "生态保护红线", "synthetic": True}, wet),
             ({"name": "林区水源涵养生态保护红线（合成）", "kind": "生态保护红线", "synthetic": True}, forest)]
    for v in farm_villages:
        zones.append(({"name": f"{v.name}永久基本农田保护区（合成）", "kind": "永久基本农田", "synthetic": True},
                      _blob(v.x, v.y, 1.4, rng).intersection(county)))

    # ---- boundaries
    kinds = {t[0]: t[1] for t in _TOWNSHIPS}
    tfeats = [({"name": nm, "kind": "街道", "county": DEMO_COUNTY_NAME, "synthetic": True}, street_poly[nm])
              for nm, *_ in _STREETS]
    tfeats += [({"name": nm, "kind": kinds[nm], "county": DEMO_COUNTY_NAME, "synthetic": True}, township_poly[nm])
               for nm, *_ in _TOWNSHIPS]

    # ---- OSM XML
    xml = _osm_xml(osm, river, county)

    # ---- write
    files: dict[str, bytes] = {
        "boundaries/county.geojson": _geojson([({"name": DEMO_COUNTY_NAME, "synthetic": True}, county)]).encode(),
        "boundaries/townships.geojson": _geojson(tfeats).encode(),
        "boundaries/exclusion_zones.geojson": _geojson(zones).encode(),
        "facilities/facilities.csv": _csv(f_header, frows),
        "settlements/settlements.csv": _csv(s_header, srows),
        "candidates/candidates.csv": _csv(c_header, crows),
        "roads/demo_county.osm.bz2": bz2.compress(xml.encode("utf-8"), 9),
        "demo_county.toml": _toml().encode("utf-8"),
    }
    for rel, data in files.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    n_township = sum(1 for r in frows if r[2] in ("区域养老服务中心", "街道综合养老服务机构"))
    tiers = {"county": 3, "township": n_township, "community": len(frows) - 3 - n_township}
    counts = {
        "townships": len(_TOWNSHIPS),
        "streets": len(_STREETS),
        "communities": len(communities),
        "villages": len(villages),
        "facilities": len(frows),
        "facilities_by_tier": tiers,
        "candidates": len(crows),
        "exclusion_zones": len(zones),
        "osm_nodes": len(osm.xy) + len(river.line(-50, 50)),
        "osm_ways": len(osm.ways) + 1,
        "junctions_added": n_junctions,
        "population": int(sum(c[4] for c in communities) + sum(v.population for v in villages)),
        "older_counted": int(counted_older),
        "older_total": DEMO_OLDER_TOTAL,
        "cut_off_villages": [villages[i].name for i in iso],
        "no_road_villages": [v.name for v in villages if v.special == "no_road"],
        "townships_without_centre": [t[0] for t in _TOWNSHIPS if not t[4]],
        "overloaded_centre_township": overloaded,
        "files": sorted(files),
    }
    logger.info("demo county written to %s: %s", out, counts)
    return counts


def _osm_xml(osm: _Osm, river: _River, county: Polygon) -> str:
    """OpenStreetMap XML (API 0.6 layout) of the roads and the river, nodes sorted by id."""
    xy = osm.coords()
    minx, miny, maxx, maxy = county.bounds
    rline = river.line(minx - 2.0, maxx + 2.0)
    all_xy = np.vstack([xy, rline])
    lon = _LON0 + all_xy[:, 0] / _KM_PER_DEG_LON
    lat = _LAT0 + all_xy[:, 1] / _KM_PER_DEG_LAT
    lines = [
        "<?xml version='1.0' encoding='UTF-8'?>",
        '<osm version="0.6" generator="planner.demo (synthetic)">',
        "<!-- 合成数据（模拟）: 合成示范县 is an invented county; every road is synthetic. "
        "Synthetic data generated by planner.demo, not OpenStreetMap data. -->",
        "<note>合成数据（模拟），非真实道路。Synthetic road network of the demo county 合成示范县 "
        "generated by planner.demo; not real OpenStreetMap data.</note>",
        f'<bounds minlat="{lat.min():.7f}" minlon="{lon.min():.7f}" maxlat="{lat.max():.7f}" '
        f'maxlon="{lon.max():.7f}"/>',
    ]
    for i in range(all_xy.shape[0]):
        lines.append(f'<node id="{i + 1}" version="1" lat="{lat[i]:.7f}" lon="{lon[i]:.7f}"/>')
    n_road = xy.shape[0]
    wid = 1
    for ids, tags in osm.ways:
        lines.append(f'<way id="{wid}" version="1">')
        lines.extend(f'<nd ref="{i + 1}"/>' for i in ids)
        lines.extend(f"<tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in sorted(tags.items()) if not k.startswith("_"))
        lines.append("</way>")
        wid += 1
    lines.append(f'<way id="{wid}" version="1">')
    lines.extend(f'<nd ref="{n_road + j + 1}"/>' for j in range(rline.shape[0]))
    lines.append('<tag k="name" v="示范河（合成）"/>')
    lines.append('<tag k="note" v="synthetic"/>')
    lines.append('<tag k="waterway" v="river"/>')
    lines.append("</way>")
    lines.append("</osm>")
    return "\n".join(lines) + "\n"


def _toml() -> str:
    central = ", ".join(f'"{s[0]}"' for s in _STREETS)
    return f"""# 合成示范县：合成（模拟）数据的示范研究配置 -- the bundled SYNTHETIC demo county.
# Every name, road, point and number in data/ is invented (generated by planner.demo, seed 2020);
# the county is modelled on a real Heilongjiang county (2020 census: 286,855 residents, 70,488 aged 60+).
# Regenerate with: python -m planner.demo

name = "{DEMO_COUNTY_NAME}"
synthetic = true
lang = "zh"
central_townships = [{central}]

[inputs]
facilities = "facilities/facilities.csv"
settlements = "settlements/settlements.csv"
boundaries_county = "boundaries/county.geojson"
boundaries_township = "boundaries/townships.geojson"
roads = "roads/demo_county.osm.bz2"
candidates = "candidates/candidates.csv"
exclusion_zones = "boundaries/exclusion_zones.geojson"

[population]
allocation = "proportional"
county_older_totals = {{ "{DEMO_COUNTY_NAME}" = {DEMO_OLDER_TOTAL} }}

[network]
source = "file"
"""


def demo_config_path() -> Path:
    """Path of the committed demo study config, ``data/demo_county.toml``.

    Returns
    -------
    Path
        The config file of the bundled synthetic demo county.

    Raises
    ------
    InputFileNotFoundError
        When the repository's ``data/`` folder has no demo config (e.g. an
        installed package without the data).
    """
    path = DEMO_DATA_DIR / "demo_county.toml"
    if not path.exists():
        raise InputFileNotFoundError(
            f"{path}: the demo county config is missing. Fix: regenerate it with "
            f"`python -m planner.demo {path.parent}` (the package ships it in planner/demo/data/). "
            f"演示县配置文件不存在：请运行 `python -m planner.demo {path.parent}` 重新生成。")
    return path


def main(argv: list[str] | None = None) -> int:
    """``python -m planner.demo [out_dir] [--seed N]``: regenerate the demo county."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m planner.demo",
                                     description="Write the synthetic demo county (合成示范县).")
    parser.add_argument("out_dir", nargs="?", type=Path,
                        default=DEMO_DATA_DIR)
    parser.add_argument("--seed", type=int, default=2020)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    generate_demo_county(args.out_dir, seed=args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
