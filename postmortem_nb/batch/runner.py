"""`postmortem batch`: a draft for every significant incident, in parallel, then the index.

Each draft runs in a worker process of a pool (``jobs`` of them, default the number of
cores) that imports papermill and nbconvert once and exports report.html in the same
process, so a draft pays only for its kernel. A failing or timed-out incident is recorded
(error in the index, the failed notebook and batch.log kept in its workspace) and never
stops the others. A lock file in ``out`` refuses a second batch running at the same time,
and so does a worker of an earlier batch that is still running (pool.py).
Ctrl-C or SIGTERM stops the batch: no new draft starts, the drafts in progress are
stopped, and the index is written for what is on disk.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..draft import input_hashes, path_list
from ..errors import ParameterError, WorkspaceError
from ..workspace import DEFAULT_OUT, Workspace, atomic_write_text, file_sha256
from .grouping import DEFAULT_GAP, Incident, find_incidents
from .logfiles import assign_logs
from .significance import Criteria, mark_significant

log = logging.getLogger(__name__)

LOCK_NAME = ".postmortem-batch.lock"
FAILED_NAME = "batch-failed.json"
LOG_NAME = "batch.log"
# Parameters compared by the content of the files they name (input_hashes), not by path:
# next week's export under a new, date-stamped name is the same input when its rows are.
_PATH_PARAMS = ("alerts", "logs", "changes", "workspace")


@dataclass
class Outcome:
    """What batch did with one incident."""

    incident: Incident
    # "not significant" | "up to date" | "frozen" | "drafted" | "failed", and when the batch
    # was stopped: "interrupted" (stopped mid-draft) | "not started"
    action: str
    workspace: Workspace | None = None
    error: str | None = None
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    fingerprint: str = ""  # of the alerts the draft depends on (alerts_fingerprint)


@dataclass
class BatchResult:
    out: Path
    outcomes: list[Outcome]
    criteria: Criteria
    warnings: list[str] = field(default_factory=list)
    index: dict[str, Path] = field(default_factory=dict)
    seconds: float = 0.0
    stopped_by: int | None = None  # the signal (SIGINT, SIGTERM) that stopped the batch
    index_error: str | None = None  # why the index could not be written, if it could not

    def by_action(self, action: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.action == action]

    @property
    def failed(self) -> list[Outcome]:
        return self.by_action("failed")

    @property
    def exit_code(self) -> int:
        """128 + the signal when stopped (130 for Ctrl-C), 1 when a draft failed, else 0."""
        if self.stopped_by:
            return 128 + int(self.stopped_by)
        return 1 if self.failed else 0


def incident_params(inc: Incident, base: Any, logs: list[Path] | None) -> Any:
    """The template parameters for one incident: the same ones `draft` would pass."""
    from ..params import Params

    values = base.to_dict()
    values["logs"] = path_list(logs)
    if inc.key:
        values["incident_key"], values["alert_ids"] = inc.key, ""
    else:
        values["incident_key"], values["alert_ids"] = "", ",".join(inc.alert_ids)
    return Params.from_mapping(values)


class _Hashes:
    """SHA-256 per input path, computed once per batch."""

    def __init__(self) -> None:
        self._cache: dict[str, str] = {}

    def __call__(self, path: str) -> str:
        if path not in self._cache:
            self._cache[path] = file_sha256(path)
        return self._cache[path]


def alerts_fingerprint(alerts: pd.DataFrame, params: Any) -> str:
    """SHA-256 of the alert rows a draft can see: those overlapping its log window.

    A weekly export grows at the end; an incident whose window gained no alert keeps its
    fingerprint, so it is not drafted again just because the file's hash changed.
    """
    import hashlib

    from ..incident import log_window
    from ..incident_window import alert_ends
    from ..schema import ALERT_COLUMNS

    window = log_window(params, alerts)
    if window is None or alerts.empty:
        return ""
    lo, hi = window
    near = alerts[(alerts["started_at"] < hi) & (alert_ends(alerts) >= lo)]
    cols = [c for c in ALERT_COLUMNS if c in near.columns]
    near = near[cols].sort_values(["started_at", "alert_id"], kind="stable")
    return hashlib.sha256(near.to_csv(index=False).encode()).hexdigest()


def is_up_to_date(
    ws: Workspace, params: Any, template: str, hashes: _Hashes, fingerprint: str = ""
) -> bool:
    """The draft exists and was made from the same inputs, parameters and template.

    Inputs are compared by content, never by path. A changed alerts file still counts
    as the same input when the alerts near the incident are unchanged (``fingerprint``,
    recorded by the previous batch).
    """
    record = ws.read_json(ws.record)
    if not record or not ws.notebook.exists() or not ws.report.exists():
        return False
    if (ws.root / FAILED_NAME).exists() or record.get("template_version") != template:
        return False
    recorded = record.get("parameters") or {}
    wanted = params.to_dict()
    if _comparable(recorded) != _comparable(wanted):
        return False
    inputs = dict(record.get("inputs") or {})
    try:
        now = input_hashes(wanted, hashes)
    except OSError:
        return False
    if fingerprint and record.get("alerts_fingerprint") == fingerprint:
        now["alerts"] = inputs.get("alerts")
    return now == inputs


def _comparable(values: dict[str, Any]) -> dict[str, str]:
    """Every parameter that decides what a draft says, without the paths of its files.

    Input files (and ``@FILE`` mapping files) are compared by their SHA-256 instead;
    empty values and missing ones are the same (a parameter added to the template).
    """
    out = {}
    for name, value in values.items():
        if name in _PATH_PARAMS:
            continue
        text = str(value if value is not None else "")
        if name.endswith("_map"):
            text = "\n".join(v for v in text.splitlines() if not v.strip().startswith("@"))
        if text not in ("", "0", "0.0", "None", "False"):
            out[name] = text
    return out


def run_batch(
    alerts: str | Path,
    logs: list[str | Path] | tuple[str | Path, ...] = (),
    changes: str | Path | None = None,
    *,
    tz: str = "UTC",
    criteria: Criteria | None = None,
    group_by: str = "time",
    gap: str = DEFAULT_GAP,
    since: str | None = None,
    until: str | None = None,
    jobs: int | None = None,
    out: str | Path = DEFAULT_OUT,
    force: bool = False,
    timeout: float | None = 900,
    params: dict[str, Any] | None = None,
    progress: bool = True,
    stale_days: int = 7,
) -> BatchResult:
    """Find incidents, draft the significant ones in parallel, write the index files.

    Workers are started with the "spawn" method (no forked copies of a half-initialised
    parent); a script calling this must do so under ``if __name__ == "__main__":``.
    """
    from filelock import FileLock, Timeout

    from ..draft import build_params, template_version
    from ..incident import load_inputs
    from .grouping import GROUP_BY
    from .index import write_index

    t_start = time.perf_counter()
    criteria = criteria or Criteria.from_options()
    if group_by not in GROUP_BY:
        raise ParameterError(f"--group-by must be one of {', '.join(GROUP_BY)}, got {group_by!r}.")
    jobs = jobs or os.cpu_count() or 1
    if jobs < 1:
        raise ParameterError(f"--jobs must be 1 or more, got {jobs}.")
    root = Path(out).expanduser().resolve()
    root.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(root / LOCK_NAME))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise WorkspaceError(
            f"Another `postmortem batch` is running in {root} (lock file {root / LOCK_NAME}); "
            "wait for it to finish. Nothing was changed."
        ) from None
    try:
        from .pool import WORKERS_LOCK_NAME, workers_running

        if workers_running(root):
            raise WorkspaceError(
                f"A worker of an earlier `postmortem batch` is still drafting in {root} (lock "
                f"file {root / WORKERS_LOCK_NAME}); wait for it to exit. Nothing was changed."
            )
        # tz "" (not given): shown in UTC, but naive input times need a stated zone
        zone = tz or "UTC"
        base = build_params(alerts, None, changes, tz=tz, extra=params)
        frames = load_inputs(base, logs=False)
        incidents = find_incidents(
            frames["alerts"], gap=gap, group_by=group_by, since=since, until=until, tz=zone
        )
        mark_significant(incidents, criteria)
        same_notes = reuse_workspaces(root, incidents)
        log_paths = [Path(p).expanduser().resolve() for p in logs]
        for p in log_paths:
            if not p.exists():
                raise ParameterError(f"--logs: {p} does not exist.")
        from ..timeutil import duration

        margin = duration(base.baseline or "2h", "baseline") + pd.Timedelta("1h")
        picks, warnings = assign_logs(
            incidents,
            log_paths,
            tz=base.input_tz or tz or None,
            margin=margin,
            format=base.logs_format or None,
            mapping=base.mapping("logs"),
        )
        # what reading the alerts noted (e.g. no severities in them) explains the drafts
        noted = list(frames["alerts"].attrs.get("source", {}).get("warnings", []))
        result = BatchResult(
            out=root, outcomes=[], criteria=criteria, warnings=[*noted, *same_notes, *warnings]
        )
        template, hashes = template_version(), _Hashes()
        todo: list[tuple[Outcome, Any]] = []
        for inc in incidents:
            ws = Workspace.at(root, inc.id)
            outcome = Outcome(inc, "not significant", ws if ws.root.exists() else None)
            result.outcomes.append(outcome)
            if not inc.significant:
                continue
            outcome.workspace = ws
            p = incident_params(inc, base, picks.get(inc.id))
            outcome.fingerprint = alerts_fingerprint(frames["alerts"], p)
            if ws.root.exists() and ws.review_status() == "final" and not force:
                outcome.action = "frozen"
            elif not force and is_up_to_date(ws, p, template, hashes, outcome.fingerprint):
                outcome.action = "up to date"
            else:
                todo.append((outcome, p))
        log.info(
            "%d incidents, %d significant, %d to draft with %d jobs",
            len(incidents), sum(i.significant for i in incidents), len(todo), jobs,
        )
        if todo:
            from .pool import run_pool

            result.stopped_by = run_pool(
                todo, jobs=jobs, timeout=timeout, force=force, progress=progress
            )
        result.seconds = time.perf_counter() - t_start
        try:
            result.index = write_index(result, tz=zone, stale_days=stale_days)
        except OSError as exc:
            if not result.stopped_by:
                raise
            result.index_error = f"{type(exc).__name__}: {exc}"
        return result
    finally:
        lock.release()


def reuse_workspaces(root: Path, incidents: list[Incident]) -> list[str]:
    """Give an incident the id of the workspace already drafted for it; notes to print.

    An incident of a grown export can start with an earlier alert, which changes its
    derived id; its alerts still overlap those of its workspace (``same_incident``), where
    the analyst's work is, so that workspace is used, as ``postmortem draft`` does. A
    workspace is used by one incident only: an incident's own existing workspace first,
    then, in time order, the one drafted with most of its alerts.
    """
    from ..workspace import recorded_incidents, same_incident

    recorded = recorded_incidents(root)
    if not recorded:
        return []
    taken = {inc.id for inc in incidents if inc.id in recorded}
    found = []
    for inc in incidents:
        own = inc.id in recorded
        same = same_incident(recorded, inc.id, inc.alert_ids, (inc.start, inc.end),
                             taken=taken - {inc.id} if own else taken)
        if same.reused:
            inc.id = same.incident_id
            taken.add(inc.id)
        found.append(same)
    used = {inc.id for inc in incidents}
    notes = []
    for same in found:
        note = same.note([m for m in same.others if m.incident_id not in used])
        if note:
            notes.append(f"{same.proposed}: {note}")
    return notes


def record_failure(ws: Workspace, error: str, incident: dict[str, Any] | None = None) -> None:
    """A marker that the last batch draft failed: shown in the index, never skipped.

    ``incident`` (what the alerts say: title, severity, services, start, end, alert ids)
    lets insights count an incident whose draft failed before facts.json was written.
    """
    import json
    from datetime import UTC, datetime

    data: dict[str, Any] = {
        "error": error, "failed_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    }
    if incident is None:  # keep what an earlier marker knew about the incident
        incident = (ws.read_json(ws.root / FAILED_NAME) or {}).get("incident")
    if incident:
        data["incident"] = incident
    atomic_write_text(ws.root / FAILED_NAME, json.dumps(data, indent=2) + "\n")


def incident_summary(inc: Incident) -> dict[str, Any]:
    """The incident as the alerts describe it (batch-failed.json's ``incident``)."""
    from ..timeutil import iso_z

    return {"id": inc.id, "title": inc.title, "severity": inc.severity or None,
            "services": list(inc.services), "start": iso_z(inc.start), "end": iso_z(inc.end),
            "alert_ids": list(inc.alert_ids), "significant": inc.significant}


def last_failure(ws: Workspace) -> str | None:
    data = ws.read_json(ws.root / FAILED_NAME)
    return str(data.get("error") or "failed") if data else None
