"""The grid snapping index against shapely's nearest-geometry query."""

from __future__ import annotations

import numpy as np
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.routing.grid import SegmentGrid


def _reference(ax, ay, bx, by, px, py):
    """shapely's query_nearest over the segments; exact ties go to the lowest index."""
    lines = shapely.linestrings(np.stack([np.c_[ax, ay], np.c_[bx, by]], axis=1))
    qi, ti = shapely.STRtree(lines).query_nearest(shapely.points(px, py), all_matches=True)
    o = np.lexsort((ti, qi))
    qi, ti = qi[o], ti[o]
    first = np.r_[True, qi[1:] != qi[:-1]]
    out = np.full(px.shape[0], -1)
    out[qi[first]] = ti[first]
    d = shapely.distance(shapely.points(px, py), lines[np.maximum(out, 0)])
    return out, d


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_grid_nearest_equals_shapely_with_ties(data):
    # integer coordinates on a small lattice: many segments share end points (ties)
    m = data.draw(st.integers(1, 25))
    c = st.integers(0, 40)
    ax, ay, bx, by = (np.array(data.draw(st.lists(c, min_size=m, max_size=m)), dtype=float) * 25 for _ in range(4))
    k = data.draw(st.integers(1, 20))
    px = np.array(data.draw(st.lists(st.integers(-400, 1400), min_size=k, max_size=k)), dtype=float)
    py = np.array(data.draw(st.lists(st.integers(-400, 1400), min_size=k, max_size=k)), dtype=float)
    cell = data.draw(st.sampled_from([None, 7.0, 60.0, 500.0]))
    grid = SegmentGrid(ax, ay, bx, by, cell_m=cell)
    ref, dref = _reference(ax, ay, bx, by, px, py)
    np.testing.assert_array_equal(grid.nearest(px, py, np.full(k, np.inf)), ref)
    # within a limit: the same segment when it is within the limit, none otherwise
    lim = data.draw(st.sampled_from([0.0, 30.0, 200.0]))
    np.testing.assert_array_equal(grid.nearest(px, py, np.full(k, lim)), np.where(dref <= lim, ref, -1))


def test_points_at_shared_end_points_take_the_lowest_segment():
    # four segments meeting at (100, 100); a point on the junction is 0 m from all of them
    ax = np.array([0.0, 200.0, 100.0, 100.0])
    ay = np.array([100.0, 100.0, 0.0, 200.0])
    bx = np.full(4, 100.0)
    by = np.full(4, 100.0)
    grid = SegmentGrid(ax, ay, bx, by, cell_m=30.0)
    assert grid.nearest(np.array([100.0, 100.0]), np.array([100.0, 130.0]), np.full(2, 50.0)).tolist() == [0, 3]
