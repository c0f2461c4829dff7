"""List a study workbook's sheets with their first rows, as Excel shows them (number formats applied).

Usage::

    python benchmarks/workbook_sheets.py                       # run the demo county, list its zh workbook
    python benchmarks/workbook_sheets.py --lang en --rows 2
    python benchmarks/workbook_sheets.py path/to/results.xlsx  # list an existing workbook

For each sheet: its name, size, frozen pane, filter range, then the header row and the first
``--rows`` rows, each cell written as its number format shows it (``55.3%``, ``1,319``,
``12.5``); widths are not shown.  This is the listing for the closing note of issue #14.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


def _shown(cell) -> str:
    """A cell roughly as Excel shows it."""
    from planner.reporting.workbook_format import _shown as shown

    v = cell.value
    if v is None:
        return ""
    fmt = cell.number_format if cell.number_format != "General" else None
    return shown(v, fmt)


def _demo_workbook(lang: str, folder: Path) -> Path:
    from planner.config import load_config
    from planner.demo import demo_config_path
    from planner.pipeline import run_study
    from planner.reporting import write_workbook

    t0 = time.perf_counter()
    result = run_study(load_config(demo_config_path()), site=True)
    t1 = time.perf_counter()
    path = write_workbook(result, folder / f"results_{lang}.xlsx", lang=lang)
    print(f"# demo study {t1 - t0:.1f} s, workbook written in {time.perf_counter() - t1:.1f} s, "
          f"{path.stat().st_size / 1024:.0f} KB")
    return path


def main() -> None:
    """List the sheets (see the module docstring)."""
    import openpyxl

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workbook", nargs="?", type=Path)
    ap.add_argument("--lang", default="zh", choices=("zh", "en"))
    ap.add_argument("--rows", type=int, default=2)
    ap.add_argument("--width", type=int, default=40, help="cut each cell to this many characters")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.workbook or _demo_workbook(args.lang, Path(tmp))
        book = openpyxl.load_workbook(path)
        for ws in book.worksheets:
            print(f"\n## {ws.title}  ({ws.max_row - 1} rows x {ws.max_column} columns; "
                  f"frozen {ws.freeze_panes}, filter {ws.auto_filter.ref})")
            for row in ws.iter_rows(min_row=1, max_row=1 + args.rows):
                print(" | ".join(_shown(c)[: args.width] for c in row))


if __name__ == "__main__":
    main()
