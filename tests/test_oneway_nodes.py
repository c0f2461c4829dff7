"""Points on nodes stand at the node: one-way streets at junctions, against networkx.

A point whose snap is the end of a segment (a junction, a bend, a dead end) may take every road at
that node, whichever segment it snapped to: before, a point on the junction of a one-way street
could only leave (or be reached) along that one street.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.config import default_config
from planner.network import RoadNetwork, segment_travel_times
from planner.routing import RoutingGraph, nearest_facility, reach_matrix
from planner.routing.snap import NODE_SNAP_M
from planner.testing import (
    assert_reach_equal_reference,
    assert_times_equal_reference,
    network_from_local_xy,
    points_from_local_xy,
)

PROFILES = default_config().profiles
DRIVE, WALK = PROFILES["drive"], PROFILES["walk"]
UTM = "EPSG:32652"
X0, Y0 = 500_000.0, 5_060_000.0
_TO_LL = pyproj.Transformer.from_crs(UTM, "EPSG:4326", always_xy=True)


def make_net(xy, segs) -> RoadNetwork:
    """Network from local metres and (u, v, highway, oneway) tuples; node ids are index + 1."""
    return network_from_local_xy(xy, segs, first_id=1)


def pts(xy, *, prefix="P") -> gpd.GeoDataFrame:
    return points_from_local_xy(xy, prefix=prefix)


# ---------------------------------------------------------------- the junction case by hand


def _t_junction():
    """J (node 0) joins a one-way street J -> A (segment 0, the lowest id) and a two-way J - B (segment 1).

    ::

        A (0, 300) <-- one-way -- J (0, 0) -- two-way -- B (400, 0)
    """
    return make_net([(0, 0), (0, 300), (400, 0)],
                    [(0, 1, "residential", 1), (0, 2, "residential", 0)])


def test_point_on_a_one_way_junction_leaves_by_every_road():
    net = _t_junction()
    g = RoutingGraph.from_network(net, DRIVE, crs=UTM)
    fwd, _ = segment_travel_times(net, DRIVE)
    settlement, facility = pts([(0, 0)], prefix="S"), pts([(400, 0)], prefix="F")
    nf = nearest_facility(g, settlement, facility, max_snap_m=50.0)
    snap = nf.settlement_snapping.iloc[0]
    # on the junction, 0 m from both streets: the tie goes to the one-way street, at its start
    assert (int(snap["segment"]), float(snap["fraction"])) == (0, 0.0)
    # standing at J the driver takes the two-way street to B: that street's time, nothing more
    assert nf.table["time_s"].iloc[0] == pytest.approx(fwd[1], abs=1e-9)
    assert pd.isna(nf.table["reason"].iloc[0])
    rm = reach_matrix(g, facility, settlement, cutoff_s=float(fwd[1]) + 1.0, max_snap_m=50.0)
    assert rm.to_dense()[0, 0] == pytest.approx(fwd[1], abs=1e-9)
    assert_times_equal_reference(g, settlement, facility, max_snap_m=50.0)


def test_facility_on_the_head_of_a_one_way_is_reached_by_every_road():
    # the one-way street now runs A -> J: a facility on J snaps to its end (fraction 1)
    net = make_net([(0, 0), (0, 300), (400, 0)], [(1, 0, "residential", 1), (0, 2, "residential", 0)])
    g = RoutingGraph.from_network(net, DRIVE, crs=UTM)
    fwd, bwd = segment_travel_times(net, DRIVE)
    settlement, facility = pts([(400, 0)], prefix="S"), pts([(0, 0)], prefix="F")
    nf = nearest_facility(g, settlement, facility, max_snap_m=50.0)
    snap = nf.facility_snapping.iloc[0]
    assert (int(snap["segment"]), float(snap["fraction"])) == (0, 1.0)
    assert nf.table["time_s"].iloc[0] == pytest.approx(bwd[1], abs=1e-9)  # B -> J on the two-way street
    assert_times_equal_reference(g, settlement, facility, max_snap_m=50.0)


@pytest.mark.parametrize("offset", [1e-6, 0.5 * NODE_SNAP_M])
def test_a_snap_a_hair_from_the_junction_is_on_the_junction(offset):
    # a point 1e-6 m (or half a centimetre) down the one-way street from J: on J, not a step down a
    # street it may not drive back along; its time differs from J's only by that hair of access leg
    net = _t_junction()
    g = RoutingGraph.from_network(net, DRIVE, crs=UTM)
    settlement, facility = pts([(0, 0), (0, offset)], prefix="S"), pts([(400, 0)], prefix="F")
    nf = nearest_facility(g, settlement, facility, max_snap_m=50.0)
    assert nf.settlement_snapping["fraction"].tolist() == [0.0, 0.0]
    t = nf.table["time_s"].to_numpy()
    assert abs(t[1] - t[0]) <= 2 * offset / (DRIVE.access_speed_kmh / 3.6) + 1e-9
    assert_times_equal_reference(g, settlement, facility, max_snap_m=50.0)


def test_a_snap_beyond_the_tolerance_is_on_the_one_way_street():
    # 5 m down the one-way street J -> A: the point may only drive on to A, a dead end
    net = _t_junction()
    g = RoutingGraph.from_network(net, DRIVE, crs=UTM)
    nf = nearest_facility(g, pts([(0, 5)], prefix="S"), pts([(400, 0)], prefix="F"), max_snap_m=50.0)
    assert 0.0 < nf.settlement_snapping["fraction"].iloc[0] < 1.0
    assert np.isinf(nf.table["time_s"].iloc[0])


# ---------------------------------------------------------------- real-graph-shaped random cases


@st.composite
def street_grids(draw):
    """Streets of a town: a lattice of junctions, ways between neighbours (many one-way, some with a
    bend node in the middle, some missing), segments numbered in random order (ties between streets
    at a junction go to the lowest id); points on junctions, bends, a hair from a node, mid-street
    and off the road."""
    rows, cols = draw(st.integers(2, 4)), draw(st.integers(2, 4))
    step = draw(st.sampled_from([60.0, 150.0, 400.0]))
    xy = [(c * step, r * step) for r in range(rows) for c in range(cols)]
    segs, bends = [], []
    pairs = [(r * cols + c, r * cols + c + 1) for r in range(rows) for c in range(cols - 1)]
    pairs += [(r * cols + c, (r + 1) * cols + c) for r in range(rows - 1) for c in range(cols)]
    for a, b in pairs:
        if draw(st.integers(0, 9)) == 0:
            continue  # a missing street
        ow = draw(st.sampled_from([0, 1, 1, -1, -1]))
        hw = draw(st.sampled_from(["residential", "tertiary", "primary", "service"]))
        if draw(st.booleans()):
            a, b = b, a
        if draw(st.booleans()):  # a bend: two segments of one way through a shape node
            (ax, ay), (bx, by) = xy[a], xy[b]
            xy.append(((ax + bx) / 2 + draw(st.sampled_from([0.0, 7.0])), (ay + by) / 2))
            m = len(xy) - 1
            bends.append(m)
            segs += [(a, m, hw, ow), (m, b, hw, ow)]
        else:
            segs.append((a, b, hw, ow))
    if not segs:
        segs.append((0, 1, "residential", 1))
    order = draw(st.permutations(range(len(segs))))
    segs = [segs[i] for i in order]
    n_pts = draw(st.integers(2, 12))
    where = []
    for _ in range(n_pts):
        kind = draw(st.sampled_from(["junction", "junction", "bend", "hair", "mid", "free"]))
        if kind == "junction" or (kind == "bend" and not bends):
            where.append(xy[draw(st.integers(0, rows * cols - 1))])
        elif kind == "bend":
            where.append(xy[draw(st.sampled_from(bends))])
        elif kind == "hair":
            x, y = xy[draw(st.integers(0, rows * cols - 1))]
            d = draw(st.sampled_from([1e-6, 3e-3, 0.02]))
            where.append((x + draw(st.sampled_from([-d, d, 0.0])), y + draw(st.sampled_from([-d, d]))))
        elif kind == "mid":
            a, b, _, _ = segs[draw(st.integers(0, len(segs) - 1))]
            f = draw(st.sampled_from([0.25, 0.5, 1e-9, 1 - 1e-9]))
            where.append((xy[a][0] + f * (xy[b][0] - xy[a][0]), xy[a][1] + f * (xy[b][1] - xy[a][1])))
        else:
            where.append((draw(st.floats(-50, step * cols)), draw(st.floats(-50, step * rows))))
    n_fac = draw(st.integers(1, n_pts - 1))
    return make_net(xy, segs), pts(where[n_fac:], prefix="S"), pts(where[:n_fac], prefix="F")


@settings(max_examples=60, deadline=None)
@given(street_grids(), st.sampled_from(["drive", "walk"]), st.sampled_from([np.inf, 120.0]))
def test_street_grids_with_points_on_nodes_equal_networkx(case, pname, cutoff):
    net, settlements, facilities = case
    g = RoutingGraph.from_network(net, PROFILES[pname], crs=UTM)
    assert_times_equal_reference(g, settlements, facilities, cutoff_s=cutoff, max_snap_m=100.0)
    assert_reach_equal_reference(g, facilities, settlements, cutoff_s=120.0 if np.isinf(cutoff) else cutoff,
                                 max_snap_m=100.0)


@settings(max_examples=40, deadline=None)
@given(street_grids())
def test_on_a_node_every_segment_gives_the_same_times(case):
    """Whichever segment at a node a point snaps to, it stands at the node: moving the point a hair
    (under the tolerance) towards another street changes its times only by that hair."""
    net, settlements, facilities = case
    g = RoutingGraph.from_network(net, DRIVE, crs=UTM)
    base = nearest_facility(g, settlements, facilities, max_snap_m=100.0)
    snap = base.settlement_snapping
    on_node = snap["ok"] & snap["fraction"].isin([0.0, 1.0]) & (snap["distance_m"] == 0.0)
    if not on_node.any():
        return
    leg = 1e-3 / (DRIVE.access_speed_kmh / 3.6)
    for dx, dy in ((1e-3, 0.0), (-1e-3, 0.0), (0.0, 1e-3), (0.0, -1e-3)):
        moved = settlements.copy()
        moved["geometry"] = gpd.GeoSeries(settlements.geometry).to_crs(UTM).translate(dx, dy).to_crs("EPSG:4326")
        got = nearest_facility(g, moved, facilities, max_snap_m=100.0)
        a = base.table["time_s"].to_numpy()[on_node.to_numpy()]
        b = got.table["time_s"].to_numpy()[on_node.to_numpy()]
        np.testing.assert_array_equal(np.isfinite(a), np.isfinite(b))
        fin = np.isfinite(a)
        assert np.all(np.abs(a[fin] - b[fin]) <= 2 * leg + 1e-6)
