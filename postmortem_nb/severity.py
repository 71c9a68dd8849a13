"""One ordered severity scale, SEV1 (most severe) to SEV5, from every tool's vocabulary."""

from __future__ import annotations

import re

from .errors import ParameterError
from .schema import SEVERITIES

_WORDS = {
    "critical": "SEV1",
    "crit": "SEV1",
    "fatal": "SEV1",
    "emergency": "SEV1",
    "page": "SEV1",
    "disaster": "SEV1",
    "error": "SEV2",
    "high": "SEV2",
    "major": "SEV2",
    "warning": "SEV3",
    "warn": "SEV3",
    "average": "SEV3",
    "medium": "SEV3",
    "moderate": "SEV3",
    "minor": "SEV4",
    "info": "SEV4",
    "informational": "SEV4",
    "low": "SEV4",
    "notice": "SEV4",
    "none": "SEV5",
    "debug": "SEV5",
    "ok": "SEV5",
}
_NUMBERED = re.compile(r"^\s*(?:sev|p|s|priority)\s*[-_ ]?([1-5])\s*$", re.IGNORECASE)


def normalize_severity(value: object) -> str | None:
    """Map SEVn, Pn, Sn and the usual words (critical, high, warning, ...) to SEV1..SEV5.

    Returns None for missing or unknown values: an unknown severity is never guessed.
    """
    if value is None:
        return None
    if isinstance(value, float) and value != value:  # NaN
        return None
    text = str(value).strip()
    if not text:
        return None
    m = _NUMBERED.match(text)
    if m:
        return f"SEV{m.group(1)}"
    return _WORDS.get(text.lower())


def parse_severity(value: str) -> str:
    """Like normalize_severity, for user input: an unknown value is an error listing the choices."""
    sev = normalize_severity(value)
    if sev is None:
        raise ParameterError(
            f"Unknown severity {value!r}. Use one of SEV1..SEV5, P1..P5, or "
            "critical, high, error, warning, info, none."
        )
    return sev


def severity_rank(sev: str | None) -> int:
    """1 for SEV1 .. 5 for SEV5; 6 for unknown, so unknown sorts as least severe."""
    if sev in SEVERITIES:
        return SEVERITIES.index(sev) + 1
    return 6


def at_least(sev: str | None, threshold: str) -> bool:
    """True when ``sev`` is as severe as ``threshold`` or more (SEV1 >= SEV2)."""
    return severity_rank(sev) <= severity_rank(parse_severity(threshold))
