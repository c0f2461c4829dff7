"""The documented rule that turns OpenStreetMap objects into elderly-care facilities (养老服务设施) with tiers.

Candidates come from :func:`planner.io.osm_reader.features_from_osm_file`;
:func:`_classify` keeps or excludes each (with the reason), :func:`_type_for`
gives it a Chinese ``type`` from which :func:`planner.config.tier_for_type`
finds the tier.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from planner.io.osm_reader import WGS84, features_from_osm_file

if TYPE_CHECKING:  # pragma: no cover
    from planner.config import StudyConfig

__all__ = ["elderly_care_facilities_from_osm_file", "ELDERLY_NAME_WORDS", "NON_ELDERLY_NAME_WORDS"]

logger = logging.getLogger(__name__)

#: Name substrings that mark an elderly-care facility (养老院, 敬老院, 福利院, 老年公寓, 日间照料...).
ELDERLY_NAME_WORDS: tuple[str, ...] = (
    "养老院", "敬老院", "福利院", "老年公寓", "日间照料", "养老服务", "养老中心", "养老驿站", "托老所", "护理院",
)
#: Name substrings that mark a facility for children, not older people (e.g. 儿童福利院).
NON_ELDERLY_NAME_WORDS: tuple[str, ...] = ("儿童", "孤儿", "少儿", "婴儿", "妇幼")
#: ``social_facility`` values for older people's residential care.
ELDERLY_SOCIAL_FACILITY = frozenset({"nursing_home", "assisted_living", "group_home"})
#: ``social_facility:for`` values meaning older people.
ELDERLY_FOR = frozenset({"senior", "elderly", "aged"})
#: Tags showing that a name-only match is something else named after a facility
#: (a bus stop 福利院站, a shop, a school): such objects are left out.
OTHER_FUNCTION_TAGS = ("shop", "highway", "public_transport", "railway", "office", "tourism", "leisure")
#: ``social_facility:for`` values meaning someone else.
NON_ELDERLY_FOR = frozenset({"child", "children", "juvenile", "orphan", "youth"})
#: The candidate filter (step 1 of the rule, with :data:`ELDERLY_NAME_WORDS`).
CANDIDATE_TAGS = {"amenity": ["social_facility", "nursing_home"], "social_facility": True, "social_facility:for": True}
#: Columns of the result.
COLUMNS = ["name", "name:zh", "name:en", "type", "tier", "rule", "amenity", "social_facility",
           "social_facility:for", "osm_type", "osm_id", "geometry_source", "geometry"]


def _type_for(name: str, social_facility: str, amenity: str, tier_words: Sequence[tuple[str, str]]) -> str:
    """The facility type (step 4): the longest tier word in the name, else from the name or the tags."""
    for word, _ in tier_words:  # longest first
        if word in name:
            return word
    if "老年公寓" in name:
        return "养老机构"
    if "日间照料" in name:
        return "日间照料中心"
    if amenity == "nursing_home" or social_facility in ELDERLY_SOCIAL_FACILITY:
        return "养老院"
    return "养老机构"


def _classify(row: pd.Series, name: str) -> tuple[str | None, str | None]:
    """Steps 2 and 3 of the rule for one candidate: ``(rule that kept it, None)`` or ``(None, reason left out)``."""
    amenity, sf, sf_for = row["amenity"], row["social_facility"], row["social_facility:for"]
    for_values = {v.strip() for v in sf_for.split(";") if v.strip()}
    for_others = for_values & NON_ELDERLY_FOR and not for_values & ELDERLY_FOR
    if any(w in name for w in NON_ELDERLY_NAME_WORDS) or for_others:
        return None, "not_elderly"
    if amenity == "nursing_home":
        return "amenity=nursing_home", None
    if sf in ELDERLY_SOCIAL_FACILITY:
        return f"social_facility={sf}", None
    if for_values & ELDERLY_FOR:
        return "social_facility:for=senior", None
    if any(w in name for w in ELDERLY_NAME_WORDS):
        if amenity not in ("", "social_facility") or any(row[k] for k in OTHER_FUNCTION_TAGS):
            return None, "other_function"
        return "name", None
    return None, "no_elderly_sign"


def _tier_words(config: StudyConfig) -> list[tuple[str, str]]:
    """(facility-type word, tier) of every tier of the config, longest word first."""
    return sorted(((w, k) for k, t in config.tiers.items() for w in t.all_words), key=lambda wk: -len(wk[0]))


def _apply_rule(
    cand: gpd.GeoDataFrame, tier_words: Sequence[tuple[str, str]]
) -> tuple[list[str], list[str], list[str], list[str], Counter]:
    """The candidates kept (index), the name, rule and type of each, and the exclusions counted by reason."""
    excluded: Counter = Counter()
    keep: list[str] = []
    names: list[str] = []
    rules: list[str] = []
    types: list[str] = []
    for idx, row in cand.iterrows():
        name = row["name"] or row["name:zh"]
        rule, reason = _classify(row, name)
        if rule is None:
            excluded[reason] += 1
            continue
        keep.append(idx)
        names.append(name)
        rules.append(rule)
        types.append(_type_for(name, row["social_facility"], row["amenity"], tier_words))
    return keep, names, rules, types, excluded


def elderly_care_facilities_from_osm_file(
    path: str | Path, *, config: StudyConfig | None = None
) -> gpd.GeoDataFrame:
    """Elderly-care facilities (养老服务设施) in an OpenStreetMap file, with planner tiers.

    The rule, applied to every node, way and multipolygon relation:

    1. **Candidates**: ``amenity=social_facility``, ``amenity=nursing_home``,
       any ``social_facility`` / ``social_facility:for`` tag, or a name
       (``name``/``name:zh``) containing one of :data:`ELDERLY_NAME_WORDS`
       (养老院, 敬老院, 福利院, 老年公寓, 日间照料, 养老服务, 养老中心, 养老驿站, 托老所, 护理院).
    2. **Not for older people** (left out, counted in
       ``attrs["excluded"]["not_elderly"]``): a name containing
       :data:`NON_ELDERLY_NAME_WORDS` (儿童福利院 is a children's home) or
       ``social_facility:for`` of children/juveniles/orphans.
    3. **Kept**: ``amenity=nursing_home``; ``social_facility`` =
       nursing_home / assisted_living / group_home; ``social_facility:for`` =
       senior; or an elderly name word.  Other social facilities (shelters,
       food banks... without any sign of older people) are left out and
       counted under ``no_elderly_sign``.  A match on the name alone is
       left out (``other_function``) when the object is something else named
       after a facility: it has another ``amenity`` (儿童福利院 tagged as a
       school) or a ``shop``, ``highway`` (bus stop 福利院站),
       ``public_transport``, ``railway``, ``office``, ``tourism`` or
       ``leisure`` tag.
    4. **Type** (Chinese, so :func:`planner.config.tier_for_type` can read
       it): the longest facility-type word of the config's tiers found in
       the name (哈尔滨市第一社会福利院 -> 社会福利院 -> county tier); else
       老年公寓 -> 养老机构, 日间照料 -> 日间照料中心, nursing_home /
       assisted_living / group_home -> 养老院, anything else -> 养老机构
       (residential institutions belong to the county tier).

    Parameters
    ----------
    path
        OpenStreetMap file (.osm, .osm.bz2, .osm.pbf).
    config : StudyConfig, optional
        Its tiers' words decide ``type`` and ``tier``; default
        :func:`planner.config.default_config`.

    Returns
    -------
    GeoDataFrame
        WGS84 points indexed like :func:`features_from_osm_file`
        (``"way/986527128"``), columns ``name`` (``name:zh`` when ``name``
        is empty), ``name:zh``, ``name:en``, ``type``, ``tier``, ``rule``
        (which condition of step 3 kept it), ``amenity``,
        ``social_facility``, ``social_facility:for``, ``osm_type``,
        ``osm_id``, ``geometry_source``, ``geometry``.  ``attrs["excluded"]``
        counts the candidates left out by reason; ``attrs["dropped"]`` those
        without a location.
    """
    from planner.config import default_config, tier_for_type

    config = config or default_config()
    cand = features_from_osm_file(
        path, tags=CANDIDATE_TAGS, name_contains=ELDERLY_NAME_WORDS, columns=OTHER_FUNCTION_TAGS
    )
    keep, names, rules, types, excluded = _apply_rule(cand, _tier_words(config))
    out = cand.loc[keep].copy()
    out["name"] = names
    out["type"] = types
    out["tier"] = pd.array([tier_for_type(t, config.tiers) for t in types], dtype="string")
    out["rule"] = rules
    out = gpd.GeoDataFrame(out[COLUMNS], geometry="geometry", crs=WGS84)
    out.attrs["excluded"] = dict(excluded)
    out.attrs["dropped"] = dict(cand.attrs.get("dropped", {}))
    if excluded:
        logger.info("%s: %d elderly-care facilities; candidates left out: %s",
                    Path(path).name, len(out), dict(excluded))
    return out
