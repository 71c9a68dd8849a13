"""The shared report: safe, offline, self-contained HTML (and Markdown) from a notebook.

Names load lazily so that ``Redactor`` does not pull in nbconvert.
"""

from __future__ import annotations

import importlib
from typing import Any

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


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'postmortem_nb.report' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
