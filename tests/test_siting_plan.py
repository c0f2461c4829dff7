"""The plan models: the village target (fewest points for the village share) and township centres gap by gap.

Checks that the sentence, the curve and the list describe one solution (recomputed from a reach
matrix of the road network on the demo county), that every township/street without a centre gets
one or a stated reason, that the public-site ban cannot be escaped by a blank county, and that a
siting failure never costs the planner its coverage outputs.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_siting import UTM, _study

from planner.config import SitingConfig, config_from_dict, default_config
from planner.errors import ConfigError, SolverError

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def reach():
    from planner.siting import straight_line_reach

    return straight_line_reach(default_config(), detour=1.0, crs=UTM)


def test_village_target_sentence_curve_and_list_are_one_solution(reach):
    from planner.siting import propose_sites

    r = propose_sites(_study(), reach, model="target")
    # 6 villages, 2 covered; 80 % needs 5: C3 (villages 3, 4) then C1 (village 2); village 5 is out of reach
    assert list(r.sites.index) == ["C3", "C1"] and list(r.sites["new_villages"]) == [2, 1]
    assert r.sites.loc["C3", "new_names"] == "村3、村4"
    row = r.targets.set_index("indicator").loc["village_facility_coverage"]
    assert row["reached_at_k"] == 2 and row["value_after"] == pytest.approx(5 / 6)
    assert "新增 2 个村级点可使村覆盖率达到 80%（33.3% → 83.3%）" in row["text_zh"]
    np.testing.assert_allclose(r.curve["village_share"], [2 / 6, 4 / 6, 5 / 6])
    assert r.curve["village_share"].iloc[-1] == pytest.approx(row["value_after"])
    after = r.settlements["covered_after"] & (r.settlements["kind"] == "village")
    assert after.sum() / 6 == pytest.approx(row["value_after"])
    older = r.targets.set_index("indicator").loc["older_covered_share"]
    assert "建议的 2 处" in older["text_zh"]


def test_village_target_never_lists_a_site_serving_no_new_village(reach):
    from planner.siting import propose_sites

    st = _study()
    sett = st.settlements.copy()
    sett.loc[["S3", "S4"], "kind"] = "community"  # C2/C3 then serve only communities
    r = propose_sites(dataclasses.replace(st, settlements=sett), reach, model="target")
    assert (r.sites["new_villages"] > 0).all() and "C3" not in r.sites.index and "C2" not in r.sites.index


def test_centres_close_each_township_or_say_why(reach):
    from planner.siting import propose_sites

    st = _study()
    cands = st.candidates.copy()
    cands.loc["C1", "township"] = "乙镇"  # 甲镇 keeps only C4, which lies in the farmland zone
    r = propose_sites(dataclasses.replace(st, candidates=cands), reach, tier="township", model="centres",
                      public=False)
    gaps = r.gaps.set_index("township")
    assert r.solution.status == "rule" and math.isnan(r.solution.gap)
    assert pd.isna(gaps.loc["甲镇", "closed_by"])
    assert "区内 1 个候选点均不可用" in gaps.loc["甲镇", "text_zh"] and "卫生室3" in gaps.loc["甲镇", "text_zh"]
    assert gaps.loc["乙镇", "closed_by"] in r.sites.index
    assert (r.sites["township"] == "乙镇").all() and len(r.sites) == 1
    assert "乙镇" in r.sites["closes_zh"].iloc[0]


def test_centres_relieve_an_overloaded_centre(reach):
    from planner.siting import propose_sites

    st = _study()
    fac = st.facilities.copy()
    fac.loc["F0", ["tier", "township", "capacity"]] = ["township", "甲镇", 250.0]
    towns_only = dataclasses.replace(st, facilities=fac, exclusion_zones=None)
    sett = towns_only.settlements.copy()
    sett["township"] = "甲镇"
    r = propose_sites(dataclasses.replace(towns_only, settlements=sett), reach, tier="township", model="centres",
                      public=False)
    over = r.gaps[r.gaps["gap_kind"] == "overload"]
    assert len(over) >= 1 and over["load_before"].iloc[0] > 250.0
    assert over["load_after"].iloc[0] < over["load_before"].iloc[0]
    assert over["closed_by"].iloc[0] in r.sites.index


def test_blank_county_cannot_escape_the_public_ban(reach):
    from planner.siting import propose_sites

    low = _study(public_occupied=40.0)
    cands = low.candidates.copy()
    cands.loc["C2", "county"] = ""
    r = propose_sites(dataclasses.replace(low, candidates=cands), reach, model="mclp", p=2, public=True)
    assert len(r.sites) == 0
    assert r.excluded.loc["C2", "reason"] == "COUNTY_UNKNOWN"
    assert (r.excluded["reason"] == "LOW_PUBLIC_OCCUPANCY").sum() == 2


def test_siting_method_is_a_validated_study_key():
    cfg = config_from_dict({"siting": {"method": "greedy"}})
    assert cfg.siting.method == "greedy"
    with pytest.raises(ConfigError, match="siting.method"):
        config_from_dict({"siting": {"method": "fast"}})
    with pytest.raises(ConfigError, match="mip_gap"):
        SitingConfig(mip_gap=1.5)
    with pytest.raises(ConfigError, match="time_limit_s"):
        SitingConfig(time_limit_s=0.0)


# --------------------------------------------------------------------------- the demo county on its roads


def test_demo_village_plan_recomputed_from_the_reach_matrix(demo_result):
    from planner.routing import reach_matrix

    site = demo_result.siting["community"]
    data, graphs = demo_result.data, demo_result.graphs
    row = site.targets.set_index("indicator").loc["village_facility_coverage"]
    villages = data.settlements[data.settlements["kind"] == "village"]
    tier = data.config.tiers["community"]
    fac = data.facilities[data.facilities["tier"] == "community"][["geometry"]]
    new = site.sites[["geometry"]].set_axis([f"new:{i}" for i in site.sites.index])
    pts = pd.concat([fac, new])
    rm = reach_matrix(graphs[tier.rural_profile], pts, villages, cutoff_s=tier.rural_minutes * 60.0)
    r, _, t = rm.pairs(pts.index, villages.index)
    covered = np.zeros(len(villages), bool)
    covered[r[t <= tier.rural_minutes * 60.0 + 1e-9]] = True
    share = covered.sum() / len(villages)
    assert share >= data.config.targets.village_facility_share
    assert share == pytest.approx(row["value_after"])
    assert share == pytest.approx(site.curve["village_share"].iloc[-1])
    assert f"新增 {len(site.sites)} 个村级点" in row["text_zh"]
    assert (site.sites["new_villages"] > 0).all()
    assert (np.diff(site.sites["marginal_gain"].to_numpy()) <= 1e-9).all()


def test_demo_every_township_without_a_centre_is_closed_or_explained(demo_result):
    site = demo_result.siting["township"]
    missing = set(demo_result.coverage.townships_without_centre.index)
    gaps = site.gaps[site.gaps["gap_kind"] == "no_centre"].set_index("township")
    assert set(gaps.index) == missing and "站前街道" in missing
    for town, g in gaps.iterrows():
        if pd.notna(g["closed_by"]):
            assert site.sites.loc[g["closed_by"], "township"] == town
        else:
            assert "没有中心" in g["text_zh"]
    card = site.scorecard.set_index(["indicator", "scope"])
    assert card.loc[("township_centre_coverage", "overall"), "value_after"] >= \
        card.loc[("township_centre_coverage", "overall"), "value_before"]


def test_siting_failure_still_writes_coverage_outputs(monkeypatch, tmp_path):
    import planner.siting as siting
    from planner.demo import demo_config_path
    from planner.pipeline import run_study, write_outputs

    def fail(*args, **kwargs):
        raise SolverError("HiGHS found no solution in 60 s (forced by the test)")

    monkeypatch.setattr(siting, "propose_sites", fail)
    from planner.config import load_config

    result = run_study(load_config(demo_config_path()), site=True)
    assert set(result.siting_errors) == {"community", "township"} and not result.siting
    paths = write_outputs(result, tmp_path, lang="zh")
    assert all(Path(p).exists() for p in paths.values())
    html = Path(paths["report"]).read_text(encoding="utf-8")
    assert "选址未完成" in html and "forced by the test" in html
    from planner.cli import _summary

    assert "选址未完成" in _summary(result, "zh")


def test_study_townships_include_those_only_the_settlements_name():
    from types import SimpleNamespace

    import pandas as pd

    from planner.siting.centres import study_townships

    towns = pd.DataFrame(index=pd.Index(["甲街道", "乙街道"], name="township"))
    sett = pd.DataFrame({"township": ["甲街道", "丙镇", None, "乙街道", "丙镇"]})
    problem = SimpleNamespace(data=SimpleNamespace(townships=towns), settlements=sett)
    assert study_townships(problem) == ["甲街道", "乙街道", "丙镇"]  # 丙镇 has no polygon in the file
    problem = SimpleNamespace(data=SimpleNamespace(townships=None), settlements=sett)
    assert study_townships(problem) == ["丙镇", "乙街道", "甲街道"]

