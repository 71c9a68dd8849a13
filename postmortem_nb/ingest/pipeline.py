"""The one loading path every kind shares: open, detect, read, derive, canonicalise, combine.

Provenance goes to ``df.attrs["source"]``: kind, paths, and per file its format,
SHA-256, rows, skipped rows (examples with line numbers), warnings, time range.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd
import pyarrow as pa

from ..errors import InputFormatError, ParameterError, PostmortemError
from . import csvread, jsonread
from .formats import Format, detect, detect_json, get_format
from .frame import KIND_COLUMNS, Report, canonical_frame, split_mapping, time_rule
from .plan import CsvPlan, container_of, plan_csv, window_time_sources
from .sources import Source, open_source, sha256
from .timestamps import UTC_DTYPE, TimeRule, check_zone
from .window import bisect_window, stream_window

log = logging.getLogger(__name__)

SHA256_MAX_BYTES = 256 << 20  # larger files: hash on request (file_sha256), not on load


@dataclass
class Context:
    """What a derive step may need: the source, options, zone, parsed JSON parents."""

    src: Source
    fmt: Format
    kind: str
    tz: str | None
    rule: TimeRule
    user_cols: Mapping[str, object]
    parents: list[dict] | None = None
    warnings: list[str] = field(default_factory=list)  # a derive step's notes (rows dropped)


Deriver = Callable[[pd.DataFrame, Context], tuple[pd.DataFrame, dict[str, pd.Series]]]


def as_paths(path_or_paths: str | os.PathLike | Iterable[str | os.PathLike]) -> list[Path]:
    if isinstance(path_or_paths, str | os.PathLike):
        return [Path(path_or_paths)]
    try:
        paths = [Path(p) for p in path_or_paths]
    except TypeError as exc:
        raise ParameterError(
            f"expected a path or a list of paths, got {type(path_or_paths).__name__}"
        ) from exc
    if not paths:
        raise ParameterError("no input files given")
    return paths


def read_source(
    src: Source,
    kind: str,
    *,
    format: str | None,
    user_cols: Mapping[str, object],
    opts: Mapping[str, object],
    tz: str | None,
    derivers: Mapping[str, Deriver],
    text_reader: Callable[[Source], pd.DataFrame] | None = None,
    window: tuple | None = None,
) -> tuple[pd.DataFrame, Format, Report]:
    """One file -> canonical frame, with its format and its reading report.

    ``window`` (lo, hi) on a CSV reads only that time range (window.py).
    """
    container = container_of(src, kind)
    skipped: list[dict] = []
    skipped_count = unread_count = 0
    unread: list[dict] = []  # rows the CSV reader skipped: they count toward the bad-row limit
    warnings = list(src.warnings)
    parents = None
    if container == "json":
        doc = jsonread.load_json(src)
        fmt = (
            get_format(format, kind)
            if format
            else detect_json(kind, lambda key: jsonread.probe(doc, key))
        )
        recs, lines, parents = jsonread.records(doc, fmt.records)
        if not recs:
            raise InputFormatError(
                "no records: the JSON holds no objects to read (e.g. [] or "
                f'{{"data": []}}); expected one object per {kind[:-1]}',
                path=src.path,
            )
        raw = jsonread.to_frame(recs, lines)
    elif container == "text" or (format and get_format(format, kind).containers == ("text",)):
        fmt = get_format(format, kind) if format else detect(kind, "text", set())
        if text_reader is None:
            raise InputFormatError(f"format {fmt.name} is not a text format", path=src.path)
        raw = text_reader(src)
    else:
        plan = plan_csv(src, kind, format=format, user_cols=user_cols, opts=opts)
        fmt = plan.fmt
        warnings.extend(plan.warnings)
        table = None
        if window is not None:
            table = _read_window(src, plan, window, tz, time_rule(fmt, opts))
        if table is not None:  # its count covers the whole file, not its rows: not a share
            skipped, skipped_count = table.skipped, table.skipped_count
        else:
            table = csvread.read_csv(
                src,
                string_columns=plan.strings - plan.utc,
                utc_columns=plan.utc,
                names=plan.names if plan.renamed else None,
            )
            unread, unread_count = table.skipped, table.skipped_count
        raw = table.frame
        warnings.extend(table.warnings)
    rule = time_rule(fmt, opts)
    if container == "json" and fmt.zone_key:
        stated = _stated_zone(doc, fmt.zone_key)
        if stated:  # the file's word wins over tz= (timestamps._resolve_zone says so)
            rule = replace(rule, zone=stated, zone_from=f"the file's {fmt.zone_key!r} says so")
            if tz is None:
                msg = f"{src.path.name}: naive times read in {stated}, as the file states"
                warnings.append(msg)
    ctx = Context(src, fmt, kind, tz, rule, user_cols, parents)
    derived: dict[str, pd.Series] = {}
    if fmt.derive and fmt.derive in derivers:
        raw, derived = derivers[fmt.derive](raw, ctx)
        warnings.extend(ctx.warnings)
    frame, rep = canonical_frame(
        raw,
        fmt,
        kind=kind,
        path=str(src.path),
        user_cols=ctx.user_cols,
        rule=rule,
        tz=tz,
        derived=derived,
        unread=unread,
        unread_count=unread_count,
    )
    rep.skipped = skipped + rep.skipped
    rep.skipped_count += skipped_count
    rep.warnings = warnings + rep.warnings
    return frame, fmt, rep


def _stated_zone(doc: jsonread.JsonDoc, key: str) -> str | None:
    top = doc.tops[0] if doc.tops else None
    value = top.get(key) if isinstance(top, dict) else None
    return check_zone(value) if isinstance(value, str) and value else None


def _read_window(src: Source, plan: CsvPlan, window, tz, rule):
    """Bisect (sorted, plain) or stream (gzip, unsorted); None falls back to a full read."""
    parts = window_time_sources(plan)
    # times without a stated year take the next year where the months wrap (Dec -> Jan),
    # which only a read of the whole file in order can see
    if parts is None or src.encoding != "utf-8" or rule.year is not None:
        return None
    kw = {
        "columns": plan.names,
        "delimiter": plan.delimiter,
        "time_sources": parts,
        "string_columns": plan.strings,
        "lo": window[0],
        "hi": window[1],
        "tz": tz,
        "rule": rule,
    }
    try:
        table = bisect_window(src, **kw, utc_columns=plan.utc)
        return table if table is not None else stream_window(src, **kw)
    except (pa.ArrowInvalid, PostmortemError) as exc:
        log.info("%s: window read failed (%s); reading the whole file", src.path.name, exc)
        return None


def file_sha256(path: str | Path) -> str:
    """SHA-256 of an input file (public: the report hashes large inputs on demand)."""
    return sha256(Path(path))


def load(
    kind: str,
    path_or_paths,
    *,
    format: str | None = None,
    mapping: Mapping[str, object] | None = None,
    tz: str | None = None,
    derivers: Mapping[str, Deriver] | None = None,
    text_reader: Callable[[Source], pd.DataFrame] | None = None,
    window: tuple | None = None,
) -> pd.DataFrame:
    """Load one or several files of one kind into a single canonical, time-sorted frame."""
    paths = as_paths(path_or_paths)
    tz = check_zone(tz)
    user_cols, opts = split_mapping(mapping, kind)
    frames, files, skipped, warnings = [], [], [], []
    skipped_count = 0
    for p in paths:
        src = open_source(p)
        frame, fmt, rep = read_source(
            src,
            kind,
            format=format,
            user_cols=user_cols,
            opts=opts,
            tz=tz,
            derivers=derivers or {},
            text_reader=text_reader,
            window=window,
        )
        primary = KIND_COLUMNS[kind][2][0]
        times = frame[primary]
        files.append(
            {
                "path": str(src.path),
                "format": fmt.name,
                "sha256": sha256(src.path) if src.size <= SHA256_MAX_BYTES else None,
                "bytes": src.size,
                "compressed": src.compressed,
                "encoding": src.encoding,
                "rows": len(frame),
                "skipped_count": rep.skipped_count,
                "start": _iso(times.min()),
                "end": _iso(times.max()),
                "zone": rep.zone,
            }
        )
        frames.append(frame)
        skipped.extend(rep.skipped)
        skipped_count += rep.skipped_count
        warnings.extend(rep.warnings)
    df = frames[0] if len(frames) == 1 else _concat(frames)
    primary = KIND_COLUMNS[kind][2][0]
    if len(df) and not df[primary].is_monotonic_increasing:
        df = df.sort_values(primary, kind="stable", na_position="last").reset_index(drop=True)
    df.attrs["source"] = {
        "kind": kind,
        "paths": [str(p) for p in paths],
        "format": files[0]["format"] if len({f["format"] for f in files}) == 1 else "mixed",
        "files": files,
        "rows": len(df),
        "skipped_rows": skipped[:50],
        "skipped_count": skipped_count,
        "warnings": warnings,
        "start": _iso(df[primary].min()) if len(df) else None,
        "end": _iso(df[primary].max()) if len(df) else None,
        "mapping": {**user_cols, **opts},
        "tz": tz,
    }
    return df


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    files = [str(f["_file"].cat.categories[0]) for f in frames]
    frames = [f.assign(_file=f["_file"].astype("str")) for f in frames if len(f)] or frames[:1]
    df = pd.concat(frames, ignore_index=True, sort=False)
    df["_file"] = pd.Categorical(df["_file"].astype("str"), categories=files)
    return df


def _iso(ts) -> str | None:
    if ts is None or pd.isna(ts):
        return None
    return pd.Timestamp(ts).tz_convert("UTC").isoformat().replace("+00:00", "Z")


__all__ = ["UTC_DTYPE", "Context", "file_sha256", "load"]
