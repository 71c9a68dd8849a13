"""CSV/TSV reading with pyarrow: sniffed delimiter, explicit column types from the head.

Returns a pandas frame of the source columns plus ``_line`` (the physical line where
each record starts, header = line 1). Rows pyarrow cannot split into the header's
number of fields are skipped and reported with their line numbers.

Three paths, fastest first: big plain files in 64 MB slices through Arrow's threaded
parser (``read_chunked``, accepted only when rows == newlines per slice); otherwise
Arrow's streaming reader (bounded memory; gzip, quoted newlines, ragged rows, type
changes and encoding fallbacks are retried here); Python's ``csv`` only to recover
exact line numbers when rows had to be skipped.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import re
import threading
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ..errors import InputFormatError
from .sources import Source, text_stream

log = logging.getLogger(__name__)

_COLUMN_NO = re.compile(r"CSV column #(\d+)")
DELIMITERS = (",", "\t", ";", "|")
BLOCK_SIZE = 8 << 20
THREADS_ENV = "POSTMORTEM_CSV_THREADS"
MAX_EXAMPLES = 20
NULL_VALUES = [""]  # only an empty field is missing: "null", "N/A", "None" in a log line are text
_NULLABLE_INTS = {pa.int64(): pd.Int64Dtype(), pa.int32(): pd.Int64Dtype()}


@dataclass
class CsvTable:
    """A CSV read into pandas, with what was skipped and why."""

    frame: pd.DataFrame
    columns: list[str]
    delimiter: str
    skipped: list[dict] = field(default_factory=list)
    skipped_count: int = 0
    warnings: list[str] = field(default_factory=list)


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


def _stream(src: Source) -> pa.NativeFile:
    return pa.input_stream(str(src.path), compression="gzip" if src.compressed else None)


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


def read_table(
    src: Source,
    *,
    columns: list[str],
    delimiter: str,
    types: dict[str, pa.DataType],
    encoding: str = "utf-8",
    block_size: int = BLOCK_SIZE,
    on_invalid=None,
) -> pa.Table:
    """The whole CSV as an Arrow table (header skipped, names given).

    Arrow's streaming reader, not the threaded ``read_csv``: on a 760 MB log file the
    threaded reader peaked at 2.2 GB RSS, the streaming one at 1.1 GB, for a table of 0.9 GB.
    ``POSTMORTEM_CSV_THREADS=1`` chooses the threaded reader here (faster on several
    cores); ``=0`` also turns the chunked path off (single-threaded streaming only).
    """
    read = pacsv.ReadOptions(
        column_names=columns,
        skip_rows=1,
        block_size=block_size,
        encoding="utf8" if encoding == "utf-8" else encoding,
    )
    parse = pacsv.ParseOptions(
        delimiter=delimiter, newlines_in_values=True, invalid_row_handler=on_invalid
    )
    conv = pacsv.ConvertOptions(
        column_types=types, strings_can_be_null=True, null_values=NULL_VALUES
    )
    with _stream(src) as fh:
        if os.environ.get(THREADS_ENV) == "1":
            return pacsv.read_csv(fh, read_options=read, parse_options=parse, convert_options=conv)
        reader = pacsv.open_csv(fh, read_options=read, parse_options=parse, convert_options=conv)
        return pa.Table.from_batches(list(reader), schema=reader.schema)


CHUNK_BYTES = 8 << 20  # slices that stay in cache: 64 MB slices parsed 30-50% slower here


def arrow_pool() -> pa.MemoryPool:
    """A pool that hands freed memory back at once (jemalloc, decay 0), else Arrow's default.

    With the default pool the numeric copies made by ``to_pandas`` stacked on memory the
    parse had freed but kept: 1.24 GB peak against 1.09 GB for the same 760 MB file.
    """
    global _POOL
    if _POOL is None:
        try:
            pa.jemalloc_set_decay_ms(0)  # before the pool's first use: arenas take it then
            pool = pa.jemalloc_memory_pool()
        except (NotImplementedError, pa.ArrowNotImplementedError):
            pool = pa.default_memory_pool()
        _POOL = pool
    return _POOL


_POOL: pa.MemoryPool | None = None


def _slices(path, size: int, start: int, end: int):
    """Bytes [start, end) of a file as slices of about ``size``, each cut after a newline.

    Each slice is its own ``bytes`` (one read, no zero-filling, no joining); the cut-off
    last line of a read is read again as the start of the next one.
    """
    with open(path, "rb") as fh:
        pos = start
        while pos < end:
            fh.seek(pos)
            data = fh.read(min(size, end - pos))
            if not data:
                return
            cut = len(data)
            if pos + cut < end:
                cut = data.rfind(b"\n") + 1
                if cut == 0:  # a line longer than the slice: read more at once
                    size *= 2
                    continue
            pos += cut
            yield memoryview(data)[:cut]


class _Numbers:
    """One int64, float64 or UTC-timestamp column, copied slice by slice into one array.

    Arrow's chunked numeric columns would be copied into pandas at the end, on top of
    every slice's buffers (160 MB extra at the peak for four numeric columns of 5M rows);
    here each slice's values move into a preallocated array whose untouched tail never
    becomes resident, and the slice's Arrow buffers are dropped at once.
    """

    KINDS = (pa.int64(), pa.float64(), pa.timestamp("ns", "UTC"))

    def __init__(self, type_: pa.DataType, capacity: int) -> None:
        self.type = type_
        dtype = {"int64": "int64", "double": "float64"}.get(str(type_), "datetime64[ns]")
        self.values = np.empty(capacity, dtype)
        self.mask = np.zeros(capacity, bool)  # True = missing; calloc'd, so free until written
        self.n = 0

    def add(self, col: pa.ChunkedArray) -> None:
        k = len(col)
        if self.n + k > len(self.values):
            size = max(2 * len(self.values), self.n + k)
            self.values = np.concatenate(
                [self.values[: self.n], np.empty(size - self.n, self.values.dtype)]
            )
            self.mask = np.concatenate([self.mask[: self.n], np.zeros(size - self.n, bool)])
        for chunk in col.chunks:
            m = len(chunk)
            dest = slice(self.n, self.n + m)
            if chunk.null_count:
                self.mask[dest] = chunk.is_null().to_numpy(zero_copy_only=False)
                chunk = pc.fill_null(chunk, pa.scalar(0, chunk.type))
            self.values[dest] = chunk.to_numpy(zero_copy_only=False)
            self.n += m

    def to_pandas(self):
        values, mask = self.values[: self.n], self.mask[: self.n]
        if self.type == pa.int64():
            return pd.arrays.IntegerArray(values, mask, copy=False)
        if self.type == pa.float64():
            if mask.any():
                values[mask] = np.nan
            return values
        # timestamp: through a one-chunk Arrow array, which pandas wraps without a copy
        bitmap = pa.py_buffer(np.packbits(~mask, bitorder="little")) if mask.any() else None
        arr = pa.Array.from_buffers(self.type, self.n, [bitmap, pa.py_buffer(values.view("int64"))])
        return pa.table({"t": arr}).to_pandas(split_blocks=True)["t"].array


def _parse_slice(view: memoryview, types, read, parse, pool) -> pa.Table | None:
    """One slice, single-threaded; None when its rows are not exactly its lines."""
    arr = np.frombuffer(view, np.uint8)
    lines = int(np.count_nonzero(arr == 10)) + (0 if arr[-1] == 10 else 1)
    conv = pacsv.ConvertOptions(
        column_types=types,
        strings_can_be_null=True,
        null_values=NULL_VALUES,
        check_utf8=not view.obj.isascii(),
    )
    t = pacsv.read_csv(
        pa.BufferReader(pa.py_buffer(view)),
        read_options=read,
        parse_options=parse,
        convert_options=conv,
        memory_pool=pool,
    )
    return t if t.num_rows == lines else None


class _InOrder:
    """Worker threads take the next slice and parse it; results are committed in file order.

    Each worker runs Arrow's single-threaded parser (which releases the GIL): on 2 cores
    that beat Arrow's own threads on each slice by 15-20%, since slicing, newline
    counting and committing overlap with parsing instead of waiting between slices.
    """

    def __init__(self, slices, parse_one, commit) -> None:
        self.slices = enumerate(slices)
        self.parse_one = parse_one
        self.commit = commit
        self.take = threading.Lock()
        self.put = threading.Lock()
        self.done: dict[int, pa.Table] = {}
        self.next = 0
        self.failed = False
        self.error: BaseException | None = None

    def work(self) -> None:
        try:
            self._work()
        except BaseException as exc:  # a read error, or anything unexpected: run() raises it
            self.error, self.failed = exc, True

    def _work(self) -> None:
        while not self.failed:
            with self.take:
                item = next(self.slices, None)
            if item is None:
                return
            i, view = item
            try:
                table = self.parse_one(view)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                table = None
            if table is None:
                self.failed = True
                return
            with self.put:
                self.done[i] = table
                while self.next in self.done:
                    self.commit(self.done.pop(self.next))
                    self.next += 1

    def run(self, workers: int) -> bool:
        threads = [threading.Thread(target=self.work, daemon=True) for _ in range(workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if self.error is not None:
            raise self.error
        return not self.failed


def read_chunked(
    src: Source, *, columns: list[str], delimiter: str, types: dict[str, pa.DataType]
) -> pd.DataFrame | None:
    """Big plain UTF-8 files, all rows after the header: see ``read_range``."""
    if src.compressed or src.encoding != "utf-8" or src.size < 2 * CHUNK_BYTES:
        return None
    with open(src.path, "rb") as fh:
        fh.readline()  # a header with quoted newlines fails the row check: streamed instead
        start = fh.tell()
    return read_range(src.path, start, src.size, columns=columns, delimiter=delimiter, types=types)


def read_range(
    path, start: int, end: int, *, columns: list[str], delimiter: str, types: dict[str, pa.DataType]
) -> pd.DataFrame | None:
    """The rows in bytes [start, end) of a plain UTF-8 CSV (start and end at line starts).

    8 MB slices cut at newlines, parsed by one thread per core, bounded memory (a slice
    per worker in flight). Valid only when every newline ends a row, which is checked
    per slice (rows parsed == newlines in the slice); any mismatch or error returns None
    and the caller reads another way. Column types come from the first slice so that all
    slices agree. A slice that is pure ASCII skips Arrow's UTF-8 validation (ASCII is
    valid UTF-8; the check is a fast byte scan). Returns the frame (source columns, in
    order); row i is the (i + 1)-th line of the range.
    """
    if os.environ.get(THREADS_ENV) == "0" or end <= start:
        return None
    parse = pacsv.ParseOptions(
        delimiter=delimiter, newlines_in_values=False, ignore_empty_lines=False
    )
    read = pacsv.ReadOptions(column_names=columns, use_threads=False, block_size=2 * CHUNK_BYTES)
    pool = arrow_pool()
    slices = _slices(path, CHUNK_BYTES, start, end)
    try:
        first_view = next(slices, None)
        # the first slice alone (it fixes the column types): Arrow's own threads for it
        read_first = pacsv.ReadOptions(column_names=columns, block_size=CHUNK_BYTES // 4)
        first = (
            None
            if first_view is None
            else _parse_slice(first_view, types, read_first, parse, pool)
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError):
        return None
    if first is None:
        return None
    fields = [
        pa.field(f.name, pa.large_string() if pa.types.is_null(f.type) else f.type)
        for f in first.schema
    ]
    first = first.cast(pa.schema(fields))
    current = {f.name: f.type for f in fields}
    capacity = int((end - start) / len(first_view) * first.num_rows * 1.1) + 1024
    numbers = {f.name: _Numbers(f.type, capacity) for f in fields if f.type in _Numbers.KINDS}
    tables: list[pa.Table] = []

    def commit(t: pa.Table) -> None:
        for name, col in numbers.items():
            col.add(t.column(name))
        tables.append(t.drop_columns(list(numbers)))

    commit(first)
    del first, first_view
    workers = max(1, min(pa.cpu_count(), 8))
    try:
        ok = _InOrder(slices, lambda v: _parse_slice(v, current, read, parse, pool), commit).run(
            workers
        )
    except OSError:
        return None
    if not ok:
        return None
    rest = pa.concat_tables(tables)
    tables.clear()
    frame = rest.to_pandas(
        self_destruct=True, split_blocks=True, types_mapper=_NULLABLE_INTS.get, memory_pool=pool
    )
    del rest
    data = {c: numbers[c].to_pandas() if c in numbers else frame[c] for c in current}
    return pd.DataFrame(data, index=frame.index, copy=False)


def count_newlines(path, start: int = 0, end: int | None = None) -> int:
    """Newline bytes in a byte range of a plain file (numpy, about memory speed)."""
    total = 0
    buf = bytearray(16 << 20)
    arr = np.frombuffer(buf, np.uint8)
    with open(path, "rb", buffering=0) as fh:
        fh.seek(start)
        remaining = None if end is None else end - start
        while remaining is None or remaining > 0:
            k = fh.readinto(buf)
            if not k:
                break
            if remaining is not None:
                k = min(k, remaining)
                remaining -= k
            total += int(np.count_nonzero(arr[:k] == 10))
    return total


def _line_numbers(
    src: Source, encoding: str, ncols: int, delimiter: str
) -> tuple[np.ndarray, list[int]]:
    """Slow path (rows were skipped): start lines of good and of bad records (Python's csv)."""
    good, bad = [], []
    old = csv.field_size_limit()
    csv.field_size_limit(1 << 30)
    try:
        with text_stream(src.path, encoding) as fh:
            reader = csv.reader(fh, delimiter=delimiter)
            prev = 0
            for i, rec in enumerate(reader):
                start = prev + 1
                prev = reader.line_num
                if i == 0 or not rec or (len(rec) == 1 and rec[0] == ""):
                    continue
                (good if len(rec) == ncols else bad).append(start)
    except (csv.Error, UnicodeDecodeError):
        return np.zeros(0, dtype="int64"), []
    finally:
        csv.field_size_limit(old)
    return np.asarray(good, dtype="int64"), bad


def row_lines(table: pa.Table | pa.RecordBatch, first_line: int) -> np.ndarray:
    """Start line of each row: newlines inside quoted values push later rows down."""
    n = table.num_rows
    extra = np.zeros(n, dtype="int64")
    for col in table.columns:
        is_text = pa.types.is_string(col.type) or pa.types.is_large_string(col.type)
        if is_text and pc.any(pc.match_substring(col, "\n")).as_py():
            counts = pc.count_substring(col, "\n").to_numpy(zero_copy_only=False)
            extra += np.nan_to_num(counts.astype("float64")).astype("int64")
    if not extra.any():
        return np.arange(first_line, first_line + n, dtype="int64")
    steps = 1 + extra
    return first_line + np.concatenate(([0], np.cumsum(steps)[:-1])).astype("int64")


def read_csv(
    src: Source,
    *,
    string_columns: set[str] | None = None,
    utc_columns: set[str] | None = None,
) -> CsvTable:
    """Read a CSV/TSV source; encoding and oversize-field problems are retried, then reported.

    ``utc_columns`` are parsed by Arrow straight to UTC timestamps (values with offsets);
    a conversion error there falls back to reading them as text.
    """
    if not src.head.strip():
        raise InputFormatError("the file is empty; expected a header line and rows", path=src.path)
    delimiter = sniff_delimiter(src.head)
    columns, warnings = header(src.head, delimiter)
    warnings = [f"{src.path.name}: {w}" for w in warnings]
    for w in warnings:
        log.warning(w)
    invalid: list[dict] = []

    def on_invalid(row) -> str:
        if len(invalid) < MAX_EXAMPLES:
            invalid.append(
                {
                    "file": str(src.path),
                    "line": row.number,
                    "reason": f"expected {row.expected_columns} fields, found {row.actual_columns}",
                    "value": (row.text or "")[:200],
                }
            )
        else:
            invalid.append({})
        return "skip"

    encoding = src.encoding
    block = BLOCK_SIZE
    types = column_types(src.head, delimiter, columns, string_columns, utc_columns)
    handler = None
    frame = read_chunked(src, columns=columns, delimiter=delimiter, types=types)
    if frame is not None:
        frame["_line"] = np.arange(2, len(frame) + 2, dtype="int64")
        return CsvTable(frame, columns, delimiter, [], 0, warnings)
    table = None
    for _attempt in range(12):
        invalid.clear()
        try:
            table = read_table(
                src,
                columns=columns,
                delimiter=delimiter,
                types=types,
                encoding=encoding,
                block_size=block,
                on_invalid=handler,
            )
            break
        except pa.ArrowInvalid as exc:
            text = str(exc)
            bad_col = _COLUMN_NO.search(text)
            if "UTF8" in text and encoding == "utf-8":
                encoding = "cp1252"
                msg = f"{src.path.name}: not valid UTF-8, read as cp1252"
                warnings.append(msg)
                log.warning(msg)
            elif "Expected" in text and "columns" in text and handler is None:
                handler = on_invalid
            elif ("straddling" in text or "block" in text.lower()) and block < (1 << 30):
                block = min(max(block * 16, src.size + 1024), 1 << 30)
            elif "conversion error" in text.lower() and bad_col:
                name = columns[int(bad_col.group(1))]
                if types.get(name) == pa.large_string():
                    raise InputFormatError(f"cannot parse as CSV: {text}", path=src.path) from exc
                types[name] = pa.large_string()
            else:
                raise InputFormatError(f"cannot parse as CSV: {text}", path=src.path) from exc
        except (OSError, UnicodeError, EOFError) as exc:
            raise InputFormatError(f"cannot read the file: {exc}", path=src.path) from exc
    else:
        if table is None:
            raise InputFormatError("cannot parse as CSV after retries", path=src.path)
    n = table.num_rows
    lines = None
    if not invalid and not src.compressed and count_newlines(src.path) - 1 in (n - 1, n):
        lines = np.arange(2, n + 2, dtype="int64")
    if lines is None and not invalid:
        lines = row_lines(table, 2)
    if lines is None:
        lines, bad_lines = _line_numbers(src, encoding, len(columns), delimiter)
        if len(lines) != n:
            lines = np.arange(2, n + 2, dtype="int64")
        elif len(bad_lines) == len(invalid):
            for rec, line in zip(invalid, bad_lines, strict=True):
                if rec:
                    rec["line"] = line
    frame = table.to_pandas(
        self_destruct=True,
        split_blocks=True,
        types_mapper=_NULLABLE_INTS.get,
        memory_pool=arrow_pool(),
    )
    del table
    frame["_line"] = lines
    examples = [r for r in invalid if r][:MAX_EXAMPLES]
    if invalid:
        msg = f"{src.path.name}: {len(invalid)} rows with the wrong number of fields skipped"
        warnings.append(msg)
        log.warning(msg)
    return CsvTable(frame, columns, delimiter, examples, len(invalid), warnings)
