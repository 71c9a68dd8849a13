"""LogExplorer: filtering, paging, counting and templates, checked against plain pandas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from postmortem_nb.errors import MissingColumnError, ParameterError, TimestampError
from postmortem_nb.explore import LogExplorer
from postmortem_nb.explore.filters import make_filter

BERLIN = "Europe/Berlin"


def _expected(logs: pd.DataFrame, mask: pd.Series) -> pd.DataFrame:
    return logs.loc[mask].sort_values("timestamp", kind="stable")


def test_no_filter_matches_every_row(explorer, demo_logs):
    assert explorer.matching == len(demo_logs)
    assert explorer.by_service()["rows"].sum() == len(demo_logs)
    assert explorer.by_minute()["rows"].sum() == len(demo_logs)


def test_time_range_in_team_zone_is_inclusive_start_exclusive_end(explorer, demo_logs):
    explorer.set_filter(start="2026-03-10 15:00", end="2026-03-10 15:10")  # Berlin = UTC+1
    ts = demo_logs["timestamp"]
    lo, hi = pd.Timestamp("2026-03-10T14:00Z"), pd.Timestamp("2026-03-10T14:10Z")
    assert explorer.matching == int(((ts >= lo) & (ts < hi)).sum())
    rows = explorer.rows()
    assert rows["timestamp"].min() >= lo
    assert rows["timestamp"].max() < hi
    assert "(Europe/Berlin)" in explorer.filter.describe(BERLIN)


def test_each_criterion_matches_pandas(explorer, demo_logs):
    logs = demo_logs
    cases = [
        ({"service": "payments"}, logs["service"] == "payments"),
        ({"level": "error"}, logs["level"] == "ERROR"),
        ({"host": ["payments-1", "pgbouncer-1"]}, logs["host"].isin(["payments-1", "pgbouncer-1"])),
        (
            {"text": "UPSTREAM TIMEOUT"},
            logs["message"].str.contains("upstream timeout", case=False),
        ),
        (
            {"text": "Upstream", "ignore_case": False},
            logs["message"].str.contains("Upstream", case=True, regex=False),
        ),
        (
            {"regex": r"timeout after \d{5} ms"},
            logs["message"].str.contains(r"timeout after \d{5} ms", case=False, regex=True),
        ),
    ]
    for filters, mask in cases:
        explorer.reset(**filters)
        assert explorer.matching == int(mask.sum()), filters
        got = explorer.rows()["row"].tolist()
        assert got == _expected(logs, mask).index.tolist(), filters


def test_criteria_combine_and_cached_masks_follow_changes(explorer, demo_logs):
    logs = demo_logs
    explorer.set_filter(service="payments", regex="timeout")
    both = (logs["service"] == "payments") & logs["message"].str.contains("timeout", case=False)
    assert explorer.matching == int(both.sum())
    explorer.set_filter(start="2026-03-10T14:00:00Z", end="2026-03-10T15:00:00Z")
    ts = logs["timestamp"]
    windowed = both & (ts >= "2026-03-10T14:00Z") & (ts < "2026-03-10T15:00Z")
    assert explorer.matching == int(windowed.sum())
    explorer.set_filter(regex="")  # the cached regex mask must not linger
    no_regex = (
        (logs["service"] == "payments") & (ts >= "2026-03-10T14:00Z") & (ts < "2026-03-10T15:00Z")
    )
    assert explorer.matching == int(no_regex.sum())


def test_failure_filter_uses_the_given_flags(demo_logs):
    flags = demo_logs["http_status"].fillna(0) >= 500
    ex = LogExplorer(demo_logs, is_failure=flags)
    assert ex.set_filter(failure=True).matching == int(flags.sum())
    assert ex.set_filter(failure=False).matching == len(demo_logs) - int(flags.sum())
    assert ex.set_filter(failure=None).matching == len(demo_logs)


def test_template_filter_and_templates_table(explorer, demo_logs):
    explorer.set_filter(start="2026-03-10T14:00:00Z", end="2026-03-10T16:00:00Z")
    top = explorer.templates(limit=None)
    assert (top["count"].diff().dropna() <= 0).all()  # most frequent first
    payment = top.loc[top["template"].str.startswith("payment authorization failed")].iloc[0]
    explorer.set_filter(template=payment["template_id"])
    rows = explorer.rows()
    assert len(rows) == payment["count"]
    assert rows["message"].str.startswith("payment authorization failed").all()
    assert rows["timestamp"].min() == payment["first_match"]
    assert rows["timestamp"].max() == payment["last_match"]
    assert payment["example"] == rows["message"].iloc[0]
    every = demo_logs.loc[explorer.reset().set_filter(template=payment["template_id"]).rows(
        limit=None)["row"], "timestamp"]  # the template in all the loaded logs
    assert (every.min(), every.max()) == (payment["first_seen"], payment["last_seen"])


def test_templates_errors_only_counts_error_rows(explorer, demo_logs):
    explorer.set_filter(service="checkout-api")
    errors = explorer.templates(limit=None)
    every = explorer.templates(limit=None, errors_only=False)
    svc = demo_logs["service"] == "checkout-api"
    assert every["count"].sum() == int(svc.sum())
    assert errors["count"].sum() == int((svc & (demo_logs["level"] == "ERROR")).sum())


def test_paging_newest_and_oldest_first(explorer):
    explorer.set_filter(service="payments", level="ERROR")
    n = explorer.matching
    size = 25
    assert explorer.page_count(size) == -(-n // size)
    newest = explorer.page(0, size)
    oldest = explorer.page(0, size, newest_first=False)
    assert newest["timestamp"].is_monotonic_decreasing
    assert oldest["timestamp"].is_monotonic_increasing
    assert newest["timestamp"].iloc[0] == explorer.rows()["timestamp"].iloc[-1]
    last = explorer.page(explorer.page_count(size) - 1, size)
    assert len(last) == n - size * (explorer.page_count(size) - 1)
    assert explorer.page(10_000, size).empty
    seen = pd.concat([explorer.page(p, size) for p in range(explorer.page_count(size))])
    assert seen["row"].is_unique
    assert len(seen) == n


def test_counts_per_service_and_minute(explorer, demo_logs):
    explorer.set_filter(start="2026-03-10T14:00:00Z", end="2026-03-10T14:30:00Z", level="ERROR")
    logs = demo_logs
    ts = logs["timestamp"]
    mask = (ts >= "2026-03-10T14:00Z") & (ts < "2026-03-10T14:30Z") & (logs["level"] == "ERROR")
    want = logs.loc[mask, "service"].value_counts()
    got = explorer.by_service().set_index("service")["rows"]
    assert got.to_dict() == want.to_dict()
    per_min = explorer.by_minute()
    want_min = logs.loc[mask].groupby(ts[mask].dt.floor("1min")).size()
    assert per_min["rows"][per_min["rows"] > 0].to_dict() == want_min.to_dict()
    grid = explorer.by_minute(by_service=True)
    assert grid.sum().to_dict() == want.to_dict()


def test_unsorted_input_custom_index_and_row_labels(small_logs):
    ex = LogExplorer(small_logs, tz="UTC")
    rows = ex.rows()
    assert rows["timestamp"].is_monotonic_increasing
    assert rows["row"].tolist() == small_logs.sort_values("timestamp").index.tolist()
    ex.set_filter(text="payment failed")
    assert sorted(ex.rows()["row"]) == [10, 12, 17]
    assert ex.set_filter(level="ERROR").matching == 3  # "error" is normalised to ERROR
    assert ex.by_service().set_index("service")["rows"].to_dict() == {"pay": 3}
    tpl = ex.templates(limit=None)
    assert tpl["count"].sum() == 3
    newest = ex.page(0, 2)
    assert newest["row"].tolist() == [17, 10]


def test_empty_result_is_well_formed(small_logs):
    ex = LogExplorer(small_logs).set_filter(text="no such text anywhere")
    assert ex.matching == 0
    assert ex.page().empty
    assert ex.by_service().empty
    assert ex.by_minute().empty
    assert ex.templates().empty
    assert ex.time_range() is None
    assert ex.page_count() == 1


def test_bad_input_and_filters_raise_package_errors(small_logs):
    with pytest.raises(MissingColumnError, match="message"):
        LogExplorer(small_logs.drop(columns="message"))
    naive = small_logs.assign(timestamp=small_logs["timestamp"].dt.tz_localize(None))
    with pytest.raises(TimestampError, match="tz-aware"):
        LogExplorer(naive)
    ex = LogExplorer(small_logs)
    with pytest.raises(ParameterError, match="RE2"):
        ex.set_filter(regex=r"(?<=payment) failed").positions()
    with pytest.raises(ParameterError, match="Unknown log filter 'colour'"):
        ex.set_filter(colour="red")
    with pytest.raises(ParameterError, match="no time zone"):
        make_filter(start="2026-03-10 14:00", tz=None)
    with pytest.raises(ParameterError, match="after its start"):
        ex.set_filter(start="2026-03-10T15:00Z", end="2026-03-10T14:00Z")


def test_query_leaves_the_explorer_filter_alone(explorer):
    explorer.set_filter(service="inventory")
    before = explorer.matching
    got = explorer.query(limit=3, newest_first=True, service="payments", level="ERROR")
    assert len(got) == 3
    assert set(got["service"]) == {"payments"}
    assert got["timestamp"].is_monotonic_decreasing
    assert explorer.filter.services == ("inventory",)
    assert explorer.matching == before


def test_hostile_text_is_escaped_in_the_static_summary(small_logs):
    from postmortem_nb.explore.summary import log_rows_html, log_summary_html

    logs = small_logs.copy()
    logs.loc[10, "message"] = "<script>alert(1)</script> payment failed"
    logs.loc[10, "service"] = "<img src=x onerror=alert(2)>"
    ex = LogExplorer(logs)
    html = log_summary_html(ex) + log_rows_html(ex.rows(), "UTC")
    assert "<script>" not in html
    assert "<img" not in html
    assert "&lt;script&gt;" in html
    assert np.isfinite(ex.matching)


def test_a_template_shared_by_two_services_credits_both(explorer):
    from postmortem_nb.explore.summary import templates_html

    top = explorer.templates(limit=None)
    post = top.loc[top["template"].str.startswith("POST ")].iloc[0]
    parts = dict(p.rsplit(" ", 1) for p in post["services"].split(", "))
    assert set(parts) == {"checkout-api", "payments"}
    assert sum(int(v.replace(",", "")) for v in parts.values()) == post["count"]
    html = templates_html(top, "Europe/Berlin", limit=50)
    assert post["services"] in html
    assert f"<td>{post['service']}</td>" not in html  # no single service credited


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"service": "payment"}, "Unknown service 'payment' (did you mean 'payments'?); known: "
                                 "checkout-api, inventory, payments, "),
        ({"level": "WARNING"}, "Unknown level 'WARNING' (did you mean 'WARN'?); known: DEBUG, "),
        ({"host": ["payments-1", "payments-9"]}, "Unknown host 'payments-9'"),
        ({"template": "Tdeadbeef"}, "Unknown template 'Tdeadbeef'; known: T"),
    ],
)
def test_values_the_logs_do_not_have_are_refused_not_silently_empty(explorer, filters, message):
    with pytest.raises(ParameterError) as info:
        explorer.set_filter(**filters)
    assert message in str(info.value)
    assert explorer.filter == make_filter()  # the filter is unchanged


def test_a_time_without_a_date_is_read_on_the_incident_day(demo_logs):
    ex = LogExplorer(demo_logs, tz=BERLIN, days=("2026-03-10",))
    ex.set_filter(start="15:00", end="15:30:00")
    assert ex.filter.start == pd.Timestamp("2026-03-10T14:00Z")
    assert ex.filter.end == pd.Timestamp("2026-03-10T14:30Z")
    assert ex.set_filter(start="14:00Z").filter.start == pd.Timestamp("2026-03-10T14:00Z")
    two = LogExplorer(demo_logs.head(50), tz=BERLIN, days=("2026-03-10", "2026-03-11"))
    with pytest.raises(ParameterError, match="no date and could be on 2026-03-10 or 2026-03-11"):
        two.set_filter(start="15:00")


def test_numeric_dates_are_read_only_when_the_order_is_certain(explorer):
    with pytest.raises(ParameterError, match=r"ambiguous \(2026-03-10 or 2026-10-03\)"):
        explorer.set_filter(start="10/03/2026 15:00")
    explorer.set_filter(start="13/03/2026 15:00", end="03/14/2026")
    assert explorer.filter.start == pd.Timestamp("2026-03-13T14:00Z")
    assert explorer.filter.end == pd.Timestamp("2026-03-13T23:00Z")
    assert explorer.set_filter(start="03.03.2026").filter.start == pd.Timestamp(
        "2026-03-02T23:00Z")
    with pytest.raises(ParameterError, match="Cannot read the filter end 'now'"):
        explorer.set_filter(end="now")


def test_an_inverted_range_is_explained_in_the_team_zone(explorer):
    with pytest.raises(ParameterError) as info:
        explorer.set_filter(start="2026-03-10 16:00", end="2026-03-10 15:00")
    assert str(info.value) == ("The filter's end (2026-03-10 15:00:00) must be after its start "
                               "(2026-03-10 16:00:00), times in Europe/Berlin.")


def test_first_seen_is_in_the_loaded_logs_not_where_the_view_starts(tmp_path):
    """A handler error logged all morning, and upstream timeouts from 10:03 EDT. With the
    view on the incident (09:33-11:12 EDT) the handler error must not read as starting at
    09:33: it was first seen at 07:05:37, before the view, and the summary says so."""
    from postmortem_nb.explore.summary import log_summary_html
    from postmortem_nb.ingest import load_logs

    lines = ["timestamp,level,service,message,http_status"]
    t = pd.Timestamp("2026-03-10T11:05:37Z")
    background = []
    while t < pd.Timestamp("2026-03-10T16:00Z"):
        background.append(t)
        lines.append(f"{t.isoformat()},ERROR,checkout-api,"
                     f"unhandled exception in handler /api/cart (order=ord-{len(lines)}),500")
        t += pd.Timedelta("23min")
    t = pd.Timestamp("2026-03-10T14:03:00Z")
    while t < pd.Timestamp("2026-03-10T14:33:00Z"):
        lines.append(f"{t.isoformat()},ERROR,checkout-api,upstream request timeout: "
                     f"payments-gateway after 3000 ms (order=ord-{len(lines)}),504")
        t += pd.Timedelta("20s")
    for m in range(0, 300, 2):  # requests all along, failing from 10:03 EDT
        t = pd.Timestamp("2026-03-10T11:00:30Z") + pd.Timedelta(minutes=m)
        bad = pd.Timestamp("2026-03-10T14:03Z") <= t < pd.Timestamp("2026-03-10T14:33Z")
        status, level = (503, "ERROR") if bad else (200, "INFO")
        lines.append(f"{t.isoformat()},{level},checkout-api,POST /api/pay {status} 140ms,{status}")
    path = tmp_path / "logs.csv"
    path.write_text("\n".join(lines) + "\n")
    ex = LogExplorer(load_logs(path), tz="America/New_York")
    ex.set_filter(start="2026-03-10 09:33:01", end="2026-03-10 11:12:00")
    lo, hi = pd.Timestamp("2026-03-10T13:33:01Z"), pd.Timestamp("2026-03-10T15:12:00Z")
    inside = [b for b in background if lo <= b < hi]
    top = ex.templates(limit=None).set_index("template")
    handler = top.loc[top.index.str.startswith("unhandled exception")].iloc[0]
    assert handler["first_seen"] == background[0]  # 07:05:37 EDT
    assert handler["last_seen"] == background[-1]
    assert (handler["first_match"], handler["last_match"]) == (inside[0], inside[-1])
    assert handler["count"] == len(inside)
    timeout = top.loc[top.index.str.startswith("upstream request timeout")].iloc[0]
    assert timeout["first_seen"] == timeout["first_match"] == pd.Timestamp("2026-03-10T14:03Z")
    # its successful requests since 07:00 do not date the first failed one
    post = top.loc[top["example"].str.startswith("POST /api/pay 503")].iloc[0]
    assert post["first_seen"] == pd.Timestamp("2026-03-10T14:04:30Z")
    assert ex.templates(limit=None, errors_only=False).set_index("template_id").loc[
        post["template_id"], "first_seen"] == pd.Timestamp("2026-03-10T11:00:30Z")
    html = log_summary_html(ex)
    assert "2026-03-10 07:05:37 (before this time range)" in html
    assert "2026-03-10 10:03:00</td>" in html  # began inside the view: no remark
    assert "2026-03-10 10:04:30</td>" in html
    assert "09:33:01</td>" not in html
