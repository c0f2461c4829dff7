"""WGS84 / GCJ-02 / BD-09 conversions and UTM zone choice."""

import numpy as np
import pyproj
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.errors import ConfigError
from planner.geo import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    normalise_crs,
    out_of_china,
    to_wgs84,
    utm_crs_for,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

GEOD = pyproj.Geod(ellps="WGS84")


def metres(lon1, lat1, lon2, lat2):
    _, _, d = GEOD.inv(np.asarray(lon1), np.asarray(lat1), np.asarray(lon2), np.asarray(lat2))
    return np.asarray(d)


# Published reference pairs for the point (116.404, 39.915) near Tiananmen,
# Beijing, from the README/test of the widely used `coordtransform` package
# (github.com/wandergis/coordtransform, test/app.js), which Hutool's
# CoordinateUtilTest also asserts.
REF_IN = (116.404, 39.915)
REF_WGS_TO_GCJ = (116.41024449916938, 39.91640428150164)
REF_GCJ_TO_BD = (116.41036949371029, 39.92133699351021)
REF_BD_TO_GCJ = (116.39762729119315, 39.90865673957631)
# coordtransform's gcj02towgs84 is the one-step approximation (not iterated):
REF_GCJ_TO_WGS_APPROX = (116.39775550083061, 39.91359571849836)


def test_forward_matches_published_values():
    assert np.allclose(wgs84_to_gcj02(*REF_IN), REF_WGS_TO_GCJ, atol=1e-9, rtol=0)
    assert np.allclose(gcj02_to_bd09(*REF_IN), REF_GCJ_TO_BD, atol=1e-9, rtol=0)
    assert np.allclose(bd09_to_gcj02(*REF_IN), REF_BD_TO_GCJ, atol=1e-9, rtol=0)


def test_inverse_is_exact_where_the_published_approximation_is_not():
    w = gcj02_to_wgs84(*REF_IN)
    # within a few metres of the one-step approximation ...
    assert metres(*w, *REF_GCJ_TO_WGS_APPROX) < 5
    # ... but going forward again gives back the input (the approximation does not)
    back = wgs84_to_gcj02(*w)
    assert metres(*back, *REF_IN) < 0.01
    approx_back = wgs84_to_gcj02(*REF_GCJ_TO_WGS_APPROX)
    assert metres(*approx_back, *REF_IN) > metres(*back, *REF_IN)


def test_published_pair_round_trips():
    w = gcj02_to_wgs84(*REF_WGS_TO_GCJ)
    assert metres(*w, *REF_IN) < 0.5
    g = bd09_to_gcj02(*REF_GCJ_TO_BD)
    assert metres(*g, *REF_IN) < 0.5


def test_offset_size_in_heilongjiang():
    # Harbin: the GCJ-02 shift is a few hundred metres, Baidu's adds ~1 km.
    lon, lat = 126.63, 45.75
    assert 200 < metres(lon, lat, *wgs84_to_gcj02(lon, lat)) < 900
    assert 500 < metres(lon, lat, *wgs84_to_bd09(lon, lat)) < 2000


def test_outside_china_is_unchanged():
    lon = np.array([2.35, -74.0, 139.7])  # Paris, New York, Tokyo
    lat = np.array([48.85, 40.7, 35.7])
    assert out_of_china(lon, lat).all()
    g = wgs84_to_gcj02(lon, lat)
    assert np.array_equal(g[0], lon) and np.array_equal(g[1], lat)
    w = gcj02_to_wgs84(lon, lat)
    assert np.array_equal(w[0], lon) and np.array_equal(w[1], lat)


def test_vectorised_and_nan_passes_through():
    lon = np.array([126.6, np.nan, 127.0])
    lat = np.array([45.7, 45.0, np.nan])
    w = gcj02_to_wgs84(lon, lat)
    assert w[0].shape == (3,)
    assert np.isfinite(w[0][0]) and np.isnan(w[0][1]) and np.isnan(w[1][2])
    # the input arrays are not modified
    assert lon[0] == 126.6


@settings(max_examples=200, deadline=None)
@given(
    st.floats(min_value=73.5, max_value=134.9, allow_nan=False),
    st.floats(min_value=18.2, max_value=53.5, allow_nan=False),
)
def test_round_trips_within_half_a_metre_over_china(lon, lat):
    g = wgs84_to_gcj02(lon, lat)
    assert metres(*gcj02_to_wgs84(*g), lon, lat) < 0.5
    b = wgs84_to_bd09(lon, lat)
    assert metres(*bd09_to_wgs84(*b), lon, lat) < 0.5
    assert metres(*bd09_to_gcj02(*gcj02_to_bd09(lon, lat)), lon, lat) < 0.5


def test_to_wgs84_dispatch():
    lon, lat = 126.63, 45.75
    g = wgs84_to_gcj02(lon, lat)
    b = wgs84_to_bd09(lon, lat)
    assert metres(*to_wgs84(*g, "gcj02"), lon, lat) < 0.5
    assert metres(*to_wgs84(*b, "BD-09"), lon, lat) < 0.5
    assert to_wgs84(lon, lat, "wgs84") == (lon, lat)
    utm = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:32652", always_xy=True)
    e, n = utm.transform(lon, lat)
    assert metres(*to_wgs84(e, n, "EPSG:32652"), lon, lat) < 0.01
    assert normalise_crs("EPSG:4326") == "wgs84"
    assert normalise_crs(32652) == "EPSG:32652"
    with pytest.raises(ConfigError, match="gcj02"):
        normalise_crs("mars-ish")


@pytest.mark.parametrize(
    ("lon", "zone"), [(123.5, 32651), (126.63, 32652), (131.9, 32652), (133.0, 32653)]
)
def test_utm_zone_in_heilongjiang(lon, zone):
    assert utm_crs_for((lon - 0.1, 46.0, lon + 0.1, 46.5)) == pyproj.CRS.from_epsg(zone)


def test_utm_zone_from_geometry_and_frame():
    import geopandas as gpd

    poly = shapely.box(126.4, 45.5, 126.9, 45.9)
    assert utm_crs_for(poly).to_epsg() == 32652
    frame = gpd.GeoSeries([shapely.Point(133.1, 47.0)], crs=4326)
    assert utm_crs_for(frame).to_epsg() == 32653
    with pytest.raises(ValueError):
        utm_crs_for((500000.0, 5000000.0, 510000.0, 5010000.0))
