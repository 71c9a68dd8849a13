"""`postmortem inspect` on every fixture, in-process and through the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from postmortem_nb.ingest.inspect import inspect_file

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "ingest"

# fixture -> (kind, keyword arguments it needs, expected format)
FIXTURES = {
    "pagerduty_incidents.csv": ("alerts", {}, "pagerduty_csv"),
    "pagerduty_incidents.csv.gz": ("alerts", {}, "pagerduty_csv"),
    "pagerduty_incidents_api.json": ("alerts", {}, "pagerduty_incidents"),
    "pagerduty_get_incident.json": ("alerts", {}, "pagerduty_incidents"),
    "pagerduty_log_entries.json": ("alerts", {}, "pagerduty_log_entries"),
    "pagerduty_incidents_outages.json": ("alerts", {}, "pagerduty_incidents"),
    "pagerduty_log_entries_incidents.json": ("alerts", {}, "pagerduty_log_entries"),
    "pagerduty_analytics_raw.csv": ("alerts", {"tz": "Europe/Berlin"}, "pagerduty_analytics"),
    "opsgenie_alerts.json": ("alerts", {}, "opsgenie"),
    "opsgenie_alerts.csv": ("alerts", {}, "opsgenie"),
    "opsgenie_get_alert.json": ("alerts", {}, "opsgenie"),
    "alertmanager_webhook.json": ("alerts", {}, "alertmanager_webhook"),
    "alertmanager_webhook_k8s.json": ("alerts", {}, "alertmanager_webhook"),
    "alertmanager_webhooks.jsonl": ("alerts", {}, "alertmanager_webhook"),
    "alertmanager_api_alerts.json": ("alerts", {}, "alertmanager_api"),
    "alertmanager_groups.json": ("alerts", {}, "alertmanager_groups"),
    "grafana_webhook.json": ("alerts", {}, "grafana_webhook"),
    "generic_alerts.csv": (
        "alerts",
        {"tz": "UTC", "mapping": {"started_at": "Opened", "title": "Summary"}},
        "generic_alerts",
    ),
    "app_logs.csv": ("logs", {}, "generic_logs"),
    "app_logs.tsv": (
        "logs",
        {"tz": "UTC", "mapping": {"timestamp": "time", "message": "text"}},
        "generic_logs",
    ),
    "app_logs_excel_unicode.txt": ("logs", {}, "generic_logs"),  # UTF-16 with its BOM
    "splunk_export.csv": ("logs", {}, "splunk_csv"),
    "kibana_discover.csv": ("logs", {"tz": "Europe/Berlin"}, "elastic_csv"),
    "cloudwatch_insights.csv": ("logs", {}, "cloudwatch_insights_csv"),
    "HDFS_2k.log_structured.csv": ("logs", {"tz": "UTC"}, "loghub_hdfs"),
    "Linux_2k.log_structured.csv": (
        "logs",
        {"tz": "UTC", "mapping": {"year": "2005"}},
        "loghub_syslog",
    ),
    "Zookeeper_2k.log_structured.csv": ("logs", {"tz": "UTC"}, "loghub_csv"),
    "gcp_logentries.jsonl": ("logs", {}, "gcp_logentry"),
    "gcp_cloud_run.json": ("logs", {}, "gcp_logentry"),
    "loki_logcli.jsonl": ("logs", {}, "loki_jsonl"),
    "loki_logcli_v3.jsonl": ("logs", {}, "loki_jsonl"),
    "deploys.csv": ("changes", {}, "generic_changes"),
    "github_deployments.json": ("changes", {}, "github_deployments"),
    "github_releases.json": ("changes", {}, "github_releases"),
    "git_log.txt": ("changes", {}, "git_log"),
    "changes.json": (
        "changes",
        {"mapping": {"timestamp": "time", "description": "summary"}},
        "generic_changes",
    ),
}


def test_every_fixture_is_covered():
    on_disk = {p.name for p in DATA.iterdir() if p.is_file()}
    assert on_disk - set(FIXTURES) <= {"pagerduty_analytics_raw.json"}  # DST case, own test


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_inspect_every_fixture(name):
    kind, kw, fmt = FIXTURES[name]
    result = inspect_file(DATA / name, kind=kind, **kw)
    assert result.format == fmt
    assert result.rows > 0
    assert result.start is not None
    assert result.start.endswith("Z")
    # without --kind the kind is found from the content (when no mapping is needed)
    if not kw.get("mapping"):
        assert inspect_file(DATA / name, **kw).kind == kind


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "postmortem_nb", "inspect", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_cli_json():
    out = _cli(str(DATA / "pagerduty_incidents.csv"), "--json", "--tz", "Europe/Berlin")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["kind"] == "alerts"
    assert doc["format"] == "pagerduty_csv"
    assert doc["rows"] == 3
    assert doc["start"] == "2026-03-09T03:12:00Z"
    assert doc["end"] == "2026-03-10T14:09:45Z"
    assert "started_at" in doc["columns"]
    assert doc["skipped_rows"] == 0


def test_cli_map_and_text():
    out = _cli(
        str(DATA / "generic_alerts.csv"),
        "--kind",
        "alerts",
        "--map",
        "started_at=Opened",
        "--map",
        "title=Summary",
        "--tz",
        "Europe/Berlin",
    )
    assert out.returncode == 0, out.stderr
    assert "format:   generic_alerts" in out.stdout
    assert "2026-03-10T14:04:00Z" in out.stdout
    assert "Europe/Berlin" in out.stdout


def test_cli_error_is_one_clean_line():
    out = _cli(str(DATA / "generic_alerts.csv"), "--kind", "alerts")
    assert out.returncode != 0
    assert "Traceback" not in out.stderr
    assert out.stderr.startswith("Error: ")
    assert "--map started_at=<column>" in out.stderr
    assert len(out.stderr.strip().splitlines()) <= 2


def test_cli_help_is_documented():
    out = _cli("--help")
    assert out.returncode == 0
    assert "--map" in out.stdout
    assert "--json" in out.stdout


@pytest.mark.parametrize("name", ["app_logs.tsv", "changes.json"])
def test_no_kind_fits_names_the_closest_kinds(name):
    from postmortem_nb.errors import MissingColumnError

    with pytest.raises(MissingColumnError) as err:
        inspect_file(DATA / name)
    msg = str(err.value)
    assert "not recognised as alerts, logs or changes" in msg
    assert "logs, which lacks 'message' (--kind logs --map message=<column>)" in msg
    assert "changes, which lacks 'description'" in msg
    assert "started_at" not in msg  # not the alerts error of the first kind tried


def test_no_kind_needed_when_a_kind_fits_loosely(tmp_path):
    p = tmp_path / "logs.csv"
    p.write_text(
        "Timestamp,Level,Service,Host,Message\n"
        "2026-03-10T14:00:00Z,ERROR,checkout-api,web-1,payment failed\n"
    )
    got = inspect_file(p)
    assert got.kind == "logs"
    assert got.empty_columns == []


def test_cli_prints_each_warning_once(tmp_path):
    p = tmp_path / "excel.csv"
    p.write_text(
        "sep=,\ntimestamp,level,service,host,message\n2026-03-10T14:00:00Z,INFO,api,web-1,ok\n"
    )
    out = _cli(str(p), "--kind", "logs")
    assert out.returncode == 0, out.stderr
    both = out.stdout + out.stderr
    assert both.count("1 line before the header skipped") == 1
    assert "warning: excel.csv: 1 line before the header skipped" in out.stdout
