"""Unknown stays unknown: 公办 status, older population; estimated figures labelled with source and rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planner.analysis import OVERALL, scorecard


def _public_case(public: list) -> pd.DataFrame:
    """Three counties, one county-tier facility each, with the given 公办 values; one village each."""
    counties = ["甲县", "乙县", "丙县"]
    sett = pd.DataFrame({"county": counties, "township": ["甲镇", "乙镇", "丙镇"], "kind": "village",
                         "older_population": [100.0, np.nan, 300.0], "central": False,
                         "community_covered": pd.array([True, False, True], dtype="boolean"),
                         "circle15_covered": pd.array([pd.NA] * 3, dtype="boolean")},
                        index=pd.Index(["S1", "S2", "S3"], name="settlement_id"))
    fac = pd.DataFrame({"tier": "county", "county": counties, "township": ["甲镇", "乙镇", "丙镇"],
                        "public": pd.array(public, dtype="boolean"), "beds": [50.0, 40.0, 10.0],
                        "nursing_beds": np.nan, "occupied_beds": np.nan},
                       index=pd.Index(["F1", "F2", "F3"], name="facility_id"))
    return scorecard(sett, fac)


def _row(sc: pd.DataFrame, key: str, scope: str = OVERALL) -> pd.Series:
    r = sc[(sc["indicator"] == key) & (sc["scope"] == scope)]
    assert len(r) == 1
    return r.iloc[0]


def test_unknown_public_status_is_not_counted_as_missing():
    all_unknown = _row(_public_case([pd.NA, pd.NA, pd.NA]), "county_public_institution")
    assert all_unknown["unknown"] == 3 and all_unknown["gap"] == 0 and pd.isna(all_unknown["met"])
    assert "未知" in all_unknown["text_zh"] and "unknown" in all_unknown["text_en"]
    assert "建设" not in all_unknown["text_zh"] and "need" not in all_unknown["text_en"]
    mixed = _public_case([True, pd.NA, False])
    row = _row(mixed, "county_public_institution")
    assert (row["numerator"], row["denominator"], row["unknown"], row["gap"]) == (1, 3, 1, 1)
    assert row["met"] == False  # noqa: E712 - one county is known to lack one
    assert "乙县" in row["text_zh"] and "1 more county is known to lack" in row["text_en"]
    per_county = _row(mixed, "county_public_institution", "乙县")
    assert per_county["unknown"] == 1 and per_county["gap"] == 0 and pd.isna(per_county["met"])
    known = _row(_public_case([True, False, False]), "county_public_institution")
    assert known["unknown"] == 0 and known["gap"] == 2 and known["met"] == False  # noqa: E712


def test_unknown_older_population_is_left_out_and_said():
    row = _row(_public_case([True, True, True]), "beds_per_1000_older")
    assert row["denominator"] == 400.0 and row["unknown"] == 1
    assert "1 个村/社区老年人口未知" in row["text_zh"] and "unknown older population" in row["text_en"]


# --------------------------------------------------------------------------- every figure labelled


def _frame(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["id", "township", "county", "population", "older_population"]).set_index("id")


def test_every_older_figure_carries_its_source_and_rule():
    from planner.config import PopulationConfig
    from planner.data import allocate_older_population

    s = _frame([("a", "T1", "甲县", 3000, 900.0), ("b", "T1", "甲县", 1000, np.nan), ("c", "T2", "甲县", 2000, np.nan),
                ("d", "T3", "乙县", 1000, np.nan), ("e", "T4", "丙县", 500, np.nan), ("f", "T5", "丁县", 800, np.nan),
                ("g", "T6", "戊县", np.nan, np.nan)])
    cfg = PopulationConfig(township_older_totals={"T2": 300.0}, county_older_totals={"甲县": 1500.0})
    res = allocate_older_population(s, cfg, census_totals={"乙县": 150.0, "丙县": 60000.0, "戊县": 80.0},
                                    county_population={"丙县": 100000.0})
    out = res.settlements
    assert out["older_source"].to_dict() == {
        "a": "COUNTED", "b": "COUNTY_TOTAL", "c": "TOWNSHIP_TOTAL", "d": "CENSUS_TOTAL",
        "e": "COUNTY_PART", "f": "UNKNOWN", "g": "CENSUS_TOTAL"}
    assert out["older_rule"].to_dict() == {
        "a": "AS_COUNTED", "b": "PROPORTIONAL", "c": "PROPORTIONAL", "d": "PROPORTIONAL",
        "e": "PROPORTIONAL", "f": "NONE", "g": "EQUAL"}
    # county total 1500 - counted 900 - township T2's 300 = 300 for b; 丙县 scaled to 500/100000 of 60000
    assert out.loc["b", "older_population"] == pytest.approx(300.0)
    assert out.loc["e", "older_population"] == pytest.approx(300.0)
    assert np.isnan(out.loc["f", "older_population"])  # unknown stays unknown, not 0


def test_never_more_older_people_than_residents():
    from planner.config import PopulationConfig
    from planner.data import allocate_older_population

    s = _frame([("a", "T", "C", 100, np.nan), ("b", "T", "C", 300, np.nan), ("c", "U", "C", 5000, 10.0)])
    res = allocate_older_population(s, PopulationConfig(county_older_totals={"C": 1010.0}))
    out = res.settlements
    assert (out["older_population"] <= out["population"]).all()
    assert out.loc[["a", "b"], "older_population"].tolist() == [100.0, 300.0]  # 250 and 750 capped
    assert out.loc[["a", "b"], "older_rule"].tolist() == ["CAPPED", "CAPPED"]
    warn = next(p for p in res.problems if p.code == "ESTIMATED_OLDER_EXCEEDS_POPULATION")
    assert "capped" in warn.message_en and "封顶" in warn.message


def test_labels_reach_the_report_lines_and_the_popup():
    from planner.data import older_source_lines
    from planner.reporting.map_data import _estimate_note
    from planner.reporting.older_labels import older_caveats, older_label

    s = pd.DataFrame({"older_source": ["COUNTED", "CENSUS_TOTAL", "CENSUS_TOTAL", "UNKNOWN"],
                      "older_rule": ["AS_COUNTED", "PROPORTIONAL", "PROPORTIONAL", "NONE"],
                      "older_estimated": [False, True, True, False]})
    zh = older_source_lines(s, "zh")
    assert zh == ["2 个村/社区的60岁以上人口为估算（标注“估算”）：来源 普查表县60岁以上人口；"
                  "方法 总数减已填数后按总人口比例分配。", "1 个村/社区的60岁以上人口未知（不计为 0）。"]
    assert "source county 60+ total of the census table" in older_source_lines(s, "en")[0]
    assert older_caveats(s, "zh") == zh
    assert older_label(s.iloc[0], "zh") == "" and "普查表" in older_label(s.iloc[1], "zh")
    row = pd.Series({"name": "甲村", "kind": "village", "township": "T", "older_population": 120.0,
                     "older_estimated": True, "older_source": "COUNTY_PART", "older_rule": "CAPPED",
                     "status": "served"})
    cols = {k: [v] for k, v in row.items()}
    html = _estimate_note(cols, 0, "en")  # what the map's settlement popup prints after the number
    assert "(estimated)" in html and "county total scaled" in html and "capped at the residents" in html


def test_summary_says_unknown_not_zero(tmp_path):
    from pathlib import Path

    from planner.config import config_from_dict
    from planner.data import load_study, summarise_study

    fix = Path(__file__).parent / "fixtures" / "data"
    base = {"inputs": {"facilities": str(fix / "facilities.csv"), "settlements": str(fix / "settlements.csv"),
                       "boundaries_county": str(fix / "county.geojson"),
                       "boundaries_township": str(fix / "townships.geojson")}}
    d = load_study(config_from_dict({**base, "population": {"allocation": "none"}}, base_dir=tmp_path))
    n_unknown = int(d.settlements["older_population"].isna().sum())
    assert n_unknown > 0 and set(d.settlements.loc[d.settlements["older_population"].isna(), "older_source"]) == {
        "UNKNOWN"}
    text = summarise_study(d)
    assert f"另有 {n_unknown} 个村/社区的60岁以上人口未知" in text
    assert f"{n_unknown} settlements with unknown 60+ population" in summarise_study(d, "en")


def test_whole_county_total_on_an_unverified_part_is_stated(tmp_path):
    from pathlib import Path

    from planner.config import config_from_dict
    from planner.data import load_study

    fix = Path(__file__).parent / "fixtures" / "data"
    inputs = {"facilities": str(fix / "facilities.csv"), "settlements": str(fix / "settlements.csv"),
              "boundaries_township": str(fix / "townships.geojson")}
    pop = {"county_older_totals": {"测试县": 3400.0}}
    towns_only = load_study(config_from_dict({"inputs": inputs, "population": pop}, base_dir=tmp_path))
    (p,) = [p for p in towns_only.report.problems if p.code == "COUNTY_COVERAGE_UNKNOWN"]
    assert p.value == "测试县" and p.severity == "warning" and "3,400" in p.message_en
    assert "人口数_合计" in p.fix
    with_county = load_study(config_from_dict({"inputs": {**inputs, "boundaries_county": str(fix / "county.geojson")},
                                               "population": pop}, base_dir=tmp_path))
    assert "COUNTY_COVERAGE_UNKNOWN" not in {p.code for p in with_county.report.problems}


def test_township_table_older_population_unknown_not_zero():
    from planner.analysis.summary import coverage_summary
    from planner.config import default_config

    s = pd.DataFrame({"township": ["A", "A", "B"], "older_population": [np.nan, np.nan, 50.0], "status": "served",
                      "community_covered": [True, False, True]})
    out = coverage_summary(s, "township", tiers={"community": default_config().tiers["community"]})
    assert np.isnan(out.loc["A", "older_population"]) and out.loc["A", "settlements"] == 2
    assert out.loc["B", "older_population"] == 50.0 and out.loc["B", "community_older_share"] == 1.0
    overall = coverage_summary(s, None, tiers={"community": default_config().tiers["community"]})
    assert overall["older_population"].iloc[0] == 50.0  # the known part
