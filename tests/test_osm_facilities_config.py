"""Facilities from OpenStreetMap named in study.toml: an .osm file as the facilities path, or source = "osm"."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.codes import DataProblem
from planner.config import config_from_dict, tier_for_type
from planner.data import load_study
from planner.errors import ConfigError

FIX = Path(__file__).parent / "fixtures" / "data"
PBF = Path(__file__).resolve().parents[2] / "shared" / "data" / "harbin" / "harbin.osm.pbf"

_OSM = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6">
 <node id="1" lat="45.65" lon="127.05" version="1"><tag k="amenity" v="social_facility"/>
  <tag k="social_facility" v="nursing_home"/><tag k="name" v="红星镇敬老院"/></node>
 <node id="2" lat="45.66" lon="127.06" version="1"><tag k="amenity" v="social_facility"/>
  <tag k="name" v="测试县儿童福利院"/></node>
 <node id="3" lat="45.70" lon="127.10" version="1"><tag k="highway" v="bus_stop"/><tag k="name" v="福利院站"/></node>
 <node id="4" lat="45.62" lon="127.04" version="1"><tag k="name" v="光明社区日间照料中心"/></node>
</osm>
"""


def _base(tmp_path: Path, facilities: object, **inputs: object) -> dict:
    (tmp_path / "f.osm").write_text(_OSM, encoding="utf-8")
    return {"name": "测试县", "inputs": {"facilities": facilities, "settlements": str(FIX / "settlements.csv"),
                                         "boundaries_county": str(FIX / "county.geojson"),
                                         "boundaries_township": str(FIX / "townships.geojson"), **inputs}}


def test_osm_file_as_facilities_path(tmp_path):
    d = load_study(config_from_dict(_base(tmp_path, "f.osm"), base_dir=tmp_path))
    f = d.facilities
    assert sorted(f.index) == ["node/1", "node/4"]
    assert f.loc["node/1", "type"] == "敬老院"
    assert f.loc["node/1", "tier"] == tier_for_type("敬老院", d.config.tiers) == "county"
    assert f.loc["node/4", "tier"] == "community" and f.loc["node/4", "township"] != ""
    s = d.report.layer("facilities")
    # the children's home and the bus stop are read and left out by the rule, counted, not silently dropped
    assert s.rows_read == 4 and s.rows_kept == 2 and s.excluded == {DataProblem.OSM_NOT_ELDERLY_CARE: 2}


def test_source_osm_needs_an_osm_roads_file(tmp_path):
    with pytest.raises(ConfigError, match=r"\[inputs\] roads"):
        load_study(config_from_dict(_base(tmp_path, {"source": "osm"}), base_dir=tmp_path))
    cfg = config_from_dict(_base(tmp_path, {"source": "osm", "filter": {"name": "红星镇敬老院"}}, roads="f.osm"),
                           base_dir=tmp_path)
    d = load_study(cfg)
    assert list(d.facilities.index) == ["node/1"]
    assert d.report.layer("facilities").excluded == {DataProblem.OSM_NOT_ELDERLY_CARE: 2,
                                                     DataProblem.ROWS_FILTERED: 1}


@pytest.mark.skipif(not PBF.exists(), reason="shared Harbin extract absent")
def test_harbin_extract_social_facilities_from_study_toml(tmp_path):
    from planner.io import features_from_osm_file

    (tmp_path / "s.csv").write_text("名称,类型,经度,纬度,总人口\n甲社区,社区,126.63,45.75,3000\n", encoding="utf-8")
    (tmp_path / "study.toml").write_text(
        f'name = "哈尔滨"\n[inputs]\nroads = "{PBF}"\nsettlements = "s.csv"\n'
        '[inputs.facilities]\nsource = "osm"\n', encoding="utf-8")
    from planner.config import load_config

    d = load_study(load_config(tmp_path / "study.toml"))
    f = d.facilities
    assert "way/986527128" in f.index and f.loc["way/986527128", "name"] == "哈尔滨市第一社会福利院"
    assert f.loc["way/986527128", "tier"] == "county"
    # every kept facility is an OSM object tagged social_facility / nursing_home or named as elderly care
    social = features_from_osm_file(PBF, tags={"amenity": ["social_facility", "nursing_home"]})
    assert set(social.index) & set(f.index)
    s = d.report.layer("facilities")
    assert s.rows_read == s.rows_kept + sum(s.excluded.values()) and s.rows_kept == len(f)
