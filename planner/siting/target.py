"""The village model: the fewest new village-level points that bring the share of villages covered to the target.

The plans ask that 80 % of villages (the target's own unit: a count of
villages, 村, not of older people; communities do not count in the share)
have a mutual-aid facility within reach (POLICY.md, 002 indicators).  This is
solved as that problem, :func:`planner.optim.solve_partial_cover`: minimum
new sites subject to "at least ``ceil(target x villages)`` villages covered",
the tier's existing facilities open and counted.  The chosen sites are then
listed in order of marginal gain (villages newly covered, given the sites
listed before them; between equal gains, the site newly serving more older
people first), so the sentence, the curve (the list's prefixes) and the
list are one solution.  A candidate that covers no village not already
covered is never listed, whatever its type (a community may be proposed only
when it serves villages).

When even every usable candidate together cannot reach the target, the model
covers every village some candidate can reach, with the fewest sites, and the
target row says how far short that is.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from planner.optim import Solution, covered_by, solve_partial_cover
from planner.siting.problem import SitingProblem

__all__ = ["village_group", "villages_needed", "solve_village_target"]


def village_group(problem: SitingProblem) -> np.ndarray:
    """True for the settlements that count in the village share (kind ``village``)."""
    return problem.kind == "village"


def villages_needed(problem: SitingProblem) -> int:
    """Villages that must be covered for the target share (``ceil(target x villages)``)."""
    n = int(village_group(problem).sum())
    return int(math.ceil(problem.config.targets.village_facility_share * n - 1e-9))


def _partial(problem: SitingProblem, need: int) -> Solution:
    sc = problem.siting
    kw = {"fixed": problem.fixed, "time_limit_s": sc.time_limit_s, "mip_gap": sc.mip_gap}
    if problem.method == "greedy":
        kw["method"] = "greedy"
    return solve_partial_cover(problem.cover, village_group(problem), need, tie_weights=problem.weights, **kw)


def solve_village_target(problem: SitingProblem) -> Solution:
    """Fewest new sites covering the target share of villages, ranked by villages newly covered.

    Parameters
    ----------
    problem : SitingProblem
        A community-tier problem (its settlements' ``kind`` tells villages from communities).

    Returns
    -------
    planner.optim.Solution
        The partial-cover answer; ``params`` adds ``target_reached`` (bool),
        ``villages`` (count), ``villages_needed`` and ``villages_after``
        (covered by the existing and the proposed sites together).  When the
        target is out of reach, the sites cover every coverable village.
    """
    group = village_group(problem)
    need = villages_needed(problem)
    sol = _partial(problem, need)
    reached = sol.status != "infeasible"
    if not reached:
        sol = _partial(problem, int(sol.params["max_coverable"]))
    open_mask = problem.fixed.copy()
    open_mask[np.asarray(sol.opened, dtype=int)] = True
    after = covered_by(problem.cover, open_mask)
    params = dict(sol.params, target_reached=reached, villages=int(group.sum()), villages_needed=need,
                  villages_after=int((after & group).sum()))
    return dataclasses.replace(sol, params=params)
