"""Timeline events from alerts, changes, the log signal and the analyst.

One frame, ``schema.EVENT_COLUMNS`` plus ``event_id`` (a stable hash of kind, source and
timestamp, so the analyst can hide or pin an event across re-runs), ``group`` (the id of
the summary event a member was collapsed into, "" for top-level events) and ``members``
(how many events a summary stands for). Storms (many alerts of one service within
minutes), flapping (one alert firing and clearing repeatedly) and duplicates are
collapsed into one summary each; the members stay in the frame for expansion.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import ParameterError
from .incident_window import alert_ends
from .onset import Onset
from .timeutil import duration, local_hm, to_utc

COLUMNS = (
    "event_id",
    "timestamp",
    "kind",
    "source",
    "service",
    "description",
    "milestone",
    "hidden",
    "group",
    "members",
)


def event_id(kind: str, source: str, timestamp: pd.Timestamp) -> str:
    """Stable id: the same event in a re-run gets the same id."""
    key = f"{kind}|{source}|{pd.Timestamp(timestamp).tz_convert('UTC').isoformat()}"
    return "ev-" + hashlib.sha1(key.encode()).hexdigest()[:10]


def _frame(rows: list[dict]) -> pd.DataFrame:
    if not rows:
        out = pd.DataFrame({c: pd.Series(dtype="object") for c in COLUMNS})
        out["timestamp"] = pd.Series(dtype="datetime64[us, UTC]")
        return out
    out = pd.DataFrame(rows)
    for col, default in (
        ("milestone", None),
        ("hidden", False),
        ("group", ""),
        ("members", 0),
        ("service", ""),
    ):
        if col not in out.columns:
            out[col] = default
        elif default is not None:
            out[col] = out[col].fillna(default)
    out["members"] = out["members"].astype("int64")
    out["hidden"] = out["hidden"].astype(bool)
    out["timestamp"] = pd.to_datetime(out["timestamp"], utc=True)
    # the id hashes a stable key (alert id, change text), not the file path shown in source
    keys = out["_key"].fillna(out["source"]) if "_key" in out.columns else out["source"]
    out["event_id"] = [
        event_id(k, s, t) for k, s, t in zip(out["kind"], keys, out["timestamp"], strict=True)
    ]
    return out[list(COLUMNS)]


def _ev(
    ts: pd.Timestamp, kind: str, source: str, service: Any, description: str, **extra: Any
) -> dict:
    svc = "" if service is None or (isinstance(service, float) and pd.isna(service)) else service
    return {
        "timestamp": ts,
        "kind": kind,
        "source": source,
        "service": str(svc),
        "description": description,
        **extra,
    }


def provenance(frame: pd.DataFrame, idx: Any) -> str:
    """' (alerts.csv line 5)' from ingest's _file/_line columns, '' when unknown."""
    if "_file" not in frame.columns or "_line" not in frame.columns:
        return ""
    f, line = frame.at[idx, "_file"], frame.at[idx, "_line"]
    if f is None or pd.isna(f):
        return ""
    return (
        f" ({Path(str(f)).name} line {int(line)})" if pd.notna(line) else f" ({Path(str(f)).name})"
    )


def _alert_ref(alerts: pd.DataFrame, idx: Any) -> str:
    if "alert_id" in alerts.columns and pd.notna(alerts.at[idx, "alert_id"]):
        return f"alert {alerts.at[idx, 'alert_id']}"
    return f"alerts row {idx}"


def _raw_alert_events(alerts: pd.DataFrame) -> list[dict]:
    rows: list[dict] = []
    for idx in alerts.index:
        a = alerts.loc[idx]
        key, svc, title = _alert_ref(alerts, idx), a.get("service"), str(a.get("title", ""))
        src = key + provenance(alerts, idx)
        sev = a.get("severity")
        sev = f"[{sev}] " if isinstance(sev, str) and sev else ""
        rows.append(
            _ev(
                a["started_at"],
                "alert_fired",
                src,
                svc,
                f"{sev}{title} fired",
                _alert=idx,
                _key=key,
            )
        )
        ack = a.get("acknowledged_at")
        if ack is not None and pd.notna(ack):
            who = a.get("acknowledged_by")
            who = f" by {who}" if isinstance(who, str) and who else ""
            rows.append(
                _ev(
                    ack,
                    "alert_acknowledged",
                    src,
                    svc,
                    f"{title} acknowledged{who}",
                    _alert=idx,
                    _key=key,
                )
            )
        for col in ("escalated_at", "x_escalated_at"):
            esc = a.get(col)
            if esc is not None and pd.notna(esc):
                rows.append(
                    _ev(
                        pd.Timestamp(esc),
                        "alert_escalated",
                        src,
                        svc,
                        f"{title} escalated",
                        _alert=idx,
                        _key=key,
                    )
                )
                break
        res = a.get("resolved_at")
        if res is not None and pd.notna(res):
            rows.append(
                _ev(res, "alert_resolved", src, svc, f"{title} resolved", _alert=idx, _key=key)
            )
    return rows


def _chains(
    times: list[tuple[Any, pd.Timestamp, pd.Timestamp]], gap: pd.Timedelta, by_end: bool
) -> list[list[Any]]:
    """Group (key, start, end) items whose next start is within ``gap`` of the previous."""
    chains: list[list[Any]] = []
    last = None
    for key, start, end in sorted(times, key=lambda x: x[1]):
        if last is not None and start - last <= gap:
            chains[-1].append(key)
        else:
            chains.append([key])
        last = end if by_end else start
    return chains


def collapse_alerts(
    alerts: pd.DataFrame,
    *,
    tz: str = "UTC",
    storm_min: int = 5,
    storm_gap: str = "5min",
    flap_min: int = 3,
    flap_gap: str = "30min",
    dup_gap: str = "60s",
) -> pd.DataFrame:
    """Alert events with duplicates, flapping and storms collapsed into summaries."""
    if alerts is None or alerts.empty:
        return _frame([])
    rows = _raw_alert_events(alerts)
    member_of: dict[Any, str] = {}  # alert index -> summary key
    summaries: list[dict] = []
    ends = alert_ends(alerts)
    svc = (
        alerts["service"].astype("str")
        if "service" in alerts.columns
        else pd.Series("", index=alerts.index)
    )
    title = alerts["title"].astype("str")
    # duplicates: same service and title, started within dup_gap
    for _, grp in alerts.groupby([svc, title], sort=False):
        items = [(i, grp.at[i, "started_at"], grp.at[i, "started_at"]) for i in grp.index]
        for chain in _chains(items, duration(dup_gap), by_end=False):
            if len(chain) > 1:
                first = chain[0]
                for i in chain[1:]:
                    member_of[i] = f"dup:{first}"
                member_of[first] = f"dup:{first}"
                t0 = grp.at[first, "started_at"]
                summaries.append(
                    {
                        "key": f"dup:{first}",
                        "kind": "alert_duplicates",
                        "alerts": chain,
                        "row": _ev(
                            t0,
                            "alert_duplicates",
                            f"rule: duplicates ({_alert_ref(alerts, first)})",
                            grp.at[first, "service"] if "service" in grp.columns else "",
                            f"{grp.at[first, 'title']}: {len(chain)} duplicate alerts "
                            f"fired at {local_hm(t0, tz)} (merged)",
                        ),
                    }
                )
    # flapping: same service and title firing again within flap_gap of clearing
    rest = alerts.loc[[i for i in alerts.index if i not in member_of]]
    for (service, ttl), grp in rest.groupby([svc[rest.index], title[rest.index]], sort=False):
        items = [(i, grp.at[i, "started_at"], ends[i]) for i in grp.index]
        for chain in _chains(items, duration(flap_gap), by_end=True):
            if len(chain) >= flap_min:
                key = f"flap:{chain[0]}"
                for i in chain:
                    member_of[i] = key
                t0 = alerts.loc[chain, "started_at"].min()
                t1 = ends[chain].max()
                summaries.append(
                    {
                        "key": key,
                        "kind": "alert_flapping",
                        "alerts": chain,
                        "row": _ev(
                            t0,
                            "alert_flapping",
                            f"rule: flapping ({_alert_ref(alerts, chain[0])})",
                            service,
                            f"{ttl} flapped: fired {len(chain)} times between "
                            f"{local_hm(t0, tz)} and {local_hm(t1, tz)} (merged)",
                        ),
                    }
                )
    # storms: many alerts of one service within storm_gap of each other
    rest = alerts.loc[[i for i in alerts.index if i not in member_of]]
    for service, grp in rest.groupby(svc[rest.index], sort=False):
        items = [(i, grp.at[i, "started_at"], grp.at[i, "started_at"]) for i in grp.index]
        for chain in _chains(items, duration(storm_gap), by_end=False):
            if len(chain) >= storm_min:
                key = f"storm:{chain[0]}"
                for i in chain:
                    member_of[i] = key
                t0, t1 = (
                    alerts.loc[chain, "started_at"].min(),
                    alerts.loc[chain, "started_at"].max(),
                )
                r0, r1 = ends[chain].min(), ends[chain].max()
                src = f"rule: alert storm ({_alert_ref(alerts, chain[0])})"
                summaries.append(
                    {
                        "key": key,
                        "kind": "alert_storm",
                        "alerts": chain,
                        "row": _ev(
                            t0,
                            "alert_storm",
                            src,
                            service,
                            f"{len(chain)} alerts fired for {service} between "
                            f"{local_hm(t0, tz)} and {local_hm(t1, tz)}",
                        ),
                        "row2": _ev(
                            r1,
                            "alert_storm_resolved",
                            src,
                            service,
                            f"{len(chain)} alerts for {service} resolved between "
                            f"{local_hm(r0, tz)} and {local_hm(r1, tz)}",
                        ),
                    }
                )
    return _assemble(rows, summaries, member_of)


def _assemble(rows: list[dict], summaries: list[dict], member_of: dict[Any, str]) -> pd.DataFrame:
    """Summary events first-class; members kept with ``group`` = their summary's id."""
    out_rows: list[dict] = []
    sum_id: dict[str, str] = {}
    for s in summaries:
        r = s["row"]
        sum_id[s["key"]] = event_id(r["kind"], r["source"], r["timestamp"])
        out_rows.append(dict(r, members=len(s["alerts"])))
        if "row2" in s:
            out_rows.append(dict(s["row2"], members=len(s["alerts"])))
    for r in rows:
        key = member_of.get(r.pop("_alert"))
        out_rows.append(r if key is None else dict(r, group=sum_id[key]))
    out = _frame(out_rows)
    return out.sort_values(["timestamp", "kind"], kind="stable").reset_index(drop=True)


def change_events(changes: pd.DataFrame | None) -> pd.DataFrame:
    """One event per change (deploy, config change, rollback): often the trigger."""
    if changes is None or changes.empty:
        return _frame([])
    rows = []
    for n, idx in enumerate(changes.index):
        c = changes.loc[idx]
        kind = c.get("kind")
        kind = str(kind) if isinstance(kind, str) and kind else "change"
        rows.append(
            _ev(
                c["timestamp"],
                "change",
                ("changes" + provenance(changes, idx))
                if provenance(changes, idx)
                else f"changes row {n + 1}",
                c.get("service"),
                f"{kind}: {c.get('description', '')}",
                _key=f"change {c.get('service', '')}: {c.get('description', '')}",
            )
        )
    return _frame(rows)


_LOUD = ("WARN", "WARNING", "ERROR", "FATAL", "CRITICAL")


def signal_events(
    onset: Onset | None, new: pd.DataFrame | None = None, *, top: int = 5, tz: str = "UTC"
) -> pd.DataFrame:
    """Onset, peak and recovery of the failure signal; first sight of new log messages."""
    rows: list[dict] = []
    if onset is not None:
        rule = "rule: failure-rate median+MAD"
        if onset.onset is not None:
            rows.append(
                _ev(
                    onset.onset,
                    "signal_onset",
                    rule,
                    "",
                    f"Failure rate of transactions rose above "
                    f"{onset.threshold_high:.1%} (baseline median "
                    f"{onset.baseline_median:.1%})",
                )
            )
        if onset.peak is not None:
            rate = f" ({onset.peak_rate:.0%})" if onset.peak_rate is not None else ""
            rows.append(
                _ev(
                    onset.peak,
                    "signal_peak",
                    rule,
                    "",
                    f"Peak: {onset.peak_failures} failed transactions in one {onset.bin} bin{rate}",
                )
            )
        if onset.recovery is not None:
            rows.append(
                _ev(
                    onset.recovery,
                    "signal_recovery",
                    rule,
                    "",
                    f"Failure rate back at or below {onset.threshold_low:.1%} and "
                    f"stayed there for {onset.config.recover_persist} bins",
                )
            )
    if new is not None and len(new):
        loud = (
            new
            if "level" not in new.columns
            else new[new["level"].astype("str").str.upper().isin(_LOUD)]
        )
        for _, t in loud.sort_values("count", ascending=False).head(top).iterrows():
            lvl = f"{t['level']}, " if "level" in t and isinstance(t["level"], str) else ""
            svc = t.get("service", "")
            rows.append(
                _ev(
                    t["first_seen"],
                    "new_log_template",
                    f"rule: new log template {t['template_id']}",
                    svc,
                    f"New log message ({lvl}{t['count']}× in the incident, "
                    f"{t['baseline_count']}× in the baseline): {t['template']}",
                )
            )
    return _frame(rows)


def analyst_edits(analyst: Any) -> dict[str, Any]:
    """Normalise the analyst's timeline edits from analysis.json (dict or dataclass).

    Accepts the whole analysis (with a ``timeline`` key), its ``timeline`` section, or a
    dict with ``added_events``/``events``, ``hidden_events``/``hidden`` and
    ``milestone_overrides``/``milestones`` ({name: {"at": ISO, "note": ...}}).
    """
    if analyst is None:
        return {"added_events": [], "hidden_events": [], "milestone_overrides": {}}
    if is_dataclass(analyst) and not isinstance(analyst, type):
        analyst = asdict(analyst)
    if not isinstance(analyst, Mapping):
        raise ParameterError(f"analyst must be a mapping of timeline edits, got {type(analyst)}")
    if "timeline" in analyst and analyst["timeline"] is not None:
        inner = analyst["timeline"]
        analyst = asdict(inner) if is_dataclass(inner) else inner
    events = analyst.get("added_events", analyst.get("events")) or []
    hidden = analyst.get("hidden_events", analyst.get("hidden")) or []
    overrides = analyst.get("milestone_overrides", analyst.get("milestones")) or {}
    return {
        "added_events": list(events),
        "hidden_events": [str(h) for h in hidden],
        "milestone_overrides": dict(overrides),
    }


def analyst_events(edits: Mapping[str, Any], tz: str = "UTC") -> pd.DataFrame:
    """The analyst's added and pinned events; their own ids are kept."""
    rows = []
    for n, ev in enumerate(edits.get("added_events", [])):
        if is_dataclass(ev):
            ev = asdict(ev)
        ts = to_utc(ev.get("timestamp"), tz, what=f"analyst event {n + 1} timestamp")
        if ts is None:
            raise ParameterError(f"Analyst event {n + 1} has no timestamp: {ev!r}")
        evidence = ev.get("evidence") or {}
        ref = " ".join(str(evidence.get(k, "")) for k in ("source", "ref") if evidence.get(k))
        row = _ev(
            ts,
            str(ev.get("kind") or "note"),
            "analyst" + (f": {ref}" if ref else ""),
            ev.get("service", ""),
            str(ev.get("description", "")),
        )
        row["_id"] = str(ev.get("event_id") or "")
        rows.append(row)
    ids = [r.pop("_id") for r in rows]
    out = _frame(rows)
    if len(out):
        out["event_id"] = [i or e for i, e in zip(ids, out["event_id"], strict=True)]
    return out


def build_events(*frames: pd.DataFrame, hidden: Iterable[str] = ()) -> pd.DataFrame:
    """All events in time order; ``hidden`` ids (and their members) flagged hidden."""
    parts = [f for f in frames if f is not None and len(f)]
    out = pd.concat(parts, ignore_index=True) if parts else _frame([])
    hidden = set(hidden)
    out["hidden"] = out["event_id"].isin(hidden) | out["group"].isin(hidden)
    out = out.drop_duplicates("event_id", keep="first")
    return out.sort_values(["timestamp", "kind"], kind="stable").reset_index(drop=True)


def visible_events(events: pd.DataFrame) -> pd.DataFrame:
    """Top-level events the report shows: not hidden, not collapsed into a summary."""
    return events.loc[(~events["hidden"]) & (events["group"] == "")].reset_index(drop=True)
