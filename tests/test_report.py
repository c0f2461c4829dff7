"""Report and exports: what a planner opens and forwards."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pyogrio

from planner.reporting import write_report_html, write_workbook


def test_outputs_exist(demo_outputs):
    for kind in ("map", "report", "workbook", "geopackage", "csv"):
        assert demo_outputs[kind].exists(), kind


def test_report_sections_and_caveats(demo_result, demo_outputs):
    text = demo_outputs["report"].read_text(encoding="utf-8")
    for needle in ("政策指标评估", "分乡镇", "出行时间分布", "负荷", "优先序", "参数与数据说明", "合成"):
        assert needle in text, needle
    card = demo_result.coverage.scorecard
    overall = card[card["scope"] == "overall"]
    for name in overall["name_zh"]:
        assert str(name) in text
    # the gap sentences of unmet targets are printed as they are
    for gap in overall.loc[overall["met"] == False, "text_zh"].dropna():  # noqa: E712
        assert str(gap) in text
    # estimated older population is called out
    if demo_result.coverage.settlements["older_estimated"].any():
        assert "估算" in text


def test_report_in_english(demo_result, tmp_path):
    text = write_report_html(demo_result, tmp_path / "r.html", lang="en").read_text(encoding="utf-8")
    assert "Policy scorecard" in text and "synthetic" in text.lower()
    assert "政策指标评估" not in text


def test_workbook_sheets_have_chinese_headers(demo_outputs, demo_result):
    book = pd.read_excel(demo_outputs["workbook"], sheet_name=None)
    for sheet in ("指标评估", "村社区", "养老设施", "乡镇街道", "区域中心"):
        assert sheet in book, sheet
    assert "名称" in book["村社区"].columns and "状态" in book["村社区"].columns
    assert len(book["村社区"]) == len(demo_result.data.settlements)


def test_workbook_in_english(demo_result, tmp_path):
    book = pd.read_excel(write_workbook(demo_result, tmp_path / "r.xlsx", lang="en"), sheet_name=None)
    assert "scorecard" in book and "Name" in book["settlements"].columns


def test_geopackage_has_every_layer(demo_outputs, demo_result):
    layers = set(pyogrio.list_layers(demo_outputs["geopackage"])[:, 0])
    for name in ("settlements", "facilities", "circles", "townships", "counties", "scorecard"):
        assert name in layers, name
    sett = gpd.read_file(demo_outputs["geopackage"], layer="settlements")
    assert len(sett) == len(demo_result.data.settlements)


def test_csvs_open_in_excel(demo_outputs):
    raw = (demo_outputs["csv"] / "settlements.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
