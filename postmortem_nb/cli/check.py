"""`postmortem check WORKSPACE`: blameless-language and action-item checks for CI."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections import Counter
from pathlib import Path

import click

from ..analysis.checks import check_analysis
from ..analysis.store import read_analysis, resolve_path
from ..errors import AnalysisStoreError


@click.command("check")
@click.argument("workspace", type=click.Path(path_type=str))
@click.option("--json", "as_json", is_flag=True, help="Print findings as JSON (for CI tools).")
@click.option(
    "--strict",
    is_flag=True,
    help="Exit with status 1 when there is any finding (default: always 0).",
)
@click.option(
    "--today",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    metavar="YYYY-MM-DD",
    help="Judge due dates as of this day (YYYY-MM-DD) instead of today, for reproducible runs.",
)
def command(workspace: str, as_json: bool, strict: bool, today: dt.datetime | None) -> None:
    """Check WORKSPACE's analysis.json (or the given .json file) for blame-oriented wording,
    vague or incomplete action items, a 5 Whys chain ending at a person, empty sections,
    times the notebook cannot read and hidden events that match nothing (with facts.json).

    Exit status: 0 when clean (or without --strict), 1 with findings and --strict or with
    an error (a time the draft and export would fail on), 2 when analysis.json is missing
    or unreadable. Nothing is written.
    """
    path = resolve_path(workspace)
    try:
        analysis = read_analysis(path)
    except AnalysisStoreError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    findings = check_analysis(analysis, today=today.date() if today else None,
                              facts=_facts_beside(path))
    errors = any(f.severity == "error" for f in findings)
    if as_json:
        payload = {
            "schema": 1,
            "path": str(path),
            "review_status": analysis.review.status,
            "counts": {"error": 0, "warning": 0, "info": 0,
                       **Counter(f.severity for f in findings)},
            "findings": [f.to_dict() for f in findings],
        }
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    elif findings:
        for f in findings:
            line = f"{f.severity}: {f.field}: {f.message}"
            if f.suggestion:
                line += f" Suggestion: {f.suggestion}"
            click.echo(line)
        click.echo(f"{len(findings)} finding(s) in {path}.")
    else:
        click.echo(f"No findings in {path}.")
    sys.exit(1 if errors or (strict and findings) else 0)


def _facts_beside(path: Path) -> dict | None:
    """The workspace's facts.json (the last draft's events and zone), when readable."""
    try:
        facts = json.loads(path.with_name("facts.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return facts if isinstance(facts, dict) else None
