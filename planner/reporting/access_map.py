"""The map's accessibility layers: settlements coloured by places per 1,000 older people, one layer per tier.

Classes are read against each tier's own numbers (:attr:`AccessResult.equity`):
none within reach, below the threshold, below the mean, up to twice the
mean, above; unknown (NaN, with the reason in the tooltip) is grey.  The
layers start hidden; a legend box names the classes.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING

import folium
import numpy as np
import pandas as pd
from branca.element import Element

from planner.i18n import fmt_number, label, tr
from planner.reporting.access_tables import reason_words
from planner.reporting.popups import map_text

if TYPE_CHECKING:
    from planner.study import StudyResult

__all__ = ["add_access_layers", "access_classes", "ACCESS_COLOURS"]

#: Class -> (colour, zh, en).
ACCESS_COLOURS: dict[str, tuple[str, str, str]] = {
    "none": ("#67000d", "服务范围内无供给（0）", "none within reach (0)"),
    "below": ("#d7301f", "低于阈值", "below the threshold"),
    "under_mean": ("#fc8d59", "阈值至平均值", "threshold to mean"),
    "over_mean": ("#91cf60", "平均值至 2 倍平均值", "mean to twice the mean"),
    "high": ("#1a9850", "2 倍平均值以上", "over twice the mean"),
    "unknown": ("#9e9e9e", "未知（见说明）", "unknown (see note)"),
}


def access_classes(values: pd.Series, threshold: float, mean: float) -> pd.Series:
    """The class of each value (see :data:`ACCESS_COLOURS`), indexed like ``values``.

    Parameters
    ----------
    values : Series
        Places per 1,000 older people (NaN unknown).
    threshold, mean : float
        The tier's threshold and older-weighted mean.

    Returns
    -------
    Series of str
    """
    v = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    mean = mean if math.isfinite(mean) else np.inf
    threshold = threshold if math.isfinite(threshold) else 0.0
    out = np.select(
        [~np.isfinite(v), v <= 0, v < threshold, v < mean, v < 2 * mean],
        ["unknown", "none", "below", "under_mean", "over_mean"], default="high")
    return pd.Series(out, index=values.index)


def _legend(lang: str) -> str:
    rows = [f"<b>{tr(lang, '可达性图层（每千名老年人）', 'Accessibility layers (per 1,000 older people)')}</b>"]
    for colour, zh, en in ACCESS_COLOURS.values():
        rows.append(f'<div><span style="display:inline-block;width:12px;height:12px;border-radius:50%;'
                    f'background:{colour};margin-right:6px"></span>{map_text(tr(lang, zh, en))}</div>')
    return ('<div class="planner-access-legend" style="display:none;position:fixed;bottom:50px;right:10px;'
            'z-index:1000;background:white;padding:6px 8px;border:1px solid #999;border-radius:4px;font-size:12px">'
            + "".join(rows) + "</div>")


def _legend_toggle(map_name: str, lang: str) -> str:
    """Show the accessibility legend only while an accessibility layer is on (they start hidden)."""
    prefix = json.dumps(tr(lang, "可达性：", "Accessibility: "))
    return (f"window.addEventListener('load',function(){{var n=0,p={prefix},"
            f"el=document.querySelector('.planner-access-legend');"
            f"if(!el||typeof {map_name}==='undefined'){{return;}}"
            f"{map_name}.on('overlayadd',function(e){{if(String(e.name).indexOf(p)===0){{n++;"
            f"el.style.display='block';}}}});"
            f"{map_name}.on('overlayremove',function(e){{if(String(e.name).indexOf(p)===0){{n=Math.max(0,n-1);"
            f"if(!n){{el.style.display='none';}}}}}});}});")


def _features(sett: pd.DataFrame, lat: np.ndarray, lon: np.ndarray, tier: str, classes: pd.Series,
              lang: str) -> dict:
    """The settlements of one tier as GeoJSON points: colour and the escaped hover text."""
    unit = tr(lang, "每千名老年人", "per 1,000 older people")
    names = sett["name"].astype(str).to_numpy() if "name" in sett else sett.index.astype(str).to_numpy()
    values = pd.to_numeric(sett[f"{tier}_access"], errors="coerce").to_numpy(dtype=float)
    notes = sett[f"{tier}_access_reason"].to_numpy()
    feats = []
    for i, cls in enumerate(classes.to_numpy()):
        if not (math.isfinite(lat[i]) and math.isfinite(lon[i])):
            continue
        note = reason_words(notes[i], lang)
        tip = f"{names[i]}: {fmt_number(values[i], 1)} {unit}" + (f" ({note})" if note else "")
        feats.append({"type": "Feature", "properties": {"tip": map_text(tip), "colour": ACCESS_COLOURS[cls][0]},
                      "geometry": {"type": "Point", "coordinates": [round(float(lon[i]), 6),
                                                                    round(float(lat[i]), 6)]}})
    return {"type": "FeatureCollection", "features": feats}


def add_access_layers(m: folium.Map, result: StudyResult, lang: str) -> None:
    """One hidden layer per tier: settlements coloured by accessibility, the value and reason on hover.

    Parameters
    ----------
    m : folium.Map
    result : StudyResult
    lang : {"zh", "en"}
    """
    acc = getattr(result, "access", None)
    if acc is None or not len(acc.equity):
        return
    sett = acc.settlements
    g = sett.geometry if sett.crs is None or sett.crs.equals("EPSG:4326") else sett.geometry.to_crs("EPSG:4326")
    lat, lon = g.y.to_numpy(), g.x.to_numpy()
    unit = tr(lang, "每千名老年人", "per 1,000 older people")
    for tier in acc.equity.index:
        row = acc.equity.loc[tier]
        classes = access_classes(sett[f"{tier}_access"], float(row["threshold"]), float(row["mean"]))
        name = tr(lang, f"可达性：{label(tier, 'zh')}（{unit}）", f"Accessibility: {label(tier, 'en')} ({unit})")
        group = folium.FeatureGroup(name=name, show=False)
        folium.GeoJson(
            _features(sett, lat, lon, tier, classes, lang),
            marker=folium.CircleMarker(radius=6, weight=0.6, color="#333", fill=True, fill_opacity=0.9),
            style_function=lambda f: {"fillColor": f["properties"]["colour"]},
            tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False),
        ).add_to(group)
        group.add_to(m)
    m.get_root().html.add_child(Element(_legend(lang)))
    m.get_root().script.add_child(Element(_legend_toggle(m.get_name(), lang)))
