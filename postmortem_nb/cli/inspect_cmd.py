"""`postmortem inspect PATH`: what the tool sees in an export, before any analysis."""

from __future__ import annotations

import json

import click

from ..errors import ParameterError


def parse_maps(values: tuple[str, ...]) -> dict[str, str]:
    """``canonical=source`` pairs (``service==checkout-api`` for a constant) into a mapping."""
    out: dict[str, str] = {}
    for item in values:
        if item.startswith("@"):
            from ..ingest.frame import read_mapping_file

            out.update({k: str(v) for k, v in read_mapping_file(item[1:]).items()})
            continue
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ParameterError(
                f"--map {item!r}: expected canonical=source, e.g. --map started_at=Created"
            )
        out[key.strip()] = value
    return out


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
    from ..ingest.inspect import inspect_file

    result = inspect_file(path, kind=kind, format=fmt, mapping=parse_maps(maps) or None, tz=tz)
    if as_json:
        click.echo(json.dumps(result.to_dict(), default=str))
    else:
        click.echo(result.to_text())
