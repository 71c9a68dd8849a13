"""The Markdown export: same sections, tables as pipe tables, figures summarised, inert text."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import plotly.graph_objects as go
import pytest
from markdown_it import MarkdownIt
from nbfactory import HEADER, HEADINGS, HOSTILE, build_notebook, plotly_output
from nbformat.v4 import new_code_cell

from postmortem_nb.report import Redactor, export_markdown

# what a wiki or issue tracker does with report.md: CommonMark, raw HTML passed through,
# and (as many renderers) no check of link addresses of its own
RENDERER = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
RENDERER.validateLink = lambda url: True


def test_markdown_has_sections_tables_and_figure_summaries(notebook):
    md = export_markdown(
        notebook,
        sections_md={"summary": "Checkout failed for **52 minutes**.", "lessons": "- Canary"},
        header=HEADER,
    )
    assert md.startswith("# Checkout failures after payments deploy\n")
    assert "# Post-mortem draft" not in md  # the header block carries the title
    assert "| **Severity** | SEV2 |" in md
    for heading in HEADINGS:
        assert f"\n## {heading}" in md
        assert f"- [{heading}](#" in md
    assert "[1. Incident summary](#1-incident-summary)" in md
    assert "Checkout failed for **52 minutes**." in md
    assert "No summary written yet" not in md
    assert "Impact narrative missing" in md
    # the alerts table as a pipe table with its header row
    assert re.search(
        r"^\| alert\\_id \| service \| severity \| title \| started\\_at \|$", md, re.M
    )
    assert "| A-0 | checkout-api | SEV2 |" in md
    # four figures, summarised with their titles
    assert md.count("*Figure: ") == 4
    assert "*Figure: Latency (ms)* — request latency (3000 points)." in md
    # no code, streams or object reprs
    for absent in ("pm.milestones()", "naive timestamps", "computing baseline", "object at 0x"):
        assert absent not in md
    assert "plotly.js" not in md  # the Markdown carries no JavaScript


def test_markdown_hostile_text_is_inert(hostile_notebook):
    md = export_markdown(
        hostile_notebook,
        sections_md={"summary": "[x](javascript:window.__pwned=1) <script>alert(1)</script>"},
        header={**HEADER, "title": HOSTILE[0]},
    )
    # a plain-text output stays in a fenced code block, where it is shown literally
    assert "```\n<script>window.__pwned=1</script>\n```" in md
    prose = re.sub(r"```.*?```", "", md, flags=re.S)
    assert "<script" not in prose
    assert "<img" not in prose
    assert "<iframe" not in prose
    assert "<svg" not in prose
    # no link to javascript: (the analyst's text is shown as text, as in the HTML report)
    assert not re.search(r"(?<!\\)\]\(\s*javascript:", md)
    assert "\\[x\\](javascript:" in md
    assert "&lt;script&gt;window.\\_\\_pwned=1&lt;/script&gt;" in md


def test_markdown_redaction():
    nb = build_notebook(titles=["mail jane@example.com from 10.9.8.7"], messages=["Jane Doe paged"])
    md = export_markdown(nb, header=HEADER, redact=Redactor(people=["Jane Doe"]))
    assert "jane@example.com" not in md
    assert "10.9.8.7" not in md
    assert "Jane Doe" not in md
    assert "\\[email\\]" in md  # Markdown-escaped brackets render as [email]
    assert "\\[ip\\]" in md


def _rendered(md: str) -> list[tuple[str, dict[str, str]]]:
    found: list[tuple[str, dict[str, str]]] = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, {k: v or "" for k, v in attrs}))

    Collector().feed(RENDERER.render(md))
    return found


ANALYST_HOSTILE = """Backslash trick: \\`<img src=x onerror=alert(document.domain)>` end

Mismatched: ``<img src=y onerror=alert(2)>` end

![pix][p1] ![pix](HTTPS://evil.example/upper.png) ![pix](https://evil.example/sq.png 'title')
![pix](https://evil.example/paren.png (title)) [j][j1] [x](&#106;avascript:alert(3))
[x](javascript&colon;alert(4)) [x](
javascript:alert(5))

[p1]: https://evil.example/ref.png
[j1]: javascript:alert(6)
"""


def test_markdown_report_renders_no_active_content_or_remote_images(hostile_notebook):
    md = export_markdown(
        hostile_notebook,
        sections_md={"summary": ANALYST_HOSTILE, "lessons": ANALYST_HOSTILE},
        header={**HEADER, "title": HOSTILE[1]},
    )
    elements = _rendered(md)
    assert elements
    for tag, attrs in elements:
        assert tag not in {"img", "script", "iframe", "svg", "style"}, tag
        assert not [name for name in attrs if name.startswith("on") or name == "src"]
        assert not attrs.get("href", "").lower().lstrip().startswith(
            ("javascript", "data", "vbscript"))
    hrefs = [a["href"] for t, a in elements if t == "a" and "evil.example" in a["href"]]
    assert len(hrefs) == 2 * 4  # each image a link to where it was, twice
    assert md.count("[image: pix](") == 2 * 4


@pytest.mark.parametrize("tail", ["\n---\n(checkout-api)", "\n~~~", "\n```\n<b>x</b>"])
def test_markdown_titles_and_captions_stay_on_their_line(tail):
    """A newline in an alert description proposed as the title split the H1, and a fence
    line swallowed the rest of the report."""
    title = "Payment error rate above 5%" + tail
    nb = build_notebook()
    fig = go.Figure(go.Bar(x=[1], y=[1], name="rate" + tail)).update_layout(title=title)
    nb.cells.insert(3, new_code_cell("fig", outputs=[plotly_output(fig)]))
    md = export_markdown(nb, header={**HEADER, "title": title})
    first, caption = md.splitlines()[0], next(
        line for line in md.splitlines() if line.startswith("*Figure: Payment"))
    tokens = RENDERER.parse(md)
    assert [t.type for t in tokens[:3]] == ["heading_open", "inline", "heading_close"]
    assert tokens[1].content == first[2:]
    assert "fence" not in [t.type for t in tokens]  # nothing after the H1 became code
    assert "hr" not in [t.type for t in tokens[:-6]]  # (the footer's own rule stays)
    for heading in HEADINGS:
        assert f"\n## {heading}" in md
    assert "rate" in caption
    assert RENDERER.renderInline(caption).startswith("<em>Figure: Payment error rate above 5% ")


def test_figure_titles_from_data_read_as_written():
    """figures.py writes data's "<" as "&lt;" for Plotly: a caption or label shows "<"."""
    from postmortem_nb.report.plotlyjs import figure_html

    fig = go.Figure(go.Bar(x=[1], y=[1])).update_layout(title="p99 &lt;b&gt;<br>slow")
    nb = build_notebook()
    nb.cells.insert(3, new_code_cell("fig", outputs=[plotly_output(fig)]))
    md = export_markdown(nb, header=HEADER)
    assert "*Figure: p99 &lt;b&gt; slow*" in md
    assert 'aria-label="p99 &lt;b&gt; slow"' in figure_html(fig, "f1")


def test_markdown_report_shows_control_characters():
    """ESC/BEL from logs replayed terminal escapes when report.md was printed; NUL made it
    binary."""
    nb = build_notebook(titles=["disk \x1b[31mfull\x1b[0m \x1b[2K\x07 now\x00"],
                        messages=["bell\x07 here", "esc \x1b]0;title\x07"])
    md = export_markdown(nb, sections_md={"summary": "NUL\x00 and `code\x07`\x1b[1m"},
                         header={**HEADER, "title": "pay\x07ments\x7f"})
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", md)
    assert "disk full" in md  # the colour dropped, the text kept
    assert "[U+001B]" in md.replace("\\", "")
    assert "[U+0007]" in md.replace("\\", "")
    assert "`code[U+0007]`" in md
    assert "NUL\\[U+0000\\]" in md
