"""Plotly figures of the incident: the timeline and the impact. They return go.Figure.

Figures plot aggregates (per-bin counts, one bar per alert, one marker per event), never
raw log rows, so their JSON stays small however large the logs are. The x axis shows the
team's time zone (wall-clock) unless its UTC offset changes within the plotted range (a
DST change): wall-clock time folds or jumps there, so such a figure is plotted in UTC
(``plot_zone``) and the axis title says so. Hovers show UTC. Every data-derived string
is escaped with ``html.escape`` because Plotly renders some HTML tags inside text and
hover text.
"""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

from .milestones import LABELS
from .safehtml import visible_controls
from .story import IncidentStory
from .timeline import visible_events

_MILESTONE_COLORS = {
    "impact_start": "#d62728",
    "detected": "#ff7f0e",
    "acknowledged": "#bcbd22",
    "mitigated": "#2ca02c",
    "resolved": "#1f77b4",
}
_ROW_OF_KIND = {
    "change": "changes",
    "signal_onset": "log signal",
    "signal_peak": "log signal",
    "signal_recovery": "log signal",
    "new_log_template": "log messages",
}


def _t(value: Any, limit: int = 300) -> str:
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return html.escape(visible_controls(text), quote=False)


def _local(ts: pd.Series | pd.Timestamp, tz: str) -> Any:
    """Wall-clock time in the team's zone, as naive values Plotly draws as they are."""
    if isinstance(ts, pd.Timestamp):
        return ts.tz_convert(tz).tz_localize(None)
    return pd.to_datetime(ts, utc=True).dt.tz_convert(tz).dt.tz_localize(None)


def plot_zone(story: IncidentStory) -> str:
    """The zone the figures' x axis is drawn in: the team's, or UTC across a DST change.

    Plotly draws naive wall-clock values, so a range in which the zone's UTC offset
    changes would fold (fall back) or jump (spring forward); UTC keeps instants in order.
    """
    tz = story.tz
    if tz == "UTC":
        return tz
    lo, hi = _range(story)
    return tz if len(_offsets(tz, lo, hi)) <= 1 else "UTC"


def _offsets(tz: str, lo: pd.Timestamp, hi: pd.Timestamp) -> list[Any]:
    """The distinct UTC offsets of ``tz`` between lo and hi (sampled every 15 minutes)."""
    steps = pd.date_range(lo, max(lo, hi), freq="15min").append(pd.DatetimeIndex([hi]))
    return list(dict.fromkeys(t.utcoffset() for t in steps.tz_convert(tz)))


def axis_title(story: IncidentStory) -> str:
    """'Time (Europe/Berlin)', or 'Time (UTC; America/Los_Angeles changes PDT→PST here)'."""
    tz, zone = story.tz, plot_zone(story)
    if zone == tz:
        return f"Time ({tz})"
    lo, hi = _range(story)
    names = [lo.tz_convert(tz).tzname(), hi.tz_convert(tz).tzname()]
    return f"Time (UTC; {tz} changes {names[0]}→{names[1]} in this range)"


def _utc(ts: pd.Timestamp) -> str:
    return pd.Timestamp(ts).tz_convert("UTC").strftime("%Y-%m-%d %H:%M:%S UTC")


def _range(story: IncidentStory) -> tuple[pd.Timestamp, pd.Timestamp]:
    lo = story.window[0] - pd.Timedelta("1h")
    hi = story.window[1] + pd.Timedelta("30min")
    return lo, hi


def _milestone_lines(fig: Any, story: IncidentStory) -> None:
    for n, m in story.milestones.items():
        if m.at is None:
            continue
        x = _local(m.at, plot_zone(story))
        label = LABELS[n] + (" (analyst)" if m.source == "analyst" else "")
        fig.add_shape(
            type="line",
            x0=x,
            x1=x,
            y0=0,
            y1=1,
            xref="x",
            yref="paper",
            line={"color": _MILESTONE_COLORS[n], "width": 1.5, "dash": "dot"},
        )
        fig.add_annotation(
            x=x,
            y=1.0,
            xref="x",
            yref="paper",
            text=_t(label),
            showarrow=False,
            textangle=-90,
            xanchor="right",
            yanchor="top",
            font={"size": 10, "color": _MILESTONE_COLORS[n]},
        )


def timeline_figure(story: IncidentStory) -> Any:
    """Alerts as bars per service, events as markers, milestones as lines; failure rate below."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    tz = plot_zone(story)
    # without logs there is no failure rate to draw: one panel, its own time axis
    signal = story.series is not None and len(story.series) > 0
    fig = (
        make_subplots(
            rows=2, cols=1, shared_xaxes=True, row_heights=[0.68, 0.32], vertical_spacing=0.04
        )
        if signal
        else make_subplots(rows=1, cols=1)
    )
    a = story.alerts
    if len(a):
        ends = a["resolved_at"].fillna(story.window[1]) if "resolved_at" in a else a["started_at"]
        xs: list[Any] = []
        ys: list[Any] = []
        for s, e, svc in zip(a["started_at"], ends, a["service"].astype("str"), strict=True):
            xs += [_local(s, tz), _local(e, tz), None]
            ys += [_t(svc, 60), _t(svc, 60), None]
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                line={"width": 10, "color": "#9467bd"},
                opacity=0.55,
                name="alert active",
                hoverinfo="skip",
            ),
            1,
            1,
        )
        hover = [
            f"{_t(t)}<br>{_t(sv)} · {_t(sev)}<br>fired {_utc(s)}<br>resolved "
            f"{_utc(e) if pd.notna(e) else 'open'}"
            for t, sv, sev, s, e in zip(
                a["title"],
                a["service"],
                a.get("severity", [""] * len(a)),
                a["started_at"],
                a.get("resolved_at", ends),
                strict=True,
            )
        ]
        fig.add_trace(
            go.Scatter(
                x=_local(a["started_at"], tz),
                y=[_t(s, 60) for s in a["service"].astype("str")],
                mode="markers",
                marker={"symbol": "line-ns", "size": 14, "line": {"width": 2, "color": "#5b2c83"}},
                name="alert fired",
                hovertext=hover,
                hoverinfo="text",
            ),
            1,
            1,
        )
    ev = visible_events(story.events)
    ev = ev.loc[
        ev["kind"].isin(list(_ROW_OF_KIND)) | ~ev["kind"].str.startswith(("alert_", "milestone"))
    ]
    if len(ev):
        rows = [_ROW_OF_KIND.get(k, "analyst") for k in ev["kind"]]
        hover = [
            f"{_t(d)}<br>{_t(k)} · {_t(src, 80)}<br>{_utc(ts)}"
            for d, k, src, ts in zip(
                ev["description"], ev["kind"], ev["source"], ev["timestamp"], strict=True
            )
        ]
        fig.add_trace(
            go.Scatter(
                x=_local(ev["timestamp"], tz),
                y=rows,
                mode="markers",
                marker={"symbol": "diamond", "size": 10, "color": "#17becf"},
                name="events",
                hovertext=hover,
                hoverinfo="text",
            ),
            1,
            1,
        )
    if signal:
        _failure_panel(fig, story, go)
    _milestone_lines(fig, story)
    lo, hi = _range(story)
    # type="date" always: with no trace on an axis Plotly would guess "linear" and draw
    # the milestone lines at NaN
    fig.update_xaxes(type="date", range=[_local(lo, tz), _local(hi, tz)])
    fig.update_xaxes(title_text=_t(axis_title(story)), row=2 if signal else 1, col=1)
    if signal:
        fig.update_yaxes(
            title_text=_t(_scoped("failure rate", story)), tickformat=".0%", row=2, col=1
        )
    fig.update_layout(
        title=_t(story.incident.get("title") or "Incident timeline"),
        height=560 if signal else 420,
        margin={"l": 10, "r": 10, "t": 60, "b": 40},
        legend=LEGEND,
        template="plotly_white",
    )
    return fig


# Below the x-axis title, anchored to the figure's bottom edge: at y=-0.15 of the plot
# area it sat on the axis title, and on a phone (390 px, legend in 4-5 rows) over the ticks.
LEGEND = {"orientation": "h", "yref": "container", "yanchor": "bottom", "y": 0, "x": 0}


def _failure_panel(fig: Any, story: IncidentStory, go: Any) -> None:
    s = story.series
    if s is None or not len(s):
        fig.add_annotation(
            text="no log signal",
            xref="x domain",
            yref="y2 domain",
            x=0.5,
            y=0.5,
            showarrow=False,
            row=2,
            col=1,
        )
        return
    lo, hi = _range(story)
    s = s.loc[(s.index >= lo) & (s.index < hi)]
    x = _local(pd.Series(s.index), plot_zone(story))
    hover = [
        f"{_utc(t)}<br>{int(f)} of {int(n)} failed"
        for t, f, n in zip(s.index, s["failures"], s["requests"], strict=True)
    ]
    fig.add_trace(
        go.Scatter(
            x=x,
            y=s["rate"],
            mode="lines",
            name="failure rate",
            line={"color": "#d62728"},
            hovertext=hover,
            hoverinfo="text",
        ),
        2,
        1,
    )
    if story.onset is not None:
        fig.add_trace(
            go.Scatter(
                x=[x.iloc[0], x.iloc[-1]],
                y=[story.onset.threshold_high] * 2,
                mode="lines",
                line={"dash": "dash", "color": "#7f7f7f"},
                name="onset threshold",
                hoverinfo="skip",
            ),
            2,
            1,
        )


def _scoped(name: str, story: IncidentStory) -> str:
    """A signal trace's name with the services it covers, when not all of them."""
    focus = story.focus
    return f"{name} ({focus.label})" if focus is not None and focus.subset else name


NO_LOGS_NOTE = (
    "No impact figure: there are no logs to measure impact from (failed transactions, "
    "customers and revenue come from the log failure signal)."
)


def impact_note(story: IncidentStory) -> str | None:
    """Why the impact figure is left out (no logs), or None when it is drawn."""
    return NO_LOGS_NOTE if story.signals is None else None


def impact_figure(story: IncidentStory) -> Any:
    """Failures per bin against the baseline band; cumulative customers and revenue lost.

    Needs logs: without them there is nothing to plot (see ``impact_note``).
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    tz = plot_zone(story)
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.06,
        specs=[[{}], [{"secondary_y": True}]],
        row_heights=[0.6, 0.4],
    )
    s = story.series
    lo, hi = _range(story)
    if s is not None and len(s):
        s = s.loc[(s.index >= lo) & (s.index < hi)]
        x = _local(pd.Series(s.index), tz)
        fig.add_trace(
            go.Bar(x=x, y=s["failures"], name="failed transactions", marker_color="#d62728"), 1, 1
        )
        if story.onset is not None:
            expected = s["requests"] * story.onset.baseline_median
            upper = s["requests"] * story.onset.threshold_high
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=expected,
                    mode="lines",
                    line={"width": 0},
                    showlegend=False,
                    hoverinfo="skip",
                ),
                1,
                1,
            )
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=upper,
                    mode="lines",
                    fill="tonexty",
                    line={"width": 0},
                    fillcolor="rgba(44,160,44,0.25)",
                    name="baseline band",
                    hoverinfo="skip",
                ),
                1,
                1,
            )
    _cumulative(fig, story, go)
    _milestone_lines(fig, story)
    fig.update_xaxes(type="date", range=[_local(lo, tz), _local(hi, tz)])
    fig.update_xaxes(title_text=_t(axis_title(story)), row=2, col=1)
    fig.update_yaxes(title_text=_t(_scoped("per bin", story)), row=1, col=1)
    fig.update_yaxes(title_text="customers", row=2, col=1, secondary_y=False)
    fig.update_yaxes(title_text="revenue lost", row=2, col=1, secondary_y=True, rangemode="tozero")
    fig.update_yaxes(rangemode="tozero", row=2, col=1, secondary_y=False)
    fig.update_layout(
        title="Impact",
        height=520,
        barmode="overlay",
        template="plotly_white",
        margin={"l": 10, "r": 10, "t": 60, "b": 40},
        legend=LEGEND,
    )
    return fig


def _cumulative(fig: Any, story: IncidentStory, go: Any) -> None:
    start, end = story.impact.start, story.impact.end
    sig = story.measured or story.signals  # the services the impact figures cover
    if sig is None or start is None or end is None:
        fig.add_annotation(
            text="impact period unknown",
            xref="x2 domain",
            yref="y2 domain",
            x=0.5,
            y=0.5,
            showarrow=False,
        )
        return
    r = sig.rows
    f = r.loc[
        r["is_transaction"] & r["is_failure"] & (r["timestamp"] >= start) & (r["timestamp"] < end)
    ]
    bins = f["timestamp"].dt.floor(story.bin)
    if "customer" in f.columns:
        first = f.dropna(subset=["customer"]).drop_duplicates("customer")
        cust = first.groupby(bins[first.index]).size().cumsum()
        fig.add_trace(
            go.Scatter(
                x=_local(pd.Series(cust.index), plot_zone(story)),
                y=cust.to_numpy(),
                name="affected customers (cumulative)",
                mode="lines",
                line={"color": "#1f77b4"},
            ),
            2,
            1,
            secondary_y=False,
        )
    if story.impact.value("revenue_lost") is not None:
        uses_avg = "avg_value parameter" in story.impact.figures["revenue_lost"].method
        if "amount" in f.columns and not uses_avg:
            rev = f.groupby(bins)["amount"].sum().cumsum()
        else:
            per = story.impact.value("revenue_lost") / max(len(f), 1)
            rev = (f.groupby(bins).size() * per).cumsum()
        fig.add_trace(
            go.Scatter(
                x=_local(pd.Series(rev.index), plot_zone(story)),
                y=rev.to_numpy(),
                name="revenue lost (cumulative)",
                mode="lines",
                line={"color": "#ff7f0e"},
            ),
            2,
            1,
            secondary_y=True,
        )
