"""The proposed sites in rank order: what each newly covers, serves or takes, and why (zh/en)."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from planner.i18n import fmt_share
from planner.optim import locate as _locate
from planner.siting import explain
from planner.siting.outcome import SitingOutcome
from planner.siting.problem import SitingProblem

__all__ = ["SITE_COLUMNS", "site_table"]

#: Columns of :attr:`planner.siting.SitingResult.sites` (indexed by ``candidate_id``).
SITE_COLUMNS = ["rank", "tier", "name", "type", "township", "county", "new_settlements", "new_villages",
                "new_communities", "new_older", "settlement_ids", "new_names", "marginal_gain", "gain_unit",
                "closes_zh", "closes_en", "colocated", "health_distance_m", "why_zh", "why_en", "geometry"]

_GAIN_UNITS = {"mclp": "older_covered", "lscp": "settlements_covered", "pmedian": "older_x_seconds_saved",
               "target": "villages_covered", "centres": "older_newly_covered"}

#: What a village-model site closes (the village share target).
_TARGET_GAP = ("村覆盖率目标（{t}）", "the village share target ({t})")


def _why(problem: SitingProblem, sol: _locate.Solution, j: int, gain: float, newly: np.ndarray,
         mine: np.ndarray) -> explain.Text:
    """Why site column ``j`` was proposed: what it newly covers, serves, saves, takes; co-location."""
    o, w, kind = problem.options, problem.weights, problem.kind
    cpos = j - problem.n_existing
    nv = int((kind[newly] == "village").sum())
    parts = [explain.newly_covered(nv, len(newly) - nv, float(w[newly].sum()))]
    served_older = float(w[mine].sum())
    if o.model == "pmedian":
        parts.append(explain.serves(len(mine), served_older))
        if not o.capacitated:
            parts.append(explain.time_saved(gain, sol.params.get("unserved_penalty_s", np.nan) / 60.0))
    if o.capacitated or o.model == "centres":
        load = (float(np.asarray(sol.params.get("load", np.zeros(problem.n_sites)))[j]) if "load" in sol.params
                else served_older)
        cap = problem.capacity if problem.capacity is not None else sol.params.get("capacity")
        parts.append(explain.takes_load(load, float(np.asarray(cap)[j]) if cap is not None else np.nan))
    if problem.colocated[cpos]:
        parts.append(explain.colocation(problem.health_m[cpos], problem.health_type[cpos]))
    return explain.join_why(parts)


def _closes(problem: SitingProblem, cid: Any, gaps: pd.DataFrame | None) -> explain.Text:
    """The gap a site closes: the gap table's sentences (centres), the village target, else nothing."""
    if problem.options.model == "target":
        t = fmt_share(problem.config.targets.village_facility_share, 0)
        return _TARGET_GAP[0].format(t=t), _TARGET_GAP[1].format(t=t)
    if gaps is None or not len(gaps):
        return "", ""
    mine = gaps[gaps["closed_by"].astype(object) == cid]
    return "；".join(mine["text_zh"]), "; ".join(mine["text_en"])


def _site_row(problem: SitingProblem, sol: _locate.Solution, out: SitingOutcome, rank: int, j: int,
              gain: float, gaps: pd.DataFrame | None) -> dict[str, Any]:
    """One proposed site: the settlements it newly covers and why it was chosen."""
    o, w, kind, usable = problem.options, problem.weights, problem.kind, problem.usable
    cpos = j - problem.n_existing
    cid = usable.index[cpos]
    mine = np.flatnonzero(np.asarray(sol.credited) == j)
    newly = mine[~out.covered_before[mine] & out.covered_after[mine]]
    nv = int((kind[newly] == "village").sum())
    why_zh, why_en = _why(problem, sol, j, gain, newly, mine)
    closes_zh, closes_en = _closes(problem, cid, gaps)
    names = problem.settlements["name"].astype(str).to_numpy() if "name" in problem.settlements else None
    return {
        "candidate_id": cid, "rank": rank, "tier": o.tier, "name": usable.at[cid, "name"],
        "type": usable.at[cid, "type"],
        "township": usable.at[cid, "township"], "county": usable.at[cid, "county"],
        "new_settlements": len(newly), "new_villages": nv, "new_communities": len(newly) - nv,
        "new_older": float(w[newly].sum()),
        "settlement_ids": ";".join(str(problem.settlements.index[i]) for i in newly),
        "new_names": "、".join(names[newly]) if names is not None else "",
        "marginal_gain": float(gain), "closes_zh": closes_zh, "closes_en": closes_en,
        "gain_unit": "older_newly_assigned" if o.capacitated else _GAIN_UNITS[o.model],
        "colocated": bool(problem.colocated[cpos]), "health_distance_m": float(problem.health_m[cpos]),
        "why_zh": why_zh, "why_en": why_en,
        "geometry": usable.geometry.iloc[cpos],
    }


def site_table(problem: SitingProblem, sol: _locate.Solution, out: SitingOutcome,
               gaps: pd.DataFrame | None = None) -> gpd.GeoDataFrame:
    """The proposed sites in the model's rank order, indexed by candidate id (EPSG:4326).

    Parameters
    ----------
    problem : SitingProblem
    sol : planner.optim.locate.Solution
        The model answer (``opened`` in rank order, ``gains``, ``credited``).
    out : SitingOutcome
        Coverage before and after.
    gaps : DataFrame, optional
        The township plan's gap table (:data:`planner.siting.centres.GAP_COLUMNS`): what each site closes.

    Returns
    -------
    GeoDataFrame
        :data:`SITE_COLUMNS`.
    """
    rows = [_site_row(problem, sol, out, rank, int(j), gain, gaps)
            for rank, (j, gain) in enumerate(zip(sol.opened, sol.gains, strict=True), start=1)]
    frame = pd.DataFrame(rows) if rows else pd.DataFrame(columns=["candidate_id"] + SITE_COLUMNS)
    sites = gpd.GeoDataFrame(frame.set_index("candidate_id"), geometry="geometry", crs="EPSG:4326")
    return sites[SITE_COLUMNS]
