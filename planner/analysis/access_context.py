"""Demand from outside the study: settlements that share a facility's supply without being analysed.

A county of a multi-county study (:mod:`planner.multi`) analyses only its own
settlements, but in step 1 of a floating catchment (each facility's
supply-to-demand ratio ``R_j = S_j / Σ_k W(t_kj) D_k``) a facility near the
border shares its supply with every older person within its catchment, on
both sides of the border.  :class:`AccessContext` carries those other
settlements (their id, kind, older population and point, nothing else) and
the tiers whose facilities serve across the border;
:func:`planner.analysis.analyse_access` counts them in the facilities'
demand of those tiers only, and returns rows only for the study's own
settlements and facilities (not for those of :attr:`AccessContext.foreign`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from planner.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

__all__ = ["AccessContext", "CONTEXT_COLUMNS", "context_counts", "reported", "with_context"]

#: The columns a context settlement needs: its kind (profile and catchment), its older people (demand).
CONTEXT_COLUMNS = ("kind", "older_population")


@dataclass(frozen=True, eq=False)
class AccessContext:
    """Settlements outside the study counted only in the demand of facilities that serve across a border.

    Attributes
    ----------
    settlements : GeoDataFrame
        Indexed by settlement id (none of them the study's own): ``kind``, ``older_population``
        (NaN unknown: no demand, as for the study's own) and the point.
    tiers : tuple of str
        The tiers whose facilities count this demand (``execution.cross_border``); a tier not listed
        serves only the study's own settlements, whose demand alone its facilities share.
    foreign : tuple of str
        Ids of facilities the study holds only because they serve its settlements across a border
        (another county's); the access result has no row for them (their own county's run reports
        them), but they count in its settlements' values.
    """

    settlements: gpd.GeoDataFrame
    tiers: tuple[str, ...] = ()
    foreign: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        missing = [c for c in CONTEXT_COLUMNS if c not in self.settlements]
        if missing:
            raise InputError(f"the access context's settlements lack the column(s) {', '.join(missing)}; "
                             f"give {', '.join(CONTEXT_COLUMNS)} and the point of each")
        object.__setattr__(self, "tiers", tuple(str(t) for t in self.tiers))
        object.__setattr__(self, "foreign", tuple(str(f) for f in self.foreign))


def with_context(settlements: gpd.GeoDataFrame, context: AccessContext | None, tier: str) -> gpd.GeoDataFrame:
    """The settlements whose demand tier ``tier``'s facilities share: the study's own first, then the context's.

    Parameters
    ----------
    settlements : GeoDataFrame
        The study's own settlements.
    context : AccessContext or None
        Demand from outside the study; ``None`` or a tier not in ``context.tiers``: ``settlements``.
    tier : str
        The tier measured.

    Returns
    -------
    GeoDataFrame
        ``settlements`` followed by the context's settlements (only the columns a demand needs), so the
        first ``len(settlements)`` rows are the study's own.

    Raises
    ------
    InputError
        A context settlement is also one of the study's own (it would count twice).
    """
    if context is None or tier not in context.tiers or not len(context.settlements):
        return settlements
    extra = context.settlements
    twice = extra.index.intersection(settlements.index)
    if len(twice):
        raise InputError(f"settlement(s) {', '.join(map(str, twice[:5]))} are both the study's own and in its "
                         "access context; the context holds only settlements outside the study")
    import geopandas as gpd

    own = pd.DataFrame(settlements[list(CONTEXT_COLUMNS)])
    both = pd.concat([own, pd.DataFrame(extra[list(CONTEXT_COLUMNS)])])
    if extra.crs is not None and settlements.crs is not None and extra.crs != settlements.crs:
        extra = extra.to_crs(settlements.crs)
    geometry = [*settlements.geometry.to_numpy(), *extra.geometry.to_numpy()]
    return gpd.GeoDataFrame(both, geometry=geometry, crs=settlements.crs)


def context_counts(context: AccessContext | None) -> Mapping[str, object]:
    """What the context added, for the access parameters: settlements, their known older people, tiers."""
    if context is None:
        return {}
    older = pd.to_numeric(context.settlements["older_population"], errors="coerce")
    return {"settlements": int(len(context.settlements)), "older_population": float(older.sum()),
            "tiers": list(context.tiers), "foreign_facilities": len(context.foreign)}


def reported(rows: pd.DataFrame, context: AccessContext | None) -> pd.DataFrame:
    """The facility rows the access result reports: all but the context's foreign facilities."""
    if context is None or not context.foreign:
        return rows
    return rows[~rows.index.astype(str).isin(context.foreign)]
