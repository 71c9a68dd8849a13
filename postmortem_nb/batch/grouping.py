"""Incidents from an alert export: by incident key when the export has one, else by time.

Rules (docs/index-schema.md states them for users):

* Alerts with an ``incident_key`` form one incident per key, whatever their times.
* The other alerts are correlated in time: alerts that overlap or start within ``gap``
  (default 15 minutes) of the incident's latest end so far belong together, across
  services, so two services failing together are one incident, a flapping alert is
  one incident, and an alert storm is one incident. ``group_by="service"`` runs the
  same correlation per service, keeping services apart.
* A long-running alert (open longer than ``long_alert``, default 6 h: a standing
  warning, a disk filling slowly) joins the incident it starts in but does not hold
  it open: alerts hours later start a new incident instead of being swallowed.
* Incidents are formed over the whole export first and only then filtered by
  ``since``/``until`` (on the incident's first alert), so an incident's id does not
  depend on the period asked for.

The id is the one ``postmortem draft`` gives the same incident (``incident_id_for``
of the first alert and main service, or the key), so a weekly batch and a single
draft share the analyst's workspace.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..errors import ParameterError
from ..incident import main_service
from ..incident_window import (
    CLUSTER_GAP,
    LONG_ALERT,
    alert_clusters,
    alert_ends,
    alert_refs,
    incident_keys,
)
from ..severity import normalize_severity, severity_rank
from ..timeutil import duration, iso_z
from ..workspace import incident_id_for

GROUP_BY = ("time", "service")
DEFAULT_GAP = CLUSTER_GAP
DEFAULT_LONG_ALERT = LONG_ALERT


@dataclass
class Incident:
    """One incident found in the alerts: what batch drafts and the index lists."""

    id: str
    alert_ids: list[str]
    start: pd.Timestamp  # first alert fired (UTC)
    end: pd.Timestamp  # last alert resolved (or fired, when still open)
    services: list[str]
    main_service: str | None
    severity: str | None  # the most severe alert's, SEV1..SEV5; None when unknown
    title: str
    key: str | None = None
    significant: bool = False
    reasons: list[str] = field(default_factory=list)

    @property
    def duration(self) -> pd.Timedelta:
        return self.end - self.start

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "key": self.key,
            "title": self.title,
            "severity": self.severity,
            "services": list(self.services),
            "start": iso_z(self.start),
            "end": iso_z(self.end),
            "alert_ids": list(self.alert_ids),
            "significant": self.significant,
            "reasons": list(self.reasons),
        }


def _incident(chosen: pd.DataFrame, key: str | None, refs: pd.Series) -> Incident:
    """``refs``: the export's alert references (``alert_refs``), by row."""
    ordered = chosen.sort_values("started_at", kind="stable")
    sev = ordered["severity"] if "severity" in ordered.columns else pd.Series(None, dtype=object)
    norm = [normalize_severity(s) if isinstance(s, str) else None for s in sev]
    ranks = [severity_rank(s) for s in norm]
    best = min(ranks) if ranks else 6
    top = ranks.index(best) if ranks else 0
    titles = ordered["title"] if "title" in ordered.columns else pd.Series("", index=ordered.index)
    title = str(titles.iloc[top]) if len(titles) and pd.notna(titles.iloc[top]) else ""
    services: list[str] = []
    if "service" in ordered.columns:
        for s in ordered["service"].dropna().astype(str):
            if s.strip() and s not in services:
                services.append(s)
    service = main_service(chosen)
    first = ordered["started_at"].min()
    ids = [str(a) for a in refs.loc[ordered.index]] if "alert_id" in ordered.columns else []
    return Incident(
        id=incident_id_for(first, service, key),
        alert_ids=ids,
        start=first,
        end=alert_ends(ordered).max(),
        services=services,
        main_service=service,
        severity=norm[top] if best <= 5 else None,
        title=title,
        key=key,
    )


def find_incidents(
    alerts: pd.DataFrame,
    *,
    gap: str | pd.Timedelta = DEFAULT_GAP,
    group_by: str = "time",
    since: Any = None,
    until: Any = None,
    tz: str = "UTC",
    long_alert: str | pd.Timedelta = DEFAULT_LONG_ALERT,
) -> list[Incident]:
    """Every incident in a canonical alert frame, oldest first (see the module rules)."""
    from ..timeutil import to_utc

    if group_by not in GROUP_BY:
        raise ParameterError(f"--group-by must be one of {', '.join(GROUP_BY)}, got {group_by!r}.")
    g = duration(gap, "--gap")
    long_g = duration(long_alert, "long alert")
    t0, t1 = to_utc(since, tz, what="--since"), to_utc(until, tz, what="--until")
    if t0 is not None and t1 is not None and t1 <= t0:
        raise ParameterError(f"--until {until!r} is not after --since {since!r}.")
    if alerts is None or alerts.empty:
        return []
    if "alert_id" not in alerts.columns or alerts["alert_id"].isna().any():
        raise ParameterError(
            "Every alert needs an alert_id for batch drafts (the notebook selects an "
            "incident's alerts by id); map an id column with the ingest mapping."
        )
    alerts = alerts.loc[alerts["started_at"].notna()]
    keys = incident_keys(alerts)
    refs = alert_refs(alerts)
    incidents: list[Incident] = []
    for key, chosen in alerts.loc[keys != ""].groupby(keys[keys != ""], sort=False):
        incidents.append(_incident(chosen, str(key), refs))
    loose = alerts.loc[keys == ""]
    if group_by == "service" and "service" in loose.columns:
        parts = [
            part
            for _, part in loose.groupby(loose["service"].astype("str").fillna(""), sort=True)
        ]
    else:
        parts = [loose]
    for part in parts:
        labels = alert_clusters(part, g, long_g) if len(part) else pd.Series(dtype="int64")
        for _, chosen in part.groupby(labels, sort=True):
            incidents.append(_incident(chosen, None, refs))
    incidents.sort(key=lambda i: (i.start, i.id))
    _dedupe_ids(incidents)
    return [
        i for i in incidents if (t0 is None or i.start >= t0) and (t1 is None or i.start < t1)
    ]


def _dedupe_ids(incidents: list[Incident]) -> None:
    """Two incidents in the same minute on the same service (group_by=service never;
    a key equal to a derived id, rarely): the later one gets a suffix."""
    seen: dict[str, int] = {}
    for inc in incidents:
        n = seen.get(inc.id, 0)
        seen[inc.id] = n + 1
        if n:
            inc.id = f"{inc.id}-{n + 1}"
