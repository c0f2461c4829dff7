"""The study's road network as its configuration asks: a local file or an osmnx download, clipped to the study area."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.config import NetworkConfig
from planner.errors import InputFileNotFoundError, NetworkError
from planner.i18n import tr
from planner.network.check import check_profiles, no_roads_message
from planner.network.download import network_from_osmnx
from planner.network.model import RoadNetwork, as_area, buffered_area, clip_network
from planner.network.online import OnlineSettings, geocode_place
from planner.network.readers import network_from_graphml, network_from_osm_file, osm_file_format

if TYPE_CHECKING:
    from planner.config import StudyConfig

__all__ = ["load_network", "online_settings", "place_area"]


def _roads_file(config: StudyConfig) -> Path:
    """The configured roads file; the errors a user can act on when it is unset or missing."""
    lang = config.lang
    roads = config.inputs.roads.path
    if roads is None:
        raise NetworkError(tr(
            lang,
            "network.source = \"file\"，但未设置 [inputs] roads。修正：填写路网文件（.osm.pbf / .osm.bz2 / .graphml），"
            "或设置 network.source = \"osmnx\" 在线下载。",
            "network.source = \"file\" but [inputs] roads is not set. Fix: name a road file "
            "(.osm.pbf / .osm.bz2 / .graphml) or set network.source = \"osmnx\" to download.",
        ))
    path = Path(roads)
    if not path.exists():
        raise InputFileNotFoundError(tr(
            lang,
            f"{path}：路网文件不存在（[inputs] roads）。"
            "修正：检查路径，或从 OpenStreetMap 下载该地区的 .osm.pbf 文件。",
            f"{path}: road network file not found ([inputs] roads). Fix: check the path, or download "
            "an OpenStreetMap .osm.pbf extract of the area.",
        ))
    return path


def _network_from_file(config: StudyConfig, study_area: Any, *, verbose: bool) -> RoadNetwork:
    """Read the roads file (GraphML or OSM, by suffix) and clip it to the study area plus the buffer."""
    path = _roads_file(config)
    buffer_m = float(config.network.buffer_m)
    if path.name.lower().endswith(".graphml"):
        net = network_from_graphml(path)
        if study_area is not None:
            net = clip_network(net, study_area, buffer_m=buffer_m)
        return net
    if osm_file_format(path) is not None:
        return network_from_osm_file(path, polygon=study_area, buffer_m=buffer_m, verbose=verbose)
    raise NetworkError(tr(
        config.lang,
        f"{path}：无法识别的路网文件类型。修正：使用 .osm、.osm.bz2、.osm.pbf 或 .graphml 文件。",
        f"{path}: unknown road file type. Fix: use a .osm, .osm.bz2, .osm.pbf or .graphml file.",
    ))


def online_settings(config: StudyConfig) -> OnlineSettings:
    """The download settings of ``[network]``; the cache folder resolved against the config file's folder.

    Parameters
    ----------
    config
        The study configuration (``network.cache_dir``, ``timeout_s``,
        ``retries``, ``max_download_km2``, ``overpass_url``, ``nominatim_url``).

    Returns
    -------
    OnlineSettings
    """
    ncfg = config.network
    cache_dir = Path(ncfg.cache_dir)
    # a cache_dir written in the file is already joined to the file's folder by the loader; only the
    # default is still bare: put it next to the config file, not in the working folder
    if config.source is not None and cache_dir == NetworkConfig().cache_dir:
        cache_dir = Path(config.source).parent / cache_dir
    return OnlineSettings(cache_dir=cache_dir, timeout_s=float(ncfg.timeout_s), retries=int(ncfg.retries),
                          max_km2=float(ncfg.max_download_km2), overpass_url=ncfg.overpass_url,
                          nominatim_url=ncfg.nominatim_url)


def place_area(config: StudyConfig) -> Any:
    """The boundary of ``network.place`` geocoded through Nominatim (cached), or ``None`` without a place.

    Parameters
    ----------
    config
        The study configuration.

    Returns
    -------
    shapely (Multi)Polygon in WGS84, or ``None``.

    Raises
    ------
    NetworkError
        Nominatim unreachable, or the place has no boundary.
    """
    if not config.network.place:
        return None
    return geocode_place(config.network.place, online_settings(config))


def _network_from_download(config: StudyConfig, study_area: Any, *, verbose: bool) -> RoadNetwork:
    """Download the study area (else ``network.place``'s boundary) grown by the buffer, cached with the study."""
    ncfg = config.network
    settings = online_settings(config)
    if study_area is None and ncfg.place:
        study_area = geocode_place(ncfg.place, settings)
    polygon = buffered_area(study_area, float(ncfg.buffer_m)) if study_area is not None else None
    return network_from_osmnx(
        polygon=polygon, place=None if polygon is not None else ncfg.place,
        network_type="all", cache_dir=settings.cache_dir, verbose=verbose, settings=settings,
    )


def load_network(config: StudyConfig, study_area: Any, *, verbose: bool = False) -> RoadNetwork:
    """The study's road network, clipped to the study area plus a buffer.

    Parameters
    ----------
    config
        The study configuration: ``inputs.roads.path`` (by suffix: .osm,
        .osm.bz2, .osm.pbf, .graphml) and ``network`` (``source``,
        ``buffer_m``, ``place``, ``cache_dir``).
    study_area
        shapely geometry in WGS84, or ``None`` (no clipping; downloads then
        geocode ``network.place`` and fetch its boundary plus the buffer).
    verbose
        Show progress.

    Returns
    -------
    RoadNetwork

    Raises
    ------
    InputFileNotFoundError
        The roads file named in the configuration does not exist.
    NetworkError
        No roads file when ``network.source = "file"``, an unknown file
        type, no road inside the study area, or none a profile the tiers
        use may travel on (:func:`~planner.network.check.check_profiles`).
    """
    ncfg = config.network
    if study_area is not None:
        study_area = as_area(study_area)
    use_file = ncfg.source == "file" or (ncfg.source == "auto" and config.inputs.roads.path is not None)
    if use_file:
        net = _network_from_file(config, study_area, verbose=verbose)
    else:
        net = _network_from_download(config, study_area, verbose=verbose)
    if net.n_segments == 0:
        raise NetworkError(no_roads_message(net, config))
    check_profiles(net, config)
    return net
