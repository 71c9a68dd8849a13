"""Learning across incidents: trends, recurring causes and action items that never got done.

Reads every workspace under a reports root (facts.json + analysis.json), aggregates the
numbers, draws them, and builds a self-contained page with the same exporter as a
single post-mortem. Names load lazily: plotly, papermill and nbconvert only when used.
"""

from __future__ import annotations

from .._lazy import lazy_getattr

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


__getattr__ = lazy_getattr(__name__, _LAZY, globals())
