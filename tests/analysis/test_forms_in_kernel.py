"""The forms in a real kernel, headless as under papermill: static HTML, no waiting, no writes."""

from __future__ import annotations

import json

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = [pytest.mark.notebook, pytest.mark.slow]


def test_forms_render_static_html_headless_and_write_nothing(tmp_path, outage_dict):
    outage_dict["summary"]["what_happened"] += "\n\n<script>window.__pwned=1</script>"
    (tmp_path / "analysis.json").write_text(json.dumps(outage_dict))
    before = (tmp_path / "analysis.json").read_bytes()
    forms = ["summary_form", "timeline_form", "five_whys_form", "fishbone_form", "impact_form",
             "action_items_form", "lessons_form", "review_form"]
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "from postmortem_nb import widgets\n"
        f"from postmortem_nb.analysis import AnalysisStore\nWS = {str(tmp_path)!r}")]
    nb.cells += [nbformat.v4.new_code_cell(f"widgets.{name}(WS)") for name in forms]
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    htmls = []
    for cell, name in zip(nb.cells[1:], forms, strict=True):
        outputs = [o for o in cell.outputs if o.get("output_type") == "execute_result"]
        assert len(outputs) == 1, (name, cell.outputs)
        data = outputs[0]["data"]
        assert "application/vnd.jupyter.widget-view+json" in data, name
        assert data["text/html"].strip(), name
        htmls.append(data["text/html"])
    page = "\n".join(htmls)
    assert "payments connection pool" in page
    assert "Add schema validation for pool sizes" in page
    assert "Config changes skip canary" in page
    assert "<script" not in page
    assert (tmp_path / "analysis.json").read_bytes() == before
