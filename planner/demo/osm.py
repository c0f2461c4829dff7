"""OpenStreetMap building blocks: a node/way store in local km, road polylines, grids, bridges, junctions, XML."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from xml.sax.saxutils import quoteattr

import numpy as np
import shapely
from shapely.geometry import Polygon

from planner.demo.layout import River, lonlat


def wiggly(a, b, rng: np.random.Generator, *, amp: float = 0.04, step: tuple[float, float] = (0.05, 0.15),
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


@dataclass
class Osm:
    """Nodes (shared by exact position) and ways, in local km coordinates."""

    xy: list[tuple[float, float]] = field(default_factory=list)
    key: dict[tuple[int, int], int] = field(default_factory=dict)
    connectable: list[bool] = field(default_factory=list)
    ways: list[tuple[list[int], dict[str, str]]] = field(default_factory=list)

    def node(self, x: float, y: float) -> int:
        """Id of the node at ``(x, y)``, added if no node sits there (to 0.1 m)."""
        k = (int(round(x * 1e4)), int(round(y * 1e4)))
        i = self.key.get(k)
        if i is None:
            i = len(self.xy)
            self.key[k] = i
            self.xy.append((float(x), float(y)))
            self.connectable.append(False)
        return i

    def way(self, pts: np.ndarray, tags: dict[str, str], *, connectable: bool = True) -> list[int]:
        """Add a way through ``pts`` (repeated nodes dropped); returns its node ids.

        ``connectable`` ways may have village links attached to their nodes.
        """
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
        """Node positions as an ``(n, 2)`` array (km)."""
        return np.asarray(self.xy, dtype=float)


def add_junctions(osm: Osm) -> int:
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


def grid(osm: Osm, cx: float, cy: float, half: int, every: int, classes, *, oneway=None,
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


def bridge_way(osm: Osm, pts: np.ndarray, tags: dict[str, str], river: River) -> None:
    """Add a road crossing the river once, its crossing as a bridge way."""
    s = river.side(pts[:, 0], pts[:, 1])
    i = int(np.flatnonzero(s[1:] != s[:-1])[0])
    lo, hi = max(i - 1, 0), min(i + 3, len(pts))
    if lo > 0:
        osm.way(pts[: lo + 1], tags)
    osm.way(pts[lo:hi], {**tags, "bridge": "yes", "layer": "1"})
    if hi < len(pts):
        osm.way(pts[hi - 1:], tags)



def river_points(river: River, county: Polygon) -> np.ndarray:
    """The river's points as the OSM file draws them: across the county, 2 km past each side."""
    minx, _, maxx, _ = county.bounds
    return river.line(minx - 2.0, maxx + 2.0)


def osm_xml(osm: Osm, river: River, county: Polygon) -> str:
    """OpenStreetMap XML (API 0.6 layout) of the roads and the river, nodes sorted by id."""
    xy = osm.coords()
    rline = river_points(river, county)
    all_xy = np.vstack([xy, rline])
    lon, lat = lonlat(all_xy[:, 0], all_xy[:, 1])
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
        lines.extend(f"<tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in sorted(tags.items())
                     if not k.startswith("_"))
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
