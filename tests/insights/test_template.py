"""The insights notebook template's contract, checked without a kernel."""

from __future__ import annotations

import ast
import json

import nbformat
import papermill as pm

from postmortem_nb.insights.params import InsightsParams
from postmortem_nb.insights.workbook import InsightsWorkbook
from postmortem_nb.resources import template_notebook

NAME = "insights.ipynb"


def _nb():
    return nbformat.read(template_notebook(NAME), as_version=4)


def test_parameters_match_the_parameter_model():
    inferred = pm.inspect_notebook(str(template_notebook(NAME)))
    assert list(inferred) == InsightsParams.names()
    defaults = InsightsParams()
    for name, info in inferred.items():
        assert ast.literal_eval(info["default"]) == getattr(defaults, name), name


def test_exactly_one_parameters_cell_holding_literals_only():
    cells = [c for c in _nb().cells if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1
    for node in ast.parse(cells[0].source).body:
        assert isinstance(node, ast.Assign)
        ast.literal_eval(node.value)


def test_no_outputs_are_committed():
    raw = json.loads(template_notebook(NAME).read_text())
    for cell in raw["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == []
            assert cell["execution_count"] is None


def test_code_cells_are_one_call_each_into_the_workbook():
    calls = []
    for cell in _nb().cells:
        if cell.cell_type != "code" or "parameters" in cell.metadata.get("tags", []):
            continue
        tree = ast.parse(cell.source)
        for stmt in tree.body:
            if isinstance(stmt, ast.Import):
                assert [a.name for a in stmt.names] == ["postmortem_nb.insights"]
                continue
            value = stmt.value if isinstance(stmt, ast.Assign | ast.Expr) else None
            assert isinstance(value, ast.Call), cell.source
            assert isinstance(value.func, ast.Attribute), cell.source
            assert value.func.value.id in {"pmi", "wb"}, cell.source
            if value.func.value.id == "wb":
                calls.append(value.func.attr)
    for name in calls:  # every cell calls a real method
        assert callable(getattr(InsightsWorkbook, name)), name
    assert len(calls) == len(set(calls))


def test_sections_in_order():
    headings = [c.source.splitlines()[0] for c in _nb().cells
                if c.cell_type == "markdown" and c.source.startswith("#")]
    assert headings == [
        "# Learning across incidents",
        "## Detection and response over time",
        "## Incidents per week and per service",
        "## Recurring contributing factors",
        "## Action items",
        "## Coverage",
        "## Review findings",
        "## Could not read",
    ]


def test_the_page_title_is_set_once():
    nb = _nb()
    assert nb.metadata["title"] == "Learning across incidents"
    h1 = [c for c in nb.cells if c.cell_type == "markdown" and c.source.startswith("# ")]
    assert len(h1) == 1
    assert "report-hide" in h1[0].metadata["tags"]  # the page header shows the title
