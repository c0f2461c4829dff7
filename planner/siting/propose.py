"""Where to build next: location-allocation on the road network.

:func:`propose_sites` proposes new elderly-care sites for one tier of the
network (community/village points or township centres) from candidate sites
(township seats, village committees, 乡镇卫生院, 村卫生室, idle schools 闲置校舍 —
or every settlement when no candidate layer is given), keeping the existing
facilities of the tier open.  :func:`propose_tiered_sites` runs it for the
village tier and for township centres, each with its own threshold and
travel profile (``config.tiers``).

Models (numeric core in :mod:`planner._locate`)
-----------------------------------------------
``"mclp"``
    Maximal covering: ``p`` new sites covering the most older people not yet
    covered.  For the township tier it is capacitated by default (each new
    centre serves about ``targets.township_centre_capacity`` = 10,000 older
    people; existing centres their ``capacity``), with unsplittable assignment
    (a village goes to one centre as a whole).
``"lscp"``
    Location set covering: the fewest new sites so that every settlement a
    candidate can reach within the threshold is covered; the settlements no
    candidate can reach are listed with the reason instead of the model failing.
``"pmedian"``
    ``p`` new sites minimising older-population-weighted travel time, each
    settlement going to its nearest open site (existing or new) among the pairs
    reachable within ``reach_factor`` x the threshold; a settlement no open site
    reaches pays twice that search limit (documented penalty) and is listed.

Rules applied before solving, each reported in :attr:`SitingResult.excluded`
----------------------------------------------------------------------------
``EXCLUSION_ZONE``
    The candidate lies in an exclusion zone (ecological red line, permanent
    basic farmland: 002 §五(三)1).
``LOW_PUBLIC_OCCUPANCY``
    New *public* sites only: the candidate's county has public institutions
    occupied below ``targets.min_occupancy_for_new_public`` (50 %; sum of
    occupied beds / sum of beds over public facilities with both known,
    003 §二(一)1).  Public by default for the county and township tiers, not for
    village mutual-aid points (``public=`` overrides).
``NO_LOCATION``
    The candidate has no coordinates.
``UNREACHABLE``
    The candidate reaches no settlement within the search limit (no road
    nearby or an isolated road piece).

Co-location with health facilities (卫生院/卫生室, "毗邻而建", 003 §二(三)1) is a
preference, not a rule: a candidate within ``siting.colocation_distance_m`` of
one (or being one) earns a small bonus in the objective, ``siting.colocation_bonus``
times: the mean older population of a settlement (MCLP), the mean older
population x the threshold in seconds (p-median), or ``1 / (n_candidates + 1)``
of a site (LSCP: it only breaks ties between solutions with equally few sites).

The coverage curve
------------------
Coverage versus the number of new sites ``k = 0..K`` is computed by
re-solving the covering model (MCLP, capacitated for township centres) for
every ``k`` when it is solved exactly, and from the incremental greedy order
when the instance is large enough to be solved greedily (``curve_method`` in
:attr:`SitingResult.params`); the re-solves share one ``siting.time_limit_s``
budget.  The curve runs to ``k = max(p, the target points)`` (at most 100).

:attr:`SitingResult.targets` gives, for each policy share target, the fewest
new sites that reach it ("新增 9 个村级点可使村覆盖率达到 80%"), solved exactly
as a partial-cover MILP (fewest sites such that at least the target share of
villages / communities is covered, fixed sites included), or, for township
centres, the count of townships still without a centre; when even every
candidate together falls short it says how far and how many settlements need
new candidates.

Distances
---------
Travel times come from :func:`planner.routing.reach_matrix` on the routing
graph of each profile.  Callers without a road network may pass
:func:`straight_line_reach` instead: straight-line distance x a detour factor
at the profile's speed (a documented approximation, flagged in ``params``).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp

from planner.config import StudyConfig, Tier
from planner.errors import ConfigError, DataError
from planner.i18n import label, tr
from planner.optim import locate as _locate
from planner.routing import ReachMatrix

if TYPE_CHECKING:  # pragma: no cover
    from planner.analysis import CoverageResult
    from planner.data import StudyData

__all__ = [
    "SitingResult",
    "propose_sites",
    "propose_tiered_sites",
    "straight_line_reach",
    "public_occupancy_by_county",
    "EXCLUSION_REASONS",
]

logger = logging.getLogger(__name__)

#: Why a candidate was not considered: code -> (zh, en).
EXCLUSION_REASONS: dict[str, tuple[str, str]] = {
    "EXCLUSION_ZONE": ("位于禁止建设区（生态保护红线/永久基本农田）", "Inside an exclusion zone (ecological red line / basic farmland)"),
    "LOW_PUBLIC_OCCUPANCY": ("所在县公办养老机构入住率低于下限，不得新建公办设施", "County's public institutions are under-occupied: no new public sites"),
    "NO_LOCATION": ("缺少坐标", "No coordinates"),
    "UNREACHABLE": ("在服务时间内到达不了任何村/社区（无道路或路网孤立）", "Reaches no settlement within the limit (no road or isolated road piece)"),
}

#: Facility-type words that make a point a health facility (co-location).
HEALTH_WORDS: tuple[str, ...] = ("卫生院", "卫生室", "卫生服务中心", "卫生服务站", "诊所", "医院")

MODELS = ("mclp", "lscp", "pmedian")


# --------------------------------------------------------------------------- reach


ReachFn = Callable[[str, gpd.GeoDataFrame, gpd.GeoDataFrame, float], Any]


def straight_line_reach(config: StudyConfig, *, detour: float = 1.3, crs: Any = None) -> ReachFn:
    """Travel times by straight-line distance, for studies without a road network.

    Time = straight-line distance x ``detour`` / the profile's ``speed_kmh``.
    A detour factor of 1.2-1.4 is typical of rural road networks; the answer
    is an approximation and :func:`propose_sites` records that it was used.

    Parameters
    ----------
    config : StudyConfig
        Gives the travel profiles.
    detour : float
        Network distance / straight-line distance.
    crs : optional
        Metric CRS; default the UTM zone estimated from the settlements.

    Returns
    -------
    callable
        ``reach(profile, sites, settlements, cutoff_s)`` returning an object
        with ``times`` (csr, sites x settlements, seconds within ``cutoff_s``),
        ``facility_ids``, ``settlement_ids`` and ``to_dense()``, like
        :func:`planner.routing.reach_matrix`.
    """
    from scipy.spatial import cKDTree

    if not detour >= 1.0:
        raise ConfigError(f"detour must be >= 1, got {detour}")

    def reach(profile: str, sites: gpd.GeoDataFrame, settlements: gpd.GeoDataFrame, cutoff_s: float) -> ReachMatrix:
        if profile not in config.profiles:
            raise ConfigError(f"unknown travel profile {profile!r} (have: {', '.join(config.profiles)})")
        speed = config.profiles[profile].speed_kmh / 3.6
        metric = crs or settlements.estimate_utm_crs()
        a = sites.geometry.to_crs(metric)
        b = settlements.geometry.to_crs(metric)
        xa = np.column_stack([a.x.to_numpy(), a.y.to_numpy()])
        xb = np.column_stack([b.x.to_numpy(), b.y.to_numpy()])
        radius = float(cutoff_s) * speed / detour
        pairs = cKDTree(xa).sparse_distance_matrix(cKDTree(xb), max_distance=radius, output_type="coo_matrix")
        # sparse_distance_matrix drops exact zeros: add coincident pairs back explicitly
        same = cKDTree(xa).query_ball_tree(cKDTree(xb), r=1e-6)
        r0 = np.array([i for i, js in enumerate(same) for _ in js], dtype=np.int64)
        c0 = np.array([j for js in same for j in js], dtype=np.int64)
        rows = np.concatenate([pairs.row, r0])
        cols = np.concatenate([pairs.col, c0])
        vals = np.concatenate([pairs.data * detour / speed, np.zeros(len(r0))])
        times = sp.csr_array((vals, (rows, cols)), shape=(len(sites), len(settlements)))
        return ReachMatrix(times, pd.Index(sites.index), pd.Index(settlements.index), pd.DataFrame(), pd.DataFrame(),
                           float(cutoff_s), f"straight_line:{profile}")

    reach.detour = detour  # type: ignore[attr-defined]
    return reach


def _reach_fn(graphs_or_reach: Any) -> tuple[ReachFn, str]:
    if callable(graphs_or_reach) and not isinstance(graphs_or_reach, Mapping):
        return graphs_or_reach, f"straight_line(detour={getattr(graphs_or_reach, 'detour', '?')})" \
            if hasattr(graphs_or_reach, "detour") else "callable"
    if isinstance(graphs_or_reach, Mapping):
        graphs = graphs_or_reach

        def reach(profile: str, sites: gpd.GeoDataFrame, settlements: gpd.GeoDataFrame, cutoff_s: float) -> Any:
            from planner.routing import reach_matrix

            if profile not in graphs:
                raise ConfigError(
                    f"no routing graph for travel profile {profile!r}; build the graphs with "
                    f"planner.coverage.build_graphs(network, config) (have: {', '.join(graphs) or 'none'})"
                )
            return reach_matrix(graphs[profile], sites, settlements, cutoff_s=cutoff_s)

        return reach, "road_network"
    raise ConfigError("graphs_or_reach must be a mapping profile -> RoutingGraph or a reach function "
                      "(see planner.siting.straight_line_reach)")


# --------------------------------------------------------------------------- rules


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
    public = fac["public"].astype("boolean").fillna(False).astype(bool) if "public" in fac else pd.Series(False, index=fac.index)
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
        name = c or tr("zh", "（未知县）", "(unknown county)")
        if math.isnan(share):
            zh = f"{name}：无公办机构床位和入住数据，未限制新建公办设施"
            en = f"{c or '(unknown county)'}: no public beds/occupancy data; new public sites not restricted"
        elif blocked:
            zh = (f"{name}公办养老机构入住率 {share:.0%}（{o:,.0f}/{b:,.0f}），低于 {minimum:.0%}，"
                  "按规定不得新建扩建公办养老设施")
            en = (f"{c}: public institutions {share:.0%} occupied ({o:,.0f}/{b:,.0f}), below {minimum:.0%}: "
                  "no new public sites")
        else:
            zh = f"{name}公办养老机构入住率 {share:.0%}，可新建公办设施"
            en = f"{c}: public institutions {share:.0%} occupied; new public sites allowed"
        rows.append({"county": c, "public_facilities": int(m.sum()), "beds": b, "occupied": o,
                     "occupancy": share, "blocked": blocked, "text_zh": zh, "text_en": en})
    out = pd.DataFrame(rows, columns=["county", "public_facilities", "beds", "occupied", "occupancy", "blocked",
                                      "text_zh", "text_en"])
    return out.set_index("county")


def _health_distance(cands: gpd.GeoDataFrame, health: gpd.GeoDataFrame | None, crs: Any
                     ) -> tuple[np.ndarray, np.ndarray]:
    """(metres to the nearest health facility, its type) per candidate (own type counts as 0 m)."""
    from scipy.spatial import cKDTree

    n = len(cands)
    dist = np.full(n, np.inf)
    kind = np.full(n, "", dtype=object)
    own = cands["type"].fillna("").astype(str) if "type" in cands else pd.Series("", index=cands.index)
    for i, t in enumerate(own):
        w = next((h for h in HEALTH_WORDS if h in t), None)
        if w:
            dist[i], kind[i] = 0.0, t
    if health is not None and len(health) and n:
        hp = health.geometry.to_crs(crs)
        cp = cands.geometry.to_crs(crs)
        tree = cKDTree(np.column_stack([hp.x.to_numpy(), hp.y.to_numpy()]))
        d, j = tree.query(np.column_stack([cp.x.to_numpy(), cp.y.to_numpy()]))
        htype = (health["type"].fillna("").astype(str).to_numpy() if "type" in health
                 else np.full(len(health), tr("zh", "卫生机构", "health facility"), dtype=object))
        better = d < dist
        dist[better] = d[better]
        kind[better] = htype[j[better]]
    return dist, kind


# --------------------------------------------------------------------------- result


@dataclass(frozen=True)
class SitingResult:
    """Proposed new sites for one tier and everything needed to judge them.

    Attributes
    ----------
    tier, model : str
        Tier key and model (``mclp``/``lscp``/``pmedian``; ``capacitated`` in ``params``).
    sites : GeoDataFrame
        The proposed sites, indexed by candidate id, in rank order: ``rank``,
        ``name``, ``type``, ``township``, ``county``, ``new_settlements``
        (count), ``new_villages``, ``new_communities``, ``new_older``,
        ``settlement_ids`` (``;``-joined), ``marginal_gain`` and ``gain_unit``,
        ``colocated``, ``health_distance_m``, ``why_zh``, ``why_en``, ``geometry``.
    excluded : GeoDataFrame
        Candidates not considered, with ``reason`` (see :data:`EXCLUSION_REASONS`),
        ``reason_zh``, ``reason_en``, ``detail``.
    settlements : GeoDataFrame
        Indexed like the study settlements: ``older``, ``covered_before``,
        ``covered_after``, ``new_site`` (id of the new site credited), ``site``
        and ``time_min`` (the site serving it after siting: the one the model
        assigns for p-median and capacitated models, else the nearest open
        one; inf beyond the search limit), ``time_before_min`` (nearest
        existing facility of the tier), ``uncoverable``, ``reason``.
    uncoverable : DataFrame
        Settlements not covered before that no candidate can cover (code
        ``NO_CANDIDATE_WITHIN_THRESHOLD``) with the reason in zh/en.
    curve : DataFrame
        Coverage versus the number of new sites ``k``: ``k``, ``covered_settlements``,
        ``villages_covered``, ``village_share``, ``communities_covered``,
        ``community_share``, ``older_covered``, ``older_share`` (and
        ``township_share`` for township centres), ``method``.
    targets : DataFrame
        Per policy target: ``indicator``, ``target``, ``value_before``, ``best``
        (every candidate built), ``reached_at_k`` (fewest new sites; 0 = already
        met, NA = not reachable with these candidates), ``method``, ``text_zh``, ``text_en``.
    scorecard : DataFrame
        Before/after side by side (``value_before``, ``value_after``, ``met_before``,
        ``met_after``, ``gap_before``, ``gap_after`` per indicator and scope).
    occupancy : DataFrame
        :func:`public_occupancy_by_county`.
    solution : planner._locate.Solution
        The raw model answer (status, objective, bound, gap, run time).
    params : dict
        Every parameter used.
    """

    tier: str
    model: str
    sites: gpd.GeoDataFrame
    excluded: gpd.GeoDataFrame
    settlements: gpd.GeoDataFrame
    uncoverable: pd.DataFrame
    curve: pd.DataFrame
    targets: pd.DataFrame
    scorecard: pd.DataFrame
    occupancy: pd.DataFrame
    solution: _locate.Solution
    params: dict = field(default_factory=dict)

    def summary(self, *, lang: str = "zh") -> str:
        """One paragraph: what was proposed, what it covers, what was excluded, the targets."""
        s = self.solution
        n = len(self.sites)
        older = float(self.sites["new_older"].sum()) if n else 0.0
        nset = int(self.sites["new_settlements"].sum()) if n else 0
        status = {"optimal": tr(lang, "已证明最优", "proven optimal"),
                  "time_limit": tr(lang, f"达到时间上限，差距 {s.gap:.2%}", f"time limit reached, gap {s.gap:.2%}"),
                  "greedy": tr(lang, f"贪心算法，与线性松弛上界差距 ≤ {s.gap:.2%}",
                               f"greedy, within {s.gap:.2%} of the LP bound"),
                  "empty": tr(lang, "无需决策", "nothing to decide")}.get(s.status, s.status)
        parts = [tr(lang, f"{label(self.tier, lang)}：建议新增 {n} 处（{self.model.upper()}，{status}），"
                          f"新增覆盖 {nset} 个村/社区、{older:,.0f} 名老年人。",
                    f"{label(self.tier, lang)}: {n} new sites proposed ({self.model.upper()}, {status}), "
                    f"newly covering {nset} settlements and {older:,.0f} older people.")]
        if len(self.excluded):
            counts = self.excluded["reason"].value_counts()
            parts.append(tr(lang, "排除候选点 " + "、".join(f"{EXCLUSION_REASONS[k][0]} {v} 个" for k, v in counts.items()) + "。",
                            "Candidates excluded: " + "; ".join(f"{EXCLUSION_REASONS[k][1]}: {v}" for k, v in counts.items()) + "."))
        blocked = self.occupancy[self.occupancy["blocked"]] if len(self.occupancy) else self.occupancy
        if self.params.get("public") and len(blocked):
            parts.extend(blocked[f"text_{lang}"].tolist())
        if self.model == "pmedian" and "time_min" in self.settlements:
            st = self.settlements
            ok = np.isfinite(st["time_min"].to_numpy(dtype=float)) & (st["older"].to_numpy() > 0)
            if ok.any():
                mean = float(np.average(st["time_min"][ok], weights=st["older"][ok]))
                parts.append(tr(lang, f"到达所分配设施的老年人加权平均时间 {mean:.1f} 分钟。",
                                f"Older-population-weighted mean time to the assigned site: {mean:.1f} min."))
        if len(self.uncoverable):
            parts.append(tr(lang, f"{len(self.uncoverable)} 个村/社区在服务时间内没有任何候选点可覆盖。",
                            f"{len(self.uncoverable)} settlements have no candidate within the threshold."))
        parts.extend(self.targets[f"text_{lang}"].tolist())
        return " ".join(parts)

    def _layers(self) -> dict[str, pd.DataFrame]:
        return {"proposed_sites": self.sites, "excluded_candidates": self.excluded,
                "siting_settlements": self.settlements, "uncoverable": self.uncoverable,
                "coverage_curve": self.curve, "targets": self.targets, "scorecard_before_after": self.scorecard,
                "public_occupancy": self.occupancy.reset_index()}

    def to_gpkg(self, path: str | Path) -> Path:
        """Write the point layers (sites, excluded, settlements) to a GeoPackage.

        Layers are named ``<tier>_proposed_sites`` etc., so several tiers can
        share one file.  Returns the path.
        """
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        for name, frame in self._layers().items():
            if isinstance(frame, gpd.GeoDataFrame) and len(frame):
                out = frame.reset_index()
                for c in out.columns:
                    if c != "geometry" and out[c].dtype == object:
                        out[c] = out[c].astype(str)
                out.to_file(path, layer=f"{self.tier}_{name}", driver="GPKG")
        return path

    def to_csv(self, folder: str | Path) -> dict[str, Path]:
        """Write every table as UTF-8-with-BOM CSV (opens in Excel) into ``folder``."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        paths = {}
        for name, frame in self._layers().items():
            out = pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))
            if isinstance(frame, gpd.GeoDataFrame) and len(frame):
                out["lon"], out["lat"] = frame.geometry.x.to_numpy(), frame.geometry.y.to_numpy()
            p = folder / f"{self.tier}_{name}.csv"
            out.to_csv(p, encoding="utf-8-sig", index=name not in ("coverage_curve", "targets", "scorecard_before_after"))
            paths[name] = p
        return paths


# --------------------------------------------------------------------------- adapter


def _candidates_from_settlements(sett: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    kind = sett["kind"].astype(str) if "kind" in sett else pd.Series("village", index=sett.index)
    out = gpd.GeoDataFrame(
        {"name": sett["name"].astype(str) if "name" in sett else sett.index.astype(str),
         "type": [("村" if k == "village" else "社区") for k in kind],
         "township": sett.get("township", pd.Series("", index=sett.index)).fillna("").astype(str),
         "county": sett.get("county", pd.Series("", index=sett.index)).fillna("").astype(str)},
        geometry=sett.geometry.to_numpy(), crs=sett.crs, index=pd.Index(sett.index.astype(str), name="candidate_id"),
    )
    return out


def _excluded_frame(cands: gpd.GeoDataFrame, reason: pd.Series, detail: pd.Series) -> gpd.GeoDataFrame:
    m = reason.notna().to_numpy()
    ex = cands.loc[m, [c for c in ("name", "type", "township", "county", "geometry") if c in cands]].copy()
    ex["reason"] = reason[m].to_numpy()
    ex["reason_zh"] = [EXCLUSION_REASONS[r][0] for r in ex["reason"]]
    ex["reason_en"] = [EXCLUSION_REASONS[r][1] for r in ex["reason"]]
    ex["detail"] = detail[m].to_numpy()
    return gpd.GeoDataFrame(ex, geometry="geometry", crs=cands.crs)


def propose_sites(
    data: StudyData,
    graphs_or_reach: Mapping[str, Any] | ReachFn,
    *,
    tier: str = "community",
    model: str = "mclp",
    p: int | None = None,
    candidates: gpd.GeoDataFrame | None = None,
    exclusion_zones: gpd.GeoDataFrame | None = None,
    health_facilities: gpd.GeoDataFrame | None = None,
    coverage: CoverageResult | None = None,
    capacitated: bool | None = None,
    splittable: bool = False,
    public: bool | None = None,
    method: str = "auto",
    reach_factor: float = 2.0,
    curve_k: int | None = None,
    config: StudyConfig | None = None,
    verbose: bool = False,
) -> SitingResult:
    """Propose new sites for one tier (see the module docstring for the models and rules).

    Parameters
    ----------
    data : StudyData
        Canonical layers (:func:`planner.data.load_study`); its settlements are
        the demands (weight: ``older_population``, unknown counts as 0 and is reported).
    graphs_or_reach : mapping or callable
        Profile name -> :class:`planner.routing.RoutingGraph`, or a reach
        function such as :func:`straight_line_reach`.
    tier : str
        ``"community"`` (village/community points) or ``"township"`` (centres) or ``"county"``.
    model : {"mclp", "lscp", "pmedian"}
    p : int, optional
        New sites for MCLP / p-median (default ``config.siting.max_new_sites``).
    candidates : GeoDataFrame, optional
        Candidate sites (``name``, ``type``, ``township``, ``county``); default
        ``data.candidates``, else every settlement.
    exclusion_zones : GeoDataFrame, optional
        Polygons; default ``data.exclusion_zones``.
    health_facilities : GeoDataFrame, optional
        Health facilities for co-location (``type`` shown in the reasons).
        Candidates whose type names one (乡镇卫生院, 村卫生室...) are co-located
        themselves; without this layer they also serve as the health
        facilities their neighbouring candidates are measured against.
    coverage : CoverageResult, optional
        Its settlement columns feed the before/after scorecard (the tier's own
        coverage is recomputed here so before and after are measured alike).
    capacitated : bool, optional
        Default: True for the township tier (MCLP and p-median).
    splittable : bool
        Capacitated assignment may split a settlement between centres.
    public : bool, optional
        Whether new sites are public (the occupancy rule applies); default
        True for county and township tiers, False for the community tier.
    method : {"auto", "exact", "greedy"}
        ``auto``: exact unless there are more than ``siting.greedy_above`` usable candidates.
    reach_factor : float
        p-median search limit as a multiple of the threshold.
    curve_k : int, optional
        Largest ``k`` of the coverage curve (default: ``p``, at least the LSCP size).
    config : StudyConfig, optional
        Default ``data.config``.
    verbose : bool
        Progress bar over the curve.

    Returns
    -------
    SitingResult
    """
    t_start = time.perf_counter()
    config = config or data.config
    if tier not in config.tiers:
        raise ConfigError(f"unknown tier {tier!r}; the study has tiers {', '.join(config.tiers)}")
    if model not in MODELS:
        raise ConfigError(f"model must be one of {', '.join(MODELS)}, not {model!r}")
    if method not in ("auto", "exact", "greedy"):
        raise ConfigError(f"method must be 'auto', 'exact' or 'greedy', not {method!r}")
    tier_obj: Tier = config.tiers[tier]
    sc, targets = config.siting, config.targets
    p = int(sc.max_new_sites if p is None else p)
    if p < 0:
        raise ConfigError(f"p must be >= 0, got {p}")
    capacitated = (tier == "township" and model != "lscp") if capacitated is None else bool(capacitated)
    if capacitated and model == "lscp":
        raise ConfigError("the capacitated variant exists for mclp and pmedian, not lscp")
    public = (tier in ("county", "township")) if public is None else bool(public)
    reach, reach_source = _reach_fn(graphs_or_reach)
    crs = data.projected_crs

    # ---- candidates and the rules that remove some
    if candidates is None:
        candidates = data.candidates
    cand_source = "candidates"
    if candidates is None or not len(candidates):
        candidates, cand_source = _candidates_from_settlements(data.settlements), "settlements"
    cands = gpd.GeoDataFrame(candidates.copy(), geometry=candidates.geometry.name, crs=candidates.crs)
    if cands.crs is None:
        raise DataError("candidate sites have no coordinate system; load them with planner.data.load_study")
    cands = cands.to_crs("EPSG:4326")
    if cands.index.has_duplicates:
        dup = cands.index[cands.index.duplicated()][0]
        raise DataError(f"candidate id {dup!r} occurs more than once; give every candidate a unique 编号")
    for col in ("name", "type", "township", "county"):
        if col not in cands:
            cands[col] = ""
    reason = pd.Series(None, index=cands.index, dtype=object)
    detail = pd.Series("", index=cands.index, dtype=object)
    no_xy = (cands.geometry.isna() | cands.geometry.is_empty).to_numpy()
    reason[no_xy] = "NO_LOCATION"
    detail[no_xy] = "经度/纬度为空 (longitude/latitude missing)"
    zones = data.exclusion_zones if exclusion_zones is None else exclusion_zones
    if zones is not None and len(zones):
        zz = zones.to_crs("EPSG:4326")
        hits = gpd.sjoin(cands.loc[~no_xy, ["geometry"]], zz[["geometry"]].assign(_zone=[
            str(n) for n in (zz["name"] if "name" in zz else zz.index)]), how="inner", predicate="intersects")
        for cid, grp in hits.groupby(level=0):
            reason[cid] = "EXCLUSION_ZONE"
            detail[cid] = "; ".join(sorted(set(grp["_zone"])))
    occupancy = public_occupancy_by_county(data.facilities, minimum=targets.min_occupancy_for_new_public)
    if public:
        blocked = set(occupancy.index[occupancy["blocked"]])
        hit = reason.isna() & cands["county"].astype(str).isin(blocked)
        for cid in cands.index[hit.to_numpy()]:
            reason[cid] = "LOW_PUBLIC_OCCUPANCY"
            detail[cid] = occupancy.loc[str(cands.at[cid, "county"]), "text_zh"]
    usable = cands[reason.isna().to_numpy()]

    # ---- demands, existing facilities and the reach of every site
    sett = data.settlements
    n_dem = len(sett)
    older = pd.to_numeric(sett["older_population"], errors="coerce")
    n_unknown = int(older.isna().sum())
    w = older.fillna(0.0).to_numpy(dtype=float)
    kind = sett["kind"].astype(str).to_numpy()
    f_tier = data.facilities["tier"].astype("string") if "tier" in data.facilities else pd.Series(pd.NA, index=data.facilities.index)
    existing = data.facilities[(f_tier == tier).fillna(False).to_numpy()]
    sites = pd.concat([
        gpd.GeoDataFrame(geometry=existing.geometry.to_numpy(), crs=existing.crs),
        gpd.GeoDataFrame(geometry=usable.geometry.to_numpy(), crs=usable.crs),
    ], ignore_index=True)
    sites.index = pd.Index([f"e{i}" for i in range(len(existing))] + [f"c{i}" for i in range(len(usable))], name="site")
    sites = gpd.GeoDataFrame(sites, geometry="geometry", crs="EPSG:4326")
    n_ex, n_site = len(existing), len(sites)
    thr = np.zeros(n_dem)
    rows_l, cols_l, vals_l = [], [], []
    search = reach_factor if model == "pmedian" else 1.0
    groups: dict[tuple[str, float], list[int]] = {}
    for i, k in enumerate(kind):
        groups.setdefault(tier_obj.profile_for(k), []).append(i)
    for (prof, minutes), pos in groups.items():
        pos_a = np.asarray(pos)
        thr[pos_a] = minutes * 60.0
        if not n_site:
            continue
        sub = sett.iloc[pos_a]
        cutoff = minutes * 60.0 * search
        rm = reach(prof, sites, sub, cutoff)
        r, c, v = rm.pairs(sites.index, sub.index, cutoff_s=cutoff)
        rows_l.append(pos_a[r])
        cols_l.append(c)
        vals_l.append(v)
    rows = np.concatenate(rows_l) if rows_l else np.zeros(0, int)
    cols = np.concatenate(cols_l) if cols_l else np.zeros(0, int)
    vals = np.concatenate(vals_l) if vals_l else np.zeros(0)
    within = vals <= thr[rows] + 1e-9
    cover = sp.csr_array((np.ones(int(within.sum()), bool), (rows[within], cols[within])), shape=(n_dem, n_site))
    times = sp.csr_array((vals, (rows, cols)), shape=(n_dem, n_site))  # explicit zeros kept (constructor)

    # candidates reaching nobody
    reached = np.zeros(n_site, bool)
    reached[cols] = True
    dead = np.flatnonzero(~reached[n_ex:])
    for j in dead:
        cid = usable.index[j]
        reason[cid] = "UNREACHABLE"
        detail[cid] = f"{search:g} x threshold"
    fixed = np.zeros(n_site, bool)
    fixed[:n_ex] = True

    # ---- preferences, capacity, method
    if health_facilities is None:  # health centres and clinics among the candidates count for their neighbours
        is_health = cands["type"].fillna("").astype(str).map(lambda t: any(h in t for h in HEALTH_WORDS)).to_numpy()
        health_facilities = cands[is_health & ~no_xy]
    hdist, htype = _health_distance(usable, health_facilities, crs)
    coloc = hdist <= sc.colocation_distance_m
    pref = np.zeros(n_site)
    pos_w = w[w > 0]
    mean_w = float(pos_w.mean()) if len(pos_w) else 1.0
    if model == "mclp":
        pref[n_ex:] = sc.colocation_bonus * mean_w * coloc
    elif model == "lscp":
        pref[n_ex:] = min(sc.colocation_bonus, 1.0) / (len(usable) + 1) * coloc
    else:
        pref[n_ex:] = sc.colocation_bonus * mean_w * float(np.mean(thr) if n_dem else 0.0) * coloc
    cap = None
    if capacitated:
        cc = pd.to_numeric(existing.get("capacity", pd.Series(np.nan, index=existing.index)), errors="coerce")
        cap = np.concatenate([cc.fillna(targets.township_centre_capacity).to_numpy(dtype=float),
                              np.full(len(usable), float(targets.township_centre_capacity))])
    n_live = int(reached[n_ex:].sum())
    if method == "auto":
        method = "greedy" if (n_live > sc.greedy_above and not capacitated) else "exact"
    if method == "greedy" and capacitated:
        raise ConfigError("capacitated models are solved exactly; use method='exact' or capacitated=False")
    solve_kw = {"time_limit_s": sc.time_limit_s, "mip_gap": sc.mip_gap, "method": method}

    if model == "lscp":
        sol = _locate.solve_lscp(cover, fixed=fixed, preference=pref, **solve_kw)
    elif model == "mclp":
        sol = _locate.solve_mclp(cover, w, p, fixed=fixed, preference=pref, capacity=cap, splittable=splittable,
                                 **solve_kw)
    else:
        sol = _locate.solve_pmedian(times, w, p, fixed=fixed, preference=pref, capacity=cap, splittable=splittable,
                                    unserved_penalty=2.0 * reach_factor * float(thr.max()) if n_dem else None,
                                    **solve_kw)
    logger.info("siting %s/%s: %d new sites, status %s, gap %.4f, %.2f s", tier, model, len(sol.opened),
                sol.status, sol.gap, sol.runtime_s)

    # ---- coverage before and after (within the threshold, one measure for every model)
    base_sol = _locate.solve_mclp(cover, w, 0, fixed=fixed, capacity=cap, splittable=splittable,
                                  time_limit_s=sc.time_limit_s)
    covered_before = np.asarray(base_sol.covered, bool)
    open_mask = fixed.copy()
    open_mask[sol.opened] = True
    assign = np.asarray(sol.assignment)
    has = np.flatnonzero(assign >= 0)
    if capacitated and model == "mclp":
        covered_after = np.asarray(sol.covered, bool)
    elif capacitated:
        covered_after = np.zeros(n_dem, bool)
        covered_after[has] = np.asarray(cover[has, assign[has]]).astype(bool)
    else:
        covered_after = (cover[:, np.flatnonzero(open_mask)].sum(axis=1) > 0) if open_mask.any() else np.zeros(n_dem, bool)
        covered_after = np.asarray(covered_after).reshape(-1)
    coverable = np.asarray(cover[:, n_ex:].sum(axis=1) > 0).reshape(-1) if n_site > n_ex else np.zeros(n_dem, bool)

    # ---- per-site table
    site_rows = []
    credited = np.asarray(sol.credited)
    for rank, (j, gain) in enumerate(zip(sol.opened, sol.gains, strict=True), start=1):
        cpos = int(j) - n_ex
        cid = usable.index[cpos]
        mine = np.flatnonzero(credited == j)
        newly = mine[~covered_before[mine] & covered_after[mine]]
        nv = int((kind[newly] == "village").sum())
        nc = len(newly) - nv
        o = float(w[newly].sum())
        served_older = float(w[mine].sum())
        zh_parts = []
        en_parts = []
        cover_zh = "、".join(x for x in (f"{nv} 个村" if nv else "", f"{nc} 个社区" if nc else "") if x) or "0 个村/社区"
        cover_en = " and ".join(x for x in (f"{nv} village{'s' if nv != 1 else ''}" if nv else "",
                                          f"{nc} communit{'ies' if nc != 1 else 'y'}" if nc else "") if x) or "no settlement"
        zh_parts.append(f"新增覆盖 {cover_zh}、{o:,.0f} 名老年人")
        en_parts.append(f"newly covers {cover_en} and {o:,.0f} older people")
        if model == "pmedian":
            zh_parts.append(f"服务 {len(mine)} 个村/社区 {served_older:,.0f} 名老年人")
            en_parts.append(f"serves {len(mine)} settlements ({served_older:,.0f} older people)")
            if not capacitated:
                pen_min = sol.params.get("unserved_penalty_s", np.nan) / 60.0
                zh_parts.append(f"加权出行时间减少 {gain / 60:,.0f} 人·分钟（此前无设施可达者按 {pen_min:g} 分钟计）")
                en_parts.append(f"cuts weighted travel time by {gain / 60:,.0f} person-minutes (people with no "
                                f"facility in reach counted at {pen_min:g} min)")
        if capacitated:
            load = float(np.asarray(sol.params.get("load", np.zeros(n_site)))[j]) if "load" in sol.params else served_older
            zh_parts.append(f"承接 {load:,.0f} 名老年人（容量 {cap[j]:,.0f}）")
            en_parts.append(f"takes {load:,.0f} older people (capacity {cap[j]:,.0f})")
        if coloc[cpos]:
            if hdist[cpos] == 0:
                zh_parts.append(f"本身为{htype[cpos]}，可毗邻而建")
                en_parts.append(f"is a health facility ({htype[cpos]}): co-located")
            else:
                zh_parts.append(f"毗邻{htype[cpos]}（{hdist[cpos]:,.0f} 米）")
                en_parts.append(f"next to a health facility ({htype[cpos]}, {hdist[cpos]:,.0f} m)")
        site_rows.append({
            "candidate_id": cid, "rank": rank, "name": usable.at[cid, "name"], "type": usable.at[cid, "type"],
            "township": usable.at[cid, "township"], "county": usable.at[cid, "county"],
            "new_settlements": len(newly), "new_villages": nv, "new_communities": nc, "new_older": o,
            "settlement_ids": ";".join(str(sett.index[i]) for i in newly),
            "marginal_gain": float(gain),
            "gain_unit": ("older_newly_assigned" if capacitated else
                          {"mclp": "older_covered", "lscp": "settlements_covered", "pmedian": "older_x_seconds_saved"}[model]),
            "colocated": bool(coloc[cpos]), "health_distance_m": float(hdist[cpos]),
            "why_zh": "；".join(zh_parts), "why_en": _sentence("; ".join(en_parts)),
            "geometry": usable.geometry.iloc[cpos],
        })
    site_cols = ["rank", "name", "type", "township", "county", "new_settlements", "new_villages", "new_communities",
                 "new_older", "settlement_ids", "marginal_gain", "gain_unit", "colocated", "health_distance_m",
                 "why_zh", "why_en", "geometry"]
    if site_rows:
        sites_out = gpd.GeoDataFrame(pd.DataFrame(site_rows).set_index("candidate_id"), geometry="geometry", crs="EPSG:4326")
    else:
        sites_out = gpd.GeoDataFrame(pd.DataFrame(columns=["candidate_id"] + site_cols).set_index("candidate_id"),
                                     geometry="geometry", crs="EPSG:4326")
    sites_out = sites_out[site_cols]

    # ---- settlements table and the uncoverable list
    cand_ids = np.asarray(usable.index, dtype=object)

    def site_id(j: int) -> Any:
        if j < 0:
            return None
        return existing.index[j] if j < n_ex else cand_ids[j - n_ex]

    st = gpd.GeoDataFrame(
        {"name": sett["name"].to_numpy() if "name" in sett else "", "kind": kind, "older": w,
         "older_known": older.notna().to_numpy(), "threshold_min": thr / 60.0,
         "covered_before": covered_before, "covered_after": covered_after,
         "new_site": [site_id(int(j)) if j >= 0 else None for j in credited],
         "site": [site_id(int(j)) for j in assign]},
        geometry=sett.geometry.to_numpy(), crs=sett.crs, index=sett.index,
    )
    if model == "pmedian" or capacitated:
        tm = np.full(n_dem, np.inf)
        tm[has] = np.asarray(times[has, assign[has]], dtype=float)
        st["time_min"] = tm / 60.0  # to the site the model assigns
    else:
        near, tm = _nearest(rows, cols, vals, open_mask, n_dem)
        st["site"] = [site_id(int(j)) for j in near]
        st["time_min"] = tm / 60.0  # to the nearest open site (within the search limit)
    st["time_before_min"] = _nearest(rows, cols, vals, fixed, n_dem)[1] / 60.0
    unc = ~covered_before & ~coverable
    st["uncoverable"] = unc
    st["reason"] = np.where(unc, "NO_CANDIDATE_WITHIN_THRESHOLD", None)
    unc_df = pd.DataFrame({
        "name": st["name"][unc], "kind": kind[unc], "township": sett["township"][unc] if "township" in sett else "",
        "older": w[unc], "threshold_min": thr[unc] / 60.0, "reason": "NO_CANDIDATE_WITHIN_THRESHOLD",
    }, index=sett.index[unc])
    unc_df["text_zh"] = [f"{m:g} 分钟内没有可用候选点（已排除禁建区等 {len(reason.dropna())} 个候选点）" for m in unc_df["threshold_min"]]
    unc_df["text_en"] = [f"no usable candidate within {m:g} min ({len(reason.dropna())} candidates excluded)"
                         for m in unc_df["threshold_min"]]

    # ---- coverage curve and policy targets
    n_town = None
    if tier == "township":
        towns = (list(data.townships.index.astype(str)) if data.townships is not None
                 else sorted({t for t in sett["township"].astype(str) if t}))
        n_town = len(towns)
    tgt = _target_points(cover, fixed, kind, tier, targets, existing, usable, n_town, sc)
    reached = [int(k) for k in tgt["reached_at_k"].dropna()]
    k_max = int(curve_k) if curve_k is not None else min(
        max([p if model != "lscp" else 0, len(sol.opened)] + reached), _CURVE_CAP)
    curve, curve_method = _curve(cover, w, fixed, cap, splittable, pref if model == "mclp" else None, k_max, kind,
                                 existing, usable, tier, method, sc, verbose)
    tgt = _older_target(tgt, curve)

    # ---- before / after scorecard
    score = _scorecard_before_after(data, coverage, tier, covered_before, covered_after, sites_out, config)

    excluded = _excluded_frame(cands, reason, detail)
    params = {
        "tier": tier, "model": model, "p": p, "capacitated": capacitated, "splittable": splittable,
        "public": public, "method": method, "reach_source": reach_source, "reach_factor": reach_factor,
        "candidate_source": cand_source, "n_candidates": len(cands), "n_excluded": len(excluded),
        "n_usable": n_live, "n_existing": n_ex, "n_settlements": n_dem, "older_unknown": n_unknown,
        "thresholds_min": {f"{k[0]}:{k[1]:g}": len(v) for k, v in groups.items()},
        "colocation_bonus": sc.colocation_bonus, "colocation_distance_m": sc.colocation_distance_m,
        "preference_per_colocated_site": float(pref[n_ex:].max()) if n_site > n_ex else 0.0,
        "time_limit_s": sc.time_limit_s, "mip_gap": sc.mip_gap, "curve_method": curve_method,
        "status": sol.status, "objective": sol.objective, "bound": sol.bound, "gap": sol.gap,
        "solve_s": sol.runtime_s, "total_s": time.perf_counter() - t_start,
    }
    if n_unknown:
        logger.warning("%d settlements have no older-population figure and count as 0 in siting", n_unknown)
    return SitingResult(
        tier=tier, model=model, sites=sites_out, excluded=excluded, settlements=st, uncoverable=unc_df,
        curve=curve, targets=tgt, scorecard=score, occupancy=occupancy, solution=sol, params=params,
    )


def _nearest(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, open_mask: np.ndarray, n: int
             ) -> tuple[np.ndarray, np.ndarray]:
    """Nearest open site and its time per demand (-1 / inf when none within the search limit)."""
    site, t = np.full(n, -1), np.full(n, np.inf)
    m = open_mask[cols]
    r, c, v = rows[m], cols[m], vals[m]
    if len(r):
        o = np.lexsort((v, r))
        r, c, v = r[o], c[o], v[o]
        first = np.r_[True, r[1:] != r[:-1]]
        site[r[first]], t[r[first]] = c[first], v[first]
    return site, t


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _curve(cover: sp.csr_array, w: np.ndarray, fixed: np.ndarray, cap: np.ndarray | None, splittable: bool,
           pref: np.ndarray | None, k_max: int, kind: np.ndarray, existing: pd.DataFrame, usable: pd.DataFrame,
           tier: str, method: str, sc: Any, verbose: bool) -> tuple[pd.DataFrame, str]:
    n_ex = int(fixed.sum())
    is_v = kind == "village"
    rows = []
    town_ex = {str(t) for t in existing.get("township", pd.Series(dtype=str)).fillna("") if str(t)}
    ks = range(k_max + 1)
    if method == "greedy":
        sol = _locate.solve_mclp(cover, w, k_max, fixed=fixed, method="greedy", time_limit_s=sc.time_limit_s)
        covered0 = np.asarray(_locate.solve_mclp(cover, w, 0, fixed=fixed).covered)
        cred = np.asarray(sol.credited)
        order = list(sol.opened)
        sols = []
        for k in ks:
            cov = covered0 | np.isin(cred, order[:k])
            sols.append((cov, order[:k]))
        how = "incremental greedy (lazy), one run"
    else:
        it: Any = ks
        if verbose:
            from tqdm.auto import tqdm

            it = tqdm(ks, desc="coverage curve")
        sols = []
        deadline = time.perf_counter() + sc.time_limit_s
        for k in it:
            left = max(deadline - time.perf_counter(), 1.0)
            s = _locate.solve_mclp(cover, w, k, fixed=fixed, capacity=cap, splittable=splittable,
                                   time_limit_s=left, mip_gap=sc.mip_gap)
            sols.append((np.asarray(s.covered, bool), list(s.opened)))
        how = "re-solved exactly for each k (MCLP" + (", capacitated)" if cap is not None else ")")
    n_v, n_c = int(is_v.sum()), int((~is_v).sum())
    tot = float(w.sum())
    for k, (cov, opened) in zip(ks, sols, strict=True):
        row = {"k": k, "covered_settlements": int(cov.sum()),
               "villages_covered": int((cov & is_v).sum()), "village_share": (cov & is_v).sum() / n_v if n_v else np.nan,
               "communities_covered": int((cov & ~is_v).sum()),
               "community_share": (cov & ~is_v).sum() / n_c if n_c else np.nan,
               "older_covered": float(w[cov].sum()), "older_share": float(w[cov].sum()) / tot if tot else np.nan,
               "method": how}
        if tier == "township":
            towns = town_ex | {str(usable["township"].iloc[j - n_ex]) for j in opened if str(usable["township"].iloc[j - n_ex])}
            row["townships_with_centre"] = len(towns)
        rows.append(row)
    return pd.DataFrame(rows), how


def _target_points(cover: sp.csr_array, fixed: np.ndarray, kind: np.ndarray, tier: str, targets: Any,
                   existing: pd.DataFrame, usable: pd.DataFrame, n_town: int | None, sc: Any) -> pd.DataFrame:
    """The fewest new sites that reach each share target (exact partial-cover MILP, or a count for townships)."""
    rows = []
    specs = []
    if tier == "community":
        specs.append(("village_facility_coverage", kind == "village", targets.village_facility_share,
                      "村级点", "village points", "村覆盖率", "of villages covered"))
        specs.append(("community_daycare_coverage", kind != "village", targets.community_daycare_share,
                      "社区点", "community points", "社区覆盖率", "of communities covered"))
    for key, grp, target, what_zh, what_en, name_zh, name_en in specs:
        n = int(grp.sum())
        if not n:
            continue
        need = int(math.ceil(target * n - 1e-9))
        s = _locate.solve_partial_cover(cover, grp, need, fixed=fixed, time_limit_s=sc.time_limit_s,
                                        mip_gap=sc.mip_gap)
        before = s.params["already"] / n
        best = s.params["max_coverable"] / n
        if s.status == "empty":
            k, zh, en = 0, f"{name_zh}已达 {before:.0%}，已满足 {target:.0%} 的目标", \
                f"{before:.0%} {name_en}: the {target:.0%} target is already met"
        elif s.status == "infeasible":
            k = None
            miss = n - s.params["max_coverable"]
            zh = (f"现有候选点全部建成后{name_zh}最高 {best:.0%}，达不到 {target:.0%}："
                  f"{miss} 个{'村' if key.startswith('village') else '社区'}在服务时间内没有候选点，需补充候选点")
            en = (f"even every candidate together reaches only {best:.0%} {name_en}, short of {target:.0%}: "
                  f"{miss} have no candidate within the threshold and need new candidate sites")
        else:
            k = int(s.objective)
            after = (grp & s.covered).sum() / n
            zh = f"新增 {k} 个{what_zh}可使{name_zh}达到 {target:.0%}（{before:.0%} → {after:.0%}）"
            en = f"{k} new {what_en} reach {target:.0%} {name_en} ({before:.0%} -> {after:.0%})"
            if s.status != "optimal":
                zh += f"（时间上限内最优性差距 {s.gap:.1%}）"
                en += f" (time limit: gap {s.gap:.1%})"
        rows.append({"indicator": key, "target": target, "value_before": before, "best": best,
                     "reached_at_k": k, "method": "partial-cover MILP (fewest sites)", "text_zh": zh, "text_en": en})
    if tier == "township" and n_town:
        have = {str(t) for t in existing.get("township", pd.Series(dtype=str)).fillna("") if str(t)}
        avail = {str(t) for t in usable["township"].fillna("").astype(str) if t and str(t) not in have}
        target = targets.township_centre_share_2025
        need = int(math.ceil(target * n_town - 1e-9)) - len(have)
        before, best = len(have) / n_town, (len(have) + len(avail)) / n_town
        name_zh, name_en = "乡镇(街道)有中心的比例", "of townships with a centre"
        if need <= 0:
            k, zh, en = 0, f"{name_zh}已达 {before:.0%}，已满足 {target:.0%} 的目标", \
                f"{before:.0%} {name_en}: the {target:.0%} target is already met"
        elif need <= len(avail):
            k = need
            zh = f"在无中心的乡镇新增 {k} 个中心可使{name_zh}达到 {target:.0%}"
            en = f"{k} new centres in townships without one reach {target:.0%} {name_en}"
        else:
            k = None
            zh = f"候选点只分布在 {len(avail)} 个无中心乡镇，{name_zh}最高 {best:.0%}，达不到 {target:.0%}"
            en = f"candidates lie in only {len(avail)} townships without a centre: at most {best:.0%}, short of {target:.0%}"
        rows.append({"indicator": "township_centre_coverage", "target": target, "value_before": before, "best": best,
                     "reached_at_k": k, "method": "count of townships without a centre", "text_zh": zh, "text_en": en})
    out = pd.DataFrame(rows, columns=_TARGET_COLUMNS)
    out["reached_at_k"] = pd.array([pd.NA if v is None else v for v in out["reached_at_k"]], dtype="Int64")
    return out


def _older_target(tgt: pd.DataFrame, curve: pd.DataFrame) -> pd.DataFrame:
    if not len(curve) or curve["older_share"].isna().all():
        return tgt
    k_max = int(curve["k"].max())
    before, after = float(curve["older_share"].iloc[0]), float(curve["older_share"].iloc[-1])
    row = {"indicator": "older_covered_share", "target": np.nan, "value_before": before,
           "best": float(curve["older_share"].max()), "reached_at_k": pd.NA, "method": str(curve["method"].iloc[0]),
           "text_zh": f"新增 {k_max} 处后老年人覆盖率由 {before:.0%} 升至 {after:.0%}",
           "text_en": f"{k_max} new sites raise the share of older people covered from {before:.0%} to {after:.0%}"}
    out = pd.concat([tgt, pd.DataFrame([row], columns=_TARGET_COLUMNS)], ignore_index=True) if len(tgt) else \
        pd.DataFrame([row], columns=_TARGET_COLUMNS)
    out["reached_at_k"] = out["reached_at_k"].astype("Int64")
    return out


_TARGET_COLUMNS = ["indicator", "target", "value_before", "best", "reached_at_k", "method", "text_zh", "text_en"]
#: Largest default k of the coverage curve.
_CURVE_CAP = 100


def _scorecard_before_after(data: StudyData, coverage: Any, tier: str, before: np.ndarray, after: np.ndarray,
                            sites: gpd.GeoDataFrame, config: StudyConfig) -> pd.DataFrame:
    sett = pd.DataFrame(data.settlements.drop(columns="geometry"))
    if coverage is not None:
        cs = coverage.settlements
        for c in ("community_covered", "circle15_covered", "township_covered", "county_covered"):
            if c in cs:
                sett[c] = cs[c].reindex(sett.index)
    fac = pd.DataFrame(data.facilities.drop(columns="geometry"))
    new_fac = pd.DataFrame({"name": sites["name"].astype(str), "type": sites["type"].astype(str), "tier": tier,
                            "township": sites["township"].astype(str), "county": sites["county"].astype(str)},
                           index=pd.Index([f"new:{i}" for i in sites.index], name=fac.index.name))
    fac_after = pd.concat([fac, new_fac]) if len(new_fac) else fac
    col = f"{tier}_covered"
    s_before, s_after = sett.copy(), sett.copy()
    s_before[col], s_after[col] = before, after
    try:
        from planner.analysis import scorecard as make
    except ImportError:  # pragma: no cover - the scorecard module is part of the package
        make = None
    if make is not None:
        kw = {"townships": data.townships, "targets": config.targets}
        b = make(s_before, fac, **kw)
        a = make(s_after, fac_after, **kw)
        keys = ["indicator", "scope"]
        out = b[keys + ["name_zh", "name_en", "target", "value", "met", "gap"]].merge(
            a[keys + ["value", "met", "gap", "text_zh", "text_en"]], on=keys, suffixes=("_before", "_after"))
        changed = (out["value_before"].fillna(-1) != out["value_after"].fillna(-1))
        out["changed"] = changed.to_numpy()
        return out
    is_v = sett["kind"].astype(str).to_numpy() == "village"
    n = int(is_v.sum())
    return pd.DataFrame([{"indicator": "village_facility_coverage", "scope": "overall",
                          "value_before": before[is_v].sum() / n if n else np.nan,
                          "value_after": after[is_v].sum() / n if n else np.nan}])


def propose_tiered_sites(
    data: StudyData,
    graphs_or_reach: Mapping[str, Any] | ReachFn,
    *,
    tiers: Sequence[str] = ("community", "township"),
    models: Mapping[str, str] | None = None,
    p: Mapping[str, int] | None = None,
    coverage: CoverageResult | None = None,
    candidates: gpd.GeoDataFrame | None = None,
    exclusion_zones: gpd.GeoDataFrame | None = None,
    health_facilities: gpd.GeoDataFrame | None = None,
    config: StudyConfig | None = None,
    verbose: bool = False,
) -> dict[str, SitingResult]:
    """Site village-level points and township centres, each with its own threshold and profile.

    Parameters
    ----------
    data, graphs_or_reach
        As for :func:`propose_sites`.
    tiers : sequence of str
        Tiers to site, in order (default community/village points, then township centres).
    models : mapping, optional
        Tier -> model (default ``mclp`` for every tier; township centres capacitated).
    p : mapping, optional
        Tier -> number of new sites (default ``config.siting.max_new_sites``).
    coverage, candidates, exclusion_zones, health_facilities, config, verbose
        Passed on to :func:`propose_sites`.

    Returns
    -------
    dict
        Tier key -> :class:`SitingResult`.
    """
    config = config or data.config
    out: dict[str, SitingResult] = {}
    for key in tiers:
        out[key] = propose_sites(
            data, graphs_or_reach, tier=key, model=(models or {}).get(key, "mclp"), p=(p or {}).get(key),
            candidates=candidates, exclusion_zones=exclusion_zones, health_facilities=health_facilities,
            coverage=coverage, config=config, verbose=verbose,
        )
    return out
