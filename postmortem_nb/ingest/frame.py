"""From a frame of source columns to the canonical frame: mapping, times, extras.

Extra (unmapped) source columns are kept. Naming rule:
  * alerts and changes: ``x_<source name>`` (schema.EXTRA_PREFIX), nested keys dotted;
  * logs: the source name as it is (``request_id``, ``http_status``,
    ``httpRequest.status``) so that impact and signal code finds them; only a name that
    collides with a canonical column or with ``_file``/``_line`` gets the prefix.
``_line`` (line where the record starts; JSON lines: the line of the object) and
``_file`` (the input path) trace every row back to its evidence.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from .. import schema
from ..errors import InputFormatError, MissingColumnError, ParameterError, TimestampError
from ..severity import is_numeric_scale, normalize_severity
from .formats import OPTION_KEYS, Format, loose_columns, mapping_sources
from .timestamps import UTC_DTYPE, TimeRule, parse_times

log = logging.getLogger(__name__)

MAX_BAD_FRACTION = 0.01
MAX_BAD_ENV = "POSTMORTEM_MAX_BAD_ROWS"
MAX_EXAMPLES = 20

KIND_COLUMNS = schema.KIND_COLUMNS
INTERNAL = ("_file", "_line")


@dataclass
class Report:
    """What happened while reading one file: for attrs, inspect and the report appendix."""

    skipped: list[dict] = field(default_factory=list)
    skipped_count: int = 0
    missing: int = 0  # of skipped_count: rows with no value for the required time
    warnings: list[str] = field(default_factory=list)
    zone: str | None = None


def max_bad_fraction() -> float:
    env = os.environ.get(MAX_BAD_ENV)
    if not env:
        return MAX_BAD_FRACTION
    try:
        value = float(env.rstrip("%")) / (100 if env.endswith("%") else 1)
    except ValueError as exc:
        raise ParameterError(f"{MAX_BAD_ENV}={env!r} is not a fraction like 0.01 or 1%") from exc
    return value


def read_mapping_file(path: str | os.PathLike) -> dict[str, object]:
    """A small mapping file: a JSON object, or ``canonical=source`` lines (``#`` comments)."""
    p = os.fspath(path)
    try:
        with open(p, encoding="utf-8") as fh:
            text = fh.read()
    except OSError as exc:
        raise ParameterError(f"cannot read mapping file {p}: {exc}") from exc
    if text.lstrip().startswith("{"):
        try:
            doc = json.loads(text)
        except ValueError as exc:
            raise ParameterError(f"mapping file {p} is not valid JSON: {exc}") from exc
        if not isinstance(doc, dict):
            raise ParameterError(f"mapping file {p}: expected a JSON object")
        return doc
    out: dict[str, object] = {}
    for i, line in enumerate(text.splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        key, sep, value = line.partition("=")
        if not sep:
            raise ParameterError(f"mapping file {p}, line {i}: expected canonical=source")
        out[key.strip()] = value.strip()
    return out


def parse_map_items(items: Iterable[str], option: str = "--map") -> dict[str, str]:
    """``canonical=source`` items (``service==checkout`` for a constant; ``@FILE`` reads a
    mapping file) into a mapping: what ``--map`` and the ``*_map`` parameters hold."""
    out: dict[str, str] = {}
    for raw in items:
        item = raw.strip()
        if not item:
            continue
        if item.startswith("@"):
            out.update({k: str(v) for k, v in read_mapping_file(item[1:]).items()})
            continue
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ParameterError(
                f"{option} {item!r}: expected canonical=source, e.g. {option} started_at=Created"
            )
        out[key.strip()] = value
    return out


def split_mapping(
    mapping: Mapping[str, object] | str | os.PathLike | None, kind: str
) -> tuple[dict, dict]:
    """User mapping (a dict or a mapping file) -> (canonical -> source, options)."""
    if isinstance(mapping, str | os.PathLike):
        mapping = read_mapping_file(mapping)
    if mapping is not None and not isinstance(mapping, Mapping):
        raise ParameterError(f"mapping must be a dict or a file path, not {type(mapping).__name__}")
    cols = dict[str, object]()
    opts = {}
    canonical = KIND_COLUMNS[kind][0]
    for key, value in (mapping or {}).items():
        if key in OPTION_KEYS:
            opts[key] = value
        elif key in canonical:
            cols[key] = tuple(value) if isinstance(value, list | tuple) else str(value)
        else:
            raise ParameterError(
                f"mapping key {key!r} is not a {kind} column; use one of "
                f"{', '.join(canonical)} (or options {', '.join(OPTION_KEYS)})."
            )
    return cols, opts


def time_rule(fmt: Format, opts: Mapping[str, object]) -> TimeRule:
    rule = fmt.time
    if not opts:
        return rule
    year = opts.get("year")
    try:
        year = int(year) if year not in (None, "") else rule.year
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"mapping option year={year!r} is not a year") from exc
    dayfirst = str(opts.get("dayfirst", rule.dayfirst)).lower() in ("1", "true", "yes")
    return replace(
        rule,
        format=str(opts["time_format"]) if opts.get("time_format") else rule.format,
        dayfirst=dayfirst,
        year=year,
        unit=str(opts["time_unit"]) if opts.get("time_unit") else rule.unit,
    )


def _blank(s: pd.Series) -> pd.Series:
    if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
        return s.isna() | (s.astype("str").str.strip() == "")
    return s.isna()


def resolve(raw: pd.DataFrame, spec: object, *, path: str, canonical: str, user: bool):
    """One canonical column from a mapping value; (series or None, source columns used).

    Of a list of candidates, one counts as used only when every value it holds went into
    the column; any other (the rule name beside its summary, a label not read as service,
    a fallback that filled some rows but holds more) stays an extra: nothing is lost.
    """
    cols = set(raw.columns)
    if isinstance(spec, str) and spec.startswith("="):
        return pd.Series(spec[1:], index=raw.index, dtype="str"), []
    if isinstance(spec, tuple):
        present = [c for c in spec if c in cols]
        if not present:
            return None, []
        out, used = raw[present[0]], present[:1]
        for c in present[1:]:
            filled = ~_blank(out)
            if not (filled & ~_blank(raw[c])).any():
                used.append(c)
            out = out.where(filled, raw[c])
        return out, used
    spec = str(spec)
    if spec in cols:
        return raw[spec], [spec]
    if "+" in spec and all(p in cols for p in spec.split("+")):
        parts = spec.split("+")
        out = raw[parts[0]].astype("str")
        for p in parts[1:]:
            out = out + " " + raw[p].astype("str")
        return out, parts
    if user:
        raise MissingColumnError(
            f"mapping {canonical}={spec!r}: there is no column {spec!r}.",
            path=path,
            column=spec,
            found=[c for c in raw.columns if c not in INTERNAL],
        )
    return None, []


def missing_error(path: str, canonical: str, raw: pd.DataFrame, fmt: Format) -> MissingColumnError:
    found = [c for c in raw.columns if c not in INTERNAL]
    hint = ""
    if len(found) == 1 and any(d in found[0] for d in ",;\t|:"):
        hint = " The header has a single column: is the delimiter something else?"
    return MissingColumnError(
        f"no column for the required {canonical!r} (format {fmt.name}). Map one with "
        f'mapping={{"{canonical}": "<column>"}}, or --map {canonical}=<column> '
        f"(draft and batch: --{fmt.kind}-map).{hint}",
        path=path,
        column=canonical,
        found=found,
    )


def canonical_frame(
    raw: pd.DataFrame,
    fmt: Format,
    *,
    kind: str,
    path: str,
    user_cols: Mapping[str, object],
    rule: TimeRule,
    tz: str | None,
    derived: Mapping[str, pd.Series] | None = None,
    unread: list[dict] | None = None,
    unread_count: int = 0,
) -> tuple[pd.DataFrame, Report]:
    """Map, parse times, drop rows with bad required times (reported), order columns.

    ``unread`` (examples) and ``unread_count`` are the rows the reader already skipped
    (a CSV row with the wrong number of fields): they count toward the bad-row limit too.
    """
    columns, required, time_cols = KIND_COLUMNS[kind]
    rep = Report(skipped=list(unread or []), skipped_count=unread_count)
    spec: dict[str, object] = dict(fmt.mapping)
    spec.update(user_cols)
    values: dict[str, pd.Series] = {}
    used: set[str] = set()
    names = [c for c in raw.columns if c not in INTERNAL]
    loose = loose_columns(columns, names, mapping_sources(spec))
    # a name the format uses for something else (PagerDuty's incident_key) stays an extra
    own = [c for c in columns if c not in fmt.not_canonical or c in user_cols]
    matched = []
    origins: dict[str, list[str]] = {}  # source columns each canonical column was read from
    for canon in columns:
        if canon in spec:
            s, src_cols = resolve(
                raw, spec[canon], path=path, canonical=canon, user=canon in user_cols
            )
        elif canon in raw.columns and canon in own:
            s, src_cols = raw[canon], [canon]
        else:
            s, src_cols = None, []
        if s is None and canon in own and canon not in user_cols and canon in loose:
            s, src_cols = raw[loose[canon]], [loose[canon]]
            matched.append(f"{loose[canon]!r} as {canon!r}")
        if s is not None:
            values[canon] = s
            used.update(src_cols)
            origins[canon] = _origin(raw, spec[canon]) if canon in spec else src_cols
    for canon, s in (derived or {}).items():
        if canon not in user_cols:
            if canon in values:
                values[canon] = values[canon].where(~_blank(values[canon]), s)
            else:
                values[canon] = s
    for canon in required:
        if canon not in values:
            raise missing_error(path, canon, raw, fmt)
    if matched:
        rep.warnings.append(
            f"{os.path.basename(path)}: header matched loosely: read {', '.join(matched)}"
        )
    n = len(raw)
    keep = np.ones(n, bool)
    primary = time_cols[0]
    lines = raw["_line"].to_numpy() if "_line" in raw.columns else np.arange(1, n + 1)
    for canon in time_cols:
        if canon not in values:
            continue
        src = values[canon]
        parsed = parse_times(
            src, tz=tz, rule=rule, what=f"{canon} values", path=path, column=canon, lines=lines
        )
        rep.warnings.extend(parsed.warnings)
        rep.zone = rep.zone or parsed.zone_used
        bad = parsed.bad | parsed.dst
        if canon == primary:
            bad = bad | parsed.values.isna().to_numpy()
            keep &= ~bad
            if bad.any():
                _report_bad(rep, bad, parsed, src, lines, path, canon, n, origins.get(canon))
        elif bad.any():
            name = os.path.basename(path)
            msg = f"{name}: {int(bad.sum())} unparseable {canon} values left empty"
            rep.warnings.append(msg)
        values[canon] = parsed.values
    _check_bad_share(rep, unread_count, n + unread_count, int(keep.sum()), path, primary)
    if kind == "alerts":
        sev_raw = values.get("severity_raw")
        if sev_raw is None and "severity" in values:
            sev_raw = values["severity"]
        if sev_raw is not None:
            values["severity_raw"] = sev_raw
            values["severity"], notes = _severities(sev_raw, os.path.basename(path))
            rep.warnings.extend(notes)
    out = {}
    for canon in columns:
        if canon in values:
            s = values[canon].reset_index(drop=True)
            if canon in time_cols:
                out[canon] = s.astype(UTC_DTYPE)
            elif canon in ("severity", "alert_id", "incident_key") or s.dtype == object:
                out[canon] = s.map(lambda v: None if _isna(v) else str(v)).astype("str")
            else:
                out[canon] = s
        elif canon in time_cols:
            out[canon] = pd.Series(pd.NaT, index=range(n), dtype=UTC_DTYPE)
        else:
            out[canon] = pd.Series(None, index=range(n), dtype="str")
    for col in raw.columns:
        if col in used or col in INTERNAL:
            continue
        name = col
        if kind != "logs" or col in columns or col in INTERNAL:
            name = schema.EXTRA_PREFIX + col
        if name in out:
            continue
        out[name] = raw[col].reset_index(drop=True)
    out["_file"] = pd.Series(pd.Categorical.from_codes(np.zeros(n, "int8"), [path]), copy=False)
    out["_line"] = pd.Series(lines, dtype="int64", copy=False)
    frame = pd.DataFrame(out, copy=False)
    if not keep.all():
        frame = frame.loc[keep].reset_index(drop=True)
    return frame, rep


def _severities(raw: pd.Series, name: str) -> tuple[pd.Series, list[str]]:
    """SEV1..SEV5 per row, and warnings: a numeric scale assumed, values not recognised."""
    notes = []
    numeric = is_numeric_scale(raw.dropna().unique())
    if numeric:
        notes.append(
            f"{name}: severities are numbers, read as SEV1..SEV5 with 1 the most severe "
            "(0 as SEV1)"
        )
    sev = raw.map(lambda v: normalize_severity(v, numeric=numeric))
    unknown = raw[sev.isna() & ~_blank(raw)]
    if len(unknown):
        counts = unknown.astype("str").str.strip().value_counts()
        shown = ", ".join(f"{v!r} ({n})" for v, n in counts.head(10).items())
        more = f" and {len(counts) - 10} more" if len(counts) > 10 else ""
        notes.append(
            f"{name}: {len(unknown)} severities not recognised, left empty (ranked least "
            f"severe): {shown}{more}. Known: SEV0..SEV5, P0..P5, critical, high, error, "
            "warning, info, low, debug"
        )
    for n in notes:
        log.warning(n)
    return sev, notes


def _isna(v: object) -> bool:
    return v is None or (isinstance(v, float) and v != v) or v is pd.NA or v is pd.NaT


def _origin(raw: pd.DataFrame, spec: object) -> list[str]:
    """The source columns a mapping value reads (of alternatives, those the file has)."""
    if isinstance(spec, tuple):
        return [c for c in spec if c in raw.columns]
    spec = str(spec)
    if spec.startswith("="):  # a constant: no source column
        return []
    return [spec] if spec in raw.columns else spec.split("+")


def _report_bad(rep, bad, parsed, src, lines, path, canon, n, origin=None) -> None:
    idx = np.flatnonzero(bad)
    rep.skipped_count += len(idx)
    src = src.reset_index(drop=True)
    missing = np.zeros(len(src), bool)
    missing[idx] = _blank(src.iloc[idx]).to_numpy() & ~np.asarray(parsed.dst)[idx]
    rep.missing += int(missing.sum())
    # a missing value is said so, not quoted as 'nan': which field the record lacks
    named = " or ".join(origin or [])
    lacks = f"{canon} missing" + (f" (no {named} value)" if named and named != canon else "")
    for i in idx[:MAX_EXAMPLES]:
        value = src.iloc[i]
        if parsed.dst[i]:
            reason = f"{canon}: local time ambiguous or non-existent (DST) in {parsed.zone_used}"
        elif missing[i]:
            reason = lacks
        else:
            reason = f"{canon}: unparseable timestamp"
        shown = None if missing[i] else str(value)[:200]
        rep.skipped.append({"file": path, "line": int(lines[i]), "reason": reason, "value": shown})
    first = ", ".join(str(int(lines[i])) for i in idx[:10])
    msg = (
        f"{os.path.basename(path)}: {len(idx)} of {n} rows dropped: {canon} missing, "
        f"unparseable or DST-ambiguous (lines {first}{', ...' if len(idx) > 10 else ''})"
    )
    rep.warnings.append(msg)
    log.warning(msg)


def skipped_text(row: dict) -> str:
    """One skipped row for a message: its line, why, and the value unless it had none."""
    value = row.get("value")
    return f"line {row['line']}: {row['reason']}" + ("" if value is None else f": {value!r}")


def _check_bad_share(rep, unread: int, total: int, kept: int, path, column) -> None:
    """Raise when the rows left out (skipped by the reader, or with a bad time) are more
    than the limit's share of the file's rows, or are all of them whatever the limit."""
    bad = rep.skipped_count
    limit = max_bad_fraction()
    if not bad or (bad <= limit * total and kept):
        return
    times = bad - unread - rep.missing
    parts = [f"{unread} with the wrong number of fields"] if unread else []
    if rep.missing:
        parts.append(f"{rep.missing} without a {column}")
    if times:
        parts.append(f"{times} with a bad {column}")
    examples = sorted(rep.skipped, key=lambda r: r["line"])[:5]
    first = "; ".join(skipped_text(r) for r in examples)
    if not kept:  # no limit helps: do not suggest one
        what = (
            f"none of the {total} rows could be read ({', '.join(parts)}): nothing is left "
            f"to load, whatever {MAX_BAD_ENV} allows"
        )
    else:
        what = (
            f"{bad} of {total} rows ({bad / total:.1%}) could not be read ({', '.join(parts)}), "
            f"above the {limit * 100:g}% limit; set e.g. {MAX_BAD_ENV}=5% to allow more"
        )
    raise (InputFormatError if unread else TimestampError)(
        f"{what}. First: {first}.",
        path=path,
        line=int(examples[0]["line"]) if examples else None,
        column=None if unread else column,
    )
