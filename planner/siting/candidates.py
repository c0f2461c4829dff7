"""Candidate sites and the rules that leave some out.

Candidates come from the study's candidate layer (township seats, village
committees, 乡镇卫生院, 村卫生室, idle schools...) or, without one, from every
settlement.  Before solving, a candidate is excluded (with a
:class:`planner.codes.CandidateExclusion` reason and a detail) when it has no
coordinates, lies in an exclusion zone, or, for new *public* sites, lies in a
county whose public institutions are under-occupied
(:func:`public_occupancy_by_county`).  Candidates that reach no settlement are
marked afterwards (:meth:`CandidateScreen.with_unreachable`), once the reach is known.

Co-location with health facilities is measured here too
(:func:`health_distance`): metres from each candidate to the nearest health
facility, a candidate that is one itself counting as 0 m.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from planner.codes import CandidateExclusion
from planner.errors import DataError
from planner.siting.explain import occupancy_text

if TYPE_CHECKING:  # pragma: no cover
    from planner.data import StudyData

__all__ = ["EXCLUSION_REASONS", "HEALTH_WORDS", "CandidateScreen", "screen_candidates", "public_occupancy_by_county",
           "health_distance"]

#: Why a candidate was not considered: code -> (zh, en) (the labels of :class:`planner.codes.CandidateExclusion`).
EXCLUSION_REASONS: dict[str, tuple[str, str]] = {m.value: (m.zh, m.en) for m in CandidateExclusion}

#: Facility-type words that make a point a health facility (co-location).
HEALTH_WORDS: tuple[str, ...] = ("卫生院", "卫生室", "卫生服务中心", "卫生服务站", "诊所", "医院")


def _is_health(kind: str) -> bool:
    """True when a type names a health facility (卫生院, 卫生室...)."""
    return any(h in kind for h in HEALTH_WORDS)

_TEXT_COLUMNS = ("name", "type", "township", "county")


# --------------------------------------------------------------------------- the public-occupancy rule


def public_occupancy_by_county(facilities: pd.DataFrame, *, minimum: float = 0.5) -> pd.DataFrame:
    """Occupancy of public institutions per county and whether new public sites are allowed.

    Parameters
    ----------
    facilities : DataFrame
        Canonical facilities (``public``, ``beds``, ``occupied_beds``, ``county``).
    minimum : float
        ``targets.min_occupancy_for_new_public`` (003 §二(一)1: 50 %).

    Returns
    -------
    DataFrame
        Indexed by county: ``public_facilities`` (with beds and occupancy
        known), ``beds``, ``occupied``, ``occupancy`` (NaN when unknown),
        ``blocked`` (occupancy < minimum; False when unknown), ``text_zh``, ``text_en``.
    """
    fac = facilities
    public = (fac["public"].astype("boolean").fillna(False).astype(bool) if "public" in fac
              else pd.Series(False, index=fac.index))
    beds = pd.to_numeric(fac.get("beds", pd.Series(np.nan, index=fac.index)), errors="coerce")
    occ = pd.to_numeric(fac.get("occupied_beds", pd.Series(np.nan, index=fac.index)), errors="coerce")
    county = fac["county"].fillna("").astype(str) if "county" in fac else pd.Series("", index=fac.index)
    known = public & beds.notna() & occ.notna() & (beds > 0)
    rows = []
    for c in sorted(set(county)):
        m = known & (county == c)
        b, o = float(beds[m].sum()), float(occ[m].sum())
        share = o / b if b > 0 else math.nan
        blocked = bool(share < minimum) if not math.isnan(share) else False
        zh, en = occupancy_text(c, share, o, b, minimum, blocked)
        rows.append({"county": c, "public_facilities": int(m.sum()), "beds": b, "occupied": o,
                     "occupancy": share, "blocked": blocked, "text_zh": zh, "text_en": en})
    out = pd.DataFrame(rows, columns=["county", "public_facilities", "beds", "occupied", "occupancy", "blocked",
                                      "text_zh", "text_en"])
    return out.set_index("county")


# --------------------------------------------------------------------------- the screened candidates


@dataclass(frozen=True)
class CandidateScreen:
    """Every candidate site (EPSG:4326) and why some are not considered.

    Attributes
    ----------
    candidates : GeoDataFrame
        Every candidate, with ``name``, ``type``, ``township``, ``county``.
    source : {"candidates", "settlements"}
        Where they came from.
    reason : Series
        :class:`planner.codes.CandidateExclusion` per excluded candidate, else None.
    detail : Series
        The evidence (zone names, occupancy sentence...), ``""`` when none.
    occupancy : DataFrame
        :func:`public_occupancy_by_county`.
    """

    candidates: gpd.GeoDataFrame
    source: str
    reason: pd.Series
    detail: pd.Series
    occupancy: pd.DataFrame

    @property
    def located(self) -> np.ndarray:
        """True for candidates with coordinates."""
        return _located(self.candidates)

    @property
    def usable(self) -> gpd.GeoDataFrame:
        """The candidates no rule excludes."""
        return self.candidates[self.reason.isna().to_numpy()]

    def health_candidates(self) -> gpd.GeoDataFrame:
        """The located candidates that are health facilities (卫生院, 卫生室...)."""
        kinds = self.candidates["type"].fillna("").astype(str)
        is_health = kinds.map(_is_health).to_numpy()
        return self.candidates[is_health & self.located]

    def with_unreachable(self, ids: Sequence[Any], detail: str) -> CandidateScreen:
        """A copy where the candidates ``ids`` are excluded as :attr:`CandidateExclusion.UNREACHABLE`."""
        reason, det = self.reason.copy(), self.detail.copy()
        for cid in ids:
            reason[cid] = CandidateExclusion.UNREACHABLE
            det[cid] = detail
        return dataclasses.replace(self, reason=reason, detail=det)

    def excluded(self) -> gpd.GeoDataFrame:
        """The excluded candidates with ``reason``, ``reason_zh``, ``reason_en`` and ``detail``."""
        cands, reason = self.candidates, self.reason
        m = reason.notna().to_numpy()
        ex = cands.loc[m, [c for c in (*_TEXT_COLUMNS, "geometry") if c in cands]].copy()
        codes = [CandidateExclusion(r) for r in reason[m]]
        ex["reason"] = np.asarray(codes, dtype=object)
        ex["reason_zh"] = [c.zh for c in codes]
        ex["reason_en"] = [c.en for c in codes]
        ex["detail"] = self.detail[m].to_numpy()
        return gpd.GeoDataFrame(ex, geometry="geometry", crs=cands.crs)


def _located(cands: gpd.GeoDataFrame) -> np.ndarray:
    g = cands.geometry
    return ~(g.isna() | g.is_empty).to_numpy()


def _from_settlements(sett: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Every settlement as a candidate (村 / 社区), indexed by its id as text."""
    kind = sett["kind"].astype(str) if "kind" in sett else pd.Series("village", index=sett.index)
    return gpd.GeoDataFrame(
        {"name": sett["name"].astype(str) if "name" in sett else sett.index.astype(str),
         "type": [("村" if k == "village" else "社区") for k in kind],
         "township": sett.get("township", pd.Series("", index=sett.index)).fillna("").astype(str),
         "county": sett.get("county", pd.Series("", index=sett.index)).fillna("").astype(str)},
        geometry=sett.geometry.to_numpy(), crs=sett.crs, index=pd.Index(sett.index.astype(str), name="candidate_id"),
    )


def _candidate_table(data: StudyData, candidates: gpd.GeoDataFrame | None) -> tuple[gpd.GeoDataFrame, str]:
    """The candidates (given, else ``data.candidates``, else every settlement) in EPSG:4326, checked."""
    if candidates is None:
        candidates = data.candidates
    source = "candidates"
    if candidates is None or not len(candidates):
        candidates, source = _from_settlements(data.settlements), "settlements"
    cands = gpd.GeoDataFrame(candidates.copy(), geometry=candidates.geometry.name, crs=candidates.crs)
    if cands.crs is None:
        raise DataError("candidate sites have no coordinate system; load them with planner.data.load_study")
    cands = cands.to_crs("EPSG:4326")
    if cands.index.has_duplicates:
        dup = cands.index[cands.index.duplicated()][0]
        raise DataError(f"candidate id {dup!r} occurs more than once; give every candidate a unique 编号")
    for col in _TEXT_COLUMNS:
        cands[col] = cands[col].fillna("").astype(str) if col in cands else ""
    return _fill_admin(cands, data), source


def _area_of(points: gpd.GeoDataFrame, areas: gpd.GeoDataFrame | None) -> pd.Series:
    """Name of the area (index of ``areas``) containing each located point, ``""`` when none."""
    out = pd.Series("", index=points.index, dtype=object)
    located = _located(points)
    if areas is None or not len(areas) or not located.any():
        return out
    zz = areas.to_crs("EPSG:4326")
    zz = gpd.GeoDataFrame({"_area": zz.index.astype(str)}, geometry=zz.geometry.to_numpy(), crs="EPSG:4326")
    hits = gpd.sjoin(points.loc[located, ["geometry"]], zz, how="inner", predicate="intersects")
    first = hits[~hits.index.duplicated()]
    out[first.index] = first["_area"].to_numpy()
    return out


def _fill_admin(cands: gpd.GeoDataFrame, data: StudyData) -> gpd.GeoDataFrame:
    """Blank townships and counties filled by location (township boundaries, their county, county boundaries)."""
    towns = data.townships
    blank = cands["township"] == ""
    if blank.any() and towns is not None:
        cands.loc[blank, "township"] = _area_of(cands[blank.to_numpy()], towns).to_numpy()
    blank = cands["county"] == ""
    if blank.any() and towns is not None and "county" in towns:
        by_town = towns["county"].fillna("").astype(str)
        by_town.index = by_town.index.astype(str)
        cands.loc[blank, "county"] = cands.loc[blank, "township"].map(by_town).fillna("").to_numpy()
    blank = cands["county"] == ""
    if blank.any() and data.counties is not None:
        cands.loc[blank, "county"] = _area_of(cands[blank.to_numpy()], data.counties).to_numpy()
    return cands


def _mark_exclusion_zones(cands: gpd.GeoDataFrame, located: np.ndarray, zones: gpd.GeoDataFrame | None,
                          reason: pd.Series, detail: pd.Series) -> None:
    """Exclude the located candidates inside a zone; the detail names the zones."""
    if zones is None or not len(zones):
        return
    zz = zones.to_crs("EPSG:4326")
    names = [str(n) for n in (zz["name"] if "name" in zz else zz.index)]
    hits = gpd.sjoin(cands.loc[located, ["geometry"]], zz[["geometry"]].assign(_zone=names),
                     how="inner", predicate="intersects")
    for cid, grp in hits.groupby(level=0):
        reason[cid] = CandidateExclusion.EXCLUSION_ZONE
        detail[cid] = "; ".join(sorted(set(grp["_zone"])))


def _mark_low_occupancy(cands: gpd.GeoDataFrame, occupancy: pd.DataFrame, reason: pd.Series,
                        detail: pd.Series) -> None:
    """Exclude the candidates not yet excluded in a county where new public sites are blocked.

    A candidate whose county is unknown (blank after the spatial lookup) is excluded too when any
    county is blocked: the rule cannot be checked for it, so it is applied conservatively and said so.
    """
    blocked = set(occupancy.index[occupancy["blocked"]])
    county = cands["county"].fillna("").astype(str)
    hit = reason.isna() & county.isin(blocked)
    for cid in cands.index[hit.to_numpy()]:
        reason[cid] = CandidateExclusion.LOW_PUBLIC_OCCUPANCY
        detail[cid] = occupancy.loc[str(cands.at[cid, "county"]), "text_zh"]
    unknown = reason.isna() & (county == "")
    if blocked and unknown.any():
        names = "、".join(sorted(c or "（未知县）" for c in blocked))
        for cid in cands.index[unknown.to_numpy()]:
            reason[cid] = CandidateExclusion.COUNTY_UNKNOWN
            detail[cid] = (f"所在县不明；{names}公办养老机构入住率低于下限 "
                           f"(county unknown; {len(blocked)} county blocked)")


def screen_candidates(data: StudyData, candidates: gpd.GeoDataFrame | None = None,
                      exclusion_zones: gpd.GeoDataFrame | None = None, *, public: bool,
                      min_occupancy: float) -> CandidateScreen:
    """Candidate sites with the rules applied (no location, exclusion zones, public occupancy).

    Parameters
    ----------
    data : StudyData
        Gives the default candidates (``data.candidates``, else every
        settlement), exclusion zones and the facilities for the occupancy rule.
    candidates, exclusion_zones : GeoDataFrame, optional
        Replace the study's layers.
    public : bool
        New sites are public: the occupancy rule applies.
    min_occupancy : float
        ``targets.min_occupancy_for_new_public``.

    Returns
    -------
    CandidateScreen
    """
    cands, source = _candidate_table(data, candidates)
    reason = pd.Series(None, index=cands.index, dtype=object)
    detail = pd.Series("", index=cands.index, dtype=object)
    located = _located(cands)
    reason[~located] = CandidateExclusion.NO_LOCATION
    detail[~located] = "经度/纬度为空 (longitude/latitude missing)"
    zones = data.exclusion_zones if exclusion_zones is None else exclusion_zones
    _mark_exclusion_zones(cands, located, zones, reason, detail)
    occupancy = public_occupancy_by_county(data.facilities, minimum=min_occupancy)
    if public:
        _mark_low_occupancy(cands, occupancy, reason, detail)
    return CandidateScreen(cands, source, reason, detail, occupancy)


def health_distance(cands: gpd.GeoDataFrame, health: gpd.GeoDataFrame | None, crs: Any
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Metres to the nearest health facility and its type, per candidate.

    A candidate whose own type names a health facility counts as 0 m from itself.

    Parameters
    ----------
    cands : GeoDataFrame
        Candidates (``type`` optional).
    health : GeoDataFrame, optional
        Health facilities (``type`` optional).
    crs
        Metric CRS for the distances.

    Returns
    -------
    tuple of ndarray
        Distances (inf when none) and types (``""`` when none).
    """
    from scipy.spatial import cKDTree

    n = len(cands)
    dist = np.full(n, np.inf)
    kind = np.full(n, "", dtype=object)
    own = cands["type"].fillna("").astype(str) if "type" in cands else pd.Series("", index=cands.index)
    for i, t in enumerate(own):
        if _is_health(t):
            dist[i], kind[i] = 0.0, t
    if health is not None and len(health) and n:
        hp = health.geometry.to_crs(crs)
        cp = cands.geometry.to_crs(crs)
        tree = cKDTree(np.column_stack([hp.x.to_numpy(), hp.y.to_numpy()]))
        d, j = tree.query(np.column_stack([cp.x.to_numpy(), cp.y.to_numpy()]))
        htype = (health["type"].fillna("").astype(str).to_numpy() if "type" in health
                 else np.full(len(health), "卫生机构", dtype=object))
        better = d < dist
        dist[better] = d[better]
        kind[better] = htype[j[better]]
    return dist, kind
