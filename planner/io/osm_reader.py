"""OpenStreetMap objects that match a tag filter, as WGS84 points or shapes (read offline with pyosmium).

* nodes give their own location;
* ways give the centroid of their polygon (closed ways of 4+ nodes) or of
  their line;
* multipolygon (and boundary) relations give the centroid of the assembled
  multipolygon (pyosmium's area assembler).

:func:`features_from_osm_file` reads in stages: scan the file for matching
objects (:func:`_scan`), place the matching relations on their assembled
areas (:func:`_place_relations`), build the frame (:func:`_features_frame`).
Nothing is dropped silently: objects that match but have no usable geometry
(ways whose nodes are all outside a clipped extract, relations that do not
assemble into a valid multipolygon) are counted in ``frame.attrs["dropped"]``
and logged.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner.errors import DataError, InputError, InputFileNotFoundError

__all__ = ["features_from_osm_file", "WGS84", "NAME_TAGS"]

logger = logging.getLogger(__name__)

WGS84 = "EPSG:4326"
#: Name tags copied when present.
NAME_TAGS = ("name", "name:zh", "name:en")


# --------------------------------------------------------------------------- tag filter


def _normalise_tags(tags: Mapping[str, bool | str | list[str]]) -> dict[str, frozenset[str] | None]:
    """osmnx-style filter -> key: allowed values (``None`` = any value)."""
    if not isinstance(tags, Mapping) or not tags:
        raise InputError("tags must be a non-empty mapping such as {'amenity': 'social_facility'}")
    out: dict[str, frozenset[str] | None] = {}
    for key, value in tags.items():
        if value is True:
            out[str(key)] = None
        elif value is False:
            raise InputError(f"tags[{key!r}] = False is not a filter; use True (any value), a value or a list")
        elif isinstance(value, str):
            out[str(key)] = frozenset({value})
        elif isinstance(value, Sequence | set | frozenset) and all(isinstance(v, str) for v in value):
            out[str(key)] = frozenset(value)
        else:
            raise InputError(f"tags[{key!r}] must be True, a string or a list of strings, not {value!r}")
    return out


@dataclass(frozen=True)
class _Filter:
    """Which objects to keep (``spec``, ``name_words``) and which tag values to copy (``keys``)."""

    spec: Mapping[str, frozenset[str] | None]
    name_words: tuple[str, ...]
    keys: tuple[str, ...]

    def matches(self, tags: Any) -> bool:
        """osmnx semantics: an object matches when *any* key/value pair matches (or its name has a word)."""
        for key, allowed in self.spec.items():
            value = tags.get(key)
            if value is None:
                continue
            if allowed is None or value in allowed:
                return True
        if self.name_words:
            for nk in ("name", "name:zh"):
                nm = tags.get(nk)
                if nm and any(w in nm for w in self.name_words):
                    return True
        return False

    def values(self, tags: Any) -> dict[str, str]:
        """The copied tag values (``""`` when absent)."""
        return {k: tags.get(k, "") for k in self.keys}


# --------------------------------------------------------------------------- geometry


def _way_shape(way: Any, counts: Counter) -> tuple[Any, str] | None:
    """The way as a polygon (closed, 4+ nodes, valid area), line or point; ``None`` if unplaceable."""
    coords = []
    missing = 0
    for nr in way.nodes:
        loc = nr.location
        if loc.valid():
            coords.append((loc.lon, loc.lat))
        else:
            missing += 1
    if missing:
        counts["ways_with_missing_nodes"] += 1
    if not coords:
        counts["ways_without_located_nodes"] += 1
        return None
    if len(coords) == 1:
        return shapely.Point(coords[0]), "point"
    closed = len(way.nodes) >= 4 and way.nodes[0].ref == way.nodes[-1].ref and not missing
    if closed:
        poly = shapely.Polygon(coords)
        if not poly.is_valid:
            poly = shapely.make_valid(poly)
        if not poly.is_empty and poly.area > 0:
            return poly, "polygon"
    return shapely.LineString(coords), "line"


def _area_shape(area: Any) -> Any | None:
    """The (multi)polygon pyosmium assembled for a relation; ``None`` when it has no valid area."""
    polys = []
    for outer in area.outer_rings():
        shell = [(n.lon, n.lat) for n in outer]
        holes = [[(n.lon, n.lat) for n in inner] for inner in area.inner_rings(outer)]
        if len(shell) >= 4:
            polys.append(shapely.Polygon(shell, holes))
    if not polys:
        return None
    geom = shapely.make_valid(shapely.MultiPolygon(polys) if len(polys) > 1 else polys[0])
    if geom.is_empty or geom.area <= 0:
        return None
    return geom


# --------------------------------------------------------------------------- reading stages

#: One placed object: (osm type, id, geometry source, shape, copied tag values).
_Row = tuple[str, int, str, Any, dict[str, str]]


@dataclass(eq=False)
class _Scan:
    """What one pass over the file found."""

    rows: list[_Row] = field(default_factory=list)
    matched_relations: dict[int, dict[str, str]] = field(default_factory=dict)
    area_shapes: dict[int, Any] = field(default_factory=dict)
    counts: Counter = field(default_factory=Counter)

    def add(self, obj: Any, filt: _Filter) -> None:
        """Place a matching node or way now; remember a matching relation for :func:`_place_relations`."""
        if obj.is_node():
            loc = obj.location
            if not loc.valid():
                self.counts["nodes_without_location"] += 1
                return
            self.rows.append(("node", obj.id, "point", shapely.Point(loc.lon, loc.lat), filt.values(obj.tags)))
        elif obj.is_way():
            placed = _way_shape(obj, self.counts)
            if placed is not None:
                self.rows.append(("way", obj.id, placed[1], placed[0], filt.values(obj.tags)))
        elif obj.is_relation():
            self.matched_relations[obj.id] = filt.values(obj.tags)


def _scan(path: Path, filt: _Filter) -> _Scan:
    """One pass with pyosmium's area assembler: matching objects and every assembled relation's shape."""
    import osmium

    scan = _Scan()
    try:
        for obj in osmium.FileProcessor(str(path)).with_areas():
            if obj.is_area():
                # a relation's area may come before or after the relation itself: keep every
                # assembled relation's shape and pick the matching ones at the end
                if not obj.from_way():
                    shape = _area_shape(obj)
                    if shape is not None:
                        scan.area_shapes[obj.orig_id()] = shape
                continue
            if filt.matches(obj.tags):
                scan.add(obj, filt)
    except RuntimeError as exc:
        raise DataError(
            f"{path}: cannot read this OpenStreetMap file ({exc}); export it again as .osm, .osm.bz2 or .osm.pbf"
        ) from None
    return scan


def _place_relations(scan: _Scan) -> None:
    """Add the matching relations that assembled into an area; count the others."""
    not_assembled = 0
    for rid, values in scan.matched_relations.items():
        shape = scan.area_shapes.get(rid)
        if shape is None:
            not_assembled += 1
        else:
            scan.rows.append(("relation", rid, "multipolygon", shape, values))
    if not_assembled:
        scan.counts["relations_not_assembled"] += not_assembled


def _features_frame(rows: list[_Row], keys: Sequence[str], *, keep_shapes: bool) -> gpd.GeoDataFrame:
    """The placed objects as a GeoDataFrame indexed ``"<type>/<id>"`` (centroids unless ``keep_shapes``)."""
    index = pd.Index([f"{t}/{i}" for t, i, *_ in rows], name="element", dtype=object)
    frame = pd.DataFrame(
        {
            "osm_type": [r[0] for r in rows],
            "osm_id": np.array([r[1] for r in rows], dtype=np.int64),
            "geometry_source": [r[2] for r in rows],
        },
        index=index,
    )
    for k in keys:
        frame[k] = [r[4][k] for r in rows]
    shapes = np.array([r[3] for r in rows], dtype=object)
    geometry = shapes if keep_shapes else shapely.centroid(shapes)
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometry, index=index, crs=WGS84), crs=WGS84)


def features_from_osm_file(
    path: str | Path,
    *,
    tags: Mapping[str, bool | str | list[str]],
    name_contains: Sequence[str] = (),
    columns: Sequence[str] = (),
    keep_shapes: bool = False,
    verbose: bool = False,
) -> gpd.GeoDataFrame:
    """Points of the OSM objects in a file that match a tag filter.

    Parameters
    ----------
    path
        ``.osm``, ``.osm.bz2``, ``.osm.gz`` or ``.osm.pbf`` file.  Clipped
        extracts are fine: ways are placed from the nodes the file has.
    tags
        osmnx-style filter: ``{key: True}`` any value, ``{key: "value"}``
        one value, ``{key: ["a", "b"]}`` any of several.  An object matches
        when **any** of the pairs matches (as in ``osmnx.features_from_*``).
    name_contains
        Also match objects whose ``name`` or ``name:zh`` contains any of
        these substrings.
    columns
        Further tag keys to copy as columns (without filtering on them).
    keep_shapes
        Return the shapes (polygon, line, multipolygon in WGS84) instead of
        their centroids, e.g. to draw a river.
    verbose
        Log the number of objects placed even when nothing was left out
        (the file is read in two passes by pyosmium's area assembler; there
        is no progress bar).

    Returns
    -------
    GeoDataFrame
        WGS84 points (centroids of ways and relations; the shapes with
        ``keep_shapes``) indexed by ``"node/<id>"``, ``"way/<id>"`` or
        ``"relation/<id>"`` (index name ``element``), with columns
        ``osm_type``, ``osm_id``, ``geometry_source`` (``point`` for nodes,
        ``polygon``/``line`` for the centroid of a way, ``multipolygon`` for
        a relation), ``name``, ``name:zh``, ``name:en`` (``""`` when absent),
        one column per key of ``tags`` and of ``columns`` (the object's
        value, ``""`` when it lacks the key) and ``geometry``.  ``frame.attrs["dropped"]`` counts
        matching objects without a usable location (``ways_without_located_nodes``,
        ``relations_not_assembled``) and ways placed from only part of
        their nodes (``ways_with_missing_nodes``, kept).

    Raises
    ------
    InputFileNotFoundError
        The file does not exist.
    DataError
        The file is not a readable OSM file.
    InputError
        ``tags`` is not a valid filter (also a ``ValueError``).

    Examples
    --------
    >>> features_from_osm_file("harbin.osm.pbf", tags={"amenity": "social_facility"})  # doctest: +SKIP
    """
    spec = _normalise_tags(tags)
    keys = tuple(dict.fromkeys(list(NAME_TAGS) + list(spec) + [str(c) for c in columns]))
    filt = _Filter(spec=spec, name_words=tuple(w for w in name_contains if w), keys=keys)
    path = Path(path)
    if not path.exists():
        raise InputFileNotFoundError(f"{path}: OpenStreetMap file not found; check the path")
    scan = _scan(path, filt)
    _place_relations(scan)
    if verbose or scan.counts:
        logger.info("%s: %d matching objects placed; left out or partial: %s",
                    path.name, len(scan.rows), dict(scan.counts))
    gdf = _features_frame(scan.rows, keys, keep_shapes=keep_shapes)
    gdf.attrs["dropped"] = dict(scan.counts)
    gdf.attrs["source"] = str(path)
    return gdf
