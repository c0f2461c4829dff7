"""The synthetic road-network generator."""

from __future__ import annotations

import numpy as np
import pytest

from planner.network import RoadNetwork, random_points_near, synthetic_road_network


def test_seeded_and_road_like():
    a = synthetic_road_network(20_000, seed=7)
    b = synthetic_road_network(20_000, seed=7)
    c = synthetic_road_network(20_000, seed=8)
    assert isinstance(a, RoadNetwork)
    np.testing.assert_array_equal(a.lon, b.lon)
    np.testing.assert_array_equal(a.u, b.u)
    assert not np.array_equal(a.lon, c.lon)
    assert abs(a.n_nodes - 20_000) < 0.05 * 20_000
    arcs = 2 * a.n_segments - int((a.oneway != 0).sum())
    assert 2.2 < arcs / a.n_nodes < 2.8
    # every node is used by a segment, no self-loops, indices valid
    used = np.zeros(a.n_nodes, dtype=bool)
    used[a.u] = used[a.v] = True
    assert used.all()
    assert (a.u != a.v).all() and a.u.max() < a.n_nodes
    # a hierarchy of classes and some one-way streets, in Heilongjiang
    assert {"motorway", "trunk", "primary", "secondary", "residential"} <= set(a.highway)
    assert 0.02 < (a.oneway != 0).mean() < 0.15
    assert set(np.unique(a.oneway)) <= {-1, 0, 1}
    assert 121 < a.lon.min() and a.lon.max() < 135 and 43 < a.lat.min() and a.lat.max() < 54
    # block edges ~250 m split into 1-3 segments
    assert 60 < np.median(a.length_m) < 250
    assert "synthetic" in a.name


def test_small_and_invalid_sizes():
    net = synthetic_road_network(50, seed=0)
    assert net.n_segments > 0
    with pytest.raises(ValueError):
        synthetic_road_network(1, seed=0)


def test_random_points_near_roads():
    net = synthetic_road_network(5_000, seed=1)
    pts = random_points_near(net, 100, seed=2, max_offset_m=100.0, kind="community", prefix="S")
    assert len(pts) == 100 and pts.index[0] == "S0" and pts.index.is_unique
    assert pts.crs.to_epsg() == 4326 and (pts["kind"] == "community").all()
    # every point lies within max_offset of some node's neighbourhood (bbox check)
    assert net.lon.min() - 0.01 < pts.geometry.x.min() and pts.geometry.x.max() < net.lon.max() + 0.01
    again = random_points_near(net, 100, seed=2, max_offset_m=100.0)
    np.testing.assert_array_equal(pts.geometry.x.to_numpy(), again.geometry.x.to_numpy())
