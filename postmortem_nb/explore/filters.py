"""What the log explorer filters on: one immutable ``LogFilter`` and how keywords become one.

Times without a zone are read in the team's zone; every unknown keyword or impossible
range is a ``ParameterError`` that lists what is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

import pandas as pd

from ..errors import ParameterError
from ..timeutil import to_utc

__all__ = ["LogFilter", "make_filter"]


def _tuple(value: Any) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


@dataclass(frozen=True)
class LogFilter:
    """What the analyst asked for; empty fields mean "any"."""

    start: pd.Timestamp | None = None  # inclusive, UTC
    end: pd.Timestamp | None = None  # exclusive, UTC
    services: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ()
    failure: bool | None = None  # True: failures only, False: no failures
    text: str = ""  # substring
    regex: str = ""  # RE2 syntax
    ignore_case: bool = True
    templates: tuple[str, ...] = ()  # template ids

    def describe(self, tz: str = "UTC") -> str:
        """One line for status bars and static summaries."""
        parts = []
        if self.start is not None or self.end is not None:
            lo = self.start.tz_convert(tz).strftime("%Y-%m-%d %H:%M:%S") if self.start else "…"
            hi = self.end.tz_convert(tz).strftime("%H:%M:%S") if self.end else "…"
            parts.append(f"{lo} – {hi} ({tz})")
        for name, label in (("services", "service"), ("levels", "level"), ("hosts", "host"),
                            ("templates", "template")):
            values = getattr(self, name)
            if values:
                parts.append(f"{label} {', '.join(values)}")
        if self.failure is not None:
            parts.append("failures only" if self.failure else "no failures")
        if self.text:
            parts.append(f"contains {self.text!r}")
        if self.regex:
            parts.append(f"matches /{self.regex}/")
        return "; ".join(parts) or "all rows"


def make_filter(base: LogFilter | None = None, *, tz: str = "UTC", **changes: Any) -> LogFilter:
    """A new filter from keyword changes (``service=`` or ``services=``, times as text)."""
    aliases = {"service": "services", "level": "levels", "host": "hosts", "template": "templates"}
    known = {f.name for f in fields(LogFilter)}
    clean: dict[str, Any] = {}
    for key, value in changes.items():
        name = aliases.get(key, key)
        if name not in known:
            raise ParameterError(
                f"Unknown log filter {key!r}. Known: {', '.join(sorted(known | set(aliases)))}."
            )
        if name in ("start", "end"):
            value = to_utc(value, tz, what=f"filter {name}")
        elif name in ("services", "hosts", "templates"):
            value = _tuple(value)
        elif name == "levels":
            value = tuple(v.strip().upper() for v in _tuple(value))
        elif name in ("text", "regex"):
            value = value or ""
        elif name == "failure" and value is not None:
            value = bool(value)
        clean[name] = value
    out = replace(base or LogFilter(), **clean)
    if out.start is not None and out.end is not None and out.end <= out.start:
        raise ParameterError(f"Filter end {out.end} must be after its start {out.start}.")
    return out
