"""``planner init``: a real county's study folder, offline on a Harbin district, and --online wired to OSM places."""

from __future__ import annotations

import tomllib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import planner.network
import planner.reference as ref
from planner.cli import main
from planner.codes import DataProblem
from planner.config import load_config
from planner.errors import InputError
from planner.scaffold import init_study, older_by_township, still_missing

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
PBF = SHARED / "harbin" / "harbin.osm.pbf"
needs_pbf = pytest.mark.skipif(not PBF.exists(), reason="shared Harbin extract not available")
DISTRICT = "南岗区"


def _facilities(path: Path) -> Path:
    """A small facility table: the real 哈尔滨市第一社会福利院 (OSM way/986527128) and two labelled TEST points."""
    pd.DataFrame([
        {"名称": "哈尔滨市第一社会福利院", "类型": "社会福利院", "经度": 126.6357, "纬度": 45.7289, "是否公办": "是",
         "备注": "OSM way/986527128"},
        {"名称": "花园街道测试养老服务驿站", "类型": "养老服务驿站", "经度": 126.6345, "纬度": 45.7470, "是否公办": "",
         "备注": "测试点，非真实设施"},
        {"名称": "哈西街道测试综合养老服务中心", "类型": "街道综合养老服务中心", "经度": 126.5930, "纬度": 45.7085,
         "是否公办": "是", "备注": "测试点，非真实设施"},
    ]).to_excel(path, index=False)
    return path


# --------------------------------------------------------------------------- the population rule


def test_older_by_township_splits_the_census_total_by_urban_and_rural_units():
    census = ref.census_older(DISTRICT)
    units = ref.villages(DISTRICT)
    out = older_by_township(units, census)
    assert out["older_estimated"].sum() == census.pop60plus  # consistent with the census, to the person
    real = units[units["kind"] != "virtual"]
    n_c, n_v = (real["kind"] == "community").sum(), (real["kind"] == "village").sum()
    per_c = census.pop60plus * census.urban / census.population / n_c
    per_v = census.pop60plus * census.rural / census.population / n_v
    raw = out["communities"] * per_c + out["villages"] * per_v
    assert np.abs(out["older_estimated"] - raw).max() < 1.0
    # only what is represented enters the study; the rest is not moved onto the others
    rep = real["township"] == "花园街道"
    part = older_by_township(units, census, rep.reindex(units.index, fill_value=False))
    assert part["older_in_study"].sum() == part.loc[part["township"] == "花园街道", "older_in_study"].iloc[0]
    assert abs(part["older_in_study"].sum() - rep.sum() * per_c) <= 1


# --------------------------------------------------------------------------- offline, a Harbin district


@pytest.fixture(scope="module")
def nangang(tmp_path_factory):
    root = tmp_path_factory.mktemp("init")
    fac = _facilities(root / "设施.xlsx")
    return init_study(DISTRICT, facilities=fac, roads=PBF, out=root / "study")


@needs_pbf
def test_init_writes_a_study_folder_without_inventing_locations(nangang):
    r = nangang
    folder = r.folder
    for name in ("study.toml", "boundaries/county.geojson", "boundaries/townships.geojson",
                 "settlements/settlements.csv", "reference/townships.csv", "facilities/设施.xlsx", "待补充.md"):
        assert (folder / name).is_file(), name
    s = pd.read_csv(folder / "settlements" / "settlements.csv", dtype=str, keep_default_na=False)
    units = ref.villages(DISTRICT)
    official = s[~s["名称"].str.endswith("（代表点）")]
    assert sorted(official["编号"]) == sorted(units.loc[units["kind"] != "virtual", "code"])
    need = official["需要坐标"] == "是"
    assert (official.loc[need, ["经度", "纬度", "坐标来源"]] == "").all().all()  # never a guessed location
    located = s[s["需要坐标"] == "否"]
    assert (located["坐标来源"] != "").all() and (located["匹配得分"] != "").all()
    assert r.counts["needs_coordinates"] == need.sum() and r.counts["located"] == (~need).sum()
    # every street of the district is in the extract: each is represented by a stand-in at an inferred point
    stand = s[s["名称"].str.endswith("（代表点）")]
    streets = ref.townships(DISTRICT).query("kind == 'street'")
    assert set(stand["所属乡镇"]) == set(streets["name"])
    assert stand["坐标来源"].str.contains("推断").all()
    poly = ref.county_boundary(DISTRICT).geometry.iloc[0].buffer(0.005)
    pts = shapely.points(located["经度"].astype(float), located["纬度"].astype(float))
    assert shapely.contains(poly, pts).all()
    # the census total: in the study + left out = the census, and the toml holds exactly the part in the study
    conf = tomllib.loads((folder / "study.toml").read_text(encoding="utf-8"))
    totals = conf["population"]["township_older_totals"]
    assert sum(totals.values()) == r.counts["older_in_study"]
    assert r.counts["older_in_study"] + r.counts["older_not_in_study"] == r.census.pop60plus == 267156
    assert "「需要坐标」= 是" in r.todo[0] and str(r.counts["needs_coordinates"]) in r.todo[0]


@needs_pbf
def test_the_initialised_study_loads_and_validate_says_what_is_missing(nangang, capsys):
    from planner.data import load_study

    config = load_config(nangang.config_path)
    data = load_study(config)
    s = data.settlements
    assert len(s) == nangang.counts["located"] + nangang.counts["stand_ins"]
    assert s["older_estimated"].all()
    assert s["older_population"].sum() == pytest.approx(nangang.counts["older_in_study"])
    layer = next(lay for lay in data.report.layers if lay.layer == "settlements")
    assert layer.excluded[str(DataProblem.MISSING_COORDINATES)] == nangang.counts["needs_coordinates"]
    lines = still_missing(data)
    assert f"{nangang.counts['needs_coordinates']} 个村/社区没有坐标" in lines[0]
    assert "settlements/settlements.csv" in lines[0] and "需要坐标" in lines[0]
    assert any("代表点" in line for line in lines)
    en = still_missing(data, lang="en")
    assert "no coordinates" in en[0]
    # the facilities got their streets from the matched OSM boundaries
    assert set(data.facilities["township"]) >= {"哈西街道", "花园街道"}


@needs_pbf
@pytest.mark.slow
def test_planner_init_then_run_writes_every_output(tmp_path, capsys):
    fac = _facilities(tmp_path / "设施.xlsx")
    assert main(["init", "--county", DISTRICT, "--city", "哈尔滨市", "--facilities", str(fac), "--roads", str(PBF),
                 "--out", str(tmp_path / "s"), "-q"]) == 0
    assert "需要坐标" in capsys.readouterr().out
    assert main(["validate", str(tmp_path / "s" / "study.toml"), "-q"]) == 0
    assert "仍需补充" in capsys.readouterr().out
    out = tmp_path / "out"
    assert main(["run", str(tmp_path / "s" / "study.toml"), "--out", str(out), "--no-site", "-q"]) == 0
    for name in ("map.html", "report.html", "results.xlsx", "results.gpkg"):
        assert (out / name).stat().st_size > 0, name
    settlements = gpd.read_file(out / "results.gpkg", layer="settlements")
    assert len(settlements) > 0


def test_init_refuses_ambiguous_counties_and_existing_studies(tmp_path, capsys):
    fac = _facilities(tmp_path / "f.xlsx")
    assert main(["init", "--county", "向阳区", "--facilities", str(fac), "--out", str(tmp_path / "a")]) == 2
    assert "--city" in capsys.readouterr().err
    r = init_study("向阳区", city="鹤岗市", facilities=fac, out=tmp_path / "b")
    assert r.county.code == "230402" and r.counts["located"] == 0  # no roads, no online: nothing located
    with pytest.raises(InputError, match="--force"):
        init_study("向阳区", city="鹤岗市", facilities=fac, out=tmp_path / "b")
    with pytest.raises(InputError, match="not both"):
        init_study("桦南县", facilities=fac, roads=PBF, online=True, out=tmp_path / "c")


# --------------------------------------------------------------------------- --online, wired to planner.network


def test_online_matches_village_names_to_osm_places(tmp_path, monkeypatch):
    county = "桦南县"
    poly = ref.county_boundary(county).geometry.iloc[0]
    units = ref.villages(county)
    cores = units["name"].map(ref.name_core)
    unique = ~cores.duplicated(keep=False)  # a name shared by two units is never matched (which one is it?)
    vill = units[(units["kind"] == "village") & unique & units["name"].str.endswith(("村委会", "村民委员会"))].head(3)
    inside = poly.representative_point()
    calls = []

    def fake_places(polygon, *, cache_dir, timeout_s):
        calls.append((polygon, Path(cache_dir), timeout_s))
        names = [vill["name"].iloc[0].replace("村委会", "村"), vill["name"].iloc[1].replace("村民委员会", ""),
                 "不存在的屯", vill["name"].iloc[2]]
        return gpd.GeoDataFrame({"osmid": [1, 2, 3, 4], "name": names,
                                 "place": ["village", "hamlet", "village", "neighbourhood"]},
                                geometry=[shapely.Point(inside.x + 0.001 * i, inside.y) for i in range(4)],
                                crs="EPSG:4326")

    monkeypatch.setattr(planner.network, "osm_places_in", fake_places, raising=False)
    r = init_study(county, facilities=_facilities(tmp_path / "f.xlsx"), online=True, out=tmp_path / "s",
                   timeout_s=7.0)
    assert len(calls) == 1 and calls[0][2] == 7.0 and calls[0][1] == tmp_path / "s" / "cache"
    assert calls[0][0].equals(poly)
    s = r.settlements.set_index("编号")
    # the first two match (suffixes differ); a neighbourhood never matches a village; the made-up name matches nothing
    got = s.loc[vill["code"].tolist()]
    assert got["需要坐标"].tolist() == ["否", "否", "是"]
    assert (got["坐标来源"].iloc[:2] == "OSM 在线地名匹配").all() and (got["匹配得分"].iloc[:2] == "1.00").all()
    assert r.counts["located_osm_match"] == 2
    conf = tomllib.loads(r.config_path.read_text(encoding="utf-8"))
    assert conf["network"]["source"] == "osmnx" and "roads" not in conf["inputs"]
    # rural townships are represented at their GeoNames seats (inferred), where they have one
    seats = ref.township_seats(county)
    stand = r.settlements[r.settlements["名称"].str.endswith("（代表点）")]
    assert set(stand["编号"]) <= set(seats["township_code"]) and len(stand) > 0
    assert stand["坐标来源"].str.contains("GeoNames").all()
