"""The aggregated numbers as JSON for dashboards (shape: docs/insights-schema.md).

Only plain JSON types: times as ISO 8601 UTC ending in Z, dates as YYYY-MM-DD,
durations in seconds, missing values as null.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pandas as pd

from ..timeutil import iso_z
from . import aggregate as ag

SCHEMA_VERSION = 1


def _v(value: Any) -> Any:
    """One value made JSON-safe."""
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else iso_z(value)
    if isinstance(value, dt.datetime):
        return iso_z(pd.Timestamp(value))
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _v(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_v(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if value is pd.NaT or value is None:
        return None
    if isinstance(value, float):
        return None if not math.isfinite(value) else value
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


def records(df: pd.DataFrame, columns: list[str] | None = None) -> list[dict[str, Any]]:
    sub = df[columns] if columns else df
    return [{k: _v(v) for k, v in row.items()} for row in sub.to_dict("records")]


def _secs(minutes: Any) -> float | None:
    v = _v(minutes)
    return None if v is None else round(float(v) * 60.0, 3)


def insights_json(wb: Any) -> dict[str, Any]:
    """Everything the page shows, as numbers (``wb`` is an InsightsWorkbook)."""
    c = wb.collection
    inc = c.incidents
    per_incident = [
        {
            "incident_id": r["incident_id"],
            "start": _v(r["start"]),
            "severity": r["severity"],
            "review_status": r["review_status"],
            "services": list(r["services"]),
            **{f"{m}_s": _v(r[m]) for m in (*ag.METRICS, "total")},
            "alert_before_impact_signal": bool(r["alert_before_impact_signal"]),
        }
        for r in inc.to_dict("records")
    ]
    monthly = [
        {
            "month": r["month"],
            "severity": r["severity"],
            "incidents": int(r["incidents"]),
            "median_s": {m: _secs(r[f"{m}_min"]) for m in (*ag.METRICS, "total")},
        }
        for r in wb.monthly.to_dict("records")
    ]
    rt = wb.response_times_frame
    rolling = [
        {"incident_id": r["incident_id"], "start": _v(r["start"]), "severity": r["severity"],
         "metric": r["metric"], "rolling_median_s": _secs(r["rolling_median"]),
         "rolling_median_severity_s": _secs(r["rolling_median_severity"])}
        for r in rt.to_dict("records")
    ]
    weekly = [
        {"week": _v(r["week"]), "total": int(r["total"]),
         "by_severity": {k: int(v) for k, v in r.items() if k not in ("week", "total")}}
        for r in wb.weekly.to_dict("records")
    ]
    svc = records(wb.services, ["service", "service_key", "incidents", "first", "last",
                                "incident_ids", "severities"])
    factors = records(wb.recurring_factors_frame)
    templates = {
        "available": c.templates_carried > 0,
        "workspaces_listing_templates": c.templates_carried,
        "recurring": records(wb.recurring_templates_frame),
    }
    action_cols = ["incident_id", "incident_title", "id", "description", "owner", "type",
                   "priority", "status", "due", "done_at", "state", "overdue_days"]
    overdue = records(wb.overdue, action_cols)
    for row in overdue:
        row["overdue_days"] = int(row["overdue_days"]) if row["overdue_days"] is not None else None
    inc_cols = ["incident_id", "start", "severity", "title", "review_status", "age_days"]
    return {
        "schema": SCHEMA_VERSION,
        "generated_at": iso_z(pd.Timestamp.now(tz="UTC").floor("s")),
        "reports_dir": str(c.root),
        "period": {"since": _v(c.since), "until": _v(c.until),
                   "first_incident": _v(inc["start"].min()) if len(inc) else None,
                   "last_incident": _v(inc["start"].max()) if len(inc) else None},
        "today": c.today.isoformat(),
        "timezone": wb.tz,
        "min_severity": c.min_severity,
        "counts": {
            "workspaces": c.workspaces,
            "incidents": len(inc),
            "outside_period": c.outside_window,
            "could_not_read": len(c.problems),
            "significant": int(inc["significant"].sum()),
        },
        "response_times": {
            "rolling_window": wb.params.rolling,
            "per_incident": per_incident,
            "monthly_median": monthly,
            "rolling_median": rolling,
        },
        "incidents_per_week": weekly,
        "services": svc,
        "recurring_services": [s for s in svc if s["incidents"] >= 2],
        "factor_categories": records(wb.categories),
        "recurring_factors": factors,
        "new_error_templates": templates,
        "action_items": {
            "counts": ag.action_counts(c.actions),
            "by_owner": records(wb.by_owner),
            "by_type": records(wb.by_type),
            "overdue": overdue,
            "open": records(c.actions[c.actions["state"] == "open"], action_cols),
        },
        "coverage": {
            "stuck_days": wb.params.stuck_days,
            "by_status": ag.review_counts(inc),
            "final": int((inc["review_status"] == "final").sum()),
            "significant_without_analysis": records(wb.without_analysis_frame, inc_cols),
            "stuck_drafts": records(wb.stuck_frame, inc_cols),
        },
        "checks": {"top_findings": records(wb.findings_frame)},
        "could_not_read": records(c.problems),
    }
