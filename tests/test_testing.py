"""The public assert helpers in planner.testing catch what they promise to catch."""

from __future__ import annotations

import numpy as np
import pytest

from planner.config import default_config
from planner.network import random_points_near, synthetic_road_network
from planner.routing import RoutingGraph
from planner.testing import (
    assert_indexed_like,
    assert_layer_contract,
    assert_reach_equal_reference,
    assert_times_equal_reference,
    reference_times,
)


@pytest.fixture(scope="module")
def case():
    net = synthetic_road_network(800, seed=11)
    settlements = random_points_near(net, 40, seed=12, max_offset_m=300.0, prefix="S")
    facilities = random_points_near(net, 4, seed=13, max_offset_m=100.0, prefix="F")
    return net, settlements, facilities


@pytest.mark.parametrize("profile", ["walk", "drive"])
def test_engine_equals_reference(case, profile):
    net, S, F = case
    g = RoutingGraph.from_network(net, default_config().profiles[profile])
    assert_times_equal_reference(g, S, F, cutoff_s=900.0, max_snap_m=300.0)
    assert_reach_equal_reference(g, F, S, cutoff_s=600.0, max_snap_m=300.0)


def test_reference_catches_a_wrong_time(case, monkeypatch):
    net, S, F = case
    g = RoutingGraph.from_network(net, default_config().profiles["walk"])
    ref = reference_times(g, S, F, max_snap_m=300.0)
    assert np.isfinite(ref).any()
    import planner.testing as t

    monkeypatch.setattr(t, "reference_times", lambda *a, **k: ref + 5.0)
    with pytest.raises(AssertionError, match="differ from the reference"):
        assert_times_equal_reference(g, S, F, max_snap_m=300.0)


def test_layer_contract_names_what_is_missing(case):
    _, S, _ = case
    S = S.rename_axis("settlement_id")
    with pytest.raises(AssertionError, match="columns missing"):
        assert_layer_contract(S, "settlements")
    with pytest.raises(AssertionError):
        assert_indexed_like(S.iloc[::-1], S)
    assert_indexed_like(S.copy(), S)


def test_demo_layers_meet_their_contracts(demo_result):
    data = demo_result.data
    assert_layer_contract(data.facilities, "facilities")
    assert_layer_contract(data.settlements, "settlements")
    assert_layer_contract(data.townships, "townships")
    assert_indexed_like(demo_result.coverage.settlements, data.settlements)
