"""The fast paths of issue #13's per-county cost: each checked against the slow/reference result."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
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
    assert back["name"].tolist() == ["甲", "乙"] and shapely.equals_exact(back.geometry.to_numpy(), frame.geometry.to_numpy(), 0).all()
    tab = pyogrio.read_dataframe(path, layer="table")
    assert tab["k"].tolist() == ["a", "b"] and np.isnan(tab["v"].iloc[1])
