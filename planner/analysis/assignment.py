"""Capacity-aware assignment of settlements to township centres (乡镇区域养老服务中心).

The province's plan lays rural regional centres out so that one serves about
10,000 resident older people (服务覆盖1万人左右常住老年人口, seed 001 §二(二)).
"Nearest centre" coverage ignores that: one centre may be the nearest for
three times its capacity.  This module assigns every settlement (village or
community) to one township-tier centre by travel time **respecting capacity**.

Model (solved exactly as a MILP with HiGHS through :mod:`planner.optim`)
-----------------------------------------------------------------------
For settlements ``i`` with older population ``w_i`` and centres ``j`` with
capacity ``c_j`` and travel time ``t_ij`` (settlement -> centre):

* ``x_ij`` binary, only for pairs with ``t_ij <= threshold_i`` (and
  ``w_i <= c_j``): settlement ``i`` is served by ``j`` (unsplittable).
* ``u_i`` binary: ``i`` is left unassigned.
* ``sum_j x_ij + u_i = 1`` for every ``i``; ``sum_i w_i x_ij <= c_j``.
* minimise ``sum_ij a_i t_ij x_ij + sum_i P a_i u_i`` with ``a_i = max(w_i, 1)``
  (a settlement with no recorded older people still counts as one person, so
  it goes to its nearest centre) and ``P`` a large per-person penalty
  (default 100 times the longest threshold in minutes): the model serves as
  many older people as it can, then minimises older-weighted travel time.
* The settlements and centres linked by within-threshold pairs fall apart into
  independent pieces (one per cluster of townships); each is solved on its own.
* This is :class:`planner.optim.AssignmentModel` (the model the capacitated
  MCLP and p-median use) with every centre open and ``u`` binary.

Second stage: a settlement the model cannot serve within the threshold and
capacity is sent to its *nearest reachable* centre.  It is flagged
``BEYOND_THRESHOLD`` when that centre is beyond its threshold and
``OVER_CAPACITY`` when that centre ends up over capacity.  Settlements no
centre can reach at all are flagged ``NO_REACHABLE_CENTRE``.

:func:`assign_capacitated` is the numeric core on plain arrays
(:mod:`~planner.analysis.assignment_core`); :func:`township_assignment` is the
(Geo)DataFrame adapter used by :mod:`planner.analysis.coverage`
(:mod:`~planner.analysis.assignment_township`).  :func:`assign_brute_force`
enumerates every assignment of a tiny case (the reference the MILP is tested
against, :mod:`~planner.analysis.assignment_reference`).  Flags are
:class:`planner.codes.AssignmentFlag` / :class:`planner.codes.CoverageReason`
members; the ``FLAG_*`` names are aliases of them.
"""

from __future__ import annotations

# the flag and stage constants stay importable from here (explicit re-exports, not in __all__); the penalty
# factor is not re-exported: it is read in assignment_core, so a copy here could be set to no effect
from planner.analysis.assignment_core import FLAG_BEYOND_THRESHOLD as FLAG_BEYOND_THRESHOLD
from planner.analysis.assignment_core import FLAG_NO_REACHABLE_CENTRE as FLAG_NO_REACHABLE_CENTRE
from planner.analysis.assignment_core import FLAG_OVER_CAPACITY as FLAG_OVER_CAPACITY
from planner.analysis.assignment_core import STAGE_NONE as STAGE_NONE
from planner.analysis.assignment_core import STAGE_SPILL as STAGE_SPILL
from planner.analysis.assignment_core import STAGE_WITHIN as STAGE_WITHIN
from planner.analysis.assignment_core import AssignmentSolution, assign_capacitated
from planner.analysis.assignment_reference import assign_brute_force, assignment_objective
from planner.analysis.assignment_township import TownshipAssignment, township_assignment

__all__ = [
    "AssignmentSolution",
    "TownshipAssignment",
    "assign_capacitated",
    "assign_brute_force",
    "township_assignment",
    "assignment_objective",
]
