"""Chinese (default) and English labels, and the one way numbers are written.

Modules pick the language with :func:`tr`; this module holds the vocabulary
shared across stages (:data:`LABELS`, :data:`MODE_LABELS`) and the number
formatters every text, popup and report uses (:func:`fmt_number`,
:func:`fmt_share`, :func:`fmt_minutes`).  The labels of codes (reasons,
problems, exclusions) live with the codes in :mod:`planner.codes`.
"""

from __future__ import annotations

import math
from typing import Any

from planner.errors import ConfigError

__all__ = ["LANGS", "LABELS", "MODE_LABELS", "check_lang", "tr", "label", "mode_label",
           "fmt_number", "fmt_share", "fmt_minutes", "is_missing", "MISSING", "INFINITE"]

LANGS = ("zh", "en")

#: Labels used across modules: key -> (zh, en).
LABELS: dict[str, tuple[str, str]] = {
    "county": ("县级", "County"),
    "township": ("乡镇/街道", "Township / street"),
    "community": ("社区/村级", "Community / village"),
    "village": ("村", "Village"),
    "community_kind": ("社区", "Community"),
    "served": ("已覆盖", "Served"),
    "under_served": ("服务不足", "Under-served"),
    "synthetic": ("合成数据（非真实）", "Synthetic data (not real)"),
    "estimated": ("估算值", "estimated"),
    "minutes": ("分钟", "min"),
    "older_population": ("60岁及以上人口", "Population aged 60+"),
}

#: How a travel mode reads in a sentence: mode -> (zh, en).
MODE_LABELS: dict[str, tuple[str, str]] = {
    "walk": ("步行", "walking"),
    "bike": ("电动车", "by e-bike"),
    "drive": ("驾车", "driving"),
}

#: What a missing value and an unreachable time are written as.
MISSING = "—"
INFINITE = "∞"


def check_lang(lang: str) -> str:
    """Return ``lang`` if it is ``"zh"`` or ``"en"``, else raise :class:`ConfigError`."""
    if lang not in LANGS:
        raise ConfigError(f"language must be 'zh' or 'en', not {lang!r}")
    return lang


def tr(lang: str, zh: str, en: str) -> str:
    """Pick the Chinese or English text."""
    return zh if check_lang(lang) == "zh" else en


def label(key: str, lang: str = "zh") -> str:
    """Shared label for ``key`` in ``lang`` (the key itself when unknown)."""
    zh, en = LABELS.get(key, (key, key))
    return tr(lang, zh, en)


def mode_label(mode: str, lang: str = "zh") -> str:
    """How travel ``mode`` (``walk``, ``bike``, ``drive``) reads in a sentence; the mode itself when unknown."""
    zh, en = MODE_LABELS.get(mode, (mode, mode))
    return tr(lang, zh, en)


def _as_float(v: Any) -> float | None:
    """``v`` as a float, or None when it is missing or not a number (booleans are not numbers)."""
    if v is None or isinstance(v, bool | str):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def fmt_number(v: Any, digits: int = 0) -> str:
    """A number with thousands separators (``1,319``); ``—`` when missing, ``∞`` when infinite.

    Parameters
    ----------
    v
        Any number (numpy and pandas scalars included); ``None``, NaN and
        ``pd.NA`` are missing.  Anything else is returned as ``str(v)``
        (unescaped: escaping is the writer's job).
    digits : int
        Decimal places.
    """
    f = _as_float(v)
    if f is None:
        return MISSING if is_missing(v) else str(v)
    if math.isinf(f):
        return INFINITE if f > 0 else "-" + INFINITE
    return f"{f:,.{digits}f}"


def fmt_share(x: Any, digits: int | None = None) -> str:
    """A share in [0, 1] as a percentage (``0.553`` -> ``55.3%``).

    With ``digits=None`` whole percentages print without decimals (``80%``)
    and others with one (``55.3%``); ``—`` when missing.
    """
    f = _as_float(x)
    if f is None:
        return MISSING
    pct = f * 100.0
    if digits is None:
        digits = 0 if abs(pct - round(pct)) < 1e-9 else 1
    return f"{pct:.{digits}f}%"


def fmt_minutes(x: Any) -> str:
    """Minutes with one decimal (``12.5``); ``∞`` when unreachable, ``—`` when missing."""
    f = _as_float(x)
    if f is None:
        return MISSING
    return INFINITE if math.isinf(f) else f"{f:.1f}"


def is_missing(v: Any) -> bool:
    """True for a missing value: ``None``, NaN, ``pd.NA`` or ``NaT``; False for strings, containers and the rest.

    The one test of "missing" that formatters, popups, reports and explanations share.
    """
    if v is None:
        return True
    if isinstance(v, str) or hasattr(v, "__len__"):
        return False
    import pandas as pd  # every caller has it loaded; kept out of ``import planner``

    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False
