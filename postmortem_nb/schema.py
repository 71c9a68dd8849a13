"""Canonical column names: the contract between readers and everything downstream.

Readers return DataFrames whose canonical columns come first, in this order, with
tz-aware UTC timestamps; unmapped source columns follow with the ``EXTRA_PREFIX``.
"""

from __future__ import annotations

EXTRA_PREFIX = "x_"

ALERT_COLUMNS = (
    "alert_id",
    "source",
    "service",
    "severity",  # normalised: SEV1 (most severe) .. SEV5, or missing
    "severity_raw",  # the value as the export had it
    "title",
    "started_at",
    "acknowledged_at",
    "resolved_at",
    "status",
    "incident_key",
    "acknowledged_by",
)
ALERT_REQUIRED = ("started_at", "title")
ALERT_TIME_COLUMNS = ("started_at", "acknowledged_at", "resolved_at")

LOG_COLUMNS = ("timestamp", "level", "service", "host", "message")
LOG_REQUIRED = ("timestamp", "message")
LOG_TIME_COLUMNS = ("timestamp",)

CHANGE_COLUMNS = ("timestamp", "service", "kind", "description", "author")
CHANGE_REQUIRED = ("timestamp", "description")
CHANGE_TIME_COLUMNS = ("timestamp",)

EVENT_COLUMNS = (
    "event_id",  # stable across re-runs, so the analyst can hide or pin it
    "timestamp",
    "kind",
    "source",
    "service",
    "description",
    "milestone",
    "hidden",
    "group",  # the event_id of the storm an alert was collapsed into, else ""
    "members",
)

MILESTONES = ("impact_start", "detected", "acknowledged", "mitigated", "resolved")

SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4", "SEV5")

# kind -> (canonical columns, required columns, time columns; the first is the primary)
KIND_COLUMNS = {
    "alerts": (ALERT_COLUMNS, ALERT_REQUIRED, ALERT_TIME_COLUMNS),
    "logs": (LOG_COLUMNS, LOG_REQUIRED, LOG_TIME_COLUMNS),
    "changes": (CHANGE_COLUMNS, CHANGE_REQUIRED, CHANGE_TIME_COLUMNS),
}
