"""Configuration: defaults from the policy, TOML loading, unknown keys rejected."""

from pathlib import Path

import pytest

from planner import ConfigError, default_config, load_config
from planner.config import TIER_KEYS, config_from_dict


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
        ("[profiles.walk]\nspeed_kmh = -1", ["positive"]),
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
