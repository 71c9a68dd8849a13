"""What the insights notebook's cells call: ``wb = open_insights(globals())``, then one
method per cell, each returning a Plotly figure or static HTML to display.

The workbook reads the reports root once (``collect``) and computes each aggregate on
first use, so the notebook, the CLI's ``--json`` and the tests share the same numbers.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pandas as pd

from ..display import HTML
from ..safehtml import escape
from . import aggregate as ag
from . import tables as t
from .collect import Collection, collect
from .params import InsightsParams
from .similarity import THRESHOLD

log = logging.getLogger(__name__)


def open_insights(namespace: Mapping[str, Any]) -> InsightsWorkbook:
    """Build the workbook from the parameters cell's variables (other names are ignored)."""
    from ..workbook import use_report_renderer

    values = {n: namespace[n] for n in InsightsParams.names() if n in namespace}
    use_report_renderer()
    return InsightsWorkbook.load(InsightsParams.from_mapping(values))


@dataclass
class InsightsWorkbook:
    params: InsightsParams
    collection: Collection

    @classmethod
    def load(cls, params: InsightsParams) -> InsightsWorkbook:
        since, until = params.bounds()
        params.rolling_window()  # fail early on a bad value
        coll = collect(params.root, since=since, until=until, today=params.today_date(),
                       min_severity=params.severity_bar())
        log.info("insights: %d incidents from %d folders under %s", len(coll.incidents),
                 coll.workspaces, coll.root)
        return cls(params, coll)

    @property
    def tz(self) -> str:
        return self.params.zone

    # -- aggregates (computed once) -----------------------------------------------
    @cached_property
    def response_times_frame(self) -> pd.DataFrame:
        return ag.response_times(self.collection.incidents, self.params.rolling_window())

    @cached_property
    def monthly(self) -> pd.DataFrame:
        return ag.monthly_medians(self.collection.incidents, self.tz)

    @cached_property
    def weekly(self) -> pd.DataFrame:
        return ag.incidents_per_week(self.collection.incidents, self.tz)

    @cached_property
    def services(self) -> pd.DataFrame:
        return ag.service_counts(self.collection.services)

    @cached_property
    def categories(self) -> pd.DataFrame:
        return ag.factor_categories(self.collection.factors)

    @cached_property
    def recurring_factors_frame(self) -> pd.DataFrame:
        return ag.recurring_factors(self.collection.factors)

    @cached_property
    def recurring_templates_frame(self) -> pd.DataFrame:
        return ag.recurring_templates(self.collection.templates)

    @cached_property
    def by_owner(self) -> pd.DataFrame:
        return ag.actions_by(self.collection.actions, "owner")

    @cached_property
    def by_type(self) -> pd.DataFrame:
        return ag.actions_by(self.collection.actions, "type")

    @cached_property
    def overdue(self) -> pd.DataFrame:
        return ag.overdue_actions(self.collection.actions)

    @cached_property
    def without_analysis_frame(self) -> pd.DataFrame:
        return ag.without_analysis(self.collection.incidents)

    @cached_property
    def stuck_frame(self) -> pd.DataFrame:
        return ag.stuck_drafts(self.collection.incidents, self.params.stuck_days)

    @cached_property
    def findings_frame(self) -> pd.DataFrame:
        return ag.top_findings(self.collection.findings)

    def to_json(self) -> dict[str, Any]:
        """The aggregated numbers in the documented shape (docs/insights-schema.md);
        people's names appear as their roles, as in every report."""
        from ..report.redact import RoleNames
        from .summary import insights_json

        data = insights_json(self)
        people = self.collection.people
        return RoleNames(people).redact_value(data) if people else data

    # -- cells ------------------------------------------------------------------------
    def overview(self) -> HTML:
        c = self.collection
        inc = c.incidents
        period = "all incidents"
        if c.since is not None or c.until is not None:
            lo = c.since.tz_convert(self.tz).strftime("%Y-%m-%d") if c.since is not None else "…"
            hi = c.until.tz_convert(self.tz).strftime("%Y-%m-%d") if c.until is not None else "…"
            period = f"{lo} to {hi} (until excluded)"
        first = t._date(inc["start"].min(), self.tz) if inc["start"].notna().any() else ""
        last = t._date(inc["start"].max(), self.tz) if inc["start"].notna().any() else ""
        counts = ag.action_counts(c.actions)
        months = self.monthly[self.monthly["severity"] == "all"].dropna(
            subset=["time_to_resolve_min"]
        )
        ttr, ttr_note = "", "first and last month"
        if len(months) >= 2:
            a, b = months.iloc[0], months.iloc[-1]
            ttr = (f"{a['month']}: {t._minutes(a['time_to_resolve_min'])} → {b['month']}: "
                   f"{t._minutes(b['time_to_resolve_min'])}")
        elif len(months) == 1:  # no trend yet, but the one month's median is known
            a = months.iloc[0]
            ttr, ttr_note = f"{a['month']}: {t._minutes(a['time_to_resolve_min'])}", "one month"
        numbers = [
            ("Period", period, f"first {first}, last {last}" if first else ""),
            ("Incidents", len(inc), f"{int(inc['significant'].sum())} significant "
                                    f"(at least {c.min_severity})"),
            ("Median time to resolve", ttr or "—", ttr_note),
            ("Recurring services", int((self.services["incidents"] >= 2).sum()), ""),
            ("Overdue action items", counts["overdue"], f"of {counts['total']} (as of {c.today})"),
            ("Significant incidents without analysis", len(self.without_analysis_frame), ""),
            ("Could not read", len(c.problems), "workspace files; see the last section"),
        ]
        return HTML(t.key_numbers_html(numbers), "Key numbers")

    def response_times_figure(self) -> Any:
        from .figures import response_times_figure

        return response_times_figure(self.response_times_frame, self.tz, self.params.rolling)

    def response_times_table(self) -> HTML:
        return HTML(t.monthly_table(self.monthly) + t.severity_month_table(self.monthly),
                    "Median response times per month")

    def incidents_per_week_figure(self) -> Any:
        from .figures import incidents_per_week_figure

        return incidents_per_week_figure(self.weekly)

    def services_figure(self) -> Any:
        from .figures import services_figure

        return services_figure(self.services)

    def recurring_services(self) -> HTML:
        return HTML(t.heading("Recurring services") + t.services_table(self.services, self.tz),
                    "Recurring services")

    def factors_figure(self) -> Any:
        from .figures import factors_figure

        return factors_figure(self.categories, self.recurring_factors_frame)

    def recurring_factors(self) -> HTML:
        note = (
            '<p class="pm-note">Factors are grouped when they share at least '
            f"{THRESHOLD:.0%} of their word stems with a group's most common wording "
            "(Jaccard similarity; stop words dropped, plural and -ed/-ing endings cut).</p>"
        )
        body = t.factors_table(self.recurring_factors_frame, self.tz)
        return HTML(t.heading("Recurring factors") + body + note,
                    "Recurring contributing factors")

    def recurring_templates(self) -> HTML:
        c = self.collection
        body = t.templates_html(self.recurring_templates_frame, c.templates_carried,
                                len(c.incidents), self.tz)
        return HTML(t.heading("Recurring new error messages") + body,
                    "Recurring new error messages")

    def actions_figure(self) -> Any:
        from .figures import actions_figure

        return actions_figure(self.by_owner, self.by_type)

    def overdue_actions(self) -> HTML:
        body = t.actions_table(self.overdue, self.collection.today, overdue=True,
                               empty="No action item is overdue.")
        return HTML(t.heading("Overdue, oldest first") + body, "Overdue action items")

    def open_actions(self) -> HTML:
        a = self.collection.actions
        open_ = a[a["state"] == "open"].sort_values(["due", "incident_id"], kind="stable",
                                                    na_position="last")
        body = t.actions_table(open_, self.collection.today, overdue=False,
                               empty="No open action items.")
        return HTML(t.heading("Open, not yet due") + body, "Open action items")

    def actions_by_owner(self) -> HTML:
        return HTML(
            t.heading("By owner") + t.by_table(self.by_owner, "owner")
            + t.heading("By type") + t.by_table(self.by_type, "type"),
            "Action items by owner and type",
        )

    def coverage_figure(self) -> Any:
        from .figures import coverage_figure

        return coverage_figure(ag.review_by_month(self.collection.incidents, self.tz))

    def without_analysis(self) -> HTML:
        body = t.incidents_table(self.without_analysis_frame, self.tz,
                                 empty="Every significant incident has an analysis.")
        head = t.heading(f"Significant incidents (at least {self.collection.min_severity}) "
                         "without analysis")
        return HTML(head + body, "Significant incidents without analysis")

    def stuck_drafts(self) -> HTML:
        days = escape(self.params.stuck_days)
        head = t.heading("Stuck drafts") + (
            f'<p class="pm-note">Not final more than {days} days after the incident.</p>')
        return HTML(
            head + t.incidents_table(self.stuck_frame, self.tz, empty="No post-mortem is stuck."),
            "Stuck drafts",
        )

    def findings_figure(self) -> Any:
        from .figures import findings_figure

        return findings_figure(self.findings_frame)

    def findings_table(self) -> HTML:
        return HTML(t.findings_table(self.findings_frame), "Most frequent findings")

    def could_not_read(self) -> HTML:
        return HTML(t.problems_table(self.collection.problems), "Could not read")
