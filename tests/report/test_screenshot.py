"""The docs screenshot helper produces a real PNG of a drawn report."""

from __future__ import annotations

import pytest
from nbfactory import HEADER, write

from postmortem_nb.report import export_html, screenshot

pytestmark = pytest.mark.browser


def test_screenshot_png(browser, tmp_path, notebook):
    # `browser` only ensures Chromium is present (skip otherwise); the helper starts its own.
    html = write(tmp_path, export_html(notebook, header=HEADER))
    png = screenshot(html, tmp_path / "shots" / "report.png", width=1000, height=700)
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(data[16:20], "big") == 1000
    assert len(data) > 20_000
