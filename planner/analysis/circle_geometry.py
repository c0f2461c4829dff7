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

__all__ = ["BUFFER_M", "QUAD_SEGS", "multilines", "polygons"]

#: Default widening of the reached linework, metres (each side of the road).
BUFFER_M = 30.0
#: Segments per quarter circle of the buffer's round caps and joins.
QUAD_SEGS = 2


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
