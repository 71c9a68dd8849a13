"""Pinning log rows, alerts, changes and templates into analysis.json, and seeing them."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from postmortem_nb.analysis import AnalysisStore
from postmortem_nb.errors import ParameterError
from postmortem_nb.explore.pin import classify, pin, pin_arguments, refresh_events
from postmortem_nb.tables import events_table


def _saved(store: AnalysisStore) -> dict:
    store.flush()
    return json.loads(store.path.read_text())


def test_pin_a_log_row_keeps_its_evidence(store, demo_logs):
    row = demo_logs.loc[demo_logs["message"].str.startswith("payment authorization failed")].iloc[0]
    ev = pin(store, row, description="First PSP timeout", frames={"logs": demo_logs})
    data = _saved(store)
    saved = data["timeline"]["added_events"]
    assert len(saved) == 1
    got = saved[0]
    assert got["pinned"] is True
    assert got["kind"] == "pinned"
    assert got["description"] == "First PSP timeout"
    assert got["service"] == "payments"
    assert got["evidence"]["source"] == "logs.csv.gz"
    assert got["evidence"]["ref"] == f"line {row['_line']}"
    assert got["evidence"]["text"] == row["message"]
    assert got["timestamp"] == row["timestamp"].strftime("%Y-%m-%dT%H:%M:%SZ")
    assert got["event_id"] == ev.event_id


def test_pinning_twice_keeps_one_event_and_unpin_removes_it(store, demo_logs):
    row = demo_logs.iloc[1234]
    a = pin(store, row, frames={"logs": demo_logs})
    assert a.description.startswith(f"[{row['level']}] {row['service']}: ")
    b = pin(store, row, description="again", frames={"logs": demo_logs})
    assert a.event_id == b.event_id
    assert len(store.analysis.timeline.added_events) == 1
    assert b.description == "again"  # the analyst's latest words win
    assert pin(store, row, frames={"logs": demo_logs}).description == "again"  # none: kept
    assert _saved(store)["timeline"]["added_events"][0]["description"] == "again"
    assert store.unpin_event(a.event_id) is True
    assert store.unpin_event(a.event_id) is False
    assert _saved(store)["timeline"]["added_events"] == []


def test_pin_by_row_number_alert_id_template_id_and_change(store, demo_logs):
    import postmortem_nb as pm
    from postmortem_nb.logtemplates import mine_templates

    from .conftest import DEMO

    alerts = pm.load_alerts(DEMO / "alerts.csv")
    changes = pm.load_changes(DEMO / "changes.csv")
    frames = {"logs": demo_logs, "alerts": alerts, "changes": changes}
    by_number = pin(store, 42, frames=frames)
    assert by_number.evidence.ref == f"line {demo_logs.loc[42, '_line']}"
    alert = pin(store, "48217", frames=frames)
    assert alert.evidence.ref == "alert 48217"
    assert alert.evidence.source == "alerts.csv"
    assert "CPU utilisation" in alert.description
    assert alert.description.startswith("[SEV2]")
    templates = mine_templates(demo_logs).table
    tid = templates["template_id"].iloc[0]
    tpl = pin(store, tid, frames=frames, templates=templates)
    assert tpl.evidence.ref == f"template {tid}"
    assert tpl.evidence.text.startswith(templates["template"].iloc[0])
    assert pd.Timestamp(tpl.timestamp) == templates["first_seen"].iloc[0].floor("s")
    change = pin(store, changes.iloc[2], frames=frames)
    assert change.evidence.source == "changes.csv"
    assert change.evidence.ref == "line 4"
    assert change.description.startswith("config: ")
    assert len(store.analysis.timeline.added_events) == 4


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (10**9, "No log row"),
        ("nope", "neither an alert id, a template id nor a log row label"),
        (3.5, "Pin a log row"),
        ({"foo": 1}, "Cannot tell what to pin"),
    ],
)
def test_bad_pins_are_explained(item, message, demo_logs):
    with pytest.raises(ParameterError, match=message):
        pin_arguments(item, {"logs": demo_logs})


def test_classify_by_columns():
    assert classify({"timestamp": 1, "message": "x"}) == "log"
    assert classify({"started_at": 1, "title": "x", "alert_id": "a"}) == "alert"
    assert classify({"timestamp": 1, "description": "deploy"}) == "change"
    assert classify({"template_id": "T1", "template": "x", "first_seen": 1}) == "template"


def test_pinned_events_reach_the_story_timeline_and_its_table(store, demo_logs):
    """Both ways: a re-analysis reads analysis.json; refresh_events updates a live story."""
    from postmortem_nb.story import analyse_incident

    row = demo_logs.loc[demo_logs["message"].str.contains("connection slots")].iloc[0]
    ev = pin(store, row, description="DB refused connections", frames={"logs": demo_logs})
    story = analyse_incident(None, demo_logs, tz="Europe/Berlin", analyst=store.analysis.to_dict())
    mine = story.events.loc[story.events["event_id"] == ev.event_id]
    assert len(mine) == 1
    assert mine["kind"].iloc[0] == "pinned"
    assert mine["source"].iloc[0] == f"analyst: logs.csv.gz line {row['_line']}"
    table = events_table(story.events, "Europe/Berlin")
    assert "DB refused connections" in table
    assert "pinned (analyst)" in table

    store.unpin_event(ev.event_id)
    refresh_events(story, store.analysis)
    assert ev.event_id not in set(story.events["event_id"])
    again = pin(store, row, description="re-pinned", frames={"logs": demo_logs})
    refresh_events(story, store.analysis)
    assert again.event_id in set(story.events["event_id"])
    assert "re-pinned" in events_table(story.events, "Europe/Berlin")


def test_pinned_event_is_drawn_in_the_timeline_figure(store, demo_logs):
    from postmortem_nb.figures import timeline_figure
    from postmortem_nb.story import analyse_incident

    row = demo_logs.loc[demo_logs["message"].str.contains("connection slots")].iloc[0]
    pin(store, row, description="DB refused <connections>", frames={"logs": demo_logs})
    story = analyse_incident(None, demo_logs, tz="Europe/Berlin", analyst=store.analysis.to_dict())
    fig = timeline_figure(story)
    events = next(t for t in fig.data if t.name == "events")
    hits = [i for i, h in enumerate(events.hovertext) if "DB refused" in h]
    assert len(hits) == 1
    assert events.y[hits[0]] == "analyst"
    assert "pinned" in events.hovertext[hits[0]]
    assert "&lt;connections&gt;" in events.hovertext[hits[0]]  # escaped for Plotly


@pytest.fixture(scope="module")
def demo_frames(demo_logs):
    import postmortem_nb as pm

    from .conftest import DEMO

    return {"logs": demo_logs, "alerts": pm.load_alerts(DEMO / "alerts.csv"),
            "changes": pm.load_changes(DEMO / "changes.csv")}


def test_a_number_that_is_both_an_alert_id_and_a_log_row_is_refused(store, demo_frames):
    """The demo's alert ids are numbers that are also log row labels: never guess."""
    with pytest.raises(ParameterError) as info:
        pin(store, 48217, frames=demo_frames)
    message = str(info.value)
    assert "48217 is both alert '48217'" in message
    assert "log row: line 48219 of logs.csv.gz" in message
    assert "wb.pin(alert='48217')" in message
    assert "wb.pin(log_row=48217)" in message
    assert store.analysis.timeline.added_events == []
    alert = pin(store, alert=48217, frames=demo_frames)
    assert alert.evidence.ref == "alert 48217"
    row = pin(store, log_row=48217, frames=demo_frames)
    assert row.evidence.ref == "line 48219"
    assert pin(store, "48217", frames=demo_frames).event_id == alert.event_id  # text: the id
    with pytest.raises(ParameterError, match="Pin one thing"):
        pin(store, 5, log_row=5, frames=demo_frames)
    with pytest.raises(ParameterError, match="Unknown pin keyword 'row'"):
        pin(store, row=5, frames=demo_frames)
    with pytest.raises(ParameterError, match="No alert '1'"):
        pin(store, alert=1, frames=demo_frames)


def test_row_labels_from_a_result_table_pin_the_log_row(store, demo_frames):
    """NumPy integers and digit strings are row labels (the `row` column is the label)."""
    import numpy as np

    logs = demo_frames["logs"]
    label = np.int64(62585)
    line = f"line {logs.loc[62585, '_line']}"
    assert pin(store, label, frames=demo_frames).evidence.ref == line
    assert pin(store, "62585", frames=demo_frames).evidence.ref == line
    assert pin(store, log_row="62585", frames=demo_frames).evidence.ref == line
    assert len(store.analysis.timeline.added_events) == 1
    with pytest.raises(ParameterError, match=r"No log row 10000000 \(the logs have labels 0–"):
        pin(store, np.int32(10**7), frames=demo_frames)
    with pytest.raises(ParameterError, match="Cannot pin"):
        pin(store, np.bool_(True), frames=demo_frames)


def test_a_template_pinned_at_a_filtered_time_moves_to_its_first_sighting(store, demo_logs):
    """An event pinned before this fix (at the filter's first row) is found by template id."""
    from postmortem_nb.logtemplates import mine_templates

    table = mine_templates(demo_logs).table
    row = table.iloc[0].to_dict()
    old = store.pin_event(row["first_seen"] + pd.Timedelta("13h"), "my words",
                          source="logs.csv.gz", ref=f"template {row['template_id']}",
                          text=row["template"])
    ev = pin(store, row["template_id"], frames={"logs": demo_logs}, templates=table)
    assert ev.event_id == old.event_id
    assert len(store.analysis.timeline.added_events) == 1
    assert pd.Timestamp(ev.timestamp) == row["first_seen"].floor("s")
    assert ev.description == "my words"


def _reexported(logs: pd.DataFrame, name: str = "logs.csv.gz", shift: int = 1000) -> pd.DataFrame:
    """The same rows in a wider export: every line ``shift`` further down, maybe renamed."""
    out = logs.copy()
    out["_line"] = out["_line"] + shift
    out["_file"] = f"/elsewhere/{name}"
    return out


@pytest.mark.parametrize("name", ["logs.csv.gz", "logs-v4.csv.gz"])
def test_re_pinning_a_row_from_a_re_export_updates_the_pin(store, demo_logs, name):
    from postmortem_nb.explore.pin import UPDATED, pin_with_outcome

    row = demo_logs.loc[demo_logs["message"].str.contains("connection slots")].iloc[0]
    ev = pin(store, row, description="DB refused connections", frames={"logs": demo_logs})
    wider = _reexported(demo_logs, name)
    again, outcome = pin_with_outcome(store, wider.loc[row.name], frames={"logs": wider})
    assert outcome == UPDATED
    assert again.event_id == ev.event_id
    saved = _saved(store)["timeline"]["added_events"]
    assert len(saved) == 1
    assert saved[0]["description"] == "DB refused connections"
    assert (saved[0]["evidence"]["source"], saved[0]["evidence"]["ref"]) == (
        name, f"line {row['_line'] + 1000}")


def test_a_pin_saved_with_a_file_and_line_id_is_matched_by_its_content(store, demo_logs):
    """Pins saved before ids hashed the content (no host kept) are found, not duplicated."""
    row = demo_logs.loc[demo_logs["message"].str.contains("connection slots")].iloc[0]
    old = store.pin_event(row["timestamp"], "mine", source="logs.csv.gz",
                          ref=f"line {row['_line']}", text=row["message"],
                          service=row["service"])
    store.update(lambda a: setattr(a.timeline.added_events[0], "event_id", "pin-0123456789"))
    wider = _reexported(demo_logs, "logs-v4.csv.gz")
    again = pin(store, wider.loc[row.name], frames={"logs": wider})
    assert old.description == again.description == "mine"
    assert [e.event_id for e in store.analysis.timeline.added_events] == ["pin-0123456789"]


def test_a_pinned_line_that_moved_is_re_resolved_or_flagged_stale(store, demo_logs):
    from postmortem_nb.timeline import analyst_edits, analyst_events

    row = demo_logs.loc[demo_logs["message"].str.contains("connection slots")].iloc[0]
    pin(store, row, frames={"logs": demo_logs})
    edits = analyst_edits(store.analysis.to_dict())
    shown = analyst_events(edits, "UTC", demo_logs)["source"].iloc[0]
    assert shown == f"analyst: logs.csv.gz line {row['_line']}"
    wider = _reexported(demo_logs)
    shown = analyst_events(edits, "UTC", wider)["source"].iloc[0]
    assert shown == (f"analyst: logs.csv.gz line {row['_line'] + 1000} "
                     f"(pinned as logs.csv.gz line {row['_line']})")
    gone = wider.drop(index=row.name)
    shown = analyst_events(edits, "UTC", gone)["source"].iloc[0]
    assert shown.startswith(f"analyst: logs.csv.gz line {row['_line']} (stale")


def test_a_moved_pin_on_another_host_is_found_by_its_host(store, demo_logs):
    """Two hosts log the same text in the same second: the pin's own host's row is named."""
    from postmortem_nb.timeline import analyst_edits, analyst_events

    row = demo_logs.loc[demo_logs["message"].str.contains("connection slots")].iloc[0]
    twin = row.copy()
    twin["host"] = "db-proxy-9"
    twin["_line"] = 5  # an earlier line of another host
    logs = pd.concat([twin.to_frame().T.astype(demo_logs.dtypes.to_dict()), demo_logs],
                     ignore_index=True)
    pin(store, row, frames={"logs": demo_logs})
    edits = analyst_edits(store.analysis.to_dict())
    moved = logs.assign(_line=logs["_line"].where(logs["host"] == "db-proxy-9",
                                                  logs["_line"] + 1000))
    shown = analyst_events(edits, "UTC", moved)["source"].iloc[0]
    assert shown == (f"analyst: logs.csv.gz line {row['_line'] + 1000} "
                     f"(pinned as logs.csv.gz line {row['_line']})")


def test_a_fingerprint_that_fired_twice_is_pinned_by_its_episode(store, tmp_path):
    """Both firing episodes of Alertmanager fingerprint aa are in the loaded alerts: a plain
    id is refused with the references listed, each episode is its own pin, and pinning the
    second did not overwrite the first (their key was the id alone)."""
    import postmortem_nb as pm

    hook = ('{{"version":"4","groupKey":"{{}}","status":"firing","receiver":"r",'
            '"alerts":[{{"status":"firing",'
            '"fingerprint":"aa","startsAt":"{}","endsAt":"0001-01-01T00:00:00Z",'
            '"labels":{{"alertname":"HighErrorRate","service":"checkout-api"}},'
            '"annotations":{{"summary":"5xx above 5%"}}}}]}}\n')
    path = tmp_path / "hooks.jsonl"
    path.write_text(hook.format("2026-03-10T14:05:00Z") + hook.format("2026-03-12T09:30:00Z"))
    alerts = pm.load_alerts(path)
    frames = {"alerts": alerts}
    with pytest.raises(ParameterError, match=r"'aa' fired 2 times .*aa@2026-03-10T14:05:00Z, "
                                             r"aa@2026-03-12T09:30:00Z"):
        pin(store, "aa", frames=frames)
    first = pin(store, "aa@2026-03-10T14:05:00Z", description="first", frames=frames)
    second = pin(store, alerts.iloc[1], description="second", frames=frames)
    assert first.event_id != second.event_id
    assert second.evidence.ref == "alert aa@2026-03-12T09:30:00Z"
    saved = {e["evidence"]["ref"]: (e["timestamp"], e["description"])
             for e in _saved(store)["timeline"]["added_events"]}
    assert saved == {"alert aa@2026-03-10T14:05:00Z": ("2026-03-10T14:05:00Z", "first"),
                     "alert aa@2026-03-12T09:30:00Z": ("2026-03-12T09:30:00Z", "second")}
    # a pin saved by the plain id before is the same evidence as its episode's reference
    store.pin_event("2026-03-10T14:05:00Z", "old", source="hooks.jsonl", ref="alert aa",
                    text="5xx above 5%")
    assert len(store.analysis.timeline.added_events) == 2
