"""The demo report printed as a reader prints it: pages, pages of the priority table, screenshots.

Usage::

    python benchmarks/report_pages.py [--out DIR] [--lang zh] [--force-a4] [--shots DIR]

Runs the demo study (with siting), writes ``report.html`` and ``map.html`` into
``--out``, prints the report to PDF with the print dialog's defaults (no
background graphics, the page's own CSS page size; Chromium over the DevTools
pipe, as ``tests/test_report_print.py`` does) and prints

* the number of pages and their size (``pdfinfo``),
* the pages the priority table (section 5) runs over and its rows per page,
* the share of chart-blue pixels on each page (pdftoppm at 40 dpi): a chart
  drawn with CSS backgrounds prints as nothing.

``--force-a4`` adds ``@page{size:A4}`` to a report that sets no page size (to
measure an older report on A4). ``--shots DIR`` also writes a screenshot of the
report on screen (``report_screen.png``, 1280 x 5200 px), and page 1 and the first
priority page of the PDF (``report_print_p1.png``, ``report_print_priority.png``).
Needs Chromium and poppler-utils.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from test_report_print import CHROMIUM, FLAGS, blue_share, print_like_a_reader  # noqa: E402

#: Section headings that open and close the priority table, per language.
_PRIORITY = {"zh": ("五、服务不足", ("六、", "七、")), "en": ("5. Under-served", ("6. Proposed", "7. Parameters"))}


def page_texts(pdf: Path, n: int) -> list[str]:
    return [subprocess.run(["pdftotext", "-f", str(i), "-l", str(i), "-layout", str(pdf), "-"],
                           capture_output=True, text=True).stdout for i in range(1, n + 1)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=Path(tempfile.mkdtemp()))
    ap.add_argument("--lang", default="zh")
    ap.add_argument("--force-a4", action="store_true")
    ap.add_argument("--shots", type=Path)
    args = ap.parse_args()
    if CHROMIUM is None or shutil.which("pdfinfo") is None:
        sys.exit("needs chromium and poppler-utils")

    from planner.config import load_config
    from planner.demo import demo_config_path
    from planner.pipeline import run_study
    from planner.reporting import write_map, write_report_html

    result = run_study(load_config(demo_config_path()), site=True)
    args.out.mkdir(parents=True, exist_ok=True)
    html = write_report_html(result, args.out / "report.html", lang=args.lang)
    write_map(result, args.out / "map.html", lang=args.lang)
    if args.force_a4 and "@page" not in html.read_text(encoding="utf-8"):
        html.write_text(html.read_text(encoding="utf-8").replace("</head>", "<style>@page{size:A4}</style></head>", 1),
                        encoding="utf-8")
    pdf = args.out / "report.pdf"
    profile = Path(tempfile.mkdtemp())
    pdf.write_bytes(print_like_a_reader(html.as_uri(), profile))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    n = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    print(f"report: {html}\npdf: {pdf}\npages: {n}  {re.search(r'Page size:.*', info).group(0)}")

    texts = page_texts(pdf, n)
    start, ends = _PRIORITY[args.lang]
    first = next((i for i, t in enumerate(texts) if start in t), None)
    if first is not None:
        last = next((i for i in range(first, n) if any(e in texts[i] for e in ends)), n - 1)
        per_page, k = [], 1
        for t in texts[first:last + 1]:  # rows start with their rank, 1, 2, 3, ... in order
            count = 0
            for line in t.splitlines():
                m = re.match(r"\s{0,12}(\d{1,3})\s+\S", line)
                if m and int(m.group(1)) == k:
                    count, k = count + 1, k + 1
            per_page.append(count)
        print(f"priority table: pages {first + 1}-{last + 1}, rows per page {per_page} ({k - 1} rows)")

    import numpy as np
    from PIL import Image

    folder = Path(tempfile.mkdtemp())
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(folder / "p")], check=True)
    shares = [blue_share(np.asarray(Image.open(p).convert("RGB"))) for p in sorted(folder.glob("p*.png"))]
    print("chart-blue share per page: " + " ".join(f"{s:.3f}" for s in shares))
    print(f"pages with charts (blue > 1%): {sum(s > 0.01 for s in shares)}")

    if args.shots:
        args.shots.mkdir(parents=True, exist_ok=True)
        subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--window-size=1280,5200",
                        f"--screenshot={args.shots / 'report_screen.png'}", html.as_uri()], capture_output=True)
        for name, page in (("report_print_p1", 1), ("report_print_priority", min((first or 0) + 2, n))):
            subprocess.run(["pdftoppm", "-r", "110", "-png", "-singlefile", "-f", str(page), "-l", str(page),
                            str(pdf), str(args.shots / name)], check=True)
        print(f"screenshots in {args.shots}")
    shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main()
