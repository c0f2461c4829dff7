"""Sentences that explain a coverage reason code with its evidence (Chinese and English).

:mod:`planner.analysis.classify` decides *which* reasons apply and records
the numbers behind each as a :class:`Finding`; this module is the only place
the words of those reasons are written (``reason_detail_zh`` /
``reason_detail_en``).  Numbers are written with the :mod:`planner.i18n`
formatters and travel modes with :func:`planner.i18n.mode_label`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from planner.codes import CoverageReason
from planner.i18n import fmt_minutes, fmt_number, fmt_share, is_missing, label, mode_label, tr

__all__ = ["Finding", "describe", "reason_details", "SEPARATORS"]

#: How the sentences of one settlement are joined, per language.
SEPARATORS: dict[str, str] = {"zh": "；", "en": "; "}


@dataclass(frozen=True)
class Finding:
    """One reason a settlement is under-served (or a fact about it), with its evidence.

    Attributes
    ----------
    code : CoverageReason
        The reason (written to the ``reasons`` column as it is).
    tier : str or None
        Tier key the reason is about (None for settlement-level facts).
    evidence : mapping
        The numbers behind it; keys depend on the code (see :func:`describe`).
    """

    code: CoverageReason
    tier: str | None = None
    evidence: Mapping[str, Any] = field(default_factory=dict)

    @property
    def reported(self) -> CoverageReason:
        """The code written to the ``reasons`` column (the code itself)."""
        return self.code


def _no_road(f: Finding, lang: str) -> str:
    e, t = f.evidence, label(f.tier or "", lang)
    mode = mode_label(e["mode"], lang)
    d, limit = e["snap_m"], fmt_number(e["limit_m"])
    if not math.isfinite(d):
        dist = tr(lang, "未知距离", "an unknown distance")
    else:
        dist = fmt_number(d) + tr(lang, " 米", " m")
    return tr(lang, f"[{t}] 附近无可用道路（{mode}）：最近道路距 {dist}，超过允许的 {limit} 米",
              f"[{t}] no usable road ({mode}): nearest road {dist} away, limit {limit} m")


def _disconnected(f: Finding, lang: str) -> str:
    e, t = f.evidence, label(f.tier or "", lang)
    mode = mode_label(e["mode"], lang)
    c = "?" if is_missing(e["component"]) else e["component"]
    return tr(lang, f"[{t}] 所在路网片段（编号 {c}，{mode}）内没有该级设施，无法到达",
              f"[{t}] its road piece (id {c}, {mode}) holds no facility of this tier")


def _one_way_trapped(f: Finding, lang: str) -> str:
    e, t = f.evidence, label(f.tier or "", lang)
    mode = mode_label(e["mode"], lang)
    c = "?" if is_missing(e["component"]) else e["component"]
    text = tr(lang, f"[{t}] 所在路网片段（编号 {c}，{mode}）内有该级设施，但单行道只能驶离，无法到达任何一处",
              f"[{t}] its road piece (id {c}, {mode}) holds facilities of this tier, but one-way streets "
              "lead away from all of them")
    node = e.get("edge_node")
    if is_missing(node):
        return text
    at = f"{e['edge_lon']:.5f}, {e['edge_lat']:.5f}"
    return text + tr(lang, f"：单行道通向 OSM 节点 {node}（{at}），道路文件在此处截断，请使用范围更大的路网数据",
                     f": the one-way road runs to OSM node {node} ({at}), and the road file stops short here; "
                     "use a road extract reaching farther")


def _no_facility(f: Finding, lang: str) -> str:
    t = label(f.tier or "", lang)
    return tr(lang, f"[{t}] 研究区内没有该级设施", f"[{t}] the study area has no facility of this tier")


def _beyond_threshold(f: Finding, lang: str) -> str:
    e, t = f.evidence, label(f.tier or "", lang)
    mode = mode_label(e["mode"], lang)
    fac = f"{e['facility']} {e['name']}"
    time, over, thr = fmt_minutes(e["time_min"]), fmt_minutes(e["over_min"]), f"{e['threshold_min']:g}"
    return tr(lang, f"[{t}] 最近设施 {fac}（{mode}）需 {time} 分钟，超出 {thr} 分钟标准 {over} 分钟",
              f"[{t}] nearest facility {fac} is {time} min {mode}, {over} min over the {thr}-min threshold")


def _over_capacity(f: Finding, lang: str) -> str:
    e, t = f.evidence, label("township", lang)
    centre = f"{e['centre']} {e['name']}"
    load, cap, share = fmt_number(e["load"]), fmt_number(e["capacity"]), fmt_share(e["share"], 0)
    return tr(lang, f"[{t}] 所属区域养老服务中心 {centre} 负荷 {load} / {cap} 人（{share}），超出服务能力",
              f"[{t}] its centre {centre} carries {load} of {cap} older people ({share}): over capacity")


def _no_township_centre(f: Finding, lang: str) -> str:
    town = f.evidence["township"]
    return tr(lang, f"所在乡镇（街道）{town} 没有乡镇级区域养老服务中心",
              f"its township {town} has no township-tier centre")


def _estimated_population(f: Finding, lang: str) -> str:
    o = f.evidence["older"]
    if is_missing(o):
        return tr(lang, "60岁及以上人口（未知）为按规则分配的估算值，非统计数", "older population is unknown")
    n = fmt_number(o)
    return tr(lang, f"60岁及以上人口（{n} 人）为按规则分配的估算值，非统计数",
              f"older population ({n}) is allocated, not counted")


_SENTENCES: dict[CoverageReason, Callable[[Finding, str], str]] = {
    CoverageReason.NO_ROAD: _no_road,
    CoverageReason.DISCONNECTED: _disconnected,
    CoverageReason.NO_FACILITY: _no_facility,
    CoverageReason.ONE_WAY_TRAPPED: _one_way_trapped,
    CoverageReason.BEYOND_THRESHOLD: _beyond_threshold,
    CoverageReason.OVER_CAPACITY: _over_capacity,
    CoverageReason.NO_TOWNSHIP_CENTRE: _no_township_centre,
    CoverageReason.ESTIMATED_POPULATION: _estimated_population,
}


def describe(finding: Finding, lang: str = "zh") -> str:
    """The sentence explaining one finding in ``lang`` (``"zh"`` or ``"en"``).

    Evidence keys per code: ``NO_ROAD`` ``mode, snap_m, limit_m``;
    ``DISCONNECTED`` ``mode, component``; ``NO_FACILITY`` none;
    ``ONE_WAY_TRAPPED`` ``mode, component`` and optionally ``edge_node,
    edge_lon, edge_lat`` (where the road file stops short);
    ``BEYOND_THRESHOLD`` ``mode, facility, name, time_min, threshold_min,
    over_min``; ``OVER_CAPACITY`` ``centre, name, load, capacity, share``;
    ``NO_TOWNSHIP_CENTRE`` ``township``; ``ESTIMATED_POPULATION`` ``older``.
    """
    return _SENTENCES[finding.code](finding, lang)


def reason_details(findings: Iterable[Iterable[Finding]], lang: str = "zh") -> list[str]:
    """One joined explanation per settlement (``""`` when it has no finding).

    Parameters
    ----------
    findings : iterable of iterables of Finding
        Per settlement, its findings in order.
    lang : {"zh", "en"}

    Returns
    -------
    list of str
    """
    sep = SEPARATORS[lang]
    return [sep.join(describe(f, lang) for f in fs) for fs in findings]
