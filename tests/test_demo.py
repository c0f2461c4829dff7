"""The bundled synthetic demo county: reproducible, and holding what the analyses must find."""

from __future__ import annotations

import bz2
import json
import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from scipy.spatial import cKDTree
from shapely.geometry import Point, shape

from planner.config import default_config, load_config
from planner.demo import DEMO_COUNTY_NAME, DEMO_OLDER_TOTAL, demo_config_path, generate_demo_county
from planner.errors import InputFileNotFoundError

DATA = Path(__file__).resolve().parents[1] / "planner" / "demo" / "data"
FILES = (
    "demo_county.toml",
    "boundaries/county.geojson",
    "boundaries/townships.geojson",
    "boundaries/exclusion_zones.geojson",
    "facilities/facilities.csv",
    "settlements/settlements.csv",
    "candidates/candidates.csv",
    "roads/demo_county.osm.bz2",
)
HIGHWAYS = ("trunk", "primary", "secondary", "tertiary", "unclassified", "residential", "track", "footway")
SYNTH = "合成数据（模拟）synthetic"
LAT0 = 46.2
KX, KY = 111_320.0 * math.cos(math.radians(LAT0)), 110_574.0   # metres per degree


def _xy(lon, lat) -> np.ndarray:
    return np.column_stack([(np.asarray(lon, float) - 130.5) * KX, (np.asarray(lat, float) - LAT0) * KY])


def _read_csv(rel: str) -> pd.DataFrame:
    return pd.read_csv(DATA / rel, encoding="utf-8-sig", dtype={"编号": str})


def _features(rel: str) -> list[dict]:
    return json.loads((DATA / rel).read_text(encoding="utf-8"))["features"]


@pytest.fixture(scope="module")
def settlements() -> pd.DataFrame:
    return _read_csv("settlements/settlements.csv")


@pytest.fixture(scope="module")
def facilities() -> pd.DataFrame:
    return _read_csv("facilities/facilities.csv")


@pytest.fixture(scope="module")
def osm() -> dict:
    """The OSM file parsed with a small parser of our own: nodes, ways, raw text."""
    raw = bz2.decompress((DATA / "roads/demo_county.osm.bz2").read_bytes()).decode("utf-8")
    root = ET.fromstring(raw)
    nodes = {int(n.get("id")): (float(n.get("lon")), float(n.get("lat"))) for n in root.iter("node")}
    ways = []
    for w in root.iter("way"):
        refs = [int(nd.get("ref")) for nd in w.iter("nd")]
        tags = {t.get("k"): t.get("v") for t in w.iter("tag")}
        ways.append((refs, tags))
    return {"nodes": nodes, "ways": ways, "raw": raw, "root": root}


@pytest.fixture(scope="module")
def roads(osm) -> dict:
    """Road graph (metres), its segments and weakly connected pieces."""
    g = nx.Graph()
    segs, seg_nodes = [], []
    for refs, tags in osm["ways"]:
        if "highway" not in tags:
            continue
        for a, b in zip(refs[:-1], refs[1:]):
            pa, pb = _xy(*zip(osm["nodes"][a], osm["nodes"][b]))
            length = float(np.hypot(*(pa - pb)))
            g.add_edge(a, b, length=length)
            segs.append(shapely.linestrings([pa, pb]))
            seg_nodes.append(a)
    comp = {}
    pieces = sorted(nx.connected_components(g), key=len, reverse=True)
    for k, piece in enumerate(pieces):
        for n in piece:
            comp[n] = k
    return {"graph": g, "segments": np.array(segs), "seg_node": np.array(seg_nodes), "comp": comp,
            "tree": shapely.STRtree(np.array(segs))}


# --------------------------------------------------------------------------- reproducibility


def test_regenerating_gives_the_committed_files_byte_for_byte(tmp_path):
    counts = generate_demo_county(tmp_path, seed=2020)
    assert sorted(counts["files"]) == sorted(FILES)
    for rel in FILES:
        assert (tmp_path / rel).read_bytes() == (DATA / rel).read_bytes(), rel
        assert (DATA / rel).stat().st_size < 3_000_000


def test_another_seed_gives_another_county(tmp_path):
    generate_demo_county(tmp_path, seed=7)
    for rel in ("settlements/settlements.csv", "roads/demo_county.osm.bz2"):
        assert (tmp_path / rel).read_bytes() != (DATA / rel).read_bytes(), rel


def test_demo_config_path_and_its_error(monkeypatch, tmp_path):
    assert demo_config_path() == DATA / "demo_county.toml"
    import planner.demo.paths as paths

    monkeypatch.setattr(paths, "DEMO_DATA_DIR", tmp_path / "data")
    with pytest.raises(InputFileNotFoundError, match="python -m planner.demo"):
        demo_config_path()


def test_config_loads_and_points_at_every_file():
    cfg = load_config(DATA / "demo_county.toml")
    assert cfg.name == DEMO_COUNTY_NAME and cfg.synthetic
    assert dict(cfg.population.county_older_totals) == {DEMO_COUNTY_NAME: float(DEMO_OLDER_TOTAL)}
    streets = [f["properties"]["name"] for f in _features("boundaries/townships.geojson")
               if f["properties"]["kind"] == "街道"]
    assert sorted(cfg.central_townships) == sorted(streets)
    for spec in (cfg.inputs.facilities, cfg.inputs.settlements, cfg.inputs.boundaries_county,
                 cfg.inputs.boundaries_township, cfg.inputs.roads, cfg.inputs.candidates, cfg.inputs.exclusion_zones):
        assert spec.path is not None and spec.path.exists(), spec


# --------------------------------------------------------------------------- tables


def test_settlements_look_like_the_model_county(settlements):
    s = settlements
    assert list(s.columns[:8]) == ["编号", "名称", "类型", "所属乡镇", "所属县", "总人口", "60岁以上人口", "备注"]
    assert {"经度", "纬度"} <= set(s.columns)
    assert s["编号"].is_unique and (s["备注"] == SYNTH).all() and (s["所属县"] == DEMO_COUNTY_NAME).all()
    comm, vill = s[s["类型"] == "社区"], s[s["类型"] == "村"]
    assert len(comm) + len(vill) == len(s)
    assert 25 <= len(comm) <= 35 and 200 <= len(vill) <= 240
    assert comm["60岁以上人口"].notna().all() and vill["60岁以上人口"].isna().all()
    total = s["总人口"].sum()
    assert 260_000 <= total <= 300_000
    assert 0.22 <= DEMO_OLDER_TOTAL / total <= 0.26
    assert comm["60岁以上人口"].sum() < DEMO_OLDER_TOTAL
    assert ((comm["60岁以上人口"] / comm["总人口"]).between(0.15, 0.35)).all()
    assert 12 <= vill["所属乡镇"].nunique() <= 16 and 3 <= comm["所属乡镇"].nunique() <= 4


def _tier(types: pd.Series) -> pd.Series:
    tiers = default_config().tiers

    def one(t: str) -> str:
        best = max(((len(w), k) for k, tier in tiers.items() for w in tier.all_words if w in t), default=None)
        return best[1] if best else ""
    return types.map(one)


def test_facilities_have_every_tier_and_the_promised_gaps(facilities, settlements):
    f = facilities
    assert list(f.columns) == ["编号", "名称", "类型", "经度", "纬度", "床位数", "护理型床位数", "入住人数", "是否公办",
                               "服务能力", "所属乡镇", "所属县", "备注"]
    assert f["编号"].is_unique and (f["备注"] == SYNTH).all()
    tier = _tier(f["类型"])
    assert (tier != "").all()
    county, town, comm = f[tier == "county"], f[tier == "township"], f[tier == "community"]
    assert 2 <= len(county) <= 3 and (county["是否公办"] == "是").sum() >= 2
    assert county["床位数"].max() >= 200
    kinds = {p["properties"]["name"]: p["properties"]["kind"] for p in
             (f_ for f_ in _features("boundaries/townships.geojson"))}
    rural = [n for n, k in kinds.items() if k in ("镇", "乡")]
    with_centre = set(town.loc[town["类型"] == "区域养老服务中心", "所属乡镇"])
    lacking = [n for n in rural if n not in with_centre]
    assert 2 <= len(lacking) <= 3
    streets = [n for n, k in kinds.items() if k == "街道"]
    assert 1 <= len(set(town["所属乡镇"]) & set(streets)) < len(streets)
    assert set(town["服务能力"].dropna()) == {10000}
    # institutions: nursing beds 40-60%, some public ones under half occupied
    inst = pd.concat([county, town])
    share = inst["护理型床位数"].sum() / inst["床位数"].sum()
    assert 0.4 <= share <= 0.6
    public = inst[inst["是否公办"].isin(["是", "公建民营"])]
    assert ((public["入住人数"] / public["床位数"]) < 0.5).sum() >= 2
    # community tier: day care in ~85% of communities, a village facility in ~55% of villages (< 80% target)
    s = settlements
    communities = set(s.loc[s["类型"] == "社区", "名称"])
    villages = set(s.loc[s["类型"] == "村", "名称"])
    served_c = {n for n in communities if comm["名称"].str.startswith(n).any()}
    served_v = {n for n in villages if comm["名称"].str.startswith(n).any()}
    assert 0.8 <= len(served_c) / len(communities) <= 0.9
    assert 0.45 <= len(served_v) / len(villages) <= 0.65
    assert {"农村幸福院", "互助养老点", "养老大院", "社区日间照料中心"} <= set(comm["类型"])


def test_boundaries_partition_the_county(settlements):
    county = shape(_features("boundaries/county.geojson")[0]["geometry"])
    assert _features("boundaries/county.geojson")[0]["properties"]["synthetic"] is True
    feats = _features("boundaries/townships.geojson")
    kinds = [f["properties"]["kind"] for f in feats]
    assert 3 <= kinds.count("街道") <= 4 and 12 <= kinds.count("镇") + kinds.count("乡") <= 16
    polys = {f["properties"]["name"]: shape(f["geometry"]) for f in feats}
    assert all(f["properties"]["synthetic"] is True and f["properties"]["county"] == DEMO_COUNTY_NAME for f in feats)
    union = shapely.union_all(list(polys.values()))
    assert abs(union.area - county.area) / county.area < 1e-4
    assert abs(sum(p.area for p in polys.values()) - county.area) / county.area < 1e-4   # no overlaps
    # not a rectangle, and about 4,400 km2
    area_km2 = shapely.transform(county, lambda c: _xy(c[:, 0], c[:, 1])).area / 1e6
    assert 4000 <= area_km2 <= 4800 and county.area < 0.9 * county.envelope.area
    # every settlement lies in the polygon of its township
    for _, row in settlements.iterrows():
        assert polys[row["所属乡镇"]].contains(Point(row["经度"], row["纬度"])), row["名称"]


def test_candidates_and_exclusion_zones():
    c = _read_csv("candidates/candidates.csv")
    assert list(c.columns[:7]) == ["编号", "名称", "类型", "经度", "纬度", "所属乡镇", "所属县"]
    assert set(c["类型"]) == {"乡镇卫生院", "村卫生室", "闲置校舍", "村委会", "社区居委会"}
    rural = [f["properties"]["name"] for f in _features("boundaries/townships.geojson")
             if f["properties"]["kind"] != "街道"]
    assert sorted(c.loc[c["类型"] == "乡镇卫生院", "所属乡镇"]) == sorted(rural)
    zones = _features("boundaries/exclusion_zones.geojson")
    assert 2 <= len(zones) <= 4
    assert {z["properties"]["kind"] for z in zones} == {"生态保护红线", "永久基本农田"}
    zone = shapely.union_all([shape(z["geometry"]) for z in zones])
    inside = shapely.contains_xy(zone, c["经度"].to_numpy(), c["纬度"].to_numpy())
    assert 1 <= inside.sum() < len(c)


# --------------------------------------------------------------------------- roads


def test_osm_file_is_labelled_and_has_every_road_class(osm):
    assert "<!-- 合成数据" in osm["raw"] and osm["root"].find("note") is not None
    tags = [t for _, t in osm["ways"]]
    present = {t.get("highway") for t in tags}
    assert set(HIGHWAYS) <= present
    assert any(t.get("oneway") in ("yes", "-1") for t in tags)
    assert any("maxspeed" in t for t in tags if t.get("highway") in ("trunk", "primary"))
    assert sum(t.get("waterway") == "river" for t in tags) == 1
    assert sum(t.get("bridge") == "yes" for t in tags) == 2
    n = len(osm["nodes"])
    assert 20_000 <= n <= 60_000
    assert len(re.findall(r'<node id="\d+" version="1" lat="\d+\.\d{7}" lon="\d+\.\d{7}"/>', osm["raw"])) == n


def test_node_spacing_is_realistic(roads):
    lengths = np.array([d["length"] for _, _, d in roads["graph"].edges(data=True)])
    assert 50 <= np.median(lengths) <= 150
    assert lengths.max() < 300


def test_villages_cut_off_and_without_road(settlements, roads):
    s = settlements
    xy = _xy(s["经度"], s["纬度"])
    pts = shapely.points(xy)
    seg_idx, dist = roads["tree"].query_nearest(pts, return_distance=True, all_matches=False)
    main = 0
    piece = np.array([roads["comp"][int(roads["seg_node"][j])] for j in seg_idx[1]])
    village = (s["类型"] == "村").to_numpy()
    no_road = village & (dist > 1000)
    cut_off = village & (dist <= 1000) & (piece != main)
    assert 1 <= no_road.sum() <= 2
    assert 1 <= cut_off.sum() <= 3
    # every community and every other village is on the main network
    assert ((piece == main) | no_road | cut_off).all()
    assert (dist[~village] < 300).all()


def test_a_township_centre_carries_more_than_ten_thousand_older_people(settlements, facilities, osm, roads):
    """Nearest centre over the roads (natural catchment), older people allocated as the loader does."""
    s, f = settlements, facilities
    centres = f[_tier(f["类型"]) == "township"]
    main_nodes = np.array(sorted(n for n, k in roads["comp"].items() if k == 0))
    lonlat = np.array([osm["nodes"][n] for n in main_nodes])
    tree = cKDTree(_xy(lonlat[:, 0], lonlat[:, 1]))
    _, c_idx = tree.query(_xy(centres["经度"], centres["纬度"]))
    _, s_idx = tree.query(_xy(s["经度"], s["纬度"]))
    owner: dict[int, str] = {}
    for cid, node in zip(centres["编号"], main_nodes[c_idx]):
        owner.setdefault(int(node), cid)
    _, paths = nx.multi_source_dijkstra(roads["graph"], set(owner), weight="length")
    nearest = np.array([owner[paths[int(main_nodes[i])][0]] for i in s_idx])
    comm = (s["类型"] == "社区").to_numpy()
    remainder = DEMO_OLDER_TOTAL - s.loc[comm, "60岁以上人口"].sum()
    older = np.where(comm, s["60岁以上人口"].fillna(0), remainder * s["总人口"] / s.loc[~comm, "总人口"].sum())
    load = pd.Series(older).groupby(nearest).sum()
    assert load.max() > 11_000
    assert (load > 10_000).sum() == 1
    busiest = centres.set_index("编号").loc[load.idxmax()]
    assert busiest["类型"] == "区域养老服务中心"


# --------------------------------------------------------------------------- the real loader


def test_loads_cleanly_with_the_study_loader():
    data_mod = pytest.importorskip("planner.data")
    study = data_mod.load_study(load_config(demo_config_path()))
    assert study.report.ok and not study.report.errors and not study.report.warnings
    st = study.settlements
    assert len(st) == len(_read_csv("settlements/settlements.csv"))
    assert st["older_population"].sum() == pytest.approx(DEMO_OLDER_TOTAL)
    assert st["older_estimated"].sum() == (st["kind"] == "village").sum()
    assert set(study.facilities["tier"]) == {"county", "township", "community"}
    assert study.townships is not None and study.townships["central"].sum() == 4
