"""Road networks as arrays: read OpenStreetMap (files or osmnx), clip to the study area, make edge times per profile."""

from __future__ import annotations

from planner.network.check import check_profiles, usable_segments_by_profile
from planner.network.components import Components, components_of
from planner.network.download import network_from_osmnx, osmnx_cache_path
from planner.network.load import load_network, online_settings, place_area
from planner.network.model import RoadNetwork, buffered_area, clip_network
from planner.network.online import OnlineSettings, geocode_place, osm_places_in
from planner.network.osm_tags import parse_maxspeed
from planner.network.readers import network_from_graphml, network_from_osm_file, network_to_graphml
from planner.network.reference import graph_from_network, network_from_graph
from planner.network.synthetic import (
    random_points_near,
    synthetic_road_network,
)
from planner.network.weights import arcs_from_network, arcs_from_times, segment_travel_times, usable_directions

__all__ = [
    "RoadNetwork",
    "Components",
    "segment_travel_times",
    "usable_directions",
    "arcs_from_network",
    "arcs_from_times",
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
    "online_settings",
    "place_area",
    "OnlineSettings",
    "geocode_place",
    "osm_places_in",
    "check_profiles",
    "usable_segments_by_profile",
    "parse_maxspeed",
    "synthetic_road_network",
    "random_points_near",
    "buffered_area",
]
