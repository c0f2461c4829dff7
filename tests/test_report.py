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


def test_geopackage_holds_exactly_the_study_layers(demo_outputs, demo_result):
    from planner.reporting import study_layers

    layers = list(pyogrio.list_layers(demo_outputs["geopackage"])[:, 0])
    expected = study_layers(demo_result)
    assert sorted(layers) == sorted([*expected, "layer_styles"])  # layer_styles: their QGIS styles
    # coverage layers, boundaries and one proposed-sites layer per siting run
    assert {"counties", "townships", "proposed_sites_community", "proposed_sites_township"} <= set(layers)
    sites = gpd.read_file(demo_outputs["geopackage"], layer="proposed_sites_community")
    assert len(sites) == len(demo_result.siting["community"].sites)


def test_csv_folder_has_coverage_tables_and_sites(demo_outputs, demo_result):
    names = {p.stem for p in demo_outputs["csv"].glob("*.csv")}
    assert {"settlements", "facilities", "scorecard", "by_township", "proposed_sites_community"} <= names
    sett = pd.read_csv(demo_outputs["csv"] / "settlements.csv", encoding="utf-8-sig")
    assert {"经度", "纬度"} <= set(sett.columns) and len(sett) == len(demo_result.data.settlements)


def test_report_numbers_use_the_shared_formatters():
    from planner.reporting.charts import num, table_html

    assert num(None) == "—" and num(float("nan")) == "—" and num(float("inf")) == "∞"
    assert num(1319) == "1,319" and num(0.553, 1, True) == "55.3%"
    assert num("<b>") == "&lt;b&gt;"
    table = table_html(pd.DataFrame({"name": ["<x>"], "share": [0.25], "met": [None]}),
                       ["name", "share", "met"], "zh", pct=["share"])
    assert "&lt;x&gt;" in table and "25.0%" in table and "仅报告" in table and "<th>名称</th>" in table


def test_excluded_rows_are_explained_in_words():
    from types import SimpleNamespace

    from planner.reporting.html import _layer_caveat

    layer = SimpleNamespace(file="settlements.csv", rows_read=10, rows_kept=8,
                            excluded={"MISSING_COORDINATES": 2})
    assert "缺少坐标 2" in _layer_caveat(layer, "zh")
    assert "coordinates missing 2" in _layer_caveat(layer, "en")


def test_report_siting_section_before_after_curves_and_proof(demo_result, demo_outputs, tmp_path):
    from html import escape

    from planner.reporting.siting_html import curve_spec

    text = demo_outputs["report"].read_text(encoding="utf-8")
    village, town = demo_result.siting["community"], demo_result.siting["township"]
    # one solution: the village sentence, the sites (with the villages each newly serves) and the curve's last bar
    row = village.targets.set_index("indicator").loc["village_facility_coverage"]
    assert escape(row["text_zh"]) in text
    for names in village.sites["new_names"].head(5):
        assert escape(names) in text
    assert "建设前后政策指标对比" in text and "建设后" in text
    # each tier's curve plots its own indicator against its own target
    assert curve_spec(demo_result, village, "zh")[:2] == ("village_share", 0.8)
    col, target = curve_spec(demo_result, town, "zh")[:2]
    assert col == "township_centre_share" and target == demo_result.config.targets.township_centre_share_2025
    assert "有区域养老服务中心的乡镇/街道比例" in text and "缺口逐项说明" in text
    # only a proven optimum is called optimal; the township plan says it is a rule
    if village.solution.status != "optimal":
        assert "已证明最优" not in text.split("建设前后政策指标对比")[0].split("六、建议新增选址")[-1]
    assert "规则，非优化" in text
    en = write_report_html(demo_result, tmp_path / "r.html", lang="en").read_text(encoding="utf-8")
    assert "Policy scorecard before and after" in en and "share of villages covered" in en
