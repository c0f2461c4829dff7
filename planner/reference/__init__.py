"""Packaged reference data: county boundaries, township and village lists, township seats, census totals.

Built from public packages by ``scripts/build_reference.py`` (sources, versions
and licences in ``planner/reference/data/<province>/PROVENANCE.md``).
"""

from __future__ import annotations

from planner.reference.load import (
    DATA_DIR,
    CensusTotals,
    CountyRef,
    census_older,
    county_boundary,
    find_county,
    list_counties,
    provinces,
    township_seats,
    townships,
    villages,
)
from planner.reference.names import match_names, name_core, name_score, settlement_kind, township_kind

__all__ = [
    "DATA_DIR",
    "CensusTotals",
    "CountyRef",
    "census_older",
    "county_boundary",
    "find_county",
    "list_counties",
    "provinces",
    "township_seats",
    "townships",
    "villages",
    "match_names",
    "name_core",
    "name_score",
    "settlement_kind",
    "township_kind",
]
