"""Readers for alert, log and change exports -> canonical, UTC-based pandas frames.

See docs in each module: formats.py (the registry of formats), frame.py (column
naming rule for extras), timestamps.py (time rules), window.py (fast time windows).

Names load on first use, so importing one module of this package (e.g. formats) does
not import every reader.
"""

from __future__ import annotations

from .._lazy import lazy_getattr

_LAZY = {
    "FORMATS": "formats",
    "Inspection": "inspect",
    "file_sha256": "pipeline",
    "inspect_file": "inspect",
    "load_alerts": "alerts",
    "load_changes": "changes",
    "load_logs": "logs",
}

__all__ = sorted(_LAZY)

__getattr__ = lazy_getattr(__name__, _LAZY, globals())
