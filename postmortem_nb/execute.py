"""Run the notebook template on a real kernel with papermill.

papermill is imported here, lazily: it costs seconds to import, and loading data
from a script must not pay for it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import ExecutionError

log = logging.getLogger(__name__)


def source_fingerprint(nb: Any) -> str:
    """Hash of the cells' sources: tells whether an analyst edited the notebook by hand."""
    h = hashlib.sha256()
    for cell in nb.cells:
        if "parameters" in cell.get("metadata", {}).get("tags", []) or "injected-parameters" in (
            cell.get("metadata", {}).get("tags", [])
        ):
            continue
        h.update(cell.cell_type.encode())
        h.update(b"\0")
        h.update(str(cell.source).encode())
        h.update(b"\0")
    return h.hexdigest()


def mark_as_executed(output: Path) -> None:
    """Record the source fingerprint in a notebook a failed execution left behind.

    It is the tool's own output (papermill's error banner included): without the
    fingerprint the next draft or export took it for a hand-edited notebook and kept it
    as ``postmortem.edited-*.ipynb``. A cell edited after this still counts as a hand edit.
    """
    import nbformat

    from .workspace import atomic_write_text

    try:
        nb = nbformat.read(output, as_version=4)
    except Exception:  # nothing written (the kernel never started), or unreadable: leave it
        return
    nb.metadata.setdefault("postmortem", {})["source_fingerprint"] = source_fingerprint(nb)
    atomic_write_text(Path(output), nbformat.writes(nb))


def kernel_config(socket_dir: Path | None = None) -> Any:
    """Kernel manager settings: private sockets, encrypted when the kernel supports it.

    With ``socket_dir`` the kernel talks over Unix sockets in that folder instead of
    localhost TCP ports. jupyter_client picks a TCP port by binding and releasing it
    before the kernel binds it again; with two batch workers (or anything else on the
    machine) taking ports in between, a kernel died with "Address already in use" and
    its draft failed. A Unix socket in a folder of one's own cannot be taken, and only
    its owner can reach it. ipykernel also offers CurveZMQ encryption (and warns on
    every start without it); "auto" keeps kernels that do not declare support working.
    """
    import zmq
    from jupyter_client import KernelManager
    from traitlets.config import Config

    settings: dict[str, Any] = {}
    if socket_dir is not None:
        settings.update(transport="ipc", ip=str(socket_dir / "k"))
    if zmq.has("curve") and "transport_encryption" in KernelManager.class_traits():
        settings["transport_encryption"] = "auto"  # not on a pyzmq without libsodium
    return Config({"KernelManager": settings})


@contextmanager
def kernel_socket_dir() -> Iterator[Path | None]:
    """A private folder for one kernel's Unix sockets, removed afterwards.

    It lives under the system's temporary folder, not the workspace: a socket path
    is limited to about 107 bytes. ``None`` (TCP) where the path would still be too long.
    """
    import zmq

    folder = Path(tempfile.mkdtemp(prefix="pm-kernel-"))
    try:
        longest = len(os.fsencode(folder / "k-99999"))
        yield folder if longest <= getattr(zmq, "IPC_PATH_MAX_LEN", 0) else None
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def kernel_manager_class() -> type:
    """jupyter_client's AsyncKernelManager, minus the SIGINT it sends on every shutdown.

    ``shutdown_kernel`` interrupts the kernel before asking it to exit; a kernel still
    finishing a message then logs "ERROR | KeyboardInterrupt caught in kernel." on a
    successful run. A draft's kernel is idle at shutdown (or stuck, and then killed after
    the shutdown wait), so the interrupt only produces that noise. Interrupts asked for
    while the kernel runs (a cell time-out) still go through.
    """
    global _QUIET_KM
    if _QUIET_KM is None:
        from jupyter_client import AsyncKernelManager

        class QuietShutdownKernelManager(AsyncKernelManager):
            async def _async_interrupt_kernel(self) -> None:
                if self.shutting_down:
                    return
                await super()._async_interrupt_kernel()

            interrupt_kernel = _async_interrupt_kernel

        _QUIET_KM = QuietShutdownKernelManager
    return _QUIET_KM


_QUIET_KM: type | None = None


def execute(
    template: Path,
    output: Path,
    parameters: dict[str, Any],
    *,
    cwd: Path,
    timeout: float | None = 900,
    kernel_name: str = "python3",
) -> Any:
    """Execute ``template`` into ``output`` with ``parameters``; return the executed notebook.

    On a failing cell the partly executed notebook (with papermill's error banner) is
    kept at ``output`` and an ExecutionError names the cell and the error.
    """
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    log.info("executing %s -> %s", template, output)
    try:
        with kernel_socket_dir() as socket_dir:
            nb = pm.execute_notebook(
                str(template),
                str(output),
                parameters=parameters,
                cwd=str(cwd),
                kernel_name=kernel_name,
                progress_bar=False,
                log_output=False,
                execution_timeout=timeout,
                # Saving after every cell costs seconds per draft; papermill still writes
                # the notebook at the end and when a cell fails.
                request_save_on_cell_execute=False,
                config=kernel_config(socket_dir),
                kernel_manager_class=kernel_manager_class(),
            )
    except PapermillExecutionError as exc:
        mark_as_executed(output)
        raise ExecutionError(
            f"The notebook failed in cell {exc.exec_count}: {exc.ename}: "
            f"{str(exc.evalue).rstrip().rstrip('.')}. "
            f"The failed notebook is kept at {output}."
        ) from exc
    except Exception as exc:  # kernel death, time-outs: still the user's notebook to inspect
        mark_as_executed(output)
        raise ExecutionError(
            f"Executing {template.name} failed: {type(exc).__name__}: {exc}. "
            f"Whatever ran is kept at {output}."
        ) from exc
    nb.metadata.setdefault("postmortem", {})["source_fingerprint"] = source_fingerprint(nb)
    return nb
