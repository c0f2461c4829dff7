"""The one capacitated assignment model: demands to capacitated sites over reachable pairs.

Used by the capacitated MCLP and p-median here and by the township-centre
assignment of :mod:`planner.analysis`.  Variables, in this order:

* ``x_j`` (0-1), one per candidate site that may be opened;
* ``z_ij``, one per pair: demand ``i`` served by site ``j`` (binary, or a
  share in [0, 1] when ``splittable``);
* ``u_i``, one per demand in ``must_assign`` when ``unserved_cost`` is given:
  demand ``i`` is left unserved (continuous unless ``integral_unserved``).

Constraints, in this order:

* each demand at most once, ``sum_j z_ij <= 1``, or exactly once with its
  ``u``: ``sum_j z_ij + u_i = 1``;
* ``z_ij <= x_j`` for pairs on candidate sites;
* capacity, for every site with a finite capacity used by some pair:
  ``sum_i load_i z_ij <= C_j`` (fixed) or ``<= C_j x_j`` (candidate);
* ``sum_j x_j <= p`` (unless ``p`` is ``None``).

Objective: ``open_cost . x + pair_cost . z + unserved_cost . u``, maximised or minimised.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from planner.optim.milp import Milp, MilpResult, solve_milp

__all__ = ["AssignmentModel", "AssignmentAnswer", "build_assignment_milp", "solve_assignment", "best_share"]


@dataclass(frozen=True, eq=False)
class AssignmentModel:
    """A capacitated assignment problem (see the module docstring).

    Attributes
    ----------
    n_demands, n_sites : int
    rows, cols : ndarray of int
        Demand and site of each pair.
    pair_cost : ndarray
        Objective coefficient of each pair's ``z``.
    load : ndarray
        Per demand, what it takes of a site's capacity.
    capacity : ndarray
        Per site (``inf`` = no limit).
    fixed : ndarray of bool
        Per site: always open (its capacity is a constant).
    candidates : ndarray of int
        Sites that may be opened (one ``x`` each).
    open_cost : ndarray
        Objective coefficient of each candidate's ``x``.
    p : int or None
        Most candidates to open; ``None``: no such row (nothing to open).
    splittable : bool
        ``z`` continuous instead of binary.
    must_assign : ndarray of bool, optional
        Demands that are served or pay ``unserved_cost``.
    unserved_cost : ndarray, optional
        Per demand, the objective coefficient of its ``u`` (no ``u`` when ``None``).
    integral_unserved : bool
        ``u`` binary instead of continuous.
    maximise : bool
    """

    n_demands: int
    n_sites: int
    rows: np.ndarray
    cols: np.ndarray
    pair_cost: np.ndarray
    load: np.ndarray
    capacity: np.ndarray
    fixed: np.ndarray
    candidates: np.ndarray
    open_cost: np.ndarray
    p: int | None
    splittable: bool = False
    must_assign: np.ndarray | None = None
    unserved_cost: np.ndarray | None = None
    integral_unserved: bool = False
    maximise: bool = False

    @property
    def n_open(self) -> int:
        """Number of ``x`` variables."""
        return len(self.candidates)

    @property
    def n_pairs(self) -> int:
        """Number of ``z`` variables."""
        return len(self.rows)

    def unserved_rows(self) -> np.ndarray:
        """Demands with a ``u`` variable."""
        if self.unserved_cost is None or self.must_assign is None:
            return np.zeros(0, int)
        return np.flatnonzero(self.must_assign)


@dataclass(frozen=True, eq=False)
class AssignmentAnswer:
    """The solved assignment: HiGHS' result, the opened candidates' ``x`` and the pairs' ``z``."""

    milp: MilpResult
    x: np.ndarray
    z: np.ndarray


def _once_rows(m: AssignmentModel, nv: int) -> tuple[sp.csr_array, np.ndarray, np.ndarray]:
    """Each demand served at most once, or exactly once counting its ``u``."""
    nx, nz = m.n_open, m.n_pairs
    zidx = nx + np.arange(nz)
    ua = m.unserved_rows()
    r_all = np.concatenate([m.rows, ua])
    c_all = np.concatenate([zidx, nx + nz + np.arange(len(ua))])
    M = sp.csr_array((np.ones(len(r_all)), (r_all, c_all)), shape=(m.n_demands, nv))
    dem_rows = np.unique(r_all)
    eq = m.must_assign[dem_rows] if len(ua) else np.zeros(len(dem_rows), bool)
    return M[dem_rows], np.where(eq, 1.0, -np.inf), np.ones(len(dem_rows))


def _link_rows(m: AssignmentModel, nv: int, xpos: np.ndarray) -> tuple[sp.csr_array, np.ndarray, np.ndarray]:
    """``z_ij <= x_j`` for the pairs on candidate sites."""
    zidx = m.n_open + np.arange(m.n_pairs)
    on_cand = xpos[m.cols] >= 0
    k = int(on_cand.sum())
    Z = sp.csr_array((np.concatenate([np.ones(k), -np.ones(k)]),
                      (np.concatenate([np.arange(k)] * 2),
                       np.concatenate([zidx[on_cand], xpos[m.cols[on_cand]]]))), shape=(k, nv))
    return Z, np.full(k, -np.inf), np.zeros(k)


def _capacity_rows(m: AssignmentModel, nv: int, xpos: np.ndarray) -> tuple[sp.csr_array, np.ndarray, np.ndarray]:
    """``sum_i load_i z_ij - C_j x_j <= 0`` (candidates), ``<= C_j`` (fixed), for finite capacities in use."""
    cap = m.capacity
    capped = np.flatnonzero(np.isfinite(cap) & np.isin(np.arange(m.n_sites), np.unique(m.cols)))
    crow = np.full(m.n_sites, -1)
    crow[capped] = np.arange(len(capped))
    sel = crow[m.cols] >= 0
    cx = capped[xpos[capped] >= 0]
    rr = np.concatenate([crow[m.cols[sel]], crow[cx]])
    cc = np.concatenate([(m.n_open + np.arange(m.n_pairs))[sel], xpos[cx]])
    vv = np.concatenate([m.load[m.rows[sel]], -cap[cx]])
    C = sp.csr_array((vv, (rr, cc)), shape=(len(capped), nv))
    return C, np.full(len(capped), -np.inf), np.where(m.fixed[capped], cap[capped], 0.0)


def build_assignment_milp(m: AssignmentModel) -> Milp:
    """The :class:`~planner.optim.milp.Milp` of an :class:`AssignmentModel`."""
    nx, nz = m.n_open, m.n_pairs
    ua = m.unserved_rows()
    nu = len(ua)
    nv = nx + nz + nu
    xpos = np.full(m.n_sites, -1)
    xpos[m.candidates] = np.arange(nx)
    blocks = [_once_rows(m, nv)]
    if int((xpos[m.cols] >= 0).sum()):
        blocks.append(_link_rows(m, nv, xpos))
    cap_block = _capacity_rows(m, nv, xpos)
    if cap_block[0].shape[0]:
        blocks.append(cap_block)
    if m.p is not None:
        card = sp.csr_array((np.ones(nx), (np.zeros(nx, int), np.arange(nx))), shape=(1, nv))
        blocks.append((card, np.array([-np.inf]), np.array([float(m.p)])))
    u_cost = m.unserved_cost[ua] if nu else np.zeros(0)
    c = np.concatenate([m.open_cost, m.pair_cost, u_cost])
    integ = np.concatenate([np.ones(nx), np.full(nz, 0 if m.splittable else 1),
                            np.full(nu, 1 if m.integral_unserved else 0)])
    A = sp.vstack([b[0] for b in blocks]).tocsr()
    return Milp(c, A, np.concatenate([b[1] for b in blocks]), np.concatenate([b[2] for b in blocks]), integ,
                maximise=m.maximise)


def solve_assignment(m: AssignmentModel, *, time_limit_s: float, mip_gap: float, what: str = "the model",
                     advice: str = "raise [siting] time_limit_s") -> AssignmentAnswer:
    """Build and solve the assignment model with HiGHS.

    Parameters
    ----------
    m : AssignmentModel
    time_limit_s, mip_gap : float
        HiGHS limits.
    what, advice : str
        For the error message when HiGHS finds no solution.

    Returns
    -------
    AssignmentAnswer

    Raises
    ------
    SolverError
        When HiGHS returns no solution.
    """
    res = solve_milp(build_assignment_milp(m), time_limit_s=time_limit_s, mip_gap=mip_gap, what=what, advice=advice)
    nx = m.n_open
    return AssignmentAnswer(res, res.x[:nx], res.x[nx:nx + m.n_pairs])


def best_share(rows: np.ndarray, cols: np.ndarray, z: np.ndarray, n_dem: int) -> np.ndarray:
    """Per demand, the site with its largest assigned share (-1 when none; ties within 1e-6: the first pair)."""
    site = np.full(n_dem, -1)
    z = np.asarray(z, dtype=float)
    pos = np.flatnonzero(z > 1e-6)
    if not len(pos):
        return site
    top = np.zeros(n_dem)
    np.maximum.at(top, rows[pos], z[pos])
    near = pos[z[pos] >= top[rows[pos]] - 1e-6]  # in pair order
    first = near[::-1]  # assigning in reverse leaves the first pair of each demand
    site[rows[first]] = cols[first]
    return site
