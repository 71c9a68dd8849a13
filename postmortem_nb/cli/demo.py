"""`postmortem demo`: the bundled incident, end to end."""

from __future__ import annotations

import click

from ._common import out_option, print_draft


@click.command("demo")
@out_option
@click.option("--force", is_flag=True, help="Re-draft even if the demo workspace is final.")
def command(out, force):
    """Build the post-mortem for the bundled demo incident and print where report.html is."""
    from ..demo import run_demo

    result = run_demo(out=out, force=force)
    print_draft(result)
    click.echo(str(result.report or result.workspace.report))
