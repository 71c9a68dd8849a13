"""Timestamps from any export into tz-aware UTC, or reported as bad: never guessed.

Accepted: ISO 8601 with ``Z`` or offsets (mixed offsets in one file; "GMT+01:00" is
UTC plus one hour), epoch
seconds/ms/us/ns (each value's unit from its magnitude, a mix is reported; a column is
epochs when most values are; an epoch among date strings only near their dates), naive
local times in a stated zone,
split date and time columns (joined before parsing), explicit ``strptime``
formats (day-first is declared, never inferred), syslog-style times without a
year only when a year is stated (the first row's; the next one from wherever the month goes
back by over a week), and Kibana's "MMM D, YYYY @ HH:mm:ss.SSS".

Naive times need a zone: the zone the format or the file states (which wins over
``tz``, with a warning when they differ), the ``tz`` argument, or the user's
configured default ``POSTMORTEM_DEFAULT_TZ`` (whose use is reported).
The operating system's zone is never used. Local times that do not exist or are
ambiguous because of a DST change are reported, not shifted.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import ParameterError, TimestampError
from .formats import TimeRule

log = logging.getLogger(__name__)

DEFAULT_TZ_ENV = "POSTMORTEM_DEFAULT_TZ"
UTC_DTYPE = "datetime64[ns, UTC]"

_EPOCH = re.compile(r"^-?\d{9,19}(\.\d+)?$")
_NUMBER = r"^-?\d+(?:\.\d+)?$"  # "0" too: in a column of epochs, a bad epoch, not a date
# an offset only after a time of day (14:00, 14:00:05.1, ISO basic T140005): the "-10" of
# the date 2026-03-10 or the "-2026" of 10-03-2026 is no offset
# (git's default date, "Tue Mar 10 14:02:11 2026 +0100", puts the year in between)
_OFFSET = (
    r"(?:\d:\d\d(?::\d\d)?(?:[.,]\d+)?|T\d{2,6}(?:[.,]\d+)?)(?:\s+\d{4})?\s*"
    r"(?:Z|z|[+-]\d\d(?::?\d\d)?)$"
)
# "GMT+01:00", "UTC+1", "GMT+0100 (CET)": UTC plus that offset, as Java and JavaScript write
# it; dateutil would read "GMT+1" the POSIX way, UTC minus one hour
_NAMED_GATE = r"(?:GMT|UTC) ?[+-]\d"
_NAMED_OFFSET = (
    r"^(.*\d:\d\d(?::\d\d)?(?:[.,]\d+)?)\s*(?:GMT|UTC) ?([+-])(\d\d?)(?::?(\d\d))?"
    r"(?:\s*\([^)]*\))?(\s+\d{4})?$"
)
_SYSLOG = re.compile(r"^[A-Z][a-z]{2} +\d{1,2} \d\d:\d\d:\d\d")
_KIBANA = re.compile(r"^[A-Z][a-z]{2} \d{1,2}, \d{4} @ \d\d:\d\d:\d\d")
_KIBANA_FORMAT = "%b %d, %Y @ %H:%M:%S.%f"
_NUMERIC_DATE = r"^(\d{1,2})[./-](\d{1,2})[./-]\d{2,4}\b"  # 03/10/2026, 10.03.2026
_HAS_YEAR = r"\d{4}|^\d{1,2}[./-]\d{1,2}[./-]\d{2}\b"  # 2026 anywhere, or 10.03.26


@dataclass
class ParsedTimes:
    """Parsed values (NaT where missing or bad) plus what went wrong, row by row."""

    values: pd.Series
    bad: np.ndarray  # non-empty values that could not be parsed
    dst: np.ndarray  # naive local times ambiguous or non-existent in the zone
    zone_used: str | None = None
    warnings: list[str] = field(default_factory=list)


def check_zone(tz: str | None) -> str | None:
    """Validate an IANA zone name; a bad name is a ParameterError listing an example."""
    if tz is None or tz == "":
        return None
    if tz.upper() == "UTC":
        return "UTC"
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ParameterError(
            f"Unknown time zone {tz!r}: give an IANA name such as 'Europe/Berlin' or 'UTC'."
        ) from exc
    return tz


def _fast_utc(arr: pa.ChunkedArray | pa.Array) -> pd.Series | None:
    """Arrow's own ISO parser when every value carries an offset (the common, big case)."""
    try:
        ts = pc.cast(arr, pa.timestamp("ns", "UTC"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OverflowError):
        return None
    return pd.Series(ts.to_pandas(), copy=False).astype(UTC_DTYPE)


def _ns(t: pd.Series) -> pd.Series:
    """Nanosecond units; a time a nanosecond clock cannot hold (before 1677 or after 2262,
    e.g. "1" read as the year 1) becomes NaT, so it is reported as a bad value."""
    dtype = t.dtype
    unit = dtype.unit if hasattr(dtype, "unit") else np.datetime_data(dtype)[0]
    if unit == "ns":
        return t
    tz = getattr(t.dtype, "tz", None)
    lo, hi = pd.Timestamp.min, pd.Timestamp.max
    if tz is not None:
        lo, hi = lo.tz_localize(tz), hi.tz_localize(tz)
    return t.where((t >= lo) & (t <= hi)).astype(UTC_DTYPE if tz is not None else "M8[ns]")


_UNITS = ("s", "ms", "us", "ns")
_UNIT_NAMES = ("seconds", "milliseconds", "microseconds", "nanoseconds")


_YEAR = pd.Timedelta("366D")


def _epoch(
    num: pd.Series, unit: str | None, lines: np.ndarray | None = None
) -> tuple[pd.Series, list[str]]:
    """Epoch numbers as UTC, and warnings. Without a stated unit each value's unit comes from
    its magnitude (< 1e11 s, < 1e14 ms, < 1e17 us, else ns: each a date after 1973), so
    seconds among milliseconds are read as seconds, said in a warning, never put in 1970.

    A value below 1e8 or negative (a ``0`` written for "unknown") has no unit that dates it
    after 1973: NaT, a bad row. So is a value in another unit than most that lands over a
    year from them (not a time of the same logs)."""
    if unit is not None:
        return _epoch_in(num, unit), []
    values = num.to_numpy(dtype="float64", na_value=np.nan)
    finite = np.isfinite(values)
    if not finite.any():  # nothing to read a unit from: every value is missing
        return pd.Series(pd.NaT, index=num.index, dtype=UTC_DTYPE), []
    bounds = [1e8, 1e11, 1e14, 1e17]  # bucket 0: no unit dates it after 1973
    ends = np.searchsorted(bounds, [np.nanmin(values), np.nanmax(values)], side="right")
    if ends[0] == ends[1] and ends[0] > 0:  # one unit: the common case, no per-value pass
        return _epoch_in(num, _UNITS[ends[0] - 1]), []
    k = np.searchsorted(bounds, values, side="right")
    counts = np.bincount(k[finite], minlength=5)
    counts[0] = 0
    out = pd.Series(pd.NaT, index=num.index, dtype=UTC_DTYPE)
    if not counts.any():
        return out, []
    main = int(counts.argmax())
    rows = finite & (k == main)
    out[rows] = _epoch_in(num[rows], _UNITS[main - 1])
    lo, hi = out[rows].min() - _YEAR, out[rows].max() + _YEAR
    notes = []
    for u in np.flatnonzero(counts):
        if u == main:
            continue
        rows = finite & (k == u)
        t = _epoch_in(num[rows], _UNITS[u - 1])
        near = ((t >= lo) & (t <= hi)).to_numpy()
        out[t.index[near]] = t[near]
        name = f"epoch values in {_UNIT_NAMES[u - 1]} among {_UNIT_NAMES[main - 1]}"
        if near.any():
            notes.append(
                f"{near.sum()} {name}, read in their own unit "
                f"({_at(np.flatnonzero(rows)[near], lines)})"
            )
        if not near.all():
            notes.append(
                f"{(~near).sum()} {name} land over a year from the others: left out "
                f"({_at(np.flatnonzero(rows)[~near], lines)})"
            )
    return out, notes


def _epoch_in(num: pd.Series, unit: str) -> pd.Series:
    if unit in ("s", "ms") and pd.api.types.is_float_dtype(num.dtype):
        # 1773151331.004 s is not exact in binary (…11.003999949): fractions of a second
        # or a millisecond are written to the microsecond at most, so round there
        num = (num.astype("float64") * (1e6 if unit == "s" else 1e3)).round()
        unit = "us"
    return _ns(pd.to_datetime(num, unit=unit, utc=True, errors="coerce"))


def _at(idx: np.ndarray, lines: np.ndarray | None) -> str:
    """"line 2" or "lines 2, 5, ..." for positions; rows counted from 1 without lines."""
    nums = [int(lines[i]) if lines is not None else int(i) + 1 for i in idx[:10]]
    word = ("line" if lines is not None else "row") + ("s" if len(idx) > 1 else "")
    return f"{word} {', '.join(map(str, nums))}{', ...' if len(idx) > 10 else ''}"


def _note(warnings: list[str], path: str | None, what: str, notes: list[str]) -> None:
    for note in notes:
        warnings.append(f"{os.path.basename(path) + ': ' if path else ''}{what}: {note}")
        log.warning(warnings[-1])


def _named_offsets(s: pd.Series) -> pd.Series:
    """Rewrite "… 14:00 GMT+1" as "… 14:00 +01:00", an offset every parser reads with its
    sign (a year after it, as Java writes, moves before it, as git writes)."""
    named = s.str.contains(_NAMED_GATE, regex=True).fillna(False).astype(bool)
    if not named.any():
        return s
    p = s[named].str.extract(_NAMED_OFFSET)
    fixed = p[0] + p[4].fillna("") + " " + p[1] + p[2].str.zfill(2) + ":" + p[3].fillna("00")
    fixed = fixed.reindex(s.index)
    return s.where(fixed.isna(), fixed)


def _loose(values: pd.Series, *, dayfirst: bool) -> tuple[pd.Series, pd.Series]:
    """(naive, zoned in UTC) for values ISO 8601 did not read, parsed the dateutil way.

    dateutil also reads zone names ("Tue Mar 10 14:00:00 UTC 2026", "… 14:00 GMT"): those
    values are aware and must not be localised again. Zoned and unzoned values side by
    side make pandas refuse the whole column, so then each is parsed alone.
    "GMT+1" is rewritten first (only here: ISO 8601 never reads it, and the fast path is
    spared the pass).
    """
    values = _named_offsets(values)
    naive = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    zoned = pd.Series(pd.NaT, index=values.index, dtype=UTC_DTYPE)
    # dateutil completes a date from today ("12:00" is today at noon): without a year in
    # the text, a value is not a time we can place
    values = values.where(values.str.contains(_HAS_YEAR, regex=True).fillna(False).astype(bool))
    try:
        out = pd.to_datetime(values, format="mixed", dayfirst=dayfirst, errors="coerce")
    except (ValueError, TypeError, OverflowError):
        out = None
    if out is not None:
        if getattr(out.dtype, "tz", None) is None:
            return out, zoned
        return naive, out.dt.tz_convert("UTC")
    lo, hi = pd.Timestamp.min, pd.Timestamp.max
    for idx, value in values.dropna().items():
        try:
            t = pd.to_datetime(value, dayfirst=dayfirst)
        except (ValueError, TypeError, OverflowError):
            continue
        wall = t if t.tzinfo is None else t.tz_convert("UTC").tz_localize(None)
        if pd.isna(wall) or not lo <= wall <= hi:  # beyond 1677-2262: stays NaT, a bad value
            continue
        if t.tzinfo is None:
            naive[idx] = wall.as_unit("ns")
        else:
            zoned[idx] = wall.as_unit("ns").tz_localize("UTC")
    return naive, zoned


_ORDER_SLACK = pd.Timedelta("1h")  # merged hosts' clocks disagree: still "in time order"


_LATE = pd.Timedelta("7D")  # a row this far behind the one before is late, not a year on
_LEAP = 2000  # a year with a February 29, to read month, day and time before the year


def _new_years(
    ref: pd.Series, year: int, lines: np.ndarray | None
) -> tuple[pd.Series, list[str]]:
    """Times without a year, read in a leap year (``ref``), placed in years that follow the
    rows: the stated ``year`` is the first row's; wherever the month goes back by more than
    a week, the months wrapped (Nov 30 -> Jan 2 too, December may be silent) and the rows
    from there on are a year later; a row up to a week before the previous one across New
    Year (Jan 1 -> Dec 31, a late line) is a year earlier. A date the year lacks (Feb 29)
    is NaT, a bad row; rows left behind by more than the order slack are named."""
    t = ref.dropna()
    if t.empty:
        return ref, []
    m = t.dt.month.to_numpy()
    d = np.diff(t.to_numpy()).astype("m8[ns]")
    late = np.timedelta64(_LATE.value, "ns")
    year_ns = np.timedelta64(_YEAR.value, "ns")
    step = ((m[1:] < m[:-1]) & (d < -late)).astype("int64") - (d >= year_ns - late)
    years = year + np.r_[0, np.cumsum(step)]
    warnings = []
    if step.any():
        top = np.maximum.accumulate(years)
        for i in np.flatnonzero(years[1:] > top[:-1]) + 1:
            warnings.append(
                f"rows from {_at(np.array([t.index[i]]), lines)} on read as {years[i]}: the "
                f"months wrap from {t.iloc[i - 1]:%b} to {t.iloc[i]:%b}"
            )
        back = np.flatnonzero(years < top)
        if len(back):
            warnings.append(
                f"{_at(t.index[back].to_numpy(), lines)} read in the year before the rows "
                "around them: December right after January, up to a week late"
            )
    # the same month and day in each row's year, from the first of its month (Feb 29 too)
    first = pd.to_datetime(
        pd.DataFrame({"year": years, "month": m, "day": 1}, index=t.index)
    )
    dated = first + (t - t.dt.normalize()) + pd.to_timedelta(t.dt.day - 1, unit="D")
    dated = dated.where(dated.dt.month == m)  # Feb 29 in a year without one
    out = ref.copy()
    out[t.index] = dated
    kept = dated.dropna()
    behind = (kept.cummax() - kept).to_numpy()
    lag = np.flatnonzero(behind > np.timedelta64(_ORDER_SLACK.value, "ns"))
    if len(lag):
        warnings.append(
            f"rows not in time order, each placed by its own month: "
            f"{_at(kept.index[lag].to_numpy(), lines)} up to "
            f"{pd.Timedelta(behind[lag].max())} behind an earlier row"
        )
    return out, warnings


def _date_fields(values: pd.Series) -> pd.DataFrame:
    """The first two numbers of dates written 03/10/2026 or 10.03.2026 (NaN elsewhere)."""
    return values.str.extract(_NUMERIC_DATE).astype("float64")


def _order_contradicted(values: pd.Series, *, dayfirst: bool) -> pd.Series:
    """Rows whose month field is over 12 in the declared order (a parser would swap them)."""
    fields = _date_fields(values)
    month = fields[1] if dayfirst else fields[0]
    return (month > 12).reindex(values.index, fill_value=False)


def _check_month_first(
    values: pd.Series, what: str, path: str | None, column: str | None
) -> list[str]:
    """Numeric dates without a declared order are month first; say so, never mix orders.

    A parser left to guess reads 10/03 as October 3 but 13/03 as March 13: one file, two
    orders, times silently days apart. A value that only reads day first is an error.
    """
    fields = _date_fields(values).dropna()
    if fields.empty:
        return []
    day_first_only = values[fields.index[fields[0] > 12]]
    if len(day_first_only):
        raise TimestampError(
            f"{what} write the day first (e.g. {day_first_only.iloc[0]!r}), which was not "
            'declared: pass mapping={"dayfirst": "true"} (or --map dayfirst=true), or the '
            'exact format, e.g. mapping={"time_format": "%d.%m.%Y %H:%M:%S"}.',
            path=path,
            column=column,
        )
    if (fields[1] > 12).any():
        return []  # 03/13/2026: month first beyond doubt
    example = values[fields.index[0]]
    return [
        f"{what}: day and month order is ambiguous in every date (e.g. {example!r}); read "
        "month first. If the export writes the day first, declare dayfirst=true."
    ]


_UTC_NAMES = {"UTC", "ETC/UTC", "GMT", "ETC/GMT", "UCT", "ETC/UCT", "ZULU", "ETC/ZULU",
              "UNIVERSAL", "ETC/UNIVERSAL", "GMT0", "ETC/GMT0"}


def same_zone(a: str, b: str) -> bool:
    """Two names of one zone (``UTC`` and ``Etc/UTC``)."""
    return a == b or (a.upper() in _UTC_NAMES and b.upper() in _UTC_NAMES)


def _resolve_zone(
    tz: str | None, rule: TimeRule, what: str, path: str | None = None
) -> tuple[str | None, list[str]]:
    """The zone of naive values: one the format or the file states wins over ``tz``
    (which is for times nobody placed); the user's default zone comes last."""
    if rule.zone:
        notes = []
        if tz and not same_zone(check_zone(tz), rule.zone):
            by = rule.zone_from or "the format states it"
            name = f"{os.path.basename(path)}: " if path else ""
            msg = f"{name}{what}: naive times read in {rule.zone} ({by}), not in tz={tz}"
            log.warning(msg)
            notes.append(msg)
        return rule.zone, notes
    if tz:
        return check_zone(tz), []
    return default_zone(what)


def default_zone(what: str) -> tuple[str | None, list[str]]:
    """The user's configured zone for naive times nobody placed (``POSTMORTEM_DEFAULT_TZ``),
    and the warning that reports its use (logged here); (None, []) when it is not set."""
    env = os.environ.get(DEFAULT_TZ_ENV)
    if not env:
        return None, []
    zone = check_zone(env)
    msg = f"{what}: naive timestamps read in {zone} from {DEFAULT_TZ_ENV}"
    log.warning(msg)
    return zone, [msg]


def parse_times(
    raw: pd.Series | pa.ChunkedArray | pa.Array,
    *,
    tz: str | None = None,
    rule: TimeRule | None = None,
    what: str = "timestamps",
    path: str | None = None,
    column: str | None = None,
    lines: np.ndarray | None = None,
) -> ParsedTimes:
    """Parse one column to ``datetime64[ns, UTC]``; bad values become NaT and are flagged.

    ``lines`` (the file line of each value) only names lines in warnings."""
    rule = rule or TimeRule()
    if isinstance(raw, pa.Array | pa.ChunkedArray):
        if rule.format is None and (
            pa.types.is_string(raw.type) or pa.types.is_large_string(raw.type)
        ):
            fast = _fast_utc(raw)
            if fast is not None:
                n = len(fast)
                return ParsedTimes(fast, np.zeros(n, bool), np.zeros(n, bool))
        raw = pd.Series(raw.to_pandas(), copy=False)
    s = raw.reset_index(drop=True)
    if rule.format is None and isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow":
        fast = _fast_utc(pa.array(s.array))
        if fast is not None:
            return ParsedTimes(fast, np.zeros(len(s), bool), np.zeros(len(s), bool))
    n = len(s)
    none = np.zeros(n, bool)
    warnings: list[str] = []
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        if s.dtype == UTC_DTYPE:  # read as UTC already (Arrow): no 40 MB copy per 5M rows
            return ParsedTimes(s, none, none.copy())
        if getattr(s.dtype, "tz", None) is not None:
            return ParsedTimes(s.dt.tz_convert("UTC").astype(UTC_DTYPE), none, none.copy())
        s = s.astype("str").where(s.notna())
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        out, notes = _epoch(s, rule.unit, lines)
        out = out.astype(UTC_DTYPE)
        _note(warnings, path, what, notes)
        return ParsedTimes(out, (s.notna() & out.isna()).to_numpy(), none.copy(), None, warnings)
    s = s.astype("str").str.strip()
    s = s.where(s.notna() & (s != ""))
    present = s.notna().to_numpy()
    if not present.any():
        return ParsedTimes(pd.Series(pd.NaT, index=s.index, dtype=UTC_DTYPE), none, none.copy())
    sample = s[present].iloc[0]
    fmt = rule.format
    if fmt is None and s[present].iloc[:100].str.match(_NUMBER).any():
        epochs = s.str.match(_EPOCH.pattern).fillna(False).to_numpy(dtype=bool)
        if 2 * epochs.sum() > present.sum():
            return _epoch_column(
                s, present, tz=tz, rule=rule, what=what, path=path, column=column, lines=lines
            )
    if fmt is None and _KIBANA.match(sample):
        fmt = _KIBANA_FORMAT
    if fmt is None and _SYSLOG.match(sample):
        fmt = "%b %d %H:%M:%S"
    yearless = fmt is not None and not re.search(r"%[Yy]", fmt)
    if yearless:
        if rule.year is None:
            raise TimestampError(
                f"{what} have no year (e.g. {sample!r}); state the year, e.g. "
                'mapping={"year": "2026"} or --map year=2026.',
                path=path,
                column=column,
            )
        s = f"{_LEAP} " + s
        fmt = "%Y " + fmt
    if fmt is not None:
        aware = pd.Series(np.zeros(n, bool))
        if "%z" in fmt or "%Z" in fmt:
            parsed = _ns(pd.to_datetime(s, format=fmt, errors="coerce", utc=True))
            return ParsedTimes(parsed.astype(UTC_DTYPE), present & parsed.isna().to_numpy(), none)
        naive = _ns(pd.to_datetime(s, format=fmt, errors="coerce"))
        if yearless:
            naive, notes = _new_years(naive, rule.year, lines)
            _note(warnings, path, what, notes)
        parsed_aware = None
    else:
        aware = s.str.contains(_OFFSET, regex=True).fillna(False).astype(bool)
        parsed_aware = None
        if aware.any():
            iso = pd.to_datetime(s.where(aware), format="ISO8601", utc=True, errors="coerce")
            # an explicit offset but not ISO ("Tue, 10 Mar 2026 … +0000"); a year is needed,
            # or dateutil dates "12:00Z" today
            has_year = s.str.contains(_HAS_YEAR, regex=True).fillna(False).astype(bool)
            retry = aware & iso.isna() & has_year
            if retry.any():
                loose = pd.to_datetime(s.where(retry), format="mixed", utc=True, errors="coerce")
                iso = iso.where(~retry, loose)
            parsed_aware = _ns(iso)
        naive_in = s.where(~aware)
        naive = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
        zoned = None
        if naive_in.notna().any():
            if rule.dayfirst:
                naive, zoned = _loose(naive_in, dayfirst=True)
                naive = naive.where(~_order_contradicted(naive_in, dayfirst=True))
            else:
                naive = pd.to_datetime(naive_in, format="ISO8601", errors="coerce")
                if naive.isna().sum() > naive_in.isna().sum():
                    warnings += _check_month_first(naive_in, what, path, column)
                    naive, zoned = _loose(naive_in, dayfirst=False)
            naive = _ns(naive)
        if zoned is not None and zoned.notna().any():  # a zone name the offset test missed
            has_zone = zoned.notna()
            aware = aware | has_zone
            zoned = _ns(zoned)
            parsed_aware = zoned if parsed_aware is None else parsed_aware.where(~has_zone, zoned)
    out = pd.Series(pd.NaT, index=s.index, dtype=UTC_DTYPE)
    dst = none.copy()
    zone_used = None
    naive_ok = naive.notna().to_numpy()
    if naive_ok.any():
        zone, zone_notes = _resolve_zone(tz, rule, what, path)
        warnings += zone_notes
        if zone is None:
            raise TimestampError(
                f"{what} have no time zone (e.g. {sample!r}) and no zone was given: "
                f"pass tz='Europe/Berlin' (or --tz), or set {DEFAULT_TZ_ENV}. "
                "The operating system's zone is never assumed."
                + (f" {rule.zone_hint}" if rule.zone_hint else ""),
                path=path,
                column=column,
            )
        zone_used = zone
        local = naive.astype("datetime64[ns]").dt.tz_localize(
            zone, ambiguous="NaT", nonexistent="NaT"
        )
        dst = naive_ok & local.isna().to_numpy()
        out = local.dt.tz_convert("UTC").astype(UTC_DTYPE)
    if parsed_aware is not None:
        out = out.where(~aware, parsed_aware.astype(UTC_DTYPE))
    bad = present & out.isna().to_numpy() & ~dst
    if rule.format is None and bad.any():  # epoch numbers among date strings (JSON mixes them)
        num = s[bad].where(s[bad].str.match(_EPOCH.pattern)).dropna()
        if len(num):
            t, _ = _epoch(pd.to_numeric(num), None)
            dated = out[present & ~bad].dropna()
            if len(dated):
                lo, hi = dated.min() - _YEAR, dated.max() + _YEAR
            else:
                lo = pd.Timestamp("2000-01-01", tz="UTC")
                hi = pd.Timestamp.now(tz="UTC") + _YEAR
            near = (t >= lo) & (t <= hi)
            read = num.index[near.to_numpy()].to_numpy()
            far = num.index[~near.to_numpy()].to_numpy()
            out[read] = t[near].astype(UTC_DTYPE)
            bad[read] = False
            notes = []
            if len(read):
                notes.append(
                    f"{len(read)} epoch numbers among date strings, read by their magnitude "
                    f"({_at(read, lines)})"
                )
            if len(far):
                notes.append(
                    f"{len(far)} epoch numbers among date strings fall over a year from the "
                    f"dates ({lo + _YEAR:%Y-%m-%d} to {hi - _YEAR:%Y-%m-%d}) or before 1973: "
                    f"left out as bad values ({_at(far, lines)})"
                )
            _note(warnings, path, what, notes)
    return ParsedTimes(out, bad, dst, zone_used, warnings)


def _epoch_column(
    s: pd.Series, present: np.ndarray, *, tz, rule: TimeRule, what, path, column, lines
) -> ParsedTimes:
    """A column most of whose values are epoch numbers: decided by the bulk, not by every
    value, so a stray ``0`` is a bad row, not a reason to try every value as a date string
    (a per-row pass). Values that are not numbers are read as date strings on their own."""
    number = s.str.match(_NUMBER).fillna(False).to_numpy(dtype=bool)
    out, notes = _epoch(pd.to_numeric(s.where(number), errors="coerce"), rule.unit, lines)
    out = out.astype(UTC_DTYPE)
    warnings: list[str] = []
    _note(warnings, path, what, notes)
    bad = present & out.isna().to_numpy()
    rest = present & ~number
    if not rest.any():
        return ParsedTimes(out, bad, np.zeros(len(s), bool), None, warnings)
    dates = parse_times(
        s.where(rest), tz=tz, rule=rule, what=what, path=path, column=column, lines=lines
    )
    out = out.where(~rest, dates.values)
    read = np.flatnonzero(number & ~bad)
    _note(warnings, path, what, [
        f"{len(read)} epoch numbers among {rest.sum()} date strings, read by their magnitude "
        f"({_at(read, lines)})"
    ])
    return ParsedTimes(
        out, (bad & ~rest) | dates.bad, dates.dst, dates.zone_used, warnings + dates.warnings
    )
