"""Static HTML for the insights page: key numbers and tables. Every value is escaped."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from ..safehtml import escape
from ..tables import html_table
from .aggregate import METRIC_LABELS, METRICS

MAX_ROWS = 100


def _date(ts: Any, tz: str) -> str:
    if ts is None or (not isinstance(ts, str) and pd.isna(ts)):
        return ""
    t = pd.Timestamp(ts)
    if t.tzinfo is None:
        return t.strftime("%Y-%m-%d")
    return t.tz_convert(tz).strftime("%Y-%m-%d")


def _ids(ids: Iterable[str], limit: int = 8) -> str:
    ids = list(ids)
    more = f" (+{len(ids) - limit} more)" if len(ids) > limit else ""
    return ", ".join(ids[:limit]) + more


def _minutes(value: Any) -> str:
    if value is None or pd.isna(value):
        return ""
    return f"{value:.0f} min" if value >= 10 else f"{value:.1f} min"


def _more(df: pd.DataFrame, limit: int = MAX_ROWS) -> str:
    n = len(df) - limit
    return f'<p class="pm-note">{n} more rows not shown (all are in the JSON).</p>' if n > 0 else ""


def key_numbers_html(numbers: list[tuple[str, Any, str]]) -> str:
    """A definition list of (label, value, note) for the top of the page."""
    items = "".join(
        f"<dt>{escape(label)}</dt><dd><strong>{escape(value)}</strong>"
        + (f" <small>{escape(note)}</small>" if note else "")
        + "</dd>"
        for label, value, note in numbers
    )
    return f'<dl class="pm-meta pm-key-numbers">{items}</dl>'


def problems_table(problems: pd.DataFrame) -> str:
    rows = problems[["workspace", "file", "problem", "effect"]].head(MAX_ROWS).itertuples(
        index=False
    )
    return html_table(["Workspace", "File", "Problem", "Effect on this page"], rows,
                      empty="Every workspace could be read.") + _more(problems)


def monthly_table(monthly: pd.DataFrame) -> str:
    """Median response times per month (all severities), the numbers behind the trend."""
    sub = monthly[monthly["severity"] == "all"] if len(monthly) else monthly
    metrics = [*METRICS, "total"]
    rows = [
        [r["month"], r["incidents"], *[_minutes(r[f"{m}_min"]) for m in metrics]]
        for r in sub.to_dict("records")
    ]
    return html_table(["Month", "Incidents", *[f"Median {METRIC_LABELS[m].lower()}"
                                               for m in metrics]], rows,
                      empty="No incident has milestones to measure.")


def severity_month_table(monthly: pd.DataFrame, metric: str = "time_to_resolve") -> str:
    """One measure's monthly median by severity (rows months, columns severities)."""
    sub = monthly[monthly["severity"] != "all"] if len(monthly) else monthly
    if sub.empty:
        return ""
    wide = sub.pivot(index="month", columns="severity", values=f"{metric}_min")
    sevs = [s for s in dict.fromkeys(sub["severity"]) if s in wide.columns]
    n = sub.pivot(index="month", columns="severity", values="incidents")
    rows = [
        [month, *[(f"{_minutes(wide.at[month, s])} ({int(n.at[month, s])})"
                   if pd.notna(wide.at[month, s]) else "") for s in sevs]]
        for month in wide.index
    ]
    label = METRIC_LABELS[metric].lower()
    return heading(f"Median {label} by severity (incidents)") + html_table(["Month", *sevs], rows)


def services_table(services: pd.DataFrame, tz: str) -> str:
    rec = services[services["incidents"] >= 2]
    rows = [
        [r["service"], r["incidents"], _date(r["first"], tz), _date(r["last"], tz),
         ", ".join(f"{k}: {v}" for k, v in r["severities"].items()), _ids(r["incident_ids"])]
        for r in rec.head(MAX_ROWS).to_dict("records")
    ]
    return html_table(["Service", "Incidents", "First", "Last", "Severities", "Incidents (ids)"],
                      rows, empty="No service was involved in more than one incident.") + _more(
        rec)


def factors_table(recurring: pd.DataFrame, tz: str) -> str:
    rows = [
        [r["label"], ", ".join(r["categories"]), r["incidents"], _date(r["last"], tz),
         " | ".join(r["texts"][:4]) + (" | …" if len(r["texts"]) > 4 else ""),
         _ids(r["incident_ids"])]
        for r in recurring.head(MAX_ROWS).to_dict("records")
    ]
    return html_table(["Factor (most common wording)", "Categories", "Incidents", "Last",
                       "Wordings", "Incidents (ids)"], rows,
                      empty="No contributing factor recurs across incidents.") + _more(recurring)


def templates_html(recurring: pd.DataFrame, carried: int, incidents: int, tz: str) -> str:
    if carried == 0:
        return (
            '<p class="pm-note">None of the facts.json files lists its new error messages '
            f"(checked {escape(incidents)} incident(s)); they only count them, so recurring "
            "new-error templates cannot be compared across incidents yet.</p>"
        )
    note = ""
    if carried < incidents:
        note = (f'<p class="pm-note">{escape(carried)} of {escape(incidents)} facts.json files '
                "list their new error messages; the others are not compared.</p>")
    rows = [
        [r["template"], r["incidents"], _date(r["first"], tz), _date(r["last"], tz),
         _ids(r["incident_ids"])]
        for r in recurring.head(MAX_ROWS).to_dict("records")
    ]
    return note + html_table(["Template", "Incidents", "First", "Last", "Incidents (ids)"], rows,
                             empty="No new error message recurs across incidents.")


def heading(text: str) -> str:
    return f"<h3>{escape(text)}</h3>"


def actions_table(actions: pd.DataFrame, today: Any, *, empty: str, overdue: bool) -> str:
    """Action items with their incident; the overdue table adds the days past due."""
    rows = []
    for r in actions.head(MAX_ROWS).to_dict("records"):
        late = [int(r["overdue_days"]) if pd.notna(r["overdue_days"]) else ""] if overdue else []
        rows.append([r["due"] or "", *late, r["owner"] or "(no owner)", r["type"],
                     r["priority"], r["status"], r["description"],
                     f'{r["incident_id"]} / {r["id"]}'])
    late_head = [f"Days overdue (on {today})"] if overdue else []
    return html_table(["Due", *late_head, "Owner", "Type", "Priority", "Status", "Action",
                       "Incident / item"], rows, empty=empty) + _more(actions)


def by_table(df: pd.DataFrame, key: str) -> str:
    cols = list(df.columns)
    rows = df.head(MAX_ROWS).itertuples(index=False)
    return html_table([c if c != key else key.capitalize() for c in cols], rows,
                      empty="No action items.")


def incidents_table(incidents: pd.DataFrame, tz: str, *, empty: str) -> str:
    rows = [
        [_date(r["start"], tz), r["incident_id"], r["severity"], r["title"],
         ", ".join(r["services"]), r["review_status"],
         r["age_days"] if pd.notna(r["age_days"]) else ""]
        for r in incidents.head(MAX_ROWS).to_dict("records")
    ]
    return html_table(["Start", "Incident", "Severity", "Title", "Services", "Status",
                       "Days since"], rows, empty=empty) + _more(incidents)


def findings_table(top: pd.DataFrame) -> str:
    rows = top[["code", "severity", "incidents", "findings", "example"]].itertuples(index=False)
    return html_table(["Check", "Severity", "Post-mortems", "Findings", "Example"], rows,
                      empty="No findings.")
