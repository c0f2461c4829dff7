"""Policy scorecard: hand-computed values and gaps."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planner.analysis import INDICATORS, OVERALL, scorecard
from planner.config import PolicyTargets


def _settlements() -> pd.DataFrame:
    rows = []
    # county A: 10 villages, 7 covered
    for i in range(10):
        rows.append(("A县", "A镇" if i < 5 else "A乡", "village", 50.0, False, i < 7, pd.NA))
    # county A: 4 communities in the street, 3 covered; two of them central
    rows.append(("A县", "A街道", "community", 100.0, True, True, True))
    rows.append(("A县", "A街道", "community", 300.0, True, True, False))
    rows.append(("A县", "A街道", "community", 200.0, False, True, pd.NA))
    rows.append(("A县", "A街道", "community", 200.0, False, False, pd.NA))
    # county B: 5 villages, 1 covered
    for i in range(5):
        rows.append(("B县", "B镇" if i < 3 else "B乡", "village", 40.0, False, i < 1, pd.NA))
    df = pd.DataFrame(
        rows, columns=["county", "township", "kind", "older_population", "central", "community_covered",
                       "circle15_covered"],
    )
    df.index = pd.Index([f"S{i}" for i in range(len(df))], name="settlement_id")
    df["community_covered"] = df["community_covered"].astype("boolean")
    df["circle15_covered"] = df["circle15_covered"].astype("boolean")
    return df


def _facilities() -> pd.DataFrame:
    df = pd.DataFrame(
        {
            "tier": ["county", "township", "township", "county", "community"],
            "county": ["A县", "A县", "A县", "B县", "A县"],
            "township": ["A镇", "A镇", "A街道", "B镇", "A乡"],
            "public": pd.array([True, False, False, False, pd.NA], dtype="boolean"),
            "beds": [100.0, 50.0, np.nan, 30.0, np.nan],
            "nursing_beds": [40.0, np.nan, np.nan, 30.0, np.nan],
            "occupied_beds": [45.0, 20.0, np.nan, 10.0, np.nan],
        },
        index=pd.Index(["F1", "F2", "F3", "F4", "F5"], name="facility_id"),
    )
    return df


def _row(sc: pd.DataFrame, key: str, scope: str) -> pd.Series:
    r = sc[(sc["indicator"] == key) & (sc["scope"] == scope)]
    assert len(r) == 1, (key, scope)
    return r.iloc[0]


@pytest.fixture(scope="module")
def sc() -> pd.DataFrame:
    s, f = _settlements(), _facilities()
    s0, f0 = s.copy(), f.copy()
    out = scorecard(s, f)
    pd.testing.assert_frame_equal(s, s0)
    pd.testing.assert_frame_equal(f, f0)
    return out


def test_every_indicator_for_every_scope(sc):
    assert set(sc["indicator"]) == set(INDICATORS)
    assert set(sc["scope"]) == {"A县", "B县", OVERALL}
    assert len(sc) == len(INDICATORS) * 3
    assert sc["source"].str.len().gt(0).all()
    assert sc["text_zh"].str.len().gt(0).all() and sc["text_en"].str.len().gt(0).all()


def test_village_coverage_gap(sc):
    a = _row(sc, "village_facility_coverage", "A县")
    assert a["value"] == pytest.approx(0.7) and not a["met"] and a["gap"] == 1
    assert a["text_zh"].startswith("还需 1 个村配建村级养老服务设施才能达到80%")
    assert a["text_en"].startswith("1 more village needs a village-level facility to reach 80%")
    b = _row(sc, "village_facility_coverage", "B县")
    assert b["gap"] == 3  # ceil(0.8*5)=4, has 1
    o = _row(sc, "village_facility_coverage", OVERALL)
    assert o["numerator"] == 8 and o["denominator"] == 15 and o["gap"] == 4
    assert o["text_en"].startswith("4 more villages need")


def test_township_centres(sc):
    a = _row(sc, "township_centre_coverage", "A县")
    assert a["value"] == pytest.approx(2 / 3) and a["met"] and a["gap"] == 0
    assert a["text_zh"].startswith("已达标")
    b = _row(sc, "township_centre_coverage", "B县")
    assert b["value"] == 0 and b["gap"] == 2  # ceil(0.6*2) = 2
    o = _row(sc, "township_centre_coverage", OVERALL)
    assert o["gap"] == 1  # ceil(0.6*5)=3, has 2
    st = _row(sc, "street_centre_coverage", OVERALL)
    assert st["met"] and st["denominator"] == 1 and st["due_year"] == 2027 and not st["applies"]
    rt = _row(sc, "rural_township_centre_coverage", OVERALL)
    assert rt["numerator"] == 1 and rt["denominator"] == 4 and rt["gap"] == 3 and rt["due_year"] == 2029


def test_milestone_year_switches_applies():
    sc = scorecard(_settlements(), _facilities(), year=2029)
    assert _row(sc, "street_centre_coverage", OVERALL)["applies"]
    assert _row(sc, "rural_township_centre_coverage", OVERALL)["applies"]
    sc27 = scorecard(_settlements(), _facilities(), targets=PolicyTargets(milestone_year=2027))
    assert _row(sc27, "street_centre_coverage", OVERALL)["applies"]
    assert not _row(sc27, "rural_township_centre_coverage", OVERALL)["applies"]


def test_county_public_institution(sc):
    assert _row(sc, "county_public_institution", "A县")["met"]
    b = _row(sc, "county_public_institution", "B县")
    assert not b["met"] and b["gap"] == 1
    o = _row(sc, "county_public_institution", OVERALL)
    assert o["value"] == 0.5 and o["gap"] == 1


def test_community_daycare(sc):
    a = _row(sc, "community_daycare_coverage", "A县")
    assert a["value"] == 0.75 and a["gap"] == 1
    b = _row(sc, "community_daycare_coverage", "B县")
    assert np.isnan(b["value"]) and pd.isna(b["met"]) and pd.isna(b["gap"])


def test_beds_nursing_occupancy(sc):
    assert _row(sc, "total_beds", OVERALL)["value"] == 180
    assert _row(sc, "total_beds", "A县")["value"] == 150
    older_all = 10 * 50 + 800 + 5 * 40
    assert _row(sc, "beds_per_1000_older", OVERALL)["value"] == pytest.approx(180 / older_all * 1000)
    assert pd.isna(_row(sc, "beds_per_1000_older", OVERALL)["met"])
    n = _row(sc, "nursing_bed_share", "A县")
    assert n["value"] == pytest.approx(0.4) and n["gap"] == 15  # ceil(55) - 40
    assert "15 张床位" in n["text_zh"]
    no = _row(sc, "nursing_bed_share", OVERALL)
    assert no["value"] == pytest.approx(70 / 130) and no["gap"] == 2  # ceil(71.5) - 70
    p = _row(sc, "public_occupancy", "A县")
    assert p["value"] == pytest.approx(0.45) and p["gap"] == 20
    assert "不得新建" in p["text_zh"] and "no new or expanded" in p["text_en"]
    pb = _row(sc, "public_occupancy", "B县")
    assert np.isnan(pb["value"]) and pd.isna(pb["met"])


def test_circle15(sc):
    c = _row(sc, "circle15_older_share", "A县")
    assert c["value"] == pytest.approx(0.25) and c["gap"] == 300 and not c["met"]
    assert "300 名老年人" in c["text_zh"]
    b = _row(sc, "circle15_older_share", "B县")
    assert np.isnan(b["value"])


def test_townships_frame_and_counties_given():
    towns = pd.DataFrame(
        {"kind": ["town", "street", "township", "town"], "county": ["A县", "A县", "A县", "C县"]},
        index=pd.Index(["A镇", "A街道", "A乡", "C镇"]),
    )
    sc = scorecard(_settlements(), _facilities(), townships=towns, counties=["A县", "B县", "C县"])
    assert set(sc["scope"]) == {"A县", "B县", "C县", OVERALL}
    c = _row(sc, "township_centre_coverage", "C县")
    assert c["denominator"] == 1 and c["gap"] == 1
    assert _row(sc, "county_public_institution", OVERALL)["gap"] == 2


def test_scorecard_name_is_the_function_everywhere():
    import importlib.util

    import planner
    import planner.analysis

    assert callable(planner.analysis.scorecard) and planner.scorecard is planner.analysis.scorecard
    assert importlib.util.find_spec("planner.scorecard") is None
    assert importlib.util.find_spec("planner.analysis.scorecard") is None  # the module is planner.analysis.policy


def test_parameters_are_not_carried_in_attrs(sc):
    assert sc.attrs == {}
