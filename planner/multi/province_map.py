"""The overview map of a study of many counties (``map.html`` at the top of its output folder).

One polygon per county (in the page once), coloured by how far the county is
from an indicator's target; the indicator is chosen in a switch at the top right
(village coverage first): met (green), within 10 share points of the target,
within 25, further (red), no value or the county failed (grey).  A county's
popup gives every indicator with its counts and links to the county's own
report and map; no settlement is drawn (a province has
thousands; they are on the county maps).  Leaflet is inlined as in the county
maps, so the page opens offline apart from the base-map tiles.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
from branca.element import MacroElement
from jinja2 import Template

from planner.i18n import check_lang, fmt_number, tr
from planner.multi.province_tables import county_links, target_indicators, value_text
from planner.multi.result import MultiResult

__all__ = ["province_map", "write_province_map", "MAP_NAME", "BANDS"]

logger = logging.getLogger(__name__)

#: The map's file name at the top of the study's output folder.
MAP_NAME = "map.html"
#: (below the target by at most this many share points, colour, zh, en), the first band is "met".
BANDS: tuple[tuple[float, str, str, str], ...] = (
    (0.0, "#1a9850", "达到目标", "meets the target"),
    (0.10, "#a6d96a", "差 10 个百分点以内", "within 10 points of it"),
    (0.25, "#fdae61", "差 10–25 个百分点", "10-25 points below"),
    (float("inf"), "#d73027", "差 25 个百分点以上", "more than 25 points below"),
)
_NO_VALUE = ("#bdbdbd", "无数据或未完成", "no value, or the county failed")


def _colour(value: float, target: float) -> str:
    if pd.isna(value) or pd.isna(target):
        return _NO_VALUE[0]
    short = float(target) - float(value)
    for limit, colour, _, _ in BANDS:
        if short <= limit + 1e-12:
            return colour
    return BANDS[-1][1]


def _popup(county: str, city: str, card: pd.DataFrame, links: Mapping[str, str], error: str, lang: str) -> str:
    """The county's popup: name, city, every indicator with its counts and target, links (all text escaped)."""
    from planner.reporting import map_text

    head = f"<b>{map_text(county)}</b>" + (f" · {map_text(city)}" if city else "")
    if error:
        return head + f"<br>{tr(lang, '计算失败', 'failed')}: {map_text(error)}"
    rows = []
    for _, r in card.iterrows():
        key = str(r["indicator"])
        name = r["name_zh"] if lang == "zh" else r["name_en"]
        counts = "" if key == "total_beds" else f" ({fmt_number(r['numerator'])}/{fmt_number(r['denominator'])})"
        mark = "" if pd.isna(r["met"]) else (" ✓" if bool(r["met"]) else " ✗")
        target = "" if pd.isna(r["target"]) else f" / {value_text(key, r['target'])}"
        rows.append(f"<tr><td>{map_text(name)}</td><td style='text-align:right'>"
                    f"{map_text(value_text(key, r['value']) + counts + target + mark)}</td></tr>")
    words = {"report": tr(lang, "县报告", "county report"), "map": tr(lang, "县地图", "county map")}
    link = " · ".join(f"<a href='{map_text(links[k])}' target='_blank'>{words[k]}</a>" for k in words if k in links)
    return f"{head}<table style='font-size:12px'>{''.join(rows)}</table>{link}"


def _features(result: MultiResult, keys: list[str], lang: str, links: Mapping[str, Mapping[str, str]]) -> dict:
    """The counties as GeoJSON, once: ``name``, ``tip``, ``popup`` and ``c0``, ``c1``... (colour per indicator)."""
    from planner.reporting import map_text, small_geojson

    card = result.scorecard_county
    frame = result.boundaries.copy()
    errors = {str(k): str(v) for k, v in result.failures.items()}
    cities = frame["city"].astype(str) if "city" in frame else pd.Series("", index=frame.index)
    colours: list[list[str]] = [[] for _ in keys]
    tips, pops = [], []
    for county in frame.index.astype(str):
        own = card[card["scope"].astype(str) == county]
        for i, key in enumerate(keys):
            row = own[own["indicator"] == key]
            value = float(row["value"].iloc[0]) if len(row) else float("nan")
            target = float(row["target"].iloc[0]) if len(row) else float("nan")
            colours[i].append(_colour(value, target))
        tips.append(map_text(county))
        pops.append(_popup(county, cities.get(county, ""), own, links.get(county, {}), errors.get(county, ""), lang))
    frame["name"], frame["tip"], frame["popup"] = frame.index.astype(str), tips, pops
    for i, col in enumerate(colours):
        frame[f"c{i}"] = col
    columns = ["name", "tip", "popup", *(f"c{i}" for i in range(len(keys)))]
    return small_geojson(frame, columns=columns, tolerance_deg=1e-3, escape=False)


class _Switch(MacroElement):
    """Radio buttons (top right) that recolour the one county layer by the chosen indicator."""

    _template = Template("""{% macro script(this, kwargs) %}
(function (map, layer) {
  var names = {{ this.names_json }};
  var ctl = L.control({position: 'topright'});
  ctl.onAdd = function () {
    var div = L.DomUtil.create('div', 'leaflet-control-layers leaflet-control-layers-expanded');
    div.innerHTML = '<b>' + {{ this.title_json }} + '</b><br>' + names.map(function (n, i) {
      return '<label><input type="radio" name="planner-indicator" value="' + i + '"' + (i === 0 ? ' checked' : '')
        + '> ' + n + '</label>'; }).join('');
    L.DomEvent.disableClickPropagation(div);
    div.addEventListener('change', function (e) {
      var k = 'c' + e.target.value;
      layer.setStyle(function (f) { return {fillColor: f.properties[k]}; });
    });
    return div;
  };
  ctl.addTo(map);
})({{ this._parent.get_name() }}, {{ this.layer_name }});
{% endmacro %}""")

    def __init__(self, names: list[str], layer_name: str, title: str) -> None:
        super().__init__()
        from planner.reporting import map_text

        self._name = "PlannerIndicatorSwitch"
        self.names_json = json.dumps([map_text(n) for n in names])
        self.title_json = json.dumps(map_text(title))
        self.layer_name = layer_name


def _legend(lang: str) -> str:
    items = [(c, tr(lang, zh, en)) for _, c, zh, en in BANDS] + [(_NO_VALUE[0], tr(lang, *_NO_VALUE[1:]))]
    rows = "".join(f"<div><span class='sw sq' style='background:{c};opacity:.8'></span>{w}</div>" for c, w in items)
    title = tr(lang, "各县与目标的差距（右上角选择指标）", "Each county against the target (indicator: top right)")
    return f"<div class='planner-legend'><b>{title}</b>{rows}</div>"


def province_map(result: MultiResult, *, lang: str = "zh", out_dir: str | Path = "."):  # noqa: ANN201
    """The overview map of a multi-county study (module docstring).

    Parameters
    ----------
    result : MultiResult
        With :attr:`MultiResult.boundaries`.
    lang : {"zh", "en"}
    out_dir : str or Path
        Where the page will be written (the counties' links are relative to it).

    Returns
    -------
    folium.Map

    Raises
    ------
    planner.errors.InputError
        The result carries no county polygons.
    """
    import folium
    from branca.element import Element

    from planner.errors import InputError
    from planner.reporting import MapControls, inline_assets

    lang = check_lang(lang)
    if result.boundaries is None or not len(result.boundaries):
        raise InputError("the multi-county result carries no county polygons (MultiResult.boundaries); "
                         "build it with planner.multi.run_multi_study / run_partition")
    minx, miny, maxx, maxy = result.boundaries.total_bounds
    m = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=8, tiles=None, control_scale=False)
    m.default_js, m.default_css = [], []
    inline_assets(m)
    folium.TileLayer("OpenStreetMap", name=tr(lang, "OpenStreetMap 底图", "OpenStreetMap base map")).add_to(m)
    links = county_links(result, out_dir)
    card = result.scorecard_county
    keys = [k for k in target_indicators(card) if k not in ("total_beds", "beds_per_1000_older")]
    names = card.drop_duplicates("indicator").set_index("indicator")["name_zh" if lang == "zh" else "name_en"]
    keys = keys or ["village_facility_coverage"]
    layer = folium.GeoJson(
        _features(result, keys, lang, links), name=tr(lang, "各县指标", "County indicators"),
        style_function=lambda f: {"color": "#333", "weight": 1, "fillColor": f["properties"]["c0"],
                                  "fillOpacity": 0.65},
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False),
        popup=folium.GeoJsonPopup(fields=["popup"], labels=False, max_width=420),
    )
    layer.add_to(m)
    m.add_child(_Switch([str(names.get(k, k)) for k in keys], layer.get_name(), tr(lang, "指标", "Indicator")))
    folium.LayerControl(position="topleft").add_to(m)
    m.add_child(MapControls(lang))  # full screen, measuring, a metric scale bar (as the county maps)
    root = m.get_root()
    if result.config.synthetic:
        words = tr(lang, "合成（模拟）数据，仅用于演示", "Synthetic (simulated) data, for demonstration only")
        root.html.add_child(Element(f"<div class='planner-banner'>{words}</div>"))
    root.html.add_child(Element(_legend(lang)))
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    return m


def write_province_map(result: MultiResult, out_dir: str | Path, *, lang: str = "zh",
                       final_dir: str | Path | None = None) -> Path:
    """Write :func:`province_map` to ``<out_dir>/map.html``.

    Parameters
    ----------
    result : MultiResult
    out_dir : str or Path
    lang : {"zh", "en"}
    final_dir : str or Path, optional
        The folder the map ends up in when ``out_dir`` is a staging folder (the
        counties' links are relative to it; default ``out_dir``).

    Returns
    -------
    Path
    """
    path = Path(out_dir) / MAP_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    links_from = path.parent if final_dir is None else Path(final_dir)
    province_map(result, lang=lang, out_dir=links_from).save(str(path))
    logger.info("overview map written to %s (%.1f MB)", links_from / MAP_NAME, path.stat().st_size / 1e6)
    return path
