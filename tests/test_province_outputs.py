"""The outputs of a study of many counties: report.html, the overview map.html, summary.xlsx (fast, no run).

The MultiResult is made by hand from the counts of four real county polygons of two cities (packaged
reference data) and one failed county, so the ranking, the links and every format are known.
"""

from __future__ import annotations

import re

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest

from planner.config import config_from_dict
from planner.multi import aggregate_scorecards, county_folder, write_multi_outputs
from planner.multi.aggregate import SCORECARD_COLUMNS
from planner.multi.county import CountyOutcome
from planner.multi.province_map import BANDS, province_map
from planner.multi.province_report import province_report_html
from planner.multi.province_tables import furthest_from_target
from planner.multi.result import COUNTY_COLUMNS, MultiResult
from planner.reference import county_boundary

#: county -> (city, villages covered, villages, public institutions, beds, older people)
COUNTS = {
    "桦南县": ("佳木斯市", 60, 100, 1, 900, 40000),
    "汤原县": ("佳木斯市", 30, 40, 0, 500, 20000),
    "富锦市": ("佳木斯市", 85, 100, 1, 1200, 50000),
    "萝北县": ("鹤岗市", 20, 50, 1, 300, 15000),
}
FAILED = "绥滨县"
ODD = "<b>奇'怪`县${x}</b>"  # a county name that is HTML and a template literal: shown as written, never run


def _rows(county: str, city: str, cov: int, n: int, public: int, beds: int, older: int) -> list[dict]:
    base = {"level": "county", "scope": county, "city": city, "due_year": pd.NA, "applies": True, "n_counties": 1,
            "text_zh": "", "text_en": ""}
    out = []
    for key, zh, en, num, den, target, unit in (
        ("village_facility_coverage", "农村养老服务设施覆盖率（村）", "Village coverage", cov, n, 0.8, "villages"),
        ("county_public_institution", "县（市）公办养老机构覆盖率", "Public institution", public, 1, 1.0, "counties"),
        ("total_beds", "养老服务床位总量", "Beds", beds, 1, float("nan"), "beds"),
        ("beds_per_1000_older", "每千名老年人拥有养老床位数", "Beds per 1,000", beds, older, float("nan"), "beds"),
    ):
        value = num if key == "total_beds" else (num / den * (1000 if key == "beds_per_1000_older" else 1))
        has = target == target
        met = bool(value >= target) if has else pd.NA
        gap = max(0, int(-(-target * den // 1)) - num) if has else pd.NA
        out.append({**base, "indicator": key, "name_zh": zh, "name_en": en, "value": value, "numerator": num,
                    "denominator": den, "target": target, "met": met, "gap": gap, "gap_unit": unit})
    return out


@pytest.fixture(scope="module")
def result(tmp_path_factory) -> tuple[MultiResult, object]:
    out = tmp_path_factory.mktemp("province")
    rows, counties, outcomes, shapes = [], [], {}, []
    for county, (city, *counts) in COUNTS.items():
        rows += _rows(county, city, *counts)
        folder = county_folder(out, county)
        folder.mkdir(parents=True)
        paths = {k: str(folder / f"{k}.html") for k in ("report", "map")}
        for p in paths.values():
            open(p, "w").close()
        outcomes[county] = CountyOutcome(county=county, city=city, settlements=gpd.GeoDataFrame(),
                                         scorecard=pd.DataFrame(), outputs=paths)
        counties.append({"county": county, "city": city, "status": "ok", "error": "", "settlements": counts[1],
                         "facilities": 3, "road_segments": 1000, "buffer_m": 5000.0, "seconds": 1.5,
                         "outputs": paths["report"], "siting_errors": ""})
        shapes.append(county_boundary(county))
    counties.append({"county": FAILED, "city": "佳木斯市", "status": "failed", "error": "NetworkError: no road",
                     "settlements": 10, "facilities": 0, "road_segments": pd.NA, "buffer_m": 5000.0,
                     "seconds": float("nan"), "outputs": "", "siting_errors": ""})
    shapes.append(county_boundary(FAILED))
    card = pd.DataFrame(rows, columns=SCORECARD_COLUMNS)
    card["met"], card["gap"] = card["met"].astype("boolean"), card["gap"].astype("Int64")
    # the ODD county's polygon is 萝北县's, under another name (names are data: they must stay inert)
    bounds = gpd.GeoDataFrame(pd.concat(shapes + [county_boundary("萝北县")], ignore_index=True), crs="EPSG:4326")
    bounds.index = pd.Index([*COUNTS, FAILED, ODD], name="county")
    odd = pd.DataFrame(_rows(ODD, "鹤岗市", 1, 10, 1, 10, 1000), columns=SCORECARD_COLUMNS)
    odd["met"], odd["gap"] = odd["met"].astype("boolean"), odd["gap"].astype("Int64")
    card = pd.concat([card, odd], ignore_index=True)
    counties.append({**counties[0], "county": ODD, "city": "鹤岗市", "outputs": ""})
    config = config_from_dict({"name": "测试省", "synthetic": True})
    res = MultiResult(config=config, counties=pd.DataFrame(counties, columns=COUNTY_COLUMNS),
                      settlements=pd.DataFrame(), scorecard_county=card,
                      scorecard_city=aggregate_scorecards(card, level="city"),
                      scorecard_study=aggregate_scorecards(card, level="study"), outcomes=outcomes,
                      failures={FAILED: "NetworkError: no road"}, boundaries=bounds[["city", "geometry"]])
    return res, out


def test_counties_are_ranked_by_their_distance_from_each_target(result):
    res, _ = result
    ranked = furthest_from_target(res.scorecard_county)
    vil = ranked[ranked["indicator"] == "village_facility_coverage"]
    # shortfalls: ODD 0.7, 萝北县 0.4, 桦南县 0.2, 汤原县 0.05; 富锦市 (85 %) meets it and is not listed
    assert vil["scope"].tolist() == [ODD, "萝北县", "桦南县", "汤原县"]
    assert vil["rank"].tolist() == [1, 2, 3, 4]
    assert vil.set_index("scope").loc["桦南县", ["numerator", "denominator", "gap"]].tolist() == [60, 100, 20]
    pub = ranked[ranked["indicator"] == "county_public_institution"]
    assert pub["scope"].tolist() == ["汤原县"]
    assert not ranked["indicator"].isin(["total_beds", "beds_per_1000_older"]).any()
    assert len(furthest_from_target(res.scorecard_county, top=2).query("indicator == 'village_facility_coverage'")) == 2


def test_report_has_scorecards_by_city_and_county_ranking_and_links(result):
    res, out = result
    html = province_report_html(res, lang="zh", out_dir=out)
    assert "二、各市指标" in html and "佳木斯市" in html and "鹤岗市" in html
    # the city row sums counts: 佳木斯市 villages 60+30+85 / 100+40+100
    assert "175 / 240" in html and "72.9%" in html
    ranking = html[html.index("四、距目标最远的县"):]
    assert [ranking.index(n) for n in ("萝北县", "桦南县", "汤原县")] == sorted(
        ranking.index(n) for n in ("萝北县", "桦南县", "汤原县"))
    assert "60 / 100" in ranking and "20 个村" in ranking
    assert 'href="counties/桦南县/report.html"' in html and 'href="counties/桦南县/map.html"' in html
    assert FAILED in html and "NetworkError: no road" in html
    assert "<svg" in html and "@media print" in html and 'href=\'map.html\'' in html
    assert ODD not in html and "&lt;b&gt;" in html
    en = province_report_html(res, lang="en", out_dir=out)
    assert "2. By city" in en and "4. Counties furthest from each target" in en and 'lang="en"' in en
    assert "各市指标" not in en


def test_overview_map_colours_counties_by_distance_from_the_target(result):
    from planner.multi.province_map import _features
    from planner.multi.province_tables import county_links

    res, out = result
    colour = {limit: c for limit, c, _, _ in BANDS}
    keys = ["village_facility_coverage", "county_public_institution"]
    feats = _features(res, keys, "zh", county_links(res, out))["features"]
    by_name = {f["properties"]["name"]: {**f["properties"], "colour": f["properties"]["c0"]} for f in feats}
    assert set(by_name) == {*COUNTS, FAILED, ODD}  # every county, one polygon each, no settlement
    assert by_name["富锦市"]["colour"] == colour[0.0]  # 85 % >= 80 %
    assert by_name["汤原县"]["colour"] == colour[0.10]  # 75 %: within 10 points
    assert by_name["桦南县"]["colour"] == colour[0.25]  # 60 %: 20 points below
    assert by_name["萝北县"]["colour"] == colour[float("inf")]  # 40 %
    assert by_name[FAILED]["colour"] == "#bdbdbd" and "NetworkError" in by_name[FAILED]["popup"]
    assert by_name["汤原县"]["c1"] == colour[float("inf")] and by_name["桦南县"]["c1"] == colour[0.0]  # 0/1, 1/1
    pop = by_name["桦南县"]["popup"]
    assert "counties/桦南县/report.html" in pop and "counties/桦南县/map.html" in pop and "60/100" in pop
    assert ODD not in by_name[ODD]["popup"] and "&lt;b&gt;" in by_name[ODD]["popup"]
    html = province_map(res, lang="zh", out_dir=out).get_root().render()
    assert not re.search(r"<script[^>]+src=", html)  # Leaflet inlined: opens offline
    assert "L.marker(" not in html and "L.circleMarker(" not in html and ODD not in html
    assert html.count("L.geoJson(") + html.count("L.geoJSON(") == 1  # the polygons once, recoloured by the switch
    assert "planner-indicator" in html and "setStyle" in html
    en = province_map(res, lang="en", out_dir=out).get_root().render()
    assert "meets the target" in en and "达到目标" not in en


def test_workbook_has_a_sheet_per_level_formatted_and_in_chinese(result, tmp_path):
    res, _ = result
    paths = write_multi_outputs(res, tmp_path)
    assert {"workbook", "report", "map", "manifest"} <= set(paths)
    book = openpyxl.load_workbook(paths["workbook"])
    assert book.sheetnames == ["说明", "全域指标", "各市指标", "各县指标", "距目标排名", "各县运行"]
    ws = book["各县指标"]
    head = [c.value for c in ws[1]]
    assert head[:3] == ["县（市、区）", "地级市", "指标"]
    assert not [h for h in head if h and re.fullmatch(r"[A-Za-z_ ()]+", str(h))]  # every header in Chinese
    assert ws.freeze_panes == "B2" and ws.auto_filter.ref.startswith("A1:")
    col = {h: i + 1 for i, h in enumerate(head)}
    kinds = {ws.cell(r, col["指标"]).value: ws.cell(r, col["现状值"]).number_format for r in range(2, ws.max_row + 1)}
    assert kinds["农村养老服务设施覆盖率（村）"] == "0.0%" and kinds["养老服务床位总量"] == "#,##0"
    gaps = [ws.cell(r, col["差距"]).number_format for r in range(2, ws.max_row + 1)
            if ws.cell(r, col["指标"]).value == "农村养老服务设施覆盖率（村）"]
    assert all("个村" in g for g in gaps)
    study = book["全域指标"]
    assert study.cell(2, 1).value == "全域"
    runs = [[c.value for c in row] for row in book["各县运行"].iter_rows(min_row=2)]
    assert [r[2] for r in runs if r[0] == FAILED] == ["失败"]
    rank = book["距目标排名"]
    assert [rank.cell(r, 3).value for r in range(2, 6)] == [ODD, "萝北县", "桦南县", "汤原县"]
    en = openpyxl.load_workbook(write_multi_outputs(res, tmp_path / "en", lang="en")["workbook"])
    assert en.sheetnames == ["Notes", "Study", "By city", "By county", "Furthest from target", "County runs"]
    assert [c.value for c in en["By county"][1]][:3] == ["County", "City", "Indicator"]
