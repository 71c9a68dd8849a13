"""Worker processes that draft incidents, and the progress bars that watch them.

Each worker imports papermill, nbformat and the report exporter once (seconds that a
CLI pays per notebook), then per incident: executes the template on a fresh kernel
(nothing is shared between drafts), exports report.html in-process, and writes
batch.log in the workspace. A per-incident time-out is a SIGALRM in the worker: the
running cell is interrupted, papermill keeps the partial notebook, the kernel is shut
down, and the worker moves on to the next incident.

Stopping: Ctrl-C (SIGINT to the whole process group) and SIGTERM are handled by the
parent alone (workers ignore SIGINT). The parent starts no new draft, sends SIGTERM to
the workers, whose drafts in progress stop like a time-out (kernels stopped, the
workspace marked so the next batch drafts it again), and kills whatever is still alive
after a few seconds. A worker whose parent dies (even by SIGKILL) gets SIGTERM too
(Linux ``PR_SET_PDEATHSIG``; elsewhere it polls the parent) and exits after stopping its
draft. Each worker holds a shared lock on ``.postmortem-batch.workers.lock`` in the reports
root until it exits, so a later batch refuses the folder while any worker runs.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing as mp
import os
import queue
import signal
import sys
import time
import traceback
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

STAGES = ("prepare", "execute", "export")
WORKERS_LOCK_NAME = ".postmortem-batch.workers.lock"
STOP_GRACE_S = 8.0  # after SIGTERM, how long the parent waits for workers to stop a draft
_EVENTS: Any = None  # the worker's queue back to the parent (set by _init)
_PARENT: int | None = None  # the batch process that started this worker
_STOPPING = False  # the batch is stopping: start no new draft
_DRAFTING = False  # a draft is in progress in this worker
_CURRENT: dict[str, Any] | None = None  # the job being drafted (from its workspace's creation)
_WORKERS_LOCK: Any = None  # open file holding this worker's shared lock


class IncidentTimeout(Exception):
    """The incident's draft took longer than --timeout."""


class BatchStopped(Exception):
    """The batch was stopped (Ctrl-C, SIGTERM, or its process died) during this draft."""


STOPPED_ERROR = ("interrupted: the batch was stopped before this draft finished; "
                 "the next batch drafts it again.")


# Run in each batch kernel before the template (IPython's exec_lines): plotly.io imports
# nbformat -> jsonschema, which compiles rfc3987-syntax's grammars (2-8 s per kernel here,
# python-jsonschema issue 1428) for IRI format checks nothing in a draft uses.
KERNEL_EXEC_LINES = [
    "import sys as _pm_sys; _pm_sys.modules.setdefault('rfc3987_syntax', None); del _pm_sys",
]


def kernel_profile(folder: Path) -> Path:
    """An IPYTHONDIR for batch kernels: no personal startup files, no history, fast imports."""
    profile = folder / "profile_default"
    profile.mkdir(parents=True, exist_ok=True)
    (profile / "ipython_kernel_config.py").write_text(
        f"c.IPKernelApp.exec_lines = {KERNEL_EXEC_LINES!r}\n"
        "c.HistoryManager.enabled = False\n",
        encoding="utf-8",
    )
    return folder


def _init(events: Any, ipython_dir: str | None = None, workers_lock: str | None = None,
          parent: int | None = None) -> None:
    """Worker start: signals, the workers' lock, the event queue, the heavy imports once."""
    global _EVENTS, _PARENT
    _EVENTS = events
    _PARENT = parent or os.getppid()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the parent decides
    signal.signal(signal.SIGTERM, _on_term)
    _die_with_parent()
    if workers_lock:
        _hold_workers_lock(Path(workers_lock))
    if ipython_dir:
        os.environ["IPYTHONDIR"] = ipython_dir  # inherited by this worker's kernels
    logging.getLogger().setLevel(logging.INFO)
    sys.modules.setdefault("rfc3987_syntax", None)  # the same saving in this worker
    import nbformat  # noqa: F401
    import papermill  # noqa: F401

    from ..export import export_workspace  # noqa: F401
    from ..report import exporter  # noqa: F401


def _parent_gone() -> bool:
    return _PARENT is not None and os.getppid() != _PARENT


def _die_with_parent() -> None:
    """SIGTERM to this worker when the batch process dies (Linux), else a watcher thread."""
    import ctypes
    import threading

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(1, signal.SIGTERM, 0, 0, 0) == 0:  # PR_SET_PDEATHSIG
            if _parent_gone():  # died before prctl took effect
                os._exit(143)
            return
    except (OSError, AttributeError):
        pass

    def watch() -> None:
        while not _parent_gone():
            time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _hold_workers_lock(path: Path) -> None:
    """A shared lock for this worker's lifetime: the batch folder is busy while it runs."""
    global _WORKERS_LOCK
    try:
        import fcntl
    except ImportError:  # not POSIX: the parent's lock alone
        return
    _WORKERS_LOCK = open(path, "a")  # noqa: SIM115 - held until the process exits
    fcntl.flock(_WORKERS_LOCK.fileno(), fcntl.LOCK_SH)


def workers_running(root: Path) -> bool:
    """Does any worker of a batch (maybe an orphan of a killed one) still run in ``root``?"""
    try:
        import fcntl
    except ImportError:
        return False
    path = root / WORKERS_LOCK_NAME
    if not path.exists():
        return False
    with open(path, "a") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
    return False


def _on_term(signum: int, frame: Any) -> None:
    """SIGTERM in a worker: stop the draft in progress; start none; exit if orphaned.

    The draft's workspace is marked first, so the next batch drafts it again whatever
    happens next. Orphaned (the batch process died), the worker exits here: nobody reads
    its result. Otherwise the draft fails with BatchStopped and reports back.
    """
    global _STOPPING
    _STOPPING = True
    job = _CURRENT
    if job is not None:
        # The kernel first: busy in a cell, it would hold up its shutdown for seconds
        # (kernels are shut down without an interrupt, execute.kernel_manager_class).
        _stop_children(grace=1.0)
        with contextlib.suppress(Exception):
            from ..workspace import Workspace
            from .runner import record_failure

            record_failure(Workspace(Path(job["root"])), STOPPED_ERROR, job.get("incident"))
    if _parent_gone():
        os._exit(143)
    if _DRAFTING:
        raise BatchStopped("the batch was stopped")


def _emit(incident_id: str, stage: str) -> None:
    if _EVENTS is not None:
        _EVENTS.put((incident_id, stage))


def _alarm(signum: int, frame: Any) -> None:
    raise IncidentTimeout("the draft ran longer than the time-out")


def draft_one(job: dict[str, Any]) -> dict[str, Any]:
    """Draft one incident in this process; never raises (errors are returned)."""
    global _DRAFTING, _CURRENT
    if _STOPPING:  # queued before the batch was stopped: not started, nothing touched
        return {"id": Path(job["root"]).name, "error": None, "timings": {}, "seconds": 0.0,
                "stopped": "not started"}
    from ..draft import prepare_workspace, run_draft
    from ..export import export_all
    from ..params import Params
    from ..workspace import Workspace
    from .runner import FAILED_NAME, LOG_NAME, record_failure

    ws = Workspace(Path(job["root"]))
    _CURRENT = job
    ws.root.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(ws.root / LOG_NAME, mode="w", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root_logger = logging.getLogger()
    root_logger.addHandler(handler)
    timings: dict[str, float] = {}
    timeout = job.get("timeout")
    t0 = time.perf_counter()
    if timeout:
        signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, float(timeout))
    stopped = None
    try:
        _DRAFTING = True
        if _STOPPING:
            raise BatchStopped("the batch was stopped")
        log.info("drafting %s (alerts %s)", ws.incident_id, job["params"].get("alert_ids") or
                 job["params"].get("incident_key"))
        _emit(ws.incident_id, "prepare")
        _, kept = prepare_workspace(ws, force=job.get("force", False))
        for path in kept:
            log.info("kept %s", path)
        _emit(ws.incident_id, "execute")
        t1 = time.perf_counter()
        run_draft(
            ws, Params.from_mapping(job["params"]), timeout=timeout, record=job.get("record")
        )
        t2 = time.perf_counter()
        _emit(ws.incident_id, "export")
        export_all(ws)  # report.html and every other report variant in the workspace
        t3 = time.perf_counter()
        timings = {"prepare": t1 - t0, "execute": t2 - t1, "export": t3 - t2}
        _DRAFTING, _CURRENT = False, None  # done: a stop from here on does not undo it
        (ws.root / FAILED_NAME).unlink(missing_ok=True)
        log.info("done in %.1f s (%s)", t3 - t0, timings)
        return {"id": ws.incident_id, "error": None, "timings": timings,
                "seconds": time.perf_counter() - t0}
    except BaseException as exc:  # one incident must never stop the batch
        if isinstance(exc, KeyboardInterrupt):
            raise
        error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        if timeout and _timed_out(exc):
            error = f"timed out after {timeout:g} s; the partly executed notebook is kept."
        if _stopped(exc) or _STOPPING:  # or what killing its kernel raised (DeadKernelError)
            error, stopped = STOPPED_ERROR, "interrupted"
        log.error("draft failed: %s\n%s", error, traceback.format_exc())
        try:
            record_failure(ws, error, job.get("incident"))
            _mark_generated(ws.notebook)
        except Exception:
            log.exception("could not record the failure")
        _stop_children()
        return {"id": ws.incident_id, "error": error, "timings": timings,
                "seconds": time.perf_counter() - t0, "stopped": stopped}
    finally:
        _DRAFTING, _CURRENT = False, None
        if timeout:
            signal.setitimer(signal.ITIMER_REAL, 0)
        _emit(ws.incident_id, "done")
        root_logger.removeHandler(handler)
        handler.close()
        if _STOPPING and _parent_gone():  # orphaned: nobody will read the result
            os._exit(143)


def _stopped(exc: BaseException) -> bool:
    """SIGTERM from the parent ended the draft (directly or inside papermill)."""
    return any(isinstance(e, BatchStopped) for e in (exc, exc.__cause__, exc.__context__))


def _timed_out(exc: BaseException) -> bool:
    """The incident's --timeout ended it: the alarm, or papermill's cell time-out.

    The cell time-out is the same limit, so under load either can fire first.
    """
    from nbclient.exceptions import CellTimeoutError

    return any(isinstance(e, IncidentTimeout | CellTimeoutError) for e in (exc, exc.__cause__))


def _mark_generated(path: Path) -> None:
    """Stamp a failed notebook as generated, so the next draft does not keep it as an edit."""
    if not path.exists():
        return
    import nbformat

    from ..execute import source_fingerprint
    from ..workspace import atomic_write_text

    nb = nbformat.read(path, as_version=4)
    nb.metadata.setdefault("postmortem", {})["source_fingerprint"] = source_fingerprint(nb)
    atomic_write_text(path, nbformat.writes(nb))


def _stop_children(grace: float = 3.0) -> None:
    """After a failure or time-out: no kernel of this draft may outlive it.

    A worker drafts one incident at a time, so every child process is that draft's.
    """
    import psutil

    children = psutil.Process().children(recursive=True)
    for child in children:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.terminate()
    _, alive = psutil.wait_procs(children, timeout=grace)
    for child in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.kill()
    if children:
        log.info("stopped %d leftover process(es) of the failed draft", len(children))


class _Bars:
    """An overall bar plus one bar per incident being drafted (stage by stage)."""

    def __init__(self, total: int, enabled: bool) -> None:
        from tqdm import tqdm

        self._tqdm = tqdm
        self.enabled = enabled
        self.overall = tqdm(total=total, desc="incidents", unit="draft", position=0,
                            disable=not enabled, file=sys.stderr, dynamic_ncols=True)
        self.bars: dict[str, Any] = {}
        self.free: list[int] = []

    def event(self, incident_id: str, stage: str) -> None:
        if not self.enabled:
            return
        bar = self.bars.get(incident_id)
        if stage == "done":
            if bar is not None:
                self.free.append(bar.pos)
                bar.close()
                del self.bars[incident_id]
            return
        if bar is None:
            pos = self.free.pop() if self.free else len(self.bars) + 1
            bar = self._tqdm(total=len(STAGES), position=pos, leave=False, file=sys.stderr,
                             bar_format="  {desc} ({n_fmt}/{total_fmt})", dynamic_ncols=True)
            bar.pos = pos
            self.bars[incident_id] = bar
        bar.set_description_str(f"{incident_id[:40]}: {stage}", refresh=False)
        bar.update(1)

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()
        self.overall.close()


def run_pool(
    todo: list[tuple[Any, Any]],
    *,
    jobs: int,
    timeout: float | None,
    force: bool,
    progress: bool = True,
) -> int | None:
    """Draft every (outcome, params) pair; fills each outcome's action, error and timings.

    Returns the signal number when SIGINT or SIGTERM stopped the batch (then the drafts in
    progress are "interrupted", the queued ones "not started"), else None.
    """
    import shutil
    import tempfile
    import threading

    from .runner import incident_summary

    ctx = mp.get_context("spawn")
    events = ctx.Queue()
    bars = _Bars(len(todo), progress)
    workers = max(1, min(jobs, len(todo)))
    ipython_dir = kernel_profile(Path(tempfile.mkdtemp(prefix="pm-batch-ipython-")))
    root = Path(todo[0][0].workspace.root).parent
    stop: list[int] = []
    previous: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            previous[signum] = signal.signal(signum, lambda n, f: stop.append(n))
    started: set[str] = set()
    try:
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=ctx, initializer=_init,
            initargs=(events, str(ipython_dir), str(root / WORKERS_LOCK_NAME), os.getpid()),
        ) as pool:
            futures = {}
            for outcome, params in todo:
                job = {"root": str(outcome.workspace.root), "params": params.to_dict(),
                       "timeout": timeout, "force": force,
                       "record": {"alerts_fingerprint": outcome.fingerprint},
                       "incident": incident_summary(outcome.incident)}
                futures[pool.submit(draft_one, job)] = outcome
            pending = set(futures)
            deadline, procs = None, []
            while pending:
                if stop and deadline is None:
                    log.warning("stopping: no new drafts; stopping the drafts in progress")
                    deadline = time.monotonic() + STOP_GRACE_S
                    procs = _worker_processes(pool)  # shutdown() forgets them
                    pool.shutdown(wait=False, cancel_futures=True)
                    _signal_workers(procs, signal.SIGTERM)
                if deadline is not None and time.monotonic() > deadline:
                    _kill_workers(procs)
                    deadline = float("inf")
                done, pending = wait(pending, timeout=0.25, return_when=FIRST_COMPLETED)
                # wait() never reports a future cancelled by shutdown(cancel_futures=True)
                cancelled = {f for f in pending if f.cancelled()}
                done, pending = done | cancelled, pending - cancelled
                _drain(events, bars, started)
                for fut in done:
                    _settle(futures[fut], fut, started, stopping=bool(stop))
                    bars.overall.update(1)
            _drain(events, bars, started)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        bars.close()
        events.close()
        events.join_thread()
        shutil.rmtree(ipython_dir, ignore_errors=True)
    return stop[0] if stop else None


def _settle(outcome: Any, fut: Any, started: set[str], *, stopping: bool) -> None:
    """One finished future onto its outcome."""
    from .runner import incident_summary, record_failure

    if fut.cancelled():
        res = {"error": None, "timings": {}, "seconds": 0.0, "stopped": "not started"}
    else:
        try:
            res = fut.result()
        except Exception as exc:  # a worker died (or was killed while stopping)
            res = {"error": f"the worker process died: {exc!r}", "timings": {},
                   "seconds": 0.0, "died": True}
            if stopping:
                started_here = outcome.workspace.root.name in started
                res["stopped"] = "interrupted" if started_here else "not started"
    stopped = res.get("stopped")
    outcome.error = res["error"]
    outcome.timings = res["timings"]
    outcome.seconds = res["seconds"]
    if stopped == "not started":
        outcome.action, outcome.error = "not started", None
    elif stopped == "interrupted":
        outcome.action, outcome.error = "interrupted", STOPPED_ERROR
        with contextlib.suppress(OSError):  # killed before it could mark itself
            if outcome.workspace.root.is_dir():
                record_failure(outcome.workspace, STOPPED_ERROR,
                               incident_summary(outcome.incident))
    else:
        outcome.action = "failed" if res["error"] else "drafted"
        if res["error"]:  # the caller reports it (the CLI prints one FAILED line)
            log.info("%s failed: %s", outcome.incident.id, res["error"])
            if res.get("died") and outcome.workspace.root.is_dir():  # it could not mark it
                with contextlib.suppress(OSError):
                    record_failure(outcome.workspace, res["error"],
                                   incident_summary(outcome.incident))


def _worker_processes(pool: Any) -> list[Any]:
    """The pool's worker processes (ProcessPoolExecutor keeps them in ``_processes``)."""
    return [p for p in dict(getattr(pool, "_processes", None) or {}).values() if p.pid]


def _signal_workers(procs: list[Any], signum: int) -> None:
    for proc in procs:
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signum)


def _kill_workers(procs: list[Any]) -> None:
    """Workers still alive after the grace period: kill them and their kernels."""
    import psutil

    for proc in procs:
        if not proc.is_alive():
            continue
        try:
            worker = psutil.Process(proc.pid)
            tree = [*worker.children(recursive=True), worker]
        except psutil.NoSuchProcess:
            continue
        log.warning("worker %d did not stop in %.0f s: killed", proc.pid, STOP_GRACE_S)
        for p in tree:
            with contextlib.suppress(psutil.NoSuchProcess):
                p.kill()


def _drain(events: Any, bars: _Bars, started: set[str] | None = None) -> None:
    while True:
        try:
            incident_id, stage = events.get_nowait()
        except queue.Empty:
            return
        if started is not None and stage == "prepare":
            started.add(incident_id)
        bars.event(incident_id, stage)
