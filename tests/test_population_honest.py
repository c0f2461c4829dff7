"""Unknown stays unknown: 公办 status, older population; estimated figures labelled with source and rule."""

from __future__ import annotations

import numpy as np
import pandas as pd

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
