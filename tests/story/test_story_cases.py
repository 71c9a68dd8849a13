"""Edge cases on small realistic frames: storms, flapping, missing data, time zones."""

from __future__ import annotations

import pandas as pd
import pytest
from frames import make_alerts, make_logs

from postmortem_nb.alert_events import collapse_alerts
from postmortem_nb.errors import ParameterError
from postmortem_nb.facts import build_facts
from postmortem_nb.figures import impact_figure, timeline_figure
from postmortem_nb.incident_window import propose_window, select_incident_alerts
from postmortem_nb.story import analyse_incident
from postmortem_nb.timeline import visible_events
from postmortem_nb.timeutil import to_utc


def _storm(start: str = "2026-05-05T13:02:00Z", n: int = 14) -> list[dict]:
    t0 = pd.Timestamp(start)
    return [
        {
            "title": f"payments-{i} 5xx rate above 5%",
            "service": "payments",
            "start": t0 + pd.Timedelta(seconds=30 * i),
            "end": t0 + pd.Timedelta("40min"),
        }
        for i in range(n)
    ]


def test_alert_storm_is_collapsed_with_members_kept():
    alerts = make_alerts(
        [
            *_storm(),
            {
                "title": "DB CPU high",
                "service": "db",
                "start": "2026-05-05T13:00:00Z",
                "end": "2026-05-05T13:50:00Z",
            },
        ]
    )
    ev = collapse_alerts(alerts, tz="Europe/Berlin")
    top = visible_events(ev)
    storm = top.loc[top["kind"] == "alert_storm"]
    assert len(storm) == 1
    assert storm["description"].iloc[0] == "14 alerts fired for payments between 15:02 and 15:08"
    assert storm["members"].iloc[0] == 14
    members = ev.loc[ev["group"] == storm["event_id"].iloc[0]]
    assert (members["kind"] == "alert_fired").sum() == 14
    assert (members["kind"] == "alert_resolved").sum() == 14
    # the unrelated DB alert stays an ordinary top-level event
    assert (top["kind"] == "alert_fired").sum() == 1


def test_flapping_alert_is_merged_but_a_later_refire_is_not():
    t0 = pd.Timestamp("2026-05-06T02:10:00Z")
    rows = [
        {
            "title": "Replication lag > 30s",
            "service": "db",
            "severity": "SEV4",
            "start": t0 + pd.Timedelta(minutes=8 * i),
            "end": t0 + pd.Timedelta(minutes=8 * i + 3),
        }
        for i in range(6)
    ]
    rows.append(
        {
            "title": "Replication lag > 30s",
            "service": "db",
            "severity": "SEV4",
            "start": t0 + pd.Timedelta("5h"),
            "end": t0 + pd.Timedelta("5h10min"),
        }
    )
    ev = collapse_alerts(make_alerts(rows), tz="UTC")
    top = visible_events(ev)
    flap = top.loc[top["kind"] == "alert_flapping"]
    assert len(flap) == 1
    assert "flapped: fired 6 times between 02:10 and 02:53" in flap["description"].iloc[0]
    assert (top["kind"] == "alert_fired").sum() == 1  # the refire five hours later


def test_duplicate_alerts_are_merged():
    rows = [
        {
            "title": "Checkout down",
            "service": "checkout",
            "start": "2026-05-05T13:00:00Z",
            "end": "2026-05-05T13:30:00Z",
        },
        {
            "title": "Checkout down",
            "service": "checkout",
            "start": "2026-05-05T13:00:20Z",
            "end": "2026-05-05T13:31:00Z",
        },
    ]
    top = visible_events(collapse_alerts(make_alerts(rows)))
    assert list(top["kind"]) == ["alert_duplicates"]
    assert "2 duplicate alerts" in top["description"].iloc[0]


def test_alerts_only_gives_no_impact_start_and_no_guess():
    alerts = make_alerts(
        [
            {
                "title": "Payment errors",
                "service": "payments",
                "severity": "SEV2",
                "start": "2026-05-05T13:10:00Z",
                "ack": "2026-05-05T13:14:00Z",
                "end": "2026-05-05T14:20:00Z",
                "by": "on-call",
            }
        ]
    )
    s = analyse_incident(alerts, tz="Europe/Berlin")
    assert s.at("impact_start") is None
    assert s.at("mitigated") is None
    assert s.at("detected") == pd.Timestamp("2026-05-05T13:10:00Z")
    assert s.at("acknowledged") == pd.Timestamp("2026-05-05T13:14:00Z")
    assert s.at("resolved") == pd.Timestamp("2026-05-05T14:20:00Z")
    assert s.durations["time_to_acknowledge"] == 240
    assert s.durations["time_to_detect"] is None
    assert s.durations["total"] == 70 * 60
    assert any(w.startswith("Impact start not determined") for w in s.warnings)
    assert s.impact.value("failed_transactions") is None
    facts = build_facts(s)
    assert facts["milestones"]["impact_start"]["at"] is None
    assert facts["impact"]["revenue_lost"]["value"] is None
    assert "no logs" in facts["impact"]["revenue_lost"]["method"]
    fig = timeline_figure(s)
    # one panel with a real time axis, not an empty failure-rate panel
    assert "xaxis2" not in fig.layout
    assert fig.layout.xaxis.type == "date"
    assert fig.layout.xaxis.title.text == "Time (Europe/Berlin)"
    from postmortem_nb.figures import impact_note

    assert "no logs to measure impact from" in impact_note(s)


def test_logs_without_failures_give_no_onset():
    logs = make_logs("2026-05-05T10:00:00Z", 300, base_fail=0.002)
    alerts = make_alerts(
        [
            {
                "title": "Latency warning",
                "service": "checkout-api",
                "severity": "SEV3",
                "start": "2026-05-05T13:00:00Z",
                "end": "2026-05-05T13:20:00Z",
            }
        ]
    )
    s = analyse_incident(alerts, logs, tz="UTC")
    assert s.at("impact_start") is None
    assert s.at("mitigated") is None
    assert any("no onset" in w for w in s.warnings)
    assert s.impact.value("failed_transactions") is None
    assert "unknown" in s.impact.figures["failed_transactions"].method
    assert s.at("resolved") == pd.Timestamp("2026-05-05T13:20:00Z")


def test_logs_only_proposes_the_window_from_the_signal():
    logs = make_logs(
        "2026-05-05T08:00:00Z",
        480,
        failures=(("2026-05-05T12:00:00Z", "2026-05-05T12:45:00Z", 0.6),),
    )
    s = analyse_incident(None, logs, tz="UTC", avg_value=50)
    assert abs(s.at("impact_start") - pd.Timestamp("2026-05-05T12:00Z")) <= pd.Timedelta("2min")
    assert abs(s.at("mitigated") - pd.Timestamp("2026-05-05T12:45Z")) <= pd.Timedelta("2min")
    assert s.at("detected") is None
    assert "log failure signal alone" in s.window_reason
    fails = s.impact.value("failed_transactions")
    assert s.impact.value("revenue_lost") == pytest.approx(fails * 50)
    assert "avg_value" in s.impact.figures["revenue_lost"].method


def test_highest_severity_cluster_wins_over_a_bigger_one():
    alerts = make_alerts(
        [
            *[
                {
                    "title": f"disk {i}",
                    "service": "infra",
                    "severity": "SEV4",
                    "start": f"2026-05-05T0{i}:00:00Z",
                    "end": f"2026-05-05T0{i}:20:00Z",
                }
                for i in range(1, 4)
            ],
            {
                "title": "a",
                "service": "x",
                "severity": "SEV4",
                "start": "2026-05-05T20:00:00Z",
                "end": "2026-05-05T20:05:00Z",
            },
            {
                "title": "b",
                "service": "x",
                "severity": "SEV4",
                "start": "2026-05-05T20:10:00Z",
                "end": "2026-05-05T20:15:00Z",
            },
            {
                "title": "c",
                "service": "x",
                "severity": "SEV4",
                "start": "2026-05-05T20:25:00Z",
                "end": "2026-05-05T20:30:00Z",
            },
            {
                "title": "Checkout down",
                "service": "checkout",
                "severity": "SEV1",
                "start": "2026-05-05T15:00:00Z",
                "end": "2026-05-05T15:40:00Z",
            },
        ]
    )
    start, end, reason = propose_window(alerts)
    assert (start, end) == (pd.Timestamp("2026-05-05T15:00Z"), pd.Timestamp("2026-05-05T15:40Z"))
    assert "SEV1" in reason
    assert "(SEV1, 1 alert;" in reason  # a lone alert is not "1 alerts overlapping"
    assert "1 cluster" not in reason  # this export has several clusters
    three = select_incident_alerts(alerts, start="2026-05-05T19:55Z", end="2026-05-05T21:00Z")
    assert list(three["title"]) == ["a", "b", "c"]
    assert list(select_incident_alerts(alerts, alert_ids=["A1"])["title"]) == ["disk 1"]
    with pytest.raises(ParameterError, match="Unknown alert id"):
        select_incident_alerts(alerts, alert_ids=["nope"])
    with pytest.raises(ParameterError, match="No alert has incident key"):
        select_incident_alerts(alerts, incident_key="INC-9")


def test_naive_times_are_read_in_the_team_zone_and_never_guessed():
    alerts = make_alerts(_storm("2026-03-10T14:02:00Z", 3))
    naive = select_incident_alerts(
        alerts, start="2026-03-10 15:00", end="2026-03-10 15:10", tz="Europe/Berlin"
    )
    aware = select_incident_alerts(
        alerts, start="2026-03-10T14:00:00Z", end="2026-03-10T14:10:00+00:00"
    )
    assert list(naive.index) == list(aware.index) == [0, 1, 2]
    with pytest.raises(ParameterError, match="no time zone"):
        to_utc("2026-03-10 15:00", None)
    with pytest.raises(ParameterError, match="ambiguous or does not exist"):
        to_utc("2026-10-25 02:30", "Europe/Berlin")  # the hour that happens twice
    with pytest.raises(ParameterError, match="ambiguous or does not exist"):
        to_utc("2026-03-29 02:30", "Europe/Berlin")  # the hour that never happens
    with pytest.raises(ParameterError, match="Unknown time zone"):
        analyse_incident(alerts, tz="Mars/Olympus")


@pytest.mark.parametrize(("text", "message"), [
    ("15:00", "has no date"),  # pandas read it as today
    ("10/03/2026 15:00", "ambiguous"),  # pandas read it as October 3
    ("now", "Cannot read the start"),  # the clock of the machine, not of the data
])
def test_typed_times_are_never_guessed(text, message):
    """Notebook start/end, --since/--until and explorer filters share to_utc."""
    with pytest.raises(ParameterError, match=message):
        to_utc(text, "Europe/Berlin", what="start")
    assert to_utc("13/03/2026 15:00", "Europe/Berlin") == pd.Timestamp("2026-03-13T14:00Z")
    assert to_utc("03/13/2026", "UTC") == pd.Timestamp("2026-03-13T00:00Z")


def _incident(start: str, stop: str, first_alert: str, ack: str, resolved: str, tz: str):
    t0 = pd.Timestamp(start) - pd.Timedelta("4h")
    logs = make_logs(
        t0.isoformat(),
        int((pd.Timestamp(stop) - t0).total_seconds() / 60) + 180,
        failures=((start, stop, 0.7),),
        per_minute=25,
    )
    alerts = make_alerts(
        [
            {
                "title": "Payment error rate above 5%",
                "service": "checkout-api",
                "severity": "SEV1",
                "start": first_alert,
                "ack": ack,
                "end": resolved,
                "by": "on-call",
            }
        ]
    )
    return analyse_incident(alerts, logs, tz=tz)


def test_incident_across_midnight():
    s = _incident(
        "2026-05-05T22:40:00Z",
        "2026-05-06T00:25:00Z",
        "2026-05-05T22:47:00Z",
        "2026-05-05T22:52:00Z",
        "2026-05-06T00:40:00Z",
        "Europe/Berlin",
    )
    assert abs(s.at("impact_start") - pd.Timestamp("2026-05-05T22:40Z")) <= pd.Timedelta("2min")
    assert abs(s.at("mitigated") - pd.Timestamp("2026-05-06T00:25Z")) <= pd.Timedelta("2min")
    assert s.at("resolved") == pd.Timestamp("2026-05-06T00:40Z")
    assert s.durations["time_to_resolve"] == pytest.approx(120 * 60, abs=120)
    # the failures of the day are counted on the team's calendar day of impact start
    assert "2026-05-06 (Europe/Berlin)" in s.impact.figures["failed_share_of_day"].method
    assert not [w for w in s.warnings if "Ordering" in w]


def test_incident_across_a_dst_change_counts_real_time():
    # Europe/Berlin springs forward at 01:00 UTC on 2026-03-29 (02:00 CET -> 03:00 CEST)
    s = _incident(
        "2026-03-29T00:30:00Z",
        "2026-03-29T02:10:00Z",
        "2026-03-29T00:36:00Z",
        "2026-03-29T00:41:00Z",
        "2026-03-29T02:30:00Z",
        "Europe/Berlin",
    )
    assert abs(s.at("impact_start") - pd.Timestamp("2026-03-29T00:30Z")) <= pd.Timedelta("2min")
    assert abs(s.at("mitigated") - pd.Timestamp("2026-03-29T02:10Z")) <= pd.Timedelta("2min")
    # 100 minutes of real time, although the wall clock moved 160 minutes (01:30 -> 04:10)
    assert s.durations["time_to_mitigate"] == pytest.approx(100 * 60, abs=120)
    assert s.durations["time_to_resolve"] == pytest.approx(120 * 60, abs=120)
    ev = s.milestones["impact_start"].evidence
    assert "CET" in ev
    assert "CEST" in s.milestones["resolved"].evidence
    timeline_figure(s)


def test_failure_predicate_expression_and_errors():
    logs = make_logs(
        "2026-05-05T08:00:00Z",
        240,
        failures=(("2026-05-05T10:00:00Z", "2026-05-05T10:30:00Z", 0.5),),
    )
    alerts = make_alerts(
        [
            {
                "title": "slow",
                "service": "checkout-api",
                "severity": "SEV2",
                "start": "2026-05-05T10:05:00Z",
                "end": "2026-05-05T10:40:00Z",
            }
        ]
    )
    s = analyse_incident(alerts, logs, failure="latency_ms > 4000")
    assert "expression 'latency_ms > 4000'" in s.impact.figures["failed_transactions"].method
    assert abs(s.at("impact_start") - pd.Timestamp("2026-05-05T10:00Z")) <= pd.Timedelta("2min")
    with pytest.raises(ParameterError, match="Cannot evaluate the failure expression"):
        analyse_incident(alerts, logs, failure="no_such_column > 3")
    with pytest.raises(ParameterError, match="amount column 'price_eur' is not in the logs"):
        analyse_incident(alerts, logs, amount_column="price_eur")


def test_overrides_win_and_ordering_problems_are_warnings():
    alerts = make_alerts(
        [
            {
                "title": "Payment errors",
                "service": "payments",
                "severity": "SEV2",
                "start": "2026-05-05T13:10:00Z",
                "ack": "2026-05-05T13:14:00Z",
                "end": "2026-05-05T14:20:00Z",
            }
        ]
    )
    analyst = {
        "milestone_overrides": {
            "impact_start": {"at": "2026-05-05T13:01:00Z", "note": "from the support tickets"},
            "resolved": {"at": "2026-05-05T13:05:00Z", "note": "typo"},
            "mitigated": {"at": "", "note": "empty means no override"},
        }
    }
    s = analyse_incident(alerts, analyst=analyst)
    assert s.milestones["impact_start"].source == "analyst"
    assert "support tickets" in s.milestones["impact_start"].evidence
    assert s.durations["time_to_detect"] == 9 * 60
    # the missing impact start is no longer a warning once the analyst set it
    assert not any(w.startswith("Impact start not determined") for w in s.warnings)
    assert s.milestones["mitigated"].source == "derived"
    assert any(w.startswith("Ordering problem: resolved") for w in s.warnings)
    facts = build_facts(s)
    assert facts["milestones"]["impact_start"] == {
        "at": "2026-05-05T13:01:00Z",
        "source": "analyst",
        "evidence": "set by the analyst: from the support tickets (derived value: none)",
    }


def _x(value):
    return pd.Timestamp(value)


def test_figures_and_table_stay_in_order_across_fall_back():
    # America/Los_Angeles falls back at 09:00 UTC on 2026-11-01 (02:00 PDT -> 01:00 PST)
    from postmortem_nb.figures import axis_title, plot_zone
    from postmortem_nb.tables import events_table

    s = _incident(
        "2026-11-01T08:30:00Z",
        "2026-11-01T09:30:00Z",
        "2026-11-01T08:35:00Z",
        "2026-11-01T08:40:00Z",
        "2026-11-01T09:39:00Z",  # a 64-minute alert
        "America/Los_Angeles",
    )
    assert plot_zone(s) == "UTC"
    assert "UTC" in axis_title(s)
    assert "PDT→PST" in axis_title(s)
    fig = timeline_figure(s)
    assert fig.layout.xaxis2.title.text == axis_title(s)
    lines = {a.text.split(" (")[0]: _x(a.x) for a in fig.layout.annotations if a.textangle == -90}
    order = ["Impact start", "Detected", "Acknowledged", "Mitigated", "Resolved"]
    assert [lines[n] for n in order] == sorted(lines[n] for n in order)
    assert lines["Mitigated"] - lines["Impact start"] >= pd.Timedelta("55min")
    bar = next(t for t in fig.data if t.name == "alert active")
    assert _x(bar.x[1]) - _x(bar.x[0]) == pd.Timedelta("64min")
    rate = next(t for t in fig.data if t.name == "failure rate")
    xs = [_x(v) for v in rate.x]
    assert xs == sorted(xs)
    assert len(set(xs)) == len(xs)
    imp = impact_figure(s)
    bars = next(t for t in imp.data if t.name == "failed transactions")
    assert list(bars.x) == sorted(bars.x)
    html = events_table(s.events, s.tz)
    assert " PDT</td>" in html
    assert " PST</td>" in html


def test_figures_keep_the_team_zone_when_no_offset_changes():
    from postmortem_nb.figures import axis_title, plot_zone
    from postmortem_nb.tables import events_table

    s = _incident(
        "2026-05-05T10:00:00Z",
        "2026-05-05T10:40:00Z",
        "2026-05-05T10:05:00Z",
        "2026-05-05T10:09:00Z",
        "2026-05-05T10:50:00Z",
        "Europe/Berlin",
    )
    assert plot_zone(s) == "Europe/Berlin"
    assert axis_title(s) == "Time (Europe/Berlin)"
    fig = timeline_figure(s)
    first = next(a for a in fig.layout.annotations if a.text.startswith("Detected"))
    assert _x(first.x) == pd.Timestamp("2026-05-05 12:05:00")  # CEST wall clock
    assert " CEST</td>" not in events_table(s.events, s.tz)


def _alert_exports(folder) -> dict[str, str]:
    """One incident (two checkout alerts, neither acknowledged) and an acknowledged cart
    alert earlier that day, written as each tool exports them."""
    import json

    def am(name, svc, fp, starts, ends):
        alert = {
            "status": "resolved",
            "labels": {"alertname": name, "service": svc, "severity": "critical"},
            "annotations": {"summary": f"{name} on {svc}"},
            "startsAt": starts,
            "endsAt": ends,
            "fingerprint": fp,
        }
        return {"version": "4", "groupKey": "{}:{}", "status": "resolved", "receiver": "pd",
                "alerts": [alert]}  # fmt: skip

    day = "2026-03-10T"
    hooks = [
        am("CartDiskUsage", "cart-api", "aa01", day + "12:00:00Z", day + "12:20:00Z"),
        am("CheckoutErrors", "checkout-api", "bb02", day + "14:06:30Z", day + "14:45:00Z"),
        am("CheckoutLatency", "checkout-api", "cc03", day + "14:07:10Z", day + "14:38:00Z"),
    ]
    (folder / "am.jsonl").write_text("".join(json.dumps(h) + "\n" for h in hooks))

    def inc(num, title, svc, created, resolved, acks):
        return {"id": f"Q{num}", "type": "incident", "incident_number": num, "title": title,
                "status": "resolved", "created_at": created, "last_status_change_at": resolved,
                "urgency": "high", "service": {"id": "P1", "summary": svc},
                "acknowledgements": acks}  # fmt: skip

    # PagerDuty's REST API empties "acknowledgements" once an incident resolves
    incidents = [
        inc(1041, "Disk usage above 85%", "cart-api", "2026-03-10T12:00:00Z",
            "2026-03-10T12:20:00Z", []),
        inc(1042, "Checkout 5xx above 5%", "checkout-api", "2026-03-10T14:06:30Z",
            "2026-03-10T14:45:00Z", []),
        inc(1043, "Checkout p99 above 2s", "checkout-api", "2026-03-10T14:07:10Z",
            "2026-03-10T14:38:00Z", []),
    ]  # fmt: skip
    (folder / "pd-incidents.json").write_text(json.dumps({"incidents": incidents}))

    def entry(typ, at, num, svc):
        return {"id": f"R{num}{typ[:3]}", "type": typ, "created_at": at,
                "incident": {"id": f"Q{num}", "summary": f"[#{num}] {svc} alert"},
                "service": {"id": "P1", "summary": svc},
                "agent": {"summary": "on-call"}}  # fmt: skip

    entries = [
        entry("trigger_log_entry", "2026-03-10T12:00:00Z", 1041, "cart-api"),
        entry("acknowledge_log_entry", "2026-03-10T12:04:00Z", 1041, "cart-api"),
        entry("resolve_log_entry", "2026-03-10T12:20:00Z", 1041, "cart-api"),
        entry("trigger_log_entry", "2026-03-10T14:06:30Z", 1042, "checkout-api"),
        entry("resolve_log_entry", "2026-03-10T14:45:00Z", 1042, "checkout-api"),
        entry("trigger_log_entry", "2026-03-10T14:07:10Z", 1043, "checkout-api"),
        entry("resolve_log_entry", "2026-03-10T14:38:00Z", 1043, "checkout-api"),
    ]
    (folder / "pd-log-entries.json").write_text(json.dumps({"log_entries": entries}))
    return {"am": "am.jsonl", "pd_rest": "pd-incidents.json", "pd_log": "pd-log-entries.json"}


@pytest.mark.parametrize(
    ("export", "says", "never"),
    [
        # Alertmanager has no acknowledgement at all: never "not acknowledged"
        ("am", "carries no acknowledgement times (alertmanager_webhook: Alertmanager does not "
         "record acknowledgements)", "none of the incident"),
        # the REST incident list drops acknowledgements of resolved incidents
        ("pd_rest", "carries no acknowledgement times for resolved incidents "
         "(pagerduty_incidents", "none of the incident"),
        # log entries record every acknowledgement: here nobody acknowledged the incident
        ("pd_log", "none of the incident's 2 alerts was acknowledged (the alert export records "
         "acknowledgements: 1 of its 3 alerts have one)", "carries no"),
    ],
)  # fmt: skip
def test_missing_acknowledgement_says_whether_the_export_records_them(
    tmp_path, export, says, never
):
    from postmortem_nb import load_alerts

    path = tmp_path / _alert_exports(tmp_path)[export]
    alerts = load_alerts(path, tz="America/New_York")
    s = analyse_incident(
        alerts, tz="America/New_York", start="2026-03-10T10:00", end="2026-03-10T11:00"
    )
    assert len(s.alerts) == 2
    assert s.at("acknowledged") is None
    (warning,) = [w for w in s.warnings if w.startswith("Acknowledged not determined")]
    assert says in warning
    assert never not in warning
