"""Points far from all the others, for studies without a boundary to check them against.

Without county or township boundaries the study area is the points' buffered
convex hull, so one facility typed into the sea stretches it by hundreds of
kilometres and nothing is "outside".  The rule (robust to a minority of bad
points): take the coordinate-wise median of the reference points as the
centre, and the median distance of the reference points from it as the
spread; a point farther from the centre than :data:`SPREAD_FACTOR` times the
spread, and at least :data:`MIN_OUTLIER_KM`, is far from the rest.  A disc of
points has its farthest point about 1.4 spreads out; tables whose points
crowd into one town reach farther (the GeoNames places of Heilongjiang's
prefectures put real county seats up to 13 spreads, 343 km, from their
city's centre), so 15 spreads and 150 km flag only points that belong to no
part of the study, such as a facility typed 1,000 km away into the sea.
Fewer than :data:`MIN_POINTS` reference points are not judged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.geo import haversine_m

__all__ = ["SPREAD_FACTOR", "MIN_OUTLIER_KM", "MIN_POINTS", "FarPoints", "far_points"]

#: A point farther than this many spreads (median distance from the centre) is far from the rest ...
SPREAD_FACTOR = 15.0
#: ... and at least this far (km).
MIN_OUTLIER_KM = 150.0
#: Fewer reference points than this are not judged.
MIN_POINTS = 3


@dataclass(frozen=True)
class FarPoints:
    """Which points are far from the rest.

    Attributes
    ----------
    far
        One flag per point checked.
    distance_km
        Each point's distance from the centre (NaN where its coordinates are missing).
    centre
        Longitude and latitude of the centre (median of the reference points).
    spread_km
        Median distance of the reference points from the centre.
    limit_km
        Distance beyond which a point is far.
    """

    far: np.ndarray
    distance_km: np.ndarray
    centre: tuple[float, float]
    spread_km: float
    limit_km: float


def far_points(lon: np.ndarray, lat: np.ndarray, ref_lon: np.ndarray, ref_lat: np.ndarray) -> FarPoints | None:
    """Flag the points ``lon``/``lat`` far from the reference points (module docstring's rule).

    Parameters
    ----------
    lon, lat
        The points to check (WGS84 degrees; NaN = unusable, never far).
    ref_lon, ref_lat
        The reference points (usually the checked points and those of the layers read before).

    Returns
    -------
    FarPoints or None
        ``None`` when there are fewer than :data:`MIN_POINTS` usable reference points.
    """
    ok = np.isfinite(ref_lon) & np.isfinite(ref_lat)
    if ok.sum() < MIN_POINTS:
        return None
    centre = (float(np.median(ref_lon[ok])), float(np.median(ref_lat[ok])))
    ref_d = haversine_m(ref_lon[ok], ref_lat[ok], centre[0], centre[1]) / 1000.0
    spread = float(np.median(ref_d))
    limit = max(SPREAD_FACTOR * spread, MIN_OUTLIER_KM)
    valid = np.isfinite(lon) & np.isfinite(lat)
    dist = np.full(len(lon), np.nan)
    if valid.any():
        dist[valid] = haversine_m(lon[valid], lat[valid], centre[0], centre[1]) / 1000.0
    return FarPoints(far=valid & (np.nan_to_num(dist) > limit), distance_km=dist, centre=centre,
                     spread_km=spread, limit_km=limit)
