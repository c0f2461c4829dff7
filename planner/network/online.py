"""The osmnx session every download runs in: timeout, retries, progress line, size guard, cache folder.

osmnx keeps its options in the module-global ``osmnx.settings`` and patches
``socket.getaddrinfo`` while it talks to Overpass; :func:`osmnx_session`
sets what a download needs (the study's cache folder, the request timeout,
the endpoints) and puts every one of them back afterwards, so one study's
download never leaks into the next.

osmnx reads its HTTP cache (one JSON file per request URL under
``settings.cache_folder``) before any network access, which is what makes a
recorded response replay offline (``tests/fixtures/osm_replay``).
"""

from __future__ import annotations

import contextlib
import logging
import math
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from planner.errors import NetworkError

__all__ = [
    "OnlineSettings",
    "DEFAULT_TIMEOUT_S",
    "DEFAULT_MAX_DOWNLOAD_KM2",
    "osmnx_session",
    "area_km2",
    "check_download_size",
    "with_retries",
    "geocode_place",
    "osm_places_in",
    "PLACE_KINDS",
    "expected_requests",
    "endpoint_url",
]

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: Seconds osmnx waits for one HTTP request (connect, then each read) before giving up.
DEFAULT_TIMEOUT_S = 180.0
#: Largest area downloaded without asking: about the largest county of Heilongjiang (漠河 ~18,000 km²).
DEFAULT_MAX_DOWNLOAD_KM2 = 20_000.0
#: OSM ``place`` values :func:`osm_places_in` returns (settlements, not cities or regions).
PLACE_KINDS = ("village", "hamlet", "neighbourhood", "suburb", "town", "isolated_dwelling")

#: The osmnx settings a session sets (and restores).
_SESSION_KEYS = ("cache_folder", "use_cache", "requests_timeout", "overpass_rate_limit", "log_console",
                 "overpass_url", "nominatim_url", "useful_tags_way")


@dataclass(frozen=True)
class OnlineSettings:
    """How downloads talk to the OSM servers.

    Parameters
    ----------
    cache_dir
        The study's cache folder: osmnx's HTTP cache goes to ``cache_dir / "http"``.
    timeout_s
        Seconds one request may wait for the server (``network.timeout_s``).
    retries
        Further attempts after a timeout or a connection failure (``network.retries``).
    backoff_s
        Pause before the first retry, doubled before each further one.
    max_km2
        Largest polygon downloaded (``network.max_download_km2``).
    overpass_url, nominatim_url
        Other endpoints (a mirror); ``None``: osmnx's current ones.
    """

    cache_dir: Path
    timeout_s: float = DEFAULT_TIMEOUT_S
    retries: int = 2
    backoff_s: float = 2.0
    max_km2: float = DEFAULT_MAX_DOWNLOAD_KM2
    overpass_url: str | None = None
    nominatim_url: str | None = None

    @property
    def http_cache(self) -> Path:
        """osmnx's HTTP cache folder inside the study's cache folder."""
        return Path(self.cache_dir) / "http"


@contextlib.contextmanager
def osmnx_session(settings: OnlineSettings, *, extra_way_tags: tuple[str, ...] = ()) -> Iterator[Any]:
    """osmnx configured for one download; every setting it changes is restored on exit.

    Parameters
    ----------
    settings
        Cache folder, timeout and endpoints.
    extra_way_tags
        OSM way tags osmnx must keep besides its defaults.

    Yields
    ------
    module
        ``osmnx``, configured.
    """
    import osmnx as ox

    saved = {k: getattr(ox.settings, k) for k in _SESSION_KEYS}
    saved_getaddrinfo = socket.getaddrinfo  # osmnx's _config_dns replaces it process-wide
    try:
        ox.settings.cache_folder = str(settings.http_cache)
        ox.settings.use_cache = True
        ox.settings.requests_timeout = float(settings.timeout_s)
        # one study makes one or a few requests; the status pre-check would sleep 60 s on a refused connection
        ox.settings.overpass_rate_limit = False
        ox.settings.log_console = False
        if settings.overpass_url:
            ox.settings.overpass_url = settings.overpass_url
        if settings.nominatim_url:
            ox.settings.nominatim_url = settings.nominatim_url
        if extra_way_tags:
            ox.settings.useful_tags_way = sorted(set(saved["useful_tags_way"]) | set(extra_way_tags))
        yield ox
    finally:
        for k, v in saved.items():
            setattr(ox.settings, k, v)
        socket.getaddrinfo = saved_getaddrinfo


def area_km2(polygon: Any) -> float:
    """Area of a WGS84 polygon in km² (in its UTM zone)."""
    import pyproj
    import shapely

    from planner.geo import utm_crs_for

    fwd = pyproj.Transformer.from_crs("EPSG:4326", utm_crs_for(polygon), always_xy=True)
    return float(shapely.transform(polygon, fwd.transform, interleaved=False).area) / 1e6


def check_download_size(polygon: Any, settings: OnlineSettings, *, what: str = "roads") -> float:
    """The polygon's area in km²; :class:`NetworkError` when it is above ``settings.max_km2``.

    Parameters
    ----------
    polygon
        The WGS84 polygon to download.
    settings
        ``max_km2`` is the limit.
    what
        What is downloaded (named in the message).

    Returns
    -------
    float
        The area, km².

    Raises
    ------
    NetworkError
        The area is above the limit: the message names the area, the limit and
        the setting that raises it.
    """
    km2 = area_km2(polygon)
    if km2 > settings.max_km2:
        raise NetworkError(
            f"下载范围 {km2:,.0f} km² 超过上限 {settings.max_km2:,.0f} km²（{what}）/ the download area "
            f"{km2:,.0f} km² is above the limit of {settings.max_km2:,.0f} km² ({what}). "
            "修正 / Fix: check that the boundary is one county (use a row filter, e.g. "
            "[inputs.boundaries_county] filter = { name = \"桦南县\" }), give a local extract as "
            "[inputs] roads, or raise [network] max_download_km2."
        )
    return km2


def endpoint_url(kind: str) -> str:
    """osmnx's current ``"overpass"`` or ``"nominatim"`` URL (the server a request goes to)."""
    import osmnx as ox

    return str(ox.settings.nominatim_url if kind == "nominatim" else ox.settings.overpass_url)


def with_retries(fn: Callable[[], T], settings: OnlineSettings, *, what: str, endpoint: str = "overpass") -> T:
    """Call ``fn`` (an osmnx request), retrying timeouts and connection failures with a growing pause.

    Parameters
    ----------
    fn
        The request; runs inside :func:`osmnx_session`.
    settings
        ``retries``, ``backoff_s`` and ``timeout_s`` (named in the message).
    what
        What is being fetched, for the messages.
    endpoint
        ``"overpass"`` or ``"nominatim"``: the server named in the message.

    Returns
    -------
    The result of ``fn``.

    Raises
    ------
    NetworkError
        The server did not answer after every attempt (the message names the
        endpoint, the timeout and the fixes), or answered with an error.
    """
    import requests

    attempts = int(settings.retries) + 1
    for attempt in range(1, attempts + 1):
        try:
            return fn()
        except (requests.exceptions.Timeout, requests.exceptions.ConnectionError) as exc:
            url = endpoint_url(endpoint)
            if attempt == attempts:
                limit = f"{settings.timeout_s:g}"
                if isinstance(exc, requests.exceptions.Timeout):
                    zh, en = f"在 {limit} 秒内没有应答", f"did not answer within {limit} s"
                else:
                    zh, en = "无法连接（拒绝连接或网络不通）", "could not be reached (connection refused or no route)"
                raise NetworkError(
                    f"{url} {zh}（{what}，共试 {attempts} 次，每次限时 {settings.timeout_s:g} 秒）/ {url} {en} "
                    f"({what}; {attempts} attempt(s) of at most {settings.timeout_s:g} s: "
                    f"{type(exc).__name__}). 修正 / Fix: give a local OpenStreetMap extract as [inputs] roads "
                    "(.osm.pbf, offline), raise [network] timeout_s or retries, or set [network] "
                    f"{endpoint}_url to a reachable mirror."
                ) from exc
            pause = settings.backoff_s * 2 ** (attempt - 1)
            logger.warning("%s: no answer from %s (%s); retry %d of %d in %g s",
                           what, url, type(exc).__name__, attempt, attempts - 1, pause)
            time.sleep(pause)
        except NetworkError:
            raise
        except Exception as exc:  # osmnx InsufficientResponseError, HTTP errors, bad JSON...
            raise NetworkError(
                f"{what} 下载失败 / download failed from {endpoint_url(endpoint)} ({type(exc).__name__}: {exc}). "
                "修正 / Fix: check the internet connection and the place or area, or give a local extract "
                "as [inputs] roads (.osm.pbf)."
            ) from exc
    raise AssertionError("unreachable")  # pragma: no cover


def _area_geometry(geometry: Any) -> Any:
    """The geocoded area as a (Multi)Polygon; ``None`` for a point or line result."""
    if geometry is None or geometry.geom_type not in ("Polygon", "MultiPolygon"):
        return None
    return geometry


def geocode_place(place: str, settings: OnlineSettings) -> Any:
    """The boundary polygon of a place name, from Nominatim through osmnx (cached in the study's cache).

    Parameters
    ----------
    place
        A place name Nominatim finds, e.g. ``"桦南县, 佳木斯市, 黑龙江省, 中国"``.
    settings
        Cache folder, timeout, retries, endpoint.

    Returns
    -------
    shapely (Multi)Polygon in WGS84.

    Raises
    ------
    NetworkError
        Nominatim is unreachable, finds nothing, or finds only a point.
    """
    logger.warning("geocoding %r with %s (timeout %g s)", place, settings.nominatim_url or endpoint_url("nominatim"),
                   settings.timeout_s)
    with osmnx_session(settings) as ox:
        def fetch() -> Any:
            try:
                return ox.geocode_to_gdf(place)
            except (ox._errors.InsufficientResponseError, TypeError):  # no result / no polygon among the results
                return None
        gdf = with_retries(fetch, settings, what=f"geocoding {place!r}", endpoint="nominatim")
    if gdf is None:
        raise NetworkError(
            f"找不到地名「{place}」的边界 / Nominatim found no boundary for {place!r}. 修正 / Fix: write "
            "the name as on OpenStreetMap with its parents (\"桦南县, 佳木斯市, 黑龙江省, 中国\"), or give "
            "[inputs.boundaries_county]."
        )
    polygon = _area_geometry(gdf.geometry.iloc[0]) if len(gdf) else None
    if polygon is None:
        raise NetworkError(
            f"地名「{place}」只找到一个点，没有边界 / {place!r} geocodes to a point, not an area. 修正 / Fix: "
            "name the county or township as on OpenStreetMap, or give [inputs.boundaries_county]."
        )
    return polygon


def osm_places_in(
    polygon: Any,
    *,
    cache_dir: str | Path,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    retries: int = 2,
    max_km2: float = DEFAULT_MAX_DOWNLOAD_KM2,
    overpass_url: str | None = None,
) -> Any:
    """OSM settlement nodes (``place=village/hamlet/neighbourhood/suburb/town/isolated_dwelling``) inside a polygon.

    Downloaded from Overpass through osmnx in the same session as the road
    download (timeout, retries, size guard, HTTP cache under ``cache_dir``).

    Parameters
    ----------
    polygon
        shapely (Multi)Polygon in WGS84.
    cache_dir
        The study's cache folder.
    timeout_s, retries, max_km2, overpass_url
        See :class:`OnlineSettings`.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``osmid`` (int), ``name`` (str, ``""`` when unnamed),
        ``place``, ``geometry`` (points, WGS84), one row per node strictly
        inside ``polygon``, sorted by ``osmid``.

    Raises
    ------
    NetworkError
        Too large an area, or the server failed.
    """
    import geopandas as gpd
    import shapely

    settings = OnlineSettings(cache_dir=Path(cache_dir), timeout_s=timeout_s, retries=retries, max_km2=max_km2,
                              overpass_url=overpass_url)
    km2 = check_download_size(polygon, settings, what="OSM places")
    logger.warning("downloading OSM places for %.0f km² from %s (timeout %g s)", km2,
                   overpass_url or endpoint_url("overpass"), timeout_s)
    empty = gpd.GeoDataFrame({"osmid": [], "name": [], "place": []}, geometry=[], crs="EPSG:4326")
    with osmnx_session(settings) as ox:
        def fetch() -> Any:
            try:
                return ox.features_from_polygon(polygon, tags={"place": list(PLACE_KINDS)})
            except ox._errors.InsufficientResponseError:  # no such feature in the area
                return None
        found = with_retries(fetch, settings, what="OSM places")
    if found is None or not len(found):
        return empty
    found = found.reset_index()
    found = found[(found["element"] == "node") & found["place"].isin(PLACE_KINDS)]
    found = found[shapely.contains(polygon, found.geometry.values)]
    names = found["name"] if "name" in found else None
    out = gpd.GeoDataFrame({
        "osmid": found["id"].astype("int64").to_numpy(),
        "name": (names.fillna("").astype(str).to_numpy() if names is not None else [""] * len(found)),
        "place": found["place"].astype(str).to_numpy(),
    }, geometry=found.geometry.to_numpy(), crs="EPSG:4326")
    return out.sort_values("osmid").reset_index(drop=True)


def expected_requests(polygon: Any) -> int:
    """How many Overpass requests osmnx splits the polygon into (its ``max_query_area_size``)."""
    import osmnx as ox

    return max(1, math.ceil(area_km2(polygon) * 1e6 / float(ox.settings.max_query_area_size)))
