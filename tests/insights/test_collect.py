"""Reading workspaces: partial and broken ones are listed, never fatal."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from postmortem_nb.errors import WorkspaceError
from postmortem_nb.insights.collect import collect

from .reportsgen import PERSON, TODAY, facts_for


def test_every_readable_incident_is_collected(wb, reports):
    _, exp = reports
    assert sorted(wb.collection.incidents["incident_id"]) == sorted(exp.incidents)
    assert wb.collection.workspaces == len(exp.incidents) + 3  # corrupt, newer schema, notes


def test_broken_workspaces_are_listed_with_what_they_cost(wb, reports):
    _, exp = reports
    problems = wb.collection.problems.set_index("workspace")
    assert dict(zip(problems.index, problems["file"], strict=True)) == exp.broken
    assert "not valid JSON (line 1" in problems.loc["2026-02-14-corrupt", "problem"]
    assert "unknown schema 99" in problems.loc["2026-03-20-newer-schema", "problem"]
    assert "left out of the page" in problems.loc["2026-02-14-corrupt", "effect"]
    torn = problems.loc["2026-02-27-torn-analysis"]
    assert "not valid JSON" in torn["problem"]
    assert "without analysis" in torn["effect"]
    assert str(wb.collection.root) not in torn["problem"]  # short: the workspace column says where
    # the torn workspace still counts, from its facts, as an incident without analysis
    row = wb.collection.incidents.set_index("incident_id").loc["2026-02-27-torn-analysis"]
    assert row["review_status"] == "no analysis"
    assert row["time_to_resolve"] == 90 * 60


def test_timestamps_are_utc_and_durations_seconds(wb):
    inc = wb.collection.incidents
    assert str(inc["start"].dt.tz) == "UTC"
    assert inc["start"].is_monotonic_increasing
    assert inc["time_to_detect"].eq(240).all()


def test_missing_reports_folder_is_a_clean_error(tmp_path):
    with pytest.raises(WorkspaceError, match="no such reports folder"):
        collect(tmp_path / "nope")


def _ws(root, name, facts=None, analysis=None):
    ws = root / name
    ws.mkdir(parents=True)
    if facts is not None:
        (ws / "facts.json").write_text(facts if isinstance(facts, str) else json.dumps(facts))
    if analysis is not None:
        (ws / "analysis.json").write_text(
            analysis if isinstance(analysis, str) else json.dumps(analysis))
    return ws


def test_analyst_override_written_after_the_draft_counts(tmp_path):
    start = dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)
    facts = facts_for("x", start, 100, "SEV2", ["api"])
    analysis = {"schema": 1, "timeline": {"milestone_overrides": {
        "resolved": {"at": "2026-03-02T10:30:00Z", "note": "rollback confirmed"}}}}
    _ws(tmp_path, "x", facts, analysis)
    inc = collect(tmp_path, today=TODAY).incidents.iloc[0]
    assert inc["time_to_resolve"] == 30 * 60
    assert inc["resolved"] == pd.Timestamp("2026-03-02T10:30:00Z")


def test_old_schema_analysis_is_migrated_in_memory_only(tmp_path):
    start = dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)
    old = {"actions": [{"description": "Add a canary", "owner": "team-a", "due": "2026-03-10",
                        "status": "open"}], "review_status": "in review"}
    ws = _ws(tmp_path, "old", facts_for("old", start, 60, "SEV1", ["api"]), old)
    before = (ws / "analysis.json").read_bytes()
    c = collect(tmp_path, today=TODAY)
    assert c.actions[["id", "state"]].values.tolist() == [["A1", "overdue"]]
    assert c.incidents.loc[0, "review_status"] == "in review"
    assert (ws / "analysis.json").read_bytes() == before  # read-only
    assert sorted(p.name for p in ws.iterdir()) == ["analysis.json", "facts.json"]


def test_analysis_without_facts_keeps_actions_and_is_listed(tmp_path):
    analysis = {"schema": 1, "summary": {"severity": "P1", "services": ["db"]},
                "action_items": [{"id": "A1", "description": "x", "due": "2026-01-01"}]}
    _ws(tmp_path, "nofacts", None, analysis)
    c = collect(tmp_path, today=TODAY)
    assert c.problems["file"].tolist() == ["facts.json"]
    assert "missing" in c.problems.loc[0, "problem"]
    assert c.incidents.loc[0, "severity"] == "SEV1"
    assert pd.isna(c.incidents.loc[0, "start"])
    assert c.actions["state"].tolist() == ["overdue"]


@pytest.mark.parametrize(
    ("facts", "needle"),
    [
        ("[1, 2]", "expected a JSON object"),
        (b"\xff\xfe{}", "not UTF-8"),
        ({"schema": 1, "incident": {}, "milestones": {"detected": {"at": "yesterday"}}},
         "milestones.detected.at"),
        ({"schema": 1, "incident": {}, "milestones": {"detected": {"at": "2026-03-01T10:00"}}},
         "has no zone"),
        ({"schema": "1", "incident": {}, "milestones": {}}, "unknown schema '1'"),
        ({"incident": {}, "milestones": {}}, 'no "schema" key'),
        ({"schema": 1, "incident": [], "milestones": {}}, '"incident" must be an object'),
    ],
)
def test_bad_facts_are_described(tmp_path, facts, needle):
    ws = tmp_path / "bad"
    ws.mkdir()
    data = facts if isinstance(facts, bytes) else (
        facts if isinstance(facts, str) else json.dumps(facts)).encode()
    (ws / "facts.json").write_bytes(data)
    c = collect(tmp_path, today=TODAY)
    assert len(c.incidents) == 0
    assert needle in c.problems.loc[0, "problem"]


def test_since_until_select_by_incident_start(reports):
    root, _ = reports
    since, until = pd.Timestamp("2026-02-01T00:00Z"), pd.Timestamp("2026-03-01T00:00Z")
    c = collect(root, since=since, until=until, today=TODAY)
    assert len(c.incidents) == 11  # February's ten plus the torn workspace
    assert c.incidents["start"].between(since, until, inclusive="left").all()
    assert c.outside_window == 20
    assert c.actions["incident_start"].between(since, until, inclusive="left").all()


def test_templates_absent_from_facts_are_reported_as_absent(tmp_path):
    start = dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)
    _ws(tmp_path, "a", facts_for("a", start, 60, "SEV1", ["api"], templates=None))
    c = collect(tmp_path, today=TODAY)
    assert c.templates_carried == 0
    assert c.templates.empty


def test_people_shown_by_role_are_collected(wb, reports):
    from postmortem_nb.insights.collect import people_roles

    root, _ = reports
    assert wb.collection.people == {PERSON[0]: PERSON[1]}
    assert people_roles(root) == {PERSON[0]: PERSON[1]}


def test_a_name_hidden_anywhere_is_hidden_everywhere(tmp_path):
    from postmortem_nb.insights.collect import people_roles

    start = dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)
    for name, show in (("a", True), ("b", False)):
        _ws(tmp_path, name, facts_for(name, start, 60, "SEV1", ["api"]),
            {"schema": 1, "summary": {"people": [
                {"name": "Lee Okafor", "role": "incident commander", "show_name": show}]}})
    assert people_roles(tmp_path) == {"Lee Okafor": "incident commander"}
    assert collect(tmp_path).people == {"Lee Okafor": "incident commander"}


def test_analysis_from_a_newer_tool_is_listed_not_fatal(tmp_path):
    start = dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)
    _ws(tmp_path, "new", facts_for("new", start, 60, "SEV1", ["api"]), {"schema": 7})
    c = collect(tmp_path, today=TODAY)
    assert c.problems["file"].tolist() == ["analysis.json"]
    assert "newer than this postmortem-nb understands" in c.problems.loc[0, "problem"]
    assert c.incidents.loc[0, "review_status"] == "no analysis"
    assert c.incidents.loc[0, "time_to_resolve"] == 3600


def test_an_alert_before_the_impact_signal_is_flagged_not_a_negative_time(tmp_path):
    """The log onset put impact start 7 min after the first alert: time to detect was
    -420 s and pulled the medians down. It is left out of them and flagged instead."""
    from postmortem_nb.insights.params import InsightsParams
    from postmortem_nb.insights.run import insights_data

    start = dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)
    early = facts_for("early", start, 60, "SEV2", ["api"])
    early["milestones"]["impact_start"]["at"] = "2026-03-02T10:11:00Z"  # detected 10:04
    early["durations_s"]["time_to_detect"] = -420.0
    _ws(tmp_path, "early", early)
    _ws(tmp_path, "plain", facts_for("plain", start + dt.timedelta(days=1), 60, "SEV2",
                                     ["api"]))
    incs = collect(tmp_path, today=TODAY).incidents.set_index("incident_id")
    assert pd.isna(incs.loc["early", "time_to_detect"])
    assert bool(incs.loc["early", "alert_before_impact_signal"])
    assert incs.loc["plain", "time_to_detect"] == 240
    assert not incs.loc["plain", "alert_before_impact_signal"]
    data = insights_data(InsightsParams.from_mapping(
        {"reports_dir": str(tmp_path), "today": TODAY.isoformat()}))
    rows = {r["incident_id"]: r for r in data["response_times"]["per_incident"]}
    assert rows["early"]["time_to_detect_s"] is None
    assert rows["early"]["alert_before_impact_signal"] is True
    medians = [m["median_s"]["time_to_detect"] for m in data["response_times"]["monthly_median"]
               if m["severity"] == "all"]
    assert medians == [240.0]


def test_a_persons_aliases_appear_as_their_role(tmp_path):
    """The incident commander owns an action item under her handle "dana.w" (an alias of
    Dana Weber): the insights page and JSON show the role, not the handle."""
    from postmortem_nb.insights.collect import people_roles
    from postmortem_nb.insights.params import InsightsParams
    from postmortem_nb.insights.run import insights_data

    start = dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)
    role = "incident commander"
    _ws(tmp_path, "a", facts_for("a", start, 60, "SEV1", ["api"]),
        {"schema": 1,
         "summary": {"people": [{"name": "Dana Weber", "aliases": ["dana.w", "dweber"],
                                 "role": role, "show_name": False}]},
         "action_items": [{"id": "A1", "description": "Add a schedule lint to the deploy",
                           "owner": "dana.w", "due": "2026-03-09",
                           "success_criterion": "lint rejects 15:00 jobs", "priority": "P2"}]})
    expected = {"Dana Weber": role, "dana.w": role, "dweber": role}
    assert people_roles(tmp_path) == expected
    assert collect(tmp_path, today=TODAY).people == expected
    data = insights_data(InsightsParams.from_mapping(
        {"reports_dir": str(tmp_path), "today": TODAY.isoformat()}))
    assert [o["owner"] for o in data["action_items"]["overdue"]] == [role]
    assert "dana.w" not in json.dumps(data)


def test_an_item_marked_done_by_hand_stays_done_without_a_date(tmp_path):
    """A2 set to done in analysis.json by hand; later only the title is edited through the
    store. No completion date was ever recorded: insights says "done (no date)", not
    "done late" with a date after --today."""
    from postmortem_nb.analysis import AnalysisStore

    start = dt.datetime(2026, 3, 10, 14, tzinfo=dt.UTC)
    analysis = {"schema": 1, "action_items": [
        {"id": "A1", "description": "Add a canary stage", "owner": "team-a",
         "due": "2026-03-12", "status": "done", "done_at": "2026-03-11"},
        {"id": "A2", "description": "Page on pool exhaustion", "owner": "sre",
         "due": "2026-03-20", "status": "done"}]}
    ws = _ws(tmp_path, "pay", facts_for("pay", start, 60, "SEV1", ["payments"]), analysis)
    AnalysisStore(ws).set_summary(title="Payments failed after a pool-size config push")
    c = collect(tmp_path, today=dt.date(2026, 3, 15))
    states = c.actions.set_index("id")
    assert states["state"].to_dict() == {"A1": "done on time", "A2": "done (no date)"}
    assert pd.isna(states.loc["A2", "done_at"])
    codes = c.findings.loc[c.findings["field"] == "action_items[1].done_at", "code"].tolist()
    assert codes == ["action-done-no-date"]
