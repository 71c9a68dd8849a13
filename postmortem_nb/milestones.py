"""Key milestones with their evidence, analyst overrides, and the time-to-X durations.

Derived from the data only: impact start = onset of the log failure signal (not the first
alert); detected = first alert of the incident; acknowledged = first acknowledgement;
mitigated = failure signal back near baseline; resolved = last alert resolved and the
signal stable. A milestone the data cannot give is None with a reason in the warnings:
never a guess. An analyst override always wins and is marked ``source="analyst"``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from .incident_window import alert_ends
from .onset import Onset
from .schema import MILESTONES
from .timeutil import iso_z, local_label, to_utc

DURATIONS = (
    "time_to_detect",
    "time_to_acknowledge",
    "time_to_mitigate",
    "time_to_resolve",
    "total",
)
LABELS = {
    "impact_start": "Impact start",
    "detected": "Detected",
    "acknowledged": "Acknowledged",
    "mitigated": "Mitigated",
    "resolved": "Resolved",
}


@dataclass
class Milestone:
    name: str
    at: pd.Timestamp | None
    source: str  # "derived" | "analyst"
    evidence: str

    def to_dict(self) -> dict[str, Any]:
        return {"at": iso_z(self.at), "source": self.source, "evidence": self.evidence}


def _alert_label(alerts: pd.DataFrame, idx: Any) -> str:
    title = str(alerts.at[idx, "title"])
    aid = alerts.at[idx, "alert_id"] if "alert_id" in alerts.columns else None
    return f"'{title}'" + (f" (alert {aid})" if aid is not None and pd.notna(aid) else "")


def derive_milestones(
    alerts: pd.DataFrame | None,
    onset: Onset | None,
    *,
    tz: str = "UTC",
    export: pd.DataFrame | None = None,
) -> tuple[dict[str, Milestone], list[str]]:
    """The five milestones from the incident's alerts and the log signal, plus warnings.

    ``export`` is the whole alert export the incident's alerts come from: it tells
    whether a missing acknowledgement means nobody acknowledged or the export cannot say.
    """
    ms: dict[str, Milestone] = {}
    warn: list[str] = []
    have_alerts = alerts is not None and not alerts.empty

    def put(name: str, at: pd.Timestamp | None, evidence: str, why_none: str = "") -> None:
        ms[name] = Milestone(name, at, "derived", evidence if at is not None else "")
        if at is None and why_none:
            warn.append(f"{LABELS[name]} not determined: {why_none}")

    if onset is not None and onset.onset is not None:
        put(
            "impact_start",
            onset.onset,
            f"onset of the log failure signal at {local_label(onset.onset, tz)}: {onset.method}",
        )
    else:
        put(
            "impact_start",
            None,
            "",
            "no onset in the log failure signal"
            if onset is not None
            else "no logs, and the first alert is not the start of impact",
        )
    if have_alerts:
        i = alerts["started_at"].idxmin()
        put(
            "detected",
            alerts.at[i, "started_at"],
            f"first alert of the incident: {_alert_label(alerts, i)} fired at "
            f"{local_label(alerts.at[i, 'started_at'], tz)}",
        )
        acks = alerts["acknowledged_at"].dropna() if "acknowledged_at" in alerts.columns else []
        if len(acks):
            j = acks.idxmin()
            put(
                "acknowledged",
                acks[j],
                # no responder names: the report shows roles (analysis.json people)
                f"first acknowledgement: {_alert_label(alerts, j)} at {local_label(acks[j], tz)}",
            )
        else:
            put("acknowledged", None, "", no_acknowledgement(alerts, export))
    else:
        put("detected", None, "", "no alerts for the incident")
        put("acknowledged", None, "", "no alerts for the incident")
    if onset is not None and onset.recovery is not None:
        put(
            "mitigated",
            onset.recovery,
            f"failure signal back near baseline at {local_label(onset.recovery, tz)} "
            f"(≤ {onset.threshold_low:.2%} for {onset.config.recover_persist} bins)",
        )
    else:
        put(
            "mitigated",
            None,
            "",
            "the log failure signal did not return to baseline"
            if onset is not None and onset.onset is not None
            else "no log failure signal",
        )
    _resolved(ms, alerts if have_alerts else None, onset, tz, put)
    return ms, warn


# Alert sources that have no acknowledgement at all (a silence is not one).
_NO_ACK_SOURCES = {
    "alertmanager": "Alertmanager does not record acknowledgements",
    "grafana": "Grafana alerting does not record acknowledgements",
}
_ACKED_STATUS = ("acknowledged", "acked", "ack")


def no_acknowledgement(alerts: pd.DataFrame, export: pd.DataFrame | None = None) -> str:
    """Why the incident has no acknowledgement time, worded for what the export can tell.

    "None was acknowledged" is only said when the export does record acknowledgements
    (other alerts have a time); otherwise a reader would take an unrecorded
    acknowledgement for an ignored page.
    """
    export = alerts if export is None else export
    fmt = str((export.attrs.get("source") or {}).get("format") or "")
    src = export["source"].dropna().astype("str") if "source" in export.columns else []
    n = len(alerts)
    status = (
        alerts["status"].astype("str").str.strip().str.lower()
        if "status" in alerts.columns
        else pd.Series("", index=alerts.index)
    )
    if status.isin(_ACKED_STATUS).any():
        return (
            "an alert of the incident has status acknowledged, but the alert export gives no "
            "acknowledgement time"
        )
    has_ack = (
        export["acknowledged_at"].notna()
        if "acknowledged_at" in export.columns
        else pd.Series(False, index=export.index)
    )
    if fmt == "pagerduty_incidents" and (status == "resolved").all():
        done = export["status"].astype("str").str.lower() == "resolved"
        if not (has_ack & done).any():
            return (
                "the alert export carries no acknowledgement times for resolved incidents "
                "(pagerduty_incidents: PagerDuty's REST incident list keeps acknowledgements "
                "only while an incident is acknowledged); the incident's log entries "
                "(pagerduty_log_entries) have them"
            )
    if has_ack.any():
        which = (
            "the incident's only alert was not"
            if n == 1
            else f"none of the incident's {n} alerts was"
        )
        return (
            f"{which} acknowledged (the alert export records acknowledgements: "
            f"{int(has_ack.sum())} of its {len(export)} alerts have one)"
        )
    kinds = {k for k in (fmt.split("_")[0], *set(src)) if k}
    why = next((_NO_ACK_SOURCES[k] for k in sorted(kinds) if k in _NO_ACK_SOURCES), "")
    named = f"{fmt}: " if fmt else ""
    why = why or (
        f"none of its {len(export)} alerts has an acknowledgement time; map a column with "
        "--alerts-map acknowledged_at=COLUMN if it has one"
    )
    return (
        f"the alert export carries no acknowledgement times ({named}{why}), so whether the "
        "page was acknowledged is unknown"
    )


def _resolved(ms, alerts, onset, tz, put) -> None:
    stable = onset.stable_at if onset is not None else None
    if alerts is not None:
        open_ = alerts["resolved_at"].isna() if "resolved_at" in alerts.columns else None
        if open_ is None or open_.any():
            n = int(open_.sum()) if open_ is not None else len(alerts)
            put("resolved", None, "", f"{n} alert(s) of the incident are not resolved")
            return
        ends = alert_ends(alerts)
        k = ends.idxmax()
        last = ends[k]
        ev = f"last alert resolved: {_alert_label(alerts, k)} at {local_label(last, tz)}"
        if stable is not None and stable > last:
            put("resolved", stable, ev + f"; failure signal stable from {local_label(stable, tz)}")
        else:
            if stable is not None:
                ev += f"; failure signal already stable since {local_label(stable, tz)}"
            put("resolved", last, ev)
    elif stable is not None:
        put(
            "resolved",
            stable,
            f"failure signal stable from {local_label(stable, tz)} "
            "(no alerts to confirm resolution)",
        )
    else:
        put("resolved", None, "", "no alerts and no stable log signal")


def apply_overrides(
    ms: dict[str, Milestone], overrides: Mapping[str, Any], tz: str = "UTC"
) -> tuple[dict[str, Milestone], list[str]]:
    """Analyst overrides win: ``{name: {"at": ISO or None, "note": ...}}``."""
    out = dict(ms)
    warn: list[str] = []
    for name, ov in (overrides or {}).items():
        if name not in MILESTONES:
            warn.append(f"Ignored an override for unknown milestone {name!r}.")
            continue
        if hasattr(ov, "at"):
            ov = {"at": ov.at, "note": getattr(ov, "note", "")}
        at = to_utc(ov.get("at"), tz, what=f"{name} override")
        if at is None:  # an empty override is no override
            continue
        derived = ms.get(name)
        was = iso_z(derived.at) if derived is not None and derived.at is not None else "none"
        note = str(ov.get("note") or "").strip()
        out[name] = Milestone(
            name,
            at,
            "analyst",
            f"set by the analyst{': ' + note if note else ''} (derived value: {was})",
        )
    return out, warn


def durations(ms: Mapping[str, Milestone]) -> tuple[dict[str, float | None], list[str]]:
    """Seconds for time to detect/acknowledge/mitigate/resolve and total; ordering warnings."""
    at = {n: (ms[n].at if n in ms else None) for n in MILESTONES}

    def diff(a: str, b: str) -> float | None:
        if at[a] is None or at[b] is None:
            return None
        return float((at[b] - at[a]).total_seconds())

    first = at["impact_start"] or at["detected"]
    out = {
        "time_to_detect": diff("impact_start", "detected"),
        "time_to_acknowledge": diff("detected", "acknowledged"),
        "time_to_mitigate": diff("impact_start", "mitigated"),
        "time_to_resolve": diff("impact_start", "resolved"),
        "total": (
            float((at["resolved"] - first).total_seconds())
            if first is not None and at["resolved"] is not None
            else None
        ),
    }
    warn = []
    for a, b in (
        ("impact_start", "detected"),
        ("detected", "acknowledged"),
        ("impact_start", "mitigated"),
        ("detected", "resolved"),
        ("mitigated", "resolved"),
        ("impact_start", "resolved"),
    ):
        d = diff(a, b)
        if d is not None and d < 0:
            warn.append(
                f"Ordering problem: {LABELS[b].lower()} ({iso_z(at[b])}) is before "
                f"{LABELS[a].lower()} ({iso_z(at[a])})."
            )
    return out, warn
