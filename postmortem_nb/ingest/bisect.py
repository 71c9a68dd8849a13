"""Find the bytes of a time-sorted, uncompressed CSV that hold a time window.

Bisection on byte offsets: each probe reads the first whole line at an offset and
parses its time. Sortedness is checked on 64 evenly spaced probe lines first. The time
of a probe line comes from the caller (``time_of``); ``iso_time`` reads the common
ISO-with-offset case with the standard library.

Probe times are compared to bounds widened to whole microseconds (``lo`` down, ``hi``
up): the range may hold a few rows just outside the window, never miss one inside it.
The caller filters the rows it reads exactly.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from .formats import ISO_AWARE
from .sources import Source

PROBES = 64
LINEAR_BYTES = 64 * 1024
MAX_LINE = 1 << 20
PROBE_BYTES = 16 << 10

TimeOf = Callable[[str], "datetime | None"]


def iso_time(value: str) -> datetime | None:
    """An ISO 8601 time with an offset, cut to the microsecond (2 µs; pandas takes 4)."""
    if not ISO_AWARE.match(value):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def bound_us(value, up: bool) -> datetime | None:
    """A tz-aware bound (datetime or pandas Timestamp) as a datetime on a whole microsecond."""
    if value is None:
        return None
    nanos = getattr(value, "nanosecond", 0)
    exact = value.to_pydatetime(warn=False) if hasattr(value, "to_pydatetime") else value
    return exact + timedelta(microseconds=1) if up and nanos else exact


@dataclass(frozen=True)
class ByteRange:
    """Bytes [start, end) hold the window; ``data_start`` is where the rows begin."""

    data_start: int
    start: int
    end: int


class _Probe:
    """Reads one line at a byte offset and parses its time (None when it can't)."""

    def __init__(self, fh, *, delimiter: str, ncols: int, time_idx, time_of: TimeOf) -> None:
        self.fh, self.delimiter, self.ncols = fh, delimiter, ncols
        self.time_idx, self.time_of = time_idx, time_of

    def line_at(self, offset: int, data_start: int) -> tuple[int, bytes]:
        """(start, bytes) of the first line starting at or after ``offset``."""
        if offset <= data_start:
            start = data_start
        else:
            self.fh.seek(offset - 1)
            chunk = self.fh.read(PROBE_BYTES)  # most lines end well within this
            nl = chunk.find(b"\n")
            if nl < 0 and len(chunk) == PROBE_BYTES:
                chunk += self.fh.read(MAX_LINE - PROBE_BYTES)
                nl = chunk.find(b"\n")
            if nl < 0:
                return -1, b""
            start = offset + nl
        self.fh.seek(start)
        return start, self.fh.readline(MAX_LINE)

    def time(self, line: bytes) -> datetime | None:
        try:
            rec = next(csv.reader([line.decode("utf-8", "replace")], delimiter=self.delimiter))
        except (csv.Error, StopIteration):
            return None
        if len(rec) != self.ncols:
            return None
        return self.time_of(" ".join(rec[i] for i in self.time_idx))

    def next_valid(self, offset: int, data_start: int, limit: int, tries: int = 50):
        """First line at/after offset (before ``limit``) with a parseable time."""
        start, line = self.line_at(offset, data_start)
        for _ in range(tries):
            if start < 0 or not line or start >= limit:
                return None
            t = self.time(line)
            if t is not None:
                return start, len(line), t
            start += len(line)
            self.fh.seek(start)
            line = self.fh.readline(MAX_LINE)
        return None


def _first_at_or_after(probe: _Probe, target: datetime, data_start: int, size: int) -> int:
    lo, hi = data_start, size
    while hi - lo > LINEAR_BYTES:
        mid = (lo + hi) // 2
        found = probe.next_valid(mid, data_start, hi)
        if found is None:
            break
        start, length, t = found
        if t < target:
            lo = start + length
        else:
            hi = start
    probe.fh.seek(lo)
    pos = lo
    while pos < hi:
        line = probe.fh.readline(MAX_LINE)
        if not line:
            return size
        t = probe.time(line)
        if t is not None and t >= target:
            return pos
        pos += len(line)
    return hi


def byte_range(
    src: Source,
    *,
    columns: list[str],
    delimiter: str,
    time_sources: list[str],
    lo,
    hi,
    time_of: TimeOf = iso_time,
) -> ByteRange | None:
    """The bytes holding lo <= time < hi; None for gzip, unsorted or unreadable probes."""
    if src.compressed or any(c not in columns for c in time_sources):
        return None
    idx = [columns.index(c) for c in time_sources]
    lo_us, hi_us = bound_us(lo, up=False), bound_us(hi, up=True)
    with open(src.path, "rb") as fh:
        data_start = sum(len(fh.readline(MAX_LINE)) for _ in range(src.header_rows))
        size = src.size
        probe = _Probe(fh, delimiter=delimiter, ncols=len(columns), time_idx=idx, time_of=time_of)
        times = []
        for k in range(PROBES):
            found = probe.next_valid(
                data_start + (size - data_start) * k // PROBES, data_start, size
            )
            if found is not None:
                times.append(found[2])
        if len(times) < 2 or any(b < a for a, b in itertools.pairwise(times)):
            return None
        a = data_start if lo_us is None else _first_at_or_after(probe, lo_us, data_start, size)
        b = size if hi_us is None else _first_at_or_after(probe, hi_us, a, size)
    return ByteRange(data_start, a, b)
