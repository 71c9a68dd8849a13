"""Plotly figures across incidents. Each takes an aggregate frame and returns go.Figure.

Figures plot one point per incident or one bar per group, never raw rows, so a page
over hundreds of workspaces stays small. Dates on the x axis are the team's wall-clock
time; every data-derived string is escaped (Plotly renders some HTML in labels).
"""

from __future__ import annotations

import html
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .aggregate import ACTION_STATES, METRIC_LABELS, METRICS

SEVERITY_COLORS = {
    "SEV1": "#d62728",
    "SEV2": "#ff7f0e",
    "SEV3": "#bcbd22",
    "SEV4": "#1f77b4",
    "SEV5": "#7f7f7f",
    "unknown": "#c7c7c7",
}
STATE_COLORS = {
    "overdue": "#d62728",
    "open": "#1f77b4",
    "done on time": "#2ca02c",
    "done late": "#ff7f0e",
    "done (no date)": "#98df8a",
    "won't do": "#7f7f7f",
}
REVIEW_COLORS = {"final": "#2ca02c", "in review": "#1f77b4", "draft": "#ff7f0e",
                 "no analysis": "#d62728"}
_LAYOUT = {"template": "plotly_white", "margin": {"l": 60, "r": 20, "t": 60, "b": 50}}


def _t(value: Any, limit: int = 80) -> str:
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return html.escape(text, quote=False)


def _local(ts: pd.Series, tz: str) -> pd.Series:
    return pd.to_datetime(ts, utc=True).dt.tz_convert(tz).dt.tz_localize(None)


def _empty(title: str, note: str) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=_t(note, 200), showarrow=False, x=0.5, y=0.5, xref="paper",
                       yref="paper")
    fig.update_layout(title=title, height=220, xaxis_visible=False, yaxis_visible=False,
                      **_LAYOUT)
    return fig


def _whole(fig: go.Figure, axis: str, most: Any) -> go.Figure:
    """Counts are whole numbers: up to 10, a tick per unit (plotly would mark 0.2, 0.4…)."""
    if pd.notna(most) and most <= 10:
        (fig.update_yaxes if axis == "y" else fig.update_xaxes)(tick0=0, dtick=1)
    return fig


def _color(mapping: dict[str, str], key: str) -> str:
    return mapping.get(key, "#9467bd")


def response_times_figure(rt: pd.DataFrame, tz: str = "UTC", window: str = "28D") -> go.Figure:
    """Time to detect / acknowledge / mitigate / resolve per incident, by severity, with
    the rolling median over ``window`` as a line (one panel per measure); per-severity
    rolling medians are dotted lines, off until picked in the legend."""
    title = "Response times per incident (minutes), with rolling median"
    if rt.empty:
        return _empty(title, "No incident has the milestones needed for response times.")
    metrics = [m for m in METRICS if (rt["metric"] == m).any()]
    fig = make_subplots(rows=len(metrics), cols=1, shared_xaxes=True, vertical_spacing=0.06,
                        subplot_titles=[METRIC_LABELS[m] for m in metrics])
    shown: set[str] = set()
    for row, metric in enumerate(metrics, start=1):
        sub = rt[rt["metric"] == metric]
        x = _local(sub["start"], tz)
        for sev in sorted(sub["severity"].unique(), key=lambda s: (s not in SEVERITY_COLORS, s)):
            m = sub["severity"] == sev
            fig.add_trace(
                go.Scatter(
                    x=x[m], y=sub.loc[m, "minutes"].round(2), mode="markers", name=_t(sev),
                    legendgroup=f"sev-{sev}", showlegend=sev not in shown,
                    marker={"color": _color(SEVERITY_COLORS, sev), "size": 7, "opacity": 0.8},
                    customdata=list(zip(sub.loc[m, "incident_id"].map(_t),
                                        sub.loc[m, "title"].map(_t), strict=True)),
                    hovertemplate="%{customdata[0]}<br>%{customdata[1]}<br>"
                    "%{y:.1f} min<extra>" + _t(sev) + "</extra>",
                ),
                row=row, col=1,
            )
            shown.add(sev)
        for sev in sorted(sub["severity"].unique(), key=lambda s: (s not in SEVERITY_COLORS, s)):
            m = sub["severity"] == sev
            fig.add_trace(
                go.Scatter(
                    x=x[m], y=sub.loc[m, "rolling_median_severity"].round(2), mode="lines",
                    line_shape="hv", name=f"{_t(sev)} rolling median",
                    legendgroup=f"sevmed-{sev}", showlegend=row == 1, visible="legendonly",
                    line={"color": _color(SEVERITY_COLORS, sev), "width": 1.5, "dash": "dot"},
                    hovertemplate=_t(sev) + " median %{y:.1f} min<extra></extra>",
                ),
                row=row, col=1,
            )
        fig.add_trace(
            go.Scatter(
                x=x, y=sub["rolling_median"].round(2), mode="lines", line_shape="hv",
                name=f"rolling median ({_t(window)})", legendgroup="median",
                showlegend=row == 1, line={"color": "#222", "width": 2},
                hovertemplate="median %{y:.1f} min<extra></extra>",
            ),
            row=row, col=1,
        )
        fig.update_yaxes(title_text="min", rangemode="tozero", row=row, col=1)
    starts = _local(rt["start"], tz).dropna()
    if len(starts) and starts.max() - starts.min() < pd.Timedelta("1D"):
        # one day of incidents: plotly would zoom to a millisecond around them
        mid = starts.min() + (starts.max() - starts.min()) / 2
        fig.update_xaxes(range=[mid - pd.Timedelta("4D"), mid + pd.Timedelta("4D")])
    fig.update_layout(title=title, height=230 * len(metrics) + 80, hovermode="closest",
                      legend={"orientation": "h", "y": -0.08}, **_LAYOUT)
    return fig


WEEK_MS = 7 * 24 * 3600 * 1000


def incidents_per_week_figure(weekly: pd.DataFrame) -> go.Figure:
    """Stacked bars: incidents per week by severity."""
    title = "Incidents per week, by severity"
    if weekly.empty:
        return _empty(title, "No incidents in the period.")
    fig = go.Figure()
    weeks = [str(w) for w in weekly["week"]]
    for sev in [c for c in weekly.columns if c not in ("week", "total")]:
        # each bar spans its week: a lone week's bar would otherwise be a millisecond wide
        fig.add_trace(go.Bar(x=weeks, y=weekly[sev], name=_t(sev),
                             width=[0.85 * WEEK_MS] * len(weeks), offset=0,
                             marker_color=_color(SEVERITY_COLORS, sev),
                             hovertemplate="week of %{x}: %{y}<extra>" + _t(sev) + "</extra>"))
    fig.update_layout(title=title, barmode="stack", height=360, yaxis_title="incidents",
                      xaxis_title="week starting (team's zone)", **_LAYOUT)
    sevs = [c for c in weekly.columns if c not in ("week", "total")]
    return _whole(fig, "y", weekly[sevs].sum(axis=1).max())


def services_figure(services: pd.DataFrame, top: int = 15) -> go.Figure:
    """Incidents per service (most affected first); recurring services stand out."""
    title = "Incidents per service"
    if services.empty:
        return _empty(title, "No services recorded.")
    sub = services.head(top).iloc[::-1]
    colors = ["#d62728" if n >= 2 else "#9ecae1" for n in sub["incidents"]]
    fig = go.Figure(go.Bar(
        x=sub["incidents"], y=[_t(s, 40) for s in sub["service"]], orientation="h",
        marker_color=colors, hovertemplate="%{y}: %{x} incident(s)<extra></extra>",
    ))
    note = f" (top {top} of {len(services)})" if len(services) > top else ""
    fig.update_layout(title=title + note, height=120 + 26 * len(sub), xaxis_title="incidents",
                      **_LAYOUT)
    return _whole(fig, "x", sub["incidents"].max())


def factors_figure(categories: pd.DataFrame, recurring: pd.DataFrame, top: int = 12) -> go.Figure:
    """Fishbone categories by incidents (left) and recurring factor groups (right)."""
    title = "Contributing factors: categories and recurring factors"
    if categories.empty:
        return _empty(title, "No contributing factors written yet.")
    fig = make_subplots(rows=1, cols=2, column_widths=[0.35, 0.65], horizontal_spacing=0.3,
                        subplot_titles=["Fishbone categories", "Recurring factors (grouped)"])
    cats = categories.iloc[::-1]
    fig.add_trace(go.Bar(x=cats["incidents"], y=[_t(c) for c in cats["category"]],
                         orientation="h", marker_color="#1f77b4", showlegend=False,
                         hovertemplate="%{y}: %{x} incident(s)<extra></extra>"), row=1, col=1)
    if not recurring.empty:
        rec = recurring.head(top).iloc[::-1]
        fig.add_trace(go.Bar(x=rec["incidents"], y=[_t(x, 45) for x in rec["label"]],
                             orientation="h", marker_color="#d62728", showlegend=False,
                             customdata=[_t(len(t)) for t in rec["texts"]],
                             hovertemplate="%{y}<br>%{x} incidents, %{customdata} wordings"
                             "<extra></extra>"), row=1, col=2)
    rows = max(len(categories), min(len(recurring), top), 1)
    fig.update_xaxes(title_text="incidents")
    fig.update_layout(title=title, height=160 + 30 * rows, **_LAYOUT)
    most = max(categories["incidents"].max(), recurring["incidents"].max() if len(recurring) else 0)
    return _whole(fig, "x", most)


def actions_figure(by_owner: pd.DataFrame, by_type: pd.DataFrame, top: int = 15) -> go.Figure:
    """Action items by owner and by type, stacked by state (overdue first)."""
    title = "Action items by owner and by type"
    if by_owner.empty:
        return _empty(title, "No action items.")
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.2,
                        subplot_titles=["By owner", "By type"])
    owners, types = by_owner.head(top).iloc[::-1], by_type.iloc[::-1]
    for state in ACTION_STATES:
        for col, df, key in ((1, owners, "owner"), (2, types, "type")):
            if state not in df.columns or not df[state].any():
                continue
            fig.add_trace(go.Bar(
                x=df[state], y=[_t(v, 30) for v in df[key]], orientation="h", name=_t(state),
                legendgroup=state, showlegend=col == 1 or not owners[state].any(),
                marker_color=_color(STATE_COLORS, state),
                hovertemplate="%{y}: %{x}<extra>" + _t(state) + "</extra>",
            ), row=1, col=col)
    fig.update_layout(title=title, barmode="stack",
                      height=160 + 28 * max(len(owners), len(types)),
                      legend={"orientation": "h", "y": -0.15}, **_LAYOUT)
    states = [s for s in ACTION_STATES if s in owners.columns]
    types_states = [s for s in ACTION_STATES if s in types.columns]
    most = max(owners[states].sum(axis=1).max(), types[types_states].sum(axis=1).max())
    return _whole(fig, "x", most)


def coverage_figure(by_month: pd.DataFrame) -> go.Figure:
    """Review status of the post-mortems per month of the incident."""
    title = "Post-mortem status by month of the incident"
    if by_month.empty:
        return _empty(title, "No incidents in the period.")
    fig = go.Figure()
    for status in [c for c in by_month.columns if c != "month"]:
        if not by_month[status].any():
            continue
        fig.add_trace(go.Bar(x=by_month["month"], y=by_month[status], name=_t(status),
                             marker_color=REVIEW_COLORS.get(status, "#9467bd"),
                             hovertemplate="%{x}: %{y}<extra>" + _t(status) + "</extra>"))
    fig.update_layout(title=title, barmode="stack", height=340, yaxis_title="incidents",
                      xaxis_type="category", **_LAYOUT)
    return _whole(fig, "y", by_month.drop(columns="month").sum(axis=1).max())


def findings_figure(top: pd.DataFrame) -> go.Figure:
    """The most frequent check findings, by the number of post-mortems they appear in."""
    title = "Most frequent review findings (blameless language, action items)"
    if top.empty:
        return _empty(title, "No findings.")
    sub = top.iloc[::-1]
    colors = ["#9ecae1" if s == "info" else "#ff7f0e" for s in sub["severity"]]
    fig = go.Figure(go.Bar(x=sub["incidents"], y=[_t(c) for c in sub["code"]], orientation="h",
                           marker_color=colors, customdata=sub["findings"],
                           hovertemplate="%{y}: in %{x} post-mortem(s), %{customdata} "
                           "finding(s)<extra></extra>"))
    fig.update_layout(title=title, height=140 + 26 * len(sub), xaxis_title="post-mortems",
                      **_LAYOUT)
    return _whole(fig, "x", sub["incidents"].max())

