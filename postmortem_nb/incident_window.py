"""Choosing the incident: by key, by alert ids, by a window, or proposed from the data.

Alerts cluster when they overlap or start within ``gap`` (default 15 minutes) of the
cluster's latest end. With no key, ids or window, the proposal is the cluster with the
highest severity (then the most alerts, then the latest), widened by the log signal's
onset and recovery when logs are given.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from .errors import ParameterError
from .onset import Onset, detect_onset
from .severity import severity_rank
from .signals import LogSignals, prepare_logs, subset_signals, transaction_series
from .timeutil import duration, to_utc

Window = tuple[pd.Timestamp, pd.Timestamp]


def alert_ends(alerts: pd.DataFrame) -> pd.Series:
    """When each alert stopped: resolved_at, else started_at (an open alert is a point)."""
    ends = alerts["resolved_at"] if "resolved_at" in alerts.columns else alerts["started_at"]
    return ends.fillna(alerts["started_at"])


LONG_ALERT = "6h"
CLUSTER_GAP = "15min"  # what draft uses, and batch's --gap default


def alert_clusters(
    alerts: pd.DataFrame,
    gap: str | pd.Timedelta = "15min",
    long_alert: str | pd.Timedelta | None = LONG_ALERT,
) -> pd.Series:
    """Cluster number per alert (aligned with ``alerts``), in time order.

    An alert open longer than ``long_alert`` (a standing warning) joins the cluster it
    starts in but does not hold it open, so it cannot swallow later, unrelated alerts.
    """
    g = duration(gap, "cluster gap")
    order = alerts["started_at"].sort_values(kind="stable").index
    ends = alert_ends(alerts)
    if long_alert is not None:
        too_long = ends - alerts["started_at"] > duration(long_alert, "long alert")
        ends = ends.where(~too_long, alerts["started_at"])
    labels = pd.Series(-1, index=alerts.index, dtype="int64")
    cluster, horizon = -1, None
    for idx in order:
        start = alerts.at[idx, "started_at"]
        if horizon is None or start > horizon + g:
            cluster += 1
            horizon = ends[idx]
        else:
            horizon = max(horizon, ends[idx])
        labels[idx] = cluster
    return labels


def best_cluster(
    alerts: pd.DataFrame, gap: str | pd.Timedelta = "15min"
) -> tuple[pd.DataFrame, str]:
    """The highest-severity cluster (then most alerts, then latest) and why it was chosen."""
    labels = alert_clusters(alerts, gap)
    sev = (
        alerts["severity"] if "severity" in alerts.columns else pd.Series(None, index=alerts.index)
    )
    ranks = sev.map(lambda s: severity_rank(s if isinstance(s, str) else None))
    summary = pd.DataFrame({"cluster": labels, "rank": ranks, "start": alerts["started_at"]})
    agg = summary.groupby("cluster").agg(
        rank=("rank", "min"), n=("rank", "size"), start=("start", "min")
    )
    best = agg.sort_values(["rank", "n", "start"], ascending=[True, False, False]).index[0]
    chosen = alerts.loc[labels == best]
    r = int(agg.at[best, "rank"])
    sev_text = f"SEV{r}" if r <= 5 else "unknown severity"
    members = (
        "1 alert"
        if len(chosen) == 1
        else f"{len(chosen)} alerts overlapping or within {_minutes(gap)} of each other"
    )
    clusters = "1 cluster" if len(agg) == 1 else f"{len(agg)} clusters"
    reason = f"the highest-severity alert cluster ({sev_text}, {members}; {clusters} in the export)"
    return chosen, reason


def _minutes(gap: str | pd.Timedelta) -> str:
    return f"{duration(gap, 'cluster gap').total_seconds() / 60:g} min"


def _ids(values: Iterable[Any]) -> list[str]:
    return [str(v) for v in values]


def incident_keys(alerts: pd.DataFrame) -> pd.Series:
    """Each alert's incident key as text, "" when it has none (empty, NaN or None)."""
    if "incident_key" not in alerts.columns:
        return pd.Series("", index=alerts.index, dtype="str")
    keys = alerts["incident_key"].astype("str").fillna("").str.strip()
    return keys.where(~keys.isin(["nan", "None", "<NA>"]), "")


REF_SEP = "@"


def alert_refs(alerts: pd.DataFrame) -> pd.Series:
    """Each alert's reference: its id, or ``id@start`` (ISO 8601 UTC, to the second) when
    the export holds that id on several rows.

    Why: an Alertmanager or Grafana fingerprint names an alert *series*; each firing
    episode is its own row with the same id. Selecting an incident by plain ids took
    every episode of the series, days apart, into one draft. (A number reused by a tool,
    or an export read twice, is qualified the same way.)
    """
    if "alert_id" not in alerts.columns:
        return pd.Series("", index=alerts.index, dtype=object)
    ids = alerts["alert_id"].astype("str").where(alerts["alert_id"].notna(), "").astype(object)
    dup = ids.duplicated(keep=False) & (ids != "")
    if dup.any():
        starts = alerts.loc[dup, "started_at"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
        ids.loc[dup] = ids[dup] + (REF_SEP + starts.astype(object)).where(starts.notna(), "")
    return ids


def _refer(alerts: pd.DataFrame, values: Iterable[str]) -> pd.Series:
    """Rows an alert reference or a plain alert id names (a plain id names every row)."""
    wanted = {str(v).strip() for v in values}
    refs = alert_refs(alerts)
    plain = alerts["alert_id"].astype("str") if "alert_id" in alerts.columns else refs
    return refs.isin(wanted) | plain.isin(wanted)


def incident_of_alert(
    alerts: pd.DataFrame,
    alert_id: str,
    *,
    gap: str | pd.Timedelta = CLUSTER_GAP,
    long_alert: str | pd.Timedelta | None = LONG_ALERT,
) -> pd.DataFrame:
    """The alerts of the incident that alert ``alert_id`` belongs to; empty when none has it.

    Grouped as batch groups an export, so a draft by alert id and the batch draft are the
    same incident: the alerts sharing its incident key, else its time cluster among the
    alerts without a key.
    """
    if "alert_id" not in alerts.columns:
        return alerts.iloc[:0]
    alerts = alerts.loc[alerts["started_at"].notna()]
    hit = _refer(alerts, [alert_id])
    if not hit.any():
        return alerts.iloc[:0]
    keys = incident_keys(alerts)
    group = ("key " + keys).astype(object)
    loose = keys == ""
    if loose.any():
        labels = alert_clusters(alerts.loc[loose], gap, long_alert)
        group.loc[loose] = "cluster " + labels.astype("str")
    incidents = group[hit].unique()
    if len(incidents) > 1:
        refs = alert_refs(alerts)[hit]
        raise ParameterError(
            f"Alert {alert_id!r} fired in {len(incidents)} separate incidents (one alert "
            f"series, e.g. an Alertmanager fingerprint, firing again later): "
            f"{', '.join(refs.head(10))}. Name one of them as shown (id@start)."
        )
    return alerts.loc[group == incidents[0]]


def by_key_or_alert(
    alerts: pd.DataFrame, value: str, *, gap: str | pd.Timedelta = CLUSTER_GAP
) -> tuple[pd.DataFrame, bool]:
    """(alerts, by_alert): those with incident key ``value``, else the incident of the alert
    whose id is ``value`` (by_alert True): ``--incident`` takes either, the key first."""
    keys = incident_keys(alerts)
    mask = keys == str(value).strip()
    if mask.any():
        return alerts.loc[mask], False
    chosen = incident_of_alert(alerts, str(value).strip(), gap=gap)
    if len(chosen):
        return chosen, True
    known = sorted(set(keys) - {""})
    ids = alert_refs(alerts.loc[alerts["alert_id"].notna()]) if "alert_id" in alerts.columns else []
    raise ParameterError(
        f"No alert has incident key or alert id {value!r}. Known keys: "
        f"{', '.join(known[:10]) or '(none: the export has no incident keys)'}; alert ids: "
        f"{', '.join(list(dict.fromkeys(ids))[:10]) or '(none)'}."
    )


def select_incident_alerts(
    alerts: pd.DataFrame,
    *,
    incident_key: str | None = None,
    alert_ids: Iterable[str] | None = None,
    start: Any = None,
    end: Any = None,
    tz: str | None = "UTC",
    gap: str | pd.Timedelta = "15min",
) -> pd.DataFrame:
    """The alerts of one incident (a subset of ``alerts``, same columns and index).

    By ``incident_key`` (or an alert id given as key: that alert's incident), by
    ``alert_ids``, by the alerts that fired in [start, end) (naive times read in ``tz``),
    or else the best cluster.
    """
    if incident_key:
        return by_key_or_alert(alerts, incident_key, gap=gap)[0]
    if alert_ids is not None:
        wanted = _ids(alert_ids)
        have = set(alerts["alert_id"].astype("str")) | set(alert_refs(alerts))
        missing = sorted(set(wanted) - have)
        if missing:
            raise ParameterError(f"Unknown alert id(s): {', '.join(missing)}.")
        return alerts.loc[_refer(alerts, wanted)]
    t0, t1 = to_utc(start, tz, what="start"), to_utc(end, tz, what="end")
    if t0 is not None or t1 is not None:
        if t0 is not None and t1 is not None and t1 <= t0:
            raise ParameterError(f"The window end {end!r} is not after its start {start!r}.")
        mask = pd.Series(True, index=alerts.index)
        if t1 is not None:
            mask &= alerts["started_at"] < t1
        if t0 is not None:  # fired in the window: a long-running older alert is not part of it
            mask &= alerts["started_at"] >= t0
        return alerts.loc[mask]
    if alerts.empty:
        return alerts
    return best_cluster(alerts, gap)[0]


def signal_onset(
    sig: LogSignals,
    around: Window,
    *,
    bin: str = "1min",
    baseline: str | pd.Timedelta = "2h",
    lookback: str | pd.Timedelta = "1h",
    after: str | pd.Timedelta = "3h",
) -> Onset:
    """Onset/recovery of the failure signal near ``around`` (usually the alerts' span).

    The search starts ``lookback`` before ``around`` (impact precedes the first alert) and
    runs ``after`` past its end; the baseline is the ``baseline`` before the search.
    """
    base, search = search_range(around, baseline=baseline, lookback=lookback, after=after)
    series = transaction_series(sig, bin, start=base[0], end=search[1])
    return detect_onset(series, baseline=base, search=search, bin=bin)


def search_range(
    around: Window,
    *,
    baseline: str | pd.Timedelta = "2h",
    lookback: str | pd.Timedelta = "1h",
    after: str | pd.Timedelta = "3h",
) -> tuple[Window, Window]:
    """(baseline, search) windows of ``signal_onset`` for ``around``."""
    s0 = around[0] - duration(lookback, "lookback")
    s1 = around[1] + duration(after, "search extent")
    return (s0 - duration(baseline, "baseline"), s0), (s0, s1)


def _whole_log_onset(sig: LogSignals, bin: str) -> Onset:
    series = transaction_series(sig, bin)
    if series.empty:
        raise ParameterError("The logs have no transactions to derive an incident window from.")
    lo, hi = series.index[0], series.index[-1] + pd.Timedelta(bin)
    return detect_onset(series, baseline=(lo, hi), search=(lo, hi), bin=bin)


def widen_to_signal(
    start: pd.Timestamp, end: pd.Timestamp, onset: Onset
) -> tuple[pd.Timestamp, pd.Timestamp, list[str]]:
    """Widen an alert-based window to the log signal: impact usually starts before the first
    alert and ends after the signal is stable again. Returns the window and what moved."""
    notes = []
    if onset.onset is not None and onset.onset < start:
        start = onset.onset
        notes.append("Start moved to the onset of the log failure signal.")
    if onset.stable_at is not None and onset.stable_at > end:
        end = onset.stable_at
        notes.append("End moved to when the failure signal was stable again.")
    return start, end, notes


def propose_window(
    alerts: pd.DataFrame | None,
    logs: pd.DataFrame | LogSignals | None = None,
    *,
    gap: str | pd.Timedelta = "15min",
    bin: str = "1min",
    baseline: str | pd.Timedelta = "2h",
) -> tuple[pd.Timestamp, pd.Timestamp, str]:
    """(start, end, reason): the incident window proposed from alerts and the log signal."""
    sig = prepare_logs(logs) if isinstance(logs, pd.DataFrame) else logs
    if alerts is not None and not alerts.empty:
        chosen, reason = best_cluster(alerts, gap)
        start, end = chosen["started_at"].min(), alert_ends(chosen).max()
        reason = f"Window from {reason}"
        reason += "."
        if sig is not None:
            on = signal_onset(sig, (start, end), bin=bin, baseline=baseline)
            start, end, notes = widen_to_signal(start, end, on)
            reason = " ".join([reason, *notes])
        return start, end, reason
    if sig is None:
        raise ParameterError("Neither alerts nor logs given: nothing to propose a window from.")
    on = _whole_log_onset(sig, bin)
    if on.onset is None:  # a busy healthy service may hide the one in trouble (focus.py)
        from .focus import departing_services

        span = (on.baseline_start, on.baseline_end)
        moved = departing_services(sig, baseline=span, search=span, bin=bin)
        if moved:
            sig = subset_signals(sig, sig.rows["service"].isin(moved))
            on = _whole_log_onset(sig, bin)
    if on.onset is None:
        raise ParameterError(
            "No alerts, and the log failure signal has no clear onset: give start and end."
        )
    end = on.stable_at or (on.onset + pd.Timedelta(bin) * 60)
    return (
        on.onset,
        end,
        (
            "Window from the log failure signal alone (no alerts): median + MAD over the whole "
            "log span as baseline."
        ),
    )


def analyst_window(analyst: Any, tz: str = "UTC") -> tuple[Any, Any] | None:
    """The incident window the analyst set in analysis.json (``timeline.incident_window``)
    as (start, end) in UTC, either None when only the other was set; None when unset."""
    timeline = analyst.get("timeline") if isinstance(analyst, dict) else None
    win = timeline.get("incident_window") if isinstance(timeline, dict) else None
    if not isinstance(win, dict):
        return None
    start = to_utc(win.get("start") or None, tz, what="incident window start in analysis.json")
    end = to_utc(win.get("end") or None, tz, what="incident window end in analysis.json")
    return None if start is None and end is None else (start, end)


def apply_analyst_window(
    given: tuple[Any, Any],
    derived: Window,
    reason: str,
    alerts: pd.DataFrame,
    chosen: pd.DataFrame,
    sig: LogSignals | None,
    onset: Onset | None,
    *,
    selected: bool,
    bin: str = "1min",
    baseline: str | pd.Timedelta = "2h",
) -> tuple[Window, str, pd.DataFrame, Onset | None, list[str]]:
    """The analyst's window replaces the one derived from the data (and the draft's).

    Why: the analyst has read the evidence; the draft only guessed. The window is taken as
    given (a bound left empty keeps the derived one); onset and recovery are searched
    inside it, against the same baseline as before (the normal period before the incident,
    never inside the analyst's window). The incident's alerts are those the draft selected
    (``selected``: by key, ids or window) plus every alert that fired inside the analyst's
    window; without a selection, only the latter. Returns (window, reason, alerts, onset,
    warnings); a window that ends before it starts is ignored with a warning.
    """
    w0, w1 = given[0] or derived[0], given[1] or derived[1]
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    span = f"{w0:{fmt}}–{w1:{fmt}}"
    if w1 <= w0:
        note = (f"The incident window in analysis.json ({span}) ends before it starts; the "
                "window derived from the data is used. Fix it in the timeline form.")
        return derived, reason, chosen, onset, [note]
    if not selected and None not in given:  # it already chose the alerts and the onset
        text = (f"Incident window set by the analyst in analysis.json: {span}. The "
                f"incident's alerts are the {len(chosen)} that fired inside it.")
        return derived, text, chosen, onset, []
    fired = alerts.loc[(alerts["started_at"] >= w0) & (alerts["started_at"] < w1)] if len(
        alerts) else alerts
    if selected:
        extra = fired.loc[~fired.index.isin(chosen.index)]
        new = alerts.loc[alerts.index.isin(chosen.index) | alerts.index.isin(extra.index)]
        joined = len(extra)
    else:
        new, joined = fired, 0
    if sig is not None:
        end = w0 if onset is None else min(w0, onset.baseline_end)
        b = (end - duration(baseline, "baseline"), end)
        series = transaction_series(sig, bin, start=b[0], end=w1)
        onset = detect_onset(series, baseline=b, search=(w0, w1), bin=bin)
    text = (f"Incident window set by the analyst in analysis.json: {span}. The data's window "
            f"was {derived[0]:{fmt}}–{derived[1]:{fmt}}: {reason.strip()}")
    if joined:
        text += (f" {joined} more alert{'s' if joined != 1 else ''} fired inside the analyst's "
                 "window and joined the incident.")
    elif not selected:
        text += f" The incident's alerts are the {len(new)} that fired inside it."
    return (w0, w1), text, new, onset, []
