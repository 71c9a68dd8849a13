"""ipywidgets views over the explorers, each returned as ``display.Live``.

The views hold no logic of their own: controls set the model's filter, the model
answers, the view renders escaped HTML. Pinning goes through a callback (the
workbook's ``pin``), so the view never writes analysis.json itself. Every control has
a ``pm-explore-*`` CSS class, which the browser tests use as selectors.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import ipywidgets as w
import pandas as pd

from ..display import Live
from ..errors import PostmortemError
from ..safehtml import escape
from .alerts import SCOPES, AlertExplorer
from .logs import PAGE_SIZE, LogExplorer
from .summary import (
    alert_rows_html,
    alert_summary_html,
    cut,
    local,
    log_rows_html,
    log_summary_html,
    services_html,
    sparkline,
    templates_html,
)

log = logging.getLogger(__name__)

ANY = "(any)"
# (row or id, description) -> TimelineEvent, or (TimelineEvent, outcome) where outcome is
# "pinned", "updated" or "already pinned" (explore.pin.pin_with_outcome)
PinFn = Callable[[Any, str], Any]


def _css(widget: w.Widget, cls: str) -> w.Widget:
    widget.add_class(cls)
    return widget


def _dropdown(options: list[Any], cls: str, label: str = "", width: str = "auto") -> w.Dropdown:
    return _css(w.Dropdown(options=options, description=label, layout=w.Layout(width=width),
                           style={"description_width": "initial"}), cls)


def _text(cls: str, label: str, placeholder: str = "", width: str = "auto") -> w.Text:
    return _css(w.Text(description=label, placeholder=placeholder, continuous_update=False,
                       layout=w.Layout(width=width), style={"description_width": "initial"}),
                cls)


def _button(label: str, cls: str, icon: str = "") -> w.Button:
    return _css(w.Button(description=label, icon=icon, layout=w.Layout(width="auto")), cls)


def _error(exc: Exception) -> str:
    return f'<span class="pm-error">{escape(exc)}</span>'


def _pin(on_pin: Callable, row: Any, desc: w.Text, status: w.HTML,
         detail: Callable[[Any], str] = lambda ev: "") -> Any:
    """Pin ``row`` with the typed description; the outcome (or the error) in ``status``."""
    try:
        result = on_pin(row, desc.value.strip())
    except PostmortemError as exc:
        status.value = _error(exc)
        return None
    ev, outcome = result if isinstance(result, tuple) else (result, "pinned")
    if outcome == "already pinned":
        status.value = (f'<span class="pm-saved">Already pinned as {escape(ev.event_id)}: '
                        f"{escape(ev.description)}. To change its description, type one and "
                        "pin again, or edit it in the timeline form.</span>")
    else:
        verb = "Updated" if outcome == "updated" else "Pinned"
        status.value = (f'<span class="pm-saved">{verb} {escape(ev.event_id)}: '
                        f"{escape(ev.description)}{detail(ev)}</span>")
    desc.value = ""
    return ev


class LogExplorerView:
    """Filter controls, a paged table, counts, templates and a pin row over a LogExplorer."""

    def __init__(self, explorer: LogExplorer, *, on_pin: PinFn | None = None,
                 page_size: int = PAGE_SIZE) -> None:
        self.ex = explorer
        self.on_pin = on_pin
        self.size = page_size
        self.page = 0
        tz = explorer.tz
        self.start = _text("pm-explore-start", "From", f"YYYY-MM-DD HH:MM ({tz})", "250px")
        self.end = _text("pm-explore-end", "to", f"({tz}) or …Z", "210px")
        self.service = _dropdown([ANY, *explorer.services], "pm-explore-service", "Service")
        self.level = _dropdown([ANY, *explorer.levels], "pm-explore-level", "Level")
        self.host = _dropdown([ANY, *explorer.hosts], "pm-explore-host", "Host")
        self.failure = _dropdown([("any", None), ("failures only", True), ("no failures", False)],
                                 "pm-explore-failure", "Failure")
        self.text = _text("pm-explore-text", "Contains", "substring", "260px")
        self.regex = _text("pm-explore-regex", "Regex", "RE2, e.g. timeout after \\d+", "300px")
        top = explorer.templates(limit=40, all_rows=True)
        self.template = _dropdown(
            [(ANY, "")] + [(f"{r.count:,} × {cut(r.template, 90)}", r.template_id)
                           for r in top.itertuples()], "pm-explore-template", "Template", "95%")
        self.order = _css(w.ToggleButtons(options=["newest first", "oldest first"]),
                          "pm-explore-order")
        self.prev = _button("◀", "pm-explore-prev")
        self.next = _button("▶", "pm-explore-next")
        self.status = _css(w.HTML(), "pm-explore-status")
        self.table = _css(w.HTML(), "pm-explore-table")
        self.counts = _css(w.HTML(), "pm-explore-counts")
        self.templates = _css(w.HTML(), "pm-explore-templates")
        self.pin_row = _dropdown([], "pm-explore-pin-row", "Row", "60%")
        self.pin_desc = _text("pm-explore-pin-desc", "Description", "what this row shows", "30%")
        self.pin_desc.continuous_update = True
        self.pin_button = _button("Pin to timeline", "pm-explore-pin", "thumb-tack")
        self.pin_status = _css(w.HTML(), "pm-explore-pin-status")
        self._rows = pd.DataFrame()
        self._updating = False
        f = explorer.filter
        self.start.value = local(f.start, tz, "%Y-%m-%d %H:%M:%S") if f.start else ""
        self.end.value = local(f.end, tz, "%Y-%m-%d %H:%M:%S") if f.end else ""
        for control in (self.start, self.end, self.service, self.level, self.host, self.failure,
                        self.text, self.regex, self.template):
            control.observe(lambda _: self.apply(), names="value")
        self.order.observe(lambda _: self.goto(0), names="value")
        self.prev.on_click(lambda _: self.goto(self.page - 1))
        self.next.on_click(lambda _: self.goto(self.page + 1))
        self.pin_button.on_click(lambda _: self.pin())
        self.pin_button.disabled = on_pin is None
        self.box = _css(w.VBox([
            w.HBox([self.start, self.end, self.service, self.level, self.host, self.failure],
                   layout=w.Layout(flex_flow="row wrap")),
            w.HBox([self.text, self.regex], layout=w.Layout(flex_flow="row wrap")),
            self.template, self.status,
            w.HBox([self.order, self.prev, self.next]), self.table,
            w.HBox([self.pin_row, self.pin_desc, self.pin_button], layout=w.Layout(width="100%")),
            self.pin_status,
            w.HTML("<b>Counts for this filter</b>"), self.counts,
            w.HTML("<b>Error templates for this filter</b>"), self.templates,
        ], layout=w.Layout(width="100%")), "pm-explore-logs")

    # ----------------------------------------------------------------- actions
    def set_time_range(self, start: pd.Timestamp | None, end: pd.Timestamp | None) -> None:
        """Set the time filter (from a figure selection); one recomputation."""
        self._updating = True
        try:
            self.start.value = local(start, self.ex.tz, "%Y-%m-%d %H:%M:%S") if start else ""
            self.end.value = local(end, self.ex.tz, "%Y-%m-%d %H:%M:%S") if end else ""
        finally:
            self._updating = False
        self.apply()

    def apply(self) -> None:
        if self._updating:
            return
        pick = lambda v: () if v in (ANY, "", None) else v  # noqa: E731
        try:
            self.ex.set_filter(start=self.start.value or None, end=self.end.value or None,
                               services=pick(self.service.value), levels=pick(self.level.value),
                               hosts=pick(self.host.value), failure=self.failure.value,
                               text=self.text.value, regex=self.regex.value,
                               templates=pick(self.template.value))
            self.ex.positions()
        except PostmortemError as exc:
            self.status.value = _error(exc)
            return
        self.goto(0)
        ex = self.ex
        spark = sparkline(ex.by_minute()["rows"]) if ex.matching else ""
        self.counts.value = spark + services_html(ex.by_service())
        self.templates.value = templates_html(ex.templates(limit=15), ex.tz, limit=15,
                                              since=ex.filter.start)

    def goto(self, page: int) -> None:
        pages = self.ex.page_count(self.size)
        self.page = max(0, min(page, pages - 1))
        newest = self.order.value == "newest first"
        self._rows = self.ex.page(self.page, self.size, newest_first=newest)
        self.table.value = log_rows_html(self._rows, self.ex.tz)
        note = self.ex.outside_loaded()
        self.status.value = (f"{self.ex.matching:,} of {self.ex.n:,} rows match "
                             f"({escape(self.ex.filter.describe(self.ex.tz))}); page "
                             f"{self.page + 1} of {pages}." + (
                                 f' <span class="pm-warning pm-explore-outside">{escape(note)}'
                                 "</span>" if note else ""))
        self.prev.disabled = self.page == 0
        self.next.disabled = self.page >= pages - 1
        self.pin_row.options = [
            (f"{local(r['timestamp'], self.ex.tz, '%H:%M:%S')} {r.get('service', '')}: "
             f"{cut(r.get('message', ''), 80)}", i)
            for i, r in enumerate(self._rows.to_dict("records"))
        ]

    def pin(self) -> Any:
        if self.on_pin is None or self.pin_row.value is None or not len(self._rows):
            self.pin_status.value = _error(ValueError("Choose a row to pin."))
            return None
        row = self._rows.iloc[int(self.pin_row.value)]
        return _pin(self.on_pin, row, self.pin_desc, self.pin_status, lambda ev: (
            f" (evidence {escape(ev.evidence.source)} {escape(ev.evidence.ref)}). Re-run the "
            "timeline cells to see it in the figure."))

    def live(self) -> Live:
        self.apply()
        return Live(self.box, log_summary_html(self.ex),
                    text=f"Log explorer: {self.ex.matching:,} of {self.ex.n:,} rows")


class AlertExplorerView:
    """Scope, alerts grouped by service with storms collapsed, expand a group, pin an alert."""

    def __init__(self, explorer: AlertExplorer, *, on_pin: PinFn | None = None) -> None:
        self.ax = explorer
        self.on_pin = on_pin
        self.scope = _css(w.ToggleButtons(options=list(SCOPES), value="around"),
                          "pm-explore-alert-scope")
        self.summary = _css(w.HTML(), "pm-explore-alert-summary")
        self.table = _css(w.HTML(), "pm-explore-alert-table")
        self.group = _dropdown([], "pm-explore-alert-group", "Expand", "60%")
        self.members = _css(w.HTML(), "pm-explore-alert-members")
        self.alert = _dropdown([], "pm-explore-alert-pick", "Alert", "60%")
        self.pin_desc = _text("pm-explore-alert-desc", "Description", "why it matters", "30%")
        self.pin_desc.continuous_update = True
        self.pin_button = _button("Pin to timeline", "pm-explore-alert-pin", "thumb-tack")
        self.pin_button.disabled = on_pin is None
        self.pin_status = _css(w.HTML(), "pm-explore-alert-pin-status")
        self.scope.observe(lambda _: self.refresh(), names="value")
        self.group.observe(lambda _: self.expand(), names="value")
        self.pin_button.on_click(lambda _: self.pin())
        self.box = _css(w.VBox([self.scope, self.summary, self.table, self.group, self.members,
                                w.HBox([self.alert, self.pin_desc, self.pin_button]),
                                self.pin_status], layout=w.Layout(width="100%")),
                        "pm-explore-alerts")

    def refresh(self) -> None:
        scope = self.scope.value
        tz = self.ax.tz
        self.summary.value = alert_summary_html(self.ax, scope)
        self.table.value = alert_rows_html(self.ax.collapsed(scope), tz)
        groups = self.ax.groups(scope)
        self.group.options = [("(none)", "")] + [
            (f"{local(g.started_at, tz, '%H:%M')} {cut(g.description, 80)}", g.group)
            for g in groups.itertuples()]
        table = self.ax.table(scope)
        self.alert.options = [
            (f"{local(r['started_at'], tz, '%H:%M:%S')} {r.get('service', '')}: "
             f"{cut(r.get('title', ''), 70)}", r["row"]) for r in table.to_dict("records")]
        self.expand()

    def expand(self) -> None:
        group = self.group.value
        self.members.value = (alert_rows_html(self.ax.members(group, self.scope.value), self.ax.tz)
                              if group else "")

    def pin(self) -> Any:
        if self.on_pin is None or self.alert.value is None:
            self.pin_status.value = _error(ValueError("Choose an alert to pin."))
            return None
        row = self.ax.alerts.loc[self.alert.value]
        return _pin(self.on_pin, row, self.pin_desc, self.pin_status)

    def live(self) -> Live:
        self.refresh()
        return Live(self.box, alert_summary_html(self.ax, "around"),
                    text=f"Alert explorer: {int(self.ax.in_incident.sum())} incident alerts")
