"""Three-way, field-by-field merge of analysis.json for two writers.

When another kernel or tab wrote the file since this session loaded it, the two edits
are combined field by field against the version both started from. Lists of objects
that carry an id (action items by ``id``, timeline events by ``event_id``) merge item by
item; lists that are sets (``SET_FIELDS``: hidden event ids, reviewers) merge as sets, each
side's additions and removals kept; other lists are one field. When both sides changed
the same field differently the merge is refused: nothing is overwritten and the
conflicting fields are named.
"""

from __future__ import annotations

from typing import Any

_MISSING = object()
ID_KEYS = ("id", "event_id")
# lists whose order means nothing and whose items are plain text: two writers hiding
# different events (or adding different reviewers) both keep what they did
SET_FIELDS = ("timeline.hidden_events", "review.reviewers")


def _id_key(*lists: list[Any]) -> str | None:
    """The id field shared by every item of every list, unique within each list."""
    for key in ID_KEYS:
        ok = True
        for items in lists:
            if not all(isinstance(i, dict) and i.get(key) for i in items):
                ok = False
                break
            if len({i[key] for i in items}) != len(items):
                ok = False
                break
        if ok:
            return key
    return None


def merge3(base: Any, ours: Any, theirs: Any, path: str = "") -> tuple[Any, list[str]]:
    """Merge ``ours`` and ``theirs`` (both derived from ``base``); returns (merged, conflicts)."""
    if ours == theirs:
        return ours, []
    if ours == base:
        return theirs, []
    if theirs == base:
        return ours, []
    if isinstance(ours, dict) and isinstance(theirs, dict):
        return _merge_dicts(base if isinstance(base, dict) else {}, ours, theirs, path)
    if isinstance(ours, list) and isinstance(theirs, list):
        if path in SET_FIELDS:
            merged_set = _merge_sets(base if isinstance(base, list) else [], ours, theirs)
            if merged_set is not None:
                return merged_set, []
        merged = _merge_keyed_lists(base if isinstance(base, list) else [], ours, theirs, path)
        if merged is not None:
            return merged
    return ours, [path or "(whole file)"]


def _merge_dicts(base: dict, ours: dict, theirs: dict, path: str) -> tuple[dict, list[str]]:
    out: dict[str, Any] = {}
    conflicts: list[str] = []
    keys = list(theirs) + [k for k in ours if k not in theirs]
    for key in keys:
        b, o, t = base.get(key, _MISSING), ours.get(key, _MISSING), theirs.get(key, _MISSING)
        sub = f"{path}.{key}" if path else key
        if o is _MISSING and t is _MISSING:
            continue
        if o is _MISSING or t is _MISSING:
            present = t if o is _MISSING else o
            if b is _MISSING:  # added on one side only
                out[key] = present
            elif present == b:  # deleted on one side, unchanged on the other
                continue
            else:
                conflicts.append(sub)
                out[key] = present
            continue
        value, sub_conflicts = merge3(None if b is _MISSING else b, o, t, sub)
        out[key] = value
        conflicts.extend(sub_conflicts)
    return out, conflicts


def _merge_keyed_lists(
    base: list, ours: list, theirs: list, path: str
) -> tuple[list, list[str]] | None:
    key = _id_key(base, ours, theirs)
    if key is None:
        return None
    b = {i[key]: i for i in base}
    o = {i[key]: i for i in ours}
    t = {i[key]: i for i in theirs}
    order = [i[key] for i in theirs] + [i[key] for i in ours if i[key] not in t]
    out: list[Any] = []
    conflicts: list[str] = []
    for ident in order:
        sub = f"{path}[{ident}]"
        bi, oi, ti = b.get(ident, _MISSING), o.get(ident, _MISSING), t.get(ident, _MISSING)
        if oi is _MISSING or ti is _MISSING:
            present = ti if oi is _MISSING else oi
            if bi is _MISSING:
                out.append(present)
            elif present == bi:
                continue  # removed on the other side, untouched here
            else:
                conflicts.append(sub)
                out.append(present)
            continue
        value, sub_conflicts = merge3(None if bi is _MISSING else bi, oi, ti, sub)
        out.append(value)
        conflicts.extend(sub_conflicts)
    return out, conflicts


def _merge_sets(base: list, ours: list, theirs: list) -> list | None:
    """Both sides' additions, minus both sides' removals, in theirs' order then ours'
    (None when an item is not text: then the list is merged as one field)."""
    if not all(isinstance(i, str) for i in (*base, *ours, *theirs)):
        return None
    removed = (set(base) - set(ours)) | (set(base) - set(theirs))
    return [i for i in dict.fromkeys([*theirs, *ours]) if i not in removed]
