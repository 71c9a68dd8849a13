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
    logs: str = ""
    logs_format: str = ""
    changes: str = ""
    changes_format: str = ""
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
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ParameterError(
                f"Unknown parameter(s): {', '.join(unknown)}. Known: {', '.join(known)}."
            )
        kwargs: dict[str, Any] = {}
        for name, value in values.items():
            f = known[name]
            if f.type in ("float", float):
                if value in (None, ""):
                    value = 0.0
                try:
                    value = float(value)
                except (TypeError, ValueError) as exc:
                    raise ParameterError(
                        f"Parameter {name} must be a number, got {value!r}."
                    ) from exc
            elif f.type in ("str", str):
                value = "" if value is None else str(value)
            kwargs[name] = value
        return cls(**kwargs)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def resolve_path(self, value: str) -> Path | None:
        """Input paths may be relative to the workspace folder: resolve them against it."""
        if not value:
            return None
        p = Path(value).expanduser()
        if not p.is_absolute() and self.workspace:
            p = Path(self.workspace) / p
        return p
