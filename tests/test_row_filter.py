"""Row filters on input layers (``[inputs.<layer>] filter``): keep one county's rows, count the rest."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.codes import DataProblem
from planner.config import config_from_dict
from planner.data import load_study
from planner.data.areas import load_areas
from planner.data.validation import ProblemLog
from planner.errors import DataError

FIX = Path(__file__).parent / "fixtures" / "data"
ADMIN = Path(__file__).resolve().parents[2] / "shared" / "data" / "heilongjiang" / "admin_boundaries.geojson"


def _counties(flt: dict) -> tuple:
    cfg = config_from_dict({"inputs": {"boundaries_county": {"path": str(ADMIN), "columns": {"name": "district"},
                                                             "filter": flt}}})
    log = ProblemLog()
    counties = load_areas(cfg.inputs.boundaries_county, "counties", cfg, log)
    return counties, log.report()


@pytest.mark.skipif(not ADMIN.exists(), reason="shared Heilongjiang boundaries absent")
def test_province_file_filtered_to_one_city_has_no_missing_names():
    unfiltered, report = _counties({})
    assert sum(p.code == DataProblem.MISSING_NAME for p in report.problems) == 14  # the province and 13 cities
    counties, report = _counties({"level": "区县", "city": "佳木斯市"})
    assert not report.problems
    assert "桦南县" in counties.index and len(counties) == 10
    summary = report.layer("counties")
    assert summary.rows_read == 136 and summary.rows_kept == 10
    assert summary.excluded == {DataProblem.ROWS_FILTERED: 126}
    assert "126" in report.format("en") and "filter" in report.format("en")
    one, report = _counties({"level": "区县", "district": "桦南县"})
    assert list(one.index) == ["桦南县"] and report.layer("counties").excluded == {DataProblem.ROWS_FILTERED: 135}


@pytest.mark.skipif(not ADMIN.exists(), reason="shared Heilongjiang boundaries absent")
def test_filter_errors_name_the_columns_and_values_present():
    counties, report = _counties({"lvl": "区县"})
    assert counties is None
    (err,) = report.errors
    assert err.code == DataProblem.MISSING_COLUMNS and "boundaries_county" in err.message_en
    assert "province, city, district, level" in err.message_en
    counties, report = _counties({"level": "县"})
    (err,) = report.errors
    assert counties is None and "区县, 市, 省" in err.message_en and err.code == DataProblem.EMPTY_LAYER


def test_filter_on_points_counts_rows_and_matches_numbers_as_text(tmp_path):
    rows = (FIX / "settlements.csv").read_text(encoding="utf-8").splitlines()
    header, body = rows[0], rows[1:]
    # a numeric code column: the filter value is text, the cells are read as numbers
    lines = [header + ",区划代码"] + [f"{r},{230822 if i % 2 else 230826}" for i, r in enumerate(body)]
    (tmp_path / "s.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for name in ("county.geojson", "townships.geojson", "facilities.csv"):
        (tmp_path / name).write_bytes((FIX / name).read_bytes())
    base = {"name": "测试县", "inputs": {"facilities": "facilities.csv", "boundaries_county": "county.geojson",
                                         "boundaries_township": "townships.geojson"}}
    whole = load_study(config_from_dict({**base, "inputs": {**base["inputs"], "settlements": "s.csv"}},
                                        base_dir=tmp_path))
    cfg = config_from_dict({**base, "inputs": {**base["inputs"],
                                               "settlements": {"path": "s.csv", "filter": {"区划代码": "230822"}}}},
                           base_dir=tmp_path)
    part = load_study(cfg)
    odd = {r.split(",")[1] for i, r in enumerate(body) if i % 2}
    assert set(part.settlements["name"]) == odd & set(whole.settlements["name"])
    s = part.report.layer("settlements")
    assert s.rows_read == len(body) and s.excluded[DataProblem.ROWS_FILTERED] == len(body) - len(odd)
    bad = config_from_dict({**base, "inputs": {**base["inputs"],
                                               "settlements": {"path": "s.csv", "filter": {"代码": "230822"}}}},
                           base_dir=tmp_path)
    with pytest.raises(DataError, match="区划代码"):
        load_study(bad)
