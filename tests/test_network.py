"""Tests of planner.network: profiles -> edge times, OSM loaders, graphs, components."""

from __future__ import annotations

import numpy as np
import pytest

from planner.config import DRIVE_SPEEDS_KMH, OLDER_WALK_SPEED_MS, default_config
from planner.network import RoadNetwork, segment_travel_times

PROFILES = default_config().profiles
WALK, EBIKE, DRIVE = PROFILES["walk"], PROFILES["ebike"], PROFILES["drive"]


def _net(rows: list[tuple]) -> RoadNetwork:
    """A network of independent segments: rows of (highway, length, oneway, maxspeed, foot, motor)."""
    m = len(rows)
    hw, length, ow, ms, foot, motor = zip(*rows) if rows else ((),) * 6
    return RoadNetwork(
        node_id=np.arange(2 * m, dtype=np.int64),
        lon=np.linspace(126.6, 126.7, 2 * m), lat=np.full(2 * m, 45.7),
        u=np.arange(0, 2 * m, 2, dtype=np.int64), v=np.arange(1, 2 * m, 2, dtype=np.int64),
        length_m=np.array(length, dtype=np.float64), highway=np.array(hw, dtype=object),
        oneway=np.array(ow, dtype=np.int8), maxspeed_kmh=np.array(ms, dtype=np.float64),
        foot=np.array(foot, dtype=np.int8), motor=np.array(motor, dtype=np.int8),
        way_id=np.arange(m, dtype=np.int64), name="hand-made",
    )


NAN = float("nan")
ROWS = [
    # highway, length, oneway, maxspeed, foot, motor
    ("residential", 900.0, 0, NAN, 0, 0),      # 0 plain two-way
    ("primary", 1000.0, 1, 60.0, 0, 0),        # 1 oneway forward with maxspeed
    ("secondary", 500.0, -1, NAN, 0, 0),       # 2 oneway reversed, no maxspeed
    ("motorway", 2000.0, 1, NAN, 0, 0),        # 3 motorway: not for walkers
    ("footway", 300.0, 0, NAN, 0, -1),         # 4 footway, no cars
    ("residential", 400.0, 0, NAN, -1, 0),     # 5 foot=no
    ("service", 100.0, 0, NAN, -1, -1),        # 6 access=private
    ("tertiary_link", 200.0, 0, 20.0, 0, 0),   # 7 link with maxspeed
    ("steps", 50.0, 0, NAN, 1, -1),            # 8 steps: walk yes, bike no
]


def test_walk_times_hand_computed():
    fwd, bwd = segment_travel_times(_net(ROWS), WALK)
    v = OLDER_WALK_SPEED_MS  # 0.9 m/s everywhere, oneway ignored
    exp = np.array([900 / v, 1000 / v, 500 / v, np.inf, 300 / v, np.inf, np.inf, 200 / v, 50 / v])
    np.testing.assert_allclose(fwd, exp)
    np.testing.assert_allclose(bwd, exp)
    assert fwd[0] == pytest.approx(1000.0)  # 900 m at 0.9 m/s is 1000 s


def test_drive_times_hand_computed():
    fwd, bwd = segment_travel_times(_net(ROWS), DRIVE)
    kmh = DRIVE_SPEEDS_KMH
    res = 900 / (kmh["residential"] / 3.6)
    prim = 1000 / (60 / 3.6)  # maxspeed wins over the class speed
    sec = 500 / (kmh["secondary"] / 3.6)
    mw = 2000 / (kmh["motorway"] / 3.6)
    link = 200 / (20 / 3.6)
    inf = np.inf
    np.testing.assert_allclose(fwd, [res, prim, inf, mw, inf, 400 / (kmh["residential"] / 3.6), inf, link, inf])
    np.testing.assert_allclose(bwd, [res, inf, sec, inf, inf, 400 / (kmh["residential"] / 3.6), inf, link, inf])
    assert prim == pytest.approx(60.0)


def test_drive_without_maxspeed_or_oneway_uses_class_speeds_both_ways():
    import dataclasses

    prof = dataclasses.replace(DRIVE, use_maxspeed=False, respect_oneway=False)
    fwd, bwd = segment_travel_times(_net(ROWS), prof)
    assert fwd[1] == pytest.approx(1000 / (DRIVE_SPEEDS_KMH["primary"] / 3.6))
    assert bwd[1] == fwd[1] and bwd[2] == fwd[2]
    # tertiary_link takes the tertiary speed when maxspeed is not used
    assert fwd[7] == pytest.approx(200 / (DRIVE_SPEEDS_KMH["tertiary"] / 3.6))


def test_ebike_class_speeds_and_exclusions():
    fwd, bwd = segment_travel_times(_net(ROWS), EBIKE)
    assert fwd[0] == pytest.approx(900 / (15 / 3.6))
    assert fwd[4] == pytest.approx(300 / (8 / 3.6))  # footway at 8 km/h
    assert np.isinf(fwd[8]) and np.isinf(fwd[3]) and np.isinf(fwd[5])
    assert bwd[1] == fwd[1]  # bikes ignore oneway


def test_empty_network_gives_empty_arrays():
    fwd, bwd = segment_travel_times(_net([]), WALK)
    assert fwd.shape == (0,) and bwd.shape == (0,)
