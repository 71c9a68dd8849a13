"""Turn an executed notebook into report content: outputs made safe, parts substituted.

Runs before the nbconvert template on a copy of the notebook. Every output ends up as
sanitised ``text/html`` (or a plain-text / base64 image fallback): Plotly mimetype
outputs become figure divs with escaped JSON, widget views give way to their
``text/html`` fallback, streams, JavaScript and widget state are dropped, and cells
tagged ``{"postmortem": {"part": name}}`` show ``sections[name]`` instead of their
outputs. The optional ``Redactor`` runs on every text node and figure string. Last, long
tokens in the text are marked so that they, and only they, may wrap (longtokens.py).
"""

from __future__ import annotations

import base64
import binascii
import html
import logging
import re
from dataclasses import dataclass, field
from typing import Any

import nbformat

from ..display import WIDGET_MIME
from ..longtokens import break_long_tokens
from ..safehtml import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    markdown_to_html,
    sanitize_html,
    visible_controls,
)
from .plotlyjs import PLOTLY_MIME, figure_dict, figure_html
from .redact import Redactor

log = logging.getLogger(__name__)

# Outputs from our own package (tables, badges, static summaries) need a few more tags
# and classes than the analyst's Markdown; still no scripts, handlers, ids or URLs
# that load anything.
OUTPUT_TAGS = ALLOWED_TAGS | {
    "div", "section", "article", "header", "footer", "caption", "colgroup", "col",
    "tfoot", "details", "summary", "small", "figure", "figcaption", "dl", "dt", "dd",
    "time", "mark", "kbd", "samp", "u", "q", "cite", "var", "ins",
}  # fmt: skip
OUTPUT_ATTRIBUTES: dict[str, set[str]] = {
    **{k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
    "*": {"class", "title", "lang", "dir", "style", "role", "aria-label"},
    "table": {"border"},
    "td": {"align", "colspan", "rowspan", "valign"},
    "th": {"align", "colspan", "rowspan", "scope", "valign"},
    "col": {"span"},
    "colgroup": {"span"},
    "time": {"datetime"},
    "details": {"open"},
    "ol": {"start"},
}
# Inline styles our tables use; nothing that can take a url().
OUTPUT_STYLE_PROPERTIES = {
    "color", "background-color", "text-align", "font-weight", "font-style",
    "font-size", "white-space", "width", "min-width", "max-width", "vertical-align",
    "padding", "padding-left", "padding-right", "margin-left", "border-left",
    "border-bottom", "display", "opacity",
}  # fmt: skip

HIDE_TAGS = frozenset({"remove_cell", "remove-cell", "report-hide", "hide-in-report"})
_B64_RE = re.compile(r"^[A-Za-z0-9+/=\s]+$")
_HEADING_RE = re.compile(r"<h([1-3])>(.*?)</h\1>", re.DOTALL)
_TAG_RE = re.compile(r"<[^>]+>")


def sanitize_output_html(fragment: str) -> str:
    """Clean HTML that a notebook output (or a caller's section) carries."""
    return sanitize_html(
        fragment,
        tags=OUTPUT_TAGS,
        attributes=OUTPUT_ATTRIBUTES,
        style_properties=OUTPUT_STYLE_PROPERTIES,
    )


@dataclass
class Prepared:
    """What the page template needs besides the cells."""

    toc: list[tuple[str, str]] = field(default_factory=list)  # (anchor id, heading text)
    figure_count: int = 0
    title: str | None = None
    _ids: set[str] = field(default_factory=set)


def prepare_notebook(
    nb: nbformat.NotebookNode,
    *,
    sections: dict[str, str] | None = None,
    section_figures: dict[str, list[Any]] | None = None,
    redactor: Redactor | None = None,
) -> tuple[nbformat.NotebookNode, Prepared]:
    """Rewrite ``nb`` in place for the report (callers pass a copy) and collect the TOC."""
    sections = sections or {}
    section_figures = section_figures or {}
    info = Prepared()
    nb.metadata.pop("widgets", None)
    cells = []
    for cell in nb.cells:
        if cell.cell_type == "raw" or HIDE_TAGS & set(cell.get("metadata", {}).get("tags", [])):
            continue
        part = _part_of(cell)
        if cell.cell_type == "markdown":
            if part and part in sections:
                body = _part_html(part, sections, section_figures, redactor, info)
            else:
                body = _anchor(_redact_html(markdown_to_html(cell.source), redactor), info)
                body = break_long_tokens(body)
            cell.metadata["postmortem_html"] = body
            cell.attachments = {}
        elif cell.cell_type == "code":
            cell.source = ""
            if part and part in sections:
                outputs = [
                    _html_output(_part_html(part, sections, section_figures, redactor, info))
                ]
            else:
                outputs = [o for o in (_clean_output(o, redactor, info) for o in cell.outputs) if o]
                if part and section_figures.get(part):
                    figures = _figures_html(section_figures[part], redactor, info)
                    outputs.append(_html_output(figures))
            cell.outputs = outputs
        cells.append(cell)
    nb.cells = cells
    return nb, info


def _part_of(cell: Any) -> str | None:
    meta = cell.get("metadata", {}).get("postmortem")
    part = meta.get("part") if isinstance(meta, dict) else None
    return part if isinstance(part, str) and part else None


def _html_output(fragment: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_output("display_data", data={"text/html": fragment})


def _redact_html(fragment: str, redactor: Redactor | None) -> str:
    return redactor.redact_html(fragment) if redactor else fragment


def _part_html(
    part: str,
    sections: dict[str, str],
    section_figures: dict[str, list[Any]],
    redactor: Redactor | None,
    info: Prepared,
) -> str:
    body = _redact_html(sanitize_output_html(sections[part] or ""), redactor)
    body = f'<div class="pm-part pm-part-{_slug(part)}">{break_long_tokens(body)}</div>'
    return body + _figures_html(section_figures.get(part) or [], redactor, info)


def _figures_html(figures: list[Any], redactor: Redactor | None, info: Prepared) -> str:
    return "".join(_figure(figure, redactor, info) for figure in figures)


def _figure(figure: Any, redactor: Redactor | None, info: Prepared) -> str:
    spec = figure_dict(figure)
    if redactor:
        spec = redactor.redact_value(spec)
    info.figure_count += 1
    return figure_html(spec, f"pm-fig-{info.figure_count}")


def _clean_output(output: Any, redactor: Redactor | None, info: Prepared) -> Any:
    kind = output.get("output_type")
    if kind == "stream":
        return None
    if kind == "error":
        name = html.escape(str(output.get("ename", "Error")))
        value = html.escape(str(output.get("evalue", "")))
        note = f'<p class="pm-cell-error">This step failed: {name}: {value}</p>'
        return _html_output(_redact_html(note, redactor))
    if kind not in ("display_data", "execute_result"):
        return None
    data = output.get("data", {})
    new: dict[str, Any] = {}
    if PLOTLY_MIME in data and isinstance(data[PLOTLY_MIME], dict):
        new["text/html"] = _figure(data[PLOTLY_MIME], redactor, info)
    elif "text/html" in data:
        body = _redact_html(sanitize_output_html(_text(data["text/html"])), redactor)
        new["text/html"] = break_long_tokens(body)
    elif "text/markdown" in data:
        body = markdown_to_html(_text(data["text/markdown"]))
        new["text/html"] = break_long_tokens(_redact_html(body, redactor))
    elif "image/png" in data or "image/jpeg" in data:
        mime = "image/png" if "image/png" in data else "image/jpeg"
        if _is_base64(_text(data[mime])):
            new[mime] = _text(data[mime]).strip()
    elif "image/svg+xml" in data:
        # As an <img>, an SVG's scripts never run.
        encoded = base64.b64encode(_text(data["image/svg+xml"]).encode()).decode()
        new["text/html"] = f'<img alt="figure" src="data:image/svg+xml;base64,{encoded}">'
    if not new and "text/plain" in data and WIDGET_MIME not in data:
        # (a widget without an HTML fallback has only its repr, e.g. "Text(value='x')")
        text = visible_controls(_text(data["text/plain"]))
        new["text/plain"] = redactor.redact_text(text) if redactor else text
    if not new:
        return None
    return nbformat.v4.new_output(
        kind, data=new, **({"execution_count": None} if kind == "execute_result" else {})
    )


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _is_base64(value: str) -> bool:
    if not _B64_RE.match(value):
        return False
    try:
        base64.b64decode(value, validate=False)
    except (binascii.Error, ValueError):
        return False
    return True


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug or "section"


def _anchor(fragment: str, info: Prepared) -> str:
    """Give h1-h3 stable ids (``sec-...``, derived from their text) and collect h2s."""

    def repl(match: re.Match[str]) -> str:
        level, inner = match.group(1), match.group(2)
        text = html.unescape(_TAG_RE.sub("", inner)).strip()
        anchor = "sec-" + _slug(text)
        base, n = anchor, 2
        while anchor in info._ids:
            anchor, n = f"{base}-{n}", n + 1
        info._ids.add(anchor)
        if level == "2":
            info.toc.append((anchor, text))
        elif level == "1" and info.title is None:
            info.title = text
        return f'<h{level} id="{anchor}">{inner}</h{level}>'

    return _HEADING_RE.sub(repl, fragment)
