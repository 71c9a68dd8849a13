"""Headless: papermill runs the template; explorers leave a static summary, never an empty box."""

from __future__ import annotations

import json

import nbformat
import pytest

pytestmark = [pytest.mark.notebook, pytest.mark.slow]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    from postmortem_nb.demo import run_demo

    return run_demo(out=tmp_path_factory.mktemp("reports")).workspace.root


def _outputs(nb, source: str) -> list[dict]:
    cells = [c for c in nb.cells if c.cell_type == "code" and c.source.strip() == source]
    assert len(cells) == 1, source
    return cells[0].outputs


def test_explorer_cells_carry_static_html(demo_run):
    nb = nbformat.read(demo_run / "postmortem.ipynb", as_version=4)
    for source, needle in [
        ("wb.log_explorer()", "Top error templates"),
        ("wb.alert_explorer()", "incident alerts"),
        ("wb.linked_figures()", "Linked figures"),
    ]:
        outs = [o for o in _outputs(nb, source) if o.get("output_type") == "execute_result"]
        assert len(outs) == 1, source
        data = outs[0]["data"]
        assert needle in data["text/html"], source
        # the saved draft keeps the static copy only (draft.strip_widget_views)
        assert "application/vnd.jupyter.widget-view+json" not in data
    errors = [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.get("output_type") == "error"
    ]
    assert errors == []


def test_report_shows_summaries_and_hides_the_linked_figures(demo_run):
    html = (demo_run / "report.html").read_text(encoding="utf-8")
    assert "Log explorer</b>:" in html
    assert "payment authorization failed" in html  # a top error template of the incident
    # its first sighting in the loaded logs (a few failed in the night), not the view's start
    assert "First seen in the logs (Europe/Berlin)" in html
    assert "2026-03-10 01:59:02 (before this time range)" in html
    assert "Alert explorer</b>:" in html
    assert "16 incident alerts" in html
    assert "Linked figures" not in html  # report-hide: the static figures are shown instead
    assert "widget-view" not in html
    facts = json.loads((demo_run / "facts.json").read_text())
    assert facts  # the run went through to write_facts
