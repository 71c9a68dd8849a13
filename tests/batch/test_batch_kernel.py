"""Batch kernels skip rfc3987-syntax's grammar compilation and leave no names behind."""

from __future__ import annotations

import os

import nbformat
import pytest
from nbclient import NotebookClient

from postmortem_nb.batch.pool import kernel_profile

pytestmark = [pytest.mark.notebook]


def test_batch_kernel_profile(tmp_path, monkeypatch):
    monkeypatch.setenv("IPYTHONDIR", str(kernel_profile(tmp_path / "ipython")))
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import sys, os\n"
        "import plotly.io as pio\n"
        "print(sys.modules.get('rfc3987_syntax', 'absent'), '_pm_sys' in dir(), "
        "len(pio.renderers) > 0)"
    )])
    NotebookClient(nb, kernel_name="python3", timeout=300).execute()
    text = "".join(o.get("text", "") for o in nb.cells[0].outputs)
    assert text.split() == ["None", "False", "True"]
    assert os.path.isfile(tmp_path / "ipython" / "profile_default" / "ipython_kernel_config.py")
