"""Readers for alert, log and change exports -> canonical, UTC-based pandas frames."""

from __future__ import annotations

from .alerts import load_alerts
from .changes import load_changes
from .logs import load_logs
from .pipeline import file_sha256

__all__ = ["file_sha256", "load_alerts", "load_changes", "load_logs"]
