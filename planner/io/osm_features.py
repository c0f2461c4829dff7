"""Points of interest from OpenStreetMap files (.osm, .osm.bz2, .osm.pbf): the public face of the OSM readers.

Planners rarely have a facility table for a whole city; OpenStreetMap often
has some of the facilities (``amenity=social_facility``, named 福利院 or
养老院...) and the residential places (``place=neighbourhood``...).

* :func:`features_from_osm_file` (:mod:`planner.io.osm_reader`) is the
  general reader (osmnx-style tag filter), offline with pyosmium;
* :func:`elderly_care_facilities_from_osm_file` (:mod:`planner.io.osm_elderly`)
  applies the documented rule that turns OSM objects into elderly-care
  facilities with a Chinese ``type`` from which
  :func:`planner.config.tier_for_type` finds the tier.
"""

from __future__ import annotations

from planner.io.osm_elderly import (
    ELDERLY_NAME_WORDS,
    NON_ELDERLY_NAME_WORDS,
    elderly_care_facilities_from_osm_file,
)
from planner.io.osm_reader import features_from_osm_file

__all__ = [
    "features_from_osm_file",
    "elderly_care_facilities_from_osm_file",
    "ELDERLY_NAME_WORDS",
    "NON_ELDERLY_NAME_WORDS",
]
