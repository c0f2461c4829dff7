"""``[execution]``: how a study of several counties is split and where its counties run.

A study whose county boundary layer (``inputs.boundaries_county``) holds more
than one county is run one county at a time (:mod:`planner.multi`): each
county is one task on a Dask cluster, a :class:`distributed.LocalCluster` on
this machine by default, or an existing cluster named by ``scheduler``.

Example::

    [execution]
    counties = ["桦南县", "汤原县"]     # rows of the county layer to run (default: all)
    cross_border = ["county"]          # tiers whose facilities may serve a neighbouring county
    n_workers = 2                      # 0: one worker per core
    memory_limit_gb = 4                # per worker; 0: the machine's memory shared out by Dask
    # scheduler = "tcp://10.0.0.5:8786"  # an existing cluster instead of a LocalCluster
    # area = "佳木斯市"                  # a city or "黑龙江省": counties from the packaged reference data
    # county_outputs = ["map", "report"] # each county's own files (default: all five)
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ExecutionConfig", "SPLIT_MODES", "COUNTY_OUTPUT_KINDS", "check_execution"]

#: The files a county of a multi-county study may write into its own folder (``county_outputs``),
#: as :data:`planner.pipeline.OUTPUT_FILES` names them.
COUNTY_OUTPUT_KINDS: tuple[str, ...] = ("map", "report", "workbook", "geopackage", "csv")

#: ``auto``: split when the county layer holds more than one county; ``counties``: always split
#: (also one county); ``none``: one whole-area run as before.
SPLIT_MODES: tuple[str, ...] = ("auto", "counties", "none")


@dataclass(frozen=True)
class ExecutionConfig:
    """How a multi-county study is split and run (the ranges are in :mod:`planner.config.checks`).

    Parameters
    ----------
    split
        ``"auto"`` (several counties in the county layer: one task per county), ``"counties"``
        (always per county) or ``"none"`` (one whole-area run).
    counties
        County names (rows of the county boundary layer) to run; empty: every county of the layer.
    cross_border
        Tiers (``county``, ``township``, ``community``) whose facilities in a neighbouring county
        may serve a county's settlements.  Default none: each county is served by its own
        facilities (administrative assignment); the roads of the neighbours are used either way.
    scheduler
        Address of an existing Dask scheduler (``tcp://host:8786``); ``None``: a LocalCluster.
    n_workers
        Workers of the LocalCluster (one thread each); 0: one per core.
    memory_limit_gb
        Memory limit of each LocalCluster worker in GB; 0: the machine's memory divided by the workers.
    retries
        How many times a failed county is run again before it is reported as failed.
    area
        A province (``"黑龙江省"``), city (``"佳木斯市"``) or county named instead of a county boundary file:
        the counties and their census 60+ totals come from the packaged reference data
        (:mod:`planner.data.named_area`; the name is checked when the study is loaded).
    county_outputs
        The files each county writes into its own folder, of :data:`COUNTY_OUTPUT_KINDS`
        (default all: map, report, workbook, GeoPackage, CSVs).  A province of 100+ counties may
        keep only ``["map", "report"]``: the summary workbook and CSVs at the top hold every
        county's scorecard, and a county's full set can be written later with a one-county run.
        An empty list writes no county files (the summary only).
    """

    split: str = "auto"
    counties: tuple[str, ...] = ()
    cross_border: tuple[str, ...] = ()
    scheduler: str | None = None
    n_workers: int = 0
    memory_limit_gb: float = 0.0
    retries: int = 1
    area: str | None = None
    county_outputs: tuple[str, ...] = COUNTY_OUTPUT_KINDS


def check_execution(execution: ExecutionConfig, tiers: tuple[str, ...], where: str, *,
                    county_file: object = None) -> None:
    """What the range table cannot say: ``cross_border`` names tiers, ``scheduler`` is an address.

    Raises
    ------
    ConfigError
        Naming the key, the value and the fix.
    """
    from planner.errors import ConfigError

    for tier in execution.cross_border:
        if tier not in tiers:
            raise ConfigError(f"{where}: execution.cross_border names {tier!r}, which is not a tier; allowed: "
                              f"{', '.join(map(repr, tiers))}. Fix: list tiers, e.g. cross_border = [\"county\"]")
    addr = execution.scheduler
    if addr is not None and "://" not in addr:
        raise ConfigError(f"{where}: execution.scheduler = {addr!r} is not a scheduler address. Fix: write "
                          "scheduler = \"tcp://<host>:8786\", or delete the key to run on this machine")
    for kind in execution.county_outputs:
        if kind not in COUNTY_OUTPUT_KINDS:
            raise ConfigError(f"{where}: execution.county_outputs names {kind!r}; allowed: "
                              f"{', '.join(map(repr, COUNTY_OUTPUT_KINDS))}. Fix: e.g. county_outputs = "
                              "[\"map\", \"report\"]")
    if len(set(execution.county_outputs)) != len(execution.county_outputs):
        raise ConfigError(f"{where}: execution.county_outputs = {list(execution.county_outputs)} names a file twice. "
                          "Fix: list each once")
    if execution.area is not None and county_file is not None:
        raise ConfigError(f"{where}: execution.area = {execution.area!r} and inputs.boundaries_county = "
                          f"{str(county_file)!r} both say where the counties are. Fix: delete one of them")
