"""The index of a real batch run in Chromium: no console errors, no network, links present."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.notebook, pytest.mark.slow, pytest.mark.browser]


def test_index_of_a_real_run_in_chromium(batch_run, page):
    url = batch_run.index["html"].as_uri()
    page.goto(url)
    assert page.console_errors == []
    assert page.page_errors == []
    assert page.requests == [url]
    text = page.inner_text("body")
    assert "failed" in text
    assert page.locator("a", has_text="report").count() == 2
    # a report link opens the incident's report
    href = page.locator("a", has_text="report").first.get_attribute("href")
    assert (batch_run.out / href).is_file()
