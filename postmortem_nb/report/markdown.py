"""The same report as Markdown, for wikis and issue trackers.

Headings and text as Markdown, HTML tables as pipe tables, each Plotly figure as a
one-line static summary (title, traces, ranges). Nothing from data is passed through
as HTML or Markdown: ``<``/``>`` become entities, Markdown punctuation is
backslash-escaped, a title or caption stays on its line, control characters are shown
as ``[U+001B]`` (mdsafe), and ``javascript:`` links are dropped. The analyst's Markdown
goes through ``mdsafe.neutralise_markdown``.
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Mapping
from html.parser import HTMLParser
from typing import Any

import nbformat

from ..display import WIDGET_MIME
from ..mdsafe import line_start_escape, md_escape, neutralise_markdown
from ..safehtml import visible_controls
from .exporter import _load
from .page import END_BEFORE_START, footer_html
from .plotlyjs import PLOTLY_MIME, figure_title, point_count
from .preprocess import HIDE_TAGS, _part_of, _text
from .redact import CUSTOMER_COLUMN_RE, Redactor


def _slug(text: str) -> str:
    # GitHub/GitLab-style heading anchors.
    text = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return text.replace(" ", "-")


class _HTMLToMarkdown(HTMLParser):
    """A small converter for the HTML our outputs carry (tables, lists, headings, text)."""

    _BLOCK = frozenset({"p", "div", "section", "article", "header", "footer", "ul", "ol", "dl",
                        "figure", "details", "blockquote", "caption"})  # fmt: skip

    def __init__(self, redactor: Redactor | None) -> None:
        super().__init__(convert_charrefs=True)
        self.r = redactor
        self.out: list[str] = []
        self.skip = 0
        self.table: list[list[str]] | None = None
        self.head_rows = 0
        self.in_head = False
        self.cell: list[str] | None = None
        self.href: str | None = None
        self.pre = False
        self.list_depth = 0

    def _put(self, text: str) -> None:
        if self.cell is not None:
            self.cell.append(text)
        else:
            self.out.append(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "template"):
            self.skip += 1
        elif tag == "table":
            self.table, self.head_rows = [], 0
        elif tag == "thead":
            self.in_head = True
        elif tag == "tr" and self.table is not None:
            self.table.append([])
            if self.in_head:
                self.head_rows += 1
        elif tag in ("td", "th") and self.table is not None:
            self.cell = []
        elif re.fullmatch(r"h[1-6]", tag):
            self._put("\n\n" + "#" * min(6, int(tag[1]) + 1) + " ")
        elif tag == "li":
            self._put("\n" + "  " * max(0, self.list_depth - 1) + "- ")
        elif tag in ("ul", "ol"):
            self.list_depth += 1
            self._put("\n")
        elif tag in self._BLOCK:
            self._put("\n\n")
        elif tag == "br":
            self._put(" " if self.cell is not None else "  \n")
        elif tag in ("strong", "b"):
            self._put("**")
        elif tag in ("em", "i"):
            self._put("*")
        elif tag == "code" and not self.pre:
            self._put("`")
        elif tag == "pre":
            self.pre = True
            self._put("\n\n```\n")
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            self.href = href if re.match(r"(?i)^(https?:|mailto:)", href) else None
            if self.href:
                self._put("[")
        elif tag in ("dt",):
            self._put("\n- **")
        elif tag == "dd":
            self._put(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template"):
            self.skip = max(0, self.skip - 1)
        elif tag in ("td", "th") and self.cell is not None and self.table is not None:
            text = " ".join("".join(self.cell).split())
            if self.table:
                self.table[-1].append(text)
            self.cell = None
        elif tag == "thead":
            self.in_head = False
        elif tag == "table" and self.table is not None:
            self.out.append(_pipe_table(self.table, self.head_rows, self.r))
            self.table = None
        elif re.fullmatch(r"h[1-6]", tag) or tag in self._BLOCK:
            self._put("\n\n")
        elif tag in ("ul", "ol"):
            self.list_depth = max(0, self.list_depth - 1)
            self._put("\n")
        elif tag in ("strong", "b"):
            self._put("**")
        elif tag in ("em", "i"):
            self._put("*")
        elif tag == "code" and not self.pre:
            self._put("`")
        elif tag == "pre":
            self.pre = False
            self._put("\n```\n\n")
        elif tag == "a" and self.href:
            self._put(f"]({self.href.replace(')', '%29').replace(' ', '%20')})")
            self.href = None
        elif tag == "dt":
            self._put("**")

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.r:
            data = self.r.redact_text(data)
        if self.pre:
            self._put(_fenced_text(data))
            return
        if self.cell is None and not data.strip():
            self._put(" " if data else "")
            return
        text = md_escape(" ".join(data.split()) if self.cell is None else data)
        if self.cell is None and (not self.out or self.out[-1].endswith("\n")):
            text = line_start_escape(text)  # "1. " or "- " from data is no list
        self._put(text)

    def text(self) -> str:
        return re.sub(r"\n{3,}", "\n\n", "".join(self.out)).strip()


def _fenced_text(text: str) -> str:
    """Text for inside a ``` fence: shown literally, controls visible, no closing fence."""
    return visible_controls(text).replace("```", "ˋˋˋ")


def _pipe_table(rows: list[list[str]], head_rows: int, redactor: Redactor | None) -> str:
    rows = [r for r in rows if r]
    if not rows:
        return ""
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    header_idx = head_rows - 1 if head_rows else 0
    header = rows[header_idx]
    if head_rows > 1:  # pandas puts the index name on a second header row
        header = [a or b for a, b in zip(rows[0], rows[head_rows - 1], strict=True)]
    body = rows[head_rows:] if head_rows else rows[1:]
    masked = set()
    if redactor:
        plain = [re.sub(r"\\(.)", r"\1", h) for h in header]
        masked = {i for i, h in enumerate(plain) if CUSTOMER_COLUMN_RE.match(h)}
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * width]
    for row in body:
        cells = ["[customer]" if i in masked and c else c for i, c in enumerate(row)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n\n" + "\n".join(lines) + "\n\n"


def html_to_markdown(fragment: str, redactor: Redactor | None = None) -> str:
    """Markdown for an HTML fragment from a notebook output (text escaped, tables kept)."""
    parser = _HTMLToMarkdown(redactor)
    parser.feed(fragment or "")
    parser.close()
    return parser.text()


def figure_summary(spec: Mapping[str, Any]) -> str:
    """One line that says what a figure shows, for formats that cannot draw it."""
    title = figure_title(dict(spec))
    traces = []
    for trace in spec.get("data") or []:
        name = trace.get("name") or trace.get("type") or "trace"
        count = point_count(trace.get("x")) or point_count(trace.get("y"))
        desc = md_escape(name) + (f" ({count} points)" if count else "")
        traces.append(desc)
    head = f"*Figure: {md_escape(title)}*" if title else "*Figure*"
    shown = "; ".join(traces[:8]) + (f"; and {len(traces) - 8} more" if len(traces) > 8 else "")
    return head + (f" — {shown}." if shown else ".") + " (Interactive in the HTML report.)"


def _output_md(output: Any, redactor: Redactor | None) -> str:
    kind = output.get("output_type")
    if kind not in ("display_data", "execute_result"):
        return ""
    data = output.get("data", {})
    if isinstance(data.get(PLOTLY_MIME), Mapping):
        spec = data[PLOTLY_MIME]
        return figure_summary(redactor.redact_value(spec) if redactor else spec)
    if "text/html" in data:
        return html_to_markdown(_text(data["text/html"]), redactor)
    if "text/markdown" in data:
        text = _text(data["text/markdown"])
        return neutralise_markdown(redactor.redact_text(text) if redactor else text)
    if any(m in data for m in ("image/png", "image/jpeg", "image/svg+xml")):
        return "*(An image; see the HTML report.)*"
    if "text/plain" in data and WIDGET_MIME not in data:
        text = _text(data["text/plain"])
        text = redactor.redact_text(text) if redactor else text
        return "```\n" + _fenced_text(text) + "\n```"
    return ""


def _author_md(author: Mapping[str, Any], v: Any) -> str:
    role, name = v(author.get("role")), v(author.get("name_or_role"))
    return f"{role}: {name}" if role and name and role != name else (name or role)


def _header_md(header: Mapping[str, Any], title: str, r: Redactor | None) -> list[str]:
    def v(value: Any) -> str:
        text = "" if value is None else str(value)
        return md_escape(r.redact_text(text) if r else text)

    lines = [f"# {v(header.get('title') or title)}", ""]
    rows = []
    for label, key in (("Incident", "incident_id"), ("Severity", "severity"), ("Status", "status")):
        if header.get(key):
            rows.append((label, v(header[key])))
    for label, prefix in (("Start", "start"), ("End", "end")):
        local, utc = header.get(f"{prefix}_local"), header.get(f"{prefix}_utc")
        if local or utc:
            zone = f" ({v(header.get('tz'))})" if header.get("tz") and local else ""
            bits = ([f"{v(local)}{zone}"] if local else []) + ([f"{v(utc)} UTC"] if utc else [])
            warn = f" **{END_BEFORE_START}**" if prefix == "end" and header.get(
                "end_before_start") else ""
            rows.append((label, " · ".join(bits) + warn))
    authors = [a for a in header.get("authors_by_role") or [] if isinstance(a, Mapping)]
    if authors:
        rows.append(
            (
                "People",
                "; ".join(_author_md(a, v) for a in authors),
            )
        )
    if header.get("generated_at"):
        rows.append(("Generated", v(header["generated_at"])))
    if rows:
        lines += ["| | |", "|---|---|", *(f"| **{k}** | {val} |" for k, val in rows), ""]
    return lines


def export_markdown(
    nb: nbformat.NotebookNode | str | os.PathLike[str],
    *,
    sections_md: Mapping[str, str] | None = None,
    header: Mapping[str, Any] | None = None,
    redact: Redactor | None = None,
) -> str:
    """The report as Markdown: header table, contents, the sections, the appendix."""
    notebook = copy.deepcopy(_load(nb))
    sections_md = dict(sections_md or {})
    blocks: list[str] = []
    toc: list[str] = []
    title = str(notebook.metadata.get("title") or "Post-mortem")
    for cell in notebook.cells:
        if cell.cell_type == "raw" or HIDE_TAGS & set(cell.get("metadata", {}).get("tags", [])):
            continue
        part = _part_of(cell)
        if part and part in sections_md:
            text = sections_md[part] or ""
            blocks.append(neutralise_markdown(redact.redact_text(text) if redact else text))
            continue
        if cell.cell_type == "markdown":
            text = redact.redact_text(cell.source) if redact else cell.source
            for m in re.finditer(r"^##\s+(.+?)\s*#*\s*$", text, re.MULTILINE):
                toc.append(m.group(1))
            if header is None and (h1 := re.search(r"^#\s+(.+)$", text, re.MULTILINE)):
                title = h1.group(1).strip()
            elif header is not None:  # the header block already carries the title
                text = re.sub(r"^#\s+.+$\n?", "", text, flags=re.MULTILINE)
            blocks.append(neutralise_markdown(text))
        elif cell.cell_type == "code":
            blocks.extend(b for b in (_output_md(o, redact) for o in cell.outputs) if b)
    lines = _header_md(header or {}, title, redact) if header else []
    if toc:
        lines += ["**Contents**", ""]
        lines += [f"- [{md_escape(t)}](#{_slug(t)})" for t in toc]
        lines.append("")
    body = "\n\n".join(b.strip() for b in blocks if b.strip())
    footer = html_to_markdown(
        footer_html(
            0, (header or {}).get("generated_at"), redact is not None and redact.full, page=False
        )
    )
    return "\n".join(lines) + "\n" + body + "\n\n---\n\n" + footer + "\n"
