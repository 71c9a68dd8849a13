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


PLOTLY_MIME = "application/vnd.plotly.v1+json"


class Figure:
    """A Plotly figure as Plotly's JSON mimetype: interactive in JupyterLab, embeddable in
    the report, and cheap in the kernel.

    Displaying a ``go.Figure`` directly goes through ``plotly.io``'s renderers, which
    import nbformat and jsonschema (seconds per kernel); this serialises with
    ``plotly.io.json`` only.
    """

    def __init__(self, figure: Any) -> None:
        self.figure = figure

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        import json

        from plotly.io.json import to_json_plotly

        spec = json.loads(to_json_plotly(self.figure))
        title = ((spec.get("layout") or {}).get("title") or {}).get("text") or "figure"
        return {
            PLOTLY_MIME: {
                "data": spec.get("data", []),
                "layout": spec.get("layout", {}),
                "config": {"displaylogo": False, "responsive": True},
            },
            "text/plain": f"<Plotly figure: {title}>",
        }
