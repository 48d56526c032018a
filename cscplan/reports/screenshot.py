"""Full-page screenshot of the HTML report in a headless Chromium (Debian's ``chromium``)."""

from __future__ import annotations

import shutil
from contextlib import contextmanager
from pathlib import Path

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome")


def find_chromium() -> str | None:
    """Path of a Chromium binary on this machine, or None."""
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


@contextmanager
def offline_page(document: Path, width: int = 1280):
    """A headless Chromium page with ``document`` loaded and all network blocked (Debian's
    ``chromium``, driven by playwright); the caller has checked :func:`browser_missing`."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=find_chromium(), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.route("**/*", _only_local)
            page.goto(Path(document).resolve().as_uri(), wait_until="load")
            yield page
        finally:
            browser.close()


def browser_missing() -> str | None:
    """Why a headless browser cannot be used here (Italian), or None when it can."""
    if find_chromium() is None:
        return "Chromium non trovato (installare il pacchetto 'chromium')"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "pacchetto 'playwright' non installato (pip install -e '.[dev]')"
    return None


def screenshot(report: Path, target: Path, width: int = 1280) -> str:
    """Render ``report`` offline (all network blocked) and save a full-page PNG at ``target``.

    Returns an Italian note for the console; never raises for a missing browser (the report
    itself is complete without the picture).
    """
    missing = browser_missing()
    if missing is not None:
        return f"Screenshot non generato: {missing}."
    from cscplan.io import atomic_write

    def shoot(tmp: Path) -> None:
        with offline_page(report, width) as page:
            page.wait_for_timeout(500)
            page.screenshot(path=str(tmp), full_page=True, type="png")

    atomic_write(target, shoot)
    return f"Screenshot del report: {target}"


def _only_local(route) -> None:
    if route.request.url.startswith(("file:", "data:", "blob:")):
        route.continue_()
    else:
        route.abort()
