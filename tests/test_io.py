"""Readers: CSV encodings and line numbers, Excel, GeoJSON, GeoPackage, Shapefile; column aliases."""

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from planner.errors import DataError, InputFileNotFoundError
from planner.io import (
    ALIASES,
    detect_encoding,
    read_csv,
    read_excel,
    read_layer,
    read_vector,
    recognise_columns,
)

FIX = Path(__file__).parent / "fixtures" / "data"


@pytest.mark.parametrize(
    ("name", "encoding"),
    [("settlements.csv", "utf-8"), ("facilities.csv", "utf-8-sig"), ("settlements_gbk.csv", "gbk")],
)
def test_encoding_detected_and_reported(name, encoding):
    raw = read_csv(FIX / name)
    assert raw.encoding == encoding
    assert raw.columns[0] == "编号"  # no BOM left in the first header
    assert raw.frame.iloc[0, 1] in ("光明社区", "测试县社会福利中心")


def test_gbk_and_utf8_files_read_identically():
    a = read_csv(FIX / "settlements.csv").frame
    b = read_csv(FIX / "settlements_gbk.csv").frame
    pd.testing.assert_frame_equal(a, b)


def test_encoding_order_is_strict():
    text = "名称,经度\n测试,127.1\n"
    assert detect_encoding(text.encode("utf-8")) == "utf-8"
    assert detect_encoding(text.encode("utf-8-sig")) == "utf-8-sig"
    assert detect_encoding(text.encode("gbk")) == "gbk"
    # 𠀀 (U+20000) is outside GBK but in GB18030
    assert detect_encoding("名称\n𠀀村\n".encode("gb18030")) == "gb18030"
    assert detect_encoding(b"name,x\nabc,1\n") == "utf-8"


def test_explicit_wrong_encoding_names_file_and_fix(tmp_path):
    p = tmp_path / "a.csv"
    p.write_bytes("名称,经度\n测试,127\n".encode("gbk"))
    with pytest.raises(DataError, match=r"a\.csv.*CSV UTF-8"):
        read_csv(p, encoding="utf-8")


def test_line_numbers_survive_blank_lines_and_multiline_cells(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text('编号,名称,备注\n\nA,甲,"两行\n备注"\nB,乙,\n\n\nC,丙,x\n', encoding="utf-8")
    raw = read_csv(p)
    # line 1 header, 2 blank, 3-4 row A (quoted line break), 5 B, 6-7 blank, 8 C
    assert list(raw.frame.index) == [3, 5, 8]
    assert raw.frame.loc[3, "备注"] == "两行\n备注"
    assert raw.frame.index.name == "row"


def test_short_and_long_rows_are_kept(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("a,b\n1\n2,3,4\n", encoding="utf-8")
    f = read_csv(p).frame
    assert f.loc[2, "b"] is None
    assert f.loc[3, "column_3"] == "4"


def test_semicolon_delimiter(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("名称;经度;纬度\n甲;127.1;45.6\n", encoding="utf-8")
    assert read_csv(p).columns == ["名称", "经度", "纬度"]


def test_excel_sheet_and_row_numbers(tmp_path):
    p = tmp_path / "t.xlsx"
    with pd.ExcelWriter(p, engine="openpyxl") as xw:
        pd.DataFrame({"x": [1]}).to_excel(xw, sheet_name="说明", index=False)
        pd.DataFrame({"编号": ["F1", "F2"], "经度": [127.1, 127.2], "纬度": [45.6, 45.7]}).to_excel(
            xw, sheet_name="设施", index=False, startrow=2
        )
    raw = read_excel(p, sheet="设施")
    assert raw.sheet == "设施"
    assert list(raw.frame.index) == [4, 5]  # header on Excel row 3
    assert raw.frame.loc[5, "经度"] == 127.2
    assert read_excel(p).sheet == "说明"
    with pytest.raises(DataError, match="说明.*设施"):
        read_excel(p, sheet="Sheet9")
    assert read_layer(p, sheet="设施").format == "excel"


def test_geojson_gpkg_shapefile(tmp_path):
    gdf = gpd.GeoDataFrame(
        {"名称": ["甲", "乙"]}, geometry=[shapely.Point(127.1, 45.6), shapely.Point(127.2, 45.7)], crs=4326
    )
    gdf.to_file(tmp_path / "p.geojson", driver="GeoJSON")
    gdf.to_file(tmp_path / "p.gpkg", layer="points", driver="GPKG")
    gdf.to_crs(32652).to_file(tmp_path / "p.gpkg", layer="utm", driver="GPKG")
    gdf.to_file(tmp_path / "p.shp", encoding="utf-8")
    g = read_vector(tmp_path / "p.geojson")
    assert list(g.frame.index) == [1, 2] and g.crs.to_epsg() == 4326
    with pytest.raises(DataError, match="points, utm"):
        read_vector(tmp_path / "p.gpkg")
    u = read_layer(tmp_path / "p.gpkg", layer="utm")
    assert u.crs.to_epsg() == 32652 and u.layer == "utm"
    with pytest.raises(DataError, match="no layer 'x'"):
        read_vector(tmp_path / "p.gpkg", layer="x")
    s = read_layer(tmp_path / "p.shp")
    assert s.is_vector and list(s.frame["名称"]) == ["甲", "乙"]


def test_missing_and_unsupported_files(tmp_path):
    with pytest.raises(InputFileNotFoundError, match="nope.csv"):
        read_layer(tmp_path / "nope.csv")
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf")
    with pytest.raises(DataError, match=r"\.xlsx"):
        read_layer(tmp_path / "old.xls")


def test_aliases_case_insensitive_first_match_wins():
    m = recognise_columns(["LNG", "Lat", "名称", "设施类型", "类型"], ["x", "y", "name", "type"])
    assert m.columns == {"x": "LNG", "y": "Lat", "name": "名称", "type": "类型"}
    # a column serves one field only: 类型 goes to type, not also to kind
    m = recognise_columns(["类型"], ["type", "kind"])
    assert m.columns == {"type": "类型"}
    # full-width brackets are the same as ASCII ones
    assert recognise_columns(["乡镇（街道）"], ["township"]).columns == {"township": "乡镇（街道）"}


def test_overrides_win_and_missing_fields_list_found_columns():
    m = recognise_columns(["坐标E", "坐标N", "经度"], ["x", "y"], required=["x", "y"],
                          overrides={"x": "坐标E", "y": "坐标N"})
    assert m.ok and m.columns == {"x": "坐标E", "y": "坐标N"}
    m = recognise_columns(["甲", "乙"], ["x", "y"], required=["x", "y"], overrides={"x": "丙"})
    assert not m.ok
    assert m.bad_overrides == {"x": "丙"} and m.missing == ("y",)
    assert m.found == ("甲", "乙")


def test_alias_table_matches_architecture_doc():
    doc = (Path(__file__).resolve().parents[1] / "docs" / "architecture.md").read_text(encoding="utf-8")
    for fld, aliases in ALIASES.items():
        for a in aliases:
            assert a in doc, (fld, a)
