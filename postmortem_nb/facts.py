"""facts.json: what the data says about one incident, in a versioned, documented shape.

Batch overviews and cross-incident insights read this file, so its shape is a contract
(docs/facts-schema.md). Times are ISO 8601 UTC strings ending in Z; a value that could
not be determined is null with the reason in ``warnings``.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .milestones import DURATIONS
from .schema import MILESTONES
from .story import IncidentStory
from .timeutil import iso_z

SCHEMA_VERSION = 1


def _clean(value: Any) -> Any:
    """JSON-safe: numpy scalars to Python, NaN/inf to None."""
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def build_facts(story: IncidentStory) -> dict[str, Any]:
    """The facts.json dict for ``story`` (schema 1; see docs/facts-schema.md)."""
    impact = {}
    for name, fig in story.impact.figures.items():
        d = fig.to_dict()
        d["value"] = _clean(d["value"])
        impact[name] = d
    per_service = []
    if len(story.impact.per_service):
        for rec in story.impact.per_service.to_dict("records"):
            per_service.append({k: _clean(v) for k, v in rec.items()})
    sig = story.signals
    return {
        "schema": SCHEMA_VERSION,
        "incident": {
            "id": story.incident["id"],
            "title": story.incident["title"],
            "severity": story.incident["severity"],
            "services": list(story.incident["services"]),
        },
        "window": {
            "start": iso_z(story.window[0]),
            "end": iso_z(story.window[1]),
            "reason": story.window_reason,
            "source": getattr(story, "window_source", "derived"),
        },
        "timezone": story.tz,
        "milestones": {
            name: (
                story.milestones[name].to_dict()
                if name in story.milestones
                else {"at": None, "source": "derived", "evidence": ""}
            )
            for name in MILESTONES
        },
        "durations_s": {k: _clean(story.durations.get(k)) for k in DURATIONS},
        "impact": impact,
        "impact_by_service": per_service,
        "definitions": {
            "request": sig.request_definition if sig else None,
            "transaction": sig.transaction_definition if sig else None,
            "failure": sig.failure_definition if sig else None,
            "columns": dict(sig.columns) if sig else {},
            "onset_method": story.onset.method if story.onset is not None else None,
            "services": story.focus.to_dict() if story.focus is not None else None,
        },
        "counts": {k: int(v) for k, v in story.counts.items()},
        "new_templates": new_template_records(story),
        "alert_ids": [str(a) for a in story.alerts.get("alert_id", [])],
        "warnings": list(story.warnings),
    }


STORY_KEYS = ("milestone_overrides", "incident_window", "added_events", "hidden_events")


def analysis_fingerprint(analysis: Mapping[str, Any] | None, *, title: bool = True) -> str:
    """SHA-256 of the parts of analysis.json the story is derived from.

    Milestone overrides, the incident window and added or hidden events change the
    header, the timeline, the impact figures and facts.json itself, and the summary's
    title is the story's title (the timeline figure's, facts.json's); the workbook records
    this hash in facts.json so that ``export`` can tell when they changed since.
    ``title=False`` gives the hash facts.json recorded before the title was part of it.
    """
    timeline = (analysis or {}).get("timeline") or {}
    part = {k: timeline.get(k) for k in STORY_KEYS} if isinstance(timeline, Mapping) else {}
    if title:
        summary = (analysis or {}).get("summary") or {}
        part["summary.title"] = summary.get("title") if isinstance(summary, Mapping) else None
    text = json.dumps(part, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def new_template_records(story: IncidentStory, limit: int = 20) -> list[dict[str, Any]]:
    """The error messages new in this incident (or rare before it), so insights can find
    ones that recur."""
    new = story.new_templates
    if new is None or new.empty:
        return []
    out = []
    for rec in new.head(limit).to_dict("records"):
        out.append({
            "template": str(rec.get("template", "")),
            "count": _clean(rec.get("count")),
            "service": None if rec.get("service") is None else str(rec.get("service")),
            "first_seen": iso_z(rec.get("first_seen")),
            # "new" only when never seen before the incident (logtemplates.new_templates)
            "novelty": str(rec.get("novelty") or "new"),
            "baseline_count": _clean(rec.get("baseline_count", 0)),
        })  # fmt: skip
    return out


def write_facts(path: str | Path, facts: dict[str, Any]) -> Path:
    """Write facts.json atomically (temp file in the same folder, then os.replace)."""
    from .workspace import atomic_write_text

    path = Path(path)
    atomic_write_text(path, json.dumps(facts, indent=2, ensure_ascii=False, allow_nan=False) + "\n")
    return path


def read_facts(path: str | Path) -> dict[str, Any]:
    """Load facts.json (for batch and insights); the schema number is checked by callers."""
    return json.loads(Path(path).read_text(encoding="utf-8"))
