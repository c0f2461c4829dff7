"""Older-population allocation with hand-computable numbers."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.config import PopulationConfig
from planner.data import allocate_older_population, county_older_totals_from_census
from planner.errors import DataError

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def frame(rows):
    f = pd.DataFrame(rows, columns=["id", "township", "county", "population", "older_population"])
    return f.set_index("id")


def test_county_total_split_in_proportion_to_population():
    s = frame([
        ("a", "T1", "C", 3000, 900.0),   # counted
        ("b", "T1", "C", 1000, np.nan),
        ("c", "T2", "C", 3000, np.nan),
        ("d", "T2", "C", 6000, np.nan),
    ])
    before = s.copy()
    res = allocate_older_population(s, PopulationConfig(county_older_totals={"C": 3100.0}))
    # remainder 3100 - 900 = 2200 over populations 1000 : 3000 : 6000
    out = res.settlements
    assert out.loc["b", "older_population"] == pytest.approx(220.0)
    assert out.loc["c", "older_population"] == pytest.approx(660.0)
    assert out.loc["d", "older_population"] == pytest.approx(1320.0)
    assert out.loc["a", "older_population"] == 900.0
    assert list(out["older_estimated"]) == [False, True, True, True]
    assert out["older_population"].sum() == pytest.approx(3100.0)
    rec = res.records.iloc[0]
    assert (rec.level, rec.area, rec.known_total, rec.counted, rec.allocated, rec.n_estimated, rec.method) == (
        "county", "C", 3100.0, 900.0, pytest.approx(2200.0), 3, "proportional")
    assert res.problems == ()
    assert res.estimated_share == pytest.approx(2200 / 3100)
    pd.testing.assert_frame_equal(s, before)  # input untouched


def test_township_totals_first_then_county():
    s = frame([
        ("a", "T1", "C", 1000, np.nan),
        ("b", "T1", "C", 3000, np.nan),
        ("c", "T2", "C", 2000, np.nan),
        ("d", "T2", "C", 2000, 100.0),
    ])
    cfg = PopulationConfig(township_older_totals={"T1": 800.0}, county_older_totals={"C": 1500.0})
    out = allocate_older_population(s, cfg).settlements
    # T1: 800 over 1000:3000 -> 200, 600.  County: 1500 - (200 + 600 + 100) = 600 -> c
    assert out["older_population"].tolist() == pytest.approx([200.0, 600.0, 600.0, 100.0])
    assert out["older_estimated"].tolist() == [True, True, True, False]


def test_missing_total_population_uses_mean_weight_and_warns():
    s = frame([
        ("a", "T", "C", 1000, np.nan),
        ("b", "T", "C", 3000, np.nan),
        ("c", "T", "C", np.nan, np.nan),  # weight = mean(1000, 3000) = 2000
    ])
    res = allocate_older_population(s, PopulationConfig(county_older_totals={"C": 600.0}),
                                    file="set.csv", rows={"c": 7})
    assert res.settlements["older_population"].tolist() == pytest.approx([100.0, 300.0, 200.0])
    (p,) = res.problems
    assert p.code == "POPULATION_SPLIT_EQUALLY" and p.severity == "warning"
    assert p.file == "set.csv" and "c(row 7)" in p.message and "总人口" in p.fix
    assert res.records.iloc[0].method == "mixed"


def test_no_population_at_all_splits_equally():
    s = frame([("a", "T", "C", np.nan, np.nan), ("b", "T", "C", np.nan, np.nan)])
    res = allocate_older_population(s, PopulationConfig(county_older_totals={"C": 50.0}))
    assert res.settlements["older_population"].tolist() == [25.0, 25.0]
    assert res.records.iloc[0].method == "equal"
    assert [p.code for p in res.problems] == ["POPULATION_SPLIT_EQUALLY"]


def test_counted_exceeding_total_gives_zero_and_warns():
    s = frame([("a", "T", "C", 100, 500.0), ("b", "T", "C", 100, np.nan)])
    res = allocate_older_population(s, PopulationConfig(county_older_totals={"C": 400.0}))
    assert res.settlements.loc["b", "older_population"] == 0.0
    assert res.settlements.loc["b", "older_estimated"]
    (p,) = res.problems
    assert p.code == "OLDER_EXCEEDS_TOTAL" and "500" in p.message and "400" in p.message


def test_no_total_leaves_nan_and_names_the_county():
    s = frame([("a", "T", "C", 100, np.nan), ("b", "T", "D", 100, np.nan)])
    res = allocate_older_population(s, PopulationConfig(county_older_totals={"D": 10.0}))
    out = res.settlements
    assert np.isnan(out.loc["a", "older_population"]) and not out.loc["a", "older_estimated"]
    assert out.loc["b", "older_population"] == 10.0
    (p,) = res.problems
    assert p.code == "MISSING_OLDER_POPULATION" and "county_older_totals" in p.fix and '"C"' in p.fix


def test_allocation_none_keeps_missing_values():
    s = frame([("a", "T", "C", 100, np.nan)])
    res = allocate_older_population(s, PopulationConfig(allocation="none", county_older_totals={"C": 10.0}))
    assert np.isnan(res.settlements.loc["a", "older_population"])
    assert [p.code for p in res.problems] == ["MISSING_OLDER_POPULATION"]


def test_census_totals_and_config_precedence(tmp_path):
    p = tmp_path / "census.csv"
    p.write_bytes("区划代码,区县,pop60plus\n1,甲县,5000\n2,向阳区,100\n3,向阳区,200\n4,乙县,300\n".encode("gbk"))
    totals, ambiguous = county_older_totals_from_census(p)
    assert totals == {"甲县": 5000.0, "乙县": 300.0} and ambiguous == ("向阳区",)
    s = frame([("a", "T", "甲县", 10000, np.nan), ("b", "T", "乙县", 10000, np.nan)])
    res = allocate_older_population(s, PopulationConfig(county_older_totals={"乙县": 7.0}), census_totals=totals)
    assert res.settlements["older_population"].tolist() == [5000.0, 7.0]
    bad = tmp_path / "bad.csv"
    bad.write_text("区,人数\n甲,1\n", encoding="utf-8")
    with pytest.raises(DataError, match="区, 人数"):
        county_older_totals_from_census(bad)


@pytest.mark.skipif(not (SHARED / "heilongjiang" / "county_census2020.csv").exists(), reason="shared data absent")
def test_real_census_table():
    totals, ambiguous = county_older_totals_from_census(SHARED / "heilongjiang" / "county_census2020.csv")
    assert "向阳区" in ambiguous
    assert totals["道里区"] > 100000  # 2020 census: 道里区 has about 1.1 million residents
    assert 0.1 < totals["道里区"] / 1097430 < 0.4


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.floats(0, 5000)), min_size=1, max_size=12),
    st.lists(st.booleans(), min_size=12, max_size=12),
    st.floats(0, 20000),
)
def test_allocation_adds_up_to_the_known_total(pops, counted_mask, total):
    rows = []
    for i, p in enumerate(pops):
        pop = np.nan if p is None else p
        older = 10.0 if counted_mask[i] else np.nan
        rows.append((f"s{i}", "T", "C", pop, older))
    s = frame(rows)
    res = allocate_older_population(s, PopulationConfig(county_older_totals={"C": total}))
    out = res.settlements
    counted = s["older_population"].sum()
    missing = s["older_population"].isna()
    assert not out["older_population"].isna().any()
    assert (out["older_population"] >= 0).all()
    assert out.loc[~missing, "older_population"].tolist() == s.loc[~missing, "older_population"].tolist()
    assert out["older_estimated"].tolist() == missing.tolist()
    est = out[missing]
    assert not (est["older_population"] > est["population"]).any()  # never more older people than residents
    capped = (out["older_rule"] == "CAPPED").to_numpy()
    assert (out.loc[capped, "older_population"] == out.loc[capped, "population"]).all()
    if missing.any():
        expect = max(total, counted)
        if capped.any():  # the excess over the capped settlements' residents is not allocated
            assert out["older_population"].sum() < expect
        else:
            assert out["older_population"].sum() == pytest.approx(expect, rel=1e-9, abs=1e-6)


# ----------------------------------------------------------------------------- part of a county


def test_county_total_is_scaled_to_the_residents_share_the_study_holds():
    # the study's settlements hold 6,000 of the county's 300,000 residents (2 %)
    s = frame([("a", "T", "C", 1000, np.nan), ("b", "T", "C", 5000, np.nan)])
    res = allocate_older_population(s, PopulationConfig(county_older_totals={"C": 60000.0}),
                                    file="s.csv", county_population={"C": 300000.0}, area_shares={"C": 0.019})
    out = res.settlements
    assert out["older_population"].tolist() == pytest.approx([200.0, 1000.0])  # 20 % of 1,000 and 5,000
    assert (out["older_population"] <= out["population"]).all()
    (p,) = res.problems
    assert p.code == "PARTIAL_COUNTY" and p.severity == "warning" and p.file == "s.csv"
    assert "2.0%" in p.message_en and "1.9%" in p.message_en and "60,000" in p.message_en and "1,200" in p.message_en
    (sh,) = res.county_shares
    assert (sh.county, sh.full_total) == ("C", 60000.0)
    assert sh.residents_share == pytest.approx(0.02) and sh.used_total == pytest.approx(1200.0)


def test_whole_county_by_area_keeps_the_total_and_unknown_residents_refuse_a_part():
    s = frame([("a", "T", "C", 1000, np.nan), ("b", "T", "D", 1000, np.nan)])
    res = allocate_older_population(
        s, PopulationConfig(county_older_totals={"C": 300.0, "D": 50000.0}),
        county_population={"C": 900000.0}, area_shares={"C": 0.97, "D": 0.05})
    out = res.settlements
    assert out.loc["a", "older_population"] == 300.0  # the study covers C: the given total is used
    assert np.isnan(out.loc["b", "older_population"])  # 5 % of D's area, D's residents unknown: not allocated
    codes = sorted(p.code for p in res.problems)
    assert codes == ["MISSING_OLDER_POPULATION", "PARTIAL_COUNTY"]
    part = next(p for p in res.problems if p.code == "PARTIAL_COUNTY")
    assert part.value == "D" and "5.0%" in part.message_en and "census_csv" in part.fix_en
    assert [sh.county for sh in res.county_shares] == ["D"] and np.isnan(res.county_shares[0].used_total)


def test_estimates_above_the_residents_are_named():
    s = frame([("a", "T", "C", 100, np.nan), ("b", "T", "C", 300, np.nan), ("c", "U", "C", 5000, 10.0)])
    res = allocate_older_population(s, PopulationConfig(county_older_totals={"C": 1010.0}), rows={"a": 2, "b": 3})
    over = [p for p in res.problems if p.code == "ESTIMATED_OLDER_EXCEEDS_POPULATION"]
    assert [p.value for p in over] == ["C", "T"]
    assert "a(row 2), b(row 3)" in over[0].message and "1,000" in over[1].message_en and "400" in over[1].message_en


def test_census_population_column_is_read(tmp_path):
    from planner.data.county_share import county_population_from_census

    p = tmp_path / "census.csv"
    p.write_text("区县,人口数_合计,pop60plus\n甲县,300000,60000\n向阳区,1,1\n向阳区,2,2\n", encoding="utf-8")
    assert county_population_from_census(p) == {"甲县": 300000.0}
