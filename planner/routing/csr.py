"""Compressed-sparse-row building blocks: counting sort of arcs, parallel-arc merge, node orders.

:class:`SearchGraph` is the bare two-way CSR graph the search kernels of
:mod:`planner.routing.kernels` run on (the contracted graph of a query);
:class:`planner.routing.RoutingGraph` carries the same arrays with road
geometry besides.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

__all__ = ["Arcs", "SearchGraph", "counting_order", "dedupe_parallel", "arc_tails", "zorder", "split_order"]


@njit(cache=True)
def counting_order(n, key):  # pragma: no cover - numba
    """Stable counting sort of arcs by ``key`` (node index): (indptr, order)."""
    m = key.shape[0]
    indptr = np.zeros(n + 1, dtype=np.int64)
    for a in range(m):
        indptr[key[a] + 1] += 1
    for i in range(n):
        indptr[i + 1] += indptr[i]
    fill = indptr[:-1].copy()
    order = np.empty(m, dtype=np.int64)
    for a in range(m):
        k = key[a]
        order[fill[k]] = a
        fill[k] += 1
    return indptr, order


@njit(cache=True)
def dedupe_parallel(indptr, order, head, weight):  # pragma: no cover - numba
    """Keep, per (tail, head), the arc of least weight (ties: first arc)."""
    n = indptr.shape[0] - 1
    keep = np.ones(order.shape[0], dtype=np.bool_)
    for u in range(n):
        for i in range(indptr[u], indptr[u + 1]):
            if not keep[i]:
                continue
            ai = order[i]
            for j in range(i + 1, indptr[u + 1]):
                if keep[j] and head[order[j]] == head[ai]:
                    aj = order[j]
                    if weight[aj] < weight[ai]:
                        keep[i] = False
                        break
                    keep[j] = False
    return keep


def arc_tails(indptr: np.ndarray) -> np.ndarray:
    """Tail node of every arc of a CSR graph."""
    n = indptr.shape[0] - 1
    return np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))


def zorder(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Z-order (Morton) codes of points: 21 bits per axis over their bounding box, interleaved."""
    out = np.zeros(x.shape[0], dtype=np.uint64)
    if x.shape[0] == 0:
        return out
    codes = []
    for c in (x, y):
        lo, span = float(np.min(c)), float(np.ptp(c)) or 1.0
        q = ((c - lo) / span * (2**21 - 1)).astype(np.uint64)
        for shift, mask in ((16, 0x0000FFFF0000FFFF), (8, 0x00FF00FF00FF00FF), (4, 0x0F0F0F0F0F0F0F0F),
                            (2, 0x3333333333333333), (1, 0x5555555555555555)):
            q = (q | (q << np.uint64(shift))) & np.uint64(mask)
        codes.append(q)
    return codes[0] | (codes[1] << np.uint64(1))


def split_order(okp: np.ndarray, seg_of: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Linked points ``okp`` in the order segments are split: by segment, along it, then by position.

    :meth:`RoutingGraph.with_points` and the contracted graph both cut
    segments in this order; the contracted times equal the full graph's
    because the order (and so every piece) is the same.
    """
    return okp[np.lexsort((okp, t[okp], seg_of[okp]))]


@dataclass(frozen=True, eq=False)
class Arcs:
    """Road arcs with the segment each covers and the covered fractions along the segment's ``u -> v``
    (access legs: segment ``-1``, fractions NaN)."""

    tail: np.ndarray
    head: np.ndarray
    weight: np.ndarray
    segment: np.ndarray
    f0: np.ndarray
    f1: np.ndarray


@dataclass(frozen=True, eq=False)
class SearchGraph:
    """A bare directed graph in CSR form, both ways (what the search kernels run on)."""

    indptr: np.ndarray
    indices: np.ndarray
    weight: np.ndarray
    rev_indptr: np.ndarray
    rev_indices: np.ndarray
    rev_weight: np.ndarray

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.indptr.shape[0] - 1)

    @classmethod
    def from_arcs(cls, n: int, tail: np.ndarray, head: np.ndarray, weight: np.ndarray) -> SearchGraph:
        """The graph of ``n`` nodes with arcs ``tail -> head`` taking ``weight`` seconds (any order)."""
        indptr, order = counting_order(n, tail)
        rev_indptr, rorder = counting_order(n, head)
        return cls(
            indptr=indptr,
            indices=head[order].astype(np.int32),
            weight=weight[order],
            rev_indptr=rev_indptr,
            rev_indices=tail[rorder].astype(np.int32),
            rev_weight=weight[rorder],
        )
