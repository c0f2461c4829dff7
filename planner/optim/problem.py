"""Inputs of a location model: checked arrays in one frozen :class:`LocationProblem`.

The solvers take the user's matrices and options, check them here (bad
arguments raise :class:`~planner.errors.InputError`) and pass one
:class:`LocationProblem` between their stages instead of long argument lists.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from planner.errors import InputError
from planner.optim.milp import Milp, MilpResult, NoSolutionInTime, solve_milp

__all__ = ["LocationProblem", "build_problem", "as_cover", "reachable_pairs", "cover_from_times", "METHODS"]

#: Solution methods: the exact MILP, or lazy greedy with an LP bound.
METHODS = ("exact", "greedy")

EPS = 1e-9


def as_cover(cover: Any) -> sp.csr_array:
    """Boolean demands x sites matrix (CSR, no stored ``False``) from a sparse or dense cover."""
    if sp.issparse(cover):
        m = sp.csr_array(cover)
        m = sp.csr_array((m.data.astype(bool), m.indices, m.indptr), shape=m.shape)
        m.eliminate_zeros()
        return m
    return sp.csr_array(np.asarray(cover, dtype=bool))


def reachable_pairs(times: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[int, int]]:
    """(rows, cols, seconds, shape) of the reachable pairs (finite entries) of a travel-time matrix."""
    if sp.issparse(times):
        coo = sp.coo_array(times)
        r, c, v = coo.row, coo.col, np.asarray(coo.data, dtype=float)
        shape = coo.shape
    else:
        arr = np.asarray(times, dtype=float)
        shape = arr.shape
        r, c = np.nonzero(np.isfinite(arr))
        v = arr[r, c]
    ok = np.isfinite(v)
    if (v[ok] < 0).any():
        raise InputError("travel times must be >= 0")
    return r[ok].astype(np.int64), c[ok].astype(np.int64), v[ok], (int(shape[0]), int(shape[1]))


def cover_from_times(times: Any, threshold: float | np.ndarray) -> sp.csr_array:
    """Boolean demands x sites cover matrix: ``times <= threshold`` over reachable pairs.

    Parameters
    ----------
    times : sparse or ndarray
        Demands x sites seconds (see :mod:`planner.optim.locate`).
    threshold : float or ndarray
        Seconds; an array gives one threshold per demand.

    Returns
    -------
    scipy.sparse.csr_array of bool
    """
    r, c, v, shape = reachable_pairs(times)
    thr = np.broadcast_to(np.asarray(threshold, dtype=float), (shape[0],))
    keep = v <= thr[r] + EPS
    return sp.csr_array((np.ones(int(keep.sum()), dtype=bool), (r[keep], c[keep])), shape=shape)


def vector(x: Any, n: int, name: str, default: float = 0.0) -> np.ndarray:
    """``x`` as a float vector of length ``n`` (``default`` everywhere when ``None``)."""
    if x is None:
        return np.full(n, default, dtype=float)
    arr = np.asarray(x, dtype=float).reshape(-1)
    if arr.shape[0] != n:
        raise InputError(f"{name} has {arr.shape[0]} values for {n} rows/columns")
    return arr


def fixed_mask(fixed: Any, n: int) -> np.ndarray:
    """Boolean mask of fixed sites from a mask or a list of indices."""
    if fixed is None:
        return np.zeros(n, dtype=bool)
    arr = np.asarray(fixed)
    if arr.dtype == bool:
        if arr.shape[0] != n:
            raise InputError(f"fixed has {arr.shape[0]} flags for {n} sites")
        return arr.copy()
    out = np.zeros(n, dtype=bool)
    out[arr.astype(int)] = True
    return out


def _weights(weights: Any, n: int) -> np.ndarray:
    w = np.nan_to_num(vector(weights, n, "weights"), nan=0.0)
    if (w < 0).any():
        raise InputError("weights must be >= 0")
    return w


#: ``p`` of a model that has none (LSCP, partial cover): distinct from a user's ``None``, which is an error.
NO_P: Any = object()


def _check_p(p: int | None, n_cand: int) -> int:
    if p is None or p < 0:
        raise InputError(f"p (number of new sites) must be >= 0, got {p}")
    return int(min(p, n_cand))


def _check_method(method: str) -> str:
    if method not in METHODS:
        raise InputError(f"method must be 'exact' or 'greedy', not {method!r}")
    return method


@dataclass(frozen=True, eq=False)
class LocationProblem:
    """One location model's checked inputs and options (demands are rows, sites columns).

    Attributes
    ----------
    n_demands, n_sites : int
    weights : ndarray
        Demand weights (NaN -> 0; ones when the model has none).
    fixed : ndarray of bool
        Existing sites (always open, not counted in ``p``).
    preference : ndarray
        Per-site bonus, 0 on fixed sites.
    p : int
        New sites to open (at most the number of candidates; -1 when the model has no ``p``).
    capacity : ndarray or None
        Per-site capacity (``inf`` = none); ``None`` for the uncapacitated model.
    splittable : bool
    method : str
        ``"exact"`` or ``"greedy"``.
    time_limit_s, mip_gap : float
        HiGHS limits.
    t0 : float
        ``time.perf_counter()`` when the solve started.
    cover : scipy.sparse.csr_array of bool or None
        The demands x sites cover matrix when given to :func:`build_problem` (needed by
        :func:`planner.optim.cover_curve`).
    """

    n_demands: int
    n_sites: int
    weights: np.ndarray
    fixed: np.ndarray
    preference: np.ndarray
    p: int
    capacity: np.ndarray | None
    splittable: bool
    method: str
    time_limit_s: float
    mip_gap: float
    t0: float = field(default_factory=time.perf_counter)
    cover: sp.csr_array | None = None

    @property
    def candidates(self) -> np.ndarray:
        """Column indices of the candidate (not fixed) sites."""
        return np.flatnonzero(~self.fixed)

    @property
    def capacitated(self) -> bool:
        """True when the model has capacities."""
        return self.capacity is not None

    def fitting(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Per (demand, site) pair, whether the demand may use the site.

        Unsplittable demand only where the site's capacity holds all of it; every pair when the
        model is uncapacitated or splittable.
        """
        if self.capacity is None or self.splittable:
            return np.ones(len(rows), bool)
        return self.weights[rows] <= self.capacity[cols] + EPS

    def elapsed(self) -> float:
        """Seconds since the solve started."""
        return time.perf_counter() - self.t0

    def params(self, head: dict | None = None, **tail: Any) -> dict:
        """Size, ``p``, ``head``, the HiGHS limits and ``tail``, for :attr:`Solution.params`."""
        out = {"n_demands": self.n_demands, "n_sites": self.n_sites, "n_fixed": int(self.fixed.sum())}
        if self.p >= 0:
            out["p"] = self.p
        out.update(head or {})
        out.update(time_limit_s=self.time_limit_s, mip_gap=self.mip_gap)
        out.update(tail)
        return out

    def remaining(self) -> float:
        """Seconds left of ``time_limit_s`` (at least 0.05, so HiGHS still gets a moment)."""
        return max(self.time_limit_s - self.elapsed(), 0.05)

    def lp_bound(self, model: Milp, offset: float = 0.0) -> tuple[float, str]:
        """The LP relaxation's bound (plus ``offset``) and a note; NaN when it is not solved in the time left."""
        try:
            return self.solve(model, relax=True).score + offset, "bound from the LP relaxation"
        except NoSolutionInTime:
            return float("nan"), "the LP-relaxation bound was not computed in time (gap unknown)"

    def solve(self, model: Milp, *, relax: bool = False, start: np.ndarray | None = None) -> MilpResult:
        """Solve ``model`` with HiGHS in the time left, from the feasible ``start`` when given."""
        return solve_milp(model, time_limit_s=self.remaining(), mip_gap=self.mip_gap, relax=relax, start=start)


def build_problem(
    shape: tuple[int, int],
    *,
    model: str,
    weights: Any = None,
    p: Any = NO_P,
    fixed: Any = None,
    preference: Any = None,
    capacity: Any = None,
    splittable: bool = False,
    method: str = "exact",
    time_limit_s: float = 60.0,
    mip_gap: float = 0.0,
    cover: Any = None,
) -> LocationProblem:
    """Check the user's arguments and return the :class:`LocationProblem`.

    Parameters
    ----------
    shape : (int, int)
        Demands x sites.
    model : str
        Model name for messages (``"LSCP"``, ``"MCLP"``, ``"p-median"``).
    weights : array, optional
        ``None``: every demand weighs 1 (LSCP, partial cover).
    p : int
        The user's ``p`` (checked: ``None`` or negative is an :class:`InputError`); leave it out
        (:data:`NO_P`) for models without one (LSCP, partial cover).
    fixed, preference, capacity, splittable, method, time_limit_s, mip_gap
        As for the solvers.
    cover : sparse or ndarray, optional
        Demands x sites cover matrix of shape ``shape``, kept on the problem (for
        :func:`planner.optim.cover_curve`).

    Raises
    ------
    InputError
        For a wrong length, negative weights or times, ``p < 0`` or an unknown method.
    """
    t0 = time.perf_counter()
    cov = None if cover is None else as_cover(cover)
    if cov is not None and tuple(cov.shape) != tuple(shape):
        raise InputError(f"cover has shape {cov.shape}, the problem {tuple(shape)}")
    n_dem, n_site = shape
    w = np.ones(n_dem) if weights is None else _weights(weights, n_dem)
    fx = fixed_mask(fixed, n_site)
    pref = vector(preference, n_site, "preference")
    pref[fx] = 0.0
    n_cand = int((~fx).sum())
    pp = -1 if p is NO_P else _check_p(p, n_cand)
    cap = None if capacity is None else vector(capacity, n_site, "capacity", np.inf)
    method = _check_method(method)
    return LocationProblem(n_dem, n_site, w, fx, pref, pp, cap, splittable, method, time_limit_s, mip_gap, t0, cov)
