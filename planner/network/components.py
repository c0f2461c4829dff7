"""Connected pieces of a road network for one travel profile (weak and strong components).

A village on a piece cut off from the main network must later be reported as
disconnected, so :func:`components_of` keeps and describes small pieces
rather than dropping them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from planner.network.weights import arcs_from_network

if TYPE_CHECKING:
    import pandas as pd

    from planner.config import TravelProfile
    from planner.network.model import RoadNetwork

__all__ = ["Components", "components_of"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class Components:
    """Connected pieces of a road network for one travel profile.

    A village on a piece cut off from the main network must later be
    reported as disconnected, so small pieces are kept and described here
    rather than dropped.

    Attributes
    ----------
    profile : str
        Name of the travel profile.
    weak : int64 ndarray (n,)
        Weakly connected piece per node, numbered by size (``0`` is the
        largest); ``-1`` for nodes no usable segment touches.
    strong : int64 ndarray (n,)
        Strongly connected component per node, numbered by size (``0`` is
        the largest: from every node of it every other can be reached);
        ``-1`` for unused nodes.
    pieces : pandas.DataFrame
        One row per weak piece (index ``piece``): ``n_nodes``,
        ``n_segments``, ``length_km``, ``main`` (bool).
    """

    profile: str
    weak: np.ndarray
    strong: np.ndarray
    pieces: pd.DataFrame

    @property
    def main(self) -> int:
        """Id of the largest weakly connected piece (``-1`` if none)."""
        return 0 if len(self.pieces) else -1

    @property
    def in_main(self) -> np.ndarray:
        """Bool per node: on the largest weakly connected piece."""
        return self.weak == 0

    @property
    def in_main_strong(self) -> np.ndarray:
        """Bool per node: in the largest strongly connected component."""
        return self.strong == 0

    @property
    def n_pieces(self) -> int:
        """Number of weakly connected pieces."""
        return int(len(self.pieces))


def _labels_by_size(labels: np.ndarray, used: np.ndarray) -> np.ndarray:
    """Renumber component labels by size (``0`` the largest); ``-1`` for unused nodes."""
    out = np.full(labels.shape[0], -1, dtype=np.int64)
    if not used.any():
        return out
    lab = labels[used]
    _, dense = np.unique(lab, return_inverse=True)
    counts = np.bincount(dense)
    order = np.argsort(-counts, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.shape[0])
    out[used] = rank[dense]
    return out


def components_of(net: RoadNetwork, profile: TravelProfile) -> Components:
    """Weakly and strongly connected pieces of the network for a profile.

    Parameters
    ----------
    net
        The road network.
    profile
        The travel profile (only the segments and directions it may use count).

    Returns
    -------
    Components
    """
    import pandas as pd
    from scipy.sparse import coo_array
    from scipy.sparse.csgraph import connected_components

    n = net.n_nodes
    tail, head, _, segment = arcs_from_network(net, profile)
    used = np.zeros(n, dtype=bool)
    used[tail] = True
    used[head] = True
    adj = coo_array((np.ones(tail.shape[0], dtype=np.int8), (tail, head)), shape=(n, n)).tocsr()
    _, weak_raw = connected_components(adj, directed=True, connection="weak")
    _, strong_raw = connected_components(adj, directed=True, connection="strong")
    weak = _labels_by_size(weak_raw, used)
    strong = _labels_by_size(strong_raw, used)
    n_pieces = int(weak.max()) + 1 if used.any() else 0
    segs = np.unique(segment)
    seg_piece = weak[np.asarray(net.u)[segs]]
    pieces = pd.DataFrame(
        {
            "n_nodes": np.bincount(weak[used], minlength=n_pieces),
            "n_segments": np.bincount(seg_piece, minlength=n_pieces),
            "length_km": np.bincount(seg_piece, weights=np.asarray(net.length_m)[segs], minlength=n_pieces) / 1000.0,
        },
        index=pd.RangeIndex(n_pieces, name="piece"),
    )
    pieces["main"] = pieces.index == 0
    if n_pieces > 1:
        logger.info(
            "%s: %d road pieces for profile %r; the largest has %d of %d nodes",
            net.name, n_pieces, profile.name, int(pieces["n_nodes"].iloc[0]), int(used.sum()),
        )
    return Components(profile=profile.name, weak=weak, strong=strong, pieces=pieces)
