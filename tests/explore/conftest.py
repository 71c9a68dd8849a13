"""Fixtures for the explorer tests: the demo logs (real loader) and small hand-made frames."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import postmortem_nb as pm
from postmortem_nb.analysis import AnalysisStore
from postmortem_nb.params import Params

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"


@pytest.fixture(scope="session")
def demo_logs() -> pd.DataFrame:
    return pm.load_logs(DEMO / "logs.csv.gz")


@pytest.fixture(scope="session")
def demo_explorer(demo_logs):
    from postmortem_nb.explore import LogExplorer

    return LogExplorer(demo_logs, tz="Europe/Berlin")


@pytest.fixture
def explorer(demo_explorer):
    """The shared demo explorer with its filter reset for each test."""
    return demo_explorer.reset()


@pytest.fixture
def small_logs() -> pd.DataFrame:
    """Eight rows, deliberately out of time order, with a custom index."""
    ts = pd.to_datetime(
        [
            "2026-03-10T14:05:00Z",
            "2026-03-10T14:01:00Z",
            "2026-03-10T14:03:30Z",
            "2026-03-10T14:00:10Z",
            "2026-03-10T14:03:10Z",
            "2026-03-10T14:07:00Z",
            "2026-03-10T14:02:00Z",
            "2026-03-10T14:06:59Z",
        ],
        utc=True,
    )
    return pd.DataFrame(
        {
            "timestamp": ts,
            "level": ["ERROR", "INFO", "error", "INFO", "ERROR", "WARN", "INFO", "ERROR"],
            "service": ["pay", "web", "pay", "web", "db", "web", "pay", "pay"],
            "host": ["p1", "w1", "p2", "w1", "d1", "w2", "p1", "p1"],
            "message": [
                "payment failed: upstream timeout after 30000 ms",
                "GET /home 200 12ms",
                "Payment FAILED: upstream timeout after 1200 ms",
                "GET /cart 200 8ms",
                "FATAL: too many connections (client=10.0.0.7)",
                "slow request 2100 ms",
                "POST /pay 200 140ms",
                "payment failed: upstream timeout after 30000 ms",
            ],
        },
        index=[10, 11, 12, 13, 14, 15, 16, 17],
    )


@pytest.fixture(scope="session")
def demo_workbook(tmp_path_factory):
    """The demo incident as a Workbook over a fresh workspace (no kernel needed)."""
    from postmortem_nb.workbook import Workbook

    ws = tmp_path_factory.mktemp("ws")
    params = Params.from_mapping(
        {
            "alerts": str(DEMO / "alerts.csv"),
            "logs": str(DEMO / "logs.csv.gz"),
            "changes": str(DEMO / "changes.csv"),
            "tz": "Europe/Berlin",
            "workspace": str(ws),
        }
    )
    return Workbook.load(params)


@pytest.fixture
def store(tmp_path) -> AnalysisStore:
    return AnalysisStore(tmp_path / "analysis.json")
