"""Degree-2 chain contraction: the small graph the searches of :mod:`planner.routing` run on.

An unsimplified road graph is mostly *shape nodes*: about two thirds of the
nodes of the Harbin extract (and of the synthetic road-like graphs) join
exactly two segments.  A shortest-path search visits every one of them,
although no settlement or facility sits on a shape node: points are
attached to their own split nodes.  So the searches that only need the
times of points (:func:`planner.routing.nearest_facility`,
:func:`planner.routing.reach_matrix`) run on a contracted graph instead:

* **key nodes**: every node that does not join exactly two segments to two
  different neighbours (intersections, dead ends), plus one node on each
  ring made only of shape nodes;
* **chains**: the maximal runs of segments between two key nodes through
  shape nodes, each stored in order with its orientation; a chain becomes
  one arc per direction in which every one of its segments may be used,
  timed as the sum of its segments' times;
* **points**: each linked point gets a split node on its chain; a chain that
  carries points is cut at them into pieces whose times are the covered
  fractions of its segments, computed exactly as
  :meth:`planner.routing.RoutingGraph.with_points` times the split
  segments (the same fractions, the same products), and the point's access
  leg is added to the start time of a search (a facility) or to the time of
  a target (a settlement) instead of being an arc: a point's virtual node
  is a leaf, so no path passes through it.

The times equal those on the full augmented graph up to the order in which
floating-point sums are taken (a chain's time is summed once, not along
each path): far below a microsecond.  :mod:`planner.routing` checks this
against networkx on random graphs and on Harbin.

Kernels
-------
:func:`chains_from_segments`
    The chain decomposition of a graph's usable segments (once per graph).
:func:`core_arcs`
    The arcs of the contracted graph with points (once per query).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["chains_from_segments", "core_arcs", "chain_times"]


@njit(cache=True)
def chains_from_segments(n, u, v, usable):  # pragma: no cover - numba
    """Split the usable segments of a graph into chains between key nodes.

    Parameters
    ----------
    n
        Number of nodes.
    u, v
        int64 segment end nodes.
    usable
        bool per segment: the profile may use it in at least one direction
        and it is not a loop (``u != v``).

    Returns
    -------
    key : bool (n,)
        Key nodes: joined to the graph, and not a shape node (a shape node
        joins exactly two usable segments to two different neighbours);
        one node of each ring of shape nodes is made a key node.
    chain_ptr : int64 (n_chains + 1,)
        Chain ``c`` is ``cseg[chain_ptr[c]:chain_ptr[c + 1]]``.
    cseg : int64, corient : bool (n_usable,)
        Segments in chain order; ``corient`` is True where the segment's
        ``u -> v`` runs along the chain.
    chain_a, chain_b : int64 (n_chains,)
        First and last node of each chain (key nodes; equal for a ring).
    seg_chain, seg_pos : int64 (len(u),)
        Chain of each segment and its position in it (``-1`` if unusable).
    """
    deg, ptr, inc = _incidence(n, u, v, usable)
    key = _key_nodes(n, u, v, deg, ptr, inc)
    return _walk_chains(n, u, v, usable, key, ptr, inc)


@njit(cache=True)
def _incidence(n, u, v, usable):  # pragma: no cover - numba
    """Usable segments at each node, in CSR form: (degree, indptr, segment ids)."""
    m = u.shape[0]
    deg = np.zeros(n, dtype=np.int64)
    for s in range(m):
        if usable[s]:
            deg[u[s]] += 1
            deg[v[s]] += 1
    ptr = np.zeros(n + 1, dtype=np.int64)
    for x in range(n):
        ptr[x + 1] = ptr[x] + deg[x]
    inc = np.empty(ptr[n], dtype=np.int64)
    fill = ptr[:-1].copy()
    for s in range(m):
        if usable[s]:
            inc[fill[u[s]]] = s
            fill[u[s]] += 1
            inc[fill[v[s]]] = s
            fill[v[s]] += 1
    return deg, ptr, inc


@njit(cache=True)
def _key_nodes(n, u, v, deg, ptr, inc):  # pragma: no cover - numba
    """Nodes on some usable segment that are not shape nodes (two segments to two different neighbours)."""
    key = np.zeros(n, dtype=np.bool_)
    for x in range(n):
        if deg[x] == 0:
            continue
        if deg[x] != 2:
            key[x] = True
            continue
        s1 = inc[ptr[x]]
        s2 = inc[ptr[x] + 1]
        o1 = v[s1] if u[s1] == x else u[s1]
        o2 = v[s2] if u[s2] == x else u[s2]
        key[x] = o1 == o2  # two segments to the same neighbour: keep the pair of nodes
    return key


@njit(cache=True)
def _walk_chains(n, u, v, usable, key, ptr, inc):  # pragma: no cover - numba
    """Walk every chain from its key node (then the rings of shape nodes); the outputs of
    :func:`chains_from_segments`.  ``key`` gains one node per ring."""
    m = u.shape[0]
    n_use = ptr[n] // 2
    cseg = np.empty(n_use, dtype=np.int64)
    corient = np.empty(n_use, dtype=np.bool_)
    chain_ptr = np.zeros(n_use + 1, dtype=np.int64)
    chain_a = np.empty(n_use, dtype=np.int64)
    chain_b = np.empty(n_use, dtype=np.int64)
    seg_chain = np.full(m, -1, dtype=np.int64)
    seg_pos = np.full(m, -1, dtype=np.int64)
    nc = 0
    k = 0
    for phase in range(2):
        # phase 0: chains leaving key nodes; phase 1: rings of shape nodes only
        for x0 in range(n if phase == 0 else m):
            if phase == 0:
                if not key[x0]:
                    continue
                lo, hi = ptr[x0], ptr[x0 + 1]
            else:
                if not usable[x0] or seg_chain[x0] >= 0:
                    continue
                key[u[x0]] = True
                lo, hi = 0, 1
            for i in range(lo, hi):
                s = inc[i] if phase == 0 else x0
                if seg_chain[s] >= 0:
                    continue
                start = x0 if phase == 0 else u[x0]
                cur = start
                chain_a[nc] = start
                while True:
                    seg_chain[s] = nc
                    seg_pos[s] = k - chain_ptr[nc]
                    cseg[k] = s
                    corient[k] = u[s] == cur
                    k += 1
                    nxt = v[s] if u[s] == cur else u[s]
                    if key[nxt]:
                        break
                    s1 = inc[ptr[nxt]]
                    s = inc[ptr[nxt] + 1] if s1 == s else s1
                    cur = nxt
                chain_b[nc] = nxt
                nc += 1
                chain_ptr[nc] = k
    return key, chain_ptr[: nc + 1].copy(), cseg, corient, chain_a[:nc].copy(), chain_b[:nc].copy(), seg_chain, seg_pos


@njit(cache=True, inline="always")
def _part(w, frac):
    """Time of the fraction ``frac`` of a segment direction taking ``w`` (inf stays inf).

    No part of a segment (``frac == 0``: the span only touches its end node) takes no time,
    even against a one-way segment: the span does not use it.
    """
    if frac == 0.0:
        return 0.0
    if w == np.inf:
        return np.inf
    return w * frac


@njit(cache=True)
def _span(chain_ptr, cseg, corient, fwd, bwd, c, j1, t1, j2, t2):  # pragma: no cover - numba
    """Times along and against chain ``c`` from (segment j1, fraction t1) to (j2, t2).

    Positions are a segment's place in the chain and a fraction along the
    segment's own ``u -> v``; the covered fractions are formed as
    :meth:`RoutingGraph.with_points` forms them (the larger fraction minus
    the smaller), so a piece inside one segment is timed bit for bit alike.
    A span's end segment it covers none of (it starts or ends on that
    segment's end node) adds nothing, in either direction: a span of no
    length takes 0 s both ways, as the piece of no length of
    ``with_points`` does.
    """
    b = chain_ptr[c]
    s = cseg[b + j1]
    o = corient[b + j1]
    if j1 == j2:
        frac = t2 - t1 if t2 >= t1 else t1 - t2
        if o:
            return _part(fwd[s], frac), _part(bwd[s], frac)
        return _part(bwd[s], frac), _part(fwd[s], frac)
    frac = 1.0 - t1 if o else t1
    tf = _part(fwd[s], frac) if o else _part(bwd[s], frac)
    tb = _part(bwd[s], frac) if o else _part(fwd[s], frac)
    for j in range(j1 + 1, j2):
        s = cseg[b + j]
        if corient[b + j]:
            tf += fwd[s]
            tb += bwd[s]
        else:
            tf += bwd[s]
            tb += fwd[s]
    s = cseg[b + j2]
    o = corient[b + j2]
    frac = t2 if o else 1.0 - t2
    if o:
        tf += _part(fwd[s], frac)
        tb += _part(bwd[s], frac)
    else:
        tf += _part(bwd[s], frac)
        tb += _part(fwd[s], frac)
    return tf, tb


@njit(cache=True)
def core_arcs(chain_ptr, cseg, corient, chain_a, chain_b, core_of, fwd, bwd,
              chain_time_f, chain_time_b, p_chain, p_pos, p_t, p_node):  # pragma: no cover - numba
    """Arcs of the contracted graph with points split into their chains.

    Parameters
    ----------
    chain_ptr, cseg, corient, chain_a, chain_b
        From :func:`chains_from_segments`.
    core_of
        int64 per network node: its contracted node index (``-1`` for
        shape nodes).
    fwd, bwd
        Segment times ``u -> v`` and ``v -> u`` (inf where not usable).
    chain_time_f, chain_time_b
        Time along and against each whole chain (inf where some segment
        may not be used in that direction).
    p_chain, p_pos, p_t, p_node
        The linked points **in chain order** (by chain, position in the
        chain, then along the chain; points at one position in the order
        :meth:`RoutingGraph.with_points` splits a segment): chain, segment
        position, fraction along the segment's ``u -> v``, node index.

    Returns
    -------
    tail, head : int64, weight : float64
        Arcs (unsorted).  Chains without points give one arc per usable
        direction (rings without points none); a chain with ``k`` points
        gives ``k + 1`` pieces per usable direction.
    """
    nc = chain_a.shape[0]
    npt = p_chain.shape[0]
    has = np.zeros(nc, dtype=np.bool_)
    for i in range(npt):
        has[p_chain[i]] = True
    cap = 2 * nc + 2 * (2 * npt)
    tail = np.empty(cap, dtype=np.int64)
    head = np.empty(cap, dtype=np.int64)
    w = np.empty(cap, dtype=np.float64)
    na = _whole_chain_arcs(has, chain_a, chain_b, core_of, chain_time_f, chain_time_b, tail, head, w)
    na = _point_chain_arcs(chain_ptr, cseg, corient, chain_a, chain_b, core_of, fwd, bwd,
                           p_chain, p_pos, p_t, p_node, tail, head, w, na)
    return tail[:na].copy(), head[:na].copy(), w[:na].copy()


@njit(cache=True, inline="always")
def _add_arcs(tail, head, w, na, a, b, tf, tb):  # pragma: no cover - numba
    """Append ``a -> b`` taking ``tf`` and ``b -> a`` taking ``tb`` (each only when finite); new count."""
    if tf < np.inf:
        tail[na] = a
        head[na] = b
        w[na] = tf
        na += 1
    if tb < np.inf:
        tail[na] = b
        head[na] = a
        w[na] = tb
        na += 1
    return na


@njit(cache=True)
def _whole_chain_arcs(has, chain_a, chain_b, core_of, chain_time_f, chain_time_b,
                      tail, head, w):  # pragma: no cover - numba
    """One arc per usable direction of every chain without points (not rings); the number written."""
    na = 0
    for c in range(chain_a.shape[0]):
        if has[c] or chain_a[c] == chain_b[c]:
            continue
        na = _add_arcs(tail, head, w, na, core_of[chain_a[c]], core_of[chain_b[c]], chain_time_f[c],
                       chain_time_b[c])
    return na


@njit(cache=True)
def _point_chain_arcs(chain_ptr, cseg, corient, chain_a, chain_b, core_of, fwd, bwd,
                      p_chain, p_pos, p_t, p_node, tail, head, w, na):  # pragma: no cover - numba
    """The pieces of every chain with points, cut at its points in chain order; the new count."""
    npt = p_chain.shape[0]
    i = 0
    while i < npt:
        c = p_chain[i]
        b = chain_ptr[c]
        last = chain_ptr[c + 1] - 1 - b
        prev = core_of[chain_a[c]]
        pj = 0
        pt = 0.0 if corient[b] else 1.0
        while True:
            at_end = i >= npt or p_chain[i] != c
            if at_end:
                nj = last
                nt = 1.0 if corient[b + last] else 0.0
                node = core_of[chain_b[c]]
            else:
                nj = p_pos[i]
                nt = p_t[i]
                node = p_node[i]
            tf, tb = _span(chain_ptr, cseg, corient, fwd, bwd, c, pj, pt, nj, nt)
            na = _add_arcs(tail, head, w, na, prev, node, tf, tb)
            if at_end:
                break
            prev, pj, pt = node, nj, nt
            i += 1
    return na


@njit(cache=True)
def chain_times(chain_ptr, cseg, corient, fwd, bwd):  # pragma: no cover - numba
    """Time along and against every whole chain (inf where a segment may not be used)."""
    nc = chain_ptr.shape[0] - 1
    tf = np.zeros(nc)
    tb = np.zeros(nc)
    for c in range(nc):
        f = 0.0
        g = 0.0
        for k in range(chain_ptr[c], chain_ptr[c + 1]):
            s = cseg[k]
            if corient[k]:
                f += fwd[s]
                g += bwd[s]
            else:
                f += bwd[s]
                g += fwd[s]
        tf[c] = f
        tb[c] = g
    return tf, tb
