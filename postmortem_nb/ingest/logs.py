"""Log exports -> canonical log frames, with a fast path for a time window.

With ``start``/``end`` on an uncompressed, time-sorted CSV the rows outside the
window are never parsed (byte-offset bisection, see window.py); otherwise the file
is read whole and filtered.
"""

from __future__ import annotations

import os

import pandas as pd

from ..errors import ParameterError
from ..timeutil import to_utc
from .pipeline import load


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
    read in ``tz`` (an error without it, or when DST makes them ambiguous or non-existent).
    """
    lo, hi = to_utc(start, tz, what="start"), to_utc(end, tz, what="end")
    if lo is not None and hi is not None and hi <= lo:
        raise ParameterError(f"end ({end}) must be after start ({start})")
    window = (lo, hi) if lo is not None or hi is not None else None
    df = load("logs", path_or_paths, format=format, mapping=mapping, tz=tz, window=window)
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
    return df
