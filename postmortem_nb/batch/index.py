"""The batch overview: reports/index.json (a contract), index.html and actions.csv.

index.json is documented in docs/index-schema.md (schema 1). Every row is rebuilt from
what is on disk (facts.json, analysis.json, draft.json, batch-failed.json) plus this
run's outcomes, so the overview also shows the analysts' progress since the last run.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
from pathlib import Path
from typing import Any

import pandas as pd

from ..safehtml import visible_controls
from ..timeutil import iso_z
from ..workspace import Workspace, atomic_write_text

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
STATUSES = ("not drafted", "draft", "in review", "final", "failed")
ACTION_COLUMNS = (
    "incident_id", "incident_title", "incident_severity", "action_id", "description", "owner",
    "due", "success_criterion", "priority", "status", "type", "link", "report",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """A spreadsheet cell that is never a formula: = + - @ (and tab/CR) get a leading '.

    Control characters are shown as ``[U+202E]``, as in the report (``visible_controls``):
    a spreadsheet renders a bidi override, and "invoice\u202egpj.exe" would read
    "invoiceexe.jpg".
    """
    raw = "" if value is None else str(value)
    text = visible_controls(raw)
    return "'" + text if raw.startswith(_FORMULA_START) or text.startswith(_FORMULA_START) else text


def _rel(path: Path, root: Path) -> str:
    return Path(os.path.relpath(path, root)).as_posix()


def _has_analysis(a: Any) -> bool:
    """Has an analyst written anything beyond what the draft seeded?"""
    lessons = (a.lessons.went_well + a.lessons.went_wrong + a.lessons.got_lucky).strip()
    return bool(
        a.summary.what_happened.strip()
        or any(w.why.strip() or w.because.strip() for w in a.five_whys)
        or any(f.text.strip() for f in a.fishbone.factors)
        or a.action_items
        or lessons
        or a.impact.narrative.strip()
        or a.review.status != "draft"
    )


def incident_row(outcome: Any, root: Path, now: pd.Timestamp, stale_days: int) -> dict[str, Any]:
    """One index.json incident: the contract fields first, then the overview's extras."""
    from ..analysis import check_analysis, read_analysis
    from ..errors import AnalysisStoreError
    from ..export import incident_span
    from .runner import LOG_NAME, last_failure

    inc = outcome.incident
    ws: Workspace = outcome.workspace or Workspace.at(root, inc.id)
    exists = ws.root.is_dir()
    facts = (ws.read_json(ws.facts) or {}) if exists else {}
    analysis, analysis_error = None, None
    if exists and ws.analysis.exists():
        try:
            analysis = read_analysis(ws.analysis)
        except AnalysisStoreError as exc:
            analysis_error = str(exc)
    error = outcome.error if outcome.action == "failed" else None
    if error is None and exists and outcome.action != "drafted":
        error = last_failure(ws)
    if error:
        status = "failed"
    elif exists and ws.notebook.exists():
        status = analysis.review.status if analysis else "draft"
    else:
        status = "not drafted"
    durations = facts.get("durations_s") or {}
    # Start and duration as the report states them; the alerts' span only without a draft
    # (the alerts fire after the impact starts and resolve before it is over).
    span = incident_span(facts)
    if span[0]:
        times_from, (start, end) = "facts", span
        total = durations.get("total")
    else:
        times_from, start, end = "alerts", iso_z(inc.start), iso_z(inc.end)
        total = inc.duration.total_seconds()
    ttd = durations.get("time_to_detect")
    early = isinstance(ttd, int | float) and ttd < 0
    title = (analysis.summary.title if analysis else "") or inc.title
    severity = (analysis.summary.severity if analysis else "") or inc.severity
    has_analysis = bool(analysis and _has_analysis(analysis))
    open_items = (
        sum(1 for a in analysis.action_items if a.status in ("open", "in progress"))
        if analysis else 0
    )
    findings = len(check_analysis(analysis, today=now.date())) if analysis else None
    age_days = (now - inc.start).total_seconds() / 86400
    report = ws.report if exists and ws.report.exists() else None
    return {
        "id": inc.id,
        "title": title,
        "severity": severity,
        "services": list(inc.services),
        "start": iso_z(inc.start),
        "end": iso_z(inc.end),
        "significant": inc.significant,
        "status": status,
        "workspace": _rel(ws.root, root) if exists else None,
        "report": _rel(report, root) if report else None,
        "alert_ids": list(inc.alert_ids),
        "error": error,
        # extras (documented in docs/index-schema.md)
        "key": inc.key,
        "reasons": list(inc.reasons),
        "action": outcome.action,
        "incident_start": start,
        "incident_end": end,
        "duration_s": total,
        "times_from": times_from,
        # negative: the alert fired before the measured impact start (the log onset)
        "time_to_detect_s": None if early else durations.get("time_to_detect"),
        "alert_before_impact_signal": early,
        "time_to_resolve_s": durations.get("time_to_resolve"),
        "open_action_items": open_items,
        "check_findings": findings,
        "has_analysis": has_analysis,
        "stale": bool(inc.significant and not has_analysis and age_days > stale_days),
        "notebook": _rel(ws.notebook, root) if exists and ws.notebook.exists() else None,
        "log": _rel(ws.root / LOG_NAME, root) if exists and (ws.root / LOG_NAME).exists()
        else None,
        "analysis_error": analysis_error,
        "draft_seconds": round(outcome.seconds, 2) if outcome.seconds else None,
        "notes": notes_of(facts),
    }


def notes_of(facts: dict[str, Any]) -> list[str]:
    """What the overview should say about a draft's data (the report has every warning)."""
    from ..story import NO_LOG_ROWS

    short = NO_LOG_ROWS.split(":")[0].lower()  # "no log rows in this incident's window"
    return [short for w in facts.get("warnings") or [] if str(w) == NO_LOG_ROWS]


def counts_of(rows: list[dict[str, Any]], result: Any) -> dict[str, int]:
    sig = [r for r in rows if r["significant"]]
    return {
        "incidents": len(rows),
        "significant": len(sig),
        "drafted": sum(r["status"] in ("draft", "in review", "final") for r in rows),
        "failed": sum(r["status"] == "failed" for r in rows),
        "significant_without_analysis": sum(not r["has_analysis"] for r in sig),
        "stale": sum(r["stale"] for r in rows),
        "executed_this_run": sum(
            o.action in ("drafted", "failed", "interrupted") for o in result.outcomes
        ),
        "interrupted": len(result.by_action("interrupted")),
        "not_started": len(result.by_action("not started")),
        "up_to_date": len(result.by_action("up to date")),
        "frozen": len(result.by_action("frozen")),
        **{f"status_{s.replace(' ', '_')}": sum(r["status"] == s for r in rows)
           for s in STATUSES},
    }


def action_rows(rows: list[dict[str, Any]], root: Path) -> list[dict[str, str]]:
    """Every action item of every workspace in the index, for actions.csv."""
    from ..analysis import read_analysis
    from ..errors import AnalysisStoreError

    out = []
    for r in rows:
        if not r["workspace"]:
            continue
        path = root / r["workspace"] / "analysis.json"
        if not path.exists():
            continue
        try:
            analysis = read_analysis(path)
        except AnalysisStoreError:
            continue
        for a in analysis.action_items:
            out.append({
                "incident_id": r["id"], "incident_title": r["title"],
                "incident_severity": r["severity"] or "", "action_id": a.id,
                "description": a.description, "owner": a.owner, "due": a.due,
                "success_criterion": a.success_criterion, "priority": a.priority,
                "status": a.status, "type": a.type, "link": a.link,
                "report": r["report"] or "",
            })
    return out


def actions_csv(actions: list[dict[str, str]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(ACTION_COLUMNS)
    for a in actions:
        w.writerow([safe_cell(a.get(c, "")) for c in ACTION_COLUMNS])
    return buf.getvalue()


def build_index(result: Any, *, tz: str = "UTC", stale_days: int = 7,
                now: pd.Timestamp | None = None) -> dict[str, Any]:
    """The index.json document for a batch result."""
    now = now or pd.Timestamp.now(tz="UTC")
    root = Path(result.out)
    rows = [incident_row(o, root, now, stale_days) for o in result.outcomes]
    return {
        "schema": SCHEMA_VERSION,
        "generated_at": now.tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ"),
        "timezone": tz,
        "criteria": result.criteria.to_dict(),
        "criteria_text": result.criteria.describe(),
        "stale_days": stale_days,
        "counts": counts_of(rows, result),
        "stopped_by": _signal_name(getattr(result, "stopped_by", None)),
        "warnings": list(result.warnings),
        "incidents": rows,
    }


def _signal_name(signum: int | None) -> str | None:
    import signal

    return signal.Signals(signum).name if signum else None


def write_index(result: Any, *, tz: str = "UTC", stale_days: int = 7) -> dict[str, Path]:
    """Write index.json, index.html and actions.csv into the reports root."""
    from .index_html import render_index_html

    root = Path(result.out)
    doc = build_index(result, tz=tz, stale_days=stale_days)
    actions = action_rows(doc["incidents"], root)
    paths = {
        "json": root / "index.json",
        "html": root / "index.html",
        "csv": root / "actions.csv",
    }
    atomic_write_text(paths["json"], json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    atomic_write_text(paths["csv"], actions_csv(actions))
    atomic_write_text(paths["html"], render_index_html(doc, n_actions=len(actions)))
    log.info("index written: %s (%d incidents)", paths["html"], len(doc["incidents"]))
    return paths

