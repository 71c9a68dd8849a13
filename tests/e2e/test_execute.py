"""The template runs on a kernel whose sockets are private and encrypted."""

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


def test_the_kernel_talks_over_private_unix_sockets_removed_afterwards(tmp_path, monkeypatch):
    # TCP ports were picked, released, then bound again by the kernel: a second kernel
    # starting alongside (batch --jobs 2) could take one and kill the draft with
    # "Address already in use". Unix sockets in a private folder cannot be taken.
    sockets = tmp_path / "tmp"
    sockets.mkdir()
    monkeypatch.setenv("TMPDIR", str(sockets))
    monkeypatch.setattr("tempfile.tempdir", None)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Py"}
    nb.cells.append(nbformat.v4.new_code_cell(
        "import os, stat\n"
        "from ipykernel.kernelapp import IPKernelApp\n"
        "app = IPKernelApp.instance()\n"
        "folder = os.path.dirname(app.ip)\n"
        "print(app.transport, oct(stat.S_IMODE(os.stat(folder).st_mode)), "
        "sorted(os.listdir(folder)))"
    ))
    template = tmp_path / "probe.ipynb"
    nbformat.write(nb, template)

    done = execute(template, tmp_path / "out.ipynb", {}, cwd=tmp_path, timeout=60)

    transport, mode, files = done.cells[0].outputs[0]["text"].strip().split(" ", 2)
    assert transport == "ipc"
    assert mode == "0o700"
    assert "k-1" in files
    assert list(sockets.iterdir()) == []  # the socket folder is gone after the run
