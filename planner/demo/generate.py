"""The bundled synthetic demo county (合成示范县): a seeded, reproducible generator.

The demo county is modelled on a real county of Heilongjiang (桦南县, Jiamusi:
2020 census 286,855 residents, 70,488 aged 60+, about 4,400 km², near
130.5 E 46.2 N) so that every analysis of the planner has something real to
find, but **every name, point, road and number is invented** and labelled as
synthetic in every file (a ``备注`` column, a ``synthetic`` GeoJSON property,
an XML comment and ``<note>`` in the OpenStreetMap file).

What it holds, by design:

* a county seat (县城) with an urban street grid (secondary/tertiary/residential
  streets, a few one-way streets, footways), 4 streets (街道) and 30
  communities (社区) with counted 60+ numbers;
* 14 townships (镇/乡) partitioning the rest of the county (Voronoi cells of
  their seats), each seat a small street grid, about 220 villages (村) with a
  total population only (their 60+ is allocated from the county total in
  ``population.county_older_totals``);
* a rural road hierarchy (trunk/primary/secondary/tertiary between seats,
  unclassified to villages, residential inside them, track field roads) with
  50-150 m node spacing, ``maxspeed`` on the trunk and one primary road;
* a river crossing the county with only two bridges, both in the east, so
  the south-west is reached by long detours; two villages across the river
  whose roads are cut off from the network (the bridge is missing) and one
  forest village with no road within 1 km;
* facilities of every tier: 3 county-tier institutions, township centres in
  11 of 14 townships (one of them the only centre for three populous
  townships, so over capacity; the southern centres under half occupied),
  street centres in 3 of 4 streets, day-care in 25 of 30 communities and a
  village facility in about 55% of villages;
* exclusion zones (ecological red line, permanent basic farmland) and
  candidate sites (health centres, village clinics, idle schools, village
  committees), some of them inside the zones.

Regenerate with ``python -m planner.demo [out_dir]`` (default: the package's
``planner/demo/data/`` folder).  The same seed gives byte-identical files.
"""

from __future__ import annotations

import bz2
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from planner.demo.candidates import CANDIDATE_HEADER, candidate_rows, exclusion_zones
from planner.demo.county import DemoCounty
from planner.demo.facilities import FACILITY_HEADER, N_COUNTY_INSTITUTIONS, TOWNSHIP_TIER_TYPES, facility_rows
from planner.demo.layout import build_layout
from planner.demo.names import DEMO_COUNTY_NAME, DEMO_OLDER_TOTAL, STREETS, TOWNSHIPS
from planner.demo.osm import osm_xml, river_points
from planner.demo.paths import DEMO_DATA_DIR
from planner.demo.roads import build_main_roads, build_village_roads
from planner.demo.settlements import (
    SETTLEMENT_HEADER,
    assign_village_populations,
    find_no_road_spot,
    place_communities,
    place_villages,
    settlement_rows,
)
from planner.demo.text import boundary_features, csv_bytes, geojson, study_toml

__all__ = ["generate_demo_county", "main"]

logger = logging.getLogger(__name__)


def generate_demo_county(out_dir: Path, *, seed: int = 2020) -> dict:
    """Write every file of the synthetic demo county into ``out_dir``.

    Parameters
    ----------
    out_dir
        Folder to write into (created if needed); gets ``demo_county.toml``
        and the sub-folders ``boundaries``, ``facilities``, ``settlements``,
        ``candidates`` and ``roads`` laid out as in ``docs/architecture.md``.
    seed
        Seed of the ``numpy.random.default_rng`` used for everything; the
        same seed gives byte-identical files.

    Returns
    -------
    dict
        Counts of what was written: townships, streets, communities,
        villages, facilities per tier, candidates, exclusion zones, OSM nodes
        and ways, residents, counted and county 60+ totals, and the names of
        the special villages (cut off, no road) and of the over-loaded centre's
        townships.
    """
    rng = np.random.default_rng(seed)
    # the steps draw from ``rng`` in this order: reordering them changes every file
    c = DemoCounty(rng=rng, layout=build_layout(rng))
    hubs = build_main_roads(c)
    find_no_road_spot(c)
    place_villages(c)
    build_village_roads(c, hubs)
    assign_village_populations(c)
    place_communities(c)
    settlements = settlement_rows(c)
    facilities, overloaded = facility_rows(c)
    candidates, farm_villages = candidate_rows(c)
    tables = _Tables(settlements, facilities, candidates, exclusion_zones(c, farm_villages), overloaded)
    out = Path(out_dir)
    files = _file_contents(c, tables)
    for rel, data in files.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    counts = _summary(c, tables, sorted(files))
    logger.info("demo county written to %s: %s", out, counts)
    return counts


@dataclass(frozen=True)
class _Tables:
    """The drawn tables: rows of the three CSV files, the exclusion zones, the over-loaded centre's township."""

    settlements: list[list[str]]
    facilities: list[list[str]]
    candidates: list[list[str]]
    zones: list[tuple[dict, object]]
    overloaded: str


def _file_contents(c: DemoCounty, tables: _Tables) -> dict[str, bytes]:
    """Bytes of every file, by path relative to the output folder."""
    layout = c.layout
    xml = osm_xml(c.osm, layout.river, layout.county)
    return {
        "boundaries/county.geojson": geojson([({"name": DEMO_COUNTY_NAME, "synthetic": True}, layout.county)]).encode(),
        "boundaries/townships.geojson": geojson(boundary_features(layout)).encode(),
        "boundaries/exclusion_zones.geojson": geojson(tables.zones).encode(),
        "facilities/facilities.csv": csv_bytes(FACILITY_HEADER, tables.facilities),
        "settlements/settlements.csv": csv_bytes(SETTLEMENT_HEADER, tables.settlements),
        "candidates/candidates.csv": csv_bytes(CANDIDATE_HEADER, tables.candidates),
        "roads/demo_county.osm.bz2": bz2.compress(xml.encode("utf-8"), 9),
        "demo_county.toml": study_toml().encode("utf-8"),
    }


def _summary(c: DemoCounty, tables: _Tables, files: list[str]) -> dict:
    """The counts returned by :func:`generate_demo_county`."""
    frows, villages = tables.facilities, c.villages
    n_township = sum(1 for r in frows if r[2] in TOWNSHIP_TIER_TYPES)
    n_county = N_COUNTY_INSTITUTIONS
    return {
        "townships": len(TOWNSHIPS),
        "streets": len(STREETS),
        "communities": len(c.communities),
        "villages": len(villages),
        "facilities": len(frows),
        "facilities_by_tier": {"county": n_county, "township": n_township,
                               "community": len(frows) - n_county - n_township},
        "candidates": len(tables.candidates),
        "exclusion_zones": len(tables.zones),
        "osm_nodes": len(c.osm.xy) + len(river_points(c.layout.river, c.layout.county)),
        "osm_ways": len(c.osm.ways) + 1,
        "junctions_added": c.junctions_added,
        "population": int(sum(m.population for m in c.communities) + sum(v.population for v in villages)),
        "older_counted": int(sum(m.older for m in c.communities)),
        "older_total": DEMO_OLDER_TOTAL,
        "cut_off_villages": [villages[i].name for i in c.isolated],
        "no_road_villages": [v.name for v in villages if v.special == "no_road"],
        "townships_without_centre": [t.name for t in TOWNSHIPS if not t.has_centre],
        "overloaded_centre_township": tables.overloaded,
        "files": files,
    }


def main(argv: list[str] | None = None) -> int:
    """``python -m planner.demo [out_dir] [--seed N]``: regenerate the demo county."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m planner.demo",
                                     description="Write the synthetic demo county (合成示范县).")
    parser.add_argument("out_dir", nargs="?", type=Path, default=DEMO_DATA_DIR)
    parser.add_argument("--seed", type=int, default=2020)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    generate_demo_county(args.out_dir, seed=args.seed)
    return 0
