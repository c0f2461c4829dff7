"""Siting: propose new elderly-care sites per tier (LSCP, MCLP, p-median) from screened candidate sites."""

from __future__ import annotations

from planner.siting.candidates import EXCLUSION_REASONS, public_occupancy_by_county
from planner.siting.propose import DEFAULT_MODELS, propose_sites, propose_tiered_sites
from planner.siting.reach import straight_line_reach
from planner.siting.result import SitingResult

__all__ = [
    "SitingResult",
    "DEFAULT_MODELS",
    "propose_sites",
    "propose_tiered_sites",
    "straight_line_reach",
    "public_occupancy_by_county",
    "EXCLUSION_REASONS",
]
