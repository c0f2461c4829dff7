"""Validation problems and the report that lists every one of them.

Loading a study never stops at the first bad value.  Every check adds a
:class:`Problem` (file, row, column, value, a code, what is wrong and how to
fix it) to a :class:`ProblemLog`; at the end the log becomes one frozen
:class:`ValidationReport`, which also holds a :class:`LayerSummary` per input
layer (rows read, rows kept, rows excluded and why).  Nothing is dropped
silently: every excluded row is counted under a reason and has a problem.

Severity
--------
``"error"``: the row is excluded (row problems) or the layer is unusable
(layer problems, ``row is None``).  ``"warning"``: the row is kept, possibly
with a value treated as unknown or corrected (e.g. swapped longitude and
latitude); a ``strict`` study turns warnings into errors.

Problem codes
-------------
The members of :class:`planner.codes.DataProblem` (``FILE_NOT_FOUND``,
``MISSING_COLUMNS``, ``OUTSIDE_STUDY_AREA``...); :data:`REASONS` holds their labels.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from planner.codes import DataProblem
from planner.errors import InputError
from planner.i18n import check_lang, tr

__all__ = [
    "Problem",
    "LayerSummary",
    "ValidationReport",
    "ProblemLog",
    "REASONS",
]

#: Short labels of problem codes (zh, en), used in layer summaries (from :class:`planner.codes.DataProblem`).
REASONS: dict[str, tuple[str, str]] = {m.value: (m.zh, m.en) for m in DataProblem}

_SEVERITIES = ("error", "warning")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input.

    Parameters
    ----------
    file
        The file (as named in the config), or the layer name when there is no file.
    row
        1-based row as the user sees it: the line number in a CSV (header =
        line 1), the row number in Excel, the feature number in a vector
        file.  ``None`` for problems of the whole layer.
    column
        The column (as named in the file) or ``None``.
    value
        The offending value as text (``None`` when not about one value).
    code
        Machine-readable code: a :class:`~planner.codes.DataProblem` member (or its name).
    message, fix
        What is wrong and how to fix it, in Chinese.
    severity
        ``"error"`` (row excluded / layer unusable) or ``"warning"``.
    message_en, fix_en
        The same in English.
    """

    file: str
    row: int | None
    column: str | None
    value: str | None
    code: str
    message: str
    fix: str
    severity: str = "error"
    message_en: str = ""
    fix_en: str = ""

    def __post_init__(self) -> None:
        if self.severity not in _SEVERITIES:
            raise InputError(f"severity must be 'error' or 'warning', not {self.severity!r}")

    @property
    def is_error(self) -> bool:
        """True for error-severity problems."""
        return self.severity == "error"

    def text(self, lang: str = "zh") -> str:
        """One readable line: where, what, and the fix."""
        where = [self.file]
        if self.row is not None:
            where.append(tr(lang, f"第 {self.row} 行", f"row {self.row}"))
        if self.column is not None:
            where.append(tr(lang, f"列「{self.column}」", f"column '{self.column}'"))
        if self.value is not None:
            where.append(tr(lang, f"值「{self.value}」", f"value '{self.value}'"))
        sev = tr(lang, "错误" if self.is_error else "警告", "ERROR" if self.is_error else "WARNING")
        msg = tr(lang, self.message, self.message_en or self.message)
        fix = tr(lang, self.fix, self.fix_en or self.fix)
        sep = tr(lang, "，", ", ")
        return f"[{sev}] {sep.join(where)}: {msg} " + tr(lang, f"修改方法：{fix}", f"Fix: {fix}")


@dataclass(frozen=True)
class LayerSummary:
    """What happened to one input layer.

    Parameters
    ----------
    file
        The file (or layer name when absent).
    layer
        The planner's layer name (``facilities``, ``settlements``, ``townships``...).
    rows_read, rows_kept
        Rows (features) read and kept.
    excluded
        Excluded rows per reason code; sums to ``rows_read - rows_kept``.
    encoding
        Text encoding used (``utf-8``, ``utf-8-sig``, ``gbk``, ``gb18030``), or ``None``.
    crs
        The coordinate system the coordinates were read in.
    flagged
        Kept rows with a warning (a value treated as unknown or corrected, a suspicious value),
        per warning code.
    """

    file: str
    layer: str
    rows_read: int
    rows_kept: int
    excluded: Mapping[str, int] = field(default_factory=dict)
    encoding: str | None = None
    crs: str | None = None
    flagged: Mapping[str, int] = field(default_factory=dict)

    def text(self, lang: str = "zh") -> str:
        """One readable line: rows read, kept, excluded and why."""
        n_ex = self.rows_read - self.rows_kept
        reasons = tr(lang, "，", ", ").join(
            f"{_reason(code, lang)} {n}" for code, n in sorted(self.excluded.items())
        )
        extra = []
        if self.encoding:
            extra.append(tr(lang, f"编码 {self.encoding}", f"encoding {self.encoding}"))
        if self.crs:
            extra.append(tr(lang, f"坐标系 {self.crs}", f"CRS {self.crs}"))
        if extra:
            tail = tr(lang, f"（{'；'.join(extra)}）", f" ({'; '.join(extra)})")
        else:
            tail = ""
        ex = tr(lang, f"排除 {n_ex} 行", f"excluded {n_ex}")
        if n_ex:
            ex += f"（{reasons}）" if lang == "zh" else f" ({reasons})"
        if self.flagged:
            warned = tr(lang, "，", ", ").join(
                f"{_reason(code, lang)} {n}" for code, n in sorted(self.flagged.items()))
            ex += tr(lang, f"；保留但有警告：{warned}", f"; kept with warnings: {warned}")
        return tr(
            lang,
            f"{_LAYER_ZH.get(self.layer, self.layer)}「{self.file}」：读取 {self.rows_read} 行，"
            f"保留 {self.rows_kept} 行，{ex}{tail}",
            f"{self.layer} '{self.file}': read {self.rows_read}, kept {self.rows_kept}, {ex}{tail}",
        )


_LAYER_ZH = {
    "facilities": "设施", "settlements": "村/社区", "townships": "乡镇边界", "counties": "县界",
    "candidates": "候选点", "exclusion_zones": "禁建区",
}


def _reason(code: str, lang: str) -> str:
    zh, en = REASONS.get(code, (code, code))
    return tr(lang, zh, en)


@dataclass(frozen=True)
class ValidationReport:
    """Every problem found while loading a study, and a summary per layer."""

    problems: tuple[Problem, ...] = ()
    layers: tuple[LayerSummary, ...] = ()

    @property
    def errors(self) -> tuple[Problem, ...]:
        """Error-severity problems."""
        return tuple(p for p in self.problems if p.is_error)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        """Warning-severity problems."""
        return tuple(p for p in self.problems if not p.is_error)

    @property
    def ok(self) -> bool:
        """True when there is no error-severity problem."""
        return not self.errors

    def codes(self) -> Counter:
        """Number of problems per code."""
        return Counter(p.code for p in self.problems)

    def layer(self, name: str) -> LayerSummary | None:
        """The summary of the layer called ``name`` (None if it was not read)."""
        for s in self.layers:
            if s.layer == name:
                return s
        return None

    def strict(self) -> ValidationReport:
        """The same report with every warning turned into an error."""
        return replace(self, problems=tuple(replace(p, severity="error") for p in self.problems))

    def sorted_problems(self) -> list[Problem]:
        """Problems grouped by file (in the order files were read), layer problems first, then by row."""
        order: dict[str, int] = {}
        for p in self.problems:
            order.setdefault(p.file, len(order))
        return sorted(self.problems, key=lambda p: (order[p.file], -1 if p.row is None else p.row))

    def to_frame(self, lang: str = "zh") -> pd.DataFrame:
        """One row per problem: file, row, column, value, code, severity, message, fix."""
        check_lang(lang)
        rows = [
            {
                "file": p.file,
                "row": p.row,
                "column": p.column,
                "value": p.value,
                "code": p.code,
                "severity": p.severity,
                "message": tr(lang, p.message, p.message_en or p.message),
                "fix": tr(lang, p.fix, p.fix_en or p.fix),
            }
            for p in self.problems
        ]
        frame = pd.DataFrame(
            rows, columns=["file", "row", "column", "value", "code", "severity", "message", "fix"]
        )
        frame["row"] = frame["row"].astype("Int64")
        return frame

    def format(self, lang: str = "zh") -> str:
        """The whole report as readable text (Chinese by default)."""
        check_lang(lang)
        lines = [tr(lang, "数据检查报告", "Data validation report")]
        if self.layers:
            lines.append(tr(lang, "图层：", "Layers:"))
            lines += ["  " + s.text(lang) for s in self.layers]
        n_err, n_warn = len(self.errors), len(self.warnings)
        if not self.problems:
            lines.append(tr(lang, "未发现问题。", "No problems found."))
        else:
            lines.append(
                tr(lang, f"问题：{n_err} 个错误，{n_warn} 个警告", f"Problems: {n_err} errors, {n_warn} warnings")
            )
            lines += ["  " + p.text(lang) for p in self.sorted_problems()]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.format("zh")


class ProblemLog:
    """Mutable collector used while loading; :meth:`report` freezes it."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.layers: list[LayerSummary] = []

    def add(
        self,
        file: str,
        row: int | None,
        column: str | None,
        value: Any,
        code: str,
        message: str,
        fix: str,
        *,
        severity: str = "error",
        message_en: str = "",
        fix_en: str = "",
    ) -> Problem:
        """Record one problem and return it."""
        p = Problem(
            file=str(file),
            row=None if row is None else int(row),
            column=None if column is None else str(column),
            value=_value_text(value),
            code=code,
            message=message,
            fix=fix,
            severity=severity,
            message_en=message_en,
            fix_en=fix_en,
        )
        self.problems.append(p)
        return p

    def extend(self, problems: Iterable[Problem]) -> None:
        """Record problems made elsewhere."""
        self.problems.extend(problems)

    def summary(self, summary: LayerSummary) -> None:
        """Record a layer summary."""
        self.layers.append(summary)

    def report(self) -> ValidationReport:
        """The frozen report."""
        return ValidationReport(problems=tuple(self.problems), layers=tuple(self.layers))


def _value_text(value: Any) -> str | None:
    if value is None:
        return None
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
