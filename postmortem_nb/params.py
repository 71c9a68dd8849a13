"""The template's parameters: one dataclass mirrored by the notebook's parameters cell.

papermill passes literals only, so times are ISO strings and paths are strings;
``Params.from_mapping`` validates and ``resolved`` turns them into real values.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from .errors import ParameterError


@dataclass
class Params:
    """Everything a post-mortem notebook run needs to know. Field order = parameters cell."""

    incident_id: str = ""
    title: str = ""
    alerts: str = ""
    alerts_format: str = ""
    alerts_map: str = ""  # canonical=source per line (or @mapping-file), as --map takes
    logs: str = ""
    logs_format: str = ""
    logs_map: str = ""
    # also load the logs from / until these times (the team's zone unless stated), to
    # explore beyond the incident's day(s); the incident itself is not changed
    logs_start: str = ""
    logs_end: str = ""
    changes: str = ""
    changes_format: str = ""
    changes_map: str = ""  # e.g. service==checkout for a git log
    incident_key: str = ""
    start: str = ""
    end: str = ""
    tz: str = "UTC"
    input_tz: str = ""
    failure: str = ""
    avg_value: float = 0.0
    currency: str = ""
    amount_column: str = ""
    customer_column: str = ""
    status_column: str = ""
    latency_column: str = ""
    alert_ids: str = ""
    time_bin: str = "1min"
    baseline: str = "2h"
    workspace: str = ""

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> Params:
        """Build from notebook/CLI values; unknown names are an error listing the known ones."""
        return cls(**coerce(cls, values))

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def mapping(self, kind: str) -> dict[str, str] | None:
        """The column mapping for ``alerts``, ``logs`` or ``changes``; None when not given."""
        from .ingest.frame import parse_map_items

        text = getattr(self, f"{kind}_map")
        return parse_map_items(text.splitlines(), option=f"{kind}_map") or None

    def paths(self, value: str) -> list[Path]:
        """An input parameter's files: one path, or several one per line (daily log files)."""
        found = (self.resolve_path(v.strip()) for v in value.splitlines() if v.strip())
        return [p for p in found if p is not None]

    def resolve_path(self, value: str) -> Path | None:
        """Input paths may be relative to the workspace folder: resolve them against it."""
        if not value:
            return None
        p = Path(value).expanduser()
        if not p.is_absolute() and self.workspace:
            p = Path(self.workspace) / p
        return p


def coerce(cls: type, values: dict[str, Any]) -> dict[str, Any]:
    """Check names against a parameter dataclass and convert values to its field types.

    papermill and the CLI hand over strings (and None); numbers are parsed here so that
    a typo gives an error naming the parameter instead of a failure inside the notebook.
    """
    known = {f.name: f for f in fields(cls)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ParameterError(
            f"Unknown parameter(s): {', '.join(unknown)}. Known: {', '.join(known)}."
        )
    out: dict[str, Any] = {}
    for name, value in values.items():
        kind = known[name].type
        if kind in ("float", float, "int", int):
            number = float if kind in ("float", float) else int
            if value in (None, ""):
                value = number()
            try:
                value = number(value)
            except (TypeError, ValueError) as exc:
                what = "a number" if number is float else "a whole number"
                raise ParameterError(f"Parameter {name} must be {what}, got {value!r}.") from exc
            if value < 0:
                raise ParameterError(f"Parameter {name} must not be negative, got {value}.")
        else:
            value = "" if value is None else str(value)
        out[name] = value
    return out
