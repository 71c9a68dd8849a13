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
    finds the analyst's workspace.
    """
    if key:
        return slug(str(key), 60)
    stamp = start.astimezone(UTC).strftime("%Y%m%d-%H%M")
    return f"{stamp}-{slug(service or 'incident')}"


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
