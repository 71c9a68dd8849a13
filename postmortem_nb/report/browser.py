"""Headless Chromium for the package: the offline launch flags, and a PNG of a report page
(for the docs) taken after its figures are drawn."""

from __future__ import annotations

import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..errors import PostmortemError

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    msg = "Chromium is needed for screenshots (Debian: apt-get install -y chromium)."
    raise PostmortemError(msg)


def screenshot(
    html_path: str | os.PathLike[str],
    png_path: str | os.PathLike[str],
    *,
    width: int = 1200,
    height: int = 900,
    full_page: bool = False,
    timeout_s: float = 30.0,
) -> Path:
    """Open ``html_path`` from disk, wait for its figures, save a PNG; returns the PNG path.

    Runs in a worker thread, so it also works where an event loop (Jupyter, or another
    Playwright session) is already running in the calling thread.
    """
    source = Path(html_path).resolve()
    if not source.is_file():
        raise PostmortemError(f"{source}: no such report file.")
    target = Path(png_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    args = (source, target, width, height, full_page, timeout_s)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_shoot, *args).result()


def _shoot(
    source: Path, target: Path, width: int, height: int, full_page: bool, timeout_s: float
) -> Path:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(source.as_uri())
            if page.query_selector("script.pm-figure-data"):
                page.wait_for_selector("html[data-figures=drawn]", timeout=timeout_s * 1000)
            page.screenshot(path=str(target), full_page=full_page)
        finally:
            browser.close()
    return target
