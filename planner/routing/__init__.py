"""Routing stage: exact travel times settlement -> facility on the road graph of a travel profile."""

from __future__ import annotations

from planner.routing.counts import ReachCounts, reach_counts
from planner.routing.datum import DatumTest, check_points_on_roads, datum_tests
from planner.routing.graph import RoutingGraph
from planner.routing.jit import kernels_need_compiling
from planner.routing.parallel import default_threads
from planner.routing.queries import (
    NearestFacility,
    NodeTimes,
    ReachMatrix,
    nearest_facility,
    nearest_source_times,
    reach_matrix,
    reach_nodes,
)

__all__ = [
    "RoutingGraph",
    "NearestFacility",
    "ReachMatrix",
    "ReachCounts",
    "NodeTimes",
    "nearest_facility",
    "reach_matrix",
    "reach_counts",
    "reach_nodes",
    "nearest_source_times",
    "DatumTest",
    "datum_tests",
    "check_points_on_roads",
    "kernels_need_compiling",
    "default_threads",
]
