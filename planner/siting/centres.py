"""Township/street centres: close the plans' gaps one by one, each proposal naming the gap it closes.

The plans ask for at least one comprehensive centre in every township/street
(000 #4, 002 indicators) and for rural centres of about
``targets.township_centre_capacity`` (10,000) older people each (001 §二(二)).
So the township tier is planned as two stages, not as a coverage maximisation:

1. *township without a centre*: for each township/street that has none (the
   largest older population first), the usable candidate inside it that
   reaches the most of its older people within the threshold (then the most
   older people newly covered anywhere, then co-location with a health
   facility).  A township with no usable candidate inside is reported with
   the reason (no candidate there, or every one excluded, with the rule) and
   the nearest usable candidates outside it, by straight-line distance, named.
2. *centre over capacity*: while a centre's natural catchment (older people
   whose nearest open centre it is, within ``reach_factor`` x the threshold) exceeds its capacity,
   add the candidate that takes the most load off the most overloaded centre
   (preferring candidates whose own catchment stays within capacity).  A
   centre no candidate can relieve is reported.

This is a rule, not an optimisation: the answer has no optimality gap
(``status = "rule"``).  Every step is a row of :attr:`CentrePlan.gaps`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from planner.optim import Solution, covered_by
from planner.siting import explain
from planner.siting.outcome import nearest_open
from planner.siting.problem import SitingProblem, site_capacity

__all__ = ["GAP_COLUMNS", "CentrePlan", "plan_centres", "study_townships"]

#: Columns of :attr:`planner.siting.SitingResult.gaps`.
GAP_COLUMNS = ["gap_kind", "township", "centre", "centre_name", "older", "load_before", "load_after", "capacity",
               "closed_by", "nearest_outside", "text_zh", "text_en"]

_TOL = 1e-6


@dataclass(frozen=True)
class CentrePlan:
    """The proposed centres (as a :class:`planner.optim.Solution`) and one row per gap (:data:`GAP_COLUMNS`)."""

    solution: Solution
    gaps: pd.DataFrame


def study_townships(problem: SitingProblem) -> list[str]:
    """Townships/streets of the study: those of the boundary table and those the settlements name.

    A township the settlements name but the boundary file lacks (a street whose polygon the file
    does not have) is still a township of the study that needs its centre.
    """
    data = problem.data
    named = {str(t) for t in problem.settlements["township"].fillna("").astype(str) if str(t)}
    if data.townships is not None and len(data.townships):
        listed = [str(t) for t in data.townships.index]
        return listed + sorted(named - set(listed))
    return sorted(named)


def _text(frame: Any, col: str) -> np.ndarray:
    return frame[col].fillna("").astype(str).to_numpy() if col in frame else np.full(len(frame), "", dtype=object)


class _State:
    """Open sites, coverage and natural-catchment loads as centres are added.

    Loads: every settlement goes to its nearest open centre among the pairs within the search
    limit (``reach_factor`` x the threshold); coverage: some open centre within the threshold.
    """

    def __init__(self, problem: SitingProblem) -> None:
        sr = problem.reach
        self.r, self.c, self.v = sr.rows, sr.cols, sr.vals
        n, m = len(problem.settlements), problem.n_sites
        self.csc = sp.csc_array((self.v + 1.0, (self.r, self.c)), shape=(n, m))  # +1: keep 0 s pairs stored
        self.cover = sp.csc_array(problem.cover)
        self.w = problem.weights
        self.cap = site_capacity(problem.existing, len(problem.usable), problem.config.targets.township_centre_capacity)
        self.open = problem.fixed.copy()
        self.n = n
        self.update()

    def update(self) -> None:
        self.site, self.time = nearest_open(self.r, self.c, self.v, self.open, self.n)
        has = self.site >= 0
        self.load = np.bincount(self.site[has], weights=self.w[has], minlength=len(self.open))
        self.covered = covered_by(self.cover, self.open)

    def covers(self, j: int) -> np.ndarray:
        """Settlements site ``j`` covers within the threshold."""
        return self.cover.indices[self.cover.indptr[j]:self.cover.indptr[j + 1]]

    def column(self, j: int) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = self.csc.indptr[j], self.csc.indptr[j + 1]
        return self.csc.indices[lo:hi], self.csc.data[lo:hi] - 1.0

    def takes(self, j: int) -> np.ndarray:
        """Settlements that would switch to site ``j`` (strictly nearer than their current site)."""
        rows, t = self.column(j)
        return rows[t < self.time[rows]]


def _no_candidate_row(problem: SitingProblem, town: str, older: float) -> dict[str, Any]:
    """A township without a centre and without a usable candidate: why, and the nearest candidates outside."""
    screen = problem.screen
    in_town = _text(screen.candidates, "township") == town
    reasons = screen.reason[in_town].dropna()
    counts = {str(k): int(v) for k, v in reasons.value_counts().items()}
    nearest = _nearest_outside(problem, town)
    zh, en = explain.township_without_candidate(town, int(in_town.sum()), counts, nearest)
    return {"gap_kind": "no_centre", "township": town, "centre": None, "centre_name": "", "older": older,
            "load_before": np.nan, "load_after": np.nan, "capacity": np.nan, "closed_by": None,
            "nearest_outside": "; ".join(f"{n} ({t}, {d / 1000:.1f} km)" for n, t, d in nearest),
            "text_zh": zh, "text_en": en}


def _nearest_outside(problem: SitingProblem, town: str, k: int = 3) -> list[tuple[str, str, float]]:
    """The ``k`` usable candidates nearest the township (its boundary, else its settlements): name, township, m."""
    usable = problem.usable[problem.reach.reached[problem.n_existing:]]
    if not len(usable):
        return []
    crs = problem.data.projected_crs
    towns = problem.data.townships
    if towns is not None and town in set(towns.index.astype(str)):
        shape = towns.set_axis(towns.index.astype(str)).loc[[town]].to_crs(crs).geometry.union_all()
    else:
        pts = problem.settlements[_text(problem.settlements, "township") == town]
        if not len(pts):
            return []
        shape = pts.to_crs(crs).geometry.union_all()
    dist = usable.to_crs(crs).geometry.distance(shape).to_numpy()
    order = np.argsort(dist, kind="stable")[:k]
    names, tws = _text(usable, "name"), _text(usable, "township")
    return [(names[i], tws[i] or "?", float(dist[i])) for i in order]


def _close_missing(problem: SitingProblem, st: _State, towns: list[str], opened: list[int]) -> list[dict]:
    """Stage 1: one centre inside each township without one (or the reason it cannot have one)."""
    n_ex = problem.n_existing
    cand_town = _text(problem.usable, "township")
    live = problem.reach.reached[n_ex:]
    sett_town = _text(problem.settlements, "township")
    have = set(_text(problem.existing, "township"))
    older = {t: float(st.w[sett_town == t].sum()) for t in towns}
    rows = []
    for town in sorted((t for t in towns if t not in have), key=lambda t: (-older[t], t)):
        cols = n_ex + np.flatnonzero((cand_town == town) & live)
        if not len(cols):
            rows.append(_no_candidate_row(problem, town, older[town]))
            continue
        in_town = sett_town == town
        best, best_key = -1, None
        for j in cols:
            rows_j = st.covers(int(j))
            key = (float(st.w[rows_j[in_town[rows_j]]].sum()), float(st.w[rows_j[~st.covered[rows_j]]].sum()),
                   bool(problem.colocated[j - n_ex]), -int(j))
            if best_key is None or key > best_key:
                best, best_key = int(j), key
        st.open[best] = True
        st.update()
        opened.append(best)
        zh, en = explain.closes_township(town, best_key[0], older[town])
        rows.append({"gap_kind": "no_centre", "township": town, "centre": None, "centre_name": "", "older": older[town],
                     "load_before": np.nan, "load_after": float(st.load[best]), "capacity": float(st.cap[best]),
                     "closed_by": problem.site_id(best), "nearest_outside": "", "text_zh": zh, "text_en": en})
    return rows


def _site_name(problem: SitingProblem, j: int) -> str:
    n_ex = problem.n_existing
    frame, pos = (problem.existing, j) if j < n_ex else (problem.usable, j - n_ex)
    return str(frame["name"].iloc[pos]) if "name" in frame else str(problem.site_id(j))


def _relieve(problem: SitingProblem, st: _State, x: int) -> tuple[int, float]:
    """The candidate taking the most load off centre ``x`` (own catchment within capacity first); (-1, 0) if none."""
    live = problem.reach.reached
    best, best_key = -1, None
    for j in np.flatnonzero(~st.open & live):
        moved = st.takes(int(j))
        if not len(moved):
            continue
        off = float(st.w[moved[st.site[moved] == x]].sum())
        if off <= _TOL:
            continue
        total = float(st.w[moved].sum())
        key = (total <= st.cap[j] + _TOL, min(off, st.load[x] - st.cap[x]), -total, -int(j))
        if best_key is None or key > best_key:
            best, best_key = int(j), key
    return best, (best_key[1] if best_key else 0.0)


def _close_overloads(problem: SitingProblem, st: _State, opened: list[int]) -> list[dict]:
    """Stage 2: add centres while a centre's natural catchment exceeds its capacity."""
    rows, stuck = [], set()
    while True:
        over = np.flatnonzero(st.open & (st.load > st.cap + _TOL))
        over = [int(x) for x in over if int(x) not in stuck]
        if not over:
            return rows
        x = max(over, key=lambda i: (st.load[i] - st.cap[i], -i))
        before = float(st.load[x])
        j, _ = _relieve(problem, st, x)
        name = _site_name(problem, x)
        base = {"gap_kind": "overload", "township": "", "centre": problem.site_id(x), "centre_name": name,
                "older": np.nan, "load_before": before, "capacity": float(st.cap[x]), "nearest_outside": ""}
        if j < 0:
            stuck.add(x)
            zh, en = explain.overload_unrelieved(name, before, float(st.cap[x]))
            rows.append(base | {"load_after": before, "closed_by": None, "text_zh": zh, "text_en": en})
            continue
        st.open[j] = True
        st.update()
        opened.append(j)
        zh, en = explain.relieves_overload(name, before, float(st.load[x]), float(st.cap[x]))
        rows.append(base | {"load_after": float(st.load[x]), "closed_by": problem.site_id(j), "text_zh": zh,
                            "text_en": en})


def plan_centres(problem: SitingProblem) -> CentrePlan:
    """Propose township/street centres gap by gap (see the module docstring).

    Parameters
    ----------
    problem : SitingProblem
        A township-tier problem.

    Returns
    -------
    CentrePlan
    """
    t0 = time.perf_counter()
    st = _State(problem)
    covered0 = st.covered.copy()
    opened: list[int] = []
    rows = _close_missing(problem, st, study_townships(problem), opened)
    rows += _close_overloads(problem, st, opened)
    credited = np.where(~covered0 & st.covered & (st.site >= 0) & ~problem.fixed[np.maximum(st.site, 0)], st.site, -1)
    gains = [float(st.w[credited == j].sum()) for j in opened]
    no_reach = np.asarray(problem.cover.sum(axis=1) == 0).reshape(-1)
    sol = Solution(
        model="township_gaps", method="rule", status="rule", objective=float(len(opened)),
        score=float(len(opened)), bound=np.nan, gap=np.nan, opened=np.asarray(opened, dtype=int),
        gains=np.asarray(gains, dtype=float), assignment=st.site, credited=credited, covered=st.covered,
        uncoverable=np.flatnonzero(no_reach), unserved=np.zeros(0, int), runtime_s=time.perf_counter() - t0,
        params={"load": st.load.copy(), "capacity": st.cap.copy(), "n_townships": len(study_townships(problem))},
        message="rule: a centre in every township without one, then relief of overloaded centres",
    )
    return CentrePlan(sol, pd.DataFrame(rows, columns=GAP_COLUMNS))
