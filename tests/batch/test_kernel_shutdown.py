"""Kernels are shut down without the SIGINT jupyter_client sends first by default.

That interrupt, arriving while the kernel finishes a message, made a successful batch or
insights run print "[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel.".
"""

from __future__ import annotations

import asyncio
import signal
from concurrent.futures import ThreadPoolExecutor

import pytest
from jupyter_client import AsyncKernelManager

from postmortem_nb.execute import execute as run_notebook
from postmortem_nb.execute import kernel_manager_class

pytestmark = [pytest.mark.notebook]


def _signals_sent_at_shutdown(cls: type) -> list[int]:
    async def run() -> list[int]:
        km = cls(kernel_name="python3")
        await km.start_kernel()
        sent: list[int] = []
        send = km.provisioner.send_signal

        async def record(signum: int) -> None:
            sent.append(signum)
            await send(signum)

        km.provisioner.send_signal = record
        await km.shutdown_kernel()
        assert not await km.is_alive()
        return sent

    # a thread of its own: papermill in this process may have left its loop running here
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result()


def test_a_kernel_is_shut_down_without_sigint():
    assert signal.SIGINT in _signals_sent_at_shutdown(AsyncKernelManager)
    assert signal.SIGINT not in _signals_sent_at_shutdown(kernel_manager_class())


def test_drafts_use_that_kernel_manager(tmp_path, monkeypatch):
    import nbformat
    import papermill

    seen = {}
    real = papermill.execute_notebook

    def spy(*args, **kwargs):
        seen["km"] = kwargs.get("kernel_manager_class")
        return real(*args, **kwargs)

    monkeypatch.setattr(papermill, "execute_notebook", spy)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    src = tmp_path / "in.ipynb"
    nbformat.write(nb, src)
    run_notebook(src, tmp_path / "out.ipynb", {}, cwd=tmp_path, timeout=120)
    assert seen["km"] is kernel_manager_class()
