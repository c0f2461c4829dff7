"""Scenarios side by side: per-scenario summaries, the comparison tables, and the settlements that change.

Everything here reads coverage results (:class:`planner.analysis.CoverageResult`)
and returns plain frames; the report (:mod:`planner.reporting.scenarios_html`)
and the workbook (:mod:`planner.reporting.scenario_tables`) only lay them out.

A *summary* is a flat mapping metric -> number for one scenario
(:func:`scenario_summary`); :func:`comparison_table` puts the summaries of
several scenarios side by side.  Accessibility metrics enter a summary through
``access``: any mapping of metric -> number, or an object with a
``scenario_metrics()`` method returning one (:func:`access_metrics`), so the
floating-catchment results of :mod:`planner.analysis` join the comparison
without this module knowing their form.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from planner.config import TIER_KEYS

__all__ = ["access_metrics", "scenario_summary", "comparison_table", "scorecard_comparison", "coverage_changes",
           "METRIC_LABELS"]

#: Measure -> (zh, en) label of the per-tier metrics of a summary (``<tier>.<measure>``).
METRIC_LABELS: dict[str, tuple[str, str]] = {
    "settlements_covered": ("覆盖村/社区数", "Settlements covered"),
    "settlement_share": ("村/社区覆盖率", "Share of settlements covered"),
    "villages_covered": ("覆盖行政村数", "Villages covered"),
    "village_share": ("行政村覆盖率", "Share of villages covered"),
    "older_covered": ("覆盖老年人口", "Older people covered"),
    "older_share": ("老年人口覆盖率", "Share of older people covered"),
    "median_time_min": ("出行时间中位数（分钟）", "Median travel time (min)"),
    "unreachable": ("不可达村/社区数", "Settlements with no reachable facility"),
    "access_mean": ("可达性均值（每千名老年人床位）", "Accessibility, mean (places per 1,000 older people)"),
    "access_median": ("可达性中位数（每千名老年人床位）", "Accessibility, median (places per 1,000 older people)"),
    "access_gini": ("可达性基尼系数", "Accessibility Gini"),
    "access_theil": ("可达性泰尔指数", "Accessibility Theil"),
    "access_share_below": ("可达性低于阈值的老年人比例", "Share of older people below the accessibility threshold"),
}
_SHARE_MEASURES = ("settlement_share", "village_share", "older_share", "access_share_below")


def access_metrics(access: Any) -> dict[str, float]:
    """Accessibility metrics of a scenario: ``<tier>.<measure>`` kept as they are, others as ``access.<metric>``.

    Parameters
    ----------
    access
        None, a mapping metric -> number, or an object with a ``scenario_metrics()`` method
        returning such a mapping (e.g. the study's accessibility result).

    Returns
    -------
    dict
    """
    if access is None:
        return {}
    if not isinstance(access, Mapping):
        fn = getattr(access, "scenario_metrics", None)
        if not callable(fn):
            return {}
        access = fn()
    return {(k if k.partition(".")[0] in TIER_KEYS else f"access.{k}"): float(v) for k, v in dict(access).items()}


def _tier_metrics(sett: pd.DataFrame, tier: str) -> dict[str, float]:
    covered = sett[f"{tier}_covered"].fillna(False).astype(bool)
    older = pd.to_numeric(sett["older_population"], errors="coerce").fillna(0.0)
    village = (sett["kind"] == "village").to_numpy()
    times = pd.to_numeric(sett[f"{tier}_time_min"], errors="coerce").to_numpy(dtype=float)
    finite = times[np.isfinite(times)]
    n, n_v, old = len(sett), int(village.sum()), float(older.sum())
    return {
        "settlements_covered": float(covered.sum()),
        "settlement_share": float(covered.mean()) if n else np.nan,
        "villages_covered": float(covered[village].sum()),
        "village_share": float(covered[village].mean()) if n_v else np.nan,
        "older_covered": float(older[covered].sum()),
        "older_share": float(older[covered].sum()) / old if old > 0 else np.nan,
        "median_time_min": float(np.median(finite)) if len(finite) else np.nan,
        "unreachable": float((~np.isfinite(times)).sum()),
    }


def scenario_summary(coverage: Any, *, access: Any = None) -> dict[str, float]:
    """The numbers one scenario is compared by.

    Parameters
    ----------
    coverage
        The scenario's :class:`planner.analysis.CoverageResult`.
    access
        Its accessibility metrics (see :func:`access_metrics`); None: none.

    Returns
    -------
    dict
        ``<tier>.<measure>`` for every measure of :data:`METRIC_LABELS`, ``served`` /
        ``under_served`` (settlements), ``score.<indicator>`` (the overall scorecard's values)
        and ``access.<metric>``.
    """
    sett = coverage.settlements
    out: dict[str, float] = {}
    for tier in TIER_KEYS:
        if f"{tier}_covered" in sett:
            out.update({f"{tier}.{k}": v for k, v in _tier_metrics(sett, tier).items()})
    out["served"] = float((sett["status"] == "served").sum())
    out["under_served"] = float((sett["status"] == "under_served").sum())
    card = coverage.scorecard
    for _, row in card[card["scope"] == "overall"].iterrows():
        out[f"score.{row['indicator']}"] = float(row["value"]) if pd.notna(row["value"]) else np.nan
    out.update(access_metrics(access))
    return out


def _metric_label(metric: str, lang: str) -> str:
    from planner.i18n import label

    head, _, measure = metric.partition(".")
    if head in TIER_KEYS and measure in METRIC_LABELS:
        zh, en = METRIC_LABELS[measure]
        return f"{label(head, lang)}：{zh}" if lang == "zh" else f"{label(head, lang)}: {en}"
    names = {"served": ("已覆盖村/社区数", "Settlements served"),
             "under_served": ("服务不足村/社区数", "Settlements under-served")}
    if metric in names:
        return names[metric][0 if lang == "zh" else 1]
    return metric


def comparison_table(summaries: Mapping[str, Mapping[str, float]], *, labels: Mapping[str, str] | None = None,
                     lang: str = "zh", prefixes: tuple[str, ...] = ("",)) -> pd.DataFrame:
    """Summaries side by side: one row per metric, one column per scenario.

    Parameters
    ----------
    summaries
        Scenario name -> :func:`scenario_summary` (the study as configured first, by convention).
    labels
        Scenario name -> column header (default: the name).
    lang
        Language of the ``label`` column.
    prefixes
        Keep the metrics starting with one of these (default: all); e.g. ``("score.",)``.

    Returns
    -------
    DataFrame
        Index ``metric``; column ``label`` (the metric in words), ``share`` (True for a share
        0-1), then one column per scenario; a metric a scenario lacks is NaN.
    """
    metrics: list[str] = []
    for summ in summaries.values():
        metrics += [m for m in summ if m not in metrics and m.startswith(prefixes)]
    labels = dict(labels or {})
    frame = pd.DataFrame({labels.get(n, n): [s.get(m, np.nan) for m in metrics] for n, s in summaries.items()},
                         index=pd.Index(metrics, name="metric"), dtype=float)
    frame.insert(0, "share", [m.rsplit(".", 1)[-1] in _SHARE_MEASURES or m.endswith("_share") for m in metrics])
    frame.insert(0, "label", [_metric_label(m, lang) for m in metrics])
    return frame


def scorecard_comparison(cards: Mapping[str, pd.DataFrame], *, labels: Mapping[str, str] | None = None
                         ) -> pd.DataFrame:
    """The overall policy scorecards of several scenarios side by side.

    Parameters
    ----------
    cards
        Scenario name -> :func:`planner.analysis.scorecard` frame.
    labels
        Scenario name -> header (default: the name).

    Returns
    -------
    DataFrame
        One row per indicator (overall scope): ``indicator``, ``name_zh``, ``name_en``,
        ``target``, then per scenario ``<label>`` (value) and ``<label> met``.
    """
    labels = dict(labels or {})
    out: pd.DataFrame | None = None
    for name, card in cards.items():
        rows = card[card["scope"] == "overall"].set_index("indicator")
        if out is None:
            out = rows[["name_zh", "name_en", "target"]].copy()
        head = labels.get(name, name)
        out[head] = rows["value"].reindex(out.index)
        out[f"{head} met"] = rows["met"].reindex(out.index)
    if out is None:
        return pd.DataFrame(columns=["indicator", "name_zh", "name_en", "target"])
    return out.reset_index()


def coverage_changes(base: Any, other: Any, *, tiers: tuple[str, ...] = TIER_KEYS,
                     kinds: tuple[str, ...] = ("village", "community")) -> pd.DataFrame:
    """Settlements whose coverage of a tier differs between two coverage results.

    Parameters
    ----------
    base, other
        :class:`planner.analysis.CoverageResult` of the same settlements (e.g. summer and winter).
    tiers
        Tiers compared (those present in both).
    kinds
        Settlement kinds listed (``village``, ``community``).

    Returns
    -------
    DataFrame
        One row per settlement and tier that changed: ``settlement_id``, ``name``, ``kind``,
        ``township``, ``county``, ``tier``, ``change`` (``lost`` / ``gained``), ``base_time_min``,
        ``other_time_min``, ``base_threshold_min``, ``other_threshold_min``, ``base_facility``,
        ``other_facility``, ``other_reason``, ``older_population``; lost first, then by tier,
        township and name.
    """
    a, b = base.settlements, other.settlements.reindex(base.settlements.index)
    frames = []
    for tier in tiers:
        col = f"{tier}_covered"
        if col not in a or col not in b:
            continue
        ca, cb = a[col].fillna(False).astype(bool), b[col].fillna(False).astype(bool)
        diff = (ca != cb) & a["kind"].isin(kinds)
        if not diff.any():
            continue
        rows = a.loc[diff, ["name", "kind", "township", "county", "older_population"]].copy()
        rows["tier"] = tier
        rows["change"] = np.where(ca[diff], "lost", "gained")
        for side, frame in (("base", a), ("other", b)):
            rows[f"{side}_time_min"] = frame.loc[diff, f"{tier}_time_min"].astype(float)
            rows[f"{side}_threshold_min"] = frame.loc[diff, f"{tier}_threshold_min"].astype(float)
            rows[f"{side}_facility"] = frame.loc[diff, f"{tier}_facility"].astype(object)
        rows["other_reason"] = b.loc[diff, f"{tier}_reason"].astype(object)
        frames.append(rows)
    cols = ["settlement_id", "name", "kind", "township", "county", "tier", "change", "base_time_min",
            "other_time_min", "base_threshold_min", "other_threshold_min", "base_facility", "other_facility",
            "other_reason", "older_population"]
    if not frames:
        return pd.DataFrame(columns=cols)
    out = pd.concat(frames)
    out.index.name = "settlement_id"
    out = out.reset_index()
    order = {t: i for i, t in enumerate(("community", "township", "county"))}  # the village level first
    out = out.sort_values(["change", "tier", "township", "name"], key=lambda s: s.map(order) if s.name == "tier"
                          else (s != "lost") if s.name == "change" else s, kind="stable")
    return out[cols].reset_index(drop=True)
