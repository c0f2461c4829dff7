"""The fast paths of issue #13's per-county cost: each checked against the slow/reference result."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from planner.io import export


def test_geopackage_written_unsynced_restores_gdal_setting_and_keeps_content(tmp_path):
    frame = gpd.GeoDataFrame({"name": ["甲", "乙"], "n": [1, 2]},
                             geometry=[shapely.Point(126.6, 45.7), shapely.Point(126.7, 45.8)], crs="EPSG:4326")
    table = pd.DataFrame({"k": ["a", "b"], "v": [1.5, np.nan]})
    pyogrio.set_gdal_config_options({"OGR_SQLITE_SYNCHRONOUS": "NORMAL"})
    try:
        path = export.write_geopackage({"points": frame, "table": table}, tmp_path / "out.gpkg")
        assert pyogrio.get_gdal_config_option("OGR_SQLITE_SYNCHRONOUS") == "NORMAL"
    finally:
        pyogrio.set_gdal_config_options({"OGR_SQLITE_SYNCHRONOUS": None})
    assert pyogrio.get_gdal_config_option("OGR_SQLITE_SYNCHRONOUS") is None
    back = pyogrio.read_dataframe(path, layer="points")
    assert back["name"].tolist() == ["甲", "乙"]
    assert shapely.equals_exact(back.geometry.to_numpy(), frame.geometry.to_numpy(), 0).all()
    tab = pyogrio.read_dataframe(path, layer="table")
    assert tab["k"].tolist() == ["a", "b"] and np.isnan(tab["v"].iloc[1])


def test_shared_tile_cache_draws_the_same_circles_and_reuses_tiles_across_calls():
    from planner.analysis import circles as C
    from planner.config import default_config
    from planner.errors import InputError
    from planner.network import synthetic_road_network
    from planner.routing import RoutingGraph

    net = synthetic_road_network(4000, seed=11)
    drive = default_config().profiles["drive"]
    g = RoutingGraph.from_network(net, drive, crs="EPSG:32652")
    pick = np.random.default_rng(5).choice(net.n_nodes, 4, replace=False)
    fac = gpd.GeoDataFrame(geometry=gpd.points_from_xy(net.lon[pick] + 1e-4, net.lat[pick]), crs="EPSG:4326",
                           index=pd.Index([f"F{i}" for i in range(4)], name="facility_id"))
    caches = [C.TiledBuffer(C.BUFFER_M) for _ in range(2)]
    own = [C.service_circles(g, fac, minutes=m, dissolve=True, tiles=t) for m, t in zip((6.0, 12.0), caches)]
    tiles = C.TiledBuffer(C.BUFFER_M)
    shared = [C.service_circles(g, fac, minutes=m, dissolve=True, tiles=tiles) for m in (6.0, 12.0)]
    default = C.service_circles(g, fac, minutes=12.0, dissolve=True)
    for a, b in zip(own + [default], shared + shared[1:]):
        assert shapely.equals_exact(a.geometry.to_numpy(), b.geometry.to_numpy(), 0).all()
        assert shapely.equals_exact(a.attrs["dissolved"], b.attrs["dissolved"], 0)
        assert (a["area_km2"] == b["area_km2"]).all()
    # the 12-minute circles contain the 6-minute ones: their inner tiles are not drawn again
    assert sum(c.drawn for c in caches) > 10
    assert tiles.drawn < sum(c.drawn for c in caches)
    assert tiles.reused > sum(c.reused for c in caches)
    with pytest.raises(InputError, match="buffer_m"):
        C.service_circles(g, fac, minutes=6.0, buffer_m=20.0, tiles=tiles)
