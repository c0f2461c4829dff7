"""The top of a multi-county output folder: the counties' index and the scorecards per county, city and study.

Each county's own outputs (map, report, workbook, GeoPackage, CSVs) are written by
:func:`planner.pipeline.write_outputs` into ``counties/<name>/`` by the county's task.
This module writes, next to them, ``counties.csv`` (status and error of every county, its
folder), ``scorecard_county.csv``, ``scorecard_city.csv``, ``scorecard_study.csv``, with
scenarios ``scenario_scorecards.csv`` (the baseline beside each scenario, every level), and one
workbook ``summary.xlsx`` with a sheet per level (:mod:`planner.multi.province_book`), the report
``report.html`` (:mod:`planner.multi.province_report`), the overview map ``map.html``
(:mod:`planner.multi.province_map`), then the manifest ``outputs.json``.

The CSVs read like a county's (:func:`planner.multi.province_book.province_csv_tables`:
headers in the run's language with units, values in words, UTF-8 with BOM).  The
summary files are written into a staging folder and moved into place together
(:func:`planner.io.staged_outputs`): an error leaves the previous summary as it was,
never half of a new one; ``counties/`` is not touched.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

from planner.multi.result import MultiResult

__all__ = ["write_multi_outputs", "SUMMARY_FILES"]

logger = logging.getLogger(__name__)

#: Table -> (CSV name, its name in words); the workbook's sheets are planner.multi.province_book's.
SUMMARY_FILES = {
    "counties": ("counties.csv", "各县运行 counties"),
    "scorecard_county": ("scorecard_county.csv", "县级指标 county"),
    "scorecard_city": ("scorecard_city.csv", "市级指标 city"),
    "scorecard_study": ("scorecard_study.csv", "全域指标 study"),
    "scenario_scorecards": ("scenario_scorecards.csv", "情景对比 scenarios"),
}
#: The workbook of the summary tables.
SUMMARY_WORKBOOK = "summary.xlsx"


def write_multi_outputs(result: MultiResult, out_dir: str | Path, *, lang: str | None = None) -> dict[str, Path]:
    """Write the summary tables of a multi-county run at the top of its output folder.

    Parameters
    ----------
    result
        :func:`planner.multi.run_multi_study`'s result.
    out_dir
        The study's output folder (the counties' folders are inside it, under ``counties/``).
    lang
        Language of the workbook, report and map (default: the config's).

    Returns
    -------
    dict
        Table name (and ``workbook``, ``report``, ``map``, ``manifest``) -> path.
    """
    from planner.io import guard_text_cells, staged_outputs
    from planner.multi.province_book import province_csv_tables, write_province_workbook
    from planner.multi.province_map import write_province_map
    from planner.multi.province_report import write_province_report

    out = Path(out_dir)
    lang = lang or result.config.lang
    names: dict[str, str] = {}
    with staged_outputs(out) as stage:
        for name, frame in province_csv_tables(result, lang).items():
            csv_name, _ = SUMMARY_FILES[name]
            guard_text_cells(frame, what=csv_name).to_csv(stage / csv_name, index=False, encoding="utf-8-sig")
            names[name] = csv_name
        names["workbook"] = write_province_workbook(result, stage / SUMMARY_WORKBOOK, lang=lang).name
        names["report"] = write_province_report(result, stage, lang=lang, final_dir=out).name
        if result.boundaries is not None and len(result.boundaries):
            names["map"] = write_province_map(result, stage, lang=lang, final_dir=out).name
        manifest = {"study": result.config.name, "synthetic": bool(result.config.synthetic), "lang": lang,
                    "written": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                    "counties": {c: ("ok" if c in result.outcomes else "failed") for c in result.counties["county"]},
                    "failures": dict(result.failures),
                    "files": sorted(names.values()) + ["counties/"]}
        names["manifest"] = "outputs.json"
        (stage / names["manifest"]).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    paths = {kind: out / name for kind, name in names.items()}
    logger.info("summary of %d counties written to %s", len(result.counties), out)
    return paths
