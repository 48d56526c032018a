"""The HTML report in a real headless Chromium: offline, no console errors, every chart drawn.

Needs Debian's chromium at /usr/bin/chromium (``make browser`` installs it when root) and the
playwright Python package; otherwise the test is skipped with a message saying so.
The real report's full-page screenshot goes to $CSCPLAN_SCREENSHOT, or to outputs/report.png.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import sample_tables

from cscplan import paths
from cscplan.io import write_text
from cscplan.reports.html import render_report

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
        finally:
            browser.close()

    assert lang == "it"
    assert blocked == []
    assert console_errors == []
    assert len(divs) == 11 and all(n > 0 for _, n in divs), divs
    assert all(div_id.startswith("grafico-") for div_id, _ in divs)
    assert screenshot.stat().st_size > 10_000
