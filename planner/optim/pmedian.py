"""p-median: open at most ``p`` new sites to minimise weighted travel time, unserved demands paying a penalty.

Only reachable pairs enter the model (a sparse formulation); see
:mod:`planner.optim.locate` for unreachable and unserved demands and the
capacitated variant.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import scipy.sparse as sp

from planner.optim.assign import AssignmentModel, best_share, build_assignment_milp
from planner.optim.capacitated import CapModel
from planner.optim.capsolve import solve_cap
from planner.optim.milp import GREEDY, relative_gap
from planner.optim.problem import EPS, LocationProblem, build_problem, reachable_pairs
from planner.optim.solution import Lazy, Solution, Verdict, make_solution, prune

__all__ = ["solve_pmedian", "default_unserved_penalty"]


def default_unserved_penalty(vals: np.ndarray, unserved_penalty: float | None) -> float:
    """Seconds per unit weight for an unserved demand: as given, else twice the longest reachable time (>0)."""
    penalty = float(unserved_penalty) if unserved_penalty is not None else (
        2.0 * float(vals.max()) if len(vals) else 1.0)
    return 1.0 if penalty <= 0 else penalty


@dataclass(frozen=True, eq=False)
class _Reach:
    """The reachable pairs, and each demand's cost with the fixed sites alone.

    ``fbest``/``fsite``: nearest fixed site's time and index (``inf``/-1 when
    none); ``cur``: cost per unit weight with fixed sites only (nearest fixed
    time, the penalty when none reaches it, 0 for demands nobody reaches).
    """

    rows: np.ndarray
    cols: np.ndarray
    vals: np.ndarray
    reach_any: np.ndarray
    penalty: float
    fbest: np.ndarray
    fsite: np.ndarray

    @property
    def uncoverable(self) -> np.ndarray:
        """Demands no site at all reaches."""
        return np.flatnonzero(~self.reach_any)

    @cached_property
    def cur(self) -> np.ndarray:
        """Cost per unit weight with the fixed sites only (shared: copy before changing it)."""
        cur = np.where(np.isfinite(self.fbest), self.fbest, self.penalty)
        cur[~self.reach_any] = 0.0
        return cur


def _reach(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, prob: LocationProblem, penalty: float) -> _Reach:
    n_dem = prob.n_demands
    reach_any = np.zeros(n_dem, bool)
    reach_any[rows] = True
    fbest = np.full(n_dem, np.inf)
    fsite = np.full(n_dem, -1)
    onf = prob.fixed[cols]
    if onf.any():  # nearest fixed site per demand
        order = np.lexsort((vals[onf], rows[onf]))
        rf, cf, vf = rows[onf][order], cols[onf][order], vals[onf][order]
        first = np.r_[True, rf[1:] != rf[:-1]]
        fbest[rf[first]], fsite[rf[first]] = vf[first], cf[first]
    return _Reach(rows, cols, vals, reach_any, penalty, fbest, fsite)


def solve_pmedian(
    times: Any,
    weights: Any,
    p: int,
    *,
    fixed: Any = None,
    preference: Any = None,
    capacity: Any = None,
    splittable: bool = False,
    unserved_penalty: float | None = None,
    method: str = "exact",
    time_limit_s: float = 60.0,
    mip_gap: float = 0.0,
) -> Solution:
    """p-median: open at most ``p`` new sites to minimise weighted travel time.

    Demands go to the nearest open site (fixed or new) among the reachable
    pairs; see :mod:`planner.optim.locate` for unreachable and unserved demands.

    Parameters
    ----------
    times : sparse or ndarray
        Demands x sites, seconds (stored entries / finite values = reachable).
    weights : array
        Demand weights (older population).
    p : int
        New sites to open.
    fixed : bool mask or indices, optional
        Existing sites.
    preference : array, optional
        Per-site bonus subtracted from the objective when opened (weight x seconds).
    capacity : array, optional
        Per-site capacity in weight units; solves the capacitated p-median.
    splittable : bool
        Capacitated only: fractional assignment allowed.
    unserved_penalty : float, optional
        Seconds charged per unit weight for a demand no open site reaches;
        default twice the largest reachable time.
    method : {"exact", "greedy"}
        Greedy is for the uncapacitated model only.
    time_limit_s, mip_gap : float

    Returns
    -------
    Solution
        ``objective`` = weighted seconds, penalties included.

    Raises
    ------
    InputError
        For negative times, arguments of the wrong length, negative weights,
        ``p < 0``, an unknown method or greedy with capacities.
    """
    rows, cols, vals, shape = reachable_pairs(times)
    prob = build_problem(shape, model="p-median", weights=weights, p=p, fixed=fixed, preference=preference,
                         capacity=capacity, splittable=splittable, method=method, time_limit_s=time_limit_s,
                         mip_gap=mip_gap)
    reach = _reach(rows, cols, vals, prob, default_unserved_penalty(vals, unserved_penalty))
    params = prob.params({"unserved_penalty_s": reach.penalty}, capacitated=prob.capacitated,
                         splittable=prob.splittable)
    if prob.capacitated:
        return _pmedian_capacitated(prob, reach, params)
    return _pmedian_uncapacitated(prob, reach, params)


@dataclass(frozen=True, eq=False)
class _Useful:
    """Candidate pairs that beat the demand's cost with fixed sites only (the rest never matter)."""

    r: np.ndarray
    c: np.ndarray
    v: np.ndarray
    cols: np.ndarray  # the candidate sites with at least one such pair

    @classmethod
    def of(cls, prob: LocationProblem, reach: _Reach) -> _Useful:
        rows, cols, vals = reach.rows, reach.cols, reach.vals
        oncand = ~prob.fixed[cols] & (vals < np.minimum(reach.fbest[rows], reach.penalty) - EPS)
        return cls(rows[oncand], cols[oncand], vals[oncand], np.unique(cols[oncand]))


def _pmedian_uncapacitated(prob: LocationProblem, reach: _Reach, params: dict) -> Solution:
    useful = _Useful.of(prob, reach)
    base_obj = float((prob.weights * reach.cur).sum())
    if not len(useful.cols) or prob.p == 0:
        verdict = Verdict("empty", base_obj, base_obj, 0.0, "nothing to decide")
        return _finish_pmedian(prob, reach, [], verdict, params)
    picked, score = _pmedian_greedy(prob, reach, useful)
    if prob.method == "exact":  # HiGHS from the greedy answer (so it always has a feasible start)
        model = _uncap_model(prob, reach.cur, useful)
        m = prob.solve(build_assignment_milp(model), start=_uncap_start(model, useful, picked))
        chosen = list(useful.cols[m.x[:len(useful.cols)] > 0.5])
        params.update(n_vars=m.n_vars, n_cons=m.n_cons)
        return _finish_pmedian(prob, reach, chosen, Verdict.of(m, _uncap_const(prob, reach, model)), params)
    model = _uncap_model(prob, reach.cur, useful)  # LP relaxation of the same model for the bound
    bound, note = prob.lp_bound(build_assignment_milp(model), _uncap_const(prob, reach, model))
    verdict = Verdict(GREEDY, score, bound, relative_gap(score, bound, maximise=False), f"greedy (lazy); {note}")
    params.update(n_vars=len(useful.cols) + len(useful.r), n_cons=len(useful.r))
    return _finish_pmedian(prob, reach, picked, verdict, params)


def _pmedian_greedy(prob: LocationProblem, reach: _Reach, useful: _Useful) -> tuple[list[int], float]:
    """Lazy greedy: the site saving the most weighted time (plus its preference), ``p`` times."""
    w, pref, n_site = prob.weights, prob.preference, prob.n_sites
    csc = sp.csc_array((useful.v, (useful.r, useful.c)), shape=(prob.n_demands, n_site))
    cur = reach.cur
    best = cur.copy()

    def gain(j: int) -> float:
        sl = slice(csc.indptr[j], csc.indptr[j + 1])
        r = csc.indices[sl]
        return float((w[r] * np.maximum(0.0, best[r] - csc.data[sl])).sum()) + pref[j]

    saving = w[useful.r] * (cur[useful.r] - useful.v)
    usable = np.zeros(n_site, bool)
    usable[useful.cols] = True
    lazy = Lazy(np.bincount(useful.c, weights=saving, minlength=n_site) + pref, usable)
    picked: list[int] = []
    for rnd in range(prob.p):
        got = lazy.pop(gain, rnd)
        if got is None or got[1] <= EPS:
            break
        j = got[0]
        picked.append(j)
        sl = slice(csc.indptr[j], csc.indptr[j + 1])
        r = csc.indices[sl]
        best[r] = np.minimum(best[r], csc.data[sl])
    return picked, float((w * best).sum()) - float(pref[picked].sum())


def _uncap_model(prob: LocationProblem, cur: np.ndarray, useful: _Useful) -> AssignmentModel:
    """Uncapacitated p-median over the useful candidate pairs, as the one assignment model.

    Pairs ``z_ij`` that beat a demand's current cost (nearest fixed site or the penalty), one
    continuous ``u_i`` per touched demand that keeps that cost (``u_i + sum_j z_ij = 1``),
    ``z_ij <= x_j`` and ``sum x <= p``; no capacities.
    """
    must = np.zeros(prob.n_demands, bool)
    must[useful.r] = True
    return AssignmentModel(
        prob.n_demands, prob.n_sites, useful.r, useful.c, prob.weights[useful.r] * useful.v,
        load=np.ones(prob.n_demands), capacity=np.full(prob.n_sites, np.inf), fixed=prob.fixed,
        candidates=useful.cols, open_cost=-prob.preference[useful.cols], p=prob.p, splittable=True,
        must_assign=must, unserved_cost=prob.weights * cur)


def _uncap_start(model: AssignmentModel, useful: _Useful, picked: list[int]) -> np.ndarray:
    """The assignment model's variables for the sites ``picked``: each demand on its nearest one, else ``u = 1``."""
    x = np.isin(useful.cols, picked).astype(float)
    z = np.zeros(len(useful.r))
    on = np.flatnonzero(np.isin(useful.c, picked))
    if len(on):
        o = on[np.lexsort((useful.v[on], useful.r[on]))]
        first = np.r_[True, useful.r[o][1:] != useful.r[o][:-1]]
        z[o[first]] = 1.0
    u = 1.0 - np.bincount(useful.r, weights=z, minlength=model.n_demands)[model.unserved_rows()]
    return np.concatenate([x, z, u])


def _uncap_const(prob: LocationProblem, reach: _Reach, model: AssignmentModel) -> float:
    """The constant cost of the demands no useful pair touches (left out of the model)."""
    cur, w, dem = reach.cur, prob.weights, model.unserved_rows()
    return float((w * cur).sum() - (w[dem] * cur[dem]).sum())


def _prune_pmedian(prob: LocationProblem, reach: _Reach, chosen: list[int], best0: np.ndarray) -> list[int]:
    """Drop chosen sites whose removal does not raise the weighted time."""
    sel0 = np.isin(reach.cols, chosen)
    r0, c0, v0 = reach.rows[sel0], reach.cols[sel0], reach.vals[sel0]

    def value(keep: list[int]) -> float:
        b = best0.copy()
        m = np.isin(c0, keep)
        np.minimum.at(b, r0[m], v0[m])
        return -float((prob.weights * b).sum())

    return prune(list(chosen), value)


def _rank_pmedian(prob: LocationProblem, reach: _Reach, chosen: list[int], best: np.ndarray, site: np.ndarray
                  ) -> tuple[list[int], list[float]]:
    """Rank new sites by saving given those ranked before (lazy: savings only shrink); updates best/site."""
    w = prob.weights
    sel = np.isin(reach.cols, chosen)
    r_s, c_s, v_s = reach.rows[sel], reach.cols[sel], reach.vals[sel]
    srt = np.argsort(c_s, kind="stable")
    r_s, c_s, v_s = r_s[srt], c_s[srt], v_s[srt]
    starts = np.searchsorted(c_s, chosen, side="left")
    ends = np.searchsorted(c_s, chosen, side="right")
    piece = {int(j): (r_s[a:b], v_s[a:b]) for j, a, b in zip(chosen, starts, ends, strict=True)}

    def saving(k: int) -> float:
        r, v = piece[int(chosen[k])]
        return float((w[r] * np.maximum(0.0, best[r] - v)).sum())

    lazy = Lazy(np.array([saving(k) for k in range(len(chosen))]), np.ones(len(chosen), bool))
    order, gains = [], []
    for rnd in range(len(chosen)):
        got = lazy.pop(saving, rnd)
        if got is None or got[1] <= EPS:
            break  # the rest save no travel time given the sites ranked before: not proposed
        j = int(chosen[got[0]])
        r, v = piece[j]
        better = v < best[r] - EPS
        best[r[better]] = v[better]
        site[r[better]] = j
        order.append(j)
        gains.append(got[1])
    return order, gains


def _finish_pmedian(prob: LocationProblem, reach: _Reach, chosen: list[int], verdict: Verdict,
                    params: dict) -> Solution:
    """Prune and rank the chosen sites, assign every demand to its nearest open site, report."""
    w = prob.weights
    best = reach.cur.copy()  # ranking lowers it as sites open
    site = reach.fsite.copy()
    if chosen:
        chosen = _prune_pmedian(prob, reach, chosen, best)
    order, gains = _rank_pmedian(prob, reach, chosen, best, site)
    served = site >= 0
    credited = np.where(served & ~np.isin(site, np.flatnonzero(prob.fixed)), site, -1)
    unserved = np.flatnonzero(reach.reach_any & ~served)
    params = dict(params, weighted_time_served_s=float((w[served] * best[served]).sum()),
                  unserved_weight=float(w[unserved].sum()))
    return make_solution(prob, verdict, model="pmedian", objective=float((w * best).sum()),
                         opened=np.array(order, dtype=int), gains=np.array(gains, dtype=float), assignment=site,
                         credited=credited, covered=served, uncoverable=reach.uncoverable, unserved=unserved,
                         params=params)


def _pmedian_capacitated(prob: LocationProblem, reach: _Reach, params: dict) -> Solution:
    """Capacitated p-median: every reachable demand is served or pays the penalty (on its unserved share)."""
    w, fx, n_dem, P = prob.weights, prob.fixed, prob.n_demands, reach.penalty
    rows, cols, vals = reach.rows, reach.cols, reach.vals
    keep = prob.fitting(rows, cols) & (vals < P) & (w[rows] > 0)  # a pair at or beyond the penalty never helps
    rows, cols, vals = rows[keep], cols[keep], vals[keep]
    m = CapModel(n_dem, prob.n_sites, rows, cols, w[rows] * (P - vals), w, prob.capacity, fx,
                 np.unique(cols[~fx[cols]]), prob.preference, prob.p, prob.splittable)
    const = float(P * w[reach.reach_any].sum())  # every reachable demand unserved
    ans = solve_cap(m, prob, offset=const, minimise=True)
    z = ans.z
    served_share = np.clip(np.bincount(rows, weights=z, minlength=n_dem), 0.0, 1.0)
    site = best_share(rows, cols, z, n_dem)
    load = np.bincount(cols, weights=w[rows] * z, minlength=prob.n_sites)
    served = site >= 0
    left = np.where(reach.reach_any, 1.0 - served_share, 0.0)
    unserved = np.flatnonzero(left > 1e-6)  # wholly or partly unserved
    credited = np.where(served & ~fx[np.maximum(site, 0)], site, -1)
    chosen = ans.opened[load[ans.opened] > EPS]  # a new site nobody is assigned to is not proposed
    gains = np.array([float(w[credited == j].sum()) for j in chosen])
    order = np.argsort(-gains, kind="stable")
    objective = float((w[rows] * vals * z).sum() + P * (w * left).sum())
    params = dict(params, n_vars=ans.n_vars, n_cons=ans.n_cons, load=load, n_pairs=len(rows),
                  unserved_amount=w[unserved] * left[unserved], unserved_weight=float((w * left).sum()))
    return make_solution(prob, Verdict(ans.status, ans.score, ans.bound, ans.gap, ans.message), model="pmedian_cap",
                         objective=objective, opened=chosen[order], gains=gains[order], assignment=site,
                         credited=credited, covered=served, uncoverable=reach.uncoverable, unserved=unserved,
                         params=params)
