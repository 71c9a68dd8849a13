"""Text on its way into Markdown (the Markdown export): data shown literally, people's
Markdown kept but disarmed.

Control characters are shown as ``[U+202E]``, as in the HTML report (safehtml).
Light on purpose (no nbconvert): the analyst's sections (analysis/render.py) and the
report's Markdown export (report/markdown.py) share it.
"""

from __future__ import annotations

import re

from .safehtml import visible_controls

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#~])")
# "&amp;" in data or text would be read as an entity and shown as "&"
_ENTITY_LIKE = re.compile(r"&(?=#?\w+;)")
_FENCE_RE = re.compile(r"^\s*(```|~~~)")
# the whole target, one level of parentheses included: "(javascript:alert(2))"
_JS_LINK_RE = re.compile(
    r"\]\(\s*(?:javascript|vbscript|data):(?:[^()]|\([^()]*\))*\)", re.IGNORECASE
)
# a remote image would be fetched by whoever opens the page: shown as a link instead
_REMOTE_IMAGE_RE = re.compile(r"!\[([^\]]*)\]\((\s*(?:https?:)?//[^)\s]*(?:\s+\"[^\"]*\")?\s*)\)")


def md_escape(text: str) -> str:
    """Text from data, shown literally in any Markdown renderer, on one line: fit for a
    heading, table cell, list item or emphasis (newlines become spaces)."""
    text = " ".join(visible_controls(str(text)).splitlines())
    text = _MD_SPECIAL.sub(r"\\\1", _ENTITY_LIKE.sub("&amp;", text))
    return text.replace("<", "&lt;").replace(">", "&gt;")


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
    """Markdown written by people: kept as Markdown, but raw HTML, script links and remote
    images disarmed. Code spans and fenced blocks are left as written: Markdown shows
    them literally, so ``&lt;`` there would be shown as "&lt;"."""
    out, fenced = [], False
    for line in visible_controls(text or "").splitlines():
        if _FENCE_RE.match(line):
            fenced = not fenced
            out.append(line)
            continue
        if fenced:
            out.append(line)
            continue
        pieces = re.split(r"(`+[^`]*`+)", line)
        pieces = [
            p if p.startswith("`") else _disarm(p) for p in pieces
        ]
        out.append("".join(pieces))
    return "\n".join(out)


def _disarm(text: str) -> str:
    text = text.replace("<", "&lt;").replace(">", "&gt;")
    text = _JS_LINK_RE.sub("](#)", text)
    return _REMOTE_IMAGE_RE.sub(lambda m: f"[image: {m.group(1) or 'link'}]({m.group(2)})", text)
