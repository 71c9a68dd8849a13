"""The bundled demo data: shape of the exports, size, determinism, truth consistent."""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "data" / "demo"
PD_COLUMNS = [
    "id",
    "incident_number",
    "description",
    "service_id",
    "service_name",
    "escalation_policy_name",
    "created_on",
    "resolved_on",
    "seconds_to_first_ack",
    "seconds_to_resolve",
    "urgency",
    "priority_name",
    "status",
    "auto_resolved",
    "escalation_count",
    "acknowledged_by_user_names",
    "assigned_to_user_names",
]


def test_files_present_and_small():
    names = {p.name for p in DEMO.iterdir()}
    assert names == {
        "alerts.csv",
        "logs.csv.gz",
        "changes.csv",
        "ground_truth.json",
        "analysis.json",
    }
    assert sum(p.stat().st_size for p in DEMO.iterdir()) < 5 * 1024 * 1024


def test_alerts_look_like_a_pagerduty_incident_report():
    with open(DEMO / "alerts.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == PD_COLUMNS
    assert all(r["created_on"].endswith("+01:00") for r in rows)
    days = {r["created_on"][:10] for r in rows}
    assert len(days) == 7  # a whole week
    assert {r["priority_name"] for r in rows} >= {"P1", "P2", "P3", "P4", "P5", ""}
    flapping = [r for r in rows if r["description"].startswith("Replication lag")]
    assert len(flapping) >= 5
    for r in rows:
        created = pd.Timestamp(r["created_on"])
        resolved = pd.Timestamp(r["resolved_on"])
        assert (resolved - created).total_seconds() == int(r["seconds_to_resolve"])
        if r["seconds_to_first_ack"]:
            assert r["acknowledged_by_user_names"]


def test_logs_have_baseline_incident_and_recovery():
    with gzip.open(DEMO / "logs.csv.gz", "rt") as fh:
        header = fh.readline().strip().split(",")
    assert header == [
        "timestamp",
        "level",
        "service",
        "host",
        "message",
        "request_id",
        "customer_id",
        "amount",
        "http_status",
        "latency_ms",
    ]
    df = pd.read_csv(DEMO / "logs.csv.gz", dtype={"customer_id": "str"})
    assert len(df) >= 100_000
    assert df["timestamp"].str.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$").all()
    ts = pd.to_datetime(df["timestamp"], utc=True)
    assert ts.is_monotonic_increasing
    assert {
        "web-frontend",
        "checkout-api",
        "payments",
        "inventory",
        "reporting-scheduler",
        "postgres-proxy",
    } <= set(df["service"])
    internal = df["http_status"].isna()
    assert internal.sum() > 10_000
    assert (~internal).sum() > 50_000


def test_ground_truth_is_consistent():
    t = json.loads((DEMO / "ground_truth.json").read_text())
    order = [
        pd.Timestamp(t[k])
        for k in ("impact_start", "detected", "acknowledged", "mitigated", "resolved")
    ]
    assert order == sorted(order)
    assert pd.Timestamp(t["trigger_change_at"]) < order[0]
    assert pd.Timedelta("100min") < order[3] - order[0] < pd.Timedelta("130min")
    assert t["failed_transactions"] > t["affected_customers"] > 0
    assert t["revenue_lost"] > 0
    assert t["currency"] == "EUR"
    assert {"transaction", "failure"} <= set(t["definitions"])


@pytest.mark.slow
def test_generator_is_deterministic(tmp_path):
    subprocess.run(
        [sys.executable, str(ROOT / "data" / "make_demo.py"), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    for p in DEMO.iterdir():
        if p.name == "analysis.json":  # written by hand: what an analyst wrote
            continue
        assert (
            hashlib.sha256((tmp_path / p.name).read_bytes()).hexdigest()
            == hashlib.sha256(p.read_bytes()).hexdigest()
        ), p.name


def test_example_analysis_is_valid_and_passes_the_checks():
    import datetime as dt
    import json

    from postmortem_nb.analysis import Analysis, check_analysis

    data = json.loads((DEMO / "analysis.json").read_text())
    analysis = Analysis.from_dict(data)
    assert analysis.to_dict() == data  # current schema, nothing unknown
    assert check_analysis(analysis, today=dt.date(2026, 3, 15)) == []


def test_example_analysis_lists_the_incident_commander_once():
    """The alert export names her "Dana Weber", the change log "dana.w": one person with
    an alias, so the report says "incident commander (on-call SRE)", not "... (2)"."""
    from postmortem_nb.analysis import Analysis

    analysis = Analysis.from_dict(json.loads((DEMO / "analysis.json").read_text()))
    assert analysis.people_labels() == [
        "incident commander (on-call SRE)", "payments on-call engineer",
        "author of the scheduler change"]
    assert [p.names() for p in analysis.summary.people] == [
        ["Dana Weber", "dana.w"], ["Luca Romano"], ["jonas.k"]]
    with open(DEMO / "changes.csv", newline="") as fh:
        authors = {r["author"] for r in csv.DictReader(fh)}
    with open(DEMO / "alerts.csv", newline="") as fh:
        ackers = {r["acknowledged_by_user_names"] for r in csv.DictReader(fh)}
    assert {"dana.w", "jonas.k"} <= authors
    assert {"Dana Weber", "Luca Romano"} <= ackers
