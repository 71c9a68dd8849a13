"""Workspace -> report.html / report.md, from the executed notebook and analysis.json.

The analyst's sections are rendered from analysis.json at export time, so an edit made
after the draft shows up without re-executing. The notebook is re-executed (as a draft
does) when the input files changed since the draft (their SHA-256 in draft.json), or
when the parts of analysis.json the story is derived from (the title, milestone
overrides, the incident window, added or hidden events) changed since facts.json was
computed: the header, timeline, impact figures and facts.json all depend on them, so the
whole report agrees again.
"""

from __future__ import annotations

import logging
import re
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


def incident_span(facts: Mapping[str, Any] | None) -> tuple[str | None, str | None]:
    """(start, end) as the report states them, ISO Z; the batch index shows the same.

    What the analyst said wins over what the data says: the impact start (resolved)
    milestone override, else the analyst's incident window (facts window ``source``
    "analyst"), else the derived impact start (resolved), else the window's start (end).
    """
    facts = facts or {}
    ms = facts.get("milestones") or {}
    window = facts.get("window") or {}
    by_analyst = window.get("source") == "analyst"

    def edge(milestone: str, side: str) -> str | None:
        m = ms.get(milestone) or {}
        if m.get("source") == "analyst" and m.get("at"):
            return m["at"]
        if by_analyst and window.get(side):
            return window[side]
        return m.get("at") or window.get(side)

    return edge("impact_start", "start"), edge("resolved", "end")


def header_info(facts: Mapping[str, Any] | None, analysis: Any, tz: str) -> dict[str, Any]:
    """The report header: id, title, severity, status, dates in both zones, people by role."""
    facts = facts or {}
    inc = facts.get("incident") or {}
    s = analysis.summary
    start, end = incident_span(facts)
    start_utc, start_local = _when(start, tz)
    end_utc, end_local = _when(end, tz)
    people = [{"role": label, "name_or_role": ""} for label in analysis.people_labels()]
    try:  # bad source data (resolved before started) must not pass unnoticed at the top
        backwards = bool(start and end and pd.Timestamp(end) < pd.Timestamp(start))
    except (ValueError, TypeError):
        backwards = False
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
        "end_before_start": backwards,
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _team_zone(ws: Workspace) -> str:
    record = ws.read_json(ws.record) or {}
    return (record.get("parameters") or {}).get("tz") or "UTC"


def inputs_changed(ws: Workspace) -> bool:
    """True when an input file's content differs from what the draft was made from."""
    from .draft import inputs_changed as changed

    return changed(ws.read_json(ws.record) or {})


def story_stale(analysis: Any, facts: Mapping[str, Any] | None, tz: str = "UTC") -> str:
    """Why facts.json (and the notebook's outputs) no longer match analysis.json, or "".

    facts.json records ``analysis_fingerprint`` (facts.analysis_fingerprint); one written
    before that field existed is compared milestone by milestone with the overrides.
    """
    from .facts import analysis_fingerprint
    from .schema import MILESTONES
    from .timeutil import to_utc

    if not facts:
        return ""
    services = _services_changed(analysis, facts)
    if services:
        return services
    recorded = facts.get("analysis_fingerprint")
    if recorded is not None:
        data = analysis.to_dict()
        if recorded == analysis_fingerprint(data):
            return ""
        title = analysis.summary.title
        if recorded == analysis_fingerprint(data, title=False) and (
            not title or title == (facts.get("incident") or {}).get("title")
        ):  # recorded before the title was part of the hash, and the title agrees
            return ""
        return (
            "the title, milestone overrides, incident window or timeline events in "
            "analysis.json changed since facts.json was computed"
        )
    overrides = analysis.timeline.milestone_overrides
    ms = facts.get("milestones") or {}
    for name in MILESTONES:
        fact = ms.get(name) or {}
        ov = overrides.get(name)
        try:
            want = to_utc(ov.at, tz) if ov is not None else None
            have = to_utc(fact.get("at"), "UTC")
        except Exception:  # an unreadable time: the re-run would fail the same way
            continue
        if want is not None and (fact.get("source") != "analyst" or want != have):
            return f"the {name.replace('_', ' ')} override is not in facts.json"
        if want is None and fact.get("source") == "analyst":
            return f"the {name.replace('_', ' ')} override was removed after facts.json"
    return ""


def _services_changed(analysis: Any, facts: Mapping[str, Any]) -> str:
    """Why the measured services no longer follow the summary's services, or "".

    The signal and headline impact are measured on the summary's services when they
    differ from the incident's own (facts.json definitions.services.summary records
    those used), so editing them changes every impact number.
    """
    from .focus import same_names

    recorded = (facts.get("definitions") or {}).get("services")
    if not isinstance(recorded, Mapping) or "summary" not in recorded:
        return ""
    wanted = [str(s) for s in analysis.summary.services if str(s).strip()]
    if same_names(wanted, (facts.get("incident") or {}).get("services") or []):
        wanted = []
    if same_names(wanted, recorded.get("summary") or []):
        return ""
    return (
        "the services in the summary changed since facts.json was computed (the impact is "
        "measured on them)"
    )


def redraft(ws: Workspace, why: str) -> None:
    """Re-execute the workspace notebook with its recorded parameters, as a draft does.

    A hand-edited notebook and a final report are kept as dated copies first.
    """
    from .draft import prepare_workspace, run_draft
    from .params import Params

    record = ws.read_json(ws.record) or {}
    if "parameters" not in record:
        raise ParameterError(
            f"{ws.root}: {why}, and there is no draft.json to re-execute the notebook from; "
            "run `postmortem draft` again."
        )
    log.warning("%s: re-executing %s", why, ws.notebook)
    prepare_workspace(ws, force=True)
    run_draft(ws, Params.from_mapping(record["parameters"]), record=record)


# Every report a workspace can hold: (format, redacted).
VARIANTS = (("html", False), ("markdown", False), ("html", True), ("markdown", True))


def report_path(ws: Workspace, to: str = "html", redact: bool = False) -> Path:
    """Where ``export --to TO [--redact]`` writes: report.html, report.md, report.redacted.*."""
    path = ws.report if to == "html" else ws.report_md
    return _redacted(path) if redact else path


def existing_variants(ws: Workspace) -> list[tuple[str, bool]]:
    """The report variants present in the workspace (a re-draft must refresh them all)."""
    return [v for v in VARIANTS if report_path(ws, *v).exists()]


def export_all(workspace: str | Path | Workspace) -> list[Path]:
    """report.html and every other report variant already in the workspace (report.md,
    report.redacted.html, report.redacted.md), so none is left showing an older draft:
    the redacted copy is the one that gets shared."""
    ws = workspace if isinstance(workspace, Workspace) else Workspace.existing(workspace)
    others = [v for v in existing_variants(ws) if v != ("html", False)]
    return [export_workspace(ws), *(export_workspace(ws, to=t, redact=r) for t, r in others)]


def export_workspace(
    workspace: str | Path | Workspace, *, to: str = "html", redact: bool = False
) -> Path:
    """Render the workspace's report; re-execute first only when the inputs changed.

    After a re-execution the workspace's other report variants are rendered again too
    (they would otherwise show the old data, unmarked).
    """
    from .analysis import read_analysis

    if to not in FORMATS:
        raise ParameterError(f"--to must be one of {', '.join(FORMATS)}, got {to!r}.")
    ws = workspace if isinstance(workspace, Workspace) else Workspace.existing(workspace)
    tz = _team_zone(ws)
    analysis = read_analysis(ws.analysis)
    facts = ws.read_json(ws.facts) or {}
    why = "inputs changed since the draft" if ws.record.exists() and inputs_changed(ws) else ""
    why = why or story_stale(analysis, facts, tz)
    others: list[tuple[str, bool]] = []
    if why:
        from .analysis.checks import raise_for_unreadable_times

        # a time typed by hand that the notebook cannot read: say where, run no kernel
        raise_for_unreadable_times(analysis, ws.analysis, tz)
        others = [v for v in existing_variants(ws) if v != (to, redact)]
        redraft(ws, why)
        facts = ws.read_json(ws.facts) or {}
    target = _render(ws, to, redact, analysis, facts, tz)
    for other_to, other_redact in others:
        log.warning("re-rendering %s after the re-execution",
                    report_path(ws, other_to, other_redact).name)
        _render(ws, other_to, other_redact, analysis, facts, tz)
    return target


def _render(
    ws: Workspace, to: str, redact: bool, analysis: Any, facts: Mapping[str, Any], tz: str
) -> Path:
    """Write one report variant from the executed notebook and analysis.json."""
    from .analysis import render_sections_html, render_sections_markdown
    from .report.redact import Redactor, RoleNames

    header = header_info(facts, analysis, tz)

    # every name a person goes by (their name and aliases: a handle, a chat name) -> role
    hidden = {n: p.role or "participant" for p in analysis.summary.people
              if not p.show_name for n in p.names()}
    redactor: Redactor | None = RoleNames(hidden) if hidden else None
    if redact:
        redactor = Redactor(people=analysis.person_name_groups(),
                            extra_patterns=_local_folders(facts))
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


def _local_folders(facts: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The input files' folders and the home folder, taken out of a redacted report: the
    appendix keeps each file's name and hash, not where it sat (a user name, a client)."""
    folders = {str(Path.home())}
    for rec in facts.get("inputs") or []:
        for f in rec.get("files") or [{"path": p} for p in rec.get("paths") or []]:
            if isinstance(f, Mapping) and f.get("path"):
                folders.add(str(Path(str(f["path"])).parent))
    out = []
    for folder in sorted(folders, key=len, reverse=True):
        if len(folder) > 1:  # never "/" itself
            out.append((re.escape(folder.rstrip("/") + "/"), ""))
    return out


def _redacted(path: Path) -> Path:
    """A redacted export sits beside the full one (report.redacted.html), never over it."""
    return path.with_name(f"{path.stem}.redacted{path.suffix}")
