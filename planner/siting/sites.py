"""The proposed sites in rank order: what each newly covers, serves or takes, and why (zh/en)."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from planner.optim import locate as _locate
from planner.siting import explain
from planner.siting.outcome import SitingOutcome
from planner.siting.problem import SitingProblem

__all__ = ["SITE_COLUMNS", "site_table"]

#: Columns of :attr:`planner.siting.SitingResult.sites` (indexed by ``candidate_id``).
SITE_COLUMNS = ["rank", "name", "type", "township", "county", "new_settlements", "new_villages", "new_communities",
                "new_older", "settlement_ids", "marginal_gain", "gain_unit", "colocated", "health_distance_m",
                "why_zh", "why_en", "geometry"]

_GAIN_UNITS = {"mclp": "older_covered", "lscp": "settlements_covered", "pmedian": "older_x_seconds_saved"}


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
    if o.capacitated:
        load = (float(np.asarray(sol.params.get("load", np.zeros(problem.n_sites)))[j]) if "load" in sol.params
                else served_older)
        parts.append(explain.takes_load(load, problem.capacity[j]))
    if problem.colocated[cpos]:
        parts.append(explain.colocation(problem.health_m[cpos], problem.health_type[cpos]))
    return explain.join_why(parts)


def _site_row(problem: SitingProblem, sol: _locate.Solution, out: SitingOutcome, rank: int, j: int,
              gain: float) -> dict[str, Any]:
    """One proposed site: the settlements it newly covers and why it was chosen."""
    o, w, kind, usable = problem.options, problem.weights, problem.kind, problem.usable
    cpos = j - problem.n_existing
    cid = usable.index[cpos]
    mine = np.flatnonzero(np.asarray(sol.credited) == j)
    newly = mine[~out.covered_before[mine] & out.covered_after[mine]]
    nv = int((kind[newly] == "village").sum())
    why_zh, why_en = _why(problem, sol, j, gain, newly, mine)
    return {
        "candidate_id": cid, "rank": rank, "name": usable.at[cid, "name"], "type": usable.at[cid, "type"],
        "township": usable.at[cid, "township"], "county": usable.at[cid, "county"],
        "new_settlements": len(newly), "new_villages": nv, "new_communities": len(newly) - nv,
        "new_older": float(w[newly].sum()),
        "settlement_ids": ";".join(str(problem.settlements.index[i]) for i in newly),
        "marginal_gain": float(gain),
        "gain_unit": "older_newly_assigned" if o.capacitated else _GAIN_UNITS[o.model],
        "colocated": bool(problem.colocated[cpos]), "health_distance_m": float(problem.health_m[cpos]),
        "why_zh": why_zh, "why_en": why_en,
        "geometry": usable.geometry.iloc[cpos],
    }


def site_table(problem: SitingProblem, sol: _locate.Solution, out: SitingOutcome) -> gpd.GeoDataFrame:
    """The proposed sites in the model's rank order, indexed by candidate id (EPSG:4326).

    Parameters
    ----------
    problem : SitingProblem
    sol : planner.optim.locate.Solution
        The model answer (``opened`` in rank order, ``gains``, ``credited``).
    out : SitingOutcome
        Coverage before and after.

    Returns
    -------
    GeoDataFrame
        :data:`SITE_COLUMNS`.
    """
    rows = [_site_row(problem, sol, out, rank, int(j), gain)
            for rank, (j, gain) in enumerate(zip(sol.opened, sol.gains, strict=True), start=1)]
    frame = pd.DataFrame(rows) if rows else pd.DataFrame(columns=["candidate_id"] + SITE_COLUMNS)
    sites = gpd.GeoDataFrame(frame.set_index("candidate_id"), geometry="geometry", crs="EPSG:4326")
    return sites[SITE_COLUMNS]
