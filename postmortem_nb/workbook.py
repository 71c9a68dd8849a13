"""What the notebook's cells call: ``wb = open_workbook(globals())`` then one method per cell.

The workbook loads the inputs named by the parameters, derives the incident's story,
opens the analysis store of the workspace and hands each cell something to display:
a Plotly figure, static HTML, or a ``Live`` form (a widget in JupyterLab, static HTML
under papermill and in reports). It never writes analysis.json itself; only the
forms do, when the analyst changes something.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .display import HTML, Figure, Live
from .params import Params
from .tables import events_table, impact_table, provenance_table, templates_table

log = logging.getLogger(__name__)


class DefaultLimit(int):
    """``explore_logs``' default row limit: an int that says it was not chosen, so only a
    result cut by the default warns (a limit the analyst typed is no surprise)."""


DEFAULT_LIMIT = DefaultLimit(1000)


def use_report_renderer() -> None:
    """Make plain ``go.Figure`` outputs use Plotly's JSON mimetype (costs a jsonschema import).

    The workbook's own figures do not need it: they are wrapped in ``display.Figure``.
    """
    import plotly.io as pio

    pio.renderers.default = "plotly_mimetype"


def open_workbook(namespace: Mapping[str, Any]) -> Workbook:
    """Build the workbook from the parameters cell's variables (other names are ignored)."""
    values = {name: namespace[name] for name in Params.names() if name in namespace}
    return Workbook.load(Params.from_mapping(values))


def combine(*parts: Live) -> Live:
    """Several forms in one cell output (the 5 Whys and the fishbone, say)."""
    import ipywidgets as w

    return Live(
        w.VBox([p.widget for p in parts if p.widget is not None]),
        "\n".join(p.html for p in parts),
        text=" / ".join(p.text for p in parts),
    )


@dataclass
class Workbook:
    params: Params
    root: Path
    frames: dict[str, Any]
    store: Any
    story: Any
    facts: dict[str, Any]

    @classmethod
    def load(cls, params: Params) -> Workbook:
        from .analysis import AnalysisStore
        from .analysis.checks import raise_for_unreadable_times
        from .facts import analysis_fingerprint, build_facts
        from .incident import load_inputs
        from .incident_window import analyst_window
        from .story import analyse_incident
        from .timeline import unmatched_hidden

        root = Path(params.workspace).expanduser() if params.workspace else Path.cwd()
        store = AnalysisStore.open(root / "analysis.json")
        analysis = store.analysis
        raise_for_unreadable_times(analysis, store.path, params.tz or "UTC")
        # the analyst's incident window wins over the draft's: read the logs it covers too
        also = analyst_window(analysis.to_dict(), params.tz or "UTC")
        frames = load_inputs(params, also=also)
        ids = [s.strip() for s in params.alert_ids.split(",") if s.strip()] or None
        story = analyse_incident(
            frames["alerts"],
            frames["logs"],
            frames["changes"],
            tz=params.tz or "UTC",
            incident_key=params.incident_key or None,
            alert_ids=ids,
            start=params.start or None,
            end=params.end or None,
            analyst=analysis.to_dict(),
            failure=params.failure or None,
            avg_value=params.avg_value or None,
            currency=params.currency,
            amount_column=params.amount_column or None,
            customer_column=params.customer_column or None,
            status_column=params.status_column or None,
            latency_column=params.latency_column or None,
            bin=params.time_bin or "1min",
            baseline=params.baseline or "2h",
            incident_id=params.incident_id or root.name,
            title=params.title or analysis.summary.title or None,
        )
        facts = build_facts(story)
        facts["inputs"] = provenance_records(frames)
        facts["responders"] = responders(story)
        facts["analysis_fingerprint"] = analysis_fingerprint(analysis.to_dict())
        facts["hidden_events_not_found"] = unmatched_hidden(
            story.events, analysis.timeline.hidden_events)
        return cls(params, root, frames, store, story, facts)

    @property
    def tz(self) -> str:
        return self.params.tz or "UTC"

    @property
    def analysis(self) -> Any:
        return self.store.analysis

    # -- header and summary ------------------------------------------------
    def header(self) -> Live:
        from .export import header_info
        from .report.page import header_html
        from .widgets import review_form

        info = header_info(self.facts, self.analysis, self.tz)
        html = header_html(info, info.get("title") or "Post-mortem")
        review = review_form(self.store)
        return Live(review.widget, html + review.html, text="Incident header and review status")

    def key_facts(self) -> HTML:
        from .analysis.render import milestones_table

        return HTML(milestones_table(self.analysis, self.facts, self.tz), "Milestones")

    def summary_form(self) -> Live:
        from .widgets import summary_form

        return summary_form(
            self.store,
            facts=self.facts,
            tz=self.tz,
            alerts=self.story.alerts,
            changes=self.story.changes,
        )

    # -- timeline ---------------------------------------------------------------
    def timeline_figure(self) -> Figure:
        from .figures import timeline_figure

        return Figure(timeline_figure(self.story))

    def timeline_table(self) -> HTML:
        return HTML(events_table(self.story.events, self.tz), "Timeline of events")

    def timeline_form(self) -> Live:
        from .widgets import timeline_form

        return timeline_form(self.store, events=self.story.events, tz=self.tz)

    # -- root cause ---------------------------------------------------------------
    def new_error_messages(self) -> HTML:
        return HTML(templates_table(self.story.new_templates, self.tz), "New error messages")

    def root_cause_form(self) -> Live:
        from .widgets import fishbone_form, five_whys_form

        return combine(five_whys_form(self.store), fishbone_form(self.store))

    # -- impact -------------------------------------------------------------------
    def impact_table(self) -> HTML:
        return HTML(impact_table(self.facts), "Impact")

    def impact_figure(self) -> Figure | HTML:
        """The impact figure, or a short note when there are no logs to measure from."""
        from .figures import impact_figure, impact_note
        from .safehtml import escape

        note = impact_note(self.story)
        if note:
            return HTML(f'<p class="pm-note">{escape(note)}</p>', "Impact figure")
        return Figure(impact_figure(self.story))

    def impact_form(self) -> Live:
        from .widgets import impact_form

        return impact_form(self.store)

    # -- actions and lessons ------------------------------------------------------
    def action_items_form(self) -> Live:
        from .widgets import action_items_form

        return action_items_form(self.store)

    def lessons_form(self) -> Live:
        from .widgets import lessons_form

        return lessons_form(self.store)

    # -- appendix -----------------------------------------------------------------
    def provenance(self) -> HTML:
        return HTML(provenance_table(self.facts.get("inputs", []), self.tz), "Data provenance")

    def methods(self) -> HTML:
        from .tables import methods_html

        return HTML(methods_html(self.story, self.facts), "Methods")

    def write_facts(self) -> None:
        """facts.json beside the notebook: batch overviews and insights read it."""
        from .facts import write_facts

        write_facts(self.root / "facts.json", self.facts)
        self.store.flush()

    # -- explore and pin (logic in postmortem_nb/explore/; keep these delegating) ----
    def log_explorer(self) -> Any:
        """Filter, page and count the logs; pin a row (static summary when headless)."""
        from .explore.session import session

        return session(self).log_view()

    def alert_explorer(self) -> Any:
        """The incident's alerts and those around it, by service, storms expandable."""
        from .explore.session import session

        return session(self).alert_view()

    def linked_figures(self, show: bool = False) -> Any:
        """Timeline and impact as FigureWidgets (drawn on request, or now with show=True):
        zooming into a time range filters the log explorer."""
        from .explore.session import session

        return session(self).linked(show)

    def explore_logs(
        self, *, limit: int | None = DEFAULT_LIMIT, newest_first: bool = False, **filters: Any
    ) -> pd.DataFrame:
        """Log rows matching filters (start, end, service, level, host, failure, text,
        regex, template, ignore_case); ``row`` is the label to pin, ``local_time`` the time
        in the team's zone, ``attrs["total"]`` the number of matching rows. A result cut at
        the default limit warns (``RowLimitWarning``); ``limit=None`` gives every row."""
        from .explore.session import session

        return session(self).explore_logs(limit=limit, newest_first=newest_first, **filters)

    def explore_alerts(self, scope: str = "around") -> pd.DataFrame:
        """Alerts of the incident ("incident"), around it ("around") or all, with groups."""
        from .explore.session import session

        return session(self).alerts.table(scope)

    def pin(self, item: Any = None, description: str = "", *, log_row: Any = None,
            alert: Any = None, template: Any = None, change: Any = None) -> Any:
        """Pin a log row, alert, change or template (a row, a row label or an id) to the
        timeline; ``log_row=``, ``alert=``, ``template=`` or ``change=`` say which kind."""
        from .explore.session import session

        return session(self).pin(item, description, log_row=log_row, alert=alert,
                                 template=template, change=change)

    def unpin(self, event_id: str) -> bool:
        """Remove a pinned event; False when there was none with that id."""
        from .explore.session import session

        return session(self).unpin(event_id)

    def pinned(self) -> pd.DataFrame:
        """The pinned events with their evidence (source, ref, original text)."""
        from .explore.session import session

        return session(self).pinned()


def responders(story: Any) -> list[dict[str, str]]:
    """People the data names (acknowledging an alert, authoring a change) with a role, so
    the draft's people list can show roles instead of names."""
    from .analysis import Analysis
    from .analysis.people import suggest_people

    return [
        {"name": p.name, "role": p.role}
        for p in suggest_people(Analysis(), story.alerts, story.changes)
    ]


def provenance_records(frames: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One record per input file: path, kind, format, SHA-256, rows, time range, warnings."""
    records: list[dict[str, Any]] = []
    for kind, frame in frames.items():
        if not isinstance(frame, pd.DataFrame):
            continue
        src = dict(frame.attrs.get("source") or {})
        records.append({"kind": kind, **src})
    return records
