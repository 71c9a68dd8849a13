"""Parse a CSV's rows in slices on every core, when each line is exactly one row.

The fast path under ``csvread.read_csv`` (whole files, plain or gzip) and ``window``
(a byte range found by bisection, or a streamed file filtered by time). The bytes are
cut into 8 MB slices after a newline; one worker thread per core takes the next
slice and parses it with Arrow's single-threaded parser (which releases the GIL);
results are committed in file order. On 2 cores that beat Arrow's own threads on
each slice by 15-20%, since slicing, checking and committing overlap with parsing.

A slice is accepted only when its rows equal its newlines (Arrow is told values hold
no newlines, and empty lines are rows, so a quoted newline, a blank line or a ragged
row shows up as a mismatch or an error); then row i of the input is line
``first_line + i``. Anything else returns None and the caller reads another way.

Memory stays near the size of the result: numeric columns are copied slice by slice
into one preallocated array, and Arrow memory comes from a pool that returns freed
memory at once.
"""

from __future__ import annotations

import ctypes
import os
import threading
from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from .sources import Source, byte_stream

THREADS_ENV = "POSTMORTEM_CSV_THREADS"
WORKERS = max(1, min(pa.cpu_count(), 8))
CHUNK_BYTES = 8 << 20  # slices that stay in cache: 64 MB slices parsed 30-50% slower here
DECAY_MS = 20  # jemalloc returns freed pages after this long: scratch reused, peak held
NULL_VALUES = [""]  # only an empty field is missing: "null" or "N/A" in a log line is text
NULLABLE_INTS = {pa.int64(): pd.Int64Dtype(), pa.int32(): pd.Int64Dtype()}

# keep(table) -> (rows to keep, rows whose time could not be read): a per-slice filter
Keep = Callable[[pa.Table], tuple[np.ndarray, int]]

_POOL: pa.MemoryPool | None = None


def arrow_pool() -> pa.MemoryPool:
    """A pool that hands freed memory back within ``DECAY_MS`` (jemalloc), else Arrow's default.

    With the default pool the numeric copies made by ``to_pandas`` stacked on memory the
    parse had freed but kept: 1.24 GB peak against 1.09 GB for the same 760 MB file. With
    decay 0 every slice's scratch memory was faulted in afresh (450k page faults, 1.0-1.5
    s of system time for that file); 20 ms keeps it for the next slice (280k faults, the
    size of the result) and peaks at 1.09-1.10 GB.
    """
    global _POOL
    if _POOL is None:
        try:
            pa.jemalloc_set_decay_ms(DECAY_MS)  # before the pool's first use: arenas take it then
            pool = pa.jemalloc_memory_pool()
        except (NotImplementedError, pa.ArrowNotImplementedError):
            pool = pa.default_memory_pool()
        _POOL = pool
    return _POOL


def release_memory(pool: pa.MemoryPool) -> None:
    """Hand memory the parse freed back to the OS before the frame is built (the peak).

    jemalloc returns pages only as it allocates, and glibc keeps what the worker threads
    freed (the slices' bytes) in per-thread heaps: together 60-80 MB for a 760 MB file.
    """
    pool.release_unused()
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def _libc():
    try:
        return ctypes.CDLL("libc.so.6")  # glibc; elsewhere there is nothing to trim
    except OSError:
        return None


_LIBC = _libc()


def file_slices(path, start: int, end: int, size: int = 0) -> Iterator[memoryview]:
    """Bytes [start, end) of a plain file as slices of about ``size``, cut after a newline.

    Each slice is its own ``bytes`` (one read, no zero-filling, no joining); the cut-off
    last line of a read is read again as the start of the next one.
    """
    size = size or CHUNK_BYTES
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


def stream_slices(
    stream: pa.NativeFile, size: int = 0, header_rows: int = 1
) -> Iterator[memoryview]:
    """A (decompressing) stream after its first ``header_rows`` lines, as slices cut after
    a newline.

    Workers take slices under a lock, so one decompresses (outside the GIL) while the
    other parses: gzip's single-threaded inflate no longer adds to the parse time.
    """
    size = size or CHUNK_BYTES
    carry = b""
    skip = header_rows
    with stream as fh:
        while True:
            data = fh.read(size)
            if not data:
                if carry:
                    yield memoryview(carry)
                return
            buf = carry + data if carry else data
            while skip:
                nl = buf.find(b"\n")
                if nl < 0:
                    break
                buf, skip = buf[nl + 1 :], skip - 1
            if skip:
                carry = buf
                continue
            cut = buf.rfind(b"\n") + 1
            if cut == 0:
                carry = buf
                continue
            carry = buf[cut:]
            yield memoryview(buf)[:cut]


def body_slices(src: Source) -> tuple[Iterator[memoryview], int]:
    """The rows after a CSV's header as slices, and the bytes they span (a sizing guess)."""
    if src.compressed:
        with open(src.path, "rb") as fh:  # gzip states its size, modulo 4 GiB
            fh.seek(-4, os.SEEK_END)
            stated = int.from_bytes(fh.read(4), "little")
        slices = stream_slices(byte_stream(src), header_rows=src.header_rows)
        return slices, max(src.size * 4, stated)
    with open(src.path, "rb") as fh:
        for _ in range(src.header_rows):
            fh.readline()  # a header with quoted newlines fails the row check later
        start = fh.tell()
    return file_slices(src.path, start, src.size), src.size


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
        # timestamps as their int64 nanoseconds (the Arrow buffer's layout)
        dtype = "float64" if type_ == pa.float64() else "int64"
        self.values = np.empty(capacity, dtype)
        self.mask = np.zeros(capacity, bool)  # True = missing; calloc'd, so free until written
        self.n = 0

    def add(self, col: pa.ChunkedArray) -> None:
        k = len(col)
        if self.n + k > len(self.values):
            size = max(2 * len(self.values), self.n + k)
            grown = np.empty(size - self.n, self.values.dtype)
            self.values = np.concatenate([self.values[: self.n], grown])
            self.mask = np.concatenate([self.mask[: self.n], np.zeros(size - self.n, bool)])
        for chunk in col.chunks:
            # straight from the buffers, nulls not filled first: a missing value's slot is
            # masked, whatever it holds
            m, off = len(chunk), chunk.offset
            dest = slice(self.n, self.n + m)
            validity, data = chunk.buffers()[:2]
            self.values[dest] = np.frombuffer(data, self.values.dtype, count=m, offset=off * 8)
            if chunk.null_count:
                bits = np.unpackbits(np.frombuffer(validity, np.uint8), bitorder="little")
                self.mask[dest] = bits[off : off + m] == 0
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
        arr = pa.Array.from_buffers(self.type, self.n, [bitmap, pa.py_buffer(values)])
        return pa.table({"t": arr}).to_pandas(split_blocks=True)["t"].array


def _parse_slice(view: memoryview, types, read, parse, pool) -> pa.Table | None:
    """One slice; None when its rows are not exactly its lines, or its last row leaves a
    quote open (it would run to the slice's end and pass the count: the streaming reader
    reports it)."""
    end = len(view)
    if view.obj.count(b'"', view.obj.rfind(b"\n", 0, end - 1) + 1, end) % 2:
        return None
    arr = np.frombuffer(view, np.uint8)
    lines = int(np.count_nonzero(arr == 10)) + (0 if arr[-1] == 10 else 1)
    conv = pacsv.ConvertOptions(
        column_types=types,
        strings_can_be_null=True,
        null_values=NULL_VALUES,
        check_utf8=not view.obj.isascii(),  # ASCII is valid UTF-8; isascii is a fast scan
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
    """Worker threads take the next slice and parse it; results are committed in file order."""

    def __init__(self, slices, parse_one, commit) -> None:
        self.slices = enumerate(slices)
        self.parse_one = parse_one
        self.commit = commit
        self.take = threading.Lock()
        self.put = threading.Lock()
        self.done: dict[int, object] = {}
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
                result = self.parse_one(view)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                result = None
            if result is None:
                self.failed = True
                return
            with self.put:
                self.done[i] = result
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


class _Assembly:
    """Committed slices: numeric columns in single arrays, the rest as Arrow tables."""

    def __init__(self, fields: list[pa.Field], capacity: int, first_line: int) -> None:
        self.numbers = {
            f.name: _Numbers(f.type, capacity) for f in fields if f.type in _Numbers.KINDS
        }
        self.tables: list[pa.Table] = []
        self.first_line = first_line
        self.rows_seen = 0
        self.kept_lines: list[np.ndarray] | None = None
        self.unplaced = 0

    def commit(self, item: tuple[pa.Table, np.ndarray | None, int]) -> None:
        table, keep, unplaced = item
        start = self.first_line + self.rows_seen
        self.rows_seen += table.num_rows
        if keep is not None:
            if self.kept_lines is None:
                self.kept_lines = []
            self.kept_lines.append(start + np.flatnonzero(keep))
            table = table.filter(pa.array(keep))
        self.unplaced += unplaced
        for name, col in self.numbers.items():
            col.add(table.column(name))
        self.tables.append(table.drop_columns(list(self.numbers)))

    def frame(self, order: list[str], pool: pa.MemoryPool) -> pd.DataFrame:
        rest = pa.concat_tables(self.tables)
        self.tables.clear()
        frame = rest.to_pandas(
            self_destruct=True, split_blocks=True, types_mapper=NULLABLE_INTS.get, memory_pool=pool
        )
        del rest
        data = {c: self.numbers[c].to_pandas() if c in self.numbers else frame[c] for c in order}
        if self.kept_lines is None:
            data["_line"] = np.arange(self.first_line, self.first_line + len(frame), dtype="int64")
        else:
            data["_line"] = np.concatenate([np.zeros(0, "int64"), *self.kept_lines])
        return pd.DataFrame(data, index=frame.index, copy=False)


def read_parallel(
    slices: Iterator[memoryview],
    *,
    columns: list[str],
    delimiter: str,
    types: dict[str, pa.DataType],
    first_line: int,
    size_hint: int,
    keep: Keep | None = None,
) -> tuple[pd.DataFrame, int] | None:
    """(frame with ``_line``, rows ``keep`` could not place) or None when not applicable.

    ``slices`` hold whole lines (``file_slices``, ``stream_slices``); the first one is
    parsed alone and fixes the column types for the rest. ``size_hint`` (bytes of input)
    sizes the numeric arrays; a low guess only costs a copy when they grow.
    """
    if os.environ.get(THREADS_ENV) == "0":
        return None
    parse = pacsv.ParseOptions(
        delimiter=delimiter, newlines_in_values=False, ignore_empty_lines=False
    )
    read = pacsv.ReadOptions(column_names=columns, use_threads=False, block_size=2 * CHUNK_BYTES)
    pool = arrow_pool()

    def parse_one(view, types=types, read=read):
        table = _parse_slice(view, types, read, parse, pool)
        if table is None:
            return None
        if keep is None:
            return table, None, 0
        return (table, *keep(table))

    try:
        first_view = next(slices, None)
        if first_view is None:
            return None
        # the first slice alone (it fixes the column types): Arrow's own threads for it
        read_first = pacsv.ReadOptions(column_names=columns, block_size=CHUNK_BYTES // 4)
        first = parse_one(first_view, read=read_first)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError):
        return None
    if first is None:
        return None
    fields = [
        pa.field(f.name, pa.large_string() if pa.types.is_null(f.type) else f.type)
        for f in first[0].schema
    ]
    current = {f.name: f.type for f in fields}
    capacity = int(size_hint / len(first_view) * first[0].num_rows * 1.1) + 1024
    done = _Assembly(fields, capacity, first_line)
    done.commit((first[0].cast(pa.schema(fields)), first[1], first[2]))
    del first, first_view
    work = _InOrder(slices, lambda v: parse_one(v, types=current), done.commit)
    try:
        ok = work.run(WORKERS)
    except OSError:
        return None
    release_memory(pool)
    if not ok:
        return None
    return done.frame(list(current), pool), done.unplaced


def read_body(
    src: Source,
    *,
    columns: list[str],
    delimiter: str,
    types: dict[str, pa.DataType],
    keep: Keep | None = None,
) -> tuple[pd.DataFrame, int] | None:
    """Every row after ``src``'s header, on every core: ``read_parallel`` of the file."""
    slices, size_hint = body_slices(src)
    return read_parallel(
        slices,
        columns=columns,
        delimiter=delimiter,
        types=types,
        first_line=src.first_row_line,
        size_hint=size_hint,
        keep=keep,
    )
