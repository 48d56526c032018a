"""Full-page screenshot of the HTML report in a headless Chromium (Debian's ``chromium``)."""

from __future__ import annotations

import shutil
from pathlib import Path

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome")


def find_chromium() -> str | None:
    """Path of a Chromium binary on this machine, or None."""
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def screenshot(report: Path, target: Path, width: int = 1280) -> str:
    """Render ``report`` offline (all network blocked) and save a full-page PNG at ``target``.

    Returns an Italian note for the console; never raises for a missing browser (the report
    itself is complete without the picture).
    """
    browser_path = find_chromium()
    if browser_path is None:
        return "Screenshot non generato: Chromium non trovato (installare il pacchetto 'chromium')."
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return "Screenshot non generato: pacchetto 'playwright' non installato (pip install -e '.[dev]')."
    from cscplan.io import atomic_write

    def shoot(tmp: Path) -> None:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=browser_path, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.route("**/*", _only_local)
            page.goto(Path(report).resolve().as_uri(), wait_until="load")
            page.wait_for_timeout(500)
            page.screenshot(path=str(tmp), full_page=True, type="png")
            browser.close()

    atomic_write(target, shoot)
    return f"Screenshot del report: {target}"


def _only_local(route) -> None:
    if route.request.url.startswith(("file:", "data:", "blob:")):
        route.continue_()
    else:
        route.abort()
