"""The labels of estimated and unknown older populations in the report and on the map (source and rule)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from planner.codes import OlderRule, OlderSource
from planner.data import older_source_lines
from planner.i18n import is_missing, tr

__all__ = ["older_label", "older_caveats"]


def older_label(row: Any, lang: str) -> str:
    """``"（来源：…；方法：…）"`` for a settlement whose figure was estimated; ``""`` when not labelled.

    Parameters
    ----------
    row
        A settlement row (mapping) with ``older_source`` and ``older_rule``.
    lang
        ``"zh"`` or ``"en"``.
    """
    src, rule = row.get("older_source"), row.get("older_rule")
    if is_missing(src) or str(src) not in OlderSource.__members__ or str(src) == OlderSource.COUNTED:
        return ""
    s_lab = OlderSource[str(src)].label(lang)
    r_lab = OlderRule[str(rule)].label(lang) if str(rule) in OlderRule.__members__ else ""
    return tr(lang, f"（来源：{s_lab}；方法：{r_lab}）", f" (source: {s_lab}; rule: {r_lab})")


def older_caveats(settlements: pd.DataFrame, lang: str) -> list[str]:
    """The report's caveat lines on estimated and unknown older populations, one per source and rule.

    Parameters
    ----------
    settlements
        The coverage result's settlements (``older_estimated``; ``older_source``, ``older_rule`` when present).
    lang
        ``"zh"`` or ``"en"``.
    """
    lines = older_source_lines(settlements, lang)
    if lines or "older_estimated" not in settlements:
        return lines
    n_est = int(settlements["older_estimated"].fillna(False).astype(bool).sum())  # results without the labels
    if not n_est:
        return []
    return [tr(lang, f"{n_est} 个村/社区的老年人口为按总人口比例分配的估算值（标注为“估算”）。",
               f"The older population of {n_est} settlements is estimated (allocated in proportion to total "
               "population).")]
