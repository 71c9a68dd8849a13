"""Re-drafts on real kernels keep the analyst's workspace, window and every report variant.

Reviewers' cases: the analyst's incident window was ignored on the next run; a grown
export with one earlier alert forked the incident into a new, empty workspace (in draft
and in batch); a re-draft refreshed report.html only, leaving the redacted copy (the one
that gets shared) and report.md showing the older draft.
"""

from __future__ import annotations

import csv
import json
import re

import pytest

from postmortem_nb.analysis import AnalysisStore
from postmortem_nb.demo import DEMO_TZ, demo_inputs
from postmortem_nb.draft import draft
from postmortem_nb.export import export_workspace
from postmortem_nb.workspace import Workspace

pytestmark = [pytest.mark.notebook, pytest.mark.slow]

# An alert the export gained: it fired before the incident's first alert (14:08:47 UTC),
# so the incident's first alert, and the id derived from it, move to 14:05.
EARLIER = ("QZZZNEWALERT02,48264,Checkout 5xx burn rate high,PCK3M9X,Checkout API,"
           "Payments On-Call,2026-03-10T15:05:30+01:00,2026-03-10T16:40:00+01:00,200,5670,"
           "high,P1,resolved,false,0,Luca Romano,Luca Romano\n")


def _grown_alerts(tmp_path):
    path = tmp_path / "alerts-v3.csv"
    text = demo_inputs()["alerts"].read_text()
    path.write_text(text + ("" if text.endswith("\n") else "\n") + EARLIER)
    return path


def _header(html, label):
    return re.search(rf"<dt>{label}</dt><dd>(.*?)</dd>", html).group(1)


def test_the_analysts_incident_window_is_used_on_the_next_run(demo_copy):
    ws = Workspace.existing(demo_copy)
    md = export_workspace(ws, to="markdown")  # a variant the re-execution must refresh
    store = AnalysisStore.open(ws.analysis)
    store.set_incident_window("2026-03-10 14:50", "2026-03-10 17:45", tz=DEMO_TZ)
    store.flush()

    export_workspace(ws)  # the window changed: re-executes, as `postmortem export` does

    facts = json.loads(ws.facts.read_text())
    window = facts["window"]
    assert (window["start"], window["end"]) == ("2026-03-10T13:50:00Z", "2026-03-10T16:45:00Z")
    assert window["source"] == "analyst"
    assert window["reason"].startswith("Incident window set by the analyst in analysis.json")
    html = ws.report.read_text()
    assert "13:50 UTC" in _header(html, "Start")
    assert "16:45 UTC" in _header(html, "End")
    impact = facts["impact"]["failed_transactions"]["method"]
    assert "[2026-03-10T14:03:00Z, 2026-03-10T15:57:00Z)" in impact  # onset inside it
    text = md.read_text()  # report.md was rendered again after the re-execution
    start = next(line for line in text.splitlines() if "Start" in line and "UTC" in line)
    assert "2026-03-10 13:50 UTC" in start


def test_a_grown_export_redrafts_the_same_workspace_and_every_report(demo_copy, tmp_path):
    ws = Workspace.existing(demo_copy)
    analysis = json.loads(ws.analysis.read_text())
    assert analysis["action_items"]  # what the analyst wrote (the bundled example)
    before = ws.analysis.read_bytes()
    md = export_workspace(ws, to="markdown")
    redacted = export_workspace(ws, redact=True)
    assert "Checkout 5xx burn rate high" not in redacted.read_text()

    inputs = demo_inputs()
    result = draft(_grown_alerts(tmp_path), inputs["logs"], inputs["changes"], tz=DEMO_TZ,
                   params={"currency": "EUR"}, out=demo_copy.parent)

    assert result.workspace.root == ws.root, result.same_incident
    assert sorted(p.name for p in demo_copy.parent.iterdir()) == [ws.incident_id]
    assert "same incident as workspace 20260310-1408-payments" in result.same_incident
    assert "20260310-1405-payments" in result.same_incident
    assert ws.analysis.read_bytes() == before
    facts = json.loads(ws.facts.read_text())
    assert "48264" in facts["alert_ids"]
    assert len(facts["alert_ids"]) == 17
    # every report variant shows the new draft, the redacted copy above all
    assert {p.name for p in result.reports} == {"report.html", "report.md",
                                                "report.redacted.html"}
    for path in (ws.report, md, redacted):
        assert "Checkout 5xx burn rate high" in path.read_text(), path.name


def test_a_batch_on_the_grown_export_keeps_the_analysts_workspace(demo_copy, tmp_path):
    from postmortem_nb.batch.runner import run_batch

    ws = Workspace.existing(demo_copy)
    items = json.loads(ws.analysis.read_text())["action_items"]
    inputs = demo_inputs()
    result = run_batch(_grown_alerts(tmp_path), [inputs["logs"]], inputs["changes"],
                       tz=DEMO_TZ, params={"currency": "EUR"}, out=demo_copy.parent,
                       since="2026-03-10", until="2026-03-11", jobs=1, progress=False)

    assert [o.action for o in result.outcomes if o.incident.significant] == ["drafted"]
    assert not (demo_copy.parent / "20260310-1405-payments").exists()
    assert any("same incident as workspace 20260310-1408-payments" in w
               for w in result.warnings)
    index = json.loads((demo_copy.parent / "index.json").read_text())
    row = next(i for i in index["incidents"] if i["significant"])
    assert row["id"] == ws.incident_id
    assert len(row["alert_ids"]) == 17
    with open(demo_copy.parent / "actions.csv", newline="", encoding="utf-8") as fh:
        listed = [r for r in csv.DictReader(fh) if r["incident_id"] == ws.incident_id]
    assert len(listed) == len(items)
