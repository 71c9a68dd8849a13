"""Text on its way into Markdown (the Markdown export): data shown literally, people's
Markdown kept but disarmed.

Data (``md_escape``) becomes one line with every Markdown character escaped. The
analyst's Markdown is parsed by the same CommonMark parser as for the HTML report
(``safehtml.markdown_tokens``: raw HTML is text, images are links, links only to safe
schemes) and written back out from its tokens: only what CommonMark reads as a code span
or code block is kept as written, every other ``<`` becomes ``&lt;``. A regular
expression cannot tell a code span from a backslash-escaped or unmatched backtick, and a
link's address from its disguises (entities, upper case, a reference definition, the
next line); the parser can. Reference links come out inline, setext headings as ``#``
headings and indented code as fenced code: the same document, written more plainly.

Renderers that follow CommonMark (GitHub, GitLab, markdown-it, mistune) show the result
as the HTML report does. Controls are shown as in the HTML report (``[U+202E]``,
``safehtml.visible_controls``). Light on purpose (no nbconvert): the analyst's sections
(analysis/render.py) and the report's Markdown export (report/markdown.py) share it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .safehtml import link_allowed, markdown_tokens, show_controls, visible_controls

if TYPE_CHECKING:
    from markdown_it.token import Token

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#~])")
# "&amp;" in data or text would be read as an entity and shown as "&"
_ENTITY_LIKE = re.compile(r"&(?=#?\w+;)")
# what a link address must not carry to read back the same inside (...)
_URL_UNSAFE = {" ": "%20", "(": "%28", ")": "%29", "<": "%3C", ">": "%3E", "\\": "%5C",
               "`": "%60", '"': "%22", "\n": "%0A", "\t": "%09"}


def md_escape(text: str) -> str:
    """Text from data, shown literally in any Markdown renderer, on one line: fit for a
    heading, table cell, list item or emphasis (newlines become spaces)."""
    text = " ".join(visible_controls(str(text)).splitlines())
    text = _MD_SPECIAL.sub(r"\\\1", _ENTITY_LIKE.sub("&amp;", text))
    return text.replace("<", "&lt;").replace(">", "&gt;")


def one_line(text: str) -> str:
    """Line breaks, tabs and runs of spaces as one space; other controls are left to be
    shown (``str.split`` would take a form feed or a file separator for a space)."""
    return re.sub(r"[ \t\n\r\u2028\u2029]+", " ", text).strip()


def line_start_escape(text: str) -> str:
    """``md_escape``d text that starts a line: a leading ``-``, ``+``, ``=`` or ``1.``
    would make it a list item, heading underline or numbered item."""
    match = re.match(r"[-+=]|\d{1,9}(?=[.)])", text)
    if not match:
        return text
    if match.group().isdigit():
        end = match.end()
        return text[:end] + "\\" + text[end:]
    return "\\" + text


def neutralise_markdown(text: str) -> str:
    """Markdown written by people: kept as Markdown, with raw HTML shown as text, images
    as links, links only to http(s)/mailto (others as text), code as written."""
    return _Writer().blocks(markdown_tokens(text or ""))


def neutralise_inline(text: str) -> str:
    """The same for a one-line place (a table cell, after a list marker): inline Markdown
    only (``# x`` or ``- x`` stay text), newlines become spaces."""
    tokens = markdown_tokens(one_line(text or ""), inline=True)
    return "".join(_Writer().inline(t.children or [], line_start=False) for t in tokens)


def _code_span(content: str, markup: str, table: bool) -> str:
    """A code span showing ``content`` as the parser read it: fenced by a backtick run
    that does not occur in it, padded when it starts or ends with a backtick or space."""
    runs = {len(r) for r in re.findall(r"`+", content)}
    n = len(markup) or 1
    while n in runs:
        n += 1
    pad = content.startswith("`") or content.endswith("`") or (
        content.startswith(" ") and content.endswith(" ") and content.strip() != "")
    content = show_controls(content)
    if table:  # a pipe in a code span still splits a table cell unless escaped
        content = content.replace("|", "\\|")
    fence = "`" * n
    return f"{fence} {content} {fence}" if pad else f"{fence}{content}{fence}"


def _fence_for(content: str, markup: str) -> str:
    """The opening fence: the original one unless the content holds a longer run."""
    char = markup[:1] if markup[:1] in ("`", "~") else "`"
    longest = max((len(r) for r in re.findall(re.escape(char) + "+", content)), default=0)
    return char * max(3, len(markup), longest + 1)


def _destination(url: str) -> str:
    """A link address that reads back the same inside ``(...)``: no spaces, brackets,
    quotes or entities (the parser already percent-encoded most of them)."""
    url = "".join(_URL_UNSAFE.get(c, f"%{ord(c):02X}" if ord(c) < 32 or ord(c) == 127 else c)
                  for c in url)
    return _ENTITY_LIKE.sub("&amp;", url)


def _title(title: str) -> str:
    title = one_line(show_controls(title))
    title = title.replace("\\", "\\\\").replace('"', '\\"')
    return ' "' + _ENTITY_LIKE.sub("&amp;", title).replace("<", "&lt;") + '"'


class _Writer:
    """Markdown from markdown-it tokens (the token stream of ``markdown_tokens``)."""

    def blocks(self, tokens: list[Token]) -> str:
        return "\n\n".join(b for b in self._blocks(tokens, 0, len(tokens)) if b)

    def _blocks(self, tokens: list[Token], start: int, end: int) -> list[str]:
        out, i = [], start
        while i < end:
            tok = tokens[i]
            close = _closing(tokens, i) if tok.nesting == 1 else i
            out.append(self._block(tokens, i, close))
            i = close + 1
        return out

    def _block(self, tokens: list[Token], i: int, close: int) -> str:
        tok = tokens[i]
        kind = tok.type
        if kind == "paragraph_open":
            return self.inline(tokens[i + 1].children or [])
        if kind == "heading_open":
            text = self.inline(tokens[i + 1].children or [], line_start=False, heading=True)
            return "#" * int(tok.tag[1]) + (" " + text if text else "")
        if kind == "blockquote_open":
            inner = "\n\n".join(self._blocks(tokens, i + 1, close))
            return "\n".join("> " + line if line else ">" for line in inner.split("\n"))
        if kind in ("bullet_list_open", "ordered_list_open"):
            return self._list(tokens, i, close)
        if kind in ("fence", "code_block"):
            fence = _fence_for(tok.content, tok.markup if kind == "fence" else "")
            # the info string is never shown; "<" in it would be raw HTML to a renderer
            # that does not take the line for a fence
            info = show_controls(tok.info.strip()).replace("<", "&lt;").replace(">", "&gt;")
            if info.startswith(fence[0]):  # "~~~" + "~x" would be a longer fence
                info = " " + info
            content = show_controls(tok.content)
            content += "" if content.endswith("\n") or not content else "\n"
            return f"{fence}{info}\n{content}{fence}"
        if kind == "hr":
            return (tok.markup[:1] or "*") * 3
        if kind == "table_open":
            return self._table(tokens, i, close)
        if tok.nesting == 1:  # a container this writer does not know: its content, at least
            return "\n\n".join(self._blocks(tokens, i + 1, close))
        # anything else (raw HTML is off in the parser): shown as text
        return _escape_text(tok.content, line_start=True)

    def _list(self, tokens: list[Token], i: int, close: int) -> str:
        ordered = tokens[i].type == "ordered_list_open"
        start = int(tokens[i].attrGet("start") or 1)
        items, j = [], i + 1
        level = tokens[i].level + 2  # the items' own paragraphs, not a nested list's
        tight = any(t.type == "paragraph_open" and t.hidden and t.level == level
                    for t in tokens[i:close])
        while j < close:
            end = _closing(tokens, j)
            item = tokens[j]
            if ordered:
                marker = (item.info or str(start + len(items))) + (item.markup or ".")
            else:
                marker = item.markup or "-"
            body = ("\n" if tight else "\n\n").join(self._blocks(tokens, j + 1, end))
            pad = " " * (len(marker) + 1)
            lines = body.split("\n")
            first = f"{marker} {lines[0]}" if lines[0] else marker
            rest = [pad + line if line else "" for line in lines[1:]]
            items.append("\n".join([first, *rest]))
            j = end + 1
        return ("\n" if tight else "\n\n").join(items)

    def _table(self, tokens: list[Token], i: int, close: int) -> str:
        rows: list[list[str]] = []
        aligns: list[str] = []
        for j in range(i, close):
            tok = tokens[j]
            if tok.type == "tr_open":
                rows.append([])
            elif tok.type in ("th_open", "td_open"):
                cell = self.inline(tokens[j + 1].children or [], line_start=False, table=True)
                rows[-1].append(cell)
                if tok.type == "th_open":
                    style = str(tok.attrGet("style") or "")
                    aligns.append({"text-align:left": ":---", "text-align:right": "---:",
                                   "text-align:center": ":---:"}.get(style, "---"))
        if not rows:
            return ""
        lines = ["| " + " | ".join(rows[0]) + " |", "| " + " | ".join(aligns) + " |"]
        lines += ["| " + " | ".join(row) + " |" for row in rows[1:]]
        return "\n".join(lines)

    def inline(
        self,
        children: list[Token],
        *,
        line_start: bool = True,
        heading: bool = False,
        table: bool = False,
    ) -> str:
        """Inline tokens as Markdown; text escaped, code spans as the parser read them."""
        out: list[str] = []
        links: list[Token] = []
        at_start = line_start
        for k, tok in enumerate(children):
            kind = tok.type
            if kind == "text":
                before_link = k + 1 < len(children) and children[k + 1].type == "link_open"
                piece = _escape_text(tok.content, line_start=at_start, heading=heading,
                                     before_link=before_link)
            elif kind in ("softbreak", "hardbreak"):
                piece = " " if heading or table else ("\\\n" if kind == "hardbreak" else "\n")
            elif kind == "code_inline":
                piece = _code_span(tok.content, tok.markup, table)
            elif kind in ("em_open", "em_close", "strong_open", "strong_close"):
                piece = tok.markup
            elif kind == "link_open":
                links.append(tok)
                piece = "["
            elif kind == "link_close" and links:
                link = links.pop()
                href = str(link.attrGet("href") or "")
                title = str(link.attrGet("title") or "")
                # markdown_tokens kept only allowed links; checked again as this is the
                # last step before the text leaves
                target = _destination(href) if link_allowed(href) else "#"
                piece = f"]({target}{_title(title) if title else ''})"
            else:  # an image or raw HTML would only get here if the parser changed
                piece = _escape_text(tok.content, line_start=at_start)
            out.append(piece)
            at_start = piece.endswith("\n") or (at_start and piece == "")
        return "".join(out)


def _closing(tokens: list[Token], i: int) -> int:
    """Index of the token that closes ``tokens[i]``."""
    depth = 0
    for j in range(i, len(tokens)):
        depth += tokens[j].nesting
        if depth == 0:
            return j
    return len(tokens) - 1


def _escape_text(
    text: str, *, line_start: bool, heading: bool = False, before_link: bool = False
) -> str:
    """Parsed text written so that it reads back as the same text: Markdown punctuation
    backslash-escaped, ``<``/``>``, entity-like ``&`` and a newline (from ``&#10;``) as
    entities, ``_`` left alone inside a word (where it cannot start emphasis)."""
    text = _ENTITY_LIKE.sub("&amp;", show_controls(text))
    text = text.replace("<", "&lt;").replace(">", "&gt;")
    text = re.sub(r"([\\`*\[\]|~])", r"\\\1", text)
    text = re.sub(r"(?<![^\W_])_|_(?![^\W_])", r"\\_", text)
    if heading:
        text = text.replace("#", "\\#")
    if before_link and text.endswith("!"):
        text = text[:-1] + "\\!"  # "!" before "[" would make the link an image
    if line_start:
        text = _start_of_line(text)
    return text.replace("\n", "&#10;")


def _start_of_line(text: str) -> str:
    """Text at the start of a line that would begin a block, escaped: ``- x``, ``# x``,
    ``1. x``, ``=``; leading spaces (an indented code block) as ``&#32;``."""
    if text[:1] in (" ", "\t"):
        return "&#32;" + text[1:]
    if text[:1] == "#":
        return "\\" + text
    return line_start_escape(text)
