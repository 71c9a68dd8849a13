"""One ordered severity scale, SEV1 (most severe) to SEV5, from every tool's vocabulary."""

from __future__ import annotations

import re

from .errors import ParameterError
from .schema import SEVERITIES

_WORDS = {
    "critical": "SEV1",
    "crit": "SEV1",
    "emerg": "SEV1",
    "fatal": "SEV1",
    "emergency": "SEV1",
    "page": "SEV1",
    "disaster": "SEV1",
    "error": "SEV2",
    "err": "SEV2",
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
    "information": "SEV4",
    "low": "SEV4",
    "notice": "SEV4",
    "none": "SEV5",
    "debug": "SEV5",
    "ok": "SEV5",
    "not classified": "SEV5",  # Zabbix's lowest (Disaster, High, Average ... above)
    "unclassified": "SEV5",
}
# SEV2, P1, S3, "Priority 2", "sev-4"; a label may follow ("P1 - Critical", "SEV2 (major)").
# Level 0 (SEV0, P0: "above SEV1" in many incident scales) is our most severe, SEV1.
_NUMBERED = re.compile(
    r"^\s*(?:sev(?:erity)?|p|s|priority)\s*[-_ ]?([0-5])(?:\s*(?:[-:(\u2013|/]|\s).*)?\s*$",
    re.IGNORECASE,
)
_BARE_NUMBER = re.compile(r"^\s*([0-5])(?:\.0*)?\s*$")


def normalize_severity(value: object, *, numeric: bool = False) -> str | None:
    """Map SEVn, Pn, Sn (n = 0..5; 0 is SEV1) and the usual words (critical, high,
    warning, information, ...) to SEV1..SEV5.

    ``numeric``: the value comes from a column that is clearly a severity and holds only
    numbers 0..5, read as SEVn (1 the most severe, 0 as SEV1). Returns None for missing
    or unknown values: an unknown severity is never guessed.
    """
    if value is None:
        return None
    if isinstance(value, float) and value != value:  # NaN
        return None
    text = str(value).strip()
    if not text:
        return None
    m = _NUMBERED.match(text) or (_BARE_NUMBER.match(text) if numeric else None)
    if m:
        return f"SEV{max(1, int(m.group(1)))}"
    return _WORDS.get(" ".join(text.lower().split()))


def is_numeric_scale(values) -> bool:
    """Every present value a number 0..5 (``1``, ``"2"``, ``3.0``): a numeric severity column."""
    present = [v for v in values if v is not None and v == v and str(v).strip() != ""]
    return bool(present) and all(_BARE_NUMBER.match(str(v)) for v in present)


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
