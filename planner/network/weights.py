"""Edge travel times from a travel profile: the only place they are made.

:func:`segment_travel_times` applies a ``planner.config.TravelProfile`` to a
:class:`~planner.network.model.RoadNetwork`: the default walking profile is
the older walker's 0.9 m/s (3.24 km/h, see ``planner.config``), e-bikes
15 km/h, cars the per-class speeds of Chinese road standards unless OSM gives
``maxspeed``.  :func:`arcs_from_network` turns the times into the directed
arcs that the routing engine (``planner.routing``), the connected pieces
(:mod:`planner.network.components`) and the networkx reference
(:mod:`planner.network.reference`) are built from.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from planner.config import TravelProfile
    from planner.network.model import RoadNetwork

__all__ = ["usable_directions", "segment_travel_times", "arcs_from_network", "arcs_from_times"]


def _per_highway(highway: np.ndarray, fn: Callable[[str], Any]) -> np.ndarray:
    """Evaluate ``fn(str)`` once per distinct highway value and broadcast it.

    The distinct values are found by hashing (``pandas.factorize``), which is
    20x faster than sorting strings with ``np.unique`` on province-size arrays.
    """
    import pandas as pd

    hw = np.asarray(highway, dtype=object)
    if hw.shape[0] == 0:
        return np.empty(0)
    codes, uniq = pd.factorize(hw, use_na_sentinel=False)
    table = np.array([fn(str(h)) for h in uniq])
    return table[codes]


def usable_directions(net: RoadNetwork, profile: TravelProfile) -> tuple[np.ndarray, np.ndarray]:
    """Which directions of each segment ``profile`` may use.

    Parameters
    ----------
    net
        The road network.
    profile
        The travel profile (``planner.config.TravelProfile``).

    Returns
    -------
    fwd_ok, bwd_ok : bool ndarray (m,)
        ``u -> v`` and ``v -> u`` usable.  A segment is usable when its
        ``highway`` is in ``profile.allowed_highways`` and it is not forbidden
        for the mode (walk/bike: ``foot == -1``; drive: ``motor == -1``).
        Drive profiles with ``respect_oneway`` honour ``oneway``; walkers
        and bikes ignore it.
    """
    allowed = frozenset(profile.allowed_highways)
    ok = _per_highway(net.highway, lambda h: h in allowed).astype(bool)
    if profile.mode == "drive":
        ok &= np.asarray(net.motor) != -1
    else:
        ok &= np.asarray(net.foot) != -1
    fwd = ok.copy()
    bwd = ok.copy()
    if profile.mode == "drive" and profile.respect_oneway:
        ow = np.asarray(net.oneway)
        fwd &= ow != -1
        bwd &= ow != 1
    return fwd, bwd


def segment_travel_times(net: RoadNetwork, profile: TravelProfile) -> tuple[np.ndarray, np.ndarray]:
    """Travel time in seconds over each segment, in both directions.

    This is the only place edge weights are made: the networkx reference
    (:func:`~planner.network.reference.graph_from_network`) and the routing engine both use it.

    Parameters
    ----------
    net
        The road network.
    profile
        The travel profile.  Speeds come from ``planner.config``: the default
        walking profile uses the older walker's 0.9 m/s (3.24 km/h) on every
        road; driving uses per-class speeds where OSM has no ``maxspeed``.

    Returns
    -------
    fwd_s, bwd_s : float64 ndarray (m,)
        Seconds for ``u -> v`` and ``v -> u``; ``np.inf`` where the profile
        may not use the segment in that direction (see
        :func:`usable_directions`).  Speed is ``maxspeed_kmh`` when
        ``profile.use_maxspeed`` and the tag was parsed, else
        ``profile.speed_for(highway)``, times ``profile.speed_factor``.
    """
    fwd_ok, bwd_ok = usable_directions(net, profile)
    speed = _per_highway(net.highway, profile.speed_for).astype(np.float64)
    if profile.use_maxspeed:
        ms = np.asarray(net.maxspeed_kmh, dtype=np.float64)
        has = np.isfinite(ms) & (ms > 0)
        speed = np.where(has, ms, speed)
    speed = speed * float(profile.speed_factor)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.asarray(net.length_m, dtype=np.float64) / (speed / 3.6)
    fwd = np.where(fwd_ok, t, np.inf)
    bwd = np.where(bwd_ok, t, np.inf)
    return fwd, bwd


def arcs_from_network(
    net: RoadNetwork, profile: TravelProfile
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Directed arcs a profile may use, as flat arrays (for CSR builders).

    Parameters
    ----------
    net
        The road network.
    profile
        The travel profile.

    Returns
    -------
    tail, head : int64 ndarray (a,)
        Node indices; the arc runs ``tail -> head``.
    seconds : float64 ndarray (a,)
        Travel time (finite) from :func:`segment_travel_times`.
    segment : int64 ndarray (a,)
        Index of the segment the arc runs along.  Forward arcs (``u -> v``,
        ``head == net.v[segment]``) come first, then the backward ones.
    """
    fwd, bwd = segment_travel_times(net, profile)
    return arcs_from_times(net, fwd, bwd)


def arcs_from_times(
    net: RoadNetwork, fwd: np.ndarray, bwd: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Directed arcs from per-segment times (``inf`` = not usable that way): the arcs of :func:`arcs_from_network`.

    For callers that keep the segment times too (the routing graph), so they are computed once.
    """
    f = np.flatnonzero(np.isfinite(fwd))
    b = np.flatnonzero(np.isfinite(bwd))
    u = np.asarray(net.u, dtype=np.int64)
    v = np.asarray(net.v, dtype=np.int64)
    tail = np.concatenate([u[f], v[b]])
    head = np.concatenate([v[f], u[b]])
    seconds = np.concatenate([np.asarray(fwd)[f], np.asarray(bwd)[b]]).astype(np.float64)
    segment = np.concatenate([f, b]).astype(np.int64)
    return tail, head, seconds, segment
