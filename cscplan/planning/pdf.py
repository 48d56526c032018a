"""The document printed to an A4 PDF in headless Chromium (the report's launch code).

Before printing, every objective sheet (and every other table) that would not fit on one page is
scaled down (CSS ``zoom``) so that it does: with ``break-inside: avoid`` no table is cut across
pages, and an objective sheet takes one page or less.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from cscplan.reports.screenshot import report_page, unavailable

PAGE_MM = (297, 210)  # A4 landscape
MARGIN_MM = 10
HEADING_MM = 4  # room kept for a section's own heading margin
PX_PER_MM = 96 / 25.4
FIT_SCRIPT = """([width, height]) => {
  for (const section of document.querySelectorAll('section')) {
    const box = section.getBoundingClientRect();
    const scale = Math.min(1, height / box.height, width / section.scrollWidth);
    if (scale < 1) section.style.zoom = scale.toFixed(3);
  }
}"""


def html_to_pdf(document: str) -> bytes:
    """PDF bytes of an HTML document; raises RuntimeError (Italian) without a browser."""
    missing = unavailable()
    if missing is not None:
        raise RuntimeError(missing)
    width = (PAGE_MM[0] - 2 * MARGIN_MM) * PX_PER_MM
    height = (PAGE_MM[1] - 2 * MARGIN_MM - HEADING_MM) * PX_PER_MM
    with tempfile.TemporaryDirectory() as folder:
        page_file = Path(folder) / "piano.html"
        page_file.write_text(document, encoding="utf-8")
        with report_page(Path(page_file), width=int(width)) as page:
            page.emulate_media(media="print")
            page.evaluate(FIT_SCRIPT, [width, height])
            return page.pdf(
                format="A4",
                landscape=True,
                print_background=True,
                margin={side: f"{MARGIN_MM}mm" for side in ("top", "bottom", "left", "right")},
            )
