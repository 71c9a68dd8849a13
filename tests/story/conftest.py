"""Demo data as canonical frames for the story tests.

Uses the real loaders (postmortem_nb.load_alerts/load_logs/load_changes) when the ingest
package is present; until then a minimal test-only reader produces the same canonical
shape (schema.py columns, tz-aware UTC timestamps, log extras under their own names).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pandas as pd
import pytest

from postmortem_nb.schema import ALERT_COLUMNS
from postmortem_nb.severity import normalize_severity

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"
HAVE_INGEST = importlib.util.find_spec("postmortem_nb.ingest") is not None


def _alerts_fallback(path: Path) -> pd.DataFrame:
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    started = pd.to_datetime(raw["created_on"], utc=True, format="ISO8601")
    ack_s = pd.to_numeric(raw["seconds_to_first_ack"], errors="coerce")
    sev_raw = raw["priority_name"].where(raw["priority_name"] != "", raw["urgency"])
    out = pd.DataFrame(
        {
            "alert_id": raw["id"],
            "source": "pagerduty",
            "service": raw["service_name"],
            "severity": [normalize_severity(v) for v in sev_raw],
            "severity_raw": sev_raw,
            "title": raw["description"],
            "started_at": started,
            "acknowledged_at": started + pd.to_timedelta(ack_s, unit="s"),
            "resolved_at": pd.to_datetime(
                raw["resolved_on"].replace("", None), utc=True, format="ISO8601"
            ),
            "status": raw["status"],
            "incident_key": pd.Series([None] * len(raw), dtype="str"),
            "acknowledged_by": raw["acknowledged_by_user_names"].replace("", None),
        }
    )
    return out[list(ALERT_COLUMNS)]


def _logs_fallback(path: Path) -> pd.DataFrame:
    df = pd.read_csv(path, dtype={"customer_id": "str", "request_id": "str"})
    df["timestamp"] = pd.to_datetime(df["timestamp"], utc=True, format="ISO8601")
    return df


def _changes_fallback(path: Path) -> pd.DataFrame:
    df = pd.read_csv(path)
    df["timestamp"] = pd.to_datetime(df["timestamp"], utc=True, format="ISO8601")
    return df


def load(kind: str, path: Path) -> pd.DataFrame:
    if HAVE_INGEST:
        import postmortem_nb

        return getattr(postmortem_nb, f"load_{kind}")(path)
    return {"alerts": _alerts_fallback, "logs": _logs_fallback, "changes": _changes_fallback}[kind](
        path
    )


@pytest.fixture(scope="session")
def demo_alerts() -> pd.DataFrame:
    return load("alerts", DEMO / "alerts.csv")


@pytest.fixture(scope="session")
def demo_logs() -> pd.DataFrame:
    return load("logs", DEMO / "logs.csv.gz")


@pytest.fixture(scope="session")
def demo_changes() -> pd.DataFrame:
    return load("changes", DEMO / "changes.csv")


@pytest.fixture(scope="session")
def truth() -> dict:
    return json.loads((DEMO / "ground_truth.json").read_text())
