"""Re-make the README's screenshots from the demo report: `make demo`, then

    .venv/bin/python docs/make_screenshots.py reports/<incident-id>/report.html
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

from postmortem_nb.report.browser import CHROMIUM_ARGS, chromium_path

DOCS = Path(__file__).resolve().parent


def main(report: str) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport={"width": 1100, "height": 1250})
        page.goto(Path(report).resolve().as_uri())
        page.locator(".js-plotly-plot svg.main-svg").first.wait_for(timeout=30000)
        page.wait_for_timeout(1500)
        page.screenshot(path=DOCS / "report.png")
        page.locator("h2", has_text="2. Timeline of events").scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        page.screenshot(path=DOCS / "report-timeline.png")
        page.set_viewport_size({"width": 1200, "height": 1000})
        page.locator("h3", has_text="Contributing factors").scroll_into_view_if_needed()
        page.mouse.wheel(0, 420)  # the factor list, then the diagram below it
        page.wait_for_timeout(800)
        page.screenshot(path=DOCS / "report-fishbone.png")
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1])
