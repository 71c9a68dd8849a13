"""Read only a time window of a log CSV.

Time-sorted, uncompressed files: the window's byte range is found by bisection on
byte offsets (each probe parses one line), and only those bytes are parsed; the
line number of the first row comes from counting newlines before it (a fast byte
scan, no parsing). Sortedness is checked on 64 evenly spaced probe lines first.
Unsorted or gzip files are read whole, on every core (parallel.py) or else with
pyarrow's streaming reader, keeping only rows inside the window: memory stays bounded
by the window, time is about that of a full read.
"""

from __future__ import annotations

import io
import logging
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ..errors import InputFormatError
from . import parallel
from .bisect import byte_range, iso_time
from .csvhead import column_types
from .csvread import BLOCK_SIZE, CsvTable, row_lines
from .formats import ISO_AWARE
from .parallel import NULL_VALUES, NULLABLE_INTS
from .sources import Source, byte_stream, count_newlines
from .timestamps import TimeRule, parse_times

log = logging.getLogger(__name__)


def bisect_window(
    src: Source,
    *,
    columns: list[str],
    delimiter: str,
    time_sources: list[str],
    string_columns: set[str],
    utc_columns: set[str] = frozenset(),
    lo,
    hi,
    tz: str | None,
    rule: TimeRule,
) -> CsvTable | None:
    """The rows with lo <= time < hi of a sorted, uncompressed CSV; None when not applicable."""
    rng = byte_range(
        src,
        columns=columns,
        delimiter=delimiter,
        time_sources=time_sources,
        lo=lo,
        hi=hi,
        time_of=_time_of(tz, rule),
    )
    if rng is None:
        if not src.compressed:
            log.info("%s: not time-sorted on probes; streaming the window", src.path.name)
        return None
    types = column_types(src.head, delimiter, columns, string_columns, utc_columns)
    # The lines before the window are counted while it is parsed (both release the GIL):
    # for a window in the middle of a 760 MB file that was 0.1-0.25 s before the parse.
    with ThreadPoolExecutor(1) as pool:
        counted = pool.submit(count_newlines, src.path, rng.data_start, rng.start)
        got = parallel.read_parallel(
            parallel.file_slices(src.path, rng.start, rng.end),
            columns=columns,
            delimiter=delimiter,
            types=types,
            first_line=0,  # numbered from 0 here, the offset is added below
            size_hint=rng.end - rng.start,
        )
        first_line = src.first_row_line + counted.result()
    if got is not None:  # every row one line
        frame = got[0]
        frame["_line"] = frame["_line"].to_numpy() + first_line
    else:  # quoted newlines, a type change, or an empty window (a ragged row raises)
        with open(src.path, "rb") as fh:
            fh.seek(rng.start)
            body = fh.read(max(rng.end - rng.start, 0))
        table = _parse(body, columns, delimiter, string_columns, src)
        lines = row_lines(table, first_line)
        frame = table.to_pandas(
            self_destruct=True, split_blocks=True, types_mapper=NULLABLE_INTS.get
        )
        frame["_line"] = lines
    log.info(
        "%s: window read by byte-offset bisection (bytes %d-%d of %d)",
        src.path.name,
        rng.start,
        rng.end,
        src.size,
    )
    return CsvTable(frame, columns, delimiter, [], 0, [])


def _time_of(tz: str | None, rule: TimeRule):
    """A probe line's time: ISO with offsets by ``iso_time`` (2 µs), else through
    ``parse_times`` (a one-row parse, 480 µs)."""

    def time_of(value: str):
        if rule.format is None and ISO_AWARE.match(value):
            return iso_time(value)
        try:
            parsed = parse_times(pd.Series([value], dtype="str"), tz=tz, rule=rule)
        except Exception:
            return None
        t = parsed.values.iloc[0]
        return None if pd.isna(t) else t

    return time_of


def _parse(body: bytes, columns, delimiter, string_columns, src: Source) -> pa.Table:
    types = {c: pa.string() for c in columns if c in string_columns}
    read = pacsv.ReadOptions(column_names=columns, block_size=BLOCK_SIZE)
    parse = pacsv.ParseOptions(
        # no skipping: a row with the wrong number of fields raises, and the caller reads
        # the whole file, which reports it with its line and counts it (csvread)
        delimiter=delimiter, newlines_in_values=True
    )
    conv = pacsv.ConvertOptions(
        column_types=types, strings_can_be_null=True, null_values=NULL_VALUES
    )
    if not body.strip():
        return pa.table({c: pa.array([], type=pa.string()) for c in columns})
    return pacsv.read_csv(
        io.BytesIO(body), read_options=read, parse_options=parse, convert_options=conv
    )


def stream_window(
    src: Source,
    *,
    columns: list[str],
    delimiter: str,
    time_sources: list[str],
    string_columns: set[str],
    lo,
    hi,
    tz: str | None,
    rule: TimeRule,
) -> CsvTable:
    """Gzip or unsorted files: every row is read, only rows inside the window are kept.

    On every core when each line is one row (parallel.py, filtering each slice as it is
    committed); else Arrow's streaming reader, block by block. Memory stays bounded by
    the window either way.
    """

    def keep(table):
        return _time_mask(table, columns, time_sources, tz, rule, lo, hi)

    if src.encoding == "utf-8":
        # times stay text here: one bad value must not fail a slice, it is counted instead
        types = column_types(src.head, delimiter, columns, string_columns)
        got = parallel.read_body(
            src, columns=columns, delimiter=delimiter, types=types, keep=keep
        )
        if got is not None:
            frame, unplaced = got
            return CsvTable(frame, columns, delimiter, [], unplaced, _unplaced(src, unplaced))
    types = {c: pa.string() for c in columns if c in string_columns}
    read = pacsv.ReadOptions(
        column_names=columns,
        skip_rows=src.header_rows,
        block_size=BLOCK_SIZE,
        encoding="utf8" if src.encoding == "utf-8" else src.encoding,
    )
    parse = pacsv.ParseOptions(
        # no skipping: a row with the wrong number of fields raises, and the caller reads
        # the whole file, which reports it with its line and counts it (csvread)
        delimiter=delimiter, newlines_in_values=True
    )
    conv = pacsv.ConvertOptions(
        column_types=types, strings_can_be_null=True, null_values=NULL_VALUES
    )
    try:
        reader, kept, kept_lines, unplaced = _stream_filter(
            byte_stream(src), read, parse, conv, keep, src.first_row_line
        )
    except (OSError, EOFError, pa.ArrowInvalid) as exc:  # truncated gzip, broken CSV
        raise InputFormatError(f"cannot read the file: {exc}", path=src.path) from exc
    schema = reader.schema
    table = pa.Table.from_batches(kept, schema=schema)
    frame = table.to_pandas(self_destruct=True, split_blocks=True, types_mapper=NULLABLE_INTS.get)
    frame["_line"] = np.concatenate(kept_lines) if kept_lines else np.zeros(0, "int64")
    return CsvTable(frame, columns, delimiter, [], unplaced, _unplaced(src, unplaced))


def _unplaced(src: Source, unplaced: int) -> list[str]:
    if not unplaced:
        return []
    return [
        f"{src.path.name}: {unplaced} rows with an unparseable time were "
        "outside any window and skipped"
    ]


def _time_mask(batch, columns, time_sources, tz, rule, lo, hi) -> tuple[np.ndarray, int]:
    """Rows whose time is in [lo, hi), and how many rows had no readable time."""
    if len(time_sources) == 1:
        key = batch.column(columns.index(time_sources[0]))
    else:
        parts = [batch.column(columns.index(c)) for c in time_sources]
        key = pc.binary_join_element_wise(*parts, " ")
    t = parse_times(key, tz=tz, rule=rule).values
    mask = t.notna().to_numpy().copy()
    unplaced = int((~mask).sum())
    if lo is not None:
        mask &= (t >= lo).to_numpy()
    if hi is not None:
        mask &= (t < hi).to_numpy()
    return mask, unplaced


def _stream_filter(stream, read, parse, conv, keep, first_line: int):
    """Read ``stream`` block by block, keeping the rows ``keep`` selects."""
    kept, kept_lines, unplaced = [], [], 0
    next_line = first_line
    with stream as fh:
        reader = pacsv.open_csv(fh, read_options=read, parse_options=parse, convert_options=conv)
        for batch in reader:
            lines = row_lines(batch, next_line)
            if batch.num_rows:
                next_line = int(lines[-1]) + 1
            mask, bad = keep(batch)
            unplaced += bad
            if mask.any():
                kept.append(batch.filter(pa.array(mask)))
                kept_lines.append(lines[mask])
    return reader, kept, kept_lines, unplaced
