"""Stopping a batch: Ctrl-C to the process group, a killed batch process, the folder lock.

Ctrl-C stops within seconds, starts no new draft, writes the index for what finished and
prints no traceback; a killed batch leaves no worker or kernel drafting behind, and no
second batch runs in the folder while a worker of the first one still does.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from postmortem_nb.batch.pool import WORKERS_LOCK_NAME, workers_running
from postmortem_nb.batch.runner import run_batch
from postmortem_nb.errors import WorkspaceError

ROOT = Path(__file__).resolve().parents[2]


def _start(export, out: Path) -> subprocess.Popen:
    logs = [a for p in export["logs"] for a in ("--logs", str(p))]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # workers and kernels: this checkout
    return subprocess.Popen(
        [sys.executable, "-m", "postmortem_nb", "batch", "--alerts", str(export["alerts"]),
         *logs, "--tz", "Europe/Berlin", "--jobs", "2", "--out", str(out), "--quiet"],
        start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=env,
    )


def _wait_for_a_draft(proc: subprocess.Popen, out: Path) -> None:
    """Until a kernel runs a draft (a workspace has batch.log and a kernel is up)."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        if list(out.glob("*/batch.log")) and _left_in(out):
            time.sleep(1.0)
            return
        time.sleep(0.2)
    pytest.fail("no draft started in 180 s")


def _left_in(out: Path) -> list[psutil.Process]:
    """Processes working in the reports folder (kernels run in their workspace)."""
    found = []
    for p in psutil.process_iter():
        try:
            if str(out) in p.cwd():
                found.append(p)
        except (psutil.AccessDenied, psutil.NoSuchProcess, psutil.ZombieProcess):
            continue
    return found


def _gone(out: Path, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _left_in(out) and not workers_running(out):
            return True
        time.sleep(0.2)
    return False


pytestmark = [pytest.mark.notebook, pytest.mark.slow]


def test_ctrl_c_stops_the_batch_within_seconds_and_writes_the_index(export, tmp_path):
    out = tmp_path / "reports"
    proc = _start(export, out)
    _wait_for_a_draft(proc, out)
    os.killpg(proc.pid, signal.SIGINT)  # as a terminal does: the whole foreground group
    t0 = time.monotonic()
    _, stderr = proc.communicate(timeout=60)
    elapsed = time.monotonic() - t0
    assert proc.returncode == 130, stderr
    assert elapsed < 12, elapsed
    assert "Traceback" not in stderr, stderr
    assert "Stopped by SIGINT" in stderr
    assert "not started:" in stderr  # 3 significant incidents, 2 workers: one was queued
    doc = json.loads((out / "index.json").read_text())
    assert doc["stopped_by"] == "SIGINT"
    assert doc["counts"]["interrupted"] >= 1
    assert doc["counts"]["not_started"] >= 1
    assert doc["counts"]["interrupted"] + doc["counts"]["not_started"] + doc["counts"][
        "drafted"] == 3
    rows = {r["id"]: r for r in doc["incidents"]}
    for r in rows.values():
        if r["action"] == "interrupted":
            assert r["status"] == "failed"
            assert r["error"].startswith("interrupted")
            assert (out / r["id"] / "batch-failed.json").exists()  # the next run redoes it
        if r["action"] == "not started":
            assert not (out / r["id"]).exists()
    assert (out / "index.html").is_file()
    assert _gone(out, 5), _left_in(out)


def test_a_killed_batch_leaves_no_worker_drafting(export, tmp_path):
    out = tmp_path / "reports"
    proc = _start(export, out)
    _wait_for_a_draft(proc, out)
    os.kill(proc.pid, signal.SIGKILL)  # no handler runs in the batch process
    proc.communicate(timeout=30)
    assert _gone(out, 15), _left_in(out)
    folders = sorted(p.name for p in out.iterdir() if p.is_dir())
    time.sleep(3)
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == folders  # nothing new
    for name in folders:
        assert (out / name / "batch-failed.json").exists() or (out / name / "report.html").exists()


def test_a_batch_is_refused_while_a_worker_of_another_one_runs(export, tmp_path):
    """An orphaned worker holds the workers' lock: the folder's batch lock alone is free."""
    out = tmp_path / "reports"
    out.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import fcntl, sys, time; f = open(sys.argv[1], 'a'); "
         "fcntl.flock(f.fileno(), fcntl.LOCK_SH); print('locked', flush=True); time.sleep(60)",
         str(out / WORKERS_LOCK_NAME)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        assert workers_running(out)
        with pytest.raises(WorkspaceError, match="still drafting"):
            run_batch(export["alerts"], out=out, progress=False)
        assert not (out / "index.json").exists()
    finally:
        holder.kill()
        holder.wait()
    assert not workers_running(out)
