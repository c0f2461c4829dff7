"""Coverage versus the number of new sites, and the fewest new sites that reach each policy target.

The curve re-solves the covering model (MCLP, capacitated for township
centres) for every ``k = 0..K`` when the run is exact (the re-solves share one
``siting.time_limit_s`` budget), and reads the incremental greedy order when it
is greedy.  It runs to ``k = max(p, the target points)`` (at most
:data:`CURVE_CAP`).

Share targets (villages / communities covered) are solved exactly as a
partial-cover MILP (fewest sites such that at least the target share is
covered, fixed sites included); the township target counts the townships still
without a centre.  When even every candidate together falls short, the text
says how far and how many settlements need new candidates.
"""

from __future__ import annotations

import logging
import math
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import scipy.sparse as sp

from planner.errors import SolverError
from planner.i18n import fmt_share
from planner.optim import build_problem as build_location_problem
from planner.optim import cover_curve, covered_by
from planner.optim import locate as _locate
from planner.siting import explain
from planner.siting.centres import study_townships
from planner.siting.outcome import SitingOutcome
from planner.siting.problem import SitingProblem

__all__ = ["CURVE_CAP", "TARGET_COLUMNS", "coverage_curve", "target_points", "older_target", "curve_and_targets"]

#: Largest default k of the coverage curve.
CURVE_CAP = 100

#: Status of a curve point whose solve did not finish.
NOT_FINISHED = "not_finished"

logger = logging.getLogger(__name__)

TARGET_COLUMNS = ["indicator", "target", "value_before", "best", "reached_at_k", "value_after", "method", "text_zh",
                  "text_en"]


# --------------------------------------------------------------------------- the curve


#: One point of the curve: coverage per settlement (None when the solve did not finish), sites, status.
_Point = tuple[np.ndarray | None, list[int], str]


def _greedy_solutions(problem: SitingProblem, k_max: int) -> list[_Point]:
    """(covered, opened, status) for k = 0..k_max from one incremental greedy run."""
    cover, w, fixed = problem.cover, problem.weights, problem.fixed
    sol = _locate.solve_mclp(cover, w, k_max, fixed=fixed, method="greedy", time_limit_s=problem.siting.time_limit_s)
    covered0 = np.asarray(_locate.solve_mclp(cover, w, 0, fixed=fixed).covered)
    cred = np.asarray(sol.credited)
    order = list(sol.opened)
    return [(covered0 | np.isin(cred, order[:k]), order[:k], "greedy") for k in range(k_max + 1)]


def _exact_solutions(problem: SitingProblem, k_max: int) -> list[_Point]:
    """(covered, opened, status) for k = 0..k_max from one reused MCLP model (:func:`planner.optim.cover_curve`).

    The whole curve shares one ``siting.time_limit_s`` budget after the main solve; a point is
    never lost to the time limit (its status says how far it is proven) and a solver failure
    leaves every point ``not_finished``: the curve never costs the main solve its answer.
    """
    sc, o = problem.siting, problem.options
    try:
        prob = build_location_problem(problem.cover.shape, model="MCLP", weights=problem.weights, fixed=problem.fixed,
                                      capacity=problem.capacity, splittable=o.splittable, mip_gap=sc.mip_gap,
                                      cover=problem.cover)
        pts = cover_curve(prob, k_max, time_limit_s=sc.time_limit_s)
    except SolverError as exc:
        logger.warning("coverage curve did not finish (%s)", exc)
        return [(None, [], NOT_FINISHED)] * (k_max + 1)
    return [(np.asarray(pt.covered, bool), [int(j) for j in pt.opened], pt.status) for pt in pts]


def _prefix_solutions(problem: SitingProblem, sol: _locate.Solution) -> list[_Point]:
    """(covered, opened, status) for the first k sites of the proposal itself, k = 0..len(opened)."""
    cover = sp.csc_array(problem.cover)
    covered = covered_by(cover, problem.fixed)
    out: list[_Point] = [(covered.copy(), [], sol.status)]
    opened = [int(j) for j in sol.opened]
    for k, j in enumerate(opened, start=1):
        covered[cover.indices[cover.indptr[j]:cover.indptr[j + 1]]] = True
        out.append((covered.copy(), opened[:k], sol.status))
    return out


def _townships(frame: pd.DataFrame) -> set[str]:
    """The non-empty ``township`` names of ``frame``."""
    return {str(t) for t in frame.get("township", pd.Series(dtype=str)).fillna("") if str(t)}


def _curve_row(problem: SitingProblem, k: int, point: _Point, how: str, town_ex: set[str]) -> dict[str, Any]:
    cov, opened, status = point
    w, is_v = problem.weights, problem.kind == "village"
    n_v, n_c = int(is_v.sum()), int((~is_v).sum())
    tot = float(w.sum())
    row: dict[str, Any] = {"k": k, "status": status, "method": how}
    if cov is None:  # the solve for this k did not finish: shown as such, no numbers
        row.update(dict.fromkeys(("covered_settlements", "villages_covered", "village_share", "communities_covered",
                                  "community_share", "older_covered", "older_share"), np.nan))
    else:
        row.update({"covered_settlements": int(cov.sum()), "villages_covered": int((cov & is_v).sum()),
                    "village_share": (cov & is_v).sum() / n_v if n_v else np.nan,
                    "communities_covered": int((cov & ~is_v).sum()),
                    "community_share": (cov & ~is_v).sum() / n_c if n_c else np.nan,
                    "older_covered": float(w[cov].sum()), "older_share": float(w[cov].sum()) / tot if tot else np.nan})
    if problem.options.tier == "township":
        towns = problem.usable["township"].fillna("").astype(str)
        study = set(study_townships(problem))  # a site or centre named for a place outside them does not count
        n_ex, n_town = problem.n_existing, len(study)
        with_c = len((town_ex | {towns.iloc[j - n_ex] for j in opened if towns.iloc[j - n_ex]}) & study) \
            if cov is not None else np.nan
        row["townships_with_centre"] = with_c
        row["township_centre_share"] = with_c / n_town if n_town else np.nan
    return row


def coverage_curve(problem: SitingProblem, k_max: int, sol: _locate.Solution | None = None
                   ) -> tuple[pd.DataFrame, str]:
    """Coverage for ``k = 0..k_max`` new sites and how it was computed.

    For the ``target`` and ``centres`` models the curve is the proposal itself: its first ``k``
    sites in rank order, ``k = 0..len(sol.opened)`` (so the chart, the sentence and the list agree).

    Returns
    -------
    tuple
        The curve (``k``, ``status`` (the solve's, ``not_finished`` when it did not finish),
        ``covered_settlements``, ``villages_covered``, ``village_share``, ``communities_covered``,
        ``community_share``, ``older_covered``, ``older_share``, ``method``, and
        ``townships_with_centre``, ``township_centre_share`` for township centres) and the method text.
    """
    if problem.options.model in ("target", "centres") and sol is not None:
        points = _prefix_solutions(problem, sol)
        how = "the proposed sites in rank order (prefixes of one solution)"
    elif problem.method == "greedy" and problem.capacity is None:  # capacitated: the greedy order ignores capacity
        points = _greedy_solutions(problem, k_max)
        how = "incremental greedy (lazy), one run"
    else:
        points = _exact_solutions(problem, k_max)
        how = "one reused MCLP model for every k" + (" (capacitated)" if problem.capacity is not None else "")
    town_ex = _townships(problem.existing)
    rows = [_curve_row(problem, k, point, how, town_ex) for k, point in enumerate(points)]
    return pd.DataFrame(rows), how


# --------------------------------------------------------------------------- policy targets


class _ShareTarget(NamedTuple):
    key: str
    group: np.ndarray
    target: float
    what: explain.Text
    name: explain.Text
    unit_zh: str


def _share_targets(problem: SitingProblem) -> list[_ShareTarget]:
    """The share targets of the tier (village and community points for the community tier)."""
    if problem.options.tier != "community":
        return []
    kind, targets = problem.kind, problem.config.targets
    return [_ShareTarget("village_facility_coverage", kind == "village", targets.village_facility_share,
                         ("村级点", "village points"), ("村覆盖率", "of villages covered"), "村"),
            _ShareTarget("community_daycare_coverage", kind != "village", targets.community_daycare_share,
                         ("社区点", "community points"), ("社区覆盖率", "of communities covered"), "社区")]


def _proof_note(sol: _locate.Solution) -> explain.Text | None:
    """None for a proven optimum, else how far the answer is proven."""
    return None if sol.status in ("optimal", "empty") else explain.proof(sol.status, sol.gap)


def _village_row_from(problem: SitingProblem, spec: _ShareTarget, sol: _locate.Solution) -> dict[str, Any]:
    """The village target row of the village model: the proposal itself (one solution for sentence and list)."""
    n, target, prm = int(spec.group.sum()), spec.target, sol.params
    before, best, after = prm["already"] / n, prm["max_coverable"] / n, prm["villages_after"] / n
    k = len(sol.opened)
    if prm["already"] >= prm["villages_needed"]:
        k, (zh, en) = 0, explain.target_met(*spec.name, before, target)
    elif prm["target_reached"]:
        zh, en = explain.share_target_reached(k, spec.what, spec.name, target, before, after, _proof_note(sol))
    else:
        zh, en = explain.share_target_out_of_reach(spec.name, spec.unit_zh, best, target, n - prm["max_coverable"])
        k = None
    return {"indicator": spec.key, "target": target, "value_before": before, "best": best, "reached_at_k": k,
            "value_after": after, "method": "partial-cover MILP (fewest sites), the proposal itself",
            "text_zh": zh, "text_en": en}


def _share_target_row(problem: SitingProblem, spec: _ShareTarget) -> dict[str, Any] | None:
    """Fewest new sites reaching one share target (partial-cover MILP); None when the group is empty."""
    n = int(spec.group.sum())
    if not n:
        return None
    sc, target = problem.siting, spec.target
    need = int(math.ceil(target * n - 1e-9))
    s = _locate.solve_partial_cover(problem.cover, spec.group, need, fixed=problem.fixed,
                                    time_limit_s=sc.time_limit_s, mip_gap=sc.mip_gap)
    before = s.params["already"] / n
    best = s.params["max_coverable"] / n
    after = np.nan
    if s.status == "empty":
        k, (zh, en) = 0, explain.target_met(*spec.name, before, target)
    elif s.status == "infeasible":
        k = None
        zh, en = explain.share_target_out_of_reach(spec.name, spec.unit_zh, best, target,
                                                   n - s.params["max_coverable"])
    else:
        k = int(s.objective)
        after = (spec.group & s.covered).sum() / n
        zh, en = explain.share_target_reached(k, spec.what, spec.name, target, before, after, _proof_note(s))
    return {"indicator": spec.key, "target": target, "value_before": before, "best": best,
            "reached_at_k": k, "value_after": after, "method": "partial-cover MILP (fewest sites)",
            "text_zh": zh, "text_en": en}


def _township_target_row(problem: SitingProblem, n_town: int) -> dict[str, Any]:
    """New centres in townships without one needed for the township-centre target."""
    study = set(study_townships(problem))
    have = _townships(problem.existing) & study
    avail = {str(t) for t in problem.usable["township"].fillna("").astype(str) if str(t) in study - have}
    target = problem.config.targets.township_centre_share_2025
    need = int(math.ceil(target * n_town - 1e-9)) - len(have)
    before, best = len(have) / n_town, (len(have) + len(avail)) / n_town
    name = ("乡镇(街道)有中心的比例", "of townships with a centre")
    if need <= 0:
        k, (zh, en) = 0, explain.target_met(*name, before, target)
    elif need <= len(avail):
        k, (zh, en) = need, explain.township_target_reached(need, name, target)
    else:
        k, (zh, en) = None, explain.township_target_out_of_reach(len(avail), name, best, target)
    return {"indicator": "township_centre_coverage", "target": target, "value_before": before, "best": best,
            "reached_at_k": k, "value_after": np.nan, "method": "count of townships without a centre",
            "text_zh": zh, "text_en": en}


def _centres_row(problem: SitingProblem, n_town: int, curve: pd.DataFrame, gaps: pd.DataFrame) -> dict[str, Any]:
    """The township plan's row: townships with a centre before and after the proposal, and the gaps."""
    first, last = curve.iloc[0], curve.iloc[-1]
    before, after = first["townships_with_centre"] / n_town, last["townships_with_centre"] / n_town
    missing = gaps[gaps["gap_kind"] == "no_centre"]
    closed = int(missing["closed_by"].notna().sum())
    n_over = int(((gaps["gap_kind"] == "overload") & gaps["closed_by"].notna()).sum())
    zh, en = explain.centres_summary(len(missing), closed, len(missing) - closed, n_over)
    b, a = fmt_share(before, 0), fmt_share(after, 0)
    return {"indicator": "township_centre_coverage", "target": problem.config.targets.township_centre_share_2025,
            "value_before": before, "best": np.nan, "reached_at_k": int(last["k"]), "value_after": after,
            "method": "gap by gap (rule)", "text_zh": f"{zh}；乡镇(街道)有中心的比例 {b} → {a}",
            "text_en": f"{en}; townships with a centre {b} -> {a}"}


def target_points(problem: SitingProblem, sol: _locate.Solution | None = None, curve: pd.DataFrame | None = None,
                  gaps: pd.DataFrame | None = None) -> pd.DataFrame:
    """The new sites each policy target of the tier needs (:data:`TARGET_COLUMNS`).

    For the ``target`` model the village row is the proposal ``sol`` itself; for ``centres`` the
    township row reads the proposal's ``curve`` and ``gaps``.
    """
    rows = []
    for spec in _share_targets(problem):
        if problem.options.model == "target" and spec.key == "village_facility_coverage" and sol is not None \
                and spec.group.any():
            rows.append(_village_row_from(problem, spec, sol))
        else:
            row = _share_target_row(problem, spec)
            if row is not None:
                rows.append(row)
    if problem.options.tier == "township":
        n_town = _township_count(problem)
        if n_town and problem.options.model == "centres" and curve is not None and gaps is not None:
            rows.append(_centres_row(problem, n_town, curve, gaps))
        elif n_town:
            rows.append(_township_target_row(problem, n_town))
    out = pd.DataFrame(rows, columns=TARGET_COLUMNS)
    out["reached_at_k"] = pd.array([pd.NA if v is None else v for v in out["reached_at_k"]], dtype="Int64")
    return out


def _township_count(problem: SitingProblem) -> int:
    """Townships of the study (boundaries, else the settlements' township names)."""
    return len(study_townships(problem))


def older_target(targets: pd.DataFrame, k: int, before: float, after: float) -> pd.DataFrame:
    """``targets`` with a row for the share of older people covered before and after the ``k`` proposed sites."""
    if not (math.isfinite(before) and math.isfinite(after)):
        return targets
    zh, en = explain.older_share_change(k, before, after)
    row = {"indicator": "older_covered_share", "target": np.nan, "value_before": before, "best": np.nan,
           "reached_at_k": pd.NA, "value_after": after, "method": "the proposal", "text_zh": zh, "text_en": en}
    new = pd.DataFrame([row], columns=TARGET_COLUMNS)
    out = pd.concat([targets, new], ignore_index=True) if len(targets) else new
    out["reached_at_k"] = out["reached_at_k"].astype("Int64")
    return out


def curve_and_targets(problem: SitingProblem, sol: _locate.Solution, out: SitingOutcome,
                      gaps: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """The policy targets, the coverage curve and the curve method.

    The curve runs to ``curve_k``, else the largest of ``p``, the model's site count and the target
    points (at most :data:`CURVE_CAP`); for the ``target`` and ``centres`` models it is the proposal's
    own prefixes.

    Returns
    -------
    tuple
        (targets with the older-share row, curve, curve method).
    """
    o = problem.options
    w = problem.weights
    tot = float(w.sum())
    before = float(w[out.covered_before].sum()) / tot if tot else math.nan
    after = float(w[out.covered_after].sum()) / tot if tot else math.nan
    if o.model in ("target", "centres"):
        curve, how = coverage_curve(problem, len(sol.opened), sol)
        targets = target_points(problem, sol, curve, gaps)
    else:
        targets = target_points(problem)
        reached = [int(k) for k in targets["reached_at_k"].dropna()]
        k_max = int(o.curve_k) if o.curve_k is not None else min(
            max([o.p if o.model != "lscp" else 0, len(sol.opened)] + reached), CURVE_CAP)
        curve, how = coverage_curve(problem, k_max)
    return older_target(targets, len(sol.opened), before, after), curve, how
