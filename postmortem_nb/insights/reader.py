"""One incident workspace -> rows for the insights frames, plus what could not be read.

facts.json is checked for what insights relies on (schema, milestone times with a zone);
analysis.json is read through the analysis store's read-only loader (older schemas are
migrated in memory, nothing is written). Every problem becomes a row saying which file,
what is wrong and what the page loses because of it.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..analysis.model import DONE_AT_KEYS
from ..errors import AnalysisStoreError, PostmortemError
from ..milestones import DURATIONS, Milestone, apply_overrides, durations
from ..schema import MILESTONES
from ..severity import at_least, normalize_severity
from ..workspace import slug

FACTS_SCHEMAS = (1,)  # facts.json schema versions this reader understands
STATUS_NONE = "no analysis"


@dataclass
class WorkspaceRecord:
    """What one workspace contributes to each frame."""

    incident: dict[str, Any] | None = None
    services: list[dict[str, Any]] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    factors: list[dict[str, Any]] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    templates: list[dict[str, Any]] | None = None
    problems: list[dict[str, str]] = field(default_factory=list)
    people: list[tuple[str, str]] = field(default_factory=list)  # (name or alias, role) to hide


def _problem(ws: Path, file: str, problem: str, effect: str) -> dict[str, str]:
    return {"workspace": ws.name, "file": file, "problem": problem, "effect": effect}


def _utc(value: Any, where: str) -> pd.Timestamp | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ValueError(f"{where}: expected an ISO 8601 time string, found {value!r}")
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{where}: expected an ISO 8601 time, found {value!r}") from exc
    if ts.tzinfo is None:
        raise ValueError(f"{where}: time {value!r} has no zone (facts.json times end in Z)")
    return ts.tz_convert("UTC")


def read_facts_file(path: Path) -> dict[str, Any]:
    """facts.json checked for what insights relies on; ValueError says what is wrong."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 text ({exc.reason})") from exc
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise ValueError(f"not valid JSON ({where}: {exc.msg})") from exc
    if not isinstance(data, dict):
        raise ValueError(f"expected a JSON object, found {type(data).__name__}")
    schema = data.get("schema")
    if "schema" not in data:
        raise ValueError('no "schema" key: not a facts.json this postmortem-nb wrote '
                         "(re-run the draft to rewrite it)")
    if schema not in FACTS_SCHEMAS:
        raise ValueError(
            f"unknown schema {schema!r}: this postmortem-nb reads facts.json schema "
            f"{', '.join(map(str, FACTS_SCHEMAS))}"
        )
    for key in ("incident", "milestones"):
        if not isinstance(data.get(key), dict):
            raise ValueError(f'"{key}" must be an object, found {data.get(key)!r}')
    return data


def _milestones(facts: dict[str, Any]) -> dict[str, Milestone]:
    out = {}
    for name in MILESTONES:
        entry = facts["milestones"].get(name) or {}
        if not isinstance(entry, dict):
            raise ValueError(f"milestones.{name} must be an object, found {entry!r}")
        out[name] = Milestone(name, _utc(entry.get("at"), f"milestones.{name}.at"), "derived", "")
    return out


def _analysed(a: Any) -> bool:
    """Did a person write anything beyond what the draft seeds (title, severity, people)?"""
    return bool(
        a.summary.what_happened.strip()
        or a.five_whys
        or a.fishbone.factors
        or a.action_items
        or a.impact.narrative.strip()
        or any(x.strip() for x in (a.lessons.went_well, a.lessons.went_wrong, a.lessons.got_lucky))
    )


def _date(value: Any) -> dt.date | None:
    text = str(value or "").strip()[:10]
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _action_state(status: str, due: dt.date | None, done_at: dt.date | None, today: dt.date):
    if status == "wont do":
        return "won't do"
    if status == "done":
        if done_at is None:
            return "done (no date)"
        return "done late" if due is not None and done_at > due else "done on time"
    if due is not None and due < today:
        return "overdue"
    return "open"


FAILED_NAME = "batch-failed.json"  # postmortem_nb.batch.runner.FAILED_NAME


def _failed_draft(ws: Path) -> dict[str, Any] | None:
    """batch-failed.json when it describes the incident (batch writes it on a failed draft)."""
    path = ws / FAILED_NAME
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("incident"), dict):
        return None
    return data


def _failed_record(ws: Path, rec: WorkspaceRecord, failed: dict[str, Any], *,
                   today: dt.date, min_severity: str) -> WorkspaceRecord:
    """A significant incident whose draft failed before facts.json: it lacks a post-mortem.

    Its title, severity, services and start come from the alerts (batch-failed.json);
    no milestone times, so it stays out of the time figures.
    """
    inc = failed["incident"]
    try:
        start = _utc(inc.get("start"), "incident.start")
    except ValueError:
        start = None
    severity = normalize_severity(inc.get("severity"))
    services = [str(s) for s in inc.get("services") or [] if str(s).strip()]
    iid = ws.name
    rec.incident = {
        "incident_id": iid,
        "title": str(inc.get("title") or ""),
        "severity": severity or "unknown",
        "services": services,
        "start": start,
        **dict.fromkeys(MILESTONES),
        **dict.fromkeys(DURATIONS),
        "review_status": STATUS_NONE,
        "has_analysis": False,
        "significant": severity is not None and at_least(severity, min_severity),
        "age_days": (today - start.date()).days if start is not None else None,
        "action_items": 0,
        "has_facts": False,
        "has_analysis_file": False,
        "alert_before_impact_signal": False,
    }
    _add_services(rec, iid, start, severity, services)
    rec.problems.append(_problem(
        ws, FAILED_NAME, f"the draft failed: {failed.get('error') or 'unknown error'}",
        "counted without a post-mortem (title, severity and start from the alerts); "
        "left out of the time figures",
    ))
    return rec


def read_workspace(ws: Path, *, today: dt.date, min_severity: str = "SEV2") -> WorkspaceRecord:
    """One workspace -> rows for every frame, plus the problems met on the way."""
    from ..analysis.checks import check_analysis
    from ..analysis.store import read_analysis

    rec = WorkspaceRecord()
    facts: dict[str, Any] | None = None
    facts_path, analysis_path = ws / "facts.json", ws / "analysis.json"
    has_facts_file, has_analysis_file = facts_path.is_file(), analysis_path.is_file()
    if not has_facts_file and not has_analysis_file:
        failed = _failed_draft(ws)
        if failed is not None:
            return _failed_record(ws, rec, failed, today=today, min_severity=min_severity)
        rec.problems.append(
            _problem(ws, "", "no facts.json and no analysis.json: not an incident workspace",
                     "ignored")
        )
        return rec
    ms: dict[str, Milestone] = {}
    if has_facts_file:
        try:
            facts = read_facts_file(facts_path)
            ms = _milestones(facts)
        except (OSError, ValueError) as exc:
            facts, ms = None, {}
            rec.problems.append(
                _problem(ws, "facts.json", str(exc),
                         "no times or severity from the data: left out of the time figures")
            )
    else:
        rec.problems.append(
            _problem(ws, "facts.json", "missing (the notebook did not finish?)",
                     "no times from the data: left out of the time figures")
        )
    analysis = None
    if has_analysis_file:
        try:
            analysis = read_analysis(analysis_path)
        except (AnalysisStoreError, OSError, ValueError, TypeError) as exc:
            rec.problems.append(
                _problem(ws, "analysis.json", str(exc).replace(f"{analysis_path}: ", ""),
                         "counted as without analysis; its action items and factors are missing")
            )
    if facts is None and analysis is None:
        for p in rec.problems:
            p["effect"] = "nothing could be read: the incident is left out of the page"
        return rec

    inc = (facts or {}).get("incident") or {}
    dur_facts = (facts or {}).get("durations_s") or {}
    if analysis is not None:
        overrides = {
            k: {"at": v.at, "note": v.note}
            for k, v in analysis.timeline.milestone_overrides.items()
            if v.at
        }
        if overrides:
            try:
                ms, _ = apply_overrides(ms, overrides)
            except PostmortemError as exc:
                rec.problems.append(
                    _problem(ws, "analysis.json", f"milestone override: {exc}",
                             "the derived milestones are used")
                )
    times = {n: (ms[n].at if n in ms else None) for n in MILESTONES}
    secs, _ = durations(ms) if ms else ({}, [])
    for k in DURATIONS:
        if secs.get(k) is None and isinstance(dur_facts.get(k), int | float):
            secs[k] = float(dur_facts[k])
    # The alert fired before the log onset detector's impact start: detection preceded the
    # measured onset. Not a negative time to detect: left out of the medians, flagged.
    early = secs.get("time_to_detect") is not None and secs["time_to_detect"] < 0
    if early:
        secs["time_to_detect"] = None
    start = times["impact_start"] or times["detected"]
    if start is None:
        try:
            start = _utc(((facts or {}).get("window") or {}).get("start"), "window.start")
        except ValueError:
            start = None
    if start is None and analysis is not None and analysis.timeline.incident_window:
        try:
            start = _utc(analysis.timeline.incident_window.start, "incident_window.start")
        except ValueError:
            start = None

    summary = analysis.summary if analysis is not None else None
    severity = normalize_severity(summary.severity if summary else None) or normalize_severity(
        inc.get("severity")
    )
    services = [str(s) for s in (summary.services if summary else []) if str(s).strip()]
    if not services:
        services = [str(s) for s in inc.get("services") or [] if str(s).strip()]
    title = (summary.title if summary else "") or str(inc.get("title") or "")
    iid = ws.name
    review = analysis.review.status if analysis is not None else STATUS_NONE
    rec.incident = {
        "incident_id": iid,
        "title": title,
        "severity": severity or "unknown",
        "services": services,
        "start": start,
        **times,
        **{k: secs.get(k) for k in DURATIONS},
        "review_status": review,
        "has_analysis": analysis is not None and _analysed(analysis),
        "significant": severity is not None and at_least(severity, min_severity),
        "age_days": (today - start.date()).days if start is not None else None,
        "action_items": len(analysis.action_items) if analysis is not None else 0,
        "has_facts": facts is not None,
        "has_analysis_file": has_analysis_file,
        "alert_before_impact_signal": early,
    }
    _add_services(rec, iid, start, severity, services)
    if facts is not None and isinstance(facts.get("new_templates"), list):
        rec.templates = []
        for t in facts["new_templates"]:
            text = t.get("template") if isinstance(t, dict) else t
            if isinstance(text, str) and text.strip():
                count = t.get("count") if isinstance(t, dict) else None
                rec.templates.append({"incident_id": iid, "start": start,
                                      "template": " ".join(text.split()), "count": count})
    if analysis is None:
        return rec
    rec.people = [(n, p.role.strip()) for p in analysis.summary.people
                  if not p.show_name for n in p.names()]  # a handle ("dana.w") too
    for f in analysis.fishbone.factors:
        if f.text.strip():
            rec.factors.append({"incident_id": iid, "start": start,
                                "category": (f.category or "").strip().lower() or "(none)",
                                "text": f.text.strip()})
    for item in analysis.action_items:
        due = _date(item.due)
        done_at = _date(item.done_at) or next(
            (_date(item.extra.get(k)) for k in DONE_AT_KEYS if item.extra.get(k)), None
        )
        status = (item.status or "open").strip().lower()
        state = _action_state(status, due, done_at, today)
        rec.actions.append({
            "incident_id": iid, "incident_start": start, "incident_title": title,
            "id": item.id, "description": item.description, "owner": item.owner.strip(),
            "type": (item.type or "").strip().lower(), "priority": item.priority,
            "status": status, "due": due, "done_at": done_at, "state": state,
            "overdue_days": (today - due).days if state == "overdue" and due else None,
        })
    for finding in check_analysis(analysis, today=today, facts=facts):
        rec.findings.append({"incident_id": iid, "code": finding.code,
                             "severity": finding.severity, "field": finding.field,
                             "message": finding.message})
    return rec


def _add_services(rec: Any, iid: str, start: Any, severity: str | None,
                  services: list[str]) -> None:
    """One row per service of the incident (names that slug alike count once)."""
    seen: set[str] = set()
    for name in services:
        key = slug(name)
        if key not in seen:
            seen.add(key)
            rec.services.append(
                {"incident_id": iid, "start": start, "severity": severity or "unknown",
                 "service_key": key, "service": name}
            )
