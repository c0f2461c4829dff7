"""Report and exports: what a planner opens and forwards."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pyogrio

from planner.i18n import label
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


def _figures(text):
    """(caption, body) of each chart figure of a report."""
    import re

    return [(m.group(1), m.group(0)) for m in
            re.finditer(r'<figure class="chart"><figcaption><b>(.*?)</b>.*?</figure>', text, flags=re.S)]


def test_report_charts_are_inline_svg_with_titles_and_axes(demo_outputs, demo_result):
    import re

    text = demo_outputs["report"].read_text(encoding="utf-8")
    assert 'class="bar' not in text and "background:#1d5fa8" not in text  # no chart drawn as CSS backgrounds
    figures = _figures(text)
    # per tier: older-share bars and a histogram; villages and communities against their targets; centre
    # loads; one curve per siting tier
    assert len(figures) >= 2 * 3 + 2 + 1 + len(demo_result.siting)
    for caption, body in figures:
        assert caption and "<svg" in body and 'role="img"' in body, caption
        assert re.search(r"<title[^>]*>[^<]+</title>", body), caption
        assert body.count("<text") > 5, caption  # tick labels and an axis label
    captions = [c for c, _ in figures]
    assert any("到最近社区/村级设施的出行时间" in c for c in captions)
    assert any("有区域养老服务中心的乡镇/街道比例" in c for c in captions)


def test_each_target_is_drawn_against_its_own_measure(demo_outputs, demo_result):
    from planner.i18n import fmt_share

    text = demo_outputs["report"].read_text(encoding="utf-8")
    targets = demo_result.config.targets
    village_mark = f"目标 {fmt_share(targets.village_facility_share)}"
    marked = [c for c, body in _figures(text) if village_mark in body]
    assert marked, "the village target is drawn nowhere"
    for caption in marked:  # the village target only against shares of villages (by township, or the siting curve)
        assert "村覆盖率" in caption and "老年人口" not in caption, caption
    for caption, body in _figures(text):
        if "老年人口覆盖率" in caption:
            assert "目标" not in body, caption
    town = [body for c, body in _figures(text) if "有区域养老服务中心的乡镇/街道比例" in c]
    assert town and f"2025 年目标 {fmt_share(targets.township_centre_share_2025)}" in town[0]


def test_report_speaks_words_not_keys(demo_outputs, demo_result):
    import re

    text = demo_outputs["report"].read_text(encoding="utf-8")
    body = re.sub(r"<style>.*?</style>", "", text, flags=re.S)
    body = re.sub(r'src="data:[^"]+"', "", body)
    # no reason or problem code anywhere a reader looks
    codes = re.findall(r"\b[A-Z]{2,}(?:_[A-Z0-9]+)+\b", re.sub(r"<[^>]+>", " ", body))
    assert not codes, sorted(set(codes))
    # travel rules in words, not profile keys
    assert "电动车 10 分钟" in body and "/ebike" not in body and "分钟/walk" not in body
    # the centres table in words, and bed counts as whole numbers
    assert "nearest_load" not in body and not re.search(r">\s*(True|False)\s*<", body)
    total = demo_result.coverage.scorecard.set_index("indicator").loc["total_beds", "value"]
    total = float(total.iloc[0] if hasattr(total, "iloc") else total)
    assert f"{total:,.0f}<" in body and f"{total:,.1f}" not in body
    # policy sources: the documents' titles, with a key to them
    assert "002 规划指标体系" not in body
    assert "《黑龙江省养老服务业“十四五”发展规划》" in body and "依据文件" in body
    # figures built on estimated older populations say so where they are shown
    if demo_result.coverage.settlements["older_estimated"].any():
        assert body.count("老年人数含估算值") >= 2 and "含估算值" in body.split("一、政策指标评估")[0]


def test_priority_table_wraps_reasons_in_words(demo_outputs, demo_result):
    import re

    text = demo_outputs["report"].read_text(encoding="utf-8")
    table = re.search(r'<table class="fixed priority">.*?</table>', text, flags=re.S).group(0)
    assert "<colgroup>" in table and "<thead>" in table
    cells = re.sub(r"<[^>]+>", " ", table)
    assert not re.search(r"\b[A-Z]{2,}(?:_[A-Z]+)+\b", cells)
    first = demo_result.coverage.under_served.iloc[0]
    assert "超出服务时间" in cells and str(first["name"]) in cells
    # estimated counts are marked on the count, not repeated as a sentence
    if bool(first["older_estimated"]):
        assert "估算值" in cells and "为按规则分配的估算值，非统计数" not in cells
    assert table.count("<tr>") == 1 + min(50, len(demo_result.coverage.under_served))


def test_report_map_figure_and_link(demo_outputs, demo_result, tmp_path):
    import base64
    import io
    import re

    import numpy as np
    from PIL import Image

    text = demo_outputs["report"].read_text(encoding="utf-8")
    assert 'href="map.html"' in text
    assert (demo_outputs["report"].parent / "map.html").exists()
    png = re.search(r'<figure class="mapfig">.*?src="data:image/png;base64,([^"]+)"', text, flags=re.S).group(1)
    pixels = np.asarray(Image.open(io.BytesIO(base64.b64decode(png))).convert("L"), dtype=float)
    assert pixels.std() > 10, "the map figure is blank"
    assert "建议新增：社区/村级" in text and "现有设施：县级" in text
    assert "map.html" not in write_report_html(demo_result, tmp_path / "r.html", map_link=None).read_text(
        encoding="utf-8")


def test_report_before_after_scorecard_side_by_side(demo_outputs, demo_result, tmp_path):
    import re

    import numpy as np

    text = demo_outputs["report"].read_text(encoding="utf-8")
    table = re.search(r"建设前后政策指标对比.*?(<table>.*?</table>)", text, flags=re.S).group(1)
    for tier in demo_result.siting:
        assert f"建设后：新增{label(tier, 'zh')}点" in table
    # one "now" column serves every tier: each tier's "before" is the coverage scorecard
    now = demo_result.coverage.scorecard.set_index(["indicator", "scope"])["value"]
    for site in demo_result.siting.values():
        before = site.scorecard.set_index(["indicator", "scope"])["value_before"]
        assert np.allclose(before.to_numpy(dtype=float), now.reindex(before.index).to_numpy(dtype=float),
                           equal_nan=True)
    village = demo_result.siting["community"].scorecard.set_index(["indicator", "scope"])
    after = village.loc[("village_facility_coverage", "overall"), "value_after"]
    assert f"{after * 100:.1f}%" in table and 'class="changed"' in table
    en = write_report_html(demo_result, tmp_path / "r.html", lang="en").read_text(encoding="utf-8")
    assert "After the new community / village sites" in en and "10 min by e-bike" in en
    assert not re.search(r"[\u4e00-\u9fff]+分钟", en)


def test_svg_charts_draw_what_they_are_given():
    import re

    import numpy as np

    from planner.reporting import svg

    assert svg.nice_ticks(0.0) == [0.0, 1.0] and svg.nice_ticks(93)[-1] >= 93 and svg.nice_ticks(93)[1] == 20
    assert svg.text_width("村") == 11 and svg.text_width("ab") < 11 * 2
    fig = svg.bar_chart([("甲", 0.5, "50%"), ("乙", np.nan, "—"), ("<丙>", 0.9, "90%")], title="t", x_label="x",
                        maximum=1.0, mark=0.8, mark_label="目标 80%", pct=True, bad_above=False)
    assert fig.count("<rect") == 2 and "&lt;丙&gt;" in fig and "目标 80%" in fig
    assert len(re.findall(f'<rect[^>]*fill="{svg.RED}"', fig)) == 1  # only the bar below the target is red
    long = svg.bar_chart([(str(i), float(i), str(i)) for i in range(95)], title="t", x_label="x")
    assert long.count("<svg") == 3  # split so that no chart is taller than a page
    curve = svg.line_chart([0, 1, 2, 3], [0.5, np.nan, 0.7, 0.8], title="c", x_label="k", y_label="y", target=0.8,
                           target_label="目标")
    assert curve.count("<circle") == 3 and curve.count("<polyline") == 1  # the gap splits the line
    cols = svg.column_chart([("0–3", 5, svg.BLUE), ("不可达", 0, svg.RED)], title="h", x_label="x", y_label="y")
    assert cols.count("<rect") == 2 and "不可达" in cols


def test_policy_sources_name_their_documents():
    from planner.analysis import INDICATORS, SOURCE_DOCUMENTS, cited_documents, source_parts
    from planner.reporting.report_words import source_words

    for _, _, source in INDICATORS.values():
        assert "".join(t for t, _ in source_parts(source)) == source
        assert cited_documents(source), source
        assert set(cited_documents(source)) <= set(SOURCE_DOCUMENTS)
    assert cited_documents("002 规划指标体系 (2020: 32)") == ["002"]
    assert cited_documents("002 规划指标体系 (000: ≥50%; 001: >75% by 2029)") == ["002", "000", "001"]
    import re

    words = re.sub(r"<[^>]+>", "", source_words("001 §二(二); 000 #4", "zh"))
    assert words == "《佳木斯市工作方案》 §二(二)；《省重点工作任务分工表》 #4"
