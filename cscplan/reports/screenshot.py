"""The report in a headless Chromium (Debian's ``chromium``): screenshot, PDF, chart pictures.

Every use goes through :func:`report_page`: one launch, all network blocked (the report is
offline), the page loaded and every chart drawn. A missing browser never raises: the callers
get ``None`` or an Italian note, because the report itself is complete without the pictures.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cscplan.io import atomic_write

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "chrome", "msedge")
WINDOWS_BROWSERS = (  # Chromium-based browsers where Windows installs them (Edge is always there)
    r"C:\Program Files\Google\Chrome\Application\chrome.exe",
    r"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe",
    r"C:\Program Files\Microsoft\Edge\Application\msedge.exe",
)
CHARTS_DRAWN = (
    "() => [...document.querySelectorAll('.plotly-graph-div')]"
    ".every(d => d.querySelector('svg.main-svg'))"
)


def find_chromium() -> str | None:
    """Path of a Chromium binary: ``$CSCPLAN_CHROMIUM``, a known name on the PATH, or (on
    Windows) Chrome or Edge where they are installed; None when there is none."""
    chosen = os.environ.get("CSCPLAN_CHROMIUM")
    if chosen and Path(chosen).is_file():
        return chosen
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return next((path for path in WINDOWS_BROWSERS if Path(path).is_file()), None)


def unavailable() -> str | None:
    """Why Chromium cannot be driven here (Italian), or None when it can."""
    if find_chromium() is None:
        return "Chromium non trovato (installare il pacchetto 'chromium')"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "pacchetto 'playwright' non installato (pip install -e '.[dev]')"
    return None


@contextmanager
def report_page(html: str | Path, width: int = 1280, scale: float = 1.0) -> Iterator:
    """A Chromium page showing the report (a file path or the HTML text), charts drawn."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=find_chromium(), args=["--no-sandbox"])
        try:
            page = browser.new_page(
                viewport={"width": width, "height": 900}, device_scale_factor=scale
            )
            page.route("**/*", _only_local)
            if isinstance(html, Path):
                page.goto(html.resolve().as_uri(), wait_until="load")
            else:
                page.set_content(html, wait_until="load")
            page.wait_for_function(CHARTS_DRAWN)
            page.wait_for_timeout(300)
            yield page
        finally:
            browser.close()


def screenshot(report: Path, target: Path, width: int = 1280) -> str:
    """Save a full-page PNG of ``report`` at ``target``; returns an Italian note."""
    if reason := unavailable():
        return f"Screenshot non generato: {reason}."

    def shoot(tmp: Path) -> None:
        with report_page(Path(report), width) as page:
            page.screenshot(path=str(tmp), full_page=True, type="png")

    atomic_write(target, shoot)
    return f"Screenshot del report: {target}"


def print_layout(page) -> None:
    """Switch the page to its print layout: print CSS, details open, charts at page width."""
    page.emulate_media(media="print")
    page.evaluate("() => window.cscplanPerStampa && window.cscplanPerStampa()")
    page.wait_for_timeout(300)


def pdf(report: Path, target: Path) -> str:
    """Print ``report`` to an A4 PDF at ``target`` (footer and margins from the report's
    print stylesheet); returns an Italian note."""
    if reason := unavailable():
        return f"PDF non generato: {reason}."

    def write(tmp: Path) -> None:
        with report_page(Path(report)) as page:
            print_layout(page)
            page.pdf(path=str(tmp), prefer_css_page_size=True, print_background=True)

    atomic_write(target, write)
    return f"PDF del report: {target}"


def chart_pictures(
    html: str, names: list[str], width: int = 1600, scale: float = 2.0, extra: dict | None = None
) -> dict[str, bytes] | None:
    """PNG of each chart ``grafico-<name>`` of the report (its title hidden: the slide says it),
    plus any ``extra`` name → CSS selector; None when Chromium is unavailable."""
    if unavailable():
        return None
    pictures: dict[str, bytes] = {}
    with report_page(html, width, scale) as page:
        page.evaluate(
            "() => document.querySelectorAll('.plotly-graph-div').forEach(d => "
            "Plotly.relayout(d, {'title.text': '', 'title.subtitle.text': '', 'margin.t': 70}))"
        )
        page.wait_for_timeout(300)
        selectors = {name: f"#grafico-{name}" for name in names} | (extra or {})
        for name, selector in selectors.items():
            element = page.query_selector(selector)
            if element is not None:
                pictures[name] = element.screenshot(type="png")
    return pictures


def _only_local(route) -> None:
    if route.request.url.startswith(("file:", "data:", "blob:", "about:")):
        route.continue_()
    else:
        route.abort()
