"""Road networks downloaded with osmnx, cached on disk as GraphML (one file per query)."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.errors import NetworkError
from planner.network.online import (
    OnlineSettings,
    check_download_size,
    endpoint_url,
    expected_requests,
    osmnx_session,
    with_retries,
)
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


def _download_graph(*, polygon: Any, place: str | None, network_type: str, settings: OnlineSettings,
                    verbose: bool) -> nx.MultiDiGraph:
    """The unsimplified osmnx graph of the query, with the access tags kept (osmnx settings restored after)."""
    with osmnx_session(settings, extra_way_tags=_OSMNX_TAGS) as ox:
        ox.settings.log_console = bool(verbose)
        if polygon is not None:
            return with_retries(
                lambda: ox.graph_from_polygon(polygon, network_type=network_type, simplify=False, retain_all=True),
                settings, what="road network")
        return with_retries(
            lambda: ox.graph_from_place(place, network_type=network_type, simplify=False, retain_all=True),
            settings, what=f"road network of {place!r}")


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
    settings: OnlineSettings | None = None,
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
        Folder of the cache (created when missing); osmnx's HTTP cache goes
        to its ``http`` subfolder.
    verbose
        Log osmnx's progress.
    settings
        Timeout, retries, size limit and endpoints of the download
        (:class:`~planner.network.online.OnlineSettings`; its ``cache_dir`` is
        replaced by ``cache_dir``).  ``None``: the defaults.

    Returns
    -------
    RoadNetwork

    Raises
    ------
    NetworkError
        Neither polygon nor place given, the polygon is larger than
        ``settings.max_km2``, or the download failed (after the retries; the
        message names the server, the timeout and the fixes).
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
    settings = dataclasses.replace(settings or OnlineSettings(cache_dir=Path(cache_dir)), cache_dir=Path(cache_dir))
    if polygon is not None:
        km2 = check_download_size(polygon, settings)
        logger.warning("downloading roads for %.0f km² from %s in %d request(s), timeout %g s; cache %s", km2,
                       settings.overpass_url or endpoint_url("overpass"), expected_requests(polygon),
                       settings.timeout_s, settings.http_cache)
    else:
        logger.warning("downloading roads of %r (timeout %g s); cache %s", place, settings.timeout_s,
                       settings.http_cache)
    g = _download_graph(polygon=polygon, place=place, network_type=network_type, settings=settings,
                        verbose=verbose)
    _save_cache(g, path)
    return network_from_graph(g, name=place or path.name)
