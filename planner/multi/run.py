"""Running the counties of a study on Dask: a LocalCluster by default, or an existing scheduler.

No scheduling of our own: every county is one ``client.submit`` of
:func:`planner.multi.county.run_county` with ``retries`` (``execution.retries``,
1 by default); a county that fails every try is reported with its error while
the others finish.  The study's road arrays are scattered to every worker once
(``broadcast``) and each county's task (its polygon and points) is scattered on
its own; the worker cuts the county's roads from the shared arrays, so neither
the driver nor the task graph ever holds one copy of the roads per county.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from planner.errors import ConfigError

if TYPE_CHECKING:
    from distributed import Client

    from planner.config import StudyConfig
    from planner.multi.partition import Partition
    from planner.multi.result import MultiResult

__all__ = ["dask_client", "run_partition", "run_multi_study", "plan_counties"]

logger = logging.getLogger(__name__)


@contextlib.contextmanager
def dask_client(config: StudyConfig, *, scheduler: str | None = None, n_workers: int | None = None,
                processes: bool = True) -> Iterator[Client]:
    """A Dask client: on ``scheduler`` (argument, else ``execution.scheduler``), else on a new LocalCluster.

    Parameters
    ----------
    config
        The study configuration (``[execution]``: scheduler, n_workers, memory_limit_gb).
    scheduler
        ``tcp://host:port`` of a running scheduler; overrides the config.
    n_workers
        Workers of the LocalCluster (one thread each); overrides the config; 0: one per core.
    processes
        LocalCluster workers in their own processes (True) or as threads of this one.

    Yields
    ------
    distributed.Client
        Closed (and the LocalCluster shut down) on exit.
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise ConfigError("running counties in parallel needs dask.distributed. Fix: pip install "
                          "\"dask[distributed]>=2024.1\"") from exc
    ex = config.execution
    address = scheduler or ex.scheduler
    if address:
        logger.info("connecting to the Dask scheduler at %s", address)
        try:
            client = Client(address, timeout="20s")
        except OSError as exc:
            raise ConfigError(f"cannot reach the Dask scheduler at {address}: {exc}. Fix: start it "
                              "(dask scheduler) or correct --scheduler / execution.scheduler") from exc
        with client:
            _log_dashboard(client)
            yield client
        return
    import os

    workers = int(n_workers if n_workers is not None else ex.n_workers) or (os.cpu_count() or 1)
    memory: Any = f"{ex.memory_limit_gb}GB" if ex.memory_limit_gb else "auto"
    logger.info("starting a local Dask cluster: %d worker(s), one thread each, memory limit %s per worker",
                workers, memory)
    # one thread per worker for the searches and circle drawing too (numba would take every core in each)
    extra: dict[str, Any] = {"env": {"NUMBA_NUM_THREADS": "1"}} if processes else {}
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=processes, memory_limit=memory,
                      dashboard_address=":0", **extra) as cluster, Client(cluster) as client:
        _log_dashboard(client)
        yield client


def _log_dashboard(client: Client) -> None:
    link = getattr(client, "dashboard_link", None)
    if link:
        logger.info("Dask dashboard: %s", link)


def plan_counties(config: StudyConfig, *, strict: bool | None = None, verbose: bool = False) -> Partition:
    """Load the study's files once, read its road file once, and split both by county.

    Parameters
    ----------
    config
        The study configuration, with a county boundary layer of several counties.
    strict, verbose
        As for :func:`planner.pipeline.run_study`.

    Returns
    -------
    Partition
    """
    from planner.data import load_study
    from planner.multi.partition import partition_study
    from planner.network import load_network

    data = load_study(config, strict=strict, verbose=verbose)
    network = load_network(data.config, data.study_area, verbose=verbose)
    return partition_study(data, network)


def run_partition(partition: Partition, client: Client, *, site: bool = True, out_dir: Any = None,
                  lang: str | None = None, verbose: bool = False) -> MultiResult:
    """Run every county of ``partition`` on ``client``; collect the outcomes and the failures.

    Parameters
    ----------
    partition
        :func:`planner.multi.partition_study` / :func:`plan_counties`.
    client
        A Dask client (:func:`dask_client`).
    site
        Also propose new sites in each county.
    out_dir
        The study's output folder (each county writes ``counties/<name>/`` inside it), or ``None``.
    lang
        Language of the outputs.
    verbose
        Show Dask's progress bar.

    Returns
    -------
    MultiResult
        Every county's outcome, the failed counties with their errors, and the aggregated scorecards.
    """
    from distributed import progress, wait

    from planner.multi.county import run_county
    from planner.multi.result import build_result

    retries = int(partition.config.execution.retries)
    t0 = time.perf_counter()
    # the road arrays go to every worker once; each county's task cuts its part there
    network = client.scatter(partition.network, broadcast=True, hash=False)
    futures = {}
    for task in partition.tasks:
        shipped = client.scatter(task, hash=False)
        futures[task.county] = client.submit(
            run_county, shipped, network, site=site, out_dir=None if out_dir is None else str(out_dir), lang=lang,
            key=f"county-{task.county}-{id(partition)}", retries=retries, pure=False,
        )
    if verbose:
        progress(list(futures.values()))
    wait(list(futures.values()))
    outcomes, failures = [], {}
    for county, fut in futures.items():
        if fut.status == "finished":
            outcomes.append(fut.result())
        else:
            exc = fut.exception()
            failures[county] = f"{type(exc).__name__}: {exc}"
            logger.error("county %s failed after %d retry(ies): %s", county, retries, failures[county])
    return build_result(partition, outcomes, failures, seconds=time.perf_counter() - t0,
                        workers=_n_workers(client))


def _n_workers(client: Client) -> int:
    """Workers of the cluster (newer Dask lists only the first few unless asked for all)."""
    try:
        info = client.scheduler_info(n_workers=-1)
    except TypeError:  # dask.distributed before 2025
        info = client.scheduler_info()
    return len(info.get("workers", {}))


def run_multi_study(config: StudyConfig, *, scheduler: str | None = None, n_workers: int | None = None,
                    processes: bool = True, site: bool = True, out_dir: Any = None, lang: str | None = None,
                    strict: bool | None = None, verbose: bool = False) -> MultiResult:
    """A study of several counties, end to end: load once, split, run each county on Dask, aggregate.

    Parameters
    ----------
    config
        The study configuration (county layer with several counties; ``[execution]``).
    scheduler, n_workers, processes
        Where to run (:func:`dask_client`).
    site, out_dir, lang, verbose
        As for :func:`run_partition`.
    strict
        Turn validation warnings into errors.

    Returns
    -------
    MultiResult
    """
    t0 = time.perf_counter()
    partition = plan_counties(config, strict=strict, verbose=verbose)
    load_s = time.perf_counter() - t0
    with dask_client(config, scheduler=scheduler, n_workers=n_workers, processes=processes) as client:
        result = run_partition(partition, client, site=site, out_dir=out_dir, lang=lang, verbose=verbose)
    return result.with_timing("load_and_split", load_s)
