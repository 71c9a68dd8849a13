"""The analyst's workbench in a real JupyterLab: what is typed into the forms survives.

Issue 5, "Done when", last bullet: open the demo incident's workspace notebook, run all
cells, type a summary, add an action item, restart the kernel and run all again: the
content is still shown in the forms, and analysis.json holds it. On the way, the live
blameless check must nudge beside the field it concerns.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
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

SAVE_TIMEOUT = 30.0  # s; the store writes 0.8 s after the last keystroke

# Markdown, non-ASCII and markup that must come back as typed, never interpreted.
SUMMARY = (
    "A config push at 14:02 UTC shrank the payments DB pool to 2 connections; "
    "checkout failed for ~40 min. <b>not bold</b> & “quotes” — ünïcode."
)
TYPED = 24  # characters typed key by key: fast enough under load, still many updates
ACTION = {
    "description": "Add a canary stage to config pushes for checkout-api",
    "owner": "payments platform team",
    "success_criterion": "a bad pool size is rolled back within 5 minutes in the game day",
}
CHOICES = {"priority": "P1", "type": "prevent"}  # dropdowns (<select>) in the action row
WENT_WRONG = "The rollback waited on human error."
BLAME_NOTE = "Blame-oriented wording"


def read_analysis(workspace: Path) -> dict:
    return json.loads((workspace / "analysis.json").read_text(encoding="utf-8"))


def wait_for_disk(workspace: Path, ok: Callable[[dict], bool], what: str) -> dict:
    """Poll analysis.json until ``ok(data)``; the file is replaced atomically, never torn."""
    deadline = time.monotonic() + SAVE_TIMEOUT
    data: dict = {}
    while time.monotonic() < deadline:
        data = read_analysis(workspace)
        if ok(data):
            return data
        time.sleep(0.2)
    pytest.fail(f"analysis.json never held {what} within {SAVE_TIMEOUT:.0f} s; last: {data}")


def form(page, name: str):
    """The live (widget) form of one section, scrolled into view."""
    box = page.locator(f".jp-OutputArea .pm-form.pm-{name}")
    box.wait_for(state="attached", timeout=UI_TIMEOUT)
    box.scroll_into_view_if_needed(timeout=UI_TIMEOUT)
    return box


def assert_quiet(page, lab_url: str) -> None:
    """No tracebacks in the notebook, no browser errors, nothing fetched from outside."""
    assert error_outputs(page) == []
    assert page.page_errors == []
    assert page.console_errors == []
    outside = [u for u in page.requests if not u.startswith((lab_url, "blob:", "data:", "about:"))]
    assert outside == []


def blame_note(lessons) -> None:
    """Exactly one check panel of the lessons form, the one under "went wrong", nudges."""
    note = lessons.locator(".pm-check", has_text=BLAME_NOTE)
    expect(note).to_have_count(1, timeout=UI_TIMEOUT)
    assert "tooling or process" in note.text_content()  # the suggested rewording
    panels = lessons.locator(".pm-check")
    assert BLAME_NOTE in panels.nth(1).text_content()  # went_well, went_wrong, got_lucky


def holds_everything(due: str) -> Callable[[dict], bool]:
    def ok(data: dict) -> bool:
        items = data["action_items"]
        return (
            data["summary"]["what_happened"] == SUMMARY
            and data["lessons"]["went_wrong"] == WENT_WRONG
            and len(items) == 1
            and all(items[0][k] == v for k, v in {**ACTION, **CHOICES, "due": due}.items())
        )

    return ok


def test_typed_summary_and_action_item_survive_restart(lab_page, lab, lab_workspace):
    page = lab_page
    due = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=30)).isoformat()
    before = read_analysis(lab_workspace)
    assert before["summary"]["what_happened"] == ""
    assert before["action_items"] == []

    open_notebook(page, lab.url, notebook_path(lab, lab_workspace))
    run_all(page)
    assert_quiet(page, lab.url)

    # --- type a summary: most of it at once, the rest key by key (a widget update each)
    what = form(page, "summary").locator(".pm-summary-what textarea")
    what.click()
    what.fill(SUMMARY[:-TYPED])
    what.press_sequentially(SUMMARY[-TYPED:])

    # --- add an action item and fill it in
    actions = form(page, "action-items")
    actions.locator("button.pm-action-add").click()
    row = actions.locator(".pm-action-row")
    row.wait_for(timeout=UI_TIMEOUT)
    assert row.count() == 1
    row.locator(".pm-action-description input").fill(ACTION["description"])
    row.locator(".pm-action-owner input").fill(ACTION["owner"])
    row.locator(".pm-action-due input[type=date]").fill(due)
    row.locator(".pm-action-criterion input").fill(ACTION["success_criterion"])
    for field, value in CHOICES.items():
        row.locator(f".pm-action-{field} select").select_option(value)

    # --- blame-oriented wording draws a nudge beside the field, live
    lessons = form(page, "lessons")
    lessons.locator(".pm-lessons-wrong textarea").fill(WENT_WRONG)
    blame_note(lessons)

    saved = wait_for_disk(lab_workspace, holds_everything(due), "everything typed")
    item_id = saved["action_items"][0]["id"]
    # the forms say so too, once the debounced write is done (text_content, not
    # inner_text: JupyterLab skips rendering cells outside the viewport)
    for name in ("summary", "action-items", "lessons"):
        expect(page.locator(f".pm-{name} .pm-save-status")).to_contain_text(
            "Saved to analysis.json", timeout=UI_TIMEOUT
        )
    # the checks ran on what was typed: a complete item draws no owner/due/criterion notes
    notes = row.locator(".pm-check").text_content().lower()
    assert not any(word in notes for word in ("owner", "due", "criterion")), notes

    # --- restart the kernel and run everything again
    restart_and_run_all(page)
    assert_quiet(page, lab.url)

    assert form(page, "summary").locator(".pm-summary-what textarea").input_value() == SUMMARY
    row = form(page, "action-items").locator(".pm-action-row")
    assert row.count() == 1
    assert item_id in row.text_content()
    assert row.locator(".pm-action-description input").input_value() == ACTION["description"]
    assert row.locator(".pm-action-owner input").input_value() == ACTION["owner"]
    assert row.locator(".pm-action-due input[type=date]").input_value() == due
    assert row.locator(".pm-action-criterion input").input_value() == ACTION["success_criterion"]
    for field, value in CHOICES.items():
        assert row.locator(f".pm-action-{field} select").input_value() == value
    lessons = form(page, "lessons")
    assert lessons.locator(".pm-lessons-wrong textarea").input_value() == WENT_WRONG
    blame_note(lessons)

    # re-running wrote nothing over the analysis: the file still holds exactly it
    after = read_analysis(lab_workspace)
    assert holds_everything(due)(after)
    assert after["action_items"][0]["id"] == item_id
    assert after["summary"]["people"] == before["summary"]["people"]
