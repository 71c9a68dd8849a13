"""postmortem-nb: a Jupyter workbook that turns incident data into blameless post-mortems.

The public API is listed in ``__all__``. Names are imported lazily on first use so
that ``import postmortem_nb`` costs little more than the standard library: papermill,
nbconvert, plotly and ipywidgets load only when a function that needs them is called.
"""

from __future__ import annotations

from ._lazy import lazy_getattr
from .errors import (
    AnalysisStoreError,
    ConflictError,
    ExecutionError,
    InputFormatError,
    MissingColumnError,
    ParameterError,
    PostmortemError,
    TimestampError,
    WorkspaceError,
)

__version__ = "0.1.0"

# public name -> module (relative to this package) that defines it
_LAZY: dict[str, str] = {
    "Params": "params",
    "normalize_severity": "severity",
    "load_alerts": "ingest",
    "load_logs": "ingest",
    "load_changes": "ingest",
    "inspect_file": "ingest",
    "file_sha256": "ingest",
    "open_workbook": "workbook",
    "Workbook": "workbook",
    "draft": "draft",
    "export_workspace": "export",
    "run_demo": "demo",
    "Analysis": "analysis",
    "AnalysisStore": "analysis",
    "read_analysis": "analysis",
    "check_analysis": "analysis",
    "render_sections_html": "analysis",
    "render_sections_markdown": "analysis",
    "fishbone_figure": "analysis",
    "analyse_incident": "story",
    "IncidentStory": "story",
    "build_facts": "facts",
    "read_facts": "facts",
    "timeline_figure": "figures",
    "impact_figure": "figures",
    "propose_window": "incident_window",
    "select_incident_alerts": "incident_window",
    "mine_templates": "logtemplates",
    "LogExplorer": "explore",
    "LogFilter": "explore",
    "run_batch": "batch",
    "find_incidents": "batch",
    "Criteria": "batch",
    "open_insights": "insights",
    "InsightsParams": "insights",
    "run_insights": "insights",
    "export_html": "report",
    "export_markdown": "report",
    "Redactor": "report",
}

__all__ = [
    "AnalysisStoreError",
    "ConflictError",
    "ExecutionError",
    "InputFormatError",
    "MissingColumnError",
    "ParameterError",
    "PostmortemError",
    "TimestampError",
    "WorkspaceError",
    "__version__",
    *_LAZY,
]


__getattr__ = lazy_getattr(__name__, _LAZY, globals())


def __dir__() -> list[str]:
    return sorted(__all__)
