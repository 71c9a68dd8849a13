"""Fixtures for the report tests: realistic and hostile post-mortem notebooks."""

from __future__ import annotations

import os

import nbformat
import plotly.graph_objects as go
import pytest
from nbfactory import HOSTILE, HOSTILE_MARKDOWN, build_notebook, plotly_output
from nbformat.v4 import new_code_cell, new_markdown_cell, new_output


@pytest.fixture(scope="session", autouse=True)
def _plotly_cache_in_tmp(tmp_path_factory):
    """Keep the compressed plotly.js cache out of the real home folder."""
    old = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if old is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = old


@pytest.fixture
def notebook() -> nbformat.NotebookNode:
    return build_notebook()


@pytest.fixture
def hostile_notebook() -> nbformat.NotebookNode:
    nb = build_notebook(titles=HOSTILE * 3, messages=HOSTILE)
    nb.cells.append(new_markdown_cell(HOSTILE_MARKDOWN))
    nb.cells.append(
        new_code_cell(
            "x",
            outputs=[
                plotly_output(
                    go.Figure(
                        go.Bar(x=HOSTILE, y=list(range(len(HOSTILE))), name=HOSTILE[2])
                    ).update_layout(title=HOSTILE[3])
                ),
                new_output("display_data", data={"text/markdown": HOSTILE_MARKDOWN}),
                new_output("display_data", data={"application/javascript": "window.__pwned=1"}),
                new_output(
                    "display_data",
                    data={
                        "image/svg+xml": "<svg xmlns='http://www.w3.org/2000/svg' "
                        "onload='window.__pwned=1'><script>window.__pwned=1</script></svg>"
                    },
                ),
                new_output("display_data", data={"image/png": '" onerror="window.__pwned=1'}),
                new_output("display_data", data={"text/plain": HOSTILE[0]}),
            ],
        )
    )
    return nb
