"""Timeline events from alerts, changes, the log signal and the analyst.

One frame with ``schema.EVENT_COLUMNS``: ``event_id`` is a stable hash of kind, source and
timestamp (so the analyst can hide or pin an event across re-runs; an event that occurs
once per incident, ``ONCE_PER_INCIDENT``, leaves its time out), ``group`` the id of
the summary event a member was collapsed into ("" for top-level events) and ``members``
how many events a summary stands for. Storms (many alerts of one service within
minutes), flapping (one alert firing and clearing repeatedly) and duplicates are
collapsed into one summary each by ``alert_events.collapse_alerts``; the members stay in
the frame for expansion.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import ParameterError
from .onset import Onset
from .schema import EVENT_COLUMNS
from .timeutil import to_utc

COLUMNS = EVENT_COLUMNS


# Derived events there is one of per incident. Their id leaves the time out: more logs
# move the failure peak, yet hiding it must survive the re-draft. A milestone is keyed by
# its name (its source turns from "derived" to "analyst" when it is overridden).
ONCE_PER_INCIDENT = ("signal_onset", "signal_peak", "signal_recovery", "milestone")


def event_id(kind: str, source: str, timestamp: pd.Timestamp | None) -> str:
    """Stable id: the same event in a re-run gets the same id. ``timestamp=None`` for an
    event that occurs once per incident, whose id then survives a change of its time."""
    key = f"{kind}|{source}"
    if timestamp is not None:
        key += f"|{pd.Timestamp(timestamp).tz_convert('UTC').isoformat()}"
    return "ev-" + hashlib.sha1(key.encode()).hexdigest()[:10]


def _once(frame: pd.DataFrame) -> pd.Series:
    """Rows of derived events that occur once per incident (never an analyst's event; a
    milestone row names its milestone, even when the analyst overrode its time)."""
    kind = frame["kind"].astype("str")
    milestone = frame["milestone"] if "milestone" in frame.columns else pd.Series(
        None, index=frame.index, dtype="object")
    analyst = frame["source"].astype("str").str.startswith("analyst")
    return ((kind.isin(ONCE_PER_INCIDENT) & (kind != "milestone") & ~analyst)
            | ((kind == "milestone") & milestone.notna() & (milestone != "")))


def _time_ids(frame: pd.DataFrame) -> pd.Series:
    """The ids once-per-incident events had when every id hashed the time (earlier
    versions), so ids hidden then still hide them; "" for other events."""
    once = _once(frame)
    return pd.Series(
        [event_id(k, s, t) if o else "" for k, s, t, o in
         zip(frame["kind"], frame["source"], frame["timestamp"], once, strict=True)],
        index=frame.index, dtype="object")


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
    once = _once(out)
    keys = keys.where(~(once & (out["kind"] == "milestone")), out["milestone"])
    out["event_id"] = [
        event_id(k, s, None if o else t)
        for k, s, t, o in zip(out["kind"], keys, out["timestamp"], once, strict=True)
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
    """'alerts.csv line 5' from ingest's _file/_line columns, '' when unknown."""
    if "_file" not in frame.columns or "_line" not in frame.columns:
        return ""
    f, line = frame.at[idx, "_file"], frame.at[idx, "_line"]
    if f is None or pd.isna(f):
        return ""
    name = Path(str(f)).name
    return f"{name} line {int(line)}" if pd.notna(line) else name


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
                provenance(changes, idx) or f"changes row {n + 1}",
                c.get("service"),
                f"{kind}: {c.get('description', '')}",
                _key=f"change {c.get('service', '')}: {c.get('description', '')}",
            )
        )
    return _frame(rows)


_LOUD = ("WARN", "WARNING", "ERROR", "FATAL", "CRITICAL")


def signal_events(
    onset: Onset | None,
    new: pd.DataFrame | None = None,
    *,
    top: int = 5,
    first: int = 2,
    tz: str = "UTC",
    scope: str = "",
) -> pd.DataFrame:
    """Onset, peak and recovery of the failure signal; first sight of new log messages.

    New warning/error templates kept: the ``first`` earliest (often the cause, however
    few lines it logged) and the ``top`` loudest, in time order. ``scope`` names the log
    services the signal was measured on when they are not all of them.
    """
    rows: list[dict] = []
    of = f" of {scope}" if scope else ""
    if onset is not None:
        rule = "rule: failure-rate median+MAD"
        if onset.onset is not None:
            rows.append(
                _ev(
                    onset.onset,
                    "signal_onset",
                    rule,
                    scope,
                    f"Failure rate of transactions{of} rose above "
                    f"{onset.threshold_high:.1%} (baseline median "
                    f"{onset.baseline_median:.1%})",
                )
            )
        if onset.peak is not None:
            # the bin with the MOST FAILURES, not the highest failure rate (a quieter bin can
            # reach 100%): the wording says which
            rate = (
                f" ({onset.peak_rate:.0%} of that bin's transactions failed)"
                if onset.peak_rate is not None
                else ""
            )
            rows.append(
                _ev(
                    onset.peak,
                    "signal_peak",
                    rule,
                    scope,
                    f"Most failures in one {onset.bin} bin: {onset.peak_failures} failed "
                    f"transactions{rate}",
                )
            )
        if onset.recovery is not None:
            rows.append(
                _ev(
                    onset.recovery,
                    "signal_recovery",
                    rule,
                    scope,
                    f"Failure rate{of} back at or below {onset.threshold_low:.1%} and "
                    f"stayed there for {onset.config.recover_persist} bins",
                )
            )
    if new is not None and len(new):
        loud = (
            new
            if "level" not in new.columns
            else new[new["level"].astype("str").str.upper().isin(_LOUD)]
        )
        earliest = loud.sort_values("first_seen", kind="stable").head(first)
        loudest = loud.sort_values("count", ascending=False, kind="stable").head(top)
        keep = loud.loc[loud.index.isin(earliest.index.union(loudest.index))]
        for _, t in keep.sort_values("first_seen", kind="stable").iterrows():
            svc = t.get("service", "")
            rows.append(
                _ev(
                    t["first_seen"],
                    "new_log_template",  # kind and source stay: they make the event's id
                    f"rule: new log template {t['template_id']}",
                    svc,
                    f"{template_novelty(t)}: {t['template']}",
                )
            )
    return _frame(rows)


def _times(n: Any) -> str:
    n = int(n)
    return "once" if n == 1 else f"{n:,} times"


def template_novelty(t: Mapping[str, Any]) -> str:
    """How a template of ``logtemplates.new_templates`` relates to before the incident, in
    words: "new" only when it was never seen before (the reader takes "new" literally)."""
    level = t.get("level")
    lvl = f"{level}, " if isinstance(level, str) and level else ""
    during = f"{lvl}{_times(t['count'])} in the incident"
    base = int(t.get("baseline_count") or 0)
    before = max(base, int(t.get("before_count") or 0))
    if base:
        seen = f"{_times(before)} before it, {base:,} in the baseline" if before > base else (
            f"{_times(base)} in the baseline")
        return f"Log message rare before the incident ({seen}) became frequent ({during})"
    if before:
        return (f"Log message seen earlier ({_times(before)} before the incident, never in "
                f"the baseline) came back ({during})")
    return f"New log message ({during}, none before it in the loaded logs)"


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


_LINE_REF = re.compile(r"line (\d+)")


def _log_names(logs: pd.DataFrame) -> pd.Series:
    return logs["_file"].astype("str").map(lambda p: Path(p).name)


def current_ref(evidence: Mapping[str, Any], at: pd.Timestamp,
                logs: pd.DataFrame | None) -> str:
    """A pinned log row's "source ref", checked against the loaded logs.

    Why: a pin records the file and line the row was read from; after a re-export (wider,
    renamed) that line may hold another row. When it no longer holds the pinned text the
    row with the same time (to the second) and text is named instead, "(pinned as ...)";
    when there is none the reference is marked stale. Never a wrong line in silence.
    Other evidence (alerts, templates, changes) and pins without logs are shown as saved.
    """
    source, ref = str(evidence.get("source") or ""), str(evidence.get("ref") or "")
    text = str(evidence.get("text") or "")
    shown = " ".join(x for x in (source, ref) if x)
    line = _LINE_REF.fullmatch(ref)
    need = {"_file", "_line", "message", "timestamp"}
    if logs is None or line is None or not text or not need <= set(logs.columns):
        return shown
    names = _log_names(logs)
    hits = logs.loc[logs["timestamp"].dt.floor("s") == at.floor("s")]  # pins keep seconds
    hits = hits.loc[hits["message"].astype("str").str[:len(text)] == text]
    if evidence.get("host") and "host" in hits.columns:
        hits = hits.loc[hits["host"].astype("str") == str(evidence["host"])]
    if not len(hits):
        if source not in set(names):  # a change, or a file not loaded this time
            return shown
        return f"{shown} (stale: no row with the pinned time and text in the loaded logs)"
    where = list(zip(names.loc[hits.index], hits["_line"].astype("int64"), strict=True))
    if (source, int(line.group(1))) in where:
        return shown
    name, n = where[0]
    return f"{name} line {n} (pinned as {shown})"


def analyst_events(edits: Mapping[str, Any], tz: str = "UTC",
                   logs: pd.DataFrame | None = None) -> pd.DataFrame:
    """The analyst's added and pinned events; their own ids are kept.

    With ``logs``, a pinned log row's reference is checked against them (``current_ref``).
    """
    rows = []
    for n, ev in enumerate(edits.get("added_events", [])):
        if is_dataclass(ev):
            ev = asdict(ev)
        ts = to_utc(ev.get("timestamp"), tz, what=f"analyst event {n + 1} timestamp")
        if ts is None:
            raise ParameterError(f"Analyst event {n + 1} has no timestamp: {ev!r}")
        evidence = ev.get("evidence") or {}
        ref = current_ref(evidence, ts, logs) if ev.get("pinned") else " ".join(
            str(evidence.get(k, "")) for k in ("source", "ref") if evidence.get(k))
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
    out["hidden"] = (out["event_id"].isin(hidden) | out["group"].isin(hidden)
                     | _time_ids(out).isin(hidden))
    out = out.drop_duplicates("event_id", keep="first")
    return out.sort_values(["timestamp", "kind"], kind="stable").reset_index(drop=True)


def unmatched_hidden(events: pd.DataFrame, hidden: Iterable[str]) -> list[str]:
    """Hidden ids that match no event of ``events``: the data changed since they were
    hidden (an event whose time moved has a new id), so the event they meant shows again
    and the analyst should hide it anew."""
    if events is None or not len(events):
        return [str(h) for h in dict.fromkeys(hidden)]
    known = set(events["event_id"])
    if "group" in events.columns:
        known |= set(events["group"])
    if {"kind", "source", "timestamp"} <= set(events.columns):
        known |= set(_time_ids(events))
    return [str(h) for h in dict.fromkeys(hidden) if h not in known]


def visible_events(events: pd.DataFrame) -> pd.DataFrame:
    """Top-level events the report shows: not hidden, not collapsed into a summary."""
    return events.loc[(~events["hidden"]) & (events["group"] == "")].reset_index(drop=True)


def __getattr__(name: str) -> Any:
    # collapse_alerts lives in alert_events (which imports this module's helpers)
    if name == "collapse_alerts":
        from .alert_events import collapse_alerts

        return collapse_alerts
    raise AttributeError(name)
