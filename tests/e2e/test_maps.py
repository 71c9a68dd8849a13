"""`postmortem draft` on exports that need a mapping: a ticket CSV and a `git log`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from postmortem_nb.cli import cli

pytestmark = [pytest.mark.notebook, pytest.mark.slow]

DATA = Path(__file__).resolve().parents[1] / "data" / "ingest"


def test_draft_maps_each_input(tmp_path, monkeypatch):
    alerts = tmp_path / "tickets.csv"
    alerts.write_text(
        "Ticket,Opened,Closed,Summary,Svc,Prio\n"
        "T-1,2026-03-10T14:03:10Z,2026-03-10T15:05:40Z,Checkout error rate high,checkout,P1\n"
        "T-2,2026-03-10T14:06:00Z,2026-03-10T15:00:00Z,Payment latency high,payments,P2\n"
    )
    (tmp_path / "tickets.map").write_text(
        "alert_id=Ticket\nstarted_at=Opened\nresolved_at=Closed\ntitle=Summary\nservice=Svc\n"
    )
    monkeypatch.chdir(tmp_path)  # @tickets.map is relative to where the command runs
    res = CliRunner().invoke(cli, [
        "draft", "--alerts", str(alerts), "--alerts-map", "@tickets.map",
        "--alerts-map", "severity=Prio",
        "--changes", str(DATA / "git_log.txt"), "--changes-map", "service==checkout",
        "--out", str(tmp_path / "reports"),
    ])  # fmt: skip
    assert res.exit_code == 0, res.output
    ws = tmp_path / "reports" / "20260310-1403-checkout"
    params = json.loads((ws / "draft.json").read_text())["parameters"]
    assert params["alerts_map"] == f"@{tmp_path / 'tickets.map'}\nseverity=Prio"
    assert params["changes_map"] == "service==checkout"
    html = (ws / "report.html").read_text()
    assert "Checkout error rate high" in html
    assert "SEV1" in html
    # the git log's commit is a change of the service the user named (timeline row)
    assert ('<td>change</td><td>checkout</td><td class="pm-break">commit: scheduler: run daily '
            "sales") in html
