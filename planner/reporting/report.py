"""Reports and exports: a single-file HTML report, an Excel workbook, a GeoPackage, CSVs.

The HTML report needs nothing but a browser: its charts are drawn with
HTML and CSS, so Chinese labels use the reader's own fonts (no CJK font is
needed where the report is made).  Tables go to Excel with Chinese headers by
default (English with ``lang="en"``); CSVs are UTF-8 with a BOM so Excel
opens them correctly.
"""

from __future__ import annotations

import datetime as _dt
import html
import logging
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from planner.i18n import check_lang, label, tr

if TYPE_CHECKING:
    from planner.study import StudyResult

__all__ = [
    "write_report_html",
    "write_workbook",
    "write_geopackage",
    "write_csvs",
    "report_tables",
    "COLUMN_LABELS",
]

logger = logging.getLogger(__name__)

#: Column name -> (zh, en) header used in the workbook and the report.
COLUMN_LABELS: dict[str, tuple[str, str]] = {
    "settlement_id": ("编号", "ID"), "facility_id": ("编号", "ID"), "name": ("名称", "Name"),
    "type": ("类型", "Type"), "tier": ("层级", "Tier"), "kind": ("类别", "Kind"),
    "township": ("乡镇/街道", "Township / street"), "county": ("县（市、区）", "County"),
    "population": ("总人口", "Population"), "older_population": ("60岁及以上人口", "Aged 60+"),
    "older_estimated": ("老年人口为估算", "60+ estimated"), "urban": ("城镇", "Urban"),
    "central": ("中心城区", "Central district"), "beds": ("床位数", "Beds"),
    "nursing_beds": ("护理型床位数", "Nursing beds"), "occupied_beds": ("入住人数", "Occupied"),
    "public": ("公办", "Public"), "capacity": ("服务能力（老年人）", "Capacity (older people)"),
    "status": ("状态", "Status"), "reasons": ("原因代码", "Reason codes"),
    "reason_detail_zh": ("原因说明", "Reasons (zh)"), "reason_detail_en": ("原因说明（英文）", "Reasons"),
    "priority": ("优先序", "Priority"), "shortfall_min": ("超出时间（分钟）", "Minutes over"),
    "centre": ("所属区域中心", "Township centre"), "centre_time_min": ("到中心时间（分钟）", "Time to centre (min)"),
    "load": ("服务负荷", "Load"), "share": ("负荷率", "Share of capacity"), "over": ("超负荷", "Over capacity"),
    "settlements_in_circle": ("服务圈内村/社区数", "Settlements in circle"),
    "older_in_circle": ("服务圈内老年人", "Older people in circle"),
    "indicator": ("指标代码", "Indicator"), "scope": ("范围", "Scope"), "name_zh": ("指标", "Indicator (zh)"),
    "name_en": ("指标（英文）", "Indicator"), "value": ("现状值", "Value"), "target": ("目标值", "Target"),
    "met": ("是否达标", "Met"), "gap": ("差距（个）", "Gap (count)"), "text_zh": ("说明", "Note (zh)"),
    "text_en": ("说明（英文）", "Note"), "source": ("政策依据", "Source"), "rank": ("排序", "Rank"),
    "settlements": ("村/社区数", "Settlements"), "served": ("已覆盖", "Served"),
    "under_served": ("服务不足", "Under-served"), "served_share": ("覆盖率", "Served share"),
}
for _t, (_zh, _en) in {"county": ("县级", "county"), "township": ("乡镇级", "township"),
                       "community": ("社区/村级", "community")}.items():
    COLUMN_LABELS.update({
        f"{_t}_facility": (f"最近{_zh}设施", f"Nearest {_en} facility"),
        f"{_t}_time_min": (f"到{_zh}设施时间（分钟）", f"Time to {_en} facility (min)"),
        f"{_t}_covered": (f"{_zh}覆盖", f"{_en.capitalize()} covered"),
        f"{_t}_reason": (f"{_zh}未覆盖原因", f"{_en.capitalize()} reason"),
        f"{_t}_older_share": (f"{_zh}老年人口覆盖率", f"{_en.capitalize()} older share"),
        f"{_t}_settlement_share": (f"{_zh}村/社区覆盖率", f"{_en.capitalize()} settlement share"),
    })


def _header(col: str, lang: str) -> str:
    zh, en = COLUMN_LABELS.get(col, (col, col))
    return tr(lang, zh, en)


def _excel_safe(frame: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(frame).copy()
    geom = [c for c in out.columns if isinstance(out[c].dtype, gpd.array.GeometryDtype)]
    for c in geom:
        g = gpd.GeoSeries(out[c])
        if len(g) and (g.geom_type == "Point").all():
            out["lon"] = g.x.round(6).to_numpy()
            out["lat"] = g.y.round(6).to_numpy()
        out = out.drop(columns=[c])
    for c in out.columns:
        dtype = out[c].dtype
        if pd.api.types.is_float_dtype(dtype):
            out[c] = out[c].where(np.isfinite(out[c].to_numpy(dtype=float, na_value=np.nan)), np.nan)
        elif pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_integer_dtype(dtype):
            continue
        else:
            out[c] = out[c].astype(object).where(out[c].notna(), None)
    return out


def report_tables(result: StudyResult, *, lang: str = "zh") -> dict[str, pd.DataFrame]:
    """The tables of the workbook, keyed by sheet name, headers in ``lang``."""
    check_lang(lang)
    cov = result.coverage
    sheets: dict[str, pd.DataFrame] = {}

    def put(key_zh: str, key_en: str, frame: pd.DataFrame | None, *, index: bool = True) -> None:
        if frame is None:
            return
        f = _excel_safe(frame.reset_index() if index and frame.index.name else frame)
        f.columns = [_header(str(c), lang) for c in f.columns]
        sheets[tr(lang, key_zh, key_en)] = f

    put("指标评估", "scorecard", cov.scorecard, index=False)
    put("村社区", "settlements", cov.settlements)
    put("养老设施", "facilities", cov.facilities)
    put("乡镇街道", "townships", cov.by_township)
    put("县", "counties", cov.by_county)
    put("区域中心", "centres", cov.centres)
    put("无中心乡镇", "townships_without_centre", cov.townships_without_centre)
    for key, site in (result.siting or {}).items():
        sites = getattr(site, "sites", None)
        if sites is not None:
            put(f"建议选址_{label(key, 'zh')}".replace("/", "_"), f"sites_{key}", sites)
        curve = getattr(site, "curve", None)
        if curve is not None:
            put(f"选址曲线_{label(key, 'zh')}".replace("/", "_"), f"curve_{key}", curve)
    problems = result.data.report.to_frame()
    if len(problems):
        sheets[tr(lang, "数据问题", "data_problems")] = _excel_safe(problems)
    return sheets


def write_workbook(result: StudyResult, path: str | Path, *, lang: str = "zh") -> Path:
    """Write the Excel workbook (scorecard, settlements, facilities, townships, centres, sites).

    Returns
    -------
    Path
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        if result.synthetic:
            pd.DataFrame({tr(lang, "说明", "Note"): [tr(lang, "本工作簿由合成（模拟）数据生成，非真实情况。",
                                                      "Made from synthetic (simulated) data: not a real place.")]}
                         ).to_excel(xw, sheet_name=tr(lang, "说明", "README"), index=False)
        for name, frame in report_tables(result, lang=lang).items():
            frame.to_excel(xw, sheet_name=name[:31], index=False)
    return path


def _layers(result: StudyResult) -> dict[str, gpd.GeoDataFrame]:
    """Geometry layers the coverage result does not hold: boundaries and proposed sites."""
    layers: dict[str, gpd.GeoDataFrame] = {}
    data = result.data
    if data.counties is not None:
        layers["counties"] = data.counties
    if data.townships is not None:
        layers["townships"] = data.townships
    for key, site in (result.siting or {}).items():
        sites = getattr(site, "sites", None)
        if sites is not None and len(sites):
            layers[f"proposed_sites_{key}"] = sites
    return layers


def write_geopackage(result: StudyResult, path: str | Path) -> Path:
    """Write every layer (coverage layers, boundaries, proposed sites) to one GeoPackage."""
    path = Path(path)
    result.coverage.to_gpkg(path)
    for name, frame in _layers(result).items():
        out = _excel_safe(frame.reset_index() if frame.index.name else frame)
        gpd.GeoDataFrame(out, geometry=frame.geometry.to_numpy(), crs=frame.crs).to_file(
            path, layer=name, driver="GPKG")
    return path


def write_csvs(result: StudyResult, folder: str | Path, *, lang: str = "zh") -> Path:
    """Write every table as CSV (UTF-8 with BOM) into ``folder``; returns the folder."""
    folder = Path(folder)
    result.coverage.to_csv(folder)
    for name, frame in _layers(result).items():
        if name.startswith("proposed_sites"):
            _excel_safe(frame.reset_index() if frame.index.name else frame).to_csv(
                folder / f"{name}.csv", encoding="utf-8-sig", index=False)
    return folder


# --------------------------------------------------------------------------- HTML report

_CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:0;color:#222;background:#fafafa}
main{max-width:1100px;margin:0 auto;padding:16px 24px;background:white}
h1{font-size:24px;margin:8px 0}h2{font-size:19px;border-bottom:2px solid #1d5fa8;padding-bottom:4px;margin-top:28px}
h3{font-size:15px;margin:16px 0 6px}
table{border-collapse:collapse;font-size:13px;width:100%;margin:6px 0}
th,td{border:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}th{background:#f0f4f8}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.met{color:#1a7f37;font-weight:bold}.notmet{color:#c62828;font-weight:bold}.na{color:#888}
.banner{background:#fff3cd;border:1px solid #e0b252;color:#7a4d00;padding:8px 12px;border-radius:4px;font-weight:bold}
.cards{display:flex;gap:12px;flex-wrap:wrap}.card{flex:1;min-width:160px;border:1px solid #ddd;border-radius:6px;padding:10px}
.card .big{font-size:26px;font-weight:bold}.muted{color:#666;font-size:12px}
.bar{display:flex;align-items:center;margin:2px 0;font-size:12px}.bar .lab{width:170px;flex:none;overflow:hidden;
white-space:nowrap;text-overflow:ellipsis}.bar .track{flex:1;background:#eef1f5;height:14px;position:relative;border-radius:2px}
.bar .fill{height:14px;border-radius:2px}.bar .val{width:90px;flex:none;text-align:right;padding-left:6px}
.bar .mark{position:absolute;top:-2px;width:2px;height:18px;background:#c62828}
.hist{display:flex;align-items:flex-end;height:160px;gap:2px;border-bottom:1px solid #999;padding-top:6px}
.hist div{flex:1;background:#1d5fa8;position:relative}.hist span{position:absolute;top:-15px;width:100%;text-align:center;font-size:10px}
.axis{display:flex;gap:2px;font-size:10px;color:#555}.axis div{flex:1;text-align:center}
"""


def _num(v: Any, digits: int = 0, pct: bool = False) -> str:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return html.escape(str(v)) if v is not None and v is not pd.NA else "—"
    if math.isnan(f):
        return "—"
    if math.isinf(f):
        return "∞"
    return f"{f:.{digits}%}" if pct else f"{f:,.{digits}f}"


def _bars(rows: Iterable[tuple[str, float, str]], *, maximum: float | None = None, mark: float | None = None,
          colour: str = "#1d5fa8", bad_above: bool = True) -> str:
    """Horizontal bars; with ``mark``, bars on the bad side of it are red.

    ``bad_above``: loads above capacity are bad; coverage below a target is bad
    (``bad_above=False``).
    """
    rows = list(rows)
    top = maximum if maximum is not None else max([r[1] for r in rows if np.isfinite(r[1])] + [1e-9])
    out = []
    for name, value, text in rows:
        width = 0.0 if not np.isfinite(value) else max(0.0, min(100.0, 100.0 * value / top))
        bad = mark is not None and np.isfinite(value) and (value > mark if bad_above else value < mark)
        col = "#c62828" if bad else colour
        mk = f'<div class="mark" style="left:{100.0 * mark / top:.1f}%"></div>' if mark is not None else ""
        out.append(f'<div class="bar"><div class="lab" title="{html.escape(name)}">{html.escape(name)}</div>'
                   f'<div class="track"><div class="fill" style="width:{width:.1f}%;background:{col}"></div>{mk}</div>'
                   f'<div class="val">{html.escape(text)}</div></div>')
    return "".join(out)


def _histogram(values: np.ndarray, *, edges: np.ndarray, lang: str) -> str:
    finite = values[np.isfinite(values)]
    counts, _ = np.histogram(np.clip(finite, edges[0], None), bins=edges)
    n_over = int((finite >= edges[-1]).sum())
    n_inf = int((~np.isfinite(values)).sum())
    top = max(int(counts.max()) if len(counts) else 0, n_over, n_inf, 1)
    bars = "".join(f'<div style="height:{100 * c / top:.1f}%"><span>{c}</span></div>' for c in counts)
    bars += f'<div style="height:{100 * n_over / top:.1f}%;background:#d46b08"><span>{n_over}</span></div>'
    bars += f'<div style="height:{100 * n_inf / top:.1f}%;background:#c62828"><span>{n_inf}</span></div>'
    axis = "".join(f"<div>{int(a)}–{int(b)}</div>" for a, b in zip(edges[:-1], edges[1:]))
    axis += f"<div>&gt;{int(edges[-1])}</div><div>{tr(lang, '不可达', 'unreachable')}</div>"
    return f'<div class="hist">{bars}</div><div class="axis">{axis}</div>'


def _table_html(frame: pd.DataFrame, columns: list[str], lang: str, *, pct: Iterable[str] = (),
                digits: Mapping[str, int] | None = None) -> str:
    pct = set(pct)
    digits = dict(digits or {})
    head = "".join(f"<th>{html.escape(_header(c, lang))}</th>" for c in columns)
    body = []
    for _, row in frame.iterrows():
        cells = []
        for c in columns:
            v = row.get(c)
            if c == "met":
                if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
                    cells.append(f'<td class="na">{tr(lang, "仅报告", "report")}</td>')
                else:
                    cells.append(f'<td class="{"met" if bool(v) else "notmet"}">'
                                 f'{tr(lang, "达标", "met") if bool(v) else tr(lang, "未达标", "not met")}</td>')
            elif isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
                cells.append(f'<td class="num">{_num(v, digits.get(c, 0 if c not in pct else 1), c in pct)}</td>')
            else:
                cells.append(f"<td>{html.escape('' if v is None or v is pd.NA else str(v))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _value_text(row: pd.Series) -> str:
    key = str(row.get("indicator", ""))
    v, t = row.get("value"), row.get("target")
    as_pct = key not in ("beds_per_1000_older", "total_beds")
    return _num(v, 1, as_pct), ("—" if t is None or (isinstance(t, float) and math.isnan(t)) else _num(t, 0, as_pct))


def write_report_html(result: StudyResult, path: str | Path, *, lang: str = "zh") -> Path:
    """Write the single-file HTML report of a study.

    Sections: summary, policy scorecard (met / not met and gaps in counts),
    coverage by township and county (charts), travel-time distribution,
    township-centre loads against capacity, priority list of under-served
    settlements, proposed sites, parameters and data caveats.

    Returns
    -------
    Path
    """
    check_lang(lang)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    cfg = result.config
    cov = result.coverage
    sett = cov.settlements
    card = cov.scorecard
    parts: list[str] = []
    title = tr(lang, f"{cfg.name}：养老服务设施覆盖评估报告", f"{cfg.name}: elderly-care coverage report")
    parts.append(f"<h1>{html.escape(title)}</h1>")
    parts.append(f'<p class="muted">{tr(lang, "生成日期", "Generated")}: {_dt.date.today().isoformat()} · '
                 f'{tr(lang, "目标年份", "Milestone year")}: {cov.params.get("year", cfg.targets.milestone_year)}</p>')
    if result.synthetic:
        parts.append(f'<div class="banner">{tr(lang, "本报告基于合成（模拟）数据生成，县名、村名、人口与设施均为虚构，仅用于演示。", "This report is made from synthetic (simulated) data: the county, villages, population and facilities are invented for demonstration.")}</div>')

    # Summary cards
    n = len(sett)
    under = int((sett["status"] == "under_served").sum())
    overall = card[card["scope"] == "overall"] if "scope" in card else card
    judged = overall["met"].dropna()
    met = int(judged.astype(bool).sum())
    older = pd.to_numeric(sett["older_population"], errors="coerce")
    under_older = older[sett["status"] == "under_served"].sum()
    parts.append('<div class="cards">')
    for big, small in (
        (f"{n:,}", tr(lang, "村/社区", "settlements analysed")),
        (f"{under:,}", tr(lang, "服务不足的村/社区", "under-served settlements")),
        (_num(under_older), tr(lang, "服务不足地区的老年人", "older people in under-served settlements")),
        (f"{met} / {len(judged)}", tr(lang, "政策指标达标", "policy targets met")),
    ):
        parts.append(f'<div class="card"><div class="big">{big}</div><div class="muted">{small}</div></div>')
    parts.append("</div>")

    # Scorecard
    parts.append(f"<h2>{tr(lang, '一、政策指标评估', '1. Policy scorecard')}</h2>")
    rows = []
    name_col = "name_zh" if lang == "zh" else "name_en"
    text_col = "text_zh" if lang == "zh" else "text_en"
    for _, r in overall.iterrows():
        v, t = _value_text(r)
        m = r.get("met")
        if m is None or m is pd.NA or (isinstance(m, float) and math.isnan(m)):
            mtxt = f'<span class="na">{tr(lang, "仅报告", "report only")}</span>'
        else:
            mtxt = (f'<span class="met">{tr(lang, "达标", "met")}</span>' if bool(m)
                    else f'<span class="notmet">{tr(lang, "未达标", "not met")}</span>')
        rows.append(f"<tr><td>{html.escape(str(r.get(name_col, '')))}</td><td class='num'>{v}</td>"
                    f"<td class='num'>{t}</td><td>{mtxt}</td><td>{html.escape(str(r.get(text_col, '') or ''))}</td>"
                    f"<td class='muted'>{html.escape(str(r.get('source', '') or ''))}</td></tr>")
    parts.append(f"<table><thead><tr><th>{tr(lang, '指标', 'Indicator')}</th><th>{tr(lang, '现状', 'Value')}</th>"
                 f"<th>{tr(lang, '目标', 'Target')}</th><th>{tr(lang, '评估', 'Judgement')}</th>"
                 f"<th>{tr(lang, '差距', 'Gap')}</th><th>{tr(lang, '依据', 'Source')}</th></tr></thead>"
                 f"<tbody>{''.join(rows)}</tbody></table>")

    # Coverage by township and county
    parts.append(f"<h2>{tr(lang, '二、分乡镇（街道）与分县覆盖率', '2. Coverage by township and county')}</h2>")
    parts.append(f'<p class="muted">{tr(lang, "按老年人口计的覆盖率；红线为目标。", "Share of older population covered; red line: target.")}</p>')
    target_v = cfg.targets.village_facility_share
    for tier in ("community", "township", "county"):
        col = f"{tier}_older_share"
        if col not in cov.by_township:
            continue
        t = cfg.tiers[tier]
        parts.append(f"<h3>{html.escape(label(tier, lang))}（{tr(lang, f'村 {t.rural_minutes:.0f} 分钟/{t.rural_profile}，社区 {t.minutes:.0f} 分钟/{t.profile}', f'villages {t.rural_minutes:.0f} min by {t.rural_profile}, communities {t.minutes:.0f} min by {t.profile}')}）</h3>")
        bt = cov.by_township.sort_values(col)
        parts.append(_bars(((str(i), float(r[col]) if pd.notna(r[col]) else np.nan, _num(r[col], 0, True))
                            for i, r in bt.iterrows()), maximum=1.0,
                           mark=target_v if tier == "community" else None, bad_above=False))
    parts.append(f"<h3>{tr(lang, '分县', 'By county')}</h3>")
    cols = [c for c in ("settlements", "served", "under_served", "served_share", "community_older_share",
                        "township_older_share", "county_older_share") if c in cov.by_county]
    parts.append(_table_html(cov.by_county.reset_index(), [cov.by_county.index.name or "county"] + cols, lang,
                             pct=[c for c in cols if "share" in c]))

    # Travel-time distribution
    parts.append(f"<h2>{tr(lang, '三、出行时间分布', '3. Travel-time distribution')}</h2>")
    for tier in ("community", "township", "county"):
        col = f"{tier}_time_min"
        if col not in sett:
            continue
        vals = pd.to_numeric(sett[col], errors="coerce").to_numpy(dtype=float)
        vals = np.where(np.isnan(vals), np.inf, vals)
        top = {"community": 30, "township": 60, "county": 120}[tier]
        edges = np.linspace(0, top, 11)
        parts.append(f"<h3>{tr(lang, f'到最近{label(tier, lang)}设施的时间（分钟，村/社区数）', f'Time to the nearest {label(tier, lang).lower()} facility (minutes; settlements)')}</h3>")
        parts.append(_histogram(vals, edges=edges, lang=lang))

    # Township-centre loads
    parts.append(f"<h2>{tr(lang, '四、乡镇区域养老服务中心负荷', '4. Township-centre loads against capacity')}</h2>")
    cen = cov.centres
    if len(cen):
        load_col = "nearest_load" if "nearest_load" in cen else "load"
        parts.append(f'<p class="muted">{tr(lang, "按就近分配的老年人数（自然服务范围）与服务能力（红线）比较；按能力约束分配后的负荷见表。", "Older people whose nearest centre it is (natural catchment) against capacity (red line); the capacity-aware assignment is in the table.")}</p>')
        cap = pd.to_numeric(cen.get("capacity"), errors="coerce")
        top = float(np.nanmax(np.r_[pd.to_numeric(cen[load_col], errors="coerce").to_numpy(dtype=float), cap.to_numpy(dtype=float), 1.0]))
        rows_b = []
        for cid, r in cen.iterrows():
            rows_b.append((str(r.get("name", cid)), float(r[load_col]) if pd.notna(r[load_col]) else np.nan,
                           f"{_num(r[load_col])} / {_num(r.get('capacity'))}"))
        cap_mark = float(np.nanmedian(cap)) if cap.notna().any() else None
        parts.append(_bars(rows_b, maximum=top * 1.05, mark=cap_mark, colour="#d46b08"))
        cols = [c for c in ("name", "township", "capacity", "nearest_load", "load", "share", "over") if c in cen]
        parts.append(_table_html(cen, cols, lang, pct=["share"]))
    tw = cov.townships_without_centre
    if len(tw):
        names = ", ".join(map(str, tw.index)) if tw.index.name else ", ".join(map(str, tw.iloc[:, 0]))
        parts.append(f"<p><b>{tr(lang, '没有区域养老服务中心的乡镇/街道', 'Townships/streets without a centre')}</b>（{len(tw)}）：{html.escape(names)}</p>")

    # Priority list
    parts.append(f"<h2>{tr(lang, '五、服务不足村/社区优先序', '5. Under-served settlements, in priority order')}</h2>")
    us = cov.under_served
    parts.append(f'<p class="muted">{tr(lang, f"共 {len(us)} 个，按老年人口和缺口程度排序，列出前 50 个；完整名单见 Excel。", f"{len(us)} in all, ranked by older population and shortfall; the first 50 are listed, all of them in the workbook.")}</p>')
    cols = [c for c in ("priority", "name", "township", "kind", "older_population", "reasons",
                        f"reason_detail_{lang}") if c in us]
    parts.append(_table_html(us.head(50).reset_index(), cols, lang))

    # Proposed sites
    if result.siting:
        parts.append(f"<h2>{tr(lang, '六、建议新增选址', '6. Proposed new sites')}</h2>")
        for key, site in result.siting.items():
            sites = getattr(site, "sites", None)
            parts.append(f"<h3>{html.escape(label(key, lang))}</h3>")
            summary = getattr(site, "summary", None)
            if callable(summary):
                parts.append(f"<p>{html.escape(str(summary(lang=lang)))}</p>")
            if sites is not None and len(sites):
                cols = [c for c in ("rank", "name", "type", "township", "new_settlements", "new_older",
                                    "marginal_gain", f"why_{lang}") if c in sites]
                parts.append(_table_html(sites.reset_index(drop=True), cols, lang))
            curve = getattr(site, "curve", None)
            if curve is not None and len(curve):
                share_col = next((c for c in curve.columns if "share" in c), None)
                if share_col:
                    parts.append(_bars(((f"+{int(k)}", float(v), _num(v, 1, True))
                                        for k, v in zip(curve.iloc[:, 0] if "k" not in curve else curve["k"], curve[share_col])),
                                       maximum=1.0, mark=target_v, bad_above=False))

    # Parameters and caveats
    parts.append(f"<h2>{tr(lang, '七、参数与数据说明', '7. Parameters and data caveats')}</h2>")
    prm = []
    for key, t in cfg.tiers.items():
        prm.append(f"<li>{html.escape(label(key, lang))}: {tr(lang, '社区', 'communities')} {t.minutes:.0f} {label('minutes', lang)} "
                   f"({html.escape(t.profile)}), {tr(lang, '村', 'villages')} {t.rural_minutes:.0f} {label('minutes', lang)} "
                   f"({html.escape(t.rural_profile)})</li>")
    for name, p in cfg.profiles.items():
        prm.append(f"<li>{tr(lang, '出行方式', 'profile')} {html.escape(name)}: {p.mode}, {p.speed_kmh:.2f} km/h"
                   f"{tr(lang, '（按道路等级限速）', ' (per road class)') if p.highway_speeds_kmh else ''}; "
                   f"{tr(lang, '最大捕捉距离', 'max snapping')} {p.max_snap_m_urban:.0f} / {p.max_snap_m_rural:.0f} m</li>")
    prm.append(f"<li>{tr(lang, '区域中心服务能力', 'Township-centre capacity')}: {cfg.targets.township_centre_capacity:,.0f}</li>")
    parts.append("<ul>" + "".join(prm) + "</ul>")
    caveats = []
    n_est = int(sett.get("older_estimated", pd.Series(False, index=sett.index)).fillna(False).astype(bool).sum())
    if n_est:
        caveats.append(tr(lang, f"{n_est} 个村/社区的老年人口为按总人口比例分配的估算值（标注为“估算”）。",
                          f"The older population of {n_est} settlements is estimated (allocated in proportion to total population)."))
    for layer in result.data.report.layers:
        excl = sum(layer.excluded.values()) if layer.excluded else 0
        caveats.append(tr(lang, f"{layer.file}：读取 {layer.rows_read} 行，保留 {layer.rows_kept} 行，排除 {excl} 行"
                                + (f"（{'；'.join(f'{k} {v}' for k, v in layer.excluded.items())}）" if excl else "") + "。",
                          f"{layer.file}: {layer.rows_read} rows read, {layer.rows_kept} kept, {excl} excluded"
                          + (f" ({'; '.join(f'{k} {v}' for k, v in layer.excluded.items())})" if excl else "") + "."))
    dropped = getattr(result.network, "dropped", {}) or {}
    if dropped:
        caveats.append(tr(lang, "路网：" + "；".join(f"{k} {v}" for k, v in dropped.items()),
                          "Road network: " + "; ".join(f"{k} {v}" for k, v in dropped.items())))
    if result.synthetic:
        caveats.append(tr(lang, "全部输入为合成数据。", "All inputs are synthetic."))
    parts.append("<ul>" + "".join(f"<li>{html.escape(c)}</li>" for c in caveats) + "</ul>")

    doc = (f'<!DOCTYPE html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
           f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body><main>{''.join(parts)}</main></body></html>")
    path.write_text(doc, encoding="utf-8")
    return path
