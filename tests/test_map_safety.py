"""Hostile names on the map: shown as written, never run, and the map still draws everything.

Folium writes popup and tooltip HTML inside JavaScript template literals, so
text that is safe as HTML (``html.escape``) can still run code (``${...}``) or
end the literal (a backtick) and blank the whole page.  These tests put such
names into every text field that reaches the map and open the page in a real
browser.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess

import pandas as pd
import pytest

from planner.reporting import write_map
from planner.reporting.popups import map_text

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-quic"]

#: What each payload would do if it ran: mark the page's root element.
_MARK = "document.documentElement.setAttribute('data-pwned','{}')"
HOSTILE = [
    "康宁${" + _MARK.format("template") + "}颐养院",
    '<img src=x onerror="' + _MARK.format("img").replace("'", "&#39;") + '">',
    "<img src=x onerror=" + _MARK.format("img2") + ">",
    "甲`村",
    "乙村\\",
    "`;" + _MARK.format("backtick") + ";`",
    "</script><script>" + _MARK.format("script") + "</script>",
    "丙\u2028村\u2029'\"",
    "\\`${" + _MARK.format("slash") + "}",
    "{{ 7*7 }}</div></td>",
    "{{ lipsum.__globals__['os'].environ.__setitem__('PLANNER_PWNED', '1') }}",
    "{% raw %}{# 镇",
]

#: Loaded before the page's scripts.  Records uncaught errors; after load, puts the content of every
#: popup and tooltip of every layer, groups and clusters included, into the live page (what Leaflet does
#: when one opens) and counts them.
PROBE = """<script>
window.addEventListener('error', function (e) {
  var r = document.documentElement;
  r.setAttribute('data-errors', (r.getAttribute('data-errors') || '') + e.message + ' | ');
});
window.addEventListener('load', function () {
  var root = document.documentElement, box = document.createElement('div'), seen = [];
  box.id = 'probe-box'; document.body.appendChild(box);
  var popups = 0, tips = 0, shapes = 0;
  function show(content, source) {
    if (typeof content === 'function') { content = content(source); }
    var holder = document.createElement('div');
    if (typeof content === 'string') { holder.innerHTML = content; } else if (content) { holder.appendChild(content); }
    box.appendChild(holder);
  }
  function walk(v) {
    if (seen.indexOf(v) >= 0) { return; } seen.push(v);
    var p = v.getPopup && v.getPopup(), t = v.getTooltip && v.getTooltip();
    if (p) { popups += 1; show(p.getContent(), v); }
    if (t) {
      if (v.eachLayer) { v.eachLayer(function (s) { shapes += 1; show(t._content, s); }); }
      else { tips += 1; show(t._content, v); }
    }
    if (v.eachLayer) { v.eachLayer(walk); }
  }
  for (var k in window) {
    var v; try { v = window[k]; } catch (e) { continue; }
    if (v instanceof L.Layer) { walk(v); }
  }
  root.setAttribute('data-popups', popups); root.setAttribute('data-tooltips', tips);
  root.setAttribute('data-shapes', shapes);
  root.setAttribute('data-badges', document.querySelectorAll('.leaflet-marker-icon .planner-badge, '
    + '.leaflet-marker-icon .planner-site').length);
  setTimeout(function () { root.setAttribute('data-done', '1'); }, 300);
});
</script>"""


def _renamed(frame: pd.DataFrame, columns: list[str], start: int = 0) -> pd.DataFrame:
    out = frame.copy()
    for k, col in enumerate(c for c in columns if c in out.columns):
        out[col] = [HOSTILE[(start + k + i) % len(HOSTILE)] for i in range(len(out))]
    return out


def hostile_result(result):
    """``result`` with every name-like text that reaches the map replaced by hostile strings."""
    cov = result.coverage
    fac = _renamed(cov.facilities, ["name", "type"])
    sett = _renamed(cov.settlements, ["name", "township", "reason_detail_zh", "reason_detail_en"], 3)
    centres = cov.centres.copy()
    centres["name"] = fac.loc[centres.index, "name"].to_numpy() if centres.index.isin(fac.index).all() else \
        _renamed(centres, ["name"])["name"]
    coverage = dataclasses.replace(cov, facilities=fac, settlements=sett, centres=centres)
    data = result.data
    towns = data.townships.copy()
    towns.index = pd.Index([f"{HOSTILE[i % len(HOSTILE)]}{i}" for i in range(len(towns))], name=towns.index.name)
    data = dataclasses.replace(data, townships=towns)
    siting = {k: dataclasses.replace(s, sites=_renamed(s.sites, ["name", "why_zh", "why_en"], 5))
              for k, s in result.siting.items()}
    config = result.config.replace(name="</title><script>" + _MARK.format("title") + "</script>${x}`")
    access = result.access and dataclasses.replace(result.access, settlements=_renamed(result.access.settlements,
                                                                                       ["name"], 3))
    return dataclasses.replace(result, coverage=coverage, data=data, siting=siting, config=config, access=access)


def test_map_text_is_inert_in_html_and_template_literals():
    for name in HOSTILE:
        out = map_text(name)
        assert not set("`$\\<>{}\u2028\u2029\"'") & set(out), out
        # a browser's HTML parser gives the name back exactly
        import html

        assert html.unescape(out) == name


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_hostile_names_do_not_run_in_a_browser(demo_result, tmp_path):
    result = hostile_result(demo_result)
    path = write_map(result, tmp_path / "map.html", lang="en")
    page = path.read_text(encoding="utf-8")
    probe = tmp_path / "probe.html"
    probe.write_text(page.replace("<head>", "<head>" + PROBE, 1), encoding="utf-8")
    dom = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
                          "--virtual-time-budget=10000", "--dump-dom", probe.as_uri()],
                         capture_output=True, text=True, timeout=180).stdout
    root = re.search(r"<html[^>]*>", dom).group(0)  # the probe and the payloads mark the root element
    assert 'data-done="1"' in root, "the probe did not finish"
    errors = re.search(r'data-errors="([^"]*)"', root)
    assert errors is None, f"JavaScript errors on the page: {errors.group(1)}"
    assert "data-pwned" not in root, root
    # the page title is the (escaped) study name, not cut short by it
    assert re.search(r"<title>&lt;/title&gt;&lt;script&gt;", dom)

    cov = result.coverage
    n_sites = sum(len(s.sites) for s in result.siting.values())
    popups = int(re.search(r'data-popups="(\d+)"', root).group(1))
    assert popups == len(cov.facilities) + len(cov.settlements) + n_sites
    tips = int(re.search(r'data-tooltips="(\d+)"', root).group(1))
    # every marker's tooltip, the centres' rings and the townships' coverage polygons
    assert tips == popups + len(cov.centres) + len(result.data.townships)
    # every township outline and (some) service circles, each named on hover
    assert int(re.search(r'data-shapes="(\d+)"', root).group(1)) > len(result.data.townships)
    # every facility badge and site diamond was drawn
    assert int(re.search(r'data-badges="(\d+)"', root).group(1)) == len(cov.facilities) + n_sites
    # the names are shown as written (text nodes: only & < > are escaped by the DOM serialiser)
    box = dom[dom.find('id="probe-box"'):]
    for name in HOSTILE[:2] + HOSTILE[3:6] + [HOSTILE[9]]:
        shown = name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\u2028", "")
        assert shown in box, name


def test_hostile_names_stay_out_of_script_code(demo_result, tmp_path, monkeypatch):
    """Without a browser: no hostile character reaches the page's script unescaped, and no name runs as Jinja.

    folium renders every script twice as a Jinja template, so a name with ``{{ ... }}`` ran as Python
    while the map was written (here: it would set an environment variable).
    """
    monkeypatch.delenv("PLANNER_PWNED", raising=False)
    page = write_map(hostile_result(demo_result), tmp_path / "map.html").read_text(encoding="utf-8")
    import os

    assert "PLANNER_PWNED" not in os.environ
    scripts = "".join(re.findall(r"<script>(.*?)</script>", page, flags=re.S))
    for payload in ("${document", "`;document", "<img", "</script><script>", "\u2028"):
        assert payload not in scripts, payload
    # in the map's data, as JSON escapes the browser reads back as the name
    assert "康宁\\u0024\\u007bdocument" in page

