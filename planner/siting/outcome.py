"""Solving a siting problem and what the answer changes for the settlements.

:func:`solve` hands the problem to :mod:`planner.optim.locate` (LSCP, MCLP or
p-median, capacitated or not); :func:`coverage_outcome` measures coverage
before and after within the threshold, one measure for every model;
:func:`settlement_table` and :func:`uncoverable_table` turn that into the
per-settlement tables of the result.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from planner.codes import SitingReason
from planner.optim import covered_by
from planner.optim import locate as _locate
from planner.siting.explain import uncoverable_text
from planner.siting.problem import SitingProblem

__all__ = ["NO_CANDIDATE", "SitingOutcome", "solve", "coverage_outcome", "settlement_table", "uncoverable_table",
           "nearest_open"]

logger = logging.getLogger(__name__)

#: Reason code of a settlement that no candidate can cover.
NO_CANDIDATE = SitingReason.NO_CANDIDATE_WITHIN_THRESHOLD


def solve(problem: SitingProblem) -> _locate.Solution:
    """Solve the problem's model with :mod:`planner.optim.locate` (time limit and gap from ``config.siting``).

    ``target`` is the village model (:func:`planner.siting.target.solve_village_target`); ``centres`` is
    planned by :func:`planner.siting.centres.plan_centres`, not here.
    """
    o, sc = problem.options, problem.siting
    kw = {"fixed": problem.fixed, "preference": problem.preference, "time_limit_s": sc.time_limit_s,
          "mip_gap": sc.mip_gap, "method": problem.method}
    w, p, cap = problem.weights, o.p, problem.capacity
    if o.model == "target":
        from planner.siting.target import solve_village_target

        sol = solve_village_target(problem)
    elif o.model == "lscp":
        sol = _locate.solve_lscp(problem.cover, **kw)
    elif o.model == "mclp":
        sol = _locate.solve_mclp(problem.cover, w, p, capacity=cap, splittable=o.splittable, **kw)
    else:
        thr = problem.reach.threshold_s
        penalty = 2.0 * o.reach_factor * float(thr.max()) if len(thr) else None
        sol = _locate.solve_pmedian(problem.times, w, p, capacity=cap, splittable=o.splittable,
                                    unserved_penalty=penalty, **kw)
    logger.info("siting %s/%s: %d new sites, status %s, gap %.4f, %.2f s", o.tier, o.model, len(sol.opened),
                sol.status, sol.gap, sol.runtime_s)
    return sol


@dataclass(frozen=True)
class SitingOutcome:
    """Coverage before and after one solution.

    Attributes
    ----------
    covered_before, covered_after : ndarray
        Per settlement, within its threshold.
    coverable : ndarray
        Some usable candidate covers the settlement.
    open_mask : ndarray
        Per site, open after the solution (existing or new).
    assignment : ndarray
        The site the model assigns each settlement (-1 when none).
    """

    covered_before: np.ndarray
    covered_after: np.ndarray
    coverable: np.ndarray
    open_mask: np.ndarray
    assignment: np.ndarray

    @property
    def assigned(self) -> np.ndarray:
        """Positions of the settlements the model assigns to a site."""
        return np.flatnonzero(self.assignment >= 0)


def _covered_after(problem: SitingProblem, sol: _locate.Solution, open_mask: np.ndarray,
                   assign: np.ndarray) -> np.ndarray:
    """Covered after: the capacitated model's own cover, else within reach of an open (or the assigned) site."""
    o, cover = problem.options, problem.cover
    n_dem = cover.shape[0]
    if o.capacitated and o.model == "mclp":
        return np.asarray(sol.covered, bool)
    if o.capacitated:
        has = np.flatnonzero(assign >= 0)
        after = np.zeros(n_dem, bool)
        after[has] = np.asarray(cover[has, assign[has]]).astype(bool)
        return after
    return covered_by(cover, open_mask)


def coverage_outcome(problem: SitingProblem, sol: _locate.Solution) -> SitingOutcome:
    """Coverage before (the existing sites, capacity-bound like the model) and after ``sol``."""
    o, cover, n_ex = problem.options, problem.cover, problem.n_existing
    base = _locate.solve_mclp(cover, problem.weights, 0, fixed=problem.fixed, capacity=problem.capacity,
                              splittable=o.splittable, time_limit_s=problem.siting.time_limit_s)
    open_mask = problem.fixed.copy()
    open_mask[sol.opened] = True
    assign = np.asarray(sol.assignment)
    coverable = covered_by(cover, np.arange(problem.n_sites) >= n_ex)
    return SitingOutcome(np.asarray(base.covered, bool), _covered_after(problem, sol, open_mask, assign), coverable,
                         open_mask, assign)


def nearest_open(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, open_mask: np.ndarray, n: int
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


def settlement_table(problem: SitingProblem, sol: _locate.Solution, out: SitingOutcome) -> gpd.GeoDataFrame:
    """Per settlement: coverage before/after, the site credited and the site serving it, times, uncoverable."""
    sett, sr, o = problem.settlements, problem.reach, problem.options
    n_dem = len(sett)
    assign = out.assignment
    st = gpd.GeoDataFrame(
        {"name": sett["name"].to_numpy() if "name" in sett else "", "kind": problem.kind, "older": problem.weights,
         "older_known": problem.older.notna().to_numpy(), "threshold_min": sr.threshold_s / 60.0,
         "covered_before": out.covered_before, "covered_after": out.covered_after,
         "new_site": [problem.site_id(int(j)) if j >= 0 else None for j in np.asarray(sol.credited)],
         "site": [problem.site_id(int(j)) for j in assign]},
        geometry=sett.geometry.to_numpy(), crs=sett.crs, index=sett.index,
    )
    if o.model == "pmedian" or o.capacitated:
        has = out.assigned
        tm = np.full(n_dem, np.inf)
        tm[has] = np.asarray(problem.times[has, assign[has]], dtype=float)
        st["time_min"] = tm / 60.0  # to the site the model assigns
    else:
        near, tm = nearest_open(sr.rows, sr.cols, sr.vals, out.open_mask, n_dem)
        st["site"] = [problem.site_id(int(j)) for j in near]
        st["time_min"] = tm / 60.0  # to the nearest open site (within the search limit)
    st["time_before_min"] = nearest_open(sr.rows, sr.cols, sr.vals, problem.fixed, n_dem)[1] / 60.0
    unc = ~out.covered_before & ~out.coverable
    st["uncoverable"] = unc
    st["reason"] = np.where(unc, NO_CANDIDATE, None)
    return st


def uncoverable_table(problem: SitingProblem, settlements: gpd.GeoDataFrame) -> pd.DataFrame:
    """The settlements not covered before that no candidate can cover, with the reason in zh/en."""
    sett = problem.settlements
    unc = settlements["uncoverable"].to_numpy(dtype=bool)
    thr = problem.reach.threshold_s
    out = pd.DataFrame({
        "name": settlements["name"][unc], "kind": problem.kind[unc],
        "township": sett["township"][unc] if "township" in sett else "",
        "older": problem.weights[unc], "threshold_min": thr[unc] / 60.0, "reason": NO_CANDIDATE,
    }, index=sett.index[unc])
    n_excluded = len(problem.screen.reason.dropna())
    texts = [uncoverable_text(m, n_excluded) for m in out["threshold_min"]]
    out["text_zh"] = [zh for zh, _ in texts]
    out["text_en"] = [en for _, en in texts]
    return out
