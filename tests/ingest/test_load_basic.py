"""The first slice: PagerDuty incident CSV, a generic log CSV (plain and .gz), a deploy CSV."""

from __future__ import annotations

import gzip
import shutil

import pandas as pd
import pytest

from postmortem_nb import schema
from postmortem_nb.errors import MissingColumnError
from postmortem_nb.ingest import load_alerts, load_changes, load_logs

UTC = "datetime64[ns, UTC]"


@pytest.fixture
def data(test_data):
    return test_data / "ingest"


def test_pagerduty_incident_csv(data):
    df = load_alerts(data / "pagerduty_incidents.csv")
    assert list(df.columns[: len(schema.ALERT_COLUMNS)]) == list(schema.ALERT_COLUMNS)
    assert df.attrs["source"]["format"] == "pagerduty_csv"
    assert df["started_at"].dtype == UTC
    row = df.set_index("alert_id").loc["1041"]
    # created_on 15:02:11+01:00 -> 14:02:11Z; ack = created + 312 s
    assert row["started_at"] == pd.Timestamp("2026-03-10T14:02:11Z")
    assert row["acknowledged_at"] == pd.Timestamp("2026-03-10T14:07:23Z")
    assert row["resolved_at"] == pd.Timestamp("2026-03-10T16:21:40Z")
    assert row["severity"] == "SEV1"
    assert row["severity_raw"] == "P1"
    assert row["service"] == "orders-db"
    assert row["acknowledged_by"] == "Jana Richter"
    assert row["source"] == "pagerduty"
    assert pd.isna(row["incident_key"])
    # no priority -> urgency: high -> SEV2, low -> SEV4
    assert df.set_index("alert_id").loc["1042", "severity"] == "SEV2"
    assert df.set_index("alert_id").loc["1043", "severity"] == "SEV4"
    # unresolved, unacknowledged incident stays empty, never invented
    assert pd.isna(df.set_index("alert_id").loc["1043", "acknowledged_at"])
    assert "x_escalation_policy_name" in df.columns
    # sorted by start; each row traces to its line
    assert df["started_at"].is_monotonic_increasing
    assert df.set_index("alert_id").loc["1043", "_line"] == 4


def test_gzip_is_transparent(data):
    plain = load_alerts(data / "pagerduty_incidents.csv")
    packed = load_alerts(data / "pagerduty_incidents.csv.gz")
    pd.testing.assert_frame_equal(plain.drop(columns="_file"), packed.drop(columns="_file"))
    assert packed.attrs["source"]["files"][0]["compressed"] is True
    assert len(packed.attrs["source"]["files"][0]["sha256"]) == 64


def test_generic_log_csv_keeps_extra_names(data, tmp_path):
    df = load_logs(data / "app_logs.csv")
    assert list(df.columns[:5]) == list(schema.LOG_COLUMNS)
    for col in ("request_id", "customer_id", "amount", "http_status", "latency_ms"):
        assert col in df.columns
    assert df["timestamp"].dtype == UTC
    assert df.loc[2, "http_status"] == 503
    assert df.loc[2, "_line"] == 4
    gz = tmp_path / "app_logs.csv.gz"
    with open(data / "app_logs.csv", "rb") as fi, gzip.open(gz, "wb") as fo:
        shutil.copyfileobj(fi, fo)
    assert len(load_logs(gz)) == len(df)


def test_log_window(data):
    df = load_logs(data / "app_logs.csv", start="2026-03-10T14:02:00Z", end="2026-03-10T14:03:00Z")
    assert list(df["request_id"]) == ["req-00003", "req-00004"]


def test_changes_csv(data):
    df = load_changes(data / "deploys.csv")
    assert list(df.columns[:5]) == list(schema.CHANGE_COLUMNS)
    assert list(df["kind"]) == ["deploy", "config"]
    assert df.loc[1, "timestamp"] == pd.Timestamp("2026-03-10T13:40:00Z")
    assert "x_version" in df.columns


def test_several_files_are_concatenated_and_sorted(data, tmp_path):
    second = tmp_path / "more.csv"
    second.write_text(
        "timestamp,level,service,host,message\n2026-03-10T14:01:00Z,INFO,a,h,between\n"
    )
    df = load_logs([data / "app_logs.csv", second])
    assert df["timestamp"].is_monotonic_increasing
    assert df.loc[2, "message"] == "between"
    assert df.loc[2, "_file"] == str(second)
    assert len(df.attrs["source"]["files"]) == 2


def test_generic_headers_match_whatever_their_case(tmp_path):
    logs = tmp_path / "logs.csv"
    logs.write_text(
        "Timestamp,Level,Service,Host,Message\n"
        "2026-03-10T14:00:00Z,ERROR,checkout-api,web-1,payment failed\n"
    )
    df = load_logs(logs)
    assert df.loc[0, "timestamp"] == pd.Timestamp("2026-03-10T14:00:00Z")
    assert df.loc[0, "level"] == "ERROR"
    assert df.loc[0, "host"] == "web-1"
    assert not {"Level", "Host"} & set(df.columns)
    assert any("read 'Timestamp' as 'timestamp'" in w for w in df.attrs["source"]["warnings"])
    # a partial mapping: the rest still matched loosely, never kept as extras beside empties
    mapped = load_logs(logs, mapping={"timestamp": "Timestamp"})
    assert mapped.loc[0, "level"] == "ERROR"
    assert "Level" not in mapped.columns

    alerts = tmp_path / "alerts.csv"
    alerts.write_text("Alert ID,Title,Started At\nA-17,CPU high on db-1,2026-03-10T14:00:00Z\n")
    a = load_alerts(alerts)
    assert a.loc[0, "alert_id"] == "A-17"
    assert a.loc[0, "started_at"] == pd.Timestamp("2026-03-10T14:00:00Z")

    changes = tmp_path / "changes.csv"
    changes.write_text("Time,Service,Kind,Description\n2026-03-10T13:55:00Z,api,deploy,v1.4.2\n")
    c = load_changes(changes)
    assert c.loc[0, "timestamp"] == pd.Timestamp("2026-03-10T13:55:00Z")
    assert c.loc[0, "kind"] == "deploy"


def test_time_is_not_an_alias_beside_a_date_column(tmp_path):
    p = tmp_path / "split.csv"
    p.write_text("Date,Time,Message\n2026-03-10,14:00:00,ok\n")
    with pytest.raises(MissingColumnError, match="'timestamp'"):
        load_logs(p)
    df = load_logs(p, mapping={"timestamp": "Date+Time"}, tz="UTC")
    assert df.loc[0, "timestamp"] == pd.Timestamp("2026-03-10T14:00:00Z")


def test_severities_beyond_the_usual_words(tmp_path):
    p = tmp_path / "alerts.csv"
    p.write_text(
        "alert_id,title,started_at,severity\n"
        "A1,Checkout down,2026-03-10T14:00:00Z,SEV0\n"
        "A2,Payments down,2026-03-10T14:01:00Z,P0\n"
        "A3,DB failover,2026-03-10T14:02:00Z,P1 - Critical\n"
        "A4,Cert renewed,2026-03-10T14:03:00Z,information\n"
        "A5,Disk 80%,2026-03-10T14:04:00Z,spicy\n"
        "A6,Disk 81%,2026-03-10T14:05:00Z,spicy\n"
    )
    df = load_alerts(p)
    assert list(df["severity"][:4]) == ["SEV1", "SEV1", "SEV1", "SEV4"]
    assert df["severity"][4:].isna().all()
    assert list(df["severity_raw"][:2]) == ["SEV0", "P0"]
    warnings = df.attrs["source"]["warnings"]
    unknown = [w for w in warnings if "2 severities not recognised, left empty" in w]
    assert len(unknown) == 1
    assert "'spicy' (2)" in unknown[0]


def test_numeric_severity_column(tmp_path):
    p = tmp_path / "alerts.csv"
    p.write_text(
        "alert_id,title,started_at,severity\n"
        "A1,Checkout down,2026-03-10T14:00:00Z,1\n"
        "A2,Slow page,2026-03-10T14:01:00Z,3\n"
        "A3,Heartbeat,2026-03-10T14:02:00Z,\n"
    )
    df = load_alerts(p)
    assert list(df["severity"][:2]) == ["SEV1", "SEV3"]
    assert any("severities are numbers" in w for w in df.attrs["source"]["warnings"])
