"""Batch drafts: incidents from an alert export, a draft for each significant one, an index.

grouping (incidents), significance (which are drafted), logfiles (which log file each
reads), runner + pool (parallel drafts, idempotency, lock), index + index_html (the
overview: index.json, index.html, actions.csv).
"""

from __future__ import annotations

from .grouping import Incident, find_incidents
from .significance import Criteria, mark_significant

__all__ = ["BatchResult", "Criteria", "Incident", "find_incidents", "mark_significant",
           "run_batch"]


def __getattr__(name: str):
    if name in ("run_batch", "BatchResult", "Outcome"):
        from . import runner

        return getattr(runner, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
