"""Drawn polygons agree with the rule that counted the settlements.

Every settlement counted covered at a tier lies inside the circle of its
facility drawn with the rule that judged it (urban or rural profile and
minutes), every settlement assigned to a township centre lies inside that
centre's drawn catchment; on a small constructed study with different urban
and rural rules, and on the demo county.  Also: circles drawn in grid tiles
equal the one-union drawing, and the per-tier dissolve equals the union of
the circles.
"""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from planner.analysis import circle_geometry as G
from planner.config import default_config
from planner.network import RoadNetwork

routing = pytest.importorskip("planner.routing")

UTM = pyproj.CRS("EPSG:32652")
X0, Y0 = 600_000.0, 5_060_000.0
_TO_LL = pyproj.Transformer.from_crs(UTM, "EPSG:4326", always_xy=True)
_GEOD = pyproj.Geod(ellps="WGS84")


def _ll(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lon, lat = _TO_LL.transform(xy[:, 0] + X0, xy[:, 1] + Y0)
    return np.asarray(lon), np.asarray(lat)


def _grid_net(n: int = 10, step: float = 500.0) -> RoadNetwork:
    xy = np.array([(i * step, j * step) for j in range(n) for i in range(n)], dtype=float)
    edges = [(j * n + i, j * n + i + 1) for j in range(n) for i in range(n - 1)]
    edges += [(j * n + i, (j + 1) * n + i) for j in range(n - 1) for i in range(n)]
    lon, lat = _ll(xy)
    u = np.array([a for a, _ in edges], dtype=np.int64)
    v = np.array([b for _, b in edges], dtype=np.int64)
    m = len(edges)
    return RoadNetwork(
        node_id=np.arange(len(xy), dtype=np.int64) + 1, lon=lon, lat=lat, u=u, v=v,
        length_m=np.asarray(_GEOD.inv(lon[u], lat[u], lon[v], lat[v])[2], dtype=float),
        highway=np.array(["tertiary"] * m, dtype=object), oneway=np.zeros(m, dtype=np.int8),
        maxspeed_kmh=np.full(m, np.nan), foot=np.zeros(m, dtype=np.int8), motor=np.zeros(m, dtype=np.int8),
        way_id=np.arange(m, dtype=np.int64) + 100, name="constructed grid",
    )


def _config():
    """Urban and rural rules far apart, so a circle drawn with the wrong one misses settlements."""
    cfg = default_config()
    tiers = dict(cfg.tiers)
    tiers["township"] = dataclasses.replace(tiers["township"], profile="walk", minutes=12.0,
                                            rural_profile="drive", rural_minutes=4.0)
    tiers["community"] = dataclasses.replace(tiers["community"], profile="walk", minutes=15.0,
                                             rural_profile="ebike", rural_minutes=6.0)
    return dataclasses.replace(cfg, tiers=tiers)


def _study(cfg):
    from planner.data import StudyData, ValidationReport

    rng = np.random.default_rng(7)
    fxy = np.array([[1000, 1000], [3500, 3600], [1200, 3900], [4000, 700], [2250, 2260], [2500, 500]], dtype=float)
    lon, lat = _ll(fxy)
    fac = gpd.GeoDataFrame(
        {"name": [f"设施{i}" for i in range(6)],
         "type": ["区域养老服务中心", "区域养老服务中心", "农村幸福院", "养老服务驿站", "敬老院", "农村幸福院"],
         "tier": ["township", "township", "community", "community", "county", "community"],
         "capacity": [300.0, 300.0, np.nan, np.nan, np.nan, np.nan], "county": "X县", "township": "T1"},
        geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326",
        index=pd.Index([f"F{i}" for i in range(6)], name="facility_id"),
    )
    n = 40
    # settlements 40-250 m off the grid roads (road lines are at multiples of 500 m)
    base = rng.integers(0, 10, size=(n, 2)) * 500.0
    along = rng.uniform(50, 450, size=n)
    off = rng.uniform(40, 250, size=n)
    horiz = rng.random(n) < 0.5
    sxy = np.where(horiz[:, None], np.c_[base[:, 0] + along, base[:, 1] + off],
                   np.c_[base[:, 0] + off, base[:, 1] + along])
    sxy = np.clip(sxy, 0, 4500)
    lon, lat = _ll(sxy)
    kind = np.where(rng.random(n) < 0.6, "village", "community")
    sett = gpd.GeoDataFrame(
        {"name": [f"聚落{i}" for i in range(n)], "kind": kind, "township": "T1", "county": "X县",
         "population": 400.0, "older_population": 60.0, "older_estimated": False,
         "urban": kind == "community", "central": False},
        geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326",
        index=pd.Index([f"S{i:02d}" for i in range(n)], name="settlement_id"),
    )
    lo, la = _ll(np.array([[-1000.0, -1000.0], [5500.0, 5500.0]]))
    return StudyData(facilities=fac, settlements=sett, townships=None, counties=None,
                     study_area=shapely.box(lo[0], la[0], lo[1], la[1]), projected_crs=UTM,
                     report=ValidationReport(), config=cfg)


def _rule_of(kind: str) -> str:
    return "rural" if kind == "village" else "urban"


def _outside_own_circle(res, tier: str, *, wrong_rule: bool = False) -> list[str]:
    """Settlements counted covered at ``tier`` that lie outside their facility's circle of their rule."""
    s, circ = res.settlements, res.circles
    covered = s[s[f"{tier}_covered"].fillna(False).astype(bool).to_numpy()]
    out = []
    for sid, row in covered.iterrows():
        rule = _rule_of(row["kind"])
        if wrong_rule:
            rule = "urban" if rule == "rural" else "rural"
        mine = circ[(circ.index == row[f"{tier}_facility"]) & (circ["tier"] == tier)
                    & circ["applies_to"].isin([rule, "all"]).to_numpy()]
        if len(mine) != 1 or not shapely.covers(mine.geometry.iloc[0], row.geometry):
            out.append(sid)
    return out


def _outside_own_catchment(res) -> list[str]:
    s, catch = res.settlements, res.catchments
    assigned = s[s["centre"].notna()]
    return [sid for sid, row in assigned.iterrows()
            if not shapely.covers(catch.geometry.loc[row["centre"]], row.geometry)]


@pytest.fixture(scope="module")
def constructed():
    from planner.analysis import analyse_coverage, build_graphs

    cfg = _config()
    data = _study(cfg)
    graphs = build_graphs(_grid_net(), cfg, crs=UTM)
    return analyse_coverage(data, graphs, circles=True)


def test_circles_are_labelled_with_their_rule(constructed):
    circ, cfg = constructed.circles, _config()
    for key in ("township", "community"):
        t = cfg.tiers[key]
        rows = circ[circ["tier"] == key].drop_duplicates("applies_to").set_index("applies_to")
        assert set(rows.index) == {"urban", "rural"}
        assert (rows.loc["urban", "profile"], rows.loc["urban", "minutes"]) == (t.profile, t.minutes)
        assert (rows.loc["rural", "profile"], rows.loc["rural", "minutes"]) == (t.rural_profile, t.rural_minutes)
        assert rows.loc["rural", "mode"] == cfg.profiles[t.rural_profile].mode
    county = circ[circ["tier"] == "county"]
    assert set(county["applies_to"]) == {"all"}  # the same rule for both kinds: drawn once
    by_tier = constructed.circles_by_tier
    assert sorted(zip(by_tier.index, by_tier["applies_to"])) == sorted(
        {(k, a) for k, a in zip(circ["tier"], circ["applies_to"])})


@pytest.mark.parametrize("tier", ["county", "township", "community"])
def test_covered_settlements_lie_in_their_rules_circle(constructed, tier):
    s = constructed.settlements
    covered = s[f"{tier}_covered"].fillna(False).astype(bool)
    assert covered.sum() >= 5
    assert _outside_own_circle(constructed, tier) == []


def test_the_other_rules_circle_would_miss_settlements(constructed):
    # the check above can fail: the circles of the other rule leave covered settlements out
    missed = _outside_own_circle(constructed, "township", wrong_rule=True)
    missed += _outside_own_circle(constructed, "community", wrong_rule=True)
    assert len(missed) >= 3


def test_assigned_settlements_lie_in_their_centres_catchment(constructed):
    s = constructed.settlements
    assert s["centre"].notna().sum() >= 10
    assert set(s.loc[s["centre"].notna(), "kind"]) == {"village", "community"}
    assert _outside_own_catchment(constructed) == []
    catch = constructed.catchments
    assert catch.attrs["params"]["n_straight"] == 0
    assert catch["n_settlements"].sum() == s["centre"].notna().sum()
    # a catchment holds no other centre's settlements that are far from its routes
    assert (catch["area_km2"] > 0).all()


def test_dissolve_equals_the_union_of_the_circles(constructed):
    circ, by_tier = constructed.circles, constructed.circles_by_tier
    for (key, rule), group in circ.groupby(["tier", "applies_to"]):
        row = by_tier[(by_tier.index == key) & (by_tier["applies_to"] == rule).to_numpy()]
        got = row.to_crs(UTM).geometry.iloc[0]
        want = shapely.union_all(group.to_crs(UTM).geometry.to_numpy())
        assert shapely.symmetric_difference(got, want).area < 1e-3 * want.area + 1.0


def test_tiles_draw_the_same_polygon_and_reuse_shared_tiles():
    rng = np.random.default_rng(3)
    # a street grid of 60 m blocks, 3 km across, as line pieces
    k = np.arange(0, 3000, 60.0)
    pieces = [(x, y, x + 60.0, y) for x in k for y in k] + [(x, y, x, y + 60.0) for x in k for y in k]
    coords = np.array(pieces, dtype=float)
    coords = coords[rng.random(coords.shape[0]) < 0.8]
    direct = G._buffer_union(coords, 30.0)
    tb = G.TiledBuffer(30.0, tile_m=500.0)
    tiled = tb.polygon(coords)
    assert shapely.is_valid(tiled)
    assert shapely.symmetric_difference(tiled, direct).area < 1e-6 * direct.area
    assert tb.drawn > 20 and tb.reused == 0
    # a second circle sharing all but one corner of the roads reuses the unchanged tiles
    again = tb.polygon(coords[(coords[:, 0] > 200) | (coords[:, 1] > 200)])
    assert tb.reused > 0.8 * tb.drawn - 5
    assert shapely.difference(again, tiled).area < 1.0


def test_demo_county_circles_and_catchments_agree_with_the_counting(demo_result):
    cov = demo_result.coverage
    for tier in ("county", "township", "community"):
        assert _outside_own_circle(cov, tier) == []
    assert cov.settlements["centre"].notna().sum() > 100
    assert _outside_own_catchment(cov) == []
