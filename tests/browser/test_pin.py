"""Pinning evidence from the log explorer in a real JupyterLab (issue 8, "Done when").

Open the demo incident's workspace notebook, run all cells, filter the log explorer to
the failure template (the PSP timeouts behind the failed payments), pin one row with a
description, check that analysis.json holds the pinned event with its evidence, then
restart and run all again: the timeline table shows the event, marked pinned.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .conftest import (
    UI_TIMEOUT,
    error_outputs,
    notebook_path,
    open_notebook,
    restart_and_run_all,
    run_all,
)

pytestmark = [pytest.mark.lab, pytest.mark.browser, pytest.mark.slow]

FAILURE_TEMPLATE = "payment authorization failed: upstream timeout"
DESCRIPTION = "PSP timeouts start failing payments (pinned in JupyterLab) <b>as text</b>"
SAVE_TIMEOUT = 30.0  # s


def read_analysis(workspace: Path) -> dict:
    return json.loads((workspace / "analysis.json").read_text(encoding="utf-8"))


def pinned_events(workspace: Path) -> list[dict]:
    return [e for e in read_analysis(workspace)["timeline"]["added_events"] if e["pinned"]]


def explorer(page):
    """The log explorer's live widget (not its static HTML twin), scrolled into view."""
    box = page.locator(".jp-OutputArea .widget-vbox.pm-explore-logs")
    box.wait_for(state="attached", timeout=UI_TIMEOUT)
    box.scroll_into_view_if_needed(timeout=UI_TIMEOUT)
    return box


def choose(select, contains: str) -> str:
    """Pick the first option of a <select> whose value contains ``contains``.

    ipywidgets shows labels with non-breaking spaces; the option values keep the label.
    """
    values = select.locator("option").evaluate_all("os => os.map(o => o.value)")
    value = next((v for v in values if contains in v), None)
    assert value is not None, f"no option with {contains!r} in {values[:10]}"
    select.select_option(value=value)
    return value


def test_filter_to_failure_template_pin_a_row_and_see_it_after_rerun(page, lab, lab_workspace):
    assert pinned_events(lab_workspace) == []
    open_notebook(page, lab.url, notebook_path(lab, lab_workspace))
    run_all(page)
    assert error_outputs(page) == []
    assert page.page_errors == []

    ex = explorer(page)
    status = ex.locator(".pm-explore-status")
    expect(status).to_contain_text("rows match", timeout=UI_TIMEOUT)  # views render async
    choose(ex.locator(".pm-explore-template select"), FAILURE_TEMPLATE)
    expect(status).to_contain_text("; template T", timeout=UI_TIMEOUT)
    table = ex.locator(".pm-explore-table")
    expect(table).to_contain_text(FAILURE_TEMPLATE, timeout=UI_TIMEOUT)
    rows = table.locator("tbody tr")
    assert rows.count() > 0
    assert all(FAILURE_TEMPLATE in t for t in rows.all_inner_texts())

    # pin the first row of the page, with a description typed by the analyst
    first = rows.first.inner_text()
    choose(ex.locator(".pm-explore-pin-row select"), FAILURE_TEMPLATE)
    ex.locator(".pm-explore-pin-desc input").fill(DESCRIPTION)
    ex.locator("button.pm-explore-pin").click()
    ex.locator(".pm-explore-pin-status .pm-saved").wait_for(timeout=UI_TIMEOUT)

    deadline = time.monotonic() + SAVE_TIMEOUT
    while not pinned_events(lab_workspace) and time.monotonic() < deadline:
        time.sleep(0.2)
    events = pinned_events(lab_workspace)
    assert len(events) == 1
    ev = events[0]
    assert ev["description"] == DESCRIPTION
    assert ev["kind"] == "pinned"
    assert ev["service"] == "payments"
    assert ev["evidence"]["source"] == "logs.csv.gz"
    assert ev["evidence"]["ref"].startswith("line ")
    assert ev["evidence"]["text"].startswith(FAILURE_TEMPLATE)
    assert ev["evidence"]["text"][:60] in first  # the row shown is the row pinned

    # --- restart and run everything again: the timeline table shows the pinned event
    restart_and_run_all(page)
    assert error_outputs(page) == []
    row = page.locator(".jp-OutputArea .jp-RenderedHTMLCommon table.pm-table tr",
                       has_text="PSP timeouts start failing payments")
    expect(row).to_have_count(1, timeout=UI_TIMEOUT)
    row.scroll_into_view_if_needed(timeout=UI_TIMEOUT)
    text = row.text_content()  # off-screen cells of a windowed notebook have no innerText
    assert "pinned (analyst)" in text
    assert f"logs.csv.gz {ev['evidence']['ref']}" in text
    assert "<b>as text</b>" in text  # markup typed by the analyst stays text
    assert pinned_events(lab_workspace) == events  # re-running did not touch the pin
    assert page.page_errors == []


def open_linked_figure(page, lab, workspace):
    """Run the workspace notebook and draw the linked figures.

    Returns the linked view, its first plot, the explorer's status line and its text.
    """
    open_notebook(page, lab.url, notebook_path(lab, workspace))
    run_all(page)
    assert error_outputs(page) == []
    status = explorer(page).locator(".pm-explore-status")
    expect(status).to_contain_text("rows match", timeout=UI_TIMEOUT)  # views render async
    linked = page.locator(".jp-OutputArea .widget-vbox.pm-linked")
    linked.locator("button.pm-linked-show").click(timeout=UI_TIMEOUT)  # drawn on request
    plot = linked.locator(".js-plotly-plot").first
    plot.wait_for(timeout=UI_TIMEOUT)
    plot.scroll_into_view_if_needed(timeout=UI_TIMEOUT)
    return linked, plot, status, status.inner_text()


def drag_on_failure_panel(page, plot, mode: str, y0: float, y1: float) -> None:
    """Pick ``mode`` in the mode bar, then drag across 35-55% of the failure-rate panel's
    width, from height ``y0`` to ``y1`` (fractions of the panel, from its top)."""
    plot.hover()
    plot.locator(f'.modebar-btn[data-val="{mode}"]').first.click(timeout=UI_TIMEOUT)
    drag = plot.locator(".nsewdrag").nth(1)  # the failure-rate panel (x2)
    drag.scroll_into_view_if_needed(timeout=UI_TIMEOUT)
    box = drag.bounding_box()

    def at(fx: float, fy: float) -> tuple[float, float]:
        return box["x"] + box["width"] * fx, box["y"] + box["height"] * fy

    page.mouse.move(*at(0.35, y0))
    page.mouse.down()
    page.mouse.move(*at(0.45, (y0 + y1) / 2), steps=8)
    page.mouse.move(*at(0.55, y1), steps=8)
    page.mouse.up()


def test_zoom_on_the_linked_figure_filters_the_explorer(page, lab, lab_workspace):
    """Zoom into a time range on the timeline FigureWidget: the explorer's time range
    follows, and the selection is saved as the incident window on request."""
    linked, plot, status, before = open_linked_figure(page, lab, lab_workspace)
    drag_on_failure_panel(page, plot, "zoom", 0.5, 0.55)  # a flat drag zooms in x only
    expect(linked.locator(".pm-linked-status")).to_contain_text("Selected", timeout=UI_TIMEOUT)
    expect(status).not_to_have_text(before, timeout=UI_TIMEOUT)

    linked.locator("button.pm-linked-window").click()
    expect(linked).to_contain_text("Incident window saved", timeout=UI_TIMEOUT)
    window = read_analysis(lab_workspace)["timeline"]["incident_window"]
    assert window["start"] < window["end"]
    # dates reached the browser as dates (a FigureWidget sent int64 nanoseconds before)
    assert window["start"].startswith("2026-03-10T")
    assert page.page_errors == []


def test_box_select_on_a_lower_panel_filters_the_explorer(page, lab, lab_workspace):
    """Box-select on the failure-rate panel (x2): the selection reaches Python.

    It did not before: the hover events that follow a selection went to the kernel on
    the same widget channel and overwrote it while the kernel was busy.
    """
    linked, plot, status, before = open_linked_figure(page, lab, lab_workspace)
    drag_on_failure_panel(page, plot, "select", 0.02, 0.98)  # the panel's whole height
    expect(linked.locator(".pm-linked-status")).to_contain_text("Selected", timeout=UI_TIMEOUT)
    expect(status).not_to_have_text(before, timeout=UI_TIMEOUT)
    assert page.page_errors == []
