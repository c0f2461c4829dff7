"""GCJ-02 / BD-09 points declared as WGS84, and points far from every road, found against the road network."""

from __future__ import annotations

import dataclasses
import shutil

import numpy as np
import pandas as pd
import pytest
import shapely

from planner.cli import main
from planner.codes import DataProblem
from planner.config import load_config
from planner.data import load_study
from planner.errors import DataError
from planner.geo import wgs84_to_bd09, wgs84_to_gcj02
from planner.network import load_network
from planner.routing import check_points_on_roads, datum_tests
from planner.routing.datum import MIN_POINTS, RoadIndex, layer_datum_test
from planner.testing import LOCAL_CRS, network_from_local_xy, points_from_local_xy


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    from planner.demo import demo_config_path

    out = tmp_path_factory.mktemp("demo") / "demo"
    shutil.copytree(demo_config_path().parent, out)
    return out


@pytest.fixture(scope="module")
def demo(demo_dir):
    config = load_config(demo_dir / "demo_county.toml")
    data = load_study(config)
    return data, load_network(config, data.study_area)


def _shifted(frame, fn):
    lon, lat = fn(frame.geometry.x.to_numpy(), frame.geometry.y.to_numpy())
    out = frame.copy()
    out["geometry"] = shapely.points(lon, lat)
    return out


def _with_points(data, fn, layers=("facilities", "settlements")):
    return dataclasses.replace(data, **{k: _shifted(getattr(data, k), fn) for k in layers})


def test_road_distances_equal_shapely(demo):
    """The grid's nearest-road distance of every point equals shapely's over all segments."""
    data, net = demo
    index = RoadIndex(net, data.projected_crs)
    pts = pd.concat([data.facilities.geometry, data.settlements.geometry])
    got = index.distances(pts.x.to_numpy(), pts.y.to_numpy())
    import geopandas as gpd

    real = net.u != net.v
    lines = shapely.linestrings(np.stack([np.c_[net.lon[net.u[real]], net.lat[net.u[real]]],
                                          np.c_[net.lon[net.v[real]], net.lat[net.v[real]]]], axis=1))
    lines = gpd.GeoSeries(lines, crs=4326).to_crs(data.projected_crs).to_numpy()
    proj = gpd.GeoSeries(pts.to_numpy(), crs=4326).to_crs(data.projected_crs).to_numpy()
    tree = shapely.STRtree(lines)
    _, want = tree.query_nearest(proj, return_distance=True, all_matches=False)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-6)


def test_true_points_are_not_flagged(demo):
    data, net = demo
    tests = datum_tests(data, net)
    assert {t.layer for t in tests} == {"facilities", "settlements", "candidates"}
    for t in tests:
        assert t.likely is None, t
        assert t.n_points >= MIN_POINTS and all(m > t.median_m for m, _ in t.alternatives.values())
    assert check_points_on_roads(data, net) is data


@pytest.mark.parametrize("fn, likely", [(wgs84_to_gcj02, "gcj02"), (wgs84_to_bd09, "bd09")])
def test_amap_and_baidu_points_declared_as_wgs84_are_detected(demo, fn, likely):
    data, net = demo
    shifted = _with_points(data, fn)
    by_layer = {t.layer: t for t in datum_tests(shifted, net)}
    for layer in ("facilities", "settlements"):
        assert by_layer[layer].likely == likely, by_layer[layer]
    assert by_layer["candidates"].likely is None  # untouched layer
    checked = check_points_on_roads(shifted, net)
    found = [p for p in checked.report.problems if p.code == DataProblem.DATUM_MISMATCH]
    assert sorted(p.file for p in found) == ["facilities/facilities.csv", "settlements/settlements.csv"]
    for p in found:
        assert p.severity == "warning" and f'crs = "{likely}"' in p.fix and f'crs = "{likely}"' in p.fix_en
        assert "[inputs." in p.fix_en and "median distance" in p.message_en
    assert len(checked.report.problems) == len(data.report.problems) + 2
    with pytest.raises(DataError, match="DATUM_MISMATCH|坐标系"):
        check_points_on_roads(shifted, net, strict=True)


def test_wgs84_points_declared_as_gcj02_are_detected(demo):
    """The reverse mistake: the loader converted true WGS84 points as if they were GCJ-02."""
    from planner.geo import gcj02_to_wgs84

    data, net = demo
    # what load_study makes of WGS84 points declared gcj02: gcj02_to_wgs84 applied to them
    wrong = _with_points(data, gcj02_to_wgs84)
    layers = tuple(dataclasses.replace(s, crs="gcj02") if s.layer in ("facilities", "settlements") else s
                   for s in data.report.layers)
    wrong = dataclasses.replace(wrong, report=dataclasses.replace(data.report, layers=layers))
    by_layer = {t.layer: t for t in datum_tests(wrong, net)}
    assert by_layer["facilities"].declared == "gcj02" and by_layer["facilities"].likely == "wgs84"
    assert by_layer["settlements"].likely == "wgs84"


def test_too_few_points_conclude_nothing(demo):
    data, net = demo
    few = dataclasses.replace(data, facilities=_shifted(data.facilities.iloc[: MIN_POINTS - 1], wgs84_to_bd09))
    by_layer = {t.layer: t for t in datum_tests(few, net)}
    assert by_layer["facilities"].n_points == MIN_POINTS - 1 and by_layer["facilities"].likely is None


def _write_shifted_study(demo_dir, tmp_path, fn, *, boundaries=True):
    study = tmp_path / "study"
    shutil.copytree(demo_dir, study)
    for layer in ("facilities", "settlements"):
        path = study / layer / f"{layer}.csv"
        df = pd.read_csv(path, encoding="utf-8-sig")
        df["经度"], df["纬度"] = fn(df["经度"].to_numpy(), df["纬度"].to_numpy())
        df.to_csv(path, index=False, encoding="utf-8-sig")
    toml = study / "demo_county.toml"
    if not boundaries:
        text = toml.read_text(encoding="utf-8")
        text = "\n".join(line for line in text.splitlines() if not line.startswith(("boundaries_", "exclusion")))
        toml.write_text(text, encoding="utf-8")
    return toml


def test_validate_names_the_file_the_system_and_the_fix(demo_dir, tmp_path, capsys):
    toml = _write_shifted_study(demo_dir, tmp_path, wgs84_to_gcj02)
    assert main(["validate", str(toml), "-q", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if "facilities.csv" in x and "GCJ-02" in x)
    assert "WARNING" in line and 'crs = "gcj02"' in line and "[inputs.facilities]" in line
    assert "usable per profile" in out
    assert main(["validate", str(toml), "-q", "--strict"]) == 2
    assert "坐标系" in capsys.readouterr().err


def test_a_facility_in_the_sea_without_boundaries_is_reported(demo_dir, tmp_path):
    toml = _write_shifted_study(demo_dir, tmp_path, lambda x, y: (x, y), boundaries=False)
    path = toml.parent / "facilities" / "facilities.csv"
    df = pd.read_csv(path, encoding="utf-8-sig")
    sea, off = df.iloc[[0]].copy(), df.iloc[[0]].copy()
    sea["编号"], sea["名称"], sea["经度"], sea["纬度"] = "SEA1", "海上养老院", 124.5, 38.5  # the Yellow Sea
    # Off the road file but near the other points: the load keeps it, the road check names it.
    far_xy = (df["经度"].max() + 0.2, df["纬度"].mean())
    off["编号"], off["名称"], off["经度"], off["纬度"] = "FAR1", "路网外养老院", *far_xy
    pd.concat([df, sea, off]).to_csv(path, index=False, encoding="utf-8-sig")
    config = load_config(toml)
    data = load_study(config)
    assert "SEA1" not in data.facilities.index  # 1,000 km from the other points: excluded and counted at load
    assert "FAR1" in data.facilities.index
    checked = check_points_on_roads(data, load_network(config, data.study_area))
    far = [p for p in checked.report.problems if p.code == DataProblem.FAR_FROM_ROADS]
    assert [p.value.split()[0] for p in far] == ["FAR1"]
    assert far[0].file == "facilities/facilities.csv" and "km from the nearest road" in far[0].message_en
    assert "check the coordinates" in far[0].fix_en


def _grid_city(n: int = 31, step: float = 200.0):
    """Two-way streets on a ``step`` m grid, ``n`` x ``n`` nodes (a dense city of 6 x 6 km)."""
    xy = np.array([(i * step, j * step) for j in range(n) for i in range(n)], dtype=float)
    segs = [(j * n + i, j * n + i + 1, "residential", 0) for j in range(n) for i in range(n - 1)]
    segs += [(j * n + i, (j + 1) * n + i, "residential", 0) for j in range(n - 1) for i in range(n)]
    return network_from_local_xy(xy, segs)


def test_points_inside_blocks_are_not_taken_for_gcj02():
    """Block centroids (residential areas) sit far from every road; any shift brings them nearer one.

    Without the control (the same shift turned) every such layer in a city grid looked like GCJ-02;
    points truly on the streets and shifted into GCJ-02 are still found.
    """
    import pyproj

    net = _grid_city()
    index = RoadIndex(net, pyproj.CRS(LOCAL_CRS))
    rng = np.random.default_rng(7)
    blocks = rng.integers(5, 25, size=(200, 2)) * 200.0 + 100.0  # block centres, 100 m from every street
    centres = points_from_local_xy(blocks, prefix="B").geometry
    t = layer_datum_test(index, centres.x.to_numpy(), centres.y.to_numpy())
    assert t.median_m == pytest.approx(100.0, abs=1.0)
    assert min(m for m, _ in t.alternatives.values()) < 0.8 * t.median_m  # the naive test would fire
    assert t.likely is None
    on_streets = blocks - np.array([100.0, 0.0]) + rng.uniform(-80, 80, size=(200, 1)) * np.array([0.0, 1.0])
    pts = points_from_local_xy(on_streets, prefix="S").geometry
    t_true = layer_datum_test(index, pts.x.to_numpy(), pts.y.to_numpy())
    assert t_true.likely is None
    lon, lat = wgs84_to_gcj02(pts.x.to_numpy(), pts.y.to_numpy())
    assert layer_datum_test(index, np.asarray(lon), np.asarray(lat)).likely == "gcj02"
