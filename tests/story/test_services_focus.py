"""The signal, onset and headline impact are measured on the incident's log services.

A GCP project export mixes every service; a busy healthy one (catalog-api, 300
requests a minute) must neither hide the failing checkout-api nor be counted in its
impact.
"""

from __future__ import annotations

import pandas as pd
import pytest
from frames import make_alerts, make_logs, write_gcp_logentries

from postmortem_nb.facts import build_facts
from postmortem_nb.focus import match_services
from postmortem_nb.story import analyse_incident
from postmortem_nb.tables import impact_table, methods_html

TZ = "America/New_York"
ONSET, RECOVERED = pd.Timestamp("2026-03-10T14:03Z"), pd.Timestamp("2026-03-10T14:33Z")


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """A Cloud Run project's request logs: checkout-api fails 45% from 14:03 to 14:33."""
    from postmortem_nb import load_logs

    path = tmp_path_factory.mktemp("gcp") / "shop-prod.jsonl"
    truth = write_gcp_logentries(
        path,
        services={"checkout-api": 12.0, "cart-api": 6.0, "catalog-api": 300.0},
        end="2026-03-10T15:30:00Z",
    )
    return load_logs(path), truth


def _alerts(service: str = "checkout-api"):
    return make_alerts(
        [
            {
                "title": "CheckoutHighErrorRate: 5xx rate above 5%",
                "service": service,
                "severity": "SEV1",
                "start": "2026-03-10T14:06:30Z",
                "ack": "2026-03-10T14:11:00Z",
                "end": "2026-03-10T14:45:00Z",
            },
            {
                "title": "checkout p99 latency above 2s",
                "service": service,
                "severity": "SEV2",
                "start": "2026-03-10T14:07:10Z",
                "end": "2026-03-10T14:38:00Z",
            },
        ]
    )


def test_a_busy_healthy_service_neither_hides_nor_joins_the_incident(shop):
    logs, truth = shop
    checkout = truth["checkout-api"]
    s = analyse_incident(_alerts(), logs, tz=TZ)
    assert s.at("impact_start") == ONSET, s.warnings
    assert s.at("mitigated") == RECOVERED
    assert s.durations["time_to_detect"] == 210
    assert s.impact.value("failed_transactions") == checkout["failed"]
    assert s.impact.value("transactions") == checkout["requests"]
    assert s.impact.value("share_of_normal_traffic") == pytest.approx(
        checkout["failed"] / checkout["requests"], abs=1e-4
    )
    assert s.impact.value("affected_customers") == checkout["customers"]
    assert s.impact.value("revenue_lost") == pytest.approx(checkout["amount"], abs=0.01)
    # every number says which services it covers
    for name, fig in s.impact.figures.items():
        assert fig.method.endswith("services measured: checkout-api"), name
    assert "of checkout-api" in s.onset.method
    facts = build_facts(s)
    services = facts["definitions"]["services"]
    assert services["measured"] == ["checkout-api"]
    assert services["source"] == "alerts"
    assert services["method"].startswith("Measured on checkout-api (1 of the 3 services")
    # per-service impact still covers every service
    by = {r["service"]: r for r in facts["impact_by_service"]}
    assert set(by) == {"checkout-api", "cart-api", "catalog-api"}
    assert by["catalog-api"]["requests"] > 20 * by["checkout-api"]["requests"]
    assert by["checkout-api"]["failures"] == checkout["failed"]
    onset = s.events.loc[s.events["kind"] == "signal_onset"].iloc[0]
    assert onset["service"] == "checkout-api"
    assert onset["description"].startswith("Failure rate of transactions of checkout-api rose")


def test_the_report_says_which_services_the_figures_cover(shop):
    logs, _ = shop
    facts = build_facts(analyse_incident(_alerts(), logs, tz=TZ))
    html = impact_table(facts)
    assert "Measured on checkout-api (1 of the 3 services in the logs)" in html
    assert "Every service in the logs over the impact period" in html
    assert html.index("<td>checkout-api</td>") < html.index("<td>catalog-api</td>")
    assert "Services measured" in methods_html(None, facts)


@pytest.mark.parametrize(
    ("alert_service", "shown"),
    [
        ("Checkout API", "Checkout API → checkout-api"),  # a PagerDuty service's display name
        ("checkout", "checkout → checkout-api"),
        ("shop/checkout-api", "shop/checkout-api → checkout-api"),
        ("Checkout API (production)", "Checkout API (production) → checkout-api"),
    ],
)
def test_alert_service_names_match_log_service_labels(shop, alert_service, shown):
    logs, truth = shop
    s = analyse_incident(_alerts(alert_service), logs, tz=TZ)
    assert s.focus.services == ["checkout-api"]
    assert shown in s.focus.method
    assert s.impact.value("failed_transactions") == truth["checkout-api"]["failed"]


def test_name_matching_is_tolerant_but_not_loose():
    logs = ["checkout-api", "checkout-worker", "postgres-proxy", "web-frontend", "api"]
    got = match_services(
        ["Checkout API", "Database (postgres-primary)", "Web Frontend", "Web", "API", "cart"],
        logs,
    )
    assert got == {
        "Checkout API": ["checkout-api"],
        "Database (postgres-primary)": [],
        "Web Frontend": ["web-frontend"],
        "Web": [],
        "API": ["api"],
        "cart": [],
    }


def test_kubernetes_pod_names_match_their_workload():
    logs = [
        "checkout-api-7d9f8b6c5-xk2lp",  # a Deployment's pods
        "checkout-api-7d9f8b6c5-q8zrm",
        "cart-api-5c4d9-2xk7p",
        "ledger-0",  # a StatefulSet's pods
        "ledger-1",
        "api-server",  # not a pod of "api": no digit in its "hash"
        "kafka-broker-12",
        "checkout-worker-7d9f8b6c5-xk2lp",
    ]
    got = match_services(["checkout-api", "Ledger", "api", "cart", "kafka-broker", "x"], logs)
    assert got == {
        "checkout-api": ["checkout-api-7d9f8b6c5-xk2lp", "checkout-api-7d9f8b6c5-q8zrm"],
        "Ledger": ["ledger-0", "ledger-1"],
        "api": [],
        "cart": ["cart-api-5c4d9-2xk7p"],
        "kafka-broker": ["kafka-broker-12"],
        "x": [],
    }


def test_an_incident_on_pods_is_measured_on_its_workload(tmp_path):
    """Loki labels a pod's logs by pod name; the alert names the Deployment."""
    from postmortem_nb import load_logs

    path = tmp_path / "gke.jsonl"
    truth = write_gcp_logentries(
        path,
        services={"checkout-api-7d9f8b6c5-xk2lp": 12.0, "catalog-api-6b8f7d9c4-m2x9q": 300.0},
        failing="checkout-api-7d9f8b6c5-xk2lp",
        end="2026-03-10T15:30:00Z",
    )
    s = analyse_incident(_alerts("checkout-api"), load_logs(path), tz=TZ)
    assert s.focus.services == ["checkout-api-7d9f8b6c5-xk2lp"]
    assert s.focus.source == "alerts"
    assert s.impact.value("failed_transactions") == truth["checkout-api-7d9f8b6c5-xk2lp"]["failed"]


def test_unmatched_alert_services_fall_back_to_the_service_that_departs(shop):
    logs, truth = shop
    s = analyse_incident(_alerts("Storefront"), logs, tz=TZ)
    assert s.focus.source == "signal"
    assert s.focus.services == ["checkout-api"]
    assert s.at("impact_start") == ONSET
    assert s.impact.value("failed_transactions") == truth["checkout-api"]["failed"]
    assert any(
        w.startswith("None of the services of the incident's alerts (Storefront) matches")
        for w in s.warnings
    )
    assert "departs from its baseline" in s.focus.method


def test_the_analysts_services_win_over_the_alerts(shop):
    logs, truth = shop
    analyst = {"summary": {"services": ["Checkout API", "Cart API"]}}
    s = analyse_incident(_alerts(), logs, tz=TZ, analyst=analyst)
    assert s.focus.source == "summary"
    assert sorted(s.focus.services) == ["cart-api", "checkout-api"]
    assert s.impact.value("failed_transactions") == (
        truth["checkout-api"]["failed"] + truth["cart-api"]["failed"]
    )
    assert build_facts(s)["definitions"]["services"]["summary"] == ["Checkout API", "Cart API"]
    # the draft fills the summary with the incident's own services: that is no choice
    seeded = {"summary": {"services": ["checkout-api"]}}
    same = analyse_incident(_alerts(), logs, tz=TZ, analyst=seeded)
    assert same.focus.source == "alerts"
    assert same.focus.summary == []


def test_logs_without_a_service_column_are_measured_whole():
    logs = make_logs(
        "2026-05-05T10:00:00Z",
        300,
        failures=(("2026-05-05T13:00:00Z", "2026-05-05T13:30:00Z", 0.5),),
    ).drop(columns=["service"])
    alert = {"title": "5xx", "service": "checkout-api"}
    alerts = make_alerts([{**alert, "start": "2026-05-05T13:04Z", "end": "2026-05-05T13:40Z"}])
    s = analyse_incident(alerts, logs, tz="UTC")
    assert abs(s.at("impact_start") - pd.Timestamp("2026-05-05T13:00Z")) <= pd.Timedelta("1min")
    assert s.focus.method == "Every log row: the logs have no service column."
    assert s.impact.figures["failed_transactions"].method.endswith(
        "services measured: every log row"
    )


def test_a_summary_service_edit_makes_the_report_stale(shop):
    from postmortem_nb.analysis import Analysis
    from postmortem_nb.export import story_stale

    logs, _ = shop
    facts = build_facts(analyse_incident(_alerts(), logs, tz=TZ))
    facts["analysis_fingerprint"] = None  # the timeline part is not what is tested
    a = Analysis()
    assert story_stale(a, facts) == ""
    a.summary.services = ["checkout-api"]  # as the draft seeds it
    assert story_stale(a, facts) == ""
    a.summary.services = ["checkout-api", "cart-api"]
    assert "services in the summary changed" in story_stale(a, facts)


def test_logs_alone_find_the_failing_service_under_a_busy_one(shop):
    from postmortem_nb.incident_window import propose_window

    logs, truth = shop
    start, _, _ = propose_window(None, logs)
    assert abs(start - ONSET) <= pd.Timedelta("1min")
    s = analyse_incident(None, logs, tz=TZ)
    assert s.focus.source == "signal"
    assert s.focus.services == ["checkout-api"]
    assert "no alert or summary names a service" in s.focus.method
    assert s.at("impact_start") == ONSET
    assert s.impact.value("failed_transactions") == truth["checkout-api"]["failed"]


def test_share_of_day_is_stated_over_the_hours_the_logs_cover(shop):
    logs, _ = shop  # 11:00-15:30 UTC: 07:00-11:30 in New York, 4.5 of the day's 24 hours
    s = analyse_incident(_alerts(), logs, tz=TZ)
    fig = s.impact.figures["failed_share_of_day"]
    assert fig.qualifier == "of the 4.5 h of logs that day"
    assert "the logs cover only 07:00–11:30 of that day (4.5 h of 24 h)" in fig.method
    assert "not of the whole day" in fig.method
    assert not any("whole day" in a for a in fig.assumptions)
    share = s.impact.figures["revenue_lost_share_of_day"]
    assert share.qualifier == fig.qualifier
    html = impact_table(build_facts(s))
    assert f"<td>{fig.value:.1%} of the 4.5 h of logs that day</td>" in html


def _day_of_logs(first: str, hours: int, *, failing: str):
    """``hours`` of checkout logs from ``first`` (UTC), half failing for 30 min from
    ``failing``, and the alert that fired 4 min into it."""
    f0 = pd.Timestamp(failing)
    logs = make_logs(first, hours * 60, failures=((f0, f0 + pd.Timedelta("30min"), 0.5),))
    alerts = make_alerts([{"title": "5xx", "service": "checkout-api",
                           "start": f0 + pd.Timedelta("4min"),
                           "end": f0 + pd.Timedelta("40min")}])
    return logs, alerts


def test_share_of_day_over_logs_of_the_whole_day():
    # the whole Berlin day of 2026-05-05 (22:00 UTC the day before to 22:00 UTC)
    logs, alerts = _day_of_logs("2026-05-04T22:00:00Z", 24, failing="2026-05-05T13:00:00Z")
    s = analyse_incident(alerts, logs, tz="Europe/Berlin")
    fig = s.impact.figures["failed_share_of_day"]
    assert fig.qualifier == ""
    assert "the logs cover 00:00–24:00 that day, the whole day" in fig.method
    tx = s.signals.rows["is_transaction"].sum()
    assert fig.value == pytest.approx(s.impact.value("failed_transactions") / tx, abs=1e-4)
    assert "of logs that day" not in impact_table(build_facts(s))


def test_share_of_day_leaves_out_a_gap_in_the_logs():
    """A collector was down 02:00-08:00: those hours are not counted as covered."""
    logs, alerts = _day_of_logs("2026-05-04T22:00:00Z", 24, failing="2026-05-05T13:00:00Z")
    at = logs["timestamp"].dt.tz_convert("Europe/Berlin")
    logs = logs.loc[~((at.dt.hour >= 2) & (at.dt.hour < 8))].reset_index(drop=True)
    s = analyse_incident(alerts, logs, tz="Europe/Berlin")
    fig = s.impact.figures["failed_share_of_day"]
    assert "the logs cover only 00:00–02:00 and 08:00–24:00 of that day (18 h of 24 h)" in (
        fig.method)
    assert fig.qualifier == "of the 18 h of logs that day"


@pytest.mark.parametrize(("times", "whole"), [
    # a row every 40 minutes all day: sparse, not gappy
    (pd.date_range("2026-05-05T00:00Z", "2026-05-05T23:59Z", freq="40min"), True),
    # busy by day, a row every 40 minutes at night: a quiet night, not a gap
    (pd.date_range("2026-05-05T00:00Z", "2026-05-05T01:00Z", freq="1min")
     .append(pd.date_range("2026-05-05T01:40Z", "2026-05-05T05:00Z", freq="40min"))
     .append(pd.date_range("2026-05-05T05:01Z", "2026-05-05T23:59Z", freq="1min")), True),
    # busy all day but nothing from 02:00 to 08:00: a collector was down
    (pd.date_range("2026-05-05T00:00Z", "2026-05-05T02:00Z", freq="1min")
     .append(pd.date_range("2026-05-05T08:00Z", "2026-05-05T23:59Z", freq="1min")), False),
])
def test_a_gap_is_a_stretch_far_longer_than_the_logs_usual_spacing(times, whole):
    from postmortem_nb.impact import _covered_spans

    spans, _, _ = _covered_spans(pd.Series(times), pd.Timestamp("2026-05-06T00:00Z"))
    assert (len(spans) == 1) is whole
    assert all(b > a for a, b in spans)  # no empty stretch, a lone row is its minute


def test_share_of_day_on_the_25_hour_day_when_the_clocks_go_back():
    """Europe/Berlin, 2026-10-25: the day runs 00:00 CEST to 00:00 CET (25 h); it was an
    empty span ("none of it ... 0 h of 0 h") and no value."""
    logs, alerts = _day_of_logs("2026-10-24T22:00:00Z", 25, failing="2026-10-25T09:00:00Z")
    s = analyse_incident(alerts, logs, tz="Europe/Berlin")
    fig = s.impact.figures["failed_share_of_day"]
    assert fig.value is not None
    assert fig.value > 0
    assert "the logs cover 00:00–24:00 that day, the whole day" in fig.method
    assert fig.qualifier == ""


def test_nothing_named_and_nothing_departing_measures_every_service():
    logs = pd.concat(
        [make_logs("2026-05-05T10:00:00Z", 300),
         make_logs("2026-05-05T10:00:00Z", 300, service="cart-api", seed=8)]
    ).sort_values("timestamp", kind="stable", ignore_index=True)  # fmt: skip
    alert = {"title": "Storefront slow", "service": "Storefront"}
    alerts = make_alerts([{**alert, "start": "2026-05-05T13:00Z", "end": "2026-05-05T13:20Z"}])
    s = analyse_incident(alerts, logs, tz="UTC")
    assert s.focus.source == "all"
    assert not s.focus.subset
    assert s.focus.method == (
        "Measured on every service in the logs (cart-api, checkout-api, inventory): none of the "
        "named services is in the logs with transactions, and no single service's failure "
        "rate departs from its baseline."
    )
    assert s.at("impact_start") is None
    assert build_facts(s)["definitions"]["services"]["measured"] == [
        "cart-api", "checkout-api", "inventory"
    ]  # fmt: skip
