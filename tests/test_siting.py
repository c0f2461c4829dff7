"""Location-allocation: the numeric core on hand-computable matrices, spopt cross-checks,
and the study adapter (exclusion zones, occupancy rule, co-location, curve, outputs)."""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import scipy.sparse as sp
from shapely.geometry import Point, box

from planner.config import PolicyTargets, SitingConfig, default_config
from planner.errors import ConfigError, InputError
from planner.optim import locate as L

# --------------------------------------------------------------------------- core: hand-computed

# 4 demands x 3 sites.  site0 covers {0,1}, site1 {1,2}, site2 {2,3}.
COVER = np.array([[1, 0, 0], [1, 1, 0], [0, 1, 1], [0, 0, 1]], dtype=bool)
W = np.array([10.0, 20.0, 30.0, 5.0])


def test_mclp_hand_instance_exact_and_fixed():
    one = L.solve_mclp(COVER, W, 1)
    assert one.status == "optimal" and one.gap == 0.0
    assert list(one.opened) == [1] and one.objective == 50.0
    two = L.solve_mclp(COVER, W, 2)
    assert sorted(two.opened) == [0, 2] and two.objective == 65.0
    assert list(two.opened) == [2, 0]  # ranked: site2 adds 35, then site0 adds 30
    three = L.solve_mclp(COVER, W, 3)  # a third site would add nothing: not proposed
    assert sorted(three.opened) == [0, 2] and three.objective == 65.0
    np.testing.assert_allclose(two.gains, [35.0, 30.0])
    # site1 existing: its 50 counts as given, the best single addition is site0 (+10)
    fx = L.solve_mclp(COVER, W, 1, fixed=[1])
    assert list(fx.opened) == [0] and fx.objective == 60.0
    assert list(fx.credited) == [0, -1, -1, -1]
    with pytest.raises(ValueError):
        fx.covered[0] = False  # results are read-only


def test_mclp_greedy_is_suboptimal_here_and_reports_its_gap():
    g = L.solve_mclp(COVER, W, 2, method="greedy")
    # greedy takes site1 (50) first, then site0 (+10) = 60 < 65
    assert g.objective == 60.0 and list(g.opened) == [1, 0]
    assert g.bound >= 65.0 - 1e-9
    assert g.gap > 0 and g.gap == pytest.approx((g.bound - 60.0) / g.bound)


def test_lscp_lists_uncoverable_instead_of_failing():
    cover = COVER.copy()
    cover[3, :] = False  # demand 3: nobody covers it
    s = L.solve_lscp(cover)
    assert s.status == "optimal" and s.objective == 2.0
    assert list(s.uncoverable) == [3]
    assert s.covered[:3].all() and not s.covered[3]
    # with site2 existing only {0,1} remain: one site (site0)
    f = L.solve_lscp(cover, fixed=[2])
    assert list(f.opened) == [0] and f.objective == 1.0
    g = L.solve_lscp(cover, method="greedy")
    assert g.objective >= s.objective and g.gap >= 0.0


def test_lscp_preference_only_breaks_ties():
    cover = np.array([[1, 1, 0], [0, 0, 1]], dtype=bool)
    a = L.solve_lscp(cover, preference=[0.0, 0.3, 0.0])
    assert sorted(a.opened) == [1, 2] and a.objective == 2.0


def test_pmedian_hand_instance_on_a_line():
    pos_d = np.array([0.0, 1.0, 3.0, 10.0])
    pos_s = np.array([0.0, 3.0, 10.0])
    t = np.abs(pos_d[:, None] - pos_s[None, :])
    w = np.array([1.0, 1.0, 1.0, 4.0])
    one = L.solve_pmedian(t, w, 1)
    assert list(one.opened) == [2] and one.objective == pytest.approx(10 + 9 + 7)
    two = L.solve_pmedian(t, w, 2)
    assert sorted(two.opened) == [0, 2] and two.objective == pytest.approx(0 + 1 + 3 + 0)
    assert list(two.assignment) == [0, 0, 0, 2]
    g = L.solve_pmedian(t, w, 2, method="greedy")
    assert g.objective >= two.objective - 1e-9 and g.gap >= 0.0 and g.bound <= g.objective + 1e-9


def test_pmedian_unreachable_and_unserved_are_reported():
    inf = np.inf
    t = np.array([[0.0, inf], [5.0, inf], [inf, 2.0], [inf, inf]])
    w = np.array([1.0, 1.0, 1.0, 7.0])
    s = L.solve_pmedian(t, w, 1, unserved_penalty=100.0)
    assert list(s.uncoverable) == [3]          # nobody reaches it: out of the model
    assert list(s.opened) == [0]               # 0 + 5 + penalty 100 < 100 + 100 + 2
    assert list(s.unserved) == [2]             # reachable, but not by an open site
    assert s.objective == pytest.approx(0 + 5 + 100)
    assert s.assignment[3] == -1 and not s.covered[3]


def test_sparse_times_keep_explicit_zeros():
    t = sp.csr_array((np.array([0.0, 4.0]), (np.array([0, 1]), np.array([0, 0]))), shape=(2, 2))
    c = L.cover_from_times(t, 3.0)
    assert c[0, 0] and not c[1, 0]
    s = L.solve_pmedian(t, np.array([1.0, 1.0]), 1)
    assert s.objective == pytest.approx(4.0) and list(s.opened) == [0]


def test_capacitated_mclp_unsplittable_and_splittable():
    cover = np.ones((3, 2), dtype=bool)
    w = np.array([6.0, 6.0, 6.0])
    cap = np.array([10.0, 10.0])
    one = L.solve_mclp(cover, w, 1, capacity=cap)
    assert one.objective == 6.0 and one.model == "mclp_cap"
    two = L.solve_mclp(cover, w, 2, capacity=cap)
    assert two.objective == 12.0 and (two.assignment >= 0).sum() == 2
    split = L.solve_mclp(cover, w, 2, capacity=cap, splittable=True)
    assert split.objective == pytest.approx(18.0)
    # an existing centre (site 0, capacity 10) is fixed: p=1 opens site 1
    fx = L.solve_mclp(cover, w, 1, fixed=[0], capacity=cap)
    assert list(fx.opened) == [1] and fx.objective == 12.0
    gr = L.solve_mclp(cover, w, 1, capacity=cap, method="greedy")  # greedy works for capacitated models too
    assert gr.status == "greedy" and gr.objective <= 6.0 + 1e-9


def test_capacitated_pmedian_moves_demand_when_full():
    t = np.array([[0.0, 5.0], [0.0, 5.0]])
    w = np.array([6.0, 6.0])
    unc = L.solve_pmedian(t, w, 2)
    assert unc.objective == 0.0
    cap = L.solve_pmedian(t, w, 2, capacity=np.array([10.0, 10.0]))
    assert cap.objective == pytest.approx(30.0) and sorted(cap.assignment) == [0, 1]


def test_partial_cover_fewest_sites_for_a_share():
    g = np.ones(4, bool)
    assert L.solve_partial_cover(COVER, g, 0).objective == 0.0
    assert L.solve_partial_cover(COVER, g, 2).objective == 1.0   # site0 or site1 or site2
    three = L.solve_partial_cover(COVER, g, 3)
    assert three.objective == 2.0 and three.status == "optimal"
    assert L.solve_partial_cover(COVER, g, 3, fixed=[1]).objective == 1.0  # 2 already, one more
    short = L.solve_partial_cover(COVER[:, :2], g, 4)
    assert short.status == "infeasible" and short.params["max_coverable"] == 3


def test_bad_inputs_raise():
    with pytest.raises(InputError):
        L.solve_mclp(COVER, W[:3], 1)
    with pytest.raises(InputError):
        L.solve_mclp(COVER, -W, 1)
    with pytest.raises(InputError):
        L.solve_lscp(COVER, method="magic")


# --------------------------------------------------------------------------- core: spopt cross-check


@pytest.fixture(scope="module")
def random_instance():
    rng = np.random.default_rng(7)
    d = rng.uniform(0, 10, (35, 2))
    s = rng.uniform(0, 10, (14, 2))
    t = np.linalg.norm(d[:, None, :] - s[None, :, :], axis=2)
    w = rng.integers(1, 60, 35).astype(float)
    return t, w


pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _spopt_solver():
    pulp = pytest.importorskip("pulp")
    pytest.importorskip("spopt.locate")
    return pulp, pulp.PULP_CBC_CMD(msg=False)


def test_lscp_matches_spopt(random_instance):
    pulp, solver = _spopt_solver()
    from spopt.locate import LSCP

    t, _ = random_instance
    ref = LSCP.from_cost_matrix(t, 4.0).solve(solver)
    ours = L.solve_lscp(t <= 4.0)
    assert ours.objective == pytest.approx(pulp.value(ref.problem.objective))


def test_mclp_matches_spopt(random_instance):
    pulp, solver = _spopt_solver()
    from spopt.locate import MCLP

    t, w = random_instance
    for p in (2, 4):
        ref = MCLP.from_cost_matrix(t, w, 2.5, p_facilities=p).solve(solver)
        ours = L.solve_mclp(t <= 2.5, w, p)
        assert ours.objective == pytest.approx(pulp.value(ref.problem.objective))
        g = L.solve_mclp(t <= 2.5, w, p, method="greedy")
        assert g.gap >= 0.0 and g.objective <= ours.objective + 1e-9 and g.bound >= ours.objective - 1e-6


def test_pmedian_matches_spopt(random_instance):
    pulp, solver = _spopt_solver()
    from spopt.locate import PMedian

    t, w = random_instance
    ref = PMedian.from_cost_matrix(t, w, p_facilities=3).solve(solver)
    ours = L.solve_pmedian(t, w, 3)
    assert ours.objective == pytest.approx(pulp.value(ref.problem.objective), rel=1e-7)
    g = L.solve_pmedian(t, w, 3, method="greedy")
    assert g.gap >= 0.0 and g.objective >= ours.objective - 1e-6


# --------------------------------------------------------------------------- adapter

UTM = pyproj.CRS("EPSG:32652")


def _pts(xs, y=5_185_000.0, x0=500_000.0):
    return gpd.GeoSeries([Point(x0 + x, y) for x in xs], crs=UTM).to_crs("EPSG:4326").to_numpy()


def _study(*, public_occupied: float = 80.0, config=None):
    """Six villages on a line (metres east), one existing village point at 0 m."""
    from planner.data import StudyData, ValidationReport

    xs = [0, 2000, 4000, 10000, 12000, 30000]
    sett = gpd.GeoDataFrame(
        {"name": [f"村{i}" for i in range(6)], "kind": "village", "township": ["甲镇"] * 3 + ["乙镇"] * 3,
         "county": "示范县", "population": 1000.0, "older_population": [100.0, 200, 300, 400, 500, 600],
         "older_estimated": False, "urban": False, "central": False},
        geometry=_pts(xs), crs="EPSG:4326", index=pd.Index([f"S{i}" for i in range(6)], name="settlement_id"),
    )
    fac = gpd.GeoDataFrame(
        {"name": ["幸福院0", "敬老院"], "type": ["农村幸福院", "敬老院"], "tier": ["community", "county"],
         "beds": [np.nan, 100.0], "nursing_beds": np.nan, "occupied_beds": [np.nan, public_occupied],
         "public": pd.array([pd.NA, True], dtype="boolean"), "capacity": np.nan,
         "county": "示范县", "township": ["甲镇", "甲镇"]},
        geometry=_pts([0, 500]), crs="EPSG:4326", index=pd.Index(["F0", "F1"], name="facility_id"),
    )
    cands = gpd.GeoDataFrame(
        {"name": ["校舍1", "村委会2", "卫生室3", "校舍4"], "type": ["闲置校舍", "村委会", "村卫生室", "闲置校舍"],
         "township": ["甲镇", "乙镇", "乙镇", "甲镇"], "county": "示范县"},
        geometry=_pts([4000, 11000, 12000, 4200]), crs="EPSG:4326",
        index=pd.Index(["C1", "C2", "C3", "C4"], name="candidate_id"),
    )
    zone_centre = Point(504_200.0, 5_185_000.0)
    zones = gpd.GeoDataFrame({"name": ["永久基本农田"], "kind": "farmland"},
                             geometry=gpd.GeoSeries([box(zone_centre.x - 50, zone_centre.y - 50,
                                                         zone_centre.x + 50, zone_centre.y + 50)], crs=UTM)
                             .to_crs("EPSG:4326"))
    cfg = config or default_config()
    return StudyData(
        facilities=fac, settlements=sett, townships=None, counties=None, study_area=box(127, 46, 129, 48),
        projected_crs=UTM, report=ValidationReport(), config=cfg, candidates=cands, exclusion_zones=zones,
    )


@pytest.fixture(scope="module")
def study():
    return _study()


@pytest.fixture(scope="module")
def reach(study):
    from planner.siting import straight_line_reach

    # detour 1: 10 minutes by e-bike at 15 km/h = 2,500 m straight
    return straight_line_reach(study.config, detour=1.0, crs=UTM)


def test_mclp_adapter_colocation_exclusion_and_why(study, reach):
    from planner.siting import propose_sites

    r = propose_sites(study, reach, tier="community", model="mclp", p=2)
    # C3 (village clinic) and C2 tie on coverage (villages 3 and 4): co-location picks C3
    assert list(r.sites.index) == ["C3", "C1"]
    assert not bool(r.sites.loc["C1", "colocated"])  # 8 km from the clinic C3
    assert list(r.sites["rank"]) == [1, 2]
    top = r.sites.loc["C3"]
    assert top["new_settlements"] == 2 and top["new_older"] == 900.0 and bool(top["colocated"])
    assert top["settlement_ids"] == "S3;S4"
    assert "新增覆盖 2 个村、900 名老年人" in top["why_zh"] and "村卫生室" in top["why_zh"]
    assert "2 villages" in top["why_en"]
    # C4 lies in the farmland polygon
    assert list(r.excluded.index) == ["C4"] and r.excluded.loc["C4", "reason"] == "EXCLUSION_ZONE"
    assert "永久基本农田" in r.excluded.loc["C4", "detail"]
    # village 5 is 18 km from any candidate
    assert list(r.uncoverable.index) == ["S5"]
    assert r.settlements.loc["S5", "reason"] == "NO_CANDIDATE_WITHIN_THRESHOLD"
    assert list(r.settlements["covered_before"]) == [True, True, False, False, False, False]
    assert list(r.settlements["covered_after"]) == [True] * 5 + [False]
    assert r.solution.status == "optimal" and r.params["method"] == "exact"
    # e-bike 15 km/h: 1,000 m = 4 min; S4 is at C3 itself
    assert r.settlements.loc["S4", "site"] == "C3" and r.settlements.loc["S4", "time_min"] == pytest.approx(0.0)
    assert r.settlements.loc["S3", "time_min"] == pytest.approx(8.0)
    assert r.settlements.loc["S1", "time_before_min"] == pytest.approx(8.0)
    assert np.isinf(r.settlements.loc["S5", "time_min"])


def test_candidate_without_coordinates_is_excluded_and_counted(study, reach):
    from planner.siting import propose_sites

    c = study.candidates.copy()
    c.loc["C2", "geometry"] = None
    r = propose_sites(dataclasses.replace(study, candidates=c), reach, model="mclp", p=2)
    assert r.excluded.loc["C2", "reason"] == "NO_LOCATION" and r.params["n_excluded"] == 2


def test_curve_and_targets(study, reach):
    from planner.siting import propose_sites

    r = propose_sites(study, reach, model="mclp", p=3)
    assert len(r.sites) == 2  # a third site would cover nobody new
    c = r.curve.set_index("k")
    np.testing.assert_allclose(c["village_share"], [2 / 6, 4 / 6, 5 / 6, 5 / 6])
    np.testing.assert_allclose(c["older_covered"], [300, 1200, 1500, 1500])
    row = r.targets.set_index("indicator").loc["village_facility_coverage"]
    assert row["reached_at_k"] == 2
    assert "新增 2 个村级点可使村覆盖率达到 80%" in row["text_zh"]
    assert row["value_before"] == pytest.approx(2 / 6) and row["best"] == pytest.approx(5 / 6)
    assert "2 new village points reach 80%" in row["text_en"]
    sc = r.scorecard.set_index(["indicator", "scope"]).loc[("village_facility_coverage", "overall")]
    assert sc["value_before"] == pytest.approx(2 / 6) and sc["value_after"] == pytest.approx(5 / 6)
    assert "新增" in r.summary() and "new sites" in r.summary(lang="en")


def test_target_out_of_reach_is_explained(reach):
    from planner.siting import propose_sites

    cfg = dataclasses.replace(default_config(), targets=PolicyTargets(village_facility_share=0.9))
    r = propose_sites(_study(config=cfg), reach, model="mclp", p=1)
    row = r.targets.set_index("indicator").loc["village_facility_coverage"]
    assert pd.isna(row["reached_at_k"]) and row["best"] == pytest.approx(5 / 6)
    assert "1 个村在服务时间内没有候选点" in row["text_zh"]
    assert "1 have no candidate" in row["text_en"]
    assert int(r.curve["k"].max()) == 1


def test_lscp_and_pmedian_adapter(study, reach):
    from planner.siting import propose_sites

    ls = propose_sites(study, reach, model="lscp")
    assert len(ls.sites) == 2 and set(ls.sites.index) == {"C1", "C3"}
    assert list(ls.uncoverable.index) == ["S5"]
    pm = propose_sites(study, reach, model="pmedian", p=1)
    assert len(pm.sites) == 1 and pm.sites.index[0] in ("C2", "C3")
    assert np.isinf(pm.settlements.loc["S5", "time_min"])
    assert pm.settlements.loc["S4", "time_min"] == pytest.approx(0.0 if pm.sites.index[0] == "C3" else 4.0)


def test_public_occupancy_rule_blocks_the_county(reach):
    from planner.siting import propose_sites, public_occupancy_by_county

    low = _study(public_occupied=40.0)  # 40 / 100 beds < 50 %
    occ = public_occupancy_by_county(low.facilities)
    assert bool(occ.loc["示范县", "blocked"]) and occ.loc["示范县", "occupancy"] == pytest.approx(0.4)
    r = propose_sites(low, reach, model="mclp", p=2, public=True)
    assert len(r.sites) == 0
    assert (r.excluded["reason"] == "LOW_PUBLIC_OCCUPANCY").sum() == 3  # C4 is already excluded by the zone
    assert "不得新建" in r.summary()
    # village mutual-aid points are not public institutions by default
    r2 = propose_sites(low, reach, model="mclp", p=2)
    assert len(r2.sites) == 2 and r2.params["public"] is False


def test_township_tier_is_capacitated(reach):
    from planner.siting import propose_sites

    cfg = dataclasses.replace(default_config(), targets=PolicyTargets(township_centre_capacity=800.0),
                              siting=SitingConfig(colocation_bonus=0.0))
    st = _study(config=cfg)
    r = propose_sites(st, reach, tier="township", model="mclp", p=1, public=False)
    assert r.params["capacitated"] is True and r.solution.model == "mclp_cap"
    # 30 min e-bike = 7.5 km: one centre could reach 5 villages (1,500) but holds only 800
    assert r.solution.objective <= 800.0 + 1e-9
    assert r.sites["new_older"].iloc[0] <= 800.0


def test_settlements_as_candidates_and_outputs(study, reach, tmp_path):
    from planner.siting import propose_sites

    st = dataclasses.replace(study, candidates=None, exclusion_zones=None)
    r = propose_sites(st, reach, model="mclp", p=2)
    assert r.params["candidate_source"] == "settlements" and len(r.sites) == 2
    assert set(r.sites.index) <= set(st.settlements.index.astype(str))
    paths = r.to_csv(tmp_path / "csv")
    assert pd.read_csv(paths["proposed_sites"], encoding="utf-8-sig").shape[0] == 2
    gpkg = r.to_gpkg(tmp_path / "s.gpkg")
    assert len(gpd.read_file(gpkg, layer="community_proposed_sites")) == 2
    with pytest.raises(InputError):
        propose_sites(st, reach, model="nope")


def test_bad_arguments_raise_input_error(study, reach):
    from planner.siting import propose_sites, straight_line_reach

    for kw in ({"tier": "nope"}, {"method": "nope"}, {"p": -1}, {"model": "lscp", "capacitated": True},
               {"model": "target", "tier": "township"}, {"model": "centres", "tier": "community"}):
        with pytest.raises(InputError) as info:
            propose_sites(study, reach, **kw)
        assert not isinstance(info.value, ConfigError)
    with pytest.raises(InputError):
        propose_sites(study, object())
    with pytest.raises(InputError):
        straight_line_reach(study.config, detour=0.5)
    with pytest.raises(InputError, match="no routing graph"):
        propose_sites(study, {})
    # a profile the study file does not define is a study-file problem
    with pytest.raises(ConfigError):
        reach("no_such_profile", study.candidates, study.settlements, 600.0)


def test_straight_line_reach_is_a_reach_matrix(study, reach):
    from planner.routing import ReachMatrix

    rm = reach("ebike", study.candidates, study.settlements, 600.0)
    assert isinstance(rm, ReachMatrix)
    r, c, v = rm.pairs(study.candidates.index, study.settlements.index)
    assert len(r) == len(c) == len(v) and (v <= 600.0 + 1e-9).all()


def test_result_params_are_read_only_and_carry_tier_and_model(study, reach):
    from planner.codes import CandidateExclusion
    from planner.siting import propose_sites

    r = propose_sites(study, reach, model="mclp", p=2)
    assert r.tier == r.params["tier"] == "community" and r.model == r.params["model"] == "mclp"
    with pytest.raises(TypeError):
        r.params["p"] = 5
    assert r.params["thresholds_min"]  # nested mappings are frozen too
    with pytest.raises(TypeError):
        r.params["thresholds_min"]["x"] = 1
    assert all(isinstance(x, CandidateExclusion) for x in r.excluded["reason"])
    assert r.excluded.loc["C4", "reason"] is CandidateExclusion.EXCLUSION_ZONE
    assert r.excluded.loc["C4", "reason_en"] == CandidateExclusion.EXCLUSION_ZONE.en


def test_layers_go_through_the_one_serialiser(study, reach, tmp_path):
    import pyogrio

    from planner.siting import propose_tiered_sites

    tiers = propose_tiered_sites(study, reach, p={"community": 2, "township": 1})
    layers = tiers["community"].layers()
    assert list(layers) == ["proposed_sites", "excluded_candidates", "siting_settlements", "uncoverable",
                            "coverage_curve", "targets", "scorecard_before_after", "public_occupancy", "gaps"]
    path = tmp_path / "siting.gpkg"
    for r in tiers.values():  # several tiers share one file
        r.to_gpkg(path)
    names = {row[0] for row in pyogrio.list_layers(path)}
    assert {f"{t}_{n}" for t in tiers for n in ("proposed_sites", "coverage_curve", "targets")} <= names
    csvs = tiers["township"].to_csv(tmp_path / "csv")
    assert csvs["proposed_sites"].name == "township_proposed_sites.csv"
    sites = pd.read_csv(csvs["proposed_sites"], encoding="utf-8-sig")
    assert sites.columns[0] == "candidate_id" and {"lon", "lat"} <= set(sites.columns)


# --------------------------------------------------------------------------- demo county on its roads

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def demo():
    pytest.importorskip("planner.routing")
    cfg_path = ROOT / "planner" / "demo" / "data" / "demo_county.toml"
    if not cfg_path.exists():
        pytest.skip("demo county data not generated")
    from planner.config import load_config
    from planner.data import load_study
    from planner.pipeline import build_study_graphs

    data = load_study(load_config(cfg_path))
    _, graphs = build_study_graphs(data)
    return data, graphs


def test_demo_county_on_roads(demo):
    from planner.siting import propose_sites, propose_tiered_sites

    data, graphs = demo
    r = propose_sites(data, graphs, model="mclp", p=5)
    assert r.params["reach_source"] == "road_network" and r.solution.status == "optimal"
    assert 0 < len(r.sites) <= 5
    # every candidate inside an exclusion polygon is excluded, and only those
    zones = data.exclusion_zones.to_crs("EPSG:4326")
    inside = data.candidates[data.candidates.geometry.within(zones.union_all())].index
    ex = r.excluded[r.excluded["reason"] == "EXCLUSION_ZONE"].index
    assert set(ex) == set(inside) and len(ex) > 0
    assert not set(r.sites.index) & set(ex)
    # gains are non-increasing in rank order and the sites' new older people add up to the curve
    # ranked by gain plus the co-location preference: raw gains fall except where a
    # co-located site outranks a slightly larger gain by at most that preference
    bonus = r.params["preference_per_colocated_site"]
    assert (np.diff(r.sites["marginal_gain"].to_numpy()) <= bonus + 1e-6).all()
    adjusted = r.sites["marginal_gain"].to_numpy() + bonus * r.sites["colocated"].to_numpy(dtype=float)
    assert (np.diff(adjusted) <= 1e-6).all()
    c = r.curve.set_index("k")
    assert r.sites["new_older"].sum() == pytest.approx(c.loc[len(r.sites), "older_covered"] - c.loc[0, "older_covered"])
    # the settlements no candidate reaches are not covered after either
    assert not r.settlements.loc[r.uncoverable.index, "covered_after"].any()
    tiered = propose_tiered_sites(data, graphs, p={"community": 3, "township": 2},
                                  models={"community": "mclp", "township": "mclp"})
    assert set(tiered) == {"community", "township"}
    assert tiered["township"].params["capacitated"] and tiered["township"].params["public"]
    assert (tiered["township"].sites["new_older"] <= data.config.targets.township_centre_capacity + 1e-6).all()


def test_greedy_through_the_adapter_reports_gap(study, reach):
    from planner.siting import propose_sites

    r = propose_sites(study, reach, model="mclp", p=2, method="greedy")
    assert r.solution.method == "greedy" and r.solution.gap >= 0.0
    assert r.solution.bound >= r.solution.objective - 1e-9
    assert r.params["curve_method"].startswith("incremental greedy")
    assert set(r.sites.index) == {"C1", "C3"}


def test_health_facility_layer_sets_colocation(study, reach):
    from planner.siting import propose_sites

    clinic = gpd.GeoDataFrame({"name": ["乙镇卫生院"], "type": ["乡镇卫生院"]},
                              geometry=_pts([11_200]), crs="EPSG:4326")
    st = dataclasses.replace(study, candidates=study.candidates.drop(index="C3"))
    r = propose_sites(st, reach, model="mclp", p=1, health_facilities=clinic)
    top = r.sites.iloc[0]
    assert r.sites.index[0] == "C2" and bool(top["colocated"])
    assert top["health_distance_m"] == pytest.approx(200.0, abs=1.0)
    assert "毗邻乡镇卫生院（200 米）" in top["why_zh"]
    # without a health layer the village clinic C3 is the health facility its neighbour C2 (1 km) is measured
    # against
    # (C3 itself is put in an exclusion zone, so it cannot be proposed but still counts as a clinic)
    zone = gpd.GeoDataFrame({"name": ["生态保护红线"]}, geometry=gpd.GeoSeries(
        [box(511_900, 5_184_900, 512_100, 5_185_100)], crs=UTM).to_crs("EPSG:4326").to_numpy(), crs="EPSG:4326")
    near = propose_sites(study, reach, model="mclp", p=2, exclusion_zones=zone,
                         config=dataclasses.replace(study.config, siting=SitingConfig(colocation_distance_m=1500.0)))
    assert list(near.excluded.index) == ["C3"]
    assert bool(near.sites.loc["C2", "colocated"])
    assert near.sites.loc["C2", "health_distance_m"] == pytest.approx(1000.0, abs=1.0)
    assert "毗邻村卫生室（1,000 米）" in near.sites.loc["C2", "why_zh"]
    far = propose_sites(st, reach, model="mclp", p=1, health_facilities=clinic,
                        config=dataclasses.replace(study.config, siting=SitingConfig(colocation_distance_m=100.0)))
    assert not bool(far.sites.iloc[0]["colocated"])


def test_demo_before_coverage_agrees_with_the_coverage_module(demo):
    from planner.analysis import analyse_coverage
    from planner.siting import propose_sites

    data, graphs = demo
    cov = analyse_coverage(data, graphs, circles=False)
    r = propose_sites(data, graphs, model="lscp", coverage=cov)
    before = cov.settlements["community_covered"].astype(bool)
    pd.testing.assert_series_equal(r.settlements["covered_before"], before, check_names=False)
    # LSCP covers every settlement some candidate can reach: after = before | coverable
    assert (r.settlements["covered_after"] | r.settlements["uncoverable"]).all()
    row = r.scorecard.set_index(["indicator", "scope"]).loc[("village_facility_coverage", "overall")]
    assert row["value_before"] == pytest.approx(cov.scorecard.set_index(["indicator", "scope"]).loc[
        ("village_facility_coverage", "overall"), "value"])
    assert row["value_after"] > row["value_before"]


# --------------------------------------------------------------------------- brute force on tiny random instances

from itertools import combinations  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as hst  # noqa: E402


@hst.composite
def tiny(draw):
    n_d = draw(hst.integers(1, 7))
    n_s = draw(hst.integers(1, 6))
    t = np.array(draw(hst.lists(hst.lists(hst.sampled_from([0.0, 1.0, 2.0, 3.0, 5.0, 8.0, np.inf]),
                                           min_size=n_s, max_size=n_s), min_size=n_d, max_size=n_d)))
    w = np.array(draw(hst.lists(hst.integers(0, 9), min_size=n_d, max_size=n_d)), dtype=float)
    fixed = np.array(draw(hst.lists(hst.booleans(), min_size=n_s, max_size=n_s)))
    p = draw(hst.integers(0, 3))
    return t, w, fixed, p


def _brute(t, w, fixed, p, thr):
    cand = np.flatnonzero(~fixed)
    best_cov, best_cost = -1.0, np.inf
    pen = 2 * np.nanmax(np.where(np.isfinite(t), t, np.nan)) if np.isfinite(t).any() else 1.0
    pen = pen if pen > 0 else 1.0  # documented default: twice the largest time, 1 s when all are 0
    reach = np.isfinite(t).any(axis=1)
    for k in range(0, min(p, len(cand)) + 1):
        for sel in combinations(cand, k):
            open_ = fixed.copy()
            open_[list(sel)] = True
            cov = (t[:, open_] <= thr).any(axis=1) if open_.any() else np.zeros(len(w), bool)
            best_cov = max(best_cov, float(w[cov].sum()))
            near = np.where(open_.any(), t[:, open_].min(axis=1, initial=np.inf), np.inf)
            cost = np.where(np.isfinite(near), near, pen)
            best_cost = min(best_cost, float((w * np.where(reach, cost, 0.0)).sum()))
    return best_cov, best_cost


@settings(max_examples=40, deadline=None)
@given(tiny())
def test_exact_equals_brute_force_and_greedy_is_bounded(inst):
    t, w, fixed, p = inst
    cov_bf, cost_bf = _brute(t, w, fixed, p, 3.0)
    m = L.solve_mclp(t <= 3.0, w, p, fixed=fixed)
    assert m.objective == pytest.approx(cov_bf)
    g = L.solve_mclp(t <= 3.0, w, p, fixed=fixed, method="greedy")
    assert g.objective <= m.objective + 1e-9 and g.gap >= 0.0 and g.bound >= m.objective - 1e-6
    pm = L.solve_pmedian(t, w, p, fixed=fixed)
    assert pm.objective == pytest.approx(cost_bf)
    gp = L.solve_pmedian(t, w, p, fixed=fixed, method="greedy")
    assert gp.objective >= pm.objective - 1e-6 and gp.gap >= 0.0 and gp.bound <= pm.objective + 1e-6
    assert len(m.opened) <= p and len(pm.opened) <= p
    # LSCP: the fewest candidates covering everything any site can cover
    cov = t <= 3.0
    goal = cov.any(axis=1)
    cand = np.flatnonzero(~fixed)
    k_bf = next(k for k in range(len(cand) + 1) for sel in combinations(cand, k)
                if ((cov[:, fixed].any(axis=1) | cov[:, list(sel)].any(axis=1)) >= goal).all())
    ls = L.solve_lscp(cov, fixed=fixed)
    assert ls.objective == k_bf and (ls.covered == goal).all()
    assert set(ls.uncoverable) == set(np.flatnonzero(~goal))


@hst.composite
def tiny_cap(draw):
    t, w, fixed, p = draw(tiny())
    t, w = t[:5], w[:5]
    t = t[:, :4]
    fixed = fixed[:4]
    cap = np.array(draw(hst.lists(hst.sampled_from([5.0, 9.0, 14.0, np.inf]), min_size=t.shape[1],
                                  max_size=t.shape[1])))
    return t, w, fixed, min(p, 2), cap


def _brute_cap(t, w, fixed, p, cap, thr, pen):
    from itertools import product

    cand = np.flatnonzero(~fixed)
    reach = np.isfinite(t).any(axis=1)
    best_cov, best_cost = -1.0, np.inf
    for k in range(0, min(p, len(cand)) + 1):
        for sel in combinations(cand, k):
            open_ = np.flatnonzero(fixed | np.isin(np.arange(t.shape[1]), sel))
            for a in product([-1, *open_], repeat=len(w)):
                a = np.array(a)
                load = np.zeros(t.shape[1])
                ok = True
                for i, j in enumerate(a):
                    if j >= 0:
                        if not np.isfinite(t[i, j]):
                            ok = False
                            break
                        load[j] += w[i]
                if not ok or (load > cap + 1e-9).any():
                    continue
                inside = np.array([j >= 0 and t[i, j] <= thr for i, j in enumerate(a)])
                if all(j < 0 or t[i, j] <= thr for i, j in enumerate(a)):
                    best_cov = max(best_cov, float(w[inside].sum()))
                cost = sum(w[i] * (t[i, j] if j >= 0 else (pen if reach[i] else 0.0)) for i, j in enumerate(a))
                best_cost = min(best_cost, float(cost))
    return best_cov, best_cost


@settings(max_examples=25, deadline=None)
@given(tiny_cap())
def test_capacitated_exact_equals_brute_force(inst):
    t, w, fixed, p, cap = inst
    cov_bf, cost_bf = _brute_cap(t, w, fixed, p, cap, 3.0, 100.0)
    m = L.solve_mclp(t <= 3.0, w, p, fixed=fixed, capacity=cap)
    assert m.objective == pytest.approx(cov_bf)
    pm = L.solve_pmedian(t, w, p, fixed=fixed, capacity=cap, unserved_penalty=100.0)
    assert pm.objective == pytest.approx(cost_bf)


def test_partial_cover_lists_equal_gains_by_tie_weight():
    """Sites adding one village each are listed with the one serving more older people first."""
    cover = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1]], dtype=bool)  # three villages, one site each
    older = np.array([100.0, 900.0, 400.0])
    plain = L.solve_partial_cover(cover, np.ones(3, bool), 3)
    assert list(plain.opened) == [0, 1, 2]
    tied = L.solve_partial_cover(cover, np.ones(3, bool), 3, tie_weights=older)
    assert list(tied.opened) == [1, 2, 0] and list(tied.gains) == [1.0, 1.0, 1.0]
    assert tied.objective == plain.objective == 3.0
