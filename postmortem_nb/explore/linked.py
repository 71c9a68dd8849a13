"""Linked figures: the timeline and impact figures as Plotly FigureWidgets in the kernel.

Selecting a time range on either figure (box select, zoom or the range slider) sets the
log explorer's time filter; buttons store the selection as the incident window or a
milestone (analyst overrides in analysis.json). The figures draw the x axis as
wall-clock time in the team's zone (``figures._local``), so a selection is read back in
that zone. Exports keep using the static figures of the timeline and impact cells.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pandas as pd

from ..display import Live
from ..errors import ParameterError, PostmortemError
from ..safehtml import escape
from ..schema import MILESTONES

log = logging.getLogger(__name__)

RangeFn = Callable[[pd.Timestamp, pd.Timestamp], None]
WIDGET_WIDTH = 880  # px


def wall_to_utc(value: Any, tz: str) -> pd.Timestamp:
    """A figure's x value (naive wall-clock in ``tz``, or epoch ms) as UTC.

    A DST-ambiguous wall-clock time is read as the first (summer-time) occurrence and a
    non-existent one is moved forward: a mouse selection cannot say which was meant.
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        ts = pd.Timestamp(int(value), unit="ms")
    else:
        try:
            ts = pd.Timestamp(value)
        except (TypeError, ValueError) as exc:
            raise ParameterError(f"Cannot read the selected time {value!r}.") from exc
    if ts.tzinfo is not None:
        return ts.tz_convert("UTC")
    return ts.tz_localize(tz, ambiguous=True, nonexistent="shift_forward").tz_convert("UTC")


class Selection:
    """The time range last selected on a linked figure, and what to do with it."""

    def __init__(self, tz: str, *, store: Any = None, on_range: RangeFn | None = None) -> None:
        self.tz = tz
        self.store = store
        self.on_range = on_range
        self.start: pd.Timestamp | None = None
        self.end: pd.Timestamp | None = None
        self.listeners: list[Callable[[], None]] = []

    def select(self, x0: Any, x1: Any) -> tuple[pd.Timestamp, pd.Timestamp]:
        """Set the selection from two x values (any order); tell the explorer."""
        a, b = wall_to_utc(x0, self.tz), wall_to_utc(x1, self.tz)
        start, end = min(a, b), max(a, b)
        if start == end:
            end = start + pd.Timedelta(seconds=1)
        if (start, end) == (self.start, self.end):
            return start, end  # plotly reports one selection once per trace: act once
        self.start, self.end = start, end
        if self.on_range is not None:
            self.on_range(self.start, self.end)
        for fn in self.listeners:
            fn()
        return self.start, self.end

    def _need(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        if self.start is None or self.end is None:
            raise ParameterError("Select a time range on a figure first (zoom or box select).")
        if self.store is None:
            raise ParameterError("No analysis store to save the selection in.")
        return self.start, self.end

    def as_incident_window(self) -> Any:
        start, end = self._need()
        return self.store.set_incident_window(start, end)

    def as_milestone(self, name: str, *, at_end: bool = False, note: str = "") -> Any:
        start, end = self._need()
        if name not in MILESTONES:
            raise ParameterError(
                f"Milestone must be one of {', '.join(MILESTONES)}; found {name!r}.")
        when = end if at_end else start
        return self.store.set_milestone_override(
            name, when, note or "set from a selection on the linked figure")

    def describe(self) -> str:
        if self.start is None or self.end is None:
            return "No selection yet: zoom into a time range (or box-select) on a figure."
        lo = self.start.tz_convert(self.tz).strftime("%Y-%m-%d %H:%M:%S")
        hi = self.end.tz_convert(self.tz).strftime("%H:%M:%S")
        return f"Selected {lo} – {hi} ({self.tz})"


def link_figure(fig: Any, selection: Selection) -> None:
    """Box selections on any trace and x-range changes (zoom) on any x axis set the range.

    Plotly's widget reports a box's x range only for the first x axis ("x"); on another
    panel (x2, x3 ... of subplots) the selected points' x values give the range.
    """

    def on_box(_trace: Any, points: Any, selector: Any) -> None:
        # a JS ``undefined`` (no range for this axis) arrives as a sentinel object
        xr = getattr(selector, "xrange", None)
        if not _pair(xr):
            xs = [x for x in (getattr(points, "xs", None) or []) if x is not None]
            if not xs:
                return
            xr = (min(xs, key=pd.Timestamp), max(xs, key=pd.Timestamp))
        _safe(lambda: selection.select(*xr))

    def on_range(_layout: Any, xrange: Any) -> None:
        if _pair(xrange):
            _safe(lambda: selection.select(*xrange))

    for trace in fig.data:
        trace.on_selection(on_box)
    # Hover and selection events share one channel to the kernel, and ipywidgets keeps
    # only the latest value of a channel while the kernel is busy: the hover events that
    # follow a box select overwrote it, so the box never reached Python. No hover while
    # box or lasso selecting; zoom and pan keep it.
    hover = fig.layout.hovermode

    def on_dragmode(_layout: Any, mode: Any) -> None:
        fig.layout.hovermode = False if mode in ("select", "lasso") else hover

    fig.layout.on_change(on_dragmode, "dragmode")
    axes = [k for k in fig.layout if k.startswith("xaxis")] or ["xaxis"]
    for axis in axes:
        fig.layout.on_change(on_range, f"{axis}.range")


def _pair(value: Any) -> bool:
    return isinstance(value, list | tuple) and len(value) == 2


def _safe(fn: Callable[[], Any]) -> None:
    """Run a selection action; an exception would stop plotly's dispatch to other traces."""
    try:
        fn()
    except (PostmortemError, TypeError, ValueError) as exc:
        log.warning("selection ignored: %s", exc)


def as_json_figure(fig: Any) -> dict[str, Any]:
    """The figure as plain JSON values (dates as ISO strings).

    A FigureWidget syncs numpy datetime arrays as raw int64 nanoseconds, so the browser
    would draw an axis of numbers like 1.7731e18 (and selections would come back in
    them); Plotly's JSON encoder writes dates as text, as the static figures have them.
    """
    import json

    from plotly.io.json import to_json_plotly

    return json.loads(to_json_plotly(fig))


def selectable(spec: dict[str, Any]) -> dict[str, Any]:
    """Give line traces invisible markers: plotly.js box-selects markers, never bare lines.

    A box drawn on a panel other than the first reports no x range, only the selected
    points, so a failure-rate line without markers could not be selected at all.
    """
    hidden = {"marker": {"opacity": 0}}
    for trace in spec.get("data", []):
        kind = trace.get("type", "scatter")
        if kind in ("scatter", "scattergl") and trace.get("mode") == "lines":
            trace["mode"] = "lines+markers"
            trace.setdefault("marker", {}).update(size=4, opacity=0)
            trace["selected"], trace["unselected"] = hidden, hidden
    return spec


def figure_widget(fig: Any, selection: Selection) -> Any:
    """One linked FigureWidget (importing its module costs ~3 s: plotly.io -> jsonschema)."""
    import plotly.graph_objects as go

    fw = go.FigureWidget(selectable(as_json_figure(fig)))
    # a zoom reports its x range on every panel; a fixed width stops the widget from
    # autosizing, whose unguarded Plots.resize rejects (a page error) whenever
    # JupyterLab hides the cell's output while scrolling a long notebook
    fw.update_layout(dragmode="zoom", width=WIDGET_WIDTH)
    link_figure(fw, selection)
    return fw


def linked_view(figures: Callable[[], list[Any]], selection: Selection, *,
                show: bool = False) -> Live:
    """Selection buttons and, on "Show linked figures", FigureWidgets of ``figures()``.

    The widgets are built on request: a headless run (papermill, batch drafts) would
    otherwise pay seconds per notebook for figures nobody can see.
    """
    import ipywidgets as w

    holder = w.VBox(layout=w.Layout(width="100%"))
    show_button = w.Button(description="Show linked figures", icon="line-chart",
                           layout=w.Layout(width="auto"))
    show_button.add_class("pm-linked-show")

    def build(_: Any = None) -> None:
        if holder.children:
            return
        show_button.description = "Drawing…"
        holder.children = [figure_widget(f, selection) for f in figures()]
        show_button.layout.display = "none"

    show_button.on_click(build)
    status = w.HTML(escape(selection.describe()))
    status.add_class("pm-linked-status")
    message = w.HTML()
    window = w.Button(description="Set as incident window", layout=w.Layout(width="auto"))
    window.add_class("pm-linked-window")
    milestone = w.Dropdown(options=list(MILESTONES), layout=w.Layout(width="auto"))
    milestone.add_class("pm-linked-milestone")
    at_end = w.Checkbox(value=False, description="at end of selection", indent=False)
    set_ms = w.Button(description="Set milestone", layout=w.Layout(width="auto"))
    set_ms.add_class("pm-linked-set-milestone")

    def guarded(fn: Callable[[], Any], done: str) -> None:
        try:
            fn()
        except PostmortemError as exc:
            message.value = f'<span class="pm-error">{escape(exc)}</span>'
        else:
            message.value = f'<span class="pm-saved">{escape(done)} Re-run to redraw.</span>'

    window.on_click(lambda _: guarded(selection.as_incident_window, "Incident window saved."))
    set_ms.on_click(lambda _: guarded(
        lambda: selection.as_milestone(milestone.value, at_end=at_end.value),
        f"Milestone {milestone.value} saved."))
    selection.listeners.append(lambda: setattr(status, "value", escape(selection.describe())))
    box = w.VBox([show_button, holder, status, w.HBox([window, milestone, at_end, set_ms]),
                  message], layout=w.Layout(width="100%"))
    box.add_class("pm-linked")
    if show:
        build()
    html = ('<p class="pm-explore-summary"><b>Linked figures</b>: in JupyterLab, select a time '
            "range on the timeline or impact figure to filter the log explorer, or save it as "
            "the incident window or a milestone. The static figures are shown above.</p>")
    return Live(box, html, text="Linked figures (interactive in JupyterLab)")
