"""Interactive Folium maps of a study: one self-contained HTML file.

The map opens offline apart from the base-map tiles: Leaflet and
Leaflet.markercluster are inlined from ``planner/static/vendor`` instead of
being linked from a CDN, and the fullscreen and measuring tools are small
controls written here, so nothing else is fetched.

Every layer can be switched on and off: facilities by tier, the 15-minute
service circles, township-centre catchments, settlements coloured by status
(under-served ones large and red, with the reasons in words), administrative
boundaries and proposed sites.  Labels are Chinese by default, English with
``lang="en"``.

Base tiles are OpenStreetMap, which draws in WGS84 like every layer here.
Chinese tile services (Amap/Gaode, Tencent) draw in GCJ-02: WGS84 points on
them land a few hundred metres off, so they are deliberately not offered.
"""

from __future__ import annotations

import html
import json
import logging
import math
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import folium
import folium.plugins
import geopandas as gpd
import numpy as np
import pandas as pd
from branca.element import Element, MacroElement
from jinja2 import Template

from planner.i18n import check_lang, label, tr

if TYPE_CHECKING:
    from planner.study import StudyResult

__all__ = ["coverage_map", "write_map", "TIER_STYLE"]

logger = logging.getLogger(__name__)

#: Colour and badge text of each tier's facility markers.
TIER_STYLE: dict[str, dict[str, str]] = {
    "county": {"color": "#8e1b1b", "zh": "县", "en": "C", "size": "26"},
    "township": {"color": "#d46b08", "zh": "镇", "en": "T", "size": "22"},
    "community": {"color": "#1d5fa8", "zh": "村", "en": "V", "size": "17"},
}
STATUS_COLOR = {"served": "#2e8b57", "under_served": "#d62728"}
_CENTRE_PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf",
    "#bcbd22", "#7f7f7f", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173",
)


@cache
def _vendor(name: str) -> str:
    return resources.files("planner").joinpath("static", "vendor", name).read_text(encoding="utf-8")


def _inline_assets(m: folium.Map) -> None:
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
.planner-legend {position: fixed; bottom: 56px; left: 10px; z-index: 1000; background: white;
  padding: 8px 10px; border-radius: 4px; box-shadow: 0 1px 5px rgba(0,0,0,.4); font-size: 12px;
  line-height: 18px; max-width: 260px;}
.planner-legend .sw {display: inline-block; width: 14px; height: 14px; margin-right: 6px;
  vertical-align: middle; border-radius: 7px;}
.planner-legend .sq {border-radius: 2px; opacity: .6;}
.planner-banner {position: fixed; top: 10px; left: 50%; transform: translateX(-50%); z-index: 1000;
  background: #fff3cd; color: #7a4d00; border: 1px solid #e0b252; padding: 4px 12px;
  border-radius: 4px; font-size: 13px; font-weight: bold;}
.planner-badge {display: flex; align-items: center; justify-content: center; color: white;
  font-weight: bold; border: 2px solid white; box-shadow: 0 0 3px rgba(0,0,0,.6); font-size: 12px;}
.planner-ctl a {font-size: 16px; text-align: center; text-decoration: none; color: #333;}
.planner-measure-out {background: white; padding: 2px 6px; font-size: 12px;}
table.pp td {padding: 1px 4px; vertical-align: top;} table.pp td:first-child {color: #555;
  white-space: nowrap;}
</style>"""


class _Controls(MacroElement):
    """Fullscreen and distance-measuring controls (no plugin downloads)."""

    _template = Template(
        """
{% macro script(this, kwargs) %}
(function(map) {
  var Full = L.Control.extend({options: {position: 'topleft'},
    onAdd: function() {
      var div = L.DomUtil.create('div', 'leaflet-bar leaflet-control planner-ctl');
      var a = L.DomUtil.create('a', '', div); a.href = '#'; a.title = {{ this.full_title|tojson }};
      a.innerHTML = '<svg width="16" height="16" viewBox="0 0 16 16" style="margin-top:7px" fill="none" stroke="#333" stroke-width="2"><path d="M1 6V1h5M10 1h5v5M15 10v5h-5M6 15H1v-5"/></svg>';
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
      a.innerHTML = '<svg width="18" height="18" viewBox="0 0 18 18" style="margin-top:6px" fill="none" stroke="#333" stroke-width="1.6"><rect x="1" y="6" width="16" height="6"/><path d="M4 6v3M7 6v2M10 6v3M13 6v2"/></svg>';
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


def _fmt(v: Any, digits: int = 0) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return "—"
    if isinstance(v, (bool, np.bool_)):
        return "✓" if v else "✗"
    if isinstance(v, (int, float, np.integer, np.floating)):
        if math.isinf(float(v)):
            return "∞"
        return f"{float(v):,.{digits}f}"
    return html.escape(str(v))


def _table(rows: list[tuple[str, str]]) -> str:
    body = "".join(f"<tr><td>{html.escape(k)}</td><td>{v}</td></tr>" for k, v in rows)
    return f'<table class="pp">{body}</table>'


def _is_true(v: Any) -> bool:
    try:
        return bool(v) and v is not pd.NA
    except (TypeError, ValueError):
        return False


def _facility_popup(row: pd.Series, lang: str) -> str:
    tier = str(row.get("tier", ""))
    rows = [
        (tr(lang, "名称", "Name"), f"<b>{_fmt(row.get('name'))}</b>"),
        (tr(lang, "类型", "Type"), _fmt(row.get("type"))),
        (tr(lang, "层级", "Tier"), html.escape(label(tier, lang))),
        (tr(lang, "床位", "Beds"), _fmt(row.get("beds"))),
        (tr(lang, "护理型床位", "Nursing beds"), _fmt(row.get("nursing_beds"))),
        (tr(lang, "入住", "Occupied"), _fmt(row.get("occupied_beds"))),
        (tr(lang, "公办", "Public"), _fmt(row.get("public"))),
        (tr(lang, "服务圈内村/社区", "Settlements in its circle"), _fmt(row.get("settlements_in_circle"))),
        (tr(lang, "服务圈内老年人", "Older people in its circle"), _fmt(row.get("older_in_circle"))),
    ]
    if "load" in row and pd.notna(row.get("load")):
        share = row.get("share")
        load_txt = _fmt(row.get("load"))
        if pd.notna(share):
            load_txt += f"（{float(share):.0%}）" if lang == "zh" else f" ({float(share):.0%})"
        rows.append((tr(lang, "服务负荷（老年人）", "Catchment load (older people)"), load_txt))
    if _is_true(row.get("over")):
        rows.append((tr(lang, "状态", "Status"), f"<b style='color:#d62728'>{tr(lang, '超负荷', 'over capacity')}</b>"))
    return _table(rows)


def _settlement_popup(row: pd.Series, tiers: list[str], lang: str) -> str:
    status = str(row.get("status", ""))
    older = _fmt(row.get("older_population"))
    if _is_true(row.get("older_estimated")):
        older += tr(lang, "（估算）", " (estimated)")
    rows = [
        (tr(lang, "名称", "Name"), f"<b>{_fmt(row.get('name'))}</b>"),
        (tr(lang, "类别", "Kind"), html.escape(label("village" if row.get("kind") == "village" else "community_kind", lang))),
        (tr(lang, "乡镇/街道", "Township"), _fmt(row.get("township"))),
        (tr(lang, "60岁及以上", "Aged 60+"), older),
        (tr(lang, "状态", "Status"),
         f"<b style='color:{STATUS_COLOR.get(status, '#333')}'>{html.escape(label(status, lang))}</b>"),
    ]
    for tier in tiers:
        fac = row.get(f"{tier}_facility_name", row.get(f"{tier}_facility"))
        t = row.get(f"{tier}_time_min")
        if fac is None and t is None:
            continue
        time_txt = _fmt(t, 1) + " " + label("minutes", lang) if pd.notna(t) and not math.isinf(float(t)) else "—"
        rows.append((f"{label(tier, lang)}", f"{_fmt(fac)} · {time_txt}"))
    centre = row.get("centre_name", row.get("centre"))
    if centre is not None and pd.notna(centre) and str(centre):
        rows.append((tr(lang, "所属区域中心", "Township centre"),
                     f"{_fmt(centre)} · {_fmt(row.get('centre_time_min'), 1)} {label('minutes', lang)}"))
    detail = row.get(f"reason_detail_{lang}")
    if detail is not None and pd.notna(detail) and str(detail).strip():
        items = "".join(f"<li>{html.escape(x.strip())}</li>" for x in str(detail).split("；" if lang == "zh" else ";") if x.strip())
        rows.append((tr(lang, "原因", "Why"), f"<ul style='margin:0;padding-left:16px'>{items}</ul>"))
    return _table(rows)


def _badge_icon(tier: str, lang: str) -> folium.DivIcon:
    style = TIER_STYLE.get(tier, TIER_STYLE["community"])
    size = int(style["size"])
    radius = "3px" if tier == "county" else ("4px" if tier == "township" else "50%")
    return folium.DivIcon(
        html=(f'<div class="planner-badge" style="width:{size}px;height:{size}px;'
              f'background:{style["color"]};border-radius:{radius}">{style[lang]}</div>'),
        icon_size=(size, size), icon_anchor=(size // 2, size // 2),
    )


def _geojson(frame: gpd.GeoDataFrame, *, columns: list[str], tolerance_deg: float = 5e-5) -> dict:
    """Small GeoJSON: simplified (≈5 m) geometry, rounded coordinates, only the listed columns."""
    keep = [c for c in columns if c in frame.columns]
    out = frame[keep + [frame.geometry.name]].copy()
    out[frame.geometry.name] = out.geometry.simplify(tolerance_deg, preserve_topology=True)
    out = out[~out.geometry.is_empty & out.geometry.notna()]
    for c in keep:
        out[c] = out[c].map(lambda v: None if v is None or (isinstance(v, float) and not math.isfinite(v)) else
                            (round(float(v), 1) if isinstance(v, (float, np.floating)) else str(v)))
    data = json.loads(out.to_json(drop_id=True, to_wgs84=True))

    def rnd(c: Any) -> Any:
        return [rnd(x) for x in c] if isinstance(c, list) and c and isinstance(c[0], list) else (
            [round(x, 5) for x in c] if isinstance(c, list) else c)

    for feat in data["features"]:
        feat["geometry"]["coordinates"] = rnd(feat["geometry"]["coordinates"])
    return data


def _points(frame: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    g = frame.geometry
    if frame.crs is not None and not frame.crs.equals("EPSG:4326"):
        g = g.to_crs("EPSG:4326")
    return g.y.to_numpy(), g.x.to_numpy()


def _legend(lang: str, result: StudyResult) -> str:
    rows = [f"<b>{tr(lang, '图例', 'Legend')}</b>"]
    for tier, st in TIER_STYLE.items():
        radius = "3px" if tier == "county" else ("4px" if tier == "township" else "7px")
        rows.append(f'<div><span class="sw" style="background:{st["color"]};border-radius:{radius}"></span>'
                    f'{html.escape(label(tier, lang))}{tr(lang, "养老服务设施", " facility")}</div>')
    rows.append(f'<div><span class="sw" style="background:{STATUS_COLOR["served"]}"></span>'
                f'{tr(lang, "村/社区：已覆盖", "Settlement: served")}</div>')
    rows.append(f'<div><span class="sw" style="background:{STATUS_COLOR["under_served"]}"></span>'
                f'{tr(lang, "村/社区：服务不足（点大小=老年人口）", "Settlement: under-served (size = older population)")}</div>')
    rows.append(f'<div><span class="sw sq" style="background:{TIER_STYLE["community"]["color"]}"></span>'
                f'{tr(lang, "15分钟养老服务圈（沿路网）", "15-minute service circle (along roads)")}</div>')
    rows.append(f'<div><span class="sw" style="background:#6a0dad;border-radius:2px"></span>'
                f'{tr(lang, "建议新增选址", "Proposed new site")}</div>')
    minutes = result.config.tiers["community"].minutes
    speed = result.config.profiles[result.config.tiers["community"].profile].speed_kmh / 3.6
    rows.append(f"<div style='color:#555'>{tr(lang, f'服务圈：老年人步行 {minutes:.0f} 分钟（{speed:.1f} 米/秒）', f'Circle: {minutes:.0f} min older-walker pace ({speed:.1f} m/s)')}</div>")
    return '<div class="planner-legend">' + "".join(rows) + "</div>"


def coverage_map(result: StudyResult, *, lang: str = "zh") -> folium.Map:
    """Build the interactive map of a study.

    Parameters
    ----------
    result
        What :func:`planner.pipeline.run_study` returned.
    lang
        ``"zh"`` (default) or ``"en"``.

    Returns
    -------
    folium.Map
        Layers: boundaries, 15-minute circles, township-centre catchments,
        settlements by status, facilities by tier, proposed sites.
    """
    check_lang(lang)
    data = result.data
    cov = result.coverage
    minx, miny, maxx, maxy = data.study_area.bounds
    m = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=10, tiles=None,
                   control_scale=True, prefer_canvas=True)
    m.default_js = []
    m.default_css = []
    _inline_assets(m)
    folium.TileLayer("OpenStreetMap", name=tr(lang, "OpenStreetMap 底图", "OpenStreetMap base map")).add_to(m)
    m.fit_bounds([[miny, minx], [maxy, maxx]])

    # Administrative boundaries
    bounds = folium.FeatureGroup(name=tr(lang, "行政边界", "Administrative boundaries"), show=True)
    if data.townships is not None and len(data.townships):
        tw = data.townships.copy()
        tw["name"] = tw.index.astype(str)
        folium.GeoJson(
            _geojson(tw, columns=["name", "kind"]),
            style_function=lambda f: {"color": "#555", "weight": 1, "fill": False, "dashArray": "4 3"},
            tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
        ).add_to(bounds)
    if data.counties is not None and len(data.counties):
        ct = data.counties.copy()
        ct["name"] = ct.index.astype(str)
        folium.GeoJson(
            _geojson(ct, columns=["name"]),
            style_function=lambda f: {"color": "#111", "weight": 3, "fill": False},
        ).add_to(bounds)
    bounds.add_to(m)

    # 15-minute service circles (community tier) and other tiers' circles
    if cov.circles is not None and len(cov.circles):
        circles = cov.circles
        tier_col = circles["tier"] if "tier" in circles else cov.facilities.loc[circles.index, "tier"]
        for tier in ("community", "township"):
            sub = circles[(tier_col == tier).to_numpy()]
            if not len(sub):
                continue
            name = (tr(lang, "15分钟养老服务圈（社区/村级设施）", "15-minute service circles (community/village)")
                    if tier == "community" else
                    tr(lang, "乡镇级设施服务圈", "Township-tier service areas"))
            fg = folium.FeatureGroup(name=name, show=(tier == "community"))
            sub = sub.copy()
            sub["name"] = cov.facilities.loc[sub.index, "name"].astype(str).to_numpy()
            color = TIER_STYLE[tier]["color"]
            folium.GeoJson(
                _geojson(sub, columns=["name", "minutes", "area_km2"]),
                style_function=lambda f, c=color: {"color": c, "weight": 1, "fillColor": c, "fillOpacity": 0.15},
                tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
            ).add_to(fg)
            fg.add_to(m)

    # Township-centre catchments: lines from each settlement to its assigned centre
    sett = cov.settlements
    if "centre" in sett and len(cov.centres):
        fg = folium.FeatureGroup(name=tr(lang, "乡镇区域养老服务中心服务范围", "Township-centre catchments"), show=False)
        colours = {c: _CENTRE_PALETTE[i % len(_CENTRE_PALETTE)] for i, c in enumerate(cov.centres.index)}
        clat, clon = _points(cov.centres)
        centre_xy = dict(zip(cov.centres.index, zip(clat, clon)))
        slat, slon = _points(sett)
        for i, (sid, centre) in enumerate(sett["centre"].items()):
            if centre is None or centre is pd.NA or (isinstance(centre, float) and math.isnan(centre)) or centre not in centre_xy:
                continue
            folium.PolyLine([(slat[i], slon[i]), centre_xy[centre]], color=colours[centre], weight=1.5,
                            opacity=0.7).add_to(fg)
        for cid, row in cov.centres.iterrows():
            lat, lon = centre_xy[cid]
            over = _is_true(row.get("over"))
            folium.CircleMarker(
                (lat, lon), radius=14, color="#d62728" if over else colours[cid], weight=3, fill=False,
                tooltip=tr(lang, f"{row.get('name', cid)}：负荷 {_fmt(row.get('load'))} / 能力 {_fmt(row.get('capacity'))}",
                           f"{row.get('name', cid)}: load {_fmt(row.get('load'))} / capacity {_fmt(row.get('capacity'))}"),
            ).add_to(fg)
        fg.add_to(m)

    # Settlements by status
    tiers = [t for t in result.config.tiers if f"{t}_time_min" in sett]
    slat, slon = _points(sett)
    served = folium.FeatureGroup(name=tr(lang, "村/社区：已覆盖", "Settlements: served"), show=True)
    cluster = folium.plugins.MarkerCluster(disableClusteringAtZoom=13, showCoverageOnHover=False)
    cluster.default_js = []
    cluster.default_css = []
    cluster.add_to(served)
    under = folium.FeatureGroup(name=tr(lang, "村/社区：服务不足", "Settlements: under-served"), show=True)
    older = pd.to_numeric(sett.get("older_population"), errors="coerce").fillna(0).to_numpy()
    for i, (sid, row) in enumerate(sett.iterrows()):
        if not (math.isfinite(slat[i]) and math.isfinite(slon[i])):
            continue
        popup = folium.Popup(_settlement_popup(row, tiers, lang), max_width=360)
        if row.get("status") == "under_served":
            folium.CircleMarker(
                (slat[i], slon[i]), radius=float(5 + min(10, math.sqrt(max(older[i], 0)) / 6)),
                color="#7f0000", weight=1.5, fill=True, fill_color=STATUS_COLOR["under_served"],
                fill_opacity=0.85, popup=popup, tooltip=html.escape(str(row.get("name", sid))),
            ).add_to(under)
        else:
            folium.CircleMarker(
                (slat[i], slon[i]), radius=5, color=STATUS_COLOR["served"], weight=1, fill=True,
                fill_opacity=0.7, popup=popup, tooltip=html.escape(str(row.get("name", sid))),
            ).add_to(cluster)
    served.add_to(m)
    under.add_to(m)

    # Facilities by tier
    fac = cov.facilities
    flat, flon = _points(fac)
    for tier in ("county", "township", "community"):
        fg = folium.FeatureGroup(name=tr(lang, f"养老服务设施：{label(tier, lang)}", f"Facilities: {label(tier, lang)}"),
                                 show=True)
        mask = (fac["tier"] == tier).to_numpy()
        for i in np.flatnonzero(mask):
            row = fac.iloc[i]
            folium.Marker((flat[i], flon[i]), icon=_badge_icon(tier, lang),
                          popup=folium.Popup(_facility_popup(row, lang), max_width=360),
                          tooltip=html.escape(str(row.get("name", fac.index[i])))).add_to(fg)
        fg.add_to(m)

    # Proposed sites
    for key, site in (result.siting or {}).items():
        sites = getattr(site, "sites", None)
        if sites is None or not len(sites):
            continue
        fg = folium.FeatureGroup(name=tr(lang, f"建议新增选址（{label(key, lang)}）", f"Proposed sites ({label(key, lang)})"),
                                 show=True)
        plat, plon = _points(sites)
        for i in range(len(sites)):
            row = sites.iloc[i]
            why = row.get(f"why_{lang}", row.get("why", ""))
            rows = [(tr(lang, "名称", "Name"), f"<b>{_fmt(row.get('name'))}</b>"),
                    (tr(lang, "排序", "Rank"), _fmt(row.get("rank"))),
                    (tr(lang, "理由", "Why"), _fmt(why))]
            folium.Marker(
                (plat[i], plon[i]),
                icon=folium.DivIcon(html='<div class="planner-badge" style="width:20px;height:20px;background:#6a0dad;'
                                         f'border-radius:2px;transform:rotate(45deg)"><span style="transform:rotate(-45deg)">'
                                         f'{_fmt(row.get("rank"))}</span></div>', icon_size=(20, 20), icon_anchor=(10, 10)),
                popup=folium.Popup(_table(rows), max_width=360),
                tooltip=html.escape(str(row.get("name", ""))),
            ).add_to(fg)
        fg.add_to(m)

    folium.LayerControl(collapsed=False).add_to(m)
    m.add_child(_Controls(lang))
    root = m.get_root()
    root.html.add_child(Element(_legend(lang, result)))
    if result.synthetic:
        root.html.add_child(Element(
            f'<div class="planner-banner">{tr(lang, "合成数据（模拟示范县），非真实情况", "Synthetic data (demo county), not a real place")}</div>'))
    title = tr(lang, f"{result.config.name} · 养老服务设施覆盖", f"{result.config.name} · elderly-care coverage")
    root.header.add_child(Element(f"<title>{html.escape(title)}</title>"), name="planner_title")
    return m


def write_map(result: StudyResult, path: str | Path, *, lang: str = "zh") -> Path:
    """Write the map of a study to one HTML file (see :func:`coverage_map`).

    Returns
    -------
    Path
        The file written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    m = coverage_map(result, lang=lang)
    m.save(str(path))
    logger.info("map written to %s (%.1f MB)", path, path.stat().st_size / 1e6)
    return path
