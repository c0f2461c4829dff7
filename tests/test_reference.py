"""The packaged reference data (planner.reference) and the pure transforms that build it.

The packaged files are compared with ../shared/data/heilongjiang, which was derived
independently from the same public sources (skipped when that folder is absent).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import planner.reference as ref
from planner.errors import InputError
from planner.geo import gcj02_to_wgs84, wgs84_to_gcj02
from planner.reference.build import (
    boundary_to_wgs84,
    census_frame,
    division_frames,
    geonames_frame,
    match_seats,
)
from planner.reference.names import match_names, name_core, name_score, settlement_kind, township_kind

HLJ = Path(__file__).resolve().parents[2] / "shared" / "data" / "heilongjiang"
needs_shared = pytest.mark.skipif(not HLJ.exists(), reason="shared Heilongjiang data not available")


# --------------------------------------------------------------------------- names


def test_name_core_and_score_handle_suffixes_variants_and_dropped_tails():
    assert name_core("阎家岗镇") == "闫家岗"
    assert name_core("石头河子村民委员会") == "石头河子"
    assert name_core("红旗满族乡") == "红旗"
    assert name_core("新华街道办事处") == name_core("新华街道") == "新华"
    assert name_core("金缸村") == name_core("金缸村委会") == name_core("金缸村村委会") == "金缸"
    assert name_core("新村") == "新村" and name_core("东乡") == "东乡"  # the suffix is part of a short name
    assert name_score("闫家镇", "阎家") == 1.0
    assert name_score("石头河", "石头河子镇") == 0.9
    assert name_score("花园街道", "花园街社区居委会") < 0.9  # a street is not its namesake community
    assert name_score("", "石头河") == 0.0


def test_match_names_is_one_to_one_best_first_and_never_below_the_threshold():
    pairs = match_names(["石头河子镇", "石头河乡", "永和乡"], [["石头河子"], ["石头河镇"], ["永安"]])
    assert pairs == [(0, 0, 1.0), (1, 1, 1.0)]  # 永和 != 永安: no pair below 0.9
    # two official names wanting the same place: the better one gets it, the other none
    assert match_names(["石头河", "石头河子"], [["石头河子"]]) == [(1, 0, 1.0)]


def test_kinds_from_official_suffixes():
    assert [township_kind(n) for n in ("花园街道", "哈西街道办事处", "王岗镇", "红旗满族乡", "红旗农场")] == [
        "street", "street", "town", "township", "other"]
    assert [settlement_kind(n) for n in ("索菲亚社区居委会", "兴旺社区居民委员会", "红星村委会", "红星村民委员会",
                                         "第一管理区", "虚拟生活区")] == [
        "community", "community", "village", "village", "village", "virtual"]


# --------------------------------------------------------------------------- loaders


def test_find_county_by_name_code_and_city_and_its_errors():
    c = ref.find_county("南岗区")
    assert (c.code, c.city, c.province) == ("230103", "哈尔滨市", "黑龙江省")
    assert ref.find_county("230103") == c
    with pytest.raises(InputError, match="--city"):
        ref.find_county("向阳区")  # 鹤岗市 and 佳木斯市
    assert ref.find_county("向阳区", "佳木斯市").code == "230803"
    with pytest.raises(InputError, match="南岗区"):
        ref.find_county("南刚区")  # a typo: the closest names are suggested
    with pytest.raises(InputError, match="哈尔滨市"):
        ref.find_county("南岗区", "佳木斯市")


def test_villages_kinds_and_townships_from_codes():
    v = ref.villages("南岗区")
    t = ref.townships("南岗区")
    assert v["code"].str.len().eq(12).all() and t["code"].str.len().eq(9).all()
    assert (v["township_code"] == v["code"].str[:9]).all()
    assert set(v["township_code"]) <= set(t["code"])
    named = dict(zip(t["code"], t["name"]))
    assert (v["township"] == v["township_code"].map(named)).all()
    assert v.loc[v["name"].str.endswith("社区居委会"), "kind"].eq("community").all()
    assert v.loc[v["name"].str.endswith("村委会"), "kind"].eq("village").all()
    kinds = t.set_index("name")["kind"]
    assert kinds[["花园街道", "王岗镇", "红旗满族乡"]].tolist() == ["street", "town", "township"]
    # the example county: 16 townships, 237 units (one virtual)
    hn = ref.villages("桦南县")
    assert len(ref.townships("桦南县")) == 16 and len(hn) == 237 and hn["kind"].eq("virtual").sum() == 1


def test_loaders_return_copies():
    v = ref.villages("南岗区")
    v["name"] = "x"
    assert ref.villages("南岗区")["name"].ne("x").all()


def test_township_seats_are_inferred_inside_their_county():
    seats = ref.township_seats("桦南县")
    assert len(seats) >= 1 and seats["inferred"].all() and seats["score"].ge(0.9).all()
    assert "GeoNames" in seats["source"].iloc[0]
    poly = ref.county_boundary("桦南县").geometry.iloc[0].buffer(0.02)
    assert seats.within(poly).all()
    assert set(seats["township_code"]) <= set(ref.townships("桦南县")["code"])


@needs_shared
def test_census_totals_equal_the_census_table():
    census = pd.read_csv(HLJ / "county_census2020.csv")
    census = census[census["区县"] != census["市"]]
    checked = 0
    for county in ref.list_counties().itertuples():
        row = census[(census["市"] == county.city) & (census["区县"] == county.county)]
        if row.empty:
            continue
        got = ref.census_older(county.code)
        assert got.pop60plus == int(row["pop60plus"].iloc[0]), county.county
        assert got.population == int(row["人口数_合计"].iloc[0]), county.county
        checked += 1
    assert checked >= 115


@needs_shared
def test_lists_match_the_shared_derivation():
    streets = pd.read_csv(HLJ / "heilongjiang_streets.csv", dtype=str)
    vills = pd.read_csv(HLJ / "heilongjiang_villages.csv", dtype=str)
    counties = ref.list_counties()
    for code in counties["code"]:
        assert sorted(ref.townships(code)["code"]) == sorted(streets.loc[streets["areaCode"] == code, "code"]), code
    all_v = pd.concat([ref.villages(c) for c in counties["code"]])
    want = vills[vills["areaCode"].isin(counties["code"])]
    assert sorted(all_v["code"]) == sorted(want["code"])
    assert len(ref.provinces()) >= 1 and "heilongjiang" in ref.provinces()


@needs_shared
def test_county_boundaries_match_the_shared_derivation():
    shared = gpd.read_file(HLJ / "admin_boundaries.geojson")
    shared = shared[shared["level"] == "区县"]
    ours = pd.concat([ref.county_boundary(c) for c in ref.list_counties()["code"]])
    m = ours.merge(shared[["city", "district", "geometry"]].rename(columns={"district": "county", "geometry": "g"}),
                   on=["city", "county"])
    assert len(m) == len(shared) == 122
    a, b = m.geometry.to_numpy(), m["g"].to_numpy()
    iou = shapely.area(shapely.intersection(a, b)) / shapely.area(shapely.union(a, b))
    assert iou.min() > 0.99
    assert shapely.is_valid(a).all()


@needs_shared
def test_seats_are_geonames_places_of_the_same_county():
    places = gpd.read_file(HLJ / "geonames_places.geojson")
    seats = pd.concat([ref.township_seats(c).assign(county=ref.find_county(c).name, city=ref.find_county(c).city)
                       for c in ref.list_counties()["code"]])
    m = seats.merge(places[["geonameid", "city", "district"]], on="geonameid", how="left")
    assert m["district"].notna().mean() > 0.97
    same = m.dropna(subset=["district"])
    assert ((same["district"] == same["county"]) & (same["city_x"] == same["city_y"])).mean() > 0.97


# --------------------------------------------------------------------------- build transforms


def test_boundary_to_wgs84_is_the_inverse_of_the_projects_gcj02():
    lon = np.array([126.60, 126.70, 126.70, 126.60, 126.60])
    lat = np.array([45.70, 45.70, 45.78, 45.78, 45.70])
    gx, gy = wgs84_to_gcj02(lon, lat)
    gcj = shapely.Polygon(np.column_stack([gx, gy]))
    out = boundary_to_wgs84(gcj, tolerance_deg=0.0, decimals=6)
    got = np.asarray(out.exterior.coords)
    truth = np.column_stack(gcj02_to_wgs84(gx, gy))
    assert np.allclose(np.sort(got[:-1], axis=0), np.sort(truth[:-1], axis=0), atol=1e-6)
    assert np.allclose(np.sort(got[:-1], axis=0), np.sort(np.column_stack([lon, lat])[:-1], axis=0), atol=2e-6)
    # simplification and rounding: a dense ring keeps its shape within the tolerance, on a 1e-5 grid
    ring = shapely.Point(126.65, 45.75).buffer(0.05, quad_segs=256)
    small = boundary_to_wgs84(ring, tolerance_deg=0.0005, decimals=5)
    assert len(small.exterior.coords) < len(ring.exterior.coords) / 4
    assert shapely.hausdorff_distance(small, boundary_to_wgs84(ring, tolerance_deg=0.0, decimals=8)) < 0.0006
    coords = np.asarray(small.exterior.coords)
    assert np.allclose(coords, np.round(coords, 5), atol=1e-9)


def test_division_frames_keep_one_province():
    streets = pd.DataFrame({"code": ["110101001", "230103001", "230103101"],
                            "name": ["东华门街道", "花园街道", "王岗镇 "]})
    vills = pd.DataFrame({"code": ["110101001001", "230103001001"], "name": ["多福巷社区居委会", "花园街社区居委会"]})
    towns, v = division_frames(streets, vills, province_code="23")
    assert towns["code"].tolist() == ["230103001", "230103101"]
    assert towns["name"].tolist() == ["花园街道", "王岗镇"] and towns["kind"].tolist() == ["street", "town"]
    assert v["code"].tolist() == ["230103001001"]


def test_geonames_frame_and_seat_matching():
    counties = gpd.GeoDataFrame({"code": ["230001", "230002"]},
                                geometry=[shapely.box(126, 45, 127, 46), shapely.box(127, 45, 128, 46)],
                                crs="EPSG:4326")
    cities = [
        {"geonameid": 1, "name": "Shitouhezi", "latitude": 45.5, "longitude": 126.5, "countrycode": "CN",
         "population": 0, "alternatenames": ["Shitouhezi", "石头河", "石头河镇"]},
        {"geonameid": 2, "name": "Yanjia", "latitude": 45.5, "longitude": 127.5, "countrycode": "CN",
         "population": 10, "alternatenames": ["阎家"]},
        {"geonameid": 3, "name": "NoChinese", "latitude": 45.5, "longitude": 127.6, "countrycode": "CN",
         "population": 0, "alternatenames": ["Foo"]},
        {"geonameid": 4, "name": "Far", "latitude": 40.0, "longitude": 83.0, "countrycode": "CN",
         "population": 0, "alternatenames": ["远"]},  # a GeoNames error: listed in the province, lies elsewhere
        {"geonameid": 5, "name": "Edge", "latitude": 45.5, "longitude": 128.005, "countrycode": "CN",
         "population": 0, "alternatenames": ["边"]},  # just outside the simplified border: nearest county
        {"geonameid": 6, "name": "Other", "latitude": 45.5, "longitude": 126.5, "countrycode": "RU",
         "population": 0, "alternatenames": ["别"]},
    ]
    places = geonames_frame(cities, counties)
    assert places["geonameid"].tolist() == [1, 2, 5]
    assert places["county_code"].tolist() == ["230001", "230002", "230002"]
    towns = pd.DataFrame({"code": ["230001101", "230002102", "230002103"], "name": ["石头河子镇", "闫家乡", "永和乡"]})
    seats = match_seats(towns, places)
    assert seats["township"].tolist() == ["石头河子镇", "闫家乡"]
    assert seats["score"].tolist() == [0.9, 1.0] and seats["geonameid"].tolist() == [1, 2]


def test_census_frame_drops_province_and_city_rows():
    census = pd.DataFrame({"区划代码": ["230000.0", "230100.0", "230103.0", "230400.0"],
                           "省": ["黑龙江省"] * 4, "市": ["黑龙江省", "哈尔滨市", "哈尔滨市", "鹤岗市"],
                           "区县": ["黑龙江省", "哈尔滨市", "南岗区", "鹤岗市"], "人口数_合计": [10, 5, 3, 2],
                           "城镇人口": [6, 4, 3, 1], "乡村人口": [4, 1, 0, 1], "pop60plus": [2.0, 1.0, 0.6, 0.4],
                           "pop65plus": [1, 1, 0, 0]})
    out = census_frame(census, province="黑龙江省")
    assert out["code"].tolist() == ["230103"] and out["pop60plus"].tolist() == [1]


@needs_shared
def test_seat_step_reproduces_the_packaged_seats_from_the_shared_geonames_derivation():
    # the build's matching step rerun on the independently derived GeoNames places gives the packaged file
    g = gpd.read_file(HLJ / "geonames_places.geojson").dropna(subset=["district"])
    counties = ref.list_counties()
    code_of = dict(zip(zip(counties["city"], counties["county"]), counties["code"]))
    places = pd.DataFrame({"geonameid": g["geonameid"], "name": g["name"], "zh": g["zh"],
                           "county_code": [code_of.get(k) for k in zip(g["city"], g["district"])],
                           "lon": g.geometry.x.round(5), "lat": g.geometry.y.round(5)}).dropna(subset=["county_code"])
    towns = pd.read_csv(ref.DATA_DIR / "heilongjiang" / "townships.csv", dtype=str)
    packaged = pd.read_csv(ref.DATA_DIR / "heilongjiang" / "township_seats.csv", dtype={"township_code": str})
    rebuilt = match_seats(towns, places)
    cols = ["township_code", "township", "geonameid", "score"]
    pd.testing.assert_frame_equal(rebuilt[cols], packaged[cols])
    assert np.allclose(rebuilt[["lon", "lat"]], packaged[["lon", "lat"]], atol=2e-5)
