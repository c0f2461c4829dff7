"""Why a settlement reaches no facility: each cause its own code and words, on small constructed graphs.

``DISCONNECTED``: its road piece holds no facility.  ``ONE_WAY_TRAPPED``: the piece holds one, but
one-way streets lead away from all of them (and when they run to a node where the road file was cut,
that node is named: the road file stops short here).  ``NO_FACILITY``: the tier has no facility at all.
"""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from planner.analysis import classify_settlements
from planner.config import default_config
from planner.network import RoadNetwork, clip_network, network_from_osm_file
from planner.routing import RoutingGraph, nearest_facility
from planner.testing import network_from_local_xy, points_from_local_xy

CFG = default_config()
DRIVE = CFG.profiles["drive"]
UTM = "EPSG:32652"
X0, Y0 = 500_000.0, 5_060_000.0
_TO_LL = pyproj.Transformer.from_crs(UTM, "EPSG:4326", always_xy=True)
SMALL = Path(__file__).resolve().parent / "fixtures" / "osm" / "small.osm"


def make_net(xy, segs, *, cut=()) -> RoadNetwork:
    """Network from local metres and (u, v, highway, oneway); node ids are index + 101; ``cut``: node indices."""
    return network_from_local_xy(xy, segs, first_id=101, cut=cut)


def pts(xy, *, prefix, kind="community") -> gpd.GeoDataFrame:
    n = len(np.asarray(xy, dtype=float).reshape(-1, 2))
    return points_from_local_xy(xy, prefix=prefix, index_name="settlement_id",
                                name=[f"{prefix}名{i}" for i in range(n)], kind=kind)


# ---------------------------------------------------------------- where the road file stops short


def test_reader_records_the_nodes_where_ways_are_cut():
    net = network_from_osm_file(SMALL)
    # way 107 runs 7-8-(missing)-9-10: the file stops short at 8 and at 9
    assert net.cut_node_ids.tolist() == [8, 9]
    assert net.dropped["segments_missing_node"] == 2


def test_clipping_records_the_nodes_where_roads_leave_the_area():
    net = make_net([(0, 0), (100, 0), (200, 0), (300, 0)],
                   [(0, 1, "residential", 0), (1, 2, "residential", 0), (2, 3, "residential", 0)], cut=[0])
    lon, lat = _TO_LL.transform(X0 + np.array([-10, 150]), Y0 + np.array([-10, 10]))
    clipped = clip_network(net, shapely.box(lon[0], lat[0], lon[1], lat[1]))
    assert clipped.n_segments == 1
    # node 1 (id 102) keeps the road that went on to node 2; the cut already known (id 101) stays
    assert clipped.cut_node_ids.tolist() == [101, 102]


# ---------------------------------------------------------------- routing reasons


def _town(cut=(3,)):
    """A two-way street A(0) - B(1) with the facility; a one-way street B -> C(3) through a bend (2), which
    runs out of the road file at C; a one-way spur B -> D(4) ending in a plain dead end; and a street E(5) -
    F(6) on its own.

    ::

        C (400, 600)                      E (1500, 0) -- F (1500, 300)
        |  one-way up (cut at C)
        2 (400, 300)
        |
        A (0, 0) ==== B (400, 0) -- one-way --> D (700, 0)
    """
    return make_net(
        [(0, 0), (400, 0), (400, 300), (400, 600), (700, 0), (1500, 0), (1500, 300)],
        [(0, 1, "residential", 0), (1, 2, "residential", 1), (2, 3, "residential", 1), (1, 4, "residential", 1),
         (5, 6, "residential", 0)],
        cut=cut,
    )


def _route(net):
    g = RoutingGraph.from_network(net, DRIVE, crs=UTM)
    # S0 on the one-way street to C, S1 on the one-way spur to D, S2 on the lone street, S3 far from any
    # road, S4 on the two-way street: reaches the facility
    settlements = pts([(410, 450), (600, 10), (1510, 150), (3000, 3000), (100, 10)], prefix="S")
    facility = pts([(0, 0)], prefix="F")
    return nearest_facility(g, settlements, facility, max_snap_m=50.0)


def test_each_cause_has_its_own_routing_reason():
    t = _route(_town()).table
    assert t["reason"].tolist() == ["ONE_WAY_TRAPPED", "ONE_WAY_TRAPPED", "DISCONNECTED", "NO_ROAD", None]
    assert np.isinf(t["time_s"].iloc[:4]).all() and np.isfinite(t["time_s"].iloc[4])
    # S0's one-way road runs to C, where the road file stops short; S1's spur ends in a plain dead end
    assert t["edge_node"].iloc[0] == 104 and pd.isna(t["edge_node"].iloc[1:]).all()
    lon, lat = _TO_LL.transform(X0 + 400.0, Y0 + 600.0)
    assert t["edge_lon"].iloc[0] == pytest.approx(lon) and t["edge_lat"].iloc[0] == pytest.approx(lat)
    # without a cut there the point is still trapped, but nothing is said about the road file
    t2 = _route(_town(cut=())).table
    assert t2["reason"].iloc[0] == "ONE_WAY_TRAPPED" and pd.isna(t2["edge_node"]).all()


def test_walkers_are_never_one_way_trapped():
    g = RoutingGraph.from_network(_town(), CFG.profiles["walk"], crs=UTM)
    nf = nearest_facility(g, pts([(410, 450), (600, 10), (1510, 150)], prefix="S"), pts([(0, 0)], prefix="F"),
                          max_snap_m=50.0)
    assert nf.table["reason"].tolist() == [None, None, "DISCONNECTED"]


# ---------------------------------------------------------------- coverage reasons and their words


def _classified(tables: dict) -> pd.DataFrame:
    s = pd.DataFrame({"kind": "community", "township": "T1", "older_population": 100.0, "older_estimated": False},
                     index=tables[next(iter(tables))].index)
    return classify_settlements(s, tables, tiers=CFG.tiers, profiles=CFG.profiles)


def test_each_cause_has_its_own_coverage_code_and_sentence():
    table = _route(_town()).table
    no_fac = table.assign(facility=pd.NA, time_s=np.inf, reason="NO_FACILITY", edge_node=pd.NA)
    out = _classified({"county": table, "township": no_fac})
    assert out["county_reason"].tolist()[:3] == ["ONE_WAY_TRAPPED", "ONE_WAY_TRAPPED", "DISCONNECTED"]
    assert (out["township_reason"] == "NO_FACILITY").all()
    assert (out["status"] == "under_served").all()
    en, zh = out["reason_detail_en"], out["reason_detail_zh"]
    assert "holds facilities of this tier, but one-way streets lead away from all of them" in en.iloc[0]
    assert "OSM node 104 (" in en.iloc[0] and "the road file stops short here" in en.iloc[0]
    assert "OSM 节点 104" in zh.iloc[0] and "道路文件在此处截断" in zh.iloc[0] and "单行道" in zh.iloc[0]
    assert "one-way streets lead away" in en.iloc[1] and "stops short" not in en.iloc[1]
    assert "holds no facility of this tier" in en.iloc[2] and "one-way" not in en.iloc[2]
    assert "没有该级设施" in zh.iloc[2]
    assert en.str.contains("the study area has no facility of this tier").all()
    # the one-way and disconnected sentences never claim the other cause
    assert "holds no facility" not in en.iloc[0]
    assert out.loc["S4", "county_covered"]
    assert out.loc["S3", "county_reason"] == "NO_ROAD"


def test_trapped_settlements_at_the_file_edge_are_named_in_a_warning(caplog):
    from planner.analysis.travel import _warn_cut_roads

    table = _route(_town()).table
    settlements = pts([(410, 450), (600, 10), (1510, 150), (3000, 3000), (100, 10)], prefix="S")
    with caplog.at_level(logging.WARNING, logger="planner.analysis.travel"):
        _warn_cut_roads("county", "drive", table, settlements)
    text = caplog.text
    assert "1 settlements are trapped" in text and "OSM node 104" in text and "S0 S名0" in text
    assert "stops short here" in text and "S1" not in text
