"""`jupyter nbconvert --to postmortem` finds our exporter through its entry point."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbfactory import HEADINGS

ROOT = Path(__file__).resolve().parents[2]


def test_entry_point_is_registered():
    from nbconvert.exporters import get_exporter

    from postmortem_nb.report.exporter import PostmortemHTMLExporter

    assert get_exporter("postmortem") is PostmortemHTMLExporter


@pytest.mark.slow
def test_jupyter_nbconvert_to_postmortem(tmp_path, notebook):
    source = tmp_path / "draft.ipynb"
    nbformat.write(notebook, source)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "jupyter", "nbconvert", "--to", "postmortem", str(source)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    html = (tmp_path / "draft.html").read_text(encoding="utf-8")
    for heading in HEADINGS:
        assert f">{heading}</h2>" in html
    assert html.count('class="pm-figure"') == 4
    assert html.count('id="pm-plotlyjs"') == 1
    assert "pm.milestones()" not in html
    assert "require.js" not in html
