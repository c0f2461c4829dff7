"""The network Voronoi: the served area split by nearest facility along the network, without overlaps.

One multi-source Dijkstra labels every node with its nearest facility
(:func:`planner.routing.nearest_source_times`); each reached arc piece goes
to the facility of its reached end, and an arc reached from both ends by
different facilities is split at the point of equal time
(:mod:`planner.analysis.circle_pieces`).  The buffered linework is then
divided among facilities by the Voronoi diagram of points spaced
``buffer_m`` along each facility's pieces, so neighbouring pieces meet along
a line instead of overlapping by the buffer width.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

from planner.analysis.circle_frames import (
    attach_facilities,
    check_buffer,
    check_facilities,
    check_minutes,
    frame,
    result_columns,
)
from planner.analysis.circle_geometry import BUFFER_M, multilines, polygons
from planner.analysis.circle_pieces import ReverseArcs, owned_pieces, piece_lengths_km
from planner.routing import RoutingGraph

__all__ = ["network_voronoi"]

logger = logging.getLogger(__name__)


def network_voronoi(
    graph: RoutingGraph,
    facilities: gpd.GeoDataFrame,
    *,
    minutes: float = 15.0,
    buffer_m: float = BUFFER_M,
    max_snap_m: float | np.ndarray | None = None,
) -> gpd.GeoDataFrame:
    """The served area split by nearest facility along the network.

    Parameters
    ----------
    graph : planner.routing.RoutingGraph
        Routing graph of the travel profile.
    facilities : GeoDataFrame
        Facility points.
    minutes : float
        Threshold; roads beyond it from every facility are not drawn.
    buffer_m : float
        Widening of the linework, metres (default 30).
    max_snap_m : float or array, optional
        As in :func:`planner.analysis.service_circles`.

    Returns
    -------
    GeoDataFrame
        Indexed like ``facilities``, WGS84: ``geometry`` (the part of the
        served area closest in time to this facility; pieces do not
        overlap and together equal the dissolved circles), ``minutes``,
        ``reached_km`` (network length this facility is nearest for),
        ``area_km2``, ``snap_m``, ``reason`` and passthrough columns.

    Notes
    -----
    One multi-source Dijkstra labels every node with its nearest facility.
    Each reached arc piece goes to the facility of its reached end; an arc
    reached from both ends by different facilities is split at the point of
    equal time.  The buffered linework is then divided among facilities by
    the Voronoi diagram of points spaced ``buffer_m`` along each
    facility's pieces, so neighbouring pieces meet along a line instead of
    overlapping by the buffer width.
    """
    facilities = check_facilities(facilities, "network_voronoi")
    check_buffer(buffer_m)
    check_minutes(minutes)
    g2, nodes, snapping = attach_facilities(graph, facilities, max_snap_m)
    n = len(facilities)
    coords, owner = owned_pieces(g2, ReverseArcs(g2), nodes, float(minutes) * 60.0)
    km = piece_lengths_km(coords, owner, n) if n else np.zeros(0)
    polys = _split_area(coords, owner, n, buffer_m)
    extra = result_columns(minutes, km, snapping, polys)
    params = {"function": "network_voronoi", "minutes": float(minutes), "buffer_m": float(buffer_m)}
    return frame(facilities, polys, graph, extra, params)


# --------------------------------------------------------------------------- dividing the served area


@dataclass(frozen=True, eq=False)
class _Samples:
    """Points along the owned pieces (``pts``, shapely points) and their owner (``lab``)."""

    pts: np.ndarray
    lab: np.ndarray


def _samples(coords: np.ndarray, owner: np.ndarray, step: float) -> _Samples:
    """Points about ``step`` apart along every piece, labelled by the piece's owner."""
    length = np.hypot(coords[:, 2] - coords[:, 0], coords[:, 3] - coords[:, 1])
    k = np.maximum(np.ceil(length / step).astype(np.int64), 1) + 1
    piece = np.repeat(np.arange(coords.shape[0]), k)
    first = np.cumsum(k) - k
    f = (np.arange(piece.shape[0]) - first[piece]) / (k[piece] - 1)
    # pull the end samples 0.5 m into their own piece: where two facilities'
    # pieces meet (the equal-time point) the two samples straddling it make
    # the cell boundary the perpendicular to the road at that point
    eps = np.minimum(0.5 / np.maximum(length[piece], 1e-9), 0.25)
    f = np.clip(f, eps, 1.0 - eps)
    px = coords[piece, 0] + f * (coords[piece, 2] - coords[piece, 0])
    py = coords[piece, 1] + f * (coords[piece, 3] - coords[piece, 1])
    lab = owner[piece]
    # identical samples (pieces meeting head-on): keep one
    _, first_idx = np.unique(np.column_stack([px, py]), axis=0, return_index=True)
    first_idx.sort()
    return _Samples(shapely.points(px[first_idx], py[first_idx]), lab[first_idx])


def _cells(samples: _Samples, served: shapely.Geometry, buffer_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Voronoi cells of the samples over the served area (padded), and each cell's owner."""
    minx, miny, maxx, maxy = shapely.bounds(served)
    pad = 4 * buffer_m
    extent = shapely.box(minx - pad, miny - pad, maxx + pad, maxy + pad)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(samples.pts), extend_to=extent))
    # a cell's generator is the sample nearest to any point inside the cell
    near = shapely.STRtree(samples.pts).nearest(shapely.point_on_surface(cells))
    return cells, samples.lab[near]


def _region(cells: np.ndarray) -> shapely.Geometry:
    """Union of one owner's cells (a coverage union, or the full union when GEOS refuses it)."""
    try:
        region = shapely.coverage_union_all(cells)
    except shapely.errors.GEOSException:  # pragma: no cover - GEOS refused a valid coverage
        region = shapely.union_all(cells)
    # coverage_union trusts its input to tile exactly; cells that meet only within
    # floating-point noise can leave a self-touching ring, which GEOS then refuses
    # to intersect ("side location conflict").  Redo those with the full overlay union.
    if not shapely.is_valid(region):
        region = shapely.union_all(cells)
    return region


def _fill_gaps(out: np.ndarray, served: shapely.Geometry, regions: dict, samples: _Samples) -> int:
    """Give the parts of the served area no region covers to the owner of the nearest sample; their number."""
    covered = shapely.union_all(np.array(list(regions.values()), dtype=object))
    gaps = shapely.get_parts(shapely.difference(served, covered))
    gaps = gaps[shapely.area(gaps) > 0]
    if gaps.shape[0]:
        gap_owner = samples.lab[shapely.STRtree(samples.pts).nearest(shapely.point_on_surface(gaps))]
        for o in np.unique(gap_owner):
            out[o] = shapely.union_all(np.append(gaps[gap_owner == o], out[o]))
    return int(gaps.shape[0])


def _split_area(coords: np.ndarray, owner: np.ndarray, n: int, buffer_m: float) -> np.ndarray:
    """Divide the buffered linework among owners without overlap."""
    out = np.full(n, shapely.Polygon(), dtype=object)
    if coords.shape[0] == 0:
        return out
    served = polygons(multilines(coords, np.zeros(coords.shape[0], dtype=np.int64), 1), buffer_m)[0]
    owners = np.unique(owner)
    if owners.shape[0] == 1:
        out[owners[0]] = served
        return out
    samples = _samples(coords, owner, buffer_m)
    cells, cell_owner = _cells(samples, served, buffer_m)
    # On regular layouts GEOS can return a cell as a collection with sliver
    # lines or a slightly invalid cell.  Such cells are left out of the
    # (fast) coverage union; the gaps they leave are given to the owner of
    # the nearest sample afterwards, so pieces still tile the served area.
    good = (shapely.get_type_id(cells) == 3) & shapely.is_valid(cells)
    regions = {}
    for o in owners:
        regions[o] = _region(cells[good & (cell_owner == o)])
        try:
            out[o] = shapely.intersection(served, regions[o])
        except shapely.errors.GEOSException:
            out[o] = shapely.intersection(served, regions[o], grid_size=1e-3)
    if not good.all():
        n_gaps = _fill_gaps(out, served, regions, samples)
        logger.debug("network_voronoi: %d degenerate Voronoi cells, %d gaps reassigned", int((~good).sum()), n_gaps)
    return _resolve_overlaps(out, samples)


def _resolve_overlaps(out: np.ndarray, samples: _Samples) -> np.ndarray:
    """Give any area two pieces share to the owner of the sample nearest to it.

    Degenerate Voronoi cells (regular layouts) can leave two owners' pieces
    overlapping after the repairs above; pieces must tile the served area.
    """
    out = out.copy()
    bad = ~shapely.is_valid(out)
    out[bad] = shapely.make_valid(out[bad])
    tree = shapely.STRtree(out)
    left, right = tree.query(out, predicate="intersects")
    near = shapely.STRtree(samples.pts)
    for i, j in zip(left, right):
        if i >= j:
            continue
        shared = shapely.intersection(out[i], out[j])
        if shapely.area(shared) <= 1e-6:
            continue
        parts = shapely.get_parts(shared)
        parts = parts[shapely.area(parts) > 0]
        part_owner = samples.lab[near.nearest(shapely.point_on_surface(parts))]
        for part, o in zip(parts, part_owner):
            loser = j if o == i else i
            out[loser] = shapely.difference(out[loser], part)
    return out
