"""The words of a table a planner reads: column headers with units, values in words, policy document titles.

Every table the workbook and the CSVs write goes through :func:`readable_table`:

- headers from :data:`COLUMN_LABELS` (Chinese by default, English with ``lang="en"``), with their
  units (分钟, 人, 张, 米, 公里); every label is unique in each language, so no two columns of a
  sheet read the same;
- values in words (:data:`VALUE_WORDS`): settlement kinds, tiers, travel profiles, statuses, gap
  kinds, reason codes (their labels from :mod:`planner.codes`), and True/False as 是/否 / Yes/No;
- the other language's twin columns (``text_en`` in a Chinese table) left out of the workbook;
- geometry as ``lon``/``lat`` or centroid and size, through the one table serialiser
  (:func:`planner.io.export.plain_table`).

Another module can label its own columns by adding to :data:`COLUMN_LABELS` and
:data:`VALUE_WORDS` at import (keys not known are written as they are).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from planner.analysis import SOURCE_DOCUMENTS
from planner.codes import CandidateExclusion, DataProblem, OlderRule, OlderSource, SitingReason, code_label
from planner.i18n import INFINITE, LABELS, check_lang, tr
from planner.io import plain_table
from planner.reporting.access_tables import ACCESS_LABELS

__all__ = ["COLUMN_LABELS", "VALUE_WORDS", "POLICY_DOCUMENTS", "column_header", "value_word",
           "readable_table", "source_text", "OTHER_LANG_COLUMNS"]

_T = tuple[str, str]

#: Column name -> (zh, en) header, units included.  Unique in each language.
COLUMN_LABELS: dict[str, _T] = {
    # ids and names
    "settlement_id": ("村/社区编号", "Settlement ID"), "facility_id": ("设施编号", "Facility ID"),
    "candidate_id": ("候选点编号", "Candidate ID"), "name": ("名称", "Name"), "type": ("类型", "Type"),
    "tier": ("层级", "Tier"), "kind": ("村/社区类别", "Settlement kind"),
    "township": ("乡镇/街道", "Township / street"), "county": ("县（市、区）", "County"),
    "scope": ("统计范围", "Scope"), "lon": ("经度", "Longitude"), "lat": ("纬度", "Latitude"),
    "centroid_lon": ("中心点经度", "Centroid longitude"), "centroid_lat": ("中心点纬度", "Centroid latitude"),
    # people and beds
    "population": ("总人口（人）", "Population (people)"),
    "older_population": ("60岁及以上老年人口（人）", "Aged 60+ (people)"),
    "older_estimated": ("老年人口为估算值", "Aged 60+ estimated"),
    "older_source": ("老年人口来源", "Source of the 60+ figure"),
    "unknown": ("状态未知的县（个）", "Counties of unknown status"),
    "older_rule": ("老年人口估算方法", "60+ estimation rule"), "urban": ("城镇", "Urban"),
    "central": ("中心城区", "Central district"), "beds": ("床位数（张）", "Beds"),
    "nursing_beds": ("护理型床位数（张）", "Nursing beds"), "occupied_beds": ("入住人数（人）", "Residents (people)"),
    "occupied": ("入住人数合计（人）", "Residents in total (people)"), "public": ("公办", "Public"),
    "capacity": ("服务能力（老年人，人）", "Capacity (older people)"),
    "capacity_source": ("服务能力来源", "Capacity from"),
    "capacity_used": ("采用的服务能力（人）", "Capacity used (people)"),
    "older": ("老年人口（人）", "Older people"),
    # settlement coverage
    "circle15_time_min": ("15分钟圈内最近社区设施时间（分钟）", "15-min circle: time to nearest (min)"),
    "circle15_covered": ("在15分钟养老服务圈内", "Within the 15-minute circle"),
    "centre": ("分配的区域中心", "Assigned centre"), "centre_time_min": ("到分配中心时间（分钟）",
                                                                    "Time to assigned centre (min)"),
    "centre_stage": ("中心分配方式", "Centre assignment"),
    "nearest_centre": ("最近的区域中心", "Nearest centre"),
    "nearest_centre_time_min": ("到最近中心时间（分钟）", "Time to nearest centre (min)"),
    "status": ("状态", "Status"), "reasons": ("服务不足原因", "Why under-served"),
    "reason_detail_zh": ("原因说明", "Explanation (Chinese)"), "reason_detail_en": ("原因说明（英文）", "Explanation"),
    "shortfall_min": ("超出服务时间（分钟）", "Minutes over the limit"),
    "priority_score": ("优先得分", "Priority score"), "priority": ("优先序", "Priority rank"),
    # facilities
    "settlements_in_circle": ("服务圈内村/社区数（个）", "Settlements in circle"),
    "older_in_circle": ("服务圈内老年人（人）", "Older people in circle"),
    "nearest_settlements": ("以此为最近设施的村/社区数（个）", "Settlements nearest to it"),
    "nearest_load": ("就近服务老年人（人）", "Older people nearest to it"),
    "nearest_load_within": ("服务时间内就近服务老年人（人）", "Older people nearest to it, within the limit"),
    "nearest_share": ("就近负荷率", "Nearest-load share of capacity"),
    "nearest_over": ("就近超负荷", "Over capacity (nearest)"),
    "threshold_min": ("服务时间标准（分钟）", "Time limit (min)"),
    "load": ("服务负荷（老年人，人）", "Load (older people)"), "share": ("负荷率", "Share of capacity"),
    "over": ("超负荷", "Over capacity"), "snap_m": ("到道路距离（米）", "Distance to road (m)"),
    "linked": ("已接入路网", "On the road network"),
    "assigned_load": ("服务时间内分配老年人（人）", "Older people assigned within the limit"),
    "assigned_settlements": ("服务时间内分配村/社区数（个）", "Settlements assigned within the limit"),
    "spill_load": ("超时就近分配老年人（人）", "Older people assigned beyond the limit"),
    "spill_settlements": ("超时就近分配村/社区数（个）", "Settlements assigned beyond the limit"),
    # summaries
    "settlements": ("村/社区数（个）", "Settlements"), "served": ("已覆盖村/社区数（个）", "Settlements served"),
    "under_served": ("服务不足村/社区数（个）", "Settlements under-served"),
    "served_share": ("全部层级覆盖的村/社区比例", "Share served at every tier"),
    "central_older_population": ("中心城区老年人口（人）", "Older people in central districts"),
    "circle15_older_share": ("中心城区15分钟圈覆盖老年人比例", "Central older people within the 15-min circle"),
    "has_centre": ("有区域中心", "Has a centre"),
    # scorecard
    "indicator": ("指标代码", "Indicator code"), "name_zh": ("指标", "Indicator (Chinese)"),
    "name_en": ("指标（英文）", "Indicator"), "value": ("现状值", "Value"), "numerator": ("分子", "Numerator"),
    "denominator": ("分母", "Denominator"), "target": ("目标值", "Target"), "met": ("是否达标", "Met"),
    "gap": ("差距", "Gap"), "gap_unit": ("差距单位", "Gap unit"), "due_year": ("目标年份", "Target year"),
    "applies": ("本年适用", "Applies this year"), "text_zh": ("说明", "Note (Chinese)"),
    "text_en": ("说明（英文）", "Note"), "source": ("政策依据", "Policy source"),
    "value_before": ("建设前", "Before"), "met_before": ("建设前达标", "Met before"),
    "gap_before": ("建设前差距", "Gap before"), "value_after": ("建设后", "After"),
    "met_after": ("建设后达标", "Met after"), "gap_after": ("建设后差距", "Gap after"),
    "changed": ("有变化", "Changed"), "best": ("最多可达", "Best reachable"),
    "reached_at_k": ("达标所需新增点数（个）", "New sites to reach it"), "method": ("计算方法", "Method"),
    # siting
    "rank": ("排序", "Rank"), "new_settlements": ("新增覆盖村/社区数（个）", "Settlements newly covered"),
    "new_villages": ("新增覆盖村数（个）", "Villages newly covered"),
    "new_communities": ("新增覆盖社区数（个）", "Communities newly covered"),
    "new_older": ("新增覆盖老年人（人）", "Older people newly covered"),
    "settlement_ids": ("新增覆盖的村/社区编号", "Newly covered settlement IDs"),
    "new_names": ("新增覆盖的村/社区", "Newly covered settlements"),
    "marginal_gain": ("新增效益", "Gain"), "gain_unit": ("效益单位", "Gain unit"),
    "closes_zh": ("补足的缺口", "Gap closed (Chinese)"), "closes_en": ("补足的缺口（英文）", "Gap closed"),
    "colocated": ("毗邻卫生院/室", "Next to a health centre"),
    "health_distance_m": ("到卫生院/室距离（米）", "Distance to health centre (m)"),
    "why_zh": ("选址理由", "Why (Chinese)"), "why_en": ("选址理由（英文）", "Why"),
    "gap_kind": ("缺口类型", "Gap kind"), "centre_name": ("区域中心名称", "Centre name"),
    "nearest_centre_name": ("最近的区域中心名称", "Nearest centre name"),
    "load_before": ("建设前负荷（人）", "Load before (people)"),
    "load_after": ("建设后负荷（人）", "Load after (people)"),
    "closed_by": ("由此候选点补足", "Closed by candidate"),
    "nearest_outside": ("乡镇外最近中心", "Nearest centre outside"),
    "k": ("新增点数（个）", "New sites"), "covered_settlements": ("覆盖村/社区数（个）", "Settlements covered"),
    "villages_covered": ("覆盖村数（个）", "Villages covered"), "village_share": ("村覆盖率", "Village share"),
    "communities_covered": ("覆盖社区数（个）", "Communities covered"),
    "community_share": ("社区覆盖率", "Community share"), "older_covered": ("覆盖老年人（人）", "Older people covered"),
    "older_share": ("老年人覆盖率", "Older share"),
    "townships_with_centre": ("有中心的乡镇/街道数（个）", "Townships with a centre"),
    "township_centre_share": ("有中心的乡镇/街道比例", "Share of townships with a centre"),
    "reason": ("原因", "Reason"), "reason_zh": ("原因说明（中文）", "Reason (Chinese)"),
    "reason_en": ("原因说明（英文原文）", "Reason (English)"), "detail": ("详情", "Detail"),
    "public_facilities": ("公办机构数（个）", "Public institutions"), "occupancy": ("入住率", "Occupancy"),
    "blocked": ("不得新建公办", "No new public sites"),
    # circles and catchments
    "applies_to": ("适用范围", "Applies to"), "profile": ("出行方式", "Travel profile"), "mode": ("交通方式", "Mode"),
    "minutes": ("服务时间（分钟）", "Minutes"), "reached_km": ("可达道路长度（公里）", "Roads reached (km)"),
    "area_km2": ("面积（平方公里）", "Area (km²)"), "length_km": ("长度（公里）", "Length (km)"),
    "n_facilities": ("设施数（个）", "Facilities"),
    "n_empty": ("无服务圈的设施数（个）", "Facilities without a circle"),
    "n_settlements": ("服务村/社区数（个）", "Settlements served by it"),
    "profiles": ("使用的出行方式", "Profiles used"),
    "n_straight": ("按直线距离的村/社区数（个）", "Settlements by straight line"),
    # data problems
    "file": ("文件", "File"), "row": ("行号", "Row"), "column": ("列", "Column"), "code": ("问题", "Problem"),
    "severity": ("严重程度", "Severity"), "message": ("问题说明", "Message"), "fix": ("修改建议", "How to fix"),
    # the notes sheet
    "section": ("类别", "Section"), "item": ("项目", "Item"), "detail_value": ("内容", "Content"),
    "cell_value": ("原值", "Value as written"),
}
for _t, (_zh, _en) in {"county": ("县级", "county"), "township": ("乡镇级", "township"),
                       "community": ("社区/村级", "community")}.items():
    _cap = _en.capitalize()
    COLUMN_LABELS.update({
        f"{_t}_facility": (f"最近{_zh}设施", f"Nearest {_en} facility"),
        f"{_t}_facility_name": (f"最近{_zh}设施名称", f"Nearest {_en} facility name"),
        f"{_t}_time_min": (f"到{_zh}设施时间（分钟）", f"Time to {_en} facility (min)"),
        f"{_t}_threshold_min": (f"{_zh}服务时间标准（分钟）", f"{_cap} time limit (min)"),
        f"{_t}_profile": (f"{_zh}出行方式", f"{_cap} travel profile"),
        f"{_t}_covered": (f"{_zh}覆盖", f"{_cap} covered"),
        f"{_t}_snap_m": (f"{_zh}路网接入距离（米）", f"{_cap} distance to road (m)"),
        f"{_t}_reason": (f"{_zh}未覆盖原因", f"{_cap} reason"),
        f"{_t}_older_covered": (f"{_zh}覆盖老年人（人）", f"{_cap}: older people covered"),
        f"{_t}_older_share": (f"{_zh}老年人口覆盖率", f"{_cap}: older share"),
        f"{_t}_settlement_share": (f"{_zh}村/社区覆盖率", f"{_cap}: settlement share"),
    })
    COLUMN_LABELS[f"{_t}_covered_count"] = (f"{_zh}覆盖村/社区数（个）", f"{_cap}: settlements covered")

#: Columns written in one language only: the workbook keeps the ``lang`` one of each pair.
OTHER_LANG_COLUMNS: dict[str, tuple[str, ...]] = {
    "zh": ("name_en", "text_en", "reason_detail_en", "closes_en", "why_en", "reason_en"),
    "en": ("name_zh", "text_zh", "reason_detail_zh", "closes_zh", "why_zh", "reason_zh"),
}

_YES_NO: _T = ("是", "Yes"), ("否", "No")
_TIERS = {k: LABELS[k] for k in ("county", "township", "community")}
_PROFILES = {"walk": ("步行", "Walk"), "ebike": ("电动车", "E-bike"), "bike": ("电动车", "E-bike"),
             "drive": ("驾车", "Drive")}
_GAP_UNITS = {"villages": ("个村", "villages"), "townships": ("个乡镇/街道", "townships / streets"),
              "streets": ("个街道", "streets"), "counties": ("个县（市、区）", "counties"),
              "communities": ("个社区", "communities"), "beds": ("张床位", "beds"),
              "residents": ("名入住老人", "residents"), "older people": ("名老年人", "older people")}

#: Column -> value -> (zh, en): the words of coded values (reason codes come from :mod:`planner.codes`).
VALUE_WORDS: dict[str, dict[str, _T]] = {
    "kind": {"village": (LABELS["village"][0], "Village"), "community": LABELS["community_kind"]},
    "change": {"lost": ("失去覆盖", "lost coverage"), "gained": ("新增覆盖", "gained coverage")},
    "tier": _TIERS, "status": {"served": LABELS["served"], "under_served": LABELS["under_served"],
                               "optimal": ("最优", "optimal"), "rule": ("按规则", "by rule"),
                               "time_limit": ("达到时间上限", "time limit reached"),
                               "feasible": ("可行解", "feasible")},
    "profile": _PROFILES, "mode": _PROFILES, "applies_to": {"all": ("全部", "all"), "urban": ("城镇", "urban"),
                                                           "rural": ("农村", "rural")},
    "centre_stage": {"within": ("服务时间内分配", "within the limit"),
                     "spill": ("超时就近分配", "nearest, beyond the limit"), "none": ("未分配", "not assigned")},
    "capacity_source": {"facility": ("设施填报", "from the facility"), "default": ("默认值", "default")},
    "gap_kind": {"no_centre": ("乡镇无中心", "township without a centre"),
                 "overload": ("中心超负荷", "overloaded centre")},
    "gap_unit": _GAP_UNITS,
    "gain_unit": {"older_covered": ("覆盖老年人", "older people covered"),
                  "settlements_covered": ("覆盖村/社区", "settlements covered"),
                  "older_x_seconds_saved": ("老年人×节省秒数", "older people × seconds saved"),
                  "villages_covered": ("覆盖村数", "villages covered"),
                  "older_newly_covered": ("新增覆盖老年人", "older people newly covered"),
                  "older_newly_assigned": ("新增承接老年人", "older people newly assigned")},
    "severity": {"error": ("错误", "error"), "warning": ("警告", "warning")},
    "scope": {"overall": ("全部研究区", "whole study")},
    "method": {
        "the proposed sites in rank order (prefixes of one solution)": ("按建议点排序逐个加入（同一方案的前 k 个）",
                                                                         "the proposed sites in rank order"),
        "incremental greedy (lazy), one run": ("逐个贪心加点（一次计算）", "incremental greedy, one run"),
        "one reused MCLP model for every k": ("每个 k 求解最大覆盖模型", "maximal covering model for every k"),
        "one reused MCLP model for every k (capacitated)": ("每个 k 求解最大覆盖模型（含服务能力）",
                                                            "maximal covering model with capacities for every k"),
        "partial-cover MILP (fewest sites), the proposal itself": ("部分覆盖整数规划（最少点数），即本方案",
                                                                   "partial-cover MILP (fewest sites): this proposal"),
        "partial-cover MILP (fewest sites)": ("部分覆盖整数规划（最少点数）", "partial-cover MILP (fewest sites)"),
        "count of townships without a centre": ("无中心乡镇/街道计数", "count of townships without a centre"),
        "gap by gap (rule)": ("逐个补缺（规则）", "gap by gap (rule)"), "the proposal": ("本方案", "this proposal"),
        "proportional": ("按总人口比例", "proportional"), "equal": ("平均分配", "equal split"),
        "mixed": ("比例与平均混合", "mixed"), "none": ("无", "none"),
    },
}
for _t in _TIERS:
    VALUE_WORDS[f"{_t}_profile"] = _PROFILES

#: Columns of reason codes (``;``-separated lists allowed) and where their labels are.
_CODE_COLUMNS: dict[str, type | None] = {"reasons": None, "county_reason": None, "township_reason": None,
                                         "community_reason": None, "other_reason": None, "code": DataProblem,
                                         "older_source": OlderSource, "older_rule": OlderRule}
_REASON_KINDS = (CandidateExclusion, SitingReason)

#: Seed number of a plan -> its full title (zh, en), for the policy source of every indicator: the one
#: list of the plans' titles, :data:`planner.analysis.SOURCE_DOCUMENTS` (also used by the report).
POLICY_DOCUMENTS: dict[str, _T] = {seed: (full_zh, full_en)
                                   for seed, (_, full_zh, _, full_en) in SOURCE_DOCUMENTS.items()}
_SEED = re.compile(r"\b(00\d)\b ?")


for _key, _words in ACCESS_LABELS.items():  # the accessibility tables' columns, in every output
    COLUMN_LABELS.setdefault(_key, _words)

def column_header(col: str, lang: str) -> str:
    """Header of column ``col`` in ``lang`` (the column name itself when unknown).

    Parameters
    ----------
    col : str
    lang : {"zh", "en"}

    Returns
    -------
    str
    """
    zh, en = COLUMN_LABELS.get(col, (col, col))
    return tr(lang, zh, en)


def source_text(source: str, lang: str = "zh") -> str:
    """A policy source with the documents' titles instead of their seed numbers.

    ``"002 规划指标体系; 001 §二(三)"`` reads ``《黑龙江省养老服务业“十四五”发展规划》规划指标体系；
    《佳木斯市推进养老服务发展工作方案》… §二(三)``.

    Parameters
    ----------
    source : str
        As in :data:`planner.analysis.INDICATORS`.
    lang : {"zh", "en"}

    Returns
    -------
    str
    """
    def title(m: re.Match) -> str:
        zh, en = POLICY_DOCUMENTS.get(m.group(1), (m.group(1) + " ", m.group(1) + " "))
        return tr(lang, zh, en + " ")

    parts = [_SEED.sub(title, p.strip()).strip() for p in str(source).split(";") if p.strip()]
    if lang == "en":
        parts = [p.replace("规划指标体系", "indicator table").replace(" :", ":") for p in parts]
    else:
        parts = [re.sub(r" by (\d{4})", r"（\1 年）", p) for p in parts]
    return tr(lang, "；", "; ").join(parts)


def value_word(col: str, value: object, lang: str) -> object:
    """``value`` of column ``col`` in words (codes -> labels, booleans -> 是/否); other values as they are.

    Parameters
    ----------
    col : str
    value : object
    lang : {"zh", "en"}

    Returns
    -------
    object
    """
    if isinstance(value, bool | np.bool_):
        return tr(lang, *_YES_NO[0]) if value else tr(lang, *_YES_NO[1])
    if not isinstance(value, str):
        return value
    if col in _CODE_COLUMNS:
        kind = _CODE_COLUMNS[col]
        sep = tr(lang, "；", "; ")
        return sep.join(code_label(c, lang, kind=kind) for c in value.split(";") if c)
    if col == "reason":
        for kind in _REASON_KINDS:
            if value in kind.__members__:
                return code_label(value, lang, kind=kind)
        return code_label(value, lang)
    if col == "source":
        return source_text(value, lang)
    words = VALUE_WORDS.get(col)
    if words and value in words:
        return tr(lang, *words[value])
    return value


def _in_words(col: str, s: pd.Series, lang: str) -> pd.Series:
    """Column ``s`` with values in words; numbers stay numbers, infinite times read ``∞``."""
    if pd.api.types.is_bool_dtype(s.dtype) or isinstance(s.dtype, pd.BooleanDtype):
        return s.astype(object).map(lambda v: None if v is None or v is pd.NA else value_word(col, bool(v), lang))
    if pd.api.types.is_float_dtype(s.dtype):
        vals = s.to_numpy(dtype=float, na_value=np.nan)
        if np.isinf(vals).any():
            return pd.Series([INFINITE if math.isinf(v) else (None if math.isnan(v) else v) for v in vals],
                             index=s.index, dtype=object)
        return s
    if pd.api.types.is_numeric_dtype(s.dtype):
        return s
    return s.astype(object).map(lambda v: None if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))
                                else value_word(col, v, lang))


def _label_key(key: str, s: pd.Series) -> str:
    """The label of a column: a count of settlements covered (a summary) reads differently from a yes/no."""
    count = f"{key}_count"
    if count in COLUMN_LABELS and pd.api.types.is_integer_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        return count
    return key


def readable_table(frame: pd.DataFrame, lang: str = "zh", *, drop_other_lang: bool = True,
                   drop: tuple[str, ...] = (), row_formats: Callable[[pd.DataFrame], Mapping] | None = None,
                   ) -> pd.DataFrame:
    """``frame`` as a planner reads it: headers in ``lang`` with units, values in words.

    Parameters
    ----------
    frame : pandas.DataFrame or geopandas.GeoDataFrame
        A result table; a named index becomes the first column(s), geometry becomes
        ``lon``/``lat`` (points) or centroid and area/length.  Not modified.
    lang : {"zh", "en"}
    drop_other_lang : bool
        Leave out the other language's twin columns (:data:`OTHER_LANG_COLUMNS`).
    drop : tuple of str
        Further columns to leave out.
    row_formats : callable, optional
        ``f(table) -> {column: list of Excel number formats, one per row}`` for columns whose
        unit varies by row (the scorecard); computed on the whole table before translation.

    Returns
    -------
    pandas.DataFrame
        ``attrs["keys"]`` holds the column names before translation (what
        :func:`planner.reporting.workbook_format.format_sheet` formats by) and
        ``attrs["row_formats"]`` the per-row formats keyed by those names.
    """
    check_lang(lang)
    table = plain_table(frame)
    formats = dict(row_formats(table)) if row_formats is not None else {}
    skip = set(drop) | (set(OTHER_LANG_COLUMNS[lang]) if drop_other_lang else set())
    table = table[[c for c in table.columns if str(c) not in skip]]
    keys = [str(c) for c in table.columns]
    out = pd.DataFrame({j: _in_words(k, table.iloc[:, j], lang) for j, k in enumerate(keys)})
    out.columns = [column_header(_label_key(k, table.iloc[:, j]), lang) for j, k in enumerate(keys)]
    out.attrs["keys"] = keys
    out.attrs["row_formats"] = formats
    return out
