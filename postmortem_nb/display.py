"""Outputs that are live widgets in JupyterLab and plain, safe HTML everywhere else.

A cell's output bundle carries both the widget view and a static ``text/html``
rendering. JupyterLab shows the widget; papermill outputs and the exported report
(whose exporter drops widget views) show the static HTML, never an empty box.
"""

from __future__ import annotations

from typing import Any

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


class Live:
    """Pair a widget with its static HTML fallback for display in a notebook cell."""

    def __init__(self, widget: Any, html: str, text: str = "") -> None:
        self.widget = widget
        self.html = html
        self.text = text or "(interactive view; static summary in HTML)"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        bundle: dict[str, Any] = {"text/plain": self.text, "text/html": self.html}
        if self.widget is not None:
            widget_bundle = self.widget._repr_mimebundle_() or {}
            if WIDGET_MIME in widget_bundle:
                bundle[WIDGET_MIME] = widget_bundle[WIDGET_MIME]
        return bundle


class HTML:
    """Static, already-safe HTML for display (no IPython import needed in the package)."""

    def __init__(self, html: str, text: str = "") -> None:
        self.html = html
        self.text = text or "(HTML output)"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return {"text/plain": self.text, "text/html": self.html}
