"""Configuration: defaults from the policy, TOML loading, unknown keys rejected."""

from pathlib import Path

import pytest

from planner import ConfigError, default_config, load_config
from planner.config import TIER_KEYS, config_from_dict, tier_for_type


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "study.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_defaults_follow_policy():
    cfg = default_config()
    assert tuple(cfg.tiers) == TIER_KEYS
    assert cfg.targets.village_facility_share == 0.80
    assert cfg.targets.township_centre_capacity == 10000
    assert cfg.targets.township_centre_share_2025 == 0.60
    assert cfg.tiers["community"].profile_for("community") == ("walk", 15.0)
    assert cfg.tiers["county"].profile_for("village") == ("drive", 60.0)
    assert cfg.tiers["township"].profile_for("community") == ("ebike", 30.0)
    assert cfg.tiers["township"].profile_for("village") == ("drive", 30.0)
    assert cfg.tiers["community"].profile_for("village") == ("ebike", 10.0)
    walk = cfg.profiles["walk"]
    assert 0.9 <= walk.speed_kmh / 3.6 <= 1.0
    assert "motorway" not in walk.allowed_highways
    assert cfg.profiles["drive"].respect_oneway and not walk.respect_oneway
    assert cfg.profiles["ebike"].speed_kmh == 15.0


def test_words_include_common_types():
    tiers = default_config().tiers
    assert "敬老院" in tiers["county"].all_words
    assert "区域养老服务中心" in tiers["township"].all_words
    for w in ("日间照料中心", "幸福院", "互助养老点", "养老大院"):
        assert w in tiers["community"].all_words


def test_load_overrides_and_relative_paths(tmp_path):
    p = write(tmp_path, """
name = "试点县"
lang = "en"
[tiers.township]
minutes = 25
extra_words = ["中心敬老院"]
[profiles.walk]
speed_kmh = 3.0
[inputs]
facilities = "f.csv"
[inputs.settlements]
path = "s.xlsx"
crs = "gcj02"
sheet = "村"
[targets]
milestone_year = 2027
""")
    cfg = load_config(p)
    assert cfg.name == "试点县" and cfg.lang == "en"
    assert cfg.tiers["township"].minutes == 25.0
    assert "中心敬老院" in cfg.tiers["township"].all_words
    assert cfg.profiles["walk"].speed_kmh == 3.0
    assert cfg.profiles["walk"].mode == "walk"
    assert cfg.inputs.facilities.path == tmp_path / "f.csv"
    assert cfg.inputs.settlements.crs == "gcj02"
    assert cfg.inputs.settlements.sheet == "村"
    assert cfg.targets.milestone_year == 2027
    assert cfg.source == p


def test_new_profile(tmp_path):
    p = write(tmp_path, """
[profiles.tricycle]
mode = "bike"
speed_kmh = 12
[tiers.community]
rural_profile = "tricycle"
""")
    cfg = load_config(p)
    assert cfg.profiles["tricycle"].speed_kmh == 12.0
    assert cfg.tiers["community"].rural_profile == "tricycle"


@pytest.mark.parametrize(
    "text, needles",
    [
        ("nmae = 'x'", ["'nmae'", "'name'", "study.toml"]),
        ("[tiers.township]\nminuts = 3", ["tiers.township.minuts", "'minutes'"]),
        ("[tiers.provincial]\nminutes = 3", ["tiers.provincial", "county"]),
        ("[targets]\nvillage_share = 0.8", ["targets.village_share", "village_facility_share"]),
        ("[inputs]\nfacility = 'a.csv'", ["inputs.facility", "'facilities'"]),
        ("[profiles.walk]\nspeed_kmh = 'fast'", ["profiles.walk.speed_kmh", "float"]),
        ("[profiles.walk]\nspeed_kmh = -1", ["profiles.walk.speed_kmh = -1", "greater than 0", "Fix:"]),
        ("[tiers.community]\nprofile = 'bus'", ["'bus'", "not defined"]),
        ("lang = 'fr'", ["'fr'"]),
        ("name = ", ["not valid TOML"]),
    ],
)
def test_errors_name_key_file_and_fix(tmp_path, text, needles):
    p = write(tmp_path, text)
    with pytest.raises(ConfigError) as exc:
        load_config(p)
    for n in needles:
        assert n in str(exc.value), str(exc.value)


def test_config_is_immutable():
    cfg = default_config()
    with pytest.raises(AttributeError):
        cfg.name = "x"  # type: ignore[misc]
    assert cfg.replace(name="x").name == "x"


def test_config_is_deep_frozen_and_hashable(tmp_path):
    cfg = default_config()
    with pytest.raises(TypeError):
        cfg.profiles["walk"] = None  # type: ignore[index]
    with pytest.raises(TypeError):
        cfg.tiers["county"] = None  # type: ignore[index]
    with pytest.raises(TypeError):
        cfg.profiles["drive"].highway_speeds_kmh["primary"] = 1.0  # type: ignore[index]
    assert hash(cfg) == hash(default_config()) and cfg == default_config()
    loaded = config_from_dict({"population": {"county_older_totals": {"甲县": 100}},
                               "inputs": {"facilities": {"path": "f.csv", "columns": {"x": "lon"}}}},
                              base_dir=tmp_path)
    with pytest.raises(TypeError):
        loaded.population.county_older_totals["乙县"] = 1.0  # type: ignore[index]
    with pytest.raises(TypeError):
        loaded.inputs.facilities.columns["y"] = "lat"  # type: ignore[index]
    assert dict(loaded.population.county_older_totals) == {"甲县": 100.0}
    assert hash(loaded) != hash(cfg)


def test_from_dict_without_file():
    cfg = config_from_dict({"central_townships": ["城关街道"]})
    assert cfg.central_townships == ("城关街道",)


@pytest.mark.parametrize(
    "text, key, allowed",
    [
        ("[targets]\ntownship_centre_capacity = 0", "targets.township_centre_capacity = 0", "greater than 0"),
        ("[tiers.township]\nminutes = 0", "tiers.township.minutes = 0", "greater than 0 and at most 1440"),
        ("[tiers.community]\nrural_minutes = -10", "tiers.community.rural_minutes = -10", "greater than 0"),
        ("[tiers.county]\nminutes = nan", "tiers.county.minutes = nan", "greater than 0"),
        ("[profiles.walk]\nmax_snap_m_rural = -5", "profiles.walk.max_snap_m_rural = -5", "greater than 0"),
        ("[profiles.ebike]\nmax_snap_m_urban = nan", "profiles.ebike.max_snap_m_urban = nan", "greater than 0"),
        ("[profiles.drive]\nspeed_kmh = 3000", "profiles.drive.speed_kmh = 3000", "at most 200"),
        ("[profiles.walk]\naccess_speed_kmh = 0", "profiles.walk.access_speed_kmh = 0", "greater than 0"),
        ("[profiles.drive.highway_speeds_kmh]\nprimary = 0", "profiles.drive.highway_speeds_kmh.primary = 0",
         "greater than 0"),
        ("[profiles.walk]\nallowed_highways = []", "profiles.walk.allowed_highways is empty", "at least one"),
        ("[profiles.walk]\nmode = 'car'", "profiles.walk.mode = 'car'", "'walk', 'bike', 'drive'"),
        ("[targets]\nvillage_facility_share = 80", "targets.village_facility_share = 80", "at most 1"),
        ("[targets]\npublic_occupancy = -0.1", "targets.public_occupancy = -0.1", "at least 0"),
        ("[targets]\nmilestone_year = 25", "targets.milestone_year = 25", "at least 2000"),
        ("[siting]\nmip_gap = 1", "siting.mip_gap = 1", "less than 1"),
        ("[siting]\ntime_limit_s = 0", "siting.time_limit_s = 0", "greater than 0"),
        ("[siting]\nmax_new_sites = -1", "siting.max_new_sites = -1", "at least 0"),
        ("[siting]\ncolocation_bonus = 2", "siting.colocation_bonus = 2", "at most 1"),
        ("[siting]\ncolocation_distance_m = -1", "siting.colocation_distance_m = -1", "at least 0"),
        ("[siting]\ngreedy_above = -1", "siting.greedy_above = -1", "at least 0"),
        ("[network]\nbuffer_m = -100", "network.buffer_m = -100", "at least 0"),
        ("[network]\nbuffer_m = inf", "network.buffer_m = inf", "at most 100000"),
        ("[population.county_older_totals]\n\"甲县\" = -1", "population.county_older_totals.甲县 = -1", "at least 0"),
        ("[inputs.facilities]\npath = 'f.csv'\nencoding = 'gbkk'", "inputs.facilities.encoding = 'gbkk'", "auto"),
        ("[inputs.facilities]\npath = 'f.csv'\ncrs = ' '", "inputs.facilities.crs is blank", "Fix:"),
        ("[tiers.community]\nextra_words = ['']", "tiers.community.extra_words contains a blank", "Fix:"),
        ("name = ''", "name is blank", "Fix:"),
        ("lang = 'fr'", "lang = 'fr'", "'zh', 'en'"),
    ],
)
def test_every_value_is_range_checked_at_load(tmp_path, text, key, allowed):
    """A value of the right type but out of range is a ConfigError naming file, dotted key, value, range, fix."""
    p = write(tmp_path, text)
    with pytest.raises(ConfigError) as exc:
        load_config(p)
    msg = str(exc.value)
    for needle in (str(p), key, allowed, "Fix:"):
        assert needle in msg, msg


def test_every_checked_field_exists_and_defaults_pass():
    """The rules name real fields, every default passes, and each numeric field of the model has a rule."""
    import dataclasses
    import typing

    from planner.config.checks import RULES, check_config

    check_config(default_config())
    for cls, rules in RULES.items():
        names = {f.name for f in dataclasses.fields(cls)}
        assert set(rules) <= names, (cls, set(rules) - names)
        hints = typing.get_type_hints(cls)
        numeric = {n for n in names if hints[n] in (int, float)}
        assert numeric <= set(rules), (cls.__name__, numeric - set(rules))


def test_boundary_values_are_accepted(tmp_path):
    p = write(tmp_path, """
[targets]
village_facility_share = 0
circle15_older_share = 1
[siting]
mip_gap = 0.999
time_limit_s = inf
max_new_sites = 0
[profiles.walk]
max_snap_m_rural = inf
[network]
buffer_m = 0
""")
    cfg = load_config(p)
    assert cfg.siting.time_limit_s == float("inf") and cfg.profiles["walk"].max_snap_m_rural == float("inf")


def test_new_profile_starts_from_the_builtin_profile_of_its_mode(tmp_path):
    """A new profile without allowed_highways could use no road: it takes its mode's classes and rules."""
    p = write(tmp_path, """
[profiles.truck]
mode = "drive"
speed_kmh = 40
[profiles.stroll]
speed_kmh = 2.5
""")
    cfg = load_config(p)
    truck, stroll = cfg.profiles["truck"], cfg.profiles["stroll"]
    assert truck.name == "truck" and truck.speed_kmh == 40.0
    assert truck.allowed_highways == cfg.profiles["drive"].allowed_highways and truck.respect_oneway
    assert stroll.mode == "walk" and stroll.allowed_highways == cfg.profiles["walk"].allowed_highways


@pytest.mark.parametrize("key, hint", [("lon", "did you mean 'x'?"), ("nmae", "did you mean 'name'?"),
                                       ("colour", "fields: type, x, y")])
def test_unknown_column_field_is_named_with_the_closest_field(tmp_path, key, hint):
    """A key of [inputs.<layer>.columns] that is no field is an error naming it and the field meant."""
    import shutil

    from planner import DataError
    from planner.data import load_study
    from planner.demo import demo_config_path

    shutil.copytree(demo_config_path().parent, tmp_path / "demo")
    toml = tmp_path / "demo" / "demo_county.toml"
    text = toml.read_text(encoding="utf-8").replace(
        'facilities = "facilities/facilities.csv"',
        f'facilities = {{ path = "facilities/facilities.csv", columns = {{ {key} = "经度" }} }}')
    toml.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as exc:
        load_study(load_config(toml).replace(lang="en"))
    problem = next(p for p in exc.value.report.problems if p.value == key)
    assert "[inputs.facilities.columns]" in problem.message_en and hint in problem.message_en
    assert problem.file == "facilities/facilities.csv" and problem.fix_en


def test_capacity_zero_in_the_facilities_file_is_unknown_not_inf(tmp_path):
    """A township centre of capacity 0 would load as "inf %": it is reported and taken as unknown."""
    import shutil

    import numpy as np
    import pandas as pd

    from planner.data import load_study
    from planner.demo import demo_config_path

    shutil.copytree(demo_config_path().parent, tmp_path / "demo")
    path = tmp_path / "demo" / "facilities" / "facilities.csv"
    df = pd.read_csv(path, encoding="utf-8-sig", dtype=str)
    cfg = load_config(tmp_path / "demo" / "demo_county.toml")
    tiers = [tier_for_type(t, cfg.tiers) for t in df["类型"]]
    i = tiers.index("township")
    df.loc[i, "服务能力"] = "0"
    df.loc[i + 1, "服务能力"] = "1200"
    df.to_csv(path, index=False, encoding="utf-8-sig")
    data = load_study(cfg)
    fid = df.loc[i, "编号"]
    assert np.isnan(data.facilities.loc[fid, "capacity"])
    assert data.facilities.loc[df.loc[i + 1, "编号"], "capacity"] == 1200
    (p,) = [p for p in data.report.problems if p.code == "ZERO_CAPACITY"]
    assert p.row == i + 2 and p.column == "服务能力" and p.severity == "warning" and "unknown" in p.message_en
