"""How the map looks and what it carries offline: colours, page CSS, inlined Leaflet and its controls.

Leaflet and Leaflet.markercluster are inlined from ``planner/static/vendor``
instead of being linked from a CDN, and the fullscreen and measuring tools are
small controls written here, so the map fetches nothing but base-map tiles.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import folium
from branca.element import Element, MacroElement
from jinja2 import Template

from planner.i18n import tr

__all__ = ["TIER_STYLE", "BADGE_STYLE", "SITE_STYLE", "STATUS_COLOR", "CENTRE_PALETTE", "CHORO_BINS",
           "badge_style", "inline_assets", "page_script", "MapControls"]

#: Colour and badge text of each tier's facility markers.
TIER_STYLE: dict[str, dict[str, str]] = {
    "county": {"color": "#8e1b1b", "zh": "县", "en": "C", "size": "26"},
    "township": {"color": "#d46b08", "zh": "镇", "en": "T", "size": "22"},
    "community": {"color": "#1d5fa8", "zh": "社", "en": "U", "size": "17"},
}
#: Badges by the facility's real kind: the tier gives the colour and size, the kind the word
#: (a street's centre is 街, not 镇; an urban day-care centre 社, a village facility 村).
BADGE_STYLE: dict[str, dict[str, str]] = {
    **TIER_STYLE,
    "street": dict(TIER_STYLE["township"], zh="街", en="S"),
    "village": dict(TIER_STYLE["community"], zh="村", en="V"),
}
#: Which tier each badge kind belongs to.
BADGE_TIER = {"county": "county", "township": "township", "street": "township", "community": "community",
              "village": "community"}
#: Proposed sites: the two tiers by shape and colour, numbered per tier.
SITE_STYLE: dict[str, dict[str, str]] = {
    "township": {"color": "#00695c", "shape": "square", "size": "24",
                 "zh": "建议新增乡镇/街道区域养老服务中心", "en": "Proposed township-tier centre"},
    "community": {"color": "#6a0dad", "shape": "diamond", "size": "20",
                  "zh": "建议新增社区/村级养老服务设施", "en": "Proposed community/village facility"},
}
#: Township choropleth: lower bound of each share class and its colour (80 % is the policy line).
CHORO_BINS: tuple[tuple[float, str], ...] = (
    (0.0, "#d73027"), (0.5, "#fc8d59"), (0.7, "#fee08b"), (0.8, "#91cf60"), (0.9, "#1a9850"),
)
STATUS_COLOR = {"served": "#2e8b57", "under_served": "#d62728"}
CENTRE_PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf",
    "#bcbd22", "#7f7f7f", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173",
)


def badge_style(kind: str, lang: str) -> dict[str, str]:
    """Colour, size, corner radius and word of a facility badge of ``kind`` (a key of :data:`BADGE_STYLE`)."""
    st = BADGE_STYLE.get(kind, BADGE_STYLE["community"])
    tier = BADGE_TIER.get(kind, "community")
    radius = "3px" if tier == "county" else ("4px" if tier == "township" else "50%")
    return {"color": st["color"], "size": st["size"], "radius": radius, "text": st[lang]}


@cache
def _vendor(name: str) -> str:
    return resources.files("planner").joinpath("static", "vendor", name).read_text(encoding="utf-8")


@cache
def page_script() -> str:
    """The script that draws the point layers from the map's data (``planner/static/map_layers.js``)."""
    return resources.files("planner").joinpath("static", "map_layers.js").read_text(encoding="utf-8")


def inline_assets(m: folium.Map) -> None:
    """Replace folium's CDN links by inlined Leaflet and markercluster."""
    css = _vendor("leaflet.css") + _vendor("MarkerCluster.css") + _vendor("MarkerCluster.Default.css")
    js = _vendor("leaflet.js") + "\n" + _vendor("leaflet.markercluster.js") + "\n" + _DOLLAR_SHIM
    root = m.get_root()
    root.header.add_child(Element(f"<style>{css}</style>"), name="planner_css")
    root.header.add_child(Element(f"<script>{js}</script>"), name="planner_js")
    root.header.add_child(Element(_PAGE_CSS), name="planner_page_css")


#: folium's popups build their content with ``$(`<div>...</div>`)[0]``; this is all of
#: jQuery they need, so jQuery itself is not shipped.
_DOLLAR_SHIM = """window.$ = window.$ || function (markup) {
  var t = document.createElement('template'); t.innerHTML = String(markup).trim();
  return [t.content.firstChild];
};"""

_PAGE_CSS = """<style>
html, body {width: 100%; height: 100%; margin: 0; padding: 0;
  font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif;}
.planner-legend {position: fixed; bottom: 24px; left: 10px; z-index: 1000; background: white;
  padding: 8px 10px; border-radius: 4px; box-shadow: 0 1px 5px rgba(0,0,0,.4); font-size: 12px;
  line-height: 18px; max-width: 300px; max-height: 60vh; overflow-y: auto;}
.planner-legend .sw {display: inline-block; width: 14px; height: 14px; margin-right: 6px;
  vertical-align: middle; border-radius: 7px;}
.planner-legend .sq {border-radius: 2px; opacity: .6;}
.planner-banner {position: fixed; top: 0; left: 0; right: 0; height: 26px; line-height: 26px; z-index: 1000;
  text-align: center; background: #fff3cd; color: #7a4d00; border-bottom: 1px solid #e0b252;
  font-size: 13px; font-weight: bold;}
body:has(.planner-banner) .folium-map {position: absolute !important; top: 27px !important; bottom: 0;
  height: auto !important;}
.planner-label {background: transparent; border: none; box-shadow: none; color: #222; font-size: 12px;
  font-weight: bold; text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 2px #fff; padding: 0;}
.planner-label span {position: absolute; transform: translate(-50%, -50%); white-space: nowrap;}
.planner-site {display: flex; align-items: center; justify-content: center; color: white; font-weight: bold;
  font-size: 11px; border: 2px solid white; box-shadow: 0 0 4px rgba(0,0,0,.7);}
.planner-site.diamond {transform: rotate(45deg); border-radius: 2px;}
.planner-site.diamond span {transform: rotate(-45deg);}
.planner-site.square {border-radius: 0; outline: 2px solid #00695c;}
.planner-cluster-under div {background: rgba(214,39,40,.8); color: white; font-weight: bold;}
.planner-cluster-under {background: rgba(214,39,40,.35);}
.planner-legend .ramp {display: inline-block; width: 18px; height: 10px; margin-right: 1px;}
.planner-legend .ln {display: inline-block; width: 18px; height: 0; margin-right: 6px; vertical-align: middle;
  border-top: 2px solid #1f77b4;}
.planner-badge {display: flex; align-items: center; justify-content: center; color: white;
  font-weight: bold; border: 2px solid white; box-shadow: 0 0 3px rgba(0,0,0,.6); font-size: 12px;}
.planner-ctl a {font-size: 16px; text-align: center; text-decoration: none; color: #333;}
.planner-measure-out {background: white; padding: 2px 6px; font-size: 12px;}
table.pp td {padding: 1px 4px; vertical-align: top;} table.pp td:first-child {color: #555;
  white-space: nowrap;}
</style>"""


class MapControls(MacroElement):
    """Fullscreen and distance-measuring controls (no plugin downloads)."""

    _template = Template(
        """
{% macro script(this, kwargs) %}
(function(map) {
  var Full = L.Control.extend({options: {position: 'topleft'},
    onAdd: function() {
      var div = L.DomUtil.create('div', 'leaflet-bar leaflet-control planner-ctl');
      var a = L.DomUtil.create('a', '', div); a.href = '#'; a.title = {{ this.full_title|tojson }};
      a.innerHTML = '<svg width="16" height="16" viewBox="0 0 16 16" style="margin-top:7px" fill="none" '
        + 'stroke="#333" stroke-width="2"><path d="M1 6V1h5M10 1h5v5M15 10v5h-5M6 15H1v-5"/></svg>';
      L.DomEvent.on(a, 'click', function(e) {
        L.DomEvent.preventDefault(e);
        var el = map.getContainer();
        if (document.fullscreenElement) { document.exitFullscreen(); }
        else if (el.requestFullscreen) { el.requestFullscreen(); }
      });
      return div;
    }});
  map.addControl(new Full());
  var Measure = L.Control.extend({options: {position: 'topleft'},
    onAdd: function() {
      var div = L.DomUtil.create('div', 'leaflet-bar leaflet-control planner-ctl');
      var a = L.DomUtil.create('a', '', div); a.href = '#'; a.title = {{ this.measure_title|tojson }};
      a.innerHTML = '<svg width="18" height="18" viewBox="0 0 18 18" style="margin-top:6px" fill="none" '
        + 'stroke="#333" stroke-width="1.6"><rect x="1" y="6" width="16" height="6"/>'
        + '<path d="M4 6v3M7 6v2M10 6v3M13 6v2"/></svg>';
      var out = L.DomUtil.create('div', 'planner-measure-out', div); out.style.display = 'none';
      var on = false, pts = [], line = null;
      function reset() { pts = []; if (line) { map.removeLayer(line); line = null; } }
      function click(e) {
        pts.push(e.latlng);
        if (!line) { line = L.polyline(pts, {color: '#333', dashArray: '4 4'}).addTo(map); }
        else { line.setLatLngs(pts); }
        var d = 0; for (var i = 1; i < pts.length; i++) { d += map.distance(pts[i-1], pts[i]); }
        out.innerHTML = {{ this.distance_label|tojson }} + (d >= 1000 ? (d/1000).toFixed(2) + ' km'
                                                                     : Math.round(d) + ' m');
      }
      L.DomEvent.on(a, 'click', function(e) {
        L.DomEvent.preventDefault(e); L.DomEvent.stopPropagation(e);
        on = !on; reset();
        out.style.display = on ? 'block' : 'none'; out.innerHTML = {{ this.hint|tojson }};
        if (on) { map.on('click', click); map.getContainer().style.cursor = 'crosshair'; }
        else { map.off('click', click); map.getContainer().style.cursor = ''; }
      });
      return div;
    }});
  map.addControl(new Measure());
  L.control.scale({metric: true, imperial: false, position: 'bottomright'}).addTo(map);
})({{ this._parent.get_name() }});
{% endmacro %}
"""
    )

    def __init__(self, lang: str) -> None:
        super().__init__()
        self._name = "PlannerControls"
        self.full_title = tr(lang, "全屏", "Full screen")
        self.measure_title = tr(lang, "量算距离（直线）", "Measure distance (straight line)")
        self.distance_label = tr(lang, "直线距离：", "Distance: ")
        self.hint = tr(lang, "在地图上点击各点", "Click points on the map")
