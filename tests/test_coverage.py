"""Tiered coverage: reason codes, evidence, priority, summaries; end to end on tiny roads and the demo."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planner.assignment import township_assignment
from planner.config import default_config
from planner.coverage import classify_settlements, coverage_summary, profiles_in_use

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
    assert (out["reasons"].str.split(";").map(lambda c: "DISCONNECTED" in c)).all()
    assert out["reason_detail_zh"].str.contains("研究区内没有该级设施").all()
    assert out["reason_detail_en"].str.contains("no facility of this tier").all()


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
    by_t = coverage_summary(s, "township", tiers=CFG.tiers)
    assert by_t.loc["T1", "settlements"] == 4
    assert by_t.loc["T1", "community_settlement_share"] == pytest.approx(2 / 4)


def test_profiles_in_use():
    assert profiles_in_use(CFG) == ["drive", "ebike", "walk"]
