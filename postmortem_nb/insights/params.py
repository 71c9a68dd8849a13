"""The insights notebook's parameters: one dataclass mirrored by its parameters cell.

papermill passes literals only, so times are ISO strings; ``resolved`` turns them into
real values (tz-aware UTC bounds, a date for "today") and says what is wrong otherwise.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import ParameterError
from ..params import coerce
from ..severity import parse_severity
from ..timeutil import check_tz, to_utc


@dataclass
class InsightsParams:
    """Everything an insights run needs. Field order = the notebook's parameters cell."""

    reports_dir: str = "reports"
    since: str = ""  # ISO date/time; naive values are read in ``tz``
    until: str = ""
    stuck_days: int = 14  # a post-mortem still in draft this long after the incident is stuck
    tz: str = "UTC"
    min_severity: str = "SEV2"  # significant = at least this severe
    today: str = ""  # YYYY-MM-DD to judge due dates as of that day (default: today, UTC)
    rolling: str = "28D"  # window of the rolling median in the response-time figure

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> InsightsParams:
        """Build from notebook/CLI values; unknown names are an error listing the known ones."""
        return cls(**coerce(cls, values))

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    # -- resolved values ----------------------------------------------------------
    @property
    def zone(self) -> str:
        return check_tz(self.tz or "UTC")

    @property
    def root(self) -> Path:
        return Path(self.reports_dir or "reports").expanduser()

    def bounds(self) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
        """(since, until) as UTC timestamps; a bare date is midnight in the team's zone."""
        lo = to_utc(self.since, self.zone, what="--since") if self.since else None
        hi = to_utc(self.until, self.zone, what="--until") if self.until else None
        if lo is not None and hi is not None and hi <= lo:
            raise ParameterError(f"--until ({self.until}) must be after --since ({self.since}).")
        return lo, hi

    def today_date(self) -> dt.date:
        if not self.today:
            return dt.datetime.now(dt.UTC).date()
        try:
            return dt.date.fromisoformat(self.today.strip())
        except ValueError as exc:
            raise ParameterError(
                f"today must be a date like 2026-03-31 (YYYY-MM-DD), got {self.today!r}."
            ) from exc

    def severity_bar(self) -> str:
        return parse_severity(self.min_severity or "SEV2")

    def rolling_window(self) -> pd.Timedelta:
        try:
            td = pd.Timedelta(self.rolling or "28D")
        except (TypeError, ValueError) as exc:
            raise ParameterError(
                f"rolling must be a duration such as '28D' or '14D', got {self.rolling!r}."
            ) from exc
        if td <= pd.Timedelta(0):
            raise ParameterError(f"rolling must be positive, got {self.rolling!r}.")
        return td
