"""Readers for alert, log and change exports -> canonical, UTC-based pandas frames.

See docs in each module: formats.py (the registry of formats), frame.py (column
naming rule for extras), timestamps.py (time rules), window.py (fast time windows).
"""

from __future__ import annotations

from .alerts import load_alerts
from .changes import load_changes
from .formats import FORMATS
from .inspect import Inspection, inspect_file
from .logs import load_logs
from .pipeline import file_sha256

__all__ = [
    "FORMATS",
    "Inspection",
    "file_sha256",
    "inspect_file",
    "load_alerts",
    "load_changes",
    "load_logs",
]
