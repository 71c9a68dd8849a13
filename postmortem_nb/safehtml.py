"""The two ways text reaches HTML: data is escaped, the analyst's Markdown is sanitised.

Strings from data (log lines, alert titles, labels, file names) are always shown as
text. The analyst's Markdown is rendered, then cleaned with nh3 (Ammonia): links work,
scripts, event handlers and ``javascript:`` URLs do not. Images are never loaded (an
offline report must not fetch anything, and a remote image tells its owner who read the
report): each shows as a link "image: alt" to its address, or, for an embedded ``data:``
image, as the placeholder "[image: alt]" (``markdown_tokens``; the Markdown export,
mdsafe, does the same).

Both paths (and Plotly figure text, report/plotlyjs.py, and the Markdown export) show
control characters visibly (``visible_controls``): a bidi override or isolate from the
data would otherwise reverse the report's own text around it (timestamps, ids), and
ESC, BEL or NUL would replay terminal escapes when report.md is printed.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from typing import TYPE_CHECKING

import nh3

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

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


# embeddings and overrides (U+202A-202E), isolates (U+2066-2069), LRM/RLM, Arabic mark;
# C0 controls but tab and newline, DEL and C1 controls (ESC, BEL, NUL, CSI ...)
_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
                       "\x00-\x08\x0b-\x1f\x7f-\x9f]")
# an ANSI colour or text style (SGR: ESC [ ... m) is the look of a terminal line, not its
# content: removed whole, so "\x1b[31mERROR\x1b[0m" reads "ERROR". Any other escape
# sequence (cursor moves, erasing a line, window titles) is shown: "[U+001B][2K".
_ANSI_STYLE = re.compile("\x1b\\[[0-9;:]*m")


def visible_controls(text: str) -> str:
    """Control characters replaced by a visible ``[U+XXXX]``; ANSI colours removed.

    Tab and newline stay (a carriage return becomes a newline): they are layout, not
    instructions to a terminal or to the bidirectional algorithm.
    """
    return _CONTROLS.sub(lambda m: f"[U+{ord(m.group()):04X}]", _layout(text))


def _layout(text: str) -> str:
    """Without ANSI colours, with ``\n`` for every line ending."""
    if "\x1b" in text:
        text = _ANSI_STYLE.sub("", text)
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


# While the analyst's Markdown is parsed, each control stands in as a character of the
# Supplementary Private Use Area-B (U+100000 + its code; assigned to nothing): written as
# "[U+0007]" before parsing, the brackets could make a link of "\x07(x)" or a reference
# definition of a line. Parsed, it is shown as "[U+0007]" (``show_controls``).
_STAND_IN = 0x100000
_STAND_INS = re.compile("[\U00100000-\U00102069]")


def _hide_controls(text: str) -> str:
    return _CONTROLS.sub(lambda m: chr(_STAND_IN + ord(m.group())), _layout(text))


def show_controls(text: str) -> str:
    """Text from ``markdown_tokens`` with its controls shown as ``[U+XXXX]`` (those that
    came from an entity such as ``&#7;`` too)."""
    text = _STAND_INS.sub(lambda m: f"[U+{ord(m.group()) - _STAND_IN:04X}]", text)
    return visible_controls(text)


def escape(value: object) -> str:
    """HTML-escape any value from data, quotes included; None becomes an empty string.

    Control characters become visible text (``visible_controls``).
    """
    if value is None:
        return ""
    return html.escape(visible_controls(str(value)), quote=True)


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    from markdown_it import MarkdownIt

    # html=False: raw HTML in the analyst's text is shown as text, never passed through.
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def link_allowed(url: str) -> bool:
    """Whether a link may point at ``url``: a scheme of ALLOWED_SCHEMES, or none (a path,
    ``?query`` or ``#anchor``). A colon before the first ``/?#`` that names no allowed
    scheme (``java%09script:``) is refused, not taken for a path."""
    head = re.split(r"[/?#]", url.strip(), maxsplit=1)[0]
    return ":" not in head or head.split(":", 1)[0].lower() in ALLOWED_SCHEMES


def markdown_tokens(text: str, *, inline: bool = False) -> list[Token]:
    """The analyst's Markdown parsed (CommonMark + tables, raw HTML as text), images
    turned into links or placeholders and links with other schemes into text.

    Both exports render these tokens, so the HTML report and report.md agree on what is
    a link, an image or code. ``inline``: inline Markdown only (one "inline" token), for
    one-line places. Control characters stand in as private-use characters: text taken
    from the tokens goes through ``show_controls``.
    """
    md = _markdown()
    text = _hide_controls(text)
    tokens = md.parseInline(text) if inline else md.parse(text)
    for token in tokens:
        if token.type == "inline" and token.children:
            token.children = _disarm_inline(token.children)
    return tokens


def _disarm_inline(children: list[Token]) -> list[Token]:
    from markdown_it.token import Token

    out: list[Token] = []
    open_links: list[str | None] = []  # per open link: None if kept, else its address
    for tok in children:
        if tok.type == "image":
            src, alt = str(tok.attrGet("src") or ""), _plain(tok.children or [])
            label = f"image: {alt}" if alt else "image"
            if link_allowed(src) and not open_links:  # (links cannot nest)
                title = tok.attrGet("title")
                attrs = {"href": src, **({"title": title} if title else {})}
                out += [Token("link_open", "a", 1, attrs=attrs),
                        Token("text", "", 0, content=label), Token("link_close", "a", -1)]
            else:
                out.append(Token("text", "", 0, content=f"[{label}]"))
        elif tok.type == "link_open":
            href = str(tok.attrGet("href") or "")
            kept = link_allowed(href)
            open_links.append(None if kept else href)
            if kept:
                out.append(tok)
        elif tok.type == "link_close" and open_links:
            href = open_links.pop()
            shown = None if href is None else _markdown().normalizeLinkText(href)
            out.append(tok if shown is None else Token("text", "", 0, content=f" ({shown})"))
        else:
            out.append(tok)
    return out


def _plain(children: list[Token]) -> str:
    """An image's alt text as plain text, as a browser would show it."""
    return "".join(
        " " if t.type in ("softbreak", "hardbreak")
        else _plain(t.children or []) if t.type == "image" else t.content
        for t in children
    ).strip()


def sanitize_html(
    fragment: str,
    *,
    tags: set[str] | None = None,
    attributes: dict[str, set[str]] | None = None,
    style_properties: set[str] | None = None,
) -> str:
    """Clean an HTML fragment to an allow-list (default: the small one above).

    Links get rel=noopener and only safe URL schemes; comments are dropped; control
    characters become visible (``visible_controls``).
    """
    return nh3.clean(
        visible_controls(fragment),
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
    md = _markdown()
    return sanitize_html(show_controls(md.renderer.render(markdown_tokens(text), md.options, {})))
