"""Numba kernels for shortest travel times on a CSR graph, and the heap they share.

These are the inner loops of :mod:`planner.routing`; they know nothing about
roads, profiles or points.  A graph is three arrays in compressed sparse row
form: ``indptr`` (int64, n + 1), ``indices`` (int32, m, the arc heads) and
``weight`` (float64, m, seconds, non-negative).  :mod:`planner.routing` passes
the *reverse* graph so that searches started at facilities give times
*to* the facility.

Kernels the engine runs
-----------------------
:func:`multi_source_from`
    One Dijkstra search started from many sources at once, each with its own
    start time.  Returns the time and the index of the nearest source for
    every node (nearest facility in one pass).  Ties in time go to the source
    listed first: the heap is ordered by the pair ``(time, source index)``,
    which is a valid lexicographic path cost, so the result does not depend
    on heap order even with zero-time arcs.
:func:`bounded_from_ws`, :func:`bounded_count_from_ws`, :func:`first_hit_from_ws`
    Many independent single-source searches, bounded by a time limit (listing
    the pairs reached, or only counting them: :func:`bounded_core`) or stopped
    at the first target, on a caller's workspace (``pos``, heap, touched list)
    of graph size: *only the nodes a search touched are reset* before the next
    source, so a search costs what it reaches, not the size of the graph.
    They release the GIL; :mod:`planner.routing.parallel` pools the workspaces
    and runs chunks of sources on threads, inline below a work budget.

:func:`multi_source`, :func:`bounded_many_source`, :func:`first_hit_many` and
their ``_ws`` forms are thin wrappers without start or arrival times (tests, benchmark).

The heap
--------
The indexed binary min-heap shared by the search kernels (numba).

Each heap slot is two adjacent float64 words of one array ``hk``: the time,
then the bits (read through the int64 view ``hp``) of
``origin << 32 | node``, so a sift level reads one cache line.  Keys are
ordered by ``(time, origin)``; the node bits never decide.  ``pos[v]`` is
the slot of node ``v``, :data:`NEVER` when not reached in this search and
:data:`DONE` once settled; with decrease-key the heap never holds more than
one entry per node, and a node's tentative time is read from its slot (the
only per-node array a search reads is ``pos``).  Node indices must be below
2**32.

The heap lives in this module on purpose: numba's ``cache=True`` invalidates a
cached function only when its own file changes, so kernels and the heap they
inline must share one file or an edit to the heap would be silently ignored.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = [
    "multi_source",
    "multi_source_from",
    "bounded_many_source",
    "bounded_from_ws",
    "bounded_count_from_ws",
    "first_hit_many",
    "first_hit_from_ws",
    "new_workspace",
    "NO_BUDGET",
]

NEVER = -1  # pos: never reached in this search
DONE = -2  # pos: settled

LOW32 = 0xFFFFFFFF


@njit(cache=True, nogil=True, inline="always")
def less(d1: float, k1: int, d2: float, k2: int) -> bool:
    """``(d1, origin of k1) < (d2, origin of k2)``; the node bits never decide."""
    return d1 < d2 or (d1 == d2 and (k1 >> 32) < (k2 >> 32))


@njit(cache=True, nogil=True)
def sift_up(hk, hp, pos, i, d, k):  # pragma: no cover - numba
    """Place packed entry ``(d, k)`` at slot ``i`` or above."""
    while i > 0:
        p = (i - 1) >> 1
        dp = hk[2 * p]
        kp = hp[2 * p + 1]
        if less(d, k, dp, kp):
            hk[2 * i] = dp
            hp[2 * i + 1] = kp
            pos[kp & LOW32] = i
            i = p
        else:
            break
    hk[2 * i] = d
    hp[2 * i + 1] = k
    pos[k & LOW32] = i


@njit(cache=True, nogil=True)
def pop(hk, hp, pos, size):  # pragma: no cover - numba
    """Remove the top of a packed heap of ``size`` entries; returns the new size."""
    size -= 1
    if size == 0:
        return size
    d = hk[2 * size]
    k = hp[2 * size + 1]
    i = 0
    while True:
        c = 2 * i + 1
        if c >= size:
            break
        dc = hk[2 * c]
        kc = hp[2 * c + 1]
        if c + 1 < size:
            d2 = hk[2 * c + 2]
            k2 = hp[2 * c + 3]
            if less(d2, k2, dc, kc):
                c += 1
                dc = d2
                kc = k2
        if less(dc, kc, d, k):
            hk[2 * i] = dc
            hp[2 * i + 1] = kc
            pos[kc & LOW32] = i
            i = c
        else:
            break
    hk[2 * i] = d
    hp[2 * i + 1] = k
    pos[k & LOW32] = i
    return size

NO_BUDGET = np.iinfo(np.int64).max  # work budget (settled nodes) meaning "no limit"


@njit(cache=True, nogil=True)
def multi_source(indptr, indices, weight, sources, limit, target_mask, n_targets):  # pragma: no cover - numba
    """Dijkstra from many sources at once, remembering the nearest source.

    Parameters
    ----------
    indptr, indices, weight
        CSR graph (int64, int32, float64 seconds >= 0).
    sources
        int64 node indices; entries ``< 0`` are ignored.  A node listed twice
        keeps its first position as its source index.
    limit
        Nodes farther than ``limit`` from every source are left at ``inf``
        (like networkx's ``cutoff``: a node is reached when its time is
        ``<= limit``).
    target_mask
        bool per node; the search stops as soon as ``n_targets`` nodes with
        ``target_mask`` set have been settled (pass ``n_targets = -1`` to
        search everything within ``limit``).

    Returns
    -------
    dist : float64 (n,)
        Time from the nearest source (``inf`` when none within ``limit``,
        or not settled before the early stop).
    origin : int64 (n,)
        Index into ``sources`` of the nearest source, ``-1`` with ``inf``.
    n_settled : int
        Nodes settled (for benchmarks).
    """
    return multi_source_from(indptr, indices, weight, sources, np.zeros(sources.shape[0]), limit, target_mask,
                             n_targets)


@njit(cache=True, nogil=True)
def multi_source_from(indptr, indices, weight, sources, start, limit, target_mask,
                      n_targets):  # pragma: no cover - numba
    """:func:`multi_source` with a start time per source.

    ``start[i]`` (>= 0) is the time already spent when source ``i`` is
    left (a facility's access leg, when sources are the road nodes of
    points); a source whose start time exceeds ``limit`` is not used, and a
    node listed twice keeps its least ``(start, position)``.
    """
    n = indptr.shape[0] - 1
    dist = np.full(n, np.inf)
    origin = np.full(n, -1, dtype=np.int64)
    # the only per-node state read while searching is ``pos``: the tentative key of a
    # node in the heap is read from its heap slot and ``dist``/``origin`` are written
    # once, when the node is settled (one random access per arc instead of three)
    pos = np.full(n, NEVER, dtype=np.int64)
    hk = np.empty(2 * n, dtype=np.float64)  # slot i: [2i] time, [2i + 1] bits of (origin << 32 | node)
    hp = hk.view(np.int64)
    size = 0
    for i in range(sources.shape[0]):
        s = sources[i]
        t0 = start[i]
        if s < 0 or t0 > limit:
            continue
        k = (i << 32) | s
        ps = pos[s]
        if ps == NEVER:
            size += 1
            sift_up(hk, hp, pos, size - 1, t0, k)
        elif less(t0, k, hk[2 * ps], hp[2 * ps + 1]):
            sift_up(hk, hp, pos, ps, t0, k)
    remaining = n_targets
    n_settled = 0
    while size > 0:
        du = hk[0]
        ku = hp[1]
        u = ku & LOW32
        size = pop(hk, hp, pos, size)
        pos[u] = DONE
        dist[u] = du
        origin[u] = ku >> 32
        n_settled += 1
        if remaining > 0 and target_mask[u]:
            remaining -= 1
            if remaining == 0:
                break
        hi = ku & ~LOW32
        for a in range(indptr[u], indptr[u + 1]):
            v = indices[a]
            pv = pos[v]
            if pv == DONE:
                continue
            nd = du + weight[a]
            if nd > limit:
                continue
            if pv == NEVER:
                size += 1
                sift_up(hk, hp, pos, size - 1, nd, hi | v)
            elif less(nd, hi, hk[2 * pv], hp[2 * pv + 1]):
                sift_up(hk, hp, pos, pv, nd, hi | v)
    # nodes still in the heap after an early stop were never written: inf / -1
    return dist, origin, n_settled


@njit(cache=True, nogil=True)
def bounded_many_source(indptr, indices, weight, sources, limit, target_col, all_nodes):  # pragma: no cover - numba
    """Independent single-source searches bounded by ``limit``.

    Parameters
    ----------
    indptr, indices, weight
        CSR graph.
    sources
        int64 node indices, one search each; ``< 0`` gives an empty row.
    limit
        Largest time kept (inclusive).
    target_col
        int64 per node: output column of the node, ``-1`` when the node is
        not reported.  Ignored when ``all_nodes``.
    all_nodes
        Report every reached node, with its node index as column.

    Returns
    -------
    counts : int64 (len(sources),)
        Entries per source (row lengths of a CSR result).
    cols : int64, vals : float64
        Concatenated (column, time) entries, rows in source order, each row
        in settling order (non-decreasing time).
    """
    n = indptr.shape[0] - 1
    pos = np.full(n, NEVER, dtype=np.int64)
    hk = np.empty(2 * n, dtype=np.float64)
    touched = np.empty(n, dtype=np.int64)
    return bounded_many_source_ws(indptr, indices, weight, sources, limit, target_col, all_nodes, pos, hk, touched)


@njit(cache=True, nogil=True)
def first_hit_many(indptr, indices, weight, sources, target_rank):  # pragma: no cover - numba
    """Per source, the nearest target: independent searches stopped at the first hit.

    Parameters
    ----------
    indptr, indices, weight
        CSR graph, searched forwards from each source.
    sources
        int64 node indices; ``< 0`` gives no hit.
    target_rank
        int64 per node: rank of the target at the node (e.g. facility
        position), ``-1`` for non-targets.  Among targets at the same
        least time the lowest rank wins, so the answer does not depend on
        heap order.

    Returns
    -------
    time : float64, rank : int64 (len(sources),)
        Time to the nearest target and its rank (``inf`` / ``-1`` when the
        search exhausts its piece without a hit).
    n_settled : int
        Nodes settled over all searches (for benchmarks).
    """
    n = indptr.shape[0] - 1
    pos = np.full(n, NEVER, dtype=np.int64)
    hk = np.empty(2 * n, dtype=np.float64)
    touched = np.empty(n, dtype=np.int64)
    return first_hit_many_ws(indptr, indices, weight, sources, target_rank, pos, hk, touched)


# Workspace kernels: the searches of bounded_many_source / first_hit_many on caller-owned
# workspaces (nothing allocated or initialised per call; planner.routing pools them).  A
# workspace is ``pos`` (int64, >= n, all NEVER between calls), ``hk`` (float64, >= 2 n, the
# packed heap) and ``touched`` (int64, >= n); it may be larger than the graph and is left clean.


def new_workspace(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A clean search workspace for graphs of up to ``n`` nodes."""
    n = max(int(n), 1)
    return np.full(n, NEVER, dtype=np.int64), np.empty(2 * n, dtype=np.float64), np.empty(n, dtype=np.int64)


@njit(cache=True, nogil=True)
def bounded_many_source_ws(indptr, indices, weight, sources, limit, target_col, all_nodes,
                           pos, hk, touched):  # pragma: no cover - numba
    """:func:`bounded_many_source` on a workspace (same output, same row order)."""
    counts, cols, vals, _ = bounded_from_ws(indptr, indices, weight, sources, np.zeros(0), limit, target_col,
                                            np.zeros(0), all_nodes, pos, hk, touched, NO_BUDGET)
    return counts, cols, vals


@njit(cache=True, nogil=True)
def bounded_from_ws(indptr, indices, weight, sources, start, limit, target_col, target_time, all_nodes,
                    pos, hk, touched, max_settled):  # pragma: no cover - numba
    """:func:`bounded_many_source_ws` with start times and target times.

    ``start`` (one per source, or empty for zeros) is the time at which a
    search leaves its source; ``target_time`` (one per node, or empty for
    zeros) is added to a reported node's time, and the pair is reported
    when that sum is ``<= limit`` (a settlement's access leg after its road
    node).  The search itself expands every node within ``limit``.

    ``max_settled`` is a work budget: no further source is started once the
    searches have settled that many nodes, and the fourth value returned is
    the number of sources done (``counts`` covers those only), so a caller
    can run a small job in one call and share out what is left of a big one.
    """
    counts, _, cols, vals, done = bounded_core(indptr, indices, weight, sources, start, limit, target_col,
                                               target_time, np.zeros(0), all_nodes, True, pos, hk, touched,
                                               max_settled)
    return counts, cols, vals, done


@njit(cache=True, nogil=True)
def bounded_count_from_ws(indptr, indices, weight, sources, start, limit, target_col, target_time, col_weight,
                          pos, hk, touched, max_settled):  # pragma: no cover - numba
    """The searches of :func:`bounded_from_ws`, counting instead of listing what each reaches.

    Per source, the number of pairs :func:`bounded_from_ws` would report
    and the sum of ``col_weight[col]`` (empty: ones) over them, in settling
    order; no pair is kept, so memory is one workspace and two numbers per
    source.  Returns ``(counts, weight_sums, done)``.
    """
    counts, wsum, _, _, done = bounded_core(indptr, indices, weight, sources, start, limit, target_col,
                                            target_time, col_weight, False, False, pos, hk, touched,
                                            max_settled)
    return counts, wsum, done


@njit(cache=True, nogil=True)
def bounded_core(indptr, indices, weight, sources, start, limit, target_col, target_time, col_weight,
                 all_nodes, keep_pairs, pos, hk, touched, max_settled):  # pragma: no cover - numba
    """The bounded searches of :func:`bounded_from_ws` (pairs kept when ``keep_pairs``) and their sums."""
    hp = hk.view(np.int64)
    has_start = start.shape[0] > 0
    has_tt = target_time.shape[0] > 0
    has_w = col_weight.shape[0] > 0
    counts = np.zeros(sources.shape[0], dtype=np.int64)
    wsum = np.zeros(sources.shape[0])
    cols = np.empty(1024 if keep_pairs else 0, dtype=np.int64)
    vals = np.empty(cols.shape[0], dtype=np.float64)
    nout = 0
    settled = 0
    done = 0
    for k in range(sources.shape[0]):
        if settled >= max_settled:
            break
        done = k + 1
        s = sources[k]
        t0 = start[k] if has_start else 0.0
        if s < 0 or t0 > limit or limit < 0.0:
            continue
        ntouched = 1
        touched[0] = s
        size = 1
        sift_up(hk, hp, pos, 0, t0, s)
        n_k = 0
        w_k = 0.0
        while size > 0:
            du = hk[0]
            u = hp[1]
            size = pop(hk, hp, pos, size)
            pos[u] = DONE
            settled += 1
            c = u if all_nodes else target_col[u]
            if c >= 0:
                val = du + target_time[u] if has_tt else du
                if val <= limit:
                    n_k += 1
                    w_k += col_weight[c] if has_w else 1.0
                    if keep_pairs:
                        if nout == cols.shape[0]:  # full: twice the room
                            cols = np.concatenate((cols, np.empty_like(cols)))
                            vals = np.concatenate((vals, np.empty_like(vals)))
                        cols[nout] = c
                        vals[nout] = val
                        nout += 1
            for a in range(indptr[u], indptr[u + 1]):
                v = indices[a]
                pv = pos[v]
                if pv == DONE:
                    continue
                nd = du + weight[a]
                if nd > limit:
                    continue
                if pv == NEVER:
                    touched[ntouched] = v
                    ntouched += 1
                    size += 1
                    sift_up(hk, hp, pos, size - 1, nd, v)
                elif nd < hk[2 * pv]:
                    sift_up(hk, hp, pos, pv, nd, v)
        counts[k] = n_k
        wsum[k] = w_k
        for t in range(ntouched):
            pos[touched[t]] = NEVER
    return counts[:done].copy(), wsum[:done].copy(), cols[:nout].copy(), vals[:nout].copy(), done


@njit(cache=True, nogil=True)
def first_hit_many_ws(indptr, indices, weight, sources, target_rank, pos, hk, touched):  # pragma: no cover - numba
    """:func:`first_hit_many` on a workspace (same output)."""
    t, r, n_settled, _ = first_hit_from_ws(indptr, indices, weight, sources, np.zeros(0), target_rank,
                                           np.zeros(0), pos, hk, touched, NO_BUDGET)
    return t, r, n_settled


@njit(cache=True, nogil=True)
def first_hit_from_ws(indptr, indices, weight, sources, start, target_rank, target_time,
                      pos, hk, touched, max_settled):  # pragma: no cover - numba
    """:func:`first_hit_many_ws` with start times and target times.

    A search leaves source ``k`` at ``start[k]`` (empty: zeros); reaching
    target node ``u`` at ``t`` costs ``t + target_time[u]`` (empty: zeros),
    the least such cost wins (ties: the lowest rank), and a search stops
    once the settled time exceeds the best cost found.  ``max_settled`` is
    the work budget of :func:`bounded_from_ws`; the fourth value returned is
    the number of sources done (the first two arrays cover those only).
    """
    hp = hk.view(np.int64)
    has_start = start.shape[0] > 0
    has_tt = target_time.shape[0] > 0
    out_t = np.full(sources.shape[0], np.inf)
    out_r = np.full(sources.shape[0], -1, dtype=np.int64)
    n_settled = 0
    done = 0
    for k in range(sources.shape[0]):
        if n_settled >= max_settled:
            break
        done = k + 1
        s = sources[k]
        if s < 0:
            continue
        ntouched = 1
        touched[0] = s
        size = 1
        sift_up(hk, hp, pos, 0, start[k] if has_start else 0.0, s)
        best = np.inf
        best_r = -1
        while size > 0:
            du = hk[0]
            if du > best:
                break
            u = hp[1]
            size = pop(hk, hp, pos, size)
            pos[u] = DONE
            n_settled += 1
            r = target_rank[u]
            if r >= 0:
                c = du + target_time[u] if has_tt else du
                if best_r < 0 or c < best or (c == best and r < best_r):
                    best = c
                    best_r = r
            for a in range(indptr[u], indptr[u + 1]):
                v = indices[a]
                pv = pos[v]
                if pv == DONE:
                    continue
                nd = du + weight[a]
                if pv == NEVER:
                    touched[ntouched] = v
                    ntouched += 1
                    size += 1
                    sift_up(hk, hp, pos, size - 1, nd, v)
                elif nd < hk[2 * pv]:
                    sift_up(hk, hp, pos, pv, nd, v)
        out_t[k] = best
        out_r[k] = best_r
        for t in range(ntouched):
            pos[touched[t]] = NEVER
    return out_t[:done].copy(), out_r[:done].copy(), n_settled, done
