"""Interactive Folium maps of a study: one self-contained HTML file.

The map opens offline apart from the base-map tiles (see
:mod:`planner.reporting.map_assets`).  Every layer can be switched on and
off: administrative boundaries, the 15-minute service circles, township-centre
catchments, settlements coloured by status (under-served ones large and red,
with the reasons in words), facilities by tier and proposed sites.  Each group
of layers is drawn by its own function; the popups are written by
:mod:`planner.reporting.popups`.  Labels are Chinese by default, English with
``lang="en"``.

Base tiles are OpenStreetMap, which draws in WGS84 like every layer here.
Chinese tile services (Amap/Gaode, Tencent) draw in GCJ-02: WGS84 points on
them land a few hundred metres off, so they are deliberately not offered.
"""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import folium
import folium.plugins
import geopandas as gpd
import numpy as np
import pandas as pd
from branca.element import Element

from planner.i18n import check_lang, is_missing, label, tr
from planner.reporting.access_map import add_access_layers
from planner.reporting.map_assets import CENTRE_PALETTE, STATUS_COLOR, TIER_STYLE, MapControls, inline_assets
from planner.reporting.popups import (
    centre_tooltip,
    circle_rule_text,
    facility_popup,
    is_true,
    legend_html,
    map_text,
    settlement_popup,
    site_popup,
    text,
)

if TYPE_CHECKING:
    from planner.study import StudyResult

__all__ = ["coverage_map", "write_map", "TIER_STYLE"]

logger = logging.getLogger(__name__)

#: Most a popup grows, in pixels.
_POPUP_WIDTH = 360


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
    """Small GeoJSON: simplified (≈5 m) geometry, rounded coordinates, only the listed columns.

    Text values are escaped with :func:`map_text`: GeoJSON tooltips put them into the page as HTML.
    """
    keep = [c for c in columns if c in frame.columns]
    out = frame[keep + [frame.geometry.name]].copy()
    out[frame.geometry.name] = out.geometry.simplify(tolerance_deg, preserve_topology=True)
    out = out[~out.geometry.is_empty & out.geometry.notna()]
    for c in keep:
        out[c] = out[c].map(lambda v: None if v is None or (isinstance(v, float) and not math.isfinite(v)) else
                            (round(float(v), 1) if isinstance(v, (float, np.floating)) else map_text(v)))
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


def _base_map(result: StudyResult, lang: str) -> folium.Map:
    """An OpenStreetMap map fitted to the study area, with Leaflet inlined."""
    minx, miny, maxx, maxy = result.data.study_area.bounds
    m = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=10, tiles=None,
                   control_scale=True, prefer_canvas=True)
    m.default_js = []
    m.default_css = []
    inline_assets(m)
    folium.TileLayer("OpenStreetMap", name=tr(lang, "OpenStreetMap 底图", "OpenStreetMap base map")).add_to(m)
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    return m


def _named(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = frame.copy()
    out["name"] = out.index.astype(str)
    return out


def _add_boundaries(m: folium.Map, result: StudyResult, lang: str) -> None:
    """Township (dashed, named on hover) and county (bold) outlines."""
    data = result.data
    group = folium.FeatureGroup(name=tr(lang, "行政边界", "Administrative boundaries"), show=True)
    if data.townships is not None and len(data.townships):
        folium.GeoJson(
            _geojson(_named(data.townships), columns=["name", "kind"]),
            style_function=lambda f: {"color": "#555", "weight": 1, "fill": False, "dashArray": "4 3"},
            tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
        ).add_to(group)
    if data.counties is not None and len(data.counties):
        folium.GeoJson(
            _geojson(_named(data.counties), columns=["name"]),
            style_function=lambda f: {"color": "#111", "weight": 3, "fill": False},
        ).add_to(group)
    group.add_to(m)


def _add_circles(m: folium.Map, result: StudyResult, lang: str) -> None:
    """Service circles along the roads, one layer per tier and rule (community urban shown, the rest hidden)."""
    cov = result.coverage
    circles = cov.circles
    if circles is None or not len(circles):
        return
    circles = circles.copy()
    if "tier" not in circles:
        circles["tier"] = cov.facilities.loc[circles.index, "tier"].to_numpy()
    if "applies_to" not in circles:
        circles["applies_to"] = "all"
    names = {"community": tr(lang, "15分钟养老服务圈（社区/村级设施）",
                             "15-minute service circles (community/village)"),
             "township": tr(lang, "乡镇级设施服务圈", "Township-tier service areas")}
    for tier, name in names.items():
        for who in ("urban", "all", "rural"):
            sub = circles[((circles["tier"] == tier) & (circles["applies_to"] == who)).to_numpy()]
            if not len(sub):
                continue
            mode = sub["mode"].iloc[0] if "mode" in sub else "walk"
            rule = circle_rule_text(mode, sub["minutes"].iloc[0], who, lang)
            group = folium.FeatureGroup(name=f"{name}：{rule}" if lang == "zh" else f"{name}: {rule}",
                                        show=(tier == "community" and who != "rural"))
            sub = sub.assign(name=cov.facilities.loc[sub.index, "name"].astype(str).to_numpy())
            color = TIER_STYLE[tier]["color"]
            dash = "5 4" if who == "rural" else None
            folium.GeoJson(
                _geojson(sub, columns=["name", "minutes", "area_km2"]),
                style_function=lambda f, c=color, d=dash: {"color": c, "weight": 1, "fillColor": c,
                                                           "fillOpacity": 0.15, "dashArray": d},
                tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
            ).add_to(group)
            group.add_to(m)


def _add_catchments(m: folium.Map, result: StudyResult, lang: str) -> None:
    """Township-centre catchments: a line from each settlement to its assigned centre, a ring round each centre."""
    cov = result.coverage
    sett, centres = cov.settlements, cov.centres
    if "centre" not in sett or not len(centres):
        return
    group = folium.FeatureGroup(name=tr(lang, "乡镇区域养老服务中心服务范围", "Township-centre catchments"),
                                show=False)
    colours = {c: CENTRE_PALETTE[i % len(CENTRE_PALETTE)] for i, c in enumerate(centres.index)}
    centre_xy = dict(zip(centres.index, zip(*_points(centres))))
    slat, slon = _points(sett)
    for i, centre in enumerate(sett["centre"]):
        if is_missing(centre):
            continue
        if centre in centre_xy:
            folium.PolyLine([(slat[i], slon[i]), centre_xy[centre]], color=colours[centre], weight=1.5,
                            opacity=0.7).add_to(group)
    for cid, row in centres.iterrows():
        folium.CircleMarker(
            centre_xy[cid], radius=14, color="#d62728" if is_true(row.get("over")) else colours[cid], weight=3,
            fill=False, tooltip=centre_tooltip(cid, row, lang),
        ).add_to(group)
    group.add_to(m)


def _settlement_marker(lat: float, lon: float, row: pd.Series, popup: folium.Popup, tooltip: str,
                       older: float) -> folium.CircleMarker:
    """Under-served: large and red, sized by the older population; served: small and green."""
    if row.get("status") == "under_served":
        return folium.CircleMarker(
            (lat, lon), radius=float(5 + min(10, math.sqrt(max(older, 0)) / 6)),
            color="#7f0000", weight=1.5, fill=True, fill_color=STATUS_COLOR["under_served"],
            fill_opacity=0.85, popup=popup, tooltip=tooltip,
        )
    return folium.CircleMarker(
        (lat, lon), radius=5, color=STATUS_COLOR["served"], weight=1, fill=True,
        fill_opacity=0.7, popup=popup, tooltip=tooltip,
    )


def _add_settlements(m: folium.Map, result: StudyResult, lang: str) -> None:
    """Settlements by status: served ones clustered, under-served ones on their own layer."""
    sett = result.coverage.settlements
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
        popup = folium.Popup(settlement_popup(row, tiers, lang), max_width=_POPUP_WIDTH)
        marker = _settlement_marker(slat[i], slon[i], row, popup, map_text(row.get("name", sid)), older[i])
        marker.add_to(under if row.get("status") == "under_served" else cluster)
    served.add_to(m)
    under.add_to(m)


def _add_facilities(m: folium.Map, result: StudyResult, lang: str) -> None:
    """Facilities as tier badges, one layer per tier."""
    fac = result.coverage.facilities
    flat, flon = _points(fac)
    for tier in ("county", "township", "community"):
        name = label(tier, lang)
        group = folium.FeatureGroup(name=tr(lang, f"养老服务设施：{name}", f"Facilities: {name}"), show=True)
        for i in np.flatnonzero((fac["tier"] == tier).to_numpy()):
            row = fac.iloc[i]
            folium.Marker((flat[i], flon[i]), icon=_badge_icon(tier, lang),
                          popup=folium.Popup(facility_popup(row, lang), max_width=_POPUP_WIDTH),
                          tooltip=map_text(row.get("name", fac.index[i]))).add_to(group)
        group.add_to(m)


def _site_icon(rank: str) -> folium.DivIcon:
    """A purple diamond with the site's rank."""
    return folium.DivIcon(
        html=('<div class="planner-badge" style="width:20px;height:20px;background:#6a0dad;'
              'border-radius:2px;transform:rotate(45deg)"><span style="transform:rotate(-45deg)">'
              f'{rank}</span></div>'),
        icon_size=(20, 20), icon_anchor=(10, 10))


def _add_sites(m: folium.Map, result: StudyResult, lang: str) -> None:
    """Proposed sites of each siting run, one layer per run."""
    for key, site in result.siting.items():
        sites = site.sites
        if not len(sites):
            continue
        name = label(key, lang)
        group = folium.FeatureGroup(name=tr(lang, f"建议新增选址（{name}）", f"Proposed sites ({name})"), show=True)
        plat, plon = _points(sites)
        for i in range(len(sites)):
            row = sites.iloc[i]
            folium.Marker(
                (plat[i], plon[i]), icon=_site_icon(text(row.get("rank"))),
                popup=folium.Popup(site_popup(row, lang), max_width=_POPUP_WIDTH),
                tooltip=map_text(row.get("name", "")),
            ).add_to(group)
        group.add_to(m)


def _add_page_furniture(m: folium.Map, result: StudyResult, lang: str) -> None:
    """Layer switcher, fullscreen and measuring controls, legend, synthetic-data banner and page title.

    Leaflet's layer switcher writes layer names as HTML, so every name is escaped here, once.
    """
    for child in m._children.values():
        if isinstance(child, folium.map.Layer) and child.layer_name:
            child.layer_name = map_text(child.layer_name)
    folium.LayerControl(collapsed=False).add_to(m)
    m.add_child(MapControls(lang))
    root = m.get_root()
    root.html.add_child(Element(legend_html(result, lang)))
    if result.synthetic:
        banner = tr(lang, "合成数据（模拟示范县），非真实情况", "Synthetic data (demo county), not a real place")
        root.html.add_child(Element(f'<div class="planner-banner">{banner}</div>'))
    title = tr(lang, f"{result.config.name} · 养老服务设施覆盖", f"{result.config.name} · elderly-care coverage")
    root.header.add_child(Element(f"<title>{map_text(title)}</title>"), name="planner_title")


#: The layer groups, drawn bottom to top.
_LAYER_GROUPS = (_add_boundaries, _add_circles, _add_catchments, _add_settlements, _add_facilities, _add_sites,
                 add_access_layers)


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
    m = _base_map(result, lang)
    for add_layers in _LAYER_GROUPS:
        add_layers(m, result, lang)
    _add_page_furniture(m, result, lang)
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
