"""Which log files each incident reads when batch is given several (one per day, say).

With one ``--logs`` every incident reads it. With several, each file is taken to cover
the time from its first row until the next file's first row (daily or hourly exports);
an incident reads every file that covers part of [first alert - baseline margin, last
alert + 1 h], so one that crosses midnight, or starts just after it and needs the
previous day for its baseline, reads both days. Only the first rows of each file are
read to find where it starts, so a file that is corrupt further in still gets its
incidents, which then fail alone.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import pandas as pd

from ..errors import PostmortemError
from .grouping import Incident

log = logging.getLogger(__name__)

PROBE_LINES = 50
DEFAULT_MARGIN = pd.Timedelta("3h")  # the 2 h baseline and an hour to spare


def first_timestamp(
    path: Path,
    tz: str | None = "UTC",
    *,
    format: str | None = None,
    mapping: dict[str, str] | None = None,
) -> pd.Timestamp:
    """The earliest time among the first rows of a log export (any supported format)."""
    from ..ingest import load_logs
    from ..ingest.sources import open_source

    src = open_source(path)
    lines = src.head.splitlines(keepends=True)[: PROBE_LINES + 1]
    if len(lines) > PROBE_LINES:  # the last line may be cut by the head's byte limit
        lines = lines[:-1]
    name = path.name[:-3] if path.name.endswith(".gz") else path.name
    with tempfile.TemporaryDirectory(prefix="pm-probe-") as tmp:
        probe = Path(tmp) / name
        probe.write_text("".join(lines), encoding="utf-8")
        frame = load_logs(probe, tz=tz, format=format, mapping=mapping)
    if frame.empty:
        raise PostmortemError(f"{path}: no log rows with a time in the first {PROBE_LINES} lines.")
    return frame["timestamp"].min()


def assign_logs(
    incidents: list[Incident],
    paths: list[Path],
    *,
    tz: str | None = "UTC",
    margin: pd.Timedelta = DEFAULT_MARGIN,
    format: str | None = None,
    mapping: dict[str, str] | None = None,
) -> tuple[dict[str, list[Path]], list[str]]:
    """Map incident id -> the log files it should read; plus warnings for unusable files.

    ``margin`` is how much log before the first alert the analysis needs (its baseline).
    """
    if not paths:
        return {i.id: [] for i in incidents}, []
    if len(paths) == 1:
        return {i.id: [paths[0]] for i in incidents}, []
    starts: list[tuple[pd.Timestamp, Path]] = []
    warnings: list[str] = []
    for p in paths:
        try:
            starts.append((first_timestamp(p, tz, format=format, mapping=mapping), p))
        except (PostmortemError, OSError, ValueError) as exc:
            msg = f"{p}: cannot tell which time it covers ({exc}); not used."
            log.warning(msg)
            warnings.append(msg)
    starts.sort(key=lambda sp: sp[0])
    picks: dict[str, list[Path]] = {}
    for inc in incidents:
        lo, hi = inc.start - margin, inc.end + pd.Timedelta("1h")
        chosen = []
        for k, (t, p) in enumerate(starts):
            covers_from = t if k else pd.Timestamp.min.tz_localize("UTC")
            covers_to = (
                starts[k + 1][0] if k + 1 < len(starts) else pd.Timestamp.max.tz_localize("UTC")
            )
            if covers_from <= hi and covers_to > lo:
                chosen.append(p)
        picks[inc.id] = chosen
    return picks, warnings
