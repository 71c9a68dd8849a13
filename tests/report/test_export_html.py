"""The HTML report without a browser: content, safety rules, size, redaction, files."""

from __future__ import annotations

import base64
import gzip
import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from nbfactory import HEADER, HEADINGS, HOSTILE, build_notebook, html_output, impact_figure
from nbformat.v4 import new_code_cell, new_output, new_raw_cell

from postmortem_nb.errors import InputFormatError, ParameterError
from postmortem_nb.report import Redactor, export_html, write_report
from postmortem_nb.report.plotlyjs import (
    figure_dict,
    json_for_script,
    plotly_js_version,
    static_figure,
)

SECTIONS = {
    "summary": "<p>Checkout failed for <strong>52 minutes</strong>.</p>",
    "root_cause": "<ol><li>Why? A config push.</li></ol>",
    "action_items": "<table class='pm-actions'><tr><td>Add canary</td></tr></table>",
}


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attrs.extend(attrs)


def _elements(html: str) -> tuple[set[str], list[tuple[str, str | None]]]:
    """Every element name and attribute the browser will see (text is not markup)."""
    parser = _Collect()
    parser.feed(html)
    return parser.tags, parser.attrs


def _body(html: str) -> str:
    return html.split("<body", 1)[1]


def test_report_has_header_toc_sections_and_no_code(notebook):
    html = export_html(notebook, sections=SECTIONS, header=HEADER)
    body = _body(html)
    for heading in HEADINGS:
        assert re.search(rf"<h2 id=\"sec-[a-z0-9-]+\">{re.escape(heading)}</h2>", body)
        assert f">{heading}</a></li>" in body  # in the table of contents
    assert "20260308-1358-checkout-api" in body
    assert "Europe/Berlin" in body
    assert "2026-03-08 13:58 UTC" in body
    assert "Incident commander" in body
    # no code, no prompts, no streams, no raw object reprs, no widget views or state
    for absent in ("pm.milestones()", "In&nbsp;[", "Out[", "naive timestamps read",
                   "computing baseline", "object at 0x7f", "widget-view+json",
                   "widget-state+json", "0123456789abcdef", "jp-InputArea"):  # fmt: skip
        assert absent not in html, absent
    # widget output shows its static HTML fallback instead
    assert "upstream connect error" in body


def test_parts_replaced_missing_parts_keep_outputs(notebook):
    fishbone = impact_figure().update_layout(title="Fishbone").to_plotly_json()
    html = export_html(notebook, sections=SECTIONS, section_figures={"root_cause": [fishbone]})
    assert "52 minutes" in html
    assert "Add canary" in html
    assert "No summary written yet" not in html
    assert "Five whys not filled in" not in html
    assert "Impact narrative missing" in html  # no section given: executed output kept
    assert html.count('class="pm-figure"') == 5
    root = html.index("Why? A config push")
    assert html.index('id="pm-fig-', root) < html.index(">4. Impact assessment</h2>")


def test_plotly_embedded_once_compressed_and_offline(notebook):
    html = export_html(notebook, header=HEADER)
    assert html.count('id="pm-plotlyjs"') == 1
    assert f'data-plotly-version="{plotly_js_version()}"' in html
    assert f"plotly.js {plotly_js_version()}" in html  # the footer says which one
    assert "window.Plotly=Plotly" not in html.replace(" ", "")  # not shipped uncompressed
    # nothing that would load from the network when opened
    assert not re.search(r"""<(script|link|img|iframe)[^>]+(src|href)=["']?(https?:)?//""", html)
    for needle in ("require.js", "requirejs", "MathJax", "cdn.jsdelivr", "unpkg.com", "@import"):
        assert needle not in html, needle
    assert "Content-Security-Policy" in html
    assert "connect-src 'none'" in html


def test_report_without_figures_carries_no_plotly():
    nb = build_notebook()
    nb.cells = [c for c in nb.cells if "plotly" not in str(c.get("outputs", ""))]
    html = export_html(nb)
    assert "pm-plotlyjs" not in html
    assert "script-src 'none'" in html
    assert len(html.encode()) < 200_000


def test_size_with_four_realistic_figures(notebook):
    html = export_html(notebook, sections=SECTIONS, header=HEADER)
    size = len(html.encode("utf-8"))
    assert html.count('class="pm-figure"') == 4
    assert size <= 3_000_000, size


def test_hostile_strings_are_text(hostile_notebook):
    html = export_html(
        hostile_notebook,
        sections={"summary": HOSTILE[0] + HOSTILE[1] + HOSTILE[2]},
        header={**HEADER, "title": HOSTILE[0], "authors_by_role": [{"role": HOSTILE[1]}]},
    )
    body = _body(html)
    # no element or attribute from data survives
    assert not re.search(r"<script(?![^>]*(pm-figure-data|application/json))", body)
    tags, attrs = _elements(body)
    assert not {"svg", "iframe", "object", "embed", "style", "link"} & tags
    # the one image is the SVG output, as a data: URL (its scripts cannot run in an <img>)
    srcs = [v for k, v in attrs if k == "src"]
    assert srcs
    assert all(v.startswith("data:image/svg+xml;base64,") for v in srcs)
    assert not [a for a in attrs if a[0].startswith("on")]
    assert not [a for a in attrs if "javascript:" in (a[1] or "").lower()]
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in body
    assert "{{ 7*7 }}" in body
    assert "{% if true %}" in body
    # figure JSON cannot close its script element
    for block in re.findall(r'type="application/json">(.*?)</script>', body, re.S):
        assert "<" not in block
        assert ">" not in block
    assert "data:image/png" not in body  # a png output that is not base64 is dropped


def test_json_for_script_escapes_and_round_trips():
    import json

    value = {"t": "</script><!-- & \u2028", "n": [1.5, None]}
    text = json_for_script(value)
    assert "<" not in text
    assert ">" not in text
    assert "&" not in text
    assert "\u2028" not in text
    assert json.loads(text) == value


def test_redaction_in_html_tables_text_and_figures():
    messages = [
        "login by jane.doe@example.com from 10.1.2.3 token=9f86d081884c7d659a2feaa0c55ad015"
    ]
    nb = build_notebook(titles=["Paged Jane Doe about cus_NffrFeUfNV2Hib"] * 2, messages=messages)
    plain = export_html(nb)
    assert "jane.doe@example.com" in plain
    html = export_html(
        nb,
        header={**HEADER, "authors_by_role": [{"role": "IC", "name_or_role": "Jane Doe"}]},
        sections={"summary": "<p>Reported by jane.doe@example.com</p>"},
        redact=Redactor(people=["Jane Doe"]),
    )
    for secret in ("jane.doe@example.com", "10.1.2.3", "9f86d081884c7d659a2feaa0c55ad015",
                   "cus_NffrFeUfNV2Hib", "Jane Doe"):  # fmt: skip
        assert secret not in html, secret
    assert "[email]" in html
    assert "[ip]" in html
    assert "[person]" in html
    assert "[customer]" in html
    assert "token=[secret]" in html
    assert "masked" in html  # the footer says the report is redacted
    assert html.count('class="pm-figure"') == 4  # markup intact


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_write_report_is_atomic_and_reads_paths(tmp_path: Path, notebook):
    path = tmp_path / "ws" / "postmortem.ipynb"
    path.parent.mkdir()
    nbformat.write(notebook, path)
    html = export_html(path)
    target = write_report(html, tmp_path / "ws" / "report.html")
    assert target.read_text(encoding="utf-8") == html
    assert target.stat().st_mode & 0o777 == 0o666 & ~_current_umask()  # shareable, not 0600
    assert sorted(p.name for p in target.parent.iterdir()) == ["postmortem.ipynb", "report.html"]


def test_bad_notebook_path_is_named(tmp_path: Path):
    with pytest.raises(InputFormatError, match=r"missing\.ipynb"):
        export_html(tmp_path / "missing.ipynb")
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputFormatError, match=r"broken\.ipynb.*not a readable Jupyter notebook"):
        export_html(broken)


def test_pandas_to_html_escapes_by_default():
    # the tables other modules display rely on this default
    html = pd.DataFrame({"title": ["<script>x</script>"]}).to_html()
    assert "&lt;script&gt;x&lt;/script&gt;" in html
    assert "<script>" not in html


def test_section_figures_accept_figures_numpy_and_nan(notebook):
    fig = go.Figure(go.Scatter(x=np.arange(4), y=np.array([1.0, np.nan, 3.0, np.inf])))
    as_dict = {"data": [{"type": "bar", "x": ["a"], "y": [float("nan")]}], "layout": {}}
    html = export_html(notebook, section_figures={"root_cause": [fig, as_dict]})
    assert html.count('class="pm-figure"') == 6
    assert "NaN" not in _body(html)
    with pytest.raises(ParameterError, match="Expected a Plotly figure"):
        export_html(notebook, section_figures={"root_cause": ["not a figure"]})


def _figure_specs(html: str) -> list[dict]:
    specs = []
    for attrs, text in re.findall(r'<script ([^>]*class="pm-figure-data"[^>]*)>(.*?)</script>',
                                  html, re.S):  # fmt: skip
        if "gzip-base64" in attrs:
            text = gzip.decompress(base64.b64decode(text)).decode()
        specs.append(json.loads(text))
    return specs


def test_webgl_traces_drawn_as_svg_when_small(notebook):
    specs = _figure_specs(export_html(notebook))
    types = [t["type"] for spec in specs for t in spec["data"]]
    assert "scattergl" not in types  # the 3,000-point latency scatter prints as SVG
    assert types.count("scatter") == 5
    big = go.Figure(go.Scattergl(x=np.arange(60_000), y=np.zeros(60_000)))
    assert static_figure(figure_dict(big))["data"][0]["type"] == "scattergl"


def test_hidden_cells_raw_cells_and_failed_steps():
    nb = build_notebook()
    nb.cells.insert(
        3, new_code_cell("secret()", metadata={"tags": ["report-hide"]},
                         outputs=[html_output("<p>internal scratch work</p>")])
    )  # fmt: skip
    nb.cells.insert(3, new_raw_cell("<script>window.__pwned=1</script>raw payload"))
    nb.cells.append(
        new_code_cell("boom()", outputs=[new_output("error", ename="KeyError",
                      evalue="'<b>latency</b>'", traceback=["Traceback...", "KeyError"])])
    )  # fmt: skip
    nb.cells.append(
        new_code_cell("w", outputs=[new_output("display_data", data={
            "text/plain": "Text(value='draft')",
            "application/vnd.jupyter.widget-view+json": {"model_id": "ab12", "version_major": 2},
        })])
    )  # fmt: skip
    body = _body(export_html(nb))
    assert "Text(value=" not in body  # a widget without an HTML fallback leaves nothing
    assert "internal scratch work" not in body
    assert "raw payload" not in body
    # the error is named, as text (nbconvert's serialiser writes the quotes back as ')
    assert "This step failed: KeyError: '&lt;b&gt;latency&lt;/b&gt;'" in body
    assert "Traceback..." not in body
