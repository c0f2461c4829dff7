"""Accessibility and equity as workbook sheets, and the words of their columns (shared with the report and map).

:func:`access_sheets` returns the sheets keyed by name with headers in
``lang``: per settlement, per facility, per township and the equity summary
of each tier.  The reasons are written in words (their codes stay in the
GeoPackage and CSV layers, :meth:`planner.analysis.AccessResult.layers`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from planner.codes import AccessReason
from planner.config.access import ACCESS_METHODS, SUPPLY_COLUMNS
from planner.i18n import check_lang, label, tr

if TYPE_CHECKING:
    from planner.analysis import AccessResult
    from planner.study import StudyResult

__all__ = ["access_sheets", "ACCESS_LABELS", "access_header", "reason_words", "method_text", "rule_words"]

#: Column -> (zh, en) header of the accessibility tables.
ACCESS_LABELS: dict[str, tuple[str, str]] = {
    "settlement_id": ("编号", "ID"), "facility_id": ("编号", "ID"), "name": ("名称", "Name"),
    "kind": ("类别", "Kind"), "township": ("乡镇/街道", "Township / street"), "county": ("县（市、区）", "County"),
    "older_population": ("60岁及以上人口", "Aged 60+"), "older_estimated": ("老年人口为估算", "60+ estimated"),
    "tier": ("层级", "Tier"), "supply_column": ("供给指标", "Supply measure"), "supply": ("供给量", "Supply"),
    "weighted_demand": ("服务范围内加权老年人口", "Weighted older people in catchment"),
    "ratio_per_1000": ("供需比（每千名老年人）", "Supply per 1,000 older people in catchment"),
    "settlements_in_catchment": ("服务范围内村/社区数", "Settlements in catchment"),
    "reason": ("未计入原因", "Why not counted"), "settlements": ("村/社区数", "Settlements"),
    "settlements_counted": ("计入的村/社区数", "Settlements counted"),
    "access": ("可达性（每千名老年人）", "Accessibility (per 1,000 older people)"),
    "share_below": ("低于阈值的老年人比例", "Share of older people below the threshold"),
    "method": ("方法", "Method"), "older_counted": ("计入的老年人口", "Older people counted"),
    "settlements_value_unknown": ("可达性未知的村/社区", "Settlements with unknown accessibility"),
    "older_value_unknown": ("其中老年人口", "Their older people"),
    "settlements_older_unknown": ("老年人口未知的村/社区", "Settlements with unknown older population"),
    "settlements_older_zero": ("老年人口为 0 的村/社区", "Settlements with no older people"),
    "facilities": ("层级设施数", "Facilities of the tier"),
    "facilities_not_counted": ("未计入的设施", "Facilities not counted"),
    "supply_counted": ("计入的供给量", "Supply counted"),
    "mean": ("平均值（按老年人口加权）", "Mean (older-weighted)"), "median": ("中位数", "Median"),
    "p10": ("第10百分位", "10th percentile"), "min": ("最小值", "Minimum"), "max": ("最大值", "Maximum"),
    "share_zero": ("可达性为 0 的老年人比例", "Share of older people with none"),
    "gini": ("基尼系数（村/社区）", "Gini (settlements)"), "theil": ("泰尔指数 T", "Theil T"),
    "theil_within": ("泰尔指数：乡镇内", "Theil: within townships"),
    "theil_between": ("泰尔指数：乡镇间", "Theil: between townships"),
    "township_gini": ("基尼系数（乡镇）", "Gini (townships)"),
    "threshold": ("阈值（每千名老年人）", "Threshold (per 1,000 older people)"),
    "threshold_rule": ("阈值来源", "Threshold rule"), "older_below": ("低于阈值的老年人", "Older people below"),
    "worst_townships": ("可达性最低的乡镇", "Lowest townships"),
}
for _t in ("county", "township", "community"):
    _zh, _en = label(_t, "zh"), label(_t, "en")
    ACCESS_LABELS.update({
        f"{_t}_access": (f"{_zh}可达性（每千名老年人）", f"{_en} accessibility (per 1,000)"),
        f"{_t}_access_reason": (f"{_zh}可达性说明", f"{_en} accessibility note"),
        f"{_t}_access_facilities": (f"{_zh}服务范围内设施数", f"{_en} facilities in catchment"),
        f"{_t}_catchment_min": (f"{_zh}服务范围（分钟）", f"{_en} catchment (min)"),
    })


def access_header(col: str, lang: str) -> str:
    """Header of accessibility column ``col`` in ``lang`` (the name itself when unknown)."""
    zh, en = ACCESS_LABELS.get(col, (col, col))
    return tr(lang, zh, en)


def reason_words(codes: Any, lang: str) -> str:
    """``;``-joined :class:`~planner.codes.AccessReason` codes as words ("" when none)."""
    if not isinstance(codes, str) or not codes:
        return ""
    return tr(lang, "；", "; ").join(AccessReason[c].label(lang) if c in AccessReason.__members__ else c
                                    for c in codes.split(";"))


def method_text(params: Any, lang: str) -> str:
    """The method, supply and decay in one sentence."""
    zh, en = ACCESS_METHODS.get(params["method"], (params["method"], params["method"]))
    s_zh, s_en = SUPPLY_COLUMNS.get(params["supply"], (params["supply"], params["supply"]))
    if params["method"] == "e2sfca":
        zones = ", ".join(f"≤{s:.2g}×: {w:g}" for s, w in zip(params["decay_steps"], params["decay_weights"],
                                                               strict=True))
        extra = tr(lang, f"；分段权重（占服务范围的比例）{zones}",
                   f"; stepped weights (share of the catchment) {zones}")
    elif params["method"] == "gaussian":
        bw = params["gaussian_bandwidth"]
        extra = tr(lang, f"；高斯带宽 = {bw:g} × 服务范围", f"; Gaussian width = {bw:g} × the catchment")
    else:
        extra = ""
    return tr(lang, f"方法：{zh}；供给：{s_zh}{extra}。", f"Method: {en}; supply: {s_en}{extra}.")


def rule_words(rule: Any, lang: str) -> str:
    """How a tier's threshold was set: stated in the config, or a share of the tier's mean."""
    rule = str(rule)
    if rule.startswith("relative:"):
        share = float(rule.split(":", 1)[1])
        return tr(lang, f"未设定，取加权平均值的 {share:.0%}", f"not stated: {share:.0%} of the weighted mean")
    return tr(lang, "配置设定", "stated in the config")


def _sheet(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A table as the workbook shows it: values in words (:func:`~planner.reporting.labels.readable_table`),
    headers of the accessibility columns from :data:`ACCESS_LABELS`."""
    from planner.reporting.labels import readable_table

    out = readable_table(pd.DataFrame(frame).drop(columns=["geometry"], errors="ignore"), lang, drop_other_lang=False)
    out.columns = [access_header(k, lang) if k in ACCESS_LABELS else h
                   for k, h in zip(out.attrs["keys"], out.columns, strict=True)]
    return out


def _words(acc: AccessResult, lang: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The settlement and facility tables with their reasons in words."""
    sett = pd.DataFrame(acc.settlements).copy()
    for c in [c for c in sett.columns if c.endswith("_access_reason")]:
        sett[c] = sett[c].map(lambda v: reason_words(v, lang))
    fac = pd.DataFrame(acc.facilities).copy()
    if "reason" in fac:
        fac["reason"] = fac["reason"].map(lambda v: reason_words(v, lang))
    if "supply_column" in fac:
        fac["supply_column"] = fac["supply_column"].map(lambda v: tr(lang, *SUPPLY_COLUMNS.get(v, (v, v))))
    return sett, fac


def access_sheets(result: StudyResult, *, lang: str = "zh") -> dict[str, pd.DataFrame]:
    """The accessibility sheets of the workbook, keyed by sheet name (none when not measured).

    Parameters
    ----------
    result : StudyResult
    lang : {"zh", "en"}

    Returns
    -------
    dict
        Sheet name -> table with headers in ``lang``.
    """
    check_lang(lang)
    acc = getattr(result, "access", None)
    if acc is None:
        return {}
    sett, fac = _words(acc, lang)
    equity = acc.equity.copy()
    equity["method"] = equity["method"].map(lambda m: tr(lang, *ACCESS_METHODS.get(m, (m, m))))
    equity["supply_column"] = equity["supply_column"].map(lambda v: tr(lang, *SUPPLY_COLUMNS.get(v, (v, v))))
    equity["threshold_rule"] = equity["threshold_rule"].map(lambda v: rule_words(v, lang))
    return {
        tr(lang, "可达性_公平性", "access_equity"): _sheet(equity, lang),
        tr(lang, "可达性_乡镇", "access_townships"): _sheet(acc.by_township, lang),
        tr(lang, "可达性_村社区", "access_settlements"): _sheet(sett, lang),
        tr(lang, "可达性_设施", "access_facilities"): _sheet(fac, lang),
    }
