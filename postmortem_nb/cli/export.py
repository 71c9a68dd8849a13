"""`postmortem export`: re-render a workspace's report from its notebook and analysis.json."""

from __future__ import annotations

import click


@click.command("export")
@click.argument("workspace", type=click.Path(file_okay=False))
@click.option("--to", "to", type=click.Choice(["html", "markdown"]), default="html",
              show_default=True, help="report.html (self-contained, offline) or report.md.")
@click.option("--redact", is_flag=True,
              help="Mask e-mails, IPs, tokens and keys, customer ids and people's names.")
def command(workspace, to, redact):
    """Re-render WORKSPACE's report with the analyst's current analysis.json.

    The notebook is re-executed first (as draft would) when an input file changed since
    the draft, or when milestone overrides, the incident window or added/hidden timeline
    events changed since facts.json was computed; otherwise only the report is rendered.
    """
    from ..export import export_workspace

    click.echo(str(export_workspace(workspace, to=to, redact=redact)))
