"""Points of interest from OSM files: a hand-written fixture and the real Harbin extract."""

from __future__ import annotations

import bz2
from pathlib import Path

import pytest
import shapely

from planner.config import default_config
from planner.data import tier_for_type
from planner.errors import DataError, InputFileNotFoundError
from planner.io import elderly_care_facilities_from_osm_file, features_from_osm_file

HARBIN = Path(__file__).resolve().parents[2] / "shared" / "data" / "harbin" / "harbin.osm.pbf"

# A square way (nodes 1-4), a multipolygon relation made of two open ways (nodes 10-13),
# a way clipped at the extract edge (node 99 absent), a way with no nodes at all in the file,
# a relation whose member ways are absent, and assorted nodes.
FIXTURE = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="hand">
  <node id="1" lat="45.000" lon="126.000" version="1"/>
  <node id="2" lat="45.000" lon="126.002" version="1"/>
  <node id="3" lat="45.002" lon="126.002" version="1"/>
  <node id="4" lat="45.002" lon="126.000" version="1"/>
  <node id="10" lat="45.010" lon="126.010" version="1"/>
  <node id="11" lat="45.010" lon="126.014" version="1"/>
  <node id="12" lat="45.014" lon="126.014" version="1"/>
  <node id="13" lat="45.014" lon="126.010" version="1"/>
  <node id="20" lat="45.020" lon="126.020" version="1"/>
  <node id="21" lat="45.020" lon="126.024" version="1"/>
  <node id="30" lat="45.030" lon="126.030" version="1">
    <tag k="amenity" v="nursing_home"/>
    <tag k="name" v="松鹤老人之家"/>
    <tag k="name:en" v="Songhe Home"/>
  </node>
  <node id="31" lat="45.031" lon="126.031" version="1">
    <tag k="amenity" v="social_facility"/>
    <tag k="social_facility" v="shelter"/>
    <tag k="name" v="救助站"/>
  </node>
  <node id="32" lat="45.032" lon="126.032" version="1">
    <tag k="place" v="neighbourhood"/>
    <tag k="name" v="测试小区"/>
  </node>
  <node id="33" lat="45.033" lon="126.033" version="1">
    <tag k="shop" v="bakery"/>
    <tag k="name" v="幸福养老服务驿站对面面包店"/>
  </node>
  <node id="34" lat="45.034" lon="126.034" version="1">
    <tag k="amenity" v="social_facility"/>
    <tag k="social_facility" v="group_home"/>
    <tag k="social_facility:for" v="senior"/>
    <tag k="name:zh" v="南岗区日间照料中心"/>
  </node>
  <way id="100" version="1">
    <nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="1"/>
    <tag k="amenity" v="social_facility"/>
    <tag k="social_facility:for" v="senior"/>
    <tag k="name" v="测试区社会福利院"/>
  </way>
  <way id="101" version="1">
    <nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="1"/>
    <tag k="amenity" v="school"/>
    <tag k="name" v="儿童福利院"/>
  </way>
  <way id="102" version="1">
    <nd ref="20"/><nd ref="21"/><nd ref="99"/>
    <tag k="place" v="quarter"/>
    <tag k="name" v="被裁切的片区"/>
  </way>
  <way id="103" version="1">
    <nd ref="97"/><nd ref="98"/>
    <tag k="place" v="suburb"/>
  </way>
  <way id="110" version="1"><nd ref="10"/><nd ref="11"/><nd ref="12"/></way>
  <way id="111" version="1"><nd ref="12"/><nd ref="13"/><nd ref="10"/></way>
  <relation id="200" version="1">
    <member type="way" ref="110" role="outer"/>
    <member type="way" ref="111" role="outer"/>
    <tag k="type" v="multipolygon"/>
    <tag k="name" v="江畔敬老院"/>
  </relation>
  <relation id="201" version="1">
    <member type="way" ref="900" role="outer"/>
    <tag k="type" v="multipolygon"/>
    <tag k="place" v="suburb"/>
  </relation>
</osm>
"""


@pytest.fixture()
def osm_file(tmp_path: Path) -> Path:
    p = tmp_path / "poi.osm"
    p.write_text(FIXTURE, encoding="utf-8")
    return p


def test_tag_filter_semantics(osm_file: Path) -> None:
    any_place = features_from_osm_file(osm_file, tags={"place": True})
    assert set(any_place.index) == {"node/32", "way/102"}
    one = features_from_osm_file(osm_file, tags={"place": "quarter"})
    assert list(one.index) == ["way/102"]
    several = features_from_osm_file(osm_file, tags={"place": ["neighbourhood", "village"]})
    assert list(several.index) == ["node/32"]
    # any pair matches (OR), like osmnx
    either = features_from_osm_file(osm_file, tags={"place": "neighbourhood", "amenity": "nursing_home"})
    assert set(either.index) == {"node/32", "node/30"}
    assert either.loc["node/30", "amenity"] == "nursing_home"
    assert either.loc["node/32", "amenity"] == ""
    assert either.loc["node/30", "name:en"] == "Songhe Home"
    assert either.crs.to_epsg() == 4326
    assert either.index.name == "element"


def test_geometry_of_ways_relations_and_clipped_ways(osm_file: Path) -> None:
    f = features_from_osm_file(osm_file, tags={"amenity": True, "place": True, "type": "multipolygon"})
    # the square way: polygon centroid
    sq = f.loc["way/100"]
    assert sq.geometry_source == "polygon"
    assert sq.geometry.x == pytest.approx(126.001) and sq.geometry.y == pytest.approx(45.001)
    # the relation assembled from two open ways
    rel = f.loc["relation/200"]
    assert rel.geometry_source == "multipolygon" and rel["name"] == "江畔敬老院"
    assert rel.geometry.x == pytest.approx(126.012) and rel.geometry.y == pytest.approx(45.012)
    # clipped way: placed from the nodes the file has (a line), and counted
    clipped = f.loc["way/102"]
    assert clipped.geometry_source == "line"
    assert clipped.geometry.equals_exact(shapely.Point(126.022, 45.020), 1e-9)
    dropped = f.attrs["dropped"]
    assert dropped["ways_with_missing_nodes"] == 2
    assert dropped["ways_without_located_nodes"] == 1
    assert dropped["relations_not_assembled"] == 1
    assert "way/103" not in f.index and "relation/201" not in f.index


def test_keep_shapes_and_empty_result(osm_file: Path) -> None:
    f = features_from_osm_file(osm_file, tags={"amenity": True, "type": "multipolygon"}, keep_shapes=True)
    assert f.loc["way/100"].geometry.geom_type == "Polygon"
    assert f.loc["way/100"].geometry.area == pytest.approx(0.002 * 0.002)
    assert f.loc["relation/200"].geometry.geom_type == "Polygon"
    assert f.loc["node/30"].geometry.geom_type == "Point"
    none = features_from_osm_file(osm_file, tags={"craft": True})
    assert len(none) == 0 and none.crs.to_epsg() == 4326 and "craft" in none.columns


def test_name_contains(osm_file: Path) -> None:
    f = features_from_osm_file(osm_file, tags={"place": "village"}, name_contains=("养老服务",))
    assert list(f.index) == ["node/33"]


def test_bad_input(tmp_path: Path, osm_file: Path) -> None:
    with pytest.raises(InputFileNotFoundError, match="not found"):
        features_from_osm_file(tmp_path / "nope.osm.pbf", tags={"amenity": True})
    with pytest.raises(ValueError, match="False"):
        features_from_osm_file(osm_file, tags={"amenity": False})
    with pytest.raises(ValueError):
        features_from_osm_file(osm_file, tags={})
    bad = tmp_path / "bad.osm"
    bad.write_text("<osm><node id='1' lat='x'", encoding="utf-8")
    with pytest.raises(DataError, match="bad.osm"):
        features_from_osm_file(bad, tags={"amenity": True})


def test_bz2_reads_the_same(tmp_path: Path, osm_file: Path) -> None:
    p = tmp_path / "poi.osm.bz2"
    p.write_bytes(bz2.compress(osm_file.read_bytes()))
    a = features_from_osm_file(osm_file, tags={"amenity": True})
    b = features_from_osm_file(p, tags={"amenity": True})
    assert list(a.index) == list(b.index)
    assert a.geometry.geom_equals_exact(b.geometry, 1e-12).all()


def test_elderly_care_rule(osm_file: Path) -> None:
    fac = elderly_care_facilities_from_osm_file(osm_file)
    assert set(fac.index) == {"node/30", "node/34", "way/100", "relation/200"}
    assert fac.loc["way/100", "type"] == "社会福利院"
    assert fac.loc["way/100", "tier"] == "county"
    assert fac.loc["way/100", "rule"] == "social_facility:for=senior"
    assert fac.loc["node/30", "type"] == "养老院" and fac.loc["node/30", "rule"] == "amenity=nursing_home"
    # name:zh stands in for a missing name; the tier word in the name decides the type
    assert fac.loc["node/34", "name"] == "南岗区日间照料中心"
    assert fac.loc["node/34", "type"] == "日间照料中心" and fac.loc["node/34", "tier"] == "community"
    assert fac.loc["relation/200", "type"] == "敬老院" and fac.loc["relation/200", "rule"] == "name"
    # children's home, the shelter and the bakery named after a station are left out and counted
    assert fac.attrs["excluded"] == {"not_elderly": 1, "no_elderly_sign": 1, "other_function": 1}
    # planner.data reads every type to the same tier
    cfg = default_config()
    for t, tier in zip(fac["type"], fac["tier"]):
        assert tier_for_type(t, cfg.tiers) == tier


@pytest.mark.skipif(not HARBIN.exists(), reason="shared Harbin extract not available")
def test_harbin_first_social_welfare_home() -> None:
    fac = elderly_care_facilities_from_osm_file(HARBIN)
    hit = fac[fac["name"] == "哈尔滨市第一社会福利院"]
    assert list(hit.index) == ["way/986527128"]
    row = hit.iloc[0]
    assert row.geometry.x == pytest.approx(126.6182, abs=0.001)
    assert row.geometry.y == pytest.approx(45.6870, abs=0.001)
    assert row["type"] == "社会福利院" and row["tier"] == "county"
    # the children's welfare home (儿童福利院, tagged amenity=school) is not an elderly-care facility
    assert not fac["name"].str.contains("儿童").any()
    assert fac.attrs["excluded"].get("not_elderly", 0) >= 1


@pytest.mark.skipif(not HARBIN.exists(), reason="shared Harbin extract not available")
def test_harbin_relations_are_kept_whatever_order_areas_come_in() -> None:
    import osmium

    # independent count of the residential multipolygon relations in the file
    rel_ids = {r.id for r in osmium.FileProcessor(str(HARBIN), osmium.osm.RELATION)
               if r.tags.get("landuse") == "residential" and r.tags.get("type") == "multipolygon"}
    assert rel_ids
    res = features_from_osm_file(HARBIN, tags={"landuse": "residential"})
    got = set(res.loc[res["osm_type"] == "relation", "osm_id"].tolist())
    assert got <= rel_ids
    assert len(got) + res.attrs["dropped"].get("relations_not_assembled", 0) == len(rel_ids)
    assert len(got) > 0
