"""ipywidgets forms over the analysis store, one per report section, in report order.

Each function takes an AnalysisStore (or a workspace path) and returns a
``display.Live``: the live form in JupyterLab, static sanitised HTML in papermill
outputs and exported reports. Nothing here waits for input.
"""

from __future__ import annotations

from .lists import action_items_form, fishbone_form, five_whys_form
from .sections import impact_form, lessons_form, review_form, summary_form
from .timeline import timeline_form

__all__ = [
    "action_items_form",
    "fishbone_form",
    "five_whys_form",
    "impact_form",
    "lessons_form",
    "review_form",
    "summary_form",
    "timeline_form",
]
