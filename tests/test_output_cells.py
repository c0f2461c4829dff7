"""CSV and workbook cells a spreadsheet opens safely: no formula from data, no cell past Excel's limit."""

from __future__ import annotations

import csv
import dataclasses
import logging

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
from shapely.geometry import Point

from planner.io import EXCEL_CELL_LIMIT, csv_text, guard_text_cells, is_formula_like, write_csvs
from planner.reporting import write_csvs as write_study_csvs
from planner.reporting import write_workbook
from planner.reporting.labels import column_header

FORMULAS = ["=HYPERLINK(\"http://x\",\"点击\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", "\t=1", "\r=1",
            "=1+1"]


def test_formula_like_text_and_numbers():
    for v in FORMULAS:
        assert is_formula_like(v), v
        assert csv_text(v) == "'" + v
    for v in ("-12", "+3.5", "-1e3", " -7 ", "甲村", "a=b", "", "2-1"):
        assert not is_formula_like(v), v
        assert csv_text(v) == v
    assert csv_text(-5) == -5 and csv_text(None) is None


def test_guard_keeps_numbers_numeric_and_cuts_long_text(caplog):
    long = "长" * (EXCEL_CELL_LIMIT + 10)
    frame = pd.DataFrame({"name": ["=1+1", "-5", long, None], "value": [-5.0, 1.0, np.nan, 2.0],
                          "count": pd.array([-3, 1, None, 4], dtype="Int64")})
    with caplog.at_level(logging.WARNING, logger="planner.io.spreadsheet"):
        out = guard_text_cells(frame, what="t.csv")
    assert list(out["name"][:2]) == ["'=1+1", "-5"] and pd.isna(out["name"][3])
    assert len(out["name"][2]) == EXCEL_CELL_LIMIT and out["name"][2].endswith("[truncated: 32,777 characters]")
    assert "t.csv, column name: 1 cell(s) longer" in caplog.text
    pd.testing.assert_series_equal(out["value"], frame["value"])
    pd.testing.assert_series_equal(out["count"], frame["count"])
    assert frame["name"][0] == "=1+1"  # the caller's frame is untouched


def _formula_result(result):
    """``result`` with settlement and facility names (and one reason) a spreadsheet would run."""
    cov = result.coverage
    sett = cov.settlements.copy()
    sett["name"] = [FORMULAS[i % len(FORMULAS)] if i < 14 else n for i, n in enumerate(sett["name"])]
    for col in ("reason_detail_zh", "reason_detail_en"):  # a workbook keeps its own language's column
        sett.iloc[0, sett.columns.get_loc(col)] = "很长" * EXCEL_CELL_LIMIT
    fac = cov.facilities.copy()
    fac["name"] = [FORMULAS[i % len(FORMULAS)] if i < 7 else n for i, n in enumerate(fac["name"])]
    return dataclasses.replace(result, coverage=dataclasses.replace(cov, settlements=sett, facilities=fac))


def test_workbook_writes_formula_like_names_as_text(demo_result, tmp_path, caplog):
    result = _formula_result(demo_result)
    with caplog.at_level(logging.WARNING):
        path = write_workbook(result, tmp_path / "r.xlsx", lang="en")
    assert "longer than Excel's 32,767 characters were cut" in caplog.text
    book = openpyxl.load_workbook(path)
    formulas, texts, numbers, longest = [], set(), 0, 0
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    formulas.append(cell.coordinate)
                if isinstance(cell.value, str):
                    texts.add(cell.value)
                    longest = max(longest, len(cell.value))
                    if is_formula_like(cell.value):
                        assert cell.quotePrefix, cell.value
                elif isinstance(cell.value, (int, float)) and cell.value < 0:
                    numbers += 1
    assert formulas == []
    assert {f.replace("\r", "\n") for f in FORMULAS} <= texts  # as written (XML reads a CR as LF)
    assert longest <= EXCEL_CELL_LIMIT
    sheet = book["settlements"]
    header = [c.value for c in sheet[1]]
    older = header.index(column_header("older_population", "en")) + 1
    assert all(isinstance(sheet.cell(r, older).value, (int, float)) for r in range(2, 20))


def test_csvs_quote_formula_like_names_and_drop_polygon_text(demo_result, tmp_path):
    folder = write_study_csvs(_formula_result(demo_result), tmp_path / "csv")
    quoted, longest = 0, 0
    for path in folder.glob("*.csv"):
        with path.open(encoding="utf-8-sig", newline="") as fh:
            for row in csv.reader(fh):
                for cell in row:
                    longest = max(longest, len(cell))
                    assert not is_formula_like(cell), (path.name, cell)
                    quoted += cell.startswith("'") and is_formula_like(cell[1:])
    assert longest <= EXCEL_CELL_LIMIT
    assert quoted >= 14 + 7
    sett = pd.read_csv(folder / "settlements.csv", encoding="utf-8-sig")
    assert set("'" + f for f in FORMULAS) <= set(sett[column_header("name", "zh")])
    assert pd.api.types.is_numeric_dtype(sett[column_header("older_population", "zh")])
    circles = pd.read_csv(folder / "circles.csv", encoding="utf-8-sig")
    heads = [column_header(c, "zh") for c in ("centroid_lon", "centroid_lat", "area_km2")]
    assert "geometry" not in circles and set(heads) <= set(circles)
    assert circles[heads[2]].notna().any()


def test_csv_polygon_layer_gets_centroid_and_area(tmp_path):
    centre_utm = Point(500_000, 5_100_000)  # on zone 52's central meridian
    disc = centre_utm.buffer(1000, quad_segs=64)  # 1 km radius, in metres
    frame = gpd.GeoDataFrame({"name": ["=圈", "-1.5"], "v": [-1.5, 2.0]},
                             geometry=[disc, Point(501_000, 5_100_000).buffer(500)], crs="EPSG:32652")
    wgs = frame.to_crs("EPSG:4326")
    path = write_csvs({"shapes": wgs}, tmp_path)["shapes"]
    table = pd.read_csv(path, encoding="utf-8-sig")
    assert list(table.columns) == ["name", "v", "centroid_lon", "centroid_lat", "area_km2"]
    assert table["area_km2"][0] == pytest.approx(np.pi, rel=1e-3)
    centre = gpd.GeoSeries([centre_utm], crs="EPSG:32652").to_crs("EPSG:4326").iloc[0]
    assert table["centroid_lon"][0] == pytest.approx(centre.x, abs=1e-6)
    assert table["name"].tolist() == ["'=圈", -1.5] or table["name"].tolist() == ["'=圈", "-1.5"]
    assert table["v"].tolist() == [-1.5, 2.0]
