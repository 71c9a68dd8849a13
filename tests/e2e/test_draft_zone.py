"""Naive input times in `postmortem draft`: read in --tz, in POSTMORTEM_DEFAULT_TZ (said so),
or refused; never silently in UTC because --tz was left out."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from postmortem_nb.cli import cli
from postmortem_nb.errors import TimestampError

pytestmark = [pytest.mark.notebook, pytest.mark.slow]

NAIVE = (
    "alert_id,title,started_at,resolved_at,severity,service\n"
    "A1,Checkout error rate high,2026-03-10 14:00:00,2026-03-10 15:00:00,critical,checkout\n"
)


def test_naive_times_without_a_zone_are_refused_then_read_as_configured(tmp_path, monkeypatch):
    alerts = tmp_path / "alerts.csv"
    alerts.write_text(NAIVE)
    monkeypatch.delenv("POSTMORTEM_DEFAULT_TZ", raising=False)
    out = tmp_path / "reports"
    res = CliRunner().invoke(cli, ["draft", "--alerts", str(alerts), "--out", str(out)])
    assert res.exit_code != 0
    assert isinstance(res.exception, TimestampError)  # printed in one line by the CLI
    assert "no zone was given" in str(res.exception)
    assert "POSTMORTEM_DEFAULT_TZ" in str(res.exception)
    assert not out.exists() or not any(out.iterdir())  # nothing drafted in UTC

    res = CliRunner().invoke(cli, ["draft", "--alerts", str(alerts), "--out", str(out)],
                             env={"POSTMORTEM_DEFAULT_TZ": "Europe/Berlin"})
    assert res.exit_code == 0, res.output
    ws = out / "20260310-1300-checkout"  # 14:00 in Berlin is 13:00Z
    facts = json.loads((ws / "facts.json").read_text())
    assert facts["milestones"]["detected"]["at"].startswith("2026-03-10T13:00")
    html = (ws / "report.html").read_text()
    assert "naive timestamps read in Europe/Berlin from POSTMORTEM_DEFAULT_TZ" in html
