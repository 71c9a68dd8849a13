"""A report built from hostile exports and hostile analysis text runs no script."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from postmortem_nb.analysis import AnalysisStore
from postmortem_nb.draft import draft
from postmortem_nb.export import export_workspace

pytestmark = [pytest.mark.notebook, pytest.mark.browser, pytest.mark.slow]

SCRIPT = "<script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=1">'
JS_LINK = "[details](javascript:window.__pwned=1)"
TEMPLATE = "{{ 7*7 }} {% raw %}"

PD_COLUMNS = [
    "id", "incident_number", "description", "service_id", "service_name",
    "escalation_policy_name", "created_on", "resolved_on", "seconds_to_first_ack",
    "seconds_to_resolve", "urgency", "priority_name", "status", "auto_resolved",
    "escalation_count", "acknowledged_by_user_names", "assigned_to_user_names",
]  # fmt: skip


def _write_inputs(folder: Path) -> dict[str, Path]:
    t0 = datetime(2026, 5, 4, 13, 0, tzinfo=UTC)
    alerts = folder / "alerts.csv"
    with alerts.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(PD_COLUMNS)
        for i, title in enumerate([SCRIPT, IMG, "Error rate high " + JS_LINK]):
            start = t0 + timedelta(minutes=40 + i)
            w.writerow([
                f"QHOSTILE{i}", 9000 + i, title, "PX1", f"api {IMG}" if i == 1 else "api",
                "On-call", start.isoformat(), (start + timedelta(minutes=50)).isoformat(),
                120, 3000, "high", "P1", "resolved", "false", 0, "Eve <b>Ops</b>", "Eve",
            ])  # fmt: skip
    logs = folder / "logs.csv"
    with logs.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["timestamp", "level", "service", "host", "message", "http_status"])
        for s in range(0, 4 * 3600, 5):
            ts = t0 + timedelta(seconds=s)
            failing = 2400 <= s < 6000
            status = 503 if failing and s % 10 == 0 else 200
            msg = f"upstream failed {SCRIPT} {TEMPLATE}" if status == 503 else "GET /api 200"
            w.writerow([ts.isoformat().replace("+00:00", "Z"), "ERROR" if status == 503 else
                        "INFO", "api", f"host-{IMG}", msg, status])
    changes = folder / "changes.csv"
    changes.write_text(
        "timestamp,service,kind,description,author\n"
        f'2026-05-04T13:35:00Z,api,deploy,"deploy {SCRIPT} {JS_LINK}",mallory\n'
    )
    return {"alerts": alerts, "logs": logs, "changes": changes}


def test_hostile_data_and_analysis_stay_text(tmp_path, page):
    inputs = _write_inputs(tmp_path)
    result = draft(inputs["alerts"], inputs["logs"], inputs["changes"], out=tmp_path / "r")
    ws = result.workspace
    store = AnalysisStore(ws.analysis)
    store.update({
        "summary.what_happened": f"Markdown with {SCRIPT} and {IMG} and {JS_LINK} {TEMPLATE}",
        "lessons.went_well": "<svg onload=window.__pwned=1></svg> [x](javascript:alert(1))",
    })
    store.flush()
    export_workspace(ws)

    page.goto(ws.report.as_uri())
    page.locator(".js-plotly-plot svg.main-svg").first.wait_for(timeout=30000)
    for link in page.locator("a").all():
        assert not (link.get_attribute("href") or "").lower().startswith("javascript:")
    text = page.locator("body").inner_text()
    assert SCRIPT in text  # shown as text
    assert "{{ 7*7 }}" in text
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.page_errors == []
    assert [u for u in page.requests if not u.startswith("file://")] == []
