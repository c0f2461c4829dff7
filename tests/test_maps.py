"""The Folium map: every layer present and named by its rule, offline-ready, points drawn as data, and a real
browser that opens it, draws it and shows names (not ids) in its popups."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from planner.reporting import coverage_map, write_map
from planner.reporting.map_assets import SITE_STYLE
from planner.reporting.map_data import badge_kinds, map_data, script_json, township_coverage
from planner.reporting.popups import circle_rule_text
from planner.results import FrozenMap

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars",
]

#: Records uncaught errors; after load, collects what a reader sees: every popup's text (opened as Leaflet
#: opens it), the layers drawn and the legend, as attributes of the root element and a box --dump-dom shows.
PROBE = """<script>
window.addEventListener('error', function (e) {
  var r = document.documentElement;
  r.setAttribute('data-errors', (r.getAttribute('data-errors') || '') + e.message + ' | ');
});
window.addEventListener('load', function () {
  var root = document.documentElement, box = document.createElement('div'), seen = [];
  box.id = 'probe-box'; document.body.appendChild(box);
  var popups = 0, geojson = 0, markers = 0;
  function walk(layer) {
    if (seen.indexOf(layer) >= 0) { return; } seen.push(layer);
    if (layer instanceof L.GeoJSON) { geojson += 1; }
    if (layer instanceof L.Marker || layer instanceof L.CircleMarker) { markers += 1; }
    var p = layer.getPopup && layer.getPopup();
    if (p) {
      var c = p.getContent(); if (typeof c === 'function') { c = c(layer); }
      var d = document.createElement('div'); d.className = 'probe-popup'; d.innerHTML = c; box.appendChild(d);
      popups += 1;
    }
    if (layer.eachLayer) { layer.eachLayer(walk); }
  }
  for (var k in window) {
    var v; try { v = window[k]; } catch (e) { continue; }
    if (v instanceof L.Map && v._renderer && v._renderer._drawFirst) {  // first drawn on the shared canvas
      var first = v._renderer._drawFirst.layer;
      root.setAttribute('data-choroback', first.feature && first.feature.properties.share_txt ? 1 : 0);
    }
    if (v instanceof L.Map) { v.eachLayer(walk); }
    else if (v instanceof L.Layer) { walk(v); }
  }
  root.setAttribute('data-popups', popups); root.setAttribute('data-geojson', geojson);
  root.setAttribute('data-markers', markers);
  root.setAttribute('data-square', document.querySelectorAll('.planner-site.square').length);
  root.setAttribute('data-diamond', document.querySelectorAll('.planner-site.diamond').length);
  var banner = document.querySelector('.planner-banner'), mapDiv = document.querySelector('.folium-map');
  if (banner && mapDiv) {  // offset by 1000 so the gap reads as digits even when negative
    root.setAttribute('data-bannergap', 1000 + Math.round(mapDiv.getBoundingClientRect().top
                                                          - banner.getBoundingClientRect().bottom));
  }
  setTimeout(function () { root.setAttribute('data-done', '1'); }, 300);
});
</script>"""


def _rules(result):
    """(tier, mode, minutes, applies_to) of every circle layer the coverage drew."""
    c = result.coverage.circles
    return sorted({(t, m, float(x), a) for t, m, x, a in zip(c["tier"], c["mode"], c["minutes"], c["applies_to"])})


def layer_names(result, lang):
    names = ["行政边界", "村/社区：已覆盖", "村/社区：服务不足", "养老服务设施：县级", "养老服务设施：乡镇/街道",
             "养老服务设施：社区/村级", "乡镇区域养老服务中心服务范围", "乡镇/街道覆盖率", "乡镇/街道名称"]
    if lang == "en":
        names = ["Administrative boundaries", "Settlements: served", "Settlements: under-served", "Facilities: County",
                 "Facilities: Township / street", "Facilities: Community / village", "Township-centre catchments",
                 "Township coverage", "Township names"]
    names += [circle_rule_text(m, x, a, lang) for _, m, x, a in _rules(result)]
    sites = {"zh": {"township": "建议新增选址（乡镇/街道）", "community": "建议新增选址（社区/村级）"},
             "en": {"township": "Proposed sites (Township / street)",
                    "community": "Proposed sites (Community / village)"}}
    return names + [sites[lang][tier] for tier in result.siting]


def _page_data(text: str) -> dict:
    m = re.search(r"window\.plannerMapData = (\{.*?\});</script>", text, flags=re.S)
    assert m, "the map's data object is missing"
    return json.loads(m.group(1))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_map_has_every_layer_and_no_cdn(demo_result, tmp_path, lang):
    path = write_map(demo_result, tmp_path / f"map_{lang}.html", lang=lang)
    text = path.read_text(encoding="utf-8")
    for name in layer_names(demo_result, lang):
        # folium writes layer names into JavaScript with non-ASCII characters escaped
        assert name in text or json.dumps(name)[1:-1] in text, name
    # self-contained: no script or stylesheet fetched from anywhere
    assert not re.search(r"<script[^>]+src=", text)
    assert not re.search(r"<link[^>]+stylesheet", text)
    # synthetic data is labelled, and GCJ-02 tile services are not offered
    assert ("合成数据" if lang == "zh" else "Synthetic data") in text
    for gcj in ("autonavi", "amap.com", "gtimg", "qq.com/tile"):
        assert gcj not in text.lower()
    # points travel as data, not one marker script each
    data = _page_data(text)
    assert len(data["sett"]) == len(demo_result.coverage.settlements)
    assert len(data["fac"]) == len(demo_result.coverage.facilities)
    assert text.count("L.circleMarker(") + text.count("L.marker(") < 20
    # the scale bar is metric only
    assert "imperial: false" in text and "control_scale" not in text
    assert path.stat().st_size < 5e6


def test_settlement_rows_name_the_nearest_facility_per_tier(demo_result):
    """The page's rows point at facilities whose names are the facilities' names (popups show names, not ids)."""
    data = map_data(demo_result, "zh", cluster_min=500)
    sett, fac = demo_result.coverage.settlements, demo_result.coverage.facilities
    tiers = [t for t, _ in data["tiers"]]
    assert tiers == ["county", "township", "community"]
    checked = 0
    for row, (_, s) in zip(data["sett"], sett.iterrows()):
        assert row[2] == s["name"]
        for k, tier in enumerate(tiers):
            fid = s[f"{tier}_facility"]
            if pd.isna(fid):
                assert row[8][k] == -1
            else:
                assert data["fac"][row[8][k]][2] == fac.loc[fid, "name"]
                checked += 1
        if not pd.isna(s["centre"]):
            assert data["fac"][row[10]][2] == fac.loc[s["centre"], "name"]
        assert (row[7] == 1) == (s["status"] == "under_served")
        assert (row[6] >= 0) == bool(s["older_estimated"])  # index of the estimate note, -1 when counted
    assert checked > 2 * len(sett)
    over = demo_result.coverage.centres["over"].astype(bool)
    assert [c[1] for c in data["centres"]] == over.astype(int).tolist() and over.any()
    # under-served rows carry their reasons in words
    assert all(r[12] for r in data["sett"] if r[7] == 1)


def test_badges_follow_the_facility_kind(demo_result):
    fac = demo_result.coverage.facilities
    kinds = pd.Series(badge_kinds(fac, demo_result.coverage.settlements, demo_result.data.townships), index=fac.index)
    day_care = fac["type"].str.contains("日间照料")
    assert day_care.any() and (kinds[day_care] == "community").all()  # urban day care: 社, never 村
    assert (kinds[fac["type"].str.contains("农村幸福院")] == "village").all()
    assert (kinds[fac["tier"] == "county"] == "county").all()
    streets = fac["type"].str.contains("街道") & (fac["tier"] == "township")
    assert streets.any() and (kinds[streets] == "street").all()
    assert (kinds[(fac["tier"] == "township") & ~streets] == "township").any()


def test_township_coverage_matches_the_coverage_tables(demo_result):
    got = township_coverage(demo_result)
    ref = demo_result.coverage.by_township
    common = got.index.intersection(ref.index)
    assert len(common) == len(ref)
    np.testing.assert_allclose(got.loc[common, "share"], ref.loc[common, "served_share"])
    np.testing.assert_array_equal(got.loc[common, "settlements"], ref.loc[common, "settlements"])
    # an independent count of the older people served
    sett = demo_result.coverage.settlements
    older = pd.to_numeric(sett["older_population"], errors="coerce").fillna(0)
    one = common[0]
    here = (sett["township"] == one).to_numpy()
    expected = older[here & (sett["status"] == "served").to_numpy()].sum() / older[here].sum()
    assert got.loc[one, "older_share"] == pytest.approx(expected)


def _legend(html: str) -> str:
    start = html.index('class="planner-legend"')
    return html[start:html.index("</div></div>", start) if "</div></div>" in html[start:] else None]


def test_legend_gives_each_rule_its_mode_and_minutes(demo_result):
    """The legend follows the circles' own rules: change a rule's minutes and the legend says so."""
    cov = demo_result.coverage
    circles = cov.circles.copy()
    rural = ((circles["tier"] == "community") & (circles["applies_to"] == "rural")).to_numpy()
    circles.loc[rural, "minutes"] = 12.0
    result = dataclasses.replace(demo_result, coverage=dataclasses.replace(cov, circles=circles))
    legend = _legend(coverage_map(result, lang="zh").get_root().render())
    for tier, mode, minutes, who in _rules(result):
        assert circle_rule_text(mode, minutes, who, "zh") in legend, (tier, who)
    assert "电动自行车 12 分钟（农村）" in legend and "老年人步行 15 分钟（城镇社区）" in legend
    assert "电动自行车 10 分钟（农村）" not in legend
    assert legend.count("老年人步行 15 分钟") == 1  # not every circle is a 15-minute walk
    for words in ("乡镇/街道：", "县级：", "乡镇区域中心服务范围", "聚合点", "乡镇/街道覆盖率"):
        assert words in legend, words
    for tier in demo_result.siting:
        assert SITE_STYLE[tier]["zh"] in legend


def test_no_sites_when_siting_did_not_run(demo_result):
    result = dataclasses.replace(demo_result, siting=FrozenMap())
    html = coverage_map(result, lang="zh").get_root().render()
    assert "建议新增" not in _legend(html)
    assert "建议新增选址" not in html and _page_data(html)["sites"] == []


def test_site_tiers_are_told_apart(demo_result):
    assert set(demo_result.siting) == {"township", "community"}
    styles = [SITE_STYLE[t] for t in ("township", "community")]
    assert styles[0]["shape"] != styles[1]["shape"] and styles[0]["color"] != styles[1]["color"]
    data = map_data(demo_result, "zh", cluster_min=500)
    for tier, site in demo_result.siting.items():
        ranks = [r[3] for r in data["sites"] if r[2] == tier]
        assert sorted(ranks) == list(range(1, len(site.sites) + 1))  # numbered within the tier
    popup = next(r[5] for r in data["sites"] if r[2] == "township")
    first = demo_result.siting["township"].sites.iloc[0]
    for words in ("乡镇/街道", first["township"], first["type"], str(first["new_names"]).split("、")[0]):
        assert words in popup


def test_script_json_is_inert_and_exact():
    obj = {"a": ["</script><script>x", "{{ 7*7 }}", "{% raw %}", "`${x}`", "\u2028", "'\"\\"], "b": [{}, {"c": 1.5}]}
    text = script_json(obj)
    assert json.loads(text) == obj
    for bad in ("</", "{{", "{%", "{#", "`", "$", "\u2028", "'"):
        assert bad not in text, bad


def test_isochrone_bands_agree_with_the_service_circles(demo_result, tmp_path):
    """The 15-minute walking band's outer edge is the coverage's own 15-minute walking circle; bands do not
    overlap; settlements within 5 minutes lie in the first band."""
    from planner.reporting.map_bands import band_frame

    bands = band_frame(demo_result, (5, 15))
    urban = bands[(bands["applies_to"] == "urban").to_numpy()]
    assert list(urban["hi"]) == [5.0, 15.0] and set(urban["mode"]) == {"walk"}
    outer = shapely.union_all(urban.geometry.to_numpy())
    by_tier = demo_result.coverage.circles_by_tier
    ref = by_tier[(by_tier.index == "community") & (by_tier["applies_to"] == "urban")].geometry.iloc[0]
    assert shapely.symmetric_difference(outer, ref).area < 1e-3 * ref.area
    assert shapely.intersection(urban.geometry.iloc[0], urban.geometry.iloc[1]).area < 1e-6 * ref.area
    sett = demo_result.coverage.settlements
    near = sett[(sett["kind"] != "village") & (sett["community_time_min"] <= 5)]
    assert len(near) > 3
    assert urban.geometry.iloc[0].buffer(1e-6).contains(shapely.points(near.geometry.x, near.geometry.y)).all()
    page = write_map(demo_result, tmp_path / "bands.html", lang="zh", bands=(5, 15)).read_text(encoding="utf-8")
    assert "等时圈 5/15 分钟" in page
    for name in ("等时圈 5/15 分钟：社区/村级设施，老年人步行（城镇社区）",
                 "等时圈 5/15 分钟：社区/村级设施，电动自行车（农村）"):
        assert name in page or json.dumps(name)[1:-1] in page, name
    with pytest.raises(Exception, match="bands"):
        band_frame(demo_result, (0, 5))


def _chromium(args, timeout=120):
    return subprocess.run([CHROMIUM, *FLAGS, *args], capture_output=True, text=True, timeout=timeout)


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_map_renders_in_headless_chromium(demo_result, demo_outputs, tmp_path):
    src = Path(demo_outputs["map"]).read_text(encoding="utf-8")
    probe = tmp_path / "probe.html"
    probe.write_text(src.replace("<head>", "<head>" + PROBE, 1), encoding="utf-8")
    profile = tmp_path / "profile"
    dom = _chromium([f"--user-data-dir={profile}", "--virtual-time-budget=10000", "--dump-dom",
                     probe.as_uri()]).stdout
    assert "leaflet-container" in dom, "Leaflet did not start"
    root = re.search(r"<html[^>]*>", dom).group(0)
    assert 'data-done="1"' in root, "the probe did not finish"
    errors = re.search(r'data-errors="([^"]*)"', root)
    assert errors is None, f"JavaScript errors on the page: {errors.group(1)}"
    control = dom[dom.find("leaflet-control-layers"):]
    for name in ("行政边界", "老年人步行 15 分钟（城镇社区）", "村/社区：服务不足", "养老服务设施：县级",
                 "乡镇/街道覆盖率"):
        assert name in control, f"layer control lacks {name}"
    assert dom.count("planner-badge") > 10  # facility markers were drawn

    cov = demo_result.coverage
    attr = {k: int(v) for k, v in re.findall(r'data-(\w+)="(\d+)"', root)}
    n_sites = {t: len(s.sites) for t, s in demo_result.siting.items()}
    # every settlement, facility and site has a popup; the points sit in a handful of GeoJSON layers
    assert attr["popups"] == len(cov.facilities) + len(cov.settlements) + sum(n_sites.values())
    assert 5 <= attr["geojson"] < 40
    assert attr["square"] == n_sites["township"] and attr["diamond"] == n_sites["community"]
    assert attr["choroback"] == 1  # the township colours lie under the points, not over them
    # the synthetic-data banner sits above the map, so it never covers a popup near the top
    assert attr["bannergap"] >= 1000
    # popups name facilities, never by their ids
    box = dom[dom.find('id="probe-box"'):]
    ids = [f for f in cov.facilities.index if re.search(rf"\b{re.escape(f)}\b", box)]
    assert not ids, f"facility ids in popups: {ids[:5]}"
    first = cov.settlements[cov.settlements["community_facility"].notna()].iloc[0]
    assert cov.facilities.loc[first["community_facility"], "name"] in box
    under = cov.under_served.iloc[0]
    reason = str(under["reason_detail_zh"]).split("；")[0].strip()
    for fid, name in cov.facilities["name"].items():
        reason = reason.replace(f"{fid} {name}", name)
    assert reason and reason in box
    # the legend names each rule with its own minutes
    legend = dom[dom.find('class="planner-legend"'):]
    assert "电动自行车 10 分钟（农村）" in legend and "驾车 60 分钟（城乡）" in legend

    shot = tmp_path / "map.png"
    _chromium([f"--user-data-dir={profile}", "--window-size=1280,900", "--virtual-time-budget=8000",
               f"--screenshot={shot}", probe.as_uri()])
    assert shot.exists()
    from PIL import Image

    pixels = np.asarray(Image.open(shot).convert("RGB"), dtype=float)
    assert pixels.std() > 10, "screenshot is blank"
    # the map area holds the layers' colours, not only grey: some under-served red and choropleth fill
    red = (pixels[..., 0] > 180) & (pixels[..., 1] < 80) & (pixels[..., 2] < 80)
    assert red.sum() > 200


def test_popup_text_is_escaped_and_formatted():
    from planner.reporting.popups import centre_tooltip, facility_popup, site_popup, text

    assert text(True) == "✓" and text(None) == "—" and text(12345.6) == "12,346" and text("<a>") == "&lt;a&gt;"
    fac = facility_popup(pd.Series({"name": "<敬老院>", "tier": "township", "beds": 120, "load": 9000.0,
                                    "share": 0.9, "over": False}), "zh")
    assert "&lt;敬老院&gt;" in fac and "乡镇/街道" in fac and "9,000（90%）" in fac
    site = site_popup(pd.Series({"name": "甲卫生院", "rank": 2, "type": "乡镇卫生院", "township": "<乙镇>",
                                 "new_settlements": 3, "new_older": 1234.4, "new_names": "丙村、丁村",
                                 "why_zh": "新增覆盖"}), "zh", tier="township")
    assert "乡镇/街道" in site and "&lt;乙镇&gt;" in site and "丙村、丁村" in site and "1,234" in site
    tip = centre_tooltip("C1", pd.Series({"name": "<b>甲镇中心</b>", "load": 9000.0, "capacity": 10000.0}), "zh")
    assert tip == "&lt;b&gt;甲镇中心&lt;/b&gt;：负荷 9,000 / 能力 10,000"


def test_cli_takes_map_bands():
    from planner.cli import build_parser

    args = build_parser().parse_args(["demo", "--map-bands", "5,10，15"])
    assert args.map_bands == (5.0, 10.0, 15.0)
    assert build_parser().parse_args(["demo"]).map_bands is None
    with pytest.raises(SystemExit):
        build_parser().parse_args(["demo", "--map-bands", "5,-1"])


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_many_under_served_are_clustered_in_the_browser(demo_result, tmp_path):
    """Past ``cluster_min`` under-served points are clustered too (red bubbles); every popup still opens."""
    n_under = int((demo_result.coverage.settlements["status"] == "under_served").sum())
    assert n_under > 5
    path = write_map(demo_result, tmp_path / "clustered.html", lang="zh", cluster_min=5)
    probe = tmp_path / "probe.html"
    probe.write_text(path.read_text(encoding="utf-8").replace("<head>", "<head>" + PROBE, 1), encoding="utf-8")
    dom = _chromium([f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=10000", "--dump-dom",
                     probe.as_uri()]).stdout
    root = re.search(r"<html[^>]*>", dom).group(0)
    assert 'data-done="1"' in root and "data-errors" not in root, root
    assert "planner-cluster-under" in dom and "服务不足聚合点" in dom
    cov = demo_result.coverage
    n_sites = sum(len(s.sites) for s in demo_result.siting.values())
    assert int(re.search(r'data-popups="(\d+)"', root).group(1)) == len(cov.facilities) + len(cov.settlements) + n_sites
