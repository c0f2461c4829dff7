"""Smoke test of the province benchmark's SYNTHETIC input (benchmarks/province_data.py): it loads and splits."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture(scope="module")
def province(tmp_path_factory):
    sys.path.insert(0, str(BENCH))
    try:
        import province_data
    finally:
        sys.path.remove(str(BENCH))
    folder = tmp_path_factory.mktemp("province")
    sizes = province_data.write_province(folder, 2, variants=1, scale=0.5, facility_scale=0.5)
    return province_data, sizes


def test_synthetic_province_loads_and_splits_into_its_counties(province):
    from planner.config import load_config
    from planner.data import load_study
    from planner.multi import partition_study
    from planner.network import load_network

    mod, sizes = province
    config = load_config(sizes["toml"])
    assert config.synthetic and "合成" in config.name
    data = load_study(config)
    network = load_network(data.config, data.study_area)
    part = partition_study(data, network)
    names = [mod.county_name(k) for k in range(2)]
    assert [t.county for t in part.tasks] == names
    assert not part.unassigned and not part.unassigned_facilities
    # every row of the files is in exactly one county's task, and in that county's polygon
    assert sum(len(t.data.settlements) for t in part.tasks) == len(data.settlements) == sizes["settlements"]
    assert sum(len(t.data.facilities) for t in part.tasks) == len(data.facilities) == sizes["facilities"]
    for t in part.tasks:
        pts = t.data.settlements.geometry
        assert pts.within(t.data.study_area.buffer(1e-6)).mean() > 0.97  # a few villages sit on the line
        assert set(t.data.townships["county"]) == {t.county}
    # the roads of the one .osm.pbf: every county's copy, none lost
    assert network.n_nodes > 0.95 * sizes["nodes"]
    # the counties are tiles apart: a county's own roads do not reach into its neighbour
    lon = np.asarray(network.lon)
    west, east = (data.counties.geometry.loc[n].bounds for n in names[:2])
    assert west[2] < east[0] and ((lon > west[2]) & (lon < east[0])).sum() < 0.01 * lon.size
    # village thinning keeps the county's older total consistent: the file's totals are below the demo's
    assert all(v < 70488 for v in config.population.county_older_totals.values())
