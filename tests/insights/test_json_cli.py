"""`postmortem insights --json`: the documented shape, carrying the planted facts."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from postmortem_nb.cli import main

from .reportsgen import PERSON, TODAY

DOC = Path(__file__).resolve().parents[2] / "docs" / "insights-schema.md"


def _run(capsys, *args):
    """The console entry point: returns (exit code, stdout, stderr)."""
    code = 0
    try:
        main(list(args))
    except SystemExit as exc:
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def data(reports):
    from click.testing import CliRunner

    from postmortem_nb.cli import cli

    root, _ = reports
    res = CliRunner().invoke(cli, ["insights", str(root), "--json", "--out", "-", "--today",
                                   TODAY.isoformat(), "--tz", "Europe/Berlin"])
    assert res.exit_code == 0, res.output
    return json.loads(res.output)


def test_json_reports_the_planted_trends(data, reports):
    _, exp = reports
    assert data["schema"] == 1
    assert data["counts"] == {"workspaces": 34, "incidents": 31, "outside_period": 0,
                              "could_not_read": 4, "significant": 21}
    ttr = {m["month"]: m["median_s"]["time_to_resolve"]
           for m in data["response_times"]["monthly_median"] if m["severity"] == "all"}
    assert ttr == {"2026-01": 7200.0, "2026-02": 5400.0, "2026-03": 3600.0}
    assert [s["service_key"] for s in data["recurring_services"]] == ["checkout-api"]
    assert data["recurring_services"][0]["incidents"] == 12
    assert data["recurring_factors"][0]["incident_ids"] == exp.pool_incidents
    assert data["action_items"]["counts"]["overdue"] == 3
    overdue = data["action_items"]["overdue"]
    assert [(o["incident_id"], o["id"]) for o in overdue] == exp.overdue
    assert overdue[0]["due"] == "2026-02-01"
    assert overdue[0]["overdue_days"] == 59
    cov = data["coverage"]
    assert [i["incident_id"] for i in cov["significant_without_analysis"]] == exp.without_analysis
    assert [i["incident_id"] for i in cov["stuck_drafts"]] == exp.stuck
    assert cov["final"] == 24
    assert {p["workspace"]: p["file"] for p in data["could_not_read"]} == exp.broken
    tmpl = data["new_error_templates"]
    assert tmpl["available"] is True
    assert tmpl["recurring"][0]["incident_ids"] == exp.template_incidents
    top = {f["code"]: f["incidents"] for f in data["checks"]["top_findings"]}
    assert top["blame-human-error"] == 3
    assert data["today"] == "2026-04-01"
    assert data["timezone"] == "Europe/Berlin"
    rolling = [r for r in data["response_times"]["rolling_median"]
               if r["metric"] == "time_to_resolve"]
    assert rolling[-1]["rolling_median_s"] == 3600.0
    assert {r["severity"] for r in rolling} == {"SEV1", "SEV2", "SEV3"}
    assert all(r["rolling_median_severity_s"] > 0 for r in rolling)
    weeks = data["incidents_per_week"]
    assert sum(w["total"] for w in weeks) == 31
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", weeks[0]["week"])


def test_json_times_are_utc_z_and_values_plain(data):
    text = json.dumps(data, allow_nan=False)  # raises on NaN/inf
    for inc in data["response_times"]["per_incident"]:
        assert inc["start"].endswith("Z")
    assert "NaT" not in text
    assert "nan" not in text.replace("financ", "")


def test_every_top_level_key_is_documented(data):
    doc = DOC.read_text()
    for key in data:
        assert f'"{key}"' in doc, key
    for key in data["action_items"]:
        assert f'"{key}"' in doc, key
    for key in data["coverage"]:
        assert f'"{key}"' in doc, key


def test_json_file_default_location_and_since(reports, tmp_path, capsys):
    root, _ = reports
    out = tmp_path / "x.json"
    code, stdout, _ = _run(capsys, "insights", str(root), "--json", "--out", str(out),
                           "--since", "2026-03-01", "--until", "2026-04-01",
                           "--today", "2026-04-01")
    assert code == 0
    assert stdout.strip() == str(out)
    data = json.loads(out.read_text())
    assert data["counts"]["incidents"] == 10
    assert data["counts"]["outside_period"] == 21
    assert data["period"]["since"] == "2026-03-01T00:00:00Z"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--since", "last tuesday"], "--since"),
        (["--since", "2026-03-01", "--until", "2026-02-01"], "must be after"),
        (["--today", "1.4.2026"], "YYYY-MM-DD"),
        (["--tz", "Mars/Olympus"], "Unknown time zone"),
        (["--min-severity", "huge"], "Unknown severity"),
    ],
)
def test_bad_options_are_one_clean_line(reports, capsys, args, needle):
    root, _ = reports
    code, _, err = _run(capsys, "insights", str(root), "--json", "--out", "-", *args)
    assert code == 2
    assert needle in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_missing_reports_folder(tmp_path, capsys):
    code, _, err = _run(capsys, "insights", str(tmp_path / "nowhere"), "--json")
    assert code == 2
    assert "no such reports folder" in err
    assert "nowhere" in err


def test_help_documents_every_option():
    from click.testing import CliRunner

    from postmortem_nb.cli import cli

    res = CliRunner().invoke(cli, ["insights", "--help"])
    assert res.exit_code == 0
    for opt in ("--since", "--until", "--out", "--json", "--tz", "--stuck-days",
                "--min-severity", "--today"):
        assert opt in res.output


def test_names_of_people_appear_as_their_roles(data):
    text = json.dumps(data)
    assert PERSON[0] not in text
    owners = [o["owner"] for o in data["action_items"]["overdue"]]
    assert owners == ["team-db", PERSON[1], "team-sre"]


@pytest.mark.parametrize("as_json", [False, True])
def test_an_out_in_a_missing_folder_is_an_error(capsys, reports, tmp_path, as_json):
    """It used to create the folders and write x.ipynb beside x.html."""
    root, _ = reports
    missing = tmp_path / "nonexistent" / "dir"
    out = missing / ("x.json" if as_json else "x.html")
    code, _, err = _run(capsys, "insights", str(root), "--out", str(out),
                        *(["--json"] if as_json else []))
    assert code == 2
    assert err.strip() == f"Error: --out: the folder {missing} does not exist."
    assert not missing.parent.exists()
