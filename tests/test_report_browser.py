"""The HTML report in a real headless Chromium: offline, no console errors, every chart drawn;
printed on A4 with no chart split across pages and every section in the PDF.

Needs Debian's chromium at /usr/bin/chromium (``make browser`` installs it when root) and the
playwright Python package; otherwise the test is skipped with a message saying so.
The real report's full-page screenshot goes to $CSCPLAN_SCREENSHOT, or to outputs/report.png;
a screenshot of each section at 1280 px goes beside it (``report_<section>.png``).
"""

from __future__ import annotations

import functools
import io
import os
import re
import unicodedata
from pathlib import Path

import pytest
from conftest import sample_tables

from cscplan import paths
from cscplan.io import write_text
from cscplan.reports.html import PRINT_WIDTH_PX, SECTIONS, render_report
from cscplan.reports.screenshot import print_layout, report_page

A4_CONTENT_PX = (round((210 - 24) / 25.4 * 96), round((297 - 30) / 25.4 * 96))  # @page margins

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = pytest.mark.browser


def _sync_playwright():
    if not CHROMIUM.exists():
        pytest.skip(
            "Chromium non trovato in /usr/bin/chromium (eseguire `make browser`) / "
            "Chromium missing at /usr/bin/chromium (run `make browser`)"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("pacchetto playwright non installato / playwright package not installed")
    return sync_playwright


@functools.cache
def real_report() -> str:
    """The report of the real build on the bundled data (what `make run` writes)."""
    from cscplan.pipeline import REPORT_NAME, BuildInputs, compute_build

    return compute_build(BuildInputs()).documents[REPORT_NAME].decode("utf-8")


@pytest.mark.parametrize("source", ["real", "fixture"])
def test_report_renders_offline_in_chromium(tmp_path, source):
    sync_playwright = _sync_playwright()
    html = real_report() if source == "real" else render_report(sample_tables())
    report = write_text(tmp_path / "report.html", html)
    screenshot = Path(os.environ.get("CSCPLAN_SCREENSHOT") or paths.DEFAULT_OUT / "report.png")
    if source == "fixture":
        screenshot = tmp_path / "fixture.png"
    blocked: list[str] = []
    console_errors: list[str] = []

    def route(route_obj) -> None:
        url = route_obj.request.url
        if url.startswith("file:"):
            route_obj.continue_()
        else:
            blocked.append(url)
            route_obj.abort()

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on(
                "console", lambda m: console_errors.append(m.text) if m.type == "error" else None
            )
            page.on("pageerror", lambda exc: console_errors.append(str(exc)))
            page.route("**/*", route)
            page.goto(report.resolve().as_uri(), wait_until="load")
            page.wait_for_function(
                "() => [...document.querySelectorAll('.plotly-graph-div')]"
                ".every(d => d.querySelector('svg.main-svg'))"
            )
            divs = page.eval_on_selector_all(
                ".plotly-graph-div",
                "ds => ds.map(d => [d.id, d.querySelectorAll('svg.main-svg').length])",
            )
            lang = page.eval_on_selector("html", "e => e.lang")
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot), full_page=True)
            page.add_style_tag(content="nav{position:static}")  # not over the section's heading
            for section in SECTIONS:
                shot = screenshot.with_name(f"{screenshot.stem}_{section.id}.png")
                page.locator(f"section#{section.id}").screenshot(path=str(shot))
                assert shot.stat().st_size > 5_000
        finally:
            browser.close()

    assert lang == "it"
    assert blocked == []
    assert console_errors == []
    assert len(divs) == 12 and all(n > 0 for _, n in divs), divs
    assert all(div_id.startswith("grafico-") for div_id, _ in divs)
    assert screenshot.stat().st_size > 10_000


MARKERS = """() => document.querySelectorAll('.chart').forEach(c => {
  const id = c.querySelector('.plotly-graph-div').id;
  for (const [where, css] of [['inizio', 'top:0'], ['fine', 'bottom:0']]) {
    const m = document.createElement('span');
    m.textContent = `[${where} ${id}]`;
    m.style.cssText = `position:absolute;left:0;${css};font-size:4px;color:#fff`;
    c.appendChild(m);
  }
})"""


def pdf_pages(data: bytes) -> list[str]:
    from pypdf import PdfReader

    pages = PdfReader(io.BytesIO(data)).pages
    return [unicodedata.normalize("NFKC", page.extract_text()) for page in pages]


def test_printed_on_a4_no_chart_crosses_a_page_and_every_section_is_there():
    _sync_playwright()
    pytest.importorskip("pypdf", reason="pypdf non installato / pypdf missing")
    html = real_report()
    width, height = A4_CONTENT_PX
    with report_page(html, width=width) as page:
        print_layout(page)  # print media, details open, charts at the page width
        boxes = page.eval_on_selector_all(
            ".chart",
            "cs => cs.map(c => [c.querySelector('.plotly-graph-div').id, "
            "c.getBoundingClientRect().width, c.getBoundingClientRect().height, "
            "c.querySelector('svg.main-svg').getBoundingClientRect().width])",
        )
        toolbars = page.eval_on_selector_all(
            ".modebar-container", "ms => ms.filter(m => m.offsetParent !== null).length"
        )
        page.evaluate(MARKERS)
        data = page.pdf(prefer_css_page_size=True, print_background=True)
    assert len(boxes) == 12 and toolbars == 0
    for chart, box_width, box_height, svg_width in boxes:
        assert box_width <= width and svg_width <= PRINT_WIDTH_PX, chart
        assert box_height <= height, chart  # fits one page, so it can avoid a break
    pages = pdf_pages(data)
    for chart, *_ in boxes:
        start = [n for n, text in enumerate(pages) if f"[inizio {chart}]" in text]
        end = [n for n, text in enumerate(pages) if f"[fine {chart}]" in text]
        assert len(start) == 1 and start == end, (chart, start, end)  # same page: not split
    text = "\n".join(pages)
    for section in ("Sintesi", "Budget per obiettivo e fonte", "Pluriennale 2020–2022"):
        assert section in text
    for section in ("Verifiche dei totali", "Scenari tariffari", "Quote dei comuni"):
        assert section in text
    wrong = text[text.index("Totali da correggere (5)") :]
    assert "320.000,00 €" in wrong[:2000]
    listed = re.search(r"Elenco completo delle segnalazioni \((\d+)\)", text)  # expanded
    assert (
        listed and int(listed[1]) > 5 and text.count("Il totale dichiarato dell'Obiettivo 5") >= 3
    )
    assert re.search(r"pagina 1 di \d+", pages[0])
    assert "Comunità Sociale Cremasca — Piano Programma 2020–2022" in pages[-1]
