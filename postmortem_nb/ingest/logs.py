"""Log exports -> canonical log frames, with a fast path for a time window.

With ``start``/``end`` on an uncompressed, time-sorted CSV the rows outside the
window are never parsed (byte-offset bisection, see window.py); otherwise the file
is read whole and filtered. A GCP LogEntry with no payload message (a request or audit
log entry) gets one from its ``httpRequest`` or ``protoPayload`` (``gcp_logentry``).
"""

from __future__ import annotations

import os

import pandas as pd

from ..errors import ParameterError
from ..timeutil import to_utc
from .alerts import _text
from .frame import _blank
from .pipeline import Context, load
from .timestamps import default_zone

# what a LogEntry without a text or JSON payload says, in order: a request (Cloud Run,
# load balancers: "POST https://shop.example/api/checkout 500"), an audit log's call
_GCP_MESSAGE_PARTS = (
    ("httpRequest.requestMethod", "httpRequest.requestUrl", "httpRequest.status"),
    ("protoPayload.methodName", "protoPayload.resourceName"),
)


def gcp_logentry(raw: pd.DataFrame, ctx: Context):
    """A message for entries with no textPayload/jsonPayload message, from their request or
    audited call; it only fills rows the payload left empty (frame.canonical_frame).

    Only those rows are visited (a Python pass): a big export of application logs with
    request fields beside their messages pays nothing.
    """
    payload = ctx.fmt.mapping.get("message", ())
    payload = (payload,) if isinstance(payload, str) else tuple(payload)
    empty = pd.Series(True, index=raw.index)
    for col in payload:
        if col in raw.columns:
            empty &= _blank(raw[col])
    message = pd.Series(None, index=raw.index, dtype="str")
    for cols in _GCP_MESSAGE_PARTS:
        present = [c for c in cols if c in raw.columns]
        need = empty & _blank(message)
        if not present or not need.any():
            continue
        rows = zip(*(raw.loc[need, c].tolist() for c in present), strict=True)
        text = [" ".join(t for v in row if (t := _text(v)) is not None) or None for row in rows]
        message.loc[need] = pd.Series(text, index=need.index[need], dtype="str")
    return raw, ({"message": message} if message.notna().any() else {})


DERIVERS = {"gcp_logentry": gcp_logentry}


def load_logs(
    path_or_paths: str | os.PathLike | list,
    *,
    format: str | None = None,
    mapping: dict[str, object] | None = None,
    tz: str | None = None,
    start=None,
    end=None,
) -> pd.DataFrame:
    """Logs from any supported export as a canonical frame (schema.LOG_COLUMNS + extras).

    ``start`` (inclusive) and ``end`` (exclusive) are times or ISO strings; naive ones are
    read in ``tz``, else in ``POSTMORTEM_DEFAULT_TZ`` like the file's naive times (reported);
    an error without either, or when DST makes them ambiguous or non-existent.
    """
    notes: list[str] = []
    lo, hi = _bound(start, tz, "start", notes), _bound(end, tz, "end", notes)
    if lo is not None and hi is not None and hi <= lo:
        raise ParameterError(f"end ({end}) must be after start ({start})")
    window = (lo, hi) if lo is not None or hi is not None else None
    df = load(
        "logs",
        path_or_paths,
        format=format,
        mapping=mapping,
        tz=tz,
        window=window,
        derivers=DERIVERS,
    )
    if lo is not None or hi is not None:
        keep = pd.Series(True, index=df.index)
        if lo is not None:
            keep &= df["timestamp"] >= lo
        if hi is not None:
            keep &= df["timestamp"] < hi
        attrs = df.attrs
        df = df.loc[keep].reset_index(drop=True)
        df.attrs = attrs
        df.attrs["source"]["window"] = [str(lo), str(hi)]
        df.attrs["source"]["rows"] = len(df)
        df.attrs["source"]["warnings"] = notes + list(df.attrs["source"].get("warnings", []))
    return df


def _bound(value, tz: str | None, what: str, notes: list[str]) -> pd.Timestamp | None:
    """``start`` or ``end`` in UTC; a naive one without ``tz`` is read in the default zone
    the file's naive times are read in (``POSTMORTEM_DEFAULT_TZ``, reported in ``notes``),
    so a window and the rows it selects mean the same clock."""
    try:
        return to_utc(value, tz, what=what)
    except ParameterError:
        if tz:
            raise
        zone, used = default_zone(f"{what} {value}")
        if zone is None:
            raise
        ts = to_utc(value, zone, what=what)  # any other fault is raised again
        notes += used
        return ts
