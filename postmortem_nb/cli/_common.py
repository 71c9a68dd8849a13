"""Options and printing shared by the commands that write workspaces."""

from __future__ import annotations

from pathlib import Path

import click

from ..workspace import DEFAULT_OUT

tz_option = click.option(
    "--tz",
    default="",
    metavar="ZONE",
    help="The team's time zone (IANA name, e.g. Europe/Berlin): shown beside UTC, and naive "
    "input times are read in it. Without it the report shows UTC, and naive input times "
    "are read in POSTMORTEM_DEFAULT_TZ (reported) or refused.",
)
out_option = click.option(
    "--out",
    default=DEFAULT_OUT,
    show_default=True,
    type=click.Path(file_okay=False),
    help="Reports root: each incident gets the workspace folder OUT/<incident-id>/.",
)


def _parse_params(ctx, param, values):
    parsed = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"expected NAME=VALUE, got {item!r}")
        parsed[name.strip()] = value
    return parsed


param_option = click.option(
    "--param",
    "params",
    multiple=True,
    callback=_parse_params,
    metavar="NAME=VALUE",
    help="Any template parameter, e.g. --param avg_value=42.5 --param amount_column=amount.",
)


KINDS = ("alerts", "logs", "changes")


def _join_maps(ctx, param, values):
    """Items as the ``*_map`` parameter holds them: one per line, @FILE made absolute
    (the notebook runs in the workspace folder, not where the command was typed)."""
    items = []
    for item in values:
        if item.startswith("@"):
            item = "@" + str(Path(item[1:]).expanduser().resolve())
        items.append(item)
    return "\n".join(items)


def map_options(command):
    """--alerts-map/--logs-map/--changes-map: the column mapping of each input, as for
    ``postmortem inspect --map`` (canonical=source, service==constant, @mapping-file)."""
    examples = {
        "alerts": "started_at=Created --alerts-map title=Summary",
        "logs": "timestamp=ts --logs-map message=msg",
        "changes": "service==checkout (a git log names no service)",
    }
    for kind in reversed(KINDS):
        command = click.option(
            f"--{kind}-map",
            f"{kind}_map",
            multiple=True,
            callback=_join_maps,
            metavar="CANONICAL=SOURCE",
            help=f"Map a canonical column of the {kind} export to its column, e.g. "
            f"--{kind}-map {examples[kind]}; @FILE reads a mapping file.",
        )(command)
    return command


def with_maps(params: dict, **maps: str) -> dict:
    """``--param`` values plus the non-empty ``--*-map`` options as ``*_map`` parameters."""
    return {**params, **{name: value for name, value in maps.items() if value}}


def print_draft(result) -> None:
    ws = result.workspace
    if result.same_incident:
        click.echo(f"Note: {result.same_incident}")
    if result.skipped:
        click.echo(result.skipped)
        return
    if result.window:
        click.echo(f"Incident {ws.incident_id}: {result.window[0]} .. {result.window[1]}")
    if result.window_reason:
        click.echo(f"  window: {result.window_reason}")
    for path in result.kept:
        click.echo(f"  kept: {path}")
    click.echo(f"  workspace: {ws.root}")
    click.echo(f"  notebook:  {ws.notebook}")
    click.echo(f"  analysis:  {ws.analysis}")
    click.echo(f"  report:    {result.report}")
    for path in getattr(result, "reports", [])[1:]:  # the workspace's other report variants
        click.echo(f"  also:      {path}")
