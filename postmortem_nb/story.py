"""One call from canonical frames to the incident's story: the workbook's entry point.

``analyse_incident`` chooses the incident, derives the log signals, templates, events,
milestones, durations and impact, and returns them in one ``IncidentStory``; figures and
facts.json are built from that object. Nothing here displays or writes files.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .alert_events import collapse_alerts
from .focus import (
    ServiceFocus,
    alert_services,
    choose_focus,
    departing_services,
    same_names,
    summary_services,
)
from .impact import Impact, measure_impact
from .incident_window import (
    alert_ends,
    analyst_window,
    apply_analyst_window,
    best_cluster,
    incident_keys,
    propose_window,
    search_range,
    select_incident_alerts,
    signal_onset,
    widen_to_signal,
)
from .logtemplates import Templates, mine_templates, new_templates
from .milestones import Milestone, apply_overrides, derive_milestones, durations
from .onset import Onset, detect_onset
from .severity import severity_rank
from .signals import (
    Failure,
    LogSignals,
    prepare_logs,
    service_table,
    subset_signals,
    transaction_series,
)
from .timeline import (
    analyst_edits,
    analyst_events,
    build_events,
    change_events,
    signal_events,
)
from .timeutil import check_tz, duration, to_utc

log = logging.getLogger(__name__)
# A warning (facts.json, report, batch index): --logs given, none of their rows are near.
NO_LOG_ROWS = (
    "No log rows in this incident's window: the log files given do not cover it; the "
    "story comes from the alerts alone"
)


@dataclass
class IncidentStory:
    """Everything the workbook shows about one incident, derived from the data."""

    incident: dict[str, Any]
    window: tuple[pd.Timestamp, pd.Timestamp]
    window_reason: str
    tz: str
    bin: str
    alerts: pd.DataFrame
    changes: pd.DataFrame
    signals: LogSignals | None  # every log row; ``measured``: the incident's services only
    series: pd.DataFrame  # transactions/failures per bin over the plotted range
    services: pd.DataFrame  # per bin x service: requests, failures, latency percentiles
    onset: Onset | None
    templates: Templates | None
    new_templates: pd.DataFrame
    events: pd.DataFrame
    milestones: dict[str, Milestone]
    durations: dict[str, float | None]
    impact: Impact
    warnings: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    focus: ServiceFocus | None = None  # which log services the signal and impact cover
    measured: LogSignals | None = None  # the rows of those services (onset, impact)
    window_source: str = "derived"  # "analyst": timeline.incident_window in analysis.json

    def at(self, name: str) -> pd.Timestamp | None:
        m = self.milestones.get(name)
        return None if m is None else m.at


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "incident"


def _describe(
    alerts: pd.DataFrame,
    sig: LogSignals | None,
    start: pd.Timestamp,
    incident_id: str | None,
    title: str | None,
    key: str | None,
) -> dict[str, Any]:
    services: list[str] = []
    severity = None
    first_title = ""
    if not alerts.empty:
        ordered = alerts.sort_values("started_at", kind="stable")
        services = [
            s for s in dict.fromkeys(ordered.get("service", pd.Series()).dropna()) if str(s)
        ]
        sev = ordered["severity"] if "severity" in ordered.columns else pd.Series(None)
        ranks = sev.map(lambda s: severity_rank(s if isinstance(s, str) else None))
        best = ranks.idxmin() if len(ranks) else None
        if best is not None and ranks[best] <= 5:
            severity = f"SEV{ranks[best]}"
        first_title = str(ordered.at[best if best is not None else ordered.index[0], "title"])
    elif sig is not None:
        services = _failing_services(sig)
        first_title = f"Failures in {', '.join(services) or 'the logs'}"
    slug = _slug(services[0] if services else "incident")
    ident = incident_id or key or f"{start.tz_convert('UTC'):%Y%m%d-%H%M}-{slug}"
    return {
        "id": str(ident),
        "title": title or first_title,
        "severity": severity,
        "services": [str(s) for s in services],
    }


def analyse_incident(
    alerts: pd.DataFrame | None,
    logs: pd.DataFrame | None = None,
    changes: pd.DataFrame | None = None,
    *,
    tz: str = "UTC",
    incident_key: str | None = None,
    alert_ids: list[str] | None = None,
    start: Any = None,
    end: Any = None,
    analyst: Any = None,
    failure: Failure = None,
    avg_value: float | None = None,
    currency: str = "",
    amount_column: str | None = None,
    customer_column: str | None = None,
    status_column: str | None = None,
    latency_column: str | None = None,
    bin: str = "1min",
    baseline: str = "2h",
    incident_id: str | None = None,
    title: str | None = None,
) -> IncidentStory:
    """Derive the incident's story from canonical frames (see module docstring)."""
    tz = check_tz(tz)
    base_td = duration(baseline, "baseline")
    edits = analyst_edits(analyst)
    warnings: list[str] = []
    given = analyst_window(analyst, tz)  # wins over the draft's window (below)
    selected = bool(start or end or incident_key or alert_ids)
    if given is not None and not selected and None not in given:
        start, end = given  # nothing else selects the incident: the analyst's window does
    t0, t1 = to_utc(start, tz, what="start"), to_utc(end, tz, what="end")
    alerts = alerts if alerts is not None else pd.DataFrame(columns=["started_at", "title"])
    chosen = (
        select_incident_alerts(
            alerts, incident_key=incident_key, alert_ids=alert_ids, start=t0, end=t1, tz=tz
        )
        if len(alerts)
        else alerts
    )
    # an alert id given as the key: the incident that alert belongs to (it has no such key)
    by_alert = bool(incident_key) and not (incident_keys(chosen) == str(incident_key).strip()).any()
    sig = None
    if logs is not None and not len(logs):
        warnings.append(NO_LOG_ROWS)
    if logs is not None and len(logs):
        sig = prepare_logs(
            logs,
            failure=failure,
            status_column=status_column,
            amount_column=amount_column,
            customer_column=customer_column,
            latency_column=latency_column,
        )
        warnings += sig.notes
    focus, every = None, sig
    if sig is not None:
        focus = _focus(sig, logs, chosen, analyst, t0, t1, bin=bin, baseline=base_td)
        warnings += focus.warnings
        sig = focus.apply(sig)
    onset = None
    if t0 is not None and t1 is not None:
        reason = "Window given explicitly."
        w0, w1 = t0, t1
        if sig is not None:
            series = transaction_series(sig, bin, start=w0 - base_td, end=w1)
            onset = detect_onset(series, baseline=(w0 - base_td, w0), search=(w0, w1), bin=bin)
    elif len(chosen):
        w0, w1 = chosen["started_at"].min(), alert_ends(chosen).max()
        if incident_key or alert_ids:
            what = f"incident key {incident_key}" if incident_key else "listed by alert id"
            if by_alert:
                what = f"the incident of alert {str(incident_key).strip()}"
            n = len(chosen)
            reason = f"{n} alert{'s' if n != 1 else ''} in the incident ({what})."
        elif t0 is not None or t1 is not None:
            reason = "Alerts fired between the given start and end."
        else:
            reason = "Window from " + best_cluster(alerts)[1] + "."
        if sig is not None:
            onset = signal_onset(sig, (w0, w1), bin=bin, baseline=base_td)
            w0, w1, notes = widen_to_signal(w0, w1, onset)
            reason = " ".join([reason, *notes])
    elif sig is not None:
        w0, w1, reason = propose_window(None, sig, bin=bin, baseline=base_td)
        onset = signal_onset(sig, (w0, w1), bin=bin, baseline=base_td, lookback="15min")
    else:
        raise _nothing(alerts)
    window_source = "derived"
    if given is not None:
        (w0, w1), reason, chosen, onset, w = apply_analyst_window(
            given, (w0, w1), reason, alerts, chosen, sig, onset,
            selected=selected, bin=bin, baseline=base_td,
        )
        warnings += w
        window_source = "derived" if w else "analyst"
    if onset is not None:
        warnings += onset.warnings
        onset.scope = focus.label if focus is not None else ""
    ms, w = derive_milestones(chosen, onset, tz=tz, export=alerts)
    warnings += w
    ms, w = apply_overrides(ms, edits["milestone_overrides"], tz)
    warnings += w
    warnings = [x for x in warnings if not _overridden(x, ms)]
    durs, w = durations(ms)
    warnings += w
    imp_base = (onset.baseline_start, onset.baseline_end) if onset is not None else None
    if ms["impact_start"].source == "analyst" or imp_base is None:
        imp_base = (
            (ms["impact_start"].at - base_td, ms["impact_start"].at)
            if ms["impact_start"].at is not None
            else None
        )
    span = (ms["impact_start"].at, ms["mitigated"].at)
    if window_source == "analyst" and sig is not None and None in span:
        # the analyst's window bounds the impact period where the signal does not
        gaps = [(e, m) for e, m, at in (("from the start", "impact start", span[0]),
                                         ("up to the end", "mitigation", span[1])) if at is None]
        span = (span[0] or w0, span[1] or w1)
        warnings.append(f"Impact measured {' and '.join(e for e, _ in gaps)} of the analyst's "
                        f"incident window: the log signal shows no "
                        f"{' or '.join(m for _, m in gaps)} inside it.")
    if sig is not None:
        impact = measure_impact(
            sig,
            *span,
            baseline=imp_base,
            avg_value=avg_value or None,
            currency=currency,
            tz=tz,
            everything=every,
            scope=focus.label if focus is not None else "",
        )
    else:
        impact = measure_impact(_empty_signals(), None, None, currency=currency)
        for f in impact.figures.values():
            f.method = "not measured: no logs"
    lo = onset.baseline_start if onset is not None else w0 - base_td
    hi = w1 + pd.Timedelta("30min")
    series = transaction_series(sig, bin, start=lo, end=hi) if sig is not None else pd.DataFrame()
    services = pd.DataFrame()
    templates, new = None, pd.DataFrame()
    if every is not None:
        rows = every.rows
        services = service_table(
            subset_signals(every, (rows["timestamp"] >= lo) & (rows["timestamp"] < hi)), bin
        )
        templates = mine_templates(logs)
        new = new_templates(
            logs,
            templates,
            window=(w0 - pd.Timedelta("5min"), w1),
            baseline=(onset.baseline_start, onset.baseline_end)
            if onset is not None
            else (w0 - base_td, w0),
        )
    ch = changes if changes is not None else pd.DataFrame(columns=["timestamp", "description"])
    if len(ch):
        ch = ch.loc[(ch["timestamp"] >= lo) & (ch["timestamp"] < hi)]
    events = build_events(
        collapse_alerts(chosen, tz=tz) if len(chosen) else None,
        change_events(ch),
        signal_events(
            onset, new, tz=tz, scope=focus.label if focus is not None and focus.subset else ""
        ),
        analyst_events(edits, tz, logs),
        _milestone_events(ms),
        hidden=edits["hidden_events"],
    )
    incident = _describe(chosen, every, w0, incident_id, title, None if by_alert else incident_key)
    counts = {
        "alerts": len(chosen),
        "alerts_in_export": len(alerts),
        "alert_storms": int((events["kind"] == "alert_storm").sum()),
        "flapping_alerts": int((events["kind"] == "alert_flapping").sum()),
        "events": int(((events["group"] == "") & ~events["hidden"]).sum()),
        "hidden_events": int(events["hidden"].sum()),
        "changes_in_range": len(ch),
        "log_rows": 0 if logs is None else len(logs),
        "templates": 0 if templates is None else len(templates.table),
        "new_templates": len(new),
    }
    return IncidentStory(
        incident,
        (w0, w1),
        reason,
        tz,
        bin,
        chosen,
        ch,
        every,
        series,
        services,
        onset,
        templates,
        new,
        events,
        ms,
        durs,
        impact,
        list(dict.fromkeys(warnings)),
        counts,
        focus,
        sig,
        window_source,
    )


def _focus(
    sig: LogSignals,
    logs: pd.DataFrame,
    chosen: pd.DataFrame,
    analyst: Any,
    t0: pd.Timestamp | None,
    t1: pd.Timestamp | None,
    *,
    bin: str,
    baseline: pd.Timedelta,
) -> ServiceFocus:
    """The incident's log services (focus.py), looked for where the onset will be."""
    if t0 is not None and t1 is not None:
        base, search = (t0 - baseline, t0), (t0, t1)
    elif len(chosen):
        around = (chosen["started_at"].min(), alert_ends(chosen).max())
        base, search = search_range(around, baseline=baseline)
    else:  # logs alone: the whole span is baseline and search, as propose_window does
        ts = sig.rows["timestamp"]
        span = (ts.min().floor(bin), ts.max().floor(bin) + pd.Timedelta(bin))
        base = search = span
    has_service = "service" in logs.columns and bool(logs["service"].notna().any())
    alerts = alert_services(chosen)
    summary = summary_services(analyst)
    if same_names(summary, alerts if len(chosen) else _failing_services(sig)):
        summary = []  # the incident's own services, as the draft filled them in
    return choose_focus(
        sig,
        has_service=has_service,
        summary=summary,
        alerts=alerts,
        departing=lambda: departing_services(sig, baseline=base, search=search, bin=bin),
    )


def _failing_services(sig: LogSignals) -> list[str]:
    """The 3 services with the most failures: an incident without alerts is about them."""
    fails = sig.rows.loc[sig.rows["is_failure"]]
    return [str(s) for s in fails["service"].value_counts().index[:3]]


def _nothing(alerts: pd.DataFrame) -> Exception:
    from .errors import ParameterError

    if len(alerts):
        return ParameterError("No alert matches the given incident key, ids or window.")
    return ParameterError("No alerts and no logs: there is nothing to analyse.")


def _overridden(warning: str, ms: dict[str, Milestone]) -> bool:
    from .milestones import LABELS

    return any(
        m.source == "analyst" and warning.startswith(f"{LABELS[n]} not determined")
        for n, m in ms.items()
    )


def _milestone_events(ms: dict[str, Milestone]) -> pd.DataFrame:
    from .milestones import LABELS
    from .timeline import _frame

    rows = [
        {
            "timestamp": m.at,
            "kind": "milestone",
            "source": m.source,
            "service": "",
            "description": f"{LABELS[n]} ({m.source}): {m.evidence}",
            "milestone": n,
        }
        for n, m in ms.items()
        if m.at is not None
    ]
    return _frame(rows)


def _empty_signals() -> LogSignals:
    rows = pd.DataFrame(
        {
            "timestamp": pd.Series(dtype="datetime64[us, UTC]"),
            "is_request": [],
            "is_transaction": [],
            "is_failure": [],
        }
    )
    return LogSignals(rows, {}, "", "", "")
