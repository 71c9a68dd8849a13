"""Gentle checks on the analysis: blameless language and action items that get done.

Pure functions over an Analysis, so the widgets, the report and `postmortem check`
show the same findings. The phrase tables are data: add a row to extend them (see
docs/analysis-schema.md). Findings never block anything; they are review notes.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, fields, is_dataclass
from functools import lru_cache
from typing import Any

from ..names import Names
from .model import ACTION_TYPES, DONE_AT_KEYS, PRIORITIES, STATUSES, Analysis


@dataclass(frozen=True)
class Finding:
    code: str  # stable id, e.g. "blame-human-error"
    field: str  # where: "action_items[2].owner", "lessons.went_wrong"
    message: str
    suggestion: str = ""
    severity: str = "warning"  # "error" (export fails on it), "warning" or "info"

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class Phrase:
    """One blame-oriented phrase: a regex (case-insensitive) and a systems-focused rewording."""

    code: str
    pattern: str
    suggestion: str


# Words that stand for a person (used with "failed to", "forgot to", ...); people's
# names from the analysis' people list are added at check time.
PERSON_WORDS = (
    r"he|she|they|someone|somebody|nobody|no one",
    r"(?:the|an?|our|their|his|her)\s+(?:engineer|developer|dev|operator|on-?call(?:\s+engineer)?|"
    r"admin(?:istrator)?|sre|intern|person|team\s*member|employee|staff|responder|reviewer|"
    r"new\s+hire|contractor|dba)s?",
)

BLAME_PHRASES: tuple[Phrase, ...] = (
    Phrase("blame-fault", r"\b[\w.-]+['’]s\s+(?:fault|mistake|error|oversight|screw-?up)\b"
           r"|\b(?:was|were|is|are)\s+at\s+fault\b(?![\s-]*toleran)"
           r"|(?<!human\s)(?<!operator\s)\b(?:mistake|error|fault|oversight)\s+(?:by|of)\s+"
           r"(?:the|an?|our)\s+"
           r"(?:engineer|developer|operator|on-?call|admin|intern|new\s+hire|contractor|dba|sre)",
           "Describe the conditions that allowed the failure, not whose fault it was."),
    Phrase("blame-human-error", r"\b(?:human|operator|pilot)[\s-]+(?:error|mistake)\b",
           "Name the gap in tooling or process that let a routine action cause harm "
           "(e.g. 'the deploy tool allowed a config change without validation')."),
    Phrase("blame-careless", r"\bcareless(?:ly|ness)?\b|\bsloppy\b|\bsloppiness\b"
           r"|\blazy\b(?!\s+(?:load|eval|init|import))",
           "Describe what made the mistake easy to make (missing guard rail, unclear UI)."),
    Phrase("blame-should-have-known", r"\bshould\s+have\s+(?:known|noticed|caught|realized|"
           r"realised|checked|seen)\b|\bshould'?ve\s+(?:known|noticed|caught)\b",
           "Ask what information was missing at the time and how the system could surface it."),
    Phrase("blame-negligent", r"\bnegligen(?:t|ce|tly)\b",
           "Describe the missing safeguard or unclear responsibility instead."),
    Phrase("blame-incompetent", r"\bincompeten(?:t|ce)\b|\bstupid\b|\bdumb\b|\bidiot",
           "Describe the knowledge or tooling gap and how to close it (training, docs, checks)."),
    Phrase("blame-word", r"(?<!git\s)(?<!no\s)(?<!no-)\bblam(?:e|ed|es|ing)\b(?![\s-]*free)",
           "Post-mortems are blameless: describe contributing conditions, not culprits."),
    Phrase("blame-did-not-bother", r"\b(?:didn['’]t|did\s+not)\s+bother\b",
           "Describe why the signal was easy to miss (noise, unclear alert, missing runbook)."),
    Phrase("blame-be-more-careful", r"\bbe\s+more\s+careful\b|\bpay\s+more\s+attention\b",
           "Replace vigilance with a mechanism: a check, an automation, a guard rail."),
    Phrase("blame-dropped-the-ball", r"\bdropped\s+the\s+ball\b|\basleep\s+at\s+the\s+wheel\b",
           "Describe what made the signal easy to miss or the task easy to lose."),
)

# "<person> failed to / forgot to / neglected to ..." (not "the health check failed to respond")
PERSON_VERBS = r"(?:failed|forgot|neglected|omitted|refused)\s+to|messed\s+up|screwed\s+up|" \
    r"(?:didn['’]t|did\s+not)\s+(?:check|notice|test|follow|read)"

# Verbs whose subject can only be a person: "Bob forgot to" whoever Bob is. A capitalised
# subject not after "the" (a name), so "the scheduler forgot to release its lease" passes.
HUMAN_ONLY_VERBS = r"(?:forgot|neglected)\s+to"
_NAMED_SUBJECT = r"(?<!\bthe\s)(?<!\bThe\s)(?<!\ba\s)(?<!\bA\s)\b[A-Z][\w'’-]*"

# A role as the cause: "the intern broke prod", "the on-call engineer ignored the alert"
# (not "the on-call engineer rolled back" or "deployed the fix": neutral actions)
ROLE_CAUSE_VERBS = r"broke|caused|deleted|dropped|ignored|missed|made\s+a\s+mistake|messed\s+up|" \
    r"screwed\s+up|should\s+have|should'?ve|was\s+responsible|took\s+down|brought\s+down"

# A person's name used as a cause: "<name> caused / broke / deleted ...", "because of <name>"
CAUSE_VERBS = r"caused|broke|forgot|deleted|dropped|pushed|deployed|missed|ignored|failed|" \
    r"made\s+a\s+mistake|messed|screwed|should\s+have|didn['’]t|did\s+not|was\s+responsible"

VAGUE_VERBS: tuple[str, ...] = (  # regexes, matched as whole words in any case
    r"improv(?:e|es|ed|ing|ements?)", r"look(?:s|ed|ing)?\s+into", r"investigat(?:e|es|ed|ing|ion)",
    r"consider(?:s|ed|ing)?", r"try(?:ing)?\s+to", r"(?<![\w-])better(?![\w-])",
    r"revisit(?:s|ed|ing)?", r"explor(?:e|es|ed|ing|ation)", r"think(?:ing)?\s+about",
    r"evaluat(?:e|es|ed|ing|ion)", r"be\s+(?:more\s+)?careful", "as needed", "where possible",
    "if possible", "etc", "and so on", "more robust", r"optimi[sz](?:e|es|ed|ing|ation)",
    r"follow(?:ing)?[\s-]+up", r"make\s+sure", r"ensure\s+(?:this|it|that)\b.*\bagain",
    r"(?:never|not|\w*n['’]t)\s+happens?\s+again", r"fix\s+(?:it|this|that)", "TBD", "TBC",
)

# Owners that name nobody: the item has no one to drive it.
PLACEHOLDER_OWNERS = frozenset({
    "tbd", "tbc", "tba", "someone", "somebody", "anyone", "everyone", "everybody", "all",
    "team", "the team", "we", "us", "?", "??", "-", "--", "n/a", "na", "none", "nobody",
    "unknown", "unassigned", "todo", "x",
})

# Observable done-states that make a success criterion measurable even without a number.
DONE_STATES: tuple[str, ...] = (
    "merged", "deployed", "released", "shipped", "enabled", "disabled", "published",
    "documented", "pages", "paged", "alerts", "fires", "fired", "passes", "passing",
    "rolled out", "in place", "exists", "added to", "removed", "blocks", "rejects",
    "fails the build", "automated", "signed off", "approved", "archived",
    "closed", "migrated", "configured", "scheduled", "tested", "verified", "in production",
)



@lru_cache(maxsize=8)
def _compile_phrases(phrases: tuple[Phrase, ...]) -> tuple[tuple[Phrase, re.Pattern], ...]:
    return tuple((p, re.compile(p.pattern, re.IGNORECASE)) for p in phrases)


@lru_cache(maxsize=8)
def _word_list(words: tuple[str, ...], escape_words: bool) -> re.Pattern:
    alts = "|".join(re.escape(x) if escape_words else x for x in words)
    return re.compile(r"\b(?:" + alts + r")\b", re.IGNORECASE)


_REFERENCE = re.compile(r"https?://\S+|\b[A-Z][A-Z0-9]+-\d+\b|#\d+\b")


def _measurable(text: str) -> bool:
    """A number, threshold or date, or an observable done-state word. A ticket or link alone
    ("see JIRA-123") says where the work is tracked, not how to tell it is done."""
    text = _REFERENCE.sub(" ", text)
    return bool(re.search(r"\d", text)) or bool(_word_list(DONE_STATES, True).search(text))


def register_phrase(code: str, pattern: str, suggestion: str) -> Phrase:
    """Add a blame-oriented phrase to the table (e.g. a team's own vocabulary)."""
    global BLAME_PHRASES
    re.compile(pattern)  # fail early on a bad pattern
    phrase = Phrase(code, pattern, suggestion)
    BLAME_PHRASES = (*[p for p in BLAME_PHRASES if p.code != code], phrase)
    return phrase


# A chain that ends at a person (a role as the subject, "a human", "mistake"); not a role
# word used as an adjective ("the on-call rotation has no secondary") or "human-readable".
_PERSONS_AT_END = re.compile(
    r"\b(?:" + "|".join(PERSON_WORDS) + r")\b(?![\s-]+(?:rotation|schedule|runbook|handbook|"
    r"tool(?:ing|s)?|process|policy|pager|page|alert|dashboard|docs?|guide|handover|"
    r"channel|queue|shift|training|onboarding)\b)"
    r"|\b(?:a|the)\s+human\b|\bhuman[\s-]+(?:error|mistake)|\bmistake\b",
    re.IGNORECASE,
)


_QUOTED = re.compile(r"```.*?```|`[^`\n]*`|\"[^\"\n]*\"|“[^”\n]*”", re.DOTALL)


def _names(names: Sequence[str | Sequence[str]]) -> Names:
    """One matcher per people list: check_analysis asks for it once per free-text field."""
    return _matcher(tuple(n if isinstance(n, str) else tuple(n) for n in names))


@lru_cache(maxsize=8)
def _matcher(names: tuple[str | tuple[str, ...], ...]) -> Names:
    return Names(names)


def _unquoted(text: str) -> str:
    """Quoted log text and code spans blanked out: they are evidence, not the writer's words."""
    return _QUOTED.sub(lambda m: " " * len(m.group(0)), text)


def blame_findings(
    text: str, field: str, names: Sequence[str | Sequence[str]] = ()
) -> list[Finding]:
    """Blame-oriented phrases in one free-text field (quotes and code spans are skipped).

    ``names``: the people list, one item per person: a name, or their name and aliases
    (``Analysis.person_name_groups``), so "dana.w broke prod" is a named cause as well.
    """
    if not text or not text.strip():
        return []
    text = _unquoted(text)
    found: list[Finding] = []
    for phrase, rx in _compile_phrases(BLAME_PHRASES):
        m = rx.search(text)
        if m:
            found.append(Finding(
                phrase.code, field, f"Blame-oriented wording: \u201c{m.group(0)}\u201d.",
                phrase.suggestion,
            ))
    who = _names(names)
    named = f"(?:{who.pattern.pattern})" if who.pattern else None
    person = "|".join(PERSON_WORDS)
    m = re.search(rf"\b(?:{person})\s+(?:{PERSON_VERBS})\b", text, re.IGNORECASE)
    m = m or (named and re.search(rf"{named}\s+(?i:{PERSON_VERBS})\b", text))
    # only people forget or neglect: "Bob forgot to" whoever Bob is (not in the people list)
    m = m or re.search(rf"{_NAMED_SUBJECT}\s+(?i:{HUMAN_ONLY_VERBS})\b", text)
    if m:
        found.append(Finding(
            "blame-person-failed", field,
            f"A person is the subject of a failure: \u201c{m.group(0)}\u201d.",
            "Make the system the subject: what did the process or tooling not catch?",
        ))
    role = re.search(rf"\b(?:{PERSON_WORDS[1]})\s+(?:{ROLE_CAUSE_VERBS})\b", text, re.IGNORECASE)
    if role and not m:
        found.append(Finding(
            "blame-role-cause", field,
            f"A person in a role is named as the cause: \u201c{role.group(0)}\u201d.",
            "Describe what the system allowed: which guard rail, review or signal was missing?",
        ))
    if named:
        cause = re.search(
            rf"{named}(?:['’]s\s+(?i:mistake|error|change|fault))?\s+(?i:{CAUSE_VERBS})\b"
            rf"|\b(?i:because\s+of|due\s+to|caused\s+by|blame\s+on)\s+{named}",
            text,
        )
        if cause:
            found.append(Finding(
                "blame-named-cause", field,
                f"An individual is named as the cause: \u201c{cause.group(0)}\u201d.",
                "Refer to the role and the conditions (e.g. 'a manual change through the "
                "console, which has no review step'), not the person.",
            ))
        elif who.search(text):
            found.append(Finding(
                "people-named", field,
                "A person is named; the report shows people by role.",
                "Use the role (e.g. 'the on-call engineer') unless naming is needed and agreed.",
                severity="info",
            ))
    return found


def free_text_fields(analysis: Analysis) -> Iterator[tuple[str, str]]:
    """Every analyst-written prose field as (field path, text)."""
    s = analysis.summary
    yield "summary.title", s.title
    yield "summary.what_happened", s.what_happened
    yield "summary.customer_description", s.customer_description
    for i, ev in enumerate(analysis.timeline.added_events):
        yield f"timeline.added_events[{i}].description", ev.description
    for name, ov in analysis.timeline.milestone_overrides.items():
        yield f"timeline.milestone_overrides.{name}.note", ov.note
    for i, w in enumerate(analysis.five_whys):
        yield f"five_whys[{i}].why", w.why
        yield f"five_whys[{i}].because", w.because
    yield "fishbone.effect", analysis.fishbone.effect
    for i, f in enumerate(analysis.fishbone.factors):
        yield f"fishbone.factors[{i}].text", f.text
    yield "impact.narrative", analysis.impact.narrative
    yield "impact.reputation", analysis.impact.reputation
    for i, a in enumerate(analysis.action_items):
        yield f"action_items[{i}].description", a.description
        yield f"action_items[{i}].success_criterion", a.success_criterion
    for name in ("went_well", "went_wrong", "got_lucky"):
        yield f"lessons.{name}", getattr(analysis.lessons, name)


def _norm(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def action_item_findings(analysis: Analysis, *, today: dt.date | None = None) -> list[Finding]:
    """Owner, due date, measurable criterion, vague verbs, duplicates, valid choices."""
    today = today or dt.datetime.now(dt.UTC).date()
    out: list[Finding] = []
    seen: list[tuple[int, str]] = []
    ids: set[str] = set()
    for i, item in enumerate(analysis.action_items):
        at = f"action_items[{i}]"
        label = item.id or f"#{i + 1}"
        closed = item.status in ("done", "wont do")
        if not item.id.strip() or item.id in ids:
            out.append(Finding("action-id", f"{at}.id",
                               f"Action item #{i + 1} has "
                               + (f"the same id as an earlier one ({item.id})." if item.id
                                  else "no id."),
                               "Give every action item its own id (A1, A2, ...); the forms "
                               "renumber it when the file is opened."))
        ids.add(item.id)
        if not item.description.strip():
            out.append(Finding("action-no-description", f"{at}.description",
                               f"Action item {label} says nothing about what to do.",
                               "Write the change to make, e.g. 'Add a canary stage to deploys'."))
        if not item.owner.strip():
            out.append(Finding("action-no-owner", f"{at}.owner",
                               f"Action item {label} has no owner.",
                               "Name one owning team or role who will drive it."))
        elif item.owner.strip().casefold() in PLACEHOLDER_OWNERS:
            out.append(Finding("action-no-owner", f"{at}.owner",
                               f"Action item {label}: the owner \u201c{item.owner.strip()}\u201d "
                               "names nobody in particular.",
                               "Name one owning team or role who will drive it."))
        if not item.due.strip():
            out.append(Finding("action-no-due", f"{at}.due",
                               f"Action item {label} has no due date.",
                               "Set a realistic due date."))
        else:
            try:
                due = dt.date.fromisoformat(item.due.strip())
            except ValueError:
                out.append(Finding("action-bad-due", f"{at}.due",
                                   f"Action item {label}: due date {item.due!r} is not YYYY-MM-DD.",
                                   "Use a date such as 2026-04-30."))
            else:
                if due < today and not closed:
                    out.append(Finding("action-overdue", f"{at}.due",
                                       f"Action item {label} was due {item.due} and is "
                                       f"still {item.status or 'open'}.",
                                       "Finish it, move the date, or mark it 'wont do' with why."))
        if item.status == "done" and not _done_date(item):
            found = f" (found {item.done_at!r})" if item.done_at.strip() else ""
            out.append(Finding("action-done-no-date", f"{at}.done_at",
                               f"Action item {label} is done but has no completion date"
                               f"{found}: insights counts it as done (no date), neither on "
                               "time nor late.",
                               'Add "done_at": "YYYY-MM-DD" (the day it was done) to the item '
                               "in analysis.json; the forms set it when they mark an item done.",
                               "info"))
        if not item.success_criterion.strip():
            out.append(Finding("action-no-criterion", f"{at}.success_criterion",
                               f"Action item {label} has no success criterion.",
                               "Say how we will know it is done, e.g. 'alert X pages within "
                               "5 minutes' or 'runbook Y merged'."))
        elif not _measurable(item.success_criterion):
            out.append(Finding("action-not-measurable", f"{at}.success_criterion",
                               f"Action item {label}: the success criterion is not measurable.",
                               "Name a number, threshold, date or observable done state "
                               "(merged, deployed, pages within 5 minutes)."))
        m = _word_list(VAGUE_VERBS, False).search(item.description)
        if m:
            out.append(Finding("action-vague", f"{at}.description",
                               f"Action item {label} uses a vague verb: \u201c{m.group(0)}\u201d.",
                               "State the concrete change (what, where) so it can be done "
                               "and verified."))
        for field_name, value, choices in (("priority", item.priority, PRIORITIES),
                                           ("status", item.status, STATUSES),
                                           ("type", item.type, ACTION_TYPES)):
            if value not in choices:
                out.append(Finding("action-bad-choice", f"{at}.{field_name}",
                                   f"Action item {label}: {field_name} {value!r} is not one of "
                                   f"{', '.join(choices)}.", f"Pick one of {', '.join(choices)}."))
        norm = _norm(item.description)
        if norm:
            for j, other in seen:
                if other == norm or difflib.SequenceMatcher(None, other, norm).ratio() >= 0.9:
                    out.append(Finding("action-duplicate", f"{at}.description",
                                       f"Action item {label} duplicates action item "
                                       f"{analysis.action_items[j].id or j + 1}.",
                                       "Merge the two items or make the difference explicit."))
                    break
            seen.append((i, norm))
    return out


def _done_date(item: object) -> bool:
    """True when the item says, as a date, when it was done (done_at or an older key)."""
    values = [getattr(item, "done_at", "")]
    values += [getattr(item, "extra", {}).get(k) for k in DONE_AT_KEYS]
    for value in values:
        try:
            dt.date.fromisoformat(str(value or "").strip()[:10])
        except ValueError:
            continue
        return True
    return False


def five_whys_findings(analysis: Analysis) -> list[Finding]:
    whys = [w for w in analysis.five_whys if w.why.strip() or w.because.strip()]
    if not whys:
        return []
    out: list[Finding] = []
    # the last row that says something ("Add why" leaves an empty one at the end)
    last_index = max(i for i, w in enumerate(analysis.five_whys)
                     if w.why.strip() or w.because.strip())
    last = analysis.five_whys[last_index]
    end = _unquoted(last.because or last.why)
    names = analysis.person_name_groups()
    named = _names(names).search(end)
    if _PERSONS_AT_END.search(end) or named or blame_findings(end, "", names):
        out.append(Finding(
            "whys-end-at-person", f"five_whys[{last_index}].because",
            "The 5 Whys chain ends at a person rather than a system condition.",
            "Ask one more why: what about the system, process or tooling allowed it?",
        ))
    for i, w in enumerate(analysis.five_whys):
        if w.why.strip() and not w.because.strip():
            out.append(Finding("whys-unanswered", f"five_whys[{i}].because",
                               f"Why #{i + 1} has no answer yet.", "Add the 'because'."))
    return out


EMPTY_SECTIONS: tuple[tuple[str, str], ...] = (
    ("summary.what_happened", "The summary does not say what happened."),
    ("five_whys", "The 5 Whys chain is empty."),
    ("fishbone.factors", "No contributing factors are listed for the fishbone."),
    ("impact.narrative", "The impact narrative is empty."),
    ("action_items", "There are no action items."),
    ("lessons", "No lessons learned are written."),
)


def _is_empty(analysis: Analysis, field: str) -> bool:
    if field == "five_whys":
        return not any(w.why.strip() or w.because.strip() for w in analysis.five_whys)
    if field == "fishbone.factors":
        return not any(f.text.strip() for f in analysis.fishbone.factors)
    if field == "action_items":
        return not analysis.action_items
    if field == "lessons":
        lessons = analysis.lessons
        return not (lessons.went_well + lessons.went_wrong + lessons.got_lucky).strip()
    obj = analysis
    for part in field.split("."):
        obj = getattr(obj, part)
    return not str(obj).strip()


def empty_section_findings(analysis: Analysis) -> list[Finding]:
    return [Finding("section-empty", field, message, "Fill it in before review.", "info")
            for field, message in EMPTY_SECTIONS if _is_empty(analysis, field)]


def _unknown_keys(obj: object, path: str) -> Iterator[tuple[str, str, list[str]]]:
    """(path, key, the object's known fields) for every key kept in an ``extra``."""
    if isinstance(obj, list):
        for i, item in enumerate(obj):
            yield from _unknown_keys(item, f"{path}[{i}]")
        return
    if isinstance(obj, dict):
        for key, item in obj.items():
            yield from _unknown_keys(item, f"{path}.{key}")
        return
    if not is_dataclass(obj):
        return
    known = [f.name for f in fields(obj) if f.name != "extra"]
    for key in getattr(obj, "extra", {}):
        yield path, str(key), known
    for name in known:
        yield from _unknown_keys(getattr(obj, name), f"{path}.{name}".lstrip("."))


def unknown_key_findings(analysis: Analysis) -> list[Finding]:
    """Keys this version does not know (a typo such as "summry"): kept in the file, but
    neither shown in the report nor checked, so the writer should know."""
    out = []
    for path, key, known in _unknown_keys(analysis, ""):
        where = f"{path}.{key}".lstrip(".")
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
        out.append(Finding(
            "unknown-key", where,
            f"\u201c{key}\u201d is not a field of {path or 'analysis.json'}: its content is kept "
            "but not shown in the report or checked.",
            f"Did you mean \u201c{close[0]}\u201d?" if close else
            f"Move it into one of: {', '.join(known)} (docs/analysis-schema.md).",
        ))
    return out


def story_times(analysis: Analysis) -> Iterator[tuple[str, str]]:
    """(field, value) of every time the notebook reads from analysis.json."""
    t = analysis.timeline
    for name, ov in t.milestone_overrides.items():
        yield f"timeline.milestone_overrides.{name}.at", ov.at
    if t.incident_window is not None:
        yield "timeline.incident_window.start", t.incident_window.start
        yield "timeline.incident_window.end", t.incident_window.end
    for i, ev in enumerate(t.added_events):
        yield f"timeline.added_events[{i}].timestamp", ev.timestamp


def _plain_iso(text: str, tz: str) -> bool:
    """An ISO time with its zone (or read in UTC): readable without pandas (a fast check)."""
    try:
        ts = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return False
    return ts.tzinfo is not None or tz.upper() == "UTC"


def time_findings(analysis: Analysis, tz: str = "UTC") -> list[Finding]:
    """Times typed into analysis.json by hand that the notebook cannot read ("17:80", a
    word): the draft and every export that re-executes would fail on them, so they are
    errors. Naive times are read in ``tz`` (the team's zone) as the notebook reads them."""
    from ..errors import ParameterError

    out = []
    for field, value in story_times(analysis):
        if not str(value or "").strip():
            if not field.startswith("timeline.added_events"):
                continue  # an empty override or window end is none
            problem = f"{field} is empty: an added event needs a time"
        elif _plain_iso(str(value), tz):
            continue
        else:
            from ..timeutil import to_utc  # pandas: only for a time that is not plain ISO

            try:
                to_utc(value, tz, what=field)  # what the notebook does with it
                continue
            except ParameterError as exc:
                problem = str(exc).rstrip(".")
        out.append(Finding(
            "time-unreadable", field, f"{problem}. The notebook cannot be executed with it.",
            "Write a time such as 2026-03-10T17:20:00Z (UTC) or 2026-03-10 18:20 (the team's "
            "zone), or set it again in the notebook's timeline form.", "error"))
    return out


def raise_for_unreadable_times(analysis: Analysis, path: object, tz: str = "UTC") -> None:
    """Stop a draft or export on a time in analysis.json it cannot read, naming the file
    and the field, before a kernel runs (not with a traceback from inside the story)."""
    from ..errors import ParameterError

    bad = time_findings(analysis, tz)
    if bad:
        raise ParameterError(f"{path}: " + " ".join(f.message for f in bad) + " "
                             + bad[0].suggestion)


def hidden_event_findings(analysis: Analysis, facts: Mapping[str, Any] | None) -> list[Finding]:
    """Hidden ids that matched no event when facts.json was computed: the event the analyst
    hid is shown again (its time moved, so its id changed, or it is gone)."""
    gone = set((facts or {}).get("hidden_events_not_found") or ())
    return [Finding(
        "hidden-event-not-found", f"timeline.hidden_events[{i}]",
        f"The hidden event {ident} matches no event of the last draft: the data changed "
        "since it was hidden, so the event it meant may be shown again under a new id.",
        "Hide that event again in the notebook's timeline form (Hide derived events), then "
        f"remove the old id from timeline.hidden_events (store.unhide_event({ident!r})).")
        for i, ident in enumerate(analysis.timeline.hidden_events) if ident in gone]


def check_analysis(
    analysis: Analysis,
    *,
    today: dt.date | None = None,
    facts: Mapping[str, Any] | None = None,
    tz: str | None = None,
) -> list[Finding]:
    """All findings, in report order of the fields they refer to. With the workspace's
    ``facts`` (facts.json) hidden ids that matched no event are found too; naive times are
    read in ``tz``, else in the facts' zone, else UTC."""
    names = analysis.person_name_groups()
    tz = tz or (facts or {}).get("timezone") or "UTC"
    findings: list[Finding] = unknown_key_findings(analysis) + time_findings(analysis, tz)
    findings.extend(hidden_event_findings(analysis, facts))
    for field, text in free_text_fields(analysis):
        findings.extend(blame_findings(text, field, names))
    findings.extend(five_whys_findings(analysis))
    findings.extend(action_item_findings(analysis, today=today))
    findings.extend(empty_section_findings(analysis))
    return findings


SECTION_PREFIXES = {
    "summary": ("summary.",),
    "timeline_notes": ("timeline.",),
    "root_cause": ("five_whys", "fishbone"),
    "impact_narrative": ("impact.",),
    "action_items": ("action_items",),
    "lessons": ("lessons",),
}


def findings_by_section(findings: list[Finding]) -> dict[str, list[Finding]]:
    """Group findings under the report part (render's keys) their field belongs to."""
    out: dict[str, list[Finding]] = {k: [] for k in SECTION_PREFIXES}
    for f in findings:
        for section, prefixes in SECTION_PREFIXES.items():
            if f.field.startswith(prefixes):
                out[section].append(f)
                break
    return out
