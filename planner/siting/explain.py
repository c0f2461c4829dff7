"""The zh/en sentences of siting: why a site, what a target needs, the occupancy rule, the summary.

Every function returns ``(zh, en)`` (or the text in one language for the
summary); numbers go through the :mod:`planner.i18n` formatters so they read
alike across the planner.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import numpy as np

from planner.codes import CandidateExclusion
from planner.i18n import fmt_minutes, fmt_number, fmt_share, label, tr

if TYPE_CHECKING:  # pragma: no cover
    from planner.siting.result import SitingResult

__all__ = ["Text", "sentence", "join_why", "occupancy_text", "newly_covered", "serves", "time_saved", "takes_load",
           "colocation", "uncoverable_text", "target_met", "share_target_reached", "share_target_out_of_reach",
           "township_target_reached", "township_target_out_of_reach", "older_share_change", "summarise", "proof",
           "closes_township", "township_without_candidate", "relieves_overload", "overload_unrelieved",
           "centres_summary"]

#: A sentence in Chinese and in English.
Text = tuple[str, str]


def sentence(text: str) -> str:
    """``text`` with its first letter upper-case."""
    return text[:1].upper() + text[1:]


def join_why(parts: Iterable[Text]) -> Text:
    """The reasons for one site as one zh and one en sentence."""
    parts = list(parts)
    return "；".join(zh for zh, _ in parts), sentence("; ".join(en for _, en in parts))


# --------------------------------------------------------------------------- the occupancy rule


def occupancy_text(county: str, share: float, occupied: float, beds: float, minimum: float, blocked: bool) -> Text:
    """What the public-occupancy rule says for one county (003 §二(一)1)."""
    name = county or "（未知县）"
    if math.isnan(share):
        return (f"{name}：无公办机构床位和入住数据，未限制新建公办设施",
                f"{county or '(unknown county)'}: no public beds/occupancy data; new public sites not restricted")
    pct = fmt_share(share, 0)
    if blocked:
        counts, low = f"{fmt_number(occupied)}/{fmt_number(beds)}", fmt_share(minimum, 0)
        return (f"{name}公办养老机构入住率 {pct}（{counts}），低于 {low}，按规定不得新建扩建公办养老设施",
                f"{county}: public institutions {pct} occupied ({counts}), below {low}: no new public sites")
    return (f"{name}公办养老机构入住率 {pct}，可新建公办设施",
            f"{county}: public institutions {pct} occupied; new public sites allowed")


# --------------------------------------------------------------------------- why a site


def newly_covered(villages: int, communities: int, older: float) -> Text:
    """The settlements and older people a site covers that were not covered before."""
    nv, nc = villages, communities
    cover_zh = "、".join(x for x in (f"{nv} 个村" if nv else "", f"{nc} 个社区" if nc else "") if x) or "0 个村/社区"
    cover_en = " and ".join(x for x in (f"{nv} village{'s' if nv != 1 else ''}" if nv else "",
                                        f"{nc} communit{'ies' if nc != 1 else 'y'}" if nc else "") if x) \
        or "no settlement"
    return (f"新增覆盖 {cover_zh}、{fmt_number(older)} 名老年人",
            f"newly covers {cover_en} and {fmt_number(older)} older people")


def serves(settlements: int, older: float) -> Text:
    """The settlements a site is assigned (p-median)."""
    return (f"服务 {settlements} 个村/社区 {fmt_number(older)} 名老年人",
            f"serves {settlements} settlements ({fmt_number(older)} older people)")


def time_saved(gain_s: float, penalty_min: float) -> Text:
    """The weighted travel time a p-median site saves."""
    saved = fmt_number(gain_s / 60)
    return (f"加权出行时间减少 {saved} 人·分钟（此前无设施可达者按 {penalty_min:g} 分钟计）",
            f"cuts weighted travel time by {saved} person-minutes (people with no "
            f"facility in reach counted at {penalty_min:g} min)")


def takes_load(load: float, capacity: float) -> Text:
    """The older people a capacitated site takes."""
    return (f"承接 {fmt_number(load)} 名老年人（容量 {fmt_number(capacity)}）",
            f"takes {fmt_number(load)} older people (capacity {fmt_number(capacity)})")


def colocation(distance_m: float, health_type: str) -> Text:
    """A site that is, or lies next to, a health facility."""
    if distance_m == 0:
        return f"本身为{health_type}，可毗邻而建", f"is a health facility ({health_type}): co-located"
    return (f"毗邻{health_type}（{fmt_number(distance_m)} 米）",
            f"next to a health facility ({health_type}, {fmt_number(distance_m)} m)")


def uncoverable_text(minutes: float, n_excluded: int) -> Text:
    """Why a settlement stays uncovered whatever is built."""
    return (f"{minutes:g} 分钟内没有可用候选点（已排除禁建区等 {n_excluded} 个候选点）",
            f"no usable candidate within {minutes:g} min ({n_excluded} candidates excluded)")


# --------------------------------------------------------------------------- policy targets


def target_met(name_zh: str, name_en: str, before: float, target: float) -> Text:
    """A share target the existing sites already meet."""
    return (f"{name_zh}已达 {fmt_share(before, 0)}，已满足 {fmt_share(target, 0)} 的目标",
            f"{fmt_share(before, 0)} {name_en}: the {fmt_share(target, 0)} target is already met")


def share_target_reached(k: int, what: Text, name: Text, target: float, before: float, after: float,
                         status: Text | None) -> Text:
    """``k`` new sites reach a share target; ``status`` says how far the count is proven (None: proven fewest)."""
    (what_zh, what_en), (name_zh, name_en) = what, name
    tgt, b, a = fmt_share(target, 0), fmt_share(before, 1), fmt_share(after, 1)
    zh = f"新增 {k} 个{what_zh}可使{name_zh}达到 {tgt}（{b} → {a}）"
    en = f"{k} new {what_en} reach {tgt} {name_en} ({b} -> {a})"
    if status is not None:
        zh += f"（{status[0]}）"
        en += f" ({status[1]})"
    return zh, en


def proof(status: str, gap: float) -> Text:
    """How far an answer is proven, truthfully: only a proven optimum is called optimal."""
    g = "" if gap is None or not math.isfinite(gap) else fmt_share(gap, 2)
    if status in ("optimal", "empty"):
        return "已证明最优", "proven optimal"
    if status == "gap_limit":
        return (f"未证明最优，已证明与最优相差不超过 {g}", f"not proven optimal; proven within {g} of the optimum")
    if status == "time_limit":
        if g:
            return (f"达到时间上限，取已找到的最好解，已证明差距 {g}",
                    f"time limit reached: best found, proven within {g}")
        return "达到时间上限，取已找到的最好解，差距未证明", "time limit reached: best found, gap not proven"
    if status == "greedy":
        return ((f"贪心算法，已证明与最优相差不超过 {g}", f"greedy, proven within {g} of the optimum") if g
                else ("贪心算法，差距未证明", "greedy, gap not proven"))
    if status == "rule":
        return ("按缺口逐一补足（规则，非优化，无最优性差距）",
                "gap by gap (a rule, not an optimisation: no optimality gap)")
    return status, status


def share_target_out_of_reach(name: Text, unit_zh: str, best: float, target: float, missing: int) -> Text:
    """Even every candidate together falls short of a share target."""
    name_zh, name_en = name
    b, tgt = fmt_share(best, 0), fmt_share(target, 0)
    return (f"现有候选点全部建成后{name_zh}最高 {b}，达不到 {tgt}："
            f"{missing} 个{unit_zh}在服务时间内没有候选点，需补充候选点",
            f"even every candidate together reaches only {b} {name_en}, short of {tgt}: "
            f"{missing} have no candidate within the threshold and need new candidate sites")


def township_target_reached(k: int, name: Text, target: float) -> Text:
    """``k`` new centres in townships without one reach the township target."""
    tgt = fmt_share(target, 0)
    return (f"在无中心的乡镇新增 {k} 个中心可使{name[0]}达到 {tgt}",
            f"{k} new centres in townships without one reach {tgt} {name[1]}")


def township_target_out_of_reach(n_available: int, name: Text, best: float, target: float) -> Text:
    """The candidates lie in too few townships without a centre."""
    b, tgt = fmt_share(best, 0), fmt_share(target, 0)
    return (f"候选点只分布在 {n_available} 个无中心乡镇，{name[0]}最高 {b}，达不到 {tgt}",
            f"candidates lie in only {n_available} townships without a centre: at most {b}, short of {tgt}")


def older_share_change(k: int, before: float, after: float) -> Text:
    """The share of older people covered before and after the ``k`` proposed sites."""
    b, a = fmt_share(before, 1), fmt_share(after, 1)
    return (f"建议的 {k} 处新增后老年人覆盖率由 {b} 变为 {a}",
            f"the {k} proposed sites change the share of older people covered from {b} to {a}")


def closes_township(town: str, older_reached: float, older_total: float) -> Text:
    """A new centre placed in a township/street that had none."""
    return (f"补足无中心的乡镇/街道「{town}」（服务时间内可达本乡镇 {fmt_number(older_reached)} / "
            f"{fmt_number(older_total)} 名老年人）",
            f"gives {town}, which had no centre, one (reaches {fmt_number(older_reached)} of its "
            f"{fmt_number(older_total)} older people within the threshold)")


def township_without_candidate(town: str, n_in_town: int, excluded: Mapping[str, int],
                               nearest: list[tuple[str, str, float]]) -> Text:
    """A township without a centre where no usable candidate lies: why, and the nearest ones outside."""
    if n_in_town and excluded:
        why = {k: CandidateExclusion(k) for k in excluded}
        zh = (f"区内 {n_in_town} 个候选点均不可用（"
              + "、".join(f"{why[k].zh} {v} 个" for k, v in excluded.items()) + "）")
        en = f"its {n_in_town} candidates are all unusable (" + "; ".join(
            f"{why[k].en}: {v}" for k, v in excluded.items()) + ")"
    else:
        zh, en = "区内没有候选点", "it has no candidate site"
    near_zh = "、".join(f"{n}（{t}，{d / 1000:.1f} 公里）" for n, t, d in nearest) or "无"
    near_en = "; ".join(f"{n} ({t}, {d / 1000:.1f} km)" for n, t, d in nearest) or "none"
    return (f"乡镇/街道「{town}」没有中心，但{zh}，无法在区内补建；最近的区外候选点：{near_zh}。需补充区内候选点",
            f"{town} has no centre but {en}, so none can be placed in it; nearest candidates outside: "
            f"{near_en}. Add candidate sites inside it")


def relieves_overload(centre: str, before: float, after: float, capacity: float) -> Text:
    """A new centre that takes load off an overloaded one."""
    b, a, c = fmt_number(before), fmt_number(after), fmt_number(capacity)
    return (f"分担超负荷中心「{centre}」（负荷 {b} → {a}，容量 {c}）",
            f"relieves the overloaded centre {centre} (load {b} -> {a}, capacity {c})")


def overload_unrelieved(centre: str, load: float, capacity: float) -> Text:
    """An overloaded centre no candidate can relieve."""
    return (f"中心「{centre}」超负荷（{fmt_number(load)} / {fmt_number(capacity)}），但服务时间内没有候选点能分担",
            f"centre {centre} is over capacity ({fmt_number(load)} / {fmt_number(capacity)}) but no candidate "
            "within the threshold can take load off it")


def centres_summary(n_without: int, n_closed: int, n_no_candidate: int, n_overload: int) -> Text:
    """The township-tier plan in one sentence."""
    return (f"{n_without} 个乡镇/街道没有中心：{n_closed} 个各新增 1 个中心，"
            f"{n_no_candidate} 个区内无可用候选点（见缺口表）；"
            f"另新增 {n_overload} 个中心分担超负荷中心",
            f"{n_without} townships/streets have no centre: {n_closed} get one each, {n_no_candidate} have no "
            f"usable candidate inside (see the gap table); {n_overload} more centres relieve overloaded centres")


# --------------------------------------------------------------------------- the summary


#: Words for the plan models in the summary (the classic models keep their acronyms).
_MODEL_NAMES = {"target": ("达到村覆盖率目标的最少点数", "fewest points for the village target"),
                "centres": ("按乡镇中心缺口", "township-centre gaps")}


def _status(status: str, gap: float, lang: str) -> str:
    if status == "empty":
        return tr(lang, "无需决策", "nothing to decide")
    zh, en = proof(status, gap)
    return tr(lang, zh, en)


def _excluded_sentence(counts: Mapping[str, int], lang: str) -> str:
    reasons = {k: CandidateExclusion(k) for k in counts}
    return tr(lang, "排除候选点 " + "、".join(f"{reasons[k].zh} {v} 个" for k, v in counts.items()) + "。",
              "Candidates excluded: " + "; ".join(f"{reasons[k].en}: {v}" for k, v in counts.items()) + ".")


def _mean_time_sentence(result: SitingResult, lang: str) -> str | None:
    st = result.settlements
    ok = np.isfinite(st["time_min"].to_numpy(dtype=float)) & (st["older"].to_numpy() > 0)
    if not ok.any():
        return None
    mean = fmt_minutes(float(np.average(st["time_min"][ok], weights=st["older"][ok])))
    return tr(lang, f"到达所分配设施的老年人加权平均时间 {mean} 分钟。",
              f"Older-population-weighted mean time to the assigned site: {mean} min.")


def summarise(result: SitingResult, lang: str = "zh") -> str:
    """One paragraph: what was proposed, what it covers, what was excluded, the targets."""
    s = result.solution
    n = len(result.sites)
    older = fmt_number(float(result.sites["new_older"].sum()) if n else 0.0)
    nset = int(result.sites["new_settlements"].sum()) if n else 0
    status, tier = _status(s.status, s.gap, lang), label(result.tier, lang)
    model = tr(lang, *_MODEL_NAMES[result.model]) if result.model in _MODEL_NAMES else result.model.upper()
    parts = [tr(lang, f"{tier}：建议新增 {n} 处（{model}，{status}），新增覆盖 {nset} 个村/社区、{older} 名老年人。",
                f"{tier}: {n} new sites proposed ({model}, {status}), "
                f"newly covering {nset} settlements and {older} older people.")]
    if len(result.excluded):
        parts.append(_excluded_sentence(dict(result.excluded["reason"].value_counts()), lang))
    occ = result.occupancy
    blocked = occ[occ["blocked"]] if len(occ) else occ
    if result.params.get("public") and len(blocked):
        parts.extend(blocked[f"text_{lang}"].tolist())
    if result.model == "pmedian" and "time_min" in result.settlements:
        mean = _mean_time_sentence(result, lang)
        if mean:
            parts.append(mean)
    if len(result.uncoverable):
        k = len(result.uncoverable)
        parts.append(tr(lang, f"{k} 个村/社区在服务时间内没有任何候选点可覆盖。",
                        f"{k} settlements have no candidate within the threshold."))
    parts.extend(result.targets[f"text_{lang}"].tolist())
    return " ".join(parts)
