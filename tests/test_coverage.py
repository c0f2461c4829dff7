"""Tiered coverage: reason codes, evidence, priority, summaries; end to end on tiny roads and the demo."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planner.analysis import REASON_CODES, classify_settlements, coverage_summary, township_assignment
from planner.analysis.classify import tier_reasons
from planner.analysis.explain import Finding, describe
from planner.analysis.travel import profiles_in_use
from planner.codes import CoverageReason
from planner.config import default_config

INF = np.inf
CFG = default_config()


# --------------------------------------------------------------------------- hand-made tables
#
# S1 community T1 older 200; S2 village T1 older 100 (estimated); S3 village T2 older 50;
# S4 village T1 older 300; S5 village T1 older 80 (estimated); S6 village T3 older 500.
# Township centres: C1 in T1 (cap 400), C2 in T2 (cap 1000); T3 has none.
# Township times (min): S1 C1 5 / C2 25; S2 C1 10; S3 C2 8; S4 C1 12; S5 C1 20; S6 C1 25 / C2 28.
# Most older people served: C2 takes S3, S6, S1 (750); C1 can take only 400 of S2 100, S4 300,
# S5 80: {S2, S4}; S5 spills to C1 (20 min, within): OVER_CAPACITY with C1 at 480/400.
# Community tier: S1 F1 10 min walk (ok); S2 no road (1,500 m, rural limit 1,000 m);
# S3 road piece 7 without facility; S4 F1 14 min by e-bike (threshold 10: 4.0 over);
# S5 F2 5 min; S6 F2 9 min.  County tier: all K1 at 30 min (covered).


def _settlements() -> pd.DataFrame:
    ids = pd.Index([f"S{i}" for i in range(1, 7)], name="settlement_id")
    return pd.DataFrame(
        {
            "name": [f"村{i}" for i in range(1, 7)],
            "kind": ["community", "village", "village", "village", "village", "village"],
            "township": ["T1", "T1", "T2", "T1", "T1", "T3"],
            "county": "X县",
            "older_population": [200.0, 100.0, 50.0, 300.0, 80.0, 500.0],
            "older_estimated": [False, True, False, False, True, False],
            "central": [True, False, False, False, False, False],
        },
        index=ids,
    )


def _nearest(rows: list[tuple], idx: pd.Index) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["facility", "time_s", "reason", "snap_m", "component"], index=idx)
    df["facility"] = df["facility"].astype("string")
    df["time_s"] = df["time_s"].astype(float)
    return df


def _inputs():
    s = _settlements()
    community = _nearest(
        [
            ("F1", 600, None, 20.0, 0),
            (pd.NA, INF, "NO_ROAD", 1500.0, pd.NA),
            (pd.NA, INF, "DISCONNECTED", 30.0, 7),
            ("F1", 14 * 60, None, 15.0, 0),
            ("F2", 5 * 60, None, 5.0, 0),
            ("F2", 9 * 60, None, 5.0, 0),
        ],
        s.index,
    )
    township = _nearest(
        [("C1", t * 60, None, 5.0, 0) for t in (5, 10)] + [("C2", 8 * 60, None, 5.0, 0)]
        + [("C1", t * 60, None, 5.0, 0) for t in (12, 20, 25)],
        s.index,
    )
    county = _nearest([("K1", 1800, None, 5.0, 0)] * 6, s.index)
    cent = pd.DataFrame(
        {"name": ["中心1", "中心2"], "township": ["T1", "T2"], "county": "X县", "capacity": [400.0, 1000.0]},
        index=pd.Index(["C1", "C2"], name="facility_id"),
    )
    m = np.array([[5, 25], [10, INF], [INF, 8], [12, INF], [20, INF], [25, 28]], dtype=float) * 60
    a = township_assignment(s, cent, m, threshold_min=30.0, default_capacity=10000.0)
    return s, {"community": community, "township": township, "county": county}, a


@pytest.fixture(scope="module")
def classified():
    s, nearest, a = _inputs()
    s0 = s.copy()
    out = classify_settlements(
        s, nearest, tiers=CFG.tiers, profiles=CFG.profiles,
        facility_names={"F1": "幸福院一", "C1": "中心1"}, assignment=a,
        circle15=pd.DataFrame({"time_min": [10.0], "covered": [True]}, index=pd.Index(["S1"])),
    )
    pd.testing.assert_frame_equal(s, s0)
    return out, a


def test_assignment_part_of_hand_case(classified):
    _, a = classified
    assert a.settlements["centre"].tolist() == ["C2", "C1", "C2", "C1", "C1", "C2"]
    assert a.settlements.loc["S5", "stage"] == "spill"
    assert a.centres.loc["C1", "load"] == 480 and a.centres.loc["C1", "over"]


def test_reason_codes(classified):
    out, _ = classified
    assert out.index.tolist() == [f"S{i}" for i in range(1, 7)]
    assert out["reasons"].tolist() == [
        "",
        "NO_ROAD;ESTIMATED_POPULATION",
        "DISCONNECTED",
        "BEYOND_THRESHOLD",
        "OVER_CAPACITY;ESTIMATED_POPULATION",
        "NO_TOWNSHIP_CENTRE",
    ]
    assert out["status"].tolist() == ["served"] + ["under_served"] * 5
    assert out["community_covered"].tolist() == [True, False, False, False, True, True]
    assert out["community_threshold_min"].tolist() == [15, 10, 10, 10, 10, 10]
    assert out["community_profile"].tolist() == ["walk"] + ["ebike"] * 5
    assert out["community_time_min"].iloc[1] == INF
    assert pd.isna(out["community_reason"].iloc[0])
    assert out["community_reason"].tolist()[1:4] == ["NO_ROAD", "DISCONNECTED", "BEYOND_THRESHOLD"]
    assert out["centre"].tolist() == ["C2", "C1", "C2", "C1", "C1", "C2"]


def test_estimated_population_alone_is_informational():
    s, nearest, _ = _inputs()
    s = s.loc[["S5"]]
    out = classify_settlements(s, {k: v.loc[["S5"]] for k, v in nearest.items()}, tiers=CFG.tiers,
                               profiles=CFG.profiles)
    assert out.loc["S5", "reasons"] == "ESTIMATED_POPULATION"
    assert out.loc["S5", "status"] == "served"
    assert pd.isna(out.loc["S5", "priority"])


def test_evidence_text(classified):
    out, _ = classified
    zh, en = out["reason_detail_zh"], out["reason_detail_en"]
    assert "1,500 米" in zh["S2"] and "1,000 米" in zh["S2"] and "1,500 m" in en["S2"]
    assert "估算" in zh["S2"] and "allocated" in en["S2"]
    assert "编号 7" in zh["S3"] and "id 7" in en["S3"]
    assert "F1 幸福院一" in zh["S4"] and "14.0 分钟" in zh["S4"] and "超出 10 分钟标准 4.0 分钟" in zh["S4"]
    assert "4.0 min over the 10-min threshold" in en["S4"]
    assert "C1 中心1" in zh["S5"] and "480 / 400" in zh["S5"] and "120%" in en["S5"]
    assert "T3" in zh["S6"] and "T3" in en["S6"]
    assert zh["S1"] == "" and en["S1"] == ""


def test_priority_ranks_by_older_and_shortfall(classified):
    out, _ = classified
    # scores: S6 500*1, S4 300*(1+0.4)=420, S2 100*2, S3 50*2, S5 80*1
    assert out["priority_score"].round(6).tolist()[1:] == [200.0, 100.0, 420.0, 80.0, 500.0]
    assert out["priority"].tolist()[1:] == [3, 4, 2, 5, 1]
    assert pd.isna(out["priority"].iloc[0])
    assert out.loc["S4", "shortfall_min"] == pytest.approx(4.0)
    assert out.loc["S2", "shortfall_min"] == INF


def test_circle15_columns(classified):
    out, _ = classified
    assert out.loc["S1", "circle15_covered"] == True  # noqa: E712  (nullable boolean)
    assert out.loc["S1", "circle15_time_min"] == 10.0
    assert pd.isna(out.loc["S2", "circle15_covered"])


def test_tier_without_any_facility():
    s, nearest, _ = _inputs()
    empty = nearest["county"].copy()
    empty["facility"] = pd.NA
    empty["time_s"] = INF
    empty["reason"] = "NO_FACILITY"
    out = classify_settlements(s, {"county": empty}, tiers=CFG.tiers, profiles=CFG.profiles)
    # its own code, not DISCONNECTED (which says the settlement's road piece holds no facility)
    assert (out["reasons"].str.split(";").map(lambda c: "NO_FACILITY" in c and "DISCONNECTED" not in c)).all()
    assert (out["county_reason"] == "NO_FACILITY").all() and not out["county_covered"].any()
    assert (out["status"] == "under_served").all() and np.isinf(out["shortfall_min"]).all()
    assert out["reason_detail_zh"].str.contains("研究区内没有该级设施").all()
    assert out["reason_detail_en"].str.contains("no facility of this tier").all()


def _one_village(time_s: float, older: float = 100.0) -> pd.DataFrame:
    """Classify one village (community tier only, threshold 10 min by e-bike) at ``time_s`` seconds."""
    s = _settlements().loc[["S4"]].assign(older_population=older)
    table = _nearest([("F1", time_s, None, 5.0, 0)], s.index)
    return classify_settlements(s, {"community": table}, tiers=CFG.tiers, profiles=CFG.profiles)


def test_time_exactly_at_threshold_is_covered_without_reason():
    minutes = CFG.tiers["community"].rural_minutes
    at = _one_village(minutes * 60.0).loc["S4"]
    assert at["community_covered"] and pd.isna(at["community_reason"])
    assert at["reasons"] == "" and at["status"] == "served" and at["shortfall_min"] == 0.0
    above = _one_village(minutes * 60.0 + 1e-6).loc["S4"]
    assert not above["community_covered"] and above["community_reason"] == "BEYOND_THRESHOLD"
    assert above["reasons"] == "BEYOND_THRESHOLD" and above["status"] == "under_served"


def test_covered_is_exactly_no_blocking_reason():
    t = np.array([0.0, 599.0, 600.0, 600.0 + 1e-6, INF, 100.0, INF])
    raw = [None, None, None, None, "DISCONNECTED", "NO_ROAD", "NO_FACILITY"]
    got = tier_reasons(t, raw, 10.0)
    assert got.tolist() == [None, None, None, "BEYOND_THRESHOLD", "DISCONNECTED", None, "NO_FACILITY"]
    trapped = tier_reasons([INF, 100.0], ["ONE_WAY_TRAPPED", "ONE_WAY_TRAPPED"], 10.0)
    assert trapped.tolist() == ["ONE_WAY_TRAPPED", None]
    assert all(c is None or isinstance(c, CoverageReason) for c in got)


def test_priority_shortfall_ratio_capped_at_one():
    # 3x the 10-minute threshold: uncapped the ratio would be 2 (score 300); capped at 1 it is 200
    row = _one_village(30 * 60.0).loc["S4"]
    assert row["shortfall_min"] == pytest.approx(20.0)
    assert row["priority_score"] == pytest.approx(100.0 * (1 + 1))
    # below the cap the ratio is the share of the threshold over: 15 min is 0.5 over
    assert _one_village(15 * 60.0).loc["S4", "priority_score"] == pytest.approx(150.0)


def test_reason_codes_are_the_enum():
    assert [str(c) for c in REASON_CODES] == [
        "NO_ROAD", "DISCONNECTED", "BEYOND_THRESHOLD", "OVER_CAPACITY", "NO_TOWNSHIP_CENTRE", "ESTIMATED_POPULATION",
        "NO_FACILITY", "ONE_WAY_TRAPPED",
    ]
    assert all(isinstance(c, CoverageReason) for c in REASON_CODES)


def test_explain_every_code_in_both_languages():
    findings = [
        Finding(CoverageReason.NO_ROAD, "community", {"mode": "walk", "snap_m": INF, "limit_m": 500.0}),
        Finding(CoverageReason.DISCONNECTED, "county", {"mode": "drive", "component": pd.NA}),
        Finding(CoverageReason.NO_FACILITY, "county"),
        Finding(CoverageReason.BEYOND_THRESHOLD, "township", {
            "mode": "bike", "facility": "C9", "name": "中心", "time_min": 31.25, "threshold_min": 30.0,
            "over_min": 1.25}),
        Finding(CoverageReason.OVER_CAPACITY, "township",
                {"centre": "C9", "name": "中心", "load": 1200.0, "capacity": 1000.0, "share": 1.2}),
        Finding(CoverageReason.NO_TOWNSHIP_CENTRE, None, {"township": "T9"}),
        Finding(CoverageReason.ESTIMATED_POPULATION, None, {"older": np.nan}),
    ]
    zh = [describe(f, "zh") for f in findings]
    en = [describe(f, "en") for f in findings]
    assert "未知距离" in zh[0] and "500 米" in zh[0] and "步行" in zh[0] and "an unknown distance" in en[0]
    assert "编号 ?" in zh[1] and "driving" in en[1]
    assert zh[2].endswith("研究区内没有该级设施")
    assert "31.2 分钟" in zh[3] and "1.2 min over the 30-min threshold" in en[3] and "by e-bike" in en[3]
    assert "1,200 / 1,000 人（120%）" in zh[4]
    assert "T9" in zh[5] and en[6] == "older population is unknown"
    assert findings[2].reported == "NO_FACILITY"


def test_coverage_summary(classified):
    out, _ = classified
    s = _settlements().join(out)
    overall = coverage_summary(s, None, tiers=CFG.tiers)
    row = overall.iloc[0]
    assert row["settlements"] == 6 and row["served"] == 1 and row["under_served"] == 5
    assert row["community_covered"] == 3
    assert row["community_older_covered"] == 200 + 80 + 500
    assert row["community_older_share"] == pytest.approx(780 / 1230)
    assert row["county_settlement_share"] == 1.0
    assert row["central_older_population"] == 200 and row["circle15_older_share"] == 1.0
    by_t = coverage_summary(s, "township", tiers=CFG.tiers)
    assert by_t.loc["T1", "settlements"] == 4
    assert by_t.loc["T1", "community_settlement_share"] == pytest.approx(2 / 4)


def test_profiles_in_use():
    assert profiles_in_use(CFG) == ["drive", "ebike", "walk"]


# --------------------------------------------------------------------------- end to end, tiny roads
#
# A straight tertiary road 0-1-2-3-4 km along y = 0 and a separate 1 km piece at x = 10-11 km.
# County, township (capacity 150) and community facilities at x = 0.  Settlements:
#   A village T1 at x = 1 km (older 100): served at every tier.
#   B village T1 at x = 4 km (older 100): 16 min by e-bike > 10 (community BEYOND_THRESHOLD);
#     the centre can take A + G = 150 only, so B spills to it: OVER_CAPACITY.
#   D village T2 on the separate piece: DISCONNECTED at every tier; T2 has no centre.
#   E village T1 3 km off the road: NO_ROAD (rural snapping limit 1,000 m).
#   G community T1 (central) at x = 0.3 km (older 50): 300 m walk, in the 15-minute circle.

_LON0, _LAT0 = 128.0, 46.8
_M_PER_DEG_LAT = 111_195.0
_M_PER_DEG_LON = _M_PER_DEG_LAT * np.cos(np.radians(_LAT0))


def _ll(x_m: float, y_m: float) -> tuple[float, float]:
    return _LON0 + x_m / _M_PER_DEG_LON, _LAT0 + y_m / _M_PER_DEG_LAT


def _tiny_network():
    from planner.network import RoadNetwork

    xs = [0, 1000, 2000, 3000, 4000, 10000, 11000]
    lon, lat = np.array([_ll(x, 0)[0] for x in xs]), np.array([_ll(x, 0)[1] for x in xs])
    u = np.array([0, 1, 2, 3, 5])
    v = np.array([1, 2, 3, 4, 6])
    m = len(u)
    return RoadNetwork(
        node_id=np.arange(len(xs), dtype=np.int64) + 100, lon=lon, lat=lat, u=u, v=v,
        length_m=np.full(m, 1000.0), highway=np.array(["tertiary"] * m, dtype=object),
        oneway=np.zeros(m, dtype=np.int8), maxspeed_kmh=np.full(m, np.nan),
        foot=np.zeros(m, dtype=np.int8), motor=np.zeros(m, dtype=np.int8),
        way_id=np.array([1, 1, 1, 1, 2], dtype=np.int64), name="hand-made test roads",
    )


def _tiny_study():
    import geopandas as gpd
    import pyproj
    from shapely.geometry import Point, box

    from planner.data import StudyData, ValidationReport

    fac = gpd.GeoDataFrame(
        {
            "name": ["县敬老院", "T1区域养老服务中心", "A村幸福院"],
            "type": ["敬老院", "区域养老服务中心", "农村幸福院"],
            "tier": ["county", "township", "community"],
            "beds": [100.0, 30.0, np.nan], "nursing_beds": [60.0, 10.0, np.nan],
            "occupied_beds": [70.0, 10.0, np.nan],
            "public": pd.array([True, True, pd.NA], dtype="boolean"),
            "capacity": [np.nan, 150.0, np.nan],
            "county": "X县", "township": "T1",
        },
        geometry=[Point(_ll(0, 10)), Point(_ll(5, 10)), Point(_ll(-5, 10))],
        index=pd.Index(["K1", "C1", "F1"], name="facility_id"), crs="EPSG:4326",
    )
    sett = gpd.GeoDataFrame(
        {
            "name": ["A村", "B村", "D村", "E村", "G社区"],
            "kind": ["village", "village", "village", "village", "community"],
            "township": ["T1", "T1", "T2", "T1", "T1"], "county": "X县",
            "population": [400.0, 400.0, 300.0, 200.0, 200.0],
            "older_population": [100.0, 100.0, 60.0, 40.0, 50.0],
            "older_estimated": [False, False, True, False, False],
            "urban": [False, False, False, False, True],
            "central": [False, False, False, False, True],
        },
        geometry=[Point(_ll(1000, 30)), Point(_ll(4000, 30)), Point(_ll(10500, 30)),
                  Point(_ll(2000, 3000)), Point(_ll(300, 20))],
        index=pd.Index(["A", "B", "D", "E", "G"], name="settlement_id"), crs="EPSG:4326",
    )
    area = box(*_ll(-1000, -4000), *_ll(12000, 4000))
    return StudyData(
        facilities=fac, settlements=sett, townships=None, counties=None, study_area=area,
        projected_crs=pyproj.CRS("EPSG:32652"), report=ValidationReport(), config=CFG,
    )


@pytest.fixture(scope="module")
def tiny_result():
    pytest.importorskip("planner.routing")
    from planner.analysis import analyse_coverage, build_graphs

    data = _tiny_study()
    graphs = build_graphs(_tiny_network(), CFG, crs=data.projected_crs)
    assert set(graphs) == {"walk", "ebike", "drive"}
    s0 = data.settlements.copy()
    res = analyse_coverage(data, graphs, circles=False)
    pd.testing.assert_frame_equal(data.settlements, s0)
    return res


def _codes(res, sid):
    return set(filter(None, res.settlements.loc[sid, "reasons"].split(";")))


def test_tiny_every_settlement_has_a_status(tiny_result):
    s = tiny_result.settlements
    assert s.index.tolist() == ["A", "B", "D", "E", "G"]
    assert s["status"].notna().all()
    assert s.crs == "EPSG:4326"


def test_tiny_served_and_circle(tiny_result):
    s = tiny_result.settlements
    assert _codes(tiny_result, "A") == set() and s.loc["A", "status"] == "served"
    assert s.loc["A", "community_time_min"] == pytest.approx(4.0, abs=0.8)  # 1 km at 15 km/h + access
    assert _codes(tiny_result, "G") == set()
    assert bool(s.loc["G", "circle15_covered"])
    assert s.loc["G", "community_profile"] == "walk"


def test_tiny_beyond_threshold_and_over_capacity(tiny_result):
    s = tiny_result.settlements
    assert _codes(tiny_result, "B") == {"BEYOND_THRESHOLD", "OVER_CAPACITY"}
    assert s.loc["B", "community_time_min"] > 10
    assert s.loc["B", "centre"] == "C1" and s.loc["B", "centre_stage"] == "spill"
    c = tiny_result.centres.loc["C1"]
    assert c["load"] == 250 and c["capacity"] == 150 and c["over"]
    assert c["assigned_load"] == 150
    assert tiny_result.facilities.loc["C1", "over"]


def test_tiny_disconnected_and_no_centre(tiny_result):
    s = tiny_result.settlements
    assert {"DISCONNECTED", "NO_TOWNSHIP_CENTRE", "ESTIMATED_POPULATION"} <= _codes(tiny_result, "D")
    for tier in ("county", "township", "community"):
        assert s.loc["D", f"{tier}_time_min"] == INF
        assert s.loc["D", f"{tier}_reason"] == "DISCONNECTED"
    assert "T2" in tiny_result.townships_without_centre.index


def test_tiny_no_road(tiny_result):
    s = tiny_result.settlements
    assert "NO_ROAD" in _codes(tiny_result, "E")
    assert s.loc["E", "community_snap_m"] == pytest.approx(3000, rel=0.05)
    assert "米" in s.loc["E", "reason_detail_zh"]


def test_tiny_summaries_and_scorecard(tiny_result):
    assert tiny_result.overall.loc["overall", "settlements"] == 5
    assert tiny_result.by_county.loc["X县", "served"] == 2
    card = tiny_result.scorecard
    v = card[(card["indicator"] == "village_facility_coverage") & (card["scope"] == "overall")].iloc[0]
    assert v["numerator"] == 1 and v["denominator"] == 4 and v["gap"] == 3
    fac = tiny_result.facilities
    # circles by network time: F1 reaches A (e-bike 4 min) and G (walk 300 m), not B (16 min)
    assert fac.loc["F1", "settlements_in_circle"] == 2 and fac.loc["F1", "older_in_circle"] == 150
    assert fac.loc["F1", "nearest_load"] == 150 and fac.loc["F1", "threshold_min"] == 15
    # the centre reaches A, B and G within 30 min by e-bike; E has no road, D is cut off
    assert fac.loc["C1", "settlements_in_circle"] == 3 and fac.loc["C1", "older_in_circle"] == 250
    assert fac.loc["K1", "settlements_in_circle"] == 3
    assert fac["linked"].all() and (fac["snap_m"] < 20).all()
    assert tiny_result.params["facilities_unlinked"] == {"county": 0, "township": 0, "community": 0}
    assert tiny_result.params["township_centre_capacity"] == 10000.0
    assert tiny_result.params["assignment"]["default_capacity"] == 10000.0


def test_tiny_params_read_only_and_only_in_params(tiny_result):
    with pytest.raises(TypeError):
        tiny_result.params["year"] = 1999  # type: ignore[index]
    with pytest.raises(TypeError):
        tiny_result.params["assignment"]["default_capacity"] = 1.0  # type: ignore[index]
    assert tiny_result.params["year"] == CFG.targets.milestone_year
    assert "params" not in tiny_result.scorecard.attrs and "year" not in tiny_result.scorecard.attrs


def test_tiny_year_switches_scorecard_milestones():
    pytest.importorskip("planner.routing")
    from planner.analysis import analyse_coverage, build_graphs

    data = _tiny_study()
    graphs = build_graphs(_tiny_network(), CFG, crs=data.projected_crs)
    card = analyse_coverage(data, graphs, year=2029, circles=False).scorecard
    row = card[(card["indicator"] == "rural_township_centre_coverage") & (card["scope"] == "overall")].iloc[0]
    assert row["applies"] and row["gap"] == 1  # T2 has no centre


def test_tiny_circle15_driving_reading():
    pytest.importorskip("planner.routing")
    from planner.analysis import analyse_coverage, build_graphs

    data = _tiny_study()
    graphs = build_graphs(_tiny_network(), CFG, crs=data.projected_crs)
    res = analyse_coverage(data, graphs, circles=False, circle15_profiles=("drive", "walk"))
    s = res.settlements
    assert "circle15_walk_covered" not in s  # the configured reading is the plain circle15 columns
    assert bool(s.loc["G", "circle15_drive_covered"])
    assert s.loc["G", "circle15_drive_time_min"] < s.loc["G", "circle15_time_min"]
    assert pd.isna(s.loc["A", "circle15_drive_covered"])
    assert res.overall.loc["overall", "circle15_drive_older_share"] == 1.0
    assert res.overall.loc["overall", "central_older_population"] == 50


def test_tiny_writers(tiny_result, tmp_path):
    import pyogrio

    p = tiny_result.to_gpkg(tmp_path / "coverage.gpkg")
    layers = {name for name, _ in pyogrio.list_layers(p)}
    assert {"settlements", "facilities", "centres", "scorecard", "by_township"} <= layers
    back = pyogrio.read_dataframe(p, layer="settlements")
    assert len(back) == 5 and "reasons" in back
    assert set(tiny_result.layers()) <= layers
    paths = tiny_result.to_csv(tmp_path / "csv")
    sc = pd.read_csv(paths["settlements"], encoding="utf-8-sig")
    assert {"lon", "lat", "status"} <= set(sc.columns)
    assert sc["name"].tolist()[0] == "A村"


def test_tiny_circles_drawn_when_available():
    pytest.importorskip("planner.routing")
    pytest.importorskip("planner.analysis")
    from planner.analysis import analyse_coverage, build_graphs

    data = _tiny_study()
    graphs = build_graphs(_tiny_network(), CFG, crs=data.projected_crs)
    res = analyse_coverage(data, graphs, circles=True)
    assert res.params["circles"] == "ok"
    assert res.circles is not None and set(res.circles.index) == set(data.facilities.index)
    assert res.circles_by_tier is not None and res.catchments is not None


# --------------------------------------------------------------------------- the demo county


@pytest.fixture(scope="module")
def demo():
    demo_mod = pytest.importorskip("planner.demo")
    pytest.importorskip("planner.routing")
    network_mod = pytest.importorskip("planner.network")
    if not hasattr(network_mod, "load_network"):
        pytest.skip("planner.network.load_network not available yet")
    from planner.analysis import analyse_coverage, build_graphs
    from planner.config import load_config
    from planner.data import load_study

    path = demo_mod.demo_config_path()
    if not path.exists():
        pytest.skip("demo county not generated")
    config = load_config(path)
    data = load_study(config)
    net = network_mod.load_network(config, data.study_area)
    graphs = build_graphs(net, config, crs=data.projected_crs)
    return data, analyse_coverage(data, graphs, circles=False)


def _code_sets(res):
    return res.settlements["reasons"].fillna("").map(lambda r: set(filter(None, r.split(";"))))


def test_demo_every_settlement_reported(demo):
    data, res = demo
    s = res.settlements
    assert s.index.equals(data.settlements.index)
    assert s["status"].isin(["served", "under_served"]).all()
    codes = _code_sets(res)
    assert set().union(*codes) <= {"NO_ROAD", "DISCONNECTED", "BEYOND_THRESHOLD", "OVER_CAPACITY",
                                   "NO_TOWNSHIP_CENTRE", "ESTIMATED_POPULATION"}
    under = codes.map(lambda c: bool(c - {"ESTIMATED_POPULATION"}))
    assert (under == (s["status"] == "under_served")).all()
    for tier in ("county", "township", "community"):
        unreached = ~np.isfinite(s[f"{tier}_time_min"])
        assert s.loc[unreached, f"{tier}_reason"].isin(["NO_ROAD", "DISCONNECTED"]).all()
    # priority is a ranking 1..n of the under-served
    pr = s.loc[s["status"] == "under_served", "priority"]
    assert sorted(pr.tolist()) == list(range(1, len(pr) + 1))


def test_demo_finds_what_it_was_built_to_contain(demo):
    data, res = demo
    s = res.settlements
    codes = _code_sets(res)
    # a township without a centre, whose settlements are flagged
    assert len(res.townships_without_centre) >= 1
    t = res.townships_without_centre.index[0]
    assert codes[s["township"] == t].map(lambda c: "NO_TOWNSHIP_CENTRE" in c).all()
    # villages beyond reach of a village-level facility
    beyond = (s["kind"] == "village") & (s["community_reason"] == "BEYOND_THRESHOLD")
    assert beyond.any()
    assert (s.loc[beyond, "community_time_min"] > s.loc[beyond, "community_threshold_min"]).all()
    # a cut-off village reported DISCONNECTED
    assert ((s["kind"] == "village") & codes.map(lambda c: "DISCONNECTED" in c)).any()
    # a centre whose natural catchment exceeds its capacity
    assert res.centres["nearest_over"].any()
    over_flagged = codes.map(lambda c: "OVER_CAPACITY" in c)
    if over_flagged.any():
        assert res.centres.loc[s.loc[over_flagged, "centre"].unique(), "over"].all()
    assert (res.centres["assigned_load"] <= res.centres["capacity"] + 1e-6).all()
    # estimated older population is reported and informational
    if data.settlements["older_estimated"].any():
        assert codes[data.settlements["older_estimated"].to_numpy()].map(
            lambda c: "ESTIMATED_POPULATION" in c).all()


def test_demo_scorecard_complete(demo):
    _, res = demo
    card = res.scorecard
    overall = card[card["scope"] == "overall"]
    from planner.analysis import INDICATORS

    assert set(overall["indicator"]) == set(INDICATORS)
    judged = overall.dropna(subset=["target"])
    assert (judged["met"].isna() | judged["gap"].notna() | judged["met"].astype("boolean").fillna(False)).all()


def test_tiny_study_without_township_or_county_facilities():
    pytest.importorskip("planner.routing")
    import dataclasses

    from planner.analysis import analyse_coverage, build_graphs

    data = _tiny_study()
    data = dataclasses.replace(data, facilities=data.facilities.loc[["F1"]])
    graphs = build_graphs(_tiny_network(), CFG, crs=data.projected_crs)
    res = analyse_coverage(data, graphs, circles=False)
    s = res.settlements
    assert len(res.centres) == 0
    assert (s["township_time_min"] == INF).all() and (s["county_reason"] == "NO_FACILITY").all()
    assert s["reason_detail_en"].str.contains("the study area has no facility of this tier").all()
    assert set(res.townships_without_centre.index) == {"T1", "T2"}
    assert (s["status"] == "under_served").all()
    assert s["centre"].isna().all() and (s["centre_time_min"] == INF).all()


def test_tiny_study_without_settlements():
    pytest.importorskip("planner.routing")
    import dataclasses

    from planner.analysis import analyse_coverage, build_graphs

    data = _tiny_study()
    data = dataclasses.replace(data, settlements=data.settlements.iloc[0:0])
    graphs = build_graphs(_tiny_network(), CFG, crs=data.projected_crs)
    res = analyse_coverage(data, graphs, circles=False)
    assert len(res.settlements) == 0
    assert res.overall.loc["overall", "settlements"] == 0
    assert (res.facilities["settlements_in_circle"] == 0).all()


def test_tiny_facility_far_from_road_is_reported():
    pytest.importorskip("planner.routing")
    import dataclasses

    import geopandas as gpd
    from shapely.geometry import Point

    from planner.analysis import analyse_coverage, build_graphs

    data = _tiny_study()
    extra = data.facilities.loc[["F1"]].copy()
    extra.index = pd.Index(["F9"], name="facility_id")
    extra["geometry"] = [Point(_ll(2000, -3000))]  # 3 km from any road
    fac = gpd.GeoDataFrame(pd.concat([data.facilities, extra]), crs="EPSG:4326")
    data = dataclasses.replace(data, facilities=fac)
    graphs = build_graphs(_tiny_network(), CFG, crs=data.projected_crs)
    res = analyse_coverage(data, graphs, circles=False)
    f = res.facilities
    assert not f.loc["F9", "linked"] and f.loc["F9", "snap_m"] == pytest.approx(3000, rel=0.05)
    assert f.loc["F9", "settlements_in_circle"] == 0
    assert res.params["facilities_unlinked"]["community"] == 1
