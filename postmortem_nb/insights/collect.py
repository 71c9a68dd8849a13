"""Read every incident workspace under a reports root into tidy DataFrames.

A folder of post-mortems is messy: a draft without analysis.json, a facts.json from a
newer tool, a file someone half-edited. Nothing here is fatal: each workspace is read
on its own (``reader.read_workspace``), what cannot be read is listed in
``Collection.problems`` with what it costs (left out of the time figures, counted as
without analysis, ...), and the rest of the page is built from what could be read.

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

from ..errors import WorkspaceError
from ..milestones import DURATIONS
from ..schema import MILESTONES
from .reader import WorkspaceRecord, read_workspace

log = logging.getLogger(__name__)

INCIDENT_COLUMNS = (
    "incident_id", "title", "severity", "services", "start", *MILESTONES, *DURATIONS,
    "review_status", "has_analysis", "significant", "age_days", "action_items",
    "has_facts", "has_analysis_file", "alert_before_impact_signal",
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
    kept: list[WorkspaceRecord] = []
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
    """People named in any analysis.json under ``root`` who are shown by role (cheap scan):
    each name and alias (a handle such as "dana.w") -> role.

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
            if not isinstance(p, dict) or p.get("show_name"):
                continue
            aliases = p.get("aliases")
            aliases = [aliases] if isinstance(aliases, str) else aliases
            names = [p.get("name"), *(aliases if isinstance(aliases, list) else [])]
            role = str(p.get("role") or "").strip()
            pairs += [(str(n).strip(), role) for n in names  # numbers read as text
                      if isinstance(n, str | int | float) and not isinstance(n, bool)
                      and str(n).strip()]
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
    for col in ("has_analysis", "significant", "has_facts", "has_analysis_file",
                "alert_before_impact_signal"):
        df[col] = df[col].fillna(False).astype(bool)
    df["action_items"] = df["action_items"].astype("int64")
    return df.sort_values("start", kind="stable", na_position="last").reset_index(drop=True)
