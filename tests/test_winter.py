"""Winter profiles: the cited factors, edge times slowed where they are made, the engine against networkx."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from planner.config import OLDER_WALK_SPEED_MS, default_config
from planner.config.winter import (
    ICE_WALK_DELAY_MIN_PER_KM,
    WINTER_FACTOR_SOURCES,
    WINTER_SPEED_FACTORS,
    winter_factor,
    winter_profile,
    winter_profiles,
)
from planner.errors import ConfigError


def test_walk_factor_is_the_cited_ice_delay_on_the_older_pace():
    pace = 1000.0 / OLDER_WALK_SPEED_MS / 60.0  # 18.5 min/km
    assert WINTER_SPEED_FACTORS["walk"] == pytest.approx(pace / (pace + ICE_WALK_DELAY_MIN_PER_KM), abs=5e-4)
    assert 0.85 < WINTER_SPEED_FACTORS["walk"] < 0.95
    assert WINTER_SPEED_FACTORS["drive"] == 0.70  # FHWA: arterial speeds -30..-40 % on snowy pavement, low end


def test_every_factor_has_a_source_and_the_assumption_is_labelled():
    assert set(WINTER_FACTOR_SOURCES) == set(WINTER_SPEED_FACTORS) == {"walk", "bike", "drive"}
    assert WINTER_FACTOR_SOURCES["bike"][1] is True and "assumption" in WINTER_FACTOR_SOURCES["bike"][0]
    assert not WINTER_FACTOR_SOURCES["walk"][1] and "Fossum" in WINTER_FACTOR_SOURCES["walk"][0]
    assert not WINTER_FACTOR_SOURCES["drive"][1] and "FHWA" in WINTER_FACTOR_SOURCES["drive"][0]
    assert all(0 < f <= 1 for f in WINTER_SPEED_FACTORS.values())


def test_winter_profile_keeps_the_name_and_slows_roads_and_the_walking_access_leg():
    cfg = default_config()
    for name, summer in cfg.profiles.items():
        w = winter_profile(summer)
        assert w.name == name and w.mode == summer.mode and w.speed_kmh == summer.speed_kmh
        assert w.speed_factor == pytest.approx(WINTER_SPEED_FACTORS[summer.mode])
        assert w.access_speed_kmh == pytest.approx(summer.access_speed_kmh * WINTER_SPEED_FACTORS["walk"])
    assert set(winter_profiles(cfg)) == set(cfg.profiles)
    assert winter_factor("walk", {"walk": 0.5}) == 0.5
    with pytest.raises(ConfigError, match="no winter speed factor for mode 'ski'"):
        winter_factor("ski")


def test_winter_edge_times_are_summer_times_over_the_factor_maxspeed_included():
    from planner.network import segment_travel_times
    from planner.network.synthetic import synthetic_road_network

    net = synthetic_road_network(400, seed=3)
    ms = np.full(len(net.length_m), np.nan)
    ms[::3] = 50.0  # tagged maxspeed on a third of the segments: the factor applies there too
    net = dataclasses.replace(net, maxspeed_kmh=ms)
    for summer in default_config().profiles.values():
        s_f, s_b = segment_travel_times(net, summer)
        w_f, w_b = segment_travel_times(net, winter_profile(summer))
        f = WINTER_SPEED_FACTORS[summer.mode]
        for s, w in ((s_f, w_f), (s_b, w_b)):
            assert np.array_equal(np.isfinite(s), np.isfinite(w))  # same usable roads
            ok = np.isfinite(s)
            np.testing.assert_allclose(w[ok], s[ok] / f, rtol=1e-12)


@pytest.mark.parametrize("name", ["walk", "drive"])
def test_winter_graph_nearest_times_equal_networkx_reference(name):
    from planner.network.synthetic import random_points_near, synthetic_road_network
    from planner.routing import RoutingGraph
    from planner.testing import assert_times_equal_reference

    net = synthetic_road_network(300, seed=11)
    prof = winter_profile(default_config().profiles[name])
    graph = RoutingGraph.from_network(net, prof)
    sett = random_points_near(net, 40, seed=1, prefix="S")
    fac = random_points_near(net, 5, seed=2, prefix="F")
    assert_times_equal_reference(graph, sett, fac)


def test_speed_factor_is_checked_at_load():
    from planner.config import config_from_dict

    cfg = config_from_dict({"profiles": {"walk": {"speed_factor": 0.8}}})
    assert cfg.profiles["walk"].speed_factor == 0.8
    with pytest.raises(ConfigError, match=r"profiles\.walk\.speed_factor = 0 is out of range.*Fix"):
        config_from_dict({"profiles": {"walk": {"speed_factor": 0}}})
