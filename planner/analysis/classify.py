"""Per settlement and tier: travel time, covered or not, the reason code and its evidence.

The numeric core of coverage, on plain nearest-facility tables so it can be
checked by hand.  For every settlement and tier it reads the travel time to
the nearest facility of the tier and decides, with one threshold comparison,
the reason (a :class:`planner.codes.CoverageReason`) that blocks coverage;
``covered`` is "no blocking reason".  The numbers behind each reason are
recorded as :class:`planner.analysis.explain.Finding` objects, which
:mod:`planner.analysis.explain` turns into sentences.

Priority
--------
Under-served settlements are ranked (``priority`` 1 = first) by
``priority_score = older_population * (1 + shortfall_ratio)`` where
``shortfall_ratio`` is, over the tiers not covered, the largest
``min(minutes over / threshold, 1)`` (1 when unreachable), and 0 when the only
problems are capacity or a missing township centre.  So the score weighs how
many older people are affected and how far they fall short; ties go to the
larger shortfall in minutes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from planner.analysis.explain import Finding, reason_details
from planner.codes import COVERAGE_FROM_ROUTE, CoverageReason
from planner.config import TIER_KEYS, Tier, TravelProfile

if TYPE_CHECKING:  # pragma: no cover
    from planner.analysis.assignment import TownshipAssignment

__all__ = ["classify_settlements", "tier_reasons", "THRESHOLD_TOLERANCE_S", "UNREACHABLE"]

#: A time this close above the threshold (seconds) still counts as within it.
THRESHOLD_TOLERANCE_S = 1e-9

#: What a routing reason (or "the tier has no facility at all") blocks coverage with.
_FROM_RAW: dict[str, CoverageReason] = {
    **COVERAGE_FROM_ROUTE,
    CoverageReason.NO_FACILITY: CoverageReason.NO_FACILITY,
}

#: The reasons that mean "no facility of the tier can be reached at all".
UNREACHABLE: tuple[CoverageReason, ...] = (CoverageReason.NO_ROAD, CoverageReason.DISCONNECTED,
                                           CoverageReason.ONE_WAY_TRAPPED, CoverageReason.NO_FACILITY)


def _raw_code(raw: Any) -> str | None:
    """The routing reason as a plain string, None when missing."""
    if raw is None or (isinstance(raw, float) and math.isnan(raw)) or pd.isna(raw):
        return None
    return str(raw)


def tier_reasons(time_s: Sequence[float] | np.ndarray, raw: Sequence[Any],
                 threshold_min: float | Sequence[float] | np.ndarray) -> np.ndarray:
    """The reason each settlement is not covered at one tier (None when covered).

    A settlement is covered when its time is finite and at most
    ``threshold_min * 60 + 1e-9`` seconds; this is the only threshold
    comparison, so "covered" and "no reason" cannot disagree.

    Parameters
    ----------
    time_s : array of float
        Travel time to the nearest facility of the tier (inf when none).
    raw : sequence
        The routing reason per settlement (``NO_ROAD``, ``DISCONNECTED``,
        ``ONE_WAY_TRAPPED``, ``BEYOND_CUTOFF``, ``NO_FACILITY`` or missing).
    threshold_min : float or array of float
        The tier's threshold per settlement, in minutes.

    Returns
    -------
    ndarray of object
        :class:`CoverageReason` (``NO_ROAD``, ``DISCONNECTED``,
        ``ONE_WAY_TRAPPED``, ``NO_FACILITY``, ``BEYOND_THRESHOLD``) or None.
    """
    t = np.asarray(time_s, dtype=float)
    thr = np.broadcast_to(np.asarray(threshold_min, dtype=float), t.shape)
    within = np.isfinite(t) & (t <= thr * 60.0 + THRESHOLD_TOLERANCE_S)
    out = np.full(len(t), None, dtype=object)
    for i, r in enumerate(raw):
        if within[i]:
            continue
        mapped = _FROM_RAW.get(_raw_code(r))
        if mapped in UNREACHABLE:
            out[i] = mapped
        elif not np.isfinite(t[i]):
            out[i] = CoverageReason.DISCONNECTED
        else:
            out[i] = CoverageReason.BEYOND_THRESHOLD
    return out


# --------------------------------------------------------------------------- inputs and tally


@dataclass(frozen=True)
class _Settlements:
    """The settlement columns classification reads, with their defaults."""

    index: pd.Index
    kind: pd.Series
    older: pd.Series
    estimated: pd.Series
    township: pd.Series

    @classmethod
    def read(cls, settlements: pd.DataFrame) -> _Settlements:
        idx = settlements.index
        kind = settlements["kind"].astype(str) if "kind" in settlements else pd.Series("community", index=idx)
        older = pd.to_numeric(settlements.get("older_population", pd.Series(np.nan, index=idx)), errors="coerce")
        estimated = (
            settlements["older_estimated"].astype("boolean").fillna(False).astype(bool)
            if "older_estimated" in settlements else pd.Series(False, index=idx)
        )
        town = (settlements["township"].fillna("").astype(str) if "township" in settlements
                else pd.Series("", index=idx))
        return cls(idx, kind, older, estimated, town)


@dataclass
class _Tally:
    """Per settlement: its reason codes, findings, largest shortfall ratio and minutes."""

    n: int
    codes: list[list[CoverageReason]] = field(init=False)
    findings: list[list[Finding]] = field(init=False)
    ratio: np.ndarray = field(init=False)
    shortfall: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.codes = [[] for _ in range(self.n)]
        self.findings = [[] for _ in range(self.n)]
        self.ratio = np.zeros(self.n)
        self.shortfall = np.zeros(self.n)

    def add(self, i: int, finding: Finding) -> None:
        """Record a finding; a code already recorded is not repeated in ``codes``."""
        if finding.reported not in self.codes[i]:
            self.codes[i].append(finding.reported)
        self.findings[i].append(finding)

    @property
    def under_served(self) -> np.ndarray:
        return np.array([any(not c.informational for c in cs) for cs in self.codes], dtype=bool)


# --------------------------------------------------------------------------- tiers


@dataclass(frozen=True)
class _TierReading:
    """One tier's nearest-facility table read for every settlement."""

    key: str
    time_s: np.ndarray
    threshold_min: np.ndarray
    profile: np.ndarray
    facility: pd.Series
    snap_m: np.ndarray
    component: pd.Series
    raw: pd.Series
    edge: pd.DataFrame

    @classmethod
    def read(cls, key: str, tier: Tier, table: pd.DataFrame, s: _Settlements) -> _TierReading:
        idx = s.index
        tab = table.reindex(idx)
        prof_thr = [tier.profile_for(k) for k in s.kind]
        return cls(
            key=key,
            time_s=pd.to_numeric(tab["time_s"], errors="coerce").fillna(np.inf).to_numpy(dtype=float),
            threshold_min=np.array([m for _, m in prof_thr], dtype=float),
            profile=np.array([p for p, _ in prof_thr], dtype=object),
            facility=tab["facility"].astype("string"),
            snap_m=pd.to_numeric(tab.get("snap_m", pd.Series(np.nan, index=idx)), errors="coerce").to_numpy(float),
            component=tab.get("component", pd.Series(pd.NA, index=idx)),
            raw=tab.get("reason", pd.Series(None, index=idx, dtype=object)),
            edge=tab.reindex(columns=["edge_node", "edge_lon", "edge_lat"]),
        )


def _tier_columns(r: _TierReading, reasons: np.ndarray, idx: pd.Index) -> dict[str, Any]:
    """The numbers written per tier (column order as in :class:`CoverageResult`)."""
    k = r.key
    return {
        f"{k}_facility": r.facility,
        f"{k}_time_min": r.time_s / 60.0,
        f"{k}_threshold_min": r.threshold_min,
        f"{k}_profile": pd.Series(r.profile, index=idx, dtype="string"),
        f"{k}_covered": np.array([c is None for c in reasons], dtype=bool),
        f"{k}_snap_m": r.snap_m,
        f"{k}_reason": pd.Series([None if c is None else c.value for c in reasons], index=idx, dtype="string"),
    }


def _tier_shortfall(r: _TierReading, reasons: np.ndarray, tally: _Tally) -> None:
    """Raise each settlement's shortfall ratio (capped at 1) and minutes by this tier's."""
    unreachable = np.array([c in UNREACHABLE for c in reasons], dtype=bool)
    beyond = np.array([c is CoverageReason.BEYOND_THRESHOLD for c in reasons], dtype=bool)
    over = r.time_s / 60.0 - r.threshold_min
    thr = r.threshold_min
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(thr > 0, np.minimum(over / np.where(thr > 0, thr, 1.0), 1.0), 1.0)
    tally.ratio = np.where(unreachable, np.maximum(tally.ratio, 1.0), tally.ratio)
    tally.ratio = np.where(beyond, np.maximum(tally.ratio, ratio), tally.ratio)
    tally.shortfall = np.where(unreachable, np.inf, tally.shortfall)
    tally.shortfall = np.where(beyond, np.maximum(tally.shortfall, over), tally.shortfall)


def _tier_finding(r: _TierReading, i: int, reason: CoverageReason, s: _Settlements,
                  profiles: Mapping[str, TravelProfile], names: Mapping[str, str]) -> Finding:
    """The evidence for settlement ``i`` not being covered at this tier."""
    p = profiles.get(r.profile[i])
    mode = p.mode if p is not None else "walk"
    if reason is CoverageReason.NO_ROAD:
        limit = (p.max_snap_m_rural if s.kind.iloc[i] == "village" else p.max_snap_m_urban) if p else np.nan
        return Finding(reason, r.key, {"mode": mode, "snap_m": r.snap_m[i], "limit_m": limit})
    if reason is CoverageReason.NO_FACILITY:
        return Finding(reason, r.key)
    if reason is CoverageReason.DISCONNECTED:
        return Finding(reason, r.key, {"mode": mode, "component": r.component.iloc[i]})
    if reason is CoverageReason.ONE_WAY_TRAPPED:
        node = r.edge["edge_node"].iloc[i]
        return Finding(reason, r.key, {
            "mode": mode, "component": r.component.iloc[i], "edge_node": None if pd.isna(node) else int(node),
            "edge_lon": float(r.edge["edge_lon"].iloc[i]), "edge_lat": float(r.edge["edge_lat"].iloc[i]),
        })
    f = r.facility.iloc[i]
    return Finding(reason, r.key, {
        "mode": mode, "facility": f, "name": names.get(str(f), "") if pd.notna(f) else "",
        "time_min": r.time_s[i] / 60, "threshold_min": r.threshold_min[i],
        "over_min": r.time_s[i] / 60.0 - r.threshold_min[i],
    })


def _classify_tier(key: str, tier: Tier, table: pd.DataFrame, s: _Settlements, tally: _Tally,
                   profiles: Mapping[str, TravelProfile], names: Mapping[str, str]) -> dict[str, Any]:
    """Columns of one tier; its findings and shortfall go to ``tally``."""
    r = _TierReading.read(key, tier, table, s)
    reasons = tier_reasons(r.time_s, r.raw, r.threshold_min)
    for i, reason in enumerate(reasons):
        if reason is not None:
            tally.add(i, _tier_finding(r, i, reason, s, profiles, names))
    _tier_shortfall(r, reasons, tally)
    return _tier_columns(r, reasons, s.index)


# --------------------------------------------------------------------------- settlement-level facts


def _circle15_columns(circle15: pd.DataFrame | None, idx: pd.Index) -> dict[str, Any]:
    if circle15 is None:
        return {"circle15_time_min": np.nan, "circle15_covered": pd.Series(pd.NA, index=idx, dtype="boolean")}
    c15 = circle15.reindex(idx)
    return {"circle15_time_min": pd.to_numeric(c15["time_min"], errors="coerce"),
            "circle15_covered": c15["covered"].astype("boolean")}


def _assignment_columns(assignment: TownshipAssignment | None, idx: pd.Index) -> dict[str, Any]:
    if assignment is None:
        na = pd.Series(pd.NA, index=idx, dtype="string")
        return {"centre": na, "centre_stage": na.copy(), "nearest_centre": na.copy(),
                "centre_time_min": np.inf, "nearest_centre_time_min": np.inf}
    a = assignment.settlements.reindex(idx)
    return {
        "centre": a["centre"].astype("string"),
        "centre_time_min": a["centre_time_min"].astype(float),
        "centre_stage": a["stage"].astype("string"),
        "nearest_centre": a["nearest_centre"].astype("string"),
        "nearest_centre_time_min": a["nearest_centre_time_min"].astype(float),
    }


def _assignment_findings(assignment: TownshipAssignment | None, s: _Settlements, tally: _Tally,
                         names: Mapping[str, str]) -> None:
    """``OVER_CAPACITY`` (the centre a settlement falls to is over capacity) and ``NO_TOWNSHIP_CENTRE``."""
    if assignment is None:
        return
    a = assignment.settlements.reindex(s.index)
    cent = assignment.centres
    for i, (c, over, none) in enumerate(zip(a["centre"], a["over_capacity"], a["no_township_centre"], strict=True)):
        if bool(over):
            row = cent.loc[c]
            tally.add(i, Finding(CoverageReason.OVER_CAPACITY, "township", {
                "centre": c, "name": names.get(str(c), str(row.get("name", ""))),
                "load": row["load"], "capacity": row["capacity"], "share": row["share"],
            }))
        if bool(none):
            tally.add(i, Finding(CoverageReason.NO_TOWNSHIP_CENTRE, None, {"township": s.township.iloc[i]}))


def _estimated_findings(s: _Settlements, tally: _Tally) -> None:
    for i in np.flatnonzero(s.estimated.to_numpy(dtype=bool)):
        tally.add(i, Finding(CoverageReason.ESTIMATED_POPULATION, None, {"older": s.older.iloc[i]}))


# --------------------------------------------------------------------------- status and priority


def _priority_rank(under: np.ndarray, score: np.ndarray, shortfall: np.ndarray) -> pd.Series:
    """1 = first: larger score, then larger shortfall (unreachable first), then input order."""
    n = len(under)
    pr = pd.Series(pd.NA, index=pd.RangeIndex(n), dtype="Int64")
    if under.any():
        order = pd.DataFrame(
            {"score": score[under], "short": np.where(np.isfinite(shortfall[under]), shortfall[under], 1e18),
             "pos": np.arange(n)[under]}
        ).sort_values(["score", "short", "pos"], ascending=[False, False, True])
        ranks = np.empty(n, dtype=np.int64)
        ranks[order["pos"].to_numpy()] = np.arange(1, len(order) + 1)
        pr[under] = ranks[under]
    return pr


def _status_columns(s: _Settlements, tally: _Tally) -> dict[str, Any]:
    """Status, joined codes and sentences, shortfall, priority score and rank."""
    idx = s.index
    under = tally.under_served
    score = np.where(under, s.older.fillna(0.0).to_numpy(dtype=float) * (1.0 + tally.ratio), np.nan)
    priority = _priority_rank(under, score, tally.shortfall)
    priority.index = idx
    return {
        "status": pd.Series(np.where(under, "under_served", "served"), index=idx, dtype="string"),
        "reasons": pd.Series([";".join(c) for c in tally.codes], index=idx, dtype="string"),
        "reason_detail_zh": pd.Series(reason_details(tally.findings, "zh"), index=idx, dtype="string"),
        "reason_detail_en": pd.Series(reason_details(tally.findings, "en"), index=idx, dtype="string"),
        "shortfall_min": np.where(under, tally.shortfall, 0.0),
        "priority_score": score,
        "priority": priority,
    }


def classify_settlements(
    settlements: pd.DataFrame,
    nearest: Mapping[str, pd.DataFrame],
    *,
    tiers: Mapping[str, Tier],
    profiles: Mapping[str, TravelProfile],
    facility_names: Mapping[str, str] | pd.Series | None = None,
    assignment: TownshipAssignment | None = None,
    circle15: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per-settlement coverage, reasons with evidence, status and priority.

    Parameters
    ----------
    settlements : DataFrame
        Canonical settlements (``kind``, ``township``, ``older_population``,
        ``older_estimated``).
    nearest : mapping tier key -> DataFrame
        Per tier, indexed like ``settlements``: ``facility`` (id or NA),
        ``time_s`` (inf when none), ``reason`` (None, ``NO_ROAD``,
        ``DISCONNECTED``, ``ONE_WAY_TRAPPED``, ``BEYOND_CUTOFF``), ``snap_m``, ``component`` (the
        table of :func:`planner.routing.nearest_facility`, with ``edge_node``,
        ``edge_lon``, ``edge_lat`` for ``ONE_WAY_TRAPPED`` when known).  A
        tier with no facility at all is given as a table of NA / inf with
        reason ``NO_FACILITY`` (reported as ``NO_FACILITY``).
    tiers, profiles : mapping
        From the study config; thresholds and profiles per settlement kind.
    facility_names : mapping, optional
        Facility id -> name, for the evidence text.
    assignment : TownshipAssignment, optional
        Capacitated township assignment (adds ``centre*`` columns,
        ``OVER_CAPACITY`` and ``NO_TOWNSHIP_CENTRE``).
    circle15 : DataFrame, optional
        ``time_min`` and ``covered`` for central settlements (15-minute circle).

    Returns
    -------
    DataFrame
        Indexed like ``settlements``; the columns listed in
        :class:`planner.analysis.CoverageResult` (without geometry or input columns).
    """
    s = _Settlements.read(settlements)
    names = dict(facility_names) if facility_names is not None else {}
    tally = _Tally(len(s.index))
    columns: dict[str, Any] = {}
    for key in TIER_KEYS:
        if key in tiers and key in nearest:
            columns.update(_classify_tier(key, tiers[key], nearest[key], s, tally, profiles, names))
    columns.update(_circle15_columns(circle15, s.index))
    columns.update(_assignment_columns(assignment, s.index))
    _assignment_findings(assignment, s, tally, names)
    _estimated_findings(s, tally)
    columns.update(_status_columns(s, tally))
    out = pd.DataFrame(index=s.index)
    for name, values in columns.items():
        out[name] = values
    return out
