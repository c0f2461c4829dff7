"""Road networks downloaded with osmnx, cached on disk as GraphML (one file per query)."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.errors import NetworkError
from planner.network.readers import network_from_graphml
from planner.network.reference import network_from_graph

if TYPE_CHECKING:
    import networkx as nx

    from planner.network.model import RoadNetwork

__all__ = ["osmnx_cache_path", "network_from_osmnx"]

logger = logging.getLogger(__name__)

#: OSM way tags osmnx must keep for the profiles' access rules.
_OSMNX_TAGS = ("foot", "motor_vehicle", "motorcar", "vehicle", "access", "maxspeed", "oneway", "junction", "highway")


def osmnx_cache_path(
    cache_dir: str | Path, *, polygon: Any = None, place: str | None = None, network_type: str = "all"
) -> Path:
    """Where :func:`network_from_osmnx` caches the download for a query.

    Parameters
    ----------
    cache_dir
        Cache folder.
    polygon, place, network_type
        The query (see :func:`network_from_osmnx`).

    Returns
    -------
    pathlib.Path
        ``cache_dir / "osmnx_<hash>.graphml"``, the hash covering the query.
    """
    import json

    import shapely

    query = {
        "polygon": shapely.to_wkt(polygon, rounding_precision=6) if polygon is not None else None,
        "place": place,
        "network_type": network_type,
        "tags": sorted(_OSMNX_TAGS),
        "simplify": False,
        "format": 1,
    }
    digest = hashlib.sha256(json.dumps(query, sort_keys=True).encode()).hexdigest()[:16]
    return Path(cache_dir) / f"osmnx_{digest}.graphml"


def _download_graph(*, polygon: Any, place: str | None, network_type: str, verbose: bool) -> nx.MultiDiGraph:
    """The unsimplified osmnx graph of the query, with the access tags kept (osmnx settings restored after)."""
    import osmnx as ox

    old_tags, old_log = ox.settings.useful_tags_way, ox.settings.log_console
    ox.settings.useful_tags_way = sorted(set(old_tags) | set(_OSMNX_TAGS))
    ox.settings.log_console = bool(verbose)
    try:
        if polygon is not None:
            return ox.graph_from_polygon(polygon, network_type=network_type, simplify=False, retain_all=True)
        return ox.graph_from_place(place, network_type=network_type, simplify=False, retain_all=True)
    except Exception as exc:  # requests, osmnx InsufficientResponseError, geocoding errors...
        raise NetworkError(
            f"路网下载失败 / road network download failed ({type(exc).__name__}: {exc}). "
            "Fix: check the internet connection, or give a local extract as [inputs] roads (.osm.pbf)."
        ) from exc
    finally:
        ox.settings.useful_tags_way, ox.settings.log_console = old_tags, old_log


def _save_cache(g: nx.MultiDiGraph, path: Path) -> None:
    """Write the downloaded graph as the cache file (via a temporary file, so a crash leaves no half cache)."""
    import osmnx as ox

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    ox.save_graphml(g, tmp)
    tmp.replace(path)
    logger.info("road network downloaded and cached as %s", path)


def network_from_osmnx(
    *,
    polygon: Any = None,
    place: str | None = None,
    network_type: str = "all",
    cache_dir: str | Path,
    verbose: bool = False,
) -> RoadNetwork:
    """Download a road network with osmnx, cached on disk as GraphML.

    The graph is fetched unsimplified with every piece kept
    (``simplify=False, retain_all=True``) and the access tags the profiles
    need.  The second call with the same query reads the cache and does not
    touch the network.

    Parameters
    ----------
    polygon
        shapely (Multi)Polygon in WGS84 (takes precedence over ``place``).
    place
        Place name for geocoding (e.g. ``"五常市, 黑龙江省, 中国"``).
    network_type
        osmnx network type; ``"all"`` keeps every road and path (the
        profiles decide what each mode may use).
    cache_dir
        Folder of the cache (created when missing).
    verbose
        Log osmnx's progress.

    Returns
    -------
    RoadNetwork

    Raises
    ------
    NetworkError
        Neither polygon nor place given, or the download failed.
    """
    if polygon is None and not place:
        raise NetworkError(
            "下载路网需要研究区范围或地名 / downloading roads needs a study area polygon or a place name. "
            "Fix: give county/township boundaries, or set [network] place."
        )
    path = osmnx_cache_path(cache_dir, polygon=polygon, place=place, network_type=network_type)
    if path.exists():
        logger.info("road network from cache %s", path)
        return dataclasses.replace(network_from_graphml(path), name=place or path.name)
    g = _download_graph(polygon=polygon, place=place, network_type=network_type, verbose=verbose)
    _save_cache(g, path)
    return network_from_graph(g, name=place or path.name)
