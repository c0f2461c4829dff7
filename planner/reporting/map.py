"""Interactive Folium maps of a study: one self-contained HTML file.

The map opens offline apart from the base-map tiles (see
:mod:`planner.reporting.map_assets`).  Every layer can be switched on and
off: administrative boundaries, township names, township coverage
(choropleth), the service circles of every tier and rule (and optional
isochrone bands), township-centre catchments, settlements coloured by status
(under-served ones large and red, with the reasons in words), facilities by
tier and kind, and proposed sites by tier.  Polygons are folium GeoJSON
layers; the points (settlements, facilities, sites, catchment lines) travel as
one compact data object drawn in the browser (:mod:`planner.reporting.map_data`,
``planner/static/map_layers.js``), so a 10,000-settlement study stays a few MB.
Labels are Chinese by default, English with ``lang="en"``.

Base tiles are OpenStreetMap, which draws in WGS84 like every layer here.
Chinese tile services (Amap/Gaode, Tencent) draw in GCJ-02: WGS84 points on
them land a few hundred metres off, so they are deliberately not offered.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import folium
from branca.element import Element

from planner.i18n import check_lang, label, tr
from planner.reporting.access_map import add_access_layers
from planner.reporting.map_assets import SITE_STYLE, TIER_STYLE, MapControls, inline_assets
from planner.reporting.map_bands import BAND_COLOURS, band_frame
from planner.reporting.map_data import map_data
from planner.reporting.map_legend import LegendParts, legend_html
from planner.reporting.map_points import PointLayers
from planner.reporting.map_shapes import small_geojson
from planner.reporting.popups import circle_rule_text, map_text

if TYPE_CHECKING:
    from planner.study import StudyResult

__all__ = ["coverage_map", "write_map", "TIER_STYLE"]

logger = logging.getLogger(__name__)

#: Under-served settlements are clustered at low zoom when there are more than this many.
CLUSTER_MIN = 500

#: The community tier's circles are drawn one per facility up to this many facilities (else dissolved).
PER_FACILITY_MAX = 300

#: Badge kinds in legend order.
_BADGES = ("county", "township", "street", "community", "village")


def _base_map(result: StudyResult, lang: str) -> folium.Map:
    """An OpenStreetMap map fitted to the study area, with Leaflet inlined (scale bar: MapControls, metric)."""
    minx, miny, maxx, maxy = result.data.study_area.bounds
    m = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=10, tiles=None,
                   control_scale=False, prefer_canvas=True)
    m.default_js = []
    m.default_css = []
    inline_assets(m)
    folium.TileLayer("OpenStreetMap", name=tr(lang, "OpenStreetMap 底图", "OpenStreetMap base map")).add_to(m)
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    return m


def _named(frame):
    out = frame.copy()
    out["name"] = out.index.astype(str)
    return out


def _add_boundaries(m: folium.Map, result: StudyResult, lang: str) -> None:
    """Township (dashed, named on hover) and county (bold) outlines."""
    data = result.data
    group = folium.FeatureGroup(name=tr(lang, "行政边界", "Administrative boundaries"), show=True)
    if data.townships is not None and len(data.townships):
        folium.GeoJson(
            small_geojson(_named(data.townships), columns=["name"]),
            style_function=lambda f: {"color": "#555", "weight": 1, "fill": False, "dashArray": "4 3"},
            tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
        ).add_to(group)
    if data.counties is not None and len(data.counties):
        folium.GeoJson(
            small_geojson(_named(data.counties), columns=["name"]),
            style_function=lambda f: {"color": "#111", "weight": 3, "fill": False},
        ).add_to(group)
    group.add_to(m)


def _circle_layers(result: StudyResult) -> list[tuple[str, str, float, str, object, bool]]:
    """``(tier, mode, minutes, applies_to, rows, per_facility)`` per tier and rule of the coverage circles.

    The community tier is drawn one circle per facility (named on hover) up to
    :data:`PER_FACILITY_MAX` facilities; the township and county tiers, whose
    circles overlap over most of the county, and a larger community tier are
    drawn as the dissolved area of the tier and rule (``circles_by_tier``).
    """
    cov = result.coverage
    circles, by_tier = cov.circles, cov.circles_by_tier
    if circles is None or not len(circles):
        return []
    circles = circles.copy()
    if "tier" not in circles:
        circles["tier"] = cov.facilities.loc[circles.index, "tier"].to_numpy()
    if "applies_to" not in circles:
        circles["applies_to"] = "all"
    out = []
    for tier in ("community", "township", "county"):
        n_fac = int((cov.facilities["tier"] == tier).sum())
        per_facility = tier == "community" and n_fac <= PER_FACILITY_MAX
        for who in ("urban", "all", "rural"):
            sub = circles[((circles["tier"] == tier) & (circles["applies_to"] == who)).to_numpy()]
            if not len(sub):
                continue
            mode, minutes = (str(sub["mode"].iloc[0]) if "mode" in sub else "walk"), float(sub["minutes"].iloc[0])
            if not per_facility and by_tier is not None and tier in by_tier.index:
                rows = by_tier.loc[[tier]]
                rows = rows[(rows["applies_to"] == who).to_numpy()] if "applies_to" in rows else rows
                if len(rows):
                    sub = rows
            out.append((tier, mode, minutes, who, sub, per_facility))
    return out


def _add_circles(m: folium.Map, result: StudyResult, lang: str) -> list[tuple[str, str, float, str]]:
    """Service circles along the roads, one layer per tier and rule, named with the rule's mode and minutes.

    The community tier's urban rule is shown at first; the others are listed, hidden.
    """
    drawn = []
    names = result.coverage.facilities["name"].astype(str)
    for tier, mode, minutes, who, sub, per_facility in _circle_layers(result):
        rule = circle_rule_text(mode, minutes, who, lang)
        name = tr(lang, f"{label(tier, lang)}服务圈：{rule}", f"{label(tier, lang)} service areas: {rule}")
        group = folium.FeatureGroup(name=name, show=(tier == "community" and who != "rural"))
        if per_facility:
            sub = sub.assign(name=names.reindex(sub.index).to_numpy())
        else:
            sub = sub.assign(name=f"{label(tier, lang)} · {rule}")
        color = TIER_STYLE[tier]["color"]
        dash = "5 4" if who == "rural" else None
        folium.GeoJson(
            small_geojson(sub, columns=["name"], tolerance_deg=5e-5 if per_facility else 2e-4),
            style_function=lambda f, c=color, d=dash: {"color": c, "weight": 1, "fillColor": c,
                                                       "fillOpacity": 0.15, "dashArray": d},
            tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
        ).add_to(group)
        group.add_to(m)
        drawn.append((tier, mode, minutes, who))
    return drawn


def _add_bands(m: folium.Map, result: StudyResult, lang: str, bands: Sequence[float], tier: str) -> tuple:
    """Isochrone bands of ``tier``'s facilities, one layer per rule (see :mod:`planner.reporting.map_bands`)."""
    frame = band_frame(result, bands, tier=tier)
    values = sorted({float(b) for b in bands})
    for who in ("urban", "all", "rural"):
        sub = frame[(frame["applies_to"] == who).to_numpy()]
        if not len(sub):
            continue
        rule = circle_rule_text(sub["mode"].iloc[0], None, who, lang, with_minutes=False)
        mins = "/".join(f"{v:g}" for v in values)
        group = folium.FeatureGroup(name=tr(lang, f"等时圈 {mins} 分钟：{label(tier, lang)}设施，{rule}",
                                            f"Isochrone bands {mins} min: {label(tier, lang)}, {rule}"), show=False)
        sub = sub.assign(band=[f"{lo:g}–{hi:g} {label('minutes', lang)}" for lo, hi in zip(sub["lo"], sub["hi"])],
                         colour=[BAND_COLOURS[min(values.index(float(h)), len(BAND_COLOURS) - 1)]
                                 for h in sub["hi"]])
        folium.GeoJson(
            small_geojson(sub, columns=["band", "colour"]),
            style_function=lambda f: {"color": f["properties"]["colour"], "weight": 0.5,
                                      "fillColor": f["properties"]["colour"], "fillOpacity": 0.35},
            tooltip=folium.GeoJsonTooltip(fields=["band"], labels=False),
        ).add_to(group)
        group.add_to(m)
    return tuple(values)


def _add_points(m: folium.Map, result: StudyResult, lang: str, cluster_min: int) -> dict:
    """Township coverage and names, catchments, settlements, facilities and sites: groups the page script fills."""
    def group(zh: str, en: str, show: bool = True) -> folium.FeatureGroup:
        g = folium.FeatureGroup(name=tr(lang, zh, en), show=show)
        g.add_to(m)
        return g

    data = map_data(result, lang, cluster_min=cluster_min)
    groups = {}
    if data["choro"] is not None:
        groups["choro"] = group("乡镇/街道覆盖率（已覆盖村/社区占比）",
                                "Township coverage (share of settlements served)")
        groups["labels"] = group("乡镇/街道名称", "Township names")
    if data["centres"]:
        groups["catchments"] = group("乡镇区域养老服务中心服务范围", "Township-centre catchments", show=False)
    groups["served"] = group("村/社区：已覆盖", "Settlements: served")
    groups["under"] = group("村/社区：服务不足", "Settlements: under-served")
    tiers_present = {row[3] for row in data["fac"]}
    for pos, tier in enumerate(("county", "township", "community")):
        if pos in tiers_present:
            name = label(tier, lang)
            groups[tier] = group(f"养老服务设施：{name}", f"Facilities: {name}")
    site_tiers = [t for t in SITE_STYLE if any(r[2] == t for r in data["sites"])]
    site_tiers += sorted({r[2] for r in data["sites"]} - set(site_tiers))
    sites = {t: group(f"建议新增选址（{label(t, lang)}）", f"Proposed sites ({label(t, lang)})") for t in site_tiers}
    m.add_child(PointLayers(data, groups, sites))
    kinds = {row[4] for row in data["fac"]}
    return {"badges": tuple(k for k in _BADGES if k in kinds), "catchments": bool(data["centres"]),
            "clustered": bool(data["sett"]), "choropleth": data["choro"] is not None, "sites": tuple(site_tiers),
            "clustered_under": sum(1 for r in data["sett"] if r[7] == 1) > cluster_min}


def _add_page_furniture(m: folium.Map, result: StudyResult, lang: str, parts: LegendParts) -> None:
    """Layer switcher, fullscreen and measuring controls, legend, synthetic-data banner and page title.

    Leaflet's layer switcher writes layer names as HTML, so every name is escaped here, once.
    """
    for child in m._children.values():
        if isinstance(child, folium.map.Layer) and child.layer_name:
            child.layer_name = map_text(child.layer_name)
    folium.LayerControl(collapsed=False).add_to(m)
    m.add_child(MapControls(lang))
    root = m.get_root()
    root.html.add_child(Element(legend_html(lang, parts)))
    if result.synthetic:
        banner = tr(lang, "合成数据（模拟示范县），非真实情况", "Synthetic data (demo county), not a real place")
        root.html.add_child(Element(f'<div class="planner-banner">{banner}</div>'))
    title = tr(lang, f"{result.config.name} · 养老服务设施覆盖", f"{result.config.name} · elderly-care coverage")
    root.header.add_child(Element(f"<title>{map_text(title)}</title>"), name="planner_title")


def coverage_map(result: StudyResult, *, lang: str = "zh", bands: Sequence[float] | None = None,
                 bands_tier: str = "community", cluster_min: int = CLUSTER_MIN) -> folium.Map:
    """Build the interactive map of a study.

    Parameters
    ----------
    result
        What :func:`planner.pipeline.run_study` returned.
    lang
        ``"zh"`` (default) or ``"en"``.
    bands
        Isochrone bands to draw round ``bands_tier``'s facilities, as minutes, e.g. ``(5, 10, 15)``;
        None (default) draws none (each value is one more circle drawing of the tier).
    bands_tier
        The tier the bands are drawn for (default the community tier).
    cluster_min
        Under-served settlements are clustered at low zoom when there are more than this many (served
        ones always are).

    Returns
    -------
    folium.Map
        Layers: boundaries, township coverage and names, service circles per tier and rule, isochrone
        bands (when asked), township-centre catchments, settlements by status, facilities by tier, proposed
        sites by tier.
    """
    check_lang(lang)
    m = _base_map(result, lang)
    _add_boundaries(m, result, lang)
    circles = _add_circles(m, result, lang)
    band_values = _add_bands(m, result, lang, bands, bands_tier) if bands else ()
    points = _add_points(m, result, lang, cluster_min)
    add_access_layers(m, result, lang)  # hidden by default: settlements coloured by accessibility, per tier
    parts = LegendParts(circles=tuple(circles), bands=band_values, bands_tier=bands_tier, **points)
    _add_page_furniture(m, result, lang, parts)
    return m


def write_map(result: StudyResult, path: str | Path, *, lang: str = "zh", bands: Sequence[float] | None = None,
              bands_tier: str = "community", cluster_min: int = CLUSTER_MIN) -> Path:
    """Write the map of a study to one HTML file (see :func:`coverage_map` for the options).

    Returns
    -------
    Path
        The file written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    m = coverage_map(result, lang=lang, bands=bands, bands_tier=bands_tier, cluster_min=cluster_min)
    m.save(str(path))
    logger.info("map written to %s (%.1f MB)", path, path.stat().st_size / 1e6)
    return path
