"""Downloads that behave: recorded Overpass/Nominatim answers replayed offline, a dead server, the size guard.

The recorded answers in ``fixtures/osm_replay/http`` are osmnx's own HTTP cache
of the queries below, built from the Harbin extract by
``fixtures/osm_replay/build_replay.py`` (ODbL, see the README there).  Every
test here runs with the HTTP layer forbidden, so a cache miss fails loudly
instead of reaching a server.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import shapely

from planner.config import config_from_dict, load_config
from planner.errors import NetworkError
from planner.network import (
    OnlineSettings,
    geocode_place,
    load_network,
    network_from_osm_file,
    online_settings,
    osm_places_in,
    place_area,
)
from planner.network.model import buffered_area

FIX = Path(__file__).parent / "fixtures" / "osm_replay"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "harbin"
QUERY = "东莱街道, 哈尔滨市, 黑龙江省, 中国"  # = build_replay.QUERY
BUFFER_M = 100.0  # = build_replay.BUFFER_M
PLACES_BOX = (126.69, 45.66, 126.76, 45.72)  # = build_replay.PLACES_BOX


@pytest.fixture
def no_http(monkeypatch):
    """Any HTTP request is a test failure (the replay must come from the cache)."""
    import requests

    def refuse(*a, **k):
        raise AssertionError(f"network access attempted: {a[:2]}")

    monkeypatch.setattr(requests.Session, "request", refuse)


@pytest.fixture
def study(tmp_path) -> Path:
    """A study folder whose cache holds the recorded answers; the study.toml names only the place."""
    shutil.copytree(FIX / "http", tmp_path / "cache" / "http")
    toml = tmp_path / "study.toml"
    toml.write_text(f'name = "东莱"\n[network]\nsource = "osmnx"\nplace = "{QUERY}"\nbuffer_m = {BUFFER_M}\n',
                    encoding="utf-8")
    return toml


def _street() -> shapely.Geometry:
    import geopandas as gpd

    streets = gpd.read_file(SHARED / "harbin_streets.geojson")
    return streets.loc[streets["name"] == "东莱街道", "geometry"].iloc[0]


needs_harbin = pytest.mark.skipif(not (SHARED / "harbin.osm.pbf").exists(), reason="shared Harbin data absent")


# --------------------------------------------------------------------------- replay


def test_fixtures_are_small_and_attributed():
    files = sorted((FIX / "http").glob("*.json"))
    assert len(files) == 3
    assert sum(f.stat().st_size for f in files) < 128_000
    assert "ODbL" in (FIX / "README.md").read_text(encoding="utf-8")


@needs_harbin
def test_place_geocodes_the_boundary_from_the_recorded_answer(study, no_http, monkeypatch, tmp_path):
    import osmnx as ox

    before = (ox.settings.cache_folder, ox.settings.requests_timeout, socket.getaddrinfo)
    monkeypatch.chdir(tmp_path.parent)  # the cache is the study's, whatever the working folder
    config = load_config(study)
    assert online_settings(config).cache_dir == study.parent / "cache"
    area = place_area(config)
    street = _street()
    assert area.geom_type in ("Polygon", "MultiPolygon")
    assert shapely.symmetric_difference(area, street).area < 1e-3 * street.area
    assert (ox.settings.cache_folder, ox.settings.requests_timeout, socket.getaddrinfo) == before


@needs_harbin
def test_download_replays_and_matches_the_extract(study, no_http):
    config = load_config(study)
    area = place_area(config)
    net = load_network(config, area)
    assert net.n_segments > 100
    # the independent reference: the same area read from the extract by the planner's pbf reader
    ref = network_from_osm_file(SHARED / "harbin.osm.pbf", polygon=area, buffer_m=BUFFER_M)
    inner = shapely.prepared.prep(buffered_area(area, BUFFER_M * 0.5))

    def inner_segments(n):
        inside = np.array([inner.contains(shapely.Point(x, y)) for x, y in zip(n.lon, n.lat, strict=True)])
        keep = inside[n.u] & inside[n.v]
        return {(min(a, b), max(a, b), h) for a, b, h in zip(n.node_id[n.u][keep], n.node_id[n.v][keep],
                                                             n.highway[keep], strict=True)}

    got, want = inner_segments(net), inner_segments(ref)
    assert len(want) > 100
    assert got == want
    # a second load reads the planner's own GraphML cache
    assert len(list((study.parent / "cache").glob("osmnx_*.graphml"))) == 1
    again = load_network(config, area)
    assert again.n_segments == net.n_segments


@needs_harbin
def test_pipeline_study_area_is_the_place_not_the_points_hull(study, no_http):
    import geopandas as gpd

    from planner.data import load_study
    from planner.pipeline import study_place_area

    street = _street()
    c = street.representative_point()
    folder = study.parent
    (folder / "s.csv").write_text(
        "名称,类型,人口,老年人口,经度,纬度\n"
        f"甲社区,社区,3000,600,{c.x:.6f},{c.y:.6f}\n"
        f"乙社区,社区,2000,400,{c.x + 0.0005:.6f},{c.y:.6f}\n"
        "远处村,村,900,200,126.7346946,45.6641004\n", encoding="utf-8")
    (folder / "f.csv").write_text(f"名称,类型,经度,纬度\n驿站,社区养老服务驿站,{c.x:.6f},{c.y + 0.0003:.6f}\n",
                                  encoding="utf-8")
    with study.open("a", encoding="utf-8") as fh:
        fh.write('[inputs]\nsettlements = "s.csv"\nfacilities = "f.csv"\n')
    config = load_config(study)
    area = study_place_area(config)
    data = load_study(config, place_area=area)
    assert data.study_area.equals(area)
    assert "远处村" not in set(data.settlements["name"])  # outside the place: excluded and reported
    codes = {p.code for p in data.report.problems}
    assert "OUTSIDE_STUDY_AREA" in codes and "STUDY_AREA_FROM_PLACE" in codes and "NO_STUDY_AREA" not in codes
    hull = gpd.GeoSeries(data.settlements.geometry).union_all().convex_hull
    assert area.area > 10 * hull.area


@needs_harbin
def test_validate_uses_the_place_as_the_study_area(study, no_http, capsys):
    from planner.cli import main

    c = _street().representative_point()
    (study.parent / "s.csv").write_text(f"名称,类型,经度,纬度\n甲社区,社区,{c.x:.6f},{c.y:.6f}\n"
                                        "远处村,村,126.7346946,45.6641004\n", encoding="utf-8")
    text = study.read_text(encoding="utf-8").replace('name = "东莱"', 'name = "东莱"\nlang = "en"')
    study.write_text(text + '[inputs]\nsettlements = "s.csv"\n', encoding="utf-8")
    assert main(["validate", str(study), "-q"]) == 0
    out = capsys.readouterr().out
    assert "OpenStreetMap boundary" in out and "outside the study area" in out


@needs_harbin
def test_osm_places_in_replays_and_matches_the_extract(tmp_path, no_http):
    from planner.io import features_from_osm_file
    from planner.network.online import PLACE_KINDS

    shutil.copytree(FIX / "http", tmp_path / "http")
    box = shapely.box(*PLACES_BOX)
    got = osm_places_in(box, cache_dir=tmp_path)
    assert list(got.columns) == ["osmid", "name", "place", "geometry"] and got.crs.to_epsg() == 4326
    ref = features_from_osm_file(SHARED / "harbin.osm.pbf", tags={"place": list(PLACE_KINDS)})
    ref = ref[[i.startswith("node/") for i in ref.index] & shapely.contains(box, ref.geometry.values)]
    assert sorted(got["osmid"]) == sorted(int(i.split("/")[1]) for i in ref.index)
    assert {"幸福村", "曹家窝棚", "红星村"} <= set(got["name"])
    assert set(got["place"]) <= set(PLACE_KINDS)


# --------------------------------------------------------------------------- failures


def _silent_server() -> tuple[socket.socket, int]:
    """A TCP server that accepts connections and never answers."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    held = []

    def accept():
        while True:
            try:
                held.append(srv.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    return srv, srv.getsockname()[1]


def test_silent_overpass_server_is_a_clear_error_within_the_timeout(tmp_path):
    srv, port = _silent_server()
    try:
        config = config_from_dict({"network": {
            "source": "osmnx", "timeout_s": 2, "retries": 0, "buffer_m": 0,
            "overpass_url": f"http://127.0.0.1:{port}/api"}}, base_dir=tmp_path)
        t0 = time.perf_counter()
        with pytest.raises(NetworkError) as err:
            load_network(config, shapely.box(126.63, 45.755, 126.64, 45.762))
        elapsed = time.perf_counter() - t0
    finally:
        srv.close()
    msg = str(err.value)
    assert f"127.0.0.1:{port}" in msg and "2 s" in msg and "timeout_s" in msg and "[inputs] roads" in msg
    # not a timing benchmark: a hang detector (osmnx without a timeout waited > 150 s on a silent server)
    assert elapsed < 60


def test_refused_connection_retries_then_names_the_endpoint(tmp_path, caplog):
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there: connections are refused
    settings = OnlineSettings(cache_dir=tmp_path, timeout_s=2, retries=1, backoff_s=0.01,
                              nominatim_url=f"http://127.0.0.1:{port}/")
    with pytest.raises(NetworkError, match=f"127.0.0.1:{port}/ could not be reached") as err:
        geocode_place("桦南县, 佳木斯市, 黑龙江省, 中国", settings)
    assert "2 attempt(s) of at most 2 s" in str(err.value) and "nominatim_url" in str(err.value)
    assert "retry 1 of 1" in caplog.text


@pytest.mark.parametrize("answer, message", [
    ([], "found no boundary"),
    ([{"place_id": 1, "osm_type": "node", "osm_id": 1, "lat": "46.2", "lon": "130.5", "importance": 0.5,
       "boundingbox": ["46.1", "46.3", "130.4", "130.6"], "display_name": "桦南县",
       "geojson": {"type": "Point", "coordinates": [130.5, 46.2]}}], "found no boundary"),
])
def test_geocoding_without_a_boundary_is_a_clear_error(tmp_path, monkeypatch, answer, message):
    import json

    import osmnx
    import requests

    def get(url, params=None, **kw):
        r = requests.Response()
        r.status_code, r.url, r._content = 200, url, json.dumps(answer).encode()
        return r

    monkeypatch.setattr(osmnx._nominatim.requests, "get", get)
    monkeypatch.setattr(osmnx._nominatim.time, "sleep", lambda s: None)
    with pytest.raises(NetworkError, match=message) as err:
        geocode_place("桦南县", OnlineSettings(cache_dir=tmp_path))
    assert "boundaries_county" in str(err.value)


def test_size_guard_refuses_a_province_before_any_request(tmp_path, no_http):
    config = config_from_dict({"network": {"source": "osmnx", "buffer_m": 0}}, base_dir=tmp_path)
    province = shapely.box(121.0, 43.4, 135.1, 53.6)  # Heilongjiang's bounding box
    with pytest.raises(NetworkError, match="max_download_km2") as err:
        load_network(config, province)
    assert "filter" in str(err.value)
    small = config_from_dict({"network": {"source": "osmnx", "buffer_m": 0, "max_download_km2": 0.5}},
                             base_dir=tmp_path)
    with pytest.raises(NetworkError, match=r"above the limit of 0 km²|max_download_km2"):
        load_network(small, shapely.box(126.63, 45.755, 126.64, 45.762))
    with pytest.raises(NetworkError, match="max_download_km2"):
        osm_places_in(province, cache_dir=tmp_path)


@needs_harbin
def test_run_study_from_a_place_name_offline(study, no_http):
    """The whole pipeline from a study.toml naming only a place, points and facilities: replayed, offline."""
    from planner.pipeline import run_study

    street = _street()
    c = street.representative_point()
    (study.parent / "s.csv").write_text(
        f"名称,类型,人口,老年人口,经度,纬度\n甲社区,社区,3000,600,{c.x:.6f},{c.y:.6f}\n", encoding="utf-8")
    (study.parent / "f.csv").write_text(
        f"名称,类型,经度,纬度\n驿站,社区养老服务驿站,{c.x + 0.001:.6f},{c.y:.6f}\n", encoding="utf-8")
    with study.open("a", encoding="utf-8") as fh:
        fh.write('[inputs]\nsettlements = "s.csv"\nfacilities = "f.csv"\n')
    result = run_study(load_config(study), site=False)
    assert result.data.study_area.equals(place_area(load_config(study)))
    assert result.network.n_segments > 100
    assert bool(result.coverage.settlements.loc[:, "community_covered"].iloc[0])


def test_cache_folder_is_the_studys_whatever_the_working_folder(tmp_path, monkeypatch):
    folder = tmp_path / "研究"
    folder.mkdir()
    (folder / "a.toml").write_text('name = "a"\n', encoding="utf-8")
    (folder / "b.toml").write_text('name = "b"\n[network]\ncache_dir = "下载缓存"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # the study file given relative to the working folder
    a, b = load_config(Path("研究") / "a.toml"), load_config(Path("研究") / "b.toml")
    assert online_settings(a).cache_dir.resolve() == (folder / "cache").resolve()
    assert online_settings(b).cache_dir.resolve() == (folder / "下载缓存").resolve()
    assert online_settings(b).http_cache.resolve() == (folder / "下载缓存" / "http").resolve()
