"""The forms in a real JupyterLab (Playwright + Debian chromium): type, restart, run all again.

Uses a small workspace notebook built here that calls the forms; the template-based
end-to-end test lives with the notebook template.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

pytestmark = [pytest.mark.lab, pytest.mark.browser, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def lab(tmp_path):
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": os.getcwd(), "JUPYTER_CONFIG_DIR": str(tmp_path / ".cfg")}
    log = open(tmp_path / "lab.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ServerApp.token=",
         "--ServerApp.password=", f"--port={port}", "--allow-root",
         "--ServerApp.ip=127.0.0.1", f"--ServerApp.root_dir={tmp_path}",
         f"--LabApp.workspaces_dir={tmp_path / '.ws'}"],
        stdout=log, stderr=subprocess.STDOUT, env=env, cwd=tmp_path,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/api/status", timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    else:
        proc.terminate()
        pytest.fail("JupyterLab did not start: " + (tmp_path / "lab.log").read_text()[-2000:])
    yield url, tmp_path
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def _write_notebook(folder: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell("from postmortem_nb import widgets\nWS = 'ws'"),
        nbformat.v4.new_code_cell("widgets.summary_form(WS)"),
        nbformat.v4.new_code_cell("widgets.action_items_form(WS)"),
    ]
    nbformat.write(nb, folder / "forms.ipynb")


def _wait_kernel_idle(page) -> None:
    """The status bar says "Python 3 (ipykernel) | Idle" once the kernel is really up."""
    page.wait_for_selector(".jp-StatusBar-TextItem:has-text('(ipykernel) | Idle')")


def _run_all(page, restart: bool) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    if restart:
        page.click("li.lm-Menu-item[data-command='runmenu:restart-and-run-all']")
        page.click(".jp-Dialog-button.jp-mod-accept")
    else:
        page.click("li.lm-Menu-item[data-command='runmenu:run-all']")


def _saved(ws: Path, check, timeout: float = 20) -> dict:
    deadline = time.monotonic() + timeout
    data: dict = {}
    while time.monotonic() < deadline:
        try:
            data = json.loads((ws / "analysis.json").read_text())
            if check(data):
                return data
        except (OSError, ValueError):
            pass
        time.sleep(0.3)
    pytest.fail(f"analysis.json never reached the expected state: {data}")


def test_type_restart_and_content_is_still_there(lab, page):
    url, root = lab
    (root / "ws").mkdir()
    _write_notebook(root)
    page.set_default_timeout(60_000)
    page.goto(f"{url}/lab/tree/forms.ipynb?reset")
    page.wait_for_selector(".jp-Notebook")
    _wait_kernel_idle(page)
    _run_all(page, restart=False)
    what = page.locator(".pm-summary-what textarea")
    what.wait_for()
    text = "Checkout returned 503 for 42 minutes after a config push."
    what.fill(text)
    page.locator("button.pm-action-add").click()
    page.locator(".pm-action-description input").fill("Page on pool exhaustion")
    page.locator(".pm-action-owner input").fill("sre")
    data = _saved(root / "ws", lambda d: d["summary"]["what_happened"] == text and
                  d["action_items"] and d["action_items"][0]["owner"] == "sre")
    assert data["action_items"][0]["description"] == "Page on pool exhaustion"
    assert page.locator(".pm-summary .pm-save-status").inner_text().startswith("Saved")

    _run_all(page, restart=True)
    _wait_kernel_idle(page)
    page.wait_for_function(
        "t => [...document.querySelectorAll('.pm-summary-what textarea')]"
        ".some(e => e.value === t)", arg=text)
    assert page.locator(".pm-action-description input").input_value() == (
        "Page on pool exhaustion")
    after = json.loads((root / "ws" / "analysis.json").read_text())
    assert after["summary"]["what_happened"] == text
    # JupyterLab asks the server for nbconvert exporters; until postmortem_nb.report
    # exists in this checkout, the declared entry point fails there (a 500 and one
    # generic "Unhandled error"), which has nothing to do with the forms.
    log = (root / "lab.log").read_text(errors="replace")
    nbconvert_500 = "500 GET /api/nbconvert" in log
    errors = [e for e in page.page_errors if not (nbconvert_500 and e == "Unhandled error")]
    assert errors == []
    assert all("nbconvert" in chunk[:3000] for chunk in log.split("Traceback")[1:])
