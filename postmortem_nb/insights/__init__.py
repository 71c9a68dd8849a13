"""Learning across incidents: trends, recurring causes and action items that never got done.

Reads every workspace under a reports root (facts.json + analysis.json), aggregates the
numbers, draws them, and builds a self-contained page with the same exporter as a
single post-mortem. Names load lazily: plotly, papermill and nbconvert only when used.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "InsightsParams": "params",
    "Collection": "collect",
    "collect": "collect",
    "InsightsWorkbook": "workbook",
    "open_insights": "workbook",
    "insights_json": "summary",
    "run_insights": "run",
    "write_insights_json": "run",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'postmortem_nb.insights' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
