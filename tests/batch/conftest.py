"""A generated alert export with known incidents, daily log files, and one shared batch run.

The shared run drafts three incidents on real kernels (about a minute here): the day-1
log file is cut in half, so the incident of that day fails while the others complete.
"""

from __future__ import annotations

import pytest
from alertgen import corrupt_gzip, make_logs, scenarios, write_alerts


@pytest.fixture(scope="session")
def export(tmp_path_factory):
    folder = tmp_path_factory.mktemp("export")
    alerts = scenarios()
    logs = make_logs(folder, alerts)
    return {"alerts": write_alerts(folder / "alerts.csv", alerts), "logs": logs,
            "folder": folder}


@pytest.fixture(scope="session")
def broken_export(export, tmp_path_factory):
    """The same export with the day-1 log file corrupt (truncated gzip)."""
    import shutil

    folder = tmp_path_factory.mktemp("broken")
    logs = [shutil.copy(p, folder / p.name) for p in export["logs"]]
    corrupt_gzip(folder / export["logs"][1].name)
    return {"alerts": export["alerts"], "logs": logs, "folder": folder}


@pytest.fixture(scope="session")
def batch_run(broken_export, tmp_path_factory):
    from postmortem_nb.batch.runner import run_batch

    out = tmp_path_factory.mktemp("batch") / "reports"
    return run_batch(broken_export["alerts"], broken_export["logs"], tz="Europe/Berlin",
                     jobs=2, out=out, progress=False, timeout=600)
