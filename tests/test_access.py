"""Floating-catchment accessibility: a hand example, PySAL ``access`` and a dense numpy reference.

PySAL ``access`` (Luo & Wang 2003, Luo & Qi 2009; Dai 2010 through its weight function) is run
on the same pairs, demand and supply; its values are per person, ours per 1,000 older people.
"""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.analysis.access import analyse_access, decay_weight, floating_catchment
from planner.codes import AccessReason
from planner.config import config_from_dict
from planner.config.access import AccessConfig
from planner.errors import ConfigError, InputError

access_pkg = pytest.importorskip("access")

EDGE = math.exp(-0.5)


def _dai(d0: float, sigma: float | None = None):
    """Dai (2010)'s kernel built on PySAL's ``weights.gaussian``: (g(t) - g(d0)) / (1 - g(d0))."""
    g = access_pkg.weights.gaussian(sigma or d0)
    edge = g(d0)
    return lambda t: (g(t) - edge) / (1 - edge)


def _pysal(pairs: pd.DataFrame, demand: pd.Series, supply: pd.Series, max_cost: float, method: str,
           fractions=(1 / 3, 2 / 3, 1.0), weights=(1.0, 0.68, 0.22), bandwidth=1.0) -> pd.Series:
    """PySAL ``access`` on the same inputs, per 1,000, indexed like ``demand`` (0 where nothing is reached)."""
    dem = pd.DataFrame({"older": demand.fillna(0.0)})
    dem.index.name = "sid"
    sup = pd.DataFrame({"beds": supply})
    sup.index.name = "fid"
    acc = access_pkg.Access(demand_df=dem, demand_index=True, demand_value="older", supply_df=sup,
                            supply_index=True, supply_value="beds", cost_df=pairs, cost_origin="origin",
                            cost_dest="dest", cost_name="cost")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if method == "2sfca":
            out = acc.two_stage_fca(name="a", max_cost=max_cost)
        elif method == "e2sfca":
            fn = access_pkg.weights.step_fn({max_cost * f: w for f, w in zip(fractions, weights, strict=True)})
            out = acc.enhanced_two_stage_fca(name="a", max_cost=max_cost, weight_fn=fn)
        else:
            out = acc.two_stage_fca(name="a", max_cost=max_cost, weight_fn=_dai(max_cost, bandwidth * max_cost))
    return out["a_beds"].reindex(demand.index).fillna(0.0) * 1000.0


def _ours(pairs: pd.DataFrame, demand: pd.Series, supply: pd.Series, d0, method: str, **kw) -> np.ndarray:
    s = demand.index.get_indexer(pairs["origin"])
    f = supply.index.get_indexer(pairs["dest"])
    fc = floating_catchment(s, f, pairs["cost"].to_numpy(), d0, demand.to_numpy(), supply.to_numpy(),
                            method=method, **kw)
    return fc.access * 1000.0


# --------------------------------------------------------------------------- hand example

HAND_PAIRS = pd.DataFrame({"origin": ["a", "b", "b", "c"], "dest": ["X", "X", "Y", "Y"],
                           "cost": [10.0, 25.0, 20.0, 40.0]})
HAND_DEMAND = pd.Series([100.0, 300.0, 200.0, 50.0], index=pd.Index(list("abcd"), name="sid"))
HAND_SUPPLY = pd.Series([20.0, 10.0], index=pd.Index(["X", "Y"], name="fid"))


def test_hand_example_2sfca():
    # catchment 30 min: X serves a + b (400 older), Y serves b (c is 40 min away)
    got = _ours(HAND_PAIRS, HAND_DEMAND, HAND_SUPPLY, 30.0, "2sfca")
    assert got == pytest.approx([20 / 400 * 1000, (20 / 400 + 10 / 300) * 1000, 0.0, 0.0])
    assert got == pytest.approx(_pysal(HAND_PAIRS, HAND_DEMAND, HAND_SUPPLY, 30.0, "2sfca").to_numpy())


def test_hand_example_e2sfca():
    # zones 0-10, 10-20, 20-30 with weights 1, .68, .22 (Luo & Qi 2009)
    got = _ours(HAND_PAIRS, HAND_DEMAND, HAND_SUPPLY, 30.0, "e2sfca")
    r_x, r_y = 20 / (100 * 1 + 300 * 0.22), 10 / (300 * 0.68)
    assert got == pytest.approx([r_x * 1000, (0.22 * r_x + 0.68 * r_y) * 1000, 0, 0])
    assert got == pytest.approx(_pysal(HAND_PAIRS, HAND_DEMAND, HAND_SUPPLY, 30.0, "e2sfca").to_numpy())


def test_hand_example_gaussian():
    def g(t):
        return (math.exp(-0.5 * (t / 30) ** 2) - EDGE) / (1 - EDGE)

    got = _ours(HAND_PAIRS, HAND_DEMAND, HAND_SUPPLY, 30.0, "gaussian")
    r_x, r_y = 20 / (100 * g(10) + 300 * g(25)), 10 / (300 * g(20))
    assert got == pytest.approx([g(10) * r_x * 1000, (g(25) * r_x + g(20) * r_y) * 1000, 0, 0])
    assert got == pytest.approx(_pysal(HAND_PAIRS, HAND_DEMAND, HAND_SUPPLY, 30.0, "gaussian").to_numpy())


def test_decay_weights():
    t = np.array([0.0, 10.0, 10.5, 20.0, 29.0, 30.0, 31.0])
    assert decay_weight(t, 30.0, method="2sfca").tolist() == [1, 1, 1, 1, 1, 1, 0]
    assert decay_weight(t, 30.0, method="e2sfca").tolist() == [1, 1, 0.68, 0.68, 0.22, 0.22, 0]
    g = decay_weight(t, 30.0, method="gaussian")
    assert g[0] == 1.0 and g[5] == pytest.approx(0.0, abs=1e-12) and g[6] == 0.0 and (np.diff(g) <= 0).all()
    with pytest.raises(InputError):
        decay_weight(t, 30.0, method="3sfca")


def test_unknown_supply_and_demand_are_left_out():
    demand = HAND_DEMAND.copy()
    demand["b"] = np.nan  # b's demand unknown: X serves a alone
    supply = HAND_SUPPLY.copy()
    supply["Y"] = np.nan
    s = demand.index.get_indexer(HAND_PAIRS["origin"])
    f = supply.index.get_indexer(HAND_PAIRS["dest"])
    fc = floating_catchment(s, f, HAND_PAIRS["cost"].to_numpy(), 30.0, demand.to_numpy(), supply.to_numpy())
    assert fc.ratio[0] == pytest.approx(20 / 100) and math.isnan(fc.ratio[1])
    assert fc.access * 1000 == pytest.approx([200.0, 200.0, 0, 0])
    assert fc.supply_unknown.tolist() == [0, 1, 0, 0] and fc.known.tolist() == [1, 1, 0, 0]
    assert fc.in_catchment.tolist() == [1, 2, 0, 0]
    with pytest.raises(InputError):
        floating_catchment(s, f, HAND_PAIRS["cost"].to_numpy(), 30.0, -demand.to_numpy(), supply.to_numpy())


# --------------------------------------------------------------------------- random: PySAL and numpy


def _random_case(rng: np.random.Generator, n_s: int, n_f: int):
    times = rng.uniform(0, 45, size=(n_s, n_f))
    keep = rng.random((n_s, n_f)) < 0.6
    si, fi = np.nonzero(keep)
    sid = pd.Index([f"s{i}" for i in range(n_s)], name="sid")
    fid = pd.Index([f"f{j}" for j in range(n_f)], name="fid")
    pairs = pd.DataFrame({"origin": sid[si], "dest": fid[fi], "cost": times[si, fi]})
    demand = pd.Series(rng.integers(1, 500, n_s).astype(float), index=sid)
    supply = pd.Series(rng.integers(0, 80, n_f).astype(float), index=fid)
    return pairs, demand, supply


@pytest.mark.parametrize("method", ["2sfca", "e2sfca", "gaussian"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_cases_match_pysal(method, seed):
    pairs, demand, supply = _random_case(np.random.default_rng(seed), 40, 12)
    got = _ours(pairs, demand, supply, 30.0, method)
    ref = _pysal(pairs, demand, supply, 30.0, method)
    finite = np.isfinite(ref.to_numpy())  # PySAL divides by 0 where a catchment holds no demand
    assert finite.mean() > 0.5
    assert got[finite] == pytest.approx(ref.to_numpy()[finite], rel=1e-9, abs=1e-12)


def test_other_steps_and_bandwidth_match_pysal():
    pairs, demand, supply = _random_case(np.random.default_rng(7), 30, 10)
    kw = {"steps": (0.25, 0.5, 1.0), "weights": (1.0, 0.5, 0.1)}
    got = _ours(pairs, demand, supply, 40.0, "e2sfca", **kw)
    ref = _pysal(pairs, demand, supply, 40.0, "e2sfca", fractions=kw["steps"], weights=kw["weights"])
    assert got == pytest.approx(ref.to_numpy(), rel=1e-9)
    got = _ours(pairs, demand, supply, 40.0, "gaussian", bandwidth=0.6)
    ref = _pysal(pairs, demand, supply, 40.0, "gaussian", bandwidth=0.6)
    assert got == pytest.approx(ref.to_numpy(), rel=1e-9)


def _dense_reference(times, d0, demand, supply, method, steps, weights, bandwidth):
    """The three methods on a dense settlement x facility matrix (inf = not reached), loops for the weights."""
    n_s, n_f = times.shape
    w = np.zeros_like(times)
    for i in range(n_s):
        for j in range(n_f):
            t, c = times[i, j], d0[i]
            if not t <= c:
                continue
            if method == "2sfca":
                w[i, j] = 1.0
            elif method == "e2sfca":
                w[i, j] = next((wt for step, wt in zip(steps, weights, strict=True) if t <= step * c), 0.0)
            else:
                s = bandwidth * c
                edge = math.exp(-0.5 * (c / s) ** 2)
                w[i, j] = (math.exp(-0.5 * (t / s) ** 2) - edge) / (1 - edge)
    d = np.nan_to_num(demand)
    wd = w.T @ d
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(wd > 0, supply / wd, np.nan)
    return np.nansum(np.where(w > 0, w * r[None, :], np.nan), axis=1) * 1000.0


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), method=st.sampled_from(["2sfca", "e2sfca", "gaussian"]),
       n_s=st.integers(1, 15), n_f=st.integers(1, 6))
def test_matches_dense_reference(seed, method, n_s, n_f):
    """Per-settlement catchments, unknown demand and supply, integer minutes on the zone edges."""
    rng = np.random.default_rng(seed)
    times = rng.integers(0, 40, size=(n_s, n_f)).astype(float)
    times[rng.random((n_s, n_f)) < 0.3] = np.inf
    d0 = rng.choice([10.0, 15.0, 30.0], size=n_s)
    demand = rng.integers(0, 300, n_s).astype(float)
    demand[rng.random(n_s) < 0.2] = np.nan
    supply = rng.integers(0, 50, n_f).astype(float)
    supply[rng.random(n_f) < 0.2] = np.nan
    steps, weights = (0.3, 0.6, 1.0), (1.0, 0.6, 0.2)
    si, fi = np.nonzero(np.isfinite(times))
    fc = floating_catchment(si, fi, times[si, fi], d0[si], demand, supply, method=method, steps=steps,
                            weights=weights, bandwidth=0.8)
    ref = _dense_reference(times, d0, demand, supply, method, steps, weights, 0.8)
    assert fc.access * 1000 == pytest.approx(ref, rel=1e-9, abs=1e-9)
    # supply is conserved: the demand-weighted sum of accessibility is the supply of the counted facilities
    counted = np.isfinite(fc.ratio)
    total = np.nansum(np.nan_to_num(demand) * fc.access)
    assert total == pytest.approx(supply[counted].sum(), rel=1e-9, abs=1e-9)


# --------------------------------------------------------------------------- config


def test_config_section_is_checked_at_load():
    cfg = config_from_dict({"access": {"method": "gaussian", "catchment_minutes": {"county": 45},
                                       "decay_steps": [0.5, 1], "decay_weights": [1, 0.4],
                                       "threshold_per_1000": {"county": 32}}})
    assert cfg.access.method == "gaussian" and cfg.access.decay_steps == (0.5, 1.0)
    assert cfg.access.catchment_minutes["county"] == 45.0
    for bad, words in [({"method": "3sfca"}, "access.method"), ({"supply": "rooms"}, "access.supply"),
                       ({"decay_steps": [0.6, 0.3], "decay_weights": [1, 1]}, "must increase"),
                       ({"decay_steps": [0.5, 1.0], "decay_weights": [1]}, "one weight per zone"),
                       ({"decay_steps": [0, 1], "decay_weights": [1, 1]}, "access.decay_steps"),
                       ({"decay_steps": "thirds"}, "list of numbers"),
                       ({"catchment_minutes": {"village": 10}}, "unknown tier"),
                       ({"catchment_minutes": {"county": 0}}, "access.catchment_minutes.county"),
                       ({"gaussian_bandwidth": -1}, "access.gaussian_bandwidth"),
                       ({"relative_threshold": 2}, "access.relative_threshold"),
                       ({"methd": "2sfca"}, "did you mean 'method'")]:
        with pytest.raises(ConfigError, match=words):
            config_from_dict({"access": bad})
    with pytest.raises(ConfigError, match="decay_weights"):
        AccessConfig(decay_weights=(1.0, -0.5, 0.2))


# --------------------------------------------------------------------------- the demo county


def _demo_pairs(result, tier_key: str) -> pd.DataFrame:
    """Settlement -> facility times (minutes) within each settlement's catchment, routed here again."""
    from planner.routing import reach_matrix

    data, tier = result.data, result.config.tiers[tier_key]
    fac = data.facilities[(data.facilities["tier"] == tier_key).to_numpy()]
    frames = []
    for kind, sub in data.settlements.groupby(data.settlements["kind"].astype(str)):
        prof, minutes = tier.profile_for(kind)
        rm = reach_matrix(result.graphs[prof], fac, sub, cutoff_s=minutes * 60)
        r, c, v = rm.pairs(fac.index, sub.index)
        frames.append(pd.DataFrame({"origin": sub.index[r], "dest": fac.index[c], "cost": v / 60.0,
                                    "d0": minutes}))
    return pd.concat(frames, ignore_index=True)


@pytest.mark.parametrize("method", ["2sfca", "e2sfca", "gaussian"])
def test_demo_county_matches_pysal(demo_result, method):
    """Every tier of the demo, each settlement with its own catchment: PySAL on the costs in catchments."""
    cfg = AccessConfig(method=method)
    res = analyse_access(demo_result.data, demo_result.graphs, config=cfg)
    sett = demo_result.data.settlements
    for key in ("county", "township", "community"):
        pairs = _demo_pairs(demo_result, key)
        pairs["cost"] = pairs["cost"] / pairs["d0"]  # a fraction of the settlement's catchment: max_cost 1
        fac = demo_result.data.facilities
        supply = pd.to_numeric(fac.loc[(fac["tier"] == key).to_numpy(), "beds"], errors="coerce")
        demand = pd.to_numeric(sett["older_population"], errors="coerce")
        ref = _pysal(pairs[["origin", "dest", "cost"]], demand.rename_axis("sid"), supply.rename_axis("fid"),
                     1.0, method)
        got = res.settlements[f"{key}_access"]
        known = got.notna().to_numpy()
        assert known.sum() > 100
        assert got[known].to_numpy() == pytest.approx(ref[known].to_numpy(), rel=1e-9, abs=1e-9)
        # a value left unknown is a settlement off the roads or one reaching only facilities without beds
        reasons = res.settlements.loc[~known, f"{key}_access_reason"]
        assert reasons.str.contains("NO_ROAD|SUPPLY_UNKNOWN|NO_DEMAND_IN_CATCHMENT").all()


def test_demo_result_access(demo_result):
    acc = demo_result.access
    assert acc is not None and acc.tiers == ["county", "township", "community"]
    eq = acc.equity
    sett = acc.settlements
    assert sett.index.equals(demo_result.data.settlements.index)
    for key in acc.tiers:
        row = eq.loc[key]
        n_unknown = int(sett[f"{key}_access"].isna().sum())
        # every settlement is counted or left out with a reason
        assert row["settlements_counted"] + row["settlements_value_unknown"] + row["settlements_older_zero"] \
            + (sett[f"{key}_access"].notna() & sett["older_population"].isna()).sum() == len(sett)
        assert row["settlements_value_unknown"] == n_unknown
        assert (sett.loc[sett[f"{key}_access"].isna(), f"{key}_access_reason"] != "").all()
        zero = sett[f"{key}_access"] == 0
        assert (sett.loc[zero & (sett[f"{key}_access_facilities"] == 0), f"{key}_access_reason"]
                == AccessReason.NONE_IN_CATCHMENT).all()
        assert 0 <= row["gini"] < 1 and row["theil"] == pytest.approx(row["theil_within"] + row["theil_between"])
        assert row["p10"] <= row["median"] <= row["max"]
        # supply conservation: the older-weighted mean is the counted supply per 1,000 counted older people
        assert row["mean"] == pytest.approx(row["supply_counted"] / row["older_counted"] * 1000)
        tw = acc.by_township[acc.by_township["tier"] == key]
        assert tw["older_population"].sum() == pytest.approx(row["older_counted"])
        mean = (tw["access"] * tw["older_population"]).sum() / tw["older_population"].sum()
        assert mean == pytest.approx(row["mean"])
        assert row["worst_townships"].split(";")[0] == tw.dropna(subset=["access"]).iloc[0]["township"]
    # the demo's mutual-aid points have no beds: left out, counted, named
    fac = acc.facilities
    assert (fac.loc[fac["supply"].isna(), "reason"] == AccessReason.FACILITY_SUPPLY_UNKNOWN).all()
    assert eq.loc["community", "facilities_not_counted"] == int(fac["supply"].isna().sum())
    assert set(acc.layers()) == {"access_settlements", "access_facilities", "access_townships", "access_equity"}


def test_scenario_inputs_and_no_mutation(demo_result):
    """Unknown older people and beds, a tier without facilities, other thresholds; the inputs stay as they were."""
    data = demo_result.data
    sett, fac = data.settlements.copy(), data.facilities.copy()
    sett.loc[sett.index[:3], "older_population"] = np.nan
    fac.loc[fac.index[fac["tier"] == "county"], "tier"] = "gone"
    far = fac.index[fac["tier"] == "township"][0]  # 30 km from every road: its beds reach nobody
    fac.loc[far, "geometry"] = shapely.Point(fac.geometry[far].x + 0.4, fac.geometry[far].y + 0.3)
    changed = dataclasses.replace(data, settlements=sett, facilities=fac)
    before = (sett.copy(), fac.copy())
    tiers = {k: dataclasses.replace(t, minutes=t.minutes * 2, rural_minutes=t.rural_minutes * 2)
             for k, t in data.config.tiers.items()}
    res = analyse_access(changed, demo_result.graphs, tiers=tiers,
                         config=AccessConfig(method="2sfca", threshold_per_1000={"township": 40.0}))
    pd.testing.assert_frame_equal(sett, before[0])
    pd.testing.assert_frame_equal(fac, before[1])
    out = res.settlements
    assert (out["county_access"] == 0).all()
    assert (out["county_access_reason"].str.startswith(AccessReason.NO_FACILITY)).all()
    assert out.loc[sett.index[:3], "township_access_reason"].str.contains(AccessReason.OLDER_UNKNOWN).all()
    assert res.equity.loc["township", "settlements_older_unknown"] == 3
    assert res.facilities.loc[far, "reason"] == AccessReason.FACILITY_UNLINKED
    assert res.params["excluded"]["township"]["facilities"] == {"FACILITY_UNLINKED": 1}
    counted_beds = pd.to_numeric(fac.loc[(fac["tier"] == "township").to_numpy(), "beds"]).drop(far).sum()
    assert res.equity.loc["township", "supply_counted"] == pytest.approx(counted_beds)
    assert res.equity.loc["township", "threshold"] == 40.0
    assert res.equity.loc["township", "threshold_rule"] == "stated"
    assert math.isnan(res.equity.loc["county", "gini"])  # nobody reaches a county facility
    assert (out["township_catchment_min"] >= 60).all()
    base = demo_result.access.settlements["township_access_facilities"]
    assert (out["township_access_facilities"] >= base).all() and (out["township_access_facilities"] > base).any()
    with pytest.raises(InputError, match="no routing graph"):
        analyse_access(changed, {}, tiers=tiers)


def test_demand_context_gives_the_whole_studys_values(demo_result):
    """Half the demo's settlements analysed, the other half as demand context: the whole run's values and ratios.

    The context counts only in the facilities' demand: the rows are the half's own settlements, the facility
    rows all but the context's foreign ones; without it (or for a tier it does not name) the values differ.
    """
    from planner.analysis import AccessContext

    data, whole = demo_result.data, demo_result.access
    sett = data.settlements
    towns = sorted(sett["township"].astype(str).unique())
    mine = sett["township"].astype(str).isin(towns[: len(towns) // 2]).to_numpy()
    half = dataclasses.replace(data, settlements=sett[mine])
    foreign = tuple(data.facilities.index[:5])
    context = AccessContext(sett.loc[~mine, ["kind", "older_population", "geometry"]],
                            tiers=("county", "township", "community"), foreign=foreign)
    got = analyse_access(half, demo_result.graphs, context=context)
    assert list(got.settlements.index) == list(sett.index[mine])
    cols = [f"{t}_{c}" for t in whole.tiers for c in ("access", "access_reason", "access_facilities")]
    pd.testing.assert_frame_equal(got.settlements[cols], whole.settlements.loc[mine, cols], check_exact=False,
                                  rtol=1e-12)
    expected = whole.facilities.drop(index=list(foreign))
    pd.testing.assert_frame_equal(pd.DataFrame(got.facilities.drop(columns="geometry")),
                                  pd.DataFrame(expected.drop(columns="geometry")), check_exact=False, rtol=1e-12)
    assert got.params["context"]["settlements"] == int((~mine).sum())
    alone = analyse_access(half, demo_result.graphs)
    key = "county_access"
    assert not np.allclose(alone.settlements[key], whole.settlements.loc[mine, key], rtol=1e-9, equal_nan=True)
    # a tier the context does not name counts the study's own demand only
    county_only = analyse_access(half, demo_result.graphs, context=dataclasses.replace(context, tiers=("county",)))
    pd.testing.assert_series_equal(county_only.settlements["township_access"], alone.settlements["township_access"])
    pd.testing.assert_series_equal(county_only.settlements[key], got.settlements[key])


# --------------------------------------------------------------------------- outputs


def test_report_workbook_map_and_layers(demo_result, demo_outputs):
    """The report section, the four sheets, the map layers and the GeoPackage/CSV layers, in both languages."""
    import pyogrio

    from planner.reporting.access_html import access_section
    from planner.reporting.access_map import access_classes
    from planner.reporting.access_tables import access_sheets

    eq = demo_result.access.equity
    html = demo_outputs["report"].read_text(encoding="utf-8")
    assert "供需可达性与公平性" in html and "增强两步移动搜索法" in html
    for key in eq.index:
        assert f"{eq.loc[key, 'gini']:.3f}" in html
        assert eq.loc[key, "worst_townships"].split(";")[0] in html
    en = access_section(demo_result, "en")
    assert "Accessibility and equity" in en and "Gini" in en and "Luo &amp; Qi 2009" in en
    sheets = pd.ExcelFile(demo_outputs["workbook"]).sheet_names
    assert {"可达性_公平性", "可达性_乡镇", "可达性_村社区", "可达性_设施"} <= set(sheets)
    en_sheets = access_sheets(demo_result, lang="en")
    assert list(en_sheets) == ["access_equity", "access_townships", "access_settlements", "access_facilities"]
    settl = en_sheets["access_settlements"]
    assert len(settl) == len(demo_result.data.settlements)
    assert settl["Community / village accessibility note"].str.contains("lower bound").any()
    gpkg = {name for name, _ in pyogrio.list_layers(demo_outputs["geopackage"])}
    assert {"access_settlements", "access_facilities", "access_townships", "access_equity"} <= gpkg
    assert (demo_outputs["csv"] / "access_settlements.csv").exists()
    page = demo_outputs["map"].read_text(encoding="utf-8")
    assert page.count("planner-access-legend") >= 1
    cls = access_classes(pd.Series([np.nan, 0.0, 1.0, 3.0, 6.0, 20.0]), 2.0, 5.0)
    assert cls.tolist() == ["unknown", "none", "below", "under_mean", "over_mean", "high"]
