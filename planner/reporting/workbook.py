"""The Excel workbook of a study, and the column headers every table uses.

Tables go to Excel with Chinese headers by default (English with
``lang="en"``); :data:`COLUMN_LABELS` names each column in both languages and
is shared with the HTML report.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from planner.i18n import check_lang, label, tr
from planner.io import guard_text_cells, make_text_cells

if TYPE_CHECKING:
    from planner.study import StudyResult

__all__ = ["write_workbook", "report_tables", "COLUMN_LABELS", "column_header"]


#: Column name -> (zh, en) header used in the workbook and the report.
COLUMN_LABELS: dict[str, tuple[str, str]] = {
    "settlement_id": ("编号", "ID"), "facility_id": ("编号", "ID"), "name": ("名称", "Name"),
    "type": ("类型", "Type"), "tier": ("层级", "Tier"), "kind": ("类别", "Kind"),
    "township": ("乡镇/街道", "Township / street"), "county": ("县（市、区）", "County"),
    "population": ("总人口", "Population"), "older_population": ("60岁及以上人口", "Aged 60+"),
    "older_estimated": ("老年人口为估算", "60+ estimated"), "urban": ("城镇", "Urban"),
    "older_source": ("老年人口来源", "60+ source"), "older_rule": ("老年人口估算方法", "60+ rule"),
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
    "new_villages": ("新增覆盖村数", "Villages newly covered"), "new_older": ("新增覆盖老年人", "Older newly covered"),
    "new_names": ("新增覆盖的村/社区", "Newly covered settlements"), "closes_zh": ("补足的缺口", "Gap closed (zh)"),
    "closes_en": ("补足的缺口（英文）", "Gap closed"), "why_zh": ("选址理由", "Why (zh)"),
    "why_en": ("选址理由（英文）", "Why"),
    "gap_kind": ("缺口类型", "Gap"), "centre_name": ("中心", "Centre"), "closed_by": ("由此点补足", "Closed by"),
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


def column_header(col: str, lang: str) -> str:
    """Header of column ``col`` in ``lang`` (the column name itself when unknown)."""
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
        f.columns = [column_header(str(c), lang) for c in f.columns]
        sheets[tr(lang, key_zh, key_en)] = f

    put("指标评估", "scorecard", cov.scorecard, index=False)
    put("村社区", "settlements", cov.settlements)
    put("养老设施", "facilities", cov.facilities)
    put("乡镇街道", "townships", cov.by_township)
    put("县", "counties", cov.by_county)
    put("区域中心", "centres", cov.centres)
    put("无中心乡镇", "townships_without_centre", cov.townships_without_centre)
    for key, site in result.siting.items():
        put(f"建议选址_{label(key, 'zh')}".replace("/", "_"), f"sites_{key}", site.sites)
        put(f"选址曲线_{label(key, 'zh')}".replace("/", "_"), f"curve_{key}", site.curve)
        put(f"建设前后_{label(key, 'zh')}".replace("/", "_"), f"before_after_{key}", site.scorecard, index=False)
        if len(site.gaps):
            put(f"缺口_{label(key, 'zh')}".replace("/", "_"), f"gaps_{key}", site.gaps, index=False)
    for key, msg in dict(getattr(result, "siting_errors", {}) or {}).items():
        sheets[tr(lang, f"选址未完成_{key}", f"siting_failed_{key}")] = pd.DataFrame(
            {tr(lang, "原因", "reason"): [msg]})
    problems = result.data.report.to_frame()
    if len(problems):
        sheets[tr(lang, "数据问题", "data_problems")] = _excel_safe(problems)
    return sheets


def write_workbook(result: StudyResult, path: str | Path, *, lang: str = "zh") -> Path:
    """Write the Excel workbook (scorecard, settlements, facilities, townships, centres, sites).

    No cell is a formula: text from the data that starts with ``=`` is
    written as a text cell (with Excel's quote prefix), and text longer than
    Excel's 32,767 characters per cell is cut with a marker.

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
            sheet = name[:31]
            guard_text_cells(frame, what=f"{path.name}, sheet {sheet}", quote_formulas=False).to_excel(
                xw, sheet_name=sheet, index=False)
            make_text_cells(xw.sheets[sheet])  # text from data that starts with "=" stays text
    return path
