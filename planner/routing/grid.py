"""Nearest-segment queries on a uniform grid (numba): the snapping index of :mod:`planner.routing`.

Every segment is registered in each grid cell its bounding box touches.  A
query scans square rings of cells around the point's cell and stops once
the best distance found is smaller than the distance from the point to the
edge of the scanned block: a nearer segment would have its nearest point,
and so a registration, inside the block.

Distances are computed with the operations of GEOS's
``Distance::pointToSegment`` in the same order (projection factor ``r``,
then the end-point distance or ``|s| * L``), so the values, and therefore
the choices among segments at exactly the same distance (the smallest
segment index wins), are those of ``shapely.distance`` and
``STRtree.query_nearest``, which the engine used before and the tests
compare with.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from planner.errors import InputError

__all__ = ["SegmentGrid", "point_segment_distance"]


@njit(cache=True, inline="always")
def point_segment_distance(px, py, ax, ay, bx, by):  # pragma: no cover - numba
    """Distance from ``p`` to segment ``ab``, computed as GEOS computes it."""
    if ax == bx and ay == by:
        dx = px - ax
        dy = py - ay
        return math.sqrt(dx * dx + dy * dy)
    len2 = (bx - ax) * (bx - ax) + (by - ay) * (by - ay)
    r = ((px - ax) * (bx - ax) + (py - ay) * (by - ay)) / len2
    if r <= 0.0:
        dx = px - ax
        dy = py - ay
        return math.sqrt(dx * dx + dy * dy)
    if r >= 1.0:
        dx = px - bx
        dy = py - by
        return math.sqrt(dx * dx + dy * dy)
    s = ((ay - py) * (bx - ax) - (ax - px) * (by - ay)) / len2
    return abs(s) * math.sqrt(len2)


@njit(cache=True, inline="always")
def _cells_of(ax, ay, bx, by, i, x0, y0, cell):  # pragma: no cover - numba
    """Cell index ranges (ix0, ix1, iy0, iy1) covered by the bounding box of segment ``i``."""
    return (int((min(ax[i], bx[i]) - x0) / cell), int((max(ax[i], bx[i]) - x0) / cell),
            int((min(ay[i], by[i]) - y0) / cell), int((max(ay[i], by[i]) - y0) / cell))


@njit(cache=True)
def _build(ax, ay, bx, by, x0, y0, cell, nx, ny):  # pragma: no cover - numba
    """Cell lists of the segments in CSR form: (pointer per cell, segment ids)."""
    m = ax.shape[0]
    count = np.zeros(nx * ny + 1, dtype=np.int64)
    for i in range(m):
        ix0, ix1, iy0, iy1 = _cells_of(ax, ay, bx, by, i, x0, y0, cell)
        for iy in range(iy0, iy1 + 1):
            for ix in range(ix0, ix1 + 1):
                count[iy * nx + ix + 1] += 1
    for c in range(nx * ny):
        count[c + 1] += count[c]
    items = np.empty(count[nx * ny], dtype=np.int64)
    fill = count[:-1].copy()
    for i in range(m):
        ix0, ix1, iy0, iy1 = _cells_of(ax, ay, bx, by, i, x0, y0, cell)
        for iy in range(iy0, iy1 + 1):
            for ix in range(ix0, ix1 + 1):
                c = iy * nx + ix
                items[fill[c]] = i
                fill[c] += 1
    return count, items


@njit(cache=True)
def _nearest(ptr, items, ax, ay, bx, by, x0, y0, cell, nx, ny, px, py, limit):  # pragma: no cover - numba
    """Per point the nearest item within ``limit`` (ties: lowest item), ``-1`` if none."""
    k = px.shape[0]
    best_i = np.full(k, -1, dtype=np.int64)
    for q in range(k):
        x = px[q]
        y = py[q]
        lim = limit[q]
        fx = (x - x0) / cell
        fy = (y - y0) / cell
        if not (abs(fx) < 1e15 and abs(fy) < 1e15):
            continue
        cx = int(math.floor(fx))
        cy = int(math.floor(fy))
        best = np.inf
        bi = -1
        r = 0
        while True:
            # cells at Chebyshev distance r from (cx, cy), clipped to the grid
            for iy in range(max(cy - r, 0), min(cy + r, ny - 1) + 1):
                edge_row = iy == cy - r or iy == cy + r
                step = 1 if edge_row else 2 * r
                ix = cx - r
                while ix <= cx + r:
                    if 0 <= ix < nx:
                        c = iy * nx + ix
                        for t in range(ptr[c], ptr[c + 1]):
                            i = items[t]
                            d = point_segment_distance(x, y, ax[i], ay[i], bx[i], by[i])
                            if d < best or (d == best and i < bi):
                                best = d
                                bi = i
                    if step == 0:
                        break
                    ix += step
            # every item nearer than the block's edge has been seen (a hair of margin
            # against rounding in the cell index of a point on the edge)
            edge = min(x - (x0 + (cx - r) * cell), (x0 + (cx + r + 1) * cell) - x,
                       y - (y0 + (cy - r) * cell), (y0 + (cy + r + 1) * cell) - y) - 1e-9 * cell
            if best < edge or edge > lim:
                break
            if cx + r >= nx - 1 and cx - r <= 0 and cy + r >= ny - 1 and cy - r <= 0:
                break  # the whole grid has been scanned
            r += 1
        if not best <= lim:
            bi = -1
        best_i[q] = bi
    return best_i


class SegmentGrid:
    """A uniform grid over segments for exact nearest-segment queries.

    Parameters
    ----------
    ax, ay, bx, by
        Segment end coordinates (projected metres).
    cell_m
        Cell size; default: the side of a square holding one segment on
        average over the segments' bounding box, within 10 m to 2 km.
    """

    def __init__(self, ax: np.ndarray, ay: np.ndarray, bx: np.ndarray, by: np.ndarray, *,
                 cell_m: float | None = None) -> None:
        self.ax, self.ay, self.bx, self.by = (np.ascontiguousarray(a, dtype=np.float64) for a in (ax, ay, bx, by))
        m = self.ax.shape[0]
        if m == 0:
            raise InputError("a segment grid needs at least one segment")
        xmin = float(min(self.ax.min(), self.bx.min()))
        xmax = float(max(self.ax.max(), self.bx.max()))
        ymin = float(min(self.ay.min(), self.by.min()))
        ymax = float(max(self.ay.max(), self.by.max()))
        if cell_m is None:
            area = max((xmax - xmin) * (ymax - ymin), 1.0)
            cell_m = float(np.clip(math.sqrt(area / m), 10.0, 2000.0))
        self.cell = float(cell_m)
        self.x0, self.y0 = xmin, ymin
        self.nx = int((xmax - xmin) / self.cell) + 1
        self.ny = int((ymax - ymin) / self.cell) + 1
        self.ptr, self.items = _build(self.ax, self.ay, self.bx, self.by, self.x0, self.y0, self.cell,
                                      self.nx, self.ny)

    def nearest(self, px: np.ndarray, py: np.ndarray, limit: np.ndarray) -> np.ndarray:
        """Index of the nearest segment within ``limit`` of each point (``-1``: none).

        Ties at exactly the same distance go to the lowest segment index.
        """
        px = np.ascontiguousarray(px, dtype=np.float64)
        py = np.ascontiguousarray(py, dtype=np.float64)
        limit = np.ascontiguousarray(np.broadcast_to(limit, px.shape), dtype=np.float64)
        return _nearest(self.ptr, self.items, self.ax, self.ay, self.bx, self.by, self.x0, self.y0, self.cell,
                        self.nx, self.ny, px, py, limit)
