"""JSON input: a document, a list, or JSON lines; records flattened with dotted keys.

Nested objects become dotted columns (``httpRequest.status``, ``labels.severity``);
lists are kept as JSON text so they stay readable and comparable.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..errors import InputFormatError
from .sources import Source, decode, read_all_bytes


@dataclass
class JsonDoc:
    """Top-level JSON objects with the line each starts on (JSON lines) or 1."""

    tops: list[Any]
    lines: list[int]
    warnings: list[str] = field(default_factory=list)


def load_json(src: Source) -> JsonDoc:
    """Parse a JSON document or JSON lines; errors give the line and what was found."""
    text, _enc = decode(read_all_bytes(src.path), path=src.path, complete=True)
    stripped = text.strip()
    if not stripped:
        raise InputFormatError("the file is empty; expected JSON", path=src.path)
    try:
        doc = json.loads(stripped)
        return JsonDoc([doc], [1])
    except json.JSONDecodeError as exc:
        first_error = exc
    except RecursionError as exc:
        raise InputFormatError("JSON nested too deeply", path=src.path) from exc
    tops, lines = [], []
    for i, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            tops.append(json.loads(line))
        except json.JSONDecodeError as exc:
            if len(tops) == 0:
                raise InputFormatError(
                    f"not valid JSON or JSON lines: {first_error.msg} "
                    f"(line {first_error.lineno}, column {first_error.colno})",
                    path=src.path,
                    line=first_error.lineno,
                ) from exc
            raise InputFormatError(
                f"invalid JSON line: {exc.msg} (column {exc.colno})", path=src.path, line=i
            ) from exc
        except RecursionError as exc:
            raise InputFormatError("JSON nested too deeply", path=src.path, line=i) from exc
        lines.append(i)
    return JsonDoc(tops, lines)


def flatten(obj: Any, prefix: str = "", out: dict | None = None) -> dict:
    """Dotted keys for nested objects; lists as JSON text; scalars as they are."""
    out = {} if out is None else out
    if isinstance(obj, dict):
        if not obj and prefix:
            out[prefix[:-1]] = "{}"
        for k, v in obj.items():
            key = f"{prefix}{k}"
            if isinstance(v, dict):
                flatten(v, key + ".", out)
            elif isinstance(v, list):
                out[key] = json.dumps(v, ensure_ascii=False, default=str)
            else:
                out[key] = v
    elif prefix:
        out[prefix[:-1]] = obj
    return out


CONTAINER_KEYS = ("data", "items", "results", "records", "entries", "events", "logs", "hits")


def _container(item: dict) -> str | None:
    """Key of the record list in a wrapper object (generic JSON): the only key, or a usual name."""
    candidates = [k for k in item if k in CONTAINER_KEYS] if len(item) > 1 else list(item)
    for k in candidates:
        value = item[k]
        if isinstance(value, list) and all(isinstance(r, dict) for r in value):
            return k  # an empty list too: {"data": []} holds no records, it is not one
    return None


def _under(item, key: str | None) -> list | None:
    """The records under ``key``: its list, or its one object (a "get one" API response,
    e.g. Opsgenie's ``{"data": {...}, "took": 0.01, "requestId": ...}``)."""
    if not key or not isinstance(item, dict):
        return None
    value = item.get(key)
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return [value]
    return None


def records(doc: JsonDoc, key: str | None) -> tuple[list[dict], list[int], list[dict]]:
    """The records of a document: from ``key`` when present, else the objects themselves.

    Returns (records, line per record, the parent object per record).
    """
    recs, lines, parents = [], [], []
    for top, line in zip(doc.tops, doc.lines, strict=True):
        items = top if isinstance(top, list) else [top]
        for item in items:
            under = _under(item, key)
            if under is not None:
                for rec in under:
                    if isinstance(rec, dict):
                        recs.append(rec)
                        lines.append(line)
                        parents.append(item)
            elif isinstance(item, dict) and not key and _container(item) is not None:
                inner = item[_container(item)]
                recs.extend(inner)
                lines.extend([line] * len(inner))
                parents.extend([item] * len(inner))
            elif isinstance(item, dict):
                recs.append(item)
                lines.append(line)
                parents.append({})
    return recs, lines, parents


def _keys(record: dict) -> set[str]:
    """Flattened keys plus every dotted prefix (``labels`` as well as ``labels.job``)."""
    keys = set(flatten(record))
    for k in list(keys):
        parts = k.split(".")
        keys.update(".".join(parts[:i]) for i in range(1, len(parts)))
    return keys | set(record)


def probe(doc: JsonDoc, records_key: str | None) -> tuple[set[str], set[str]]:
    """(top-level keys, keys of the first record) as a format with ``records_key`` sees them."""
    top = doc.tops[0] if doc.tops else {}
    if isinstance(top, list):
        top = next((t for t in top if isinstance(t, dict)), {})
    if not isinstance(top, dict):
        return set(), set()
    first = top
    under = _under(top, records_key)
    if under is not None:
        first = next((r for r in under if isinstance(r, dict)), {})
    elif not records_key and _container(top) is not None:
        first = next(iter(top[_container(top)]), {})
    return set(top), _keys(first)


def to_frame(recs: list[dict], lines: list[int]) -> pd.DataFrame:
    """Flattened records as a frame of source columns plus ``_line``."""
    rows = [flatten(r) for r in recs]
    frame = pd.DataFrame.from_records(rows) if rows else pd.DataFrame()
    for col in frame.columns:
        if frame[col].dtype == object:
            frame[col] = frame[col].map(
                lambda v: v if v is None or isinstance(v, str | int | float | bool) else str(v)
            )
    frame["_line"] = pd.Series(lines, dtype="int64") if rows else pd.Series([], dtype="int64")
    return frame
