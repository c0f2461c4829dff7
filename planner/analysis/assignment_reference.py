"""Reference for tiny cases: the assignment objective and the best assignment by exhaustive enumeration.

The MILP of :func:`planner.analysis.assignment.assign_capacitated` is tested against these.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from planner.analysis.assignment_core import CAPACITY_TOL, objective_weights, prepare_inputs
from planner.errors import InputError

__all__ = ["assignment_objective", "assign_brute_force"]


def assignment_objective(
    centre: np.ndarray, times_s: Any, demand: Any, *, penalty_per_person: float
) -> float:
    """Objective of an assignment (minutes; ``centre == -1`` = unassigned).

    Parameters
    ----------
    centre
        Centre index per settlement, ``-1`` for unassigned.
    times_s, demand
        As for :func:`assign_capacitated`.
    penalty_per_person
        ``P`` in the module docstring.

    Returns
    -------
    float
    """
    t = np.asarray(times_s, dtype=float)
    w = np.nan_to_num(np.asarray(demand, dtype=float), nan=0.0)
    a = objective_weights(w)
    centre = np.asarray(centre)
    obj = 0.0
    for i, j in enumerate(centre):
        obj += penalty_per_person * a[i] if j < 0 else a[i] * t[i, j] / 60.0
    return float(obj)


def assign_brute_force(
    times_s: Any,
    demand: Any,
    capacity: Any,
    *,
    threshold_s: float | np.ndarray,
    penalty_per_person: float | None = None,
    max_combinations: int = 2_000_000,
) -> tuple[np.ndarray, float]:
    """Best first-stage assignment by exhaustive enumeration (reference for tiny cases).

    Parameters
    ----------
    times_s, demand, capacity, threshold_s, penalty_per_person
        As for :func:`assign_capacitated`.
    max_combinations : int
        Refuse cases with more combinations than this.

    Returns
    -------
    centre : int64 (n,)
        Centre per settlement, ``-1`` unassigned.
    objective : float
        Its objective (same definition as the MILP).
    """
    inp = prepare_inputs(times_s, demand, capacity, threshold_s)
    n, k, w, c, thr = inp.n, inp.k, inp.w, inp.c, inp.thr
    t = np.full((n, k), np.inf)
    t[inp.pi, inp.pj] = inp.pt
    P = inp.penalty(penalty_per_person)
    options = [[-1] + [j for j in range(k) if t[i, j] <= thr[i] and w[i] <= c[j] + CAPACITY_TOL] for i in range(n)]
    total = int(np.prod([len(o) for o in options], dtype=float))
    if total > max_combinations:
        raise InputError(f"{total} combinations: too many for brute force (max {max_combinations})")
    best, best_obj = None, np.inf
    for combo in itertools.product(*options):
        load = np.zeros(k)
        for i, j in enumerate(combo):
            if j >= 0:
                load[j] += w[i]
        if np.any(load > c + CAPACITY_TOL):
            continue
        obj = assignment_objective(np.array(combo), t, w, penalty_per_person=P)
        if obj < best_obj - CAPACITY_TOL:
            best, best_obj = np.array(combo, dtype=np.int64), obj
    assert best is not None  # all-unassigned is always feasible
    return best, float(best_obj)
