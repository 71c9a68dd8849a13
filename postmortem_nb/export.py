"""Workspace -> report.html / report.md, from the executed notebook and analysis.json.

The analyst's sections are rendered from analysis.json at export time, so an edit made
after the draft shows up without re-executing. The notebook is re-executed only when
the input files changed since the draft (their SHA-256 in draft.json).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import ParameterError
from .workspace import Workspace, atomic_write_text

log = logging.getLogger(__name__)

FORMATS = ("html", "markdown")


def _when(iso: str | None, tz: str) -> tuple[str, str]:
    if not iso:
        return "", ""
    t = pd.Timestamp(iso)
    if t.tzinfo is None:
        t = t.tz_localize("UTC")
    utc = t.tz_convert("UTC").strftime("%Y-%m-%d %H:%M")
    if tz == "UTC":  # the team's zone is UTC: the time once, not "… UTC (UTC) · … UTC"
        return utc, ""
    return utc, t.tz_convert(tz).strftime("%Y-%m-%d %H:%M %Z")


def header_info(facts: Mapping[str, Any] | None, analysis: Any, tz: str) -> dict[str, Any]:
    """The report header: id, title, severity, status, dates in both zones, people by role."""
    facts = facts or {}
    inc = facts.get("incident") or {}
    s = analysis.summary
    ms = facts.get("milestones") or {}
    start = (ms.get("impact_start") or {}).get("at") or (facts.get("window") or {}).get("start")
    end = (ms.get("resolved") or {}).get("at") or (facts.get("window") or {}).get("end")
    start_utc, start_local = _when(start, tz)
    end_utc, end_local = _when(end, tz)
    people = [{"role": label, "name_or_role": ""} for label in analysis.people_labels()]
    return {
        "incident_id": inc.get("id", ""),
        "title": s.title or inc.get("title", ""),
        "severity": s.severity or inc.get("severity") or "",
        "status": analysis.review.status,
        "start_utc": start_utc,
        "start_local": start_local,
        "end_utc": end_utc,
        "end_local": end_local,
        "tz": tz,
        "authors_by_role": people,
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _team_zone(ws: Workspace) -> str:
    record = ws.read_json(ws.record) or {}
    return (record.get("parameters") or {}).get("tz") or "UTC"


def inputs_changed(ws: Workspace) -> bool:
    """True when an input file's content differs from what the draft was made from."""
    from .draft import inputs_changed as changed

    return changed(ws.read_json(ws.record) or {})


def export_workspace(
    workspace: str | Path | Workspace, *, to: str = "html", redact: bool = False
) -> Path:
    """Render the workspace's report; re-execute first only when the inputs changed."""
    from .analysis import read_analysis, render_sections_html, render_sections_markdown

    if to not in FORMATS:
        raise ParameterError(f"--to must be one of {', '.join(FORMATS)}, got {to!r}.")
    ws = workspace if isinstance(workspace, Workspace) else Workspace.existing(workspace)
    if ws.record.exists() and inputs_changed(ws):
        from .draft import run_draft
        from .params import Params

        log.info("inputs changed since the draft: re-executing %s", ws.notebook)
        run_draft(ws, Params.from_mapping((ws.read_json(ws.record) or {})["parameters"]))
    tz = _team_zone(ws)
    analysis = read_analysis(ws.analysis)
    facts = ws.read_json(ws.facts) or {}
    header = header_info(facts, analysis, tz)
    from .report.redact import Redactor, RoleNames

    hidden = {p.name: p.role or "participant" for p in analysis.summary.people
              if p.name and not p.show_name}
    redactor: Redactor | None = RoleNames(hidden) if hidden else None
    if redact:
        redactor = Redactor(people=[p.name for p in analysis.summary.people if p.name])
    if to == "markdown":
        from .report.markdown import export_markdown

        text = export_markdown(
            ws.notebook,
            sections_md=render_sections_markdown(analysis, facts=facts, tz=tz),
            header=header,
            redact=redactor,
        )
        target = _redacted(ws.report_md) if redact else ws.report_md
        atomic_write_text(target, text)
        return target
    from .report.exporter import export_html, write_report

    figures: dict[str, list[Any]] = {}
    if analysis.fishbone.factors:
        from .analysis.fishbone import fishbone_figure

        figures["root_cause"] = [fishbone_figure(analysis)]
    html = export_html(
        ws.notebook,
        sections=render_sections_html(analysis, facts=facts, tz=tz),
        section_figures=figures,
        header=header,
        redact=redactor,
    )
    return write_report(html, _redacted(ws.report) if redact else ws.report)


def _redacted(path: Path) -> Path:
    """A redacted export sits beside the full one (report.redacted.html), never over it."""
    return path.with_name(f"{path.stem}.redacted{path.suffix}")
