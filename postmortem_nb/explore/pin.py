"""Pin evidence from the raw data into the timeline: a log row, an alert, a change, a template.

A pinned event is an analyst event in analysis.json (``pinned: true``) carrying its
evidence: the source file, the row (file line) or alert/template id, and the original
text. The story's timeline picks it up on the next run (``timeline.analyst_events``);
``refresh_events`` also puts it into an already-built story so that the live kernel's
timeline table shows it at once. Pinning the same evidence twice keeps one event.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

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
    if isinstance(item, pd.Series):
        return item.to_dict(), item.name
    if isinstance(item, pd.DataFrame):
        if len(item) != 1:
            raise ParameterError(f"Pin one row at a time; this frame has {len(item)} rows.")
        return item.iloc[0].to_dict(), item.index[0]
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
        "description": f"{prefix}{service + ': ' if service else ''}{text}"[:200],
    }


def alert_pin(row: Mapping[str, Any], label: Any = None, alerts: pd.DataFrame | None = None
              ) -> dict[str, Any]:
    alert_id = _value(row, "alert_id")
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
    """A template is pinned at its first sighting (in the explorer's filter or the logs)."""
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
    seen = f" (first of {int(count)})" if count is not None else ""
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


def pin_arguments(item: Any, frames: Mapping[str, Any] | None = None,
                  templates: pd.DataFrame | None = None) -> dict[str, Any]:
    """Resolve what to pin into ``store.pin_event`` arguments.

    ``item`` is a row (Series, one-row DataFrame or dict) of logs, alerts, changes or a
    templates table; an int (a log row label); or a str (an alert id or template id).
    """
    frames = frames or {}
    logs, alerts, changes = frames.get("logs"), frames.get("alerts"), frames.get("changes")
    if isinstance(item, bool):
        raise ParameterError(f"Cannot pin {item!r}.")
    if isinstance(item, int):
        if logs is None or item not in logs.index:
            size = 0 if logs is None else len(logs)
            raise ParameterError(f"No log row {item} to pin (the logs have {size} rows).")
        return log_row_pin(logs.loc[item].to_dict(), item, logs)
    if isinstance(item, str):
        key = item.strip()
        if alerts is not None and "alert_id" in alerts.columns:
            hit = alerts.loc[alerts["alert_id"].astype("str") == key]
            if len(hit):
                return alert_pin(hit.iloc[0].to_dict(), hit.index[0], alerts)
        if templates is not None and len(templates):
            hit = templates.loc[templates["template_id"].astype("str") == key]
            if len(hit):
                return template_pin(hit.iloc[0].to_dict(), logs)
        raise ParameterError(
            f"{key!r} is neither an alert id nor a template id of this incident's data."
        )
    row, label = _as_mapping(item)
    kind = classify(row)
    if kind == "template":
        return template_pin(row, logs)
    if kind == "alert":
        return alert_pin(row, label, alerts)
    if kind == "log":
        return log_row_pin(row, label, logs)
    return change_pin(row, label, changes)


def pin(store: Any, item: Any, *, description: str = "", frames: Mapping[str, Any] | None = None,
        templates: pd.DataFrame | None = None, tz: str | None = None) -> Any:
    """Pin ``item`` (see ``pin_arguments``) into the store; returns the TimelineEvent."""
    args = pin_arguments(item, frames, templates)
    derived = args.pop("description")
    ev = store.pin_event(
        args.pop("timestamp"), description or derived, kind=PIN_KIND, tz=tz, **args
    )
    log.info("pinned %s %s as %s", ev.evidence.source, ev.evidence.ref, ev.event_id)
    return ev


def refresh_events(story: Any, analysis: Any) -> None:
    """Replace the analyst events in an already-built story by those of ``analysis``."""
    from ..timeline import analyst_edits, analyst_events, build_events

    edits = analyst_edits(analysis.to_dict() if hasattr(analysis, "to_dict") else analysis)
    events = story.events
    derived = events.loc[~events["source"].astype("str").str.startswith("analyst")
                         | (events["kind"] == "milestone")]
    story.events = build_events(derived, analyst_events(edits, story.tz),
                                hidden=edits["hidden_events"])
