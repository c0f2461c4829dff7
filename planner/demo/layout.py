"""The county's geometry: outline, river, township seats, and the partition into streets and townships (km)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import Point, Polygon, box

from planner.demo.names import SOUTH, STREETS, TOWNSHIPS

LON0, LAT0 = 130.5, 46.2
KM_PER_DEG_LAT = 110.574
KM_PER_DEG_LON = 111.320 * math.cos(math.radians(LAT0))
_COUNTY_AREA_KM2 = 4400.0
URBAN_HALF_KM = 3.0          # the four streets: a 6 x 6 km square around the seat


def lonlat(x: float, y: float) -> tuple[float, float]:
    """Longitude and latitude of a local ``(x, y)`` km point."""
    return LON0 + x / KM_PER_DEG_LON, LAT0 + y / KM_PER_DEG_LAT


def to_lonlat_geom(geom):
    """A shapely geometry in local km, moved to longitude/latitude."""
    return shapely.transform(
        geom, lambda c: np.column_stack([LON0 + c[:, 0] / KM_PER_DEG_LON, LAT0 + c[:, 1] / KM_PER_DEG_LAT]))


@dataclass
class River:
    """A meandering river ``y = f(x)`` across the whole county (km)."""

    base: float
    phases: tuple[float, float]

    def y(self, x):
        """The river's ``y`` (km) at ``x``."""
        x = np.asarray(x, dtype=float)
        return self.base + 2.4 * np.sin(x / 7.0 + self.phases[0]) + 1.0 * np.sin(x / 3.1 + self.phases[1])

    def side(self, x, y) -> np.ndarray:
        """+1 north of the river, -1 south."""
        return np.where(np.asarray(y) > self.y(x), 1, -1)

    def line(self, x0: float, x1: float, step: float = 0.3) -> np.ndarray:
        """The river from ``x0`` to ``x1`` as a polyline with a point every ``step`` km."""
        xs = np.arange(x0, x1 + step / 2, step)
        return np.column_stack([xs, self.y(xs)])

    def crosses(self, pts: np.ndarray) -> bool:
        """Whether a polyline has points on both banks."""
        s = self.side(pts[:, 0], pts[:, 1])
        return bool((s != s[0]).any())


def blob(cx: float, cy: float, r: float, rng: np.random.Generator, n: int = 28) -> Polygon:
    """A roundish polygon of radius about ``r`` km around ``(cx, cy)``."""
    ang = np.linspace(0, 2 * math.pi, n, endpoint=False)
    rad = r * (1 + 0.18 * np.sin(2 * ang + rng.uniform(0, 6.3)) + rng.uniform(-0.08, 0.08, n))
    return Polygon(np.column_stack([cx + rad * np.cos(ang), cy + rad * np.sin(ang)]))


@dataclass(frozen=True)
class Layout:
    """The county's outline (as polar radii too), river, urban square and the areas of its streets and townships."""

    county: Polygon
    ang: np.ndarray
    rad: np.ndarray
    river: River
    urban: Polygon
    rural: Polygon
    seats: dict[str, tuple[float, float]]
    township_poly: dict[str, object]
    street_poly: dict[str, object]

    def radius_at(self, theta: float) -> float:
        """Distance (km) from the seat to the county border in direction ``theta``."""
        return _radius_at(theta, self.ang, self.rad)

    def township_of(self, x: float, y: float) -> str:
        """The township whose area holds ``(x, y)``, or ``""``."""
        for nm, poly in self.township_poly.items():
            if shapely.contains_xy(poly, x, y):
                return nm
        return ""


def build_layout(rng: np.random.Generator) -> Layout:
    """Draw the county outline, the river and the township seats, and partition the county."""
    county, ang, rad = _county_polygon(rng)
    river = River(base=-10.5, phases=(float(rng.uniform(0, 6.3)), float(rng.uniform(0, 6.3))))
    urban = box(-URBAN_HALF_KM, -URBAN_HALF_KM, URBAN_HALF_KM, URBAN_HALF_KM)
    seats = _place_seats(rng, ang, rad, river)
    rural = county.difference(urban)
    township_poly, street_poly = _partition(county, rural, seats)
    return Layout(county=county, ang=ang, rad=rad, river=river, urban=urban, rural=rural, seats=seats,
                  township_poly=township_poly, street_poly=street_poly)


def _county_polygon(rng: np.random.Generator) -> tuple[Polygon, np.ndarray, np.ndarray]:
    """A wobbly round county of 4,400 km² and its border radius per angle of ``ang``."""
    ang = np.linspace(0, 2 * math.pi, 96, endpoint=False)
    ph = rng.uniform(0, 2 * math.pi, 3)
    rel = 1 + 0.09 * np.sin(2 * ang + ph[0]) + 0.06 * np.sin(3 * ang + ph[1]) + 0.03 * np.sin(5 * ang + ph[2])
    rel = rel * (1 + rng.uniform(-0.012, 0.012, ang.shape[0]))
    poly = Polygon(np.column_stack([rel * np.cos(ang), rel * np.sin(ang)]))
    scale = math.sqrt(_COUNTY_AREA_KM2 / poly.area)
    return Polygon(np.column_stack([scale * rel * np.cos(ang), scale * rel * np.sin(ang)])), ang, scale * rel


def _radius_at(theta: float, ang: np.ndarray, rad: np.ndarray) -> float:
    """The border radius in direction ``theta``, interpolated between the outline's angles."""
    return float(np.interp(theta % (2 * math.pi), np.append(ang, 2 * math.pi), np.append(rad, rad[0])))


def _place_seats(rng: np.random.Generator, ang: np.ndarray, rad: np.ndarray,
                 river: River) -> dict[str, tuple[float, float]]:
    """Township seats: jittered layout, kept inside the county and on their side of the river."""
    seats: dict[str, tuple[float, float]] = {}
    for t in TOWNSHIPS:
        x = t.x + rng.uniform(-1.2, 1.2)
        y = t.y + rng.uniform(-1.2, 1.2)
        r = math.hypot(x, y)
        rmax = 0.82 * _radius_at(math.atan2(y, x), ang, rad)
        if r > rmax:
            x, y = x * rmax / r, y * rmax / r
        ry = float(river.y(x))
        y = min(y, ry - 4.0) if t.name in SOUTH else max(y, ry + 4.0)
        seats[t.name] = (round(x, 4), round(y, 4))
    return seats


def _partition(county: Polygon, rural, seats: dict[str, tuple[float, float]]) -> tuple[dict, dict]:
    """Townships: Voronoi cells of the seats clipped to the county minus the urban square; streets: its quadrants."""
    pts = shapely.MultiPoint([seats[t.name] for t in TOWNSHIPS])
    cells = shapely.voronoi_polygons(pts, extend_to=county.buffer(20.0))
    township_poly: dict[str, object] = {}
    for t in TOWNSHIPS:
        p = Point(seats[t.name])
        cell = next(g for g in cells.geoms if g.contains(p))
        township_poly[t.name] = cell.intersection(rural)
    street_poly = {}
    for s in STREETS:
        q = box(min(0, s.sx * URBAN_HALF_KM), min(0, s.sy * URBAN_HALF_KM),
                max(0, s.sx * URBAN_HALF_KM), max(0, s.sy * URBAN_HALF_KM))
        street_poly[s.name] = q.intersection(county)
    return township_poly, street_poly
