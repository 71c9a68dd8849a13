"""The analyst's content: model (analysis.json), durable store, checks and rendering."""

from __future__ import annotations

from typing import Any

from .checks import BLAME_PHRASES, Finding, Phrase, check_analysis
from .model import (
    ACTION_TYPES,
    FISHBONE_CATEGORIES,
    PRIORITIES,
    REVIEW_STATUSES,
    SCHEMA_VERSION,
    STATUSES,
    ActionItem,
    Analysis,
    Evidence,
    Factor,
    Fishbone,
    Impact,
    Lessons,
    MilestoneOverride,
    Person,
    Review,
    Summary,
    Timeline,
    TimelineEvent,
    Why,
    Window,
    migrate,
    to_iso_z,
)
from .people import suggest_people
from .render import PARTS, render_sections_html, render_sections_markdown
from .store import AnalysisStore, flush_all, read_analysis


def __getattr__(name: str) -> Any:
    if name == "fishbone_figure":  # plotly loads only when a figure is drawn
        from .fishbone import fishbone_figure

        return fishbone_figure
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ACTION_TYPES",
    "BLAME_PHRASES",
    "FISHBONE_CATEGORIES",
    "PARTS",
    "PRIORITIES",
    "REVIEW_STATUSES",
    "SCHEMA_VERSION",
    "STATUSES",
    "ActionItem",
    "Analysis",
    "AnalysisStore",
    "Evidence",
    "Factor",
    "Finding",
    "Fishbone",
    "Impact",
    "Lessons",
    "MilestoneOverride",
    "Person",
    "Phrase",
    "Review",
    "Summary",
    "Timeline",
    "TimelineEvent",
    "Why",
    "Window",
    "check_analysis",
    "fishbone_figure",
    "flush_all",
    "migrate",
    "read_analysis",
    "render_sections_html",
    "render_sections_markdown",
    "suggest_people",
    "to_iso_z",
]
