"""Explorers over the loaded logs and alerts, linked figures, and pinning evidence.

``logs.LogExplorer`` and ``alerts.AlertExplorer`` are plain models (DataFrames in and
out, no widgets); ``pin`` turns a log row, alert, change or template into a pinned
timeline event in the analysis store; ``widgets`` and ``linked`` are the JupyterLab
views over them, each paired with a static summary for papermill and the report.
"""

from __future__ import annotations

from .filters import LogFilter, make_filter
from .logs import LogExplorer

__all__ = ["LogExplorer", "LogFilter", "make_filter"]
