"""The workbook's explore methods on the demo incident (what notebook cells and users call)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from postmortem_nb.display import HTML, Live
from postmortem_nb.errors import ParameterError


def test_explore_logs_filters_and_returns_row_labels(demo_workbook):
    wb = demo_workbook
    rows = wb.explore_logs(
        service="payments",
        regex=r"upstream timeout after \d+",
        start="2026-03-10 15:00",
        end="2026-03-10 16:00",
        limit=None,
    )
    assert len(rows) > 100
    assert set(rows["service"]) == {"payments"}
    assert rows["timestamp"].min() >= pd.Timestamp("2026-03-10T14:00Z")
    assert (
        wb.frames["logs"].loc[rows["row"], "message"].to_numpy() == rows["message"].to_numpy()
    ).all()
    assert len(wb.explore_logs(limit=5)) == 5
    with pytest.raises(ParameterError, match="Unknown log filter"):
        wb.explore_logs(severity="high")


def test_pin_unpin_and_the_timeline_table(demo_workbook):
    wb = demo_workbook
    row = wb.explore_logs(
        text="payment authorization failed", start="2026-03-10 15:04", limit=1
    ).iloc[0]
    ev = wb.pin(row, description="PSP timeouts begin")
    data = json.loads((wb.root / "analysis.json").read_text())
    saved = [e for e in data["timeline"]["added_events"] if e["event_id"] == ev.event_id]
    assert saved
    assert saved[0]["pinned"]
    assert saved[0]["evidence"]["text"] == row["message"]
    assert saved[0]["evidence"]["ref"] == f"line {row['_line']}"
    assert "PSP timeouts begin" in wb.timeline_table().html  # live story refreshed
    pinned = wb.pinned()
    assert pinned["event_id"].tolist() == [ev.event_id]
    assert pinned["now"].tolist() == [f"logs.csv.gz line {row['_line']}"]
    assert wb.unpin(ev.event_id) is True
    assert "PSP timeouts begin" not in wb.timeline_table().html
    assert wb.pinned().empty


def test_explorer_cells_render_static_summaries(demo_workbook):
    wb = demo_workbook
    logs = wb.log_explorer()
    alerts = wb.alert_explorer()
    assert isinstance(logs, Live)
    assert isinstance(alerts, Live)
    assert "Top error templates" in logs.html
    assert "Rows per service" in logs.html
    assert "16 incident alerts" in alerts.html
    for html in (logs.html, alerts.html):  # also what the report shows
        assert "In the workbook this view is interactive." in html
        assert "JupyterLab" not in html
    assert wb.explore_alerts("incident")["in_incident"].all()
    linked = wb.linked_figures()
    assert isinstance(linked, Live | HTML)
    assert "Linked figures" in linked.html


def test_linked_figures_are_drawn_on_request(demo_workbook):
    import plotly.graph_objects as go

    linked = demo_workbook.linked_figures()
    show, holder = linked.widget.children[:2]
    assert holder.children == ()  # headless runs never build FigureWidgets
    show.click()
    assert len(holder.children) == 2
    assert all(isinstance(f, go.FigureWidget) for f in holder.children)
    assert holder.children[0].layout.dragmode == "zoom"
    show.click()  # a second click does not draw them twice
    assert len(holder.children) == 2


def test_pin_takes_row_labels_from_a_result_table(demo_workbook):
    wb = demo_workbook
    rows = wb.explore_logs(service="payments", regex=r"timeout after \d+", limit=5)
    first = wb.pin(rows["row"].iloc[0])
    second = wb.pin(rows.loc[1, "row"])
    logs = wb.frames["logs"]
    assert first.evidence.ref == f"line {logs.loc[rows['row'].iloc[0], '_line']}"
    assert second.evidence.ref == f"line {logs.loc[rows['row'].iloc[1], '_line']}"
    assert wb.pin(rows.iloc[1]).event_id == second.event_id  # the row itself: same event
    with pytest.raises(ParameterError, match="both alert '48217' and log row 48217"):
        wb.pin(48217)
    assert wb.pin(alert=48217).evidence.ref == "alert 48217"
    for ev in wb.pinned()["event_id"]:
        wb.unpin(ev)


def test_explore_logs_reads_a_bare_time_on_the_incident_day(demo_workbook):
    rows = demo_workbook.explore_logs(start="15:00", end="15:01", limit=None)
    assert len(rows)
    assert rows["timestamp"].min() >= pd.Timestamp("2026-03-10T14:00Z")
    assert rows["timestamp"].max() < pd.Timestamp("2026-03-10T14:01Z")
    with pytest.raises(ParameterError, match="Unknown service 'payment'"):
        demo_workbook.explore_logs(service="payment")


def test_a_template_is_one_event_at_its_first_sighting_whatever_the_filter(demo_workbook):
    """The explorer's filter (hidden widget state) changes neither the time nor the event."""
    from postmortem_nb.explore.session import session

    wb = demo_workbook
    wb.log_explorer()
    view = session(wb).view
    tid = "T854a36e5"
    first_seen = wb.story.templates.table.set_index("template_id").loc[tid, "first_seen"]
    view.start.value = "2026-03-10 15:30"
    a = wb.pin(tid)
    view.start.value = "2026-03-10 16:00"
    b = wb.pin(tid, description="PSP timeouts")
    filtered = session(wb).logs.templates(limit=None)
    c = wb.pin(filtered.loc[filtered["template_id"] == tid].iloc[0])  # a filtered table's row
    assert a.event_id == b.event_id == c.event_id
    mine = wb.pinned().loc[lambda t: t["ref"] == f"template {tid}"]
    assert len(mine) == 1
    assert mine["timestamp"].iloc[0] == first_seen.floor("s")
    assert mine["description"].iloc[0] == "PSP timeouts"
    wb.unpin(a.event_id)


def test_the_pin_button_says_when_evidence_was_pinned_already(demo_workbook):
    from postmortem_nb.explore.session import session

    wb = demo_workbook
    wb.log_explorer()
    view = session(wb).view
    view.pin_row.value = 0
    view.pin_button.click()
    assert "Pinned pin-" in view.pin_status.value
    view.pin_button.click()
    assert "Already pinned as pin-" in view.pin_status.value
    view.pin_desc.value = "first row of the window"
    view.pin_button.click()
    assert "Updated pin-" in view.pin_status.value
    assert "first row of the window" in view.pin_status.value
    assert wb.pinned()["description"].tolist() == ["first row of the window"]
    wb.unpin(wb.pinned()["event_id"].iloc[0])


def test_a_cut_result_says_so_and_shows_the_team_zone(demo_workbook):
    import warnings

    from postmortem_nb.errors import RowLimitWarning

    wb = demo_workbook
    with pytest.warns(RowLimitWarning) as caught:
        rows = wb.explore_logs(service="payments", regex=r"timeout after \d+")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no notice for an uncut result
        total = len(wb.explore_logs(service="payments", regex=r"timeout after \d+", limit=None))
    assert total > 1000
    assert len(rows) == 1000
    assert rows.attrs["total"] == total
    assert str(caught[0].message) == (
        f"explore_logs: the first 1,000 of {total:,} matching rows; limit=None for all.")
    assert caught[0].filename == __file__  # points at the caller's line, not the package
    local = rows["local_time"].iloc[0]
    assert str(local.tz) == "Europe/Berlin"
    assert local == rows["timestamp"].iloc[0]
    assert rows.columns.get_loc("local_time") == rows.columns.get_loc("timestamp") + 1
    with pytest.warns(RowLimitWarning, match="the newest 1,000 of"):
        wb.explore_logs(newest_first=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a limit the analyst chose is no surprise
        three = wb.explore_logs(limit=3)
    assert three.attrs == {"total": len(wb.frames["logs"]), "limit": 3}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"failure": "no"}, "failure must be True (failures only), False (no failures) or "
                            "None (any); found 'no'"),
        ({"limit": -1}, "limit must be a whole number of rows (e.g. 1000) or None for every "
                        "row; found -1"),
        ({"limit": "10"}, "found '10'"),
        ({"limit": 2.5}, "found 2.5"),
        ({"text": 5}, "text must be a string; found int 5"),
        ({"ignore_case": "yes"}, "ignore_case must be True or False"),
        ({"newest_first": "yes"}, "newest_first must be True or False"),
    ],
)
def test_explore_logs_input_slips_are_explained(demo_workbook, kwargs, message):
    with pytest.raises(ParameterError) as info:
        demo_workbook.explore_logs(**kwargs)
    assert message in str(info.value)


def test_numpy_values_from_a_table_are_good_arguments(demo_workbook):
    import numpy as np

    rows = demo_workbook.explore_logs(failure=np.bool_(True), limit=np.int64(2))
    assert len(rows) == 2
    assert rows["failure"].all()


def test_unpin_removes_pins_only_never_an_analyst_note(demo_workbook):
    wb = demo_workbook
    note = wb.store.add_event("2026-03-10 15:05", "Customer support saw first tickets",
                              tz=wb.tz)
    with pytest.raises(ParameterError) as info:
        wb.unpin(note.event_id)
    message = str(info.value)
    assert f"{note.event_id!r} is an analyst note" in message
    assert f"wb.store.remove_event({note.event_id!r})" in message
    assert any(e.event_id == note.event_id for e in wb.store.analysis.timeline.added_events)
    assert wb.unpin("pin-0000000000") is False
    wb.store.remove_event(note.event_id)


def test_pinned_says_where_a_moved_pin_is_now(demo_workbook):
    """After a re-export shifts the lines, ``pinned()`` names the row's line now."""
    wb = demo_workbook
    row = wb.explore_logs(text="payment authorization failed", start="2026-03-10 15:04",
                          limit=1).iloc[0]
    ev = wb.pin(row, description="PSP timeouts begin")
    try:
        logs = wb.frames["logs"]
        wb.frames["logs"] = logs.assign(_line=logs["_line"] + 1000)
        now = wb.pinned().set_index("event_id").loc[ev.event_id, "now"]
        assert now == (f"logs.csv.gz line {row['_line'] + 1000} "
                       f"(pinned as logs.csv.gz line {row['_line']})")
        wb.frames["logs"] = logs.drop(index=row["row"])
        now = wb.pinned().set_index("event_id").loc[ev.event_id, "now"]
        assert now.startswith(f"logs.csv.gz line {row['_line']} (stale")
    finally:
        wb.frames["logs"] = logs
        wb.unpin(ev.event_id)


def test_pinned_reads_a_hand_written_naive_time_in_the_team_zone(demo_workbook):
    """analysis.json's naive times are the team's (as the report reads them); pinned()
    read them as UTC, an hour off in Berlin, and called the pin stale."""
    wb = demo_workbook
    row = wb.explore_logs(text="payment authorization failed", start="2026-03-10 15:04",
                          limit=1).iloc[0]
    ev = wb.pin(row, description="PSP timeouts begin")
    try:
        local = row["timestamp"].tz_convert(wb.tz).strftime("%Y-%m-%d %H:%M:%S")
        def hand_edit(a):  # as a person editing analysis.json writes it
            next(e for e in a.timeline.added_events if e.event_id == ev.event_id).timestamp = local
        wb.store.update(hand_edit)
        got = wb.pinned().set_index("event_id").loc[ev.event_id]
        assert got["timestamp"] == row["timestamp"].floor("s")
        assert got["now"] == f"logs.csv.gz line {row['_line']}"
    finally:
        wb.unpin(ev.event_id)
