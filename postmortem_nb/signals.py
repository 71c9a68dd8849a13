"""Log-derived signals: which rows are requests, transactions and failures; rates per bin.

The per-row flags are computed once (``prepare_logs``) into a slim frame, so every
later count, figure and impact figure reuses them instead of re-parsing the logs.

Definitions (the defaults, documented in docs/facts-schema.md):

- request: a log row with an HTTP status (found among common column names); when the
  logs have no status column at all, every row counts as a request (the rate is then
  a log-line error rate).
- transaction: a request that carries an amount (when an amount column exists);
  otherwise every request.
- failure: a transaction (or request) with HTTP status >= 500 or level ERROR/FATAL/
  CRITICAL. ``failure="status"`` or ``"level"`` uses one half only; any other string
  is a pandas expression over the log columns (``DataFrame.eval``), e.g.
  ``"http_status >= 500 or latency_ms > 10000"``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .columns import find_column, latency_ms, status_values
from .errors import MissingColumnError, ParameterError

FAILURE_LEVELS = ("ERROR", "FATAL", "CRITICAL")
_LEVEL_ALIASES = {
    "ERR": "ERROR",
    "CRIT": "CRITICAL",
    "EMERG": "FATAL",
    "ALERT": "FATAL",
    "EMERGENCY": "FATAL",
    "SEVERE": "ERROR",
    "E": "ERROR",
    "F": "FATAL",
}

Failure = str | Callable[[pd.DataFrame], pd.Series] | None


@dataclass
class LogSignals:
    """The slim per-row frame plus the definitions that produced its flags."""

    rows: pd.DataFrame  # timestamp, service, level, is_request, is_transaction, is_failure, ...
    columns: dict[str, str | None]  # role -> source column used (customer, amount, status, latency)
    request_definition: str
    transaction_definition: str
    failure_definition: str
    notes: list[str] = field(default_factory=list)

    @property
    def has_requests(self) -> bool:
        return self.columns.get("status") is not None

    def used(self, role: str) -> str:
        col = self.columns.get(role)
        return f"column {col!r}" if col else f"no {role} column"


def _levels(series: pd.Series) -> pd.Series:
    up = series.astype("str").str.strip().str.upper()
    return up.replace(_LEVEL_ALIASES)


def _failure_mask(
    logs: pd.DataFrame, levels: pd.Series, status: pd.Series | None, failure: Failure
) -> tuple[pd.Series, str]:
    level_bad = levels.isin(FAILURE_LEVELS)
    status_bad = (status >= 500) if status is not None else pd.Series(False, index=logs.index)
    if failure is None or (isinstance(failure, str) and failure.strip().lower() in ("", "default")):
        text = "HTTP status >= 500 or level ERROR/FATAL/CRITICAL"
        if status is None:
            text = "level ERROR/FATAL/CRITICAL (no HTTP status column)"
        return level_bad | status_bad, text
    if callable(failure):
        mask = failure(logs)
        text = f"custom predicate {getattr(failure, '__name__', 'callable')}"
    elif failure.strip().lower() == "status":
        if status is None:
            raise ParameterError("failure='status' needs an HTTP status column; none was found.")
        return status_bad, "HTTP status >= 500"
    elif failure.strip().lower() == "level":
        return level_bad, "level ERROR/FATAL/CRITICAL"
    else:
        try:
            mask = logs.eval(failure)
        except Exception as exc:  # pandas raises many types for a bad expression
            raise ParameterError(
                f"Cannot evaluate the failure expression {failure!r}: {exc}. "
                f"Columns: {', '.join(map(str, logs.columns))}."
            ) from exc
        text = f"expression {failure!r}"
    if not isinstance(mask, pd.Series) or len(mask) != len(logs):
        raise ParameterError(f"The failure predicate {failure!r} must give one boolean per row.")
    return mask.fillna(False).astype(bool), text


def prepare_logs(
    logs: pd.DataFrame,
    *,
    failure: Failure = None,
    status_column: str | None = None,
    amount_column: str | None = None,
    customer_column: str | None = None,
    latency_column: str | None = None,
) -> LogSignals:
    """Flag requests, transactions and failures once; find the role columns."""
    for col in ("timestamp",):
        if col not in logs.columns:
            raise MissingColumnError(
                f"The logs frame has no {col!r} column.", column=col, found=map(str, logs.columns)
            )
    cols = {
        "status": find_column(logs, "status", status_column or None),
        "amount": find_column(logs, "amount", amount_column or None),
        "customer": find_column(logs, "customer", customer_column or None),
        "latency": find_column(logs, "latency", latency_column or None),
    }
    ts = logs["timestamp"]
    if getattr(ts.dt, "tz", None) is None:
        raise ParameterError("Log timestamps must be tz-aware UTC (load them with load_logs).")
    levels = _levels(logs["level"]) if "level" in logs.columns else pd.Series("", index=logs.index)
    status = status_values(logs[cols["status"]]) if cols["status"] else None
    notes: list[str] = []
    if status is not None and status.notna().any():
        is_request = status.notna()
        req_text = f"rows with an HTTP status ({cols['status']!r})"
    else:
        if cols["status"]:
            notes.append(f"Column {cols['status']!r} holds no HTTP status codes; ignored.")
        cols["status"] = None
        status = None
        is_request = pd.Series(True, index=logs.index)
        req_text = "every log row (no HTTP status column)"
    amount = (
        pd.to_numeric(logs[cols["amount"]], errors="coerce").astype("float64")
        if cols["amount"]
        else None
    )
    if amount is not None and (amount[is_request].notna().any()):
        is_tx = is_request & amount.notna()
        tx_text = f"{req_text} that carry an amount ({cols['amount']!r})"
    else:
        is_tx = is_request
        tx_text = req_text
    fail, fail_text = _failure_mask(logs, levels, status, failure)
    # Series (not .to_numpy()) keep Arrow strings and categories: no object copies.
    service = (
        logs["service"].astype("str").fillna("(unknown)")
        if "service" in logs.columns
        else pd.Series("(unknown)", index=logs.index)
    )
    rows = pd.DataFrame(
        {
            "timestamp": pd.to_datetime(ts, utc=True),
            "service": service.astype("category"),
            "level": levels.astype("category"),
            "is_request": is_request.astype(bool),
            "is_transaction": is_tx.astype(bool),
            "is_failure": (fail & is_request).astype(bool),
        },
        index=logs.index,
    )
    if status is not None:
        rows["status"] = status
    if amount is not None:
        rows["amount"] = amount
    if cols["customer"]:
        cust = logs[cols["customer"]]
        rows["customer"] = cust if pd.api.types.is_string_dtype(cust) else cust.astype("str")
        rows.loc[cust.isna(), "customer"] = None
    if cols["latency"]:
        rows["latency_ms"] = latency_ms(logs[cols["latency"]], cols["latency"])
    return LogSignals(rows, cols, req_text, tx_text, f"{fail_text}, on {req_text}", notes)


def subset_signals(sig: LogSignals, mask: pd.Series) -> LogSignals:
    """The same definitions over the rows where ``mask`` holds (a time range, services)."""
    return LogSignals(
        sig.rows.loc[mask],
        sig.columns,
        sig.request_definition,
        sig.transaction_definition,
        sig.failure_definition,
        sig.notes,
    )


def _bins(ts: pd.Series, bin: str) -> pd.Series:
    try:
        return ts.dt.floor(bin)
    except ValueError as exc:
        raise ParameterError(f"Bad time bin {bin!r}: use e.g. '1min', '5min', '30s'.") from exc


def transaction_series(
    sig: LogSignals,
    bin: str = "1min",
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Transactions and failed transactions per bin, every bin present (0 when empty).

    Columns: requests, failures, rate (NaN for empty bins); index: bin start (UTC).
    """
    tx = sig.rows.loc[sig.rows["is_transaction"], ["timestamp", "is_failure"]]
    b = _bins(tx["timestamp"], bin)
    grouped = tx.groupby(b)["is_failure"].agg(["size", "sum"])
    grouped.columns = ["requests", "failures"]
    lo = start.floor(bin) if start is not None else (b.min() if len(b) else None)
    hi = end if end is not None else (b.max() if len(b) else None)
    if lo is None or hi is None or pd.isna(lo):
        return pd.DataFrame(
            {"requests": [], "failures": [], "rate": []},
            index=pd.DatetimeIndex([], tz="UTC", name="bin"),
        )
    idx = pd.date_range(lo, hi, freq=bin, tz="UTC", name="bin")
    out = grouped.reindex(idx, fill_value=0).astype("int64")
    out["rate"] = out["failures"] / out["requests"].where(out["requests"] > 0)
    return out


def service_table(sig: LogSignals, bin: str = "1min") -> pd.DataFrame:
    """Per bin and service: requests, failures, failure_rate, and latency p50/p95/p99 (ms).

    Long format (one row per bin x service): small however many log rows there are.
    """
    req = sig.rows.loc[sig.rows["is_request"]]
    keys = [_bins(req["timestamp"], bin).rename("bin"), req["service"]]
    g = req.groupby(keys, observed=True, sort=True)
    out = (
        g["is_failure"].agg(["size", "sum"]).rename(columns={"size": "requests", "sum": "failures"})
    )
    out["failure_rate"] = out["failures"] / out["requests"]
    if "latency_ms" in req.columns:
        q = g["latency_ms"].quantile([0.5, 0.95, 0.99]).unstack()
        q.columns = ["p50_ms", "p95_ms", "p99_ms"]
        out = out.join(q)
    return out.reset_index()


def error_lines(sig: LogSignals, bin: str = "1min") -> pd.DataFrame:
    """Log lines at a failure level per bin and service (requests or not)."""
    rows = sig.rows.loc[sig.rows["level"].isin(FAILURE_LEVELS)]
    keys = [_bins(rows["timestamp"], bin).rename("bin"), rows["service"]]
    return rows.groupby(keys, observed=True).size().rename("error_lines").reset_index()


def rate_per_minute(count: float, start: pd.Timestamp, end: pd.Timestamp) -> float:
    minutes = max((end - start).total_seconds() / 60.0, 1e-9)
    return float(count) / minutes


def nan_to_none(x: float | None) -> float | None:
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return None
    return float(x)
