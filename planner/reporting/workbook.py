"""The Excel workbook of a study: every table as a sheet a planner reads and forwards.

Sheets are Chinese by default (English with ``lang="en"``): headers with units and values in
words (:mod:`planner.reporting.labels`), formatted by what each column means
(:mod:`planner.reporting.workbook_format`): percentages, whole numbers with separators,
minutes with one decimal, fitted widths, a frozen header row and a filter.  The first sheet is
说明 / Notes (parameters, policy sources, population rules, caveats), then the scorecard and the
priority list (:mod:`planner.reporting.workbook_notes`), then the tables of the results.

Adding sheets
-------------
Another module adds its tables without touching this one, in either of two ways:

- ``write_workbook(result, path, extra_sheets={"可达性": frame})``: frames with the result's
  column names (``older_share``, ``county_time_min``...) are labelled, put in words and
  formatted like every other sheet; a frame already made by
  :func:`~planner.reporting.labels.readable_table` is written as it is;
- :func:`register_sheets` a hook ``f(result, lang) -> {sheet name: frame}`` called for every
  workbook (frames as for ``extra_sheets``).

Any sheet gets the formatting for free from its column names; to label a new column, add it to
:data:`planner.reporting.labels.COLUMN_LABELS` (and :data:`~planner.reporting.labels.VALUE_WORDS`
for coded values).  :func:`~planner.reporting.workbook_format.format_sheet` formats a sheet
written some other way.

No cell is a formula: text from the data that starts with ``=`` is written as a text cell
(with Excel's quote prefix), and text longer than Excel's 32,767 characters per cell is cut
with a marker.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from planner.i18n import check_lang, label, tr
from planner.io import guard_text_cells, make_text_cells
from planner.reporting.access_tables import access_sheets
from planner.reporting.labels import COLUMN_LABELS, VALUE_WORDS, column_header, readable_table
from planner.reporting.scenario_tables import scenario_sheets
from planner.reporting.workbook_format import INTEGER, MINUTES, PERCENT, format_sheet
from planner.reporting.workbook_notes import notes_table, priority_table

if TYPE_CHECKING:
    from planner.study import StudyResult

__all__ = ["write_workbook", "report_tables", "register_sheets", "SHEET_HOOKS", "COLUMN_LABELS",
           "column_header", "format_sheet", "with_facility_names", "FACILITY_ID_COLUMNS"]

#: A hook adding sheets to every workbook: ``f(result, lang) -> {sheet name: frame}``.
SheetHook = Callable[["StudyResult", str], Mapping[str, pd.DataFrame]]

#: The registered hooks, called in order after the planner's own sheets.
SHEET_HOOKS: list[SheetHook] = []

#: Indicators whose value is not a share: the Excel format of their value and target.
_VALUE_FORMATS = {"total_beds": INTEGER, "beds_per_1000_older": MINUTES}
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def register_sheets(hook: SheetHook) -> SheetHook:
    """Add ``hook`` to :data:`SHEET_HOOKS` (usable as a decorator); registering twice adds it once.

    Parameters
    ----------
    hook : callable
        ``f(result, lang) -> {sheet name: frame}``.

    Returns
    -------
    callable
        ``hook``.
    """
    if hook not in SHEET_HOOKS:
        SHEET_HOOKS.append(hook)
    return hook


def _scorecard_formats(lang: str, gap_units: Mapping[str, str]) -> Callable[[pd.DataFrame], dict[str, list[str]]]:
    """Per-row formats of a scorecard: its value as a share or a count, its gap with its own unit.

    ``gap_units`` maps an indicator to its gap unit (``villages``, ``beds``...), for the
    before/after tables that do not carry the unit themselves.
    """
    words = VALUE_WORDS["gap_unit"]

    def formats(table: pd.DataFrame) -> dict[str, list[str]]:
        if "indicator" not in table:
            return {}
        value = [_VALUE_FORMATS.get(str(k), PERCENT) for k in table["indicator"]]
        units = table["gap_unit"] if "gap_unit" in table else table["indicator"].map(gap_units)
        gap = [f'{INTEGER}" {tr(lang, *words[u])}"' if u in words else INTEGER for u in units.astype(object)]
        out = {c: value for c in ("value", "target", "value_before", "value_after", "best") if c in table}
        out.update({c: gap for c in ("gap", "gap_before", "gap_after") if c in table})
        return out

    return formats


def _tier_sheet(zh: str, key: str) -> str:
    return f"{zh}_{label(key, 'zh')}".replace("/", "_")


#: Columns holding a facility id, whose sheet gets the facility's name next to it (``<column>_name``).
FACILITY_ID_COLUMNS = ("county_facility", "township_facility", "community_facility", "centre", "nearest_centre")


def with_facility_names(frame: pd.DataFrame, facilities: pd.DataFrame) -> pd.DataFrame:
    """Copy of ``frame`` with each facility-id column followed by the facility's name (``<column>_name``).

    Parameters
    ----------
    frame : pandas.DataFrame
        Not modified.
    facilities : pandas.DataFrame
        Indexed by facility id, with a ``name`` column.

    Returns
    -------
    pandas.DataFrame
        Same index and rows; an id not among the facilities gets no name (missing).
    """
    if "name" not in facilities:
        return frame
    names = facilities["name"]
    names = names[~names.index.duplicated()]
    out = frame.copy()
    for col in FACILITY_ID_COLUMNS:
        if col in out.columns and f"{col}_name" not in out.columns:
            named = out[col].astype(object).map(lambda v: names.get(v) if isinstance(v, str) else None)
            out.insert(out.columns.get_loc(col) + 1, f"{col}_name", named.astype(object))
    return out


def _gap_units(result: StudyResult) -> dict[str, str]:
    """Indicator -> the unit of its gap, from the coverage scorecard."""
    card = result.coverage.scorecard
    if card is None or not {"indicator", "gap_unit"} <= set(card.columns):
        return {}
    return {str(k): str(u) for k, u in zip(card["indicator"], card["gap_unit"], strict=True)}


def _siting_tables(result: StudyResult, lang: str, put: Callable) -> None:
    card = _scorecard_formats(lang, _gap_units(result))
    for key, site in result.siting.items():
        put(_tier_sheet("建议选址", key), f"sites_{key}", site.sites)
        put(_tier_sheet("选址曲线", key), f"curve_{key}", site.curve)
        put(_tier_sheet("建设前后", key), f"before_after_{key}", site.scorecard, drop=("indicator",), row_formats=card)
        if len(site.gaps):
            put(_tier_sheet("缺口", key), f"gaps_{key}", site.gaps)
        if len(site.uncoverable):
            put(_tier_sheet("无法覆盖", key), f"uncoverable_{key}", site.uncoverable)
        if len(site.excluded):
            put(_tier_sheet("排除的候选点", key), f"excluded_candidates_{key}", site.excluded,
                drop=("reason_zh", "reason_en"))  # the reason code reads as its label already


def report_tables(result: StudyResult, *, lang: str = "zh") -> dict[str, pd.DataFrame]:
    """The sheets of the workbook by name, as written: headers and values in ``lang``.

    Parameters
    ----------
    result : StudyResult
    lang : {"zh", "en"}

    Returns
    -------
    dict
        Sheet name -> table from :func:`~planner.reporting.labels.readable_table` (its
        ``attrs`` carry the column names and per-row formats that
        :func:`~planner.reporting.workbook_format.format_sheet` uses).
    """
    check_lang(lang)
    cov = result.coverage
    sheets: dict[str, pd.DataFrame] = {}

    def put(key_zh: str, key_en: str, frame: pd.DataFrame | None, **kw: object) -> None:
        if frame is not None:
            sheets[tr(lang, key_zh, key_en)] = readable_table(frame, lang, **kw)

    put("说明", "notes", notes_table(result, lang))
    put("指标评估", "scorecard", cov.scorecard, drop=("indicator",),
        row_formats=_scorecard_formats(lang, _gap_units(result)))
    put("优先序", "priority", priority_table(result))
    put("村社区", "settlements", with_facility_names(cov.settlements, cov.facilities))
    put("养老设施", "facilities", cov.facilities)
    put("乡镇街道", "townships", cov.by_township)
    put("县", "counties", cov.by_county)
    put("区域中心", "centres", cov.centres)
    put("无中心乡镇", "townships_without_centre", cov.townships_without_centre)
    _siting_tables(result, lang, put)
    for key, msg in dict(getattr(result, "siting_errors", {}) or {}).items():
        put(_tier_sheet("选址未完成", key), f"siting_failed_{key}", pd.DataFrame({"reason": [msg]}))
    sheets.update(access_sheets(result, lang=lang))
    sheets.update(scenario_sheets(result, lang=lang))
    problems = result.data.report.to_frame(lang)
    if len(problems):
        put("数据问题", "data_problems", problems.rename(columns={"value": "cell_value"}))
    return sheets


def _sheet_name(name: str, taken: set[str]) -> str:
    """``name`` as Excel allows a sheet name: no ``[]:*?/\\``, at most 31 characters, unique."""
    base = _BAD_SHEET_CHARS.sub("_", str(name))[:31] or "sheet"
    out, i = base, 2
    while out.lower() in taken:
        suffix = f"_{i}"
        out, i = base[: 31 - len(suffix)] + suffix, i + 1
    taken.add(out.lower())
    return out


def write_workbook(result: StudyResult, path: str | Path, *, lang: str = "zh",
                   extra_sheets: Mapping[str, pd.DataFrame] | None = None) -> Path:
    """Write the Excel workbook: notes, scorecard, priority list, coverage tables, proposed sites.

    Parameters
    ----------
    result : StudyResult
    path : str or Path
        The ``.xlsx`` file; replaced when it exists.
    lang : {"zh", "en"}
        Language of the sheet names, headers and values.
    extra_sheets : mapping, optional
        More sheets, name -> frame, written after the planner's own and after those of
        :data:`SHEET_HOOKS` (see the module docstring).

    Returns
    -------
    Path
    """
    check_lang(lang)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sheets = report_tables(result, lang=lang)
    extras: dict[str, pd.DataFrame] = {}
    for hook in SHEET_HOOKS:
        extras.update(hook(result, lang))
    extras.update(extra_sheets or {})
    for name, frame in extras.items():
        sheets[name] = frame if "keys" in frame.attrs else readable_table(frame, lang)
    taken: set[str] = set()
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        for name, frame in sheets.items():
            sheet = _sheet_name(name, taken)
            guard_text_cells(frame, what=f"{path.name}, sheet {sheet}", quote_formulas=False).to_excel(
                xw, sheet_name=sheet, index=False)
            ws = xw.sheets[sheet]
            make_text_cells(ws)  # text from data that starts with "=" stays text
            format_sheet(ws, frame, lang)
    return path
