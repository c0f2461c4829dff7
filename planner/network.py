"""Road networks: build them from OpenStreetMap (online or offline) as arrays.

The canonical in-memory form is :class:`RoadNetwork`: plain numpy arrays of
nodes and of *segments* (one per consecutive node pair of an OSM way, never
simplified), with the tags the travel profiles need.  It is built straight
from a file without ever creating a networkx graph, so a province-size
extract fits in memory.  :func:`graph_from_network` gives the networkx
``MultiDiGraph`` for a profile: the readable reference model.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["RoadNetwork"]


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
