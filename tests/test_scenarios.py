"""Named scenarios: config checks, each scenario against an independent run, the comparison and its outputs."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from planner.config import config_from_dict, load_config
from planner.config.scenarios import Scenario
from planner.errors import ConfigError

TIERS = ("county", "township", "community")


# --------------------------------------------------------------------------- config


def test_both_toml_forms_load(tmp_path):
    toml = tmp_path / "s.toml"
    toml.write_text('[scenarios.winter]\nwinter = true\nlabel_zh = "冬季"\n\n'
                    '[scenarios.t20]\nminutes = { community = 20 }\nrural_minutes = { township = 40 }\n', "utf-8")
    cfg = load_config(toml)
    assert list(cfg.scenarios) == ["winter", "t20"]
    assert cfg.scenarios["winter"].winter and cfg.scenarios["winter"].label("zh") == "冬季"
    assert cfg.scenarios["winter"].label("en") == "冬季"  # falls back to the other label, then the name
    assert cfg.scenarios["t20"].minutes["community"] == 20.0
    arr = config_from_dict({"scenarios": [{"name": "a", "close": ["F1"]}, {"name": "b", "add_sites": ["township"]}]})
    assert arr.scenarios["a"].close == ("F1",) and arr.scenarios["b"].add_sites == ("township",)


@pytest.mark.parametrize("raw, match", [
    ({"w": {"wintr": True}}, r"unknown key 'scenarios\.w\.wintr'; did you mean 'winter'"),
    ({"w": {}}, r"scenarios\.w changes nothing\. Fix: set at least one of close"),
    ({"w": {"minutes": {"villages": 20}}}, r"scenarios\.w\.minutes names tier 'villages'.*Fix"),
    ({"w": {"minutes": {"community": 0}}}, r"scenarios\.w\.minutes\.community = 0 is out of range.*Fix"),
    ({"w": {"rural_minutes": {"township": -5}}}, r"scenarios\.w\.rural_minutes\.township = -5 is out of range"),
    ({"w": {"add_sites": ["county"]}}, r"scenarios\.w\.add_sites names 'county'.*allowed: 'community', 'township'"),
    ({"w": {"speed_factors": {"bus": 0.5}}}, r"scenarios\.w\.speed_factors names profile 'bus'.*Fix"),
    ({"w": {"speed_factors": {"walk": 0}}}, r"scenarios\.w\.speed_factors\.walk = 0 is out of range"),
    ({"w": {"close": "F1"}}, r"scenarios\.w\.close = 'F1' has the wrong type; expected a list of strings"),
    ({"w": {"close": [""]}}, r"scenarios\.w\.close contains a blank entry"),
    ({"w": {"winter": "yes"}}, r"scenarios\.w\.winter = 'yes' has the wrong type"),
    ([{"winter": True}], r"\[\[scenarios\]\] entry 1 needs a unique name"),
    ("winter", r"\[scenarios\] must be a table"),
])
def test_bad_scenario_keys_name_the_key_and_the_fix(raw, match):
    with pytest.raises(ConfigError, match=match):
        config_from_dict({"scenarios": raw})


# --------------------------------------------------------------------------- runs on the demo county


@pytest.fixture(scope="module")
def extra_runs(demo_result):
    """A closure, a threshold scenario and a speed scenario run on the demo (the demo file defines the others)."""
    from planner.scenarios import run_scenarios

    fac = demo_result.coverage.facilities
    community = fac[(fac["tier"] == "community") & (fac["settlements_in_circle"] > 0)]
    town = community.sort_values("settlements_in_circle")["township"].iloc[-1]  # every day-care point of a township
    closed = tuple(str(i) for i in community.index[community["township"] == town])
    scen = {"closed": Scenario("closed", close=closed),
            "t20": Scenario("t20", minutes={"community": 20.0}, rural_minutes={"community": 5.0}),
            "slow_walk": Scenario("slow_walk", speed_factors={"walk": 0.5})}
    cfg = demo_result.config.replace(scenarios=scen)
    return closed, run_scenarios(demo_result.data, demo_result.network, demo_result.graphs, config=cfg,
                                 siting=demo_result.siting)


def test_demo_runs_winter_and_after_siting(demo_result):
    assert set(demo_result.scenarios) == {"winter", "after_siting"}
    assert all(run.error is None and run.coverage is not None for run in demo_result.scenarios.values())
    assert "scenarios" in demo_result.timings


def test_winter_times_are_never_shorter_than_summer(demo_result):
    summer = demo_result.coverage.settlements
    winter = demo_result.scenarios["winter"].coverage.settlements
    for tier in TIERS:
        s = summer[f"{tier}_time_min"].to_numpy(float)
        w = winter[f"{tier}_time_min"].reindex(summer.index).to_numpy(float)
        assert np.array_equal(np.isfinite(s), np.isfinite(w)), tier  # same roads, only slower
        ok = np.isfinite(s)
        assert (w[ok] >= s[ok] - 1e-9).all(), tier
        assert (w[ok & (s > 0.5)] > s[ok & (s > 0.5)]).all(), tier  # and strictly slower wherever anyone travels
    assert list(demo_result.scenarios["winter"].params["graphs_rebuilt"]) == ["drive", "ebike", "walk"]


def test_winter_losses_are_listed_with_both_times(demo_result):
    from planner.scenarios import coverage_changes

    summer, winter = demo_result.coverage, demo_result.scenarios["winter"].coverage
    ch = coverage_changes(summer, winter)
    community = ch[ch["tier"] == "community"]
    s_cov = summer.settlements["community_covered"].astype(bool)
    w_cov = winter.settlements["community_covered"].astype(bool)
    lost = set(s_cov.index[s_cov & ~w_cov])
    assert set(community.loc[community["change"] == "lost", "settlement_id"]) == lost
    assert len(ch) and (ch.loc[ch["change"] == "lost", "other_time_min"]
                        > ch.loc[ch["change"] == "lost", "other_threshold_min"]).all()
    assert {"name", "township", "base_time_min", "other_time_min"} <= set(ch.columns)


@pytest.mark.parametrize("tier", ["community", "township"])
def test_added_sites_equal_the_sitings_after_coverage(demo_result, tier):
    run = demo_result.scenarios["after_siting"]
    after = run.coverage.settlements[f"{tier}_covered"].astype(bool)
    expected = demo_result.siting[tier].settlements["covered_after"].reindex(after.index).astype(bool)
    assert (after == expected).all()
    assert len(demo_result.siting[tier].sites) and after.sum() > demo_result.coverage.settlements[
        f"{tier}_covered"].astype(bool).sum()
    assert run.params["graphs_rebuilt"] == ()  # speeds unchanged: the study's graphs are reused


def test_closed_facility_equals_a_run_without_it_in_the_inputs(demo_result, extra_runs):
    from planner.analysis import analyse_coverage

    closed, runs = extra_runs
    data = demo_result.data
    removed = dataclasses.replace(data, facilities=data.facilities.drop(index=list(closed)))
    ref = analyse_coverage(removed, demo_result.graphs, config=demo_result.config, circles=False)
    got = runs["closed"].coverage.settlements
    for tier in TIERS:
        for col in (f"{tier}_time_min", f"{tier}_covered", f"{tier}_facility", f"{tier}_reason"):
            pd.testing.assert_series_equal(got[col], ref.settlements[col], check_names=False)
    pd.testing.assert_frame_equal(runs["closed"].coverage.scorecard, ref.scorecard)
    base = demo_result.coverage.settlements
    changed = got["community_covered"].astype(bool) != base["community_covered"].astype(bool)
    assert changed.any()  # the township's points served someone no other point reaches
    assert base.loc[changed, "community_facility"].isin(closed).all()  # only their own settlements change
    kept = ~base["community_facility"].isin(closed)
    np.testing.assert_array_equal(got.loc[kept, "community_time_min"], base.loc[kept, "community_time_min"])


def test_thresholds_are_traced_and_applied(demo_result, extra_runs):
    _, runs = extra_runs
    run = runs["t20"]
    sett = run.coverage.settlements
    urban = sett["kind"] != "village"
    assert (sett.loc[urban, "community_threshold_min"] == 20).all()
    assert (sett.loc[~urban, "community_threshold_min"] == 5).all()
    t = sett["community_time_min"].to_numpy(float)
    thr = sett["community_threshold_min"].to_numpy(float)
    reason = sett["community_reason"].astype(str)
    within = t <= thr * (1 + 1e-9)
    assert not (sett["community_covered"].astype(bool) & ~within).any()  # nobody covered beyond the threshold
    assert (sett.loc[~within & np.isfinite(t), "community_covered"].astype(bool) == False).all()  # noqa: E712
    assert set(reason[~within & np.isfinite(t)]) == {"BEYOND_THRESHOLD"}
    assert run.params["tiers"]["community"]["minutes"] == 20.0
    assert run.params["tiers"]["community"]["rural_minutes"] == 5.0
    assert run.params["scenario"]["minutes"] == {"community": 20.0}
    assert run.coverage.params["tiers"]["community"]["minutes"] == 20.0
    assert run.params["graphs_rebuilt"] == ()


def test_speed_scenario_rebuilds_only_its_profile(demo_result, extra_runs):
    _, runs = extra_runs
    run = runs["slow_walk"]
    assert list(run.params["graphs_rebuilt"]) == ["walk"]
    assert run.params["profiles"]["walk"]["speed_factor"] == 0.5
    base = demo_result.coverage.settlements
    sett = run.coverage.settlements
    urban = base["kind"] != "village"  # communities walk to the community tier; villages ride e-bikes
    np.testing.assert_array_equal(sett.loc[~urban, "county_time_min"], base.loc[~urban, "county_time_min"])
    assert (sett.loc[urban, "community_time_min"] >= base.loc[urban, "community_time_min"] - 1e-9).all()


def test_unknown_closed_id_is_a_config_error(demo_result):
    from planner.scenarios import run_scenarios

    cfg = demo_result.config.replace(scenarios={"x": Scenario("x", close=("NO_SUCH_ID",))})
    with pytest.raises(ConfigError, match=r"scenarios\.x\.close: facility id\(s\) 'NO_SUCH_ID' are not among"):
        run_scenarios(demo_result.data, demo_result.network, demo_result.graphs, config=cfg)


def test_scenarios_built_in_python_are_checked_too(demo_result):
    from planner.scenarios import run_scenarios

    cfg = demo_result.config.replace(scenarios={"x": Scenario("x", minutes={"village": 20.0})})
    with pytest.raises(ConfigError, match=r"scenarios\.x\.minutes names tier 'village'"):
        run_scenarios(demo_result.data, demo_result.network, demo_result.graphs, config=cfg)


def test_adding_sites_without_siting_is_recorded_not_dropped(demo_result):
    from planner.scenarios import run_scenarios

    cfg = demo_result.config.replace(scenarios={"x": Scenario("x", add_sites=("community",))})
    runs = run_scenarios(demo_result.data, demo_result.network, demo_result.graphs, config=cfg, siting={})
    assert runs["x"].coverage is None and "has no siting result" in runs["x"].error


# --------------------------------------------------------------------------- comparison and outputs


def test_comparison_table_takes_accessibility_from_a_mapping_or_an_object(demo_result):
    from planner.scenarios import comparison_table, scenario_summary

    class Access:
        def scenario_metrics(self):
            return {"gini": 0.25}

    summ = {"a": scenario_summary(demo_result.coverage, access={"gini": 0.3}),
            "b": scenario_summary(demo_result.coverage, access=Access()),
            "c": scenario_summary(demo_result.coverage)}
    table = comparison_table(summ, labels={"a": "A"}, lang="en")
    assert table.loc["access.gini", "A"] == 0.3 and table.loc["access.gini", "b"] == 0.25
    assert np.isnan(table.loc["access.gini", "c"])
    cov = demo_result.coverage.settlements["community_covered"].astype(bool)
    assert table.loc["community.settlements_covered", "A"] == cov.sum()
    village = demo_result.coverage.settlements["kind"] == "village"
    assert table.loc["community.village_share", "A"] == pytest.approx(cov[village].mean())
    assert table.loc["community.village_share", "share"]


def test_report_and_workbook_show_the_comparison(demo_result, demo_outputs):
    from planner.scenarios import coverage_changes

    html = demo_outputs["report"].read_text("utf-8")
    assert "情景比较" in html and "现状（夏季）" in html and "冬季（冰雪路面）" in html and "建设建议选址后" in html
    assert "Fossum" in html and "FHWA" in html
    lost = coverage_changes(demo_result.coverage, demo_result.scenarios["winter"].coverage)
    lost = lost[lost["change"] == "lost"]
    assert len(lost) and all(name in html for name in lost["name"].head(20))
    sheets = pd.read_excel(demo_outputs["workbook"], sheet_name=None)
    assert {"情景说明", "情景对比", "情景指标对比", "情景覆盖变化"} <= set(sheets)
    assert len(sheets["情景覆盖变化"]) == len(coverage_changes(demo_result.coverage,
                                                              demo_result.scenarios["winter"].coverage)) + len(
        coverage_changes(demo_result.coverage, demo_result.scenarios["after_siting"].coverage))


def test_report_section_in_english(demo_result, tmp_path):
    from planner.reporting.scenarios_html import scenarios_section

    html = scenarios_section(demo_result, "en")
    assert "Scenarios" in html and "Winter (snow and ice)" in html and "Settlements losing coverage in winter" in html
    assert scenarios_section(dataclasses.replace(demo_result, scenarios={}), "en") == ""


def test_geopackage_layer_and_command_line_summary(demo_result, demo_outputs):
    import geopandas as gpd

    from planner.reporting.scenario_tables import scenario_lines
    from planner.scenarios import coverage_changes

    layer = gpd.read_file(demo_outputs["geopackage"], layer="scenario_changes")
    winter = coverage_changes(demo_result.coverage, demo_result.scenarios["winter"].coverage)
    assert (layer["scenario"] == "winter").sum() == len(winter)
    assert layer.geometry.notna().all() and (layer.geom_type == "Point").all()
    lines = scenario_lines(demo_result, "zh")
    assert len(lines) == 2 and lines[0].startswith("情景 冬季（冰雪路面）")
    assert f"{winter['settlement_id'].nunique()} 个村/社区失去某级覆盖" in lines[0]


def test_added_sites_carry_the_tier_median_supply_so_accessibility_counts_them(demo_result):
    from planner.scenarios.run import planned_supply

    run = demo_result.scenarios["after_siting"]
    fac = demo_result.data.facilities
    for tier in ("community", "township"):
        known = pd.to_numeric(fac.loc[fac["tier"] == tier, "beds"], errors="coerce").dropna()
        assert planned_supply(fac, tier)["beds"] == float(known.median())
        rows = run.added[run.added["tier"] == tier]
        assert len(rows) and (rows["beds"] == float(known.median())).all()
        assert run.params["added_supply"][tier]["beds"] == float(known.median())
    access = run.access.facilities
    added = access.index.astype(str).isin([str(i) for i in run.added.index])
    assert (access.loc[added, "reason"] == "").all()  # counted, not "supply unknown"
    # no settlement loses its accessibility figure because a proposed site now reaches it
    before = demo_result.access.equity["settlements_counted"]
    after = run.access.equity["settlements_counted"]
    assert (after >= before).all()
