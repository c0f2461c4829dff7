"""The township-centre assignment on (Geo)DataFrames: tables of settlements, centres and townships without one.

:func:`township_assignment` aligns the travel times, capacities and
thresholds, runs :func:`~planner.analysis.assignment_core.assign_capacitated`
and turns its arrays into the tables :mod:`planner.analysis.coverage` reads.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from planner.analysis.assignment_core import (
    CAPACITY_TOL,
    FLAG_BEYOND_THRESHOLD,
    FLAG_NO_REACHABLE_CENTRE,
    FLAG_OVER_CAPACITY,
    STAGE_SPILL,
    STAGE_WITHIN,
    AssignmentSolution,
    assign_capacitated,
)
from planner.codes import CoverageReason
from planner.errors import DataError, InputError

__all__ = ["TownshipAssignment", "township_assignment"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class TownshipAssignment:
    """Township-centre coverage with capacity (see the module docstring).

    Attributes
    ----------
    settlements : DataFrame
        Indexed like the settlements given: ``centre`` (facility id or NA),
        ``centre_time_min`` (inf when none), ``nearest_centre``,
        ``nearest_centre_time_min``, ``stage`` (``within``/``spill``/``none``),
        ``threshold_min``, ``over_capacity``, ``beyond_threshold``,
        ``no_reachable_centre``, ``cannot_serve`` (not servable within
        capacity and threshold), ``no_township_centre`` (its township has no
        township-tier centre), ``flags`` (``;``-joined).
    centres : DataFrame
        Indexed like the centres given: ``name``, ``township``, ``county``,
        ``capacity``, ``capacity_source`` (``facility``/``default``),
        ``nearest_load``, ``nearest_load_within``, ``nearest_share``,
        ``nearest_over``, ``assigned_load``, ``assigned_settlements``,
        ``spill_load``, ``spill_settlements``, ``load``, ``share``, ``over``.
    townships_without_centre : DataFrame
        One row per township (index: name) with no centre: ``county``,
        ``settlements``, ``older_population``.
    solution : AssignmentSolution
    params : dict
    """

    settlements: pd.DataFrame
    centres: pd.DataFrame
    townships_without_centre: pd.DataFrame
    solution: AssignmentSolution
    params: dict

    @property
    def unserved(self) -> pd.DataFrame:
        """Settlements no centre can serve within capacity and threshold."""
        return self.settlements[self.settlements["cannot_serve"]]


def township_assignment(
    settlements: pd.DataFrame,
    centres: pd.DataFrame,
    times_s: pd.DataFrame | np.ndarray,
    *,
    threshold_min: float | pd.Series | np.ndarray,
    default_capacity: float = 10000.0,
    townships: pd.DataFrame | None = None,
    time_limit_s: float = 60.0,
    mip_rel_gap: float = 1e-3,
) -> TownshipAssignment:
    """Capacity-aware township-centre assignment on (Geo)DataFrames.

    Parameters
    ----------
    settlements : DataFrame
        Canonical settlements (``older_population``, ``township``, ``county``, ``kind``).
    centres : DataFrame
        Township-tier facilities (``capacity`` NaN -> ``default_capacity``;
        ``township``, ``county``, ``name`` when present).
    times_s : DataFrame, array or scipy sparse array (settlements x centres)
        Seconds from each settlement to each centre, ``inf`` (or, sparse, no
        stored entry) unreachable.
        A DataFrame is aligned on the settlements' index and the centres' index.
    threshold_min : float, Series or array
        Threshold in minutes (one value, or one per settlement).
    default_capacity : float
        Capacity of centres whose ``capacity`` is unknown
        (``targets.township_centre_capacity``).
    townships : DataFrame, optional
        Canonical townships (index name, ``county``); when absent the
        settlements' township names are used.
    time_limit_s : float
        HiGHS time budget.
    mip_rel_gap : float
        HiGHS relative gap (see :func:`assign_capacitated`).

    Returns
    -------
    TownshipAssignment

    Raises
    ------
    DataError
        When the travel-time table lacks settlements or centres.
    InputError
        When an array of travel times has the wrong shape.
    """
    t = _times_matrix(settlements, centres, times_s)
    older = pd.to_numeric(settlements["older_population"], errors="coerce").to_numpy(dtype=float)
    w = np.nan_to_num(older, nan=0.0)
    cap, use_default = _capacities(centres, default_capacity)
    thr_min = _thresholds_min(settlements, threshold_min)
    sol = assign_capacitated(
        t, w, cap, threshold_s=thr_min * 60.0, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap
    )
    towns = _Townships.of(settlements, centres, townships)
    table = _settlement_table(settlements, centres, sol, thr_min, towns.settlement_without_centre)
    cent = _centre_table(centres, sol, cap, use_default)
    params = {
        "threshold_min": _threshold_param(thr_min),
        "default_capacity": float(default_capacity),
        "centres_with_default_capacity": int(use_default.sum()),
        "settlements_missing_older_population": int(np.isnan(older).sum()),
        **sol.params,
        "status": sol.status,
        "mip_gap": sol.mip_gap,
        "n_pairs": sol.n_pairs,
    }
    logger.info(
        "township assignment: %d settlements, %d centres, %d within, %d spilled, %d unreachable, %d centres over",
        len(settlements), len(centres), int((sol.stage == STAGE_WITHIN).sum()), int((sol.stage == STAGE_SPILL).sum()),
        int(sol.unreachable.sum()), int(cent["over"].sum()),
    )
    return TownshipAssignment(
        settlements=table, centres=cent, townships_without_centre=towns.table(w), solution=sol, params=params
    )


def _times_matrix(settlements: pd.DataFrame, centres: pd.DataFrame, times_s: pd.DataFrame | np.ndarray) -> Any:
    """Settlements x centres seconds in the settlements' and centres' order (dense or sparse)."""
    if isinstance(times_s, pd.DataFrame):
        missing_rows = settlements.index.difference(times_s.index)
        missing_cols = centres.index.difference(times_s.columns)
        if len(missing_rows) or len(missing_cols):
            raise DataError(
                f"travel-time table lacks {len(missing_rows)} settlements and {len(missing_cols)} centres "
                "(e.g. " + ", ".join(map(str, list(missing_rows[:3]) + list(missing_cols[:3]))) + ")"
            )
        return times_s.loc[settlements.index, centres.index].to_numpy(dtype=float)
    t = times_s if sparse.issparse(times_s) else np.asarray(times_s, dtype=float)
    if t.shape != (len(settlements), len(centres)):
        raise InputError(f"times_s has shape {t.shape}, expected {(len(settlements), len(centres))}")
    return t


def _capacities(centres: pd.DataFrame, default_capacity: float) -> tuple[np.ndarray, np.ndarray]:
    """Capacity per centre (unknown or non-positive -> ``default_capacity``) and where the default was used."""
    cap_raw = (
        pd.to_numeric(centres["capacity"], errors="coerce").to_numpy(dtype=float)
        if "capacity" in centres
        else np.full(len(centres), np.nan)
    )
    use_default = ~(np.isfinite(cap_raw) & (cap_raw > 0))
    return np.where(use_default, float(default_capacity), cap_raw), use_default


def _thresholds_min(settlements: pd.DataFrame, threshold_min: float | pd.Series | np.ndarray) -> np.ndarray:
    """Threshold in minutes per settlement."""
    if isinstance(threshold_min, pd.Series):
        return threshold_min.reindex(settlements.index).to_numpy(dtype=float)
    return np.broadcast_to(np.asarray(threshold_min, dtype=float), (len(settlements),)).copy()


def _threshold_param(thr_min: np.ndarray) -> float | str:
    """The threshold for the parameters: one number, or ``"per settlement"``."""
    if len(thr_min) and np.all(thr_min == thr_min[0]):
        return float(np.nanmax(thr_min))
    return "per settlement"


@dataclass(frozen=True, eq=False)
class _Townships:
    """Townships without a township-tier centre, and which settlements lie in one."""

    sett_town: pd.Series  # township name per settlement ("" unknown)
    without_centre: list  # names of the townships with no centre
    county: pd.Series  # county per township name

    @classmethod
    def of(cls, settlements: pd.DataFrame, centres: pd.DataFrame, townships: pd.DataFrame | None) -> _Townships:
        sett_town = (settlements["township"].fillna("").astype(str) if "township" in settlements
                     else pd.Series("", index=settlements.index))
        centre_towns = set(centres["township"].fillna("").astype(str)) if "township" in centres else set()
        if townships is not None and len(townships):
            town_names = pd.Index(townships.index.astype(str))
            town_county = (townships["county"].astype(str) if "county" in townships
                           else pd.Series("", index=townships.index))
            town_county.index = town_names
        else:
            town_names = pd.Index(sorted(n for n in sett_town.unique() if n))
            county_of = (
                settlements.assign(_t=sett_town).groupby("_t")["county"].first()
                if "county" in settlements
                else pd.Series("", index=town_names)
            )
            town_county = county_of.reindex(town_names).fillna("").astype(str)
        return cls(sett_town, [n for n in town_names if n not in centre_towns], town_county)

    @property
    def settlement_without_centre(self) -> np.ndarray:
        """Per settlement: its township has no centre (a settlement whose township is unknown is not flagged)."""
        return self.sett_town.isin(self.without_centre).to_numpy()

    def table(self, w: np.ndarray) -> pd.DataFrame:
        """One row per township without a centre: county, settlements, older population."""
        older_s = pd.Series(w, index=self.sett_town.index)
        rows = []
        for name in self.without_centre:
            mask = (self.sett_town == name).to_numpy()
            rows.append({
                "township": name,
                "county": str(self.county.get(name, "")),
                "settlements": int(mask.sum()),
                "older_population": float(older_s[mask].sum()),
            })
        return pd.DataFrame(rows, columns=["township", "county", "settlements", "older_population"]).set_index(
            "township")


def _flags(sol: AssignmentSolution, no_centre: np.ndarray) -> list[str]:
    """``;``-joined flags per settlement."""
    flags = []
    for oc, bt, nr, nt in zip(sol.over_capacity, sol.beyond_threshold, sol.unreachable, no_centre, strict=True):
        f = [FLAG_OVER_CAPACITY] if oc else []
        f += [FLAG_BEYOND_THRESHOLD] if bt else []
        f += [FLAG_NO_REACHABLE_CENTRE] if nr else []
        f += [CoverageReason.NO_TOWNSHIP_CENTRE] if nt else []
        flags.append(";".join(f))
    return flags


def _settlement_table(settlements: pd.DataFrame, centres: pd.DataFrame, sol: AssignmentSolution,
                      thr_min: np.ndarray, no_centre: np.ndarray) -> pd.DataFrame:
    """The per-settlement table (see :class:`TownshipAssignment`)."""
    ids = np.asarray(centres.index, dtype=object)

    def _ids(idx: np.ndarray) -> pd.Series:
        out = pd.Series(pd.NA, index=settlements.index, dtype="string")
        ok = idx >= 0
        out[ok] = ids[idx[ok]].astype(str)
        return out

    table = pd.DataFrame(index=settlements.index)
    table["centre"] = _ids(sol.centre)
    table["centre_time_min"] = sol.time_s / 60.0
    table["nearest_centre"] = _ids(sol.nearest)
    table["nearest_centre_time_min"] = sol.nearest_time_s / 60.0
    table["stage"] = pd.Series(sol.stage, index=settlements.index, dtype="string")
    table["threshold_min"] = thr_min
    table["over_capacity"] = sol.over_capacity
    table["beyond_threshold"] = sol.beyond_threshold
    table["no_reachable_centre"] = sol.unreachable
    table["cannot_serve"] = ~sol.within
    table["no_township_centre"] = no_centre
    table["flags"] = pd.Series(_flags(sol, no_centre), index=settlements.index, dtype="string")
    return table


def _centre_table(centres: pd.DataFrame, sol: AssignmentSolution, cap: np.ndarray,
                  use_default: np.ndarray) -> pd.DataFrame:
    """The per-centre table (see :class:`TownshipAssignment`)."""
    cent = pd.DataFrame(index=centres.index)
    for col in ("name", "township", "county"):
        cent[col] = (centres[col].astype("string") if col in centres
                     else pd.Series("", index=centres.index, dtype="string"))
    cent["capacity"] = cap
    cent["capacity_source"] = np.where(use_default, "default", "facility")
    cent["nearest_load"] = sol.nearest_load
    cent["nearest_load_within"] = sol.nearest_load_within
    with np.errstate(divide="ignore", invalid="ignore"):
        cent["nearest_share"] = np.where(cap > 0, sol.nearest_load / cap, np.inf)
        cent["nearest_over"] = sol.nearest_load > cap + CAPACITY_TOL
        cent["assigned_load"] = sol.assigned_load
        within = sol.stage == STAGE_WITHIN
        spill = sol.stage == STAGE_SPILL
        cent["assigned_settlements"] = np.bincount(sol.centre[within], minlength=len(centres))[: len(centres)]
        cent["spill_load"] = sol.spill_load
        cent["spill_settlements"] = np.bincount(sol.centre[spill], minlength=len(centres))[: len(centres)]
        cent["load"] = sol.load
        cent["share"] = np.where(cap > 0, sol.load / cap, np.inf)
        cent["over"] = sol.load > cap + CAPACITY_TOL
    return cent
