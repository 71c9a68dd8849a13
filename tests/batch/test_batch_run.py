"""Batch on real kernels: the right drafts, failures isolated, re-runs skip, --force, lock."""

from __future__ import annotations

import csv
import re
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from alertgen import BROKEN, SIGNIFICANT, read_json
from filelock import FileLock

from postmortem_nb.analysis import ActionItem, AnalysisStore
from postmortem_nb.batch.runner import LOCK_NAME, run_batch
from postmortem_nb.errors import WorkspaceError

pytestmark = [pytest.mark.notebook, pytest.mark.slow]


def test_significant_incidents_are_drafted_and_the_broken_one_is_reported(batch_run):
    actions = {o.incident.id: o.action for o in batch_run.outcomes}
    assert {i for i, a in actions.items() if a in ("drafted", "failed")} == SIGNIFICANT
    assert actions[BROKEN] == "failed"
    assert batch_run.exit_code == 1
    for o in batch_run.outcomes:
        if o.action == "drafted":
            ws = o.workspace
            for path in (ws.notebook, ws.analysis, ws.facts, ws.report, ws.record):
                assert path.exists(), path
            assert read_json(ws.facts)["alert_ids"] == o.incident.alert_ids
            assert "done in" in (ws.root / "batch.log").read_text()
    broken = next(o for o in batch_run.outcomes if o.incident.id == BROKEN)
    assert "The notebook failed in cell" in broken.error
    assert re.search(r"logs-20260407\.csv\.gz|[Cc]ompressed", broken.error)
    failed_nb = nbformat.read(broken.workspace.notebook, as_version=4)  # kept, with the error
    assert failed_nb.metadata["papermill"]["exception"] is True
    # stamped as generated: the next draft replaces it instead of keeping it as an edit
    assert failed_nb.metadata["postmortem"]["source_fingerprint"]
    log_text = (broken.workspace.root / "batch.log").read_text()
    assert "draft failed" in log_text
    not_drafted = [o for o in batch_run.outcomes if not o.incident.significant]
    assert len(not_drafted) == 6
    assert all(o.workspace is None for o in not_drafted)


def test_index_json_follows_the_contract(batch_run):
    doc = read_json(batch_run.index["json"])
    assert doc["schema"] == 1
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", doc["generated_at"])
    rows = {r["id"]: r for r in doc["incidents"]}
    assert len(rows) == 9
    assert doc["counts"]["incidents"] == 9
    assert doc["counts"]["significant"] == 3
    assert doc["counts"]["drafted"] == 2
    assert doc["counts"]["failed"] == 1
    for r in doc["incidents"]:
        assert set(r) >= {"id", "title", "severity", "services", "start", "end", "significant",
                          "status", "workspace", "report", "alert_ids", "error"}
        assert r["start"].endswith("Z")
        assert r["end"].endswith("Z")
    ok = rows["20260408-1400-payments"]
    assert ok["status"] == "draft"
    assert ok["error"] is None
    assert ok["report"] == "20260408-1400-payments/report.html"
    assert ok["services"] == ["payments", "checkout-api"]
    assert ok["time_to_detect_s"] is not None
    # the report's start and duration: the logs fail 3 min before the first alert
    facts = read_json(batch_run.out / ok["id"] / "facts.json")
    assert ok["incident_start"] == facts["milestones"]["impact_start"]["at"] < ok["start"]
    assert ok["duration_s"] == facts["durations_s"]["total"] == ok["time_to_resolve_s"]
    assert ok["times_from"] == "facts"
    assert rows[BROKEN]["times_from"] == "alerts"  # failed before its first facts.json
    assert rows[BROKEN]["status"] == "failed"
    assert rows[BROKEN]["error"]
    noise = rows["20260406-0200-web-frontend"]
    assert noise["status"] == "not drafted"
    assert noise["report"] is None
    assert noise["workspace"] is None
    assert not noise["significant"]
    assert noise["reasons"] == ["SEV4 below SEV2"]
    assert ok["reasons"] == ["severity SEV1 is at least SEV2"]
    html = batch_run.index["html"].read_text()
    assert '<div class="why">SEV4 below SEV2</div>' in html


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs.append(dict(attrs)["href"])


def test_every_link_in_the_index_resolves(batch_run):
    from urllib.parse import unquote

    html = batch_run.index["html"]
    parser = _Links()
    parser.feed(html.read_text())
    assert len(parser.hrefs) >= 2 + 2 * 3  # index.json, actions.csv, reports/notebooks/logs
    for href in parser.hrefs:
        assert "://" not in href
        assert (html.parent / unquote(href)).is_file(), href


def test_a_rerun_skips_up_to_date_drafts(batch_run, broken_export):
    before = {o.incident.id: o.workspace.notebook.stat().st_mtime_ns
              for o in batch_run.outcomes if o.action == "drafted"}
    again = run_batch(broken_export["alerts"], broken_export["logs"], tz="Europe/Berlin",
                      jobs=2, out=batch_run.out, progress=False, timeout=600,
                      since="2026-04-06T00:00:00Z", until="2026-04-07T00:00:00Z")
    actions = {o.incident.id: o.action for o in again.outcomes}
    assert actions["20260406-1000-checkout-api"] == "up to date"
    ws = next(o.workspace for o in again.outcomes if o.incident.id in before)
    assert ws.notebook.stat().st_mtime_ns == before[ws.incident_id]


def test_a_grown_export_re_drafts_only_incidents_whose_alerts_changed(batch_run, broken_export):
    """Next week's export has more rows: old incidents with no new alert nearby are kept."""
    path = Path(broken_export["alerts"])
    original = path.read_text()
    later = ("Q00009001,9001,Disk 80% on log host,web-frontend,2026-04-20T02:00:00+00:00,"
             "2026-04-20T02:20:00+00:00,,1200,low,P5,resolved,\n")
    nearby = ("Q00009002,9002,Search latency above 2s,search,2026-04-06T13:00:00+00:00,"
              "2026-04-06T13:10:00+00:00,,600,low,P5,resolved,\n")
    day0 = {"since": "2026-04-06T00:00:00Z", "until": "2026-04-07T00:00:00Z"}
    try:
        path.write_text(original + later)
        grown = run_batch(path, broken_export["logs"], tz="Europe/Berlin", jobs=1,
                          out=batch_run.out, progress=False, timeout=600, **day0)
        assert {o.incident.id: o.action for o in grown.outcomes if o.incident.significant} == {
            "20260406-1000-checkout-api": "up to date"}
        path.write_text(original + later + nearby)  # a new alert the same day
        again = run_batch(path, broken_export["logs"], tz="Europe/Berlin", jobs=1,
                          out=batch_run.out, progress=False, timeout=600, **day0)
        assert {o.incident.id: o.action for o in again.outcomes if o.incident.significant} == {
            "20260406-1000-checkout-api": "drafted"}
        drafted = next(o for o in again.outcomes if o.incident.significant)
        assert read_json(drafted.workspace.record)["alerts_fingerprint"] == drafted.fingerprint
        assert drafted.fingerprint != next(
            o.fingerprint for o in grown.outcomes if o.incident.significant)
    finally:
        path.write_text(original)


def test_force_re_executes_without_touching_analysis(batch_run, broken_export):
    ws = next(o.workspace for o in batch_run.outcomes
              if o.incident.id == "20260406-1000-checkout-api")
    store = AnalysisStore(ws.analysis)

    def write(a):
        a.summary.what_happened = "Checkout flapped; written by the analyst."
        a.action_items.append(ActionItem(id="A1", description="=HYPERLINK(\"http://x\")",
                                         owner="@team-sre", due="2026-05-01",
                                         success_criterion="-1 pages per week"))

    store.update(write)
    store.flush()
    analysis_before = ws.analysis.read_bytes()
    drafted_before = read_json(ws.record)["drafted_at"]
    nb_before = ws.notebook.stat().st_mtime_ns
    forced = run_batch(broken_export["alerts"], broken_export["logs"], tz="Europe/Berlin",
                       jobs=1, out=batch_run.out, progress=False, timeout=600, force=True,
                       since="2026-04-06T00:00:00Z", until="2026-04-07T00:00:00Z")
    assert [o.action for o in forced.outcomes if o.incident.significant] == ["drafted"]
    assert ws.notebook.stat().st_mtime_ns != nb_before
    assert read_json(ws.record)["drafted_at"] >= drafted_before
    assert ws.analysis.read_bytes() == analysis_before
    assert "written by the analyst" in ws.report.read_text()
    # the index reads the analysis: open action item counted, actions.csv neutralised
    row = next(r for r in read_json(forced.index["json"])["incidents"] if r["id"] == ws.incident_id)
    assert row["open_action_items"] == 1
    assert row["has_analysis"] is True
    with open(forced.index["csv"], newline="", encoding="utf-8") as fh:
        items = list(csv.DictReader(fh))
    assert len(items) == 1
    assert items[0]["description"] == "'=HYPERLINK(\"http://x\")"
    assert items[0]["owner"] == "'@team-sre"
    assert items[0]["success_criterion"] == "'-1 pages per week"
    assert items[0]["incident_id"] == ws.incident_id


def test_a_second_batch_in_the_same_folder_is_refused(batch_run, broken_export):
    index_before = Path(batch_run.index["json"]).read_bytes()
    with FileLock(str(batch_run.out / LOCK_NAME)), pytest.raises(
        WorkspaceError, match="Another `postmortem batch` is running"
    ):
        run_batch(broken_export["alerts"], broken_export["logs"], out=batch_run.out,
                  progress=False)
    assert Path(batch_run.index["json"]).read_bytes() == index_before


def test_a_draft_over_its_time_out_fails_alone(broken_export, tmp_path):
    result = run_batch(broken_export["alerts"], broken_export["logs"][:1], out=tmp_path,
                       progress=False, timeout=2, jobs=1,
                       since="2026-04-06T00:00:00Z", until="2026-04-07T00:00:00Z")
    failed = result.failed
    assert [o.incident.id for o in failed] == ["20260406-1000-checkout-api"]
    assert "timed out after 2 s" in failed[0].error
    assert result.exit_code == 1


def test_a_final_workspace_is_left_alone(batch_run, broken_export):
    ws = next(o.workspace for o in batch_run.outcomes
              if o.incident.id == "20260408-1400-payments")
    store = AnalysisStore(ws.analysis)
    store.update({"review.status": "final"})
    store.flush()
    report_before = ws.report.read_bytes()
    again = run_batch(broken_export["alerts"], broken_export["logs"], tz="Europe/Berlin",
                      out=batch_run.out, progress=False, since="2026-04-08T00:00:00Z")
    assert [o.action for o in again.outcomes if o.incident.significant] == ["frozen"]
    assert ws.report.read_bytes() == report_before
    row = next(r for r in read_json(again.index["json"])["incidents"] if r["id"] == ws.incident_id)
    assert row["status"] == "final"
    assert read_json(again.index["json"])["counts"]["frozen"] == 1


def test_a_cell_time_out_is_the_incident_time_out():
    """papermill's cell time-out has the same limit as the incident's alarm; under load it
    can fire first, and the draft still failed because of --timeout."""
    from nbclient.exceptions import CellTimeoutError

    from postmortem_nb.batch.pool import IncidentTimeout, _timed_out
    from postmortem_nb.errors import ExecutionError

    def wrapped(cause: BaseException) -> ExecutionError:
        try:
            raise ExecutionError("Executing postmortem.ipynb failed") from cause
        except ExecutionError as exc:
            return exc

    assert _timed_out(wrapped(CellTimeoutError("a cell timed out")))
    assert _timed_out(IncidentTimeout())
    assert _timed_out(wrapped(IncidentTimeout()))
    assert not _timed_out(wrapped(RuntimeError("kernel died")))
    assert not _timed_out(ValueError("bad data"))


def test_a_renamed_export_is_the_same_input(batch_run, broken_export, tmp_path):
    """Date-stamped weekly exports: a new file name (a superset of last week's rows) and log
    files copied elsewhere are compared by content; a changed parameter re-drafts."""
    import shutil

    original = Path(broken_export["alerts"]).read_text()
    later = ("Q00009001,9001,Disk 80% on log host,web-frontend,2026-04-20T02:00:00+00:00,"
             "2026-04-20T02:20:00+00:00,,1200,low,P5,resolved,\n")
    renamed = tmp_path / "alerts-2026-04-20.csv"
    renamed.write_text(original + later)
    logs = [shutil.copy(p, tmp_path / Path(p).name) for p in broken_export["logs"]]
    day0 = {"since": "2026-04-06T00:00:00Z", "until": "2026-04-07T00:00:00Z"}
    again = run_batch(renamed, logs, tz="Europe/Berlin", jobs=1, out=batch_run.out,
                      progress=False, timeout=600, **day0)
    assert [o.action for o in again.outcomes if o.incident.significant] == ["up to date"]
    changed = run_batch(renamed, logs, tz="Europe/Berlin", jobs=1, out=batch_run.out,
                        progress=False, timeout=600, params={"baseline": "3h"}, **day0)
    assert [o.action for o in changed.outcomes if o.incident.significant] == ["drafted"]
    ws = next(o.workspace for o in changed.outcomes if o.incident.significant)
    assert read_json(ws.record)["parameters"]["baseline"] == "3h"


def test_log_files_without_rows_near_an_incident_do_not_fail_its_draft(export, tmp_path):
    """Only the first day's log file: it is taken to cover later days too, but has no row
    near the day-2 incident. The draft completes as without --logs, and says so."""
    result = run_batch(export["alerts"], export["logs"][:1], tz="Europe/Berlin", jobs=1,
                       out=tmp_path, progress=False, timeout=600,
                       since="2026-04-08T00:00:00Z")
    outcome = next(o for o in result.outcomes if o.incident.significant)
    assert outcome.incident.id == "20260408-1400-payments"
    assert outcome.action == "drafted", outcome.error
    assert read_json(outcome.workspace.record)["parameters"]["logs"]  # the file was given
    warning = ("No log rows in this incident's window: the log files given do not cover it; "
               "the story comes from the alerts alone")
    assert warning in read_json(outcome.workspace.facts)["warnings"]
    assert "No log rows in this incident" in outcome.workspace.report.read_text()
    row = next(r for r in read_json(result.index["json"])["incidents"]
               if r["id"] == outcome.incident.id)
    assert row["notes"] == ["no log rows in this incident's window"]
    assert row["status"] == "draft"
    assert "no log rows in this incident&#x27;s window" in result.index["html"].read_text()


def test_a_failed_draft_still_counts_in_insights(batch_run):
    """The broken incident failed before facts.json: insights counts it as significant and
    without a post-mortem instead of ignoring its folder."""
    from postmortem_nb.insights.params import InsightsParams
    from postmortem_nb.insights.run import insights_data

    failed = read_json(batch_run.out / BROKEN / "batch-failed.json")
    assert failed["incident"]["severity"] == "SEV1"
    assert not (batch_run.out / BROKEN / "facts.json").exists()
    data = insights_data(InsightsParams.from_mapping(
        {"reports_dir": str(batch_run.out), "today": "2026-04-20"}))
    missing = {r["incident_id"]: r for r in data["coverage"]["significant_without_analysis"]}
    assert BROKEN in missing
    assert missing[BROKEN]["severity"] == "SEV1"
    assert missing[BROKEN]["start"] == "2026-04-07T09:00:00Z"
    assert data["counts"]["significant"] == len(SIGNIFICANT)
    problem = next(p for p in data["could_not_read"] if p["workspace"] == BROKEN)
    assert problem["problem"].startswith("the draft failed: ExecutionError")
    assert "counted without a post-mortem" in problem["effect"]
    assert not any("not an incident" in p["problem"] for p in data["could_not_read"])


def test_draft_by_an_incident_number_is_the_batch_incident(export, tmp_path):
    """`postmortem draft --incident 1010` on the PagerDuty export, which has no incident
    keys: 1010 is the number of the checkout-api alert of the payments outage. The draft
    is the outage batch drafts (both alerts, batch's workspace), its window found from the
    alerts and the logs, and nothing says it was given."""
    from postmortem_nb.draft import draft

    result = draft(export["alerts"], export["logs"], incident="1010", tz="Europe/Berlin",
                   out=tmp_path)
    assert result.workspace.incident_id == "20260408-1400-payments"
    facts = read_json(result.workspace.facts)
    assert facts["alert_ids"] == ["1009", "1010"]
    assert result.window_reason.startswith(
        "Window from the incident of alert 1010 (2 alerts overlapping or within 15 min")
    assert "given" not in result.window_reason
    # the log onset came before the first alert: the window starts there
    assert "Start moved to the onset of the log failure signal" in facts["window"]["reason"]
    assert facts["window"]["start"] < "2026-04-08T14:00:00Z"
    record = read_json(result.workspace.record)["parameters"]
    assert (record["incident_key"], record["alert_ids"], record["start"]) == ("", "1009,1010", "")
