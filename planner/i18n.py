"""Chinese (default) and English labels.

Modules keep their own label tables next to the code that uses them and pick
the language with :func:`tr`; this module only holds the shared vocabulary.
"""

from __future__ import annotations

from planner.errors import ConfigError

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
    "NO_ROAD": ("附近无道路", "No road nearby"),
    "DISCONNECTED": ("所在路网片段无该级设施", "Road piece has no facility of this tier"),
    "BEYOND_THRESHOLD": ("超出服务时间", "Beyond the time threshold"),
    "OVER_CAPACITY": ("所属中心超负荷", "Assigned centre over capacity"),
    "NO_TOWNSHIP_CENTRE": ("所在乡镇无区域养老服务中心", "Township has no regional centre"),
    "ESTIMATED_POPULATION": ("老年人口为估算值", "Older population is estimated"),
}


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
