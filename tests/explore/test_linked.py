"""Linked figures: figure x values in the team's zone back to UTC; selections act."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import pytest

from postmortem_nb.errors import ParameterError
from postmortem_nb.explore.linked import Selection, link_figure, wall_to_utc

BERLIN = "Europe/Berlin"


def test_wall_clock_values_are_read_in_the_team_zone():
    assert wall_to_utc("2026-03-10 15:03:00", BERLIN) == pd.Timestamp("2026-03-10T14:03Z")
    assert wall_to_utc("2026-07-10 15:03:00.5", BERLIN) == pd.Timestamp("2026-07-10T13:03:00.5Z")
    assert wall_to_utc("2026-03-10T14:03:00Z", BERLIN) == pd.Timestamp("2026-03-10T14:03Z")
    # epoch milliseconds, as some plotly events send them
    ms = pd.Timestamp("2026-03-10 15:03").value // 10**6
    assert wall_to_utc(ms, BERLIN) == pd.Timestamp("2026-03-10T14:03Z")
    # DST: 02:30 on 2026-03-29 does not exist in Berlin; 02:30 on 2026-10-25 happens twice
    assert wall_to_utc("2026-03-29 02:30", BERLIN) == pd.Timestamp("2026-03-29T01:00Z")
    assert wall_to_utc("2026-10-25 02:30", BERLIN) == pd.Timestamp("2026-10-25T00:30Z")
    with pytest.raises(ParameterError, match="selected time"):
        wall_to_utc("half past three", BERLIN)


def test_selection_filters_the_explorer_and_saves_window_and_milestone(store, explorer):
    seen = []
    sel = Selection(
        BERLIN,
        store=store,
        on_range=lambda a, b: (seen.append((a, b)), explorer.set_filter(start=a, end=b)),
    )
    with pytest.raises(ParameterError, match="Select a time range"):
        sel.as_incident_window()
    sel.select("2026-03-10 15:20", "2026-03-10 15:05")  # any order
    sel.select("2026-03-10 15:05", "2026-03-10 15:20")  # the same range again: acted on once
    assert seen == [(pd.Timestamp("2026-03-10T14:05Z"), pd.Timestamp("2026-03-10T14:20Z"))]
    assert explorer.filter.start == pd.Timestamp("2026-03-10T14:05Z")
    assert "15:05:00 – 15:20:00" in sel.describe()
    window = sel.as_incident_window()
    assert (window.start, window.end) == ("2026-03-10T14:05:00Z", "2026-03-10T14:20:00Z")
    sel.as_milestone("mitigated", at_end=True)
    ov = store.analysis.timeline.milestone_overrides["mitigated"]
    assert ov.at == "2026-03-10T14:20:00Z"
    assert "selection" in ov.note
    with pytest.raises(ParameterError, match="Milestone must be one of"):
        sel.as_milestone("lunch")


def test_figure_widget_zoom_and_box_select_drive_the_selection():
    """A real FigureWidget: an x-range change and a box selection reach the selection."""
    from plotly.callbacks import BoxSelector, Points

    fig = go.FigureWidget(
        go.Figure(
            go.Scatter(
                x=pd.date_range("2026-03-10 15:00", periods=30, freq="1min"), y=list(range(30))
            )
        )
    )
    ranges = []
    sel = Selection(BERLIN, on_range=lambda a, b: ranges.append((a, b)))
    link_figure(fig, sel)
    fig.layout.xaxis.range = ["2026-03-10 15:10:00", "2026-03-10 15:12:00"]
    assert ranges[-1] == (pd.Timestamp("2026-03-10T14:10Z"), pd.Timestamp("2026-03-10T14:12Z"))
    box = BoxSelector(xrange=["2026-03-10 15:01:00", "2026-03-10 15:02:30"], yrange=[0, 5])
    fig.data[0]._dispatch_on_selection(
        Points(point_inds=[1], xs=[0], ys=[0], trace_name="", trace_index=0), box
    )
    assert ranges[-1] == (pd.Timestamp("2026-03-10T14:01Z"), pd.Timestamp("2026-03-10T14:02:30Z"))
    # a box on another panel (x2) arrives without an x range: the points' x values count
    fig.data[0]._dispatch_on_selection(
        Points(
            point_inds=[4, 5, 9],
            xs=["2026-03-10 15:04:00", "2026-03-10 15:05:00", "2026-03-10 15:09:00"],
            ys=[4, 5, 9],
            trace_name="",
            trace_index=0,
        ),
        BoxSelector(xrange=None, yrange=None),
    )
    assert ranges[-1] == (pd.Timestamp("2026-03-10T14:04Z"), pd.Timestamp("2026-03-10T14:09Z"))


def test_widget_copies_of_the_figures_keep_dates_and_select_lines():
    from postmortem_nb.explore.linked import as_json_figure, selectable

    fig = go.Figure(
        go.Scatter(
            x=pd.date_range("2026-03-10 15:00", periods=3, freq="1min"),
            y=[1, 2, 3],
            mode="lines",
            name="failure rate",
        )
    )
    spec = selectable(as_json_figure(fig))
    trace = spec["data"][0]
    assert trace["x"][0].startswith("2026-03-10T15:00:00")  # text, not int64 nanoseconds
    assert trace["mode"] == "lines+markers"
    assert trace["marker"]["opacity"] == 0
    widget = go.FigureWidget(spec)
    assert widget.data[0].x[1].startswith("2026-03-10T15:01")


def test_zoom_on_a_lower_panel_of_subplots_sets_the_range():
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=2, cols=1, shared_xaxes=True)
    x = pd.date_range("2026-03-10 15:00", periods=30, freq="1min")
    fig.add_trace(go.Scatter(x=x, y=list(range(30))), 1, 1)
    fig.add_trace(go.Scatter(x=x, y=list(range(30)), mode="lines"), 2, 1)
    widget = go.FigureWidget(fig)
    ranges = []
    link_figure(widget, Selection(BERLIN, on_range=lambda a, b: ranges.append((a, b))))
    widget.layout.xaxis2.range = ["2026-03-10 15:20:00", "2026-03-10 15:25:00"]
    assert ranges == [(pd.Timestamp("2026-03-10T14:20Z"), pd.Timestamp("2026-03-10T14:25Z"))]


def test_no_hover_while_box_selecting():
    """Hover events would overwrite a selection on the widget's shared channel."""
    scatter = go.Scatter(x=[1, 2, 3], y=[1, 2, 3])
    fig = go.FigureWidget(go.Figure(scatter, layout={"hovermode": "x"}))
    link_figure(fig, Selection(BERLIN))
    fig.layout.dragmode = "select"
    assert fig.layout.hovermode is False
    fig.layout.dragmode = "lasso"
    assert fig.layout.hovermode is False
    fig.layout.dragmode = "zoom"
    assert fig.layout.hovermode == "x"
    fig.layout.dragmode = "pan"
    assert fig.layout.hovermode == "x"
