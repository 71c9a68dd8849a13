"""The insights page end to end: papermill on a real kernel, the report exporter, Chromium."""

from __future__ import annotations

import nbformat
import pytest

from postmortem_nb.cli import main

from .reportsgen import HOSTILE_SERVICE, HOSTILE_TITLE, PERSON, TODAY

pytestmark = [pytest.mark.notebook, pytest.mark.slow]

SECTIONS = [
    "Detection and response over time",
    "Incidents per week and per service",
    "Recurring contributing factors",
    "Action items",
    "Coverage",
    "Review findings",
    "Could not read",
]
FIGURES = 7


@pytest.fixture(scope="module")
def built(reports, tmp_path_factory):
    """Run `postmortem insights` once; (page path, executed notebook path, Expected)."""
    root, exp = reports
    out = tmp_path_factory.mktemp("page") / "insights.html"
    nb_path = out.parent / "kept" / "insights-run.ipynb"
    nb_path.parent.mkdir()
    code = 0
    try:
        main(["insights", str(root), "--out", str(out), "--today", TODAY.isoformat(),
              "--tz", "Europe/Berlin", "--notebook", str(nb_path)])
    except SystemExit as exc:
        code = exc.code
    assert code == 0
    assert sorted(p.name for p in out.parent.iterdir()) == ["insights.html", "kept"]
    return out, nb_path, exp


def test_page_is_written_and_the_notebook_ran_clean(built):
    out, nb_path, _ = built
    nb = nbformat.read(nb_path, as_version=4)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert errors == []
    plotly = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if "application/vnd.plotly.v1+json" in o.get("data", {})]
    assert len(plotly) == FIGURES
    html = out.read_text()
    assert len(html) < 6_000_000  # plotly.js once (gzip + base64), figures as JSON
    assert html.count('id="pm-plotlyjs"') == 1
    assert "<script src" not in html
    assert "Content-Security-Policy" in html


@pytest.mark.browser
def test_page_opens_offline_with_every_figure_drawn(built, page):
    out, _, exp = built
    page.goto(out.as_uri())
    page.wait_for_selector("html[data-figures=drawn]", timeout=60_000)
    page.screenshot(path=str(out.with_suffix(".png")), full_page=True)
    assert page.locator("main h2").all_inner_texts() == SECTIONS
    figures = page.locator("div.pm-figure")
    assert figures.count() == FIGURES
    for i in range(FIGURES):
        assert figures.nth(i).locator("svg.main-svg").count() >= 1
    assert page.locator(".pm-figure-error").count() == 0
    body = page.locator("body").inner_text()
    # the planted facts are on the page
    assert "2026-01: 120 min → 2026-03: 60 min" in body
    assert "Connection pool exhausted under peak load" in body
    for name in exp.broken:
        assert name in body
    overdue_first = page.locator("table").filter(has_text="Days overdue").locator(
        "tbody tr").first.inner_text()
    assert exp.oldest_overdue[0] in overdue_first
    # blameless by default: the person's name shows as the role, in tables and figures
    assert PERSON[0] not in page.content()
    assert PERSON[1] in body
    # hostile data stays text and runs nothing
    assert HOSTILE_TITLE in body
    assert HOSTILE_SERVICE not in page.content()
    labels = page.locator(".pm-figure svg text").filter(has_text='<img src=x onerror=')
    assert labels.count() >= 1  # drawn as a label, escaped
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.console_errors == []
    assert page.page_errors == []
    assert page.requests == [out.as_uri()]
