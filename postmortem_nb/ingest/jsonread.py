"""JSON input: a document, a list, or JSON lines; records flattened with dotted keys.

Nested objects become dotted columns (``httpRequest.status``, ``labels.severity``);
lists are kept as JSON text so they stay readable and comparable.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from json.decoder import scanstring
from typing import Any

import pandas as pd

from ..errors import InputFormatError
from .sources import Source, decode, read_all_bytes

# a format's ``records``: the key holding the records in a wrapper object, or alternatives
RecordsKey = str | tuple[str, ...] | None


@dataclass
class JsonDoc:
    """Top-level JSON values with the line each starts on (JSON lines: one per line).

    ``starts`` gives the objects inside one JSON document (the records of a list or of
    ``{"incidents": [...]}``, the webhooks of a list) the line they start on, by ``id``:
    the evidence then points at the record, not at the document's first line.
    """

    tops: list[Any]
    lines: list[int]
    warnings: list[str] = field(default_factory=list)
    starts: dict[int, int] = field(default_factory=dict)


def load_json(src: Source) -> JsonDoc:
    """Parse a JSON document or JSON lines; errors give the line and what was found."""
    text, _enc = decode(read_all_bytes(src.path), path=src.path, complete=True)
    stripped = text.strip()
    if not stripped:
        raise InputFormatError("the file is empty; expected JSON", path=src.path)
    if "\n" in stripped:  # on one line every record is on line 1: nothing to look for
        try:
            doc, starts, first_line = _scan_document(text)
            return JsonDoc([doc], [first_line], starts=starts)
        except (ValueError, RecursionError):
            pass  # JSON lines, or not JSON: json.loads says which, with the error's position
    try:
        doc = json.loads(stripped)
        return JsonDoc([doc], [_first_line(text)])
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


_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
# containers scanned item by item from the top: a document, its record list, and the
# lists inside a list of wrappers ([{"alerts": [...]}, ...]); each record is parsed whole
# by the C decoder. A big pretty-printed document takes up to twice json.loads's time and
# more memory (keys are not shared between records); one on a single line skips the scan.
_SCAN_DEPTH = 3


@cache
def _record_keys() -> frozenset[str]:
    """Keys that hold records inside a wrapper object (formats' ``records`` and the usual)."""
    from .formats import FORMATS

    keys = {k for f in FORMATS for k in _as_keys(f.records)}
    return frozenset(keys | set(CONTAINER_KEYS))


def _as_keys(key: RecordsKey) -> tuple[str, ...]:
    """A format's ``records``: no key, one, or alternatives."""
    return (key,) if isinstance(key, str) else tuple(key or ())


def _first_line(text: str) -> int:
    """The line a document starts on (blank lines before it are allowed)."""
    return text.count("\n", 0, len(text) - len(text.lstrip())) + 1


class _LineAt:
    """Line numbers of increasing offsets in a text, counted forward once."""

    def __init__(self, text: str) -> None:
        self.text, self.pos, self.line = text, 0, 1

    def __call__(self, pos: int) -> int:
        self.line += self.text.count("\n", self.pos, pos)
        self.pos = pos
        return self.line


def _scan_document(text: str) -> tuple[Any, dict[int, int], int]:
    """One JSON document, the line each record-level object starts on, and its first line.

    Raises ValueError for anything but exactly one JSON value: JSON lines and invalid
    JSON are then read by the caller as before.
    """
    starts: dict[int, int] = {}
    line_at = _LineAt(text)
    pos = _WS.match(text).end()
    first = line_at(pos)
    value, end = _scan(text, pos, _SCAN_DEPTH, line_at, starts, whole=False)
    if _WS.match(text, end).end() != len(text):
        raise ValueError("extra data after the JSON value")
    return value, starts, first


def _scan(text: str, pos: int, depth: int, line_at: _LineAt, starts: dict, *, whole=True):
    """The value at ``pos`` and its end; objects met get their line in ``starts``.

    Lists are walked item by item while ``depth`` lasts; an object only at the top
    (``whole=False``) or when it wraps a list of records (a webhook's ``alerts``), else it
    is one C-speed ``raw_decode``.
    """
    ch = text[pos : pos + 1]
    if depth > 0 and ch == "[":
        return _scan_list(text, pos, depth, line_at, starts)
    if ch != "{":
        return _DECODER.raw_decode(text, pos)
    if not whole:
        return _scan_object(text, pos, depth, line_at, starts)
    value, end = _DECODER.raw_decode(text, pos)
    if depth >= 2 and _wraps_records(value):
        return _scan_object(text, pos, depth, line_at, starts)  # parsed again, walked
    starts[id(value)] = line_at(pos)
    return value, end


def _wraps_records(obj: dict) -> bool:
    """Whether ``obj`` holds a list under a records key, whose records want their own lines.

    A records key holding one object is not enough: every PagerDuty log entry refers to its
    ``incident`` like that, and walking each entry again made a bare list 3x slower to read.
    """
    return any(isinstance(obj[k], list) for k in _record_keys().intersection(obj))


def _scan_list(text: str, pos: int, depth: int, line_at: _LineAt, starts: dict):
    out: list[Any] = []
    pos = _WS.match(text, pos + 1).end()
    if text[pos : pos + 1] == "]":
        return out, pos + 1
    while True:
        item, pos = _scan(text, pos, depth - 1, line_at, starts)
        out.append(item)
        pos = _WS.match(text, pos).end()
        sep = text[pos : pos + 1]
        if sep == "]":
            return out, pos + 1
        if sep != ",":
            raise ValueError(f"expected , or ] at offset {pos}")
        pos = _WS.match(text, pos + 1).end()


def _scan_object(text: str, pos: int, depth: int, line_at: _LineAt, starts: dict):
    out: dict[str, Any] = {}
    starts[id(out)] = line_at(pos)
    pos = _WS.match(text, pos + 1).end()
    if text[pos : pos + 1] == "}":
        return out, pos + 1
    while True:
        if text[pos : pos + 1] != '"':
            raise ValueError(f"expected a key at offset {pos}")
        key, pos = scanstring(text, pos + 1)
        pos = _WS.match(text, pos).end()
        if text[pos : pos + 1] != ":":
            raise ValueError(f"expected : at offset {pos}")
        pos = _WS.match(text, pos + 1).end()
        out[key], pos = _scan(text, pos, depth - 1, line_at, starts)
        pos = _WS.match(text, pos).end()
        sep = text[pos : pos + 1]
        if sep == "}":
            return out, pos + 1
        if sep != ",":
            raise ValueError(f"expected , or }} at offset {pos}")
        pos = _WS.match(text, pos + 1).end()


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


def _under(item, key: RecordsKey) -> list | None:
    """The records under ``key`` (the first of several the item has): its list, or its one
    object (a "get one" API response, e.g. Opsgenie's ``{"data": {...}, "took": 0.01,
    "requestId": ...}``, PagerDuty's ``{"incident": {...}}``)."""
    if not isinstance(item, dict):
        return None
    for k in _as_keys(key):
        value = item.get(k)
        if isinstance(value, list):
            return value
        if isinstance(value, dict):
            return [value]
    return None


def records(doc: JsonDoc, key: RecordsKey) -> tuple[list[dict], list[int], list[dict]]:
    """The records of a document: from ``key`` when present, else the objects themselves.

    Returns (records, line per record: where it starts, else its JSON line's; the parent
    object per record).
    """
    recs, lines, parents = [], [], []
    starts = doc.starts
    for top, line in zip(doc.tops, doc.lines, strict=True):
        items = top if isinstance(top, list) else [top]
        for item in items:
            under = _under(item, key)
            if under is not None:
                for rec in under:
                    if isinstance(rec, dict):
                        recs.append(rec)
                        # a single record in a list of wrappers: its wrapper's line
                        lines.append(starts.get(id(rec), starts.get(id(item), line)))
                        parents.append(item)
            elif isinstance(item, dict) and not key and _container(item) is not None:
                inner = item[_container(item)]
                recs.extend(inner)
                lines.extend(starts.get(id(r), line) for r in inner)
                parents.extend([item] * len(inner))
            elif isinstance(item, dict):
                recs.append(item)
                lines.append(starts.get(id(item), line))
                parents.append({})
    return recs, lines, parents


def _keys(record: dict) -> set[str]:
    """Flattened keys plus every dotted prefix (``labels`` as well as ``labels.job``)."""
    keys = set(flatten(record))
    for k in list(keys):
        parts = k.split(".")
        keys.update(".".join(parts[:i]) for i in range(1, len(parts)))
    return keys | set(record)


def probe(doc: JsonDoc, records_key: RecordsKey) -> tuple[set[str], set[str]]:
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
