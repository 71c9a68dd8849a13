"""`postmortem batch`: drafts for every significant incident in an alert export, and an index."""

from __future__ import annotations

import os
import sys

import click

from ._common import map_options, out_option, param_option, tz_option, with_maps


@click.command("batch")
@click.option("--alerts", required=True, type=click.Path(dir_okay=False, exists=True),
              help="Alert export (PagerDuty, Opsgenie, Alertmanager, Grafana, CSV/JSON).")
@click.option("--logs", multiple=True, type=click.Path(dir_okay=False, exists=True),
              help="Log export; repeat for one file per day/hour (each incident reads the "
                   "files covering its alerts and the baseline before them).")
@click.option("--changes", type=click.Path(dir_okay=False, exists=True),
              help="Change events: deploys, config changes (optional).")
@tz_option
@map_options
@click.option("--min-severity", metavar="SEVERITY",
              help="Draft incidents at least this severe (SEV1..SEV5, P1..P5, "
              "critical/error/high/warning/info/none). Default, when no criterion is given: SEV2.")
@click.option("--min-duration", metavar="DURATION",
              help="Draft incidents longer than this (e.g. 30min, 2h).")
@click.option("--min-services", type=click.IntRange(min=1),
              help="Draft incidents touching at least this many services.")
@click.option("--group-by", type=click.Choice(["time", "service"]), default="time",
              show_default=True,
              help="time: alerts overlapping or within --gap form one incident across "
                   "services; service: the same, per service.")
@click.option("--gap", default="15min", show_default=True,
              help="Alerts starting within this of an incident's latest end join it.")
@click.option("--since", help="Only incidents starting at or after this time (ISO 8601).")
@click.option("--until", help="Only incidents starting before this time (ISO 8601).")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Drafts run in parallel (default: the number of cores).")
@out_option
@click.option("--force", is_flag=True,
              help="Re-execute every significant incident, even up-to-date or final ones "
                   "(analysis.json is never touched; final reports are kept as dated copies).")
@click.option("--timeout", type=click.FloatRange(min=1), default=900, show_default=True,
              help="Seconds one incident's draft may take before it is stopped and failed.")
@click.option("--stale-days", type=click.IntRange(min=0), default=7, show_default=True,
              help="The index flags a significant incident still without analysis after "
                   "this many days.")
@param_option
@click.option("--quiet", is_flag=True, help="No progress bars.")
def command(alerts, logs, changes, tz, alerts_map, logs_map, changes_map, min_severity,
            min_duration, min_services, group_by, gap, since, until, jobs, out, force, timeout,
            stale_days, params, quiet):
    """Draft a post-mortem for every significant incident in an alert export.

    Incidents are grouped by incident key when the export has one, else by time
    (alerts overlapping or within --gap, across services). An incident is significant
    when it meets any criterion given (--min-severity, --min-duration, --min-services);
    with none, SEV2 or higher. Re-running skips drafts whose inputs and template did
    not change. Writes OUT/index.html, OUT/index.json and OUT/actions.csv.
    Exit status 1 when any draft failed. Ctrl-C (or SIGTERM) stops the batch within
    seconds: drafts in progress are stopped, no new one starts, the index is written for
    what finished, and the exit status is 130 (143); running it again finishes the rest.
    """
    from ..batch import Criteria
    from ..batch.runner import run_batch

    criteria = Criteria.from_options(min_severity, min_duration, min_services)
    result = run_batch(
        alerts, list(logs), changes, tz=tz, criteria=criteria, group_by=group_by, gap=gap,
        since=since, until=until, jobs=jobs or os.cpu_count() or 1, out=out, force=force,
        timeout=timeout,
        params=with_maps(params, alerts_map=alerts_map, logs_map=logs_map, changes_map=changes_map),
        progress=not quiet and sys.stderr.isatty(),
        stale_days=stale_days,
    )
    n = len(result.outcomes)
    sig = sum(o.incident.significant for o in result.outcomes)
    if result.stopped_by:
        _print_stopped(result)
    click.echo(
        f"{n} incident{'' if n == 1 else 's'}, {sig} significant ({criteria.describe()}): "
        f"{len(result.by_action('drafted'))} drafted, {len(result.failed)} failed, "
        f"{len(result.by_action('up to date'))} up to date, "
        f"{len(result.by_action('frozen'))} final (left alone) in {result.seconds:.0f} s."
    )
    for w in result.warnings:
        click.echo(f"warning: {w}", err=True)
    for o in result.failed:
        click.echo(f"FAILED {o.incident.id}: {o.error}", err=True)
        click.echo(f"  log: {o.workspace.root / 'batch.log'}", err=True)
    if result.index_error:
        click.echo(f"The index was not written: {result.index_error}", err=True)
    else:
        click.echo(f"Index: {result.index.get('html')}")
    sys.exit(result.exit_code)


def _print_stopped(result) -> None:
    import signal

    name = signal.Signals(result.stopped_by).name
    stopped = result.by_action("interrupted")
    queued = result.by_action("not started")
    click.echo(f"Stopped by {name}: {len(stopped)} draft(s) interrupted, {len(queued)} not "
               "started; run the same command again to finish them.", err=True)
    for o in stopped:
        click.echo(f"  interrupted: {o.incident.id}", err=True)
    for o in queued:
        click.echo(f"  not started: {o.incident.id}", err=True)
