"""What the tool sees in an export: kind, format, rows, time range, columns, skipped rows.

Backs ``postmortem inspect``; also usable from a notebook (``inspect_file(path)``).
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from ..errors import MissingColumnError, ParameterError, PostmortemError
from .alerts import load_alerts
from .changes import load_changes
from .formats import loose_columns
from .frame import INTERNAL, KIND_COLUMNS, skipped_text
from .logs import load_logs

KINDS = ("alerts", "logs", "changes")
LOADERS = {"alerts": load_alerts, "logs": load_logs, "changes": load_changes}


@dataclass
class Inspection:
    """The summary ``postmortem inspect`` prints (``to_dict`` is the ``--json`` shape)."""

    path: str
    kind: str
    format: str
    rows: int
    start: str | None  # ISO 8601 UTC
    end: str | None
    columns: list[str]  # canonical columns holding data
    empty_columns: list[str]  # canonical columns the export does not have
    extra_columns: list[str]
    skipped_rows: int
    skipped_examples: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    tz: str | None = None
    start_local: str | None = None
    end_local: str | None = None
    files: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_text(self) -> str:
        lines = [
            f"file:     {self.path}",
            f"kind:     {self.kind}",
            f"format:   {self.format}",
            f"rows:     {self.rows}",
            f"start:    {self.start or '-'} (UTC)",
            f"end:      {self.end or '-'} (UTC)",
        ]
        if self.tz:
            span = f"{self.start_local or '-'} .. {self.end_local or '-'}"
            lines.append(f"local:    {span} ({self.tz})")
        lines.append("canonical columns found: " + (", ".join(self.columns) or "-"))
        if self.empty_columns:
            lines.append("canonical columns empty: " + ", ".join(self.empty_columns))
        lines.append("extra columns kept: " + (", ".join(self.extra_columns) or "-"))
        lines.append(f"rows not parsed: {self.skipped_rows}")
        for ex in self.skipped_examples[:10]:
            lines.append(f"  {skipped_text(ex)}")
        for w in self.warnings:
            lines.append(f"warning: {w}")
        return "\n".join(lines)


def _load(kind: str, path, **kw) -> pd.DataFrame:
    return LOADERS[kind](path, **kw)


def inspect_file(
    path: str | os.PathLike,
    *,
    kind: str | None = None,
    format: str | None = None,
    mapping: dict[str, object] | None = None,
    tz: str | None = None,
) -> Inspection:
    """Load one export and summarise it; without ``kind`` the kinds are tried in turn."""
    if kind is not None and kind not in KINDS:
        raise ParameterError(f"Unknown kind {kind!r}; choose one of: {', '.join(KINDS)}.")
    kw = {"format": format, "mapping": mapping, "tz": tz}
    if kind is not None:
        df = _load(kind, path, **kw)
    else:
        df, kind = _guess(path, kw)
    return summarise(df, kind, str(path), tz)


def _guess(path, kw) -> tuple[pd.DataFrame, str]:
    generic: tuple[pd.DataFrame, str] | None = None
    errors: dict[str, PostmortemError] = {}
    for kind in KINDS:
        try:
            df = _load(kind, path, **kw)
        except (MissingColumnError, ParameterError) as exc:
            errors[kind] = exc
            continue
        if not df.attrs["source"]["format"].startswith("generic"):
            return df, kind
        generic = generic or (df, kind)
    if generic is not None:
        return generic
    raise _not_recognised(path, errors)


def _not_recognised(path, errors: dict[str, PostmortemError]) -> PostmortemError:
    """Every kind failed: name the kind the file came closest to and what it lacks."""
    missing_errors = {k: e for k, e in errors.items() if isinstance(e, MissingColumnError)}
    if not missing_errors:  # e.g. a mapping that names no kind's columns: its own words
        return next(iter(errors.values()))
    found = next(iter(missing_errors.values())).found or []
    lacks = {}
    for kind, err in missing_errors.items():
        required = KIND_COLUMNS[kind][1]
        have = set(found) | set(loose_columns(required, found))
        lacks[kind] = [c for c in required if c not in have] or [str(err.column)]
    fewest = min(len(v) for v in lacks.values())
    closest = [k for k in lacks if len(lacks[k]) == fewest]

    def advice(kind: str) -> str:
        need = lacks[kind]
        maps = " ".join(f"--map {c}=<column>" for c in need)
        return f"{kind}, which lacks {', '.join(map(repr, need))} (--kind {kind} {maps})"

    return MissingColumnError(
        "not recognised as alerts, logs or changes (no known format's columns, and not "
        "every required column of any kind). Closest: "
        + "; or ".join(advice(k) for k in closest)
        + ". In Python: inspect_file(path, kind=..., mapping={...}).",
        path=path,
        column=lacks[closest[0]][0],
        found=found,
    )


def summarise(df: pd.DataFrame, kind: str, path: str, tz: str | None) -> Inspection:
    src = df.attrs.get("source", {})
    canonical = KIND_COLUMNS[kind][0]
    found = [c for c in canonical if c in df.columns and df[c].notna().any()]
    empty = [c for c in canonical if c not in found]
    extra = [c for c in df.columns if c not in canonical and c not in INTERNAL]
    start, end = src.get("start"), src.get("end")

    def local(ts: str | None) -> str | None:
        if not ts or not tz:
            return None
        return pd.Timestamp(ts).tz_convert(tz).isoformat()

    return Inspection(
        path=path,
        kind=kind,
        format=src.get("format", "?"),
        rows=len(df),
        start=start,
        end=end,
        columns=found,
        empty_columns=empty,
        extra_columns=extra,
        skipped_rows=int(src.get("skipped_count", 0)),
        skipped_examples=list(src.get("skipped_rows", []))[:10],
        warnings=list(src.get("warnings", [])),
        tz=tz,
        start_local=local(start),
        end_local=local(end),
        files=list(src.get("files", [])),
    )


__all__ = ["Inspection", "inspect_file"]
