"""The analyst's sections as static, sanitised HTML and Markdown for the report.

Rendered from analysis.json at export time (never from kernel outputs), so an edit
shows up in `postmortem export` without re-executing. Prose goes through Markdown +
nh3 (safehtml.markdown_to_html); every short field is escaped. People appear by role
unless the analyst chose to show the name. Keys of the returned dicts are the report's
part names: summary, timeline_notes, root_cause, impact_narrative, action_items, lessons.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from ..mdsafe import md_escape, neutralise_inline, neutralise_markdown, one_line
from ..safehtml import escape, markdown_to_html
from ..schema import MILESTONES
from .checks import Finding, check_analysis, findings_by_section
from .model import FISHBONE_CATEGORIES, Analysis

PARTS = ("summary", "timeline_notes", "root_cause", "impact_narrative", "action_items", "lessons")
EMPTY = '<p class="pm-empty">Not written yet.</p>'
_URL = re.compile(r"^https?://[^\s<>\"']+$")


def _prose(text: str) -> str:
    return markdown_to_html(text) if text and text.strip() else EMPTY


def _link_or_text(value: str) -> str:
    value = (value or "").strip()
    if _URL.match(value):
        return f'<a href="{escape(value)}" rel="noopener noreferrer">{escape(value)}</a>'
    return escape(value)


def _time(iso: str, tz: str | None) -> str:
    """'2026-03-08 13:58 UTC (14:58 CET)' for an ISO-Z string; raw text if unparseable."""
    if not iso:
        return ""
    try:
        ts = dt.datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso
    out = ts.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    if tz and tz.upper() != "UTC":
        try:
            from zoneinfo import ZoneInfo

            local = ts.astimezone(ZoneInfo(tz))
        except (KeyError, ValueError):
            return out
        out += f" ({local.strftime('%Y-%m-%d %H:%M')} {local.tzname()})"
    return out


def _notes(findings: list[Finding]) -> str:
    if not findings:
        return ""
    items = "".join(
        f'<li class="pm-note-{escape(f.severity)}"><span class="pm-note-field">'
        f"{escape(f.field)}</span>: {escape(f.message)}"
        + (f" <em>{escape(f.suggestion)}</em>" if f.suggestion else "")
        + "</li>"
        for f in findings
    )
    return f'<aside class="pm-review-notes"><p>Review notes</p><ul>{items}</ul></aside>'


def _wrap(part: str, body: str) -> str:
    return f'<div class="pm-analysis pm-analysis-{part}">{body}</div>'


def milestones_table(analysis: Analysis, facts: dict[str, Any] | None, tz: str | None) -> str:
    """Derived milestones (facts.json) with the analyst's overrides applied and marked."""
    derived = (facts or {}).get("milestones") or {}
    overrides = analysis.timeline.milestone_overrides
    rows = []
    for name in MILESTONES:
        fact = derived.get(name) or {}
        ov = overrides.get(name)
        if ov and ov.at:
            at, origin, note = ov.at, "analyst", ov.note
        elif isinstance(fact, dict) and fact.get("at"):
            at, origin, note = fact["at"], fact.get("source", "derived"), fact.get("evidence", "")
        else:
            continue
        rows.append(
            f"<tr><td>{escape(name.replace('_', ' '))}</td><td>{escape(_time(at, tz))}</td>"
            f"<td>{escape(origin)}</td><td>{escape(note)}</td></tr>"
        )
    if not rows:
        return ""
    return ('<table class="pm-milestones"><thead><tr><th>Milestone</th><th>Time</th>'
            "<th>Source</th><th>Note / evidence</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>")


def duration_text(seconds: float) -> str:
    """'5 min 47 s', '1 h 54 min', '45 s', '2 d 3 h': two units at most (rounded)."""
    total = round(abs(seconds))
    if total >= 3600:  # hours and minutes: to the nearest minute
        total = round(total / 60) * 60
    d, rem = divmod(total, 86400)
    h, rem = divmod(rem, 3600)
    m, sec = divmod(rem, 60)
    units = [(d, "d"), (h, "h"), (m, "min"), (sec, "s")]
    first = next((i for i, (v, _) in enumerate(units) if v), 3)
    parts = [f"{v} {u}" for v, u in units[first : first + 2] if v]
    return " ".join(parts) or "0 s"


_DURATION_WORDS = (
    ("time_to_detect", "Detected", "after impact start"),
    ("time_to_acknowledge", "acknowledged", "after detection"),
    ("time_to_mitigate", "mitigated", "after impact start"),
    ("time_to_resolve", "resolved", "after impact start"),
)


def durations_sentence(facts: dict[str, Any] | None) -> str:
    """'Detected 5 min 47 s after impact start; acknowledged 6 min 4 s after detection; ...'

    From facts.json ``durations_s``; unknown durations are left out, a negative one (an
    ordering problem, listed in the warnings) is named as such.
    """
    durs = (facts or {}).get("durations_s") or {}
    bits = []
    for key, verb, since in _DURATION_WORDS:
        value = durs.get(key)
        if not isinstance(value, int | float):
            continue
        if value < 0:
            bits.append(f"{verb} {duration_text(value)} before it ({since[6:]}: see warnings)")
        else:
            bits.append(f"{verb} {duration_text(value)} {since}")
    if not bits:
        return ""
    text = "; ".join(bits)
    return text[0].upper() + text[1:] + "."


def _summary(a: Analysis, facts: dict[str, Any] | None, tz: str | None) -> str:
    s = a.summary
    incident = (facts or {}).get("incident") or {}
    severity = s.severity or incident.get("severity") or ""
    services = s.services or incident.get("services") or []
    people = ", ".join(escape(label) for label in a.people_labels()) or "—"
    title = s.title or incident.get("title") or ""
    dl = (
        '<dl class="pm-facts">'
        + (f"<dt>Title</dt><dd>{escape(title)}</dd>" if title else "")
        + f"<dt>Severity</dt><dd>{escape(severity) or '—'}</dd>"
        + f"<dt>Services</dt><dd>{escape(', '.join(map(str, services))) or '—'}</dd>"
        + f"<dt>People involved</dt><dd>{people}</dd></dl>"
    )
    sentence = durations_sentence(facts)
    durations = f'<p class="pm-durations">{escape(sentence)}</p>' if sentence else ""
    return (
        dl + milestones_table(a, facts, tz) + durations
        + "<h3>What happened</h3>" + _prose(s.what_happened)
        + "<h3>Customer-facing description</h3>" + _prose(s.customer_description)
    )


def _timeline_notes(a: Analysis, facts: dict[str, Any] | None, tz: str | None) -> str:
    t = a.timeline
    parts = []
    if t.added_events:
        rows = []
        for ev in sorted(t.added_events, key=lambda e: e.timestamp):
            ref = " ".join(x for x in (ev.evidence.source, ev.evidence.ref) if x)
            evidence = escape(ref)
            if ev.evidence.text:
                evidence += f"<br><code>{escape(ev.evidence.text[:500])}</code>"
            mark = '<span class="pm-pinned">pinned</span>' if ev.pinned else "added"
            rows.append(
                f"<tr><td>{escape(_time(ev.timestamp, tz))}</td><td>{escape(ev.description)}</td>"
                f"<td>{escape(ev.service)}</td><td>{mark}</td><td>{evidence}</td></tr>"
            )
        parts.append(
            '<table class="pm-timeline-notes"><thead><tr><th>Time</th><th>Event</th>'
            "<th>Service</th><th>Origin</th><th>Evidence</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>"
        )
    if t.incident_window and (t.incident_window.start or t.incident_window.end):
        parts.append(
            f"<p>Incident window set by the analyst: {escape(_time(t.incident_window.start, tz))}"
            f" to {escape(_time(t.incident_window.end, tz))}.</p>"
        )
    # only the ids that hid something (facts.json lists those that matched no event)
    gone = set((facts or {}).get("hidden_events_not_found") or ())
    hidden = [h for h in t.hidden_events if h not in gone]
    if hidden:
        parts.append(f"<p>{len(hidden)} derived event(s) hidden by the analyst.</p>")
    return "".join(parts) or '<p class="pm-empty">No analyst-added or pinned events.</p>'


def _root_cause(a: Analysis) -> str:
    whys = [w for w in a.five_whys if w.why.strip() or w.because.strip()]
    if whys:
        items = []
        for w in whys:
            ev = (f' <span class="pm-evidence">Evidence: {_link_or_text(w.evidence)}</span>'
                  if w.evidence.strip() else "")
            items.append(f"<li><strong>Why?</strong> {escape(w.why)}<br>"
                         f"<strong>Because</strong> {escape(w.because) or '…'}{ev}</li>")
        whys_html = '<ol class="pm-five-whys">' + "".join(items) + "</ol>"
    else:
        whys_html = EMPTY
    factors = [f for f in a.fishbone.factors if f.text.strip()]
    if factors:
        cats = list(FISHBONE_CATEGORIES) + sorted(
            {f.category for f in factors} - set(FISHBONE_CATEGORIES))
        groups = []
        for cat in cats:
            items = [f for f in factors if f.category == cat]
            if items:
                lis = "".join(
                    f"<li>{escape(f.text)}"
                    + (f' <span class="pm-evidence">({_link_or_text(f.evidence)})</span>'
                       if f.evidence.strip() else "") + "</li>"
                    for f in items)
                groups.append(f"<li><strong>{escape(cat.title())}</strong><ul>{lis}</ul></li>")
        factors_html = '<ul class="pm-factors">' + "".join(groups) + "</ul>"
    else:
        factors_html = EMPTY
    effect = (f"<p>Effect: {escape(a.fishbone.effect)}</p>" if a.fishbone.effect.strip() else "")
    return ("<h3>5 Whys</h3>" + whys_html + "<h3>Contributing factors</h3>" + effect
            + factors_html)


def _impact(a: Analysis) -> str:
    return (_prose(a.impact.narrative) + "<h3>Reputation</h3>" + _prose(a.impact.reputation))


def _actions(a: Analysis) -> str:
    if not a.action_items:
        return '<p class="pm-empty">No action items yet.</p>'
    head = ("ID", "Action", "Owner", "Due", "Success criterion", "Priority", "Status", "Type",
            "Link")
    rows = []
    for item in a.action_items:
        cells = (escape(item.id), escape(item.description), escape(item.owner), escape(item.due),
                 escape(item.success_criterion), escape(item.priority), escape(item.status),
                 escape(item.type), _link_or_text(item.link))
        status = re.sub(r"[^a-z]", "-", item.status.lower())
        rows.append(f'<tr class="pm-status-{status}">'
                    + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return ('<table class="pm-action-items"><thead><tr>'
            + "".join(f"<th>{h}</th>" for h in head) + "</tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>")


def _lessons(a: Analysis) -> str:
    return ("<h3>What went well</h3>" + _prose(a.lessons.went_well)
            + "<h3>What went wrong</h3>" + _prose(a.lessons.went_wrong)
            + "<h3>Where we got lucky</h3>" + _prose(a.lessons.got_lucky))


def render_section_html(
    part: str, analysis: Analysis, *, facts: dict[str, Any] | None = None, tz: str | None = None
) -> str:
    """One part's HTML body (without review notes); see PARTS."""
    return {
        "summary": lambda: _summary(analysis, facts, tz),
        "timeline_notes": lambda: _timeline_notes(analysis, facts, tz),
        "root_cause": lambda: _root_cause(analysis),
        "impact_narrative": lambda: _impact(analysis),
        "action_items": lambda: _actions(analysis),
        "lessons": lambda: _lessons(analysis),
    }[part]()


def render_part_html(
    part: str,
    analysis: Analysis,
    *,
    facts: dict[str, Any] | None = None,
    tz: str | None = None,
    review_notes: bool | None = None,
    today: dt.date | None = None,
) -> str:
    """One part, wrapped in its div, with review notes as in render_sections_html."""
    if review_notes is None:
        review_notes = analysis.review.status != "final"
    notes = (findings_by_section(check_analysis(analysis, today=today, facts=facts, tz=tz))
             if review_notes else {})
    return _wrap(part, render_section_html(part, analysis, facts=facts, tz=tz)
                 + _notes(notes.get(part, [])))


def render_sections_html(
    analysis: Analysis,
    *,
    facts: dict[str, Any] | None = None,
    tz: str | None = None,
    review_notes: bool | None = None,
    today: dt.date | None = None,
) -> dict[str, str]:
    """Sanitised HTML per report part. Review notes (check findings) are shown unless the
    review status is final (review_notes=None) or as forced by review_notes=True/False."""
    if review_notes is None:
        review_notes = analysis.review.status != "final"
    notes = (findings_by_section(check_analysis(analysis, today=today, facts=facts, tz=tz))
             if review_notes else {})
    return {
        part: _wrap(part, render_section_html(part, analysis, facts=facts, tz=tz)
                    + _notes(notes.get(part, [])))
        for part in PARTS
    }


# ------------------------------------------------------------------ Markdown


class _Escaped(str):
    """A table cell already escaped as data (md_escape): shown literally, not as Markdown."""


def _md_cell(value: str) -> str:
    text = one_line(str(value or ""))
    if isinstance(value, _Escaped):
        return text
    return neutralise_inline(text.replace("\\", "\\\\").replace("|", "\\|"))


def _md_evidence(ev: Any) -> str:
    """Where the evidence is, and its original text (a log line: data, shown literally)."""
    ref = " ".join(x for x in (ev.evidence.source, ev.evidence.ref) if x)
    text = one_line(ev.evidence.text[:500])
    return _Escaped(md_escape(ref) + (f": {md_escape(text)}" if text else ""))


def _md_prose(text: str) -> str:
    return neutralise_markdown(text.strip()) if text and text.strip() else "_Not written yet._"


def _md_table(head: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def render_sections_markdown(
    analysis: Analysis, *, facts: dict[str, Any] | None = None, tz: str | None = None
) -> dict[str, str]:
    """The same parts as Markdown for wikis and issue trackers (raw HTML neutralised)."""
    a = analysis
    s = a.summary
    incident = (facts or {}).get("incident") or {}
    people = ", ".join(a.people_labels()) or "—"
    services = ", ".join(s.services or incident.get("services") or [])
    summary = "\n".join([
        f"- **Severity:** {_md_cell(s.severity or incident.get('severity') or '—')}",
        f"- **Services:** {_md_cell(services) or '—'}",
        f"- **People involved:** {_md_cell(people)}",
        *([f"- **Durations:** {durations_sentence(facts)}"] if durations_sentence(facts) else []),
        "", "### What happened", "", _md_prose(s.what_happened),
        "", "### Customer-facing description", "", _md_prose(s.customer_description),
    ])
    events = [(_time(e.timestamp, tz), e.description, e.service, "pinned" if e.pinned else "added",
               _md_evidence(e))
              for e in sorted(a.timeline.added_events, key=lambda e: e.timestamp)]
    timeline = (_md_table(("Time", "Event", "Service", "Origin", "Evidence"), events)
                if events else "_No analyst-added or pinned events._")
    whys = [w for w in a.five_whys if w.why.strip() or w.because.strip()]
    root = ["### 5 Whys", ""]
    root += [f"{i}. **Why?** {_md_cell(w.why)} **Because** {_md_cell(w.because)}"
             + (f" (evidence: {_md_cell(w.evidence)})" if w.evidence.strip() else "")
             for i, w in enumerate(whys, 1)] or ["_Not written yet._"]
    root += ["", "### Contributing factors", ""]
    factors = [f for f in a.fishbone.factors if f.text.strip()]
    root += [f"- **{_md_cell(f.category.title())}:** {_md_cell(f.text)}" for f in factors] or [
        "_Not written yet._"]
    actions = (_md_table(
        ("ID", "Action", "Owner", "Due", "Success criterion", "Priority", "Status", "Type", "Link"),
        [(i.id, i.description, i.owner, i.due, i.success_criterion, i.priority, i.status, i.type,
          i.link) for i in a.action_items]) if a.action_items else "_No action items yet._")
    return {
        "summary": summary,
        "timeline_notes": timeline,
        "root_cause": "\n".join(root),
        "impact_narrative": _md_prose(a.impact.narrative) + "\n\n### Reputation\n\n"
        + _md_prose(a.impact.reputation),
        "action_items": actions,
        "lessons": "\n\n".join([
            "### What went well", _md_prose(a.lessons.went_well),
            "### What went wrong", _md_prose(a.lessons.went_wrong),
            "### Where we got lucky", _md_prose(a.lessons.got_lucky)]),
    }
