"""analysis.json on disk: atomic, backed-up, merge-aware writes that never lose a word.

Rules (docs/analysis-schema.md has the user-facing version):
- a missing file loads as an empty analysis and is written only once something changes;
- every write goes to a temp file in the same folder, is fsynced, then renamed over the
  old file, whose previous content is first kept as ``analysis.json.bak``;
- an unreadable file is moved aside (``analysis.json.corrupt-<UTC time>``), never
  overwritten; the last backup is loaded instead when it is readable;
- an older schema is copied to ``analysis.json.schema<N>.bak`` before it is migrated;
- each write knows the revision and content hash it started from: if another writer
  changed the file meanwhile, the two edits are merged field by field, and when both
  changed the same field the write is refused with ConflictError (this session's version
  is saved beside the file as ``analysis.json.conflict-<UTC time>``).
Typing in widgets is debounced (a short timer); ``flush()`` is synchronous and also runs
at interpreter exit, so headless runs never wait on timers.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import logging
import os
import threading
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

from filelock import FileLock

from ..errors import AnalysisStoreError, ConflictError
from ._helpers import unique_action_ids
from .files import FILENAME, atomic_write, decode, encode, read_analysis, resolve_path
from .files import remove_stale_temp_files as _remove_stale_temp_files
from .files import sha as _sha
from .files import utc_stamp as _utc_stamp
from .merge import merge3
from .model import SCHEMA_VERSION, Analysis, AnalysisShapeError, SchemaTooNewError, to_iso_z

log = logging.getLogger(__name__)

__all__ = ["FILENAME", "AnalysisStore", "flush_all", "read_analysis", "resolve_path"]


class AnalysisStore:
    """The analyst's content for one workspace, loaded from and saved to analysis.json."""

    _open: dict[Path, AnalysisStore] = {}  # noqa: RUF012 - one store per file per process

    def __init__(self, path: str | os.PathLike[str], *, debounce_s: float = 0.8) -> None:
        self.path = resolve_path(path)
        self.debounce_s = debounce_s
        self.analysis = Analysis()
        self.revision = 0
        self.messages: list[str] = []  # recoveries and migrations, for the user to read
        self.generation = 0  # +1 whenever the content is replaced from disk (load, merge)
        self.last_error: Exception | None = None
        self._base_hash: str | None = None
        self._base_data: dict[str, Any] = Analysis().to_dict()
        self._dirty = False
        self._timer: threading.Timer | None = None
        self._lock = threading.RLock()
        self._listeners: list[Callable[[AnalysisStore], None]] = []
        self.load()
        ref = weakref.ref(self)
        atexit.register(lambda: (s := ref()) is not None and s._flush_quietly())

    # ------------------------------------------------------------ opening and loading
    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> AnalysisStore:
        """The shared store for this file in this process, so every form edits one object."""
        key = resolve_path(path).resolve()
        store = cls._open.get(key)
        if store is None:
            store = cls._open[key] = cls(key)
        else:
            store.sync()
        return store

    def sync(self) -> bool:
        """Reload when the file changed on disk and nothing here is unsaved (a re-run cell
        then shows what another writer saved). Returns True when it reloaded."""
        with self._lock:
            if self._dirty:
                return False
            raw = self._read_raw()
            if _sha(raw) == self._base_hash:
                return False
            self.load()
            return True

    @property
    def lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    def load(self) -> Analysis:
        """(Re)load from disk, discarding unsaved changes; recovers from a corrupt file."""
        with self._lock:
            self._cancel_timer()
            self._dirty = False
            _remove_stale_temp_files(self.path)
            raw = self._read_raw()
            if raw is None:
                self._set_synced(Analysis().to_dict(), 0, None)
            else:
                self._load_raw(raw)
        self._notify()
        return self.analysis

    def _load_raw(self, raw: bytes) -> None:
        try:
            data, revision, original = decode(raw, self.path)
        except (SchemaTooNewError, AnalysisShapeError):  # left as it is, for a person
            raise
        except AnalysisStoreError as exc:
            self._recover_from_corrupt(exc)
            return
        if original < SCHEMA_VERSION:
            self._migrate_file(raw, data, revision, original)
        else:
            self._set_synced(data, revision, _sha(raw))

    def _read_raw(self) -> bytes | None:
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise AnalysisStoreError(f"{self.path}: cannot be read ({exc}).") from exc

    def _set_synced(self, data: dict[str, Any], revision: int, digest: str | None) -> None:
        fresh = Analysis.from_dict(data)
        renamed = unique_action_ids(fresh)
        if renamed:  # written with the next change
            msg = f"{self.path.name}: action item ids must differ: " + "; ".join(renamed) + "."
            self.messages.append(msg)
            log.warning(msg)
        self.analysis.__dict__.update(fresh.__dict__)  # keep the object widgets hold
        self.generation += 1  # forms show the new values (their fields held the old ones)
        self._base_data = fresh.to_dict()
        self.revision = revision
        self._base_hash = digest

    def _move_aside(self, exc: Exception) -> str:
        aside = self.path.with_name(f"{self.path.name}.corrupt-{_utc_stamp()}")
        os.replace(self.path, aside)
        msg = (
            f"{self.path.name} could not be read ({str(exc).rstrip('.')}). It was moved to "
            f"{aside.name} and nothing was overwritten. To restore it, fix that file and "
            f"rename it back to {self.path.name}"
        )
        self.messages.append(msg)
        log.warning(msg)
        return msg

    def _recover_from_corrupt(self, exc: Exception) -> None:
        self._move_aside(exc)
        bak = self.path.with_name(self.path.name + ".bak")
        try:
            data, revision, _ = decode(bak.read_bytes(), bak)
        except (OSError, AnalysisStoreError):
            self._set_synced(Analysis().to_dict(), 0, None)
            note = "Meanwhile an empty analysis is loaded."
        else:
            # loaded in memory only: the next change writes it back as analysis.json
            self._set_synced(data, revision, None)
            note = f"Meanwhile the last good version ({bak.name}) is loaded."
        self.messages[-1] += ". " + note
        log.warning(note)

    def _migrate_file(self, raw: bytes, data: dict, revision: int, original: int) -> None:
        backup = self.path.with_name(f"{self.path.name}.schema{original}.bak")
        if not backup.exists():
            atomic_write(backup, raw, backup=False)
        new = encode(Analysis.from_dict(data).to_dict(), revision + 1)
        atomic_write(self.path, new)
        self._set_synced(data, revision + 1, _sha(new))
        msg = (
            f"{self.path.name} was migrated from schema {original} to {SCHEMA_VERSION}; "
            f"the original is kept as {backup.name}."
        )
        self.messages.append(msg)
        log.info(msg)

    # ------------------------------------------------------------ changing
    def on_change(self, callback: Callable[[AnalysisStore], None]) -> None:
        """Call ``callback(store)`` after every change and save (forms refresh their checks)."""
        self._listeners.append(callback)

    def remove_listener(self, callback: Callable[[AnalysisStore], None]) -> None:
        with contextlib.suppress(ValueError):
            self._listeners.remove(callback)

    def _notify(self) -> None:
        for cb in list(self._listeners):
            try:
                cb(self)
            except Exception:  # a broken view must not stop saving
                log.exception("analysis change listener failed")

    def update(
        self,
        change: Callable[[Analysis], Any] | dict[str, Any],
        *,
        debounce: bool = False,
    ) -> Analysis:
        """Apply ``change(analysis)`` or {"dotted.path": value} and save (now, or debounced)."""
        with self._lock:
            before = {item.id: item.status for item in self.analysis.action_items}
            if callable(change):
                change(self.analysis)
            else:
                for dotted, value in change.items():
                    _set_path(self.analysis, dotted, value)
            stamp_done_dates(self.analysis, dt.date.today(), before)
            self._dirty = True
        self._notify()
        if debounce and self.debounce_s > 0:
            self._schedule()
        else:
            self.flush()
        return self.analysis

    @property
    def dirty(self) -> bool:
        return self._dirty

    def discard(self) -> None:
        """Forget unsaved edits without touching the file (they stay in memory only)."""
        with self._lock:
            self._cancel_timer()
            self._dirty = False

    def _schedule(self) -> None:
        with self._lock:
            self._cancel_timer()
            self._timer = threading.Timer(self.debounce_s, self._flush_quietly)
            self._timer.daemon = True
            self._timer.start()

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _flush_quietly(self) -> None:
        try:
            self.flush()
        except Exception as exc:  # timer thread / atexit: keep it for the UI
            self.last_error = exc
            log.error("%s", exc)
            self._notify()

    def flush(self, *, force: bool = False) -> bool:
        """Write pending changes now. Returns True when the file was written.

        ``force=True`` writes this session's version over a conflicting one (the other
        version stays in analysis.json.bak).
        """
        with self._lock:
            self._cancel_timer()
            if not self._dirty:
                return False
            ours = self.analysis.to_dict()
            with FileLock(str(self.lock_path), timeout=30):
                disk = self._read_raw()
                merged, rev = ours, self.revision
                if disk is not None and _sha(disk) != self._base_hash and not force:
                    merged, rev = self._merge_with_disk(disk, ours)
                elif disk is not None and force:
                    with contextlib.suppress(AnalysisStoreError):
                        rev = max(rev, decode(disk, self.path)[1])
                merged.setdefault("review", {})["updated_at"] = to_iso_z(
                    dt.datetime.now(dt.UTC)
                )
                raw = encode(merged, rev + 1)
                atomic_write(self.path, raw)
            if merged is ours:  # nothing from another writer: keep the objects views hold
                self.analysis.review.updated_at = merged["review"]["updated_at"]
                self._base_data = Analysis.from_dict(merged).to_dict()
                self.revision, self._base_hash = rev + 1, _sha(raw)
            else:
                self._set_synced(merged, rev + 1, _sha(raw))
            self._dirty = False
            self.last_error = None
        self._notify()
        return True

    def _merge_with_disk(self, disk: bytes, ours: dict[str, Any]) -> tuple[dict, int]:
        try:
            theirs, their_rev, _ = decode(disk, self.path)
        except (SchemaTooNewError, AnalysisShapeError):  # left as it is, for a person
            raise
        except AnalysisStoreError as exc:
            self._move_aside(exc)  # keep the unreadable file; write this session's version
            return ours, self.revision
        theirs = Analysis.from_dict(theirs).to_dict()
        base = dict(self._base_data)
        _renumber_new_actions(base, ours, theirs)
        # updated_at changes on every write: never a reason to refuse
        for d in (base, ours, theirs):
            d["review"] = {**d.get("review", {}), "updated_at": ""}
        merged, conflicts = merge3(base, ours, theirs)
        if conflicts:
            saved = self.path.with_name(f"{self.path.name}.conflict-{_utc_stamp()}")
            atomic_write(saved, encode(ours, self.revision), backup=False)
            raise ConflictError(
                f"{self.path} was changed by another writer (revision {their_rev}) since "
                f"this session loaded revision {self.revision}, and both changed: "
                f"{', '.join(conflicts)}. Nothing was overwritten; this session's version "
                f"is saved as {saved.name}. To take the file's version: "
                f"AnalysisStore.open({str(self.path)!r}).load(), then re-run the form cells; "
                f"to keep this session's: .flush(force=True) instead of .load()."
            )
        return merged, max(their_rev, self.revision)

    # ------------------------------------------------------------ typed helpers
    # methods defined in a sibling module (size); bound here as AnalysisStore methods
    from ._helpers import (
        add_action_item,
        add_event,
        add_factor,
        add_person,
        add_why,
        clear_milestone_override,
        edit_event,
        hide_event,
        pin_event,
        remove_action_item,
        remove_event,
        set_impact,
        set_incident_window,
        set_lessons,
        set_milestone_override,
        set_review,
        set_summary,
        unhide_event,
        unpin_event,
        update_action_item,
    )


def stamp_done_dates(analysis: Analysis, today: dt.date, before: dict[str, str]) -> None:
    """Record when an action item was done (so "done on time" can be told), and forget
    the date again if it is reopened: only for a status this change set (``before`` maps
    ids to their statuses before it). A status typed into the file by hand says nothing
    about the day it was done, so the next unrelated save must not date it."""
    for item in analysis.action_items:
        was = before.get(item.id)
        if was == item.status:
            continue
        if item.status == "done" and not item.done_at:
            item.done_at = today.isoformat()
        elif item.status != "done" and was == "done" and item.done_at:
            item.done_at = ""


def flush_all() -> list[Path]:
    """Write every open store's pending edits now (end of a notebook run, tests)."""
    written = []
    for store in list(AnalysisStore._open.values()):
        if store.flush():
            written.append(store.path)
    return written


def _set_path(obj: Any, dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    for part in parts[:-1]:
        obj = getattr(obj, part)
    if not hasattr(obj, parts[-1]):
        raise AnalysisStoreError(f"Unknown analysis field {dotted!r}.")
    setattr(obj, parts[-1], value)


def _renumber_new_actions(base: dict, ours: dict, theirs: dict) -> None:
    """Two writers that each added "A3" both keep their item: ours moves to a free id."""
    base_ids = {i.get("id") for i in base.get("action_items", [])}
    their_items = {i.get("id"): i for i in theirs.get("action_items", [])}
    used = set(base_ids) | set(their_items) | {i.get("id") for i in ours.get("action_items", [])}
    numbers = [int(x[1:]) for x in used if isinstance(x, str) and x[1:].isdigit()]
    counter = max(numbers, default=0)
    for item in ours.get("action_items", []):
        ident = item.get("id")
        if ident not in base_ids and ident in their_items and their_items[ident] != item:
            counter += 1
            item["id"] = f"A{counter}"
