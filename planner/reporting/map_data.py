"""The map's point layers as one compact data object, drawn in the browser by ``planner/static/map_layers.js``.

Settlements, facilities, township centres, catchment lines, proposed sites
and the township coverage choropleth travel as rows of plain values (names as
text, facilities by their position in one list, times in minutes); the page
script builds one Leaflet GeoJSON layer per group from them and writes
styles, tooltips and popups in the browser, escaping every text as HTML.  One
marker script per point (what folium writes) made a 10,000-settlement map
weigh ~30 MB; these rows take ~280 bytes per settlement (4.8 MB for the whole 10,000-settlement map).

:func:`script_json` writes the object so that no text in it can end the
``<script>`` element, run as a JavaScript template or be read as Jinja.
Popups of facilities and sites (few) are written here as HTML by
:mod:`planner.reporting.popups` (data escaped by ``map_text``); the
settlements' popups are written in the browser from their rows.
"""

from __future__ import annotations

import json
import math
import re
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from planner.i18n import fmt_share, is_missing, label, tr
from planner.reporting.map_assets import (
    CENTRE_PALETTE,
    CHORO_BINS,
    SITE_STYLE,
    STATUS_COLOR,
    badge_style,
)
from planner.reporting.older_labels import older_label
from planner.reporting.popups import centre_tooltip, facility_popup, is_true, site_popup

if TYPE_CHECKING:
    from planner.study import StudyResult

__all__ = ["map_data", "script_json", "township_coverage", "badge_kinds", "TIER_ORDER"]

#: Tiers in the order their facility rows carry them.
TIER_ORDER = ("county", "township", "community")

#: Characters a JSON string must not carry raw inside a page script: ``\\uXXXX`` escapes instead.
_SCRIPT_UNSAFE = {ord(c): f"\\u{ord(c):04x}" for c in "<>&`${}\u2028\u2029'"}
#: A JSON string literal.
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def script_json(obj: Any) -> str:
    """``obj`` as JSON that is safe inside ``<script>``, a template literal and a Jinja template.

    Every ``< > & ` $ { } ' U+2028 U+2029`` inside strings is written as a
    ``\\uXXXX`` escape (the value is unchanged once parsed); JSON's own
    braces are followed by ``"`` or ``}``, so ``{{``, ``{%`` and ``{#`` never
    occur.

    Parameters
    ----------
    obj
        Anything :func:`json.dumps` accepts (no NaN or infinity).

    Returns
    -------
    str
        The JSON text.
    """
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return _STRING.sub(lambda m: m.group(0).translate(_SCRIPT_UNSAFE), text)


def _num(v: Any, digits: int = 1) -> float | int | str | None:
    """A number for the page: rounded; ``"inf"`` when unreachable; None when missing."""
    if is_missing(v):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    if math.isinf(f):
        return "inf"
    if math.isnan(f):
        return None
    return round(f, digits) if digits else int(round(f))


def _lonlat(frame: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    g = frame.geometry
    if frame.crs is not None and not frame.crs.equals("EPSG:4326"):
        g = g.to_crs("EPSG:4326")
    return np.round(g.x.to_numpy(), 5), np.round(g.y.to_numpy(), 5)


def _text(v: Any) -> str:
    return "" if is_missing(v) else str(v)


#: Facility-type words of an urban (社区) and a rural (村) community-tier facility; checked in this order.
_KIND_WORDS = (("农村", "village"), ("日间照料", "community"), ("驿站", "community"), ("社区", "community"),
               ("街道", "community"), ("幸福院", "village"), ("大院", "village"), ("村", "village"))


def badge_kinds(facilities: gpd.GeoDataFrame, settlements: gpd.GeoDataFrame,
                townships: gpd.GeoDataFrame | None = None) -> list[str]:
    """The badge of each facility by its real kind: county, township or street, community (urban) or village.

    A township-tier facility is a street's (街) when its type says 街道 or its township is a street;
    a community-tier one is urban (社) or rural (村) by the words of its type (:data:`_KIND_WORDS`), else by
    the kind of the nearest settlement.

    Parameters
    ----------
    facilities
        The coverage facilities (``tier``, ``type``, ``township``, points).
    settlements
        The settlements (``kind``, points), for facilities whose type does not tell.
    townships
        The township boundaries (``kind`` ``street``/``town``/``township``), optional.

    Returns
    -------
    list of str
        One of ``county``, ``township``, ``street``, ``community``, ``village`` per facility.
    """
    streets = set()
    if townships is not None and "kind" in townships:
        streets = set(townships.index[townships["kind"].astype(str) == "street"].astype(str))
    flon, flat = _lonlat(facilities)
    slon, slat = _lonlat(settlements)
    village = (settlements["kind"].astype(str) == "village").to_numpy() if "kind" in settlements else None
    out = []
    for i, (_, row) in enumerate(facilities.iterrows()):
        tier, ftype, town = str(row.get("tier", "community")), _text(row.get("type")), _text(row.get("township"))
        if tier == "county":
            out.append("county")
        elif tier == "township":
            out.append("street" if "街道" in ftype or town in streets or town.endswith("街道") else "township")
        else:
            kind = next((k for word, k in _KIND_WORDS if word in ftype), None)
            if kind is None and village is not None and len(slon) and math.isfinite(flon[i]):
                d2 = ((slon - flon[i]) * math.cos(math.radians(flat[i]))) ** 2 + (slat - flat[i]) ** 2
                kind = "village" if village[int(np.nanargmin(d2))] else "community"
            out.append(kind or "community")
    return out


def _facility_rows(result: StudyResult, lang: str) -> tuple[list[list[Any]], dict[str, int]]:
    """Per facility: lon, lat, name, tier position, badge key, popup HTML; and id -> row position."""
    fac = result.coverage.facilities
    lon, lat = _lonlat(fac)
    kinds = badge_kinds(fac, result.coverage.settlements, result.data.townships)
    rows = []
    for i, (fid, row) in enumerate(fac.iterrows()):
        tier = str(row.get("tier", "community"))
        if not (math.isfinite(lon[i]) and math.isfinite(lat[i])):
            continue
        rows.append([float(lon[i]), float(lat[i]), _text(row.get("name", fid)) or str(fid),
                     TIER_ORDER.index(tier) if tier in TIER_ORDER else 2,
                     kinds[i], facility_popup(row, lang)])
    ids = [fid for i, fid in enumerate(fac.index) if math.isfinite(lon[i]) and math.isfinite(lat[i])]
    return rows, {str(fid): k for k, fid in enumerate(ids)}


def _id_dropper(facilities: pd.DataFrame) -> Any:
    """A function that removes a facility's id where the reason sentence writes it before the facility's name.

    The reason sentences (:mod:`planner.analysis.explain`) name a facility as ``F002 合成示范县福利院``; the map
    reads for planners, who know facilities by name, so the id goes where the name follows.
    """
    names = {str(k): str(v) for k, v in zip(facilities.index, facilities.get("name", pd.Series(dtype=object)))
             if not is_missing(v) and str(v).strip()}
    if not names:
        return lambda t: t
    ids = sorted(names, key=len, reverse=True)
    pattern = re.compile(r"(?<![0-9A-Za-z_])(" + "|".join(map(re.escape, ids)) + r") ")

    def drop(text: str) -> str:
        return pattern.sub(lambda m: "" if text.startswith(names[m.group(1)], m.end()) else m.group(0), text)

    return drop


def _settlement_rows(result: StudyResult, tiers: list[str], fac_pos: dict[str, int],
                     towns: dict[str, int], lang: str) -> tuple[list[list[Any]], list[str]]:
    """Per settlement: lon, lat, name, is-community, township, older, estimate note (index into the
    second list, -1 when counted: the few distinct notes are written once), status, facilities, times,
    centre, centre time, and for an under-served one its reasons (text in ``lang``)."""
    sett = result.coverage.settlements
    lon, lat = _lonlat(sett)
    status_code = {"served": 0, "under_served": 1}

    def col(name: str) -> list[Any]:
        return sett[name].tolist() if name in sett else [None] * len(sett)

    cols = {name: col(name) for name in ("name", "kind", "township", "older_population", "older_estimated",
                                         "older_source", "older_rule",
                                         "status", "centre", "centre_time_min", f"reason_detail_{lang}")}
    per_tier = [(col(f"{t}_facility"), col(f"{t}_time_min")) for t in tiers]
    drop_ids = _id_dropper(result.coverage.facilities)
    rows = []
    notes: list[str] = []

    def note_index(note: str) -> int:
        if not note:
            return -1
        if note not in notes:
            notes.append(note)
        return notes.index(note)
    for i, sid in enumerate(sett.index):
        if not (math.isfinite(lon[i]) and math.isfinite(lat[i])):
            continue  # not placeable: the workbook lists it; the map cannot draw it
        facs = [fac_pos.get(_text(f[i]), -1) for f, _ in per_tier]
        times = [_num(t[i]) for _, t in per_tier]
        status = status_code.get(_text(cols["status"][i]), 2)
        # a served settlement's only sentence is the estimated-population note, shown as "（估算）" by its number
        reasons = drop_ids(_text(cols[f"reason_detail_{lang}"][i]).strip()) if status != 0 else ""
        rows.append([float(lon[i]), float(lat[i]), _text(cols["name"][i]) or str(sid),
                     0 if cols["kind"][i] == "village" else 1, towns.get(_text(cols["township"][i]), -1),
                     _num(cols["older_population"][i], 0), note_index(_estimate_note(cols, i, lang)),
                     status, facs, times,
                     fac_pos.get(_text(cols["centre"][i]), -1), _num(cols["centre_time_min"][i]), reasons])
    return rows, notes


def _estimate_note(cols: dict[str, list[Any]], i: int, lang: str) -> str:
    """``"（估算）（来源：…；方法：…）"`` for an estimated older population, ``""`` for a counted one."""
    if not is_true(cols["older_estimated"][i]):
        return ""
    row = {"older_source": cols["older_source"][i], "older_rule": cols["older_rule"][i]}
    return tr(lang, "（估算）", " (estimated)") + older_label(row, lang)


def township_coverage(result: StudyResult) -> pd.DataFrame:
    """Per township of the settlements: settlements and older people, and the shares served.

    Returns
    -------
    DataFrame
        Index township name; ``settlements``, ``served``, ``share`` (served
        / settlements), ``older``, ``older_served``, ``older_share`` (NaN
        when the township has no known older population).
    """
    sett = result.coverage.settlements
    served = (sett["status"] == "served").to_numpy() if "status" in sett else np.zeros(len(sett), bool)
    older = pd.to_numeric(sett.get("older_population"), errors="coerce").fillna(0.0).to_numpy()
    frame = pd.DataFrame({"township": sett["township"].astype(str).to_numpy(), "one": 1, "served": served,
                          "older": older, "older_served": np.where(served, older, 0.0)})
    out = frame.groupby("township", sort=True)[["one", "served", "older", "older_served"]].sum()
    out = out.rename(columns={"one": "settlements"})
    out["share"] = out["served"] / out["settlements"]
    out["older_share"] = (out["older_served"] / out["older"]).where(out["older"] > 0)
    return out


def _choropleth(result: StudyResult, lang: str) -> dict | None:
    """Township polygons with their coverage (GeoJSON, names as text), or None without township boundaries."""
    towns = result.data.townships
    if towns is None or not len(towns):
        return None
    from planner.reporting.map_shapes import small_geojson

    cov = township_coverage(result).reindex(towns.index.astype(str))
    frame = towns[[towns.geometry.name]].copy()
    frame["name"] = towns.index.astype(str)
    frame["n"] = cov["settlements"].fillna(0).astype(int).to_numpy()
    frame["served"] = cov["served"].fillna(0).astype(int).to_numpy()
    frame["share"] = cov["share"].to_numpy()
    frame["older_share"] = cov["older_share"].to_numpy()
    data = small_geojson(frame, columns=["name", "n", "served", "share", "older_share"], escape=False, digits=3)
    for feat in data["features"]:
        p = feat["properties"]
        p["share_txt"] = fmt_share(p["share"], 0) if p["share"] is not None else "—"
        p["older_txt"] = fmt_share(p["older_share"], 0) if p["older_share"] is not None else "—"
    return data


def _site_rows(result: StudyResult, lang: str) -> list[list[Any]]:
    """Per proposed site of every siting run: lon, lat, tier, rank, name, popup HTML."""
    rows = []
    for key, site in result.siting.items():
        sites = site.sites
        if sites is None or not len(sites):
            continue
        lon, lat = _lonlat(sites)
        for i in range(len(sites)):
            row = sites.iloc[i]
            tier = _text(row.get("tier")) or str(key)
            rows.append([float(lon[i]), float(lat[i]), tier, _num(row.get("rank"), 0),
                         _text(row.get("name")), site_popup(row, lang, tier=tier)])
    return rows


def _labels(lang: str) -> dict[str, str]:
    """The words the page script writes into popups and tooltips."""
    words = {
        "name": ("名称", "Name"), "kind": ("类别", "Kind"), "township": ("乡镇/街道", "Township"),
        "older": ("60岁及以上", "Aged 60+"), "estimated": ("（估算）", " (estimated)"),
        "status": ("状态", "Status"), "centre": ("所属区域中心", "Township centre"), "why": ("原因", "Why"),
        "min": ("分钟", "min"), "none": ("无可达设施", "none reachable"),
        "share": ("村/社区覆盖率", "Settlements served"), "older_share": ("老年人覆盖率", "Older people served"),
        "of": ("已覆盖", "served"), "site": ("建议选址", "Proposed site"),
    }
    out = {k: tr(lang, zh, en) for k, (zh, en) in words.items()}
    out.update(village=label("village", lang), community=label("community_kind", lang),
               served=label("served", lang), under_served=label("under_served", lang))
    return out


def map_data(result: StudyResult, lang: str, *, cluster_min: int) -> dict[str, Any]:
    """Everything the page script draws, as one JSON-able object (see the module docstring).

    Parameters
    ----------
    result
        The study.
    lang
        ``"zh"`` or ``"en"``.
    cluster_min
        Under-served settlements are clustered when there are more than this many.

    Returns
    -------
    dict
        Keys ``labels``, ``tiers``, ``badges``, ``fac``, ``sett``, ``towns``, ``centres``, ``sites``,
        ``site_style``, ``choro``, ``bins``, ``status``, ``cluster_min``.
    """
    sett = result.coverage.settlements
    tiers = [t for t in result.config.tiers if f"{t}_time_min" in sett]
    fac_rows, fac_pos = _facility_rows(result, lang)
    towns = sorted(set(sett["township"].dropna().astype(str))) if "township" in sett else []
    town_pos = {t: i for i, t in enumerate(towns)}
    centres = []
    for i, (cid, row) in enumerate(result.coverage.centres.iterrows()):
        if str(cid) in fac_pos:
            centres.append([fac_pos[str(cid)], 1 if is_true(row.get("over")) else 0,
                            centre_tooltip(cid, row, lang), CENTRE_PALETTE[i % len(CENTRE_PALETTE)]])
    sett_rows, notes = _settlement_rows(result, tiers, fac_pos, town_pos, lang)
    return {
        "labels": _labels(lang),
        "tiers": [[t, label(t, lang)] for t in tiers],
        "badges": {k: badge_style(k, lang) for k in ("county", "township", "street", "community", "village")},
        "fac": fac_rows,
        "sett": sett_rows,
        "notes": notes,
        "towns": towns,
        "centres": centres,
        "sites": _site_rows(result, lang),
        "site_style": {k: dict(v, label=tr(lang, v["zh"], v["en"])) for k, v in SITE_STYLE.items()},
        "choro": _choropleth(result, lang),
        "bins": [[lo, colour] for lo, colour in CHORO_BINS],
        "status": dict(STATUS_COLOR),
        "cluster_min": int(cluster_min),
    }
