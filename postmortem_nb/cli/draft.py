"""`postmortem draft`: one incident's post-mortem draft."""

from __future__ import annotations

import click

from ._common import map_options, out_option, param_option, print_draft, tz_option, with_maps


@click.command("draft")
@click.option(
    "--alerts",
    "alerts",
    required=True,
    type=click.Path(dir_okay=False),
    help="Alert export (PagerDuty, Opsgenie, Alertmanager, Grafana, CSV/JSON).",
)
@click.option(
    "--logs",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Log export (optional; repeat for several files, e.g. one per day).",
)
@click.option(
    "--changes",
    type=click.Path(dir_okay=False),
    help="Change events: deploys, config changes (optional).",
)
@click.option(
    "--incident",
    help="Incident key, or an alert id (incident number): the incident that alert belongs to "
    "(an id on several rows, e.g. a fingerprint that fired again: id@start as listed).",
)
@click.option("--start", help="Window start (ISO 8601; naive times are read in --tz).")
@click.option("--end", help="Window end (ISO 8601).")
@tz_option
@map_options
@param_option
@out_option
@click.option("--force", is_flag=True, help="Re-draft even a final workspace (keeps dated copies).")
def command(
    alerts, logs, changes, incident, start, end, tz, alerts_map, logs_map, changes_map, params,
    out, force,
):
    """Draft a post-mortem for one incident: workspace, executed notebook, report.html.

    Without --incident or --start/--end, the incident window is proposed from the
    most severe cluster of alerts and the log signal, and stated.
    """
    from ..draft import draft

    result = draft(
        alerts,
        list(logs),
        changes,
        incident=incident,
        start=start,
        end=end,
        tz=tz,
        params=with_maps(
            params, alerts_map=alerts_map, logs_map=logs_map, changes_map=changes_map
        ),
        out=out,
        force=force,
    )
    print_draft(result)
