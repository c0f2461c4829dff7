"""Readable summaries of a loaded study: counts per tier, settlement kind and township."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from planner.i18n import check_lang, label, tr

if TYPE_CHECKING:
    from planner.data.load import StudyData

__all__ = ["summarise_study", "summarise_study_frame"]


def summarise_study_frame(data: StudyData, *, lang: str = "zh") -> pd.DataFrame:
    """Counts per township: settlements by kind, facilities by tier, population.

    Parameters
    ----------
    data
        A loaded study.
    lang
        Column labels: ``"zh"`` or ``"en"``.

    Returns
    -------
    pandas.DataFrame
        One row per township (``""`` = none) plus a total row; columns
        ``villages``, ``communities``, one per tier, ``population``,
        ``older_population``, ``older_estimated`` (estimated part), translated.
    """
    check_lang(lang)
    s, f = data.settlements, data.facilities
    towns = sorted(set(s["township"]) | set(f["township"]) |
                   (set(data.townships.index) if data.townships is not None else set()))
    frame = pd.DataFrame(index=pd.Index(towns, name="township"))
    frame["villages"] = s[s["kind"] == "village"].groupby("township").size()
    frame["communities"] = s[s["kind"] == "community"].groupby("township").size()
    for key in data.config.tiers:
        frame[key] = f[f["tier"] == key].groupby("township").size()
    frame = frame.fillna(0).astype(int)
    frame["population"] = s.groupby("township")["population"].sum(min_count=1)
    frame["older_population"] = s.groupby("township")["older_population"].sum(min_count=1)
    frame["older_estimated"] = s[s["older_estimated"]].groupby("township")["older_population"].sum()
    frame["older_estimated"] = frame["older_estimated"].fillna(0.0)
    frame = frame.rename(index={"": tr(lang, "（未填乡镇）", "(no township)")})
    total = frame.sum(numeric_only=True, min_count=1)
    frame.loc[tr(lang, "合计", "Total")] = total
    names = {"villages": tr(lang, "村", "villages"), "communities": tr(lang, "社区", "communities"),
             "population": tr(lang, "总人口", "population"),
             "older_population": tr(lang, "60岁以上人口", "aged 60+"),
             "older_estimated": tr(lang, "其中估算", "of which estimated")}
    names.update({k: label(k, lang) for k in data.config.tiers})
    frame.index.name = tr(lang, "乡镇/街道", "township")
    return frame.rename(columns=names)


def _county_share_lines(data: StudyData, lang: str) -> list[str]:
    """One line per county the study covers only part of: the share and what was done with its total."""
    lines = []
    shares = data.allocation.county_shares if data.allocation is not None else ()
    for sh in shares:
        if math.isfinite(sh.used_total):
            lines.append(tr(
                lang,
                f"{sh.county}：研究区村/社区人口只占全县普查人口的 {sh.residents_share:.1%}，"
                f"全县60岁以上人口 {sh.full_total:,.0f} 按比例缩小为 {sh.used_total:,.0f}",
                f"{sh.county}: the study's settlements hold {sh.residents_share:.1%} of the county's census "
                f"residents; its 60+ total {sh.full_total:,.0f} was scaled to {sh.used_total:,.0f}"))
        else:
            lines.append(tr(
                lang,
                f"{sh.county}：研究区只覆盖全县面积的 {sh.area_share:.1%}，"
                f"全县60岁以上人口 {sh.full_total:,.0f} 未分配",
                f"{sh.county}: the study covers {sh.area_share:.1%} of the county's area; its 60+ total "
                f"{sh.full_total:,.0f} was not allocated"))
    return lines


def _older_line(s: pd.DataFrame, pop: float, older: float, share: float, lang: str) -> str:
    """Residents and 60+ with the estimated share; unknown 60+ figures said, never printed as 0."""
    unknown = int(s["older_population"].isna().sum())
    if unknown == len(s):
        return tr(lang, f"总人口 {pop:,.0f}；60岁以上 未知", f"Population {pop:,.0f}; aged 60+ unknown")
    line = tr(lang, f"总人口 {pop:,.0f}；60岁以上 {older:,.0f}（其中估算 {share:.0%}）",
              f"Population {pop:,.0f}; aged 60+ {older:,.0f} ({share:.0%} estimated)")
    if unknown:
        line += tr(lang, f"；另有 {unknown} 个村/社区的60岁以上人口未知，未计入",
                   f"; {unknown} settlements with unknown 60+ population not included")
    return line


def summarise_study(data: StudyData, lang: str = "zh") -> str:
    """Readable summary: counts per tier, per settlement kind and per township.

    Parameters
    ----------
    data
        A loaded study.
    lang
        ``"zh"`` (default) or ``"en"``.
    """
    check_lang(lang)
    s, f = data.settlements, data.facilities
    older = float(np.nansum(s["older_population"].to_numpy(dtype=float)))
    est = float(np.nansum(s.loc[s["older_estimated"], "older_population"].to_numpy(dtype=float)))
    pop = float(np.nansum(s["population"].to_numpy(dtype=float)))
    share = est / older if older > 0 else 0.0
    tiers = tr(lang, "，", ", ").join(
        f"{label(k, lang)} {int((f['tier'] == k).sum())}" for k in data.config.tiers
    )
    kinds = tr(lang, "，", ", ").join(
        f"{label('village' if k == 'village' else 'community_kind', lang)} {int((s['kind'] == k).sum())}"
        for k in ("village", "community")
    )
    lines = [
        tr(lang, f"研究：{data.config.name}", f"Study: {data.config.name}"),
    ]
    if data.config.synthetic:
        lines.append(label("synthetic", lang))
    lines += [
        tr(lang, f"设施 {len(f)} 个：{tiers}", f"Facilities {len(f)}: {tiers}"),
        tr(lang, f"村/社区 {len(s)} 个：{kinds}", f"Settlements {len(s)}: {kinds}"),
        _older_line(s, pop, older, share, lang),
        *_county_share_lines(data, lang),
        tr(lang, f"坐标系（米制计算）：{data.projected_crs.to_string()}",
           f"Projected CRS: {data.projected_crs.to_string()}"),
        tr(lang, f"数据问题：{len(data.report.errors)} 个错误（已排除的行），{len(data.report.warnings)} 个警告",
           f"Data problems: {len(data.report.errors)} errors (rows excluded), "
           f"{len(data.report.warnings)} warnings"),
        "",
        tr(lang, "按乡镇/街道：", "By township:"),
        summarise_study_frame(data, lang=lang).to_string(float_format=lambda v: f"{v:,.0f}",
                                                         na_rep=tr(lang, "未知", "unknown")),
    ]
    return "\n".join(lines)
