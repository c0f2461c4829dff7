"""load_study: canonical layers, every input format, summaries, and one report for a broken copy."""

import csv
import io
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from planner.config import config_from_dict, default_config, load_config
from planner.data import StudyData, load_study, summarise_study, summarise_study_frame, tier_for_type
from planner.errors import DataError
from planner.io import recognise_columns

FIX = Path(__file__).parent / "fixtures" / "data"
ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "planner" / "demo" / "data" / "demo_county.toml"


@pytest.fixture(scope="module")
def fixture_study() -> StudyData:
    return load_study(load_config(FIX / "study.toml"))


def test_canonical_facilities(fixture_study):
    f = fixture_study.facilities
    assert f.index.name == "facility_id" and f.index.is_unique
    assert list(f.columns) == ["name", "type", "tier", "beds", "nursing_beds", "occupied_beds", "public",
                               "capacity", "county", "township", "geometry"]
    assert f.crs.to_epsg() == 4326 and (f.geom_type == "Point").all()
    assert str(f["public"].dtype) == "boolean"
    for c in ("beds", "nursing_beds", "occupied_beds", "capacity"):
        assert f[c].dtype == float
    assert f.loc["F1", "tier"] == "county" and f.loc["F3", "tier"] == "township"
    assert f.loc["F5", "tier"] == "community" and f.loc["F11", "tier"] == "township"
    assert np.isnan(f.loc["F5", "nursing_beds"]) and f.loc["F3", "capacity"] == 10000
    assert f.loc["F10", "public"] is False or not f.loc["F10", "public"]
    # admin names filled by point-in-polygon where blank
    assert (f.loc["F2", "township"], f.loc["F2", "county"]) == ("城关街道", "测试县")
    assert (f.loc["F6", "township"], f.loc["F6", "county"]) == ("前进乡", "测试县")
    assert f.loc["F5", "county"] == "测试县"


def test_canonical_settlements(fixture_study):
    s = fixture_study.settlements
    assert s.index.name == "settlement_id"
    assert list(s.columns) == ["name", "kind", "township", "county", "population", "older_population",
                               "older_estimated", "urban", "central", "older_source", "older_rule", "geometry"]
    assert s["older_estimated"].dtype == bool and s["urban"].dtype == bool and s["central"].dtype == bool
    assert s.loc["S4", "kind"] == "village" and s.loc["S1", "kind"] == "community"
    assert s["urban"].tolist() == (s["kind"] == "community").tolist()
    # central: every 街道 when config.central_townships is empty
    assert s.loc[["S1", "S2"], "central"].all() and not s.loc[["S3", "S5"], "central"].any()
    assert s.loc["S5", "township"] == "前进乡" and s.loc["S5", "county"] == "测试县"
    # county total 3400 - counted 1400 = 2000 over populations 1000, 3000, 500, 1500
    est = s.loc[["S3", "S4", "S5", "S6"], "older_population"].tolist()
    assert est == pytest.approx([2000 / 6, 1000.0, 2000 / 12, 500.0])
    assert s["older_estimated"].tolist() == [False, False, True, True, True, True]


def test_boundaries_area_and_crs(fixture_study):
    t = fixture_study.townships
    assert t.index.name == "township" and list(t.columns) == ["kind", "county", "central", "geometry"]
    assert t.loc["城关街道", "kind"] == "street" and t.loc["前进乡", "kind"] == "township"
    assert t.loc["前进乡", "county"] == "测试县"  # blank in the file: from the county polygon
    assert t["central"].tolist() == (t["kind"] == "street").tolist()
    assert list(fixture_study.counties.index) == ["测试县"]
    assert fixture_study.study_area.equals(shapely.box(127.0, 45.5, 127.4, 45.8).normalize()) or \
        abs(fixture_study.study_area.area - 0.12) < 1e-9
    assert fixture_study.projected_crs.to_epsg() == 32652
    assert fixture_study.report.ok and not fixture_study.report.problems


def test_central_townships_from_config():
    cfg = load_config(FIX / "study.toml").replace(central_townships=("红星镇",))
    d = load_study(cfg)
    assert d.settlements["central"].tolist() == [False, False, True, True, False, False]
    assert d.townships["central"].to_dict() == {"前进乡": False, "城关街道": False, "红星镇": True}


def test_tier_longest_match_wins():
    tiers = default_config().tiers
    assert tier_for_type("敬老院日间照料中心", tiers) == "community"  # 日间照料中心 (6) beats 敬老院 (3)
    assert tier_for_type("乡镇养老服务中心", tiers) == "township"
    assert tier_for_type("社会福利院", tiers) == "county"
    assert tier_for_type("老年食堂", tiers) is None


def test_summary_counts(fixture_study):
    frame = summarise_study_frame(fixture_study, lang="en")
    total = frame.loc["Total"]
    assert total["villages"] == 4 and total["communities"] == 2
    assert (total["County"], total["Township / street"], total["Community / village"]) == (2, 3, 7)
    assert total["population"] == 11000 and total["aged 60+"] == pytest.approx(3400)
    assert total["of which estimated"] == pytest.approx(2000)
    assert frame.loc["城关街道", "communities"] == 2
    text = summarise_study(fixture_study)
    assert "设施 12 个：县级 2，乡镇/街道 3，社区/村级 7" in text
    assert "村 4，社区 2" in text and "其中估算 59%" in text and "城关街道" in text
    assert "合成数据" in text
    assert "Facilities 12" in summarise_study(fixture_study, "en")


def test_excel_gpkg_and_gbk_inputs_give_the_same_layers(tmp_path, fixture_study):
    for n in ("county.geojson", "townships.geojson", "facilities.csv", "settlements_gbk.csv"):
        shutil.copy(FIX / n, tmp_path / n)
    fac = pd.read_csv(FIX / "facilities.csv", encoding="utf-8-sig", dtype=str)
    with pd.ExcelWriter(tmp_path / "fac.xlsx", engine="openpyxl") as xw:
        pd.DataFrame({"说明": ["测试"]}).to_excel(xw, sheet_name="说明", index=False)
        fac.to_excel(xw, sheet_name="设施", index=False)
    towns = gpd.read_file(FIX / "townships.geojson")
    towns.to_file(tmp_path / "b.gpkg", layer="乡镇", driver="GPKG")
    towns.iloc[:1].to_file(tmp_path / "b.gpkg", layer="other", driver="GPKG")
    cfg = config_from_dict({
        "name": "测试县", "synthetic": True,
        "inputs": {
            "facilities": {"path": "fac.xlsx", "sheet": "设施"},
            "settlements": "settlements_gbk.csv",
            "boundaries_county": "county.geojson",
            "boundaries_township": {"path": "b.gpkg", "layer": "乡镇"},
        },
        "population": {"county_older_totals": {"测试县": 3400.0}},
    }, base_dir=tmp_path)
    d = load_study(cfg)
    assert d.report.layer("settlements").encoding == "gbk"
    pd.testing.assert_frame_equal(pd.DataFrame(d.settlements), pd.DataFrame(fixture_study.settlements))
    pd.testing.assert_frame_equal(pd.DataFrame(d.facilities), pd.DataFrame(fixture_study.facilities))
    assert sorted(d.townships.index) == sorted(fixture_study.townships.index)


def test_points_only_study_area_is_buffered_hull(tmp_path):
    cfg = config_from_dict({"inputs": {"facilities": str(FIX / "facilities.csv"),
                                       "settlements": str(FIX / "settlements.csv")}}, base_dir=tmp_path)
    d = load_study(cfg)
    assert d.townships is None and d.counties is None
    assert all(d.study_area.contains(p) for p in d.settlements.geometry)
    assert d.study_area.area > shapely.MultiPoint(list(d.settlements.geometry)).convex_hull.area
    assert [p.code for p in d.report.problems].count("NO_STUDY_AREA") == 1
    # no older totals -> the villages stay unknown, reported per county
    assert np.isnan(d.settlements.loc["S3", "older_population"])
    assert "MISSING_OLDER_POPULATION" in d.report.codes()


def test_inputs_are_not_modified(tmp_path):
    src = FIX / "facilities.csv"
    before = src.read_bytes()
    load_study(load_config(FIX / "study.toml"))
    assert src.read_bytes() == before


# ----------------------------------------------------------------------------- broken copy


def _read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    text = path.read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    return rows[0], rows[1:]


def _write_rows(path: Path, header, rows, encoding) -> None:
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\n").writerows([header, *rows])
    path.write_bytes(buf.getvalue().encode(encoding))


def _break_copy(config_path: Path, tmp_path: Path):
    """Copy a study (without road files) and break it in the ways planners do."""
    dst = tmp_path / "study"
    shutil.copytree(config_path.parent, dst, ignore=shutil.ignore_patterns("*.osm*", "*.pbf", "roads", "cache",
                                                                            "outputs"))
    cfg = load_config(dst / config_path.name)
    fpath, spath = cfg.inputs.facilities.path, cfg.inputs.settlements.path
    header, rows = _read_rows(fpath)
    cols = recognise_columns(header, ["id", "type", "x", "y"]).columns
    i_id, i_type, i_x, i_y = (header.index(cols[k]) for k in ("id", "type", "x", "y"))
    assert len(rows) >= 9
    expect = {}
    for k in (0, 1, 2):  # swap lon/lat
        rows[k][i_x], rows[k][i_y] = rows[k][i_y], rows[k][i_x]
    expect["SWAPPED_LON_LAT"] = [2, 3, 4]
    for k in (3, 4):  # unknown facility types
        rows[k][i_type] = ["老年食堂", "托老所"][k - 3]
    expect["UNKNOWN_FACILITY_TYPE"] = [5, 6]
    for k in (5, 6):  # moved 2 degrees east: outside the county
        rows[k][i_x] = f"{float(rows[k][i_x]) + 2.0:.6f}"
    expect["OUTSIDE_STUDY_AREA"] = [7, 8]
    rows[7][i_id] = rows[0][i_id]  # duplicate ids
    rows[8][i_id] = rows[1][i_id]
    expect["DUPLICATE_ID"] = [9, 10]
    _write_rows(fpath, header, rows, "gbk")
    sh, srows = _read_rows(spath)
    i_pop = sh.index(recognise_columns(sh, ["population"]).columns["population"])
    srows[0][i_pop] = "-120"
    _write_rows(spath, sh, srows, "utf-8-sig")
    return cfg, expect, rows, fpath.name, spath.name


def _check_broken(cfg, expect, rows, fname, sname):
    data = load_study(cfg)  # bad rows are excluded, not fatal
    rep = data.report
    text = rep.format()
    assert rep.layer("facilities").encoding == "gbk"
    for code, lines in expect.items():
        got = sorted(p.row for p in rep.problems if p.code == code and p.file.endswith(fname))
        assert got == lines, (code, text)
        for r in lines:
            assert f"{fname}，第 {r} 行" in text
    dup = [p for p in rep.problems if p.code == "DUPLICATE_ID"]
    assert "2、9" in dup[0].message and "3、10" in dup[1].message
    unknown = [p for p in rep.problems if p.code == "UNKNOWN_FACILITY_TYPE"]
    assert all("老年食堂" in p.message and "托老所" in p.message for p in unknown)
    neg = [p for p in rep.problems if p.code == "NEGATIVE_VALUE"]
    assert [(p.row, p.value) for p in neg] == [(2, "-120")] and neg[0].file.endswith(sname)
    fac = rep.layer("facilities")
    assert fac.rows_read == len(rows) and fac.rows_kept == len(rows) - 6
    assert dict(fac.excluded) == {"UNKNOWN_FACILITY_TYPE": 2, "OUTSIDE_STUDY_AREA": 2, "DUPLICATE_ID": 2}
    assert "排除 6 行" in text
    # the swapped rows are kept at the right place
    assert rows[0][0] in data.facilities.index
    # one DataError listing all of it in strict mode
    with pytest.raises(DataError) as exc:
        load_study(cfg, strict=True)
    for code in expect:
        assert code in exc.value.report.codes()


def test_broken_copy_of_fixture_study_gives_one_report(tmp_path):
    _check_broken(*_break_copy(FIX / "study.toml", tmp_path))


@pytest.mark.skipif(not DEMO.exists(), reason="demo county not generated yet")
def test_demo_county_loads_and_summarises():
    d = load_study(load_config(DEMO))
    assert d.report.ok
    assert d.config.synthetic
    frame = summarise_study_frame(d)
    assert {"县级", "乡镇/街道", "社区/村级", "村", "社区"} <= set(frame.columns)
    total = frame.loc["合计"]
    assert total["村"] + total["社区"] == len(d.settlements)
    assert total["县级"] + total["乡镇/街道"] + total["社区/村级"] == len(d.facilities)
    assert len(frame) - 1 >= len(d.townships)
    assert d.settlements["older_population"].notna().all()
    assert d.settlements["older_estimated"].any()
    assert "合成数据" in summarise_study(d)


@pytest.mark.skipif(not DEMO.exists(), reason="demo county not generated yet")
def test_broken_copy_of_demo_county_gives_one_report(tmp_path):
    _check_broken(*_break_copy(DEMO, tmp_path))


def test_candidates_and_exclusion_zones(tmp_path):
    for n in ("county.geojson", "townships.geojson", "facilities.csv", "settlements.csv", "study.toml"):
        shutil.copy(FIX / n, tmp_path / n)
    (tmp_path / "cand.csv").write_text(
        "编号,名称,类型,经度,纬度,所属乡镇,所属县\n"
        "C1,红星镇卫生院,乡镇卫生院,127.18,45.62,红星镇,测试县\n"
        "C2,前进小学旧址,闲置校舍,127.33,45.70,,\n"
        "C3,区外,村委会,129.0,45.6,,\n",
        encoding="utf-8-sig",
    )
    zones = gpd.GeoDataFrame({"name": ["湿地", ""], "kind": ["生态保护红线", "永久基本农田"]},
                             geometry=[shapely.box(127.3, 45.7, 127.4, 45.8), shapely.Point(127.1, 45.6)],
                             crs=4326)
    zones.to_file(tmp_path / "zones.geojson", driver="GeoJSON")
    with open(tmp_path / "study.toml", "a", encoding="utf-8") as fh:
        fh.write('\n[inputs.candidates]\npath = "cand.csv"\n[inputs.exclusion_zones]\npath = "zones.geojson"\n')
    d = load_study(load_config(tmp_path / "study.toml"))
    c = d.candidates
    assert c.index.name == "candidate_id" and list(c.index) == ["C1", "C2"]
    assert list(c.columns) == ["name", "type", "township", "county", "geometry"]
    assert c.loc["C2", "township"] == "前进乡" and c.loc["C2", "type"] == "闲置校舍"
    assert [p.row for p in d.report.problems if p.code == "OUTSIDE_STUDY_AREA"] == [4]
    z = d.exclusion_zones
    assert list(z["kind"]) == ["生态保护红线"] and z.crs.to_epsg() == 4326
    assert [(p.code, p.row) for p in d.report.problems if p.file == "zones.geojson"] == [("NON_POLYGON_GEOMETRY", 2)]
    assert d.report.layer("candidates").rows_kept == 2
    # without them configured they are None
    base = load_study(load_config(FIX / "study.toml"))
    assert base.candidates is None and base.exclusion_zones is None


SHARED = ROOT.parent / "shared" / "data"


@pytest.mark.skipif(not (SHARED / "harbin" / "harbin_streets.geojson").exists(), reason="shared data absent")
def test_real_harbin_boundaries_census_and_column_override(tmp_path):
    admin = gpd.read_file(SHARED / "heilongjiang" / "admin_boundaries.geojson")
    admin = admin[(admin["level"] == "区县") & admin["district"].isin(["道里区", "南岗区"])]
    admin[["district", "geometry"]].to_file(tmp_path / "districts.gpkg", layer="区县", driver="GPKG")
    streets = gpd.read_file(SHARED / "harbin" / "harbin_streets.geojson")
    area = shapely.union_all(admin.geometry.to_numpy())
    pts = streets.geometry.representative_point()
    inside = pts.within(area.buffer(-0.002))
    sub = streets[inside.to_numpy()]
    rows = ["编号,名称,类型,经度,纬度,总人口"] + [
        f"S{i},{nm}社区,社区,{p.x:.6f},{p.y:.6f},{1000 + 10 * i}"
        for i, (nm, p) in enumerate(zip(sub["name"], pts[inside.to_numpy()]))
    ]
    (tmp_path / "set.csv").write_bytes("\n".join(rows).encode("gbk"))
    (tmp_path / "fac.csv").write_text("编号,类型,经度,纬度\nF1,社会福利院,126.6335,45.7439\n", encoding="utf-8")
    cfg = config_from_dict({
        "inputs": {
            "facilities": "fac.csv", "settlements": "set.csv",
            "boundaries_county": {"path": "districts.gpkg", "layer": "区县", "columns": {"name": "district"}},
            "boundaries_township": str(SHARED / "harbin" / "harbin_streets.geojson"),
        },
        "population": {"census_csv": str(SHARED / "heilongjiang" / "county_census2020.csv")},
    }, base_dir=tmp_path)
    d = load_study(cfg)
    s = d.settlements
    assert len(s) == len(sub) > 10
    assert set(s["county"]) <= {"道里区", "南岗区"} and (s["township"] != "").all()
    assert d.projected_crs.to_epsg() == 32652
    census = pd.read_csv(SHARED / "heilongjiang" / "county_census2020.csv",
                         usecols=["区县", "pop60plus", "人口数_合计"])
    partial = {p.value: p for p in d.report.problems if p.code == "PARTIAL_COUNTY"}
    for county, group in s.groupby("county"):
        row = census.loc[census["区县"] == county].iloc[0]
        # the made-up settlements hold a small part of the district's residents: the census total is
        # scaled to them (the district's 60+ rate applied to its residents), never split whole over them
        share = group["population"].sum() / row["人口数_合计"]
        assert share < 0.1
        assert group["older_population"].sum() == pytest.approx(row["pop60plus"] * share)
        assert (group["older_population"] <= group["population"]).all()
        assert group["older_estimated"].all()
        assert f"{row['pop60plus']:,.0f}" in partial[county].message_en
    assert {sh.county for sh in d.allocation.county_shares} == set(s["county"])
    assert d.facilities.loc["F1", "county"] in {"道里区", "南岗区"}
    assert d.report.layer("settlements").encoding == "gbk"


def test_summary_without_boundaries_labels_unknown_township(tmp_path):
    cfg = config_from_dict({"inputs": {"facilities": str(FIX / "facilities.csv"),
                                       "settlements": str(FIX / "settlements.csv")}}, base_dir=tmp_path)
    d = load_study(cfg)
    frame = summarise_study_frame(d)
    assert frame.loc["（未填乡镇）", "村"] == 2  # S5, S6 have no township and no boundary to find one
    missing = [p for p in d.report.problems if p.code == "MISSING_OLDER_POPULATION"]
    assert {p.column for p in missing} == {"60岁以上人口"}
    blank = [p for p in missing if p.value is None][0]
    assert "S5(row 6)" in blank.message and "所属县" in blank.fix


# ----------------------------------------------------------------------------- area tolerance


def _tolerance_study(tmp_path: Path):
    """A 2 km square township (and county) in UTM 52N; settlements inside, 150 m and 250 m east of it."""
    import pyproj

    back = pyproj.Transformer.from_crs("EPSG:32652", "EPSG:4326", always_xy=True)
    x0, y0, side = 500_000.0, 5_070_000.0, 2_000.0  # about 126.0 E, 45.8 N
    square = shapely.box(x0, y0, x0 + side, y0 + side).segmentize(50.0)
    square = shapely.transform(square, lambda xy: np.column_stack(back.transform(xy[:, 0], xy[:, 1])))
    gpd.GeoDataFrame({"名称": ["甲镇"], "所属县": ["测试县"]}, geometry=[square], crs="EPSG:4326").to_file(
        tmp_path / "towns.geojson", driver="GeoJSON")
    gpd.GeoDataFrame({"名称": ["测试县"]}, geometry=[square], crs="EPSG:4326").to_file(
        tmp_path / "county.geojson", driver="GeoJSON")
    ymid = y0 + side / 2
    points = {"S1": (x0 + side / 2, ymid), "S2": (x0 + side + 150.0, ymid), "S3": (x0 + side + 250.0, ymid)}
    lines = ["编号,名称,类型,经度,纬度,总人口,60岁以上人口"]
    for sid, (x, y) in points.items():
        lon, lat = back.transform(x, y)
        lines.append(f"{sid},{sid}村,村,{lon:.7f},{lat:.7f},100,20")
    (tmp_path / "set.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    lon, lat = back.transform(x0 + side / 2, ymid)
    (tmp_path / "fac.csv").write_text(f"编号,类型,经度,纬度\nF1,农村幸福院,{lon:.7f},{lat:.7f}\n", encoding="utf-8")
    return config_from_dict({"inputs": {
        "facilities": "fac.csv", "settlements": "set.csv",
        "boundaries_county": "county.geojson", "boundaries_township": "towns.geojson",
    }}, base_dir=tmp_path)


def test_points_within_200_m_of_the_boundary_count_as_inside(tmp_path):
    d = load_study(_tolerance_study(tmp_path))
    s = d.settlements
    assert set(s.index) == {"S1", "S2"}
    assert not d.study_area.contains(s.geometry["S2"])  # really outside the polygon, kept by the tolerance
    assert s.loc["S2", "township"] == "甲镇" and s.loc["S2", "county"] == "测试县"
    outside = [p for p in d.report.problems if p.code == "OUTSIDE_STUDY_AREA"]
    assert [(Path(p.file).name, p.row) for p in outside] == [("set.csv", 4)]  # S3, line 4 of the CSV
    assert d.report.layer("settlements").excluded == {"OUTSIDE_STUDY_AREA": 1}


# ----------------------------------------------------------------------------- input traps (issue 11)


def _fixture_copy(tmp_path: Path) -> Path:
    for n in ("county.geojson", "townships.geojson", "facilities.csv", "settlements.csv", "study.toml"):
        shutil.copy(FIX / n, tmp_path / n)
    return tmp_path / "study.toml"


def _with_facilities(cfg, path: Path):
    import dataclasses

    spec = dataclasses.replace(cfg.inputs.facilities, path=path)
    return cfg.replace(inputs=dataclasses.replace(cfg.inputs, facilities=spec))


def test_one_impossible_village_does_not_absorb_the_county_total(tmp_path):
    cfg_path = _fixture_copy(tmp_path)
    text = (tmp_path / "settlements.csv").read_text(encoding="utf-8").replace(
        "S3,东升村,村,红星镇,测试县,127.21,45.73,1000,", "S3,东升村,村,红星镇,测试县,127.21,45.73,999999999,")
    (tmp_path / "settlements.csv").write_text(text, encoding="utf-8")
    d = load_study(load_config(cfg_path))
    s = d.settlements
    (p,) = [p for p in d.report.problems if p.code == "IMPLAUSIBLE_POPULATION"]
    assert (p.file, p.row, p.column, p.value) == ("settlements.csv", 4, "总人口", "999999999")
    assert "999,999,999" in p.message and p.fix and p.severity == "warning"
    assert np.isnan(s.loc["S3", "population"])
    # S3 now weighs the mean of the other estimated ones (3000, 500, 1500), not the whole remainder of 2000
    assert s.loc["S3", "older_population"] == pytest.approx(2000 * (5000 / 3) / (5000 + 5000 / 3))
    assert d.report.layer("settlements").flagged == {"IMPLAUSIBLE_POPULATION": 1}
    assert "保留但有警告：人口数不合常理 1" in d.report.format()


def test_population_far_above_the_median_is_flagged(tmp_path):
    from planner.data.plausibility import check_population
    from planner.data.reading import LayerLog
    from planner.data.validation import ProblemLog

    log = ProblemLog()
    values = np.array([800, 900, 1000, 1100, 1200, 90000, 4000, 5000], dtype=float)
    kinds = np.array(["village"] * 6 + ["community"] * 2)
    out = check_population(values, kinds, np.arange(2, 10), "总人口", LayerLog(log, "s.csv", "settlements"))
    assert out.tolist() == values.tolist()  # kept: a large place may be real
    (p,) = log.problems
    assert (p.code, p.row, p.value) == ("POPULATION_OUTLIER", 7, "90000")
    assert "86 倍" in p.message  # 90,000 / median 1,050


def test_facility_in_the_sea_without_boundaries_is_excluded_and_counted(tmp_path):
    fac = (FIX / "facilities.csv").read_text(encoding="utf-8-sig") + \
        "F13,海上养老院,养老院,123.0,37.0,10,,5,否,,,,测试数据\n"
    (tmp_path / "fac.csv").write_text(fac, encoding="utf-8")
    cfg = config_from_dict({"inputs": {"facilities": "fac.csv", "settlements": str(FIX / "settlements.csv")}},
                           base_dir=tmp_path)
    d = load_study(cfg)
    (p,) = [p for p in d.report.problems if p.code == "FAR_FROM_OTHER_POINTS"]
    assert (Path(p.file).name, p.row, p.value) == ("fac.csv", 14, "123, 37") and p.is_error
    assert "km" in p.message_en and "boundaries_county" in p.fix_en
    km = float(p.message_en.split(" km")[0].replace(",", ""))
    assert 900 < km < 1100
    assert "F13" not in d.facilities.index
    assert d.report.layer("facilities").excluded == {"FAR_FROM_OTHER_POINTS": 1}
    minx, miny, maxx, maxy = d.study_area.bounds
    assert maxx - minx < 1.0 and maxy - miny < 1.0  # the hull is the county's, not stretched to the sea
    # with a boundary the same point is simply outside the study area
    cfg_b = _with_facilities(load_config(FIX / "study.toml"), tmp_path / "fac.csv")
    rep = load_study(cfg_b).report
    assert [p.code for p in rep.problems if p.row == 14] == ["OUTSIDE_STUDY_AREA"]


def test_big5_settlements_stop_the_load_with_the_likely_encoding(tmp_path):
    cfg_path = _fixture_copy(tmp_path)
    rows = ["編號,名稱,類型,所屬鄉鎮,所屬縣,經度,緯度,總人口"] + [
        f"S{i},{nm}{i},村,紅星鎮,測試縣,127.{10 + i},45.6,1000"
        for i, nm in enumerate("東風村 團結村 勝利村 永興村 長發村 新華村 興華村 鐵南村 紅星村".split())
    ]
    (tmp_path / "settlements.csv").write_bytes("\n".join(rows).encode("big5"))
    with pytest.raises(DataError) as exc:
        load_study(load_config(cfg_path))
    (p,) = [p for p in exc.value.report.problems if p.code == "SUSPECT_ENCODING"]
    assert p.file == "settlements.csv" and p.row is None and "big5" in p.message
    assert '[inputs.settlements] 写 encoding = "big5"' in p.fix and "CSV UTF-8" in p.fix


def test_merged_excel_cells_and_a_title_row_keep_every_row(tmp_path):
    import openpyxl

    cfg_path = _fixture_copy(tmp_path)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["测试县养老设施名单（2023年）"])
    ws.merge_cells("A1:F1")
    ws.append(["编号", "名称", "类型", "所属乡镇", "经度", "纬度"])
    for i in range(45):
        ws.append([f"F{i}", f"幸福院{i}", "农村幸福院" if i == 0 else None, "红星镇" if i == 0 else None,
                   127.10 + i / 1000, 45.70])
    ws.merge_cells("C3:C47")
    ws.merge_cells("D3:D47")
    wb.save(tmp_path / "fac.xlsx")
    d = load_study(_with_facilities(load_config(cfg_path), tmp_path / "fac.xlsx"))
    assert len(d.facilities) == 45 and (d.facilities["tier"] == "community").all()
    merged = [p for p in d.report.problems if p.code == "MERGED_CELLS"]
    assert [(p.column, p.value) for p in merged] == [("类型", "农村幸福院"), ("所属乡镇", "红星镇")]
    assert "C3:C47" in merged[0].message and "第 3-47 行" in merged[0].message and "取消合并" in merged[0].fix
    (t,) = [p for p in d.report.problems if p.code == "TITLE_ROWS_SKIPPED"]
    assert "第 2 行" in t.message and t.value == "测试县养老设施名单（2023年）" and "header_row" in t.fix


def test_header_row_in_the_config(tmp_path):
    cfg_path = _fixture_copy(tmp_path)
    text = (tmp_path / "facilities.csv").read_text(encoding="utf-8-sig")
    (tmp_path / "facilities.csv").write_text("设施名单\n说明：坐标为 WGS84\n" + text, encoding="utf-8")
    with open(cfg_path, "a", encoding="utf-8") as fh:
        fh.write('\n[inputs.facilities]\npath = "facilities.csv"\nheader_row = 3\n')
    toml = cfg_path.read_text(encoding="utf-8").replace('facilities = "facilities.csv"\n', "", 1)
    cfg_path.write_text(toml, encoding="utf-8")
    cfg = load_config(cfg_path)
    assert cfg.inputs.facilities.header_row == 3
    d = load_study(cfg)
    assert len(d.facilities) == 12 and "TITLE_ROWS_SKIPPED" not in d.report.codes()
