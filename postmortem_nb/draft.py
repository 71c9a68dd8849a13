"""`postmortem draft`: one incident's workspace, executed notebook and report in one call."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .errors import ParameterError
from .params import Params
from .resources import template_notebook
from .workspace import (
    DEFAULT_OUT,
    Workspace,
    atomic_write_text,
    dated_copy,
    file_sha256,
    incident_id_for,
)

log = logging.getLogger(__name__)


@dataclass
class DraftResult:
    """What a draft did, for the CLI to print and for batch to index."""

    workspace: Workspace
    executed: bool
    window: tuple[str, str] | None = None
    window_reason: str = ""
    skipped: str = ""
    report: Path | None = None
    kept: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # the workspace already drafted for this incident (its alerts), or others that hold
    # some of them: said in the output (workspace.SameIncident.note)
    same_incident: str = ""
    reports: list[Path] = field(default_factory=list)  # every report variant written


def _iso(ts: Any) -> str:
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


INPUTS = ("alerts", "logs", "changes")


def path_list(value: str | Path | list | tuple | None) -> str:
    """One or several input paths as one parameter: absolute, one per line."""
    if not value:
        return ""
    items = value if isinstance(value, list | tuple) else [value]
    return "\n".join(str(Path(v).expanduser().resolve()) for v in items)


def build_params(
    alerts: str | Path,
    logs: str | Path | list | tuple | None = None,
    changes: str | Path | None = None,
    *,
    tz: str = "UTC",
    extra: dict[str, Any] | None = None,
) -> Params:
    """Template parameters from CLI-style inputs; paths become absolute.

    ``logs`` may be several files (daily exports, say): they are read together.
    """
    values: dict[str, Any] = dict(extra or {})
    values["alerts"] = path_list(alerts)
    if logs:
        values["logs"] = path_list(logs)
    if changes:
        values["changes"] = path_list(changes)
    values.setdefault("tz", tz)
    params = Params.from_mapping(values)
    for name in INPUTS:
        for path in params.paths(getattr(params, name)):
            if not path.exists():
                raise ParameterError(f"--{name}: {path} does not exist.")
    return params


def input_hashes(values: dict[str, Any], hasher=file_sha256) -> dict[str, str | list[str]]:
    """SHA-256 of every input file named by the parameters (a list for several files).

    A missing file raises OSError: callers comparing with a record take that as changed.
    """
    out: dict[str, str | list[str]] = {}
    for name in (*INPUTS, *(f"{kind}_map" for kind in INPUTS)):
        paths = [v.strip() for v in str(values.get(name) or "").splitlines() if v.strip()]
        if name.endswith("_map"):  # mapping files (@FILE items) are inputs too
            paths = [v[1:] for v in paths if v.startswith("@")]
        if paths:
            digests = [hasher(p) for p in paths]
            out[name] = digests[0] if len(digests) == 1 else digests
    return out


def inputs_changed(record: dict[str, Any], hasher=file_sha256) -> bool:
    """True when an input named in a draft record differs from what it was made from."""
    try:
        return input_hashes(record.get("parameters") or {}, hasher) != (record.get("inputs") or {})
    except OSError:
        return True


def template_version() -> str:
    """The template's identity: its version and a hash of its content."""
    return file_sha256(template_notebook())[:16]


def prepare_workspace(ws: Workspace, *, force: bool) -> tuple[str, list[Path]]:
    """Protect what people wrote before a re-draft; returns (skip reason, kept copies).

    A final review freezes the workspace unless ``force``: then the final reports (every
    variant) and facts are kept as dated copies. A hand-edited notebook is kept beside the new one.
    """
    kept: list[Path] = []
    if ws.root.exists() and ws.review_status() == "final":
        if not force:
            return (
                f"{ws.root} is final (review status in analysis.json); left alone. "
                "Use --force to re-draft it (the final reports are kept as dated copies).",
                kept,
            )
        from .export import existing_variants, report_path

        finals = [report_path(ws, *v) for v in existing_variants(ws)] + [ws.facts]
        kept += [p for p in (dated_copy(f, "final") for f in finals) if p]
    if ws.notebook.exists():
        import nbformat

        from .execute import source_fingerprint

        try:
            nb = nbformat.read(ws.notebook, as_version=4)
            recorded = nb.metadata.get("postmortem", {}).get("source_fingerprint")
            edited = recorded is None or recorded != source_fingerprint(nb)
        except Exception:  # unreadable notebook: keep it, whatever it is
            edited = True
        if edited:
            copy = dated_copy(ws.notebook, "edited")
            if copy:
                kept.append(copy)
                log.warning("the workspace notebook was edited by hand; kept as %s", copy)
    return "", kept


def strip_widget_views(nb: Any) -> None:
    """Keep only the static copy of each form in the saved draft.

    Without saved widget state, JupyterLab would show "model not found" for a widget
    view instead of falling back to the static HTML; running the notebook brings the
    live forms back.
    """
    from .display import WIDGET_MIME

    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data")
            if data and WIDGET_MIME in data and "text/html" in data:
                del data[WIDGET_MIME]


def run_draft(
    ws: Workspace,
    params: Params,
    *,
    timeout: float | None = 900,
    record: dict[str, Any] | None = None,
) -> None:
    """Execute the template into the workspace and record how the draft was made.

    ``record`` adds fields to draft.json (batch: the fingerprint of the nearby alerts).
    """
    import nbformat

    from .execute import execute

    ws.root.mkdir(parents=True, exist_ok=True)
    # No absolute workspace path in the notebook: it runs in its own folder (papermill's
    # cwd, JupyterLab's kernel), so a copied or moved workspace writes to itself.
    params.workspace = ""
    nb = execute(template_notebook(), ws.notebook, params.to_dict(), cwd=ws.root, timeout=timeout)
    # Saved widget state (megabytes of widget JavaScript) is useless in a draft: the
    # forms are rebuilt from analysis.json whenever the notebook runs.
    nb.metadata.pop("widgets", None)
    strip_widget_views(nb)
    atomic_write_text(ws.notebook, nbformat.writes(nb))
    extra = record or {}
    record = {
        **extra,
        "incident_id": ws.incident_id,
        "drafted_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "template_version": template_version(),
        "inputs": input_hashes(params.to_dict()),
        "parameters": params.to_dict(),
    }
    atomic_write_text(ws.record, json.dumps(record, indent=2, sort_keys=True) + "\n")
    seed_analysis(ws)


def seed_analysis(ws: Workspace) -> bool:
    """Create analysis.json from the facts when the workspace has none; never touch one.

    It starts with the title, severity and services the data suggests and the
    responders named in the alerts, by role (the report shows roles, not names).
    """
    if ws.analysis.exists():
        return False
    from .analysis import AnalysisStore, Person

    facts = ws.read_json(ws.facts) or {}
    inc = facts.get("incident") or {}
    store = AnalysisStore(ws.analysis)

    def fill(a: Any) -> None:
        a.summary.title = a.summary.title or str(inc.get("title") or "")
        a.summary.severity = a.summary.severity or str(inc.get("severity") or "")
        a.summary.services = a.summary.services or [str(s) for s in inc.get("services") or []]
        known = {n.casefold() for n in a.person_names()}  # names and aliases
        for r in facts.get("responders") or []:
            if r.get("name") and r["name"].casefold() not in known:
                a.summary.people.append(Person(name=r["name"], role=r.get("role", "responder")))

    store.update(fill)
    store.flush()
    return True


def workspace_for(params: Params, out: str | Path) -> tuple[Workspace, str]:
    """Find the incident in the data and the stable workspace it belongs to.

    The chosen window and alert ids are written into ``params`` so that the notebook,
    in papermill or later in JupyterLab, analyses exactly this incident.
    """
    ws, reason, _ = find_workspace(params, out)
    return ws, reason


def find_workspace(params: Params, out: str | Path) -> tuple[Workspace, str, str]:
    """``workspace_for`` plus what to say about an existing workspace it is (or is near).

    An incident whose alerts overlap those of an existing workspace is that workspace's
    incident, even when an earlier alert in a grown export moved its first alert (and so
    its ``incident_id_for``): ``workspace.same_incident``, as batch decides it.
    """
    from .incident import choose_incident, load_inputs
    from .workspace import recorded_incidents, same_incident

    frames = load_inputs(params, logs=False)
    choice = choose_incident(params, frames)
    if choice.by_alert is not None:
        # --incident named an alert: its incident, with the parameters batch would pass
        params.incident_key = choice.key or ""
        params.alert_ids = "" if choice.key else ",".join(choice.alert_ids)
    elif params.incident_key:
        pass  # the key selects the alerts; the kernel refines the window with the logs
    elif choice.alert_ids and not params.alert_ids:
        # The incident is its alerts; the kernel refines the window with the logs.
        params.alert_ids = ",".join(choice.alert_ids)
    elif not params.alert_ids:
        params.start, params.end = _iso(choice.start), _iso(choice.end)
    proposed = incident_id_for(choice.first_alert, choice.service, choice.key)
    root = Path(out).expanduser().resolve()
    recorded = recorded_incidents(root)
    same = same_incident(
        recorded, proposed, choice.alert_ids, (choice.first_alert, choice.end),
        taken=kept_by_others(frames["alerts"], recorded, proposed),
    )
    return Workspace.at(root, same.incident_id), choice.reason, same.note()


def kept_by_others(alerts: Any, recorded: dict[str, Any], proposed: str) -> set[str]:
    """Existing workspaces that other incidents of the export have under their own id (as
    batch groups it): never taken over by this one, even if it shares alerts with them
    (an incident that split in a changed export)."""
    if alerts is None or alerts.empty or not recorded:
        return set()
    from .batch.grouping import find_incidents

    try:
        ids = {inc.id for inc in find_incidents(alerts)}
    except ParameterError:  # alerts without ids: batch could not group them either
        return set()
    return (ids & set(recorded)) - {proposed}


def draft(
    alerts: str | Path,
    logs: str | Path | list | tuple | None = None,
    changes: str | Path | None = None,
    *,
    incident: str | None = None,
    start: str | None = None,
    end: str | None = None,
    tz: str = "UTC",
    params: dict[str, Any] | None = None,
    out: str | Path = DEFAULT_OUT,
    force: bool = False,
    timeout: float | None = 900,
    analysis_seed: str | Path | None = None,
) -> DraftResult:
    """Create or update ``out/<incident-id>/`` and export its report.

    The analyst's analysis.json is never changed by a draft (only created when missing,
    from ``analysis_seed`` when given, else from the data).
    """
    extra = dict(params or {})
    if incident:
        extra.setdefault("incident_key", incident)
    if (start is None) != (end is None):
        raise ParameterError("Give both --start and --end, or neither.")
    if start:
        extra["start"], extra["end"] = start, end
    p = build_params(alerts, logs, changes, tz=tz, extra=extra)
    ws, reason, same = find_workspace(p, out)
    skipped, kept = prepare_workspace(ws, force=force)
    result = DraftResult(
        workspace=ws, executed=False, window=(p.start, p.end), window_reason=reason, kept=kept,
        same_incident=same,
    )
    if skipped:
        result.skipped = skipped
        return result
    if analysis_seed and not ws.analysis.exists():
        ws.root.mkdir(parents=True, exist_ok=True)
        atomic_write_text(ws.analysis, Path(analysis_seed).read_text(encoding="utf-8"))
    run_draft(ws, p, timeout=timeout)
    result.executed = True
    window = (ws.read_json(ws.facts) or {}).get("window") or {}
    if window.get("start"):  # the notebook's window: refined with the log signal
        result.window = (window["start"], window.get("end") or "")
        if window.get("reason"):
            result.window_reason = f"{result.window_reason} {window['reason']}".strip()
    from .export import export_all

    result.reports = export_all(ws)  # report.html first, then every other variant there
    result.report = result.reports[0]
    return result
