"""`postmortem inspect PATH`: what the tool sees in an export, before any analysis."""

from __future__ import annotations

import json
import logging

import click


@click.command(name="inspect")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option(
    "--kind",
    type=click.Choice(["alerts", "logs", "changes"]),
    help="What the file holds; tried in turn when not given.",
)
@click.option("--format", "fmt", metavar="F", help="Force a format (see the docs for names).")
@click.option(
    "--map",
    "maps",
    multiple=True,
    metavar="CANONICAL=SOURCE",
    help="Map a canonical column to a source column, e.g. --map started_at=Created; "
    "@FILE reads a mapping file (JSON object or canonical=source lines).",
)
@click.option("--tz", metavar="ZONE", help="Zone for naive timestamps and for local times.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def command(
    path: str,
    kind: str | None,
    fmt: str | None,
    maps: tuple[str, ...],
    tz: str | None,
    as_json: bool,
) -> None:
    """Show the detected format, rows, time range, columns and unparsed rows of PATH."""
    from ..ingest.frame import parse_map_items
    from ..ingest.inspect import inspect_file

    mapping = parse_map_items(maps) or None
    # the readers' warnings are part of the output below: not also on stderr through
    # logging's last-resort handler (a configured root handler still gets them)
    ingest_log = logging.getLogger("postmortem_nb.ingest")
    quiet = logging.NullHandler()
    ingest_log.addHandler(quiet)
    try:
        result = inspect_file(path, kind=kind, format=fmt, mapping=mapping, tz=tz)
    finally:
        ingest_log.removeHandler(quiet)
    if as_json:
        click.echo(json.dumps(result.to_dict(), default=str))
    else:
        click.echo(result.to_text())
