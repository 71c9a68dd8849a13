"""Shared fixtures: paths to test data, the demo data, and a real headless Chromium.

Browser tests skip when Chromium is missing, except when POSTMORTEM_REQUIRE_BROWSER=1
(set by .ci/run), where a missing browser is a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from postmortem_nb.errors import PostmortemError
from postmortem_nb.report.browser import CHROMIUM_ARGS, chromium_path

ROOT = Path(__file__).resolve().parent.parent
TEST_DATA = Path(__file__).resolve().parent / "data"
DEMO_DATA = ROOT / "data"



def _need_browser() -> str:
    try:
        import playwright.sync_api  # noqa: F401

        path = chromium_path()
    except (ImportError, PostmortemError):
        path = None
    if path is None:
        msg = "Chromium (Debian package 'chromium') and the playwright package are needed"
        if os.environ.get("POSTMORTEM_REQUIRE_BROWSER") == "1":
            pytest.fail(msg + " and POSTMORTEM_REQUIRE_BROWSER=1 is set")
        pytest.skip(msg)
    return path


@pytest.fixture(scope="session")
def test_data() -> Path:
    return TEST_DATA


@pytest.fixture(scope="session")
def demo_data() -> Path:
    return DEMO_DATA


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session (Playwright driving Debian's chromium)."""
    path = _need_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    """A fresh page that records console errors, page errors and every network request."""
    context = browser.new_context()
    pg = context.new_page()
    pg.console_errors = []
    pg.page_errors = []
    pg.requests = []
    pg.on("console", lambda m: m.type == "error" and pg.console_errors.append(m.text))
    pg.on("pageerror", lambda e: pg.page_errors.append(str(e)))
    pg.on("request", lambda r: pg.requests.append(r.url))
    yield pg
    context.close()
