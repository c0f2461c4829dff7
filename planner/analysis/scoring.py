"""Policy scorecard: every target in ``docs/policy.md`` a spatial planner can compute.

One row per indicator and scope (each county, then ``overall``) with the value,
the target, whether it is met, and the gap as a plain count with a Chinese and
an English sentence ("还需 17 个村配建村级养老服务设施才能达到80%").  Each row
names the plan it comes from, as ``docs/policy.md`` does (seed numbers).

How each indicator is measured
------------------------------
``village_facility_coverage`` (农村养老服务设施覆盖率, 80%)
    Share of villages (``kind == "village"``) for which a community/village-tier
    facility (农村幸福院, 互助养老服务点...) is *in the village or within the
    village threshold* of the community tier (``tiers.community.rural_profile`` /
    ``rural_minutes``: 10 minutes by e-bike by default), i.e. the column
    ``community_covered`` of the coverage result.  The plans count "villages
    with a facility"; a facility one short ride away serves the village too.
``township_centre_coverage`` (乡镇(街道)综合功能养老服务机构覆盖率, 60% by 2025)
    Share of townships and streets with at least one township-tier facility
    located in them (the facility's ``township``).
``street_centre_coverage`` (街道全覆盖, by ``streets_full_coverage_year``) and
``rural_township_centre_coverage`` (乡镇全覆盖, by ``townships_full_coverage_year``)
    The same, for streets (街道) and for towns/townships (镇/乡) separately;
    target 100%.  ``due_year`` and ``applies`` (``year >= due_year``) say
    whether the milestone year studied already asks for it.
``county_public_institution`` (县(市)公办养老机构覆盖率, 100%)
    A county counts when it has at least one county-tier facility with
    ``public`` true.
``community_daycare_coverage`` (社区日间照料机构覆盖率, 90%)
    Share of communities (``kind == "community"``) with a community-tier
    facility within the urban threshold (15 minutes walking by default).
``beds_per_1000_older`` (每千名老年人床位数, report) and ``total_beds`` (床位总量, report)
``nursing_bed_share`` (护理型床位占比, 55%)
    Nursing beds / beds over facilities where both are known.
``public_occupancy`` (公办养老机构入住率, 65%)
    Occupied / beds over public facilities where both are known.
``circle15_older_share`` (中心城区15分钟养老服务圈, 100% of older residents)
    Share of the older population of central settlements (``central``) that
    reaches a community-tier facility within the *urban* community threshold
    (15 minutes walking at an older person's pace by default), whatever the
    settlement's kind: column ``circle15_covered``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from planner.config import PolicyTargets
from planner.data import township_kind_from_name

__all__ = ["scorecard", "INDICATORS", "OVERALL"]

#: Scope label of the whole study area.
OVERALL = "overall"

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

_COLUMNS = [
    "indicator", "scope", "name_zh", "name_en", "value", "numerator", "denominator", "target",
    "met", "gap", "gap_unit", "due_year", "applies", "text_zh", "text_en", "source",
]


def _pct(x: float) -> str:
    return f"{x * 100:.0f}%" if abs(x * 100 - round(x * 100)) < 1e-9 else f"{x * 100:.1f}%"


def _needed(target: float, denominator: float, numerator: float) -> int:
    """Smallest count to add to ``numerator`` so numerator/denominator >= target."""
    need = math.ceil(target * denominator - 1e-9) - numerator
    return int(max(0, need))


def _plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


def _bool_col(df: pd.DataFrame, col: str) -> pd.Series:
    if col not in df:
        return pd.Series(pd.NA, index=df.index, dtype="boolean")
    return df[col].astype("boolean")


def _township_kind(name: str) -> str:
    """Kind from the name; a name that does not say counts as a town (镇)."""
    return township_kind_from_name(name) or "town"


def scorecard(
    settlements: pd.DataFrame,
    facilities: pd.DataFrame,
    *,
    townships: pd.DataFrame | None = None,
    counties: Iterable[str] | None = None,
    targets: PolicyTargets | None = None,
    year: int | None = None,
) -> pd.DataFrame:
    """Compute the policy scorecard per county and overall.

    Parameters
    ----------
    settlements : DataFrame
        Settlements with ``kind``, ``county``, ``township``, ``older_population``,
        ``central`` and the coverage columns ``community_covered`` and
        ``circle15_covered`` (from :func:`planner.coverage.analyse_coverage`;
        missing columns make the indicators that need them NaN).
    facilities : DataFrame
        Canonical facilities (``tier``, ``public``, ``beds``, ``nursing_beds``,
        ``occupied_beds``, ``county``, ``township``).
    townships : DataFrame, optional
        Canonical townships (index: name; ``kind`` street/town/township,
        ``county``).  Without it the townships named by settlements are used
        and their kind is read from the name (…街道 -> street, …乡 -> township).
    counties : iterable of str, optional
        County names; default: every county named by settlements or facilities.
    targets : PolicyTargets, optional
        Targets (default: the province's, see :class:`planner.config.PolicyTargets`).
    year : int, optional
        Milestone year studied; default ``targets.milestone_year``.

    Returns
    -------
    DataFrame
        One row per indicator and scope (``scope`` is ``"overall"`` for the
        first block of rows, then each county name); columns ``indicator, scope, name_zh, name_en, value,
        numerator, denominator, target, met, gap, gap_unit, due_year, applies,
        text_zh, text_en, source``.  ``target`` is NaN and ``met`` NA for
        report-only indicators; ``gap`` is the plain count still needed
        (villages, townships, counties, communities, beds, older people).
    """
    targets = targets or PolicyTargets()
    year = int(targets.milestone_year if year is None else year)

    sett = settlements
    fac = facilities
    s_county = sett["county"].fillna("").astype(str) if "county" in sett else pd.Series("", index=sett.index)
    f_county = fac["county"].fillna("").astype(str) if "county" in fac else pd.Series("", index=fac.index)
    if counties is None:
        counties = sorted({c for c in pd.concat([s_county, f_county]).unique() if c})
    counties = [str(c) for c in counties]

    # townships table: name -> (kind, county)
    if townships is not None and len(townships):
        towns = pd.DataFrame(index=townships.index.astype(str))
        towns["kind"] = (
            townships["kind"].astype(str).to_numpy() if "kind" in townships
            else [_township_kind(n) for n in towns.index]
        )
        towns["county"] = townships["county"].fillna("").astype(str).to_numpy() if "county" in townships else ""
    else:
        st = sett["township"].fillna("").astype(str) if "township" in sett else pd.Series("", index=sett.index)
        names = sorted({n for n in st.unique() if n})
        towns = pd.DataFrame(index=pd.Index(names, dtype=object))
        towns["kind"] = [_township_kind(n) for n in names]
        towns["county"] = [
            (s_county[st == n].mode().iloc[0] if (st == n).any() else "") for n in names
        ]
    f_tier = fac["tier"].astype(str) if "tier" in fac else pd.Series("", index=fac.index)
    f_town = fac["township"].fillna("").astype(str) if "township" in fac else pd.Series("", index=fac.index)
    towns_with_centre = set(f_town[f_tier == "township"])
    towns["has_centre"] = [n in towns_with_centre for n in towns.index]

    older = pd.to_numeric(sett.get("older_population", pd.Series(np.nan, index=sett.index)), errors="coerce").fillna(0.0)
    kind = sett["kind"].astype(str) if "kind" in sett else pd.Series("", index=sett.index)
    comm_cov = _bool_col(sett, "community_covered")
    c15 = _bool_col(sett, "circle15_covered")
    central = _bool_col(sett, "central").fillna(False).astype(bool)

    beds = pd.to_numeric(fac.get("beds", pd.Series(np.nan, index=fac.index)), errors="coerce")
    nursing = pd.to_numeric(fac.get("nursing_beds", pd.Series(np.nan, index=fac.index)), errors="coerce")
    occupied = pd.to_numeric(fac.get("occupied_beds", pd.Series(np.nan, index=fac.index)), errors="coerce")
    public = fac["public"].astype("boolean") if "public" in fac else pd.Series(pd.NA, index=fac.index, dtype="boolean")

    rows: list[dict[str, Any]] = []

    def add(key: str, scope: str, num: float, den: float, target: float | None, gap: int | None,
            unit: str, text_zh: str, text_en: str, due: int | None = None, value: float | None = None) -> None:
        name_zh, name_en, source = INDICATORS[key]
        if value is None:
            value = num / den if den else np.nan
        if target is None or np.isnan(value):
            met = pd.NA
        else:
            met = bool(value >= target - 1e-12)
        rows.append({
            "indicator": key, "scope": scope, "name_zh": name_zh, "name_en": name_en,
            "value": float(value), "numerator": float(num), "denominator": float(den),
            "target": np.nan if target is None else float(target), "met": met,
            "gap": pd.NA if gap is None else int(gap), "gap_unit": unit,
            "due_year": pd.NA if due is None else int(due),
            "applies": True if due is None else year >= due,
            "text_zh": text_zh, "text_en": text_en, "source": source,
        })

    def share_row(key: str, scope: str, num: int, den: int, target: float, unit: str,
                  zh_need: str, en_need: tuple[str, str], zh_none: str, en_none: str,
                  due: int | None = None) -> None:
        if den == 0:
            add(key, scope, num, den, target, None, unit, zh_none, en_none, due)
            return
        gap = _needed(target, den, num)
        value = num / den
        if gap == 0:
            zh = f"已达标：{_pct(value)}（{num}/{den}），目标{_pct(target)}"
            en = f"Met: {_pct(value)} ({num}/{den}); target {_pct(target)}"
        else:
            zh = zh_need.format(gap=gap, target=_pct(target)) + f"（现为{_pct(value)}，{num}/{den}）"
            en = _plural(gap, *en_need).format(gap=gap, target=_pct(target)) + f" (now {_pct(value)}, {num}/{den})"
        add(key, scope, num, den, target, gap, unit, zh, en, due)

    # overall first (what a reader wants first), then each county
    scopes = [(OVERALL, pd.Series(True, index=sett.index), pd.Series(True, index=fac.index),
               pd.Series(True, index=towns.index))]
    scopes += [(c, s_county == c, f_county == c, towns["county"] == c) for c in counties]

    for scope, sm, fm, tm in scopes:
        # villages
        vil = sm & (kind == "village")
        share_row(
            "village_facility_coverage", scope, int((comm_cov[vil] == True).sum()), int(vil.sum()),  # noqa: E712
            targets.village_facility_share, "villages",
            "还需 {gap} 个村配建村级养老服务设施才能达到{target}",
            ("{gap} more village needs a village-level facility to reach {target}",
             "{gap} more villages need a village-level facility to reach {target}"),
            "无村", "No villages",
        )
        t = towns[tm]
        share_row(
            "township_centre_coverage", scope, int(t["has_centre"].sum()), len(t),
            targets.township_centre_share_2025, "townships",
            "还需在 {gap} 个乡镇（街道）建设具备综合功能的养老服务机构才能达到{target}",
            ("{gap} more township/street needs a comprehensive centre to reach {target}",
             "{gap} more townships/streets need a comprehensive centre to reach {target}"),
            "无乡镇（街道）数据", "No townships/streets", due=2025,
        )
        ts = t[t["kind"] == "street"]
        share_row(
            "street_centre_coverage", scope, int(ts["has_centre"].sum()), len(ts), 1.0, "streets",
            "还需在 {gap} 个街道建设综合养老服务机构才能实现全覆盖",
            ("{gap} more street needs a comprehensive centre for full coverage",
             "{gap} more streets need a comprehensive centre for full coverage"),
            "无街道", "No streets", due=targets.streets_full_coverage_year,
        )
        tr_ = t[t["kind"] != "street"]
        share_row(
            "rural_township_centre_coverage", scope, int(tr_["has_centre"].sum()), len(tr_), 1.0, "townships",
            "还需在 {gap} 个乡镇建设区域养老服务中心才能实现全覆盖",
            ("{gap} more township needs a regional centre for full coverage",
             "{gap} more townships need a regional centre for full coverage"),
            "无乡镇", "No rural townships", due=targets.townships_full_coverage_year,
        )
        # county public institutions
        county_names = counties if scope == OVERALL else [scope]
        has_pub = [
            bool(((f_county == c) & (f_tier == "county") & (public == True)).fillna(False).any())  # noqa: E712
            for c in county_names
        ]
        share_row(
            "county_public_institution", scope, int(sum(has_pub)), len(county_names),
            targets.county_public_institution_share, "counties",
            "还需 {gap} 个县（市、区）建设公办养老机构（失能照护）才能达到{target}",
            ("{gap} more county needs a public (disability-care) institution to reach {target}",
             "{gap} more counties need a public (disability-care) institution to reach {target}"),
            "无县", "No counties",
        )
        com = sm & (kind == "community")
        share_row(
            "community_daycare_coverage", scope, int((comm_cov[com] == True).sum()), int(com.sum()),  # noqa: E712
            targets.community_daycare_share, "communities",
            "还需 {gap} 个社区配建日间照料设施才能达到{target}",
            ("{gap} more community needs a day-care facility to reach {target}",
             "{gap} more communities need a day-care facility to reach {target}"),
            "无社区", "No communities",
        )
        # beds
        b = beds[fm]
        total_beds = float(b.sum(skipna=True))
        n_known = int(b.notna().sum())
        older_sum = float(older[sm].sum())
        add("total_beds", scope, total_beds, float(n_known), None, None, "beds",
            f"床位总量 {total_beds:.0f} 张（{n_known} 个设施有床位数据，{int((~b.notna()).sum())} 个缺失）",
            f"{total_beds:.0f} beds in total ({n_known} facilities with bed counts, {int((~b.notna()).sum())} missing)",
            value=total_beds)
        per_k = total_beds / older_sum * 1000 if older_sum > 0 else np.nan
        add("beds_per_1000_older", scope, total_beds, older_sum, None, None, "beds",
            f"每千名老年人 {per_k:.1f} 张床位" if older_sum > 0 else "无老年人口数据",
            f"{per_k:.1f} beds per 1,000 older people" if older_sum > 0 else "No older population",
            value=per_k)
        # nursing beds
        known = fm & beds.notna() & nursing.notna() & (beds > 0)
        nb, bb = float(nursing[known].sum()), float(beds[known].sum())
        if bb > 0:
            gap = _needed(targets.nursing_bed_share, bb, nb)
            value = nb / bb
            if gap == 0:
                zh = f"已达标：护理型床位占比{_pct(value)}，目标{_pct(targets.nursing_bed_share)}"
                en = f"Met: nursing-bed share {_pct(value)}; target {_pct(targets.nursing_bed_share)}"
            else:
                zh = (f"还需将 {gap} 张床位转为护理型床位才能达到{_pct(targets.nursing_bed_share)}"
                      f"（现为{_pct(value)}，{nb:.0f}/{bb:.0f}）")
                en = (f"{gap} more {_plural(gap, 'bed', 'beds')} must be nursing beds to reach "
                      f"{_pct(targets.nursing_bed_share)} (now {_pct(value)}, {nb:.0f}/{bb:.0f})")
            add("nursing_bed_share", scope, nb, bb, targets.nursing_bed_share, gap, "beds", zh, en)
        else:
            add("nursing_bed_share", scope, nb, bb, targets.nursing_bed_share, None, "beds",
                "无床位及护理型床位数据", "No bed / nursing-bed data")
        # public occupancy
        pk = fm & (public == True).fillna(False) & beds.notna() & occupied.notna() & (beds > 0)  # noqa: E712
        ob, pb = float(occupied[pk].sum()), float(beds[pk].sum())
        if pb > 0:
            value = ob / pb
            gap = _needed(targets.public_occupancy, pb, ob)
            low = value < targets.min_occupancy_for_new_public
            zh_low = (f"；入住率低于{_pct(targets.min_occupancy_for_new_public)}，不得新建、扩建公办养老机构"
                      if low else "")
            en_low = (f"; below {_pct(targets.min_occupancy_for_new_public)}: no new or expanded public institutions"
                      if low else "")
            if gap == 0:
                zh = f"已达标：公办机构入住率{_pct(value)}，目标{_pct(targets.public_occupancy)}" + zh_low
                en = f"Met: public occupancy {_pct(value)}; target {_pct(targets.public_occupancy)}" + en_low
            else:
                zh = (f"公办机构还需新增入住 {gap} 人才能达到{_pct(targets.public_occupancy)}"
                      f"（现为{_pct(value)}，{ob:.0f}/{pb:.0f}）" + zh_low)
                en = (f"{gap} more {_plural(gap, 'resident', 'residents')} needed in public institutions to reach "
                      f"{_pct(targets.public_occupancy)} (now {_pct(value)}, {ob:.0f}/{pb:.0f})" + en_low)
            add("public_occupancy", scope, ob, pb, targets.public_occupancy, gap, "residents", zh, en)
        else:
            add("public_occupancy", scope, ob, pb, targets.public_occupancy, None, "residents",
                "无公办机构床位及入住数据", "No public bed / occupancy data")
        # 15-minute circle, central districts
        cm = sm & central
        o_c = float(older[cm].sum())
        covered = cm & (c15 == True).fillna(False)  # noqa: E712
        o_in = float(older[covered].sum())
        if o_c > 0:
            value = o_in / o_c
            target = targets.circle15_older_share
            gap_people = int(max(0, math.ceil(target * o_c - 1e-9) - o_in))
            n_out = int((cm & ~covered).sum())
            if gap_people == 0:
                zh = f"已达标：中心城区{_pct(value)}的老年人在15分钟养老服务圈内"
                en = f"Met: {_pct(value)} of central older residents are within the 15-minute circle"
            else:
                zh = (f"中心城区还有 {gap_people} 名老年人（{n_out} 个村/社区）需纳入15分钟养老服务圈才能达到"
                      f"{_pct(target)}（现为{_pct(value)}）")
                en = (f"{gap_people} more central older {_plural(gap_people, 'resident', 'residents')} "
                      f"({n_out} settlements) need to be within the 15-minute circle to reach {_pct(target)} "
                      f"(now {_pct(value)})")
            add("circle15_older_share", scope, o_in, o_c, target, gap_people, "older people", zh, en)
        else:
            add("circle15_older_share", scope, o_in, o_c, targets.circle15_older_share, None, "older people",
                "无中心城区老年人口", "No older residents in the central districts")

    out = pd.DataFrame(rows, columns=_COLUMNS)
    out["met"] = out["met"].astype("boolean")
    out["gap"] = out["gap"].astype("Int64")
    out["due_year"] = out["due_year"].astype("Int64")
    out.attrs["year"] = year
    return out
