"""Words the report prints instead of keys and codes: travel rules, policy sources, reasons, yes/no.

A planner reads "电动车 10 分钟", not "10 分钟/ebike"; the titles of the plans a
target comes from, not their seed numbers; reason words, not ``BEYOND_THRESHOLD``.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import TYPE_CHECKING, Any

from planner.codes import CoverageReason, code_label
from planner.i18n import fmt_number, is_missing, label, mode_label, tr

if TYPE_CHECKING:
    from planner.config import StudyConfig
    from planner.study import StudyResult

__all__ = ["indicator_format", "profile_words", "travel_words", "tier_rule_words", "source_words", "sources_key",
           "reason_words", "yes_no", "older_text", "estimated_note"]


#: Indicators counted in beds (not shares), with the decimals their value prints with.
_COUNTS = {"total_beds": 0, "beds_per_1000_older": 1}


def indicator_format(indicator: str) -> tuple[bool, int]:
    """How an indicator's value prints: (as a percentage?, decimals): shares ``55.3%``, beds ``1,932``, ``27.4``."""
    digits = _COUNTS.get(indicator)
    return (True, 1) if digits is None else (False, digits)


def profile_words(cfg: StudyConfig, profile: str, lang: str) -> str:
    """A travel profile key in words: its mode (``"电动车"``), with its speed when two profiles share the mode."""
    p = cfg.profiles.get(profile)
    if p is None:
        return profile
    mode = mode_label(p.mode, lang)
    if sum(q.mode == p.mode for q in cfg.profiles.values()) > 1:
        mode += tr(lang, f"（{p.speed_kmh:g} km/h）", f" ({p.speed_kmh:g} km/h)")
    return mode


def travel_words(cfg: StudyConfig, profile: str, minutes: float, lang: str) -> str:
    """``"电动车 10 分钟"`` / ``"10 min by e-bike"``: a travel rule (profile key and minutes) in words."""
    mode = profile_words(cfg, profile, lang)
    return tr(lang, f"{mode} {minutes:g} 分钟", f"{minutes:g} min {mode}")


def tier_rule_words(cfg: StudyConfig, tier: str, lang: str) -> str:
    """The rule of a tier in words: villages and communities, each with its mode and minutes (one when equal)."""
    t = cfg.tiers[tier]
    rural = travel_words(cfg, t.rural_profile, t.rural_minutes, lang)
    urban = travel_words(cfg, t.profile, t.minutes, lang)
    if rural == urban:
        return tr(lang, f"村和社区：{urban}", f"villages and communities: {urban}")
    return tr(lang, f"村：{rural}；社区：{urban}", f"villages: {rural}; communities: {urban}")


def source_words(source: Any, lang: str) -> str:
    """A source string with each document number replaced by the document's short title (HTML-escaped)."""
    from planner.analysis import SOURCE_DOCUMENTS, source_parts

    out = []
    for text, key in source_parts("" if is_missing(source) else str(source)):
        if key is None:
            words = text.replace("; ", "；") if lang == "zh" else text.replace("规划指标体系", "indicator table")
            out.append(escape(words))
            continue
        doc = SOURCE_DOCUMENTS[key]
        out.append(f"<span title=\"{escape(tr(lang, doc[1], doc[3]))}\">"
                   f"{escape(tr(lang, f'《{doc[0]}》', f'[{doc[2]}]'))}</span>")
    return "".join(out)


def sources_key(sources: Iterable[Any], lang: str) -> str:
    """The key to the documents cited in ``sources``: short title -> full title, as an HTML list."""
    from planner.analysis import SOURCE_DOCUMENTS, cited_documents

    keys = sorted({k for s in sources if not is_missing(s) for k in cited_documents(str(s))})
    if not keys:
        return ""
    items = "".join(
        f"<li>{escape(tr(lang, f'《{d[0]}》', f'[{d[2]}]'))}{tr(lang, '：', ': ')}{escape(tr(lang, d[1], d[3]))}</li>"
        for d in (SOURCE_DOCUMENTS[k] for k in keys))
    head = tr(lang, "依据文件", "Documents cited")
    return f'<p class="sources"><b>{head}</b></p><ul class="sources">{items}</ul>'


def reason_words(codes: Any, lang: str, *, informational: bool = False) -> list[str]:
    """The labels of a ``;``-joined reason-code string (informational codes left out unless asked)."""
    if is_missing(codes):
        return []
    out = []
    for code in str(codes).split(";"):
        code = code.strip()
        if not code:
            continue
        if not informational and code in CoverageReason.__members__ and CoverageReason[code].informational:
            continue
        out.append(code_label(code, lang, kind=CoverageReason if code in CoverageReason.__members__ else None))
    return list(dict.fromkeys(out))


def yes_no(v: Any, lang: str, *, yes: tuple[str, str] = ("是", "yes"), no: tuple[str, str] = ("否", "no")) -> str:
    """A boolean in words; ``—`` when missing."""
    if is_missing(v):
        return "—"
    return tr(lang, *yes) if bool(v) else tr(lang, *no)


def estimated_note(result: StudyResult, lang: str) -> str:
    """``""``, or a sentence saying how many settlements' older population (behind these figures) is estimated."""
    sett = result.coverage.settlements
    if "older_estimated" not in sett:
        return ""
    n = int(sett["older_estimated"].astype("boolean").fillna(False).astype(bool).sum())
    if not n:
        return ""
    return tr(lang, f"老年人数含估算值：{n} 个村/社区的 60 岁及以上人口为按总人口比例分配的估算值，非统计数。",
              f"Older-population figures include estimates: the population aged 60+ of {n} settlements is "
              "allocated in proportion to their residents, not counted.")


def older_text(v: Any, estimated: Any, lang: str) -> str:
    """An older-population count as HTML, marked ``估算`` / ``est.`` when it was allocated, not counted."""
    text = escape(fmt_number(v))
    if not is_missing(estimated) and bool(estimated):
        text += f'<br><span class="est">{escape(label("estimated", lang))}</span>'
    return text
