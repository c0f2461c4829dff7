"""Province-scale benchmark (issue #13): a SYNTHETIC province through ``planner.multi`` on a Dask LocalCluster.

The province (``province_data.write_province``; every file synthetic) is N
copies of the synthetic demo county (4 seeded variants) tiled on a grid, 13
synthetic cities, its roads in ONE ``.osm.pbf``.  The benchmark runs the
multi-county pipeline as ``planner run`` does, stage by stage:

1. ``load_study``: every input file read and checked once;
2. ``load_network``: the province ``.osm.pbf`` read once into flat arrays (no networkx graph);
3. ``partition_study``: one task per county (the buffer rule);
4. ``run_partition`` on a LocalCluster of 1 and of 2 workers: each county's roads clipped on the worker
   (graph), coverage, access, siting, scorecard, and its map / report / workbook / GeoPackage written;
5. ``write_multi_outputs``: the county / city / province scorecards and summary workbook.

It prints each stage's time, the per-county stage times (mean and max over counties), the peak RSS of
every Dask worker (psutil, sampled every 0.2 s) and of the driver, the speed-up of 2 workers over 1, the
measured cost of one county and the national estimate with its arithmetic, and the cost of the partition
buffer: one county run with per-profile buffers (each profile's graph on the roads within its own buffer),
with the single largest buffer (the 60-minute drive's) for every profile, and with its own roads only.

Usage::

    PYTHONPATH=$PWD python benchmarks/bench_province.py --counties 6
    PYTHONPATH=$PWD python benchmarks/bench_province.py            # 122 counties (full size)
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

from province_data import write_province  # noqa: E402

NATIONAL_COUNTIES = 2800
PROVINCE_COUNTIES = 122
GB = 1024.0**3
STAGES = ("network", "coverage", "access", "siting", "scenarios", "write", "total")


class RssSampler:
    """Peak resident memory of some processes, sampled in a background thread."""

    def __init__(self, pids: dict[str, int], every_s: float = 0.2) -> None:
        self.pids, self.every_s = pids, every_s
        self.peak = dict.fromkeys(pids, 0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        procs = {k: psutil.Process(p) for k, p in self.pids.items()}
        while not self._stop.is_set():
            for k, proc in procs.items():
                try:
                    self.peak[k] = max(self.peak[k], proc.memory_info().rss)
                except psutil.Error:
                    pass
            self._stop.wait(self.every_s)

    def _cpu(self) -> dict[str, float]:
        out = {}
        for k, p in self.pids.items():
            try:
                t = psutil.Process(p).cpu_times()
                out[k] = t.user + t.system
            except psutil.Error:
                out[k] = float("nan")
        return out

    def __enter__(self) -> RssSampler:
        self._cpu0 = self._cpu()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        end = self._cpu()
        self.cpu_s = {k: end[k] - self._cpu0[k] for k in self.pids}


def _rss_gb() -> float:
    return psutil.Process().memory_info().rss / GB


def _timed(label: str, fn, *args, **kwargs):  # noqa: ANN001, ANN202
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    dt = time.perf_counter() - t0
    print(f"  {label:<44s} {dt:8.1f} s   (driver RSS {_rss_gb():.2f} GB)", flush=True)
    return out, dt


def prepare(args: argparse.Namespace, folder: Path) -> Path:
    """Write the synthetic province and print its size."""
    print(f"== SYNTHETIC province: {args.counties} copies of the synthetic demo county (not real data) ==")
    sizes, dt = _timed("writing the synthetic input (not timed below)", write_province, folder, args.counties,
                       scale=args.scale, facility_scale=args.facility_scale, variants=args.variants,
                       scenarios=args.scenarios)
    print(f"  roads: {sizes['nodes']:,} OSM nodes, {sizes['ways']:,} ways in one .osm.pbf "
          f"({(folder / 'roads' / 'province.osm.pbf').stat().st_size / 1e6:.1f} MB)")
    print(f"  settlements {sizes['settlements']:,} (villages {sizes['villages']:,}), facilities "
          f"{sizes['facilities']:,}, townships/streets {sizes['townships']:,}, candidate sites "
          f"{sizes['candidates']:,}, exclusion zones {sizes['exclusion_zones']:,}")
    return sizes["toml"]


def load_and_split(toml: Path, county_outputs: tuple[str, ...] | None = None):  # noqa: ANN201
    """Stages 1-3 on the driver (``county_outputs``: each county's files, default all)."""
    import dataclasses

    from planner.config import load_config
    from planner.data import load_study
    from planner.multi import partition_study
    from planner.network import load_network

    print("== load once, read the roads once, split by county (driver) ==")
    config = load_config(toml)
    if county_outputs is not None:
        config = config.replace(execution=dataclasses.replace(config.execution, county_outputs=county_outputs))
    print("  each county writes: " + (", ".join(config.execution.county_outputs) or "nothing (summary only)"))
    data, t_load = _timed("load_study (all inputs read and checked)", load_study, config)
    network, t_net = _timed("load_network (province .osm.pbf, no networkx)", load_network, data.config,
                            data.study_area)
    print(f"  network: {network.n_nodes:,} nodes, {network.n_segments:,} segments")
    part, t_split = _timed("partition_study (tasks, buffer rule)", partition_study, data, network)
    print(f"  {len(part.tasks)} counties, roads clipped {part.buffer_m / 1000:.1f} km around each county; per "
          "profile " + ", ".join(f"{k} {v / 1000:.1f} km" for k, v in part.buffers_m.items()))
    return part, {"load_study": t_load, "load_network": t_net, "partition": t_split}


def run_on(part, n_workers: int, out_dir: Path) -> dict:  # noqa: ANN001
    """Stages 4-5 on a LocalCluster of ``n_workers``: times, per-county stages, peak memory."""
    from planner.multi import dask_client, run_partition, write_multi_outputs

    print(f"== {n_workers} worker(s): every county on a Dask LocalCluster (machine load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores) ==")
    t0 = time.perf_counter()
    with dask_client(part.config, n_workers=n_workers) as client:
        start = time.perf_counter() - t0
        pids = client.run(os.getpid)
        with RssSampler({**pids, "driver": os.getpid()}) as sampler:
            result, t_run = _timed(f"run_partition ({len(part.tasks)} counties, outputs written)", run_partition,
                                   part, client, site=True, out_dir=out_dir)
            _, t_sum = _timed("write_multi_outputs (province summary)", write_multi_outputs, result, out_dir)
    print(f"  LocalCluster start-up {start:.1f} s; load average after {os.getloadavg()[0]:.1f}; "
          f"failed counties: {len(result.failures)}"
          + (f" {dict(result.failures)}" if result.failures else ""))
    per = {s: np.array([o.timings.get(s, 0.0) for o in result.outcomes.values()]) for s in STAGES}
    print("  per county (seconds, in the worker):  " + "  ".join(
        f"{s} {per[s].mean():.2f}/{per[s].max():.2f}" for s in STAGES) + "   (mean/max)")
    peaks = {k: v / GB for k, v in sampler.peak.items()}
    workers = [v for k, v in peaks.items() if k != "driver"]
    cpu = sum(v for k, v in sampler.cpu_s.items() if k != "driver")
    print(f"  CPU time of the workers over the run: {cpu:.1f} s = {cpu / len(part.tasks):.2f} CPU-s per county "
          "(the cost on a core of its own, whatever else runs on the machine)")
    print("  peak RSS per worker: " + ", ".join(f"{v:.2f} GB" for v in workers)
          + f"; driver {peaks['driver']:.2f} GB")
    return {"run": t_run, "summary": t_sum, "per_county": per, "peak": max(workers), "n": len(result.outcomes),
            "cpu": cpu / len(part.tasks),
            "result": result}


def buffer_cost(part, repeat: int = 1) -> None:  # noqa: ANN001
    """One county with per-profile buffers, with the largest buffer for all, with its own roads only.

    Own roads only: 3 x snap + longest segment.  The best of ``repeat`` runs of each (the cores are shared).
    """
    from planner.multi import run_county
    from planner.multi.partition import _rules

    print("== cost of the partition buffer (one county, in the driver process; best of "
          f"{repeat} run(s) each) ==")
    print("  buffer per profile: " + ", ".join(f"{k} {v / 1000:.1f} km" for k, v in part.buffers_m.items()))
    task = part.tasks[len(part.tasks) // 2]  # a county in the middle of the grid: neighbours on every side
    snap = max(max(p.max_snap_m_urban, p.max_snap_m_rural) for _, p, _, _ in _rules(part.config))
    own = 3.0 * snap + float(np.max(part.network.length_m))
    cases = (("per-profile buffers", part.buffer_m, dict(part.buffers_m)),
             ("single largest buffer", part.buffer_m, dict.fromkeys(part.buffers_m, part.buffer_m)),
             ("own roads only", own, dict.fromkeys(part.buffers_m, own)))
    tasks = {label: dataclasses.replace(task, buffer_m=buf, buffers_m=bufs) for label, buf, bufs in cases}
    run_county(tasks["own roads only"], part.network, site=True)  # warm-up: imports, numba caches (not timed)
    best: dict[str, tuple[float, object]] = {}
    cpu: dict[str, float] = {}
    for _ in range(repeat):  # the cases in turn, so that a change of the machine's load hits each of them
        for label, buf, _bufs in cases:
            c0 = time.process_time()
            out, dt = _timed(f"{label} (clip {buf / 1000:.1f} km)", run_county, tasks[label], part.network, site=True)
            cpu[label] = min(cpu.get(label, np.inf), time.process_time() - c0)
            if label not in best or dt < best[label][0]:
                best[label] = (dt, out)
    for label, _buf, _bufs in cases:
        dt, out = best[label]
        print(f"  {label}: best {dt:.2f} s wall, {cpu[label]:.2f} CPU-s; segments {out.n_segments:,} clipped, "
              "per profile "
              + ", ".join(f"{k} {n:,}" for k, n in out.profile_segments.items())
              + f"; clip + graphs {out.timings['network']:.2f} s, coverage {out.timings['coverage']:.2f} s, "
              f"access {out.timings['access']:.2f} s, siting {out.timings['siting']:.2f} s")


def connected_buffer_cost(folder: Path, repeat: int) -> int:
    """The buffer comparison on the two-county demo (connected roads, the plan's 60-minute county tier)."""
    from planner.config import load_config
    from planner.demo.two_counties import write_two_county_demo
    from planner.multi import plan_counties

    print("== SYNTHETIC two-county demo (one connected road network, 80 km wide; the plan's thresholds) ==")
    part = plan_counties(load_config(write_two_county_demo(folder)))
    print(f"  network: {part.network.n_nodes:,} nodes, {part.network.n_segments:,} segments")
    buffer_cost(part, repeat=repeat)
    return 0


def report(runs: dict[int, dict], driver: dict, n_counties: int, n_province: int) -> None:
    """Speed-up, totals against the targets, and the national estimate with its arithmetic."""
    print("== summary ==")
    front = sum(driver.values())
    for w, r in runs.items():
        total = front + r["run"] + r["summary"]
        print(f"  {w} worker(s): {n_counties} counties end to end {total:.1f} s = load/read/split "
              f"{front:.1f} + counties {r['run']:.1f} + summary {r['summary']:.1f}; "
              f"peak worker RSS {r['peak']:.2f} GB (target < 8 GB)")
        if n_counties < n_province:
            est = front + r["run"] * n_province / n_counties + r["summary"]
            print(f"    whole province of {n_province} counties on {w} worker(s), estimated: {front:.1f} + "
                  f"{r['run']:.1f} x {n_province} / {n_counties} + {r['summary']:.1f} = {est:.0f} s (target < 600 s)")
        elif n_province < PROVINCE_COUNTIES:
            est = (front + r["run"]) * PROVINCE_COUNTIES / n_province + r["summary"]
            print(f"    {PROVINCE_COUNTIES} counties on {w} worker(s), linear extrapolation: ({front:.1f} + "
                  f"{r['run']:.1f}) x {PROVINCE_COUNTIES} / {n_province} + {r['summary']:.1f} = {est:.0f} s "
                  "(target < 600 s)")
        else:
            print(f"    target < 600 s: {'met' if total < 600 else 'NOT met'}")
    if 1 in runs and 2 in runs:
        print(f"  speed-up of 2 workers over 1: {runs[1]['run']:.1f} / {runs[2]['run']:.1f} = "
              f"{runs[1]['run'] / runs[2]['run']:.2f}x (counties stage)")
    w = max(runs)
    r = runs[w]
    cost = r["run"] * w / n_counties
    print(f"  measured cost of one county: counties stage {r['run']:.1f} s x {w} worker(s) / {n_counties} counties "
          f"= {cost:.2f} worker-seconds (mean in-worker total {r['per_county']['total'].mean():.2f} s)")
    cpu = min(x["cpu"] for x in runs.values())
    print(f"  CPU cost of one county: {cpu:.2f} CPU-s (worker CPU time / counties; the least over the runs)")
    for label, c in (("wall", cost), ("CPU", cpu)):
        for workers in (2, 64, 512):
            est = NATIONAL_COUNTIES * c / workers
            print(f"  national estimate ({label}): {NATIONAL_COUNTIES} counties x {c:.2f} s / {workers} workers = "
                  f"{est:,.0f} s ({est / 3600:.2f} h), plus reading each province's roads once")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark (see the module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--counties", type=int, default=122, help="counties of the synthetic province (122)")
    ap.add_argument("--scale", type=float, default=0.53,
                    help="fraction of each county's villages kept (0.53: ~14,000 villages)")
    ap.add_argument("--facility-scale", type=float, default=0.33,
                    help="fraction of each county's village-tier facilities kept (0.33: ~10,000 facilities)")
    ap.add_argument("--variants", type=int, default=4, help="distinct seeded demo counties tiled (4)")
    ap.add_argument("--workers", default="1,2", help="LocalCluster sizes to run, comma-separated (1,2)")
    ap.add_argument("--scenarios", action="store_true", help="keep the demo's winter / after-siting scenarios")
    ap.add_argument("--run-counties", type=int, default=0,
                    help="run only this many counties (spread over the grid) after loading the whole province; "
                         "the province time is then extrapolated from their cost (0: all)")
    ap.add_argument("--no-buffer-cost", action="store_true", help="skip the one-county buffer comparison")
    ap.add_argument("--county-outputs", default="all",
                    help="each county's own files: 'all' (map, report, workbook, geopackage, csv) or a comma list "
                         "such as map,report ([execution] county_outputs)")
    ap.add_argument("--buffer-repeat", type=int, default=3, help="runs of each buffer case (the best is kept)")
    ap.add_argument("--connected", action="store_true",
                    help="only the buffer comparison, on the two-county demo with the plan's thresholds: one "
                         "connected road network, so the roads beyond a county's border are reachable")
    ap.add_argument("--dir", type=Path, default=None, help="work folder (default: a temporary one, removed)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "error")  # the workers' processes too
    for name in ("distributed", "dask", "planner"):
        logging.getLogger(name).setLevel(logging.ERROR)
    folder = args.dir or Path(tempfile.mkdtemp(prefix="bench_province_"))
    try:
        if args.connected:
            return connected_buffer_cost(folder, repeat=args.buffer_repeat)
        toml = prepare(args, folder / "input")
        outputs = None if args.county_outputs == "all" else tuple(x for x in args.county_outputs.split(",") if x)
        part, driver = load_and_split(toml, outputs)
        whole = part
        n_province = len(part.tasks)
        if 0 < args.run_counties < n_province:
            pick = np.linspace(0, n_province - 1, args.run_counties).round().astype(int)
            part = dataclasses.replace(part, tasks=tuple(part.tasks[i] for i in pick))
            print(f"  running {len(part.tasks)} of the {n_province} counties (spread over the grid); the province "
                  "is extrapolated from them")
        runs = {}
        for w in (int(x) for x in args.workers.split(",")):
            runs[w] = run_on(part, w, folder / f"out_{w}")
        if not args.no_buffer_cost:
            buffer_cost(whole, repeat=args.buffer_repeat)  # a county in the middle of the whole grid
        report(runs, driver, len(part.tasks), n_province)
    finally:
        if args.dir is None:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
