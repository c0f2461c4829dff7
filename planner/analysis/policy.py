"""Policy scorecard: every target in ``docs/policy.md`` a spatial planner can compute.

One row per indicator and scope (``overall``, then each county) with the value,
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
    ``public`` true.  A county whose county-tier facilities have no 公办
    value (unknown) is counted in ``unknown``, not as lacking one: the gap
    counts only the counties known to have none, and the sentence names the
    unknown ones and asks for the value.
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
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from planner.analysis.indicators import GAP_TEXTS, INDICATORS, PUBLIC_UNKNOWN_TEXTS
from planner.config import PolicyTargets
from planner.i18n import fmt_share

__all__ = ["scorecard", "INDICATORS", "OVERALL"]

#: Scope label of the whole study area.
OVERALL = "overall"

_COLUMNS = [
    "indicator", "scope", "name_zh", "name_en", "value", "numerator", "denominator", "target",
    "met", "gap", "gap_unit", "due_year", "applies", "text_zh", "text_en", "source", "unknown",
]

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


def _text_col(df: pd.DataFrame, col: str) -> pd.Series:
    """``col`` as strings with missing values as ``""`` (all ``""`` when the column is absent)."""
    return df[col].fillna("").astype(str) if col in df else pd.Series("", index=df.index)


def _num_col(df: pd.DataFrame, col: str) -> pd.Series:
    return pd.to_numeric(df.get(col, pd.Series(np.nan, index=df.index)), errors="coerce")


def _township_kind(name: str) -> str:
    """Kind from the name; a name that does not say counts as a town (镇)."""
    from planner.data import township_kind_from_name  # the data stage (readers) loads only when a name is read

    return township_kind_from_name(name) or "town"


# --------------------------------------------------------------------------- inputs and scopes


def _township_table(settlements: pd.DataFrame, facilities: pd.DataFrame, townships: pd.DataFrame | None,
                    s_county: pd.Series) -> pd.DataFrame:
    """Townships: name -> ``kind``, ``county``, ``has_centre`` (a township-tier facility located in it)."""
    if townships is not None and len(townships):
        towns = pd.DataFrame(index=townships.index.astype(str))
        towns["kind"] = (
            townships["kind"].astype(str).to_numpy() if "kind" in townships
            else [_township_kind(n) for n in towns.index]
        )
        towns["county"] = townships["county"].fillna("").astype(str).to_numpy() if "county" in townships else ""
    else:
        st = _text_col(settlements, "township")
        names = sorted({n for n in st.unique() if n})
        towns = pd.DataFrame(index=pd.Index(names, dtype=object))
        towns["kind"] = [_township_kind(n) for n in names]
        towns["county"] = [(s_county[st == n].mode().iloc[0] if (st == n).any() else "") for n in names]
    f_tier = facilities["tier"].astype(str) if "tier" in facilities else pd.Series("", index=facilities.index)
    with_centre = set(_text_col(facilities, "township")[f_tier == "township"])
    towns["has_centre"] = [n in with_centre for n in towns.index]
    return towns


@dataclass(frozen=True)
class _Inputs:
    """The columns every indicator reads, with their defaults, and the targets."""

    targets: PolicyTargets
    year: int
    counties: list[str]
    towns: pd.DataFrame
    older: pd.Series
    kind: pd.Series
    community_covered: pd.Series
    circle15_covered: pd.Series
    central: pd.Series
    f_county: pd.Series
    f_tier: pd.Series
    beds: pd.Series
    nursing: pd.Series
    occupied: pd.Series
    public: pd.Series
    older_unknown: pd.Series  # settlements whose older population is not known (``older`` holds 0 there)


def _read_inputs(sett: pd.DataFrame, fac: pd.DataFrame, townships: pd.DataFrame | None,
                 counties: Iterable[str] | None, targets: PolicyTargets, year: int) -> _Inputs:
    s_county, f_county = _text_col(sett, "county"), _text_col(fac, "county")
    if counties is None:
        counties = sorted({c for c in pd.concat([s_county, f_county]).unique() if c})
    return _Inputs(
        targets=targets, year=year, counties=[str(c) for c in counties],
        towns=_township_table(sett, fac, townships, s_county),
        older=_num_col(sett, "older_population").fillna(0.0),
        older_unknown=_num_col(sett, "older_population").isna(),
        kind=sett["kind"].astype(str) if "kind" in sett else pd.Series("", index=sett.index),
        community_covered=_bool_col(sett, "community_covered"),
        circle15_covered=_bool_col(sett, "circle15_covered"),
        central=_bool_col(sett, "central").fillna(False).astype(bool),
        f_county=f_county,
        f_tier=fac["tier"].astype(str) if "tier" in fac else pd.Series("", index=fac.index),
        beds=_num_col(fac, "beds"), nursing=_num_col(fac, "nursing_beds"), occupied=_num_col(fac, "occupied_beds"),
        public=fac["public"].astype("boolean") if "public" in fac else pd.Series(pd.NA, index=fac.index,
                                                                                 dtype="boolean"),
    )


@dataclass(frozen=True)
class _Scope:
    """One block of rows: the whole area or one county."""

    name: str
    settlements: pd.Series
    facilities: pd.Series
    towns: pd.DataFrame
    counties: list[str]


def _scopes(inp: _Inputs, s_county: pd.Series) -> list[_Scope]:
    """Overall first (what a reader wants first), then each county."""
    sett_all = pd.Series(True, index=s_county.index)
    out = [_Scope(OVERALL, sett_all, pd.Series(True, index=inp.f_county.index), inp.towns, inp.counties)]
    out += [_Scope(c, s_county == c, inp.f_county == c, inp.towns[inp.towns["county"] == c], [c])
            for c in inp.counties]
    return out


# --------------------------------------------------------------------------- rows


def _row(inp: _Inputs, key: str, scope: _Scope, num: float, den: float, target: float | None, gap: int | None,
         unit: str, text_zh: str, text_en: str, *, due: int | None = None, value: float | None = None,
         ) -> dict[str, Any]:
    """One scorecard row; ``value`` defaults to num / den and ``met`` compares it with ``target``."""
    name_zh, name_en, source = INDICATORS[key]
    if value is None:
        value = num / den if den else np.nan
    met = pd.NA if target is None or np.isnan(value) else bool(value >= target - 1e-12)
    return {
        "indicator": key, "scope": scope.name, "name_zh": name_zh, "name_en": name_en,
        "value": float(value), "numerator": float(num), "denominator": float(den),
        "target": np.nan if target is None else float(target), "met": met,
        "gap": pd.NA if gap is None else int(gap), "gap_unit": unit,
        "due_year": pd.NA if due is None else int(due),
        "applies": True if due is None else inp.year >= due,
        "text_zh": text_zh, "text_en": text_en, "source": source,
    }


def _gap_row(inp: _Inputs, key: str, scope: _Scope, num: float, den: float, target: float, *,
             due: int | None = None, suffix: tuple[str, str] = ("", ""), **fields: Any) -> dict[str, Any]:
    """A row for an indicator with a target, with the count still needed to reach it (:data:`GAP_TEXTS`).

    ``suffix`` (zh, en) is appended to the sentence; ``fields`` fill indicator-specific template fields.
    """
    words = GAP_TEXTS[key]
    if den <= 0:
        return _row(inp, key, scope, num, den, target, None, words.unit, words.none_zh, words.none_en, due=due)
    gap = _needed(target, den, num)
    values = {"value": fmt_share(num / den), "target": fmt_share(target), "gap": gap,
              "num": f"{num:.0f}", "den": f"{den:.0f}", **fields}
    if gap == 0:
        zh, en = words.met_zh, words.met_en
    else:
        zh, en = words.need_zh, _plural(gap, *words.need_en)
    return _row(inp, key, scope, num, den, target, gap, words.unit,
                zh.format(**values) + suffix[0], en.format(**values) + suffix[1], due=due)


# --------------------------------------------------------------------------- indicators, one each


def _village_facility_coverage(inp: _Inputs, sc: _Scope) -> dict[str, Any]:
    vil = sc.settlements & (inp.kind == "village")
    covered = int((inp.community_covered[vil] == True).sum())  # noqa: E712 - nullable boolean
    return _gap_row(inp, "village_facility_coverage", sc, covered, int(vil.sum()), inp.targets.village_facility_share)


def _township_centre_coverage(inp: _Inputs, sc: _Scope) -> dict[str, Any]:
    t = sc.towns
    return _gap_row(inp, "township_centre_coverage", sc, int(t["has_centre"].sum()), len(t),
                      inp.targets.township_centre_share_2025, due=2025)


def _street_centre_coverage(inp: _Inputs, sc: _Scope) -> dict[str, Any]:
    t = sc.towns[sc.towns["kind"] == "street"]
    return _gap_row(inp, "street_centre_coverage", sc, int(t["has_centre"].sum()), len(t), 1.0,
                      due=inp.targets.streets_full_coverage_year)


def _rural_township_centre_coverage(inp: _Inputs, sc: _Scope) -> dict[str, Any]:
    t = sc.towns[sc.towns["kind"] != "street"]
    return _gap_row(inp, "rural_township_centre_coverage", sc, int(t["has_centre"].sum()), len(t), 1.0,
                      due=inp.targets.townships_full_coverage_year)


def _county_public_status(inp: _Inputs, county: str) -> str:
    """``"public"`` (a county-tier facility known public), ``"unknown"`` (none known public, but one whose
    公办 status is not given) or ``"none"`` (no county-tier facility, or all known not public)."""
    mine = (inp.f_county == county) & (inp.f_tier == "county")
    if bool((inp.public[mine] == True).fillna(False).any()):  # noqa: E712 - nullable boolean
        return "public"
    return "unknown" if bool(inp.public[mine].isna().any()) else "none"


def _county_public_institution(inp: _Inputs, sc: _Scope) -> dict[str, Any]:
    """Counties with a public county-tier institution; a county whose status is unknown is not counted as
    lacking one: the gap counts only counties known to lack one, the sentence names the unknown ones."""
    status = [_county_public_status(inp, c) for c in sc.counties]
    has_pub, unknown = status.count("public"), status.count("unknown")
    target = inp.targets.county_public_institution_share
    row = _gap_row(inp, "county_public_institution", sc, has_pub, len(status), target)
    if not unknown:
        return {**row, "unknown": 0}
    gap = max(0, _needed(target, len(status), has_pub) - unknown)
    names = "、".join(c for c, st in zip(sc.counties, status, strict=True) if st == "unknown")
    zh, en = PUBLIC_UNKNOWN_TEXTS
    values = {"num": has_pub, "den": len(status), "unknown": unknown, "names": names, "gap": gap,
              "value": fmt_share(has_pub / len(status))}
    text_zh, text_en = zh[0].format(**values), en[0].format(**values)
    if gap:
        text_zh, text_en = text_zh + zh[1].format(**values), text_en + _plural(gap, *en[1:]).format(**values)
    met = pd.NA if gap == 0 and has_pub / len(status) < target - 1e-12 else row["met"]
    return {**row, "gap": gap, "met": met, "text_zh": text_zh, "text_en": text_en, "unknown": unknown}


def _community_daycare_coverage(inp: _Inputs, sc: _Scope) -> dict[str, Any]:
    com = sc.settlements & (inp.kind == "community")
    covered = int((inp.community_covered[com] == True).sum())  # noqa: E712 - nullable boolean
    return _gap_row(inp, "community_daycare_coverage", sc, covered, int(com.sum()),
                      inp.targets.community_daycare_share)


def _total_beds(inp: _Inputs, sc: _Scope) -> dict[str, Any]:
    b = inp.beds[sc.facilities]
    total, known = float(b.sum(skipna=True)), int(b.notna().sum())
    missing = int((~b.notna()).sum())
    return _row(inp, "total_beds", sc, total, float(known), None, None, "beds",
                f"床位总量 {total:.0f} 张（{known} 个设施有床位数据，{missing} 个缺失）",
                f"{total:.0f} beds in total ({known} facilities with bed counts, {missing} missing)", value=total)


def _beds_per_1000_older(inp: _Inputs, sc: _Scope) -> dict[str, Any]:
    total = float(inp.beds[sc.facilities].sum(skipna=True))
    older = float(inp.older[sc.settlements].sum())
    unknown = int(inp.older_unknown[sc.settlements].sum())
    if older > 0:
        per_k = total / older * 1000
        zh, en = f"每千名老年人 {per_k:.1f} 张床位", f"{per_k:.1f} beds per 1,000 older people"
        if unknown:
            zh += f"（{unknown} 个村/社区老年人口未知，未计入）"
            en += f" ({unknown} settlements with unknown older population left out)"
    else:
        per_k, zh, en = np.nan, "无老年人口数据", "No older population"
    row = _row(inp, "beds_per_1000_older", sc, total, older, None, None, "beds", zh, en, value=per_k)
    return {**row, "unknown": unknown}


def _nursing_bed_share(inp: _Inputs, sc: _Scope) -> dict[str, Any]:
    known = sc.facilities & inp.beds.notna() & inp.nursing.notna() & (inp.beds > 0)
    nb, bb = float(inp.nursing[known].sum()), float(inp.beds[known].sum())
    return _gap_row(inp, "nursing_bed_share", sc, nb, bb, inp.targets.nursing_bed_share)


def _public_occupancy(inp: _Inputs, sc: _Scope) -> dict[str, Any]:
    floor = inp.targets.min_occupancy_for_new_public
    pk = (sc.facilities & (inp.public == True).fillna(False)  # noqa: E712 - nullable boolean
          & inp.beds.notna() & inp.occupied.notna() & (inp.beds > 0))
    ob, pb = float(inp.occupied[pk].sum()), float(inp.beds[pk].sum())
    low = pb > 0 and ob / pb < floor
    suffix = (f"；入住率低于{fmt_share(floor)}，不得新建、扩建公办养老机构",
              f"; below {fmt_share(floor)}: no new or expanded public institutions") if low else ("", "")
    return _gap_row(inp, "public_occupancy", sc, ob, pb, inp.targets.public_occupancy, suffix=suffix)


def _circle15_older_share(inp: _Inputs, sc: _Scope) -> dict[str, Any]:
    cm = sc.settlements & inp.central
    covered = cm & (inp.circle15_covered == True).fillna(False)  # noqa: E712 - nullable boolean
    o_c, o_in = float(inp.older[cm].sum()), float(inp.older[covered].sum())
    return _gap_row(inp, "circle15_older_share", sc, o_in, o_c, inp.targets.circle15_older_share,
                    n_out=int((cm & ~covered).sum()))


#: The indicators in the order their rows appear within each scope.
_INDICATOR_ROWS: tuple[Callable[[_Inputs, _Scope], dict[str, Any]], ...] = (
    _village_facility_coverage,
    _township_centre_coverage,
    _street_centre_coverage,
    _rural_township_centre_coverage,
    _county_public_institution,
    _community_daycare_coverage,
    _total_beds,
    _beds_per_1000_older,
    _nursing_bed_share,
    _public_occupancy,
    _circle15_older_share,
)


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
        ``circle15_covered`` (from :func:`planner.analysis.analyse_coverage`;
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
        text_zh, text_en, source, unknown``.  ``target`` is NaN and ``met`` NA for
        report-only indicators; ``gap`` is the plain count still needed
        (villages, townships, counties, communities, beds, older people).
        ``unknown`` counts what could not be judged (counties whose county-tier
        facilities' 公办 status is not given; settlements without an older
        population for the rows that weigh by it); NA where it does not apply.
    """
    targets = targets or PolicyTargets()
    year = int(targets.milestone_year if year is None else year)
    inp = _read_inputs(settlements, facilities, townships, counties, targets, year)
    rows = [row(inp, sc) for sc in _scopes(inp, _text_col(settlements, "county")) for row in _INDICATOR_ROWS]
    out = pd.DataFrame(rows, columns=_COLUMNS)
    out["met"] = out["met"].astype("boolean")
    out["gap"] = out["gap"].astype("Int64")
    out["due_year"] = out["due_year"].astype("Int64")
    out["unknown"] = out["unknown"].astype("Int64")
    return out
