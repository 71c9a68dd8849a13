"""`postmortem batch --help` documents every option; bad options are one clean line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from postmortem_nb.cli import cli

OPTIONS = ["--alerts", "--logs", "--changes", "--tz", "--min-severity", "--min-duration",
           "--min-services", "--group-by", "--gap", "--since", "--until", "--jobs", "--out",
           "--force", "--timeout", "--stale-days", "--alerts-map", "--logs-map", "--changes-map"]


def test_help_lists_every_option():
    res = CliRunner().invoke(cli, ["batch", "--help"])
    assert res.exit_code == 0
    for opt in OPTIONS:
        assert opt in res.output
    assert "SEV2" in res.output


def test_a_bad_severity_is_one_line_and_exit_2(tmp_path):
    alerts = tmp_path / "a.csv"
    alerts.write_text("alert_id,service,severity,title,started_at\n"
                      "1,api,critical,down,2026-04-06T10:00:00Z\n")
    proc = subprocess.run(
        [sys.executable, "-m", "postmortem_nb", "batch", "--alerts", str(alerts),
         "--min-severity", "urgent-ish", "--out", str(tmp_path / "r")],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith("Error: Unknown severity 'urgent-ish'")
    assert "Traceback" not in proc.stderr


def test_nothing_significant_writes_the_index_and_exits_0(tmp_path):
    alerts = tmp_path / "a.csv"
    alerts.write_text("alert_id,service,severity,title,started_at,resolved_at\n"
                      "1,api,info,slow,2026-04-06T10:00:00Z,2026-04-06T10:05:00Z\n")
    res = CliRunner().invoke(cli, ["batch", "--alerts", str(alerts), "--out",
                                   str(tmp_path / "r"), "--quiet"])
    assert res.exit_code == 0, res.output
    assert "1 incident, 0 significant" in res.output
    assert (tmp_path / "r" / "index.html").is_file()


def test_an_export_with_its_own_column_names_is_mapped(tmp_path):
    """A ticket system's CSV: without a mapping it is one clean error, with one it runs."""
    alerts = tmp_path / "tickets.csv"
    alerts.write_text("Ticket,Opened,Closed,Summary,Svc,Prio\n"
                      "T-1,2026-04-06T10:00:00Z,2026-04-06T10:05:00Z,Slow search,search,P4\n")
    out = str(tmp_path / "r")
    proc = subprocess.run(
        [sys.executable, "-m", "postmortem_nb", "batch", "--alerts", str(alerts), "--out", out],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 2
    assert "no column for the required 'started_at'" in proc.stderr
    assert "--alerts-map" in proc.stderr
    assert "Traceback" not in proc.stderr
    maps = ["--alerts-map", "started_at=Opened", "--alerts-map", "resolved_at=Closed",
            "--alerts-map", "title=Summary", "--alerts-map", "service=Svc",
            "--alerts-map", "severity=Prio", "--alerts-map", "alert_id=Ticket"]
    res = CliRunner().invoke(cli, ["batch", "--alerts", str(alerts), *maps, "--out", out,
                                   "--quiet"])
    assert res.exit_code == 0, res.output
    assert "1 incident, 0 significant" in res.output  # P4 is below the default SEV2
    index = (tmp_path / "r" / "index.json").read_text()
    assert "Slow search" in index
    assert '"SEV4"' in index


@pytest.mark.parametrize("option", ["--min-duration", "--gap"])
@pytest.mark.parametrize("value", ["30", "1.5", "0"])
def test_a_duration_without_a_unit_is_refused(export, tmp_path, capsys, option, value):
    """'--min-duration 30' was read as 30 ns: every noise alert became significant."""
    from postmortem_nb.cli import main

    out = tmp_path / "r"
    with pytest.raises(SystemExit) as exit_:
        main(["batch", "--alerts", str(export["alerts"]), option, value, "--out", str(out)])
    err = capsys.readouterr().err
    assert exit_.value.code == 2
    assert err.strip() == f"Error: Bad {option} {value!r}: a number needs a unit; " \
                          "use e.g. '30min' or '2h'."
    assert not (out / "index.json").exists()


def test_a_duration_with_a_unit_still_works():
    from postmortem_nb.batch import Criteria

    assert Criteria.from_options(min_duration="30min").min_duration == pd.Timedelta("30min")
    assert Criteria.from_options(min_duration=" 2h ").describe() == "longer than 2 h 00 min"


@pytest.mark.parametrize("command", ["batch", "draft"])
def test_several_files_after_one_logs_option_say_how_to_repeat_it(export, tmp_path, capsys,
                                                                  command):
    from postmortem_nb.cli import main

    a, b = (str(p) for p in export["logs"][:2])
    with pytest.raises(SystemExit) as exit_:
        main([command, "--alerts", str(export["alerts"]), "--logs", a, b,
              "--out", str(tmp_path / "r")])
    err = capsys.readouterr().err
    assert exit_.value.code == 2
    assert "Got unexpected extra argument" in err
    assert "Give each file its own --logs: --logs a.csv.gz --logs b.csv.gz" in err
    assert "Traceback" not in err
    assert not (tmp_path / "r").exists()


def test_the_readme_synopsis_repeats_the_option_not_the_value():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert "[--logs L]..." in readme
    assert "[--logs L ...]" not in readme


def test_what_reading_the_alerts_noted_is_shown(test_data, tmp_path):
    """Bare PagerDuty log entries hold no severity, so nothing is drafted: say why."""
    alerts = test_data / "ingest" / "pagerduty_log_entries.json"
    res = CliRunner().invoke(cli, ["batch", "--alerts", str(alerts), "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert "0 drafted" in res.output
    assert "include[]=incidents" in res.output
    index = json.loads((tmp_path / "index.json").read_text())
    assert any("include[]=incidents" in w for w in index["warnings"])
