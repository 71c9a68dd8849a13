"""The nbconvert exporter and the library calls that produce the shared HTML report.

``PostmortemHTMLExporter`` is registered as the ``postmortem`` nbconvert exporter, so
``jupyter nbconvert --to postmortem x.ipynb`` gives the same safe, offline page that
``export_html`` builds (without the analyst's sections, which need analysis.json).
"""

from __future__ import annotations

import base64
import copy
import hashlib
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import nbformat
from nbconvert.exporters import HTMLExporter
from traitlets import Any as AnyTrait
from traitlets import Dict, Unicode, default

from ..errors import InputFormatError, PostmortemError
from ..resources import templates_dir
from .page import footer_html, header_html, page_title, toc_html
from .plotlyjs import LOADER_JS, plotly_bundle
from .preprocess import prepare_notebook
from .redact import Redactor

# An HTML comment only our template can contain (data is escaped or sanitised, and
# the sanitiser drops comments); replaced once, in <head>, after nbconvert's pass.
HEAD_MARKER = "<!--postmortem:head-scripts-->"


def _sha256(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


def head_scripts(with_figures: bool) -> str:
    """CSP (only our two scripts may run, nothing may be fetched) plus plotly.js when needed."""
    bundle = plotly_bundle() if with_figures else None
    scripts = (
        f"'sha256-{_sha256(LOADER_JS)}' 'sha256-{bundle.script_sha256}'" if bundle else "'none'"
    )
    csp = (
        f"default-src 'none'; script-src {scripts}; style-src 'unsafe-inline'; "
        "img-src data: blob:; font-src data:; connect-src 'none'; base-uri 'none'; "
        "form-action 'none'"
    )
    out = f'<meta http-equiv="Content-Security-Policy" content="{csp}">\n'
    if bundle:
        out += (
            f'<script type="text/plain" id="pm-plotlyjs" data-plotly-version="{bundle.version}">'
            f"{bundle.payload}</script>\n<script>{LOADER_JS}</script>\n"
        )
    return out


class PostmortemHTMLExporter(HTMLExporter):
    """HTML report: no code, safe outputs, Plotly embedded once, no network on open."""

    export_from_notebook = "Post-mortem report"

    sections = Dict(help="part name -> already-sanitised HTML replacing that part's outputs")
    section_figures = Dict(help="part name -> Plotly figure dicts drawn after the part's HTML")
    header = Dict(help="incident_id, title, severity, status, dates, authors_by_role, ...")
    redactor = AnyTrait(None, allow_none=True, help="a postmortem_nb.report.Redactor, or None")
    extra_css = Unicode("", help="more CSS from the package (trusted), after the report's own")

    @default("template_name")
    def _template_name_default(self) -> str:
        return "postmortem"

    @default("extra_template_basedirs")
    def _default_extra_template_basedirs(self) -> list[str]:
        return [str(templates_dir())]

    @default("exclude_input")
    def _exclude_input_default(self) -> bool:
        return True

    @default("exclude_input_prompt")
    def _exclude_input_prompt_default(self) -> bool:
        return True

    @default("exclude_output_prompt")
    def _exclude_output_prompt_default(self) -> bool:
        return True

    @default("exclude_raw")
    def _exclude_raw_default(self) -> bool:
        return True

    def from_notebook_node(  # type: ignore[override]
        self, nb: nbformat.NotebookNode, resources: dict[str, Any] | None = None, **kw: Any
    ) -> tuple[str, dict[str, Any]]:
        redactor = self.redactor
        prepared, info = prepare_notebook(
            copy.deepcopy(nb),
            sections=dict(self.sections),
            section_figures=dict(self.section_figures),
            redactor=redactor,
        )
        resources = dict(resources or {})
        name = resources.get("metadata", {}).get("name") or "Post-mortem"
        fallback = str(nb.metadata.get("title") or info.title or name)
        header = dict(self.header) if self.header else None
        resources["postmortem"] = {
            "title": page_title(header, fallback, redactor),
            "header_html": header_html(header, fallback, redactor),
            "toc_html": toc_html(info.toc),
            "footer_html": footer_html(
                info.figure_count, (header or {}).get("generated_at"),
                redactor is not None and redactor.full,
            ),
            "head_marker": HEAD_MARKER,
            "body_class": " pm-has-header" if header else "",
            "extra_css": self.extra_css.replace("</", "<\\/"),
        }
        output, resources = super().from_notebook_node(prepared, resources, **kw)
        output = output.replace(HEAD_MARKER, head_scripts(info.figure_count > 0), 1)
        return output, resources


def _load(nb: nbformat.NotebookNode | str | os.PathLike[str]) -> nbformat.NotebookNode:
    if isinstance(nb, nbformat.NotebookNode):
        return nb
    path = Path(nb)
    try:
        return nbformat.read(path, as_version=4)
    except FileNotFoundError as exc:
        raise InputFormatError("notebook not found.", path=str(path)) from exc
    except Exception as exc:  # nbformat raises several kinds for a broken file
        raise InputFormatError(
            f"not a readable Jupyter notebook (expected nbformat 4 JSON): {exc}",
            path=str(path),
        ) from exc


def export_html(
    nb: nbformat.NotebookNode | str | os.PathLike[str],
    *,
    sections: Mapping[str, str] | None = None,
    section_figures: Mapping[str, list[Any]] | None = None,
    header: Mapping[str, Any] | None = None,
    redact: Redactor | None = None,
) -> str:
    """The complete, self-contained report page for an executed notebook."""
    notebook = _load(nb)
    exporter = PostmortemHTMLExporter(
        sections=dict(sections or {}),
        section_figures={k: list(v) for k, v in (section_figures or {}).items()},
        header=dict(header or {}),
        redactor=redact,
    )
    resources: dict[str, Any] = {"metadata": {"name": _name_of(nb)}}
    html, _ = exporter.from_notebook_node(notebook, resources=resources)
    return html


def _name_of(nb: Any) -> str:
    if isinstance(nb, str | os.PathLike):
        return Path(nb).stem
    return "Post-mortem"


def _umask() -> int:
    # Read, not set-and-restore: os.umask() would briefly change it for every thread.
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


def write_report(html: str, path: str | os.PathLike[str]) -> Path:
    """Write the page atomically (temp file in the same folder, then rename)."""
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise PostmortemError(f"Cannot write the report to {target}: {exc}") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(html)
        # mkstemp makes the file private (0600); a report is meant to be shared.
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


__all__ = ["PostmortemHTMLExporter", "export_html", "head_scripts", "write_report"]
