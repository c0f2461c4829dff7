"""The points against the road network: coordinates in the wrong datum, and points far from every road.

Amap, Tencent (GCJ-02) and Baidu (BD-09) coordinates declared as WGS84 are
the commonest mistake with Chinese point data: every point sits 300-700 m
(GCJ-02) or about 1 km (BD-09) off its true place and nothing looks wrong.
The road network tells: true points lie near roads.  For each point layer,
:func:`datum_tests` measures every point's distance to the nearest road
segment as read, and again as if the file's coordinates were in each other
system (the raw coordinates recovered from the declared system, converted
from the other one).  When another system puts the points markedly closer
(median distance at most :data:`SHIFT_RATIO` of the declared one's, and the
points closer beyond chance: a one-sided Wilcoxon signed-rank test of the
paired distances at :data:`SHIFT_P`, over at least :data:`MIN_POINTS`
points), and also markedly closer (by the same two measures) than at least
two of the same shifts turned by 90, 180 and 270 degrees (the control: in a dense city grid any shift of points that sit
inside blocks, such as the centroids of residential areas, brings them nearer
some road; only the true correction brings them nearer than its turned
copies), the layer is reported with the likely system and the ``crs`` to
write.  Most true points are farther from a road in another system (on the
demo county and on central Harbin only 8-36 % are closer), so the test does
not cry wolf; in a dense city grid a 600 m shift changes the distance to the
nearest road little, and a small layer there may go undetected.  A point farther than :data:`FAR_FROM_ROADS_M` from
every road (a facility in the sea, a typing error in a coordinate) is
reported too, whether or not the study has a boundary.

:func:`check_points_on_roads` adds these problems to the study's
:class:`~planner.data.ValidationReport` (warnings; errors under ``strict``).
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass

import numpy as np
import pyproj

from planner.codes import DataProblem
from planner.data import Problem, StudyData
from planner.errors import DataError
from planner.geo import normalise_crs, out_of_china, to_wgs84, wgs84_to_bd09, wgs84_to_gcj02
from planner.network import RoadNetwork
from planner.results import FrozenMap
from planner.routing.grid import SegmentGrid

__all__ = [
    "MIN_POINTS", "SHIFT_RATIO", "SHIFT_P", "CONTROL_ANGLES", "FAR_FROM_ROADS_M", "DatumTest", "RoadIndex",
    "layer_datum_test", "datum_tests", "check_points_on_roads",
]

logger = logging.getLogger(__name__)

#: Fewest points in a layer for the datum test to conclude anything.
MIN_POINTS = 10
#: Another system is likely when its median distance to a road is at most this share of the declared one's...
SHIFT_RATIO = 0.8
#: ...and the points are closer to a road in it beyond chance (one-sided Wilcoxon signed-rank p-value at most this).
SHIFT_P = 1e-3
#: The control shifts: each point's shift into the other system, turned by these angles (degrees).
CONTROL_ANGLES = (90.0, 180.0, 270.0)
#: A point farther than this from every road is reported (metres).
FAR_FROM_ROADS_M = 5000.0
#: The point layers tested, as named in ``[inputs]``.
POINT_LAYERS = ("facilities", "settlements", "candidates")

_SYSTEMS = ("wgs84", "gcj02", "bd09")
_NAMES = {
    "wgs84": ("WGS84（GPS/天地图/OpenStreetMap）", "WGS84 (GPS, Tianditu, OpenStreetMap)"),
    "gcj02": ("GCJ-02（高德/腾讯地图）", "GCJ-02 (Amap/Gaode, Tencent)"),
    "bd09": ("BD-09（百度地图）", "BD-09 (Baidu)"),
}


class RoadIndex:
    """Distances from points to the nearest segment of a road network (every segment, any mode).

    Parameters
    ----------
    network
        The road network (WGS84 nodes).
    crs
        A metric CRS for the distances (the study's UTM zone).
    """

    def __init__(self, network: RoadNetwork, crs: pyproj.CRS) -> None:
        self._to_xy = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
        x, y = self._to_xy.transform(np.asarray(network.lon, float), np.asarray(network.lat, float))
        real = np.asarray(network.u) != np.asarray(network.v)
        u, v = np.asarray(network.u)[real], np.asarray(network.v)[real]
        self._ax, self._ay, self._bx, self._by = x[u], y[u], x[v], y[v]
        self._grid = SegmentGrid(self._ax, self._ay, self._bx, self._by) if real.any() else None

    def distances(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Metres from each WGS84 point to the nearest segment (NaN for a missing point or no road)."""
        lon, lat = np.asarray(lon, float), np.asarray(lat, float)
        out = np.full(lon.shape, np.nan)
        ok = np.isfinite(lon) & np.isfinite(lat)
        if self._grid is None or not ok.any():
            return out
        px, py = self._to_xy.transform(lon[ok], lat[ok])
        px, py = np.asarray(px, float), np.asarray(py, float)
        s = self._grid.nearest(px, py, np.full(px.shape, np.inf))
        ax, ay, dx, dy = self._ax[s], self._ay[s], self._bx[s] - self._ax[s], self._by[s] - self._ay[s]
        len2 = dx * dx + dy * dy
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.clip(np.where(len2 > 0, ((px - ax) * dx + (py - ay) * dy) / len2, 0.0), 0.0, 1.0)
        out[ok] = np.hypot(px - (ax + t * dx), py - (ay + t * dy))
        return out


@dataclass(frozen=True)
class DatumTest:
    """The datum test of one point layer.

    Attributes
    ----------
    layer, file
        The layer (``facilities``...) and its file as named in the config.
    declared
        The system the coordinates were read in (``wgs84``, ``gcj02``, ``bd09``).
    n_points
        Points tested (located, inside China).
    median_m
        Median distance to the nearest road as read.
    alternatives
        Other system -> ``(median distance, share of points closer than as read)``.
    likely
        The system the points most likely are in, when it is not the declared one; else ``None``.
    distance_m
        Every point's distance to the nearest road as read (NaN where unlocated), in layer order.
    """

    layer: str
    file: str
    declared: str
    n_points: int
    median_m: float
    alternatives: FrozenMap
    likely: str | None
    distance_m: np.ndarray = dataclasses.field(repr=False, compare=False)


def _declared(data: StudyData, layer: str) -> tuple[str, str] | None:
    """(file, declared system) of a point layer; None when it was not read."""
    summary = data.report.layer(layer)
    if summary is None or not summary.crs:
        return None
    try:
        crs = normalise_crs(summary.crs)
    except Exception:  # noqa: BLE001 - an unknown CRS was already reported by the loader
        return None
    return summary.file, crs


def _raw(lon: np.ndarray, lat: np.ndarray, declared: str) -> tuple[np.ndarray, np.ndarray]:
    """The file's own coordinates, recovered from the WGS84 ones read as ``declared``."""
    if declared == "gcj02":
        return wgs84_to_gcj02(lon, lat)
    if declared == "bd09":
        return wgs84_to_bd09(lon, lat)
    return lon, lat


def _p_closer(gain: np.ndarray) -> float:
    """One-sided p-value that the points are closer to a road in the other system (Wilcoxon signed-rank)."""
    from scipy.stats import wilcoxon

    if not np.any(gain != 0):
        return 1.0
    try:
        return float(wilcoxon(gain, alternative="greater").pvalue)
    except ValueError:  # too few non-zero differences
        return 1.0


def _turned(lon: np.ndarray, lat: np.ndarray, lon1: np.ndarray, lat1: np.ndarray, angle: float
            ) -> tuple[np.ndarray, np.ndarray]:
    """Each point moved by its shift ``(lon1, lat1) - (lon, lat)`` turned by ``angle`` degrees (locally metric)."""
    c = np.cos(np.radians(lat))
    ex, ey = (lon1 - lon) * c, lat1 - lat
    a = np.radians(angle)
    return lon + (ex * np.cos(a) - ey * np.sin(a)) / c, lat + ex * np.sin(a) + ey * np.cos(a)


def _beats_control(index: RoadIndex, lon: np.ndarray, lat: np.ndarray, lon1: np.ndarray, lat1: np.ndarray,
                   d1: np.ndarray) -> bool:
    """Whether the shifted points are markedly closer to a road than all but one turned copy of the shift."""
    beaten = 0
    for angle in CONTROL_ANGLES:
        dc = index.distances(*_turned(lon, lat, lon1, lat1, angle))
        beaten += bool(np.median(d1) <= SHIFT_RATIO * np.median(dc) and _p_closer(dc - d1) <= SHIFT_P)
    return beaten >= len(CONTROL_ANGLES) - 1


def layer_datum_test(index: RoadIndex, lon: np.ndarray, lat: np.ndarray, *, declared: str = "wgs84",
                     layer: str = "", file: str = "") -> DatumTest:
    """The datum test of one set of points: distances as read and in each other system, and the likely system.

    Parameters
    ----------
    index
        The road network's :class:`RoadIndex`.
    lon, lat
        WGS84 coordinates of the points as the loader read them.
    declared
        The system the file was read in (``wgs84``, ``gcj02``, ``bd09``; another is not tested).
    layer, file
        Names recorded on the result.

    Returns
    -------
    DatumTest
    """
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    d0 = index.distances(lon, lat)
    use = np.isfinite(d0) & ~out_of_china(np.nan_to_num(lon), np.nan_to_num(lat))
    n = int(use.sum())
    med0 = float(np.median(d0[use])) if n else float("nan")
    alts: dict[str, tuple[float, float]] = {}
    likely, best = None, np.inf
    if n and declared in _SYSTEMS:  # a projected EPSG system is never an Amap/Baidu one
        raw_x, raw_y = _raw(lon[use], lat[use], declared)
        for system in _SYSTEMS:
            if system == declared:
                continue
            lon1, lat1 = to_wgs84(raw_x, raw_y, system)
            d1 = index.distances(lon1, lat1)
            med1, share = float(np.median(d1)), float(np.mean(d1 < d0[use]))
            alts[system] = (med1, share)
            p_value = _p_closer(d0[use] - d1)
            if (n >= MIN_POINTS and med1 <= SHIFT_RATIO * med0 and p_value <= SHIFT_P and med1 < best
                    and _beats_control(index, lon[use], lat[use], lon1, lat1, d1)):
                likely, best = system, med1
    return DatumTest(layer, file, declared, n, med0, FrozenMap(alts), likely, d0)


def datum_tests(data: StudyData, network: RoadNetwork) -> list[DatumTest]:
    """The datum test of each point layer (facilities, settlements, candidates).

    Layers read in a projected ``EPSG`` system get their distances only (no other system is tried).

    Parameters
    ----------
    data
        The loaded study.
    network
        Its road network.

    Returns
    -------
    list of DatumTest
    """
    index = RoadIndex(network, data.projected_crs)
    out = []
    for layer in POINT_LAYERS:
        frame = getattr(data, layer, None)
        declared = _declared(data, layer)
        if frame is None or not len(frame) or declared is None:
            continue
        geom = frame.geometry
        out.append(layer_datum_test(index, geom.x.to_numpy(float), geom.y.to_numpy(float),
                                    declared=declared[1], layer=layer, file=declared[0]))
    return out


def _datum_problem(t: DatumTest) -> Problem:
    med1, share = t.alternatives[t.likely]
    (zh_d, en_d), (zh_l, en_l) = _NAMES[t.declared], _NAMES[t.likely]
    return Problem(
        t.file, None, None, t.declared, DataProblem.DATUM_MISMATCH,
        f"与路网对比，这些坐标像是 {zh_l}，而不是配置的 {zh_d}：按 {zh_l} 换算后，{t.n_points} 个点到最近道路的"
        f"距离中位数从 {t.median_m:,.0f} 米降到 {med1:,.0f} 米，{share:.0%} 的点更靠近道路；"
        "坐标系填错时每个点偏离约 300-1000 米，覆盖结果会出错",
        f"在配置 [inputs.{t.layer}] 写 crs = \"{t.likely}\"（坐标取自哪种地图就写哪种）",
        severity="warning",
        message_en=f"compared with the road network these coordinates look like {en_l}, not the configured "
                   f"{en_d}: read as {en_l}, the median distance of {t.n_points} points to the nearest road "
                   f"drops from {t.median_m:,.0f} m to {med1:,.0f} m and {share:.0%} of the points are closer; "
                   "with the wrong system every point is 300-1,000 m off and coverage comes out wrong",
        fix_en=f"set crs = \"{t.likely}\" in [inputs.{t.layer}] (the system of the map the coordinates came from)",
    )


def _far_problems(t: DatumTest, frame, far_m: float) -> list[Problem]:  # noqa: ANN001 - a GeoDataFrame
    far = np.flatnonzero(t.distance_m > far_m)
    names = frame["name"].astype(str).to_numpy() if "name" in frame else frame.index.astype(str).to_numpy()
    out = []
    for i in far:
        pid, name, km = str(frame.index[i]), names[i], t.distance_m[i] / 1000.0
        out.append(Problem(
            t.file, None, None, f"{pid} {name}", DataProblem.FAR_FROM_ROADS,
            f"「{name}」（编号 {pid}）距路网中最近的道路 {km:,.1f} 公里",
            "核对坐标（抄错数字、经纬度填反、坐标系不对）；位置无误时，请用覆盖该处的路网文件",
            severity="warning",
            message_en=f"'{name}' (id {pid}) is {km:,.1f} km from the nearest road of the road network",
            fix_en="check the coordinates (typing errors, swapped longitude/latitude, wrong crs); if the place "
                   "is right, use a road file that covers it",
        ))
    return out


def check_points_on_roads(
    data: StudyData, network: RoadNetwork, *, strict: bool | None = None, far_m: float = FAR_FROM_ROADS_M,
    log: bool = True,
) -> StudyData:
    """The study with its points checked against the road network (see the module docstring).

    Parameters
    ----------
    data
        The loaded study (not modified).
    network
        Its road network.
    strict
        Raise on any problem found here (default: ``data.config.strict``).
    far_m
        Distance to the nearest road beyond which a point is reported.
    log
        Also log the problems found as warnings (``planner validate`` prints the report instead).

    Returns
    -------
    StudyData
        ``data`` with the problems found added to ``report`` (warnings).

    Raises
    ------
    DataError
        With ``strict``, when a problem is found (the message is the report).
    """
    strict = data.config.strict if strict is None else strict
    problems: list[Problem] = []
    for t in datum_tests(data, network):
        alts = ", ".join(f"{k} {m:,.0f} m ({s:.0%} closer)" for k, (m, s) in t.alternatives.items())
        logger.info("%s: %d points, median distance to a road %.0f m as %s; as %s", t.file, t.n_points,
                    t.median_m, t.declared, alts)
        if t.likely is not None:
            problems.append(_datum_problem(t))
        problems.extend(_far_problems(t, getattr(data, t.layer), far_m))
    if not problems:
        return data
    report = dataclasses.replace(data.report, problems=data.report.problems + tuple(problems))
    for p in problems[:5] if log else ():
        logger.warning("%s", p.text(data.config.lang))
    if log and len(problems) > 5:
        logger.warning("... %d more problems with the points against the road network (see the report)",
                       len(problems) - 5)
    if strict:
        report = report.strict()
        raise DataError(report.format(data.config.lang), report=report)
    return dataclasses.replace(data, report=report)
