"""The shared report: safe, offline, self-contained HTML (and Markdown) from a notebook.

Names load lazily so that ``Redactor`` does not pull in nbconvert.
"""

from __future__ import annotations

from .._lazy import lazy_getattr

_LAZY = {
    "PostmortemHTMLExporter": "exporter",
    "export_html": "exporter",
    "write_report": "exporter",
    "export_markdown": "markdown",
    "Redactor": "redact",
    "screenshot": "browser",
    "plotly_js_version": "plotlyjs",
}

__all__ = sorted(_LAZY)


__getattr__ = lazy_getattr(__name__, _LAZY, globals())
