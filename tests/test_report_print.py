"""The report as its reader gets it: printed to PDF by Chromium with default settings, and on screen.

The charts must survive printing: a browser's print dialog leaves CSS
backgrounds out by default ("background graphics" unticked), so a chart drawn
with backgrounds prints as empty boxes. Chromium's ``--print-to-pdf`` switch
prints backgrounds, so these tests print through the DevTools protocol
(``Page.printToPDF`` with ``printBackground: false``, the page's own CSS page
size, over ``--remote-debugging-pipe``), count the A4 pages, rasterise them and
look for the charts' blue in them.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PDFTOPPM = shutil.which("pdftoppm")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--hide-scrollbars"]
#: The bars' fill (planner.reporting.svg.BLUE) as RGB.
CHART_BLUE = (0x1D, 0x5F, 0xA8)

needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")


def _chromium(args: list[str], profile: Path, timeout: int = 180) -> subprocess.CompletedProcess:
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True, text=True,
                          timeout=timeout)


def print_like_a_reader(url: str, profile: Path, *, timeout: float = 120) -> bytes:
    """The PDF a reader gets from the print dialog's defaults: no background graphics, the page's own size.

    Speaks the DevTools protocol over ``--remote-debugging-pipe`` (JSON messages ended by NUL, read by
    Chromium on fd 3 and written on fd 4).
    """
    to_r, to_w = os.pipe()
    from_r, from_w = os.pipe()

    def pipes() -> None:  # in the child, before the other descriptors are closed
        os.dup2(to_r, 3)
        os.dup2(from_w, 4)

    proc = subprocess.Popen([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe",
                             "about:blank"], preexec_fn=pipes, pass_fds=(3, 4),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(to_r)
    os.close(from_w)
    out, inp = os.fdopen(to_w, "wb"), os.fdopen(from_r, "rb")
    pending, ids = [b""], iter(range(1, 1000))

    def receive(wanted) -> dict:
        while True:
            while b"\0" not in pending[0]:
                chunk = inp.read1(1 << 20)
                if not chunk:
                    raise RuntimeError("Chromium closed the DevTools pipe")
                pending[0] += chunk
            raw, pending[0] = pending[0].split(b"\0", 1)
            msg = json.loads(raw)
            if wanted(msg):
                return msg

    def call(method: str, params: dict | None = None, session: str | None = None) -> dict:
        i = next(ids)
        msg = {"id": i, "method": method, "params": params or {}} | ({"sessionId": session} if session else {})
        out.write(json.dumps(msg).encode() + b"\0")
        out.flush()
        reply = receive(lambda m: m.get("id") == i)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply["result"]

    try:
        target = call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        call("Page.enable", session=session)
        call("Page.navigate", {"url": url}, session=session)
        receive(lambda m: m.get("method") == "Page.loadEventFired")
        pdf = call("Page.printToPDF", {"printBackground": False, "preferCSSPageSize": True}, session=session)
        call("Browser.close")
        return base64.b64decode(pdf["data"])
    finally:
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
        out.close()
        inp.close()


def blue_share(pixels: np.ndarray) -> float:
    """Share of the pixels (H x W x 3) within a small distance of the charts' blue."""
    d = np.abs(pixels.astype(int) - np.array(CHART_BLUE)).sum(axis=2)
    return float((d < 60).mean())


def pdf_pages(raw: bytes) -> list[tuple[float, float]]:
    """(width, height) in points of each page of a PDF as Chromium writes it (page objects uncompressed)."""
    boxes = re.findall(rb"/Type\s*/Page\b(?!s).*?/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]",
                       raw, flags=re.S)
    if not boxes:  # MediaBox before /Type in the dictionary
        n = len(re.findall(rb"/Type\s*/Page\b(?!s)", raw))
        box = re.search(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]", raw)
        boxes = [box.groups()] * n if box else []
    return [(float(x1) - float(x0), float(y1) - float(y0)) for x0, y0, x1, y1 in boxes]


@pytest.fixture(scope="module")
def printed(demo_outputs, tmp_path_factory):
    """The demo report printed to PDF by headless Chromium, the print dialog's default settings."""
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    folder = tmp_path_factory.mktemp("printed")
    pdf = folder / "report.pdf"
    pdf.write_bytes(print_like_a_reader(Path(demo_outputs["report"]).as_uri(), folder / "profile"))
    assert pdf.stat().st_size > 10_000, "Chromium printed no PDF"
    return pdf


def test_pdf_pages_reads_page_sizes():
    raw = (b"%PDF-1.4\n1 0 obj <</Type /Pages /Kids [2 0 R 3 0 R]>>\n2 0 obj <</Type /Page /MediaBox [0 0 594.96 "
           b"841.92]>>\n3 0 obj <</Type/Page/Parent 1 0 R/MediaBox [0 0 612 792]>>")
    assert pdf_pages(raw) == [(594.96, 841.92), (612.0, 792.0)]
    white = np.full((10, 10, 3), 255, dtype=np.uint8)
    assert blue_share(white) == 0.0
    white[:5] = CHART_BLUE
    assert blue_share(white) == 0.5


def test_report_prints_on_a_sane_number_of_a4_pages(printed, demo_result):
    pages = pdf_pages(printed.read_bytes())
    assert pages, "no page in the PDF"
    for w, h in pages:
        assert abs(w - 595.3) < 2 and abs(h - 841.9) < 2, f"page {w} x {h} pt is not A4"
    # the whole demo report, 50 priority rows and two siting tiers included, fits in about a dozen pages
    # (its priority table alone took 12 pages when the reason codes squeezed the explanations)
    assert 5 <= len(pages) <= 25, len(pages)
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(printed)], capture_output=True, text=True).stdout
        assert int(re.search(r"Pages:\s+(\d+)", info).group(1)) == len(pages)


@pytest.mark.skipif(PDFTOPPM is None, reason="poppler-utils (pdftoppm) is not installed (.ci/run installs it)")
def test_printed_charts_are_not_empty(printed, tmp_path):
    from PIL import Image

    subprocess.run([PDFTOPPM, "-r", "40", "-png", str(printed), str(tmp_path / "page")], check=True, timeout=180)
    shares = [blue_share(np.asarray(Image.open(p).convert("RGB")))
              for p in sorted(tmp_path.glob("page*.png"))]
    assert len(shares) == len(pdf_pages(printed.read_bytes()))
    # several pages carry bar charts and histograms, drawn in ink, not as backgrounds left out of print
    chart_pages = [i + 1 for i, s in enumerate(shares) if s > 0.01]
    assert len(chart_pages) >= 3, f"blue share per page: {shares}"


@needs_chromium
def test_report_on_screen_shows_its_charts(demo_outputs, tmp_path):
    from PIL import Image

    shot = tmp_path / "screen.png"
    _chromium(["--window-size=1280,5000", f"--screenshot={shot}", Path(demo_outputs["report"]).as_uri()],
              tmp_path / "profile")
    pixels = np.asarray(Image.open(shot).convert("RGB"))
    assert pixels.std() > 10, "screenshot is blank"
    assert blue_share(pixels) > 0.01, "no chart drawn on screen"
