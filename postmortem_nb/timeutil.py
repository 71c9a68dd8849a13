"""Small time helpers shared by the story modules: parse to UTC, print ISO-Z and local."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from .errors import ParameterError

_BARE_NUMBER = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*")
CLOCK_ONLY = re.compile(r"\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?")
_NUMERIC_DATE = re.compile(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})(?=$|[ T])")


def _unguessed(text: str, what: str) -> str:
    """A typed time as text pandas reads without guessing: a clock time with no date, a
    word ("now", "today") or a date that reads two ways (10/03/2026) is refused; a numeric
    date that reads one way only (13/03/2026) becomes ISO."""
    text = text.strip()
    hint = "write YYYY-MM-DD HH:MM, e.g. '2026-03-10 15:00' (or add Z or an offset)"
    if CLOCK_ONLY.fullmatch(text):
        raise ParameterError(f"The {what} {text!r} has no date: {hint}.")
    if not any(c.isdigit() for c in text):
        raise ParameterError(f"Cannot read the {what} {text!r}: {hint}.")
    m = _NUMERIC_DATE.match(text)
    if m:
        a, b, year = int(m[1]), int(m[2]), m[3]
        if a > 12 >= b:
            day, month = a, b
        elif b > 12 >= a:
            day, month = b, a
        elif a == b <= 12:
            day = month = a
        else:
            options = (f"{year}-{b:02d}-{a:02d} or {year}-{a:02d}-{b:02d}" if a <= 12
                       else "no date")
            raise ParameterError(f"The {what} {text!r} is ambiguous ({options}): {hint}.")
        text = f"{year}-{month:02d}-{day:02d}{text[m.end():]}"
    return text


def check_tz(tz: str | None) -> str:
    """Validate a zone name (e.g. Europe/Berlin); the error lists how to write one."""
    tz = tz or "UTC"
    try:
        pd.Timestamp("2026-01-01").tz_localize(tz)
    except Exception as exc:  # zoneinfo/pytz raise different types
        raise ParameterError(
            f"Unknown time zone {tz!r}. Use an IANA name such as 'Europe/Berlin' or 'UTC'."
        ) from exc
    return tz


def to_utc(value: Any, tz: str | None = None, *, what: str = "time") -> pd.Timestamp | None:
    """Parse a time (ISO string, datetime, Timestamp) to tz-aware UTC.

    Naive values are read in ``tz`` (the team's zone); with no ``tz`` a naive value is an
    error, never silently UTC or the machine's zone. A DST-ambiguous or non-existent local
    time is an error too, and so is typed text pandas would have to guess (``_unguessed``:
    "15:00" was today, 10/03/2026 October 3). Empty values give None.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        value = _unguessed(value, what)
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise ParameterError(
            f"Cannot read {what} {value!r}: expected ISO 8601, e.g. 2026-03-10T15:03:00+01:00."
        ) from exc
    if pd.isna(ts):
        return None
    if ts.tzinfo is None:
        if not tz:
            raise ParameterError(
                f"The {what} {value!r} has no time zone: add an offset (Z, +01:00) or give "
                "the team's time zone (tz=...)."
            )
        try:
            ts = ts.tz_localize(check_tz(tz), ambiguous="raise", nonexistent="raise")
        except Exception as exc:
            raise ParameterError(
                f"The {what} {value!r} is ambiguous or does not exist in {tz} (DST change): "
                "give it with an explicit offset."
            ) from exc
    return ts.tz_convert("UTC")


def iso_z(ts: pd.Timestamp | None) -> str | None:
    """ISO 8601 UTC ending in Z, whole seconds unless there are milliseconds."""
    if ts is None or pd.isna(ts):
        return None
    ts = pd.Timestamp(ts).tz_convert("UTC")
    if ts.microsecond:
        return ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


def local_hm(ts: pd.Timestamp, tz: str) -> str:
    """HH:MM in the team's zone (for event descriptions)."""
    return pd.Timestamp(ts).tz_convert(tz).strftime("%H:%M")


def local_label(ts: pd.Timestamp | None, tz: str) -> str:
    """'2026-03-10 15:03 CET (14:03 UTC)' for evidence and hover texts."""
    if ts is None or pd.isna(ts):
        return "unknown"
    loc = pd.Timestamp(ts).tz_convert(tz)
    utc = pd.Timestamp(ts).tz_convert("UTC")
    if tz == "UTC":
        return utc.strftime("%Y-%m-%d %H:%M:%S UTC")
    return f"{loc:%Y-%m-%d %H:%M:%S %Z} ({utc:%H:%M:%S} UTC)"


def duration(text: str | pd.Timedelta, what: str = "duration") -> pd.Timedelta:
    """Parse '2h', '15min', '90s' as a Timedelta; a bad value is a ParameterError.

    A bare number ('30', '1.5', 0) is an error: pandas would read '30' as nanoseconds.
    """
    if isinstance(text, pd.Timedelta):
        return text
    hint = "use e.g. '30min' or '2h'"
    if isinstance(text, int | float) or _BARE_NUMBER.fullmatch(str(text)):
        raise ParameterError(f"Bad {what} {text!r}: a number needs a unit; {hint}.")
    try:
        td = pd.Timedelta(text)
    except (ValueError, TypeError) as exc:
        raise ParameterError(f"Bad {what} {text!r}: {hint} (or '90s').") from exc
    if pd.isna(td) or td <= pd.Timedelta(0):
        raise ParameterError(f"The {what} must be positive, got {text!r}; {hint}.")
    return td
