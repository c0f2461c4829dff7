"""Every validation problem: named by file, row, column and value, with its fix; one report."""

import json
import shutil
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from planner.config import config_from_dict
from planner.data import LayerSummary, Problem, ProblemLog, ValidationReport, load_study
from planner.errors import DataError, InputError

FIX = Path(__file__).parent / "fixtures" / "data"

FAC_HEADER = "编号,名称,类型,经度,纬度,床位数,护理型床位数,入住人数,是否公办,服务能力,所属乡镇,所属县"
FAC_OK = [
    "F1,福利中心,社会福利院,127.05,45.65,200,120,150,是,,城关街道,测试县",
    "F2,红星中心,区域养老服务中心,127.17,45.60,60,30,35,是,,红星镇,测试县",
    "F3,幸福院,农村幸福院,127.20,45.72,8,,4,否,,红星镇,测试县",
]
SET_HEADER = "编号,名称,类型,所属乡镇,所属县,经度,纬度,总人口,60岁以上人口"
SET_OK = [
    "S1,光明社区,社区,城关街道,测试县,127.03,45.61,3000,900",
    "S2,东升村,村,红星镇,测试县,127.21,45.73,1000,",
    "S3,前进村,村,前进乡,测试县,127.31,45.56,500,",
]


def study(tmp_path, *, fac=None, sett=None, extra=None, inputs=None, encoding="utf-8"):
    """Copy the fixture boundaries; write facilities/settlements rows; return the config."""
    for name in ("county.geojson", "townships.geojson"):
        shutil.copy(FIX / name, tmp_path / name)
    (tmp_path / "fac.csv").write_bytes("\n".join([FAC_HEADER, *(fac or FAC_OK)]).encode(encoding) + b"\n")
    (tmp_path / "set.csv").write_bytes("\n".join([SET_HEADER, *(sett or SET_OK)]).encode(encoding) + b"\n")
    data = {
        "name": "t",
        "inputs": {
            "facilities": "fac.csv", "settlements": "set.csv",
            "boundaries_county": "county.geojson", "boundaries_township": "townships.geojson",
            **(inputs or {}),
        },
        "population": {"county_older_totals": {"测试县": 1500.0}},
    }
    for k, v in (extra or {}).items():
        data[k] = v
    return config_from_dict(data, base_dir=tmp_path, source=tmp_path / "study.toml")


def load(cfg):
    """The report, whether or not loading raised."""
    try:
        return load_study(cfg).report
    except DataError as exc:
        assert exc.report is not None
        assert str(exc) == exc.report.format(cfg.lang)
        return exc.report


def only(report, code):
    found = [p for p in report.problems if p.code == code]
    assert len(found) == 1, (code, report.format("en"))
    return found[0]


def assert_named(p, *, file, row, column, fix):
    """The Chinese and English lines name the file, the row and the column, and give the fix."""
    assert p.file == file and p.row == row and p.column == column
    zh, en = p.text("zh"), p.text("en")
    assert file in zh and file in en
    if row is not None:
        assert f"第 {row} 行" in zh and f"row {row}" in en
    if column is not None:
        assert f"「{column}」" in zh and f"'{column}'" in en
    assert "修改方法" in zh and fix in zh
    assert "Fix:" in en and p.fix_en in en and p.fix_en


# ----------------------------------------------------------------------------- rows


def test_non_numeric_coordinates(tmp_path):
    r = load(study(tmp_path, fac=FAC_OK + ["F4,甲,敬老院,见附图,45.6,,,,,,,"]))
    p = only(r, "NON_NUMERIC_COORDINATES")
    assert_named(p, file="fac.csv", row=5, column="经度", fix="十进制")
    assert p.value == "见附图" and p.severity == "error"
    assert r.layer("facilities").excluded == {"NON_NUMERIC_COORDINATES": 1}


def test_missing_coordinates(tmp_path):
    r = load(study(tmp_path, sett=SET_OK + ["S4,西村,村,红星镇,测试县,127.2,,100,"]))
    p = only(r, "MISSING_COORDINATES")
    assert_named(p, file="set.csv", row=5, column="纬度", fix="经度和纬度")


def test_swapped_lon_lat_is_fixed_with_a_warning(tmp_path):
    cfg = study(tmp_path, fac=FAC_OK + ["F4,甲,敬老院,45.70,127.30,,,,,,,"])
    data = load_study(cfg)
    p = only(data.report, "SWAPPED_LON_LAT")
    assert_named(p, file="fac.csv", row=5, column="经度/纬度", fix="交换第 5 行")
    assert p.severity == "warning"
    assert data.facilities.loc["F4"].geometry.equals(shapely.Point(127.30, 45.70))
    assert data.facilities.loc["F4", "township"] == "前进乡"


def test_outside_study_area(tmp_path):
    r = load(study(tmp_path, sett=SET_OK + ["S4,远村,村,红星镇,测试县,128.5,45.6,100,"]))
    p = only(r, "OUTSIDE_STUDY_AREA")
    assert_named(p, file="set.csv", row=5, column="经度/纬度", fix="核对坐标")
    assert p.value == "128.5, 45.6"
    assert r.layer("settlements").rows_kept == 3


def test_outside_china_without_boundaries(tmp_path):
    cfg = study(tmp_path, fac=FAC_OK + ["F4,甲,敬老院,2.35,48.85,,,,,,,"],
                inputs={"boundaries_county": {}, "boundaries_township": {}})
    r = load(cfg)
    assert_named(only(r, "OUTSIDE_CHINA"), file="fac.csv", row=5, column="经度/纬度", fix="核对坐标")
    p = only(r, "NO_STUDY_AREA")
    assert p.severity == "warning" and "boundaries_county" in p.fix


def test_duplicate_ids_name_every_row(tmp_path):
    r = load(study(tmp_path, fac=FAC_OK + ["F1,重复,敬老院,127.3,45.6,,,,,,,", "F1,又重复,敬老院,127.3,45.6,,,,,,,"]))
    ps = [p for p in r.problems if p.code == "DUPLICATE_ID"]
    assert [p.row for p in ps] == [5, 6]
    for p in ps:
        assert_named(p, file="fac.csv", row=p.row, column="编号", fix="唯一编号")
        assert "2、5、6" in p.message and "2, 5, 6" in p.message_en
    assert r.layer("facilities").excluded == {"DUPLICATE_ID": 2}


def test_missing_id_generated(tmp_path):
    data = load_study(study(tmp_path, fac=FAC_OK + [",无编号,敬老院,127.3,45.6,,,,,,,"]))
    p = only(data.report, "MISSING_ID")
    assert_named(p, file="fac.csv", row=5, column="编号", fix="编号")
    assert "F5" in data.facilities.index


def test_unknown_facility_type_lists_unknown_and_known_words(tmp_path):
    r = load(study(tmp_path, fac=FAC_OK + ["F4,甲,老年食堂,127.3,45.6,,,,,,,", "F5,乙,托老所,127.3,45.6,,,,,,,"]))
    ps = [p for p in r.problems if p.code == "UNKNOWN_FACILITY_TYPE"]
    assert [(p.row, p.value) for p in ps] == [(5, "老年食堂"), (6, "托老所")]
    for p in ps:
        assert_named(p, file="fac.csv", row=p.row, column="类型", fix="extra_words")
        assert "老年食堂" in p.message and "托老所" in p.message
        assert "敬老院" in p.fix and "日间照料中心" in p.fix and "区域养老服务中心" in p.fix


def test_extra_words_make_a_type_known(tmp_path):
    cfg = study(tmp_path, fac=FAC_OK + ["F4,甲,老年食堂,127.3,45.6,,,,,,,"],
                extra={"tiers": {"community": {"extra_words": ["老年食堂"]}}})
    data = load_study(cfg)
    assert data.facilities.loc["F4", "tier"] == "community"


def test_unknown_settlement_kind(tmp_path):
    r = load(study(tmp_path, sett=SET_OK + ["S4,林场,林业局,前进乡,测试县,127.3,45.6,100,"]))
    p = only(r, "UNKNOWN_SETTLEMENT_KIND")
    assert_named(p, file="set.csv", row=5, column="类型", fix="社区")
    assert p.value == "林业局"


def test_kind_from_name(tmp_path):
    data = load_study(study(tmp_path, sett=SET_OK + ["S4,新华村,,前进乡,测试县,127.3,45.6,100,"]))
    p = only(data.report, "KIND_FROM_NAME")
    assert_named(p, file="set.csv", row=5, column="类型", fix="社区")
    assert data.settlements.loc["S4", "kind"] == "village"


@pytest.mark.parametrize(("value", "code"), [("-5", "NEGATIVE_VALUE"), ("约300", "NON_NUMERIC_VALUE")])
def test_bad_population_becomes_unknown(tmp_path, value, code):
    data = load_study(study(tmp_path, sett=SET_OK + [f"S4,新华村,村,前进乡,测试县,127.3,45.6,{value},"]))
    p = only(data.report, code)
    assert_named(p, file="set.csv", row=5, column="总人口", fix="留空")
    assert p.severity == "warning" and p.value == value
    assert "S4" in data.settlements.index


def test_unknown_public_value(tmp_path):
    data = load_study(study(tmp_path, fac=FAC_OK + ["F4,甲,敬老院,127.3,45.6,,,,待定,,,"]))
    p = only(data.report, "UNKNOWN_BOOLEAN")
    assert_named(p, file="fac.csv", row=5, column="是否公办", fix="公办/民办")
    assert data.facilities["public"].isna().sum() == 1


def test_admin_name_not_in_boundaries(tmp_path):
    data = load_study(study(tmp_path, sett=SET_OK + ["S4,新华村,村,前进,测试县,127.3,45.6,100,"]))
    p = only(data.report, "UNKNOWN_ADMIN_NAME")
    assert_named(p, file="set.csv", row=5, column="所属乡镇", fix="一致")
    assert data.settlements.loc["S4", "township"] == "前进乡"


def test_suspect_gcj02_from_file_name(tmp_path):
    cfg = study(tmp_path)
    shutil.copy(tmp_path / "fac.csv", tmp_path / "高德坐标_设施.csv")
    cfg = cfg.replace(inputs=cfg.inputs.__class__(**{**vars(cfg.inputs),
                      "facilities": cfg.inputs.facilities.__class__(path=tmp_path / "高德坐标_设施.csv")}))
    p = only(load(cfg), "SUSPECT_GCJ02")
    assert p.severity == "warning" and 'crs = "gcj02"' in p.fix and p.file == "高德坐标_设施.csv"


def test_gcj02_input_is_converted(tmp_path):
    from planner.geo import wgs84_to_gcj02

    gx, gy = wgs84_to_gcj02(127.3, 45.6)
    cfg = study(tmp_path, fac=FAC_OK + [f"F4,甲,敬老院,{gx:.8f},{gy:.8f},,,,,,,"],
                inputs={"facilities": {"path": "fac.csv", "crs": "gcj02"}})
    data = load_study(cfg)
    pt = data.facilities.loc["F4"].geometry
    assert abs(pt.x - 127.3) < 1e-6 and abs(pt.y - 45.6) < 1e-6
    assert data.report.layer("facilities").crs == "gcj02"


# ----------------------------------------------------------------------------- layers


def test_missing_columns_name_the_columns_found(tmp_path):
    cfg = study(tmp_path)
    (tmp_path / "fac.csv").write_text("编号,名称,坐标E,坐标N\nF1,甲,127.1,45.6\n", encoding="utf-8")
    with pytest.raises(DataError) as exc:
        load_study(cfg)
    p = only(exc.value.report, "MISSING_COLUMNS")
    assert p.file == "fac.csv" and p.row is None
    assert "坐标E" in p.message and "坐标N" in p.message and "类型" in p.message
    assert "[inputs.facilities.columns]" in p.fix and "坐标E" in p.message_en


def test_column_overrides_from_config(tmp_path):
    cfg = study(tmp_path, inputs={"facilities": {"path": "fac.csv",
                                                 "columns": {"x": "坐标E", "y": "坐标N", "type": "业态"}}})
    (tmp_path / "fac.csv").write_text("编号,业态,坐标E,坐标N\nF1,敬老院,127.1,45.6\n", encoding="utf-8")
    data = load_study(cfg)
    assert data.facilities.loc["F1", "tier"] == "county"
    cfg = study(tmp_path, inputs={"facilities": {"path": "fac.csv", "columns": {"x": "东"}}})
    (tmp_path / "fac.csv").write_text("编号,业态,坐标E,坐标N\nF1,敬老院,127.1,45.6\n", encoding="utf-8")
    with pytest.raises(DataError) as exc:
        load_study(cfg)
    p = [q for q in exc.value.report.problems if q.code == "MISSING_COLUMNS" and q.column == "东"][0]
    assert "坐标E" in p.message and "东" in p.message


def test_file_not_found_and_empty_layer_reported_together(tmp_path):
    cfg = study(tmp_path, inputs={"facilities": "none.csv"})
    (tmp_path / "set.csv").write_text(SET_HEADER + "\n", encoding="utf-8")
    with pytest.raises(DataError) as exc:
        load_study(cfg)
    rep = exc.value.report
    p = only(rep, "FILE_NOT_FOUND")
    assert "none.csv" in p.message and "path" in p.fix
    e = only(rep, "EMPTY_LAYER")
    assert e.file == "set.csv" and e.row is None
    assert "none.csv" in str(exc.value) and "set.csv" in str(exc.value)


def test_read_failed(tmp_path):
    cfg = study(tmp_path, inputs={"facilities": "fac.xls"})
    (tmp_path / "fac.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(DataError) as exc:
        load_study(cfg)
    assert ".xlsx" in only(exc.value.report, "READ_FAILED").message


def test_vector_points_non_point_and_empty_geometry(tmp_path):
    feats = [
        {"type": "Feature", "properties": {"编号": "F1", "类型": "敬老院"},
         "geometry": {"type": "Point", "coordinates": [127.1, 45.6]}},
        {"type": "Feature", "properties": {"编号": "F2", "类型": "敬老院"},
         "geometry": {"type": "LineString", "coordinates": [[127.1, 45.6], [127.2, 45.6]]}},
        {"type": "Feature", "properties": {"编号": "F3", "类型": "敬老院"}, "geometry": None},
    ]
    (tmp_path / "fac.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False), encoding="utf-8")
    data = load_study(study(tmp_path, inputs={"facilities": "fac.geojson"}))
    r = data.report
    p = only(r, "NON_POINT_GEOMETRY")
    assert_named(p, file="fac.geojson", row=2, column="geometry", fix="要素转点")
    assert p.value == "LineString"
    assert only(r, "EMPTY_GEOMETRY").row == 3
    assert list(data.facilities.index) == ["F1"]
    assert r.layer("facilities").excluded == {"NON_POINT_GEOMETRY": 1, "EMPTY_GEOMETRY": 1}


def _shapefile_without_crs(path, x, y):
    gdf = gpd.GeoDataFrame({"编号": ["F1"], "类型": ["敬老院"]}, geometry=[shapely.Point(x, y)])
    with pytest.warns(UserWarning, match="crs"):
        gdf.to_file(path, encoding="utf-8")
    assert not path.with_suffix(".prj").exists()


def test_vector_without_crs_in_degrees_is_a_warning(tmp_path):
    _shapefile_without_crs(tmp_path / "fac.shp", 127.1, 45.6)
    data = load_study(study(tmp_path, inputs={"facilities": "fac.shp"}))
    p = only(data.report, "MISSING_CRS")
    assert p.severity == "warning" and p.file == "fac.shp" and "EPSG:4326" in p.fix
    assert list(data.facilities.index) == ["F1"]


def test_projected_coordinates_without_crs_make_layer_unusable(tmp_path):
    import pyproj

    e, n = pyproj.Transformer.from_crs(4326, 32652, always_xy=True).transform(127.1, 45.6)
    _shapefile_without_crs(tmp_path / "fac.shp", e, n)
    with pytest.raises(DataError) as exc:
        load_study(study(tmp_path, inputs={"facilities": "fac.shp"}))
    p = only(exc.value.report, "MISSING_CRS")
    assert p.severity == "error" and "EPSG" in p.fix
    # with the crs given in the config it loads
    data = load_study(study(tmp_path, inputs={"facilities": {"path": "fac.shp", "crs": "EPSG:32652"}}))
    pt = data.facilities.geometry.iloc[0]
    assert abs(pt.x - 127.1) < 1e-7 and abs(pt.y - 45.6) < 1e-7


def test_township_boundary_problems(tmp_path):
    cfg = study(tmp_path)
    towns = json.loads((tmp_path / "townships.geojson").read_text(encoding="utf-8"))
    towns["features"][2]["properties"]["name"] = "林场"  # kind unknown, no suffix
    towns["features"].append({"type": "Feature", "properties": {"name": ""},
                              "geometry": {"type": "Polygon", "coordinates": [[[127.0, 45.5], [127.01, 45.5],
                                                                               [127.01, 45.51], [127.0, 45.5]]]}})
    towns["features"].append({"type": "Feature", "properties": {"name": "线"},
                              "geometry": {"type": "LineString", "coordinates": [[127.0, 45.5], [127.1, 45.6]]}})
    (tmp_path / "townships.geojson").write_text(json.dumps(towns, ensure_ascii=False), encoding="utf-8")
    data = load_study(cfg)
    r = data.report
    assert only(r, "UNKNOWN_TOWNSHIP_KIND").row == 3
    assert only(r, "MISSING_NAME").row == 4
    assert only(r, "NON_POLYGON_GEOMETRY").row == 5
    assert r.layer("townships").excluded == {"MISSING_NAME": 1, "NON_POLYGON_GEOMETRY": 1}
    assert data.townships.loc["林场", "county"] == "测试县"  # filled from the county polygon


def test_no_facilities_file_is_a_warning(tmp_path):
    data = load_study(study(tmp_path, inputs={"facilities": {}}))
    assert only(data.report, "NO_FACILITIES").severity == "warning"
    assert len(data.facilities) == 0 and data.facilities.index.name == "facility_id"


# ----------------------------------------------------------------------------- report


def test_one_report_collects_everything_and_strict_raises(tmp_path):
    cfg = study(tmp_path, fac=FAC_OK + ["F1,重复,敬老院,127.3,45.6,,,,,,,", "F4,甲,老年食堂,127.3,45.6,,,,,,,"],
                sett=SET_OK + ["S4,新华村,村,前进乡,测试县,127.3,45.6,-1,"])
    data = load_study(cfg)
    codes = data.report.codes()
    assert codes["DUPLICATE_ID"] == 1 and codes["UNKNOWN_FACILITY_TYPE"] == 1 and codes["NEGATIVE_VALUE"] == 1
    fac = data.report.layer("facilities")
    assert (fac.rows_read, fac.rows_kept) == (5, 3)
    assert fac.encoding == "utf-8"
    text = data.report.format()
    assert "读取 5 行，保留 3 行，排除 2 行" in text and "编号重复 1" in text
    en = data.report.format("en")
    assert "read 5, kept 3, excluded 2" in en and "duplicate id 1" in en
    frame = data.report.to_frame()
    assert len(frame) == len(data.report.problems)
    assert set(frame.columns) >= {"file", "row", "column", "value", "code", "severity", "message", "fix"}
    with pytest.raises(DataError) as exc:
        load_study(cfg, strict=True)
    assert not exc.value.report.warnings and len(exc.value.report.errors) == len(data.report.problems)
    with pytest.raises(DataError):
        load_study(cfg.replace(strict=True))


def test_report_objects():
    log = ProblemLog()
    log.add("a.csv", 3, "经度", 1.0, "X", "消息", "改", message_en="msg", fix_en="fix it")
    log.add("a.csv", None, None, None, "Y", "警告", "改", severity="warning")
    log.summary(LayerSummary(file="a.csv", layer="facilities", rows_read=4, rows_kept=3, excluded={"X": 1}))
    rep = log.report()
    assert isinstance(rep, ValidationReport) and not rep.ok
    assert len(rep.errors) == 1 and len(rep.warnings) == 1
    assert rep.problems[0].value == "1"
    assert "[错误] a.csv，第 3 行，列「经度」，值「1」: 消息 修改方法：改" in rep.format()
    assert "[ERROR] a.csv, row 3, column '经度', value '1': msg Fix: fix it" in rep.format("en")
    assert ValidationReport().ok and "未发现问题" in ValidationReport().format()
    with pytest.raises(InputError):
        Problem("f", 1, None, None, "X", "m", "f", severity="fatal")
    with pytest.raises(AttributeError):
        rep.problems[0].row = 5  # frozen


def test_older_exceeds_population(tmp_path):
    data = load_study(study(tmp_path, sett=SET_OK + ["S4,新华村,村,前进乡,测试县,127.3,45.6,100,250"]))
    p = only(data.report, "OLDER_EXCEEDS_POPULATION")
    assert_named(p, file="set.csv", row=5, column="60岁以上人口", fix="核对")
    assert p.severity == "warning" and "250" in p.message and "100" in p.message


def test_swap_detected_without_boundaries_by_china_extent(tmp_path):
    cfg = study(tmp_path, fac=FAC_OK + ["F4,甲,敬老院,45.70,127.30,,,,,,,"],
                inputs={"boundaries_county": {}, "boundaries_township": {}})
    data = load_study(cfg)
    assert only(data.report, "SWAPPED_LON_LAT").row == 5
    assert data.facilities.loc["F4"].geometry.equals(shapely.Point(127.30, 45.70))


def test_bd09_and_projected_inputs_are_converted(tmp_path):
    import pyproj

    from planner.geo import wgs84_to_bd09

    bx, by = wgs84_to_bd09(127.3, 45.6)
    cfg = study(tmp_path, fac=FAC_OK + [f"F4,甲,敬老院,{bx:.9f},{by:.9f},,,,,,,"],
                inputs={"facilities": {"path": "fac.csv", "crs": "bd09"}})
    pt = load_study(cfg).facilities.loc["F4"].geometry
    # Baidu's closed-form inverse is good to ~1e-6 degrees (0.1 m)
    assert abs(pt.x - 127.3) < 5e-6 and abs(pt.y - 45.6) < 5e-6
    e, n = pyproj.Transformer.from_crs(4326, 32652, always_xy=True).transform(127.3, 45.6)
    cfg = study(tmp_path, sett=[f"S1,甲村,村,前进乡,测试县,{e:.3f},{n:.3f},100,"],
                inputs={"settlements": {"path": "set.csv", "crs": "EPSG:32652"}})
    pt = load_study(cfg).settlements.loc["S1"].geometry
    assert abs(pt.x - 127.3) < 1e-6 and abs(pt.y - 45.6) < 1e-6


def test_gcj02_boundaries_are_converted(tmp_path):
    from planner.geo import wgs84_to_gcj02

    cfg = study(tmp_path, inputs={"boundaries_county": {"path": "county.geojson", "crs": "gcj02"}})
    county = load_study(cfg).counties.geometry.iloc[0]
    gx, gy = wgs84_to_gcj02(127.0, 45.5)
    # the file's corner (127.0, 45.5) was read as GCJ-02, so it moved by the inverse offset
    assert county.bounds[0] < 127.0 and abs(county.bounds[0] - (127.0 - (gx - 127.0))) < 1e-4


def test_no_id_column_ids_from_rows(tmp_path):
    cfg = study(tmp_path)
    (tmp_path / "fac.csv").write_text("类型,经度,纬度\n敬老院,127.1,45.6\n幸福院,127.2,45.6\n", encoding="utf-8")
    data = load_study(cfg)
    p = only(data.report, "MISSING_ID")
    assert p.row is None and p.severity == "warning" and "编号" in p.fix
    assert list(data.facilities.index) == ["F2", "F3"]


def test_county_name_not_in_boundaries(tmp_path):
    data = load_study(study(tmp_path, sett=SET_OK + ["S4,新华村,村,前进乡,测试,127.3,45.6,100,"]))
    p = only(data.report, "UNKNOWN_ADMIN_NAME")
    assert_named(p, file="set.csv", row=5, column="所属县", fix="一致")
    assert data.settlements.loc["S4", "county"] == "测试县"


def test_degrees_minutes_seconds_and_full_width_digits_are_read(tmp_path):
    data = load_study(study(tmp_path, fac=FAC_OK + ["F4,甲,敬老院,东经127°18′,北纬45°36′36″,,,,,,,",
                                                     "F5,乙,敬老院,１２７．３,４５．６,,,,,,,"]))
    assert not data.report.problems
    f4, f5 = data.facilities.loc["F4"].geometry, data.facilities.loc["F5"].geometry
    assert (f4.x, f4.y) == pytest.approx((127.3, 45.61))
    assert (f5.x, f5.y) == pytest.approx((127.3, 45.6))


def test_reasons_are_the_data_problem_labels():
    from planner.codes import DataProblem
    from planner.data import REASONS

    assert REASONS == {m.value: (m.zh, m.en) for m in DataProblem}
    assert REASONS["OUTSIDE_STUDY_AREA"] == ("位于研究区外", "outside the study area")


# ----------------------------------------------------------------------------- the trap corpus (issue 11)

DEMO = Path(__file__).resolve().parents[1] / "planner" / "demo" / "data"


def _demo_cut(tmp_path: Path, n: int = 20):
    """The demo county's boundaries and the first ``n`` facilities and settlements, as header + rows."""
    import csv
    import io

    for name in ("county.geojson", "townships.geojson"):
        shutil.copy(DEMO / "boundaries" / name, tmp_path / name)
    tables = {}
    for key, rel in (("fac", "facilities/facilities.csv"), ("set", "settlements/settlements.csv")):
        rows = list(csv.reader(io.StringIO((DEMO / rel).read_text(encoding="utf-8-sig"), newline="")))
        tables[key] = (rows[0], [r[:] for r in rows[1:n + 1]])
    return tables


def _write(path: Path, header, rows, encoding="utf-8") -> None:
    import csv
    import io

    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\n").writerows([header, *rows])
    # a few simplified characters have no Big5 code: they become "?" as an office PC would write them
    path.write_bytes(buf.getvalue().encode(encoding, errors="replace" if encoding == "big5" else "strict"))


def _col(header, name):
    return header.index(name)


def _trap_metres(tmp_path, t, inputs):
    import pyproj

    h, rows = t["fac"]
    fwd = pyproj.Transformer.from_crs(4326, 32652, always_xy=True)
    for r in rows:
        x, y = fwd.transform(float(r[_col(h, "经度")]), float(r[_col(h, "纬度")]))
        r[_col(h, "经度")], r[_col(h, "纬度")] = f"{x:.1f}", f"{y:.1f}"
    return "fac.csv", None, "WRONG_CRS", "EPSG"


def _trap_degrees_as_metres(tmp_path, t, inputs):
    inputs["facilities"] = {"path": "fac.csv", "crs": "EPSG:3857"}
    return "fac.csv", None, "WRONG_CRS", "wgs84"


def _trap_unknown_crs(tmp_path, t, inputs):
    inputs["facilities"] = {"path": "fac.csv", "crs": "WGS-1984-ish"}
    return "fac.csv", None, "MISSING_CRS", "EPSG"


def _trap_shp_without_prj(tmp_path, t, inputs):
    h, rows = t["fac"]
    pts = gpd.GeoDataFrame({"编号": [r[0] for r in rows], "类型": [r[_col(h, "类型")] for r in rows]},
                           geometry=gpd.points_from_xy([float(r[_col(h, "经度")]) for r in rows],
                                                       [float(r[_col(h, "纬度")]) for r in rows]), crs=4326)
    pts.to_crs(32652).to_file(tmp_path / "fac.shp", encoding="utf-8")
    (tmp_path / "fac.prj").unlink()
    inputs["facilities"] = "fac.shp"
    return "fac.shp", None, "MISSING_CRS", "EPSG"


def _trap_swapped(tmp_path, t, inputs):
    h, rows = t["fac"]
    rows[3][_col(h, "经度")], rows[3][_col(h, "纬度")] = rows[3][_col(h, "纬度")], rows[3][_col(h, "经度")]
    return "fac.csv", 5, "SWAPPED_LON_LAT", "交换"


def _trap_duplicate(tmp_path, t, inputs):
    h, rows = t["fac"]
    rows[6][0] = rows[2][0]
    return "fac.csv", 8, "DUPLICATE_ID", "唯一"


def _trap_outside(tmp_path, t, inputs):
    h, rows = t["fac"]
    rows[1][_col(h, "经度")] = f"{float(rows[1][_col(h, '经度')]) + 1.5:.6f}"
    return "fac.csv", 3, "OUTSIDE_STUDY_AREA", "坐标"


def _trap_header_only(tmp_path, t, inputs):
    t["fac"] = (t["fac"][0], [])
    return "fac.csv", None, "EMPTY_LAYER", "文件"


def _trap_empty_file(tmp_path, t, inputs):
    (tmp_path / "empty.csv").write_bytes(b"")
    inputs["facilities"] = "empty.csv"
    return "empty.csv", None, "EMPTY_LAYER", "文件"


def _trap_empty_county(tmp_path, t, inputs):
    gpd.GeoDataFrame({"名称": []}, geometry=[], crs=4326).to_file(tmp_path / "c0.geojson", driver="GeoJSON")
    inputs["boundaries_county"] = "c0.geojson"
    return "c0.geojson", None, "EMPTY_LAYER", "文件"


def _trap_unknown_type(tmp_path, t, inputs):
    h, rows = t["fac"]
    rows[4][_col(h, "类型")] = "老年食堂"
    return "fac.csv", 6, "UNKNOWN_FACILITY_TYPE", "extra_words"


def _trap_negative(tmp_path, t, inputs):
    h, rows = t["set"]
    rows[2][_col(h, "总人口")] = "-300"
    return "set.csv", 4, "NEGATIVE_VALUE", "非负数"


def _trap_impossible(tmp_path, t, inputs):
    h, rows = t["set"]
    rows[5][_col(h, "总人口")] = "999999999"
    return "set.csv", 7, "IMPLAUSIBLE_POPULATION", "核对"


def _trap_big5(tmp_path, t, inputs):
    h, rows = t["set"]
    trad = str.maketrans("区设华兴东风团结胜利长发铁红进乡镇县", "區設華興東風團結勝利長發鐵紅進鄉鎮縣")
    for r in rows:
        for i, c in enumerate(r):
            r[i] = c.translate(trad)
    t["set"] = ([c.translate(trad) for c in h], rows)
    t["set_encoding"] = "big5"
    return "set.csv", None, "SUSPECT_ENCODING", "big5"


TRAPS = [_trap_metres, _trap_degrees_as_metres, _trap_unknown_crs, _trap_shp_without_prj, _trap_swapped,
         _trap_duplicate, _trap_outside, _trap_header_only, _trap_empty_file, _trap_empty_county,
         _trap_unknown_type, _trap_negative, _trap_impossible, _trap_big5]


@pytest.mark.parametrize("trap", TRAPS, ids=[f.__name__[6:] for f in TRAPS])
def test_trap_corpus_cut_from_the_demo_county(tmp_path, trap):
    """Each broken input gives one problem naming file, row (when a row is wrong) and fix; no traceback."""
    t = _demo_cut(tmp_path)
    inputs = {"facilities": "fac.csv", "settlements": "set.csv",
              "boundaries_county": "county.geojson", "boundaries_township": "townships.geojson"}
    file, row, code, fix_word = trap(tmp_path, t, inputs)
    _write(tmp_path / "fac.csv", *t["fac"], encoding="gbk")  # Excel's "CSV" on Chinese Windows
    _write(tmp_path / "set.csv", *t["set"], encoding=t.get("set_encoding", "utf-8-sig"))
    cfg = config_from_dict({"name": "t", "inputs": inputs,
                            "population": {"county_older_totals": {"合成示范县": 70488.0}}},
                           base_dir=tmp_path, source=tmp_path / "study.toml")
    report = load(cfg)
    p = only(report, code)
    assert p.file == file and p.row == row
    zh, en = p.text("zh"), p.text("en")
    assert file in zh and file in en and fix_word in zh + en
    if row is not None:
        assert f"第 {row} 行" in zh and f"row {row}" in en
    assert "修改方法" in zh and "Fix:" in en and p.fix_en
    fac = report.layer("facilities")
    if fac.file == "fac.csv" and fac.rows_read:
        assert fac.encoding == "gbk"
    if p.row is None and p.is_error:  # an unusable layer keeps no row, and says so
        bad = report.layer({"fac.csv": "facilities", "fac.shp": "facilities", "set.csv": "settlements",
                            "c0.geojson": "counties", "empty.csv": "facilities"}[file])
        assert bad.rows_kept == 0 and sum(bad.excluded.values()) == bad.rows_read


def test_unknown_tier_name_is_a_config_error_naming_the_valid_tiers(tmp_path):
    from planner.errors import ConfigError

    with pytest.raises(ConfigError, match=r"tiers\.village.*county, township, community"):
        config_from_dict({"tiers": {"village": {"minutes": 10}}}, base_dir=tmp_path)
