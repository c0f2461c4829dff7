"""The GeoPackage opened the way QGIS and GDAL read it: layers, styles, aliases, CRS and the synthetic note."""

from __future__ import annotations

import dataclasses
import re
import sqlite3
import xml.etree.ElementTree as ET
from contextlib import closing

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely

from planner.errors import ConfigError, InputError


def _rows(path, sql, *args):
    with closing(sqlite3.connect(path)) as db:
        return db.execute(sql, args).fetchall()


def _qml(path, layer):
    (text,) = _rows(path, "SELECT styleQML FROM layer_styles WHERE f_table_name = ? AND useAsDefault", layer)[0]
    return ET.fromstring(text.split("\n", 1)[1])  # after the DOCTYPE line


def _aliases(root):
    return {a.get("field"): a.get("name") for a in root.iter("alias")}


@pytest.fixture(scope="module")
def gpkg(demo_outputs):
    return demo_outputs["geopackage"]


@pytest.fixture(scope="module")
def gpkg_en_cgcs(demo_result, tmp_path_factory):
    from planner.reporting import write_geopackage

    return write_geopackage(demo_result, tmp_path_factory.mktemp("gpkg") / "en.gpkg", lang="en", crs="cgcs2000")


def test_layers_are_the_study_layers_plus_their_styles(gpkg, demo_result):
    from planner.reporting import study_layers

    layers = dict(pyogrio.list_layers(gpkg))
    assert set(layers) == set(study_layers(demo_result)) | {"layer_styles"}
    assert {"township_coverage", "allocation_lines"} <= set(layers)
    assert layers["layer_styles"] is None  # an attribute table, as QGIS writes it
    styled = {r[0] for r in _rows(gpkg, "SELECT f_table_name FROM layer_styles WHERE useAsDefault")}
    assert styled == set(layers) - {"layer_styles"}
    columns = [r[1] for r in _rows(gpkg, "PRAGMA table_info(layer_styles)")]
    assert columns[1:] == ["f_table_catalog", "f_table_schema", "f_table_name", "f_geometry_column", "styleName",
                           "styleQML", "styleSLD", "useAsDefault", "description", "owner", "ui", "update_time"]
    geom = dict(_rows(gpkg, "SELECT f_table_name, f_geometry_column FROM layer_styles"))
    assert geom["settlements"] == "geom" and geom["scorecard"] == ""


def test_styles_draw_what_the_planner_reads(gpkg, demo_result):
    fac = _qml(gpkg, "facilities").find("renderer-v2")
    assert fac.get("type") == "categorizedSymbol" and fac.get("attr") == "tier"
    assert {c.get("value") for c in fac.iter("category")} == set(demo_result.coverage.facilities["tier"])
    assert {c.get("label") for c in fac.iter("category")} == {"县级", "乡镇/街道", "社区/村级"}
    sett = _qml(gpkg, "settlements").find("renderer-v2")
    assert sett.get("attr") == "status" and {c.get("label") for c in sett.iter("category")} == {"已覆盖", "服务不足"}
    circles = _qml(gpkg, "circles_by_tier").find("renderer-v2")
    alphas = {int(p.get("v").split(",")[3]) for p in circles.iter("prop") if p.get("k") == "color"}
    assert alphas and max(alphas) < 128  # translucent
    town = _qml(gpkg, "township_coverage")
    assert town.find("renderer-v2").get("type") == "graduatedSymbol"
    assert town.find("renderer-v2").get("attr") == "served_share" and len(list(town.iter("range"))) >= 3
    assert town.find("labeling") is not None and town.get("labelsEnabled") == "1"
    lines = _qml(gpkg, "allocation_lines").find("renderer-v2")
    assert lines.get("attr") == "kind" and "分配的区域中心" in {c.get("label") for c in lines.iter("category")}
    sites = _qml(gpkg, "proposed_sites_township").find("renderer-v2")
    assert [c.get("value") for c in sites.iter("category")] == ["township"]
    for layer in ("proposed_sites_community", "proposed_sites_township"):  # the two tiers look different
        shapes = {p.get("v") for p in _qml(gpkg, layer).iter("prop") if p.get("k") == "name"}
        assert len(shapes) == 1
    assert (set(p.get("v") for p in _qml(gpkg, "proposed_sites_community").iter("prop") if p.get("k") == "name")
            != set(p.get("v") for p in _qml(gpkg, "proposed_sites_township").iter("prop") if p.get("k") == "name"))


def test_field_aliases_are_the_workbook_headers_in_chinese(gpkg):
    from planner.reporting.workbook import column_header

    aliases = _aliases(_qml(gpkg, "settlements"))
    fields = [c for c in pyogrio.read_info(gpkg, layer="settlements")["fields"]]
    assert set(aliases) == set(fields)
    assert aliases["name"] == "名称" and aliases["older_population"] == column_header("older_population", "zh")
    for layer, _ in pyogrio.list_layers(gpkg):
        if layer != "layer_styles":  # every field of every layer has its Chinese name
            english = [f for f, a in _aliases(_qml(gpkg, layer)).items() if not re.search("[\u4e00-\u9fff]", a)]
            assert not english, (layer, english)
    town = _aliases(_qml(gpkg, "township_coverage"))
    assert town["served_share"] == column_header("served_share", "zh") and town["geometry_source"] == "图形来源"


def test_english_aliases_with_lang_en(gpkg_en_cgcs):
    aliases = _aliases(_qml(gpkg_en_cgcs, "settlements"))
    assert aliases["name"] == "Name"
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in aliases["older_population"])
    (desc,) = _rows(gpkg_en_cgcs, "SELECT description FROM gpkg_contents WHERE table_name = 'facilities'")[0]
    assert desc.startswith("[SYNTHETIC DATA")


def test_township_coverage_layer_has_the_township_polygons(gpkg, demo_result):
    layer = gpd.read_file(gpkg, layer="township_coverage").set_index("township")
    table, bounds = demo_result.coverage.by_township, demo_result.data.townships
    assert sorted(layer.index) == sorted(table.index)
    assert set(layer.geom_type) <= {"Polygon", "MultiPolygon"} and (layer["geometry_source"] == "boundary").all()
    for town in layer.index:
        assert layer.geometry[town].equals_exact(bounds.geometry[town], 1e-9), town
    np.testing.assert_allclose(layer.loc[table.index, "served_share"], table["served_share"])


def test_without_township_boundaries_the_hull_is_said_and_holds_the_settlements(demo_result):
    from planner.reporting.gpkg_layers import HULL_BUFFER_M, township_coverage

    no_towns = dataclasses.replace(demo_result, data=dataclasses.replace(demo_result.data, townships=None))
    made = township_coverage(no_towns, lang="zh")
    assert (made.frame["geometry_source"] == "settlement_hull").all()
    assert "不是边界" in made.description and str(len(made.frame)) in made.description
    sett = demo_result.coverage.settlements
    for town, shape in made.frame.geometry.items():
        points = sett.geometry[sett["township"] == town]
        assert shape.geom_type == "Polygon" and shape.contains(shapely.MultiPoint(list(points))), town
    metric = made.frame.to_crs(made.frame.estimate_utm_crs())
    assert (metric.area > np.pi * HULL_BUFFER_M ** 2 * 0.9).all()  # at least the buffer around one point


def test_allocation_lines_join_settlement_and_facility_with_the_minutes(gpkg, demo_result):
    lines = gpd.read_file(gpkg, layer="allocation_lines")
    sett, fac = demo_result.coverage.settlements, demo_result.coverage.facilities
    expected = {"centre": sett["centre"].notna().sum(),
                **{f"nearest_{t}": sett[f"{t}_facility"].notna().sum() for t in demo_result.config.tiers}}
    assert lines["kind"].value_counts().to_dict() == {k: int(v) for k, v in expected.items()}
    for row in lines.sample(40, random_state=1).itertuples():
        a, b = row.geometry.coords[0], row.geometry.coords[-1]
        assert shapely.Point(a).equals_exact(sett.geometry[row.settlement_id], 1e-9)
        assert shapely.Point(b).equals_exact(fac.geometry[row.facility_id], 1e-9)
        col = "centre_time_min" if row.kind == "centre" else f"{row.tier}_time_min"
        assert row.minutes == pytest.approx(sett.loc[row.settlement_id, col])
    missing = int(sum(len(sett) - v for v in expected.values()))
    (desc,) = _rows(gpkg, "SELECT description FROM gpkg_contents WHERE table_name = 'allocation_lines'")[0]
    assert (f"{missing} 条" in desc) == (missing > 0)


def test_every_layer_says_synthetic(gpkg, demo_result):
    from planner.reporting.gpkg import layer_descriptions

    assert demo_result.synthetic
    contents = dict(_rows(gpkg, "SELECT table_name, description FROM gpkg_contents WHERE table_name != 'layer_styles'"))
    assert contents and all(d.startswith("【合成数据，非真实情况】") for d in contents.values())
    noted = _rows(gpkg, "SELECT r.table_name FROM gpkg_metadata_reference r JOIN gpkg_metadata m "
                        "ON m.id = r.md_file_id WHERE m.metadata LIKE '%synthetic%true%'")
    assert {r[0] for r in noted} == set(contents)
    real = dataclasses.replace(demo_result, config=demo_result.config.replace(synthetic=False))
    assert not any("合成" in d for d in layer_descriptions(real, list(contents), lang="zh").values())


def test_cgcs2000_layers_keep_the_wgs84_numbers(gpkg, gpkg_en_cgcs):
    for layer in ("settlements", "township_coverage", "allocation_lines"):
        assert pyogrio.read_info(gpkg, layer=layer)["crs"] == "EPSG:4326"
        assert pyogrio.read_info(gpkg_en_cgcs, layer=layer)["crs"] == "EPSG:4490"
        a = shapely.get_coordinates(gpd.read_file(gpkg, layer=layer).geometry)
        b = shapely.get_coordinates(gpd.read_file(gpkg_en_cgcs, layer=layer).geometry)
        assert a.shape == b.shape and np.abs(a - b).max() < 1e-9


def test_output_crs_is_checked_at_load_and_on_the_command_line(demo_result, tmp_path):
    from planner.cli import build_parser
    from planner.config import config_from_dict
    from planner.reporting import write_geopackage

    assert config_from_dict({"output": {"crs": "cgcs2000"}}).output.epsg == "EPSG:4490"
    assert config_from_dict({}).output.epsg == "EPSG:4326"
    with pytest.raises(ConfigError, match=r"output\.crs = 'gcj02' is not allowed; allowed: 'wgs84', 'cgcs2000'"
                                          r"\. Fix: use crs"):
        config_from_dict({"output": {"crs": "gcj02"}})
    with pytest.raises(ConfigError, match="unknown key 'output.crss'; did you mean 'crs'"):
        config_from_dict({"output": {"crss": "wgs84"}})
    with pytest.raises(ConfigError, match="'utm' is not known"):
        write_geopackage(demo_result, tmp_path / "x.gpkg", crs="utm")
    assert build_parser().parse_args(["run", "s.toml", "--crs", "cgcs2000"]).crs == "cgcs2000"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["run", "s.toml", "--crs", "epsg4490"])


def test_styles_of_a_missing_layer_are_refused(gpkg_en_cgcs, tmp_path):
    import shutil

    from planner.io.export import write_layer_styles

    copy = shutil.copy(gpkg_en_cgcs, tmp_path / "c.gpkg")
    with pytest.raises(InputError, match="no layer 'nothere' to style"):
        write_layer_styles(copy, {"nothere": ("x", "<qgis/>")})
    write_layer_styles(copy, {"settlements": ("again", "<qgis/>")})  # replaces the layer's row, keeps the others
    rows = _rows(copy, "SELECT styleName FROM layer_styles WHERE f_table_name = 'settlements'")
    assert rows == [("again",)]
    assert len(_rows(copy, "SELECT * FROM layer_styles")) == len(pyogrio.list_layers(copy)) - 1
