"""What a CSV's head decides before any row is read: delimiter, names, format, time columns.

Decided from the decoded head alone (no rows parsed), free of pandas.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..errors import InputFormatError
from ..schema import KIND_COLUMNS
from .csvhead import head_rows, header, sniff_delimiter
from .formats import ISO_AWARE, Format, detect_csv, get_format, loose_columns, mapping_sources
from .sources import Source

_GIT_LOG = re.compile(r"^[0-9a-f]{7,40}\t[^\t\n]*\d\d:\d\d")  # hash TAB a date with a time
_GIT_LOG_DEFAULT = re.compile(r"^commit [0-9a-f]{7,40}\b")  # plain `git log`, no --pretty
GIT_LOG_COMMAND = "git log --date=iso-strict --pretty=format:'%H%x09%ad%x09%an%x09%s'"


def container_of(src: Source, kind: str) -> str:
    """json, text (``git log`` output) or csv, from the first characters."""
    head = src.head.lstrip()
    if head[:1] in ("{", "["):
        return "json"
    if kind == "changes" and _GIT_LOG.match(head):
        return "text"
    if kind == "changes" and _GIT_LOG_DEFAULT.match(head):
        raise InputFormatError(
            "this is git log's default output (commit, Author:, Date: lines); expected one "
            f"commit per line, written by: {GIT_LOG_COMMAND}",
            path=src.path,
            line=src.skip_lines + 1,
            found=[head.split("\n", 1)[0][:80]],
        )
    return "csv"


@dataclass
class CsvPlan:
    """How a CSV will be read: the header as read, its format, the columns kept as text."""

    delimiter: str
    names: list[str]  # header names, renamed where the format's header matched loosely
    renamed: bool
    fmt: Format
    spec: dict[str, object]  # canonical -> source: the format's mapping with the user's
    strings: set[str]  # read as text: time sources (parsed later, bad values reported)
    utc: set[str]  # the primary time column, when Arrow can read it (ISO with offsets)
    warnings: list[str] = field(default_factory=list)


def plan_csv(
    src: Source,
    kind: str,
    *,
    format: str | None,
    user_cols: Mapping[str, object],
    opts: Mapping[str, object],
) -> CsvPlan:
    delim = sniff_delimiter(src.head)
    names, _ = header(src.head, delim)
    fmt, rename = (get_format(format, kind), {}) if format else detect_csv(kind, names)
    mine = mapping_sources(user_cols)  # names the user mapped are the file's own
    rename = {a: b for a, b in rename.items() if a not in mine}
    warnings = []
    if rename:
        names = [rename.get(n, n) for n in names]
        shown = ", ".join(f"{a!r} as {b!r}" for a, b in rename.items())
        warnings.append(f"{src.path.name}: {fmt.name} header matched loosely: read {shown}")
    spec = {**fmt.mapping, **user_cols}
    # "Timestamp" for timestamp: what canonical_frame will read, so read its times as text
    for canon, name in loose_columns(KIND_COLUMNS[kind][0], names, mapping_sources(spec)).items():
        spec.setdefault(canon, name)
    primary = KIND_COLUMNS[kind][2][0]
    if primary not in spec and primary in names:
        spec[primary] = primary
    strings = _time_sources(spec, kind) | set(KIND_COLUMNS[kind][2])
    utc = _aware_column(src.head, delim, names, spec.get(primary), opts)
    return CsvPlan(delim, names, bool(rename), fmt, spec, strings, utc, warnings)


def _time_sources(spec: Mapping[str, object], kind: str) -> set[str]:
    out: set[str] = set()
    time_cols = KIND_COLUMNS[kind][2]
    for canon, value in spec.items():
        if canon not in (*time_cols, "alert_id", "incident_key"):
            continue
        parts = value if isinstance(value, tuple) else (str(value),)
        for p in parts:
            out.update(p.split("+"))
    return out


def _aware_column(head: str, delim: str, names: list[str], source, opts) -> set[str]:
    """The primary time column, when the head shows ISO times with offsets (Arrow parses them)."""
    if not isinstance(source, str) or source not in names or opts.get("time_format"):
        return set()
    idx = names.index(source)
    rows = head_rows(head, delim)
    values = [r[idx] for r in rows if len(r) == len(names)]
    if values and all(ISO_AWARE.match(v) for v in values):
        return {source}
    return set()


def window_time_sources(plan: CsvPlan) -> list[str] | None:
    """The columns a window's times are read from (date and time may be two); None if none."""
    source = plan.spec.get("timestamp")
    if not isinstance(source, str) or source.startswith("="):
        return None
    parts = [source] if source in plan.names else source.split("+")
    return None if any(p not in plan.names for p in parts) else parts
