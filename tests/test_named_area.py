"""A study that names a city or the province: packaged county boundaries and census 60+ totals (offline)."""

from __future__ import annotations

import pandas as pd
import pytest

from planner.config import config_from_dict
from planner.data import load_study, resolve_area
from planner.errors import ConfigError
from planner.multi import county_names, is_multi_county
from planner.reference import census_older, county_boundary, list_counties

#: Two counties of 佳木斯市 (a city of ten county-level units in the packaged data).
TWO = ("桦南县", "汤原县")


def _points(county: str, n: int) -> list[tuple[float, float]]:
    """``n`` points inside the county (on a line through its representative point, kept inside)."""
    poly = county_boundary(county).geometry.iloc[0]
    p = poly.representative_point()
    out = [(p.x + 0.002 * i, p.y) for i in range(n)]
    assert all(poly.contains(type(p)(x, y)) for x, y in out)
    return out


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("named_area")
    rows = []
    for county in TWO:  # three villages holding the county's census residents (1:2:3), so the whole county
        residents = census_older(county).population
        for i, (x, y) in enumerate(_points(county, 3)):
            rows.append({"编号": f"{county}{i}", "名称": f"测试{i}村", "类型": "村", "所属县": county,
                         "总人口": residents * (i + 1) // 6, "经度": x, "纬度": y})
    pd.DataFrame(rows).to_csv(folder / "settlements.csv", index=False, encoding="utf-8-sig")
    x, y = _points(TWO[0], 1)[0]
    pd.DataFrame([{"编号": "F1", "名称": "测试敬老院", "类型": "敬老院", "经度": x, "纬度": y, "床位数": 50,
                   "是否公办": "是"}]).to_csv(folder / "facilities.csv", index=False, encoding="utf-8-sig")
    return {"name": "named", "inputs": {"settlements": str(folder / "settlements.csv"),
                                        "facilities": str(folder / "facilities.csv")},
            "execution": {"area": "佳木斯市", "counties": list(TWO)}}


def test_a_named_city_is_its_packaged_counties_with_census_totals(study):
    config = config_from_dict(study)
    assert is_multi_county(config)
    data = load_study(config)
    units = list_counties()
    city = units[units["city"] == "佳木斯市"]
    assert sorted(data.counties.index) == sorted(city["county"])
    assert set(data.counties["city"]) == {"佳木斯市"}
    assert county_names(config, data.counties) == list(TWO)
    s = data.settlements
    assert (s["older_source"] == "CENSUS_TOTAL").all()
    for county in TWO:
        older = s.loc[s["county"] == county, "older_population"]
        # the census 60+ total shared by total population
        assert older.sum() == pytest.approx(census_older(county).pop60plus)
        pop = s.loc[s["county"] == county, "population"]
        assert (older / pop).round(9).nunique() == 1
    layer = [x for x in data.report.layers if x.layer == "counties"]
    assert layer and layer[0].rows_kept == len(city)


def test_county_older_totals_in_the_config_take_precedence(study):
    cfg = dict(study, population={"county_older_totals": {TWO[0]: 300}})
    s = load_study(config_from_dict(cfg)).settlements
    mine = s[s["county"] == TWO[0]]
    assert (mine["older_source"] == "COUNTY_TOTAL").all()
    assert mine["older_population"].sum() == pytest.approx(300)
    assert (s.loc[s["county"] == TWO[1], "older_source"] == "CENSUS_TOTAL").all()


def test_the_province_and_short_names():
    assert len(resolve_area("黑龙江省").units) == len(list_counties())
    assert resolve_area("黑龙江").name == "黑龙江省"
    assert resolve_area("佳木斯").name == "佳木斯市"
    assert resolve_area("佳木斯市向阳区").units["city"].tolist() == ["佳木斯市"]


def test_shared_county_names_carry_their_city_in_a_province_layer():
    from planner.data import named_counties

    layer = named_counties(config_from_dict({"execution": {"area": "黑龙江省"}}))
    assert layer.index.is_unique and len(layer) == len(list_counties())
    assert {"鹤岗市向阳区", "佳木斯市向阳区"} <= set(layer.index)
    assert "桦南县" in layer.index


@pytest.mark.parametrize(("area", "words"), [("家木斯市", "佳木斯市"), ("向阳区", "鹤岗市向阳区")])
def test_unknown_or_ambiguous_names_are_config_errors_with_suggestions(study, area, words):
    with pytest.raises(ConfigError, match=words) as err:
        load_study(config_from_dict(dict(study, execution={"area": area})))
    assert "execution.area" in str(err.value)


def test_area_and_county_file_together_are_refused(study, tmp_path):
    cfg = dict(study, inputs={**study["inputs"], "boundaries_county": str(tmp_path / "c.geojson")})
    with pytest.raises(ConfigError, match="boundaries_county"):
        config_from_dict(cfg)
    with pytest.raises(ConfigError, match="execution.area is blank"):
        config_from_dict(dict(study, execution={"area": " "}))


def test_an_unknown_county_of_the_named_area_is_named(study):
    config = config_from_dict(dict(study, execution={"area": "佳木斯市", "counties": ["巴彦县"]}))
    data = load_study(config)
    with pytest.raises(ConfigError, match="巴彦县"):
        county_names(config, data.counties)
