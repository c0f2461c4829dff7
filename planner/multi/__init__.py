"""Studies of many counties: split by county, each county one Dask task, scorecards summed per city and study.

Above :mod:`planner.pipeline` (it runs the pipeline once per county): :func:`plan_counties` loads the
study's files and reads its road file once and cuts both by county (:mod:`~planner.multi.partition`, the
buffer rule); :func:`run_partition` runs the counties on a Dask client (:func:`dask_client`: a LocalCluster,
or ``--scheduler`` / ``execution.scheduler``); :func:`run_multi_study` does both; :func:`write_multi_outputs`
writes the per-county folders' index and the county / city / study scorecards.  See ``docs/multi_county.md``.
"""

from __future__ import annotations

from planner.multi.aggregate import STUDY, aggregate_scorecards, county_rows
from planner.multi.county import CountyOutcome, county_folder, run_county
from planner.multi.outputs import write_multi_outputs
from planner.multi.partition import (
    CountyTask,
    Partition,
    county_names,
    partition_buffer_m,
    partition_buffers_m,
    partition_study,
)
from planner.multi.result import MultiResult
from planner.multi.run import dask_client, plan_counties, run_multi_study, run_partition

__all__ = [
    "CountyTask", "Partition", "partition_buffer_m", "partition_buffers_m", "partition_study", "county_names",
    "CountyOutcome", "run_county", "county_folder",
    "MultiResult", "aggregate_scorecards", "county_rows", "STUDY",
    "dask_client", "plan_counties", "run_partition", "run_multi_study", "write_multi_outputs",
    "is_multi_county",
]


def is_multi_county(config) -> bool:  # noqa: ANN001 - typed in the docstring (import planner stays light)
    """Whether a study runs county by county: ``execution.split``, and for ``auto`` the county layer's rows.

    Parameters
    ----------
    config : planner.config.StudyConfig

    Returns
    -------
    bool
        ``split = "counties"``: True; ``"none"``: False; ``"auto"``: the county boundary file has more
        than one feature, or the area named by ``execution.area`` more than one county (an unreadable
        file: False, and the single-study run reports it).
    """
    mode = config.execution.split
    if mode != "auto":
        return mode == "counties"
    if config.execution.area:  # a named city or province: its packaged counties (planner.data.named_area)
        from planner.data import resolve_area

        where = str(config.source) if config.source is not None else "<config>"
        return len(resolve_area(config.execution.area, where=where).units) > 1
    path = config.inputs.boundaries_county.path
    if path is None:
        return False
    try:
        import pyogrio

        return int(pyogrio.read_info(path, layer=config.inputs.boundaries_county.layer)["features"]) > 1
    except Exception:  # noqa: BLE001 - the loader names what is wrong with the file
        return False
