"""The analyst's incident window (analysis.json) wins over the draft's alert selection.

A draft always passes the incident's alert ids (or a window) to the notebook; the
analyst's window must still decide the incident's window, its impact period and the
report header, or "Set as incident window" does nothing on the next run.
"""

from __future__ import annotations

import pandas as pd
import pytest

from postmortem_nb.export import incident_span
from postmortem_nb.facts import build_facts
from postmortem_nb.story import analyse_incident

BERLIN = "Europe/Berlin"


def _window(start, end):
    return {"timeline": {"incident_window": {"start": start, "end": end}}}


@pytest.fixture(scope="module")
def ids(truth):
    return [str(n) for n in truth["incident_alert_numbers"]]


@pytest.fixture(scope="module")
def drafted(demo_alerts, demo_logs, demo_changes, ids):
    """What a draft's parameters give without an analyst window."""
    return analyse_incident(demo_alerts, demo_logs, demo_changes, tz=BERLIN, alert_ids=ids,
                            currency="EUR")


def test_the_analysts_window_wins_over_the_drafts_alert_ids(
    demo_alerts, demo_logs, demo_changes, ids, drafted
):
    story = analyse_incident(
        demo_alerts, demo_logs, demo_changes, tz=BERLIN, alert_ids=ids, currency="EUR",
        analyst=_window("2026-03-10T13:50:00Z", "2026-03-10T16:45:00Z"),
    )
    assert story.window == (pd.Timestamp("2026-03-10T13:50Z"), pd.Timestamp("2026-03-10T16:45Z"))
    assert story.window_source == "analyst"
    facts = build_facts(story)
    assert facts["window"]["start"] == "2026-03-10T13:50:00Z"
    assert facts["window"]["end"] == "2026-03-10T16:45:00Z"
    assert facts["window"]["source"] == "analyst"
    reason = facts["window"]["reason"]
    assert reason.startswith("Incident window set by the analyst in analysis.json")
    # the data's window stays on record
    assert ("The data's window was 2026-03-10T14:03:00Z–2026-03-10T16:12:40Z: 16 alerts in the "
            "incident (listed by alert id). Start moved to the onset") in reason
    # the report header states the analyst's window (what the analyst said wins)
    assert incident_span(facts) == ("2026-03-10T13:50:00Z", "2026-03-10T16:45:00Z")
    # the onset is searched in the analyst's window against the same normal period
    assert story.at("impact_start") == drafted.at("impact_start")
    assert story.onset.baseline_end == drafted.onset.baseline_end
    assert len(story.alerts) == len(drafted.alerts) == 16
    assert build_facts(drafted)["window"]["source"] == "derived"


def test_a_narrower_window_bounds_the_impact_period(demo_alerts, demo_logs, ids, drafted):
    """Cut before the signal recovered: impact is measured up to the window's end, and the
    warnings say why, instead of "not measured"."""
    story = analyse_incident(
        demo_alerts, demo_logs, tz=BERLIN, alert_ids=ids,
        analyst=_window("2026-03-10T14:20:00Z", "2026-03-10T15:30:00Z"),
    )
    assert story.at("mitigated") is None
    method = story.impact.figures["failed_transactions"].method
    assert "[2026-03-10T14:20:00Z, 2026-03-10T15:30:00Z)" in method
    value = story.impact.value("failed_transactions")
    assert 0 < value < drafted.impact.value("failed_transactions")
    assert any("up to the end of the analyst's incident window" in w for w in story.warnings)


def test_alerts_that_fired_in_the_analysts_window_join_the_incident(demo_alerts, demo_logs,
                                                                    ids):
    """The selected alerts stay (detection keeps its first alert); those that fired inside
    the analyst's window join: here the replication-lag alert of 02:10 UTC."""
    story = analyse_incident(
        demo_alerts, demo_logs, tz=BERLIN, alert_ids=ids,
        analyst=_window("2026-03-10T14:00:00Z", "2026-03-11T02:15:00Z"),
    )
    assert sorted(story.alerts["alert_id"].astype(str)) == sorted([*ids, "48233"])
    assert "1 more alert fired inside the analyst's window" in story.window_reason
    assert story.at("detected") == pd.Timestamp("2026-03-10T14:08:47Z")


def test_without_a_selection_the_window_chooses_the_alerts(demo_alerts, demo_logs):
    story = analyse_incident(
        demo_alerts, demo_logs, tz=BERLIN,
        analyst=_window("2026-03-10T14:10:00Z", "2026-03-10T16:45:00Z"),
    )
    assert story.window_source == "analyst"
    assert story.alerts["started_at"].min() >= pd.Timestamp("2026-03-10T14:10Z")
    assert len(story.alerts) == 14


def test_a_backwards_window_is_ignored_with_a_warning(demo_alerts, demo_logs, ids, drafted):
    story = analyse_incident(
        demo_alerts, demo_logs, tz=BERLIN, alert_ids=ids,
        analyst={"timeline": {"incident_window": {"start": "2026-03-10T18:00:00Z", "end": ""}}},
    )
    assert story.window == drafted.window
    assert story.window_source == "derived"
    assert any("ends before it starts" in w for w in story.warnings)


def test_the_header_prefers_a_milestone_override_to_the_window():
    facts = {
        "window": {"start": "2026-03-10T13:50:00Z", "end": "2026-03-10T16:45:00Z",
                   "source": "analyst"},
        "milestones": {"impact_start": {"at": "2026-03-10T14:00:00Z", "source": "analyst"},
                       "resolved": {"at": "2026-03-10T16:12:40Z", "source": "derived"}},
    }
    assert incident_span(facts) == ("2026-03-10T14:00:00Z", "2026-03-10T16:45:00Z")
    facts["window"]["source"] = "derived"
    assert incident_span(facts) == ("2026-03-10T14:00:00Z", "2026-03-10T16:12:40Z")
