"""Pin evidence from the raw data into the timeline: a log row, an alert, a change, a template.

A pinned event is an analyst event in analysis.json (``pinned: true``) carrying its
evidence: the source file, the row (file line) or alert/template id, and the original
text. The story's timeline picks it up on the next run (``timeline.analyst_events``);
``refresh_events`` also puts it into an already-built story so that the live kernel's
timeline table shows it at once. Pinning the same evidence twice keeps one event (a
template: one per template id, at its first sighting in the loaded logs); a description
given the second time replaces the first. A log row or change is the same evidence when
its time, text, service and host are, whichever file and line it is read from (an
export re-made or renamed): the pin's line reference is refreshed, not duplicated.
"""

from __future__ import annotations

import logging
import numbers
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ParameterError

log = logging.getLogger(__name__)

PIN_KIND = "pinned"
TEXT_LIMIT = 2000  # evidence text kept in analysis.json (a log line, not a core dump)


def _value(row: Mapping[str, Any], *names: str) -> Any:
    for n in names:
        v = row.get(n)
        if v is None:
            continue
        try:
            if pd.isna(v):
                continue
        except (TypeError, ValueError):  # arrays and other non-scalars are values
            pass
        return v
    return None


def _source(row: Mapping[str, Any], frame: pd.DataFrame | None, default: str) -> str:
    """The file a row came from (base name: reports should not carry local paths)."""
    path = _value(row, "_file")
    if path is None and frame is not None:
        paths = (frame.attrs.get("source") or {}).get("paths") or []
        path = paths[0] if len(paths) == 1 else None
    return PurePath(str(path)).name if path else default


def _line_ref(row: Mapping[str, Any], label: Any) -> str:
    line = _value(row, "_line")
    if line is not None:
        return f"line {int(line)}"
    return f"row {label}" if label is not None else ""


def _as_mapping(item: Any) -> tuple[dict[str, Any], Any]:
    # a row of an explorer's result carries its label in the frame as ``row``
    if isinstance(item, pd.Series):
        row = item.to_dict()
        return row, _value(row, "row") if "row" in row else item.name
    if isinstance(item, pd.DataFrame):
        if len(item) != 1:
            raise ParameterError(f"Pin one row at a time; this frame has {len(item)} rows.")
        row = item.iloc[0].to_dict()
        return row, _value(row, "row") if "row" in row else item.index[0]
    if isinstance(item, Mapping):
        return dict(item), item.get("row")
    raise ParameterError(
        "Pin a log row, an alert, a change or a template: a row (Series/dict), a log row "
        f"number, an alert id or a template id; found {type(item).__name__}."
    )


def log_row_pin(row: Mapping[str, Any], label: Any = None, logs: pd.DataFrame | None = None
                ) -> dict[str, Any]:
    """Arguments for ``store.pin_event`` from one log row."""
    label = _value(row, "row") if label is None else label
    text = str(_value(row, "message") or "")
    level = _value(row, "level")
    service = str(_value(row, "service") or "")
    prefix = f"[{level}] " if level else ""
    return {
        "timestamp": row["timestamp"],
        "source": _source(row, logs, "logs"),
        "ref": _line_ref(row, label),
        "text": text[:TEXT_LIMIT],
        "service": service,
        "host": str(_value(row, "host") or ""),
        "description": f"{prefix}{service + ': ' if service else ''}{text}"[:200],
    }


def alert_pin(row: Mapping[str, Any], label: Any = None, alerts: pd.DataFrame | None = None
              ) -> dict[str, Any]:
    from ..incident_window import alert_refs

    alert_id = _value(row, "alert_id")
    if alert_id is not None and alerts is not None and label in alerts.index:
        alert_id = alert_refs(alerts).loc[label]  # id@start when the id has several rows
    title = str(_value(row, "title") or "")
    sev = _value(row, "severity")
    service = str(_value(row, "service") or "")
    return {
        "timestamp": row["started_at"],
        "source": _source(row, alerts, "alerts"),
        "ref": f"alert {alert_id}" if alert_id is not None else _line_ref(row, label),
        "text": title[:TEXT_LIMIT],
        "service": service,
        "description": f"{'[' + str(sev) + '] ' if sev else ''}{title} fired"[:200],
    }


def change_pin(row: Mapping[str, Any], label: Any = None, changes: pd.DataFrame | None = None
               ) -> dict[str, Any]:
    desc = str(_value(row, "description") or "")
    kind = _value(row, "kind")
    service = str(_value(row, "service") or "")
    return {
        "timestamp": row["timestamp"],
        "source": _source(row, changes, "changes"),
        "ref": _line_ref(row, label),
        "text": desc[:TEXT_LIMIT],
        "service": service,
        "description": f"{kind + ': ' if kind else ''}{desc}"[:200],
    }


def template_pin(row: Mapping[str, Any], logs: pd.DataFrame | None = None) -> dict[str, Any]:
    """A template is pinned at its first sighting in the loaded logs (``first_seen``)."""
    tid = str(_value(row, "template_id") or "")
    template = str(_value(row, "template") or "")
    when = _value(row, "first_seen", "timestamp")
    if when is None:
        raise ParameterError(f"Template {tid!r} has no first_seen time to pin it at.")
    count = _value(row, "count")
    example = _value(row, "example")
    text = template + (f"\nexample: {example}" if example else "")
    src = "logs"
    if logs is not None:
        paths = (logs.attrs.get("source") or {}).get("paths") or []
        src = PurePath(str(paths[0])).name if len(paths) == 1 else src
    seen = f" (first of {int(count):,} in the logs)" if count is not None else ""
    return {
        "timestamp": when,
        "source": src,
        "ref": f"template {tid}",
        "text": text[:TEXT_LIMIT],
        "service": str(_value(row, "service") or ""),
        "description": f"Log message first seen{seen}: {template}"[:200],
    }


def classify(row: Mapping[str, Any]) -> str:
    """Which kind of evidence a row is, from its columns."""
    if "template_id" in row and "template" in row and "message" not in row:
        return "template"
    if "started_at" in row and ("alert_id" in row or "title" in row):
        return "alert"
    if "message" in row and "timestamp" in row:
        return "log"
    if "timestamp" in row and "description" in row:
        return "change"
    raise ParameterError(
        "Cannot tell what to pin: expected a log row (timestamp, message), an alert "
        "(started_at, title), a change (timestamp, description) or a template (template_id, "
        f"template); found columns {', '.join(map(str, row))}."
    )


KINDS = ("log_row", "alert", "template", "change")


def _is_int(value: Any) -> bool:
    """An integer label: Python or NumPy (a value read from a result table), not a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_)


def _as_label(value: Any, what: str) -> int:
    if _is_int(value):
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise ParameterError(f"A {what} is a whole number (the `row` column); found {value!r}.")


def _span(frame: pd.DataFrame) -> str:
    index = frame.index
    if isinstance(index, pd.RangeIndex) and len(index):
        return f"labels {index[0]}–{index[-1]}"
    return f"{len(frame)} rows"


def _log_row(logs: pd.DataFrame | None, label: int) -> dict[str, Any]:
    if logs is None or label not in logs.index:
        span = "no logs were loaded" if logs is None else f"the logs have {_span(logs)}"
        raise ParameterError(f"No log row {label} to pin ({span}).")
    return log_row_pin(logs.loc[label].to_dict(), label, logs)


def _alert_hit(alerts: pd.DataFrame | None, key: str) -> pd.DataFrame | None:
    """The alert ``key`` names: an id, or ``id@start`` for an id on several rows (a
    fingerprint's firing episodes); a plain id of several episodes is refused, listed."""
    from ..incident_window import alert_refs

    if alerts is None or "alert_id" not in alerts.columns:
        return None
    refs = alert_refs(alerts)
    hit = alerts.loc[refs == key]
    if not len(hit):
        hit = alerts.loc[alerts["alert_id"].astype("str").str.strip() == key]
        episodes = list(dict.fromkeys(refs.loc[hit.index]))
        if len(episodes) > 1:
            raise ParameterError(
                f"Alert {key!r} fired {len(episodes)} times in the loaded alerts: "
                f"{', '.join(episodes[:10])}. Pin one of them by that reference.")
    return hit if len(hit) else None


def _template_hit(templates: pd.DataFrame | None, key: str) -> pd.DataFrame | None:
    if templates is None or not len(templates):
        return None
    hit = templates.loc[templates["template_id"].astype("str") == key]
    return hit if len(hit) else None


def _by_kind(kind: str, value: Any, frames: Mapping[str, Any],
             templates: pd.DataFrame | None) -> dict[str, Any]:
    """``pin(log_row=...)``, ``pin(alert=...)``, ``pin(template=...)``, ``pin(change=...)``."""
    logs, alerts, changes = frames.get("logs"), frames.get("alerts"), frames.get("changes")
    if kind == "log_row":
        return _log_row(logs, _as_label(value, "log row label"))
    if kind == "change":
        label = _as_label(value, "change row label")
        if changes is None or label not in changes.index:
            span = "no changes were loaded" if changes is None else f"changes have {_span(changes)}"
            raise ParameterError(f"No change row {label} to pin ({span}).")
        return change_pin(changes.loc[label].to_dict(), label, changes)
    key = str(int(value) if _is_int(value) else value).strip()
    if kind == "alert":
        hit = _alert_hit(alerts, key)
        if hit is None:
            raise ParameterError(f"No alert {key!r} in the loaded alerts.")
        return alert_pin(hit.iloc[0].to_dict(), hit.index[0], alerts)
    hit = _template_hit(templates, key)
    if hit is None:
        raise ParameterError(f"No template {key!r} in the loaded logs' templates.")
    return template_pin(hit.iloc[0].to_dict(), logs)


def pin_arguments(item: Any = None, frames: Mapping[str, Any] | None = None,
                  templates: pd.DataFrame | None = None, **by_kind: Any) -> dict[str, Any]:
    """Resolve what to pin into ``store.pin_event`` arguments.

    ``item`` is a row (Series, one-row DataFrame or dict) of logs, alerts, changes or a
    templates table; an integer (a log row label, Python or NumPy, or an alert id when
    no log row has that label); or a str (an alert id, a template id, or digits naming
    a log row). An integer that is both a log row label and an alert id is refused:
    say which with ``log_row=``, ``alert=``, ``template=`` or ``change=`` instead.
    """
    frames = frames or {}
    given = {k: v for k, v in by_kind.items() if v is not None}
    unknown = sorted(set(given) - set(KINDS))
    if unknown:
        raise ParameterError(
            f"Unknown pin keyword {unknown[0]!r}; known: {', '.join(KINDS)}.")
    if len(given) + (item is not None) != 1:
        raise ParameterError(
            "Pin one thing: a row, a label or id, or one of "
            f"{', '.join(k + '=' for k in KINDS)}; found "
            f"{len(given) + (item is not None)}.")
    if given:
        (kind, value), = given.items()
        return _by_kind(kind, value, frames, templates)
    logs, alerts, changes = frames.get("logs"), frames.get("alerts"), frames.get("changes")
    if isinstance(item, bool | np.bool_):
        raise ParameterError(f"Cannot pin {item!r}.")
    if _is_int(item):
        n = int(item)
        is_row = logs is not None and n in logs.index
        alert = _alert_hit(alerts, str(n))
        if is_row and alert is not None:
            title = str(alert["title"].iloc[0]) if "title" in alert else ""
            where = _line_ref(logs.loc[n].to_dict(), n)
            raise ParameterError(
                f"{n} is both alert '{n}' and log row {n} (alert: {title[:80]}; log row: "
                f"{where} of {_source({}, logs, 'the logs')}): pin wb.pin(alert='{n}') for the "
                f"alert or wb.pin(log_row={n}) for the log row."
            )
        if alert is not None:
            return alert_pin(alert.iloc[0].to_dict(), alert.index[0], alerts)
        if not is_row:
            span = "no logs were loaded" if logs is None else f"the logs have {_span(logs)}"
            raise ParameterError(f"No log row {n} ({span}) and no alert '{n}' to pin.")
        return _log_row(logs, n)
    if isinstance(item, str):
        key = item.strip()
        alert = _alert_hit(alerts, key)
        if alert is not None:
            return alert_pin(alert.iloc[0].to_dict(), alert.index[0], alerts)
        tpl = _template_hit(templates, key)
        if tpl is not None:
            return template_pin(tpl.iloc[0].to_dict(), logs)
        if key.isdigit() and logs is not None and int(key) in logs.index:
            return _log_row(logs, int(key))
        raise ParameterError(
            f"{key!r} is neither an alert id, a template id nor a log row label of this "
            "incident's data."
        )
    row, label = _as_mapping(item)
    kind = classify(row)
    if kind == "template":  # a row of a filtered templates table: the unfiltered first sighting
        hit = _template_hit(templates, str(_value(row, "template_id") or ""))
        return template_pin(row if hit is None else hit.iloc[0].to_dict(), logs)
    if kind == "alert":
        return alert_pin(row, label, alerts)
    if kind == "log":
        return log_row_pin(row, label, logs)
    return change_pin(row, label, changes)


PINNED, UPDATED, KEPT = "pinned", "updated", "already pinned"


def pin_with_outcome(store: Any, item: Any = None, *, description: str = "",
                     frames: Mapping[str, Any] | None = None,
                     templates: pd.DataFrame | None = None, tz: str | None = None,
                     **by_kind: Any) -> tuple[Any, str]:
    """``pin``, and what it did: ``"pinned"`` (a new event), ``"updated"`` (the evidence
    was pinned already; the new description replaced the old one, a template's time
    moved to its first sighting, or the file/line it was read from changed) or
    ``"already pinned"`` (nothing changed)."""
    args = pin_arguments(item, frames, templates, **by_kind)
    derived = args.pop("description")
    before = {e.event_id: (e.description, e.timestamp, e.evidence.source, e.evidence.ref)
              for e in store.analysis.timeline.added_events if e.pinned}
    ev = store.pin_event(args.pop("timestamp"), description.strip(), kind=PIN_KIND, tz=tz,
                         default_description=derived, **args)
    if ev.event_id not in before:
        outcome = PINNED
    else:
        now = (ev.description, ev.timestamp, ev.evidence.source, ev.evidence.ref)
        outcome = UPDATED if before[ev.event_id] != now else KEPT
    log.info("%s %s %s as %s", outcome, ev.evidence.source, ev.evidence.ref, ev.event_id)
    return ev, outcome


def pin(store: Any, item: Any = None, *, description: str = "",
        frames: Mapping[str, Any] | None = None, templates: pd.DataFrame | None = None,
        tz: str | None = None, **by_kind: Any) -> Any:
    """Pin ``item`` (see ``pin_arguments``) into the store; returns the TimelineEvent.

    The same evidence again gives the same event; a new ``description`` replaces its old
    one (the analyst's latest words win), an empty one keeps it.
    """
    return pin_with_outcome(store, item, description=description, frames=frames,
                            templates=templates, tz=tz, **by_kind)[0]


def refresh_events(story: Any, analysis: Any, logs: pd.DataFrame | None = None) -> None:
    """Replace the analyst events in an already-built story by those of ``analysis``
    (pinned log rows checked against ``logs``, as a full run does)."""
    from ..timeline import analyst_edits, analyst_events, build_events

    edits = analyst_edits(analysis.to_dict() if hasattr(analysis, "to_dict") else analysis)
    events = story.events
    derived = events.loc[~events["source"].astype("str").str.startswith("analyst")
                         | (events["kind"] == "milestone")]
    story.events = build_events(derived, analyst_events(edits, story.tz, logs),
                                hidden=edits["hidden_events"])
