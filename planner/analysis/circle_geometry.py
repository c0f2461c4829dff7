"""From reached line pieces to polygons: one MultiLineString per facility, buffered into its area.

The reached linework is buffered by ``buffer_m`` (default :data:`BUFFER_M`,
30 m, the depth of the buildings along a street).  No convex hull and no
alpha shape: a hull would cover rivers, rail yards and land no road
reaches, which is exactly what a planner must see.

Pieces are merged into chains (``shapely.line_merge``), simplified to
:data:`SIMPLIFY_M` (chain ends kept), buffered in one vectorised call (round
caps, :data:`QUAD_SEGS` segments per quarter circle) and unioned.  Circles
wider than a few tiles are drawn per grid tile (:class:`TiledBuffer`): a
tile whose reached pieces another facility already had is not drawn again,
so a city-wide drive circle costs its own frontier, not the whole city.
One GEOS buffer of the whole MultiLineString is several times slower on
real street grids (``benchmarks/bench_circles.py``).
"""

from __future__ import annotations

import numpy as np
import shapely

__all__ = ["BUFFER_M", "QUAD_SEGS", "TILE_M", "SIMPLIFY_M", "multilines", "polygons", "union_polygons", "TiledBuffer"]

#: Default widening of the reached linework, metres (each side of the road).
BUFFER_M = 30.0
#: Segments per quarter circle of the buffer's round caps and joins.
QUAD_SEGS = 2
#: Side of the grid tiles big circles are drawn in, metres (see :class:`TiledBuffer`).
TILE_M = 1000.0
#: Tolerance the merged road chains are simplified to before buffering, metres (well below the buffer).
SIMPLIFY_M = 1.0
#: Distinct tiles drawn in threads (GEOS releases the GIL) when at least this many are missing.
_PARALLEL_TILES = 8
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
    """One polygon: pieces merged into chains (simplified to :data:`SIMPLIFY_M`), each buffered, then unioned."""
    pts = np.ascontiguousarray(coords[:, :4], dtype=np.float64).reshape(-1, 2)
    lines = shapely.linestrings(pts, indices=np.repeat(np.arange(coords.shape[0]), 2))
    merged = shapely.get_parts(shapely.line_merge(shapely.multilinestrings(lines)))
    # chain ends (junctions, cut points, settlements) are kept; bends move by at most SIMPLIFY_M
    merged = shapely.simplify(merged, SIMPLIFY_M, preserve_topology=False)
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
    is drawn once per distinct set of pieces and kept (missing tiles are
    drawn in threads: GEOS releases the GIL); a facility's polygon is the
    coverage union of its tiles (tiles only touch).  The result equals the
    one-union drawing (:func:`_buffer_union`) up to the 1 mm coordinate
    grid.  A tile is keyed by its exact (grid-rounded) pieces, so one instance
    may serve several calls on the same roads (:func:`planner.analysis.circle_layers.draw_circles`
    shares one between all tiers and rules of a run: their inner tiles are the
    same) and still draws every polygon as a fresh instance would; it holds no
    global state.
    """

    def __init__(self, buffer_m: float, *, tile_m: float = TILE_M, n_threads: int | None = None) -> None:
        self.buffer_m = float(buffer_m)
        self.tile_m = float(tile_m)
        self.n_threads = int(n_threads) if n_threads is not None else _default_threads()
        self._cache: dict[tuple[int, int, bytes], shapely.Geometry] = {}
        self.drawn = 0
        self.reused = 0

    def _draw_tile(self, key: tuple[int, int, bytes], block: np.ndarray) -> shapely.Geometry:
        """One tile's part of the buffered pieces ``block`` (no shared state: safe in threads)."""
        i, j, _ = key
        t = self.tile_m
        box = shapely.box(i * t, j * t, (i + 1) * t, (j + 1) * t)
        return shapely.intersection(_buffer_union(block, self.buffer_m), box, grid_size=_GRID_M)

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
        keys = [(int(ti[a]), int(tj[a]), rows[a:b].tobytes()) for a, b in zip(start, stop)]
        missing = {k: rows[a:b] for k, a, b in zip(keys, start, stop) if k not in self._cache}
        self.reused += len(keys) - len(missing)
        self.drawn += len(missing)
        if len(missing) >= _PARALLEL_TILES and self.n_threads > 1:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(self.n_threads) as pool:
                drawn = list(pool.map(lambda kv: self._draw_tile(kv[0], kv[1]), missing.items()))
        else:
            drawn = [self._draw_tile(k, block) for k, block in missing.items()]
        self._cache.update(zip(missing, drawn))
        parts = [self._cache[k] for k in keys]
        parts = [p for p in parts if not p.is_empty]
        if not parts:
            return shapely.Polygon()
        return _coverage_union(np.array(parts, dtype=object))


def _default_threads() -> int:
    """Drawing threads: at most 8 and the search threads (numba's count: 1 in a one-thread Dask worker)."""
    from planner.routing import default_threads

    return min(8, default_threads())


def _coverage_union(parts: np.ndarray) -> shapely.Geometry:
    """Union of polygons that only touch (tiles); the full overlay union when they do not form a coverage.

    Neighbouring tiles are drawn from different sets of pieces, so a
    crossing point of a shared tile edge can come out a rounding step apart
    on the two sides, which GEOS refuses in a coverage union; the tiles are
    first made edge-matched (``coverage_clean``, snapping within 2 mm).
    """
    if parts.shape[0] == 1:
        return parts[0]
    polys = shapely.get_parts(parts)
    polys = polys[shapely.get_type_id(polys) == 3]
    total = float(shapely.area(polys).sum())
    for clean in (True, False):  # cleaning is cheaper than the failed attempt it saves on real grids
        try:
            cover = shapely.coverage_clean(polys, snapping_distance=2 * _GRID_M) if clean else polys
            out = shapely.coverage_union_all(cover)
        except shapely.errors.GEOSException:
            continue
        # a coverage union keeps the area; tiles that did not meet edge to edge would show as a change
        if abs(float(shapely.area(out)) - total) <= 1e-6 * total + 1.0:
            return out
    return shapely.union_all(polys)  # pragma: no cover - GEOS refused both
