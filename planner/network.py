"""Road networks: build them from OpenStreetMap (online or offline) as arrays.

The canonical in-memory form is :class:`RoadNetwork`: plain numpy arrays of
nodes and of *segments* (one per consecutive node pair of an OSM way, never
simplified), with the tags the travel profiles need.  It is built straight
from a file without ever creating a networkx graph, so a province-size
extract fits in memory.  :func:`graph_from_network` gives the networkx
``MultiDiGraph`` for a profile: the readable reference model.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from planner.config import TravelProfile

__all__ = ["RoadNetwork", "segment_travel_times", "usable_directions"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class RoadNetwork:
    """An OpenStreetMap road network as arrays (mode-independent).

    Nodes
    -----
    node_id : int64 (n,)
        OSM node ids (or generated ids for synthetic networks).
    lon, lat : float64 (n,)
        WGS84 coordinates.

    Segments (one per consecutive node pair of a way; undirected record)
    --------------------------------------------------------------------
    u, v : int64 (m,)
        Indices into the node arrays; the way runs from ``u`` to ``v``.
    length_m : float64 (m,)
        Geodesic length in metres.
    highway : object (m,)
        OSM ``highway`` value (str).
    oneway : int8 (m,)
        ``0`` both directions, ``1`` only ``u -> v``, ``-1`` only ``v -> u``
        (for motor traffic; walkers ignore it).
    maxspeed_kmh : float64 (m,)
        Parsed ``maxspeed``; NaN when absent or unparseable.
    foot : int8 (m,)
        ``1`` foot explicitly allowed, ``0`` unspecified, ``-1`` forbidden
        (``foot=no`` or ``access=no/private`` without a foot exception).
    motor : int8 (m,)
        Same for motor vehicles (``motor_vehicle``/``motorcar``/``access``).
    way_id : int64 (m,)
        OSM way id of the segment.

    Other
    -----
    name : str
        Where the network came from (file name or place), for reports.
    dropped : dict
        Counts of what the loader left out and why (e.g. segments cut at
        nodes missing from a clipped extract), so nothing vanishes silently.
    """

    node_id: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    u: np.ndarray
    v: np.ndarray
    length_m: np.ndarray
    highway: np.ndarray
    oneway: np.ndarray
    maxspeed_kmh: np.ndarray
    foot: np.ndarray
    motor: np.ndarray
    way_id: np.ndarray
    name: str = ""
    dropped: dict = field(default_factory=dict)

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.node_id.shape[0])

    @property
    def n_segments(self) -> int:
        """Number of segments (undirected records)."""
        return int(self.u.shape[0])


# --------------------------------------------------------------------------- profiles -> edge times


def _per_highway(highway: np.ndarray, fn) -> np.ndarray:
    """Evaluate ``fn(str)`` once per distinct highway value and broadcast it."""
    hw = np.asarray(highway, dtype=object)
    if hw.shape[0] == 0:
        return np.empty(0)
    uniq, inv = np.unique(hw.astype(str), return_inverse=True)
    table = np.array([fn(str(h)) for h in uniq])
    return table[inv.reshape(-1)]


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
    (:func:`graph_from_network`) and the routing engine both use it.

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
        ``profile.speed_for(highway)``.
    """
    fwd_ok, bwd_ok = usable_directions(net, profile)
    speed = _per_highway(net.highway, profile.speed_for).astype(np.float64)
    if profile.use_maxspeed:
        ms = np.asarray(net.maxspeed_kmh, dtype=np.float64)
        has = np.isfinite(ms) & (ms > 0)
        speed = np.where(has, ms, speed)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.asarray(net.length_m, dtype=np.float64) / (speed / 3.6)
    fwd = np.where(fwd_ok, t, np.inf)
    bwd = np.where(bwd_ok, t, np.inf)
    return fwd, bwd
