"""Numeric core of location-allocation: LSCP, MCLP and p-median on matrices (the public solvers).

Everything here works on plain arrays, so it can be checked by hand and
against spopt; :mod:`planner.siting` turns study layers into these matrices
and the answers back into layers.

Conventions
-----------
*Demands* are rows (settlements), *sites* are columns.  A site is either
*fixed* (an existing facility: always open, not counted in ``p``) or a
*candidate* (may be opened).  Every solver is one function call that returns
an immutable :class:`Solution`; nothing has to be called in order.

``cover``
    Boolean matrix, demands x sites: ``True`` where the site serves the
    demand within the threshold.  scipy.sparse (any format) or dense.
``times``
    Travel times, demands x sites.  scipy.sparse: the *stored* entries are
    the reachable pairs (explicit zeros are kept and mean "0 s"; entries that
    are ``inf`` are ignored); dense: ``inf`` (or NaN) means unreachable.
``weights``
    Demand weights (older population); NaN is treated as 0.

Fixed sites' coverage counts as already given: in the uncapacitated LSCP and
MCLP the demands they cover are dropped before solving.  Demands that no
site at all (fixed or candidate) can cover or reach are *not* a reason for
the model to fail: they are listed in :attr:`Solution.uncoverable` and kept
out of the model.

p-median and unreachable demands
--------------------------------
Only reachable pairs enter the model (a sparse formulation).  A demand that
some site can reach, but no *open* site does, is "unserved" and pays
``unserved_penalty`` seconds (default: twice the largest reachable time in
the matrix, 1 s when every time is 0, so it always costs more than any real
assignment).  The penalty
is part of the objective and is reported separately
(:attr:`Solution.unserved`); demands nobody can reach are constant and are
left out entirely (:attr:`Solution.uncoverable`).

Capacitated variants
--------------------
``capacity`` (per site, in the units of ``weights``; ``inf`` = no limit)
turns MCLP and p-median into assignment models with variables ``z_ij``:
``sum_i w_i z_ij <= C_j x_j`` and ``z_ij <= x_j``.  Assignment is
*unsplittable* by default (``z`` binary: a village goes to one centre as a
whole); ``splittable=True`` lets ``z`` be fractional (an LP-like relaxation
of the assignment, exact when centres may share villages).  In the
capacitated models fixed sites take part in the assignment with their own
capacity, so demands they already cover may be moved to a new site to make
room.

Exact and greedy
----------------
``method="exact"`` solves the MILP with HiGHS (:func:`scipy.optimize.milp`)
under ``time_limit_s`` (through the one wrapper, :mod:`planner.optim.milp`)
and reports HiGHS' status, best bound and relative gap.  ``method="greedy"``
adds one site at a time, the one with the largest marginal gain (lazy
evaluation: gains only shrink as sites are added, so a stale gain is an
upper bound and only the top of the heap is re-evaluated); its gap is
measured against the bound of the LP relaxation of the same model, which
HiGHS solves under the same time limit.  Gaps are relative:
``(bound - value) / |bound|`` for maximisation and ``(value - bound) / |value|``
for minimisation, so always >= 0.

Modules
-------
:mod:`~planner.optim.problem` (checked inputs), :mod:`~planner.optim.milp`
(HiGHS), :mod:`~planner.optim.assign` (the capacitated assignment model),
:mod:`~planner.optim.solution` (:class:`Solution`, ranking),
:mod:`~planner.optim.lscp`, :mod:`~planner.optim.mclp`, :mod:`~planner.optim.pmedian`.
Bad arguments raise :class:`~planner.errors.InputError`; a solver without a
solution raises :class:`~planner.errors.SolverError`.
"""

from __future__ import annotations

from planner.optim.lscp import solve_lscp, solve_partial_cover
from planner.optim.mclp import solve_mclp
from planner.optim.pmedian import solve_pmedian
from planner.optim.problem import cover_from_times
from planner.optim.solution import Solution

__all__ = ["Solution", "solve_lscp", "solve_mclp", "solve_pmedian", "solve_partial_cover", "cover_from_times"]
