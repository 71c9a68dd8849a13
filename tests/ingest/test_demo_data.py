"""The bundled demo incident (data/demo, made by data/make_demo.py) loads as documented."""

from __future__ import annotations

import pandas as pd
import pytest

from postmortem_nb.ingest import load_alerts, load_changes, load_logs


@pytest.fixture
def demo(demo_data):
    path = demo_data / "demo"
    if not (path / "alerts.csv").exists():
        pytest.skip("data/demo is not in this checkout (it arrives with the main branch)")
    return path


def test_demo_alerts(demo):
    df = load_alerts(demo / "alerts.csv")
    assert df.attrs["source"]["format"] == "pagerduty_csv"
    assert df["started_at"].is_monotonic_increasing
    assert df["severity"].notna().all()
    acked = df.dropna(subset=["acknowledged_at"])
    assert (acked["acknowledged_at"] >= acked["started_at"]).all()


def test_demo_logs_and_window(demo):
    full = load_logs(demo / "logs.csv.gz")
    assert len(full) >= 100_000
    for col in ("request_id", "customer_id", "amount", "http_status", "latency_ms"):
        assert col in full.columns
    lo, hi = pd.Timestamp("2026-03-10T13:00:00Z"), pd.Timestamp("2026-03-10T14:00:00Z")
    win = load_logs(demo / "logs.csv.gz", start=lo, end=hi)
    assert len(win) == int(((full["timestamp"] >= lo) & (full["timestamp"] < hi)).sum())


def test_demo_changes(demo):
    df = load_changes(demo / "changes.csv")
    assert df.attrs["source"]["format"] == "generic_changes"
    assert df["description"].notna().all()
