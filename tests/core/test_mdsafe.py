"""Markdown for the Markdown export: what ordinary Markdown renderers make of it."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest
from markdown_it import MarkdownIt

from postmortem_nb.mdsafe import md_escape

# what a wiki or issue tracker does with report.md: CommonMark, raw HTML passed through,
# and (as many renderers) no check of link addresses of its own
RENDERER = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
RENDERER.validateLink = lambda url: True
SAFE_TAGS = {"p", "a", "em", "strong", "code", "pre", "ul", "ol", "li", "blockquote", "hr",
             "br", "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th",
             "td", "s"}


def rendered_elements(markdown: str) -> list[tuple[str, dict[str, str]]]:
    found: list[tuple[str, dict[str, str]]] = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, {k: v or "" for k, v in attrs}))

    Collector().feed(RENDERER.render(markdown))
    return found


def assert_inert(markdown: str) -> None:
    """No element but text formatting and links; links only to http(s), mailto or paths."""
    for tag, attrs in rendered_elements(markdown):
        assert tag in SAFE_TAGS, (tag, markdown)
        assert not any(name.startswith("on") or name == "src" for name in attrs), markdown
        # a colon before the first / ? # is a scheme to a browser, or a disguised one
        scheme = re.match(r"\s*([^/?#]*):", attrs.get("href", ""))
        assert scheme is None or scheme.group(1).lower() in {"http", "https", "mailto"}, attrs


@pytest.mark.parametrize(
    "text",
    ["Payment error rate above 5%\n---\n(checkout-api)", "Payment error rate above 5%\n~~~",
     "a\r\n===\rb", "x\n    ```\n<img src=x onerror=alert(1)>"],
)
def test_data_stays_on_its_line(text):
    """A title or caption from data: one line, every Markdown character escaped."""
    line = md_escape(text)
    assert "\n" not in line
    assert "\r" not in line
    tokens = RENDERER.parse("# " + line + "\n\nnext paragraph")
    assert [t.type for t in tokens] == ["heading_open", "inline", "heading_close",
                                        "paragraph_open", "inline", "paragraph_close"]
    heading = RENDERER.render("# " + line)
    shown = html.unescape(re.fullmatch(r"<h1>(.*)</h1>\n", heading).group(1))
    assert shown == " ".join(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    assert_inert("# " + line)


def test_data_escapes_tildes_and_entities():
    assert md_escape("~~~") == "\\~\\~\\~"
    assert RENDERER.renderInline(md_escape("R&amp;D ~~x~~ &lt;b&gt;")) == (
        "R&amp;amp;D ~~x~~ &amp;lt;b&amp;gt;")
