"""Points of interest from OpenStreetMap files (.osm, .osm.bz2, .osm.pbf).

Planners rarely have a facility table for a whole city; OpenStreetMap often
has some of the facilities (``amenity=social_facility``, named 福利院 or
养老院...) and the residential places (``place=neighbourhood``...).  This
module reads them offline from an extract with pyosmium, as WGS84 points:

* nodes give their own location;
* ways give the centroid of their polygon (closed ways of 4+ nodes) or of
  their line;
* multipolygon (and boundary) relations give the centroid of the assembled
  multipolygon (pyosmium's area assembler).

:func:`features_from_osm_file` is the general reader (osmnx-style tag filter);
:func:`elderly_care_facilities_from_osm_file` applies the documented rule that
turns OSM objects into elderly-care facilities with a Chinese ``type`` from
which :func:`planner.config.tier_for_type` finds the tier.

Nothing is dropped silently: objects that match but have no usable geometry
(ways whose nodes are all outside a clipped extract, relations that do not
assemble into a valid multipolygon) are counted in ``frame.attrs["dropped"]``
and logged.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner.errors import DataError, InputFileNotFoundError

if TYPE_CHECKING:  # pragma: no cover
    from planner.config import StudyConfig

__all__ = [
    "features_from_osm_file",
    "elderly_care_facilities_from_osm_file",
    "ELDERLY_NAME_WORDS",
    "NON_ELDERLY_NAME_WORDS",
]

logger = logging.getLogger(__name__)

WGS84 = "EPSG:4326"
#: Name tags copied when present.
NAME_TAGS = ("name", "name:zh", "name:en")

#: Name substrings that mark an elderly-care facility (养老院, 敬老院, 福利院, 老年公寓, 日间照料...).
ELDERLY_NAME_WORDS: tuple[str, ...] = (
    "养老院", "敬老院", "福利院", "老年公寓", "日间照料", "养老服务", "养老中心", "养老驿站", "托老所", "护理院",
)
#: Name substrings that mark a facility for children, not older people (e.g. 儿童福利院).
NON_ELDERLY_NAME_WORDS: tuple[str, ...] = ("儿童", "孤儿", "少儿", "婴儿", "妇幼")
#: ``social_facility`` values for older people's residential care.
ELDERLY_SOCIAL_FACILITY = frozenset({"nursing_home", "assisted_living", "group_home"})
#: ``social_facility:for`` values meaning older people.
ELDERLY_FOR = frozenset({"senior", "elderly", "aged"})
#: Tags showing that a name-only match is something else named after a facility
#: (a bus stop 福利院站, a shop, a school): such objects are left out.
OTHER_FUNCTION_TAGS = ("shop", "highway", "public_transport", "railway", "office", "tourism", "leisure")
#: ``social_facility:for`` values meaning someone else.
NON_ELDERLY_FOR = frozenset({"child", "children", "juvenile", "orphan", "youth"})


# --------------------------------------------------------------------------- tag filter


def _normalise_tags(tags: Mapping[str, bool | str | list[str]]) -> dict[str, frozenset[str] | None]:
    """osmnx-style filter -> key: allowed values (``None`` = any value)."""
    if not isinstance(tags, Mapping) or not tags:
        raise ValueError("tags must be a non-empty mapping such as {'amenity': 'social_facility'}")
    out: dict[str, frozenset[str] | None] = {}
    for key, value in tags.items():
        if value is True:
            out[str(key)] = None
        elif value is False:
            raise ValueError(f"tags[{key!r}] = False is not a filter; use True (any value), a value or a list")
        elif isinstance(value, str):
            out[str(key)] = frozenset({value})
        elif isinstance(value, Sequence | set | frozenset) and all(isinstance(v, str) for v in value):
            out[str(key)] = frozenset(value)
        else:
            raise ValueError(f"tags[{key!r}] must be True, a string or a list of strings, not {value!r}")
    return out


def _match(tags: Any, spec: Mapping[str, frozenset[str] | None], name_words: Sequence[str]) -> bool:
    """osmnx semantics: an object matches when *any* key/value pair matches."""
    for key, allowed in spec.items():
        value = tags.get(key)
        if value is None:
            continue
        if allowed is None or value in allowed:
            return True
    if name_words:
        for nk in ("name", "name:zh"):
            nm = tags.get(nk)
            if nm and any(w in nm for w in name_words):
                return True
    return False


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


# --------------------------------------------------------------------------- reader


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
    ValueError
        ``tags`` is not a valid filter.

    Examples
    --------
    >>> features_from_osm_file("harbin.osm.pbf", tags={"amenity": "social_facility"})  # doctest: +SKIP
    """
    import osmium

    spec = _normalise_tags(tags)
    name_words = tuple(w for w in name_contains if w)
    path = Path(path)
    if not path.exists():
        raise InputFileNotFoundError(f"{path}: OpenStreetMap file not found; check the path")
    counts: Counter = Counter()
    rows: list[tuple[str, int, str, Any, dict[str, str]]] = []
    matched_relations: dict[int, dict[str, str]] = {}
    area_shapes: dict[int, Any] = {}
    keys = list(dict.fromkeys(list(NAME_TAGS) + list(spec) + [str(c) for c in columns]))

    def tag_values(obj_tags: Any) -> dict[str, str]:
        return {k: obj_tags.get(k, "") for k in keys}

    try:
        processor = osmium.FileProcessor(str(path)).with_areas()
        for obj in processor:
            if obj.is_area():
                # a relation's area may come before or after the relation itself: keep every
                # assembled relation's point and pick the matching ones at the end
                if not obj.from_way():
                    shape = _area_shape(obj)
                    if shape is not None:
                        area_shapes[obj.orig_id()] = shape
                continue
            if not _match(obj.tags, spec, name_words):
                continue
            if obj.is_node():
                loc = obj.location
                if not loc.valid():
                    counts["nodes_without_location"] += 1
                    continue
                rows.append(("node", obj.id, "point", shapely.Point(loc.lon, loc.lat), tag_values(obj.tags)))
            elif obj.is_way():
                placed = _way_shape(obj, counts)
                if placed is not None:
                    rows.append(("way", obj.id, placed[1], placed[0], tag_values(obj.tags)))
            elif obj.is_relation():
                matched_relations[obj.id] = tag_values(obj.tags)
    except RuntimeError as exc:
        raise DataError(
            f"{path}: cannot read this OpenStreetMap file ({exc}); export it again as .osm, .osm.bz2 or .osm.pbf"
        ) from None
    not_assembled = 0
    for rid, values in matched_relations.items():
        shape = area_shapes.get(rid)
        if shape is None:
            not_assembled += 1
        else:
            rows.append(("relation", rid, "multipolygon", shape, values))
    if not_assembled:
        counts["relations_not_assembled"] += not_assembled
    if verbose or counts:
        logger.info("%s: %d matching objects placed; left out or partial: %s", path.name, len(rows), dict(counts))

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
    gdf = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometry, index=index, crs=WGS84), crs=WGS84)
    gdf.attrs["dropped"] = dict(counts)
    gdf.attrs["source"] = str(path)
    return gdf


# --------------------------------------------------------------------------- elderly care


def _type_for(name: str, social_facility: str, amenity: str, tier_words: Sequence[tuple[str, str]]) -> str:
    for word, _ in tier_words:  # longest first
        if word in name:
            return word
    if "老年公寓" in name:
        return "养老机构"
    if "日间照料" in name:
        return "日间照料中心"
    if amenity == "nursing_home" or social_facility in ELDERLY_SOCIAL_FACILITY:
        return "养老院"
    return "养老机构"


def elderly_care_facilities_from_osm_file(
    path: str | Path, *, config: StudyConfig | None = None
) -> gpd.GeoDataFrame:
    """Elderly-care facilities (养老服务设施) in an OpenStreetMap file, with planner tiers.

    The rule, applied to every node, way and multipolygon relation:

    1. **Candidates**: ``amenity=social_facility``, ``amenity=nursing_home``,
       any ``social_facility`` / ``social_facility:for`` tag, or a name
       (``name``/``name:zh``) containing one of :data:`ELDERLY_NAME_WORDS`
       (养老院, 敬老院, 福利院, 老年公寓, 日间照料, 养老服务, 养老中心, 养老驿站, 托老所, 护理院).
    2. **Not for older people** (left out, counted in
       ``attrs["excluded"]["not_elderly"]``): a name containing
       :data:`NON_ELDERLY_NAME_WORDS` (儿童福利院 is a children's home) or
       ``social_facility:for`` of children/juveniles/orphans.
    3. **Kept**: ``amenity=nursing_home``; ``social_facility`` =
       nursing_home / assisted_living / group_home; ``social_facility:for`` =
       senior; or an elderly name word.  Other social facilities (shelters,
       food banks... without any sign of older people) are left out and
       counted under ``no_elderly_sign``.  A match on the name alone is
       left out (``other_function``) when the object is something else named
       after a facility: it has another ``amenity`` (儿童福利院 tagged as a
       school) or a ``shop``, ``highway`` (bus stop 福利院站),
       ``public_transport``, ``railway``, ``office``, ``tourism`` or
       ``leisure`` tag.
    4. **Type** (Chinese, so :func:`planner.config.tier_for_type` can read
       it): the longest facility-type word of the config's tiers found in
       the name (哈尔滨市第一社会福利院 -> 社会福利院 -> county tier); else
       老年公寓 -> 养老机构, 日间照料 -> 日间照料中心, nursing_home /
       assisted_living / group_home -> 养老院, anything else -> 养老机构
       (residential institutions belong to the county tier).

    Parameters
    ----------
    path
        OpenStreetMap file (.osm, .osm.bz2, .osm.pbf).
    config : StudyConfig, optional
        Its tiers' words decide ``type`` and ``tier``; default
        :func:`planner.config.default_config`.

    Returns
    -------
    GeoDataFrame
        WGS84 points indexed like :func:`features_from_osm_file`
        (``"way/986527128"``), columns ``name`` (``name:zh`` when ``name``
        is empty), ``name:zh``, ``name:en``, ``type``, ``tier``, ``rule``
        (which condition of step 3 kept it), ``amenity``,
        ``social_facility``, ``social_facility:for``, ``osm_type``,
        ``osm_id``, ``geometry_source``, ``geometry``.  ``attrs["excluded"]``
        counts the candidates left out by reason; ``attrs["dropped"]`` those
        without a location.
    """
    from planner.config import default_config, tier_for_type

    config = config or default_config()
    tags = {"amenity": ["social_facility", "nursing_home"], "social_facility": True, "social_facility:for": True}
    cand = features_from_osm_file(path, tags=tags, name_contains=ELDERLY_NAME_WORDS, columns=OTHER_FUNCTION_TAGS)
    tier_words = sorted(
        ((w, k) for k, t in config.tiers.items() for w in t.all_words), key=lambda wk: -len(wk[0])
    )
    excluded: Counter = Counter()
    keep: list[str] = []
    rules: list[str] = []
    types: list[str] = []
    for idx, row in cand.iterrows():
        name = row["name"] or row["name:zh"]
        amenity, sf, sf_for = row["amenity"], row["social_facility"], row["social_facility:for"]
        for_values = {v.strip() for v in sf_for.split(";") if v.strip()}
        if any(w in name for w in NON_ELDERLY_NAME_WORDS) or (for_values & NON_ELDERLY_FOR and not for_values & ELDERLY_FOR):
            excluded["not_elderly"] += 1
            continue
        if amenity == "nursing_home":
            rule = "amenity=nursing_home"
        elif sf in ELDERLY_SOCIAL_FACILITY:
            rule = f"social_facility={sf}"
        elif for_values & ELDERLY_FOR:
            rule = "social_facility:for=senior"
        elif any(w in name for w in ELDERLY_NAME_WORDS):
            if amenity not in ("", "social_facility") or any(row[k] for k in OTHER_FUNCTION_TAGS):
                excluded["other_function"] += 1
                continue
            rule = "name"
        else:
            excluded["no_elderly_sign"] += 1
            continue
        keep.append(idx)
        rules.append(rule)
        types.append(_type_for(name, sf, amenity, tier_words))
    out = cand.loc[keep].copy()
    out["name"] = [r["name"] or r["name:zh"] for _, r in out.iterrows()]
    out["type"] = types
    out["tier"] = pd.array([tier_for_type(t, config.tiers) for t in types], dtype="string")
    out["rule"] = rules
    cols = ["name", "name:zh", "name:en", "type", "tier", "rule", "amenity", "social_facility",
            "social_facility:for", "osm_type", "osm_id", "geometry_source", "geometry"]
    out = gpd.GeoDataFrame(out[cols], geometry="geometry", crs=WGS84)
    out.attrs["excluded"] = dict(excluded)
    out.attrs["dropped"] = dict(cand.attrs.get("dropped", {}))
    if excluded:
        logger.info("%s: %d elderly-care facilities; candidates left out: %s", Path(path).name, len(out), dict(excluded))
    return out
