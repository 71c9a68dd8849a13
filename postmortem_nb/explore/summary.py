"""Static HTML for the explorers: what papermill outputs and the report show.

Widget views do not survive into a report, so every explorer cell carries one of these
summaries (counts per service, the top error templates, collapsed alert groups) as
its ``text/html``. Every value from data is escaped.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..safehtml import escape
from ..tables import html_table

TEXT_CUT = 160
# under each static summary: read in the executed notebook and in the report alike
INTERACTIVE = "In the workbook this view is interactive."


def cut(value: Any, limit: int = TEXT_CUT) -> str:
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def local(ts: Any, tz: str, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    if ts is None or pd.isna(ts):
        return ""
    return pd.Timestamp(ts).tz_convert(tz).strftime(fmt)


def sparkline(counts: pd.Series | np.ndarray, *, width: int = 360, height: int = 40,
              label: str = "rows per minute") -> str:
    """An inline SVG bar chart of per-bin counts (numbers only: nothing to escape)."""
    values = np.asarray(counts, dtype=float)
    if not len(values) or values.max() <= 0:
        return ""
    if len(values) > width:  # one bar per pixel at most
        edges = np.linspace(0, len(values), width + 1).astype(int)
        values = np.add.reduceat(values, edges[:-1])
    bar = width / len(values)
    top = values.max()
    rects = "".join(
        f'<rect x="{i * bar:.2f}" y="{height - v / top * height:.2f}" '
        f'width="{max(bar - 0.3, 0.5):.2f}" height="{v / top * height:.2f}"/>'
        for i, v in enumerate(values) if v > 0
    )
    return (f'<svg class="pm-sparkline" role="img" aria-label="{escape(label)}" width="{width}" '
            f'height="{height}" viewBox="0 0 {width} {height}" fill="#5b8def">{rects}</svg>')


def services_html(by_service: pd.DataFrame) -> str:
    rows = [[r.service, f"{r.rows:,}", f"{r.failures:,}"] for r in by_service.itertuples()]
    return html_table(["Service", "Rows", "Failures"], rows, empty="No matching rows.")


def templates_html(templates: pd.DataFrame, tz: str, limit: int = 10,
                   since: pd.Timestamp | None = None) -> str:
    """The top templates: first seen in all the loaded logs, counted in the view.

    ``since`` is the view's start: a template seen before it says so, so a background
    error is not read as one that started with the incident.
    """
    def first(r: Any) -> str:
        text = local(r.first_seen, tz)
        if since is not None and pd.notna(r.first_seen) and r.first_seen < since:
            text += " (before this time range)"
        return text

    rows = [
        [first(r), f"{r.count:,}", getattr(r, "services", r.service), r.level,
         cut(r.template), r.template_id]
        for r in templates.head(limit).itertuples()
    ]
    return html_table([f"First seen in the logs ({tz})", "Matching rows", "Services (count)",
                       "Level", "Template", "Id"],
                      rows, empty="No error templates for this filter.")


def log_rows_html(rows: pd.DataFrame, tz: str) -> str:
    out = [
        [local(r["timestamp"], tz), r.get("level", ""), r.get("service", ""), r.get("host", ""),
         cut(r.get("message", ""), 300), r.get("template_id", ""), r.get("row", "")]
        for r in rows.to_dict("records")
    ]
    return html_table([f"Time ({tz})", "Level", "Service", "Host", "Message", "Template", "Row"],
                      out, cls="pm-table pm-log-rows", empty="No matching log rows.")


def log_summary_html(explorer: Any) -> str:
    """The log explorer's static view: filter, counts per service and minute, top templates."""
    ex = explorer
    tz = ex.tz
    head = (f'<p class="pm-explore-summary"><b>Log explorer</b>: {ex.matching:,} of {ex.n:,} '
            f"rows match ({escape(ex.filter.describe(tz))}). {INTERACTIVE}</p>")
    spark = sparkline(ex.by_minute()["rows"]) if ex.matching else ""
    return (f'<div class="pm-explore pm-explore-logs">{head}{spark}'
            f"<h4>Rows per service</h4>{services_html(ex.by_service())}"
            f"<h4>Top error templates</h4>"
            f"{templates_html(ex.templates(limit=10), tz, since=ex.filter.start)}</div>")


def alert_rows_html(table: pd.DataFrame, tz: str) -> str:
    rows = []
    for r in table.to_dict("records"):
        kind = r.get("kind", "alert")
        what = r.get("title", "")
        if kind != "alert":
            what = f"[{kind.replace('alert_', '')}, {r.get('members', 0)} alerts] {what}"
        rows.append([
            r.get("service", ""), local(r.get("started_at"), tz), r.get("severity", "") or "",
            cut(what), r.get("alert_id", "") or "", "yes" if r.get("in_incident") else "",
        ])
    return html_table(["Service", f"Fired ({tz})", "Severity", "Alert", "Id", "Incident"], rows,
                      cls="pm-table pm-alert-rows", empty="No alerts.")


def alert_summary_html(explorer: Any, scope: str = "around") -> str:
    """The alert explorer's static view: alerts per service and collapsed groups."""
    ax = explorer
    tz = ax.tz
    by = ax.by_service(scope)
    rows = [[r.service, r.alerts, r.in_incident, r.groups, r.worst_severity,
             local(r.first, tz, "%H:%M"), local(r.last, tz, "%H:%M")] for r in by.itertuples()]
    table = html_table(["Service", "Alerts", "In incident", "Collapsed groups", "Worst",
                        f"First ({tz})", f"Last ({tz})"], rows, empty="No alerts.")
    groups = ax.groups(scope)
    glist = "".join(f"<li>{escape(local(g.started_at, tz, '%H:%M'))} {escape(g.description)}</li>"
                    for g in groups.itertuples())
    n_inc = int(ax.in_incident.sum())
    n_near = int(ax.near.sum())
    return (f'<div class="pm-explore pm-explore-alerts"><p class="pm-explore-summary">'
            f"<b>Alert explorer</b>: {n_inc} incident alerts, {n_near} alerts in and around the "
            f"incident window, {len(ax.alerts)} in the export. {INTERACTIVE}</p>"
            f"{table}" + (f"<p>Collapsed:</p><ul>{glist}</ul>" if glist else "") + "</div>")
