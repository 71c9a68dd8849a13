"""The bundled demo incident: an online shop's checkout outage (see data/make_demo.py)."""

from __future__ import annotations

from pathlib import Path

from .draft import DraftResult, draft
from .resources import demo_dir

DEMO_TZ = "Europe/Berlin"


def demo_inputs() -> dict[str, Path]:
    d = demo_dir()
    return {
        "alerts": d / "alerts.csv",
        "logs": d / "logs.csv.gz",
        "changes": d / "changes.csv",
        "analysis": d / "analysis.json",
    }


def run_demo(out: str | Path = "reports", *, force: bool = False) -> DraftResult:
    """Draft the demo incident into ``out`` (the window is proposed from the data).

    A new demo workspace starts from the bundled example analysis (data/demo/analysis.json:
    what an analyst wrote about this incident), so the report shows every section filled.
    """
    inputs = demo_inputs()
    return draft(
        inputs["alerts"],
        inputs["logs"],
        inputs["changes"],
        tz=DEMO_TZ,
        params={"currency": "EUR"},
        out=out,
        force=force,
        analysis_seed=inputs["analysis"],
    )
