"""A SYNTHETIC province for ``bench_province.py``: copies of the synthetic demo county tiled on a grid.

Every file is synthetic (invented by :mod:`planner.demo`, labelled so in every
row, property and OSM note): ``variants`` demo counties are generated with
different seeds (their roads, villages, facilities, townships and zones
differ), and county ``k`` of the province is a copy of variant ``k % variants``
shifted by whole tiles of a grid (columns of longitude, rows of latitude,
centred on the demo's place in Heilongjiang), renamed 合成NNN县 in one of 13
synthetic cities.  ``scale`` keeps that fraction of each county's villages
and ``facility_scale`` that of its village-tier facilities, seeded; the
defaults (0.53, 0.33) put 122 counties at about 14,000 villages and 10,000
facilities, and the roads at about 2.7 M nodes (the demo's 21,800 per county).

The province's roads are written as ONE ``.osm.pbf`` (pyosmium), which the
study reads once (``planner.network.load_network``).  The counties' road
networks do not touch (a gap between tiles): each county is a road island.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

logger = logging.getLogger(__name__)

DEMO_NAME = "合成示范县"
N_CITIES = 13
_GAP_DEG = 0.03
_TABLES = {"settlements": "settlements/settlements.csv", "facilities": "facilities/facilities.csv",
           "candidates": "candidates/candidates.csv"}
_LAYERS = ("townships", "exclusion_zones")
#: The demo's village-tier facility types (thinned with ``facility_scale``).
VILLAGE_FACILITY_TYPES = ("农村幸福院", "互助养老点", "养老大院")


@dataclass(frozen=True)
class Variant:
    """One generated demo county: its tables, layers and OSM objects (nodes and ways)."""

    tables: dict[str, pd.DataFrame]
    layers: dict[str, gpd.GeoDataFrame]
    county: gpd.GeoDataFrame
    node_id: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    node_tags: dict[int, dict[str, str]]
    ways: list[tuple[int, list[int], dict[str, str]]]
    toml: str


def county_name(k: int) -> str:
    """The synthetic name of county ``k``."""
    return f"合成{k + 1:03d}县"


def city_name(k: int, n_counties: int) -> str:
    """The synthetic city of county ``k`` (13 cities of contiguous counties)."""
    return f"合成{k * min(N_CITIES, n_counties) // n_counties + 1:02d}市"


def _read_osm(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict, list]:
    import osmium

    ids, lons, lats, tags, ways = [], [], [], {}, []
    for obj in osmium.FileProcessor(str(path)):
        if obj.is_node():
            ids.append(obj.id)
            lons.append(obj.location.lon)
            lats.append(obj.location.lat)
            if len(obj.tags):
                tags[obj.id] = dict(obj.tags)
        elif obj.is_way():
            ways.append((obj.id, [n.ref for n in obj.nodes], dict(obj.tags)))
    return np.array(ids, dtype=np.int64), np.array(lons), np.array(lats), tags, ways


def make_variant(folder: Path, seed: int) -> Variant:
    """Generate the demo county with ``seed`` into ``folder`` and read it back."""
    from planner.demo.generate import generate_demo_county

    generate_demo_county(folder, seed=seed)
    tables = {k: pd.read_csv(folder / rel, encoding="utf-8-sig", dtype={"编号": str}) for k, rel in _TABLES.items()}
    layers = {k: gpd.read_file(folder / "boundaries" / f"{k}.geojson") for k in _LAYERS}
    county = gpd.read_file(folder / "boundaries" / "county.geojson")
    osm = next((folder / "roads").glob("*.osm*"))
    node_id, lon, lat, node_tags, ways = _read_osm(osm)
    toml = (folder / "demo_county.toml").read_text(encoding="utf-8")
    return Variant(tables, layers, county, node_id, lon, lat, node_tags, ways, toml)


def _pitch(variants: list[Variant]) -> tuple[float, float, float, float]:
    """Tile size (degrees of longitude, latitude) that holds every variant's roads and polygons, and its corner."""
    lo_x = min(min(v.lon.min(), v.county.total_bounds[0]) for v in variants)
    hi_x = max(max(v.lon.max(), v.county.total_bounds[2]) for v in variants)
    lo_y = min(min(v.lat.min(), v.county.total_bounds[1]) for v in variants)
    hi_y = max(max(v.lat.max(), v.county.total_bounds[3]) for v in variants)
    return hi_x - lo_x + _GAP_DEG, hi_y - lo_y + _GAP_DEG, lo_x, lo_y


def _thin(v: Variant, scale: float, facility_scale: float,
          rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Keep ``scale`` of the villages, ``facility_scale`` of the village-tier facilities; the new older total."""
    from planner.demo.names import DEMO_OLDER_TOTAL

    s = v.tables["settlements"]
    village = (s["类型"] == "村").to_numpy()
    keep = ~village | (rng.random(len(s)) < scale)
    f = v.tables["facilities"]
    fvillage = f["类型"].astype(str).isin(VILLAGE_FACILITY_TYPES).to_numpy()
    fkeep = ~fvillage | (rng.random(len(f)) < facility_scale)
    counted = int(s.loc[~village, "60岁以上人口"].fillna(0).sum())
    pop = s.loc[village, "总人口"]
    share = float(pop[keep[village]].sum()) / float(pop.sum()) if pop.sum() else 1.0
    total = counted + int(round((DEMO_OLDER_TOTAL - counted) * share))
    return s[keep], f[fkeep], total


def _shift_table(frame: pd.DataFrame, k: int, dx: float, dy: float, name: str) -> pd.DataFrame:
    out = frame.copy()
    out["编号"] = f"X{k + 1:03d}-" + out["编号"].astype(str)
    out["经度"] = out["经度"] + dx
    out["纬度"] = out["纬度"] + dy
    out["所属乡镇"] = name + out["所属乡镇"].astype(str)
    out["所属县"] = name
    out["名称"] = out["名称"].astype(str).str.replace(DEMO_NAME, name, regex=False)
    return out


def _shift_layer(frame: gpd.GeoDataFrame, dx: float, dy: float, name: str) -> gpd.GeoDataFrame:
    out = frame.copy()
    out["geometry"] = shapely.transform(out.geometry.to_numpy(), lambda xy: xy + np.array([dx, dy]))
    out["name"] = name + out["name"].astype(str)
    if "county" in out:
        out["county"] = name
    return out


@dataclass
class _Province:
    tables: dict[str, list[pd.DataFrame]]
    layers: dict[str, list[gpd.GeoDataFrame]]
    counties: list[gpd.GeoDataFrame]
    older: dict[str, int]
    streets: list[str]


def _place(variants: list[Variant], n_counties: int) -> list[tuple[int, float, float]]:
    """County k -> (variant, dlon, dlat): tiles on a grid of ceil(sqrt(n)) columns centred on the demo."""
    wx, wy, _, _ = _pitch(variants)
    ncol = math.ceil(math.sqrt(n_counties))
    nrow = math.ceil(n_counties / ncol)
    out = []
    for k in range(n_counties):
        r, c = divmod(k, ncol)
        out.append((k % len(variants), (c - (ncol - 1) / 2) * wx, (r - (nrow - 1) / 2) * wy))
    return out


def _tables_and_layers(variants: list[Variant], places: list, scale: tuple[float, float], seed: int) -> _Province:
    rng = np.random.default_rng(seed)
    prov = _Province({k: [] for k in _TABLES}, {k: [] for k in _LAYERS}, [], {}, [])
    n = len(places)
    for k, (vi, dx, dy) in enumerate(places):
        v, name = variants[vi], county_name(k)
        s, f, older = _thin(v, *scale, rng)
        prov.older[name] = older
        for key, frame in (("settlements", s), ("facilities", f), ("candidates", v.tables["candidates"])):
            prov.tables[key].append(_shift_table(frame, k, dx, dy, name))
        for key in _LAYERS:
            prov.layers[key].append(_shift_layer(v.layers[key], dx, dy, name))
        towns = v.layers["townships"]
        prov.streets += [name + t for t in towns.loc[towns["kind"] == "街道", "name"].astype(str)]
        poly = _shift_layer(v.county, dx, dy, "")
        poly["name"] = name
        poly["city"] = city_name(k, n)
        prov.counties.append(poly)
    return prov


def _write_roads(path: Path, variants: list[Variant], places: list) -> tuple[int, int]:
    """Every county's roads, shifted and renumbered, into one .osm.pbf; returns (nodes, ways)."""
    import osmium
    from osmium.osm.mutable import Node, Way

    stride = max(int(max(v.node_id.max() for v in variants)), max(w[0] for v in variants for w in v.ways)) + 1
    n_nodes = n_ways = 0
    if path.exists():
        path.unlink()
    with osmium.SimpleWriter(str(path)) as writer:
        for k, (vi, dx, dy) in enumerate(places):
            v, off = variants[vi], (k + 1) * stride
            lon, lat = v.lon + dx, v.lat + dy
            for i, nid in enumerate(v.node_id.tolist()):
                writer.add_node(Node(id=nid + off, location=(lon[i], lat[i]), tags=v.node_tags.get(nid, {})))
            n_nodes += len(v.node_id)
        for k, (vi, _, _) in enumerate(places):
            off = (k + 1) * stride
            for wid, refs, tags in variants[vi].ways:
                writer.add_way(Way(id=wid + off, nodes=[r + off for r in refs], tags=tags))
            n_ways += len(variants[vi].ways)
    return n_nodes, n_ways


def _study_toml(v: Variant, prov: _Province, n_counties: int, *, scenarios: bool) -> str:
    text = v.toml
    head, _, rest = text.partition("[inputs]")
    body = rest if scenarios else rest.split("\n# Scenarios", 1)[0]
    body = body.replace("boundaries/county.geojson", "boundaries/counties.geojson")
    body = body.replace("roads/demo_county.osm.bz2", "roads/province.osm.pbf")
    older = ", ".join(f'"{c}" = {n}' for c, n in prov.older.items())
    body = body.split("county_older_totals", 1)[0] + "county_older_totals = { " + older + " }\n" + \
        body.split("county_older_totals", 1)[1].split("\n", 1)[1]
    head = head.replace(f'name = "{DEMO_NAME}"', f'name = "合成省（{n_counties} 县，合成数据）"')
    head = head.split("central_townships")[0] + "central_townships = " + json.dumps(prov.streets, ensure_ascii=False) \
        + "\n" + head.split("central_townships", 1)[1].split("\n", 1)[1]
    return ("# SYNTHETIC province for benchmarks/bench_province.py: copies of the synthetic demo county\n"
            + head + "[inputs]" + body + "\n[execution]\nsplit = \"counties\"\n")


def write_province(folder: Path, n_counties: int, *, scale: float = 0.53, facility_scale: float = 0.33,
                   variants: int = 4, seed: int = 2020, scenarios: bool = False) -> dict:
    """Write the synthetic province's study into ``folder``; returns its sizes and the study file.

    Parameters
    ----------
    folder
        Output folder (created); gets ``province.toml`` and the input folders.
    n_counties
        Counties of the province.
    scale
        Fraction of each county's villages kept.
    facility_scale
        Fraction of each county's village-tier facilities (:data:`VILLAGE_FACILITY_TYPES`) kept.
    variants
        Distinct demo counties (seeds ``seed``, ``seed + 1``, ...) tiled cyclically.
    seed
        Seed of the first variant and of the village sampling.
    scenarios
        Keep the demo's scenarios (winter, after siting) in the study.

    Returns
    -------
    dict
        ``toml`` (path), ``nodes``, ``ways``, ``settlements``, ``villages``, ``facilities``, ``townships``.
    """
    folder = Path(folder)
    vs = [make_variant(folder / "_variants" / f"v{i}", seed + i) for i in range(min(variants, n_counties))]
    places = _place(vs, n_counties)
    prov = _tables_and_layers(vs, places, (scale, facility_scale), seed)
    for sub in ("boundaries", "roads", "settlements", "facilities", "candidates"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    sizes = {}
    for key, rel in _TABLES.items():
        frame = pd.concat(prov.tables[key], ignore_index=True)
        frame.to_csv(folder / rel, index=False, encoding="utf-8-sig")
        sizes[key] = len(frame)
        if key == "settlements":
            sizes["villages"] = int((frame["类型"] == "村").sum())
    for key in _LAYERS:
        layer = pd.concat(prov.layers[key], ignore_index=True)
        layer.to_file(folder / "boundaries" / f"{key}.geojson", driver="GeoJSON")
        sizes[key] = len(layer)
    pd.concat(prov.counties, ignore_index=True).to_file(folder / "boundaries" / "counties.geojson", driver="GeoJSON")
    sizes["nodes"], sizes["ways"] = _write_roads(folder / "roads" / "province.osm.pbf", vs, places)
    toml = folder / "province.toml"
    toml.write_text(_study_toml(vs[0], prov, n_counties, scenarios=scenarios), encoding="utf-8")
    sizes["toml"] = toml
    return sizes
