"""``planner run`` on a study of several counties: the counties on Dask, the summary printed (see planner.multi)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from planner.i18n import fmt_share, tr

__all__ = ["run_multi", "multi_summary"]


def run_multi(config, out_dir: Path, args: argparse.Namespace, *, verbose: bool,  # noqa: ANN001
              site: bool = True) -> int:
    """Run every county on Dask, write the counties' outputs and the summary tables, print the summary.

    Parameters
    ----------
    config : planner.config.StudyConfig
        The study (county layer with several counties).
    out_dir : Path
        The study's output folder.
    args : argparse.Namespace
        ``--scheduler``, ``--workers``, ``--lang``.
    verbose : bool
        Dask's progress bar.
    site : bool
        Also propose new sites in every county (``planner run`` without ``--no-site``, ``planner site``).

    Returns
    -------
    int
        0 when every county finished, 3 when some failed (their errors are printed and in ``counties.csv``).
    """
    import logging

    from planner.io import OutputLock, check_output_folder
    from planner.multi import run_multi_study, write_multi_outputs

    if not getattr(args, "debug", False):  # Dask's own INFO lines (workers starting, closing) only with --debug
        import distributed  # noqa: F401 - its loggers exist (with their own levels) once it is imported

        for name in [n for n in logging.root.manager.loggerDict if n.split(".")[0] == "distributed"]:
            logging.getLogger(name).setLevel(logging.WARNING)
    lang = args.lang or config.lang
    t0 = time.perf_counter()
    out_dir = check_output_folder(out_dir)
    with OutputLock(out_dir):
        result = run_multi_study(config, scheduler=args.scheduler, n_workers=args.workers, site=site,
                                 out_dir=out_dir, lang=lang, verbose=verbose)
        paths = write_multi_outputs(result, out_dir, lang=lang)
    print(multi_summary(result, lang))
    print()
    for key, path in paths.items():
        print(f"  {key}: {path}")
    print(tr(lang, f"完成，用时 {time.perf_counter() - t0:.1f} 秒。", f"Done in {time.perf_counter() - t0:.1f} s."))
    return 3 if result.failures else 0


def multi_summary(result, lang: str) -> str:  # noqa: ANN001
    """One line per county (status, village coverage, or its error) and the study's village coverage.

    Parameters
    ----------
    result : planner.multi.MultiResult
    lang : str

    Returns
    -------
    str
    """
    card = result.scorecard_county
    vil = card[card["indicator"] == "village_facility_coverage"].set_index("scope")
    lines = [tr(lang, f"共 {len(result.counties)} 个县，失败 {len(result.failures)} 个：",
                f"{len(result.counties)} counties, {len(result.failures)} failed:")]
    for row in result.counties.itertuples():
        if row.status != "ok":
            lines.append(tr(lang, f"  {row.county}：失败 — {row.error}", f"  {row.county}: FAILED - {row.error}"))
            continue
        v = vil.loc[row.county] if row.county in vil.index else None
        share = "-" if v is None else f"{fmt_share(v['value'])} ({v['numerator']:.0f}/{v['denominator']:.0f})"
        lines.append(tr(lang, f"  {row.county}：村级设施覆盖率 {share}，用时 {row.seconds:.1f} 秒",
                        f"  {row.county}: village coverage {share}, {row.seconds:.1f} s"))
    st = result.scorecard_study
    sv = st[st["indicator"] == "village_facility_coverage"]
    if len(sv):
        r = sv.iloc[0]
        counts = f"{r['numerator']:.0f}/{r['denominator']:.0f}"
        lines.append(tr(lang, f"全域村级设施覆盖率 {fmt_share(r['value'])}（{counts}）",
                        f"Whole study village coverage {fmt_share(r['value'])} ({counts})"))
    return "\n".join(lines)
