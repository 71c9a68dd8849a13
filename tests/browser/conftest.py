"""A real JupyterLab server for browser tests, and Playwright helpers to drive notebooks.

``lab`` (session scope) serves one temporary folder; tests put their workspaces under
``lab.root`` (``lab_workspace`` gives each test a private copy of the demo incident's
workspace) and open them with ``open_notebook(page, lab.url, path)``. The server runs
with a private config/data/runtime/workspaces/IPython dir, so nothing under ~ leaks in
or out, and with news and update checks off, so it makes no outside requests.

Helpers: ``open_notebook``, ``run_all``, ``restart_and_run_all``, ``wait_idle``,
``error_outputs``; ``lab_page`` is the recording ``page`` of tests/conftest.py (Debian's
chromium) with timeouts for a busy machine. A failing test that used ``page`` leaves a
full-page screenshot at /tmp/lab-failure-<test>.png (named in the report).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest

LAB_START_TIMEOUT = 120.0  # s; a cold start on a busy 2-core machine takes 5-15 s
RUN_TIMEOUT = 240_000  # ms; the demo notebook runs in ~15-30 s, far longer under load
UI_TIMEOUT = 60_000  # ms; for a widget or menu to appear

# Settings that keep JupyterLab quiet and offline (no news / update pop-ups or requests).
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}
# No news feed, no update check: the server fetches nothing from the internet.
SERVER_CONFIG = {
    "LabApp": {
        "news_url": None,
        "check_for_updates_class": "jupyterlab.handlers.announcements.NeverCheckForUpdate",
    },
}


@dataclass
class Lab:
    """A running JupyterLab server: where it serves from and how to reach and stop it."""

    url: str
    root: Path
    process: subprocess.Popen
    log: Path
    state: Path

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")[-chars:]
        except OSError:
            return ""

    def api(self, path: str) -> object:
        """GET a server REST endpoint (e.g. ``api/sessions``) and decode its JSON."""
        with urllib.request.urlopen(f"{self.url}/{path}", timeout=10) as resp:
            return json.load(resp)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def lab_env(state: Path) -> dict[str, str]:
    """The server's environment: private Jupyter/IPython dirs under ``state``."""
    dirs = {
        "JUPYTER_CONFIG_DIR": state / "config",
        "JUPYTER_DATA_DIR": state / "data",
        "JUPYTER_RUNTIME_DIR": state / "runtime",
        "JUPYTERLAB_WORKSPACES_DIR": state / "workspaces",
        "JUPYTERLAB_SETTINGS_DIR": state / "config" / "lab" / "user-settings",
        "IPYTHONDIR": state / "ipython",
    }
    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True)
    settings = dirs["JUPYTERLAB_SETTINGS_DIR"]
    for name, values in LAB_SETTINGS.items():
        target = settings / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values), encoding="utf-8")
    (dirs["JUPYTER_CONFIG_DIR"] / "jupyter_server_config.json").write_text(
        json.dumps(SERVER_CONFIG), encoding="utf-8"
    )
    env = {**os.environ, **{k: str(v) for k, v in dirs.items()}}
    env["JUPYTER_PLATFORM_DIRS"] = "1"  # silences the path-migration warning
    # Kernels inherit this environment, so they import the checkout's postmortem_nb.
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    return env


def _wait_until_up(lab: Lab, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if lab.process.poll() is not None:
            msg = f"jupyter lab exited with {lab.process.returncode}:\n{lab.log_tail()}"
            raise RuntimeError(msg)
        try:
            with urllib.request.urlopen(f"{lab.url}/api/status", timeout=5) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.25)
    msg = f"jupyter lab did not answer on {lab.url} within {timeout:.0f} s:\n{lab.log_tail()}"
    raise RuntimeError(msg)


def stop_lab(lab: Lab) -> None:
    """Stop the server and its kernels, by pid.

    SIGTERM to the server's process group lets it shut its kernels down; SIGKILL if it
    lingers. Kernels run in sessions of their own (jupyter_client starts them so), so
    any the server left behind are found among its children and killed one by one.
    """
    import psutil  # an ipykernel dependency

    try:
        kernels = psutil.Process(lab.process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        kernels = []
    if lab.process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(lab.process.pid, signal.SIGTERM)
        try:
            lab.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(lab.process.pid, signal.SIGKILL)
            lab.process.wait(timeout=15)
    for child in kernels:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.kill()
    psutil.wait_procs(kernels, timeout=10)


@contextlib.contextmanager
def jupyter_lab(
    root: Path,
    state: Path,
    *,
    timeout: float = LAB_START_TIMEOUT,
    extra_args: Sequence[str] = (),
) -> Iterator[Lab]:
    """Run ``jupyter lab`` serving ``root`` on a free loopback port, token off; stop it after.

    ``state`` holds the server's private Jupyter dirs and its log (``Lab.log``).
    """
    port = free_port()
    log = state / "jupyter-lab.log"
    state.mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--allow-root",
        "--ServerApp.token=",
        "--ServerApp.password=",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.terminals_enabled=False",
        *extra_args,
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(
            cmd,
            cwd=root,
            env=lab_env(state),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    lab = Lab(url=f"http://127.0.0.1:{port}", root=root, process=process, log=log, state=state)
    try:
        _wait_until_up(lab, timeout)
        yield lab
    finally:
        stop_lab(lab)


@pytest.fixture(scope="session")
def lab(browser, tmp_path_factory) -> Iterator[Lab]:
    """One JupyterLab for the session, serving an empty temporary folder (``lab.root``).

    Depends on ``browser`` so that a missing Chromium skips (or, in CI, fails) first.
    """
    root = tmp_path_factory.mktemp("lab-root")
    state = tmp_path_factory.mktemp("lab-state")
    with jupyter_lab(root, state) as server:
        yield server


# ------------------------------------------------------------------ demo workspace
@pytest.fixture(scope="session")
def lab_demo_draft(tmp_path_factory) -> Path:
    """The demo incident drafted once (papermill, ~30 s): its workspace folder."""
    from postmortem_nb.demo import DEMO_TZ, demo_inputs
    from postmortem_nb.draft import draft

    # Drafted from the data alone (no example analysis): the tests type the analysis.
    i = demo_inputs()
    out = tmp_path_factory.mktemp("lab-demo") / "reports"
    return draft(i["alerts"], i["logs"], i["changes"], tz=DEMO_TZ, out=out).workspace.root


def clone_workspace(src: Path, dest: Path) -> Path:
    """Copy a drafted workspace to ``dest``, pointing its notebook's parameters at the copy.

    The draft writes the workspace's absolute path into the injected parameters, so a
    plain copy would keep saving to the original's analysis.json.
    """
    import nbformat

    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("*.lock"))
    nb_path = dest / "postmortem.ipynb"
    nb = nbformat.read(nb_path, as_version=4)
    old = [f'workspace = "{src}"', f"workspace = '{src}'"]
    for cell in nb.cells:
        if cell.cell_type == "code":
            for o in old:
                cell.source = cell.source.replace(o, f"workspace = {json.dumps(str(dest))}")
    stale = [c.source for c in nb.cells if c.cell_type == "code" and str(src) in c.source]
    if stale:  # the copy would write into the original: refuse rather than share a file
        msg = f"{nb_path}: could not repoint the workspace parameter from {src}:\n{stale[0]}"
        raise RuntimeError(msg)
    params = nb.metadata.get("papermill", {}).get("parameters", {})
    if "workspace" in params:
        params["workspace"] = str(dest)
    nbformat.write(nb, nb_path)
    return dest


@pytest.fixture
def lab_workspace(lab, lab_demo_draft, request) -> Path:
    """A private copy of the demo workspace inside the lab's root, named after the test."""
    name = "".join(c if c.isalnum() else "-" for c in request.node.name)[:60]
    return clone_workspace(lab_demo_draft, lab.root / name)


# ------------------------------------------------------------------ page helpers
@pytest.fixture
def lab_page(page):
    """The recording ``page`` with timeouts fit for JupyterLab on a busy 2-core machine."""
    page.set_default_timeout(UI_TIMEOUT)
    page.set_default_navigation_timeout(UI_TIMEOUT)
    return page


def notebook_path(lab: Lab, workspace: Path) -> str:
    """The server-relative path of a workspace's notebook (for ``open_notebook``)."""
    return (workspace / "postmortem.ipynb").relative_to(lab.root).as_posix()


# The open notebook is loaded (no spinner), has a kernel (not "No Kernel") and is idle.
_NOTEBOOK_READY = """() => {
  const p = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  if (!p || p.querySelector('.jp-Spinner')) return false;
  const name = p.querySelector('[data-jp-item-name=kernelName]');
  if (!name || !name.textContent.trim() || name.textContent.includes('No Kernel')) return false;
  const s = p.querySelector('.jp-Notebook-ExecutionIndicator');
  return !!s && s.dataset.status === 'idle' && !document.querySelector('.jp-Dialog');
}"""


def open_notebook(page, url: str, path: str, *, timeout: float = UI_TIMEOUT) -> None:
    """Open ``path`` (relative to the server root) in a fresh JupyterLab layout.

    Returns once the notebook is loaded and its kernel has started and is idle. If
    JupyterLab asks which kernel to start (it can, when the notebook opens before the
    kernel specs are loaded), the default choice (the notebook's own kernel) is taken.
    """
    page.goto(f"{url}/lab/tree/{quote(path)}?reset", timeout=timeout)
    deadline = time.monotonic() + timeout / 1000
    select = page.locator(".jp-Dialog", has_text="Select Kernel")
    ready_since: float | None = None
    while ready_since is None or time.monotonic() - ready_since < 1.0:  # ready for 1 s
        if not page.evaluate(_NOTEBOOK_READY):
            ready_since = None
        elif ready_since is None:
            ready_since = time.monotonic()
        if select.count():
            select.locator(".jp-Dialog-button.jp-mod-accept").click(timeout=timeout)
        if time.monotonic() > deadline:
            page.screenshot(path=str(Path(tempfile.gettempdir()) / "open_notebook-timeout.png"))
            msg = f"{path} did not open with an idle kernel within {timeout / 1000:.0f} s"
            raise TimeoutError(msg)
        page.wait_for_timeout(250)


def _menu(page, top: str, item: str, *, timeout: float = UI_TIMEOUT) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text=top).first.click(timeout=timeout)
    entry = page.locator(
        ".lm-Menu-content > .lm-Menu-item:not(.lm-mod-disabled) .lm-Menu-itemLabel", has_text=item
    ).first
    entry.click(timeout=timeout)


def _cell_prompts(page) -> list[str]:
    return page.evaluate(
        "() => Array.from(document.querySelectorAll("
        "'.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt'))"
        ".map(e => e.textContent.trim())"
    )


def wait_idle(page, *, timeout: float = RUN_TIMEOUT, settle: float = 0.5) -> None:
    """Wait until the kernel is idle and no code cell is queued or running (``[*]``).

    Idle must hold for ``settle`` seconds: between two queued cells the kernel can
    report idle for an instant.
    """
    check = (
        "() => { const p = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');"
        " if (!p) return false;"
        " const s = p.querySelector('.jp-Notebook-ExecutionIndicator');"
        " if (!s || s.dataset.status !== 'idle') return false;"
        " return !Array.from(p.querySelectorAll('.jp-CodeCell .jp-InputPrompt'))"
        ".some(e => e.textContent.includes('*')); }"
    )
    deadline = time.monotonic() + timeout / 1000
    while True:
        remaining = max(1.0, (deadline - time.monotonic()) * 1000)
        page.wait_for_function(check, timeout=remaining)
        page.wait_for_timeout(settle * 1000)
        if page.evaluate(check):
            return
        if time.monotonic() > deadline:
            msg = f"notebook not idle after {timeout / 1000:.0f} s: prompts {_cell_prompts(page)}"
            raise TimeoutError(msg)


# Records whether any code cell showed "[*]" (queued or running) since it was armed:
# saved notebooks and restarted kernels repeat the same execution counts, so the
# numbers alone cannot tell that a run started.
_ARM_RUN_WATCH = """() => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  if (window.__pmRunWatch) window.__pmRunWatch.disconnect();
  window.__pmRunStarted = false;
  const look = () => {
    if (Array.from(panel.querySelectorAll('.jp-CodeCell .jp-InputPrompt'))
        .some(e => e.textContent.includes('*'))) window.__pmRunStarted = true;
  };
  window.__pmRunWatch = new MutationObserver(look);
  window.__pmRunWatch.observe(panel, {subtree: true, childList: true, characterData: true});
}"""


def _arm_run_watch(page) -> None:
    page.evaluate(_ARM_RUN_WATCH)


def _wait_run_started(page, *, timeout: float = UI_TIMEOUT) -> None:
    page.wait_for_function("() => window.__pmRunStarted === true", timeout=timeout)
    page.evaluate("() => window.__pmRunWatch && window.__pmRunWatch.disconnect()")


def run_all(page, *, timeout: float = RUN_TIMEOUT) -> None:
    """Run > Run All Cells, then wait until every cell has run."""
    _arm_run_watch(page)
    _menu(page, "Run", "Run All Cells")
    _wait_run_started(page)
    wait_idle(page, timeout=timeout)


def restart_and_run_all(page, *, timeout: float = RUN_TIMEOUT) -> None:
    """Kernel > Restart Kernel and Run All Cells…, confirm, and wait until every cell ran."""
    _arm_run_watch(page)
    _menu(page, "Kernel", "Restart Kernel and Run All Cells")
    page.locator(".jp-Dialog .jp-Dialog-button.jp-mod-accept").click(timeout=UI_TIMEOUT)
    page.wait_for_selector(".jp-Dialog", state="detached", timeout=UI_TIMEOUT)
    _wait_run_started(page)
    wait_idle(page, timeout=timeout)


def error_outputs(page) -> list[str]:
    """Texts of error outputs (tracebacks) in the open notebook."""
    return page.locator(
        ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output[data-mime-type="
        "'application/vnd.jupyter.stderr'], .jp-NotebookPanel:not(.lm-mod-hidden) "
        ".jp-RenderedText[data-mime-type='application/vnd.jupyter.error']"
    ).all_inner_texts()


# ------------------------------------------------------------------ failure evidence
@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed:
        page = item.funcargs.get("page")
        if page is not None:
            name = "".join(c if c.isalnum() else "-" for c in item.name)[:80]
            shot = Path(tempfile.gettempdir()) / f"lab-failure-{name}.png"
            with contextlib.suppress(Exception):
                page.screenshot(path=str(shot), full_page=True)
                report.sections.append(("lab screenshot", str(shot)))
    return report
