"""Daily log files: an incident reads every file its analysis needs, and drafts record them."""

from __future__ import annotations

import gzip

import pandas as pd
import pytest

from postmortem_nb.batch.grouping import Incident
from postmortem_nb.batch.logfiles import assign_logs
from postmortem_nb.draft import build_params, input_hashes, inputs_changed
from postmortem_nb.incident import load_inputs

DAYS = ["2026-04-06", "2026-04-07", "2026-04-08"]


@pytest.fixture
def daily(tmp_path):
    """Three daily gzip CSVs, a row every 10 minutes, each starting at 00:00Z."""
    paths = []
    for day in DAYS:
        t0 = pd.Timestamp(f"{day}T00:00:00Z")
        rows = [
            f"{(t0 + pd.Timedelta(minutes=10 * i)).strftime('%Y-%m-%dT%H:%M:%SZ')},INFO,api,"
            f"web-1,GET /x 200,200\n"
            for i in range(144)
        ]
        p = tmp_path / f"logs-{day.replace('-', '')}.csv.gz"
        p.write_bytes(
            gzip.compress(
                ("timestamp,level,service,host,message,http_status\n" + "".join(rows)).encode()
            )
        )
        paths.append(p)
    return paths


def incident(name: str, start: str, end: str) -> Incident:
    return Incident(
        id=name,
        alert_ids=[name],
        start=pd.Timestamp(start),
        end=pd.Timestamp(end),
        services=["api"],
        main_service="api",
        severity="SEV2",
        title=name,
    )


def test_each_incident_reads_the_days_it_needs(daily):
    incidents = [
        incident("midday", "2026-04-07T10:00Z", "2026-04-07T11:00Z"),
        incident("midnight", "2026-04-06T23:30Z", "2026-04-07T00:40Z"),
        incident("early", "2026-04-08T00:30Z", "2026-04-08T01:00Z"),  # baseline is the day before
        incident("late", "2026-04-08T20:00Z", "2026-04-09T02:00Z"),  # past the last file
    ]
    picks, warnings = assign_logs(list(reversed(incidents)), list(reversed(daily)))
    assert warnings == []
    names = {k: [p.name for p in v] for k, v in picks.items()}
    assert names == {
        "midday": ["logs-20260407.csv.gz"],
        "midnight": ["logs-20260406.csv.gz", "logs-20260407.csv.gz"],
        "early": ["logs-20260407.csv.gz", "logs-20260408.csv.gz"],
        "late": ["logs-20260408.csv.gz"],
    }
    # a shorter baseline margin needs only the incident's own day
    picks, _ = assign_logs(incidents[2:3], daily, margin=pd.Timedelta("20min"))
    assert [p.name for p in picks["early"]] == ["logs-20260408.csv.gz"]


def test_an_unreadable_file_is_left_out_with_a_warning(daily, tmp_path):
    bad = tmp_path / "logs-broken.csv"
    bad.write_text("timestamp,message\nnot a time,x\n")
    picks, warnings = assign_logs(
        [incident("midday", "2026-04-07T10:00Z", "2026-04-07T11:00Z")], [*daily, bad]
    )
    assert [p.name for p in picks["midday"]] == ["logs-20260407.csv.gz"]
    assert len(warnings) == 1
    assert "logs-broken.csv" in warnings[0]


def test_several_log_files_are_one_parameter_and_read_together(daily, tmp_path):
    alerts = tmp_path / "alerts.csv"
    alerts.write_text(
        "incident_number,description,service_name,created_on,resolved_on,urgency\n"
        "7,Checkout errors,api,2026-04-06T23:30:00Z,2026-04-07T00:40:00Z,high\n"
    )
    params = build_params(alerts, daily[:2], extra={"incident_key": "7"})
    assert params.logs.splitlines() == [str(p.resolve()) for p in daily[:2]]
    frames = load_inputs(params)
    logs = frames["logs"]
    assert logs["timestamp"].min() < pd.Timestamp("2026-04-07T00:00Z") < logs["timestamp"].max()
    assert set(logs["_file"].astype(str)) == {str(p.resolve()) for p in daily[:2]}
    hashes = input_hashes(params.to_dict())
    assert isinstance(hashes["logs"], list)
    assert len(hashes["logs"]) == 2
    record = {"parameters": params.to_dict(), "inputs": hashes}
    assert not inputs_changed(record)
    daily[1].write_bytes(gzip.compress(b"timestamp,message\n2026-04-07T00:00:00Z,changed\n"))
    assert inputs_changed(record)
    daily[1].unlink()
    assert inputs_changed(record)


def test_an_edited_mapping_file_is_a_changed_input(tmp_path):
    alerts = tmp_path / "tickets.csv"
    alerts.write_text("Ticket,Opened,Summary\nT-1,2026-04-06T10:00:00Z,Slow search\n")
    mapping = tmp_path / "tickets.map"
    mapping.write_text("alert_id=Ticket\nstarted_at=Opened\ntitle=Summary\n")
    params = build_params(alerts, None, extra={"alerts_map": f"@{mapping}\nservice==search"})
    assert load_inputs(params, logs=False)["alerts"]["service"].tolist() == ["search"]
    record = {"parameters": params.to_dict(), "inputs": input_hashes(params.to_dict())}
    assert set(record["inputs"]) == {"alerts", "alerts_map"}
    assert not inputs_changed(record)
    mapping.write_text("alert_id=Ticket\nstarted_at=Opened\ntitle=Ticket\n")
    assert inputs_changed(record)
