"""The workbook and the CSVs opened the way their readers open them (openpyxl, Excel's CSV reading)."""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
import openpyxl
import pandas as pd
import pytest

from planner.codes import CoverageReason, code_label
from planner.reporting import write_csvs, write_workbook
from planner.reporting.labels import (
    COLUMN_LABELS,
    OTHER_LANG_COLUMNS,
    POLICY_DOCUMENTS,
    column_header,
    readable_table,
    source_text,
    value_word,
)
from planner.reporting.workbook import SHEET_HOOKS, _sheet_name, register_sheets
from planner.reporting.workbook_format import INTEGER, MINUTES, PERCENT, number_format, text_width

CJK = re.compile(r"[\u4e00-\u9fff]")
EXTRA = pd.DataFrame({"township": ["甲镇", "乙乡"], "older_share": [0.5, 0.25], "county_time_min": [3.25, np.inf],
                      "community_covered": [True, False]})


@pytest.fixture(scope="module")
def books(demo_result, tmp_path_factory):
    """The demo's workbook in both languages (the Chinese one with an extra sheet), opened with openpyxl."""
    folder = tmp_path_factory.mktemp("wb")
    zh = write_workbook(demo_result, folder / "zh.xlsx", extra_sheets={"可达性": EXTRA})
    en = write_workbook(demo_result, folder / "en.xlsx", lang="en")
    return {"zh": openpyxl.load_workbook(zh), "en": openpyxl.load_workbook(en)}


def _header(ws) -> list[str]:
    return [c.value for c in ws[1]]


def _column(ws, header: str) -> list:
    j = _header(ws).index(header) + 1
    return [ws.cell(r, j) for r in range(2, ws.max_row + 1)]


# ----------------------------------------------------------------------------- labels (no study needed)

def test_every_label_is_unique_in_each_language():
    for i in (0, 1):
        counts = Counter(v[i] for v in COLUMN_LABELS.values())
        assert [k for k, n in counts.items() if n > 1] == []
    assert not any(CJK.search(en) for _, en in COLUMN_LABELS.values())
    assert all(CJK.search(zh) for zh, _ in COLUMN_LABELS.values())


def test_values_in_words():
    assert value_word("kind", "village", "zh") == "村" and value_word("kind", "community", "en") == "Community"
    assert value_word("met", True, "zh") == "是" and value_word("met", np.bool_(False), "en") == "No"
    assert value_word("reasons", "BEYOND_THRESHOLD;NO_TOWNSHIP_CENTRE", "zh") == (
        CoverageReason.BEYOND_THRESHOLD.zh + "；" + CoverageReason.NO_TOWNSHIP_CENTRE.zh)
    assert value_word("county_profile", "ebike", "zh") == "电动车"
    assert value_word("name", "village", "zh") == "village"  # names are data, never translated
    assert value_word("county_profile", "my_profile", "en") == "my_profile"


def test_policy_sources_read_as_document_titles():
    zh, en = source_text("002 规划指标体系; 001 §二(三)", "zh"), source_text("002 规划指标体系; 001 §二(三)", "en")
    assert zh.startswith(POLICY_DOCUMENTS["002"][0]) and POLICY_DOCUMENTS["001"][0] + "§二(三)" in zh
    assert en.startswith(POLICY_DOCUMENTS["002"][1]) and "规划" not in en
    assert not re.search(r"\b00\d\b", zh + en)


def test_readable_table_translates_and_keeps_the_keys():
    frame = pd.DataFrame({"kind": ["village", None], "county_time_min": [1.5, np.inf], "met": [True, False],
                          "text_zh": ["甲", "乙"], "text_en": ["a", "b"], "mystery": [1, 2]},
                         index=pd.Index(["V1", "V2"], name="settlement_id"))
    before = frame.copy()
    zh = readable_table(frame, "zh")
    assert list(zh.columns) == [column_header(c, "zh") for c in
                                ("settlement_id", "kind", "county_time_min", "met", "text_zh", "mystery")]
    assert zh.attrs["keys"][0] == "settlement_id" and "text_en" in OTHER_LANG_COLUMNS["zh"]
    assert zh.iloc[0, 1] == "村" and pd.isna(zh.iloc[1, 1]) and zh.iloc[:, 3].tolist() == ["是", "否"]
    assert zh.iloc[0, 2] == 1.5 and zh.iloc[1, 2] == "∞"  # unreachable reads as such, not as a number
    both = readable_table(frame, "en", drop_other_lang=False)
    assert {"Note", "Note (Chinese)"} <= set(both.columns)
    pd.testing.assert_frame_equal(frame, before)


def test_number_formats_follow_the_column_meaning():
    num = pd.Series([0.5, 0.25])
    assert number_format("older_share", num) == PERCENT and number_format("share", num) == PERCENT
    assert number_format("county_time_min", num) == MINUTES
    assert number_format("older_population", pd.Series([1318.95, 2.0])) == INTEGER
    assert number_format("settlements", pd.Series([3, 4])) == INTEGER
    assert number_format("name", pd.Series(["a", "b"])) is None
    assert number_format("snap_m", num) == INTEGER
    assert text_width("abc") == 3 and text_width("村社区") == 6


def test_sheet_names_are_valid_and_unique():
    taken: set[str] = set()
    names = [_sheet_name(n, taken) for n in ("a/b:c", "x" * 40, "x" * 40, "A/B:C")]
    assert names[0] == "a_b_c" and all(len(n) <= 31 for n in names) and len({n.lower() for n in names}) == 4


# ----------------------------------------------------------------------------- the demo's workbook

def test_every_sheet_has_frozen_filtered_unique_headers_in_its_language(books):
    for lang, book in books.items():
        for ws in book.worksheets:
            head = _header(ws)
            assert len(set(head)) == len(head), (lang, ws.title, head)
            assert ws.freeze_panes in ("A2", "B2"), ws.title
            assert ws.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(head))}{ws.max_row}"
            for h in head:
                assert bool(CJK.search(h)) == (lang == "zh"), (lang, ws.title, h)


def test_chinese_values_are_words(books, demo_result):
    book = books["zh"]
    sett = book["村社区"]
    assert {c.value for c in _column(sett, column_header("kind", "zh"))} == {"村", "社区"}
    assert {c.value for c in _column(sett, column_header("urban", "zh"))} == {"是", "否"}
    assert {c.value for c in _column(sett, column_header("community_profile", "zh"))} <= {"步行", "电动车", "驾车"}
    codes = set(CoverageReason.__members__)
    for ws in book.worksheets:
        for row in ws.iter_rows(min_row=2):
            for c in row:
                if isinstance(c.value, str):
                    assert c.value not in {"True", "False", "village", "community", "served", "under_served"}
                    assert not set(re.split(r"[;；]", c.value)) & codes, (ws.title, c.value)


def test_number_formats_widths_and_wrapping(books):
    sett = books["zh"]["村社区"]
    assert {c.number_format for c in _column(sett, column_header("older_population", "zh"))} == {INTEGER}
    times = [c for c in _column(sett, column_header("community_time_min", "zh")) if isinstance(c.value, float)]
    assert times and {c.number_format for c in times} == {MINUTES}
    town = books["zh"]["乡镇街道"]
    assert {c.number_format for c in _column(town, column_header("served_share", "zh"))} == {PERCENT}
    names = _column(sett, column_header("name", "zh"))
    j = _header(sett).index(column_header("name", "zh"))
    width = sett.column_dimensions[openpyxl.utils.get_column_letter(j + 1)].width
    assert width >= max(2 * len(c.value) for c in names)  # Chinese characters count double
    detail = _column(sett, column_header("reason_detail_zh", "zh"))
    assert any(c.alignment.wrap_text for c in detail)  # long explanations wrap instead of running off
    extra = books["zh"]["可达性"]
    assert _header(extra) == [column_header(c, "zh") for c in EXTRA.columns]
    assert {c.number_format for c in _column(extra, column_header("older_share", "zh"))} == {PERCENT}
    assert [c.value for c in _column(extra, column_header("county_time_min", "zh"))] == [3.25, "∞"]
    assert [c.value for c in _column(extra, column_header("community_covered", "zh"))] == ["是", "否"]


def test_scorecard_formats_and_gap_units_by_row(books, demo_result):
    ws = books["zh"]["指标评估"]
    card = demo_result.coverage.scorecard.reset_index(drop=True)
    value = _column(ws, column_header("value", "zh"))
    gap = _column(ws, column_header("gap", "zh"))
    for i, row in card.iterrows():
        if row["indicator"] == "total_beds":
            assert value[i].number_format == INTEGER
        elif row["indicator"] != "beds_per_1000_older":
            assert value[i].number_format == PERCENT, row["indicator"]
        if row["gap_unit"] == "villages" and not pd.isna(row["gap"]):
            assert "个村" in gap[i].number_format
        if row["gap_unit"] == "beds" and not pd.isna(row["gap"]):
            assert "张床位" in gap[i].number_format
    years = [c for c in _column(ws, column_header("due_year", "zh")) if c.value is not None]
    assert years and {c.number_format for c in years} == {"0"}  # 2025, not 2,025
    after = books["zh"]["建设前后_社区_村级"]
    village = card.index[card["indicator"] == "village_facility_coverage"][0]
    assert "个村" in _column(after, column_header("gap_before", "zh"))[village].number_format
    assert column_header("indicator", "zh") not in _header(ws)  # the internal code stays out
    en = _header(books["en"]["scorecard"])
    assert en.count("Indicator") == 1


def test_priority_sheet_is_in_priority_order_with_reasons_in_words(books, demo_result):
    sett = demo_result.coverage.settlements
    under = sett[sett["status"] == "under_served"]
    expected = under.assign(p=under["priority"].astype(float)).sort_values("p").index.tolist()
    ws = books["zh"]["优先序"]
    assert _header(ws)[0] == column_header("priority", "zh")
    ids = [c.value for c in _column(ws, column_header("settlement_id", "zh"))]
    assert ids == expected
    ranks = [c.value for c in _column(ws, column_header("priority", "zh"))]
    assert ranks == sorted(ranks) and ranks[0] == 1
    reasons = [c.value for c in _column(ws, column_header("reasons", "zh"))]
    first = under.loc[expected[0], "reasons"]
    assert reasons[0] == "；".join(code_label(c, "zh") for c in first.split(";") if c)


def test_notes_sheet_says_what_a_reader_needs(books, demo_result):
    for lang, name in (("zh", "说明"), ("en", "notes")):
        ws = books[lang].worksheets[0]
        assert ws.title == name
        text = "\n".join(" ".join(str(v) for v in row if v is not None) for row in ws.iter_rows(values_only=True))
        cfg = demo_result.config
        assert cfg.name in text and ("合成" in text if lang == "zh" else "Synthetic" in text)
        for key, tier in cfg.tiers.items():
            assert (tier.name_zh if lang == "zh" else tier.name_en) in text, key
        card = demo_result.coverage.scorecard
        for indicator in card[tr_col(lang)].unique():
            assert indicator in text
        for zh, en in POLICY_DOCUMENTS.values():
            assert (zh if lang == "zh" else en) in text
        n_est = int(demo_result.coverage.settlements["older_estimated"].sum())
        assert f"{n_est:,}" in text
        for layer in demo_result.data.report.layers:
            assert layer.file in text
        assert not re.search(r"(?<![\d,])00[0-4](?= )", text)  # no internal seed numbers


def tr_col(lang: str) -> str:
    return "name_zh" if lang == "zh" else "name_en"


def test_registered_sheet_hook_adds_a_formatted_sheet(demo_result, tmp_path):
    def hook(result, lang):
        return {"hooked": EXTRA[["township", "older_share"]]}

    register_sheets(hook)
    try:
        path = write_workbook(demo_result, tmp_path / "h.xlsx", lang="en")
    finally:
        SHEET_HOOKS.remove(hook)
    ws = openpyxl.load_workbook(path)["hooked"]
    assert _header(ws) == ["Township / street", column_header("older_share", "en")]
    assert ws.cell(2, 2).number_format == PERCENT and ws.freeze_panes


# ----------------------------------------------------------------------------- CSVs

def test_csvs_follow_the_language(demo_result, tmp_path):
    from planner.io import plain_table

    for lang in ("zh", "en"):
        folder = write_csvs(demo_result, tmp_path / lang, lang=lang)
        raw = (folder / "settlements.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        sett = pd.read_csv(folder / "settlements.csv", encoding="utf-8-sig")
        keys = list(plain_table(demo_result.coverage.settlements).columns)
        assert list(sett.columns) == [column_header(k, lang) for k in keys]
        kinds = set(sett[column_header("kind", lang)])
        assert kinds == ({"村", "社区"} if lang == "zh" else {"Village", "Community"})
        assert pd.api.types.is_numeric_dtype(sett[column_header("older_population", lang)])
        for h in sett.columns:
            assert bool(CJK.search(h)) == (lang == "zh"), h


def test_settlement_sheet_names_the_facilities_next_to_their_ids(books, demo_result):
    ws = books["zh"]["村社区"]
    head = _header(ws)
    names = demo_result.coverage.facilities["name"]
    for col in ("community_facility", "centre"):
        j = head.index(column_header(col, "zh"))
        assert head[j + 1] == column_header(f"{col}_name", "zh")
        pairs = [(ws.cell(r, j + 1).value, ws.cell(r, j + 2).value) for r in range(2, ws.max_row + 1)]
        assert any(fid for fid, _ in pairs)
        assert all(name == (names[fid] if fid else None) for fid, name in pairs)


def test_data_problems_sheet_names_the_problem_in_words(demo_result):
    import dataclasses

    from planner.codes import DataProblem
    from planner.data.validation import Problem, ValidationReport
    from planner.reporting import report_tables

    problem = Problem("settlements.csv", 12, "经度", "=1+1", DataProblem.SWAPPED_LON_LAT, "经纬度填反", "交换两列",
                      severity="warning", message_en="lon/lat swapped", fix_en="swap the columns")
    data = dataclasses.replace(demo_result.data, report=ValidationReport(problems=(problem,)))
    result = dataclasses.replace(demo_result, data=data)
    for lang in ("zh", "en"):
        sheet = report_tables(result, lang=lang)["数据问题" if lang == "zh" else "data_problems"]
        row = dict(zip(sheet.columns, sheet.iloc[0], strict=True))
        assert row[column_header("code", lang)] == DataProblem.SWAPPED_LON_LAT.label(lang)
        assert row[column_header("severity", lang)] == ("警告" if lang == "zh" else "warning")
        assert row[column_header("cell_value", lang)] == "=1+1" and row[column_header("row", lang)] == 12
        assert row[column_header("message", lang)] == ("经纬度填反" if lang == "zh" else "lon/lat swapped")
        notes = report_tables(result, lang=lang)["说明" if lang == "zh" else "notes"]
        caveat = notes[notes.iloc[:, 1] == DataProblem.SWAPPED_LON_LAT.label(lang)]
        assert len(caveat) == 1 and caveat.iloc[0, 2].startswith("1")  # counted in the caveats
