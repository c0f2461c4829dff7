"""Is the road network usable for the study?  The usable roads per travel profile, and why there are none.

:func:`load_network` calls :func:`check_profiles` on every network it returns,
so ``planner validate`` and ``planner run`` stop with the same
:class:`~planner.errors.NetworkError` (file, profile, tiers, fix) when a
profile the tiers use may travel on none of the roads inside the study area.
:func:`no_roads_message` says why a network came out empty, from the counts
in :attr:`RoadNetwork.dropped <planner.network.model.RoadNetwork>`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from planner.errors import NetworkError
from planner.i18n import tr
from planner.network.model import RoadNetwork
from planner.network.weights import usable_directions

if TYPE_CHECKING:
    from planner.config import StudyConfig

__all__ = ["profiles_in_use", "usable_segments_by_profile", "check_profiles", "no_roads_message"]


def profiles_in_use(config: StudyConfig) -> dict[str, list[str]]:
    """Profile name -> the tier keys whose urban or rural rule uses it (in tier order)."""
    used: dict[str, list[str]] = {}
    for key, tier in config.tiers.items():
        for name in dict.fromkeys((tier.profile, tier.rural_profile)):
            used.setdefault(name, []).append(key)
    return used


def usable_segments_by_profile(net: RoadNetwork, config: StudyConfig) -> dict[str, int]:
    """Number of segments each profile in use may travel in at least one direction (loops excluded).

    Parameters
    ----------
    net
        The road network (already clipped to the study area).
    config
        The study configuration (its tiers name the profiles).

    Returns
    -------
    dict
        Profile name -> usable segments.
    """
    real = np.asarray(net.u) != np.asarray(net.v)
    out = {}
    for name in profiles_in_use(config):
        fwd, bwd = usable_directions(net, config.profiles[name])
        out[name] = int(((fwd | bwd) & real).sum())
    return out


def _file(net: RoadNetwork, config: StudyConfig) -> str:
    roads = config.inputs.roads.path
    return str(roads) if roads is not None else (net.name or "road network")


def check_profiles(net: RoadNetwork, config: StudyConfig) -> dict[str, int]:
    """The usable segments per profile in use; NetworkError when a profile may use none of them.

    Parameters
    ----------
    net
        The road network inside the study area.
    config
        The study configuration.

    Returns
    -------
    dict
        Profile name -> usable segments (every count positive).

    Raises
    ------
    NetworkError
        Naming the roads file, the profile, the tiers that use it, the road
        classes in the file and the fix.
    """
    counts = usable_segments_by_profile(net, config)
    used = profiles_in_use(config)
    for name, n in counts.items():
        if n:
            continue
        classes = ", ".join(f"{h} {c}" for h, c in _class_counts(net)[:8]) or "-"
        tiers = ", ".join(used[name])
        path = _file(net, config)
        raise NetworkError(tr(
            config.lang,
            f"{path}：研究区内 {net.n_segments:,} 条路段中没有出行方式「{name}」可用的道路（用于 {tiers} 级；"
            f"文件中的道路类别：{classes}）。修正：使用包含这类道路的路网文件（例如完整的 OpenStreetMap 提取），"
            f"或在配置 [profiles.{name}] allowed_highways 中列出文件中有的道路类别。",
            f"{path}: none of the {net.n_segments:,} road segments inside the study area may be used by profile "
            f"{name!r} (used by tier {tiers}; road classes in the file: {classes}). Fix: use a road file that "
            f"has such roads (e.g. a full OpenStreetMap extract), or list the file's classes in "
            f"[profiles.{name}] allowed_highways.",
        ))
    return counts


def _class_counts(net: RoadNetwork) -> list[tuple[str, int]]:
    """(highway class, segments) in the network, most common first."""
    if not net.n_segments:
        return []
    values, counts = np.unique(np.asarray(net.highway, dtype=object).astype(str), return_counts=True)
    order = np.argsort(-counts, kind="stable")
    return [(str(values[i]), int(counts[i])) for i in order]


def no_roads_message(net: RoadNetwork, config: StudyConfig) -> str:
    """Why ``net`` has no segment, from its ``dropped`` counts, with the fix.

    Parameters
    ----------
    net
        An empty road network (its ``dropped`` counts what was left out).
    config
        The study configuration (language, roads file).

    Returns
    -------
    str
    """
    dropped: Mapping[str, int] = net.dropped
    path = _file(net, config)
    untagged = int(dropped.get("edges_highway_missing", 0))
    outside = int(dropped.get("segments_outside_area", 0))
    if untagged and untagged >= outside:
        return tr(
            config.lang,
            f"{path}：{untagged:,} 条边没有 highway（道路类别）属性，无法判断哪些出行方式可以通行。"
            "修正：用 osmnx.save_graphml 保存的 OpenStreetMap 路网（保留 highway、oneway、maxspeed 属性），"
            "或改用 .osm.pbf 文件。",
            f"{path}: {untagged:,} edges have no highway attribute (the road class), so no travel mode can be "
            "given to them. Fix: use an OpenStreetMap graph saved by osmnx.save_graphml (with its highway, "
            "oneway and maxspeed attributes), or an .osm.pbf extract.",
        )
    if outside:
        return tr(
            config.lang,
            f"{path}：文件中的 {outside:,} 条路段都在研究区（加缓冲 {config.network.buffer_m:g} 米）之外。"
            "修正：使用覆盖研究区的路网文件；确认路网和边界都是 WGS84 经纬度。",
            f"{path}: all {outside:,} road segments of the file lie outside the study area (plus its "
            f"{config.network.buffer_m:g} m buffer). Fix: use a road file that covers the study area, with "
            "roads and boundaries both in WGS84 longitude/latitude.",
        )
    detail = ", ".join(f"{k} {v:,}" for k, v in sorted(dropped.items())) or "-"
    return tr(
        config.lang,
        f"{path}：研究区内没有道路（未采用：{detail}）。修正：确认路网文件覆盖研究区，且坐标为 WGS84。",
        f"{path}: no roads inside the study area (left out: {detail}). Fix: make sure the road data covers "
        "the study area and uses WGS84 coordinates.",
    )
