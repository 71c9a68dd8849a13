"""CSV/TSV reading with pyarrow: sniffed delimiter, explicit column types from the head.

Returns a pandas frame of the source columns plus ``_line`` (the physical line where
each record starts, counted from the top of the file: blank lines or Excel's "sep=;"
hint before the header count too, see ``Source.skip_lines``). Rows pyarrow cannot split
into the header's number of fields are skipped and reported with their line numbers;
they count toward the bad-row limit with bad times (frame.py, ``POSTMORTEM_MAX_BAD_ROWS``).

Three paths, fastest first: big files (plain or gzip) in 8 MB slices parsed on every
core (``read_chunked``, parallel.py; accepted only when every line is one row);
otherwise Arrow's streaming reader (bounded memory; quoted newlines, ragged rows, type
changes and encoding fallbacks are retried here); Python's ``csv`` only to recover
exact line numbers when rows had to be skipped. Only an empty field is missing: words
such as "null" or "N/A" are kept as text. A quoted value that takes in lines looking like
rows without closing as CSV demands, or runs to the end of the file (a stray quote), is an
error naming its line.
"""

from __future__ import annotations

import csv
import logging
import os
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ..errors import InputFormatError
from . import parallel
from .csvhead import column_types, head_rows, header, sniff_delimiter
from .parallel import NULL_VALUES, NULLABLE_INTS, THREADS_ENV
from .sources import Source, byte_stream, count_newlines, text_stream

log = logging.getLogger(__name__)

_COLUMN_NO = re.compile(r"CSV column #(\d+)")
BLOCK_SIZE = 8 << 20
MAX_EXAMPLES = 20


@dataclass
class CsvTable:
    """A CSV read into pandas, with what was skipped and why."""

    frame: pd.DataFrame
    columns: list[str]
    delimiter: str
    skipped: list[dict] = field(default_factory=list)
    skipped_count: int = 0
    warnings: list[str] = field(default_factory=list)


def read_table(
    src: Source,
    *,
    columns: list[str],
    delimiter: str,
    types: dict[str, pa.DataType],
    encoding: str = "utf-8",
    block_size: int = BLOCK_SIZE,
    on_invalid=None,
    tail: bytearray | None = None,
) -> pa.Table:
    """The whole CSV as an Arrow table (header skipped, names given).

    Arrow's streaming reader, not the threaded ``read_csv``: on a 760 MB log file the
    threaded reader peaked at 2.2 GB RSS, the streaming one at 1.1 GB, for a table of 0.9 GB.
    ``POSTMORTEM_CSV_THREADS=1`` chooses the threaded reader here (faster on several
    cores); ``=0`` also turns the chunked path off (single-threaded streaming only).
    ``tail`` receives a gzip file's last decompressed bytes (the stray-quote check's end).
    """
    read = pacsv.ReadOptions(
        column_names=columns,
        skip_rows=src.header_rows,
        block_size=block_size,
        encoding="utf8" if encoding == "utf-8" else encoding,
    )
    parse = pacsv.ParseOptions(
        delimiter=delimiter, newlines_in_values=True, invalid_row_handler=on_invalid
    )
    conv = pacsv.ConvertOptions(
        column_types=types, strings_can_be_null=True, null_values=NULL_VALUES
    )
    with byte_stream(src) as fh:
        if os.environ.get(THREADS_ENV) == "1":
            table = pacsv.read_csv(
                fh, read_options=read, parse_options=parse, convert_options=conv
            )
        else:
            reader = pacsv.open_csv(
                fh, read_options=read, parse_options=parse, convert_options=conv
            )
            table = pa.Table.from_batches(list(reader), schema=reader.schema)
        if tail is not None:
            tail[:] = getattr(fh, "tail", b"")
    return table


def read_chunked(
    src: Source, *, columns: list[str], delimiter: str, types: dict[str, pa.DataType]
) -> pd.DataFrame | None:
    """Big UTF-8 files, plain or gzip, on every core (parallel.py); None when not applicable.

    The frame has ``_line``. Small files are not worth the threads.
    """
    if src.encoding != "utf-8" or src.size < (
        parallel.CHUNK_BYTES if src.compressed else 2 * parallel.CHUNK_BYTES
    ):
        return None
    got = parallel.read_body(src, columns=columns, delimiter=delimiter, types=types)
    return None if got is None else got[0]


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
            for rec in reader:
                start = prev + 1
                prev = reader.line_num
                if start <= src.header_rows or not rec or (len(rec) == 1 and rec[0] == ""):
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


def _row_shape(src: Source, delimiter: str, ncols: int) -> str | None:
    """A regex for a line that looks like one of this file's rows, or None (one column).

    The line starts like the first row's first field (digit runs, letter runs and the
    punctuation between them: a timestamp, an id) and holds ``ncols - 1`` delimiters.
    """
    if ncols < 2:
        return None
    rows = head_rows(src.head, delimiter, limit=1)
    first = rows[0][0] if rows and rows[0] else ""
    shape = "".join(
        r"\d+" if part[0].isdigit() else "[A-Za-z]+" if part[0].isalpha() else re.escape(part)
        for part in re.findall(r"\d+|[A-Za-z]+|[^\dA-Za-z]", first)
    )
    d = re.escape(delimiter)
    return '"?' + shape + '"?' + d + ("[^\n]*" + d) * (ncols - 2)


def _open_quote_error(src: Source, line: int, value: str, shape: str) -> InputFormatError:
    """A quoted field that never closed where its row ends: it swallowed the rows after it."""
    rows = re.findall("\n(" + shape + "[^\n]*)", value)
    example = f" (first: {rows[0][:80]!r})" if rows else ""
    return InputFormatError(
        f"a quoted field opens on this line and does not close before the rows after it: "
        f"it takes in {len(rows)} following line{'s' if len(rows) != 1 else ''} that look "
        f"like rows{example}, which would be lost into one value. Expected the quote closed "
        "in its "
        'own row (a quote inside a value is written twice: ""); remove or close the '
        "stray quote.",
        path=src.path,
        line=line,
    )


def _line_of(src: Source, encoding: str, text: str) -> int | None:
    """The first line after the header that begins ``text`` (Arrow gives ragged rows no line)."""
    want = text.split("\n", 1)[0].rstrip("\r")
    with text_stream(src.path, encoding) as fh:
        for i, line in enumerate(fh, start=1):
            if i > src.header_rows and line.rstrip("\r\n") == want:
                return i
    return None


def _check_open_quotes(
    src: Source,
    table: pa.Table,
    lines: np.ndarray,
    columns: list[str],
    delimiter: str,
    encoding: str,
    tail: bytes = b"",
) -> None:
    """Raise when a quoted value swallowed lines that look like rows, or ran to the end.

    Arrow reads an unterminated quote to the next quote or to the end of the file, as one
    value: rows after it would vanish silently. Vectorised (Arrow's RE2) over the text
    columns that hold a newline at all; nothing here runs per row in Python. A value whose
    lines only look like rows but whose quotes close as CSV demands (``_closed_as_written``)
    is data, not an error. ``tail`` is a gzip file's last bytes (a plain file is read).
    """
    shape = _row_shape(src, delimiter, len(columns))
    n = table.num_rows
    last_text: list[str] = []
    suspects: list[tuple[int, str]] = []  # (row's first line, value) in file order
    for col in table.columns:
        if not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
            continue
        if n:
            v = col[n - 1].as_py()
            if v:
                last_text.append(v)
        if shape is None or not pc.any(pc.match_substring(col, "\n")).as_py():
            continue
        hits = pc.match_substring_regex(col, "\n" + shape).to_numpy(zero_copy_only=False)
        hits = np.flatnonzero(np.nan_to_num(hits.astype("float64")))
        suspects += [(int(lines[i]), col[int(i)].as_py()) for i in hits]
    if suspects:
        suspects.sort(key=lambda s: s[0])
        for line, value in _closed_as_written(src, encoding, delimiter, suspects):
            raise _open_quote_error(src, line, value, shape)
    if not n:
        return
    # an unterminated quote in the last row: its value runs to the end of the file
    if src.compressed:
        end = tail
    else:
        with open(src.path, "rb") as fh:
            fh.seek(max(0, src.size - (1 << 20)))
            end = fh.read()
    for v in last_text:
        raw = ('"' + v.replace('"', '""')).encode(encoding, errors="replace")
        if len(raw) <= len(end) and end.endswith(raw):
            raise InputFormatError(
                "a quoted field opens in the row starting on this line and is never "
                f"closed: it runs to the end of the file ({v[:60]!r}). Expected a closing "
                "quote; remove or close the stray quote.",
                path=src.path,
                line=int(lines[-1]),
            )


def _closed_as_written(
    src: Source, encoding: str, delimiter: str, suspects: list[tuple[int, str]]
) -> list[tuple[int, str]]:
    """The suspects whose quote does not close as CSV demands, in one pass over the file.

    A value is really quoted when its row's text holds ``"value"`` (inner quotes doubled)
    from its first line on, followed by a delimiter, a line end or the end of the file.
    A stray quote's "value" ends at some later quote that opens or sits inside another
    field, so it is never found written that way.
    """
    want: dict[int, list[str]] = {}
    for line, value in suspects:
        want.setdefault(line, []).append('"' + value.replace('"', '""') + '"')
    bad: list[tuple[int, str]] = []
    # (line, quoted value, its row's text so far, how much text settles it)
    open_rows: list[tuple[int, str, str, int]] = []

    def settle(line: int, quoted: str, text: str, first_end: int) -> None:
        at = text.find(quoted)
        after = text[at + len(quoted) : at + len(quoted) + 1]
        if not 0 <= at < first_end or after not in (delimiter, "\r", "\n", ""):
            bad.append((line, quoted[1:-1].replace('""', '"')))

    with text_stream(src.path, encoding, newline="") as fh:
        for i, text in enumerate(fh, start=1):
            still = []
            for line, quoted, got, need in open_rows:
                got += text
                if len(got) > need:
                    settle(line, quoted, got, need - len(quoted) - 1)
                else:
                    still.append((line, quoted, got, need))
            open_rows = still
            for quoted in want.pop(i, ()):
                open_rows.append((i, quoted, text, len(text) + len(quoted) + 1))
            if not want and not open_rows:
                break
    for line, quoted, got, need in open_rows:  # the file ended first
        settle(line, quoted, got, need - len(quoted) - 1)
    return sorted(bad)[:1]


def read_csv(
    src: Source,
    *,
    string_columns: set[str] | None = None,
    utc_columns: set[str] | None = None,
    names: list[str] | None = None,
) -> CsvTable:
    """Read a CSV/TSV source; encoding and oversize-field problems are retried, then reported.

    ``utc_columns`` are parsed by Arrow straight to UTC timestamps (values with offsets);
    a conversion error there falls back to reading them as text.
    """
    if not src.head.strip():
        raise InputFormatError("the file is empty; expected a header line and rows", path=src.path)
    delimiter = sniff_delimiter(src.head)
    columns, warnings = header(src.head, delimiter)
    if not columns:  # blank lines before the header are skipped by open_source: a guard
        raise InputFormatError(
            f"line {src.header_rows} has no column names: expected a header line",
            path=src.path,
        )
    if names is not None and len(names) == len(columns):
        columns = list(names)  # the header renamed by the caller (loose format matching)
    warnings = [f"{src.path.name}: {w}" for w in warnings]
    for w in warnings:
        log.warning(w)
    invalid: list[dict] = []
    shape = _row_shape(src, delimiter, len(columns))
    swallowing: list[tuple[int, str]] = []  # ragged rows that hold an open quote's lines
    names = ", ".join(columns[:10]) + (", ..." if len(columns) > 10 else "")  # for the reason

    def on_invalid(row) -> str:
        text = row.text or ""
        if shape is not None and "\n" in text and re.search("\n" + shape, text):
            swallowing.append((row.number, text))
        if len(invalid) < MAX_EXAMPLES:
            invalid.append(
                {
                    "file": str(src.path),
                    "line": row.number,
                    "reason": f"expected {row.expected_columns} fields ({names}), "
                    f"found {row.actual_columns}",
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
        return CsvTable(frame, columns, delimiter, [], 0, warnings + _changed(src))
    table = None
    tail = bytearray()
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
                tail=tail,
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
    if swallowing:
        _number, text = swallowing[0]
        raise _open_quote_error(src, _line_of(src, encoding, text), text, shape)
    n, first = table.num_rows, src.first_row_line
    lines = None
    one_byte_newlines = not encoding.startswith("utf-16")  # a 0x0A byte is a newline
    if (
        not invalid
        and not src.compressed
        and one_byte_newlines
        and count_newlines(src.path) - (first - 1) in (n - 1, n)
    ):
        lines = np.arange(first, first + n, dtype="int64")
    if lines is None and not invalid:
        lines = row_lines(table, first)
    if lines is None:
        lines, bad_lines = _line_numbers(src, encoding, len(columns), delimiter)
        if len(lines) != n:
            lines = np.arange(first, first + n, dtype="int64")
        elif len(bad_lines) == len(invalid):
            for rec, line in zip(invalid, bad_lines, strict=True):
                if rec:
                    rec["line"] = line
    _check_open_quotes(src, table, lines, columns, delimiter, encoding, bytes(tail))
    frame = table.to_pandas(
        self_destruct=True,
        split_blocks=True,
        types_mapper=NULLABLE_INTS.get,
        memory_pool=parallel.arrow_pool(),
    )
    del table
    frame["_line"] = lines
    examples = [r for r in invalid if r][:MAX_EXAMPLES]
    if invalid:
        rows = "1 row" if len(invalid) == 1 else f"{len(invalid)} rows"
        msg = f"{src.path.name}: {rows} with the wrong number of fields skipped"
        warnings.append(msg)
        log.warning(msg)
    return CsvTable(frame, columns, delimiter, examples, len(invalid), warnings + _changed(src))


def _changed(src: Source) -> list[str]:
    """A file that grew or shrank while it was read (still being written): only part of it
    was read, which must not pass silently."""
    try:
        now = os.stat(src.path).st_size
    except OSError:
        now = -1
    if now == src.size:
        return []
    msg = (
        f"{src.path.name}: the file changed while it was read ({src.size} bytes when opened, "
        f"{now} after): rows may be missing or cut. Was it still being written? Read it "
        "again once it is complete."
    )
    log.warning(msg)
    return [msg]
