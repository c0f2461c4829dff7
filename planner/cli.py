"""The ``planner`` command line.

::

    planner demo                      # the bundled synthetic demo county -> outputs/demo/
    planner run study.toml            # a user's study -> outputs/<name>/
    planner validate study.toml       # check the data only
    planner network study.toml        # build and cache the road graphs
    planner site study.toml           # propose new sites
    planner init --county 南岗区 --facilities 设施.xlsx --roads extract.osm.pbf   # a real county's study folder

User errors print one clear message and exit with status 2; ``--debug``
shows the traceback.  ``--lang zh|en`` picks the language of the outputs
(Chinese by default).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from planner.errors import PlannerError
from planner.i18n import tr

__all__ = ["main", "build_parser"]

logger = logging.getLogger("planner")


def _minutes_list(text: str) -> tuple[float, ...]:
    """``"5,10,15"`` -> ``(5.0, 10.0, 15.0)``; argparse reports a bad value with this message."""
    try:
        values = tuple(float(x) for x in text.replace("，", ",").split(",") if x.strip())
    except ValueError:
        values = ()
    if not values or any(not (0 < v < 1e4) for v in values):
        raise argparse.ArgumentTypeError(f"{text!r}: give positive minutes separated by commas, e.g. 5,10,15")
    return values


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``planner`` command."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--lang", choices=("zh", "en"), default=None,
                        help="language of outputs and messages (default: the config's, zh)")
    common.add_argument("--debug", action="store_true", help="show tracebacks and debug logging")
    common.add_argument("-q", "--quiet", action="store_true", help="no progress bars, warnings only")

    out = argparse.ArgumentParser(add_help=False)
    out.add_argument("--out", type=Path, default=None,
                     help="output folder (default: outputs/demo, or <output_dir>/<study name>)")
    out.add_argument("--no-site", action="store_true", help="skip proposing new sites")
    out.add_argument("--crs", choices=("wgs84", "cgcs2000"), default=None,
                     help="CRS of the GeoPackage layers: wgs84 (EPSG:4326) or cgcs2000 (EPSG:4490); "
                          "default: the config's [output] crs, else wgs84")
    out.add_argument("--map-bands", type=_minutes_list, default=None, metavar="MIN,MIN,...",
                     help="draw isochrone bands round the community tier's facilities on the map, e.g. 5,10,15")

    parser = argparse.ArgumentParser(
        prog="planner",
        description="养老服务设施网络规划 / Elderly-care facility network planner",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("demo", parents=[common, out],
                   help="run everything on the bundled synthetic demo county")
    dask = argparse.ArgumentParser(add_help=False)
    dask.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                      help="run the counties of a multi-county study on this Dask scheduler (default: a local cluster)")
    dask.add_argument("--workers", type=int, default=None, help="local Dask workers (default: execution.n_workers)")
    p = sub.add_parser("run", parents=[common, out, dask], help="run a study described by a TOML file")
    p.add_argument("config", type=Path)
    p = sub.add_parser("validate", parents=[common], help="check a study's data only")
    p.add_argument("config", type=Path)
    p.add_argument("--strict", action="store_true", help="treat warnings as errors")
    p = sub.add_parser("network", parents=[common], help="build and cache the road graphs")
    p.add_argument("config", type=Path)
    p = sub.add_parser("site", parents=[common, out, dask],
                       help="propose new sites (a multi-county study: every county's, on Dask)")
    p.add_argument("config", type=Path)
    _init_parser(sub, common)
    return parser


def _init_parser(sub, common) -> None:
    p = sub.add_parser("init", parents=[common], help="write a study folder for a real county (reference data)")
    p.add_argument("--county", required=True, help="county/district name or 6-digit code, e.g. 南岗区")
    p.add_argument("--city", default=None, help="the county's city, when two counties share the name")
    p.add_argument("--facilities", type=Path, required=True, help="your facility table (Excel/CSV)")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--roads", type=Path, default=None, help="OSM road file (.osm.pbf/.osm); also gives place names")
    src.add_argument("--online", action="store_true", help="match village names to OSM online; download roads at run")
    p.add_argument("--out", type=Path, default=None, help="study folder (default: ./<county>)")
    p.add_argument("--force", action="store_true", help="overwrite an existing study.toml")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``planner`` console script; returns the exit status."""
    args = build_parser().parse_args(argv)
    level = logging.DEBUG if args.debug else (logging.WARNING if args.quiet else logging.INFO)
    # Our own messages at the chosen level; other libraries' only when they warn.
    before = list(logging.getLogger().handlers)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger("planner").setLevel(level)
    lang = args.lang or "zh"
    _log_language(lang, [h for h in logging.getLogger().handlers if h not in before])
    try:
        return _dispatch(args)
    except PlannerError as exc:
        if args.debug:
            raise
        print(tr(lang, "错误：", "Error: ") + str(exc), file=sys.stderr)
        print(tr(lang, "（加 --debug 查看详细信息）", "(add --debug for the traceback)"), file=sys.stderr)
        return 2
    except OSError as exc:  # a file the planner could not read or write: one line, not a traceback
        if args.debug:
            raise
        where = f" ({exc.filename})" if exc.filename else ""
        print(tr(lang, "文件系统错误：", "File system error: ") + f"{exc.strerror or exc}{where}", file=sys.stderr)
        print(tr(lang, "（加 --debug 查看详细信息）", "(add --debug for the traceback)"), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(tr(lang, "已中断；输出文件夹保持上次的完整结果。", "Interrupted; the output folder keeps its previous "
                 "complete set of outputs."), file=sys.stderr)
        return 130


def _dispatch(args: argparse.Namespace) -> int:
    from planner.config import load_config

    verbose = not args.quiet
    if args.command == "demo":
        from planner.demo import demo_config_path

        config = load_config(demo_config_path())
        config = config.replace(lang=args.lang) if args.lang else config
        out_dir = args.out or Path("outputs") / "demo"
        return _run(config, out_dir, args, verbose=verbose)

    if args.command == "init":
        return _init(args)
    config = load_config(args.config)
    if args.lang:
        config = config.replace(lang=args.lang)
    _log_language(config.lang)
    if args.command in ("run", "site") and (args.scheduler or _multi(config)):
        from planner.cli_multi import run_multi

        site = args.command == "site" or not args.no_site  # `planner site`: each county proposes its own sites
        return run_multi(config, args.out or config.output_dir / _slug(config.name), args, verbose=verbose,
                         site=site)
    if args.command == "run":
        return _run(config, args.out or config.output_dir / _slug(config.name), args, verbose=verbose)
    if args.command == "validate":
        return _validate(config, strict=args.strict or config.strict, verbose=verbose)
    if args.command == "network":
        return _network(config, verbose=verbose)
    if args.command == "site":
        return _run(config, args.out or config.output_dir / _slug(config.name), args, verbose=verbose, site_only=True)
    raise AssertionError(args.command)  # argparse restricts the choices


def _log_language(lang: str, handlers: list[logging.Handler] | None = None) -> None:
    """Write the planner's log lines in ``lang``: on ``handlers`` (the ones this command made) or on the
    root handlers already writing translated lines."""
    from planner.logtext import TranslatedFormatter

    for handler in logging.getLogger().handlers if handlers is None else handlers:
        if handlers is not None:
            handler.setFormatter(TranslatedFormatter("%(levelname)s %(name)s: %(message)s", lang=lang))
        elif isinstance(handler.formatter, TranslatedFormatter):
            handler.formatter.lang = lang


def _init(args: argparse.Namespace) -> int:
    from planner.scaffold import init_study

    r = init_study(args.county, city=args.city, facilities=args.facilities, roads=args.roads, online=args.online,
                   out=args.out, force=args.force)
    c = r.counts
    print(f"{r.config_path}: {r.county.city}{r.county.name} ({r.county.code}); "
          f"{c['units']} 村/社区, {c['located']} 有坐标, {c['needs_coordinates']} 需要坐标, {c['stand_ins']} 代表点; "
          f"60+ {c['older_total']:,} (2020 普查)")
    for line in r.todo:
        print(f"  - {line}")
    print(tr(args.lang or "zh", f"下一步：planner validate {r.config_path}", f"next: planner validate {r.config_path}"))
    return 0


def _multi(config) -> bool:
    from planner.multi import is_multi_county

    return is_multi_county(config)


def _slug(name: str) -> str:
    """The study's folder name: safe characters, at most 100 bytes (a hash keeps long names apart)."""
    from planner.io import safe_name

    return safe_name(name)


def _validate(config, *, strict: bool, verbose: bool) -> int:
    from planner.data import load_study, summarise_study
    from planner.errors import InputFileNotFoundError, NetworkError
    from planner.pipeline import study_place_area

    lang = config.lang
    data = load_study(config, strict=strict, verbose=verbose, place_area=study_place_area(config))
    try:
        data, roads = _validate_roads(data, strict=strict, verbose=verbose)
    except (NetworkError, InputFileNotFoundError):
        print(data.report.format(lang))  # what the data files say, then the road file's error
        raise
    print(data.report.format(lang))
    print()
    print(summarise_study(data, lang=lang))
    print(roads)
    _print_still_missing(data, lang)
    return 0


def _print_still_missing(data, lang: str) -> None:
    from planner.scaffold import still_missing

    lines = still_missing(data, lang=lang)
    if lines:
        print(tr(lang, "\n仍需补充：", "\nStill to supply:"))
        print("\n".join(f"  - {line}" for line in lines))


def _validate_roads(data, *, strict: bool, verbose: bool):
    """Open the roads file as ``run`` would (NetworkError when unusable) and check the points against it."""
    from planner.network import load_network, usable_segments_by_profile
    from planner.routing import check_points_on_roads

    config, lang = data.config, data.config.lang
    if config.network.source == "osmnx" or (config.network.source == "auto" and config.inputs.roads.path is None):
        return data, tr(lang, "路网：运行时在线下载（此处未检查）",
                        "Road network: downloaded at run time (not checked here)")
    network = load_network(config, data.study_area, verbose=verbose)
    data = check_points_on_roads(data, network, strict=strict, log=False)
    usable = "，".join(f"{k} {n:,}" for k, n in usable_segments_by_profile(network, config).items())
    return data, tr(lang, f"路网「{network.name}」：研究区内 {network.n_segments:,} 条路段；各出行方式可用：{usable}",
                    f"Road network '{network.name}': {network.n_segments:,} segments inside the study area; "
                    f"usable per profile: {usable.replace('，', ', ')}")


def _network(config, *, verbose: bool) -> int:
    from planner.data import load_study
    from planner.pipeline import build_study_graphs, study_place_area

    lang = config.lang
    data = load_study(config, verbose=verbose, place_area=study_place_area(config))
    t0 = time.perf_counter()
    network, graphs = build_study_graphs(data, verbose=verbose)
    print(tr(lang, f"路网：{network.n_nodes:,} 个节点，{network.n_segments:,} 条路段（{network.name}）",
             f"Road network: {network.n_nodes:,} nodes, {network.n_segments:,} segments ({network.name})"))
    for name, graph in graphs.items():
        print(tr(lang, f"  出行方式 {name}：{graph.n_nodes:,} 个节点", f"  profile {name}: {graph.n_nodes:,} nodes"))
    print(tr(lang, f"用时 {time.perf_counter() - t0:.1f} 秒", f"took {time.perf_counter() - t0:.1f} s"))
    return 0


def _run(config, out_dir: Path, args: argparse.Namespace, *, verbose: bool, site_only: bool = False) -> int:
    from planner.io import OutputLock, check_output_folder
    from planner.pipeline import run_study, write_outputs

    lang = args.lang or config.lang
    if getattr(args, "crs", None):
        import dataclasses

        config = config.replace(output=dataclasses.replace(config.output, crs=args.crs))
    t0 = time.perf_counter()
    out_dir = check_output_folder(out_dir)  # before the analysis, not after it
    with OutputLock(out_dir):
        result = run_study(config, site=site_only or not args.no_site, verbose=verbose)
        paths = write_outputs(result, out_dir, lang=lang, map_bands=getattr(args, "map_bands", None))
    print(_summary(result, lang))
    print()
    names = {
        "map": ("交互式地图", "Map"), "report": ("分析报告", "Report"), "workbook": ("Excel 工作簿", "Workbook"),
        "geopackage": ("GeoPackage 图层", "GeoPackage"), "csv": ("CSV 表格", "CSV tables"),
    }
    for key, path in paths.items():
        zh, en = names.get(key, (key, key))
        print(f"  {tr(lang, zh, en)}: {path}")
    print(tr(lang, f"完成，用时 {time.perf_counter() - t0:.1f} 秒。", f"Done in {time.perf_counter() - t0:.1f} s."))
    return 0


def _summary(result, lang: str) -> str:
    """A few lines a planner reads first: settlements analysed, under-served, targets met."""
    settlements = result.coverage.settlements
    n = len(settlements)
    under = int((settlements["status"] == "under_served").sum())
    card = result.coverage.scorecard
    rows = card[card["scope"] == card["scope"].iloc[0]] if "scope" in card else card
    judged = rows["met"].dropna() if "met" in rows else rows.iloc[0:0]
    met = int(judged.astype(bool).sum())
    lines = []
    if result.synthetic:
        lines.append(tr(lang, "【合成数据，非真实情况】", "[SYNTHETIC DATA - not a real place]"))
    lines.append(tr(lang, f"研究区：{result.config.name}", f"Study: {result.config.name}"))
    lines.append(tr(lang, f"分析村/社区 {n} 个，其中服务不足 {under} 个",
                    f"{n} settlements analysed, {under} under-served"))
    lines.append(tr(lang, f"政策指标达标 {met} / {len(judged)} 项", f"Policy targets met: {met} of {len(judged)}"))
    lines.extend(_siting_lines(result, lang))
    from planner.reporting.scenario_tables import scenario_lines

    lines.extend(scenario_lines(result, lang))
    return "\n".join(lines)


def _siting_lines(result, lang: str) -> list[str]:
    """Per tier: the sites proposed and how far the answer is proven, or why siting did not finish."""
    from planner.i18n import label
    from planner.siting.explain import proof

    lines = []
    for key, site in result.siting.items():
        zh, en = proof(site.solution.status, site.solution.gap)
        k = len(site.sites)
        lines.append(tr(lang, f"建议新增选址（{label(key, 'zh')}）：{k} 处（{zh}）",
                        f"Proposed new sites ({label(key, 'en')}): {k} ({en})"))
        main = site.targets[site.targets["indicator"] != "older_covered_share"]
        lines.extend(f"  {t}" for t in main[f"text_{lang}"])
    for key, msg in dict(getattr(result, "siting_errors", {}) or {}).items():
        lines.append(tr(lang, f"选址未完成（{label(key, 'zh')}）：{msg}；覆盖分析与其他输出已写出",
                        f"Siting did not finish ({label(key, 'en')}): {msg}; "
                        "coverage and the other outputs are written"))
    return lines


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
