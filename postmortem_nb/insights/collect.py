"""Read every incident workspace under a reports root into tidy DataFrames.

A folder of post-mortems is messy: a draft without analysis.json, a facts.json from a
newer tool, a file someone half-edited. Nothing here is fatal: each workspace is read
on its own, what cannot be read is listed in ``Collection.problems`` with what it
costs (left out of the time figures, counted as without analysis, ...), and the rest
of the page is built from what could be read.

Milestones come from facts.json with the analyst's overrides in analysis.json applied
on top (an override written after the draft still counts), and the time-to-X figures
are recomputed from them with the same rules as a single post-mortem.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import AnalysisStoreError, PostmortemError, WorkspaceError
from ..milestones import DURATIONS, Milestone, apply_overrides, durations
from ..schema import MILESTONES
from ..severity import at_least, normalize_severity
from ..workspace import slug

log = logging.getLogger(__name__)

FACTS_SCHEMAS = (1,)  # facts.json schema versions this reader understands
STATUS_NONE = "no analysis"
DONE_AT_KEYS = ("done_at", "completed_at", "closed_at")  # optional extra keys on an item

INCIDENT_COLUMNS = (
    "incident_id", "title", "severity", "services", "start", *MILESTONES, *DURATIONS,
    "review_status", "has_analysis", "significant", "age_days", "action_items",
    "has_facts", "has_analysis_file",
)  # fmt: skip
ACTION_COLUMNS = (
    "incident_id", "incident_start", "incident_title", "id", "description", "owner", "type",
    "priority", "status", "due", "done_at", "state", "overdue_days",
)  # fmt: skip
FACTOR_COLUMNS = ("incident_id", "start", "category", "text")
FINDING_COLUMNS = ("incident_id", "code", "severity", "field", "message")
TEMPLATE_COLUMNS = ("incident_id", "start", "template", "count")
SERVICE_COLUMNS = ("incident_id", "start", "severity", "service_key", "service")
PROBLEM_COLUMNS = ("workspace", "file", "problem", "effect")


@dataclass
class Collection:
    """What the reports root holds, as frames (one row per incident, action item, ...)."""

    root: Path
    today: dt.date
    since: pd.Timestamp | None
    until: pd.Timestamp | None
    min_severity: str
    incidents: pd.DataFrame
    services: pd.DataFrame
    actions: pd.DataFrame
    factors: pd.DataFrame
    findings: pd.DataFrame
    templates: pd.DataFrame
    problems: pd.DataFrame
    people: dict[str, str] = field(default_factory=dict)  # name -> role, shown as the role
    workspaces: int = 0  # folders looked at
    outside_window: int = 0  # readable incidents left out by since/until
    templates_carried: int = 0  # workspaces whose facts.json lists new-error templates


@dataclass
class _Record:
    incident: dict[str, Any] | None = None
    services: list[dict[str, Any]] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    factors: list[dict[str, Any]] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    templates: list[dict[str, Any]] | None = None
    problems: list[dict[str, str]] = field(default_factory=list)
    people: list[tuple[str, str]] = field(default_factory=list)  # (name, role) to hide


def workspace_folders(root: Path) -> list[Path]:
    """Incident folders under the reports root (hidden and ``_``-prefixed ones skipped)."""
    if not root.is_dir():
        raise WorkspaceError(
            f"{root}: no such reports folder. Give the folder that holds the incident "
            "workspaces (the --out of `postmortem draft` / `postmortem batch`)."
        )
    return sorted(
        p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))
    )


def collect(
    root: str | Path,
    *,
    since: pd.Timestamp | None = None,
    until: pd.Timestamp | None = None,
    today: dt.date | None = None,
    min_severity: str = "SEV2",
) -> Collection:
    """Read every workspace under ``root``; incidents starting in [since, until) are kept."""
    root = Path(root).expanduser()
    today = today or dt.datetime.now(dt.UTC).date()
    folders = workspace_folders(root)
    records = [read_workspace(p, today=today, min_severity=min_severity) for p in folders]
    kept: list[_Record] = []
    outside = 0
    problems: list[dict[str, str]] = []
    for rec in records:
        problems.extend(rec.problems)
        if rec.incident is None:
            continue
        start = rec.incident["start"]
        if (since is not None or until is not None) and (
            start is None
            or (since is not None and start < since)
            or (until is not None and start >= until)
        ):
            outside += 1
            continue
        kept.append(rec)
    templates = [t for r in kept if r.templates is not None for t in r.templates]
    return Collection(
        root=root,
        today=today,
        since=since,
        until=until,
        min_severity=min_severity,
        incidents=_incident_frame([r.incident for r in kept if r.incident is not None]),
        services=_frame([s for r in kept for s in r.services], SERVICE_COLUMNS, ("start",)),
        actions=_frame(
            [a for r in kept for a in r.actions], ACTION_COLUMNS, ("incident_start",)
        ),
        factors=_frame([f for r in kept for f in r.factors], FACTOR_COLUMNS, ("start",)),
        findings=_frame([f for r in kept for f in r.findings], FINDING_COLUMNS, ()),
        templates=_frame(templates, TEMPLATE_COLUMNS, ("start",)),
        problems=_frame(problems, PROBLEM_COLUMNS, ()),
        people=_roles(p for r in records for p in r.people),
        workspaces=len(folders),
        outside_window=outside,
        templates_carried=sum(r.templates is not None for r in kept),
    )


def _roles(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """name -> the role most often given to that person (blameless: pages show roles)."""
    seen: dict[str, Counter] = {}
    for name, role in pairs:
        seen.setdefault(name, Counter())[role or "participant"] += 1
    return {name: roles.most_common(1)[0][0] for name, roles in seen.items()}


def people_roles(root: str | Path) -> dict[str, str]:
    """People named in any analysis.json under ``root`` who are shown by role (cheap scan).

    A person whose name may be shown in one post-mortem but not in another is hidden.
    """
    pairs = []
    for ws in workspace_folders(Path(root).expanduser()):
        try:
            data = json.loads((ws / "analysis.json").read_text(encoding="utf-8"))
            people = (data.get("summary") or {}).get("people") or []
        except (OSError, ValueError, AttributeError):
            continue
        for p in people if isinstance(people, list) else []:
            if isinstance(p, dict) and str(p.get("name") or "").strip() and not p.get(
                "show_name"
            ):
                pairs.append((str(p["name"]).strip(), str(p.get("role") or "").strip()))
    return _roles(pairs)


def _frame(rows: list[dict[str, Any]], columns: tuple[str, ...], times: tuple[str, ...]):
    df = pd.DataFrame(rows, columns=list(columns))
    for col in times:
        df[col] = pd.to_datetime(df[col], utc=True)
    return df


def _incident_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    df = _frame(rows, INCIDENT_COLUMNS, ("start", *MILESTONES))
    for col in DURATIONS:
        df[col] = pd.to_numeric(df[col], errors="coerce").astype("float64")
    for col in ("has_analysis", "significant", "has_facts", "has_analysis_file"):
        df[col] = df[col].astype(bool)
    df["action_items"] = df["action_items"].astype("int64")
    return df.sort_values("start", kind="stable", na_position="last").reset_index(drop=True)


# ---------------------------------------------------------------- one workspace


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


def read_workspace(ws: Path, *, today: dt.date, min_severity: str = "SEV2") -> _Record:
    """One workspace -> rows for every frame, plus the problems met on the way."""
    from ..analysis.checks import check_analysis
    from ..analysis.store import read_analysis

    rec = _Record()
    facts: dict[str, Any] | None = None
    facts_path, analysis_path = ws / "facts.json", ws / "analysis.json"
    has_facts_file, has_analysis_file = facts_path.is_file(), analysis_path.is_file()
    if not has_facts_file and not has_analysis_file:
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
    }
    seen: set[str] = set()
    for name in services:
        key = slug(name)
        if key not in seen:
            seen.add(key)
            rec.services.append(
                {"incident_id": iid, "start": start, "severity": severity or "unknown",
                 "service_key": key, "service": name}
            )
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
    rec.people = [(p.name.strip(), p.role.strip()) for p in analysis.summary.people
                  if p.name.strip() and not p.show_name]
    for f in analysis.fishbone.factors:
        if f.text.strip():
            rec.factors.append({"incident_id": iid, "start": start,
                                "category": (f.category or "").strip().lower() or "(none)",
                                "text": f.text.strip()})
    for item in analysis.action_items:
        due = _date(item.due)
        done_at = next((_date(item.extra.get(k)) for k in DONE_AT_KEYS if item.extra.get(k)),
                       None)
        status = (item.status or "open").strip().lower()
        state = _action_state(status, due, done_at, today)
        rec.actions.append({
            "incident_id": iid, "incident_start": start, "incident_title": title,
            "id": item.id, "description": item.description, "owner": item.owner.strip(),
            "type": (item.type or "").strip().lower(), "priority": item.priority,
            "status": status, "due": due, "done_at": done_at, "state": state,
            "overdue_days": (today - due).days if state == "overdue" and due else None,
        })
    for finding in check_analysis(analysis, today=today):
        rec.findings.append({"incident_id": iid, "code": finding.code,
                             "severity": finding.severity, "field": finding.field,
                             "message": finding.message})
    return rec
