"""What the log explorer filters on: one immutable ``LogFilter`` and how keywords become one.

Times without a zone are read in the team's zone; a time without a date (``"15:00"``)
is read on the incident's day, and numeric dates are read only when the numbers leave no
doubt (``13/03/2026``; ``10/03/2026`` could be two months and is refused). Every unknown
keyword, value or impossible range is a ``ParameterError`` that lists what is allowed.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..timeutil import CLOCK_ONLY, to_utc

__all__ = ["LogFilter", "make_filter", "unknown_value"]

def _local(ts: pd.Timestamp, tz: str) -> str:
    return ts.tz_convert(tz).strftime("%Y-%m-%d %H:%M:%S")


def _filter_time(value: Any, name: str, days: tuple[str, ...]) -> Any:
    """A clock time without a date ("15:00") on the incident's day; the rest is to_utc's."""
    if not isinstance(value, str) or not CLOCK_ONLY.fullmatch(value.strip()):
        return value
    text = value.strip()
    if len(days) == 1:
        return f"{days[0]} {text}"
    where = (f"could be on {' or '.join(days)}" if days
             else "there is no incident day to read it on")
    raise ParameterError(
        f"The filter {name} {value!r} has no date and {where}: write the date too, "
        f"e.g. '{days[0] if days else '2026-03-10'} {text}'.")


def unknown_value(what: str, value: str, known: Iterable[str], *, show: int = 12) -> str:
    """'Unknown service 'payment' (did you mean 'payments'?); known: a, b, c.'"""
    names = [k for k in known if k]
    if not names:
        return f"Cannot filter on {what} {value!r}: the logs have no {what} values."
    close = difflib.get_close_matches(value, names, n=1, cutoff=0.6)
    if not close:
        close = [k for k in names if k.lower() == value.lower()]
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    listed = ", ".join(names[:show]) + (f", … ({len(names)} in all)" if len(names) > show else "")
    return f"Unknown {what} {value!r}{hint}; known: {listed}."


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


def make_filter(base: LogFilter | None = None, *, tz: str = "UTC", days: Iterable[str] = (),
                **changes: Any) -> LogFilter:
    """A new filter from keyword changes (``service=`` or ``services=``, times as text).

    ``days``: the incident's local day(s) (``YYYY-MM-DD``); a time without a date is
    read on that day when there is exactly one.
    """
    days = tuple(days)
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
            value = to_utc(_filter_time(value, name, days), tz, what=f"filter {name}")
        elif name in ("services", "hosts", "templates"):
            value = _tuple(value)
        elif name == "levels":
            value = tuple(v.strip().upper() for v in _tuple(value))
        elif name in ("text", "regex"):
            value = value or ""
            if not isinstance(value, str):
                raise ParameterError(
                    f"{name} must be a string; found {type(value).__name__} {value!r}.")
        elif name in ("failure", "ignore_case"):
            allowed = (None, True, False) if name == "failure" else (True, False)
            if not any(value is a or (a is not None and isinstance(value, np.bool_)
                                      and bool(value) is a) for a in allowed):
                what = ("True (failures only), False (no failures) or None (any)"
                        if name == "failure" else "True or False")
                raise ParameterError(f"{name} must be {what}; found {value!r}.")
            value = None if value is None else bool(value)
        clean[name] = value
    out = replace(base or LogFilter(), **clean)
    if out.start is not None and out.end is not None and out.end <= out.start:
        zone = tz or "UTC"
        raise ParameterError(
            f"The filter's end ({_local(out.end, zone)}) must be after its start "
            f"({_local(out.start, zone)}), times in {zone}.")
    return out
