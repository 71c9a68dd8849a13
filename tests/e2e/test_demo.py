"""`postmortem demo` end to end: papermill on a real kernel, nbconvert, real Chromium."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from postmortem_nb.resources import demo_dir

pytestmark = [pytest.mark.notebook, pytest.mark.slow]

SECTIONS = [
    "1. Incident summary",
    "2. Timeline of events",
    "3. Root cause analysis",
    "4. Impact assessment",
    "5. Action items",
    "6. Lessons learned",
    "Appendix: data and methods",
]


def test_workspace_has_every_artifact(demo_draft):
    ws = demo_draft.workspace
    assert demo_draft.executed
    for path in (ws.notebook, ws.analysis, ws.facts, ws.report, ws.record):
        assert path.is_file(), path
    assert ws.incident_id.startswith("20260310-")


def test_facts_match_the_ground_truth(demo_draft):
    facts = json.loads(demo_draft.workspace.facts.read_text())
    truth = json.loads((demo_dir() / "ground_truth.json").read_text())
    for name in ("impact_start", "detected", "acknowledged", "mitigated", "resolved"):
        got = pd.Timestamp(facts["milestones"][name]["at"])
        assert abs(got - pd.Timestamp(truth[name])) <= pd.Timedelta("2min"), name
    for name in ("failed_transactions", "affected_customers", "revenue_lost"):
        got = facts["impact"][name]["value"]
        assert got == pytest.approx(truth[name], rel=0.05), name


def test_report_is_small_and_has_no_code(demo_draft):
    html = demo_draft.workspace.report.read_text(encoding="utf-8")
    assert len(html.encode()) <= 3_000_000
    assert "wb.timeline_figure()" not in html
    assert "open_workbook" not in html
    assert "application/vnd.jupyter.widget-view+json" not in html
    assert "cdn." not in html.lower()


@pytest.mark.browser
def test_report_renders_offline_in_chromium(demo_draft, page):
    page.goto(Path(demo_draft.workspace.report).as_uri())
    # The page's CSP forbids eval, so wait with selectors rather than wait_for_function.
    page.locator(".js-plotly-plot svg.main-svg").first.wait_for(timeout=30000)
    headings = page.locator("h2").all_inner_texts()
    for section in SECTIONS:
        assert any(section in h for h in headings), (section, headings)
    figures = page.locator(".js-plotly-plot").count()
    rendered = page.locator(".js-plotly-plot:has(svg.main-svg)").count()
    assert figures >= 2
    assert rendered == figures
    # the input files' paths and 64-digit hashes wrap: the table fits the page column
    wrap = page.locator("table.pm-provenance").locator("xpath=..")
    assert page.locator("table.pm-provenance tbody tr").count() == 3
    assert wrap.evaluate("w => w.scrollWidth <= w.clientWidth")
    assert page.console_errors == []
    assert page.page_errors == []
    assert [u for u in page.requests if not u.startswith("file://")] == []
