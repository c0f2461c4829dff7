"""TODO"""

from __future__ import annotations

from planner.siting.propose import (
    EXCLUSION_REASONS,
    SitingResult,
    propose_sites,
    propose_tiered_sites,
    public_occupancy_by_county,
    straight_line_reach,
)

__all__ = [
    "SitingResult",
    "propose_sites",
    "propose_tiered_sites",
    "straight_line_reach",
    "public_occupancy_by_county",
    "EXCLUSION_REASONS",
]
