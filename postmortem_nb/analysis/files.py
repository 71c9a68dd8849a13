"""The on-disk form of analysis.json: path rules, bytes in and out, atomic writes.

No state here: AnalysisStore (store.py) builds its rules on these, and read-only users
(`postmortem check`, export, batch, insights) call ``read_analysis``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import secrets
from pathlib import Path
from typing import Any

from ..errors import AnalysisStoreError, ParameterError
from .model import SCHEMA_VERSION, Analysis, AnalysisShapeError, migrate, schema_of

FILENAME = "analysis.json"


def utc_stamp() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")


def sha(data: bytes | None) -> str | None:
    return None if data is None else hashlib.sha256(data).hexdigest()


def resolve_path(path: str | os.PathLike[str]) -> Path:
    """A workspace folder or an analysis.json path -> the analysis.json path."""
    if not str(path).strip():
        raise ParameterError(
            "No workspace given: pass the incident workspace folder (Params.workspace) "
            "or the path of its analysis.json."
        )
    p = Path(path).expanduser()
    return p if p.suffix == ".json" or p.is_file() else p / FILENAME


def encode(data: dict[str, Any], revision: int) -> bytes:
    """The file's bytes: "schema" then "revision" first, then the model's fixed order."""
    ordered = {"schema": data.get("schema", SCHEMA_VERSION), "revision": revision}
    ordered.update({k: v for k, v in data.items() if k not in ordered})
    return (json.dumps(ordered, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def decode(raw: bytes, path: Path) -> tuple[dict[str, Any], int, int]:
    """Parse file bytes -> (current-schema data without revision, revision, original schema)."""
    try:
        data = json.loads(raw.decode("utf-8-sig"))  # a BOM, as Windows editors save it
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AnalysisStoreError(f"{path}: not valid JSON ({exc}).") from exc
    if not isinstance(data, dict):
        raise AnalysisStoreError(
            f"{path}: expected a JSON object, found {type(data).__name__}."
        )
    try:
        original = schema_of(data)
    except AnalysisStoreError as exc:
        raise AnalysisStoreError(f"{path}: {exc}") from None
    data = migrate(dict(data), path)
    revision = data.pop("revision", 0)
    if not isinstance(revision, int) or isinstance(revision, bool):
        revision = 0
    try:
        Analysis.from_dict(data)
    except AnalysisShapeError as exc:
        raise AnalysisShapeError(exc.problems, path=path) from None
    return data, revision, original


def read_analysis(path: str | os.PathLike[str], *, missing_ok: bool = False) -> Analysis:
    """Read-only load for checks and export: errors are raised, nothing on disk changes.

    ``missing_ok=True`` returns an empty Analysis when there is no file yet.
    """
    p = resolve_path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError as exc:
        if missing_ok:
            return Analysis()
        raise AnalysisStoreError(f"{p}: no analysis file here.") from exc
    except OSError as exc:
        raise AnalysisStoreError(f"{p}: cannot be read ({exc}).") from exc
    data, _, _ = decode(raw, p)
    return Analysis.from_dict(data)


def atomic_write(path: Path, data: bytes, *, backup: bool = True) -> None:
    """Temp file in the same folder + fsync + rename; the old content goes to <name>.bak."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if backup and path.exists():
            atomic_write(path.with_name(path.name + ".bak"), path.read_bytes(), backup=False)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    with contextlib.suppress(OSError):
        fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def remove_stale_temp_files(path: Path) -> None:
    """Temp files left by a process that died mid-write (its pid is gone) are removed."""
    for tmp in path.parent.glob(f".{path.name}.*.tmp"):
        parts = tmp.name.split(".")
        try:
            pid = int(parts[-3])
        except (ValueError, IndexError):
            continue
        if pid == os.getpid():
            continue
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            with contextlib.suppress(OSError):
                tmp.unlink()
        except OSError:
            continue
