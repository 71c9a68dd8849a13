"""Re-drafts, exports and frozen workspaces never lose what people wrote."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from postmortem_nb.analysis import AnalysisStore
from postmortem_nb.demo import DEMO_TZ, demo_inputs
from postmortem_nb.draft import draft
from postmortem_nb.export import export_workspace
from postmortem_nb.resources import demo_dir
from postmortem_nb.workspace import Workspace

pytestmark = [pytest.mark.notebook, pytest.mark.slow]


def _write_analysis(path, **summary):
    store = AnalysisStore(path)
    store.update(lambda a: [setattr(a.summary, k, v) for k, v in summary.items()])
    store.flush()


def test_export_shows_an_edit_without_re_executing(demo_copy):
    ws = Workspace.existing(demo_copy)
    before = ws.notebook.stat().st_mtime_ns
    _write_analysis(ws.analysis, what_happened="The **scheduler** flooded the primary database.")
    export_workspace(ws)
    html = ws.report.read_text()
    assert "<strong>scheduler</strong> flooded the primary database" in html
    assert ws.notebook.stat().st_mtime_ns == before


def _override(ws, **milestones):
    from postmortem_nb.analysis.model import MilestoneOverride

    store = AnalysisStore(ws.analysis)
    store.update(lambda a: a.timeline.milestone_overrides.update(
        {k: MilestoneOverride(at=at, note=note) for k, (at, note) in milestones.items()}))
    store.flush()


def test_export_after_milestone_overrides_makes_the_whole_report_agree(demo_copy):
    ws = Workspace.existing(demo_copy)
    old = json.loads(ws.facts.read_text())
    _override(ws, impact_start=("2026-03-10T14:00:00Z", "job start"),
              mitigated=("2026-03-10T15:51:30Z", "pool limit raised"))
    export_workspace(ws)
    facts = json.loads(ws.facts.read_text())
    ms = facts["milestones"]
    assert ms["impact_start"]["at"] == "2026-03-10T14:00:00Z"
    assert ms["impact_start"]["source"] == ms["mitigated"]["source"] == "analyst"
    assert ms["mitigated"]["at"] == "2026-03-10T15:51:30Z"
    assert facts["durations_s"]["time_to_detect"] == 527.0  # 14:00:00 -> 14:08:47
    method = facts["impact"]["failed_transactions"]["method"]
    assert "[2026-03-10T14:00:00Z, 2026-03-10T15:51:30Z)" in method
    assert (facts["impact"]["failed_transactions"]["value"]
            != old["impact"]["failed_transactions"]["value"])
    html = ws.report.read_text()
    assert "2026-03-10 14:00 UTC" in html  # header
    assert "2026-03-10 14:03 UTC" not in html
    assert "Impact start (analyst)" in html
    assert "Impact start (derived)" not in html
    assert "2026-03-10T14:03:00Z, 2026-03-10T15:57:00Z" not in html  # no old impact window
    assert "Detected 8 min 47 s after impact start;" in html  # 14:00:00 -> 14:08:47
    # a second export finds nothing stale and does not re-execute
    before = ws.notebook.stat().st_mtime_ns
    export_workspace(ws)
    assert ws.notebook.stat().st_mtime_ns == before


def _figure_titles(nb_path: Path) -> list[str]:
    """The titles of the Plotly figures the executed notebook shows."""
    nb = nbformat.read(nb_path, as_version=4)
    return [o["data"]["application/vnd.plotly.v1+json"]["layout"].get("title", {}).get("text", "")
            for cell in nb.cells for o in cell.get("outputs", [])
            if "application/vnd.plotly.v1+json" in o.get("data", {})]


def test_a_new_title_re_executes_so_figure_and_facts_follow(demo_copy):
    ws = Workspace.existing(demo_copy)
    title = "Checkout payments failed: the reporting job exhausted DB connections"
    assert title not in _figure_titles(ws.notebook)
    _write_analysis(ws.analysis, title=title)
    export_workspace(ws)
    assert json.loads(ws.facts.read_text())["incident"]["title"] == title
    assert title in _figure_titles(ws.notebook)  # the timeline figure's title
    before = ws.notebook.stat().st_mtime_ns  # nothing stale any more: no second run
    export_workspace(ws)
    assert ws.notebook.stat().st_mtime_ns == before


def test_an_unreadable_override_is_named_and_a_failed_run_is_no_hand_edit(demo_copy):
    """"17:80" typed into analysis.json by hand: export names the file and the field and
    runs no kernel; a draft fails on it; once fixed, the next export replaces the failed
    notebook (the tool's own output) instead of keeping it as a hand edit."""
    from postmortem_nb.errors import ExecutionError, ParameterError

    ws = Workspace.existing(demo_copy)
    data = json.loads(ws.analysis.read_text())
    data["timeline"]["milestone_overrides"]["resolved"] = {
        "at": "2026-03-10 17:80", "note": "last alert closed"}
    ws.analysis.write_text(json.dumps(data))
    before = ws.notebook.read_bytes()
    with pytest.raises(ParameterError) as err:
        export_workspace(ws)
    assert str(ws.analysis) in str(err.value)
    assert "timeline.milestone_overrides.resolved.at '2026-03-10 17:80'" in str(err.value)
    assert ws.notebook.read_bytes() == before
    inputs = demo_inputs()
    with pytest.raises(ExecutionError, match=r"timeline\.milestone_overrides\.resolved\.at"):
        draft(inputs["alerts"], inputs["logs"], inputs["changes"], tz=DEMO_TZ,
              out=demo_copy.parent)
    data["timeline"]["milestone_overrides"]["resolved"]["at"] = "2026-03-10 17:20"
    ws.analysis.write_text(json.dumps(data))
    export_workspace(ws)
    assert list(ws.root.glob("postmortem.edited-*")) == []
    resolved = json.loads(ws.facts.read_text())["milestones"]["resolved"]
    assert (resolved["at"], resolved["source"]) == ("2026-03-10T16:20:00Z", "analyst")


def test_markdown_export(demo_copy):
    ws = Workspace.existing(demo_copy)
    _write_analysis(ws.analysis, what_happened="Checkout payments failed for two hours.")
    path = export_workspace(ws, to="markdown")
    text = path.read_text()
    assert path.name == "report.md"
    assert "Checkout payments failed for two hours." in text
    assert "## 1. Incident summary" in text


def test_redraft_keeps_analysis_and_a_hand_edited_notebook(demo_copy):
    ws = Workspace.existing(demo_copy)
    _write_analysis(ws.analysis, what_happened="Written by the analyst; must survive.")
    analysis_before = ws.analysis.read_bytes()
    nb = nbformat.read(ws.notebook, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("wb.story.counts  # my own look"))
    nbformat.write(nb, ws.notebook)

    inputs = demo_inputs()
    result = draft(inputs["alerts"], inputs["logs"], inputs["changes"], tz=DEMO_TZ,
                   out=demo_copy.parent)

    assert result.workspace.root == ws.root
    assert result.executed
    assert ws.analysis.read_bytes() == analysis_before
    kept = [p for p in result.kept if p.suffix == ".ipynb"]
    assert len(kept) == 1
    assert "my own look" in kept[0].read_text()
    assert "Written by the analyst; must survive." in ws.report.read_text()


def test_final_workspace_is_frozen_unless_forced(demo_copy):
    ws = Workspace.existing(demo_copy)
    store = AnalysisStore(ws.analysis)
    store.update({"review.status": "final"})
    store.flush()
    report_before = ws.report.read_bytes()
    inputs = demo_inputs()

    result = draft(inputs["alerts"], inputs["logs"], inputs["changes"], tz=DEMO_TZ,
                   out=demo_copy.parent)
    assert not result.executed
    assert "final" in result.skipped
    assert ws.report.read_bytes() == report_before

    result = draft(inputs["alerts"], inputs["logs"], inputs["changes"], tz=DEMO_TZ,
                   out=demo_copy.parent, force=True)
    assert result.executed
    copies = sorted(p.name for p in ws.root.glob("report.final-*.html"))
    assert len(copies) == 1
    assert (ws.root / copies[0]).read_bytes() == report_before
    assert list(ws.root.glob("facts.final-*.json"))
    assert json.loads(ws.analysis.read_text())["review"]["status"] == "final"


def test_alerts_only_incident(tmp_path):
    inputs = demo_inputs()
    result = draft(inputs["alerts"], tz="UTC", out=tmp_path)
    facts = json.loads(result.workspace.facts.read_text())
    assert result.executed
    assert facts["milestones"]["detected"]["at"] is not None
    assert facts["impact"]["failed_transactions"]["value"] is None
    assert os.path.getsize(result.workspace.report) > 10_000
    html = result.workspace.report.read_text()
    assert "there are no logs to measure impact from" in html
    assert html.count('class="pm-figure"') == 1  # the timeline only


def test_report_shows_roles_not_names_unless_chosen(demo_copy):
    ws = Workspace.existing(demo_copy)
    people = {p.name: p for p in AnalysisStore(ws.analysis).analysis.summary.people}
    assert "Dana Weber" in people  # proposed from the alert export by the draft
    export_workspace(ws)
    html = ws.report.read_text()
    assert "Dana Weber" not in html
    assert people["Dana Weber"].role in html
    # the change log's "dana.w" is her alias: swapped too, and she is listed once
    assert people["Dana Weber"].aliases == ["dana.w"]
    assert "dana.w" not in html
    assert f"{people['Dana Weber'].role} (2)" not in html

    store = AnalysisStore(ws.analysis)
    store.update(lambda a: [setattr(p, "show_name", True) for p in a.summary.people
                            if p.name == "Dana Weber"])
    store.flush()
    export_workspace(ws)
    assert "Dana Weber" in ws.report.read_text()

    redacted = export_workspace(ws, redact=True)
    assert redacted.name == "report.redacted.html"
    text = redacted.read_text()
    assert "Dana Weber" not in text
    assert "dana.w" not in text
    # the inputs' folders (a user name, a client) are not shared; names and hashes are
    facts = json.loads(ws.facts.read_text())
    paths = [f["path"] for rec in facts["inputs"] for f in rec["files"]]
    assert str(Path(paths[0]).parent) in ws.report.read_text()
    for path in paths:
        assert str(Path(path).parent) + "/" not in text
        assert Path(path).name in text


def test_a_moved_workspace_notebook_works_on_its_own_folder(demo_draft, demo_copy):
    """The notebook carries no absolute workspace path: run where it lies, it uses that folder."""
    from postmortem_nb.execute import execute

    original = demo_draft.workspace
    before = original.facts.read_bytes()
    (demo_copy / "facts.json").unlink()
    execute(demo_copy / "postmortem.ipynb", demo_copy / "rerun.ipynb", {}, cwd=demo_copy)
    assert (demo_copy / "facts.json").is_file()
    assert original.facts.read_bytes() == before


def test_logs_split_across_two_files_give_the_same_facts(tmp_path):
    """An incident whose logs span two files (daily exports) reads both: exact impact."""
    inputs = demo_inputs()
    header, *rows = gzip.decompress(inputs["logs"].read_bytes()).decode().splitlines(True)
    cut = next(i for i, r in enumerate(rows) if r >= "2026-03-10T15:00")  # mid-incident
    parts = []
    for name, chunk in (("logs-a.csv.gz", rows[:cut]), ("logs-b.csv.gz", rows[cut:])):
        p = tmp_path / name
        p.write_bytes(gzip.compress((header + "".join(chunk)).encode()))
        parts.append(p)
    result = draft(
        inputs["alerts"], parts, inputs["changes"], tz=DEMO_TZ,
        params={"currency": "EUR"}, out=tmp_path / "reports",
    )
    facts = json.loads(result.workspace.facts.read_text())
    truth = json.loads((demo_dir() / "ground_truth.json").read_text())
    assert facts["impact"]["failed_transactions"]["value"] == truth["failed_transactions"]
    assert facts["impact"]["affected_customers"]["value"] == truth["affected_customers"]
    got = pd.Timestamp(facts["milestones"]["mitigated"]["at"])
    assert abs(got - pd.Timestamp(truth["mitigated"])) <= pd.Timedelta("2min")
    record = json.loads(result.workspace.record.read_text())
    assert len(record["inputs"]["logs"]) == 2
    assert record["parameters"]["logs"].splitlines() == [str(p.resolve()) for p in parts]
