"""`postmortem insights`: trends, recurring causes and overdue action items across incidents."""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.command("insights")
@click.argument("reports_dir", default="reports", type=click.Path(file_okay=False))
@click.option("--since", default="", help="Only incidents starting at or after this time "
              "(ISO 8601; a bare date is midnight in --tz).")
@click.option("--until", default="", help="Only incidents starting before this time.")
@click.option("--out", default=None, type=click.Path(dir_okay=False),
              help="Where to write: default REPORTS_DIR/insights.html "
              "(REPORTS_DIR/insights.json with --json; '-' prints the JSON).")
@click.option("--notebook", default=None, type=click.Path(dir_okay=False),
              help="Also keep the executed insights notebook here (to open in JupyterLab).")
@click.option("--json", "as_json", is_flag=True,
              help="Write the aggregated numbers as JSON (docs/insights-schema.md) "
              "instead of the page; no kernel is started.")
@click.option("--tz", default="UTC", show_default=True, metavar="ZONE",
              help="The team's time zone: weeks, months and dates are counted in it.")
@click.option("--stuck-days", default=14, show_default=True, type=click.IntRange(min=0),
              help="A post-mortem not final this many days after its incident is 'stuck'.")
@click.option("--min-severity", default="SEV2", show_default=True, metavar="SEVERITY",
              help="Significant incidents are at least this severe (SEVn, Pn, critical ...).")
@click.option("--today", default="", metavar="YYYY-MM-DD",
              help="Judge due dates as of this day instead of today, for reproducible runs.")
def command(reports_dir, since, until, out, notebook, as_json, tz, stuck_days, min_severity,
            today):
    """Learn across the incident workspaces under REPORTS_DIR (default ./reports).

    Reads every workspace's facts.json and analysis.json: response times over time,
    incidents per week and per service, recurring services and contributing factors,
    action items (open, overdue, done on time), post-mortem coverage and the most
    frequent review findings. Unreadable workspaces are listed, never fatal. The page
    is self-contained and opens offline.
    """
    from ..insights.params import InsightsParams

    params = InsightsParams.from_mapping({
        "reports_dir": reports_dir, "since": since, "until": until, "tz": tz,
        "stuck_days": stuck_days, "min_severity": min_severity, "today": today,
    })
    root = Path(reports_dir)
    if as_json:
        from ..insights.run import insights_data, write_insights_json

        if out == "-":
            click.echo(json.dumps(insights_data(params), indent=2, ensure_ascii=False))
            return
        path = write_insights_json(params, out or root / "insights.json")
        click.echo(str(path))
        return
    from ..insights.run import run_insights

    click.echo(str(run_insights(params, out or root / "insights.html", notebook_out=notebook)))
