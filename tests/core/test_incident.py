"""Choosing the incident and its stable id from alerts alone."""

from __future__ import annotations

import pandas as pd
import pytest

from postmortem_nb.incident import choose_incident, log_window, main_service
from postmortem_nb.ingest import load_alerts
from postmortem_nb.params import Params
from postmortem_nb.resources import demo_dir
from postmortem_nb.workspace import incident_id_for, slug


def _alerts(rows):
    df = pd.DataFrame(rows, columns=["alert_id", "service", "started_at", "resolved_at"])
    for col in ("started_at", "resolved_at"):
        df[col] = pd.to_datetime(df[col], utc=True)
    df["title"] = "t"
    return df


def test_main_service_is_the_most_frequent_earliest_on_ties():
    df = _alerts([
        ("1", "db", "2026-01-01T10:00Z", "2026-01-01T11:00Z"),
        ("2", "api", "2026-01-01T10:01Z", "2026-01-01T11:00Z"),
        ("3", "api", "2026-01-01T10:02Z", "2026-01-01T11:00Z"),
        ("4", "db", "2026-01-01T10:03Z", "2026-01-01T11:00Z"),
    ])  # fmt: skip
    assert main_service(df) == "db"
    assert main_service(df.iloc[1:]) == "api"


def test_incident_id_is_stable_and_safe():
    start = pd.Timestamp("2026-03-08T14:58:12+01:00")
    assert incident_id_for(start, "Checkout API") == "20260308-1358-checkout-api"
    assert incident_id_for(start, None, key="PD#4711/x") == "pd-4711-x"
    assert slug("../../etc") == "etc"


def test_demo_incident_is_found_from_alerts_and_id_survives_a_larger_export():
    params = Params(alerts=str(demo_dir() / "alerts.csv"), tz="Europe/Berlin")
    choice = choose_incident(params)
    assert choice.first_alert == pd.Timestamp("2026-03-10T14:08:47Z")
    assert len(choice.alert_ids) == 16
    first = incident_id_for(choice.first_alert, choice.service, choice.key)

    alerts = load_alerts(demo_dir() / "alerts.csv", tz="Europe/Berlin")
    later = alerts.copy()
    later["started_at"] = later["started_at"] + pd.Timedelta(days=7)  # next week's incidents
    later["resolved_at"] = later["resolved_at"] + pd.Timedelta(days=7)
    later["severity"] = "SEV5"
    bigger = pd.concat([alerts, later], ignore_index=True)
    again = choose_incident(params, {"alerts": bigger, "logs": None, "changes": None})
    assert incident_id_for(again.first_alert, again.service, again.key) == first


def test_log_window_spans_the_team_day_and_margins():
    params = Params(start="2026-03-10T23:30:00", end="2026-03-11T00:30:00", tz="Europe/Berlin")
    lo, hi = log_window(params, None)
    # Naive times are read in the team zone: 23:30 Berlin = 22:30 UTC.
    assert lo == pd.Timestamp("2026-03-09T23:00Z")  # start of 10 March in Berlin
    assert hi == pd.Timestamp("2026-03-11T23:00Z")  # end of 11 March in Berlin
    assert log_window(Params(), None) is None


def test_unknown_incident_key_lists_known_ones():
    from postmortem_nb.errors import ParameterError

    params = Params(alerts=str(demo_dir() / "alerts.csv"), tz="UTC", incident_key="nope")
    with pytest.raises(ParameterError, match="nope"):
        choose_incident(params)


def test_input_mappings_come_from_the_map_parameters(tmp_path):
    """The *_map parameters hold --map items, one per line; @FILE reads a mapping file."""
    from postmortem_nb.errors import ParameterError
    from postmortem_nb.params import Params

    mapping_file = tmp_path / "logs.map"
    mapping_file.write_text("# the log export's names\ntimestamp=ts\nmessage = msg\n")
    p = Params.from_mapping({
        "alerts_map": "started_at=Created\nservice==checkout\n",
        "logs_map": f"@{mapping_file}",
    })  # fmt: skip
    assert p.mapping("alerts") == {"started_at": "Created", "service": "=checkout"}
    assert p.mapping("logs") == {"timestamp": "ts", "message": "msg"}
    assert p.mapping("changes") is None
    with pytest.raises(ParameterError, match=r"changes_map 'service': expected canonical=source"):
        Params.from_mapping({"changes_map": "service"}).mapping("changes")
