"""The Folium map: every layer present, offline-ready, no JavaScript errors in a real browser."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from planner.reporting import coverage_map, write_map

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars",
]

#: Records uncaught errors on the page's root element, so --dump-dom can report them.
ERROR_PROBE = (
    "<script>window.addEventListener('error', function (e) {"
    " var r = document.documentElement;"
    " r.setAttribute('data-errors', (r.getAttribute('data-errors') || '') + e.message + ' | ');"
    "});</script>"
)


def layer_names(result, lang):
    names = ["行政边界", "15分钟养老服务圈", "村/社区：已覆盖", "村/社区：服务不足", "养老服务设施：县级",
             "养老服务设施：乡镇/街道", "养老服务设施：社区/村级", "乡镇区域养老服务中心服务范围"]
    if lang == "en":
        names = ["Administrative boundaries", "15-minute service circles", "Settlements: served",
                 "Settlements: under-served", "Facilities: County", "Facilities: Township / street",
                 "Facilities: Community / village", "Township-centre catchments"]
    if any(getattr(s, "sites", None) is not None and len(s.sites) for s in result.siting.values()):
        names.append("建议新增选址" if lang == "zh" else "Proposed sites")
    return names


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
    assert path.stat().st_size < 15e6


def test_under_served_popups_give_reasons_in_words(demo_result):
    html = coverage_map(demo_result, lang="zh").get_root().render()
    under = demo_result.coverage.under_served
    assert len(under) > 0
    first = under.iloc[0]
    assert str(first["name"]) in html
    detail = str(first["reason_detail_zh"]).split("；")[0].strip()
    assert detail and detail in html


def _chromium(args, timeout=120):
    return subprocess.run([CHROMIUM, *FLAGS, *args], capture_output=True, text=True, timeout=timeout)


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_map_renders_in_headless_chromium(demo_outputs, tmp_path):
    src = Path(demo_outputs["map"]).read_text(encoding="utf-8")
    probe = tmp_path / "probe.html"
    probe.write_text(src.replace("<head>", "<head>" + ERROR_PROBE, 1), encoding="utf-8")
    profile = tmp_path / "profile"
    dom = _chromium([f"--user-data-dir={profile}", "--virtual-time-budget=8000", "--dump-dom",
                     probe.as_uri()]).stdout
    assert "leaflet-container" in dom, "Leaflet did not start"
    errors = re.search(r'data-errors="([^"]*)"', dom)
    assert errors is None, f"JavaScript errors on the page: {errors.group(1)}"
    control = dom[dom.find("leaflet-control-layers"):]
    for name in ("行政边界", "15分钟养老服务圈", "村/社区：服务不足", "养老服务设施：县级"):
        assert name in control, f"layer control lacks {name}"
    assert dom.count("planner-badge") > 10  # facility markers were drawn

    shot = tmp_path / "map.png"
    _chromium([f"--user-data-dir={profile}", "--window-size=1280,900", "--virtual-time-budget=8000",
               f"--screenshot={shot}", probe.as_uri()])
    assert shot.exists()
    from PIL import Image

    pixels = np.asarray(Image.open(shot).convert("L"), dtype=float)
    assert pixels.std() > 10, "screenshot is blank"


def test_popup_text_is_escaped_and_formatted():
    import pandas as pd

    from planner.reporting.popups import centre_tooltip, facility_popup, settlement_popup, text

    assert text(True) == "✓" and text(None) == "—" and text(12345.6) == "12,346" and text("<a>") == "&lt;a&gt;"
    fac = facility_popup(pd.Series({"name": "<敬老院>", "tier": "township", "beds": 120, "load": 9000.0,
                                    "share": 0.9, "over": False}), "zh")
    assert "&lt;敬老院&gt;" in fac and "乡镇/街道" in fac and "9,000（90%）" in fac
    sett = settlement_popup(pd.Series({"name": "甲村", "kind": "village", "status": "under_served",
                                       "community_time_min": 12.345, "community_facility": "乙站",
                                       "reason_detail_zh": "超出服务时间；所在乡镇无区域养老服务中心"}),
                            ["community"], "zh")
    assert "服务不足" in sett and "12.3 分钟" in sett and "<li>超出服务时间</li>" in sett
    tip = centre_tooltip("C1", pd.Series({"name": "<b>甲镇中心</b>", "load": 9000.0, "capacity": 10000.0}), "zh")
    assert tip == "&lt;b&gt;甲镇中心&lt;/b&gt;：负荷 9,000 / 能力 10,000"
