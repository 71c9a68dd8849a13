"""Opening input files: transparent gzip, encoding checks, a decoded head for detection.

Only the first bytes are decoded in Python; bulk parsing is left to pyarrow. Also the
byte-level helpers the readers share: the (inflating) byte stream and newline counts.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import io
import logging
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
from isal import igzip, isal_zlib

from ..errors import InputFormatError

log = logging.getLogger(__name__)

HEAD_BYTES = 256 * 1024
_GZIP_MAGIC = b"\x1f\x8b"
_BOM = b"\xef\xbb\xbf"
# Excel's "Unicode Text" and PowerShell's Out-File write UTF-16 with a byte-order mark
_UTF16_BOMS = ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


def utf16_encoding(data: bytes) -> str | None:
    """``utf-16-le``/``utf-16-be`` when the bytes start with that byte-order mark."""
    for bom, enc in _UTF16_BOMS:
        if data.startswith(bom):
            return enc
    return None


_PREAMBLE = re.compile(r"[ \t]*(?:sep=.)?[ \t]*\r?")  # a blank line, or Excel's "sep=;"


def preamble_lines(text: str) -> int:
    """Lines before the first one with content: blank ones, or Excel's delimiter hint."""
    n = 0
    lines = text.split("\n")
    for line in lines[:-1]:  # the last piece has no newline: the header, or a cut-off head
        if not _PREAMBLE.fullmatch(line):
            break
        n += 1
    return n


@dataclass
class Source:
    """One input file as the readers see it."""

    path: Path
    compressed: bool
    size: int
    head: str  # decoded first bytes (BOM and skipped lines stripped), for detection only
    encoding: str  # "utf-8" or the fallback actually used
    warnings: list[str] = field(default_factory=list)
    skip_lines: int = 0  # lines before a CSV's header: blank, or Excel's "sep=;" hint

    @property
    def header_rows(self) -> int:
        """Lines up to and including a CSV's header (Arrow's ``skip_rows``)."""
        return self.skip_lines + 1

    @property
    def first_row_line(self) -> int:
        """Line number of a CSV's first row."""
        return self.skip_lines + 2


class _Gunzip(io.RawIOBase):
    """A gzip file's bytes through ISA-L (3x zlib's speed here: 1.1 s against 3.4 s for
    760 MB); truncated or corrupt data is an OSError like any other read failure."""

    TAIL = 1 << 20  # the last bytes read are kept: where a value left open runs to the end

    def __init__(self, path: Path) -> None:
        self._fh = igzip.open(path, "rb")
        self.tail = b""

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        try:
            data = self._fh.read(size)
        except (EOFError, isal_zlib.error) as exc:
            raise gzip.BadGzipFile(f"damaged or truncated gzip: {exc}") from exc
        if data:
            self.tail = data[-self.TAIL :] if len(data) >= self.TAIL else (
                self.tail[len(data) - self.TAIL :] + data if self.tail else data)
        return data

    def readinto(self, buf) -> int:
        data = self.read(len(buf))
        buf[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._fh.close()
        super().close()


def is_gzip(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(2) == _GZIP_MAGIC


def read_all_bytes(path: Path) -> bytes:
    """Whole file, decompressed when gzip; corrupt archives become InputFormatError."""
    try:
        if is_gzip(path):
            with _Gunzip(path) as fh:
                return fh.read()
        return path.read_bytes()
    except (OSError, EOFError, zlib.error) as exc:
        raise InputFormatError(f"cannot read the file: {exc}", path=path) from exc


def _read_head(path: Path, compressed: bool) -> bytes:
    try:
        if compressed:
            with _Gunzip(path) as fh:
                return fh.read(HEAD_BYTES)
        with open(path, "rb") as fh:
            return fh.read(HEAD_BYTES)
    except (OSError, EOFError, zlib.error) as exc:
        raise InputFormatError(f"cannot read the file: {exc}", path=path) from exc


def decode(data: bytes, *, path: Path, complete: bool) -> tuple[str, str]:
    """Decode as UTF-8 (BOM stripped); fall back to cp1252, then latin-1, and say so.

    ``complete`` is False for a head cut at an arbitrary byte, where a trailing
    partial UTF-8 sequence is not an encoding problem.
    """
    utf16 = utf16_encoding(data)
    if utf16:  # the mark is dropped; a head cut inside a character keeps what is whole
        try:
            text = codecs.getincrementaldecoder(utf16)().decode(data[2:], final=complete)
        except UnicodeDecodeError as exc:
            raise InputFormatError(
                f"not valid {utf16.upper()} after its byte-order mark: {exc.reason} at byte "
                f"{exc.start + 2}",
                path=path,
            ) from exc
        return text, utf16
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        if not complete and exc.start >= len(data) - 3:
            return data[: exc.start].decode("utf-8"), "utf-8"
    for enc in ("cp1252", "latin-1"):
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    raise InputFormatError("the file is not text (not UTF-8, cp1252 or latin-1)", path=path)


def open_source(path: str | Path) -> Source:
    """Stat, sniff compression and decode the head; errors name the file."""
    p = Path(path)
    if not p.exists():
        raise InputFormatError("file not found", path=p)
    if p.is_dir():
        raise InputFormatError("is a directory, expected a file", path=p)
    compressed = is_gzip(p)
    raw = _read_head(p, compressed)
    if b"\x00" in raw[:4096] and not utf16_encoding(raw):
        sample = raw[:512]
        if sample[1::2].count(0) > 0.9 * len(sample[1::2]) or sample[::2].count(0) > 0.9 * len(
            sample[::2]
        ):
            raise InputFormatError(
                "the file looks like UTF-16 without a byte-order mark; expected UTF-8 (or "
                "UTF-16 with its mark): re-save it as UTF-8",
                path=p,
            )
        raise InputFormatError(
            "the file looks binary (NUL bytes); expected CSV, TSV, JSON or text", path=p
        )
    complete = len(raw) < HEAD_BYTES
    text, enc = decode(raw, path=p, complete=complete)
    skip = preamble_lines(text)
    if skip:
        text = text.split("\n", skip)[skip]
    src = Source(
        path=p, compressed=compressed, size=p.stat().st_size, head=text, encoding=enc,
        skip_lines=skip,
    )
    if skip and not text.lstrip().startswith(("{", "[")):
        what = "line" if skip == 1 else "lines"
        msg = f"{p.name}: {skip} {what} before the header skipped (blank, or Excel's sep= hint)"
        src.warnings.append(msg)
        log.warning(msg)
    if enc.startswith("utf-16"):
        log.info("%s: read as %s (byte-order mark)", p.name, enc)
    elif enc != "utf-8":
        msg = f"{p.name}: not valid UTF-8, read as {enc}"
        src.warnings.append(msg)
        log.warning(msg)
    return src


def sha256(path: Path) -> str:
    """SHA-256 of the file as stored (compressed bytes for .gz), for the report appendix."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def byte_stream(src: Source) -> pa.NativeFile | io.RawIOBase:
    """The file's bytes, decompressed when it is gzip: for the CSV readers."""
    if src.compressed:
        return _Gunzip(src.path)
    return pa.input_stream(str(src.path))


def text_stream(path: Path, encoding: str, newline: str | None = None) -> io.TextIOBase:
    """A text stream over the (decompressed) file, for line-oriented formats.

    ``newline=""`` keeps line ends as written (CRLF inside a quoted value stays CRLF)."""
    raw = io.BufferedReader(_Gunzip(path), 1 << 20) if is_gzip(path) else open(path, "rb")  # noqa: SIM115
    if encoding == "utf-8":
        encoding = "utf-8-sig"
    elif encoding.startswith("utf-16"):
        encoding = "utf-16"  # reads (and drops) the byte-order mark
    return io.TextIOWrapper(raw, encoding=encoding, newline=newline)


def count_newlines(path, start: int = 0, end: int | None = None) -> int:
    """Newline bytes in a byte range of a plain file (numpy, about memory speed).

    256 KB reads stay in the core's cache: 380 MB counted in 81 ms, against 128 ms with
    16 MB reads (each copied from the page cache, compared, then counted).
    """
    total = 0
    buf = bytearray(256 << 10)
    arr = np.frombuffer(buf, np.uint8)
    flags = np.empty(len(buf), bool)  # reused: a fresh mask per read is page faults
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
            total += int(np.count_nonzero(np.equal(arr[:k], 10, out=flags[:k])))
    return total
