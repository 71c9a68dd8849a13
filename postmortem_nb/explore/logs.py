"""The log explorer's model: filters, pages, counts and templates over loaded logs.

Everything a filter touches is prepared once, at construction: rows are put in time
order, service/level/host become integer codes, the time bin and the template id of
every row are computed, the messages become one Arrow array. A filter change is then
array work only: a time range is a slice found by binary search, the other criteria are
boolean masks (each cached, so moving the time range does not re-run a regex), and
counts are ``np.bincount`` over the matching rows. Text search runs in Arrow (RE2
syntax for regular expressions), never row by row in Python.
"""

from __future__ import annotations

import logging
import numbers
import os
from collections.abc import Iterable
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import MissingColumnError, ParameterError, TimestampError
from ..timeutil import duration
from .filters import LogFilter, make_filter, unknown_value

log = logging.getLogger(__name__)

ERROR_LEVELS = ("ERROR", "FATAL", "CRITICAL")
PAGE_SIZE = 50
SMALL = 2000  # up to this many rows are read element-wise (see rows_at)


def _codes(series: pd.Series) -> tuple[np.ndarray, list[str]]:
    codes, uniques = pd.factorize(series.astype("str").fillna(""), sort=True)
    return codes.astype(np.int32), [str(u) for u in uniques]


def _arrow_strings(series: pd.Series) -> pa.ChunkedArray | pa.Array:
    values = series.astype("str")
    try:
        arr = pa.array(values.array)
    except (TypeError, pa.ArrowInvalid):
        arr = pa.array(values.to_numpy(dtype=object), type=pa.large_string())
    return arr


PARALLEL_MIN = 250_000  # rows per thread before text matching is split
_POOL: Any = None


def _threads() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def _pool() -> Any:
    global _POOL
    if _POOL is None:
        from concurrent.futures import ThreadPoolExecutor

        _POOL = ThreadPoolExecutor(max_workers=_threads(), thread_name_prefix="pm-explore")
    return _POOL


def _pick(column: pd.Series, positions: np.ndarray) -> Any:
    values = column.array
    return pd.array([values[i] for i in positions], dtype=column.dtype)


def check_limit(limit: Any) -> int | None:
    """A row limit: None (every row) or a whole number from 0."""
    if limit is None:
        return None
    whole = isinstance(limit, numbers.Integral) and not isinstance(limit, bool | np.bool_)
    if whole and limit >= 0:
        return int(limit)
    raise ParameterError(
        f"limit must be a whole number of rows (e.g. 1000) or None for every row; "
        f"found {limit!r}.")


class LogExplorer:
    """Filter, page and count log rows; see the module docstring for how it stays fast."""

    def __init__(
        self,
        logs: pd.DataFrame,
        *,
        templates: Any = None,
        is_failure: Any = None,
        bin: str = "1min",
        tz: str = "UTC",
        days: Iterable[str] | None = None,
        loaded: tuple[Any, Any] | None = None,
        load_more: str = "",
    ) -> None:
        """``loaded``: the time range the logs were read over when only part of the files
        was read (the workbook reads the incident's day(s)); ``load_more`` says how to read
        more. Both only word the note of ``outside_loaded``."""
        for col in ("timestamp", "message"):
            if col not in logs.columns:
                raise MissingColumnError(
                    f"The logs have no {col!r} column to explore.", column=col,
                    found=map(str, logs.columns),
                )
        ts_col = logs["timestamp"]
        if getattr(ts_col.dt, "tz", None) is None:
            raise TimestampError("Log timestamps must be tz-aware UTC (load them with load_logs).")
        self.tz = tz
        self.bin = bin
        self.logs = logs
        ts = ts_col.dt.tz_convert("UTC").to_numpy(dtype="datetime64[ns]").view("int64")
        order = np.argsort(ts, kind="stable") if len(ts) and np.any(np.diff(ts) < 0) else None
        self._order = order  # sorted position -> original position (None: already sorted)

        def sort(a: np.ndarray) -> np.ndarray:
            return a if order is None else a[order]

        self._ts = sort(ts)
        n = len(ts)
        self.n = n
        self._svc, self.services = _codes(logs["service"]) if "service" in logs else (
            np.zeros(n, np.int32), [""])
        self._svc = sort(self._svc)
        lv = logs["level"].astype("str").str.strip().str.upper() if "level" in logs else None
        self._lvl, self.levels = _codes(lv) if lv is not None else (np.zeros(n, np.int32), [""])
        self._lvl = sort(self._lvl)
        self._host, self.hosts = _codes(logs["host"]) if "host" in logs else (
            np.zeros(n, np.int32), [""])
        self._host = sort(self._host)
        if is_failure is None:
            fail = np.isin(self._lvl, [i for i, v in enumerate(self.levels) if v in ERROR_LEVELS])
        else:
            fail = sort(np.asarray(pd.Series(is_failure).fillna(False), dtype=bool))
        self._fail = fail
        err_levels = [i for i, v in enumerate(self.levels) if v in ERROR_LEVELS]
        self._err = fail | np.isin(self._lvl, err_levels)
        msgs = _arrow_strings(logs["message"])
        self._msg = msgs if order is None else msgs.take(pa.array(order))
        step = duration(bin, "time bin").value
        self._t0 = int(self._ts[0] // step * step) if n else 0
        self._step = step
        self._bin = ((self._ts - self._t0) // step).astype(np.int64) if n else np.zeros(0, np.int64)
        if templates is None and n:
            from ..logtemplates import mine_templates

            templates = mine_templates(logs)
        self._templates = templates
        if templates is not None:
            cat = templates.ids.cat
            self._tpl = sort(cat.codes.to_numpy().astype(np.int32))
            self.template_ids = [str(c) for c in cat.categories]
            info = templates.table.set_index("template_id")
            self._tpl_text = [str(info["template"].get(t, "")) for t in self.template_ids]
        else:
            self._tpl = np.full(n, -1, np.int32)
            self.template_ids, self._tpl_text = [], []
        self._cache: dict[str, tuple[Any, np.ndarray | None]] = {}
        self._seen: dict[bool, tuple[np.ndarray, np.ndarray]] = {}
        if days is None and n:  # a time without a date: the logs' day, if they cover one
            first, last = (pd.Timestamp(int(t), tz="UTC").tz_convert(tz).strftime("%Y-%m-%d")
                           for t in (self._ts[0], self._ts[-1]))
            days = (first,) if first == last else (first, last)
        self.days = tuple(days or ())  # the incident's local day(s): "15:00" is read on it
        self._known = {"service": set(self.services), "level": set(self.levels),
                       "host": set(self.hosts), "template": set(self.template_ids)}
        self.filter = LogFilter()
        self._positions: np.ndarray | None = None
        self.loaded = None if loaded is None else tuple(pd.Timestamp(t).tz_convert("UTC")
                                                        for t in loaded)
        self.load_more = load_more

    # ------------------------------------------------------------------ filtering
    def make_filter(self, base: LogFilter | None = None, **changes: Any) -> LogFilter:
        """A filter over these logs: values they do not have are refused, not matched by none."""
        f = make_filter(base, tz=self.tz, days=self.days, **changes)
        for what, values, names in (("service", f.services, self.services),
                                     ("level", f.levels, self.levels),
                                     ("host", f.hosts, self.hosts),
                                     ("template", f.templates, self.template_ids)):
            for value in values:
                if value not in self._known[what]:
                    raise ParameterError(unknown_value(what, value, names))
        return f

    def set_filter(self, **changes: Any) -> LogExplorer:
        """Change some criteria, keep the others (times without a zone are in ``tz``)."""
        self.filter = self.make_filter(self.filter, **changes)
        self._positions = None
        return self

    def reset(self, **changes: Any) -> LogExplorer:
        """Start from no filter, then apply ``changes``."""
        self.filter = self.make_filter(None, **changes)
        self._positions = None
        return self

    def outside_loaded(self, f: LogFilter | None = None) -> str:
        """Why a time range finds rows that exist nowhere in the loaded logs, or "".

        The workbook reads only part of the log files (``loaded``): a range reaching
        beyond it would silently miss rows the files hold. Without ``loaded`` (the files
        were read whole), only a range clear of every row is worth a note.
        """
        f = self.filter if f is None else f
        if (f.start is None and f.end is None) or not self.n:
            return ""
        first = pd.Timestamp(int(self._ts[0]), tz="UTC")
        last = pd.Timestamp(int(self._ts[-1]), tz="UTC")
        lo, hi = self.loaded or (first, last + pd.Timedelta(1, "ns"))
        clear = (f.end is not None and f.end <= lo) or (f.start is not None and f.start >= hi)
        beyond = (f.start is None or f.start < lo) or (f.end is None or f.end > hi)
        if not clear and (self.loaded is None or not beyond):
            return ""
        fmt = "%Y-%m-%d %H:%M"
        span = f"{lo.tz_convert(self.tz):{fmt}} – {hi.tz_convert(self.tz):{fmt}} ({self.tz})"
        asked = f.describe(self.tz).split("; ")[0]
        if self.loaded is None:
            return f"The time range {asked} lies outside the logs ({span}): no row there."
        where = "lies outside" if clear else "reaches beyond"
        return (f"The time range {asked} {where} the loaded logs ({span}); the log files' "
                f"rows outside that range were not read. {self.load_more}").strip()

    def query(self, limit: int | None = None, *, newest_first: bool = False,
              **filters: Any) -> pd.DataFrame:
        """Rows matching ``filters`` from scratch; the explorer's own filter is kept.

        When the time range reaches beyond the loaded logs, ``attrs["outside_loaded"]``
        says so (``outside_loaded``) and ``attrs["loaded"]`` is the loaded range.
        """
        saved = self.filter
        self.filter = self.make_filter(None, **filters)
        self._positions = None
        try:
            out = self.rows(limit, newest_first=newest_first)
            note = self.outside_loaded()
            if note:
                out.attrs["outside_loaded"], out.attrs["loaded"] = note, self.loaded
            return out
        finally:
            self.filter = saved
            self._positions = None

    def _mask(self, name: str, key: Any, build: Any) -> np.ndarray | None:
        cached = self._cache.get(name)
        if cached is not None and cached[0] == key:
            return cached[1]
        mask = build() if key else None
        self._cache[name] = (key, mask)
        return mask

    def _isin(self, codes: np.ndarray, names: list[str], wanted: tuple[str, ...]) -> np.ndarray:
        index = {v: i for i, v in enumerate(names)}
        picked = [index[w] for w in wanted if w in index]
        lookup = np.zeros(len(names) + 1, dtype=bool)
        lookup[picked] = True
        return lookup[codes]

    def _text_mask(self, pattern: str, regex: bool, ignore_case: bool, lo: int, hi: int
                   ) -> np.ndarray:
        """Rows lo..hi (time order) whose message matches, on zero-copy slices.

        Large ranges are split in parts matched on threads (Arrow releases the GIL).
        """
        n = hi - lo
        parts = min(_threads(), max(1, n // PARALLEL_MIN))
        bounds = np.linspace(lo, hi, parts + 1).astype(np.int64)
        slices = [self._msg.slice(int(a), int(b - a)) for a, b in pairwise(bounds)]
        fn = pc.match_substring_regex if regex else pc.match_substring

        def run(msgs: Any) -> np.ndarray:
            hits = pc.fill_null(fn(msgs, pattern, ignore_case=ignore_case), False)
            chunks = hits.chunks if isinstance(hits, pa.ChunkedArray) else [hits]
            if not chunks:
                return np.zeros(0, dtype=bool)
            return np.concatenate([c.to_numpy(zero_copy_only=False) for c in chunks])

        try:
            if parts == 1:
                return run(slices[0])
            return np.concatenate(list(_pool().map(run, slices)))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise ParameterError(
                f"Cannot search for the regular expression {pattern!r}: {exc}. Use RE2 "
                "syntax (no look-behind or back-references)."
            ) from None  # Arrow's message is in ours; its stack says nothing more

    def positions(self) -> np.ndarray:
        """Sorted positions (time order) of the rows matching the current filter.

        Code criteria are cached as full-length masks; text criteria are matched on the
        time slice only (cached per slice), so a narrow time range makes a regex cheap.
        """
        if self._positions is not None:
            return self._positions
        f = self.filter
        lo = 0 if f.start is None else int(np.searchsorted(self._ts, f.start.value, "left"))
        hi = self.n if f.end is None else int(np.searchsorted(self._ts, f.end.value, "left"))
        hi = max(lo, hi)
        masks = [
            self._mask("services", f.services,
                       lambda: self._isin(self._svc, self.services, f.services)),
            self._mask("levels", f.levels, lambda: self._isin(self._lvl, self.levels, f.levels)),
            self._mask("hosts", f.hosts, lambda: self._isin(self._host, self.hosts, f.hosts)),
            self._mask("templates", f.templates,
                       lambda: self._isin(self._tpl, self.template_ids, f.templates)),
        ]
        if f.failure is not None:
            masks.append(self._fail if f.failure else ~self._fail)
        sliced = [m[lo:hi] for m in masks if m is not None]
        sliced += [m for m in (
            self._mask("text", (f.text, f.ignore_case, lo, hi) if f.text else None,
                       lambda: self._text_mask(f.text, False, f.ignore_case, lo, hi)),
            self._mask("regex", (f.regex, f.ignore_case, lo, hi) if f.regex else None,
                       lambda: self._text_mask(f.regex, True, f.ignore_case, lo, hi)),
        ) if m is not None]
        if not sliced:
            pos = np.arange(lo, hi, dtype=np.int64)
        else:
            combined = sliced[0].copy()
            for m in sliced[1:]:
                combined &= m
            pos = np.flatnonzero(combined) + lo
        self._positions = pos
        return pos

    @property
    def matching(self) -> int:
        return len(self.positions())

    def _original(self, pos: np.ndarray) -> np.ndarray:
        return pos if self._order is None else self._order[pos]

    # ------------------------------------------------------------------ results
    def page(self, page: int = 0, size: int = PAGE_SIZE, *, newest_first: bool = True,
             columns: Iterable[str] | None = None) -> pd.DataFrame:
        """One page of matching rows (page 0 is the newest or oldest), with template ids.

        ``row`` is the row's label in the loaded logs frame: pin it, or look it up.
        """
        pos = self.positions()
        if newest_first:
            pos = pos[::-1]
        chunk = pos[page * size:(page + 1) * size]
        return self.rows_at(chunk, columns)

    def rows(self, limit: int | None = None, *, newest_first: bool = False,
             columns: Iterable[str] | None = None) -> pd.DataFrame:
        """All matching rows (or the first ``limit``), in time order unless newest_first.

        ``attrs["total"]`` is the number of matching rows, ``attrs["limit"]`` the limit.
        """
        limit = check_limit(limit)
        if not isinstance(newest_first, bool | np.bool_):
            raise ParameterError(f"newest_first must be True or False; found {newest_first!r}.")
        pos = self.positions()
        if newest_first:
            pos = pos[::-1]
        out = self.rows_at(pos if limit is None else pos[:limit], columns)
        out.attrs["total"] = len(pos)
        out.attrs["limit"] = limit
        return out

    def rows_at(self, pos: np.ndarray, columns: Iterable[str] | None = None) -> pd.DataFrame:
        orig = self._original(pos)
        names = list(self.logs.columns) if columns is None else [
            c for c in columns if c in self.logs.columns]
        if len(orig) <= SMALL:
            # A page: element access. Taking rows from a chunked Arrow column costs time in
            # proportion to the whole column, ~10 ms per string column on 1M rows.
            out = pd.DataFrame({c: _pick(self.logs[c], orig) for c in names},
                               index=pd.RangeIndex(len(orig)))
        else:
            out = self.logs.iloc[orig][names].reset_index(drop=True)
        out.insert(0, "row", self.logs.index[orig])
        out["template_id"] = [self.template_ids[c] if c >= 0 else "" for c in self._tpl[pos]]
        out["failure"] = self._fail[pos]
        return out.reset_index(drop=True)

    def page_count(self, size: int = PAGE_SIZE) -> int:
        return max(1, -(-self.matching // size))

    def by_service(self) -> pd.DataFrame:
        """Matching rows and failures per service, most rows first."""
        pos = self.positions()
        k = len(self.services)
        rows = np.bincount(self._svc[pos], minlength=k)
        fails = np.bincount(self._svc[pos], weights=self._fail[pos], minlength=k).astype(np.int64)
        out = pd.DataFrame({"service": self.services, "rows": rows, "failures": fails})
        out = out.loc[out["rows"] > 0]
        return out.sort_values(["rows", "service"], ascending=[False, True]).reset_index(drop=True)

    def by_minute(self, *, by_service: bool = False) -> pd.DataFrame:
        """Matching rows per time bin (index: bin start, UTC); one column per service if asked."""
        pos = self.positions()
        if not len(pos):
            return pd.DataFrame({"rows": []}, index=pd.DatetimeIndex([], tz="UTC", name="bin"))
        b = self._bin[pos]
        lo, hi = int(b[0]), int(b[-1])
        nb = hi - lo + 1
        index = pd.DatetimeIndex(
            pd.to_datetime(self._t0 + (np.arange(lo, hi + 1) * self._step), utc=True), name="bin")
        if not by_service:
            counts = np.bincount(b - lo, minlength=nb)
            fails = np.bincount(b - lo, weights=self._fail[pos], minlength=nb).astype(np.int64)
            return pd.DataFrame({"rows": counts, "failures": fails}, index=index)
        k = len(self.services)
        grid = np.bincount((b - lo) * k + self._svc[pos], minlength=nb * k).reshape(nb, k)
        keep = grid.sum(axis=0) > 0
        return pd.DataFrame(grid[:, keep], index=index,
                            columns=[s for s, on in zip(self.services, keep, strict=True) if on])

    def template_sightings(self, errors_only: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """First and last sighting (UTC ns per template code; NaT when never) in all the
        loaded rows, error rows only when ``errors_only``, whatever the filter.

        A filter must not make an error that ran all morning look as if it started where
        the filter does; nor may a template's successful rows date its first error.
        """
        if errors_only not in self._seen:
            k = len(self.template_ids)
            first = np.full(k, np.iinfo(np.int64).min, np.int64)  # NaT
            last = first.copy()
            pos = np.flatnonzero(self._err) if errors_only else np.arange(self.n)
            codes = self._tpl[pos]
            pos, codes = pos[codes >= 0], codes[codes >= 0]
            if len(pos):
                order = np.argsort(codes, kind="stable")  # time order kept within a code
                sc = codes[order]
                starts = np.flatnonzero(np.r_[True, sc[1:] != sc[:-1]])
                ends = np.r_[starts[1:], len(sc)] - 1
                first[sc[starts]] = self._ts[pos[order[starts]]]
                last[sc[starts]] = self._ts[pos[order[ends]]]
            self._seen[errors_only] = (first, last)
        return self._seen[errors_only]

    def templates(self, *, errors_only: bool = True, limit: int | None = 20,
                  all_rows: bool = False) -> pd.DataFrame:
        """Templates of the matching rows (error rows only by default), most frequent first.

        ``count`` and ``first_match``/``last_match`` are over the matching rows;
        ``first_seen``/``last_seen`` over all the loaded logs whatever the filter (error
        rows only, like the count, when ``errors_only``), so a template logged long before
        the filter's start says so. ``service``, ``level`` and
        ``example`` are those of its first matching row; ``services`` lists every service
        that logged it with its count ("checkout-api 2,729, payments 2,729"), most first.
        ``all_rows`` ignores the filter (the explorer's list of templates to choose from).
        """
        cols = ["template_id", "template", "count", "first_seen", "last_seen", "first_match",
                "last_match", "service", "services", "level", "example"]
        pos = np.arange(self.n) if all_rows else self.positions()
        if errors_only:
            pos = pos[self._err[pos]]
        codes = self._tpl[pos]
        keep = codes >= 0
        pos, codes = pos[keep], codes[keep]
        if not len(pos):
            return pd.DataFrame({c: [] for c in cols})
        uniq, first, counts = np.unique(codes, return_index=True, return_counts=True)
        _, last_rev = np.unique(codes[::-1], return_index=True)
        last = len(codes) - 1 - last_rev
        fpos, lpos = pos[first], pos[last]
        seen_first, seen_last = self.template_sightings(errors_only)
        out = pd.DataFrame({
            "template_id": [self.template_ids[c] for c in uniq],
            "template": [self._tpl_text[c] for c in uniq],
            "count": counts.astype(np.int64),
            "first_seen": pd.to_datetime(seen_first[uniq], utc=True),
            "last_seen": pd.to_datetime(seen_last[uniq], utc=True),
            "first_match": pd.to_datetime(self._ts[fpos], utc=True),
            "last_match": pd.to_datetime(self._ts[lpos], utc=True),
            "service": [self.services[c] for c in self._svc[fpos]],
            "services": self._services_of(uniq, codes, pos),
            "level": [self.levels[c] for c in self._lvl[fpos]],
            "example": [self._msg[int(p)].as_py() for p in fpos],
        })
        out = out.sort_values(["count", "first_seen"], ascending=[False, True])
        out = out.reset_index(drop=True)
        return out if limit is None else out.head(limit)

    def _services_of(self, uniq: np.ndarray, codes: np.ndarray, pos: np.ndarray) -> list[str]:
        """Per template code in ``uniq``: 'svc count, svc count' over the rows ``pos``."""
        svc = self._svc[pos].astype(np.int64)
        width = int(svc.max()) + 1 if len(svc) else 1
        pairs, n = np.unique(codes.astype(np.int64) * width + svc, return_counts=True)
        per: dict[int, list[tuple[int, str]]] = {}
        for key, k in zip(pairs.tolist(), n.tolist(), strict=True):
            per.setdefault(key // width, []).append((k, str(self.services[key % width])))
        return [
            ", ".join(f"{name} {k:,}" for k, name in sorted(per[int(c)], key=lambda x: -x[0]))
            for c in uniq
        ]

    def time_range(self) -> tuple[pd.Timestamp, pd.Timestamp] | None:
        """First and last timestamp of the matching rows."""
        pos = self.positions()
        if not len(pos):
            return None
        return (pd.Timestamp(int(self._ts[pos[0]]), tz="UTC"),
                pd.Timestamp(int(self._ts[pos[-1]]), tz="UTC"))
