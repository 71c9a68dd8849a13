"""The page furniture around the cells: header block, table of contents, footer.

Everything here is built in Python, every value escaped, so the Jinja template only
places finished fragments.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..safehtml import escape
from .plotlyjs import plotly_js_version
from .redact import Redactor

HEADER_FIELDS = (
    "incident_id",
    "title",
    "severity",
    "status",
    "start_utc",
    "start_local",
    "end_utc",
    "end_local",
    "tz",
    "authors_by_role",
    "generated_at",
)


def _r(value: Any, redactor: Redactor | None) -> str:
    text = "" if value is None else str(value)
    return escape(redactor.redact_text(text) if redactor else text)


def page_title(header: Mapping[str, Any] | None, fallback: str, redactor: Redactor | None) -> str:
    """The escaped ``<title>``: incident id and title when known."""
    header = header or {}
    parts = [str(header[k]) for k in ("incident_id", "title") if header.get(k)]
    return _r(" · ".join(parts) if parts else fallback, redactor)


def _when(utc: Any, local: Any, tz: Any, redactor: Redactor | None) -> str:
    if not utc and not local:
        return "—"
    bits = []
    if local:
        zone = f" ({_r(tz, redactor)})" if tz else ""
        bits.append(f'<span class="pm-local">{_r(local, redactor)}{zone}</span>')
    if utc:
        bits.append(f'<span class="pm-utc">{_r(utc, redactor)} UTC</span>')
    return " · ".join(bits)


def header_html(
    header: Mapping[str, Any] | None, fallback_title: str, redactor: Redactor | None = None
) -> str:
    """The header block: id, title, severity, status, dates (team zone and UTC), authors."""
    h = dict(header or {})
    title = _r(h.get("title") or fallback_title, redactor)
    rows = []
    if h.get("incident_id"):
        rows.append(("Incident", f"<code>{_r(h['incident_id'], redactor)}</code>"))
    if h.get("severity"):
        sev = _r(h["severity"], redactor)
        rows.append(("Severity", f'<span class="pm-sev pm-sev-{sev.lower()}">{sev}</span>'))
    if h.get("status"):
        rows.append(("Status", f'<span class="pm-status">{_r(h["status"], redactor)}</span>'))
    if any(h.get(k) for k in ("start_utc", "start_local", "end_utc", "end_local")):
        rows.append(
            ("Start", _when(h.get("start_utc"), h.get("start_local"), h.get("tz"), redactor))
        )
        end = _when(h.get("end_utc"), h.get("end_local"), h.get("tz"), redactor)
        if h.get("end_before_start"):
            end += f' <strong class="pm-warning">{END_BEFORE_START}</strong>'
        rows.append(("End", end))
    authors = h.get("authors_by_role") or []
    if authors:
        items = "".join(_author(a, redactor) for a in authors if isinstance(a, Mapping))
        rows.append(("People", f'<ul class="pm-authors">{items}</ul>'))
    if h.get("generated_at"):
        rows.append(("Generated", _r(h["generated_at"], redactor)))
    body = "".join(f"<dt>{label}</dt><dd>{value}</dd>" for label, value in rows)
    meta = f'<dl class="pm-meta">{body}</dl>' if body else ""
    return (
        f'<header class="pm-header"><p class="pm-kicker">'
        f"{_r(h.get('kicker') or 'Post-incident review', redactor)}</p>"
        f"<h1>{title}</h1>{meta}</header>"
    )


END_BEFORE_START = "before the start: check the source times (appendix: data and methods)"


def _author(author: Mapping[str, Any], redactor: Redactor | None) -> str:
    role = _r(author.get("role"), redactor)
    name = _r(author.get("name_or_role"), redactor)
    if name and role and name != role:
        return f"<li><span class='pm-role'>{role}</span>: {name}</li>"
    return f"<li>{name or role}</li>"


def toc_html(toc: list[tuple[str, str]]) -> str:
    """Table of contents from the h2 headings (anchor ids are ours; text escaped)."""
    if not toc:
        return ""
    items = "".join(f'<li><a href="#{escape(a)}">{escape(t)}</a></li>' for a, t in toc)
    return (
        '<nav class="pm-toc" aria-label="Contents"><p class="pm-toc-title">Contents</p>'
        f"<ol>{items}</ol></nav>"
    )


def footer_html(
    figure_count: int, generated_at: Any = None, redacted: bool = False, *, page: bool = True
) -> str:
    """Provenance of the page itself: the embedded plotly.js version, redaction, offline."""
    from .. import __version__

    bits = [f"Report produced by postmortem-nb {escape(__version__)}"]
    if generated_at:
        bits[0] += f" at {escape(generated_at)}"
    if figure_count:
        bits.append(
            f"{figure_count} figure(s) drawn with plotly.js {escape(plotly_js_version())}, "
            "embedded in this file (gzip + base64)"
        )
    if page:
        bits.append("self-contained: opening it makes no network request")
    if redacted:
        bits.append(
            "redacted: e-mail and IP addresses, tokens and API keys, customer ids and "
            "people's names are masked"
        )
    return f'<footer class="pm-footer"><p>{"; ".join(bits)}.</p></footer>'
