"""Stable codes with their Chinese and English labels, in one place.

Every reason, problem and exclusion the planner reports is a member of one of
the :class:`Code` enumerations below.  Members are ``str`` subclasses
(:class:`enum.StrEnum`), so they compare equal to, and are written to tables
as, their plain names (``"NO_ROAD"``): outputs and user code that match on the
strings keep working.  The labels are the short words a planner reads; the
sentences that explain a code with its evidence are written by the
``explain`` modules of the stages.

Kinds of code
-------------
:class:`RouteReason`
    why the routing engine found no time (``nearest_facility``, ``reach_matrix``).
:class:`CoverageReason`
    why a settlement is under-served at a tier (coverage and its reports).
:class:`AssignmentFlag`
    facts about a township-centre assignment (capacity, reach).
:class:`DataProblem`
    what is wrong with an input file (validation).
:class:`SitingReason`
    why siting cannot serve a settlement.
:class:`CandidateExclusion`
    why a candidate site is left out of siting.
:class:`AccessReason`
    why a floating-catchment accessibility value is zero, partial or unknown, or a facility's supply is not counted.
"""

from __future__ import annotations

from enum import StrEnum

from planner.i18n import check_lang

__all__ = [
    "Code",
    "RouteReason",
    "CoverageReason",
    "AssignmentFlag",
    "DataProblem",
    "SitingReason",
    "CandidateExclusion",
    "AccessReason",
    "OlderSource",
    "OlderRule",
    "COVERAGE_FROM_ROUTE",
    "code_label",
]


class Code(StrEnum):
    """A code whose value is its name, with a Chinese and an English label.

    Members are declared as ``NAME = "NAME", "中文", "English"``; the module
    checks at import that every value equals its member's name.
    """

    zh: str
    en: str

    def __new__(cls, value: str, zh: str, en: str) -> Code:  # noqa: D102 - enum machinery
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.zh, obj.en = zh, en
        return obj

    def label(self, lang: str = "zh") -> str:
        """The code's label in ``lang`` (``"zh"`` or ``"en"``)."""
        return self.zh if check_lang(lang) == "zh" else self.en


class RouteReason(Code):
    """Why the routing engine reports no time (``inf``) for a point."""

    NO_ROAD = ("NO_ROAD", "附近无可用道路", "No usable road nearby")
    DISCONNECTED = ("DISCONNECTED", "所在路网片段无可达设施", "No facility on the point's road piece")
    BEYOND_CUTOFF = ("BEYOND_CUTOFF", "超出搜索时间上限", "Beyond the search cut-off")
    ONE_WAY_TRAPPED = ("ONE_WAY_TRAPPED", "单行道所限，无法到达所在路网片段内的设施",
                       "One-way streets lead away from every facility on the point's road piece")


class CoverageReason(Code):
    """Why a settlement is under-served at a tier (or a fact attached to it)."""

    NO_ROAD = ("NO_ROAD", "附近无道路", "No road nearby")
    DISCONNECTED = ("DISCONNECTED", "所在路网片段无该级设施", "Road piece has no facility of this tier")
    BEYOND_THRESHOLD = ("BEYOND_THRESHOLD", "超出服务时间", "Beyond the time threshold")
    OVER_CAPACITY = ("OVER_CAPACITY", "所属中心超负荷", "Assigned centre over capacity")
    NO_TOWNSHIP_CENTRE = ("NO_TOWNSHIP_CENTRE", "所在乡镇无区域养老服务中心", "Township has no regional centre")
    ESTIMATED_POPULATION = ("ESTIMATED_POPULATION", "老年人口为估算值", "Older population is estimated")
    #: the tier has no facility at all (in the whole study)
    NO_FACILITY = ("NO_FACILITY", "该级无任何设施", "The tier has no facility")
    #: the road piece holds facilities of the tier, but one-way streets lead away from all of them
    ONE_WAY_TRAPPED = ("ONE_WAY_TRAPPED", "单行道所限无法到达该级设施", "One-way streets block the way to this tier")

    @property
    def informational(self) -> bool:
        """True for codes that never make a settlement under-served by themselves."""
        return self is CoverageReason.ESTIMATED_POPULATION


#: The coverage reason a routing reason becomes (the cut-off of a coverage search is the tier's threshold).
COVERAGE_FROM_ROUTE: dict[RouteReason, CoverageReason] = {
    RouteReason.NO_ROAD: CoverageReason.NO_ROAD,
    RouteReason.DISCONNECTED: CoverageReason.DISCONNECTED,
    RouteReason.BEYOND_CUTOFF: CoverageReason.BEYOND_THRESHOLD,
    RouteReason.ONE_WAY_TRAPPED: CoverageReason.ONE_WAY_TRAPPED,
}


class AssignmentFlag(Code):
    """Facts about a township-centre assignment."""

    OVER_CAPACITY = ("OVER_CAPACITY", "超出中心服务能力", "Over the centre's capacity")
    NO_REACHABLE_CENTRE = ("NO_REACHABLE_CENTRE", "服务时间内无可达中心", "No centre within reach")


class DataProblem(Code):
    """What is wrong with an input file."""

    FILE_NOT_FOUND = ("FILE_NOT_FOUND", "文件不存在", "file not found")
    READ_FAILED = ("READ_FAILED", "无法读取", "cannot be read")
    EMPTY_LAYER = ("EMPTY_LAYER", "图层为空", "empty layer")
    MISSING_COLUMNS = ("MISSING_COLUMNS", "缺少必需列", "required columns missing")
    MISSING_CRS = ("MISSING_CRS", "缺少坐标系", "no coordinate system")
    MISSING_COORDINATES = ("MISSING_COORDINATES", "缺少坐标", "coordinates missing")
    NON_NUMERIC_COORDINATES = ("NON_NUMERIC_COORDINATES", "坐标不是数字", "coordinates not numeric")
    SWAPPED_LON_LAT = ("SWAPPED_LON_LAT", "经纬度填反", "longitude/latitude swapped")
    OUTSIDE_STUDY_AREA = ("OUTSIDE_STUDY_AREA", "位于研究区外", "outside the study area")
    OUTSIDE_CHINA = ("OUTSIDE_CHINA", "位于中国境外", "outside China")
    SUSPECT_GCJ02 = ("SUSPECT_GCJ02", "疑似高德/百度坐标", "Amap/Baidu coordinates suspected")
    DUPLICATE_ID = ("DUPLICATE_ID", "编号重复", "duplicate id")
    MISSING_ID = ("MISSING_ID", "缺少编号", "id missing")
    NON_POINT_GEOMETRY = ("NON_POINT_GEOMETRY", "几何不是点", "geometry is not a point")
    NON_POLYGON_GEOMETRY = ("NON_POLYGON_GEOMETRY", "几何不是面", "geometry is not a polygon")
    MISSING_NAME = ("MISSING_NAME", "缺少名称", "name missing")
    EMPTY_GEOMETRY = ("EMPTY_GEOMETRY", "几何为空", "empty geometry")
    UNKNOWN_FACILITY_TYPE = ("UNKNOWN_FACILITY_TYPE", "设施类型无法识别", "unknown facility type")
    UNKNOWN_SETTLEMENT_KIND = ("UNKNOWN_SETTLEMENT_KIND", "村/社区类型无法识别", "unknown settlement kind")
    KIND_FROM_NAME = ("KIND_FROM_NAME", "类型由名称推断", "kind inferred from the name")
    NEGATIVE_VALUE = ("NEGATIVE_VALUE", "数值为负", "negative value")
    NON_NUMERIC_VALUE = ("NON_NUMERIC_VALUE", "数值无法识别", "value not numeric")
    UNKNOWN_BOOLEAN = ("UNKNOWN_BOOLEAN", "是/否无法识别", "yes/no not recognised")
    UNKNOWN_TOWNSHIP_KIND = ("UNKNOWN_TOWNSHIP_KIND", "乡镇类型无法识别", "township kind unknown")
    MISSING_OLDER_POPULATION = ("MISSING_OLDER_POPULATION", "老年人口缺失", "older population missing")
    OLDER_EXCEEDS_POPULATION = ("OLDER_EXCEEDS_POPULATION", "老年人口大于总人口",
                                "older population exceeds the total population")
    OLDER_EXCEEDS_TOTAL = ("OLDER_EXCEEDS_TOTAL", "已知老年人口超过总数", "counted older population exceeds the total")
    POPULATION_SPLIT_EQUALLY = ("POPULATION_SPLIT_EQUALLY", "按平均分配老年人口", "older population split equally")
    NO_FACILITIES = ("NO_FACILITIES", "没有设施图层", "no facilities layer")
    NO_STUDY_AREA = ("NO_STUDY_AREA", "没有行政边界", "no boundaries")
    UNKNOWN_ADMIN_NAME = ("UNKNOWN_ADMIN_NAME", "行政区名称不在边界中", "admin name not in the boundaries")
    SUSPECT_ENCODING = ("SUSPECT_ENCODING", "文件编码疑似不对", "text encoding looks wrong")
    TITLE_ROWS_SKIPPED = ("TITLE_ROWS_SKIPPED", "跳过表头上方的标题行", "rows above the header skipped")
    MERGED_CELLS = ("MERGED_CELLS", "合并单元格已按左上角值填充", "merged cells filled from their top-left value")
    IMPLAUSIBLE_POPULATION = ("IMPLAUSIBLE_POPULATION", "人口数不合常理", "implausible population")
    POPULATION_OUTLIER = ("POPULATION_OUTLIER", "人口数远大于同类", "population far above the others")
    ESTIMATED_OLDER_EXCEEDS_POPULATION = ("ESTIMATED_OLDER_EXCEEDS_POPULATION", "估算的老年人口大于总人口",
                                          "estimated older population exceeds the residents")
    PARTIAL_COUNTY = ("PARTIAL_COUNTY", "研究区只含县的一部分，县总数已按比例缩小",
                      "the study covers part of the county; its total was scaled down")
    FAR_FROM_OTHER_POINTS = ("FAR_FROM_OTHER_POINTS", "远离其他所有点", "far from all other points")
    WRONG_CRS = ("WRONG_CRS", "坐标与坐标系不符", "coordinates do not fit the coordinate system")
    DATUM_MISMATCH = ("DATUM_MISMATCH", "坐标系疑似填错", "coordinate system looks wrong")
    FAR_FROM_ROADS = ("FAR_FROM_ROADS", "远离路网", "far from every road")
    ZERO_CAPACITY = ("ZERO_CAPACITY", "服务能力为 0", "capacity 0")
    STUDY_AREA_FROM_PLACE = ("STUDY_AREA_FROM_PLACE", "研究区取自地名的边界", "study area from the place's boundary")
    ROWS_FILTERED = ("ROWS_FILTERED", "按筛选条件排除的行", "rows excluded by the filter")
    OSM_NOT_ELDERLY_CARE = ("OSM_NOT_ELDERLY_CARE", "OSM 候选对象按规则不是养老设施",
                            "OSM candidates the elderly-care rule left out")
    COUNTY_COVERAGE_UNKNOWN = ("COUNTY_COVERAGE_UNKNOWN", "不知道研究区占全县多少，县总数全部分配",
                               "share of the county studied unknown; the whole county total was allocated")


class SitingReason(Code):
    """Why siting cannot serve a settlement."""

    NO_CANDIDATE_WITHIN_THRESHOLD = ("NO_CANDIDATE_WITHIN_THRESHOLD", "服务时间内没有可选的候选点",
                                     "No candidate site within the time threshold")


class CandidateExclusion(Code):
    """Why a candidate site is not considered by siting."""

    EXCLUSION_ZONE = ("EXCLUSION_ZONE", "位于禁止建设区（生态保护红线/永久基本农田）",
                      "Inside an exclusion zone (ecological red line / basic farmland)")
    LOW_PUBLIC_OCCUPANCY = ("LOW_PUBLIC_OCCUPANCY", "所在县公办养老机构入住率低于下限，不得新建公办设施",
                            "County's public institutions are under-occupied: no new public sites")
    NO_LOCATION = ("NO_LOCATION", "缺少坐标", "No coordinates")
    UNREACHABLE = ("UNREACHABLE", "在服务时间内到达不了任何村/社区（无道路或路网孤立）",
                   "Reaches no settlement within the limit (no road or isolated road piece)")
    COUNTY_UNKNOWN = ("COUNTY_UNKNOWN",
                      "所在县不明（不在任何县界内且未填写），而有县公办机构入住率低于下限：从严不新建公办设施",
                      "County unknown (outside every county boundary and not given) while a county's public "
                      "institutions are under-occupied: no new public site, to be safe")


class AccessReason(Code):
    """Why a settlement's accessibility (2SFCA family) is 0, a lower bound or unknown, or a facility is not counted."""

    NO_ROAD = ("NO_ROAD", "附近无道路，可达性未知", "No road nearby: accessibility unknown")
    NO_FACILITY = ("NO_FACILITY", "该级无任何设施", "The tier has no facility")
    NONE_IN_CATCHMENT = ("NONE_IN_CATCHMENT", "服务范围内无该级设施（可达性为 0）",
                         "No facility of the tier within the catchment (accessibility 0)")
    SUPPLY_UNKNOWN = ("SUPPLY_UNKNOWN", "服务范围内设施的床位（服务量）均未知，可达性未知",
                      "Supply of every facility within the catchment unknown: accessibility unknown")
    SUPPLY_PARTLY_UNKNOWN = ("SUPPLY_PARTLY_UNKNOWN", "服务范围内部分设施床位（服务量）未知，数值偏低（下限）",
                             "Supply of some facilities within the catchment unknown: the value is a lower bound")
    OLDER_UNKNOWN = ("OLDER_UNKNOWN", "老年人口未知，不计入需求与公平性",
                     "Older population unknown: left out of demand and equity")
    NO_DEMAND_IN_CATCHMENT = ("NO_DEMAND_IN_CATCHMENT", "设施服务范围内无已知老年人口，其床位不计",
                              "No known older people within the facility's catchment: its supply is not counted")
    FACILITY_UNLINKED = ("FACILITY_UNLINKED", "设施远离道路，其床位不计",
                         "Facility too far from a usable road: its supply is not counted")
    FACILITY_SUPPLY_UNKNOWN = ("FACILITY_SUPPLY_UNKNOWN", "设施床位（服务量）未知，不计入供给",
                               "Facility's supply (beds or places) unknown: not counted")


_ALL: tuple[type[Code], ...] = (CoverageReason, RouteReason, AssignmentFlag, DataProblem, SitingReason,
                                 CandidateExclusion, AccessReason)


for _cls in _ALL:
    for _name, _member in _cls.__members__.items():
        assert _member.value == _name, f"{_cls.__name__}.{_name} must have the value {_name!r}"


def code_label(code: str, lang: str = "zh", *, kind: type[Code] | None = None) -> str:
    """Label of ``code`` (a member or its name) in ``lang``; the code itself when unknown.

    Parameters
    ----------
    code : str
        A code member or its plain name.
    lang : {"zh", "en"}
    kind : Code subclass, optional
        Where to look the name up; by default the first enumeration that has it
        (coverage reasons first).
    """
    check_lang(lang)
    if isinstance(code, Code):
        return code.label(lang)
    for cls in (kind,) if kind is not None else _ALL:
        if code in cls.__members__:
            return cls[code].label(lang)
    return str(code)


class OlderSource(Code):
    """Where a settlement's older (60+) population figure comes from (settlements' ``older_source``)."""

    COUNTED = ("COUNTED", "村/社区填报", "counted (settlements file)")
    TOWNSHIP_TOTAL = ("TOWNSHIP_TOTAL", "乡镇老年人口总数（配置）", "township total (config)")
    COUNTY_TOTAL = ("COUNTY_TOTAL", "县老年人口总数（配置）", "county total (config)")
    CENSUS_TOTAL = ("CENSUS_TOTAL", "普查表县60岁以上人口", "county 60+ total of the census table")
    COUNTY_PART = ("COUNTY_PART", "县总数按研究区人口占全县比例缩小", "county total scaled to the study's share of "
                   "the county's residents")
    UNKNOWN = ("UNKNOWN", "未知", "unknown")


class OlderRule(Code):
    """How a settlement's older population figure was made (settlements' ``older_rule``)."""

    AS_COUNTED = ("AS_COUNTED", "原始数据", "as counted")
    PROPORTIONAL = ("PROPORTIONAL", "总数减已填数后按总人口比例分配", "total minus the counted, split by residents")
    MIXED = ("MIXED", "按总人口比例分配（缺总人口的按平均人口）",
             "split by residents (settlements without residents at the mean)")
    EQUAL = ("EQUAL", "缺总人口，平均分配", "no residents known: split equally")
    CAPPED = ("CAPPED", "估算值超过总人口，按总人口封顶", "estimate above the residents: capped at the residents")
    NONE = ("NONE", "无可分配的总数", "no total to allocate from")
