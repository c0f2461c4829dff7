"""How many settlements reach each facility within a cutoff, without listing the pairs.

:func:`planner.routing.reach_matrix` keeps every settlement x facility pair
within the cutoff: what a question about *which* settlement reaches *which*
facility needs (a capacitated assignment, a floating catchment, a siting
model).  Many questions only need, per facility, *how many* settlements (or
older people) lie within its threshold: :func:`reach_counts` runs the same
bounded searches (one per facility on the contracted graph with the points
attached, the same cutoff test, threads for big jobs) but adds up what each
search reaches inside the kernel instead of storing it, so its memory is one
search workspace per thread and two numbers per facility, whatever the
number of pairs (10,000 facilities x 9,000 settlements within 30 minutes by
car on the Harbin extract are tens of millions of pairs).

Which search answers which question (see ``docs/architecture.md``):

* covered or not, time to and name of the nearest facility:
  :func:`planner.routing.nearest_facility` (one search, no pairs);
* settlements / people within each facility's threshold: :func:`reach_counts`;
* who may go where within the threshold (assignment, catchments, siting):
  :func:`planner.routing.reach_matrix`.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from planner.errors import InputError
from planner.routing.contracted import attach
from planner.routing.graph import RoutingGraph
from planner.routing.parallel import bounded_counts
from planner.routing.queries import _check_cutoff

__all__ = ["ReachCounts", "reach_counts"]


@dataclass(frozen=True, eq=False)
class ReachCounts:
    """Per facility, the settlements that reach it within a cutoff: their number and total weight.

    Attributes
    ----------
    table : pandas.DataFrame
        Indexed like the facilities: ``settlements`` (int64, settlements
        whose time to the facility is ``<= cutoff_s``) and ``weight``
        (float64, the sum of their weights; the count when no weights were
        given).  A facility not linked to a road reaches nobody: ``0``.
    facility_snapping, settlement_snapping : pandas.DataFrame
        As in :class:`planner.routing.ReachMatrix`.
    cutoff_s : float
    profile : str
    n_unlinked_facilities : int
        Facilities farther than their ``max_snap_m`` from a road (not searched).
    """

    table: pd.DataFrame
    facility_snapping: pd.DataFrame
    settlement_snapping: pd.DataFrame
    cutoff_s: float
    profile: str
    n_unlinked_facilities: int


def _weights(settlements: gpd.GeoDataFrame | gpd.GeoSeries, weights: object) -> np.ndarray:
    """One finite float per settlement (a Series aligned on the settlements' index); InputError naming bad ids."""
    if weights is None:
        return np.zeros(0)
    if isinstance(weights, pd.Series):
        missing = settlements.index.difference(weights.index)
        if len(missing) or not weights.index.is_unique:
            raise InputError(
                f"weights must be given once for every settlement id; missing: {list(missing[:5])}"
                if len(missing) else "weights have duplicate ids: give one weight per settlement id"
            )
        weights = weights.reindex(settlements.index)
    w = np.asarray(weights, dtype=float).ravel()
    if w.shape[0] != len(settlements):
        raise InputError(f"weights must hold one number per settlement ({len(settlements)}), not {w.shape[0]}")
    bad = ~np.isfinite(w)
    if bad.any():
        raise InputError(
            f"weights must be finite numbers; settlements {list(settlements.index[bad][:5])} have "
            f"{w[bad][:5].tolist()} ({int(bad.sum())} in all): fill them (e.g. 0) before counting"
        )
    return w


def reach_counts(
    graph: RoutingGraph,
    facilities: gpd.GeoDataFrame | gpd.GeoSeries,
    settlements: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    cutoff_s: float,
    weights: np.ndarray | pd.Series | None = None,
    max_snap_m: float | np.ndarray | None = None,
    n_threads: int | None = None,
) -> ReachCounts:
    """Per facility, how many settlements reach it within ``cutoff_s`` and the sum of their weights.

    The searches of :func:`planner.routing.reach_matrix` (one bounded
    Dijkstra per facility on the reversed contracted graph, facilities split
    over threads), counted in the kernel: no pair is stored.  The count of a
    facility equals the number of entries in its row of
    ``reach_matrix(...).times``, and the weight the sum of the weights of
    those columns (up to the order in which floating-point sums are taken).

    Parameters
    ----------
    graph
        Graph from :meth:`RoutingGraph.from_network`.
    facilities, settlements
        Points (WGS84); ids are their indexes.
    cutoff_s
        Largest time counted (inclusive), seconds, settlement -> facility.
    weights
        One finite number per settlement (e.g. older people; a Series is
        aligned on the settlements' index), or None to count settlements.
    max_snap_m
        As in :func:`planner.routing.nearest_facility` (one number, or one per
        settlement followed by one per facility).
    n_threads
        Threads (default: numba's thread count, i.e. the cores).

    Returns
    -------
    ReachCounts
    """
    cutoff_s = _check_cutoff(cutoff_s)
    w = _weights(settlements, weights)
    at = attach(graph, settlements, facilities, max_snap_m)
    # unlinked facilities (node -1, access inf) are skipped by the kernel: 0 and 0.0
    counts, sums = bounded_counts(at.graph, at.f_node, cutoff_s, at.node_s_col, n_threads, start=at.f_access_s,
                                  target_time=at.node_s_access, col_weight=w)
    table = pd.DataFrame({"settlements": counts.astype(np.int64), "weight": sums}, index=facilities.index.copy())
    return ReachCounts(
        table=table,
        facility_snapping=at.snap_f,
        settlement_snapping=at.snap_s,
        cutoff_s=cutoff_s,
        profile=graph.profile.name,
        n_unlinked_facilities=int((at.f_node < 0).sum()),
    )
