"""The analyst's content as plain dataclasses, with a stable JSON form and schema migration.

analysis.json is the source of truth for everything a person writes. The JSON keeps a
fixed key order (the field order below) so diffs stay readable, and every object keeps
keys it does not know in ``extra`` so that nothing a user (or a newer tool) wrote is lost.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import types
import typing
from dataclasses import dataclass, field, fields
from typing import Any, Union, get_args, get_origin, get_type_hints

from ..errors import AnalysisStoreError, TimestampError

SCHEMA_VERSION = 1

FISHBONE_CATEGORIES = ("people", "process", "tooling", "technology", "environment", "external")
PRIORITIES = ("P1", "P2", "P3", "P4")
PRIORITY_WORDS = {"critical": "P1", "urgent": "P1", "high": "P2", "medium": "P3", "low": "P4"}
STATUSES = ("open", "in progress", "done", "wont do")
ACTION_TYPES = ("prevent", "mitigate", "detect", "process")
# older spellings of done_at, kept as extra keys; insights reads the completion date from them
DONE_AT_KEYS = ("completed_at", "closed_at")
REVIEW_STATUSES = ("draft", "in review", "final")
ROLES_HINT = ("incident commander", "on-call", "responder", "communications", "author", "reviewer")


def to_iso_z(value: Any, *, tz: str | None = None) -> str:
    """Any time value as ISO 8601 UTC ending in Z (seconds precision); "" stays "".

    Naive input is read in ``tz`` when given; without a zone it is an error, never a guess.
    """
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        text = value.strip()
        try:
            ts = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError as exc:
            raise TimestampError(
                f"Expected an ISO 8601 time such as 2026-03-08T13:58:00Z, found {value!r}."
            ) from exc
    elif isinstance(value, dt.datetime):
        ts = value
    elif hasattr(value, "to_pydatetime"):  # pandas.Timestamp
        ts = value.to_pydatetime()
    else:
        raise TimestampError(f"Expected a time, found {type(value).__name__} {value!r}.")
    if ts.tzinfo is None:
        if not tz:
            raise TimestampError(
                f"Time {value!r} has no time zone; add Z or an offset, or pass tz=."
            )
        from zoneinfo import ZoneInfo

        ts = ts.replace(tzinfo=ZoneInfo(tz))
    ts = ts.astimezone(dt.UTC)
    return ts.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def normalize_priority(value: str) -> str:
    """P1..P4 are canonical; critical/urgent/high/medium/low map onto them; others unchanged."""
    text = (value or "").strip()
    if text.upper() in PRIORITIES:
        return text.upper()
    return PRIORITY_WORDS.get(text.lower(), text)


# A field with this metadata is left out of the JSON while it is empty, so files written
# before it existed gain no noise when saved (each person would gain "aliases": []).
OMIT_EMPTY = {"omit_empty": True}


@dataclass
class Person:
    name: str = ""
    # Other names the same person appears under in the data (a handle, an e-mail local part,
    # a chat name): swapped for the role, checked and redacted like the name. Keyword-only,
    # so Person(name, role) keeps its meaning.
    aliases: list[str] = field(default_factory=list, kw_only=True, metadata=OMIT_EMPTY)
    role: str = ""
    show_name: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def label(self) -> str:
        """What the report shows: the role, and the name only when the analyst allows it."""
        if self.show_name and self.name:
            return f"{self.name} ({self.role})" if self.role else self.name
        return self.role or "participant"

    def names(self) -> list[str]:
        """The name, then each alias: stripped, blanks and repeats (in any case) left out."""
        out: list[str] = []
        for n in (self.name, *self.aliases):
            n = n.strip()
            if n and n.casefold() not in {o.casefold() for o in out}:
                out.append(n)
        return out


@dataclass
class Summary:
    title: str = ""
    what_happened: str = ""
    customer_description: str = ""
    severity: str = ""
    services: list[str] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Evidence:
    source: str = ""  # e.g. "logs.csv", "alerts", "changes.json"
    ref: str = ""  # row number, alert id, template id ...
    text: str = ""  # the original text, as data
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class TimelineEvent:
    event_id: str = ""
    timestamp: str = ""  # ISO-Z
    description: str = ""
    service: str = ""
    kind: str = "note"
    evidence: Evidence = field(default_factory=Evidence)
    pinned: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class MilestoneOverride:
    at: str = ""  # ISO-Z
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Window:
    start: str = ""
    end: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Timeline:
    added_events: list[TimelineEvent] = field(default_factory=list)
    hidden_events: list[str] = field(default_factory=list)
    milestone_overrides: dict[str, MilestoneOverride] = field(default_factory=dict)
    incident_window: Window | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Why:
    why: str = ""
    because: str = ""
    evidence: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Factor:
    category: str = "process"
    text: str = ""
    evidence: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Fishbone:
    effect: str = ""
    factors: list[Factor] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Impact:
    narrative: str = ""
    reputation: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class ActionItem:
    id: str = ""
    description: str = ""
    owner: str = ""
    due: str = ""  # YYYY-MM-DD
    success_criterion: str = ""
    priority: str = "P3"
    status: str = "open"
    type: str = "prevent"
    link: str = ""
    done_at: str = ""  # YYYY-MM-DD, stamped by the store when it sets the status to done
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Lessons:
    went_well: str = ""
    went_wrong: str = ""
    got_lucky: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Review:
    status: str = "draft"
    reviewers: list[str] = field(default_factory=list)
    updated_at: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Analysis:
    """Everything the analyst writes for one incident (one analysis.json)."""

    schema: int = SCHEMA_VERSION
    summary: Summary = field(default_factory=Summary)
    timeline: Timeline = field(default_factory=Timeline)
    five_whys: list[Why] = field(default_factory=list)
    fishbone: Fishbone = field(default_factory=Fishbone)
    impact: Impact = field(default_factory=Impact)
    action_items: list[ActionItem] = field(default_factory=list)
    lessons: Lessons = field(default_factory=Lessons)
    review: Review = field(default_factory=Review)
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Analysis:
        """Build from JSON data of the current schema (see ``migrate`` for older files)."""
        if not isinstance(data, dict):
            raise AnalysisStoreError(
                f"analysis.json must hold a JSON object, found {type(data).__name__}."
            )
        problems: list[str] = []
        built = _build(cls, data, "", problems)
        if problems:
            raise AnalysisShapeError(problems)
        return built

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data in the stable key order; unknown keys come last, as they were."""
        return _dump(self)

    def is_empty(self) -> bool:
        return self.to_dict() == Analysis().to_dict()

    def person_names(self) -> list[str]:
        """Every name and alias in the people list (each person's name first)."""
        return [n for p in self.summary.people for n in p.names()]

    def person_name_groups(self) -> list[list[str]]:
        """Each listed person's names (name, then aliases): one person for the name
        matcher (postmortem_nb.names.Names), however many names they go by."""
        return [names for p in self.summary.people if (names := p.names())]

    def people_labels(self) -> list[str]:
        """The people list as the report shows it: roles (names only where allowed), each
        role once with a count, so "responder, responder" reads "responder (2)"."""
        labels: dict[str, int] = {}
        for p in self.summary.people:
            labels[p.label()] = labels.get(p.label(), 0) + 1
        return [f"{label} ({n})" if n > 1 else label for label, n in labels.items()]


# ---------------------------------------------------------------- generic (de)serialisation

_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = get_type_hints(cls)
    return _HINTS[cls]


class AnalysisShapeError(AnalysisStoreError):
    """analysis.json is valid JSON, but a field holds the wrong kind of value.

    Never reset to a default: the file is left as it is and every problem is listed, so
    text typed by hand in the wrong shape (a string where a list belongs) is not lost.
    """

    def __init__(self, problems: list[str], *, path: object = None) -> None:
        self.problems = problems
        self.path = path
        more = f"; and {len(problems) - 8} more" if len(problems) > 8 else ""
        shown = "; ".join(problems[:8]) + more
        where = f"{path}: " if path is not None else ""
        super().__init__(
            f"{where}{len(problems)} field(s) hold the wrong kind of value: {shown}. "
            "Nothing was changed; correct the file (docs/analysis-schema.md shows each field)."
        )


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, str):
        short = value if len(value) <= 40 else value[:37] + "..."
        return f"a string ({short!r})"
    return {dict: "an object", list: "a list", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__
    )


def _expected(tp: Any) -> str:
    if dataclasses.is_dataclass(tp):
        keys = [f.name for f in fields(tp) if f.name != "extra"]
        return f"an object ({', '.join(keys)})"
    origin = get_origin(tp)
    if origin is list:
        item = _expected(get_args(tp)[0])
        return "a list of strings" if item == "a string" else f"a list, each item {item}"
    if origin is dict:
        return "an object"
    return {str: "a string", bool: "true or false", int: "a whole number"}.get(tp, "a value")


def _build(cls: type, data: Any, path: str, problems: list[str]) -> Any:
    hints = _hints(cls)
    names = [f.name for f in fields(cls) if f.name != "extra"]
    kwargs = {}
    for k in names:
        if k in data:
            value = _convert(hints[k], data[k], f"{path}.{k}".lstrip("."), problems)
            if value is not _BAD:
                kwargs[k] = value
    obj = cls(**kwargs)
    obj.extra = {k: v for k, v in data.items() if k not in names}
    return obj


_BAD = object()  # a value of the wrong kind (recorded in problems)


def _convert(tp: Any, value: Any, path: str, problems: list[str]) -> Any:
    """``value`` as type ``tp``. null is the empty value; numbers are accepted as text;
    anything else of the wrong kind is recorded in ``problems`` (never silently reset)."""
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        return None if value is None else _convert(args[0], value, path, problems)
    if value is None:
        return _BAD  # the field's default (empty), as if the key were absent
    ok = True
    if dataclasses.is_dataclass(tp):
        if isinstance(value, dict):
            return _build(tp, value, path, problems)
        ok = False
    elif origin is list:
        (item,) = get_args(tp)
        if item is str and isinstance(value, str):
            value = [value] if value.strip() else []  # one service written without brackets
        if isinstance(value, list):
            out = [_convert(item, v, f"{path}[{i}]", problems) for i, v in enumerate(value)]
            return [v for v in out if v is not _BAD]
        ok = False
    elif origin is dict:
        if isinstance(value, dict):
            _, item = get_args(tp)
            out = {str(k): _convert(item, v, f"{path}.{k}", problems) for k, v in value.items()}
            return {k: v for k, v in out.items() if v is not _BAD}
        ok = False
    elif tp is str:
        if isinstance(value, str):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        ok = False
    elif tp is bool:
        if isinstance(value, bool):
            return value
        ok = False
    elif tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        ok = False
    if not ok:
        problems.append(f"{path}: expected {_expected(tp)}, found {_kind(value)}")
        return _BAD
    return value  # typing.Any


def _dump(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj):
        out: dict[str, Any] = {}
        for f in fields(obj):
            value = getattr(obj, f.name)
            if f.name != "extra" and not (f.metadata.get("omit_empty") and not value):
                out[f.name] = _dump(value)
        for k, v in getattr(obj, "extra", {}).items():
            out.setdefault(k, v)
        return out
    if isinstance(obj, list):
        return [_dump(v) for v in obj]
    if isinstance(obj, dict):
        return {k: _dump(v) for k, v in obj.items()}
    return obj


# ---------------------------------------------------------------- schema migration


def _migrate_0_to_1(data: dict[str, Any]) -> dict[str, Any]:
    """Schema 0 (pre-release drafts, no "schema" key): "actions" list, top-level
    "review_status", "five_whys" as plain strings, "lessons" as a list of strings."""
    out = dict(data)
    if "actions" in out and "action_items" not in out:
        out["action_items"] = out.pop("actions")
    if "review_status" in out:
        review = dict(out.get("review") or {})
        review.setdefault("status", out.pop("review_status"))
        out["review"] = review
    whys = out.get("five_whys")
    if isinstance(whys, list):
        out["five_whys"] = [{"why": w, "because": ""} if isinstance(w, str) else w for w in whys]
    lessons = out.get("lessons")
    if isinstance(lessons, list):
        out["lessons"] = {"went_well": "", "went_wrong": "\n".join(map(str, lessons))}
    for i, item in enumerate(out.get("action_items") or []):
        if isinstance(item, dict) and not item.get("id"):
            item["id"] = f"A{i + 1}"
    out["schema"] = 1
    return out


# from-version -> function returning data of from-version + 1
MIGRATIONS: dict[int, typing.Callable[[dict[str, Any]], dict[str, Any]]] = {0: _migrate_0_to_1}


class SchemaTooNewError(AnalysisStoreError):
    """analysis.json was written by a newer postmortem-nb; it is left untouched."""


def schema_of(data: dict[str, Any]) -> int:
    """The schema version a JSON object declares (0 when it declares none)."""
    version = data.get("schema", 0)
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise AnalysisStoreError(f'"schema" must be a whole number, found {version!r}.')
    return version


def migrate(data: dict[str, Any], path: object = "analysis.json") -> dict[str, Any]:
    """Bring JSON data of any older schema up to SCHEMA_VERSION, one step at a time."""
    version = schema_of(data)
    if version > SCHEMA_VERSION:
        raise SchemaTooNewError(
            f"{path} has schema {version}, newer than this postmortem-nb understands "
            f"({SCHEMA_VERSION}). Upgrade postmortem-nb; the file was left untouched."
        )
    while version < SCHEMA_VERSION:
        data = MIGRATIONS[version](data)
        version += 1
    return data
