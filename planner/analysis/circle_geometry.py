"""From reached line pieces to polygons: one MultiLineString per facility, buffered into its area.

The reached linework is buffered by ``buffer_m`` (default :data:`BUFFER_M`,
30 m, the depth of the buildings along a street).  No convex hull and no
alpha shape: a hull would cover rivers, rail yards and land no road
reaches, which is exactly what a planner must see.

Pieces are merged into chains (``shapely.line_merge``), all chains are
buffered in one vectorised call (round caps, :data:`QUAD_SEGS` segments per
quarter circle) and each facility's chain polygons are unioned; one GEOS
buffer of the whole MultiLineString is several times slower on real street
grids (``benchmarks/bench_circles.py``).
"""

from __future__ import annotations

import numpy as np
import shapely

__all__ = ["BUFFER_M", "QUAD_SEGS", "TILE_M", "multilines", "polygons", "union_polygons", "TiledBuffer"]

#: Default widening of the reached linework, metres (each side of the road).
BUFFER_M = 30.0
#: Segments per quarter circle of the buffer's round caps and joins.
QUAD_SEGS = 2
#: Side of the grid tiles big circles are drawn in, metres (see :class:`TiledBuffer`).
TILE_M = 1000.0
#: Circles whose extent spans at most this many tiles are drawn in one union (tiles do not pay off).
_DIRECT_TILES = 3
#: Coordinate precision of the tile pieces, metres (so neighbouring tiles meet exactly).
_GRID_M = 0.001


def multilines(coords: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """One MultiLineString per group from pieces ``(k, >= 4)``: x0, y0, x1, y1.

    Groups without pieces get an empty geometry.
    """
    out = np.full(n_groups, shapely.MultiLineString(), dtype=object)
    if coords.shape[0] == 0:
        return out
    pts = np.ascontiguousarray(coords[:, :4]).reshape(-1, 2)
    lines = shapely.linestrings(pts, indices=np.repeat(np.arange(coords.shape[0]), 2))
    order = np.argsort(group, kind="stable")
    g = group[order]
    present = np.unique(g)
    # shapely.multilinestrings needs indices 0..k-1 without gaps
    dense = np.searchsorted(present, g)
    multis = shapely.multilinestrings(lines[order], indices=dense)
    out[present] = multis
    return out


def polygons(lines: np.ndarray, buffer_m: float) -> np.ndarray:
    """Buffer each reached linework.

    Pieces are merged into chains (``line_merge``), every chain is buffered
    on its own in one vectorised call and the chain polygons of a facility
    are unioned.  On the Harbin walking graph this is 4-5 times faster in
    the heavy tail than one GEOS buffer of the whole MultiLineString, whose
    noding of thousands of overlapping offset curves dominates (measured in
    ``benchmarks/bench_circles.py``).
    """
    out = np.full(lines.shape[0], shapely.Polygon(), dtype=object)
    merged = shapely.line_merge(lines)
    parts, owner = shapely.get_parts(merged, return_index=True)
    if parts.shape[0] == 0:
        return out
    bufs = shapely.buffer(parts, buffer_m, quad_segs=QUAD_SEGS)
    bounds = np.searchsorted(owner, np.arange(lines.shape[0] + 1))
    for i in range(lines.shape[0]):
        a, b = bounds[i], bounds[i + 1]
        if b > a:
            out[i] = bufs[a] if b - a == 1 else shapely.union_all(bufs[a:b])
    return out


def union_polygons(polys: np.ndarray) -> shapely.Geometry:
    """The union of polygons (an empty polygon for none)."""
    if polys.shape[0] == 0:
        return shapely.Polygon()
    return shapely.union_all(polys)


def _buffer_union(coords: np.ndarray, buffer_m: float) -> shapely.Geometry:
    """One polygon: pieces merged into chains, each chain buffered, the buffers unioned."""
    pts = np.ascontiguousarray(coords[:, :4], dtype=np.float64).reshape(-1, 2)
    lines = shapely.linestrings(pts, indices=np.repeat(np.arange(coords.shape[0]), 2))
    merged = shapely.get_parts(shapely.line_merge(shapely.multilinestrings(lines)))
    bufs = shapely.buffer(merged, buffer_m, quad_segs=QUAD_SEGS)
    return bufs[0] if bufs.shape[0] == 1 else shapely.union_all(bufs)


def _tile_keys(coords: np.ndarray, buffer_m: float, tile_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (tile, piece) pair whose piece's buffer may reach into the tile: (tile i, tile j, piece)."""
    x0, y0, x1, y1 = coords[:, 0], coords[:, 1], coords[:, 2], coords[:, 3]
    i0 = np.floor((np.minimum(x0, x1) - buffer_m) / tile_m).astype(np.int64)
    i1 = np.floor((np.maximum(x0, x1) + buffer_m) / tile_m).astype(np.int64)
    j0 = np.floor((np.minimum(y0, y1) - buffer_m) / tile_m).astype(np.int64)
    j1 = np.floor((np.maximum(y0, y1) + buffer_m) / tile_m).astype(np.int64)
    ni, nj = i1 - i0 + 1, j1 - j0 + 1
    piece = np.repeat(np.arange(coords.shape[0]), ni * nj)
    k = np.arange(piece.shape[0]) - np.repeat(np.cumsum(ni * nj) - ni * nj, ni * nj)
    ti = i0[piece] + k % ni[piece]
    tj = j0[piece] + k // ni[piece]
    return ti, tj, piece


class TiledBuffer:
    """Buffers of reached line pieces drawn per grid tile, each distinct tile drawn once.

    Big service circles (a 30-minute drive covers a whole city) share most
    of their roads: the reached pieces near a grid tile are the same for
    most facilities.  Each tile's part of the buffered linework (the union
    of the buffered pieces within ``buffer_m`` of the tile, cut to the tile)
    is drawn once per distinct set of pieces and kept; a facility's
    polygon is the coverage union of its tiles (tiles only touch), then
    simplified to :data:`SIMPLIFY_M`.  The result equals the buffer of the
    whole linework up to the simplification.  One instance serves the
    facilities of one augmented graph (one call); it holds no global state.
    """

    def __init__(self, buffer_m: float, *, tile_m: float = TILE_M) -> None:
        self.buffer_m = float(buffer_m)
        self.tile_m = float(tile_m)
        self._cache: dict[tuple[int, int, bytes], shapely.Geometry] = {}
        self.drawn = 0
        self.reused = 0

    def _tile(self, i: int, j: int, block: np.ndarray) -> shapely.Geometry:
        key = (i, j, block.tobytes())
        hit = self._cache.get(key)
        if hit is not None:
            self.reused += 1
            return hit
        self.drawn += 1
        area = _buffer_union(block, self.buffer_m)
        t = self.tile_m
        box = shapely.box(i * t, j * t, (i + 1) * t, (j + 1) * t)
        part = shapely.intersection(area, box, grid_size=_GRID_M)
        self._cache[key] = part
        return part

    def polygon(self, coords: np.ndarray) -> shapely.Geometry:
        """The buffered linework of pieces ``(k, >= 4)``: x0, y0, x1, y1 (an empty polygon for none)."""
        if coords.shape[0] == 0:
            return shapely.Polygon()
        span = max(np.ptp(coords[:, [0, 2]]), np.ptp(coords[:, [1, 3]])) + 2 * self.buffer_m
        if span <= _DIRECT_TILES * self.tile_m:  # small: one union is cheaper than tiles
            return _buffer_union(coords, self.buffer_m)
        c = np.round(np.ascontiguousarray(coords[:, :4], dtype=np.float64) / _GRID_M) * _GRID_M
        ti, tj, piece = _tile_keys(c, self.buffer_m, self.tile_m)
        rows = c[piece]
        order = np.lexsort((rows[:, 3], rows[:, 2], rows[:, 1], rows[:, 0], tj, ti))
        ti, tj, rows = ti[order], tj[order], rows[order]
        start = np.flatnonzero(np.r_[True, (ti[1:] != ti[:-1]) | (tj[1:] != tj[:-1])])
        stop = np.r_[start[1:], ti.shape[0]]
        parts = [self._tile(int(ti[a]), int(tj[a]), rows[a:b]) for a, b in zip(start, stop)]
        parts = [p for p in parts if not p.is_empty]
        if not parts:
            return shapely.Polygon()
        return _coverage_union(np.array(parts, dtype=object))


def _coverage_union(parts: np.ndarray) -> shapely.Geometry:
    """Union of polygons that only touch (tiles); the full overlay union when they do not form a coverage."""
    if parts.shape[0] == 1:
        return parts[0]
    polys = shapely.get_parts(parts)
    polys = polys[shapely.get_type_id(polys) == 3]
    try:
        out = shapely.coverage_union_all(polys)
    except shapely.errors.GEOSException:  # pragma: no cover - GEOS refused the coverage
        return shapely.union_all(polys)
    # a coverage union keeps the area exactly; tiles that did not meet edge to edge show as a change
    total = float(shapely.area(polys).sum())
    if abs(float(shapely.area(out)) - total) > 1e-9 * total + 1e-6:  # pragma: no cover - defensive
        return shapely.union_all(polys)
    return out
