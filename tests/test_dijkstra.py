"""The numba kernels against networkx on random small graphs."""

from __future__ import annotations

import networkx as nx
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.routing import kernels as _dijkstra


@st.composite
def graphs(draw):
    """Random directed multigraphs with small integer weights (many ties), zeros and parallel arcs."""
    n = draw(st.integers(1, 14))
    m = draw(st.integers(0, 40))
    tail = draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m))
    head = draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m))
    w = draw(st.lists(st.integers(0, 6), min_size=m, max_size=m))
    return n, np.array(tail, dtype=np.int64), np.array(head, dtype=np.int64), np.array(w, dtype=np.float64)


def _csr(n, tail, head, w):
    order = np.argsort(tail, kind="stable")
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(tail, minlength=n), out=indptr[1:])
    return indptr, head[order].astype(np.int32), w[order]


def _nx(n, tail, head, w):
    g = nx.MultiDiGraph()
    g.add_nodes_from(range(n))
    g.add_weighted_edges_from(zip(tail.tolist(), head.tolist(), w.tolist()))
    return g


@settings(max_examples=150, deadline=None)
@given(graphs(), st.data())
def test_multi_source_equals_networkx(graph, data):
    n, tail, head, w = graph
    sources = data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=4))
    cutoff = data.draw(st.sampled_from([np.inf, 0.0, 3.0, 7.0]))
    indptr, ind, wt = _csr(n, tail, head, w)
    dist, origin, _ = _dijkstra.multi_source(
        indptr, ind, wt, np.array(sources, dtype=np.int64), cutoff, np.zeros(n, dtype=bool), -1
    )
    g = _nx(n, tail, head, w)
    ref = nx.multi_source_dijkstra_path_length(g, set(sources), cutoff=None if np.isinf(cutoff) else cutoff)
    expected = np.array([ref.get(i, np.inf) for i in range(n)])
    np.testing.assert_array_equal(dist, expected)
    # origin: the first-listed source among those at the minimum time
    per = [nx.single_source_dijkstra_path_length(g, s) for s in sources]
    for v in range(n):
        if np.isinf(dist[v]):
            assert origin[v] == -1
        else:
            best = [i for i, d in enumerate(per) if d.get(v, np.inf) == dist[v]]
            assert origin[v] == min(best)


@settings(max_examples=60, deadline=None)
@given(graphs(), st.data())
def test_multi_source_early_stop_keeps_targets_exact(graph, data):
    n, tail, head, w = graph
    sources = data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=3))
    targets = data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=4, unique=True))
    indptr, ind, wt = _csr(n, tail, head, w)
    mask = np.zeros(n, dtype=bool)
    mask[targets] = True
    dist, _, _ = _dijkstra.multi_source(indptr, ind, wt, np.array(sources), np.inf, mask, len(targets))
    ref = nx.multi_source_dijkstra_path_length(_nx(n, tail, head, w), set(sources))
    for t in targets:
        assert dist[t] == ref.get(t, np.inf)
    # nodes not settled before the stop are inf, never a partial value
    full, _, _ = _dijkstra.multi_source(indptr, ind, wt, np.array(sources), np.inf, mask, -1)
    assert np.all((dist == full) | np.isinf(dist))


@settings(max_examples=150, deadline=None)
@given(graphs(), st.data())
def test_bounded_many_source_equals_networkx(graph, data):
    n, tail, head, w = graph
    sources = data.draw(st.lists(st.integers(-1, n - 1), min_size=0, max_size=6))
    cutoff = data.draw(st.sampled_from([0.0, 2.0, 5.0, 1e9]))
    targets = data.draw(st.lists(st.integers(0, n - 1), max_size=n, unique=True))
    col = np.full(n, -1, dtype=np.int64)
    col[targets] = np.arange(len(targets))
    indptr, ind, wt = _csr(n, tail, head, w)
    g = _nx(n, tail, head, w)
    src = np.array(sources, dtype=np.int64)
    for all_nodes in (False, True):
        counts, cols, vals = _dijkstra.bounded_many_source(indptr, ind, wt, src, cutoff, col, all_nodes)
        assert counts.sum() == cols.shape[0] == vals.shape[0]
        start = 0
        for s, c in zip(sources, counts):
            got = dict(zip(cols[start:start + c].tolist(), vals[start:start + c].tolist()))
            start += c
            if s < 0:
                assert c == 0
                continue
            ref = nx.single_source_dijkstra_path_length(g, s, cutoff=cutoff)
            if all_nodes:
                expected = ref
            else:
                expected = {col[v]: d for v, d in ref.items() if col[v] >= 0}
            assert got == expected
            assert np.all(np.diff(vals[start - c:start]) >= 0)  # settling order


def test_bounded_resets_between_sources():
    # a path 0 -> 1 -> 2 -> 3; the second search must not see the first's labels
    indptr = np.array([0, 1, 2, 3, 3], dtype=np.int64)
    ind = np.array([1, 2, 3], dtype=np.int32)
    w = np.array([1.0, 1.0, 1.0])
    counts, cols, vals = _dijkstra.bounded_many_source(
        indptr, ind, w, np.array([0, 2, 0]), 1.5, np.zeros(0, dtype=np.int64), True
    )
    assert counts.tolist() == [2, 2, 2]
    assert cols.tolist() == [0, 1, 2, 3, 0, 1]
    assert vals.tolist() == [0.0, 1.0, 0.0, 1.0, 0.0, 1.0]


@settings(max_examples=120, deadline=None)
@given(graphs(), st.data())
def test_first_hit_equals_networkx(graph, data):
    n, tail, head, w = graph
    targets = data.draw(st.lists(st.integers(0, n - 1), min_size=0, max_size=4, unique=True))
    starts = data.draw(st.lists(st.integers(-1, n - 1), min_size=1, max_size=5))
    rank = np.full(n, -1, dtype=np.int64)
    rank[targets] = np.arange(len(targets))
    indptr, ind, wt = _csr(n, tail, head, w)
    t, r, _ = _dijkstra.first_hit_many(indptr, ind, wt, np.array(starts, dtype=np.int64), rank)
    g = _nx(n, tail, head, w)
    for k, s in enumerate(starts):
        if s < 0:
            assert np.isinf(t[k]) and r[k] == -1
            continue
        d = nx.single_source_dijkstra_path_length(g, s)
        hits = [(d[x], i) for i, x in enumerate(targets) if x in d]
        if not hits:
            assert np.isinf(t[k]) and r[k] == -1
        else:
            best = min(hits)
            assert t[k] == best[0] and r[k] == best[1]


# ------------------------------------------------ start times and target times (access legs)
@settings(max_examples=120, deadline=None)
@given(graphs(), st.data())
def test_start_and_target_times_equal_networkx(graph, data):
    """Searches that leave each source at a start time and add a time on reaching a target.

    The reference adds the times around networkx's path lengths; integer times keep it exact.
    """
    n, tail, head, w = graph
    indptr, ind, wt = _csr(n, tail, head, w)
    g = _nx(n, tail, head, w)
    sources = data.draw(st.lists(st.integers(-1, n - 1), min_size=1, max_size=4))
    start = np.array(data.draw(st.lists(st.integers(0, 5), min_size=len(sources), max_size=len(sources))),
                     dtype=float)
    arrive = np.array(data.draw(st.lists(st.integers(0, 5), min_size=n, max_size=n)), dtype=float)
    limit = data.draw(st.sampled_from([np.inf, 0.0, 4.0, 9.0]))
    src = np.array(sources, dtype=np.int64)
    per = [nx.single_source_dijkstra_path_length(g, s) if s >= 0 else {} for s in sources]
    # multi-source: least start + path, ties to the first-listed source
    dist, origin, _ = _dijkstra.multi_source_from(indptr, ind, wt, src, start, limit, np.zeros(n, dtype=bool), -1)
    for v in range(n):
        cand = [(start[i] + d[v], i) for i, d in enumerate(per) if v in d and start[i] + d[v] <= limit]
        if cand:
            assert (dist[v], origin[v]) == min(cand)
        else:
            assert np.isinf(dist[v]) and origin[v] == -1
    # bounded: a target is reported when start + path + its own time is within the limit
    col = np.arange(n, dtype=np.int64)
    ws = _dijkstra.new_workspace(n)
    lim = 1e9 if np.isinf(limit) else limit
    counts, cols, vals, done = _dijkstra.bounded_from_ws(indptr, ind, wt, src, start, lim, col, arrive, False, *ws,
                                                         2**62)
    assert done == len(sources) and (ws[0] == -1).all()  # all done, the workspace left clean
    at = 0
    for i, c in enumerate(counts):
        got = dict(zip(cols[at:at + c].tolist(), vals[at:at + c].tolist()))
        at += c
        expected = {v: start[i] + d + arrive[v] for v, d in per[i].items()
                    if start[i] + d <= lim and start[i] + d + arrive[v] <= lim}
        assert got == expected
    # first hit: least start + path + target time over the targets, ties to the lowest rank
    targets = data.draw(st.lists(st.integers(0, n - 1), max_size=4, unique=True))
    rank = np.full(n, -1, dtype=np.int64)
    rank[targets] = np.arange(len(targets))
    t, r, _, _ = _dijkstra.first_hit_from_ws(indptr, ind, wt, src, start, rank, arrive, *ws, 2**62)
    for i, s in enumerate(sources):
        hits = [(start[i] + per[i][x] + arrive[x], j) for j, x in enumerate(targets) if x in per[i]]
        if s < 0 or not hits:
            assert np.isinf(t[i]) and r[i] == -1
        else:
            assert (t[i], r[i]) == min(hits)


@settings(max_examples=60, deadline=None)
@given(graphs(), st.data())
def test_work_budget_stops_between_sources_and_the_rest_completes_the_job(graph, data):
    """A kernel under a budget does a prefix of the sources, whole; running the rest gives the full answer."""
    n, tail, head, w = graph
    indptr, ind, wt = _csr(n, tail, head, w)
    src = np.array(data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=6)), dtype=np.int64)
    budget = data.draw(st.integers(1, 12))
    col = np.arange(n, dtype=np.int64)
    ws = _dijkstra.new_workspace(n)
    e = np.zeros(0)
    full = _dijkstra.bounded_from_ws(indptr, ind, wt, src, e, 1e9, col, e, False, *ws, 2**62)
    part = _dijkstra.bounded_from_ws(indptr, ind, wt, src, e, 1e9, col, e, False, *ws, budget)
    k = part[3]
    assert 1 <= k <= len(src) and part[0].shape[0] == k
    rest = _dijkstra.bounded_from_ws(indptr, ind, wt, src[k:], e, 1e9, col, e, False, *ws, 2**62)
    np.testing.assert_array_equal(np.r_[part[0], rest[0]], full[0])
    np.testing.assert_array_equal(np.r_[part[1], rest[1]], full[1])
    rank = np.where(np.arange(n) % 3 == 0, np.arange(n), -1)
    f_full = _dijkstra.first_hit_from_ws(indptr, ind, wt, src, e, rank, e, *ws, 2**62)
    f_part = _dijkstra.first_hit_from_ws(indptr, ind, wt, src, e, rank, e, *ws, budget)
    f_rest = _dijkstra.first_hit_from_ws(indptr, ind, wt, src[f_part[3]:], e, rank, e, *ws, 2**62)
    np.testing.assert_array_equal(np.r_[f_part[0], f_rest[0]], f_full[0])
    np.testing.assert_array_equal(np.r_[f_part[1], f_rest[1]], f_full[1])
    assert (ws[0] == -1).all()
