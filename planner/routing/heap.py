"""The indexed binary min-heap shared by the search kernels (numba).

Each heap slot is two adjacent float64 words of one array ``hk``: the time,
then the bits (read through the int64 view ``hp``) of
``origin << 32 | node``, so a sift level reads one cache line.  Keys are
ordered by ``(time, origin)``; the node bits never decide.  ``pos[v]`` is
the slot of node ``v``, :data:`NEVER` when not reached in this search and
:data:`DONE` once settled; with decrease-key the heap never holds more than
one entry per node, and a node's tentative time is read from its slot (the
only per-node array a search reads is ``pos``).  Node indices must be below
2**32.
"""

from __future__ import annotations

from numba import njit

__all__ = ["NEVER", "DONE", "LOW32", "less", "sift_up", "pop"]

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
