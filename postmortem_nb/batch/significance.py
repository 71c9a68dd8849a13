"""Which incidents deserve a post-mortem draft.

An incident is significant when it meets ANY criterion that is given: severity at least
``min_severity`` (SEVn, Pn or critical/high/warning/info), lasting longer than
``min_duration``, or touching at least ``min_services`` services. With no criterion
given the default is severity SEV2 or higher. Incidents below the bar are still listed
in the index, marked "not drafted" with why ("SEV3 below SEV2", "1 service, under 2").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..errors import ParameterError
from ..severity import at_least, parse_severity
from ..timeutil import duration
from .grouping import Incident

DEFAULT_MIN_SEVERITY = "SEV2"


@dataclass(frozen=True)
class Criteria:
    """The significance bar; None means the criterion is not used."""

    min_severity: str | None = None
    min_duration: pd.Timedelta | None = None
    min_services: int | None = None

    @classmethod
    def from_options(
        cls,
        min_severity: str | None = None,
        min_duration: str | pd.Timedelta | None = None,
        min_services: int | None = None,
    ) -> Criteria:
        """Validate CLI values; with none given, the default bar (SEV2 or higher)."""
        sev = parse_severity(min_severity) if min_severity else None
        dur = duration(min_duration, "--min-duration") if min_duration else None
        if min_services is not None and int(min_services) < 1:
            raise ParameterError(f"--min-services must be 1 or more, got {min_services}.")
        if sev is None and dur is None and min_services is None:
            sev = DEFAULT_MIN_SEVERITY
        return cls(sev, dur, int(min_services) if min_services is not None else None)

    def reasons(self, incident: Incident) -> list[str]:
        """Why the incident is significant (empty: it is not)."""
        out: list[str] = []
        if self.min_severity and incident.severity and at_least(
            incident.severity, self.min_severity
        ):
            out.append(f"severity {incident.severity} is at least {self.min_severity}")
        if self.min_duration is not None and incident.duration > self.min_duration:
            out.append(f"lasted {_hm(incident.duration)}, longer than {_hm(self.min_duration)}")
        if self.min_services is not None and len(incident.services) >= self.min_services:
            out.append(f"touched {len(incident.services)} services (at least {self.min_services})")
        return out

    def shortfalls(self, incident: Incident) -> list[str]:
        """Why the incident is not significant: one short reason per criterion it misses."""
        out: list[str] = []
        if self.min_severity:
            if not incident.severity:
                out.append(f"no severity, {self.min_severity} needed")
            elif not at_least(incident.severity, self.min_severity):
                out.append(f"{incident.severity} below {self.min_severity}")
        if self.min_duration is not None and not incident.duration > self.min_duration:
            out.append(f"lasted {_hm(incident.duration)}, not over {_hm(self.min_duration)}")
        if self.min_services is not None and len(incident.services) < self.min_services:
            n = len(incident.services)
            out.append(f"{n} service{'' if n == 1 else 's'}, under {self.min_services}")
        return out

    def describe(self) -> str:
        parts = []
        if self.min_severity:
            parts.append(f"severity {self.min_severity} or higher")
        if self.min_duration is not None:
            parts.append(f"longer than {_hm(self.min_duration)}")
        if self.min_services is not None:
            parts.append(f"at least {self.min_services} services")
        return " or ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "min_severity": self.min_severity,
            "min_duration_s": (
                self.min_duration.total_seconds() if self.min_duration is not None else None
            ),
            "min_services": self.min_services,
        }


def mark_significant(incidents: list[Incident], criteria: Criteria) -> list[Incident]:
    """Set ``significant`` and ``reasons`` on each incident; returns the significant ones.

    ``reasons`` says why an incident is significant, or else why it is not.
    """
    for inc in incidents:
        inc.reasons = criteria.reasons(inc)
        inc.significant = bool(inc.reasons)
        if not inc.significant:
            inc.reasons = criteria.shortfalls(inc)
    return [i for i in incidents if i.significant]


def _hm(td: pd.Timedelta) -> str:
    minutes = int(td.total_seconds() // 60)
    h, m = divmod(minutes, 60)
    return f"{h} h {m:02d} min" if h else f"{m} min"
