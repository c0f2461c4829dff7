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

import math
import time
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from planner.optim import locate as _locate
from planner.siting import explain
from planner.siting.problem import SitingProblem

__all__ = ["CURVE_CAP", "TARGET_COLUMNS", "coverage_curve", "target_points", "older_target", "curve_and_targets"]

#: Largest default k of the coverage curve.
CURVE_CAP = 100

TARGET_COLUMNS = ["indicator", "target", "value_before", "best", "reached_at_k", "method", "text_zh", "text_en"]


# --------------------------------------------------------------------------- the curve


def _greedy_solutions(problem: SitingProblem, k_max: int) -> list[tuple[np.ndarray, list[int]]]:
    """(covered, opened) for k = 0..k_max from one incremental greedy run."""
    cover, w, fixed = problem.cover, problem.weights, problem.fixed
    sol = _locate.solve_mclp(cover, w, k_max, fixed=fixed, method="greedy", time_limit_s=problem.siting.time_limit_s)
    covered0 = np.asarray(_locate.solve_mclp(cover, w, 0, fixed=fixed).covered)
    cred = np.asarray(sol.credited)
    order = list(sol.opened)
    return [(covered0 | np.isin(cred, order[:k]), order[:k]) for k in range(k_max + 1)]


def _exact_solutions(problem: SitingProblem, k_max: int) -> list[tuple[np.ndarray, list[int]]]:
    """(covered, opened) for k = 0..k_max, MCLP re-solved for each k within one time budget."""
    sc, o = problem.siting, problem.options
    it: Any = range(k_max + 1)
    if o.verbose:
        from tqdm.auto import tqdm

        it = tqdm(it, desc="coverage curve")
    out = []
    deadline = time.perf_counter() + sc.time_limit_s
    for k in it:
        left = max(deadline - time.perf_counter(), 1.0)
        s = _locate.solve_mclp(problem.cover, problem.weights, k, fixed=problem.fixed, capacity=problem.capacity,
                               splittable=o.splittable, time_limit_s=left, mip_gap=sc.mip_gap)
        out.append((np.asarray(s.covered, bool), list(s.opened)))
    return out


def _townships(frame: pd.DataFrame) -> set[str]:
    """The non-empty ``township`` names of ``frame``."""
    return {str(t) for t in frame.get("township", pd.Series(dtype=str)).fillna("") if str(t)}


def _curve_row(problem: SitingProblem, k: int, cov: np.ndarray, opened: list[int], how: str,
               town_ex: set[str]) -> dict[str, Any]:
    w, is_v = problem.weights, problem.kind == "village"
    n_v, n_c = int(is_v.sum()), int((~is_v).sum())
    tot = float(w.sum())
    row = {"k": k, "covered_settlements": int(cov.sum()),
           "villages_covered": int((cov & is_v).sum()), "village_share": (cov & is_v).sum() / n_v if n_v else np.nan,
           "communities_covered": int((cov & ~is_v).sum()),
           "community_share": (cov & ~is_v).sum() / n_c if n_c else np.nan,
           "older_covered": float(w[cov].sum()), "older_share": float(w[cov].sum()) / tot if tot else np.nan,
           "method": how}
    if problem.options.tier == "township":
        towns = problem.usable["township"]
        n_ex = problem.n_existing
        row["townships_with_centre"] = len(town_ex | {str(towns.iloc[j - n_ex]) for j in opened
                                                      if str(towns.iloc[j - n_ex])})
    return row


def coverage_curve(problem: SitingProblem, k_max: int) -> tuple[pd.DataFrame, str]:
    """Coverage for ``k = 0..k_max`` new sites and how it was computed.

    Returns
    -------
    tuple
        The curve (``k``, ``covered_settlements``, ``villages_covered``,
        ``village_share``, ``communities_covered``, ``community_share``,
        ``older_covered``, ``older_share``, ``method``, and
        ``townships_with_centre`` for township centres) and the method text.
    """
    if problem.method == "greedy":
        sols = _greedy_solutions(problem, k_max)
        how = "incremental greedy (lazy), one run"
    else:
        sols = _exact_solutions(problem, k_max)
        how = "re-solved exactly for each k (MCLP" + (", capacitated)" if problem.capacity is not None else ")")
    town_ex = _townships(problem.existing)
    rows = [_curve_row(problem, k, cov, opened, how, town_ex)
            for k, (cov, opened) in zip(range(k_max + 1), sols, strict=True)]
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
    if s.status == "empty":
        k, (zh, en) = 0, explain.target_met(*spec.name, before, target)
    elif s.status == "infeasible":
        k = None
        zh, en = explain.share_target_out_of_reach(spec.name, spec.unit_zh, best, target,
                                                   n - s.params["max_coverable"])
    else:
        k = int(s.objective)
        after = (spec.group & s.covered).sum() / n
        zh, en = explain.share_target_reached(k, spec.what, spec.name, target, before, after,
                                              None if s.status == "optimal" else s.gap)
    return {"indicator": spec.key, "target": target, "value_before": before, "best": best,
            "reached_at_k": k, "method": "partial-cover MILP (fewest sites)", "text_zh": zh, "text_en": en}


def _township_count(problem: SitingProblem) -> int:
    """Townships of the study (boundaries, else the settlements' township names)."""
    data = problem.data
    if data.townships is not None:
        return len(data.townships)
    return len({t for t in problem.settlements["township"].astype(str) if t})


def _township_target_row(problem: SitingProblem, n_town: int) -> dict[str, Any]:
    """New centres in townships without one needed for the township-centre target."""
    have = _townships(problem.existing)
    avail = {str(t) for t in problem.usable["township"].fillna("").astype(str) if t and str(t) not in have}
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
            "reached_at_k": k, "method": "count of townships without a centre", "text_zh": zh, "text_en": en}


def target_points(problem: SitingProblem) -> pd.DataFrame:
    """The fewest new sites that reach each policy target of the tier (:data:`TARGET_COLUMNS`)."""
    rows = [r for r in (_share_target_row(problem, spec) for spec in _share_targets(problem)) if r is not None]
    if problem.options.tier == "township":
        n_town = _township_count(problem)
        if n_town:
            rows.append(_township_target_row(problem, n_town))
    out = pd.DataFrame(rows, columns=TARGET_COLUMNS)
    out["reached_at_k"] = pd.array([pd.NA if v is None else v for v in out["reached_at_k"]], dtype="Int64")
    return out


def older_target(targets: pd.DataFrame, curve: pd.DataFrame) -> pd.DataFrame:
    """``targets`` with a row for the share of older people covered along the curve."""
    if not len(curve) or curve["older_share"].isna().all():
        return targets
    k_max = int(curve["k"].max())
    before, after = float(curve["older_share"].iloc[0]), float(curve["older_share"].iloc[-1])
    zh, en = explain.older_share_change(k_max, before, after)
    row = {"indicator": "older_covered_share", "target": np.nan, "value_before": before,
           "best": float(curve["older_share"].max()), "reached_at_k": pd.NA, "method": str(curve["method"].iloc[0]),
           "text_zh": zh, "text_en": en}
    new = pd.DataFrame([row], columns=TARGET_COLUMNS)
    out = pd.concat([targets, new], ignore_index=True) if len(targets) else new
    out["reached_at_k"] = out["reached_at_k"].astype("Int64")
    return out


def curve_and_targets(problem: SitingProblem, sol: _locate.Solution) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """The policy targets, the coverage curve (to ``curve_k``, else the largest of ``p``, the model's
    site count and the target points, at most :data:`CURVE_CAP`) and the curve method.

    Returns
    -------
    tuple
        (targets with the older-share row, curve, curve method).
    """
    o = problem.options
    targets = target_points(problem)
    reached = [int(k) for k in targets["reached_at_k"].dropna()]
    k_max = int(o.curve_k) if o.curve_k is not None else min(
        max([o.p if o.model != "lscp" else 0, len(sol.opened)] + reached), CURVE_CAP)
    curve, how = coverage_curve(problem, k_max)
    return older_target(targets, curve), curve, how
