"""The two ways text reaches HTML: data is escaped, the analyst's Markdown is sanitised.

Strings from data (log lines, alert titles, labels, file names) are always shown as
text. The analyst's Markdown is rendered, then cleaned with nh3 (Ammonia): links work,
scripts, event handlers and ``javascript:`` URLs do not. Both paths (and Plotly figure
text, report/plotlyjs.py) show bidirectional control characters visibly as ``[U+202E]``:
an override or isolate from the data would otherwise reverse the report's own text
around it (timestamps, ids).
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

import nh3

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
    "span",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "td": {"align"}, "th": {"align"}}
ALLOWED_SCHEMES = {"http", "https", "mailto"}


# embeddings and overrides (U+202A-202E), isolates (U+2066-2069), LRM/RLM, Arabic mark
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def visible_bidi(text: str) -> str:
    """Bidirectional control characters replaced by a visible ``[U+XXXX]``."""
    return _BIDI.sub(lambda m: f"[U+{ord(m.group()):04X}]", text)


def escape(value: object) -> str:
    """HTML-escape any value from data, quotes included; None becomes an empty string.

    Bidirectional controls become visible text (``visible_bidi``).
    """
    if value is None:
        return ""
    return html.escape(visible_bidi(str(value)), quote=True)


@lru_cache(maxsize=1)
def _markdown():
    from markdown_it import MarkdownIt

    # html=False: raw HTML in the analyst's text is shown as text, never passed through.
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def sanitize_html(
    fragment: str,
    *,
    tags: set[str] | None = None,
    attributes: dict[str, set[str]] | None = None,
    style_properties: set[str] | None = None,
) -> str:
    """Clean an HTML fragment to an allow-list (default: the small one above).

    Links get rel=noopener and only safe URL schemes; comments are dropped; bidirectional
    controls become visible (``visible_bidi``).
    """
    return nh3.clean(
        visible_bidi(fragment),
        tags=ALLOWED_TAGS if tags is None else tags,
        attributes=ALLOWED_ATTRIBUTES if attributes is None else attributes,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="noopener noreferrer",
        filter_style_properties=style_properties,
        strip_comments=True,
    )


def markdown_to_html(text: str | None) -> str:
    """Render the analyst's Markdown and sanitise the result."""
    if not text:
        return ""
    return sanitize_html(_markdown().render(text))
