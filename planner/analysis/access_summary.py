"""Equity of accessibility per tier, and accessibility per township (numbers only).

Counted in every measure: settlements whose accessibility is known and whose
older population is known and positive, weighted by their older people.  Left
out, and counted per tier: settlements whose value is unknown (NaN: no road,
supply unknown) and those whose older population is unknown.  The township
level is the older-weighted mean of each township's counted settlements;
the township Gini weighs each township by its counted older people.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from planner.analysis.equity import (
    share_below,
    theil_decomposition,
    weighted_gini,
    weighted_mean,
    weighted_quantile,
)

__all__ = ["equity_table", "township_table", "counted", "WORST_TOWNSHIPS"]

#: How many of the lowest townships the equity summary names.
WORST_TOWNSHIPS = 3


def counted(settlements: pd.DataFrame, tier: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mask of counted settlements, their values and their older people (full length, 0 where not counted)."""
    value = pd.to_numeric(settlements[f"{tier}_access"], errors="coerce").to_numpy(dtype=float)
    older = pd.to_numeric(settlements["older_population"], errors="coerce").to_numpy(dtype=float)
    mask = np.isfinite(value) & np.isfinite(older) & (older > 0)
    return mask, np.where(mask, value, 0.0), np.where(mask, older, 0.0)


def _townships(settlements: pd.DataFrame) -> np.ndarray:
    if "township" not in settlements:
        return np.full(len(settlements), "", dtype=object)
    return settlements["township"].astype("string").fillna("").to_numpy(dtype=object)


def _township_means(x: np.ndarray, w: np.ndarray, towns: np.ndarray) -> pd.DataFrame:
    frame = pd.DataFrame({"township": towns, "w": w, "wx": w * x})
    g = frame.groupby("township", sort=True)[["w", "wx"]].sum()
    g = g[g["w"] > 0]
    return pd.DataFrame({"older": g["w"], "access": g["wx"] / g["w"]})


def _threshold(tier: str, x: np.ndarray, w: np.ndarray, cfg: Any) -> tuple[float, str]:
    """The tier's line: stated in ``threshold_per_1000``, else ``relative_threshold`` x the mean."""
    if tier in cfg.threshold_per_1000:
        return float(cfg.threshold_per_1000[tier]), "stated"
    mean = weighted_mean(x, w) if w.sum() > 0 else float("nan")
    return float(cfg.relative_threshold * mean), f"relative:{cfg.relative_threshold:g}"


def _tier_row(settlements: pd.DataFrame, tier: str, cfg: Any, facilities: pd.DataFrame) -> dict[str, Any]:
    """The equity summary of one tier."""
    mask, x_all, w_all = counted(settlements, tier)
    x, w = x_all[mask], w_all[mask]
    towns = _townships(settlements)[mask]
    value = pd.to_numeric(settlements[f"{tier}_access"], errors="coerce")
    older = pd.to_numeric(settlements["older_population"], errors="coerce")
    line, rule = _threshold(tier, x, w, cfg)
    dec = theil_decomposition(x, w, towns)
    tm = _township_means(x, w, towns)
    fac = facilities[facilities["tier"] == tier] if "tier" in facilities else facilities.iloc[:0]
    worst = tm.sort_values(["access", "older"], ascending=[True, False]).head(WORST_TOWNSHIPS)
    return {
        "method": cfg.method, "supply_column": cfg.supply,
        "settlements": int(len(settlements)), "settlements_counted": int(mask.sum()),
        "older_counted": float(w.sum()),
        "settlements_value_unknown": int(value.isna().sum()),
        "older_value_unknown": float(older[value.isna()].fillna(0).sum()),
        "settlements_older_unknown": int(older.isna().sum()),
        "settlements_older_zero": int((older == 0).sum()),
        "facilities": int(len(fac)),
        "facilities_not_counted": int((fac["reason"] != "").sum()) if len(fac) else 0,
        "supply_counted": float(pd.to_numeric(fac["supply"], errors="coerce")[fac["reason"] == ""].sum())
        if len(fac) else 0.0,
        "mean": weighted_mean(x, w) if len(x) else np.nan,
        "median": weighted_quantile(x, w, 0.5), "p10": weighted_quantile(x, w, 0.1),
        "min": float(x.min()) if len(x) else np.nan, "max": float(x.max()) if len(x) else np.nan,
        "share_zero": share_below(x, w, 1e-12),
        "gini": weighted_gini(x, w), "theil": dec.total, "theil_within": dec.within, "theil_between": dec.between,
        "township_gini": weighted_gini(tm["access"].to_numpy(), tm["older"].to_numpy()) if len(tm) else np.nan,
        "threshold": line, "threshold_rule": rule, "share_below": share_below(x, w, line),
        "older_below": float(w[x < line].sum()),
        "worst_townships": ";".join(str(t) for t in worst.index),
    }


def equity_table(settlements: pd.DataFrame, tiers: Sequence[str], cfg: Any, facilities: pd.DataFrame
                 ) -> pd.DataFrame:
    """Per tier: counts (counted and left out), mean/median/p10, Gini, Theil (within/between), share below.

    Parameters
    ----------
    settlements : DataFrame
        With ``older_population``, ``township`` and per tier ``<tier>_access``.
    tiers : sequence of str
        The tiers measured.
    cfg : AccessConfig
        Method, supply column and thresholds.
    facilities : DataFrame
        The facilities' table of :class:`~planner.analysis.access.AccessResult` (``tier``, ``reason``).

    Returns
    -------
    DataFrame
        Indexed by tier (index name ``tier``).
    """
    rows = {t: _tier_row(settlements, t, cfg, facilities) for t in tiers}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "tier"
    return out


def township_table(settlements: pd.DataFrame, tiers: Sequence[str], equity: pd.DataFrame) -> pd.DataFrame:
    """Per tier and township: settlements, counted older people, older-weighted mean, share below the line.

    Parameters
    ----------
    settlements : DataFrame
        As for :func:`equity_table`.
    tiers : sequence of str
    equity : DataFrame
        :func:`equity_table` (its ``threshold`` per tier).

    Returns
    -------
    DataFrame
        Columns ``tier``, ``township``, ``settlements``, ``older_population``, ``access``,
        ``share_below``; lowest accessibility first within each tier.
    """
    towns_all = _townships(settlements)
    frames = []
    for tier in tiers:
        mask, x, w = counted(settlements, tier)
        line = float(equity.loc[tier, "threshold"]) if tier in equity.index else np.nan
        frame = pd.DataFrame({"township": towns_all, "n": 1, "counted": mask.astype(int), "w": w, "wx": w * x,
                              "wb": np.where(x < line, w, 0.0)})
        g = frame.groupby("township", sort=True).sum()
        frames.append(pd.DataFrame({
            "tier": tier, "township": g.index, "settlements": g["n"].to_numpy(),
            "settlements_counted": g["counted"].to_numpy(), "older_population": g["w"].to_numpy(),
            "access": np.where(g["w"] > 0, g["wx"] / g["w"].where(g["w"] > 0, 1.0), np.nan),
            "share_below": np.where(g["w"] > 0, g["wb"] / g["w"].where(g["w"] > 0, 1.0), np.nan),
        }).sort_values(["access", "township"], na_position="last"))
    cols = ["tier", "township", "settlements", "settlements_counted", "older_population", "access", "share_below"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)
