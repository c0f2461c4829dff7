"""The answer of one siting run: proposed sites and everything needed to judge them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from planner.io.export import write_csvs, write_geopackage
from planner.optim import locate as _locate
from planner.results import FrozenParams
from planner.siting.explain import summarise

__all__ = ["SitingResult"]


@dataclass(frozen=True)
class SitingResult(FrozenParams):
    """Proposed new sites for one tier and everything needed to judge them.

    Attributes
    ----------
    sites : GeoDataFrame
        The proposed sites, indexed by candidate id, in rank order: ``rank``,
        ``name``, ``type``, ``township``, ``county``, ``new_settlements``
        (count), ``new_villages``, ``new_communities``, ``new_older``,
        ``settlement_ids`` (``;``-joined), ``marginal_gain`` and ``gain_unit``,
        ``colocated``, ``health_distance_m``, ``why_zh``, ``why_en``, ``geometry``.
    excluded : GeoDataFrame
        Candidates not considered, with ``reason`` (a
        :class:`planner.codes.CandidateExclusion`), ``reason_zh``, ``reason_en``, ``detail``.
    settlements : GeoDataFrame
        Indexed like the study settlements: ``older``, ``covered_before``,
        ``covered_after``, ``new_site`` (id of the new site credited), ``site``
        and ``time_min`` (the site serving it after siting: the one the model
        assigns for p-median and capacitated models, else the nearest open
        one; inf beyond the search limit), ``time_before_min`` (nearest
        existing facility of the tier), ``uncoverable``, ``reason``.
    uncoverable : DataFrame
        Settlements not covered before that no candidate can cover (code
        ``NO_CANDIDATE_WITHIN_THRESHOLD``) with the reason in zh/en.
    curve : DataFrame
        Coverage versus the number of new sites ``k``: ``k``, ``covered_settlements``,
        ``villages_covered``, ``village_share``, ``communities_covered``,
        ``community_share``, ``older_covered``, ``older_share`` (and
        ``townships_with_centre`` for township centres), ``method``.
    targets : DataFrame
        Per policy target: ``indicator``, ``target``, ``value_before``, ``best``
        (every candidate built), ``reached_at_k`` (fewest new sites; 0 = already
        met, NA = not reachable with these candidates), ``method``, ``text_zh``, ``text_en``.
    scorecard : DataFrame
        Before/after side by side (``value_before``, ``value_after``, ``met_before``,
        ``met_after``, ``gap_before``, ``gap_after`` per indicator and scope).
    occupancy : DataFrame
        :func:`planner.siting.public_occupancy_by_county`.
    solution : planner.optim.locate.Solution
        The raw model answer (status, objective, bound, gap, run time); ``status = "rule"`` for the
        township plan (``model="centres"``), which has no optimality gap.
    gaps : DataFrame
        The township plan's gaps (:data:`planner.siting.centres.GAP_COLUMNS`): every township
        without a centre and every overloaded centre, the site closing it or why none can; empty
        for the other models.
    params : Mapping
        Every parameter used (read-only), ``tier`` and ``model`` included.
    """

    sites: gpd.GeoDataFrame
    excluded: gpd.GeoDataFrame
    settlements: gpd.GeoDataFrame
    uncoverable: pd.DataFrame
    curve: pd.DataFrame
    targets: pd.DataFrame
    scorecard: pd.DataFrame
    occupancy: pd.DataFrame
    solution: _locate.Solution
    gaps: pd.DataFrame = field(default_factory=pd.DataFrame)
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def tier(self) -> str:
        """Tier key (``community``, ``township``, ``county``)."""
        return str(self.params["tier"])

    @property
    def model(self) -> str:
        """``mclp``, ``lscp`` or ``pmedian`` (``capacitated`` in :attr:`params`)."""
        return str(self.params["model"])

    def summary(self, *, lang: str = "zh") -> str:
        """One paragraph: what was proposed, what it covers, what was excluded, the targets."""
        return summarise(self, lang)

    def layers(self) -> dict[str, pd.DataFrame]:
        """Every table of the result by layer name (``proposed_sites``, ``excluded_candidates``...)."""
        return {"proposed_sites": self.sites, "excluded_candidates": self.excluded,
                "siting_settlements": self.settlements, "uncoverable": self.uncoverable,
                "coverage_curve": self.curve, "targets": self.targets, "scorecard_before_after": self.scorecard,
                "public_occupancy": self.occupancy.reset_index(), "gaps": self.gaps}

    def to_gpkg(self, path: str | Path) -> Path:
        """Add the layers to a GeoPackage as ``<tier>_<layer>`` (several tiers can share one file)."""
        return write_geopackage(self.layers(), path, prefix=f"{self.tier}_", replace=False)

    def to_csv(self, folder: str | Path) -> dict[str, Path]:
        """Write every layer as ``<folder>/<tier>_<layer>.csv`` (UTF-8 with BOM); layer name -> file."""
        return write_csvs(self.layers(), folder, prefix=f"{self.tier}_")
