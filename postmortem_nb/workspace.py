"""The incident workspace: one folder per incident under the reports root.

<out>/<incident-id>/
  postmortem.ipynb   the executed draft (regenerated freely)
  analysis.json      the analyst's content: never overwritten by a re-run
  facts.json         what the data says (written by the notebook)
  report.html        the shared report
  draft.json         how the draft was made: parameters, input hashes, template version
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .errors import WorkspaceError
from .ingest.pipeline import file_sha256  # noqa: F401  (re-exported for draft/export)

DEFAULT_OUT = "reports"
_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str, max_len: int = 40) -> str:
    """Lower-case, dash-separated, filesystem-safe; never empty."""
    s = _SLUG.sub("-", str(text).lower()).strip("-")[:max_len].strip("-")
    return s or "incident"


def incident_id_for(start: datetime, service: str | None, key: str | None = None) -> str:
    """A stable id: the export's incident key when there is one, else UTC start + main service.

    The same incident found again in a larger export gets the same id, so a re-run
    finds the analyst's workspace; when the export gained an earlier alert (the first
    alert moved), ``same_incident`` finds the workspace by the incident's alerts.
    """
    if key:
        return slug(str(key), 60)
    stamp = start.astimezone(UTC).strftime("%Y%m%d-%H%M")
    return f"{stamp}-{slug(service or 'incident')}"


# How far apart in time a workspace's recorded incident and a newly found one may lie and
# still be the same incident: alert ids of unrelated exports (1, 2, 3 ...) may coincide.
SAME_INCIDENT_SLACK = "1D"
# An alert episode starting this close to a workspace's recorded time is one of its own.
EPISODE_SLACK = "15min"


@dataclass(frozen=True)
class WorkspaceMatch:
    """An existing workspace that holds alerts of a newly found incident."""

    incident_id: str
    shared: int  # alerts of the new incident the workspace was drafted with
    recorded: int  # alerts the workspace was drafted with


def recorded_incident(root: Path) -> tuple[set[str], tuple[Any, Any]]:
    """The alert ids a workspace was drafted for and its time span (UTC, None if unknown).

    From facts.json (``alert_ids``, ``window``), draft.json (the ``alert_ids`` parameter:
    the draft's selection) and batch-failed.json (a batch draft that failed before
    facts.json was written).
    """
    import pandas as pd

    def read(name: str) -> dict[str, Any]:
        try:
            data = json.loads((root / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    facts, record, failed = read("facts.json"), read("draft.json"), read("batch-failed.json")
    params = record.get("parameters") or {}
    failed_inc = failed.get("incident") or {}
    ids = {str(a) for a in facts.get("alert_ids") or [] if str(a)}
    ids |= {a.strip() for a in str(params.get("alert_ids") or "").split(",") if a.strip()}
    ids |= {str(a) for a in failed_inc.get("alert_ids") or [] if str(a)}
    window = facts.get("window") or {}
    times = []
    for value in (window.get("start"), window.get("end"), failed_inc.get("start"),
                  failed_inc.get("end")):
        try:
            times.append(pd.Timestamp(value).tz_convert("UTC") if value else None)
        except (ValueError, TypeError):
            times.append(None)
    known = [t for t in times if t is not None]
    return ids, ((min(known), max(known)) if known else (None, None))


Recorded = dict[str, tuple[set[str], tuple[Any, Any]]]


def recorded_incidents(out: str | Path) -> Recorded:
    """``recorded_incident`` of every workspace folder under ``out``, by incident id."""
    root = Path(out).expanduser()
    if not root.is_dir():
        return {}
    return {p.name: recorded_incident(p) for p in sorted(root.iterdir())
            if p.is_dir() and not p.name.startswith(".")}


def matching_workspaces(
    recorded: Recorded, alert_ids: list[str], span: tuple[Any, Any]
) -> list[WorkspaceMatch]:
    """Workspaces (``recorded_incidents``) drafted with some of these alerts, most shared first.

    A workspace whose recorded time lies more than a day from ``span`` (first alert, last
    end) is another incident that happens to share alert ids (another export's numbering).
    """
    import pandas as pd

    wanted = {str(a) for a in alert_ids}
    slack = pd.Timedelta(SAME_INCIDENT_SLACK)
    found = []
    for name, (ids, (lo, hi)) in recorded.items():
        shared = len(ids & wanted) + len(_episodes_of(ids, wanted - ids, lo, hi))
        if not shared:
            continue
        if lo is not None and span[0] is not None and span[1] is not None and (
            lo > span[1] + slack or hi < span[0] - slack
        ):
            continue
        found.append(WorkspaceMatch(name, shared, len(ids)))
    return sorted(found, key=lambda m: (-m.shared, m.incident_id))


def _episodes_of(ids: set[str], refs: set[str], lo: Any, hi: Any) -> set[str]:
    """The ``id@start`` references among ``refs`` that name an alert a workspace recorded
    by its plain id (drafted before the export held that id twice), starting within the
    workspace's recorded time: the same firing episode, not a later one of the series."""
    import pandas as pd

    out = set()
    for ref in refs:
        plain, sep, start = ref.rpartition("@")
        if not sep or plain not in ids:
            continue
        try:
            at = pd.Timestamp(start)
        except (ValueError, TypeError):
            continue
        slack = pd.Timedelta(EPISODE_SLACK)
        if lo is None or hi is None or lo - slack <= at <= hi + slack:
            out.add(ref)
    return out


@dataclass
class SameIncident:
    """Which workspace an incident found in the alerts belongs to (``same_incident``)."""

    incident_id: str  # the workspace to use
    proposed: str  # incident_id_for: its first alert and main service, or its key
    alerts: int
    others: list[WorkspaceMatch]  # other workspaces holding some of its alerts

    @property
    def reused(self) -> bool:
        return self.incident_id != self.proposed

    def note(self, others: list[WorkspaceMatch] | None = None) -> str:
        """What the draft or batch says about it ("" when nothing is worth saying)."""
        others = self.others if others is None else others
        n = self.alerts
        parts = []
        if self.reused:
            parts.append(
                f"This is the same incident as workspace {self.incident_id} (its alerts "
                f"overlap the ones that workspace was drafted with; {n} "
                f"alert{'s' if n != 1 else ''} now), which is reused: by its first alert and "
                f"main service it would be {self.proposed}."
            )
        if others:
            names = ", ".join(f"{m.incident_id} ({m.shared} shared)" for m in others)
            parts.append(
                f"Other workspace(s) also hold alerts of this incident and are left as they "
                f"are: {names}; if they are the same incident, copy what was written there "
                f"into {self.incident_id}."
            )
        return " ".join(parts)


def same_incident(
    recorded: Recorded,
    proposed: str,
    alert_ids: list[str],
    span: tuple[Any, Any],
    *,
    taken: set[str] | frozenset[str] = frozenset(),
) -> SameIncident:
    """The workspace this incident already has: ``proposed`` when it exists, else the one
    drafted with most of its alerts (not in ``taken``: kept by other incidents), else
    ``proposed`` (a new workspace).

    Why: an incident found again in a grown export may start with an earlier alert (or
    change its main service), which gives a new ``incident_id_for``; its alerts still
    overlap those of the workspace drafted for it, where the analyst's work is.
    """
    matches = [m for m in matching_workspaces(recorded, alert_ids, span)
               if m.incident_id not in taken]
    chosen = proposed
    if proposed not in recorded and matches:
        chosen = matches[0].incident_id
    others = [m for m in matches if m.incident_id != chosen]
    return SameIncident(chosen, proposed, len(alert_ids), others)


def atomic_write_text(path: Path, text: str) -> None:
    """Write via a temp file in the same folder and rename: readers never see half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; reports are meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def dated_copy(path: Path, label: str = "") -> Path | None:
    """Keep a dated copy beside ``path`` (for frozen or hand-edited files); None if absent."""
    if not path.exists():
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.stem}.{label + '-' if label else ''}{stamp}{path.suffix}")
    shutil.copy2(path, target)
    return target


@dataclass(frozen=True)
class Workspace:
    """Paths of one incident's workspace folder."""

    root: Path

    @classmethod
    def at(cls, out: str | Path, incident_id: str) -> Workspace:
        return cls(Path(out).expanduser().resolve() / incident_id)

    @classmethod
    def existing(cls, path: str | Path) -> Workspace:
        root = Path(path).expanduser().resolve()
        if not root.is_dir():
            raise WorkspaceError(f"{root}: no such workspace folder.")
        if not (root / "postmortem.ipynb").is_file():
            found = sorted(p.name for p in root.iterdir())
            raise WorkspaceError(
                f"{root} is not an incident workspace: postmortem.ipynb is missing "
                f"(found: {', '.join(found) or 'nothing'}). Create it with `postmortem draft`."
            )
        return cls(root)

    @property
    def incident_id(self) -> str:
        return self.root.name

    @property
    def notebook(self) -> Path:
        return self.root / "postmortem.ipynb"

    @property
    def analysis(self) -> Path:
        return self.root / "analysis.json"

    @property
    def facts(self) -> Path:
        return self.root / "facts.json"

    @property
    def report(self) -> Path:
        return self.root / "report.html"

    @property
    def report_md(self) -> Path:
        return self.root / "report.md"

    @property
    def record(self) -> Path:
        return self.root / "draft.json"

    def read_json(self, path: Path) -> dict[str, Any] | None:
        """A JSON file of this workspace, or None when it is missing or unreadable."""
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def review_status(self) -> str:
        data = self.read_json(self.analysis) or {}
        return str((data.get("review") or {}).get("status") or "draft")
