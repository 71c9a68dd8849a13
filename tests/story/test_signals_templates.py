"""Column discovery, failure flags, onset detection and log template mining."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from frames import make_alerts, make_logs

from postmortem_nb.columns import find_column, latency_ms
from postmortem_nb.errors import ParameterError
from postmortem_nb.figures import impact_figure, timeline_figure
from postmortem_nb.logtemplates import mask_messages, mine_templates, new_templates
from postmortem_nb.signals import prepare_logs, service_table, transaction_series
from postmortem_nb.story import analyse_incident


@pytest.mark.parametrize(
    ("columns", "role", "expected"),
    [
        (["user.id", "x"], "customer", "user.id"),
        (["x_customer_id"], "customer", "x_customer_id"),
        (["x_httpRequest.status"], "status", "x_httpRequest.status"),
        (["http.response.status_code"], "status", "http.response.status_code"),
        (["order.amount"], "amount", "order.amount"),
        (["event.duration"], "latency", "event.duration"),
        (["message"], "amount", None),
    ],
)
def test_find_column_among_common_names(columns, role, expected):
    frame = pd.DataFrame({c: [1] for c in columns})
    assert find_column(frame, role) == expected


def test_find_column_override_and_error():
    frame = pd.DataFrame({"x_total_eur": [1.0], "amount": [2.0]})
    assert find_column(frame, "amount", "total_eur") == "x_total_eur"
    with pytest.raises(ParameterError, match="Columns: x_total_eur, amount"):
        find_column(frame, "amount", "price")


def test_latency_units():
    assert latency_ms(pd.Series([2_000_000.0]), "event.duration").iloc[0] == 2.0
    assert latency_ms(pd.Series(["0.250s"]), "httpRequest.latency").iloc[0] == 250.0
    assert latency_ms(pd.Series([12.0]), "latency_ms").iloc[0] == 12.0


def test_flags_requests_transactions_failures():
    logs = make_logs("2026-05-05T10:00:00Z", 30)
    sig = prepare_logs(logs)
    rows = sig.rows
    assert rows["is_request"].sum() == logs["http_status"].notna().sum()
    assert (rows["is_failure"] == (logs["http_status"] >= 500)).all()  # 402 is not a failure
    assert sig.columns == {
        "status": "http_status",
        "amount": "amount",
        "customer": "customer_id",
        "latency": "latency_ms",
    }
    svc = service_table(sig)
    assert {"p50_ms", "p95_ms", "p99_ms", "failure_rate"} <= set(svc.columns)
    assert set(svc["service"]) == {"checkout-api"}


def test_logs_without_status_use_levels_on_all_rows():
    logs = make_logs("2026-05-05T10:00:00Z", 30).drop(columns=["http_status"])
    sig = prepare_logs(logs)
    assert sig.columns["status"] is None
    assert sig.rows["is_request"].all()
    assert "no HTTP status column" in sig.failure_definition
    assert sig.rows["is_failure"].sum() == (logs["level"] == "ERROR").sum()


def test_naive_log_timestamps_are_refused():
    logs = make_logs("2026-05-05T10:00:00Z", 5)
    logs["timestamp"] = logs["timestamp"].dt.tz_localize(None)
    with pytest.raises(ParameterError, match="tz-aware"):
        prepare_logs(logs)


def test_transaction_series_fills_empty_bins():
    logs = make_logs("2026-05-05T10:00:00Z", 10, per_minute=0.2)
    ser = transaction_series(
        prepare_logs(logs),
        "1min",
        start=pd.Timestamp("2026-05-05T10:00Z"),
        end=pd.Timestamp("2026-05-05T10:09Z"),
    )
    assert len(ser) == 10
    assert ser["rate"].isna().sum() == (ser["requests"] == 0).sum()


def test_masking_keeps_the_words_and_drops_the_variables():
    import pyarrow as pa

    msgs = [
        "login failed for 10.0.3.17:55012 session 3fa9b1c2d4e5 after 3 tries",
        "job 7c9e6679-7425-40de-944b-e07fc1f90ae7 took 0x1f ms for SKU-123456 v2.4",
    ]
    assert mask_messages(pa.array(msgs)).to_pylist() == [
        "login failed for <*> session <*> after <*> tries",
        "job <*> took <*> ms for SKU-<*> v<*>",
    ]


def test_templates_per_row_and_new_in_incident():
    logs = make_logs("2026-05-05T08:00:00Z", 240)
    extra = pd.DataFrame(
        {
            "timestamp": pd.date_range("2026-05-05T11:00Z", periods=40, freq="30s"),
            "level": "ERROR",
            "service": "db-proxy",
            "host": "pgb-1",
            "message": [
                f"FATAL: remaining connection slots are reserved (client=10.4.{i}.9:{5000 + i})"
                for i in range(40)
            ],
        }
    )
    logs = pd.concat([logs, extra], ignore_index=True).sort_values("timestamp")
    tpl = mine_templates(logs)
    assert tpl.ids.index.equals(logs.index)
    assert tpl.ids.notna().all()
    table = tpl.table.set_index("template_id")
    assert table["count"].sum() == len(logs)
    assert len(table) < 10  # thousands of distinct messages, a handful of templates
    new = new_templates(
        logs,
        tpl,
        window=(pd.Timestamp("2026-05-05T10:30Z"), pd.Timestamp("2026-05-05T12:00Z")),
        baseline=(pd.Timestamp("2026-05-05T08:00Z"), pd.Timestamp("2026-05-05T10:30Z")),
    )
    assert list(new["template"]) == ["FATAL: remaining connection slots are reserved (client=<*>)"]
    assert new["count"].iloc[0] == 40
    assert new["first_seen"].iloc[0] == pd.Timestamp("2026-05-05T11:00Z")
    assert new["novelty"].iloc[0] == "new"
    again = mine_templates(logs)
    assert (again.ids == tpl.ids).all()  # stable ids


def test_hostile_titles_reach_figures_escaped():
    logs = make_logs(
        "2026-05-05T08:00:00Z",
        240,
        failures=(("2026-05-05T10:00:00Z", "2026-05-05T10:30:00Z", 0.5),),
    )
    evil = "<img src=x onerror=alert(1)> checkout <b>down</b>"
    alerts = make_alerts(
        [
            {
                "title": evil,
                "service": "<script>x</script>",
                "severity": "SEV1",
                "start": "2026-05-05T10:04:00Z",
                "end": "2026-05-05T10:40:00Z",
            }
        ]
    )
    s = analyse_incident(alerts, logs)
    for fig in (timeline_figure(s), impact_figure(s)):
        js = fig.to_json()
        assert "<img" not in js
        assert "<script" not in js
        assert "<b>down" not in js
    assert "&lt;img src=x" in timeline_figure(s).to_json()


@pytest.mark.slow
def test_figure_json_stays_small_for_a_million_rows():
    rng = np.random.default_rng(3)
    n = 1_000_000
    t0 = pd.Timestamp("2026-05-05T00:00:00Z")
    ts = t0 + pd.to_timedelta(np.sort(rng.integers(0, 86_400_000, n)), unit="ms")
    inc = (ts >= t0 + pd.Timedelta("14h")) & (ts < t0 + pd.Timedelta("16h"))
    fail = rng.random(n) < np.where(inc, 0.5, 0.003)
    status = np.where(fail, 503, 200).astype("float64")
    services = np.array(["web", "checkout", "payments", "inventory", "search", "auth"])
    logs = pd.DataFrame(
        {
            "timestamp": ts,
            "level": np.where(fail, "ERROR", "INFO"),
            "service": services[rng.integers(0, 6, n)],
            "host": "h1",
            "message": pd.array(["GET /x 200"] * n, dtype="str"),
            "http_status": status,
            "latency_ms": rng.gamma(3, 40, n),
            "customer_id": pd.array([f"C{i}" for i in rng.integers(0, 90_000, n)], dtype="str"),
            "amount": np.round(rng.lognormal(4, 0.5, n), 2),
        }
    )
    alerts = make_alerts(
        [
            {
                "title": "errors",
                "service": "checkout",
                "severity": "SEV1",
                "start": "2026-05-05T14:06:00Z",
                "end": "2026-05-05T16:20:00Z",
            }
        ]
    )
    s = analyse_incident(alerts, logs)
    sizes = [len(timeline_figure(s).to_json()), len(impact_figure(s).to_json())]
    print("figure JSON bytes for 1,000,000 rows:", sizes)
    assert max(sizes) < 1_000_000


@pytest.mark.parametrize(
    ("columns", "role", "expected"),
    [
        # application fields nested where structured-log exports put them
        (["jsonPayload.user_id", "jsonPayload.message"], "customer", "jsonPayload.user_id"),
        (["x_jsonPayload.amount"], "amount", "x_jsonPayload.amount"),
        (["attributes.customer_id"], "customer", "attributes.customer_id"),
        (["labels.http_status"], "status", "labels.http_status"),
        (["@http.status_code"], "status", "@http.status_code"),
        (["fields.order.amount"], "amount", "fields.order.amount"),
        # a common name at the top level wins over a nested one
        (["labels.user_id", "customer_id"], "customer", "customer_id"),
        # vague names only count at the top level: "attributes.value" is not an amount
        (["attributes.value", "jsonPayload.total", "labels.user"], "amount", None),
        (["labels.user"], "customer", None),
        # no container, no match: a name that merely ends like a candidate
        (["order.amount_due"], "amount", None),
    ],
)
def test_find_column_under_nesting_containers(columns, role, expected):
    frame = pd.DataFrame({c: [1] for c in columns})
    assert find_column(frame, role) == expected


def test_gcp_logentry_payload_fields_give_customers_and_revenue(tmp_path):
    from frames import write_gcp_logentries

    from postmortem_nb import load_logs

    truth = write_gcp_logentries(tmp_path / "gcp.jsonl")["checkout-api"]
    logs = load_logs(tmp_path / "gcp.jsonl")
    sig = prepare_logs(logs)
    assert sig.columns["customer"] == "jsonPayload.user_id"
    assert sig.columns["amount"] == "jsonPayload.amount"
    alerts = make_alerts(
        [
            {
                "title": "CheckoutHighErrorRate",
                "service": "checkout-api",
                "severity": "SEV1",
                "start": "2026-03-10T14:06:30Z",
                "ack": "2026-03-10T14:11:00Z",
                "end": "2026-03-10T14:45:00Z",
            }
        ]
    )
    s = analyse_incident(alerts, logs, tz="America/New_York")
    assert s.at("impact_start") == pd.Timestamp("2026-03-10T14:03Z")
    assert s.impact.value("affected_customers") == pytest.approx(truth["customers"], abs=3)
    assert s.impact.value("revenue_lost") == pytest.approx(truth["amount"], rel=0.03)
    assert "jsonPayload.user_id" in s.impact.figures["affected_customers"].method
