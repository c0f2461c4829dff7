"""Studies of several counties (planner.multi): partition, identical results, aggregation, Dask, failures, CLI."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from planner.config import config_from_dict, load_config
from planner.demo.two_counties import TWO_COUNTY_CITY, TWO_COUNTY_NAMES, write_two_county_demo
from planner.errors import ConfigError, NetworkError
from planner.multi import (
    aggregate_scorecards,
    dask_client,
    is_multi_county,
    partition_buffer_m,
    partition_buffers_m,
    plan_counties,
    run_partition,
    write_multi_outputs,
)
from planner.network import clip_network

ROOT = Path(__file__).resolve().parents[1]


#: Shorter thresholds than the plan's, so the buffers (about 32 km for driving, grown by the serving reach of
#: the cross-border tiers) really cut the demo's roads (80 km wide).
SHORT_THRESHOLDS = """
[tiers.county]
minutes = 10
rural_minutes = 10

[tiers.township]
minutes = 10
rural_minutes = 10

[scenarios.winter]
label_zh = "冬季（冰雪路面）"
label_en = "Winter (snow and ice)"
winter = true

[scenarios.after_siting]
add_sites = ["community"]
"""


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    toml = write_two_county_demo(tmp_path_factory.mktemp("two_counties"))
    toml.write_text(toml.read_text(encoding="utf-8") + SHORT_THRESHOLDS, encoding="utf-8")
    config = load_config(toml)
    assert config.tiers["county"].minutes == 10
    return config


@pytest.fixture(scope="module")
def partition(study):
    return plan_counties(study)


@pytest.fixture(scope="module")
def whole(partition):
    """The whole-area run on the same loaded data and road network (what a one-area study computes)."""
    from planner.pipeline import run_loaded_study

    return run_loaded_study(partition.data, partition.network, site=False)


@pytest.fixture(scope="module")
def multi(partition):
    with dask_client(partition.config, n_workers=2, processes=False) as client:
        return run_partition(partition, client, site=False)


def test_buffer_rule_and_clipping(partition):
    from planner.network import load_network, segment_travel_times

    config = partition.config
    task = partition.tasks[0].clipped(partition.network)
    net = load_network(config, partition.data.study_area)
    fastest = 0.0
    for tier in config.tiers.values():
        for name, minutes in (tier.profile_for("community"), tier.profile_for("village")):
            fwd, bwd = segment_travel_times(net, config.profiles[name])
            t = np.minimum(fwd, bwd)
            ok = np.isfinite(t) & (t > 0)
            fastest = max(fastest, minutes * 60 * float(np.max(net.length_m[ok] / t[ok])))
    snap = max(max(config.profiles[p].max_snap_m_urban, config.profiles[p].max_snap_m_rural)
               for t in config.tiers.values() for p in (t.profile, t.rural_profile))
    # without cross-border tiers: the longest reach, 3 snaps and the longest segment (coverage's routes)
    own = config.replace(execution=dataclasses.replace(config.execution, cross_border=()))
    assert partition_buffer_m(own, net) == pytest.approx(fastest + 3 * snap + float(net.length_m.max()))
    # every tier cross-border: plus the serving reach (routes from the settlements beyond the border that
    # share a facility's supply, accessibility); it is the largest of each profile's (next test)
    assert partition_buffer_m(config, net) == pytest.approx(max(partition_buffers_m(config, net).values()))
    assert partition_buffer_m(config, net) > partition_buffer_m(own, net)
    # the roads are cut (the test of identical results below means something), and each task's network
    # is exactly the whole network clipped to its county plus the buffer
    assert 0 < task.network.n_segments < net.n_segments
    again = clip_network(net, partition.data.counties.geometry.loc[task.county], buffer_m=partition.buffer_m)
    assert np.array_equal(again.node_id, task.network.node_id)


def test_each_profile_has_its_own_buffer(partition):
    """Per profile: its rules' longest reach at its fastest speed + 3 x its snap + its longest usable segment."""
    from planner.network import segment_travel_times

    config, net = partition.config, partition.network
    expected: dict[str, float] = {}
    serving: dict[str, float] = {}  # per tier: reach + 2 snaps, the farthest facility a settlement reaches
    rules = []
    for tier in config.tiers.values():
        for name, minutes in (tier.profile_for("community"), tier.profile_for("village")):
            prof = config.profiles[name]
            fwd, bwd = segment_travel_times(net, prof)
            t = np.minimum(fwd, bwd)
            ok = np.isfinite(t) & (t > 0)
            reach = minutes * 60 * float(np.max(net.length_m[ok] / t[ok]))
            snap = max(prof.max_snap_m_urban, prof.max_snap_m_rural)
            serving[tier.key] = max(serving.get(tier.key, 0.0), reach + 2 * snap)
            rules.append((tier.key, name, reach + 3 * snap + float(net.length_m[ok].max())))
    assert set(config.execution.cross_border) == set(serving)  # every tier: each rule grows by its tier's
    for tier, name, buf in rules:
        expected[name] = max(expected.get(name, 0.0), serving[tier] + buf)
    got = partition_buffers_m(config, net)
    assert set(got) == set(expected) == {"walk", "ebike", "drive"}
    for name, buf in expected.items():
        assert got[name] == pytest.approx(buf, rel=1e-12), name
    # the 15-minute walk and the 10-minute e-bike need a few km, the drive (county tier) much more
    assert got["walk"] < got["ebike"] < got["drive"] == partition.buffer_m == max(got.values())
    assert dict(partition.buffers_m) == pytest.approx(got)
    # each profile's roads, cut from the task's clip by a node mask, are the whole network's within its buffer
    task = partition.tasks[0].clipped(net)
    nets = task.profile_networks()
    assert nets["drive"] is task.network
    polygon = partition.data.counties.geometry.loc[task.county]
    for name in ("walk", "ebike"):
        again = clip_network(net, polygon, buffer_m=got[name])
        assert np.array_equal(again.node_id, nets[name].node_id) and np.array_equal(again.u, nets[name].u)
        assert 0 < nets[name].n_segments < task.network.n_segments
    # a profile without a road within its buffer keeps the larger clip (its graph can be built; nothing is
    # reachable within its thresholds either way), rather than failing the county
    import shapely

    far = shapely.Point(float(net.lon.max()) + 0.2, float(net.lat.mean())).buffer(0.001)
    lonely = dataclasses.replace(task, data=dataclasses.replace(task.data, study_area=far),
                                 buffers_m={"walk": 10.0, "drive": partition.buffer_m})
    assert lonely.profile_networks()["walk"] is task.network


def test_every_settlement_is_in_exactly_one_county(partition):
    ids = [i for t in partition.tasks for i in t.data.settlements.index]
    assert len(ids) == len(set(ids)) == len(partition.data.settlements) - len(partition.unassigned)
    assert partition.unassigned == () and partition.unassigned_facilities == ()
    for task in partition.tasks:
        assert set(task.data.settlements["county"]) == {task.county}
        assert task.city == TWO_COUNTY_CITY
        # cross-border facilities are allowed in the demo study: some serve from the other county
        assert set(task.data.facilities["county"]) == set(TWO_COUNTY_NAMES)


def test_partitioned_results_equal_the_whole_area_run(whole, multi):
    _assert_same_as_whole(whole, multi)
    # every profile's graph was built on its own, smaller clip
    for out in multi.outcomes.values():
        segs = out.profile_segments
        assert segs["walk"] < segs["ebike"] < segs["drive"] == out.n_segments


def test_a_too_small_walking_buffer_would_be_caught(whole, partition):
    """The test above can fail: walking graphs on the county's own roads only (buffer 0) change a time.

    A community near the border walks to a facility of the other county (cross-border study); without
    the roads beyond the border its time within the 15-minute threshold changes.
    """
    small = {**partition.buffers_m, "walk": 0.0}
    tasks = tuple(dataclasses.replace(t, buffers_m=small) for t in partition.tasks)
    with dask_client(partition.config, n_workers=1, processes=False) as client:
        cut = run_partition(dataclasses.replace(partition, tasks=tasks), client, site=False)
    with pytest.raises(AssertionError):
        _assert_same_as_whole(whole, cut)
    w, p = whole.coverage.settlements, cut.settlements.loc[whole.coverage.settlements.index]
    walks = (w["kind"] != "village").to_numpy()  # the community tier's urban rule: 15 minutes on foot
    tw, tp = w["community_time_min"].to_numpy(float), p["community_time_min"].to_numpy(float)
    assert (walks & (tw <= 15.0) & ~np.isclose(tp, tw, rtol=1e-12, atol=0)).any()


def test_accessibility_counts_the_demand_beyond_the_border(whole, partition):
    """Without its demand context a county's access indices differ from the whole-area run's; with it they do not.

    A facility near the border shares its supply with the older people of both counties (step 1 of the
    floating catchment); a county task that counted only its own would give it a larger ratio.
    """
    from planner.analysis import AccessContext, analyse_access, build_graphs
    from planner.errors import InputError

    task = partition.tasks[0].clipped(partition.network)
    ctx = task.access_context
    other = partition.data.settlements.index.difference(task.data.settlements.index)
    # the other county's settlements within twice the serving reach of the county; those left out lie further
    from planner.multi.context import context_radius_m, serving_reach_m
    from planner.network import buffered_area

    radius = context_radius_m(partition.config, serving_reach_m(partition.config, partition.network))
    area = buffered_area(partition.data.counties.geometry.loc[task.county], radius)
    assert set(ctx.settlements.index) < set(other) and len(ctx.settlements)
    left = partition.data.settlements.loc[other.difference(ctx.settlements.index)]
    assert len(left) and not left.geometry.intersects(area).any()
    assert set(ctx.settlements.columns) == {"kind", "older_population", "geometry"}  # nothing else is shipped
    assert ctx.tiers == ("county", "township", "community")
    fac = task.data.facilities
    assert set(ctx.foreign) == set(fac.index[fac["county"] != task.county]) and ctx.foreign
    graphs = build_graphs(task.network, task.data.config, networks=task.profile_networks())
    w = whole.access.settlements.loc[task.data.settlements.index]
    cols = [f"{t}_access" for t in whole.access.tiers]

    def differ(result) -> int:  # noqa: ANN001
        got = result.settlements.loc[w.index, cols].to_numpy(float)
        return int((~np.isclose(got, w[cols].to_numpy(float), rtol=1e-9, atol=0, equal_nan=True)).sum())

    alone = analyse_access(task.data, graphs)
    assert differ(alone) > 0
    shared = analyse_access(task.data, graphs, context=ctx)
    assert differ(shared) == 0 and list(shared.settlements.index) == list(task.data.settlements.index)
    assert not set(shared.facilities.index) & set(ctx.foreign) and set(alone.facilities.index) >= set(ctx.foreign)
    assert shared.params["context"]["settlements"] == len(ctx.settlements)
    # a tier not serving across the border shares its facilities' supply among the county's own older people
    own_only = analyse_access(task.data, graphs, context=dataclasses.replace(ctx, tiers=("county",)))
    for t in ("township", "community"):
        np.testing.assert_array_equal(own_only.settlements[f"{t}_access"], alone.settlements[f"{t}_access"])
    with pytest.raises(InputError, match="both the study's own"):
        mine = task.data.settlements[["kind", "older_population", "geometry"]]
        analyse_access(task.data, graphs, context=AccessContext(mine, tiers=("county",)))
    with pytest.raises(InputError, match="older_population"):
        AccessContext(ctx.settlements[["kind", "geometry"]])


def _piece_free(s: pd.Series) -> pd.Series:
    """Reason sentences without the road piece's number (a label of the run's graph, not a result)."""
    return _text(s).str.replace(r"road piece \(id \d+", "road piece (id #", regex=True)


def _assert_same_as_whole(whole, multi) -> None:  # noqa: ANN001
    """Per tier, within its threshold: the same covered flag, reason, time and facility as the whole-area run."""
    w = whole.coverage.settlements
    p = multi.settlements.loc[w.index]
    assert len(multi.settlements) == len(w) and not multi.failures
    thresholds = {}
    for key, tier in whole.config.tiers.items():
        thresholds[key] = w["kind"].map(lambda k, t=tier: t.profile_for(k)[1])
        covered = f"{key}_covered"
        assert (w[covered].astype(bool) == p[covered].astype(bool)).all(), covered
        assert (w[f"{key}_reason"].fillna("") == p[f"{key}_reason"].fillna("")).all(), key
        tw, tp = w[f"{key}_time_min"].to_numpy(float), p[f"{key}_time_min"].to_numpy(float)
        inside = tw <= thresholds[key].to_numpy() + 1e-9
        assert inside.any() and (~inside).any()
        np.testing.assert_allclose(tp[inside], tw[inside], rtol=1e-12, atol=0)
        # beyond the threshold a county run may only find a longer route (its roads are a subset)
        assert (tp[~inside] >= tw[~inside] * (1 - 1e-12)).all()
        assert (_text(w.loc[inside, f"{key}_facility"]) == _text(p.loc[inside, f"{key}_facility"])).all()
    for col in ("status", "reasons", "centre", "centre_stage", "circle15_covered"):
        assert (_text(w[col]) == _text(p[col])).all(), col
    assert (_piece_free(w["reason_detail_en"]) == _piece_free(p["reason_detail_en"])).all()
    # the rank is the county's own: a county run ranks its settlements among themselves
    assert (p.groupby("task_county")["priority"].min().dropna() == 1).all()
    _assert_same_access(whole, multi)


def _assert_same_access(whole, multi) -> None:  # noqa: ANN001
    """Per tier, every settlement's access index, its reasons and facilities reached; each facility's ratio.

    Every tier is cross-border in the test study, so a facility's demand is counted over the whole study.
    """
    w = whole.access.settlements
    p = multi.access_settlements.loc[w.index]
    assert len(multi.access_settlements) == len(w)
    for key in whole.access.tiers:
        np.testing.assert_allclose(p[f"{key}_access"].to_numpy(float), w[f"{key}_access"].to_numpy(float),
                                   rtol=1e-9, atol=0, equal_nan=True, err_msg=key)
        for col in (f"{key}_access_reason", f"{key}_access_facilities", f"{key}_catchment_min"):
            assert (_text(p[col]) == _text(w[col])).all(), col
    # each facility reported once, by its own county, with the whole-area run's demand and ratio
    wf = whole.access.facilities
    pf = pd.concat([o.access_facilities for o in multi.outcomes.values()])
    assert sorted(pf.index) == sorted(wf.index)
    pf = pf.loc[wf.index]
    for col in ("weighted_demand", "ratio_per_1000", "settlements_in_catchment"):
        np.testing.assert_allclose(pf[col].to_numpy(float), wf[col].to_numpy(float), rtol=1e-9, equal_nan=True,
                                   err_msg=col)
    assert (_text(pf["reason"]) == _text(wf["reason"])).all()


def _text(s: pd.Series) -> pd.Series:
    return s.astype(object).where(s.notna(), "").astype(str)


def test_scorecards_sum_the_counts(whole, multi):
    study = multi.scorecard_study.set_index("indicator")
    overall = whole.coverage.scorecard
    overall = overall[overall["scope"] == "overall"].set_index("indicator")
    for key in ("village_facility_coverage", "community_daycare_coverage", "township_centre_coverage",
                "total_beds", "nursing_bed_share", "public_occupancy", "circle15_older_share"):
        assert study.loc[key, "numerator"] == pytest.approx(overall.loc[key, "numerator"]), key
        assert study.loc[key, "denominator"] == pytest.approx(overall.loc[key, "denominator"]), key
        assert study.loc[key, "value"] == pytest.approx(overall.loc[key, "value"], nan_ok=True), key
    county = multi.scorecard_county
    assert set(county["scope"]) == set(TWO_COUNTY_NAMES)
    city = multi.scorecard_city
    assert set(city["scope"]) == {TWO_COUNTY_CITY} and (city["n_counties"] == 2).all()


def test_aggregation_is_a_ratio_of_sums_not_a_mean_of_shares():
    rows = pd.DataFrame({
        "level": "county", "scope": ["a", "b", "c"], "city": ["X", "X", "Y"],
        "indicator": "village_facility_coverage", "name_zh": "", "name_en": "",
        "value": [9 / 10, 1 / 90, 1.0], "numerator": [9.0, 1.0, 5.0], "denominator": [10.0, 90.0, 5.0],
        "target": 0.8, "met": [True, False, True], "gap": [0, 71, 0], "gap_unit": "villages",
        "due_year": pd.NA, "applies": True, "n_counties": 1,
    })
    beds = rows.assign(indicator="beds_per_1000_older", numerator=[100.0, 300.0, 0.0],
                       denominator=[1000.0, 9000.0, 0.0], target=np.nan)
    frame = pd.concat([rows, beds], ignore_index=True)
    city = aggregate_scorecards(frame, level="city").set_index(["scope", "indicator"])
    x = city.loc[("X", "village_facility_coverage")]
    assert x["value"] == pytest.approx(10 / 100) and x["numerator"] == 10 and x["denominator"] == 100
    assert not x["met"] and x["gap"] == 70  # 80 of 100 villages needed, 10 covered
    assert x["text_en"].startswith("70 more villages") and "10/100" in x["text_en"] and "70" in x["text_zh"]
    assert city.loc[("Y", "village_facility_coverage"), "text_en"].startswith("Met: 100")
    assert city.loc[("X", "beds_per_1000_older"), "value"] == pytest.approx(400 / 10000 * 1000)
    study = aggregate_scorecards(frame, level="study").set_index("indicator")
    assert study.loc["village_facility_coverage", "value"] == pytest.approx(15 / 105)
    assert study.loc["village_facility_coverage", "n_counties"] == 3
    assert aggregate_scorecards(frame.assign(city=""), level="city").empty


def test_province_outputs_of_a_real_run(multi, tmp_path):
    """The two-county run's report, overview map and workbook carry the summed counts of its scorecards."""
    import openpyxl

    paths = write_multi_outputs(multi, tmp_path)
    study = multi.scorecard_study.set_index("indicator").loc["village_facility_coverage"]
    html = paths["report"].read_text(encoding="utf-8")
    assert f"{study['numerator']:,.0f} / {study['denominator']:,.0f}" in html
    assert all(c in html for c in TWO_COUNTY_NAMES) and TWO_COUNTY_CITY in html
    assert "map" in paths and paths["map"].stat().st_size > 0
    book = openpyxl.load_workbook(paths["workbook"])
    assert book.sheetnames[:4] == ["说明", "全域指标", "各市指标", "各县指标"]
    assert book["各县指标"].max_row - 1 == len(multi.scorecard_county)
    # the roads of each profile: its buffer, in the report's method note and the workbook's notes
    walk = f"步行（walk）{multi.params['buffers_m']['walk'] / 1000:.1f} 公里"
    drive = f"驾车（drive）{multi.params['buffers_m']['drive'] / 1000:.1f} 公里"
    assert walk in html and drive in html
    notes = {r[0]: r[1] for r in book["说明"].iter_rows(values_only=True)}
    assert walk in notes["各县道路范围（按出行方式）"]


def test_summary_csvs_read_like_a_countys_and_are_written_all_at_once(multi, tmp_path, monkeypatch):
    """Chinese headers and words by default, English with lang="en"; a failed write leaves the old summary."""
    import planner.multi.province_map as province_map

    paths = write_multi_outputs(multi, tmp_path)
    card = pd.read_csv(paths["scorecard_county"], encoding="utf-8-sig")
    assert {"县（市、区）", "分子", "分母", "是否达标"} <= set(card.columns)
    assert set(card["县（市、区）"]) == set(multi.scorecard_county["scope"])
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging folder left behind
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(province_map, "province_map", broken)
    with pytest.raises(OSError, match="disk full"):
        write_multi_outputs(multi, tmp_path, lang="en")
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()} == before
    monkeypatch.undo()
    english = pd.read_csv(write_multi_outputs(multi, tmp_path, lang="en")["scorecard_study"], encoding="utf-8-sig")
    assert {"Scope", "Numerator", "Denominator"} <= set(english.columns)


def _worker_threads() -> tuple[int, int]:
    from planner.analysis.circle_geometry import TiledBuffer
    from planner.routing import default_threads

    return default_threads(), TiledBuffer(30.0).n_threads


def test_failed_county_is_reported_while_the_other_finishes(partition, tmp_path):
    """Real worker processes; one county's roads are empty, it fails on both tries, the other is written."""
    from planner.network.model import subset_segments

    bad, good = partition.tasks
    net = partition.network
    empty = subset_segments(net, np.zeros(net.n_segments, bool), {})
    broken = dataclasses.replace(partition, tasks=(dataclasses.replace(bad, network=empty), good))
    with dask_client(partition.config, n_workers=2, processes=True) as client:
        result = run_partition(broken, client, site=False)
        threads = client.run(_worker_threads)
    # each one-thread worker searches and draws circles in one thread, not one per core each
    assert set(threads.values()) == {(1, 1)}
    assert set(result.failures) == {bad.county}
    assert "NetworkError" in result.failures[bad.county] and bad.county in result.failures[bad.county]
    assert list(result.outcomes) == [good.county]
    counties = result.counties.set_index("county")
    assert counties.loc[bad.county, "status"] == "failed" and counties.loc[good.county, "status"] == "ok"
    assert counties.loc[good.county, "road_segments"] == good.clipped(net).network.n_segments > 0
    assert set(result.scorecard_county["scope"]) == {good.county}
    paths = write_multi_outputs(result, tmp_path)
    written = pd.read_csv(paths["counties"], encoding="utf-8-sig").set_index("县（市、区）")
    assert "NetworkError" in written.loc[bad.county, "错误"] and written.loc[bad.county, "状态"] == "失败"
    assert json.loads(paths["manifest"].read_text(encoding="utf-8"))["counties"][bad.county] == "failed"


def test_empty_county_network_raises_a_clear_error(partition):
    from planner.multi import run_county
    from planner.network.model import subset_segments

    task, net = partition.tasks[0], partition.network
    empty = subset_segments(net, np.zeros(net.n_segments, bool), {})
    with pytest.raises(NetworkError, match=task.county):
        run_county(dataclasses.replace(task, network=empty), site=False)


def _start(cmd: list[str], env: dict) -> subprocess.Popen:
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_cli_runs_on_an_existing_scheduler(study, tmp_path):
    """`planner run --scheduler tcp://...` against a dask scheduler and worker started here."""
    from planner.cli import main

    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    info = tmp_path / "scheduler.json"
    procs = [_start([sys.executable, "-m", "distributed.cli.dask_scheduler", "--port", "0", "--no-dashboard",
                     "--scheduler-file", str(info)], env)]
    try:
        deadline = time.monotonic() + 60
        while not info.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        address = json.loads(info.read_text())["address"]
        procs.append(_start([sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1",
                             "--no-dashboard", "--nworkers", "1"], env))
        toml = Path(study.source)
        out = tmp_path / "out"
        assert main(["run", str(toml), "--scheduler", address, "--out", str(out), "--no-site", "-q"]) == 0
    finally:
        for p in procs[::-1]:
            p.terminate()
            p.wait(timeout=30)
    for name in ("counties.csv", "scorecard_county.csv", "scorecard_city.csv", "scorecard_study.csv",
                 "summary.xlsx", "outputs.json", "report.html", "map.html"):
        assert (out / name).exists(), name
    for county in TWO_COUNTY_NAMES:
        from planner.multi import county_folder

        folder = county_folder(out, county)
        assert (folder / "results.xlsx").exists() and county in (folder / "report.html").read_text(encoding="utf-8")
    study_card = pd.read_csv(out / "scorecard_study.csv", encoding="utf-8-sig")
    assert {"分子", "分母", "县数（个）"} <= set(study_card.columns)


def test_execution_config_is_checked_at_load():
    c = config_from_dict({"execution": {"counties": ["甲县"], "cross_border": ["county"], "n_workers": 2,
                                        "memory_limit_gb": 4, "scheduler": "tcp://127.0.0.1:8786"}})
    assert c.execution.counties == ("甲县",) and c.execution.n_workers == 2
    for bad, words in [({"cross_border": ["city"]}, "execution.cross_border"),
                       ({"scheduler": "localhost"}, "execution.scheduler"),
                       ({"n_workers": -1}, "execution.n_workers"), ({"split": "cities"}, "execution.split"),
                       ({"retries": 11}, "execution.retries"), ({"workers": 2}, "execution.workers")]:
        with pytest.raises(ConfigError, match=words):
            config_from_dict({"execution": bad})


def test_which_studies_are_split(study):
    assert is_multi_county(study)
    assert not is_multi_county(study.replace(execution=dataclasses.replace(study.execution, split="none")))
    from planner.demo import demo_config_path

    assert not is_multi_county(load_config(demo_config_path()))  # one county in its layer


def test_unknown_county_in_the_list_is_named(study):
    from planner.multi import county_names

    counties = pd.DataFrame(index=pd.Index(list(TWO_COUNTY_NAMES)))
    bad = study.replace(execution=dataclasses.replace(study.execution, counties=("合成北县",)))
    with pytest.raises(ConfigError, match="合成北县"):
        county_names(bad, counties)
    ok = study.replace(execution=dataclasses.replace(study.execution, counties=(TWO_COUNTY_NAMES[1],)))
    assert county_names(ok, counties) == [TWO_COUNTY_NAMES[1]]


def test_without_cross_border_each_county_is_served_by_its_own_facilities(study):
    own = study.replace(execution=dataclasses.replace(study.execution, cross_border=()))
    part = plan_counties(own)
    for task in part.tasks:
        assert set(task.data.facilities["county"]) == {task.county}
        assert set(task.data.townships["county"]) == {task.county}
        assert task.access_context is None  # its facilities share their supply among its own older people
    total = sum(len(t.data.facilities) for t in part.tasks)
    assert total == len(part.data.facilities)  # every facility serves exactly its own county


def test_local_cluster_takes_workers_and_memory_from_the_config(study):
    cfg = study.replace(execution=dataclasses.replace(study.execution, n_workers=2, memory_limit_gb=1.5))
    with dask_client(cfg, processes=False) as client:
        workers = client.scheduler_info(n_workers=-1)["workers"].values()
        assert len(workers) == 2
        assert {w["nthreads"] for w in workers} == {1}
        assert {w["memory_limit"] for w in workers} == {1_500_000_000}


def test_scenarios_are_summed_like_the_baseline(whole, multi, tmp_path):
    """Each scenario's study sums equal the whole-area run's scenario; one that cannot run is named, not summed."""
    import openpyxl

    from planner.multi.province_scenarios import BASELINE, scenario_comparison

    assert set(whole.scenarios) == set(multi.scenario_labels) and "winter" in whole.scenarios
    ran = {n for n, r in whole.scenarios.items() if r.coverage is not None}
    assert set(multi.scenario_scorecards["scenario"]) == ran
    study = multi.scenario_scorecards.query("level == 'study' and scenario == 'winter'").set_index("indicator")
    ref = whole.scenarios["winter"].coverage.scorecard
    ref = ref[ref["scope"] == "overall"].set_index("indicator")
    for key in ("village_facility_coverage", "township_centre_coverage", "community_daycare_coverage"):
        counts = ["numerator", "denominator"]
        assert study.loc[key, counts].tolist() == ref.loc[key, counts].tolist()
    assert study.loc["village_facility_coverage", "n_counties"] == len(TWO_COUNTY_NAMES)
    table = scenario_comparison(multi)
    assert table["scenario"].iloc[0] == BASELINE and list(dict.fromkeys(table["scenario"]))[1:] == sorted(ran)
    for name in set(whole.scenarios) - ran:  # after_siting without siting: every county says why
        assert all(name in e for e in multi.counties["scenario_errors"])
    paths = write_multi_outputs(multi, tmp_path)
    html = paths["report"].read_text(encoding="utf-8")
    assert "情景对比（全域）" in html and multi.scenario_labels["winter"][0] in html
    assert "五、情景对比" in html and "六、" not in html  # numbered in order (the two counties share one city)
    book = openpyxl.load_workbook(paths["workbook"])
    assert {"情景对比", "各县情景"} <= set(book.sheetnames)
    csv = pd.read_csv(paths["scenario_scorecards"], encoding="utf-8-sig")
    assert {"情景", "分子", "分母"} <= set(csv.columns) and len(csv) == len(scenario_comparison(
        multi, levels=("study", "city", "county")))


def test_report_sums_the_new_sites_of_the_counties_that_sited(multi):
    from planner.multi.province_report import province_report_html

    sited = dataclasses.replace(multi, counties=multi.counties.assign(
        new_sites_township=pd.array([3, None], dtype="Int64")))
    html = province_report_html(sited)
    assert "建议新建乡镇级设施" in html and "1 个县完成选址" in html
    assert "New township-tier sites proposed" in province_report_html(sited, lang="en")


def test_site_command_runs_every_county_with_siting(study, monkeypatch, tmp_path):
    """`planner site` on a multi-county study goes to the counties on Dask (siting on), not one whole-area problem."""
    import planner.cli_multi as cli_multi
    from planner.cli import main

    seen = {}

    def fake(config, out_dir, args, *, verbose, site):  # noqa: ANN001
        seen.update(site=site, workers=args.workers, out=out_dir)
        return 0

    monkeypatch.setattr(cli_multi, "run_multi", fake)
    assert main(["site", str(study.source), "--no-site", "--workers", "2", "--out", str(tmp_path), "-q"]) == 0
    assert seen == {"site": True, "workers": 2, "out": tmp_path}
    assert main(["run", str(study.source), "--no-site", "--out", str(tmp_path), "-q"]) == 0
    assert seen["site"] is False


def test_county_outputs_choose_each_countys_files(partition, tmp_path):
    """`[execution] county_outputs` writes only the files named; unknown names are refused at load."""
    from planner.config import COUNTY_OUTPUT_KINDS
    from planner.multi import county_folder, run_county
    from planner.pipeline import OUTPUT_FILES

    assert set(COUNTY_OUTPUT_KINDS) == set(OUTPUT_FILES)
    task = partition.tasks[0]
    cfg = task.data.config
    cfg = cfg.replace(execution=dataclasses.replace(cfg.execution, county_outputs=("map", "report")))
    task = dataclasses.replace(task, data=dataclasses.replace(task.data, config=cfg))
    outcome = run_county(task, partition.network, site=False, out_dir=str(tmp_path))
    folder = county_folder(tmp_path, task.county)
    assert sorted(p.name for p in folder.iterdir()) == ["map.html", "outputs.json", "report.html"]
    assert set(outcome.outputs) == {"map", "report"}
    assert json.loads((folder / "outputs.json").read_text(encoding="utf-8"))["files"] == ["map.html", "report.html"]
    with pytest.raises(ConfigError, match="execution.county_outputs"):
        config_from_dict({"execution": {"county_outputs": ["map", "pdf"]}})
