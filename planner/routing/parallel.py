"""Running many searches at once: a persistent thread pool, pooled workspaces and a work budget.

A search kernel (:mod:`planner.routing.kernels`) releases the GIL and runs
on a caller-owned *workspace* of graph size which it leaves clean, so
workspaces are pooled across calls and graphs and a bounded search costs
what it reaches.  :func:`run_searches` runs a small job in the calling
thread and shares what is left of a big one with a persistent pool of
threads; :func:`bounded` (pairs reached), :func:`bounded_counts` (only their
number and weight per source) and :func:`first_hit` are the searches the
queries use.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from planner.errors import InputError
from planner.routing import kernels as _kernels

__all__ = ["default_threads", "run_searches", "bounded", "bounded_counts", "first_hit"]

Workspace = tuple[np.ndarray, np.ndarray, np.ndarray]


@functools.cache
def default_threads() -> int:
    """Threads for searches: numba's count, at most the cores (cached: os.cpu_count costs ~20 us here)."""
    import numba

    return max(1, min(int(numba.config.NUMBA_NUM_THREADS), os.cpu_count() or 1))


# Graph-size search workspaces (pos, packed heap, touched list), reused across calls and
# graphs: a kernel leaves its workspace clean, so a bounded search costs what it reaches
# instead of allocating and initialising arrays of the graph's size every call.  At most
# _WS_KEEP are kept (the largest); one is taken per running search thread.
_WS_LOCK = threading.Lock()
_WS_POOL: list[Workspace] = []
_WS_KEEP = 4
# searches run in the calling thread until they have settled this many nodes (about
# half a millisecond to a few on this machine); the rest is then shared with a
# persistent pool of threads (see run_searches)
_INLINE_WORK = 5_000
_CHUNKS_PER_THREAD = 4
_POOLS: dict[int, ThreadPoolExecutor] = {}


def _pool(n_threads: int) -> ThreadPoolExecutor:
    with _WS_LOCK:
        ex = _POOLS.get(n_threads)
        if ex is None:
            ex = _POOLS[n_threads] = ThreadPoolExecutor(max_workers=n_threads, thread_name_prefix="planner-routing")
        return ex


def _take_workspace(n: int) -> Workspace:
    with _WS_LOCK:
        for i, ws in enumerate(_WS_POOL):
            if ws[0].shape[0] >= n:
                return _WS_POOL.pop(i)
    return _kernels.new_workspace(n)


def _give_workspace(ws: Workspace) -> None:
    with _WS_LOCK:
        _WS_POOL.append(ws)
        _WS_POOL.sort(key=lambda w: -w[0].shape[0])
        del _WS_POOL[_WS_KEEP:]


def _share_out(kernel: Callable[..., tuple], n: int, lo: int, total: int, n_threads: int, ws: Workspace) -> list:
    """Items ``lo .. total - 1`` cut into a few ranges per thread, taken in turn by this thread and the pool."""
    n_chunks = min(total - lo, n_threads * _CHUNKS_PER_THREAD)
    bounds = lo + (np.arange(n_chunks + 1) * (total - lo)) // n_chunks
    results: list[tuple | None] = [None] * n_chunks
    lock = threading.Lock()
    nxt = [0]

    def work(own: Workspace | None) -> None:
        w = own if own is not None else _take_workspace(n)
        while True:
            with lock:
                j = nxt[0]
                nxt[0] += 1
            if j >= n_chunks:
                break
            results[j] = kernel(int(bounds[j]), int(bounds[j + 1]), _kernels.NO_BUDGET, *w)[:-1]
        _give_workspace(w)

    helpers = [_pool(n_threads - 1).submit(work, None) for _ in range(min(n_threads, n_chunks) - 1)]
    work(ws)
    for h in helpers:
        h.result()
    return results


def run_searches(kernel: Callable[..., tuple], n: int, total: int, n_threads: int | None) -> list[tuple]:
    """``kernel(lo, hi, max_settled, *workspace)`` over consecutive ranges of ``total`` items; parts in order.

    A kernel does items ``lo .. hi - 1`` and returns its outputs followed by
    the number of items it did: it starts no further item once it has
    settled ``max_settled`` nodes.  The calling thread first runs the whole
    job under a budget of ``_INLINE_WORK`` settled nodes, so a small job is
    one call and never pays for threads; what is left of a big one is cut
    into a few ranges per thread which the caller and ``n_threads - 1``
    pooled threads take in turn (uneven searches balance).  A workspace goes
    back to the pool only when its kernel finished (kernels leave it clean).
    """
    n_threads = n_threads or default_threads()
    ws = _take_workspace(n)
    first = kernel(0, total, _INLINE_WORK if n_threads > 1 else _kernels.NO_BUDGET, *ws)
    parts: list[tuple] = [first[:-1]]
    done = int(first[-1])
    if done >= total:
        _give_workspace(ws)
        return parts
    parts.extend(_share_out(kernel, n, done, total, n_threads, ws))
    return parts


def _cat(parts: list[tuple], i: int) -> np.ndarray:
    """Output ``i`` of every part, joined (no copy for a single part)."""
    return parts[0][i] if len(parts) == 1 else np.concatenate([p[i] for p in parts])


_EMPTY = np.zeros(0)


def _sources_and_start(sources: np.ndarray, start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Source nodes (int64) and their optional access times (float64: none, or one per source)."""
    sources = np.ascontiguousarray(sources, dtype=np.int64)
    start = np.ascontiguousarray(start, dtype=np.float64)
    if start.shape[0] not in (0, sources.shape[0]):
        raise InputError("start must have one time per source")
    return sources, start


def bounded(
    graph: Any,
    sources: np.ndarray,
    limit: float,
    target_col: np.ndarray,
    all_nodes: bool,
    n_threads: int | None,
    *,
    start: np.ndarray = _EMPTY,
    target_time: np.ndarray = _EMPTY,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run the bounded many-source kernel on the reverse graph of ``graph`` (threads for big jobs).

    ``graph`` is a :class:`RoutingGraph` or :class:`planner.routing.csr.SearchGraph`.
    ``start`` (per source) and ``target_time`` (per node) are optional
    access times, as in :func:`planner.routing.kernels.bounded_from_ws`.
    Returns the CSR rows ``(indptr, cols, vals)``, one row per source.
    """
    sources, start = _sources_and_start(sources, start)

    def kernel(lo, hi, budget, pos, hk, touched):
        st = start[lo:hi] if start.shape[0] else _EMPTY
        return _kernels.bounded_from_ws(
            graph.rev_indptr, graph.rev_indices, graph.rev_weight, sources[lo:hi], st, float(limit), target_col,
            target_time, all_nodes, pos, hk, touched, budget,
        )

    parts = run_searches(kernel, graph.n_nodes, sources.shape[0], n_threads)
    counts, cols, vals = _cat(parts, 0), _cat(parts, 1), _cat(parts, 2)
    indptr = np.zeros(sources.shape[0] + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    return indptr, cols, vals


def bounded_counts(
    graph: Any,
    sources: np.ndarray,
    limit: float,
    target_col: np.ndarray,
    n_threads: int | None,
    *,
    start: np.ndarray = _EMPTY,
    target_time: np.ndarray = _EMPTY,
    col_weight: np.ndarray = _EMPTY,
) -> tuple[np.ndarray, np.ndarray]:
    """The searches of :func:`bounded`, counted: per source the targets reached and the sum of their weights.

    ``col_weight`` holds one weight per target column (empty: ones).  No pair
    is kept: memory is one workspace per thread and two numbers per source.
    Returns ``(counts, weight_sums)``, int64 and float64, one per source.
    """
    sources, start = _sources_and_start(sources, start)
    col_weight = np.ascontiguousarray(col_weight, dtype=np.float64)

    def kernel(lo, hi, budget, pos, hk, touched):
        st = start[lo:hi] if start.shape[0] else _EMPTY
        return _kernels.bounded_count_from_ws(
            graph.rev_indptr, graph.rev_indices, graph.rev_weight, sources[lo:hi], st, float(limit), target_col,
            target_time, col_weight, pos, hk, touched, budget,
        )

    parts = run_searches(kernel, graph.n_nodes, sources.shape[0], n_threads)
    return _cat(parts, 0), _cat(parts, 1)


def first_hit(
    graph: Any,
    starts: np.ndarray,
    rank: np.ndarray,
    n_threads: int | None,
    *,
    start: np.ndarray = _EMPTY,
    target_time: np.ndarray = _EMPTY,
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest target per start node (forward searches stopped at the first hit), threads for big jobs."""
    starts = np.ascontiguousarray(starts, dtype=np.int64)
    start = np.ascontiguousarray(start, dtype=np.float64)

    def kernel(lo, hi, budget, pos, hk, touched):
        st = start[lo:hi] if start.shape[0] else _EMPTY
        return _kernels.first_hit_from_ws(
            graph.indptr, graph.indices, graph.weight, starts[lo:hi], st, rank, target_time, pos, hk, touched, budget
        )

    parts = run_searches(kernel, graph.n_nodes, starts.shape[0], n_threads)
    return _cat(parts, 0), _cat(parts, 1)
