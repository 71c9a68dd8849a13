from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from postmortem_nb.cli import cli
from postmortem_nb.cli.check import command


def run(*args: str) -> subprocess.CompletedProcess:
    """The real console entry point, as CI would call it."""
    return subprocess.run([sys.executable, "-m", "postmortem_nb", "check", *args],
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": os.getcwd()}, check=False)


@pytest.fixture
def workspace(tmp_path, outage_dict):
    (tmp_path / "analysis.json").write_text(json.dumps(outage_dict))
    return tmp_path


def test_clean_workspace_exits_0_even_strict(workspace):
    result = CliRunner().invoke(command, [str(workspace), "--strict", "--today", "2026-04-01"])
    assert result.exit_code == 0, result.output
    assert "No findings" in result.output


def test_findings_with_and_without_strict(workspace, outage_dict):
    outage_dict["lessons"]["went_wrong"] = "Human error by the on-call."
    outage_dict["action_items"][1]["owner"] = ""
    (workspace / "analysis.json").write_text(json.dumps(outage_dict))
    before = (workspace / "analysis.json").read_bytes()
    lenient = run(str(workspace), "--today", "2026-04-01")
    assert lenient.returncode == 0
    assert "lessons.went_wrong" in lenient.stdout
    assert "action_items[1].owner" in lenient.stdout
    strict = run(str(workspace), "--strict", "--json", "--today", "2026-04-01")
    assert strict.returncode == 1
    payload = json.loads(strict.stdout)
    assert {(f["field"], f["code"]) for f in payload["findings"]} == {
        ("lessons.went_wrong", "blame-human-error"), ("action_items[1].owner", "action-no-owner")}
    assert payload["counts"] == {"error": 0, "warning": 2, "info": 0}  # every key, always
    assert (workspace / "analysis.json").read_bytes() == before  # read-only
    assert sorted(os.listdir(workspace)) == ["analysis.json"]


def test_an_unreadable_override_time_is_an_error_naming_field_and_value(workspace, outage_dict):
    """Typed by hand: export would fail on it, so check fails too (even without --strict)."""
    outage_dict["timeline"]["milestone_overrides"]["resolved"] = {
        "at": "2026-03-10 17:80", "note": "all alerts closed"}
    (workspace / "analysis.json").write_text(json.dumps(outage_dict))
    result = run(str(workspace), "--today", "2026-04-01")
    assert result.returncode == 1
    line = next(x for x in result.stdout.splitlines() if x.startswith("error:"))
    assert "timeline.milestone_overrides.resolved.at" in line
    assert "'2026-03-10 17:80'" in line
    payload = json.loads(run(str(workspace), "--json", "--today", "2026-04-01").stdout)
    assert payload["counts"]["error"] == 1
    [finding] = [f for f in payload["findings"] if f["severity"] == "error"]
    assert (finding["code"], finding["field"]) == (
        "time-unreadable", "timeline.milestone_overrides.resolved.at")


def test_hidden_ids_the_last_draft_did_not_match_are_named(workspace, outage_dict):
    """facts.json beside analysis.json lists hidden ids that matched no derived event."""
    outage_dict["timeline"]["hidden_events"] = ["ev-edbda21e54", "ev-0aa3c1f2d9"]
    (workspace / "analysis.json").write_text(json.dumps(outage_dict))
    (workspace / "facts.json").write_text(json.dumps(
        {"schema": 1, "timezone": "Europe/Berlin", "hidden_events_not_found": ["ev-0aa3c1f2d9"]}))
    result = run(str(workspace), "--today", "2026-04-01")
    assert result.returncode == 0
    [line] = [x for x in result.stdout.splitlines() if "hidden_events" in x]
    assert line.startswith("warning: timeline.hidden_events[1]: The hidden event ev-0aa3c1f2d9")
    assert "unhide_event('ev-0aa3c1f2d9')" in line


def test_overdue_depends_on_today(workspace):
    late = run(str(workspace), "--strict", "--today", "2026-05-01")
    assert late.returncode == 1
    assert "action_items[0].due" in late.stdout
    assert "was due 2026-04-15" in late.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "no analysis file"), ('{"schema": 1, "summary": ', "not valid JSON"),
     ('{"schema": 7}', "newer than"),
     ('{"schema": 1, "lessons": "We got lucky."}', "lessons: expected an object")],
)
def test_unusable_input_exits_2_and_touches_nothing(tmp_path, content, message):
    if content is not None:
        (tmp_path / "analysis.json").write_text(content)
    result = run(str(tmp_path), "--strict")
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    if content is not None:
        assert (tmp_path / "analysis.json").read_text() == content
        assert os.listdir(tmp_path) == ["analysis.json"]


def test_help_is_documented():
    result = CliRunner().invoke(cli, ["check", "--help"])
    assert result.exit_code == 0
    for text in ("--json", "--strict", "Exit status", "blame"):
        assert text in result.output
