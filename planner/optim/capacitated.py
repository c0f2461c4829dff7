"""Capacitated location in profit form: a greedy heuristic with repair, a Lagrangian bound, and HiGHS from that start.

The capacitated MCLP and p-median are both written here as one maximisation
over the eligible (demand, site) pairs::

    max  sum_ij profit_ij z_ij + sum_j pref_j x_j
    s.t. sum_j z_ij <= 1                    (each demand at most once)
         sum_i load_i z_ij <= C_j x_j       (capacity; fixed sites: x_j = 1)
         z_ij <= x_j,  sum_j x_j <= p       (candidates only)

MCLP: ``profit_ij = w_i``; p-median: ``profit_ij = w_i (P - t_ij)`` (the penalty
``P`` saved by serving ``i`` from ``j``; pairs with ``t_ij >= P`` never help and are
left out), so the p-median objective is ``P sum_i w_i - profit``.

Bound (valid for splittable and unsplittable assignment)
--------------------------------------------------------
Relaxing "each demand at most once" with multipliers ``lambda_i >= 0`` leaves,
per site, a knapsack over the profits ``profit_ij - lambda_i``; its fractional
(LP) optimum ``K_j`` bounds the 0-1 one, so::

    L(lambda) = sum_i lambda_i + sum_{fixed j} K_j + (largest p of K_j + pref_j, positive, over candidates)

is an upper bound on the optimum for every ``lambda >= 0`` (at least as strong as
the LP relaxation at the best ``lambda``).  Subgradient steps (Polyak, the heuristic
value as target) lower it.

Heuristic
---------
Demands are first packed into the fixed sites (largest load first, the most
profitable site that still has room, ties to the emptiest).  Then, ``p`` times,
the candidate whose greedy knapsack fill adds the most (new demands, or demands
moving to a more profitable site) is opened (lazy evaluation), and the demands
move.  A repair pass then packs demands still unserved into any open site with
room.  The heuristic records every step, so the prefix of ``k`` sites is the
greedy answer for ``k`` (used by the coverage curve).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from planner.optim.assign import AssignmentModel
from planner.optim.problem import EPS
from planner.optim.solution import Lazy

__all__ = ["CapModel", "GreedyRun", "greedy_run", "lagrangian_bound"]


@dataclass(frozen=True, eq=False)
class CapModel:
    """A capacitated location model in profit form (see the module docstring).

    Attributes
    ----------
    n_demands, n_sites : int
    rows, cols, profit : ndarray
        The eligible pairs and their profit (> 0).
    load : ndarray
        Per demand, what it takes of a site's capacity.
    capacity : ndarray
        Per site (``inf`` = none).
    fixed : ndarray of bool
    candidates : ndarray of int
        Candidate sites with at least one pair (one ``x`` each, in this order).
    pref : ndarray
        Per site, the bonus for opening it (0 on fixed sites).
    p : int
    splittable : bool
    """

    n_demands: int
    n_sites: int
    rows: np.ndarray
    cols: np.ndarray
    profit: np.ndarray
    load: np.ndarray
    capacity: np.ndarray
    fixed: np.ndarray
    candidates: np.ndarray
    pref: np.ndarray
    p: int
    splittable: bool
    by_site: np.ndarray = field(init=False)
    site_ptr: np.ndarray = field(init=False)
    by_dem: np.ndarray = field(init=False)
    dem_ptr: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        by_site = np.lexsort((-self.profit, self.cols))
        by_dem = np.lexsort((-self.profit, self.rows))
        object.__setattr__(self, "by_site", by_site)
        object.__setattr__(self, "site_ptr", np.searchsorted(self.cols[by_site], np.arange(self.n_sites + 1)))
        object.__setattr__(self, "by_dem", by_dem)
        object.__setattr__(self, "dem_ptr", np.searchsorted(self.rows[by_dem], np.arange(self.n_demands + 1)))

    def site_pairs(self, j: int) -> np.ndarray:
        """Pair indices of site ``j`` (most profitable first)."""
        return self.by_site[self.site_ptr[j]:self.site_ptr[j + 1]]

    def assignment_model(self, p: int | None = None) -> AssignmentModel:
        """The same model as an :class:`~planner.optim.assign.AssignmentModel` (maximised) for HiGHS."""
        return AssignmentModel(self.n_demands, self.n_sites, self.rows, self.cols, pair_cost=self.profit,
                               load=self.load, capacity=self.capacity, fixed=self.fixed, candidates=self.candidates,
                               open_cost=self.pref[self.candidates], p=self.p if p is None else p,
                               splittable=self.splittable, maximise=True)

    def start_vector(self, opened: np.ndarray, site_of: np.ndarray) -> np.ndarray:
        """HiGHS' variables (``x`` per candidate, then ``z`` per pair) of an answer."""
        x = np.isin(self.candidates, opened).astype(float)
        z = (site_of[self.rows] == self.cols).astype(float)
        return np.concatenate([x, z])

    def value(self, opened: np.ndarray, site_of: np.ndarray) -> float:
        """Objective (profit plus preferences) of an unsplittable answer."""
        used = site_of[self.rows] == self.cols
        return float(self.profit[used].sum() + self.pref[np.asarray(opened, dtype=np.int64)].sum())


@dataclass(frozen=True, eq=False)
class GreedyRun:
    """Every step of the greedy heuristic: step ``k`` opens ``opened[:k]`` and assigns demands by ``site_of[k]``."""

    opened: np.ndarray
    site_of: list[np.ndarray]
    values: np.ndarray


class _State:
    """The heuristic's working assignment: site per demand, its profit, remaining capacity."""

    def __init__(self, m: CapModel) -> None:
        self.m = m
        self.site = np.full(m.n_demands, -1)
        self.cur = np.zeros(m.n_demands)
        self.rem = m.capacity.astype(float).copy()
        self.open = m.fixed.copy()

    def move(self, i: int, j: int, gain: float) -> None:
        old = self.site[i]
        if old >= 0:
            self.rem[old] += self.m.load[i]
        self.rem[j] -= self.m.load[i]
        self.site[i] = j
        self.cur[i] += gain

    def fill(self, j: int, *, apply: bool) -> float:
        """Greedy knapsack of site ``j``: demands that gain by moving there (best density first)."""
        m = self.m
        pr = m.site_pairs(j)
        r = m.rows[pr]
        v = m.profit[pr] - self.cur[r]
        ok = (v > EPS) & (self.site[r] != j)
        r, v = r[ok], v[ok]
        if not len(r):
            return 0.0
        ld = m.load[r]
        order = np.argsort(-v / np.maximum(ld, EPS), kind="stable")
        r, v, ld = r[order], v[order], ld[order]
        room = self.rem[j]
        if not np.isfinite(room):
            take = np.ones(len(r), bool)
        elif not apply:  # estimate: the prefix that fits
            take = np.cumsum(ld) <= room + EPS
        else:
            take = np.zeros(len(r), bool)
            for k in range(len(r)):
                if ld[k] <= room + EPS:
                    take[k] = True
                    room -= ld[k]
        if apply:
            for i, g in zip(r[take], v[take]):
                self.move(int(i), j, float(g))
        return float(v[take].sum())

    def pack(self, order: np.ndarray) -> None:
        """Serve the unserved demands of ``order``: the most profitable open site with room (ties: emptiest)."""
        m = self.m
        for i in order:
            if self.site[i] >= 0:
                continue
            pr = m.by_dem[m.dem_ptr[i]:m.dem_ptr[i + 1]]
            c = m.cols[pr]
            fits = self.open[c] & (self.rem[c] >= m.load[i] - EPS)
            if not fits.any():
                continue
            pr, c = pr[fits], c[fits]
            best = np.flatnonzero(m.profit[pr] >= m.profit[pr].max() - EPS)
            k = best[np.argmax(np.where(np.isfinite(self.rem[c[best]]), self.rem[c[best]], np.inf))]
            self.move(int(i), int(c[k]), float(m.profit[pr[k]]))


def greedy_run(m: CapModel, p: int | None = None) -> GreedyRun:
    """The greedy heuristic with repair for ``p`` (default ``m.p``) new sites, every step recorded."""
    p = m.p if p is None else p
    st = _State(m)
    by_load = np.argsort(-m.load, kind="stable")
    st.pack(by_load)
    snaps, values, opened = [st.site.copy()], [m.value(np.zeros(0, int), st.site)], []
    usable = np.zeros(m.n_sites, bool)
    usable[m.candidates] = True
    gain_of = lambda j: st.fill(j, apply=False) + m.pref[j]
    lazy = Lazy(np.array([gain_of(j) if usable[j] else 0.0 for j in range(m.n_sites)]), usable)
    for rnd in range(p):
        got = lazy.pop(gain_of, rnd)
        if got is None or got[1] <= EPS:
            break
        j = got[0]
        st.open[j] = True
        opened.append(j)
        st.fill(j, apply=True)
        st.pack(by_load)
        snaps.append(st.site.copy())
        values.append(m.value(np.array(opened), st.site))
    return GreedyRun(np.array(opened, dtype=int), snaps, np.array(values))


def _knapsacks(m: CapModel, lam: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per site, the fractional knapsack value ``K_j`` at ``lam``, and each pair's share in it."""
    v = m.profit - lam[m.rows]
    pos = np.flatnonzero(v > 0)
    take = np.zeros(len(v))
    if not len(pos):
        return np.zeros(m.n_sites), take
    ld = m.load[m.rows[pos]]
    dens = v[pos] / np.maximum(ld, EPS)
    order = pos[np.lexsort((-dens, m.cols[pos]))]
    c = m.cols[order]
    ld = m.load[m.rows[order]]
    cum = np.cumsum(ld)
    first = np.r_[True, c[1:] != c[:-1]]
    start = np.maximum.accumulate(np.where(first, np.arange(len(c)), 0))
    before = cum - ld - (cum[start] - ld[start])  # load of the site's items ahead of this one
    cap = m.capacity[c]
    share = np.clip((cap - before) / np.maximum(ld, EPS), 0.0, 1.0)
    share[~np.isfinite(cap)] = 1.0
    take[order] = share
    return np.bincount(m.cols, weights=v * take, minlength=m.n_sites), take


def _dual_value(m: CapModel, lam: np.ndarray, p: int) -> tuple[float, np.ndarray, np.ndarray]:
    """L(lam), the sites the relaxation opens (mask) and the pairs' shares."""
    K, take = _knapsacks(m, lam)
    val = K[m.candidates] + m.pref[m.candidates]
    top = np.argsort(-val, kind="stable")[:p]
    top = top[val[top] > 0]
    on = m.fixed.copy()
    on[m.candidates[top]] = True
    return float(lam.sum() + K[m.fixed].sum() + val[top].sum()), on, take


def lagrangian_bound(m: CapModel, target: float, *, p: int | None = None, iters: int = 200,
                     time_budget_s: float = 10.0, lam0: np.ndarray | None = None,
                     close_enough: float = 0.0) -> tuple[float, np.ndarray]:
    """Best Lagrangian upper bound on the optimum (subgradient, Polyak steps towards ``target``) and its multipliers.

    Parameters
    ----------
    m : CapModel
    target : float
        A feasible value (the heuristic's): the steps aim at it, and the search stops once the bound is that close.
    p : int, optional
        New sites allowed (default ``m.p``).
    iters, time_budget_s : int, float
        Most subgradient steps and seconds.
    lam0 : ndarray, optional
        Further starting multipliers (e.g. each demand's profit in the heuristic answer); the
        search starts from the best of 0, each demand's largest profit and ``lam0``.

    close_enough : float
        Stop once the bound is within this (absolute) distance of ``target``.

    Returns
    -------
    tuple
        (bound, multipliers); every bound returned is valid, whatever the number of steps.
    """
    p = m.p if p is None else p
    t0 = time.perf_counter()
    cap_lam = np.zeros(m.n_demands)
    np.maximum.at(cap_lam, m.rows, m.profit)
    enough = lambda b: b - target <= max(1e-6 * max(1.0, abs(target)), close_enough)
    lam, first = cap_lam, math.inf
    for s in [cap_lam, np.zeros(m.n_demands)] + ([] if lam0 is None else [np.clip(lam0, 0.0, cap_lam)]):
        val = _dual_value(m, s, p)[0]
        if val < first:
            lam, first = s.copy(), val
        if enough(first):
            return first, lam
    best, best_lam, theta, stall = math.inf, lam.copy(), 1.0, 0
    for _ in range(iters):
        val, on, take = _dual_value(m, lam, p)
        if not math.isfinite(best) or val < best - 1e-9 * max(1.0, abs(best)):
            best, best_lam, stall = val, lam.copy(), 0
        else:
            stall += 1
            if stall >= 5:
                theta, stall = theta / 2.0, 0
        if enough(best) or time.perf_counter() - t0 > time_budget_s or theta < 1e-4:
            break
        used = np.bincount(m.rows, weights=take * on[m.cols], minlength=m.n_demands)
        g = 1.0 - used
        g[(lam <= 0) & (g > 0)] = 0.0  # projected: lambda cannot go below 0
        d = cap_lam * g  # scaled by each demand's own profit (multipliers live on that scale)
        norm = float(g @ d)
        if norm <= 1e-12:
            break
        step = theta * max(val - target, 1e-9 * max(1.0, abs(val))) / norm
        lam = np.clip(lam - step * d, 0.0, cap_lam)
    return best, best_lam
