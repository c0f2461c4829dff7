"""TODO"""

from __future__ import annotations

from planner.network.core import (
    Components,
    RoadNetwork,
    arcs_from_network,
    clip_network,
    components_of,
    graph_from_network,
    load_network,
    network_from_graph,
    network_from_graphml,
    network_from_osm_file,
    network_from_osmnx,
    network_to_graphml,
    osmnx_cache_path,
    parse_maxspeed,
    segment_travel_times,
    usable_directions,
)
from planner.network.synthetic import (
    random_points_near,
    synthetic_road_network,
)

__all__ = [
    "RoadNetwork",
    "Components",
    "segment_travel_times",
    "usable_directions",
    "arcs_from_network",
    "graph_from_network",
    "components_of",
    "network_from_osm_file",
    "network_from_graph",
    "network_from_graphml",
    "network_to_graphml",
    "network_from_osmnx",
    "osmnx_cache_path",
    "clip_network",
    "load_network",
    "parse_maxspeed",
    "synthetic_road_network",
    "random_points_near",
]
