"""Notebooks built in memory the way an executed post-mortem draft looks.

Figures are real Plotly mimetype bundles (what renderer "plotly_mimetype" puts in the
kernel's outputs), tables come from pandas ``to_html``, widget outputs carry a
widget view next to their HTML fallback, and some cells print to stdout/stderr.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

HEADINGS = [
    "1. Incident summary",
    "2. Timeline of events",
    "3. Root cause analysis",
    "4. Impact assessment",
    "5. Action items",
    "6. Lessons learned",
    "Appendix: data and methods",
]

HOSTILE = [
    "<script>window.__pwned=1</script>",
    '<img src=x onerror="window.__pwned=1">',
    '<a href="javascript:window.__pwned=1">click me</a>',
    "</script><script>window.__pwned=1</script>",
    '"><svg onload="window.__pwned=1">',
    "{{ 7*7 }} {% if true %}tpl{% endif %} ${7*7}",
    '<iframe src="javascript:window.__pwned=1"></iframe>',
]
HOSTILE_MARKDOWN = (
    "Root cause <script>window.__pwned=1</script> and "
    "[a link](javascript:window.__pwned=1) and <img src=x onerror=window.__pwned=1> "
    "{{ 7*7 }}"
)

START = pd.Timestamp("2026-03-08T13:00:00Z")


def plotly_output(fig: go.Figure) -> nbformat.NotebookNode:
    bundle = pio.renderers["plotly_mimetype"].to_mimebundle(fig)
    bundle["text/plain"] = "Figure({...})"
    return new_output("display_data", data=bundle)


def html_output(html: str, *, widget: bool = False) -> nbformat.NotebookNode:
    data = {"text/html": html, "text/plain": "<object repr>"}
    if widget:
        data["application/vnd.jupyter.widget-view+json"] = {
            "model_id": "0123456789abcdef",
            "version_major": 2,
            "version_minor": 0,
        }
    return new_output("display_data", data=data)


def part_cell(part: str, fallback_html: str) -> nbformat.NotebookNode:
    cell = new_code_cell(f"pm.show_part({part!r})", outputs=[html_output(fallback_html)])
    cell.metadata["postmortem"] = {"part": part}
    return cell


def error_rate_figure(rng: np.random.Generator, title: str = "Errors per minute") -> go.Figure:
    minutes = pd.date_range(START - pd.Timedelta(hours=2), periods=360, freq="min")
    fig = go.Figure()
    for service in ("checkout-api", "payments", "cart"):
        y = rng.poisson(3, len(minutes)).astype(float)
        y[120:170] += 80 if service == "checkout-api" else 10
        fig.add_trace(go.Scatter(x=minutes, y=y, mode="lines", name=service))
    fig.add_vrect(x0=minutes[120], x1=minutes[170], fillcolor="red", opacity=0.1)
    fig.update_layout(title=title, height=380)
    return fig


def latency_figure(rng: np.random.Generator, labels: list[str] | None = None) -> go.Figure:
    n = 3000
    ts = START + pd.to_timedelta(np.sort(rng.uniform(0, 4 * 3600, n)), unit="s")
    text = labels * (n // len(labels)) + labels[: n % len(labels)] if labels else None
    fig = go.Figure(
        go.Scattergl(
            x=ts,
            y=rng.lognormal(5, 0.6, n),
            mode="markers",
            name="request latency",
            text=text,
            hovertemplate="%{text}<extra></extra>" if text else None,
        )
    )
    fig.update_layout(title="Latency (ms)", yaxis_type="log")
    return fig


def timeline_figure(events: list[tuple[pd.Timestamp, str]]) -> go.Figure:
    fig = go.Figure(
        go.Scatter(
            x=[t for t, _ in events],
            y=[1] * len(events),
            mode="markers+text",
            text=[d for _, d in events],
            textposition="top center",
            name="events",
        )
    )
    for t, d in events[:3]:
        fig.add_annotation(x=t, y=1, text=d, showarrow=True)
    fig.update_layout(title="Timeline", yaxis_visible=False)
    return fig


def impact_figure() -> go.Figure:
    fig = go.Figure(go.Bar(x=["baseline", "incident"], y=[0.2, 14.5], name="failed share (%)"))
    fig.update_layout(title="Failed requests vs baseline")
    return fig


def alerts_table(titles: list[str]) -> str:
    frame = pd.DataFrame(
        {
            "alert_id": [f"A-{i}" for i in range(len(titles))],
            "service": "checkout-api",
            "severity": "SEV2",
            "title": titles,
            "started_at": [START + pd.Timedelta(minutes=i) for i in range(len(titles))],
        }
    )
    return frame.to_html(index=False, classes="pm-table")


def build_notebook(
    *, titles: list[str] | None = None, messages: list[str] | None = None, seed: int = 7
) -> nbformat.NotebookNode:
    """A post-mortem notebook as papermill leaves it: six sections, appendix, 4 figures."""
    rng = np.random.default_rng(seed)
    titles = titles or [f"High error rate on checkout-api ({i})" for i in range(40)]
    messages = messages or ["upstream connect error or disconnect/reset before headers"] * 3
    events = [(START + pd.Timedelta(minutes=3 * i), f"event {i}: {m}") for i, m in
              enumerate(messages * 5)]  # fmt: skip
    logs = pd.DataFrame(
        {"timestamp": [t for t, _ in events], "level": "ERROR", "message": [d for _, d in events]}
    )
    cells = [
        new_markdown_cell("# Post-mortem draft"),
        new_code_cell("params = ...", metadata={"tags": ["parameters"]}),
        new_markdown_cell(f"## {HEADINGS[0]}\n\nWhat happened, when, who was involved."),
        part_cell("summary", "<p>No summary written yet.</p>"),
        new_code_cell(
            "pm.milestones()",
            outputs=[
                new_output("stream", name="stderr", text="WARNING: naive timestamps read in UTC\n"),
                html_output(alerts_table(titles)),
            ],
        ),
        new_markdown_cell(f"## {HEADINGS[1]}"),
        new_code_cell("pm.timeline_figure()", outputs=[plotly_output(timeline_figure(events))]),
        new_code_cell(
            "pm.log_explorer()",
            outputs=[html_output(logs.to_html(index=False), widget=True)],
        ),
        part_cell("timeline_notes", "<p>No notes.</p>"),
        new_markdown_cell(f"## {HEADINGS[2]}"),
        part_cell("root_cause", "<p>Five whys not filled in.</p>"),
        new_markdown_cell(f"## {HEADINGS[3]}"),
        new_code_cell(
            "pm.error_rate()",
            outputs=[
                new_output("stream", name="stdout", text="computing baseline...\n"),
                plotly_output(error_rate_figure(rng)),
            ],
        ),
        new_code_cell("pm.latency()", outputs=[plotly_output(latency_figure(rng, messages))]),
        new_code_cell("pm.impact()", outputs=[plotly_output(impact_figure())]),
        part_cell("impact_narrative", "<p>Impact narrative missing.</p>"),
        new_markdown_cell(f"## {HEADINGS[4]}"),
        part_cell("action_items", "<p>No action items.</p>"),
        new_markdown_cell(f"## {HEADINGS[5]}"),
        part_cell("lessons", "<p>No lessons yet.</p>"),
        new_markdown_cell(f"## {HEADINGS[6]}\n\nInputs, hashes and methods."),
        new_code_cell(
            "pm.provenance()",
            outputs=[
                new_output(
                    "execute_result",
                    data={
                        "text/plain": "<pandas.DataFrame object at 0x7f>",
                        "text/html": "<table><tr><th>file</th><td>alerts.csv</td></tr></table>",
                    },
                    execution_count=12,
                )
            ],
        ),
    ]
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["widgets"] = {
        "application/vnd.jupyter.widget-state+json": {"state": {}, "version_major": 2}
    }
    return nb


HEADER = {
    "incident_id": "20260308-1358-checkout-api",
    "title": "Checkout failures after payments deploy",
    "severity": "SEV2",
    "status": "draft",
    "start_utc": "2026-03-08 13:58",
    "start_local": "2026-03-08 14:58",
    "end_utc": "2026-03-08 14:50",
    "end_local": "2026-03-08 15:50",
    "tz": "Europe/Berlin",
    "authors_by_role": [{"role": "Incident commander", "name_or_role": "on-call lead"}],
    "generated_at": "2026-03-09T10:00:00Z",
}


def write(tmp_path: Path, html: str, name: str = "report.html") -> Path:
    path = tmp_path / name
    path.write_text(html, encoding="utf-8")
    return path
