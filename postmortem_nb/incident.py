"""Which incident a draft is about: by key, by alert ids, by window, or proposed from the data.

The workspace id must not move when the export grows, so it is derived from the
incident's first alert and main service, never from the (log-refined) window.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from .params import Params


@dataclass
class IncidentChoice:
    start: pd.Timestamp
    end: pd.Timestamp
    first_alert: pd.Timestamp
    key: str | None
    service: str | None
    alert_ids: list[str]
    reason: str
    # --incident named an alert id, not a key: the incident is the one that alert belongs to
    by_alert: str | None = None


def input_zone(params: Params) -> str | None:
    """Naive input times are read in input_tz when given, else in the team's zone."""
    return params.input_tz or params.tz or None


def log_window(
    params: Params, alerts: pd.DataFrame | None, also: tuple[Any, Any] | None = None
) -> tuple[Any, Any] | None:
    """The part of the logs an analysis needs, so a month of logs is not read for one incident.

    It spans the whole team-zone day(s) of the incident (the impact is also stated for the
    day) and at least the baseline before and the recovery search after it; ``also`` (the
    analyst's incident window, UTC, either bound None) is covered too, and so are the
    ``logs_start``/``logs_end`` parameters (logs to explore beyond the incident). None when the
    incident is not known before reading the logs (it is then found in them).
    """
    from .incident_window import alert_ends, select_incident_alerts
    from .timeutil import duration, to_utc

    zone = params.tz or "UTC"
    if params.start and params.end:
        lo, hi = to_utc(params.start, zone, what="start"), to_utc(params.end, zone, what="end")
    elif alerts is not None and not alerts.empty and (params.incident_key or _ids(params)):
        chosen = select_incident_alerts(
            alerts, incident_key=params.incident_key or None, alert_ids=_ids(params)
        )
        lo, hi = chosen["started_at"].min(), alert_ends(chosen).max()
    else:
        return None
    lo = min([lo, *(t for t in (also or ()) if t is not None)])
    hi = max([hi, *(t for t in (also or ()) if t is not None)])
    margin_before = duration(params.baseline or "2h", "baseline") + pd.Timedelta("1h")
    lo = min(lo - margin_before, lo.tz_convert(zone).normalize().tz_convert("UTC"))
    day_end = (hi.tz_convert(zone).normalize() + pd.Timedelta(days=1)).tz_convert("UTC")
    hi = max(hi + pd.Timedelta("3h"), day_end)
    more = (to_utc(params.logs_start or None, zone, what="logs_start"),
            to_utc(params.logs_end or None, zone, what="logs_end"))
    lo = min(lo, more[0]) if more[0] is not None else lo
    hi = max(hi, more[1]) if more[1] is not None else hi
    return lo, hi


def load_inputs(
    params: Params, *, logs: bool = True, also: tuple[Any, Any] | None = None
) -> dict[str, Any]:
    """The canonical frames named by the parameters (None for inputs not given).

    Logs are read only over ``log_window`` (covering ``also``, the analyst's incident
    window) when the incident is known from the alerts or the parameters; the ingest
    layer then skips the rest of a time-sorted file.
    """
    from .ingest import load_alerts, load_changes, load_logs

    tz = input_zone(params)
    frames: dict[str, Any] = {"alerts": None, "logs": None, "changes": None}
    if params.alerts:
        frames["alerts"] = load_alerts(
            params.resolve_path(params.alerts),
            format=params.alerts_format or None,
            mapping=params.mapping("alerts"),
            tz=tz,
        )
    if logs and params.logs:
        window = log_window(params, frames["alerts"], also)
        lo, hi = window if window else (None, None)
        frames["logs"] = load_logs(
            params.paths(params.logs),
            format=params.logs_format or None,
            mapping=params.mapping("logs"),
            tz=tz,
            start=lo,
            end=hi,
        )
    if params.changes:
        frames["changes"] = load_changes(
            params.resolve_path(params.changes),
            format=params.changes_format or None,
            mapping=params.mapping("changes"),
            tz=tz,
        )
    return frames


def main_service(alerts: pd.DataFrame) -> str | None:
    """The service with most alerts in the incident (the earliest wins a tie)."""
    if alerts.empty or "service" not in alerts.columns:
        return None
    ordered = alerts.sort_values("started_at")
    services = ordered["service"].dropna().astype(str)
    services = services[services.str.strip() != ""]
    if services.empty:
        return None
    counts = services.value_counts(sort=False)
    best = counts.max()
    return next(s for s in services if counts[s] == best)


def _ids(params: Params) -> list[str] | None:
    ids = [s.strip() for s in params.alert_ids.split(",") if s.strip()]
    return ids or None


def choose_incident(params: Params, frames: dict[str, Any] | None = None) -> IncidentChoice:
    """Select the incident's alerts and window the way the parameters ask."""
    from .incident_window import (
        alert_ends,
        alert_refs,
        by_key_or_alert,
        propose_window,
        select_incident_alerts,
    )
    from .timeutil import to_utc

    # The workspace id needs only the alerts; logs are read here only when there are
    # no alerts to find the incident by (the kernel refines the window with them).
    frames = frames or load_inputs(params, logs=False)
    alerts, logs = frames["alerts"], frames.get("logs")
    if (alerts is None or alerts.empty) and logs is None and params.logs:
        logs = load_inputs(params)["logs"]
    zone = params.tz or "UTC"
    by_alert = None
    if params.incident_key or _ids(params):
        if params.incident_key:
            chosen, found_by_alert = by_key_or_alert(alerts, params.incident_key)
            by_alert = params.incident_key.strip() if found_by_alert else None
        else:
            chosen = select_incident_alerts(alerts, alert_ids=_ids(params))
        start, end = chosen["started_at"].min(), alert_ends(chosen).max()
        if by_alert is not None:
            reason = f"Window from the incident of alert {by_alert} ({_members(chosen)})."
        else:
            what = f"incident {params.incident_key}" if params.incident_key else "the given alerts"
            n = len(chosen)
            reason = f"Window from {what} ({n} alert{'s' if n != 1 else ''})."
    elif params.start and params.end:
        start = to_utc(params.start, zone, what="start")
        end = to_utc(params.end, zone, what="end")
        chosen = select_incident_alerts(alerts, start=start, end=end)
        reason = f"Window given: {len(chosen)} alerts fired inside it."
    else:
        start, end, reason = propose_window(alerts, logs)
        chosen = select_incident_alerts(alerts)
    if params.start and params.end:
        start = to_utc(params.start, zone, what="start")
        end = to_utc(params.end, zone, what="end")
    key = (params.incident_key or None) if by_alert is None else None
    if key is None and "incident_key" in chosen.columns:
        keys = chosen["incident_key"].dropna().astype(str)
        keys = keys[keys != ""].unique()
        key = keys[0] if len(keys) == 1 else None
    first = chosen["started_at"].min() if not chosen.empty else start
    return IncidentChoice(
        start=start,
        end=end,
        first_alert=first,
        key=key,
        service=main_service(chosen),
        alert_ids=[str(a) for a in alert_refs(alerts).loc[chosen.index] if str(a)],
        reason=reason,
        by_alert=by_alert,
    )


def _members(chosen: pd.DataFrame) -> str:
    """How the alerts of an incident found by one alert id belong together, for the reason."""
    from .incident_window import CLUSTER_GAP, incident_keys

    n = len(chosen)
    keys = sorted(set(incident_keys(chosen)) - {""})
    if keys:
        return f"{n} alert{'s' if n != 1 else ''} with incident key {', '.join(keys)}"
    gap = f"{pd.Timedelta(CLUSTER_GAP).total_seconds() / 60:g} min"
    if n == 1:
        return f"no other alert within {gap} of it"
    return f"{n} alerts overlapping or within {gap} of each other"
