"""The head of a CSV: delimiter, header names, sample rows and the Arrow types they imply.

Works on the decoded head only (csv, re and pyarrow), before any row is parsed.
"""

from __future__ import annotations

import csv
import io
import re

import pyarrow as pa

DELIMITERS = (",", "\t", ";", "|")


def _first_record(head: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader(io.StringIO(head), delimiter=delimiter))
    except (StopIteration, csv.Error):
        return []


def sniff_delimiter(head: str) -> str:
    """The candidate delimiter that splits the header into the most fields consistently."""
    lines = head.splitlines()[:5]
    best, best_n = ",", 1
    for d in DELIMITERS:
        n = len(_first_record(head, d))
        consistent = len(lines) < 2 or len(_first_record(lines[1], d)) == n
        if n > best_n and consistent:
            best, best_n = d, n
    return best


def header(head: str, delimiter: str) -> tuple[list[str], list[str]]:
    """Header names made unique (``name``, ``name.1``, ...) and warnings about it."""
    names = [c.strip() for c in _first_record(head, delimiter)]
    seen: dict[str, int] = {}
    out, warnings = [], []
    for i, name in enumerate(names):
        base = name or f"column_{i + 1}"
        if base in seen:
            seen[base] += 1
            new = f"{base}.{seen[base]}"
            warnings.append(f"duplicate header {base!r} (column {i + 1}) renamed to {new!r}")
            out.append(new)
        else:
            seen[base] = 0
            out.append(base)
    return out, warnings


_NUMBER = re.compile(
    r"^\s*(-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?|[-+]?(?i:nan|inf|infinity)"
    r"|true|false|True|False|TRUE|FALSE)\s*$"
)


def head_rows(head: str, delimiter: str, limit: int = 200) -> list[list[str]]:
    """Complete data rows of the decoded head (the last, maybe cut, row dropped)."""
    out = []
    try:
        for rec in csv.reader(io.StringIO(head), delimiter=delimiter):
            out.append(rec)
            if len(out) > limit + 1:
                break
    except csv.Error:
        pass  # e.g. a field beyond csv's size limit: detection works with fewer rows
    return out[1:-1][:limit]


def text_columns(head: str, delimiter: str, columns: list[str]) -> set[str]:
    """Columns whose first rows hold text: read as large_string (pandas' zero-copy string).

    Arrow would infer ``string``, which pandas copies into ``large_string``; numeric-looking
    columns are left to Arrow's inference (a later non-number falls back to text).
    """
    rows = [r for r in head_rows(head, delimiter) if len(r) == len(columns)]
    out = set()
    for i, name in enumerate(columns):
        values = [r[i] for r in rows if r[i] != ""]
        if values and not all(_NUMBER.match(v) for v in values):
            out.add(name)
    return out


def column_types(
    head: str,
    delimiter: str,
    columns: list[str],
    string_columns: set[str] | None = None,
    utc_columns: set[str] | None = None,
) -> dict[str, pa.DataType]:
    """Explicit Arrow types: text as large_string, ISO times with offsets as UTC timestamps."""
    types = {c: pa.large_string() for c in text_columns(head, delimiter, columns)}
    types.update({c: pa.large_string() for c in columns if c in (string_columns or ())})
    types.update({c: pa.timestamp("ns", "UTC") for c in columns if c in (utc_columns or ())})
    return types
