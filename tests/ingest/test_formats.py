"""Every supported export format, detected from content, on small realistic fixtures."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from postmortem_nb import schema
from postmortem_nb.errors import InputFormatError, TimestampError
from postmortem_nb.ingest import load_alerts, load_changes, load_logs

T = pd.Timestamp


@pytest.fixture
def data(test_data):
    return test_data / "ingest"


def by_id(df):
    return df.set_index("alert_id")


# --------------------------------------------------------------------------- alerts
def test_pagerduty_rest_incidents(data):
    df = load_alerts(data / "pagerduty_incidents_api.json")
    assert df.attrs["source"]["format"] == "pagerduty_incidents"
    a = by_id(df)
    assert a.loc["1041", "acknowledged_at"] == T("2026-03-10T14:07:23Z")
    assert a.loc["1041", "acknowledged_by"] == "Jana Richter"
    assert a.loc["1041", "resolved_at"] == T("2026-03-10T16:21:40Z")
    assert a.loc["1041", "severity"] == "SEV1"
    assert a.loc["1041", "service"] == "orders-db"
    # no priority: urgency low -> SEV4; still open -> no resolution invented
    assert a.loc["1042", "severity"] == "SEV4"
    assert pd.isna(a.loc["1042", "resolved_at"])
    assert "x_escalation_policy.summary" in df.columns


def test_pagerduty_log_entries(data):
    df = load_alerts(data / "pagerduty_log_entries.json")
    assert df.attrs["source"]["format"] == "pagerduty_log_entries"
    a = by_id(df)
    assert len(a) == 2
    # without include[]=incidents the number comes from the reference's "[#1041] ..."
    row = a.loc["1041"]
    assert row["title"] == "PostgresHighCPU db-primary-01"
    assert row["x_incident.id"] == "Q1ZK4V7T2M8XQ"
    assert row["started_at"] == T("2026-03-10T14:02:11Z")
    assert row["acknowledged_at"] == T("2026-03-10T14:07:23Z")
    assert row["resolved_at"] == T("2026-03-10T16:21:40Z")
    assert row["acknowledged_by"] == "Jana Richter"
    assert row["service"] == "orders-db"
    assert row["x_trigger.agent.summary"] == "Prometheus"  # who triggered it
    assert pd.isna(a.loc["1042", "resolved_at"])
    # no urgency or priority in bare log entries: said, with how to get them
    assert df["severity"].isna().all()
    notes = df.attrs["source"]["warnings"]
    assert any("include[]=incidents" in w for w in notes), notes


def test_pagerduty_log_entries_with_their_incidents(data):
    """``GET /log_entries?include[]=incidents`` embeds each entry's incident."""
    df = load_alerts(data / "pagerduty_log_entries_incidents.json")
    assert df.attrs["source"]["format"] == "pagerduty_log_entries"
    a = by_id(df)
    assert list(a.index) == ["2301", "2302", "2310"]
    row = a.loc["2301"]
    assert row["severity"] == "SEV1"  # priority P1
    assert row["title"] == "CheckoutHighErrorRate: 5xx rate above 5% on checkout-api"
    assert row["service"] == "checkout-api"
    assert row["acknowledged_at"] == T("2026-03-10T14:11:02Z")
    assert row["resolved_at"] == T("2026-03-10T14:45:10Z")
    assert row["x_entries"] == 4
    assert a.loc["2302", "severity"] == "SEV2"  # no priority: urgency high
    assert a.loc["2310", "severity"] == "SEV2"
    # the incident's other fields are kept; the entries' own only for the trigger
    assert row["x_incident.id"] == "Q0RIJJZL24RC6W"
    assert row["x_incident.escalation_policy.summary"] == "Commerce On-Call"
    assert row["x_incident.urgency"] == "high"
    assert json.loads(row["x_teams"])[0]["summary"] == "Commerce SRE"
    assert row["x_trigger.channel.type"] == "api"
    assert row["x_trigger.agent.summary"] == "Prometheus Alertmanager"
    assert not [c for c in df.columns if c.startswith("x_") and "user" in c]  # a notify's
    assert not any("include[]=incidents" in w for w in df.attrs["source"]["warnings"])


def test_pagerduty_incident_number_selects_from_log_entries(data):
    """``draft --incident 2301`` finds the incident in a log entries export too: the alert
    and the other page of the same outage (2302, 42 s later), not the next day's 2310."""
    from postmortem_nb.incident_window import select_incident_alerts

    for name in ("pagerduty_log_entries_incidents.json", "pagerduty_incidents_outages.json"):
        chosen = select_incident_alerts(load_alerts(data / name), incident_key="2301")
        assert chosen["alert_id"].tolist() == ["2301", "2302"], name


@pytest.mark.parametrize(
    "name", ["pagerduty_incidents_outages.json", "pagerduty_log_entries_incidents.json"]
)
def test_pagerduty_dedup_key_is_kept_but_not_the_incident_key(data, name):
    """PagerDuty's incident_key de-duplicates events; it does not group its incidents
    (the same key pages again as #2318 after #2310 resolved)."""
    df = load_alerts(data / name)
    assert df["incident_key"].isna().all()
    kept = "x_incident_key" if "x_incident_key" in df.columns else "x_incident.incident_key"
    assert by_id(df).loc["2310", kept] == "d41c9a7e0b6f4b52a1e3c8f07d2b9e61"
    # a user who means it can still map it
    if name == "pagerduty_incidents_outages.json":
        mapped = load_alerts(data / name, mapping={"incident_key": "incident_key"})
        assert by_id(mapped).loc["2318", "incident_key"] == "d41c9a7e0b6f4b52a1e3c8f07d2b9e61"


def test_pagerduty_analytics_needs_zone(data):
    with pytest.raises(TimestampError, match="no time zone") as err:
        load_alerts(data / "pagerduty_analytics_raw.csv")
    # the request's time_zone decides the zone; its default is Etc/UTC
    assert "time_zone its request named (Etc/UTC" in str(err.value)
    assert str(err.value).startswith(str(data / "pagerduty_analytics_raw.csv"))
    df = load_alerts(data / "pagerduty_analytics_raw.csv", tz="Europe/Berlin")
    assert df.attrs["source"]["format"] == "pagerduty_analytics"
    a = by_id(df)
    assert a.loc["1041", "started_at"] == T("2026-03-10T14:02:11Z")
    assert a.loc["1041", "acknowledged_at"] == T("2026-03-10T14:07:23Z")
    assert a.loc["1042", "severity"] == "SEV2"


def test_pagerduty_analytics_json(data, monkeypatch):
    # 2026-03-29 02:30 does not exist in Berlin: 1 of 2 rows bad is above the 1% limit
    with pytest.raises(TimestampError, match="DST"):
        load_alerts(data / "pagerduty_analytics_raw.json", tz="Europe/Berlin")
    monkeypatch.setenv("POSTMORTEM_MAX_BAD_ROWS", "60%")
    df = load_alerts(data / "pagerduty_analytics_raw.json", tz="Europe/Berlin")
    a = by_id(df)
    assert a.loc["1041", "resolved_at"] == T("2026-03-10T16:21:40Z")
    # reported and dropped, not shifted
    assert "1050" not in a.index
    # without tz the zone the export states ("time_zone") is used, and said so
    stated = load_alerts(data / "pagerduty_analytics_raw.json")
    assert by_id(stated).loc["1041", "started_at"] == T("2026-03-10T14:02:11Z")
    assert any("as the file states" in w for w in stated.attrs["source"]["warnings"])
    skipped = df.attrs["source"]["skipped_rows"]
    assert any("DST" in s["reason"] for s in skipped)


@pytest.mark.parametrize("name", ["opsgenie_alerts.json", "opsgenie_alerts.csv"])
def test_opsgenie(data, name):
    df = load_alerts(data / name)
    assert df.attrs["source"]["format"] == "opsgenie"
    a = by_id(df)
    assert a.loc["1791", "started_at"] == T("2026-03-10T14:04:30.129Z")
    assert a.loc["1791", "severity"] == "SEV1"
    assert a.loc["1791", "title"] == "Payment error rate above 5% for 5m"
    assert a.loc["1792", "severity"] == "SEV4"
    # Opsgenie alerts have no service field: the entity names the application
    assert a.loc["1791", "service"] == "payments"
    assert pd.isna(a.loc["1792", "service"])  # an empty entity is not a service
    if name.endswith(".json"):
        assert a.loc["1791", "acknowledged_at"] == T("2026-03-10T14:07:02.129Z")
        assert a.loc["1791", "resolved_at"] == T("2026-03-10T16:30:10.129Z")
        assert pd.isna(a.loc["1792", "resolved_at"])


def test_header_in_other_case_and_spacing_is_matched(data, tmp_path):
    """A UI export may write "Tiny ID"/"Created At" for the API's tinyId/createdAt."""
    text = (data / "opsgenie_alerts.csv").read_text()
    head, body = text.split("\n", 1)
    titled = {
        "tinyId": "Tiny ID",
        "message": "Message",
        "createdAt": "Created At",
        "priority": "Priority",
        "status": "Status",
    }
    p = tmp_path / "opsgenie_ui.csv"
    p.write_text(",".join(titled.get(c, c) for c in head.split(",")) + "\n" + body)
    df = load_alerts(p)
    assert df.attrs["source"]["format"] == "opsgenie"
    want = load_alerts(data / "opsgenie_alerts.csv")
    cols = ["alert_id", "title", "severity", "started_at", "status"]
    pd.testing.assert_frame_equal(df[cols], want[cols])
    notes = df.attrs["source"]["warnings"]
    assert any("matched loosely" in w and "'Created At'" in w for w in notes)
    # a column the user maps by its own name is left as it is
    mapped = load_alerts(p, mapping={"title": "Message"})
    assert mapped["title"].tolist() == want["title"].tolist()


def test_alertmanager_webhook(data):
    # two alerts with different label sets (only the first has service, only the second
    # role): a label an alert lacks is no label, not an error
    df = load_alerts(data / "alertmanager_webhook.json")
    assert df.attrs["source"]["format"] == "alertmanager_webhook"
    assert len(df) == 2
    row = df.iloc[0]
    assert row["title"] == "Postgres CPU above 90% on db-primary-01"
    assert row["service"] == "orders-db"
    assert row["severity"] == "SEV1"
    assert row["resolved_at"] == T("2026-03-10T16:20:11Z")
    assert "x_labels.instance" in df.columns
    assert pd.isna(row["x_labels.role"])
    replica = df.iloc[1]
    assert replica["alert_id"] == "5e0d7a91c4b3f862"
    assert replica["service"] == "postgres-exporter"  # no service label: the job's
    assert replica["x_labels.role"] == "replica"
    assert replica["status"] == "firing"
    assert pd.isna(replica["resolved_at"])
    # candidates that supplied no value are kept: the rule name beside its summary
    assert row["x_labels.alertname"] == "PostgresHighCPU"
    assert row["x_labels.job"] == "postgres-exporter"
    assert "x_annotations.summary" not in df.columns  # it is the title
    assert "x_labels.service" not in df.columns


def test_alertmanager_webhook_kubernetes_keeps_rule_name_and_namespace(data):
    # a real kube-state-metrics alert: summary set, service from job, namespace beside it
    df = load_alerts(data / "alertmanager_webhook_k8s.json")
    row = df.iloc[0]
    assert row["title"] == "Kubernetes Deployment Replicas Mismatch"
    assert row["service"] == "eric-pm-kube-state-metrics"
    assert row["x_labels.alertname"] == "Deployment"
    assert row["x_labels.namespace"] == "eric-eo-cm-ci406"
    assert "x_labels.job" not in df.columns


def test_alertmanager_webhook_json_lines(data):
    # a webhook log: aa01 fires (line 1), bb02 fires (2), aa01 is re-sent after
    # repeat_interval (3), aa01 resolves (4), aa01 fires again with a new startsAt (5)
    df = load_alerts(data / "alertmanager_webhooks.jsonl")
    assert len(df) == 3  # one row per (fingerprint, startsAt), not one per notification
    first = df[(df["alert_id"] == "aa01") & (df["started_at"] == T("2026-03-10T14:03:10Z"))]
    assert len(first) == 1
    row = first.iloc[0]
    assert row["status"] == "resolved"  # from the latest notification
    assert row["resolved_at"] == T("2026-03-10T16:05:40Z")
    assert row["service"] == "payments"  # from labels.job
    assert row["severity"] == "SEV3"
    assert row["_line"] == 1  # where it first appears
    assert row["x_notifications"] == 3
    firing = df[df["alert_id"] == "bb02"].iloc[0]
    assert pd.isna(firing["resolved_at"])  # endsAt 0001-01-01 is not a resolution
    assert firing["status"] == "firing"
    assert firing["x_notifications"] == 1
    again = df[(df["alert_id"] == "aa01") & (df["started_at"] == T("2026-03-10T17:12:00Z"))]
    assert again.iloc[0]["status"] == "firing"
    assert pd.isna(again.iloc[0]["resolved_at"])
    assert sorted(df["_line"]) == [1, 2, 5]
    # a fingerprint names a series: its two firing episodes are not a duplicated id
    assert not [w for w in df.attrs["source"]["warnings"] if "more than one row" in w]


def test_an_alert_id_on_several_rows_is_reported(data, tmp_path):
    """An alert number reused (or an export read twice) would be pulled into any incident
    chosen by that id: the rows are named, with their lines and whether they start alike."""
    text = (data / "pagerduty_incidents.csv").read_text(encoding="utf-8").splitlines()
    header, rows = text[0], text[1:]
    copy = rows[0].replace("2026-03-10", "2026-03-12")  # the same number, two days later
    path = tmp_path / "alerts.csv"
    path.write_text("\n".join([header, *rows, copy, rows[1]]) + "\n", encoding="utf-8")
    df = load_alerts([path], tz="UTC")
    (note,) = [w for w in df.attrs["source"]["warnings"] if "more than one row" in w]
    n = len(rows)
    assert note.startswith("2 alert ids are on more than one row")
    assert f"2 different starts: alerts.csv line 2, alerts.csv line {n + 2}" in note
    assert f"the same start: alerts.csv line 3, alerts.csv line {n + 3}" in note
    assert "--map alert_id=COLUMN" in note


def test_alertmanager_api_alerts(data):
    df = load_alerts(data / "alertmanager_api_alerts.json")
    assert df.attrs["source"]["format"] == "alertmanager_api"
    a = df.set_index("alert_id")
    # an active alert's endsAt is an expiry, not a resolution
    assert pd.isna(a.loc["3f9a0c1d22e4b511", "resolved_at"])
    assert a.loc["3f9a0c1d22e4b511", "severity"] == "SEV2"
    assert a.loc["77aa0c1d22e4b599", "title"] == "NodeDiskFilling"  # no summary
    assert a.loc["77aa0c1d22e4b599", "service"] == "node-exporter"
    # alertname gave one title, but the other alert's rule name is only there: kept for both
    assert a["x_labels.alertname"].tolist() == ["CheckoutLatencyHigh", "NodeDiskFilling"]


def test_alertmanager_groups(data):
    # 9b1c... is routed to two receivers: listed in both groups, it is one alert
    df = load_alerts(data / "alertmanager_groups.json")
    assert df.attrs["source"]["format"] == "alertmanager_groups"
    assert df["alert_id"].tolist() == ["9b1c0d2e3f405162", "d20f6e3a7b9c1845"]
    assert df.loc[0, "title"] == "Too many DB connections (480/500)"
    assert df.loc[0, "status"] == "active"
    assert df.loc[0, "service"] == "orders-db"
    names = [r["name"] for r in json.loads(df.loc[0, "x_receivers"])]
    assert names == ["pagerduty-db", "slack-db"]
    assert df.loc[1, "service"] == "postgres-exporter"  # other labels: no service, a job
    assert "x_notifications" not in df.columns  # groups are not notifications
    assert not [w for w in df.attrs["source"]["warnings"] if "more than one row" in w]


def test_alertmanager_groups_without_alert_receivers(data, tmp_path):
    """An alert without its own receivers list gets the receivers of the groups it is in."""
    groups = json.loads((data / "alertmanager_groups.json").read_text())
    for group in groups:
        for alert in group["alerts"]:
            del alert["receivers"]
    p = tmp_path / "groups.json"
    p.write_text(json.dumps(groups, indent=2))
    df = load_alerts(p)
    assert len(df) == 2
    receivers = [[r["name"] for r in json.loads(v)] for v in df["x_receivers"]]
    assert receivers == [["pagerduty-db", "slack-db"], ["slack-db"]]


def test_grafana_webhook(data):
    df = load_alerts(data / "grafana_webhook.json")
    assert df.attrs["source"]["format"] == "grafana_webhook"
    assert df.loc[0, "source"] == "grafana"
    assert df.loc[0, "severity"] == "SEV1"
    assert df.loc[0, "service"] == "checkout-api"
    assert pd.isna(df.loc[0, "resolved_at"])
    # the second alert has other labels: no service or severity, a region
    assert df.loc[1, "alert_id"] == "a81e44f0c93b7d12"
    assert pd.isna(df.loc[1, "service"])
    assert pd.isna(df.loc[1, "severity_raw"])
    assert df.loc[1, "x_labels.region"] == "eu-west-1"
    assert df.loc[0, "x_labels.alertname"] == "Checkout error rate"  # the rule's name


def test_webhook_alerts_without_fingerprint_are_told_apart_by_their_labels(tmp_path):
    """Without a fingerprint an alert is its label set: a label it lacks, or has empty, is
    absent (as in Prometheus), so its re-sent notifications fold into one row however the
    other alerts' labels differ."""

    def hook(status, *alerts):
        return {"version": "4", "groupKey": "{}", "status": status, "receiver": "r",
                "alerts": list(alerts)}  # fmt: skip

    def alert(labels, status="firing", ends="0001-01-01T00:00:00Z"):
        return {"status": status, "labels": labels, "annotations": {},
                "startsAt": "2026-03-10T14:00:00Z", "endsAt": ends}  # fmt: skip

    a = {"alertname": "A", "severity": "warning"}
    b = {"alertname": "B"}
    lines = [
        hook("firing", alert(a), alert(b)),
        hook("firing", alert({**b, "severity": ""})),  # an empty label is no label
        hook("resolved", alert(b, "resolved", "2026-03-10T15:00:00Z")),
        hook("firing", alert({**b, "job": "x"})),  # another alert: one more label
    ]
    p = tmp_path / "hooks.jsonl"
    p.write_text("".join(json.dumps(h) + "\n" for h in lines))
    df = load_alerts(p)
    assert df["title"].tolist() == ["A", "B", "B"]
    assert df["x_notifications"].tolist() == [1, 3, 1]
    assert df["_line"].tolist() == [1, 1, 4]
    assert df["resolved_at"].tolist()[1] == T("2026-03-10T15:00:00Z")
    assert df["status"].tolist() == ["firing", "resolved", "firing"]


def test_generic_alerts_with_mapping(data):
    mapping = {
        "alert_id": "Ticket",
        "started_at": "Opened",
        "title": "Summary",
        "service": "Component",
        "severity": "Level",
    }
    df = load_alerts(data / "generic_alerts.csv", mapping=mapping, tz="Europe/Berlin")
    assert df.attrs["source"]["format"] == "generic_alerts"
    assert df.loc[0, "started_at"] == T("2026-03-10T14:04:00Z")
    assert list(df["severity"]) == ["SEV1", "SEV3"]
    assert list(df["severity_raw"]) == ["critical", "warning"]


# ----------------------------------------------------------------------------- logs
def test_splunk_csv(data):
    df = load_logs(data / "splunk_export.csv")
    assert df.attrs["source"]["format"] == "splunk_csv"
    assert df.loc[0, "timestamp"] == T("2026-03-10T14:02:11.004Z")
    assert df.loc[0, "host"] == "pay-1"
    assert df.loc[0, "level"] == "ERROR"
    assert df.loc[0, "message"].startswith("2026-03-10 15:02:11,004 ERROR")
    # quoted newline in _si: line numbers still point at the record's first line
    assert sorted(df["_line"]) == [2, 4]
    assert "sourcetype" in df.columns


def test_kibana_csv_display_format_needs_zone(data):
    with pytest.raises(TimestampError):
        load_logs(data / "kibana_discover.csv")
    df = load_logs(data / "kibana_discover.csv", tz="Europe/Berlin")
    assert df.attrs["source"]["format"] == "elastic_csv"
    assert df.loc[0, "timestamp"] == T("2026-03-10T14:00:00.120Z")
    assert df.loc[1, "service"] == "payments"
    assert df.loc[1, "level"] == "ERROR"
    assert "http.response.status_code" in df.columns


def test_kibana_csv_coalesced_host_keeps_the_values_not_taken(tmp_path):
    # host.name empty on one row: host.hostname fills it, but it holds a value on the
    # other row too, so it stays as its own column
    p = tmp_path / "discover.csv"
    p.write_text(
        '"@timestamp","log.level","service.name","host.name","host.hostname",message\n'
        '"2026-03-10T14:02:11.004Z",ERROR,payments,"pay-1","ip-10-0-1-7",'
        '"Payment failed"\n'
        '"2026-03-10T14:02:12.870Z",ERROR,"checkout-api",,"ip-10-0-2-9","Upstream 503"\n',
        encoding="utf-8",
    )
    df = load_logs(p)
    assert df["host"].tolist() == ["pay-1", "ip-10-0-2-9"]
    assert df["host.hostname"].tolist() == ["ip-10-0-1-7", "ip-10-0-2-9"]
    assert "host.name" not in df.columns  # every value it holds is in host


def test_cloudwatch_insights(data):
    df = load_logs(data / "cloudwatch_insights.csv")
    assert df.attrs["source"]["format"] == "cloudwatch_insights_csv"
    assert df.loc[0, "timestamp"] == T("2026-03-10T14:02:11.004Z")
    assert df.loc[0, "message"].startswith('{"level":"error"')
    assert "@logStream" in df.columns


def test_loghub_hdfs(data):
    df = load_logs(data / "HDFS_2k.log_structured.csv", tz="UTC")
    assert df.attrs["source"]["format"] == "loghub_hdfs"
    assert df.loc[0, "timestamp"] == T("2008-11-09T20:36:15Z")
    assert df.loc[0, "level"] == "INFO"
    assert "EventTemplate" in df.columns


def test_loghub_syslog_needs_a_year(data):
    with pytest.raises(TimestampError, match="no year"):
        load_logs(data / "Linux_2k.log_structured.csv", tz="UTC")
    df = load_logs(data / "Linux_2k.log_structured.csv", tz="UTC", mapping={"year": "2005"})
    assert df.loc[2, "timestamp"] == T("2005-06-15T02:04:59Z")


def test_loghub_split_date_time(data):
    df = load_logs(data / "Zookeeper_2k.log_structured.csv", tz="UTC")
    assert df.attrs["source"]["format"] == "loghub_csv"
    assert df.loc[0, "timestamp"] == T("2015-07-29T17:41:44.747Z")


def test_gcp_logentry(data):
    df = load_logs(data / "gcp_logentries.jsonl")
    assert df.attrs["source"]["format"] == "gcp_logentry"
    err = df[df["level"] == "ERROR"].iloc[0]
    assert err["message"].startswith("Payment failed")
    assert err["service"] == "payments"
    assert err["httpRequest.status"] == 503
    assert err["jsonPayload.customer_id"] == "C10023"
    assert df.loc[0, "message"] == "GET /healthz 200"  # textPayload
    assert err["timestamp"] == T("2026-03-10T14:02:11.004123Z")


def test_gcp_logentry_cloud_run_requests_and_audit_entries(data, tmp_path):
    # gcloud logging read --format=json: a request log and an audit log entry carry no
    # textPayload/jsonPayload; their message comes from httpRequest or protoPayload
    df = load_logs(data / "gcp_cloud_run.json")
    assert df.attrs["source"]["format"] == "gcp_logentry"
    audit, started, request = df.to_dict("records")
    assert request["message"] == (
        "POST https://us-central1-mybazaar-c4881.cloudfunctions.net/loginWithPin 500"
    )
    assert request["level"] == "ERROR"
    assert request["service"] == "loginwithpin"
    assert request["httpRequest.status"] == 500  # still there for impact and signals
    assert audit["message"] == (
        "google.cloud.serverless.internal.InternalServices.ReplaceInternalService "
        "namespaces/mybazaar-c4881/services/loginwithpin"
    )
    assert audit["protoPayload.serviceName"] == "run.googleapis.com"
    assert started["message"] == "[2025-10-15 02:25:54 +0000] [1] [INFO] Starting gunicorn 23.0.0"
    # an export of request logs alone has no payload column at all
    only = tmp_path / "requests.json"
    entries = json.loads((data / "gcp_cloud_run.json").read_text(encoding="utf-8"))
    only.write_text(json.dumps([entries[2]]), encoding="utf-8")
    assert load_logs(only)["message"].tolist() == [request["message"]]


def test_loki_jsonl(data):
    df = load_logs(data / "loki_logcli.jsonl")
    assert df.attrs["source"]["format"] == "loki_jsonl"
    assert df.loc[1, "timestamp"] == T("2026-03-10T14:02:11.004123456Z")
    assert df.loc[1, "service"] == "payments"
    assert df.loc[1, "level"] == "error"
    assert df.loc[1, "host"] == "payments-7c9d8-abcde"


def test_loki_jsonl_keeps_labels_not_read_as_service(data):
    # Loki 3 adds service_name and detected_level; app and job stay as they are
    df = load_logs(data / "loki_logcli_v3.jsonl")
    assert df["service"].tolist() == ["api", "api"]
    assert df["level"].tolist() == ["info", "error"]
    assert df["labels.app"].tolist() == ["api", "api"]
    assert df["labels.job"].tolist() == ["board/api", "board/api"]
    assert "labels.service_name" not in df.columns
    assert "labels.detected_level" not in df.columns


def test_generic_tsv_with_mapping(data):
    mapping = {
        "timestamp": "time",
        "level": "severity",
        "service": "app",
        "host": "node",
        "message": "text",
    }
    df = load_logs(data / "app_logs.tsv", mapping=mapping, tz="Europe/Berlin")
    assert df.loc[0, "timestamp"] == T("2026-03-10T14:02:11Z")
    assert list(df.columns[:5]) == list(schema.LOG_COLUMNS)


# -------------------------------------------------------------------------- changes
def test_github_deployments(data):
    df = load_changes(data / "github_deployments.json")
    assert df.attrs["source"]["format"] == "github_deployments"
    last = df.iloc[-1]
    assert last["timestamp"] == T("2026-03-10T13:40:00Z")
    assert last["author"] == "mkeller"
    assert last["service"] == "report-scheduler"
    assert last["kind"] == "deploy"
    assert last["description"] == "Deploy scheduler config: nightly report cron"
    assert df.iloc[0]["description"] == "deploy v1.8.2@0e1f2a3 to production"


def test_github_releases(data):
    df = load_changes(data / "github_releases.json")
    assert df.attrs["source"]["format"] == "github_releases"
    assert df.loc[0, "timestamp"] == T("2026-03-10T09:15:22Z")
    assert df.loc[0, "description"] == "v2.14.0: faster cart totals"
    assert df.loc[0, "kind"] == "release"
    assert df.loc[0, "service"] == "checkout-api"
    # the candidates not read (the draft is skipped) are kept
    assert df.loc[0, "x_created_at"] == "2026-03-10T08:55:02Z"
    assert df.loc[0, "x_tag_name"] == "v2.14.0"
    assert "x_name" not in df.columns
    assert "x_published_at" not in df.columns


def test_git_log_with_service(data):
    df = load_changes(data / "git_log.txt", mapping={"service": "report-scheduler"})
    assert df.attrs["source"]["format"] == "git_log"
    assert df.iloc[-1]["timestamp"] == T("2026-03-10T13:40:00Z")
    assert df.iloc[-1]["author"] == "Mara Keller"
    assert set(df["service"]) == {"report-scheduler"}
    assert df.iloc[-1]["_line"] == 1


def test_generic_changes_json(data):
    mapping = {
        "timestamp": "time",
        "service": "component",
        "kind": "type",
        "description": "summary",
        "author": "by",
    }
    df = load_changes(data / "changes.json", mapping=mapping)
    assert list(df["kind"]) == ["config", "config"]
    assert df.loc[1, "author"] == "j.richter"


def test_mapping_file_json_and_lines(data, tmp_path):
    js = tmp_path / "map.json"
    js.write_text('{"alert_id": "Ticket", "started_at": "Opened", "title": "Summary"}')
    lines = tmp_path / "map.txt"
    lines.write_text("# PagerDuty-less tool\nalert_id=Ticket\nstarted_at = Opened\ntitle=Summary\n")
    a = load_alerts(data / "generic_alerts.csv", mapping=js, tz="UTC")
    b = load_alerts(data / "generic_alerts.csv", mapping=str(lines), tz="UTC")
    pd.testing.assert_frame_equal(a, b)
    assert list(a["alert_id"]) == ["INC-77", "INC-78"]
    assert a.attrs["source"]["mapping"]["started_at"] == "Opened"


def test_flat_json_lines_with_epoch_ms(tmp_path):
    p = tmp_path / "app.jsonl"
    p.write_text(
        '{"ts": 1773151331123, "lvl": "error", "msg": "db timeout", "order_id": 55123}\n'
        '{"ts": 1773151332000, "lvl": "info", "msg": "retry ok", "order_id": 55123}\n'
    )
    df = load_logs(p, mapping={"timestamp": "ts", "level": "lvl", "message": "msg"})
    assert df.attrs["source"]["format"] == "generic_logs"
    assert df.loc[0, "timestamp"] == T("2026-03-10T14:02:11.123Z")
    assert df.loc[1, "order_id"] == 55123
    assert list(df["_line"]) == [1, 2]


def test_generic_json_wrapper_with_metadata(tmp_path):
    p = tmp_path / "export.json"
    p.write_text(
        '{"meta": {"exported": "2026-03-11"}, "count": 2, "items": ['
        '{"timestamp": "2026-03-10T14:02:11Z", "message": "db timeout"},'
        '{"timestamp": "2026-03-10T14:02:12Z", "message": "retry ok"}]}'
    )
    df = load_logs(p)
    assert list(df["message"]) == ["db timeout", "retry ok"]


def test_a_zone_the_format_states_wins_over_tz(data):
    df = load_logs(data / "cloudwatch_insights.csv", tz="Europe/Berlin")
    assert df.loc[0, "timestamp"] == T("2026-03-10T14:02:11.004Z")  # not 13:02 (Berlin)
    assert any(
        "read in UTC (CloudWatch Logs Insights writes @timestamp in UTC), not in "
        "tz=Europe/Berlin" in w
        for w in df.attrs["source"]["warnings"]
    )
    same = load_logs(data / "cloudwatch_insights.csv", tz="Etc/UTC")
    assert not any("not in tz" in w for w in same.attrs["source"]["warnings"])


def test_a_zone_the_file_states_wins_over_tz(tmp_path):
    # PagerDuty Analytics raw incidents: naive times in the request's time_zone
    doc = {
        "data": [
            {
                "id": "Q1ZK4V7T2M8XQ",
                "incident_number": 1041,
                "description": "PostgresHighCPU db-primary-01",
                "created_at": "2026-03-10T14:02:11",
                "resolved_at": "2026-03-10T16:21:40",
                "service_name": "orders-db",
                "urgency": "high",
                "seconds_to_first_ack": 312,
                "seconds_to_resolve": 8369,
            }
        ],
        "time_zone": "Etc/UTC",
        "more": False,
    }
    p = tmp_path / "analytics.json"
    p.write_text(json.dumps(doc))
    df = load_alerts(p, tz="America/New_York")
    assert df.loc[0, "started_at"] == T("2026-03-10T14:02:11Z")
    assert df.loc[0, "acknowledged_at"] == T("2026-03-10T14:07:23Z")
    warnings = df.attrs["source"]["warnings"]
    assert any(
        "naive times read in Etc/UTC (the file's 'time_zone' says so), not in "
        "tz=America/New_York" in w
        for w in warnings
    )


def test_pagerduty_get_incident_response(data):
    # GET /incidents/{id} and POST /incidents: {"incident": {one incident}}
    df = load_alerts(data / "pagerduty_get_incident.json")
    assert df.attrs["source"]["format"] == "pagerduty_incidents"
    assert len(df) == 1
    listed = by_id(load_alerts(data / "pagerduty_incidents_api.json")).loc[["1041"]]
    cols = ["title", "service", "severity", "started_at", "acknowledged_at",
            "acknowledged_by", "resolved_at", "status", "x_incident_key"]  # fmt: skip
    pd.testing.assert_frame_equal(by_id(df)[cols], listed[cols])


def test_opsgenie_get_alert_response(data):
    # GET /v2/alerts/{id}: {"data": {one alert}, "took": ..., "requestId": ...}
    df = load_alerts(data / "opsgenie_get_alert.json")
    assert df.attrs["source"]["format"] == "opsgenie"
    assert len(df) == 1
    row = df.iloc[0]
    assert row["alert_id"] == "1791"
    assert row["started_at"] == T("2026-03-10T14:04:30.129Z")
    assert row["resolved_at"] == T("2026-03-10T16:30:10.129Z")  # createdAt + closeTime ms
    assert row["service"] == "payments-api"  # details.service before entity
    assert row["severity"] == "SEV1"


def test_github_deployment_to_staging_says_so(data):
    df = load_changes(data / "github_deployments.json")
    staging = df[df["timestamp"] == T("2026-03-10T12:55:00Z")].iloc[0]
    assert staging["description"] == (
        "Deploy scheduler config: nightly report cron [environment: staging]"
    )
    assert staging["kind"] == "deploy"


def test_github_draft_releases_are_dropped_and_said(data):
    df = load_changes(data / "github_releases.json")
    assert list(df["description"]) == ["v2.14.0: faster cart totals"]  # not the draft
    assert any(
        "1 draft release skipped (not published): v2.15.0" in w
        for w in df.attrs["source"]["warnings"]
    )


def test_git_log_default_output_names_the_documented_format(tmp_path):
    p = tmp_path / "git.log"
    p.write_text(
        "commit a84d88e7554fc1fa21bcbc4efae3c782a70d2b9d\n"
        "Author: Mara Keller <mara.keller@acme-shop.example>\n"
        "Date:   Tue Mar 10 14:40:00 2026 +0100\n\n"
        "    scheduler: run daily sales report every minute (was nightly)\n"
    )
    with pytest.raises(InputFormatError) as err:
        load_changes(p, mapping={"service": "=report-scheduler"})
    msg = str(err.value)
    assert "git log's default output" in msg
    assert "git log --date=iso-strict --pretty=format:'%H%x09%ad%x09%an%x09%s'" in msg


def test_git_log_with_git_default_dates(tmp_path):
    # --pretty as documented, but without --date=iso-strict: git's default date format
    p = tmp_path / "git.log"
    p.write_text(
        "a84d88e7554fc1fa21bcbc4efae3c782a70d2b9d\tTue Mar 10 14:40:00 2026 +0100\t"
        "Mara Keller\tscheduler: run daily sales report every minute (was nightly)\n"
    )
    df = load_changes(p, mapping={"service": "=report-scheduler"})
    assert df.loc[0, "timestamp"] == T("2026-03-10T13:40:00Z")


def test_an_empty_json_list_says_no_records(tmp_path):
    for text in ("[]", '{"data": []}'):
        p = tmp_path / "empty.json"
        p.write_text(text)
        with pytest.raises(InputFormatError, match="no records"):
            load_changes(p)


# ------------------------------------------------------------------ evidence lines
@pytest.mark.parametrize(
    ("name", "lines"),
    [
        # {"incidents": [...]}, pretty-printed: the line each incident's "{" is on
        ("pagerduty_incidents_outages.json", [3, 62, 104, 163]),
        ("opsgenie_alerts.json", [3, 25]),  # {"data": [...]}
        ("alertmanager_api_alerts.json", [2, 13]),  # a top-level list
        ("alertmanager_groups.json", [4, 38]),  # a list of groups, each with its alerts
        ("alertmanager_webhook.json", [12, 21]),
        ("grafana_webhook.json", [6, 20]),
        ("pagerduty_get_incident.json", [2]),  # {"incident": {...}}
        ("opsgenie_get_alert.json", [2]),  # {"data": {...}}
        # log entries, newest first: each incident's trigger entry
        ("pagerduty_log_entries_incidents.json", [677, 541, 207]),
    ],
)
def test_records_in_a_json_document_have_their_own_line(data, name, lines):
    df = load_alerts(data / name)
    assert df["_line"].tolist() == lines
    text = (data / name).read_text().splitlines()
    assert all(text[n - 1].rstrip().endswith("{") for n in lines)


def test_a_bare_list_of_log_entries_is_not_walked_entry_by_entry(data, tmp_path):
    """Each entry's ``incident`` reference is no records key: an entry is decoded once (a
    walk per entry made a bare list 3x slower); a list of {"incident": {...}} is still read."""
    from postmortem_nb.ingest.jsonread import load_json
    from postmortem_nb.ingest.sources import open_source

    entries = json.loads((data / "pagerduty_log_entries_incidents.json").read_text())
    p = tmp_path / "bare.json"
    p.write_text(json.dumps(entries["log_entries"], indent=2))
    doc = load_json(open_source(p))
    assert len(doc.starts) == len(entries["log_entries"])  # the entries, not their parts
    df = load_alerts(p)
    assert df["_line"].tolist() == [676, 540, 206]  # each incident's trigger entry
    text = p.read_text().splitlines()
    assert all(text[n - 1] == "  {" for n in df["_line"])

    one = json.loads((data / "pagerduty_get_incident.json").read_text())
    two = tmp_path / "two.json"
    two.write_text(json.dumps([one, {"incident": {**one["incident"], "id": "P2"}}], indent=1))
    second = 2 + len(json.dumps(one, indent=1).splitlines())
    assert load_alerts(two)["_line"].tolist() == [2, second]  # each wrapper's line


def test_json_lines_one_line_documents_and_errors_keep_their_lines(data, tmp_path):
    df = load_alerts(data / "alertmanager_webhooks.jsonl")
    assert df["_line"].tolist() == [1, 2, 5]  # one row per alert: its first notification
    doc = json.loads((data / "pagerduty_incidents_outages.json").read_text())
    p = tmp_path / "compact.json"
    p.write_text("\n" + json.dumps(doc) + "\n")  # one line, after a blank one
    assert load_alerts(p)["_line"].tolist() == [2, 2, 2, 2]
    broken = tmp_path / "broken.json"
    broken.write_text('{\n  "incidents": [\n    {"incident_number": 1,}\n  ]\n}\n')
    with pytest.raises(InputFormatError, match="line 3"):
        load_alerts(broken)
