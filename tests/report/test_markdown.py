"""The Markdown export: same sections, tables as pipe tables, figures summarised, inert text."""

from __future__ import annotations

import re

import plotly.graph_objects as go
import pytest
from markdown_it import MarkdownIt
from nbfactory import HEADER, HEADINGS, HOSTILE, build_notebook, plotly_output
from nbformat.v4 import new_code_cell

from postmortem_nb.report import Redactor, export_markdown

# what a wiki or issue tracker does with report.md: CommonMark, raw HTML passed through
RENDERER = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


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
    assert "](javascript:" not in md
    assert "&lt;script&gt;window.\\_\\_pwned=1&lt;/script&gt;" in md


def test_markdown_redaction():
    nb = build_notebook(titles=["mail jane@example.com from 10.9.8.7"], messages=["Jane Doe paged"])
    md = export_markdown(nb, header=HEADER, redact=Redactor(people=["Jane Doe"]))
    assert "jane@example.com" not in md
    assert "10.9.8.7" not in md
    assert "Jane Doe" not in md
    assert "\\[email\\]" in md  # Markdown-escaped brackets render as [email]
    assert "\\[ip\\]" in md


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
