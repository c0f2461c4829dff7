"""The catalogue of policy indicators: their names, the plans they come from, the words of their gaps.

:mod:`planner.analysis.policy` computes the values; the names and sources
follow ``docs/policy.md`` (seed numbers of the plans).
"""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = ["INDICATORS", "GAP_TEXTS", "GapTexts", "SOURCE_DOCUMENTS", "cited_documents", "source_parts"]

#: indicator key -> (name_zh, name_en, source)
INDICATORS: dict[str, tuple[str, str, str]] = {
    "village_facility_coverage": (
        "农村养老服务设施覆盖率（村）", "Rural (village) elderly-care facility coverage",
        "002 规划指标体系; 001 §二(三); 002 §四(三)",
    ),
    "township_centre_coverage": (
        "乡镇（街道）具备综合功能的养老服务机构覆盖率", "Townships/streets with a comprehensive centre",
        "002 规划指标体系; 000 #4",
    ),
    "street_centre_coverage": (
        "街道综合养老服务机构全覆盖", "Streets with a comprehensive centre (full coverage)",
        "001 §二(二); 000 #4",
    ),
    "rural_township_centre_coverage": (
        "乡镇区域养老服务中心全覆盖", "Rural townships with a regional centre (full coverage)",
        "001 §二(二)",
    ),
    "county_public_institution": (
        "县（市）公办养老机构覆盖率", "Counties with a public (失能照护) institution",
        "000 #8; 002 §三(一); 003 §一; 002 规划指标体系",
    ),
    "community_daycare_coverage": (
        "社区日间照料机构覆盖率", "Community day-care coverage",
        "000 #4; 002 §三",
    ),
    "beds_per_1000_older": (
        "每千名老年人拥有养老床位数", "Beds per 1,000 older people",
        "002 规划指标体系 (2020: 32)",
    ),
    "nursing_bed_share": (
        "养老机构护理型床位占比", "Nursing-bed share",
        "002 规划指标体系 (000: ≥50%; 001: >75% by 2029)",
    ),
    "public_occupancy": (
        "公办养老机构入住率", "Public institution occupancy",
        "002 规划指标体系; 003 §二(一)1",
    ),
    "circle15_older_share": (
        "中心城区15分钟养老服务圈覆盖老年人比例", "Older residents of central districts within the 15-minute circle",
        "000 #4; 002 §四(二)3",
    ),
    "total_beds": (
        "养老服务床位总量", "Total elderly-care beds",
        "002 规划指标体系",
    ),
}

class GapTexts(NamedTuple):
    """The words of an indicator with a target: met, still needed (for one and many), nothing to count.

    Templates take ``{value}`` and ``{target}`` (percentages), ``{gap}``,
    ``{num}`` and ``{den}`` (whole numbers) and indicator-specific fields.
    """

    unit: str
    met_zh: str
    met_en: str
    need_zh: str
    need_en: tuple[str, str]
    none_zh: str
    none_en: str


def _share(unit: str, need_zh: str, need_en_one: str, need_en_many: str, none_zh: str, none_en: str) -> GapTexts:
    """Words of a "share of things that have X" indicator: the need sentences end with the current share."""
    now_zh, now_en = "（现为{value}，{num}/{den}）", " (now {value}, {num}/{den})"
    return GapTexts(unit, "已达标：{value}（{num}/{den}），目标{target}", "Met: {value} ({num}/{den}); target {target}",
                    need_zh + now_zh, (need_en_one + now_en, need_en_many + now_en), none_zh, none_en)


#: indicator key -> its words (every indicator with a target).
GAP_TEXTS: dict[str, GapTexts] = {
    "village_facility_coverage": _share(
        "villages", "还需 {gap} 个村配建村级养老服务设施才能达到{target}",
        "{gap} more village needs a village-level facility to reach {target}",
        "{gap} more villages need a village-level facility to reach {target}",
        "无村", "No villages",
    ),
    "township_centre_coverage": _share(
        "townships", "还需在 {gap} 个乡镇（街道）建设具备综合功能的养老服务机构才能达到{target}",
        "{gap} more township/street needs a comprehensive centre to reach {target}",
        "{gap} more townships/streets need a comprehensive centre to reach {target}",
        "无乡镇（街道）数据", "No townships/streets",
    ),
    "street_centre_coverage": _share(
        "streets", "还需在 {gap} 个街道建设综合养老服务机构才能实现全覆盖",
        "{gap} more street needs a comprehensive centre for full coverage",
        "{gap} more streets need a comprehensive centre for full coverage",
        "无街道", "No streets",
    ),
    "rural_township_centre_coverage": _share(
        "townships", "还需在 {gap} 个乡镇建设区域养老服务中心才能实现全覆盖",
        "{gap} more township needs a regional centre for full coverage",
        "{gap} more townships need a regional centre for full coverage",
        "无乡镇", "No rural townships",
    ),
    "county_public_institution": _share(
        "counties", "还需 {gap} 个县（市、区）建设公办养老机构（失能照护）才能达到{target}",
        "{gap} more county needs a public (disability-care) institution to reach {target}",
        "{gap} more counties need a public (disability-care) institution to reach {target}",
        "无县", "No counties",
    ),
    "community_daycare_coverage": _share(
        "communities", "还需 {gap} 个社区配建日间照料设施才能达到{target}",
        "{gap} more community needs a day-care facility to reach {target}",
        "{gap} more communities need a day-care facility to reach {target}",
        "无社区", "No communities",
    ),
    "nursing_bed_share": GapTexts(
        "beds", "已达标：护理型床位占比{value}，目标{target}", "Met: nursing-bed share {value}; target {target}",
        "还需将 {gap} 张床位转为护理型床位才能达到{target}（现为{value}，{num}/{den}）",
        ("{gap} more bed must be nursing beds to reach {target} (now {value}, {num}/{den})",
         "{gap} more beds must be nursing beds to reach {target} (now {value}, {num}/{den})"),
        "无床位及护理型床位数据", "No bed / nursing-bed data",
    ),
    "public_occupancy": GapTexts(
        "residents", "已达标：公办机构入住率{value}，目标{target}", "Met: public occupancy {value}; target {target}",
        "公办机构还需新增入住 {gap} 人才能达到{target}（现为{value}，{num}/{den}）",
        ("{gap} more resident needed in public institutions to reach {target} (now {value}, {num}/{den})",
         "{gap} more residents needed in public institutions to reach {target} (now {value}, {num}/{den})"),
        "无公办机构床位及入住数据", "No public bed / occupancy data",
    ),
    "circle15_older_share": GapTexts(
        "older people", "已达标：中心城区{value}的老年人在15分钟养老服务圈内",
        "Met: {value} of central older residents are within the 15-minute circle",
        "中心城区还有 {gap} 名老年人（{n_out} 个村/社区）需纳入15分钟养老服务圈才能达到{target}（现为{value}）",
        ("{gap} more central older resident ({n_out} settlements) need to be within the 15-minute circle "
         "to reach {target} (now {value})",
         "{gap} more central older residents ({n_out} settlements) need to be within the 15-minute circle "
         "to reach {target} (now {value})"),
        "无中心城区老年人口", "No older residents in the central districts",
    ),
}


#: The policy documents the sources cite, by their seed number (``docs/policy.md``):
#: key -> (short title zh, full title zh, short title en, full title en).
SOURCE_DOCUMENTS: dict[str, tuple[str, str, str, str]] = {
    "000": ("省重点工作任务分工表", "黑龙江省养老服务《重点工作任务分工表》（省级文件附件，完成时限 2022 年底）",
            "provincial key-task table", "Heilongjiang elderly-care key-task allocation table "
            "(annex to a provincial document; deadlines end of 2022)"),
    "001": ("佳木斯市工作方案", "《佳木斯市推进养老服务发展工作方案》（佳政办发〔2025〕17号）",
            "Jiamusi work plan", "Jiamusi City work plan for advancing elderly-care services "
            "(Jiamusi government office, 2025 No. 17)"),
    "002": ("省“十四五”规划", "《黑龙江省养老服务业“十四五”发展规划》（2021—2025年）",
            "provincial 14th five-year plan", "Heilongjiang 14th Five-Year Plan for elderly-care services "
            "(2021–2025)"),
    "003": ("省农村养老实施方案", "《黑龙江省关于加快发展农村养老服务的实施方案》",
            "provincial rural plan", "Heilongjiang implementation plan for accelerating rural elderly-care "
            "services"),
    "004": ("绥化市专项行动方案", "《绥化市养老服务规范整治提高专项行动（2025—2027）实施方案》",
            "Suihua action plan", "Suihua City special action plan to regulate and improve elderly-care "
            "services (2025–2027)"),
}

#: A document number in a source string: three digits standing alone ("002 规划指标体系", "(000: ≥50%").
_DOC_NUMBER = re.compile(r"(?<![\d.§#])(\d{3})(?![\d%])")


def source_parts(source: str) -> list[tuple[str, str | None]]:
    """A source string cut into pieces: ``(text, document key)`` for each cited document, ``(text, None)`` between.

    Concatenating the texts gives the source back; a document's piece is its number (``"002"``).
    """
    text, out, last = source or "", [], 0
    for m in _DOC_NUMBER.finditer(text):
        if m.group(1) in SOURCE_DOCUMENTS:
            out += [(text[last:m.start()], None), (m.group(1), m.group(1))]
            last = m.end()
    out.append((text[last:], None))
    return [(t, k) for t, k in out if t]


def cited_documents(source: str) -> list[str]:
    """The keys of :data:`SOURCE_DOCUMENTS` cited in a ``source`` string, in order of first mention."""
    return list(dict.fromkeys(k for _, k in source_parts(source) if k is not None))

#: County public institution when some counties' 公办 status is unknown: the sentence (zh: status, gap
#: suffix; en: status, gap suffix one, gap suffix many).  Fields: num, den, unknown, names, gap, value.
PUBLIC_UNKNOWN_TEXTS: tuple[tuple[str, str], tuple[str, str, str]] = (
    ("{num}/{den} 个县（市、区）有公办养老机构；{unknown} 个县（{names}）的县级机构未填是否公办，状态未知，"
     "不计为缺少：请在设施表“是否公办”列填写",
     "；另有 {gap} 个县（市、区）确无公办养老机构（失能照护），需要建设"),
    ("{num} of {den} counties have a public institution; for {unknown} ({names}) the county-level facilities' "
     "public (公办) status is unknown, not counted as missing: fill in the 公办 column of the facilities file",
     "; {gap} more county is known to lack a public (disability-care) institution",
     "; {gap} more counties are known to lack a public (disability-care) institution"),
)
