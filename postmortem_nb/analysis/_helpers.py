"""Typed editing helpers, bound as AnalysisStore methods (kept here for module size).

Each helper changes the in-memory analysis through ``store.update`` so it is saved
(immediately by default; ``debounce=True`` for keystroke-level edits).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import fields
from typing import TYPE_CHECKING, Any

from ..errors import ParameterError
from ..schema import MILESTONES
from .model import (
    ACTION_TYPES,
    REVIEW_STATUSES,
    STATUSES,
    ActionItem,
    Evidence,
    Factor,
    MilestoneOverride,
    Person,
    TimelineEvent,
    Why,
    Window,
    normalize_priority,
    to_iso_z,
)

if TYPE_CHECKING:
    from .model import Analysis
    from .store import AnalysisStore

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def as_due(value: Any) -> str:
    """A due date as YYYY-MM-DD ("" for none); datetimes and dates accepted."""
    if value in (None, ""):
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    if _DATE.match(text):
        try:
            dt.date.fromisoformat(text)
        except ValueError:
            pass
        else:
            return text
    raise ParameterError(f"Due date must look like 2026-04-30, found {value!r}.")


def _set_fields(obj: Any, changes: dict[str, Any], what: str) -> None:
    known = {f.name for f in fields(obj)} - {"extra"}
    unknown = sorted(set(changes) - known)
    if unknown:
        raise ParameterError(
            f"Unknown {what} field(s): {', '.join(unknown)}. Known: {', '.join(sorted(known))}."
        )
    for k, v in changes.items():
        setattr(obj, k, v)


def _check_choice(value: str, choices: tuple[str, ...], what: str) -> str:
    if value not in choices:
        raise ParameterError(f"{what} must be one of {', '.join(choices)}; found {value!r}.")
    return value


def _clean_action(changes: dict[str, Any]) -> dict[str, Any]:
    out = dict(changes)
    if "due" in out:
        out["due"] = as_due(out["due"])
    if "priority" in out:
        out["priority"] = normalize_priority(out["priority"])
    if "status" in out:
        _check_choice(out["status"], STATUSES, "status")
    if "type" in out:
        _check_choice(out["type"], ACTION_TYPES, "type")
    return out


def set_summary(self: AnalysisStore, *, debounce: bool = False, **changes: Any) -> None:
    """Set summary fields (title, what_happened, customer_description, severity, services)."""
    self.update(lambda a: _set_fields(a.summary, changes, "summary"), debounce=debounce)


def add_person(self: AnalysisStore, name: str, role: str, *, show_name: bool = False,
               aliases: Iterable[str] | str = ()) -> Person:
    """Add someone involved; the report shows the role unless show_name is True.

    ``aliases``: other names they appear under in the data (a handle such as "dana.w", an
    e-mail local part, a chat name), so those become the role too; one string is one alias.
    """
    found = [aliases] if isinstance(aliases, str) else list(aliases)
    person = Person(name=name, role=role, show_name=show_name,
                    aliases=[a.strip() for a in found if a and a.strip()])
    self.update(lambda a: a.summary.people.append(person))
    return person


def set_impact(self: AnalysisStore, *, debounce: bool = False, **changes: Any) -> None:
    self.update(lambda a: _set_fields(a.impact, changes, "impact"), debounce=debounce)


def set_lessons(self: AnalysisStore, *, debounce: bool = False, **changes: Any) -> None:
    self.update(lambda a: _set_fields(a.lessons, changes, "lessons"), debounce=debounce)


def set_review(self: AnalysisStore, **changes: Any) -> None:
    if "status" in changes:
        _check_choice(changes["status"], REVIEW_STATUSES, "review status")
    self.update(lambda a: _set_fields(a.review, changes, "review"))


def add_why(self: AnalysisStore, why: str, because: str = "", evidence: str = "") -> Why:
    item = Why(why=why, because=because, evidence=evidence)
    self.update(lambda a: a.five_whys.append(item))
    return item


def add_factor(self: AnalysisStore, category: str, text: str, evidence: str = "") -> Factor:
    item = Factor(category=category, text=text, evidence=evidence)
    self.update(lambda a: a.fishbone.factors.append(item))
    return item


# ------------------------------------------------------------------ action items


def next_action_id(analysis: Analysis) -> str:
    """A1, A2, ...: one more than the highest An in use (ids are never reused in a file)."""
    numbers = [int(m.group(1)) for i in analysis.action_items if (m := re.match(r"A(\d+)$", i.id))]
    return f"A{max(numbers, default=0) + 1}"


def unique_action_ids(analysis: Analysis) -> list[str]:
    """Give an action item without an id, or with the id of an earlier one (a copied row),
    the next free id; returns what was renamed. The forms, merges and ``update_action_item``
    address items by id: with two "A1" an edit of one overwrote the other."""
    seen: set[str] = set()
    renamed = []
    for i, item in enumerate(analysis.action_items):
        if item.id and item.id not in seen:
            seen.add(item.id)
            continue
        new = next_action_id(analysis)
        was = f"the second {item.id!r}" if item.id else "one without an id"
        renamed.append(f"action item {i + 1} ({was}) is now {new!r}")
        item.id = new
        seen.add(new)
    return renamed


def add_action_item(self: AnalysisStore, description: str = "", **changes: Any) -> ActionItem:
    """Add an action item with the next free id (A1, A2, ...); fields as in ActionItem."""
    clean = _clean_action(changes)
    item = ActionItem(description=description)
    _set_fields(item, clean, "action item")

    def change(a: Analysis) -> None:
        item.id = next_action_id(a)
        a.action_items.append(item)

    self.update(change)
    return item


def _action(analysis: Analysis, item_id: str) -> ActionItem:
    for item in analysis.action_items:
        if item.id == item_id:
            return item
    known = ", ".join(i.id for i in analysis.action_items) or "none"
    raise ParameterError(f"No action item {item_id!r}; known ids: {known}.")


def update_action_item(
    self: AnalysisStore, item_id: str, *, debounce: bool = False, **changes: Any
) -> ActionItem:
    clean = _clean_action(changes)
    _action(self.analysis, item_id)  # unknown id: error before anything changes
    self.update(lambda a: _set_fields(_action(a, item_id), clean, "action item"),
                debounce=debounce)
    return _action(self.analysis, item_id)


def remove_action_item(self: AnalysisStore, item_id: str) -> None:
    _action(self.analysis, item_id)
    self.update(lambda a: a.action_items.remove(_action(a, item_id)))


# ------------------------------------------------------------------ timeline


def _event(analysis: Analysis, event_id: str) -> TimelineEvent:
    for ev in analysis.timeline.added_events:
        if ev.event_id == event_id:
            return ev
    raise ParameterError(f"No analyst-added or pinned event {event_id!r}.")


def add_event(
    self: AnalysisStore,
    timestamp: Any,
    description: str,
    *,
    service: str = "",
    kind: str = "note",
    tz: str | None = None,
) -> TimelineEvent:
    """Add an analyst event to the timeline (naive times read in ``tz``)."""
    ev = TimelineEvent(
        event_id=f"evt-{secrets.token_hex(4)}",
        timestamp=to_iso_z(timestamp, tz=tz),
        description=description,
        service=service,
        kind=kind,
    )
    self.update(lambda a: a.timeline.added_events.append(ev))
    return ev


def _pin_key(ref: str, text: str, when: str, service: str, host: str) -> tuple[str, ...]:
    """What identifies a piece of evidence, whatever file or line it was read from.

    Why: an export is re-made (wider, renamed) between drafts, so a file name and line
    number do not name a row for long; its time, text and origin (service, host) do. An
    alert is its id and start (a fingerprint fires again: each episode is its own, however
    its id is spelled, ``id`` or ``id@start``); a template is its id (one event per
    template, wherever first seen).
    """
    if ref.startswith("template "):
        return ("template", ref)
    if ref.startswith("alert "):
        plain, sep, start = ref.removeprefix("alert ").rpartition("@")
        alert = plain if sep and _ISO_Z.fullmatch(start) else ref.removeprefix("alert ")
        return ("alert", alert, when)
    return ("row", when, text, service, host)


_ISO_Z = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")  # incident_window.alert_refs


def _same_evidence(ev: TimelineEvent, key: tuple[str, ...]) -> bool:
    """``ev`` is a pin of the evidence ``key``; a pin saved without a host (before hosts
    were kept) matches on time, text and service."""
    if not ev.pinned:
        return False
    e = ev.evidence
    host = str(e.extra.get("host", ""))
    mine = _pin_key(e.ref, e.text, ev.timestamp, ev.service, host)
    return mine == key or (mine[0] == "row" and not host and mine[:4] == key[:4])


def pin_event(
    self: AnalysisStore,
    timestamp: Any,
    description: str = "",
    *,
    source: str,
    ref: str = "",
    text: str = "",
    service: str = "",
    host: str = "",
    kind: str = "pinned",
    tz: str | None = None,
    default_description: str = "",
) -> TimelineEvent:
    """Pin evidence from the raw data (a log row, alert, change, template) into the timeline.

    The id derives from the evidence's content (``_pin_key``: a row's time, text, service
    and host; an alert's id and start; a template's id), not from the file and line, so
    pinning the same row again, also from a re-exported or renamed file, keeps one event
    and refreshes its ``source`` and ``ref``. Pins saved before (ids that hashed file and
    line) are matched by the same content. Pinning again with a ``description`` replaces
    the event's description (the analyst's latest words win); without one the event is
    kept as it is, except that a template's time follows ``timestamp``.
    ``default_description`` is only for a new event.
    """
    when = to_iso_z(timestamp, tz=tz)
    key = _pin_key(str(ref), str(text), when, str(service), str(host))
    digest = hashlib.sha1("\x00".join(key).encode()).hexdigest()
    event_id = f"pin-{digest[:10]}"
    template = key[0] == "template"
    for ev in self.analysis.timeline.added_events:
        same_place = ev.pinned and (ev.evidence.source, ev.evidence.ref, ev.evidence.text,
                                    ev.timestamp) == (str(source), str(ref), str(text), when)
        if not (ev.event_id == event_id or same_place or _same_evidence(ev, key)):
            continue
        changes: dict[str, Any] = {}
        if description and description != ev.description:
            changes["description"] = description
        if template and ev.timestamp != when:
            changes["timestamp"] = when
        if (ev.evidence.source, ev.evidence.ref) != (str(source), str(ref)):
            def refresh(a: Analysis, found: str = ev.event_id) -> None:
                e = _event(a, found).evidence  # the line moved or the file was renamed
                e.source, e.ref = str(source), str(ref)

            self.update(refresh)
        return self.edit_event(ev.event_id, **changes) if changes else _event(
            self.analysis, ev.event_id)
    extra = {"host": str(host)} if host else {}
    ev = TimelineEvent(
        event_id=event_id,
        timestamp=when,
        description=description or default_description or text[:200],
        service=service,
        kind=kind,
        evidence=Evidence(source=str(source), ref=str(ref), text=str(text), extra=extra),
        pinned=True,
    )
    self.update(lambda a: a.timeline.added_events.append(ev))
    return ev


def unpin_event(self: AnalysisStore, event_id: str) -> bool:
    """Remove a pinned event; returns False when it was not there.

    An event the analyst added by hand (a note) is refused: unpinning removes evidence,
    never the analyst's words (``remove_event`` removes a note).
    """
    try:
        ev = _event(self.analysis, event_id)
    except ParameterError:
        return False
    if not ev.pinned:
        raise ParameterError(
            f"{event_id!r} is an analyst note ({ev.description[:60]!r}), not a pinned event: "
            f"unpin removes pins only. To delete the note use wb.store.remove_event({event_id!r}) "
            "or the timeline form's Remove button.")
    self.update(lambda a: a.timeline.added_events.remove(_event(a, event_id)))
    return True


def remove_event(self: AnalysisStore, event_id: str) -> None:
    _event(self.analysis, event_id)
    self.update(lambda a: a.timeline.added_events.remove(_event(a, event_id)))


def edit_event(
    self: AnalysisStore, event_id: str, *, debounce: bool = False, tz: str | None = None,
    **changes: Any,
) -> TimelineEvent:
    """Edit an added or pinned event (description, timestamp, service, kind)."""
    _event(self.analysis, event_id)
    if "timestamp" in changes:
        changes["timestamp"] = to_iso_z(changes["timestamp"], tz=tz)
    self.update(lambda a: _set_fields(_event(a, event_id), changes, "event"), debounce=debounce)
    return _event(self.analysis, event_id)


def hide_event(self: AnalysisStore, event_id: str) -> None:
    """Hide a derived event (by its id in the timeline table) from the report."""
    if event_id not in self.analysis.timeline.hidden_events:
        self.update(lambda a: a.timeline.hidden_events.append(str(event_id)))


def unhide_event(self: AnalysisStore, event_id: str) -> None:
    if event_id in self.analysis.timeline.hidden_events:
        self.update(lambda a: a.timeline.hidden_events.remove(event_id))


def set_milestone_override(
    self: AnalysisStore, name: str, at: Any, note: str = "", *, tz: str | None = None
) -> MilestoneOverride:
    """Correct a derived milestone (impact_start, detected, acknowledged, mitigated, resolved)."""
    _check_choice(name, MILESTONES, "milestone")
    override = MilestoneOverride(at=to_iso_z(at, tz=tz), note=note)
    self.update(lambda a: a.timeline.milestone_overrides.__setitem__(name, override))
    return override


def clear_milestone_override(self: AnalysisStore, name: str) -> None:
    if name in self.analysis.timeline.milestone_overrides:
        self.update(lambda a: a.timeline.milestone_overrides.pop(name))


def set_incident_window(
    self: AnalysisStore, start: Any, end: Any, *, tz: str | None = None
) -> Window | None:
    """Set the analyst's incident window; start=None and end=None clears it."""
    if start is None and end is None:
        self.update(lambda a: setattr(a.timeline, "incident_window", None))
        return None
    window = Window(start=to_iso_z(start, tz=tz), end=to_iso_z(end, tz=tz))
    if window.start and window.end and window.end < window.start:
        raise ParameterError(f"Window end {window.end} is before its start {window.start}.")
    self.update(lambda a: setattr(a.timeline, "incident_window", window))
    return window
