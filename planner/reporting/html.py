"""The single-file HTML report of a study.

The report needs nothing but a browser: its charts are inline SVG
(:mod:`planner.reporting.svg`), so they print with the browser's default
settings, and Chinese labels use the reader's own fonts (no CJK font is
needed where the report is made).  The style sheet prints on A4
(:mod:`planner.reporting.report_css`).  Each section is built by its own
function (coverage sections in :mod:`planner.reporting.coverage_html`, the
map figure in :mod:`planner.reporting.report_map`, siting in
:mod:`planner.reporting.siting_html`); :func:`write_report_html` puts them
together.
"""

from __future__ import annotations

import datetime as _dt
import re
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from planner.codes import DataProblem, code_label
from planner.i18n import check_lang, fmt_number, label, tr
from planner.reporting.access_html import access_section
from planner.reporting.charts import CSS, met_class_text, num
from planner.reporting.coverage_html import centre_section, coverage_section, priority_section, travel_time_section
from planner.reporting.older_labels import older_caveats
from planner.reporting.report_map import MAP_LINK, map_section
from planner.reporting.report_words import indicator_format, profile_words, source_words, sources_key, tier_rule_words
from planner.reporting.scenarios_html import scenarios_section
from planner.reporting.siting_html import sites_section

if TYPE_CHECKING:
    from planner.study import StudyResult

__all__ = ["write_report_html"]

def _overall_scorecard(result: StudyResult) -> pd.DataFrame:
    card = result.coverage.scorecard
    return card[card["scope"] == "overall"] if "scope" in card else card


def _title(result: StudyResult, lang: str) -> str:
    name = result.config.name
    return tr(lang, f"{name}：养老服务设施覆盖评估报告", f"{name}: elderly-care coverage report")


def _heading(result: StudyResult, lang: str) -> str:
    """Title, date, milestone year and (for synthetic data) the warning banner."""
    cfg, cov = result.config, result.coverage
    out = [f"<h1>{escape(_title(result, lang))}</h1>",
           f'<p class="muted">{tr(lang, "生成日期", "Generated")}: {_dt.date.today().isoformat()} · '
           f'{tr(lang, "目标年份", "Milestone year")}: {cov.params.get("year", cfg.targets.milestone_year)}</p>']
    if result.synthetic:
        banner = tr(lang, "本报告基于合成（模拟）数据生成，县名、村名、人口与设施均为虚构，仅用于演示。",
                    "This report is made from synthetic (simulated) data: the county, villages, population and "
                    "facilities are invented for demonstration.")
        out.append(f'<div class="banner">{banner}</div>')
    return "".join(out)


def _summary_cards(result: StudyResult, lang: str) -> str:
    """Settlements analysed, under-served, older people in them, targets met."""
    sett = result.coverage.settlements
    under_mask = sett["status"] == "under_served"
    judged = _overall_scorecard(result)["met"].dropna()
    met = int(judged.astype(bool).sum())
    under_older = pd.to_numeric(sett["older_population"], errors="coerce")[under_mask].sum()
    estimated = sett.get("older_estimated", pd.Series(False, index=sett.index)).fillna(False).astype(bool)
    est = tr(lang, "（含估算值）", " (partly estimated)") if bool(estimated[under_mask].any()) else ""
    cards = (
        (f"{len(sett):,}", tr(lang, "村/社区", "settlements analysed")),
        (f"{int(under_mask.sum()):,}", tr(lang, "服务不足的村/社区", "under-served settlements")),
        (num(under_older), tr(lang, "服务不足地区的老年人", "older people in under-served settlements") + est),
        (f"{met} / {len(judged)}", tr(lang, "政策指标达标", "policy targets met")),
    )
    body = "".join(f'<div class="card"><div class="big">{big}</div><div class="muted">{small}</div></div>'
                   for big, small in cards)
    return f'<div class="cards">{body}</div>'


def _value_text(row: pd.Series) -> tuple[str, str]:
    """An indicator's value and target as text: shares as percentages, bed counts as numbers ("1,932")."""
    v, t = row.get("value"), row.get("target")
    pct, digits = indicator_format(str(row.get("indicator", "")))
    return num(v, digits, pct), num(t, 0 if pct else digits, pct)


def _judgement(met: object, lang: str) -> str:
    cls, text = met_class_text(met, lang, na_text=tr(lang, "仅报告", "report only"))
    return f'<span class="{cls}">{text}</span>'


def _scorecard_section(result: StudyResult, lang: str) -> str:
    """1. The policy scorecard: value, target, met or not, the gap sentence and its source."""
    name_col, text_col = f"name_{lang}", f"text_{lang}"
    rows = []
    for _, r in _overall_scorecard(result).iterrows():
        v, t = _value_text(r)
        rows.append(f"<tr><td>{escape(str(r.get(name_col, '')))}</td><td class='num'>{v}</td>"
                    f"<td class='num'>{t}</td><td>{_judgement(r.get('met'), lang)}</td>"
                    f"<td>{escape(str(r.get(text_col, '') or ''))}</td>"
                    f"<td class='muted'>{source_words(r.get('source'), lang)}</td></tr>")
    heads = (("指标", "Indicator", 20), ("现状", "Value", 8), ("目标", "Target", 7), ("评估", "Judgement", 7),
             ("差距", "Gap", 34), ("依据", "Source", 24))
    cols = "".join(f'<col style="width:{w}%">' for *_, w in heads)
    head = "".join(f"<th>{tr(lang, zh, en)}</th>" for zh, en, _ in heads)
    return (f"<h2>{tr(lang, '一、政策指标评估', '1. Policy scorecard')}</h2>"
            f'<table class="fixed"><colgroup>{cols}</colgroup><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>"
            + sources_key(_overall_scorecard(result).get("source", ()), lang))


def _parameter_items(result: StudyResult, lang: str) -> list[str]:
    """Thresholds of each tier, each travel profile, and the township-centre capacity."""
    cfg = result.config
    colon = tr(lang, "：", ": ")
    items = [f"<li>{escape(label(key, lang))}{colon}{escape(tier_rule_words(cfg, key, lang))}</li>"
             for key in cfg.tiers]
    for name, p in cfg.profiles.items():
        per_class = tr(lang, "（按道路等级限速）", " (per road class)") if p.highway_speeds_kmh else ""
        items.append(f"<li>{tr(lang, '出行方式', 'travel profile')} {escape(profile_words(cfg, name, lang))}"
                     f"{tr(lang, f'（{escape(name)}）：', f' ({escape(name)}): ')}"
                     f"{p.speed_kmh:.2f} km/h"
                     f"{per_class}; {tr(lang, '最大捕捉距离', 'max snapping')} "
                     f"{p.max_snap_m_urban:.0f} / {p.max_snap_m_rural:.0f} m</li>")
    items.append(f"<li>{tr(lang, '区域中心服务能力', 'Township-centre capacity')}: "
                 f"{fmt_number(cfg.targets.township_centre_capacity)} {tr(lang, '名老年人', 'older people')}</li>")
    return items


def _layer_caveat(layer: object, lang: str) -> str:
    """Rows read, kept and excluded (and why) of one input file."""
    excluded = layer.excluded or {}
    n_ex = sum(excluded.values())
    why = {k: f"{code_label(k, lang, kind=DataProblem)} {v}" for k, v in excluded.items()}
    return tr(lang, f"{layer.file}：读取 {layer.rows_read} 行，保留 {layer.rows_kept} 行，排除 {n_ex} 行"
                    + (f"（{'；'.join(why.values())}）" if n_ex else "") + "。",
              f"{layer.file}: {layer.rows_read} rows read, {layer.rows_kept} kept, {n_ex} excluded"
              + (f" ({'; '.join(why.values())})" if n_ex else "") + ".")


def _caveats(result: StudyResult, lang: str) -> list[str]:
    """Estimated populations, rows excluded from each input, road pieces dropped, synthetic inputs."""
    sett = result.coverage.settlements
    out = []
    out.extend(older_caveats(sett, lang))
    out.extend(_layer_caveat(layer, lang) for layer in result.data.report.layers)
    dropped = result.network.dropped
    if dropped:
        what = [f"{k} {v}" for k, v in dropped.items()]
        out.append(tr(lang, "路网：" + "；".join(what), "Road network: " + "; ".join(what)))
    if result.synthetic:
        out.append(tr(lang, "全部输入为合成数据。", "All inputs are synthetic."))
    return out


def _parameters_section(result: StudyResult, lang: str) -> str:
    """7. The parameters of the run and the caveats of its data."""
    caveats = "".join(f"<li>{escape(c)}</li>" for c in _caveats(result, lang))
    return (f"<h2>{tr(lang, '九、参数与数据说明', '9. Parameters and data caveats')}</h2>"
            f"<ul>{''.join(_parameter_items(result, lang))}</ul><ul>{caveats}</ul>")


#: The sections of the report, in order.
_SECTIONS = (_heading, _summary_cards, _scorecard_section, map_section, coverage_section, travel_time_section,
             centre_section, priority_section, sites_section, access_section, scenarios_section, _parameters_section)


_ZH_NUMERALS = "一二三四五六七八九十"
_NUMBERED_H2 = re.compile(r"<h2>(?:[一二三四五六七八九十]+、|\d+\. )")


def _renumber(body: str, lang: str) -> str:
    """Number the numbered sections 一、二、… (1. 2. …) in order, whichever sections this study has."""
    count = iter(range(1, 100))

    def number(_: re.Match) -> str:
        n = next(count)
        return f"<h2>{_ZH_NUMERALS[n - 1]}、" if lang == "zh" and n <= 10 else f"<h2>{n}. "

    return _NUMBERED_H2.sub(number, body)


def write_report_html(result: StudyResult, path: str | Path, *, lang: str = "zh",
                      map_link: str | None = MAP_LINK) -> Path:
    """Write the single-file HTML report of a study.

    Sections: summary, policy scorecard (met / not met, gaps in counts, the
    documents behind each target), a map figure, coverage by township and
    county (charts), travel-time distribution, township-centre loads against
    capacity, priority list of under-served settlements, proposed sites with
    the scorecard before and after, parameters and data caveats.  It prints on
    A4 with the browser's default settings.

    Parameters
    ----------
    result : StudyResult
    path : str or Path
        The HTML file (its folder is created).
    lang : {"zh", "en"}
    map_link : str or None
        The interactive map, relative to the report (``map.html``: the
        pipeline writes both into one folder); None for no link.

    Returns
    -------
    Path
    """
    check_lang(lang)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = "".join(map_section(result, lang, link=map_link) if section is map_section else section(result, lang)
                   for section in _SECTIONS)
    body = _renumber(body, lang)
    doc = (f'<!DOCTYPE html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
           f"<title>{escape(_title(result, lang))}</title><style>{CSS}</style></head>"
           f"<body><main>{body}</main></body></html>")
    path.write_text(doc, encoding="utf-8")
    return path
