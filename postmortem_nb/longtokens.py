"""Long tokens in HTML text: the one thing allowed to break mid-word in a table cell.

A stack frame, a hash, a URL or a host name has no place to wrap, so it widens its table
cell (and an auto-width table with it) past the page. ``overflow-wrap: anywhere`` on a
whole cell would let the table squeeze every column below its longest word instead,
breaking ordinary words ("sched-uler"); on the long tokens alone (``.pm-long``), only the
column that holds one gives way.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from typing import Any

from .safehtml import escape

# A run of this many characters without a space may break anywhere; shorter words never
# break mid-word. (An ISO timestamp with its brackets, "[2026-03-10T14:03:00Z,", is 22.)
LONG_TOKEN = 24
_LONG_TOKEN_RE = re.compile(rf"\S{{{LONG_TOKEN},}}")
LONG_CLASS = "pm-long"


def _wrap(text: str, esc: Any) -> str:
    parts, pos = [], 0
    for m in _LONG_TOKEN_RE.finditer(text):
        parts.append(esc(text[pos : m.start()]))
        parts.append(f'<span class="{LONG_CLASS}">{esc(m.group())}</span>')
        pos = m.end()
    parts.append(esc(text[pos:]))
    return "".join(parts)


def breakable(value: Any) -> str:
    """A value from data, escaped (``safehtml.escape``), its long tokens in a ``.pm-long``."""
    return _wrap("" if value is None else str(value), escape)


def break_long_tokens(fragment: str) -> str:
    """The same for the text of an already safe HTML fragment (sanitised or built by us).

    Tags are copied as they are; only text outside ``<script>``/``<style>`` and outside an
    existing ``.pm-long`` is re-escaped with its long tokens wrapped.
    """
    if not fragment or not _LONG_TOKEN_RE.search(fragment):
        return fragment
    parser = _Parser()
    parser.feed(fragment)
    parser.close()
    return "".join(parser.out)


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.raw = 0  # inside <script>/<style>
        self.spans: list[bool] = []  # open <span>s: is it a .pm-long?

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.append(self.get_starttag_text() or "")
        if tag in ("script", "style"):
            self.raw += 1
        elif tag == "span":
            classes = (dict(attrs).get("class") or "").split()
            self.spans.append(LONG_CLASS in classes)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.append(self.get_starttag_text() or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.raw = max(0, self.raw - 1)
        elif tag == "span" and self.spans:
            self.spans.pop()
        self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if self.raw or any(self.spans):
            self.out.append(data if self.raw else html.escape(data, quote=False))
        else:
            self.out.append(_wrap(data, lambda s: html.escape(s, quote=False)))

    def handle_comment(self, data: str) -> None:
        pass  # sanitised fragments have none; nothing to show

    def handle_decl(self, decl: str) -> None:
        pass

    def unknown_decl(self, data: str) -> None:
        pass

    def handle_pi(self, data: str) -> None:
        pass
