"""Why a cross-border tier grows its profiles' buffers: the neighbours sharing a facility must reach it on the clip.

A hand-made straight road (one speed everywhere, so the buffer rule's reach is exact), a county on its
first 10 km: a community just inside walks to a facility beyond the border, and a community further out
walks to the same facility.  That community is in the county's demand context; its route runs beyond
the coverage buffer (``reach + 3 x snap + longest``) but inside the grown one (plus ``serving``).
"""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from planner.analysis import AccessContext, analyse_access
from planner.config import default_config
from planner.multi.context import context_radius_m, serving_reach_m
from planner.multi.partition import _buffers_from, partition_buffers_m, rule_extents
from planner.network import RoadNetwork, clip_network

routing = pytest.importorskip("planner.routing")

UTM = pyproj.CRS("EPSG:32652")
X0, Y0 = 600_000.0, 5_060_000.0  # near Harbin
_TO_LL = pyproj.Transformer.from_crs(UTM, "EPSG:4326", always_xy=True)
_GEOD = pyproj.Geod(ellps="WGS84")


def _road(length_m: float = 20_000.0, step_m: float = 100.0) -> RoadNetwork:
    xs = np.arange(0.0, length_m + step_m / 2, step_m)
    lon, lat = (np.asarray(a) for a in _TO_LL.transform(xs + X0, np.full(len(xs), Y0)))
    u, v = np.arange(len(xs) - 1), np.arange(1, len(xs))
    _, _, length = _GEOD.inv(lon[u], lat[u], lon[v], lat[v])
    m = len(u)
    return RoadNetwork(
        node_id=np.arange(len(xs), dtype=np.int64) + 1, lon=lon, lat=lat, u=u, v=v,
        length_m=np.asarray(length, dtype=float), highway=np.array(["residential"] * m, dtype=object),
        oneway=np.zeros(m, dtype=np.int8), maxspeed_kmh=np.full(m, np.nan), foot=np.zeros(m, dtype=np.int8),
        motor=np.zeros(m, dtype=np.int8), way_id=np.arange(m, dtype=np.int64) + 100, name="straight road",
    )


def _points(xs: list[float], ids: list[str], **cols) -> gpd.GeoDataFrame:  # noqa: ANN003
    lon, lat = _TO_LL.transform(np.asarray(xs) + X0, np.full(len(xs), Y0 + 5.0))
    return gpd.GeoDataFrame(cols, index=pd.Index(ids), geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")


def test_the_neighbours_route_needs_the_grown_buffer():
    base = default_config()
    walk = dataclasses.replace(base.profiles["walk"], max_snap_m_urban=20.0, max_snap_m_rural=20.0)
    config = base.replace(profiles={**base.profiles, "walk": walk},
                          execution=dataclasses.replace(base.execution, cross_border=("community",)))
    net = _road()
    lon, lat = _TO_LL.transform(np.array([0.0, 10_000.0]) + X0, np.array([-1000.0, 1000.0]) + Y0)
    county = shapely.box(lon[0], lat[0], lon[1], lat[1])
    # i inside the county walks 750 m to the facility j beyond the border (15 min on foot: 810 m);
    # k, 700 m further out, shares j's beds
    sett = _points([9_950.0, 11_400.0], ["i", "k"], kind="community", older_population=[100.0, 300.0])
    fac = _points([10_700.0], ["j"], tier="community", beds=[10.0], name=["j"])
    whole_graphs = {"walk": routing.RoutingGraph.from_network(net, walk)}
    tiers = {"community": config.tiers["community"]}
    whole = analyse_access(SimpleNamespace(settlements=sett, facilities=fac, config=config), whole_graphs,
                           tiers=tiers, study_config=config)
    assert whole.facilities.loc["j", "settlements_in_catchment"] == 2  # i and k share j's beds

    grown = partition_buffers_m(config, net)["walk"]
    cover = _buffers_from(rule_extents(config, net), ())["walk"]
    assert cover < 11_400.0 - 10_000.0 - 100.0 < grown  # k and its road lie between the two buffers
    radius = context_radius_m(config, serving_reach_m(config, net))
    assert radius > 11_400.0 - 10_000.0  # k is shipped as demand context
    own = SimpleNamespace(settlements=sett.loc[["i"]], facilities=fac, config=config)
    context = AccessContext(sett.loc[["k"], ["kind", "older_population", "geometry"]], tiers=("community",))
    values = {}
    for label, buf in (("grown", grown), ("coverage only", cover)):
        graphs = {"walk": routing.RoutingGraph.from_network(clip_network(net, county, buffer_m=buf), walk)}
        values[label] = analyse_access(own, graphs, tiers=tiers, study_config=config, context=context)
    key = "community_access"
    assert values["grown"].settlements.loc["i", key] == pytest.approx(whole.settlements.loc["i", key], rel=1e-12)
    assert values["grown"].facilities.loc["j", "ratio_per_1000"] == pytest.approx(
        whole.facilities.loc["j", "ratio_per_1000"], rel=1e-12)
    # on the coverage buffer's roads k finds no road: j's beds would be i's alone
    assert values["coverage only"].settlements.loc["i", key] > 1.5 * whole.settlements.loc["i", key]
