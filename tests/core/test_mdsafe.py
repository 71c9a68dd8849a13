"""Markdown for the Markdown export: what ordinary Markdown renderers make of it."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from postmortem_nb.mdsafe import md_escape, neutralise_markdown
from postmortem_nb.safehtml import markdown_to_html

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
    [
        "Backslash trick: \\`<img src=x onerror=alert(document.domain)>` end",
        "Mismatched: ``<img src=y onerror=alert(2)>` end",
        "`unclosed <img src=x onerror=alert(3)>",
    ],
)
def test_only_what_commonmark_reads_as_code_is_kept_as_written(text):
    out = neutralise_markdown(text + "\n\nRule `a < 5` and ``x ` y``\n\n```sql\na < 2;\n```")
    assert_inert(out)
    assert "<img" not in RENDERER.render(out)
    assert "Rule `a < 5` and ``x ` y``" in out  # code as written: "&lt;" would show as such
    assert "```sql\na < 2;\n```" in out


@pytest.mark.parametrize(
    "text",
    [
        "![pix][p1]\n\n[p1]: https://evil.example/ref.png",
        "![pix](HTTPS://evil.example/upper.png)",
        "![pix](https://evil.example/sq.png 'title')",
        "![pix](https://evil.example/paren.png (title))",
        "![pix](<https://evil.example/angle.png>)",
    ],
)
def test_images_become_links_in_every_spelling(text):
    out = neutralise_markdown(text)
    assert_inert(out)
    links = [a for t, a in rendered_elements(out) if t == "a"]
    assert len(links) == 1
    assert "evil.example" in links[0]["href"]
    assert "[image: pix](" in out  # the analyst's reference is kept


@pytest.mark.parametrize(
    "text",
    [
        "[j1][]\n\n[j1]: javascript:alert(1)",
        "[x](&#106;avascript:alert(1))",
        "[x](javascript&colon;alert(1))",
        "[x](\njavascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](java&#x09;script:alert(1))",
        "[x](vbscript:msgbox)",
        "[x](data:text/html,<script>alert(1)</script>)",
    ],
)
def test_script_links_in_every_spelling_are_text(text):
    out = neutralise_markdown(text)
    assert_inert(out)
    assert "alert(1)" in RENDERER.render(out) or "msgbox" in out  # shown, not dropped


def test_links_keep_working():
    out = neutralise_markdown("See [the runbook](https://wiki.example/db_pool \"Pool\") and "
                              "<https://x.example/a_b> or [mail](mailto:oncall@example.com).")
    hrefs = [a["href"] for t, a in rendered_elements(out) if t == "a"]
    assert hrefs == ["https://wiki.example/db_pool", "https://x.example/a_b",
                     "mailto:oncall@example.com"]


def test_other_link_schemes_keep_their_address_as_text():
    out = neutralise_markdown("[share](ftp://files.example/x) and ![d](data:image/png;base64,AA)")
    assert_inert(out)
    assert "share (ftp://files.example/x)" in RENDERER.render(out)
    assert "[image: d]" in RENDERER.render(out)


SAMPLES = [
    "# Heading\n\nSome *emphasis*, **strong**, `code`, snake_case and a [link](https://a.b).",
    "1. one\n2. two\n   - nested\n   - list\n\n> quoted\n> text\n\n---\n\nend",
    "| a | b |\n|:-:|--:|\n| `x\\|y` | 3 |\n\n    indented code\n\nSetext\n===",
    "Escapes: \\*not em\\*, 1986\\. a year, \\# no heading, a \\| pipe, &amp; &lt;b&gt;",
    "Line with hard break  \nnext\\\nlast ~~not struck~~ and 5 ~ 6",
]


def test_the_markdown_export_reads_as_the_html_report():
    """Written back from the parser's tokens, the analyst's Markdown means the same (a
    quote was lost to "&gt;" before)."""
    for text in SAMPLES:
        assert markdown_to_html(neutralise_markdown(text)) == markdown_to_html(text), text


ATOMS = ["`", "``", "\\", "<img src=x onerror=alert(1)>", "<", ">", "*", "_", "[", "]", "(",
         ")", "!", "![a](https://e.example/x.png)", "[l](javascript:alert(1))", "[r]", "\n",
         "\n\n", " ", "    ", "- ", "1. ", "# ", "> ", "~~~", "```", "|", "---", "word",
         "&lt;", "&#96;", "&#10;", "[r]: https://e.example/r.png\n", "<https://x.example>",
         "&", "\t", "=", "\x1b[31m", "\x07", "\u202e", "<!-- c -->", "<script>x()</script>"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(ATOMS), max_size=25).map("".join))
@example('<x title="`">`<img src=x onerror=alert(1)>`')  # raw HTML took the first backtick
@example("```\nnot closed\n\n<img src=x onerror=alert(4)>")
@example("- item\n  ``x`<img src=x onerror=alert(5)>")
@example("![pix](//evil.example/relative-scheme.png)")
@example("[x](<javascript:alert(1)>) <javascript:alert(1)>")
def test_no_markdown_the_analyst_writes_renders_active_content(text):
    out = neutralise_markdown(text)
    assert_inert(out)
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]", out)


def test_inline_places_get_inline_markdown_on_one_line():
    from postmortem_nb.mdsafe import neutralise_inline

    out = neutralise_inline("# not a heading\n- nor a list `a|b` <b>x</b> ![i](https://e/x.png)")
    assert "\n" not in out
    assert out.startswith("# not a heading - nor a list `a|b` &lt;b&gt;x&lt;/b&gt;")
    assert "[image: i](https://e/x.png)" in out
    assert_inert(out)


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


@pytest.mark.parametrize("control", ["\x1b[2K", "\x07", "\x00", "\x7f", "\x9b", "\x0c"])
def test_control_characters_are_shown_in_markdown(control):
    from postmortem_nb.mdsafe import neutralise_inline

    code = f"[U+{ord(control[0]):04X}]"
    for out in (md_escape(f"a{control}b"), neutralise_markdown(f"a{control}b `c{control}d`"),
                neutralise_inline(f"a{control}b")):
        assert control[0] not in out
        assert code in out.replace("\\", "")
    assert f"`c{code}" in neutralise_markdown(f"a{control}b `c{control}d`")


def test_ansi_colours_are_dropped_and_brackets_make_no_link():
    assert md_escape("\x1b[31mERROR\x1b[0m pool") == "ERROR pool"
    out = neutralise_markdown("\x07(https://evil.example) and\n\x07: https://evil.example/x")
    assert not [t for t, _ in rendered_elements(out) if t == "a"]
    assert "[U+0007](https://evil.example)" in RENDERER.render(out)
