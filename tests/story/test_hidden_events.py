"""Events the analyst hid stay hidden when a re-draft moves them; ids that match nothing
any more are found, so the analyst can be told."""

from __future__ import annotations

import pandas as pd
import pytest

from postmortem_nb.story import analyse_incident
from postmortem_nb.timeline import event_id, unmatched_hidden, visible_events


@pytest.fixture(scope="module")
def first(demo_alerts, demo_logs, demo_changes):
    return analyse_incident(demo_alerts, demo_logs, demo_changes, tz="Europe/Berlin")


def _late_failures(logs: pd.DataFrame, n: int = 300) -> pd.DataFrame:
    """``n`` failed payments at 14:40-14:45Z appended to the export (a late shipment):
    60 more a minute, which moves the demo's peak minute (38 failures at 15:26)."""
    failed = logs.index[(logs["service"] == "checkout-api") & (logs["http_status"] >= 500)]
    late = logs.loc[[failed[0]] * n].reset_index(drop=True)
    late["timestamp"] = (pd.Timestamp("2026-03-10T14:40:00Z") + pd.to_timedelta(
        range(n), unit="s")).astype(logs["timestamp"].dtype)
    late["request_id"] = [f"req-late-{i}" for i in range(n)]
    late["customer_id"] = [f"C9{i:05d}" for i in range(n)]
    return pd.concat([logs, late], ignore_index=True)


def _one(story, kind: str) -> pd.Series:
    rows = story.events.loc[story.events["kind"] == kind]
    assert len(rows) >= 1, kind
    return rows.iloc[0]


def test_a_hidden_peak_stays_hidden_when_more_logs_move_it(
        first, demo_alerts, demo_logs, demo_changes):
    peak, storm = _one(first, "signal_peak"), _one(first, "alert_storm")
    onset = _one(first, "signal_onset")
    hidden = [peak["event_id"], storm["event_id"], onset["event_id"]]
    again = analyse_incident(demo_alerts, _late_failures(demo_logs), demo_changes,
                             tz="Europe/Berlin", analyst={"timeline": {"hidden_events": hidden}})
    moved = _one(again, "signal_peak")
    # the late rows made a new peak minute
    assert pd.Timestamp("2026-03-10T14:40Z") <= moved["timestamp"] < pd.Timestamp(
        "2026-03-10T14:45Z")
    assert moved["event_id"] == peak["event_id"]
    assert moved["hidden"]
    assert peak["event_id"] not in set(visible_events(again.events)["event_id"])
    assert unmatched_hidden(again.events, hidden) == []


def test_every_milestone_keeps_its_id_when_overridden(first, demo_alerts, demo_logs,
                                                      demo_changes):
    ids = first.events.loc[first.events["kind"] == "milestone"].set_index("milestone")
    analyst = {"timeline": {"milestone_overrides": {
        "mitigated": {"at": "2026-03-10T15:52:00Z", "note": "scheduler disabled"}}}}
    again = analyse_incident(demo_alerts, demo_logs, demo_changes, tz="Europe/Berlin",
                             analyst=analyst)
    after = again.events.loc[again.events["kind"] == "milestone"].set_index("milestone")
    assert after.loc["mitigated", "source"] == "analyst"
    assert after["event_id"].to_dict() == ids["event_id"].to_dict()
    assert ids["event_id"].is_unique


def test_ids_hidden_before_ids_left_the_time_out_still_hide(first, demo_alerts, demo_logs,
                                                            demo_changes):
    """analysis.json files written by earlier versions hold the time-hashed id."""
    peak = _one(first, "signal_peak")
    old = event_id("signal_peak", peak["source"], peak["timestamp"])
    assert old != peak["event_id"]
    again = analyse_incident(demo_alerts, demo_logs, demo_changes, tz="Europe/Berlin",
                             analyst={"timeline": {"hidden_events": [old]}})
    assert _one(again, "signal_peak")["hidden"]
    assert again.counts["hidden_events"] == 1
    assert unmatched_hidden(again.events, [old]) == []


def test_an_id_whose_event_is_gone_is_reported(first, demo_alerts, demo_logs):
    """Re-drafted without the changes export: the hidden config change is no event now."""
    change = _one(first, "change")["event_id"]
    peak = _one(first, "signal_peak")["event_id"]
    again = analyse_incident(demo_alerts, demo_logs, None, tz="Europe/Berlin",
                             analyst={"timeline": {"hidden_events": [change, peak]}})
    assert unmatched_hidden(again.events, [change, peak]) == [change]
    assert again.counts["hidden_events"] == 1
