"""TODO"""

from __future__ import annotations

from planner.routing.graph import (
    NearestFacility,
    NodeTimes,
    ReachMatrix,
    RoutingGraph,
    nearest_facility,
    reach_matrix,
    reach_nodes,
)

__all__ = [
    "RoutingGraph",
    "NearestFacility",
    "ReachMatrix",
    "NodeTimes",
    "nearest_facility",
    "reach_matrix",
    "reach_nodes",
]
