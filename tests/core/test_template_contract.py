"""The notebook template's contract, checked without a kernel."""

from __future__ import annotations

import ast
import json

import nbformat
import papermill as pm

from postmortem_nb.params import Params
from postmortem_nb.resources import template_notebook

PARTS = {"summary", "timeline_notes", "root_cause", "impact_narrative", "action_items", "lessons"}
SECTIONS = [
    "## 1. Incident summary",
    "## 2. Timeline of events",
    "## 3. Root cause analysis",
    "## 4. Impact assessment",
    "## 5. Action items",
    "## 6. Lessons learned",
]


def _nb():
    return nbformat.read(template_notebook(), as_version=4)


def test_parameters_match_the_parameter_model():
    inferred = pm.inspect_notebook(str(template_notebook()))
    assert list(inferred) == Params.names()
    defaults = Params()
    for name, info in inferred.items():
        assert ast.literal_eval(info["default"]) == getattr(defaults, name), name


def test_exactly_one_parameters_cell_holding_literals_only():
    cells = [c for c in _nb().cells if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1
    for node in ast.parse(cells[0].source).body:
        assert isinstance(node, ast.Assign)
        ast.literal_eval(node.value)  # raises for anything but a literal


def test_no_outputs_are_committed():
    raw = json.loads(template_notebook().read_text())
    for cell in raw["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == []
            assert cell["execution_count"] is None


def test_code_cells_only_call_the_package():
    for cell in _nb().cells[2:]:
        if cell.cell_type != "code" or "parameters" in cell.metadata.get("tags", []):
            continue
        tree = ast.parse(cell.source)
        for stmt in tree.body:
            if isinstance(stmt, ast.Import):
                assert [a.name for a in stmt.names] == ["postmortem_nb"]
                continue
            value = stmt.value if isinstance(stmt, ast.Assign | ast.Expr) else None
            assert isinstance(value, ast.Call), cell.source
            func = value.func
            assert isinstance(func, ast.Attribute), cell.source
            assert isinstance(func.value, ast.Name)
            assert func.value.id in {"pm", "wb"}, cell.source


def test_six_sections_in_report_order_with_analyst_parts():
    nb = _nb()
    headings = [c.source.splitlines()[0] for c in nb.cells if c.cell_type == "markdown"]
    positions = [headings.index(h) for h in SECTIONS]
    assert positions == sorted(positions)
    parts = {c.metadata["postmortem"]["part"] for c in nb.cells if "postmortem" in c.metadata}
    assert parts == PARTS


def test_public_api_resolves():
    import postmortem_nb as pm

    for name in pm.__all__:
        assert getattr(pm, name) is not None, name
