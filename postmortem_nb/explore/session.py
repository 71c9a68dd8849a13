"""The explorers of one workbook, built once per kernel and shared by its cells.

The workbook's explore methods delegate here: building a LogExplorer costs a sort and a
few factorizations, so it is made on first use and reused by every later cell and by
``wb.explore_logs``. Pinning goes through one place so that the live story's timeline
is refreshed along with analysis.json.
"""

from __future__ import annotations

import warnings
from typing import Any

import pandas as pd

from ..display import HTML, Live
from ..errors import LogRangeWarning, ParameterError, RowLimitWarning
from ..workbook import DEFAULT_LIMIT, DefaultLimit
from .alerts import AlertExplorer
from .logs import LogExplorer
from .pin import pin_with_outcome, refresh_events

VIEW_MARGIN = pd.Timedelta("30min")  # the log explorer opens on the window +- this
LOAD_MORE = ("To explore them, set the parameters logs_start and/or logs_end (the notebook's "
             "parameters cell, or --param logs_end=... with postmortem draft) and run the "
             "notebook again; the incident stays the same.")


def loaded_range(logs: pd.DataFrame) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The time range the logs were read over (ingest records it), None: the whole files."""
    window = (logs.attrs.get("source") or {}).get("window")
    if not window or None in window or "None" in window:
        return None
    try:
        return pd.Timestamp(window[0]), pd.Timestamp(window[1])
    except (TypeError, ValueError):
        return None



class ExploreSession:
    def __init__(self, wb: Any) -> None:
        self.wb = wb
        self._logs: LogExplorer | None = None
        self._alerts: AlertExplorer | None = None
        self.view: Any = None  # the last log explorer view (linked figures drive it)

    @property
    def logs(self) -> LogExplorer:
        if self._logs is None:
            frame = self.wb.frames.get("logs")
            if frame is None or not len(frame):
                raise ParameterError(
                    "No logs were loaded: set the `logs` parameter to explore them.")
            story = self.wb.story
            sig = getattr(story, "signals", None)
            self._logs = LogExplorer(
                frame,
                templates=getattr(story, "templates", None),
                is_failure=None if sig is None else sig.rows["is_failure"],
                bin=getattr(story, "bin", "1min") or "1min",
                tz=self.wb.tz,
                days=incident_days(getattr(story, "window", None), self.wb.tz),
                loaded=loaded_range(frame),
                load_more=LOAD_MORE,
            )
        return self._logs

    @property
    def alerts(self) -> AlertExplorer:
        if self._alerts is None:
            story = self.wb.story
            self._alerts = AlertExplorer(self.wb.frames.get("alerts"), incident=story.alerts,
                                         window=story.window, tz=self.wb.tz)
        return self._alerts

    def explore_logs(self, *, limit: int | None = DEFAULT_LIMIT, newest_first: bool = False,
                     **filters: Any) -> pd.DataFrame:
        """Rows matching ``filters`` over all loaded logs (the widget's filter is untouched).

        ``local_time`` is ``timestamp`` in the team's zone. ``attrs["total"]`` is the
        number of matching rows; when the default limit cut the result, a
        ``RowLimitWarning`` says so ("the first 1,000 of 1,943 matching rows …").
        """
        rows = self.logs.query(limit, newest_first=newest_first, **filters)
        if "timestamp" in rows.columns:
            rows.insert(rows.columns.get_loc("timestamp") + 1, "local_time",
                        rows["timestamp"].dt.tz_convert(self.wb.tz))
        total = rows.attrs.get("total", len(rows))
        if rows.attrs.get("outside_loaded"):
            warnings.warn(f"explore_logs: {rows.attrs['outside_loaded']}", LogRangeWarning,
                          stacklevel=3)
        if total > len(rows) and isinstance(limit, DefaultLimit):
            which = "newest" if newest_first else "first"
            warnings.warn(f"explore_logs: the {which} {len(rows):,} of {total:,} matching "
                          "rows; limit=None for all.", RowLimitWarning, stacklevel=3)
        return rows

    # ------------------------------------------------------------------ pinning
    def pin(self, item: Any = None, description: str = "", **by_kind: Any) -> Any:
        return self.pin_with_outcome(item, description, **by_kind)[0]

    def pin_with_outcome(self, item: Any = None, description: str = "",
                         **by_kind: Any) -> tuple[Any, str]:
        """Pin, and say whether it was new, updated or already there (the views use it).

        Templates are pinned at their first sighting in all loaded logs, never in the
        explorer's current filter, so the pin does not depend on hidden widget state.
        """
        tpl = getattr(self.wb.story, "templates", None)
        templates = None if tpl is None else tpl.table
        logs = self.wb.frames.get("logs")
        if templates is None and logs is not None and len(logs):
            templates = self.logs.templates(errors_only=False, limit=None, all_rows=True)
        ev, outcome = pin_with_outcome(self.wb.store, item, description=description,
                                       frames=self.wb.frames, templates=templates,
                                       tz=self.wb.tz, **by_kind)
        refresh_events(self.wb.story, self.wb.store.analysis, self.wb.frames.get("logs"))
        return ev, outcome

    def unpin(self, event_id: str) -> bool:
        done = self.wb.store.unpin_event(event_id)
        if done:
            refresh_events(self.wb.story, self.wb.store.analysis, self.wb.frames.get("logs"))
        return done

    def pinned(self) -> pd.DataFrame:
        """The pinned events of analysis.json with their evidence.

        ``now`` is where the evidence is in the loaded logs (``timeline.current_ref``):
        the saved ref, the line it moved to "(pinned as ...)", or "(stale: ...)".
        """
        from ..timeline import current_ref
        from ..timeutil import to_utc

        logs = self.wb.frames.get("logs")
        rows = []
        for e in self.wb.store.analysis.timeline.added_events:
            if not e.pinned:
                continue
            try:  # a hand-written naive time is the team's, as the report reads it
                at = to_utc(e.timestamp, self.wb.tz, what=f"pinned event {e.event_id}")
            except ParameterError:
                at = None
            evidence = {**e.evidence.extra, "source": e.evidence.source,
                        "ref": e.evidence.ref, "text": e.evidence.text}
            rows.append({
                "event_id": e.event_id, "timestamp": pd.NaT if at is None else at,
                "service": e.service, "description": e.description,
                "source": e.evidence.source, "ref": e.evidence.ref, "text": e.evidence.text,
                "now": "(time unreadable: see postmortem check)" if at is None
                else current_ref(evidence, at, logs),
            })
        cols = ["event_id", "timestamp", "service", "description", "source", "ref", "text", "now"]
        return pd.DataFrame(rows, columns=cols)

    # ------------------------------------------------------------------ views
    def log_view(self) -> Live | HTML:
        from .widgets import LogExplorerView

        if self.wb.frames.get("logs") is None:
            return HTML('<p class="pm-empty">No logs loaded: nothing to explore.</p>', "No logs")
        if not len(self.wb.frames["logs"]):  # files given, none covering this incident
            return HTML('<p class="pm-empty">No log rows in this incident\'s window: '
                        "nothing to explore.</p>", "No logs")
        ex = self.logs
        w0, w1 = self.wb.story.window
        ex.reset(start=w0 - VIEW_MARGIN, end=w1 + VIEW_MARGIN)
        view = LogExplorerView(ex, on_pin=self.pin_with_outcome)
        self.view = view
        return view.live()

    def alert_view(self) -> Live | HTML:
        from .widgets import AlertExplorerView

        if self.wb.frames.get("alerts") is None:
            return HTML('<p class="pm-empty">No alerts loaded: nothing to explore.</p>',
                        "No alerts")
        return AlertExplorerView(self.alerts, on_pin=self.pin_with_outcome).live()

    def linked(self, show: bool = False) -> Live:
        from ..figures import impact_figure, plot_zone, timeline_figure
        from .linked import Selection, linked_view

        def on_range(start: pd.Timestamp, end: pd.Timestamp) -> None:
            if self.view is not None:
                self.view.set_time_range(start, end)
            elif self.wb.frames.get("logs") is not None and len(self.wb.frames["logs"]):
                self.logs.set_filter(start=start, end=end)

        story = self.wb.story
        # the figures' x values are wall-clock in plot_zone (UTC across a DST change)
        selection = Selection(plot_zone(story), store=self.wb.store, on_range=on_range)
        self.selection = selection
        def figures() -> list:
            figs = [timeline_figure(story)]
            return figs if story.signals is None else [*figs, impact_figure(story)]

        return linked_view(figures, selection, show=show)


def incident_days(window: Any, tz: str) -> tuple[str, ...] | None:
    """The local day(s) of the incident window (None: none known, the logs' day is used)."""
    if not window or window[0] is None or window[1] is None:
        return None
    days = [pd.Timestamp(t).tz_convert(tz).strftime("%Y-%m-%d") for t in window]
    return tuple(dict.fromkeys(days))


def session(wb: Any) -> ExploreSession:
    """The workbook's explore session (one per workbook object)."""
    current = wb.__dict__.get("_explore")
    if current is None:
        current = ExploreSession(wb)
        wb.__dict__["_explore"] = current
    return current
