"""The template runs on a kernel whose sockets are encrypted."""

from __future__ import annotations

import nbformat
import pytest

from postmortem_nb.execute import execute

pytestmark = [pytest.mark.notebook]


def test_the_kernel_runs_with_encrypted_sockets(tmp_path, capfd):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Py"}
    nb.cells.append(
        nbformat.v4.new_code_cell(
            "from ipykernel.kernelapp import IPKernelApp\n"
            "print('curve' if IPKernelApp.instance().curve_secretkey else 'plain')"
        )
    )
    template = tmp_path / "probe.ipynb"
    nbformat.write(nb, template)

    done = execute(template, tmp_path / "out.ipynb", {}, cwd=tmp_path, timeout=60)

    assert done.cells[0].outputs[0]["text"].strip() == "curve"
    assert "without encryption" not in capfd.readouterr().err
