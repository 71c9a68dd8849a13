"""`postmortem ...`: a click group whose subcommands are imported only when used.

Each subcommand lives in its own module here, parses its options, calls one library
function and prints. Library errors become one clean line and a non-zero exit code.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys

import click

from ..errors import PostmortemError

# name -> module under postmortem_nb.cli that defines `command`
COMMANDS = {
    "demo": "demo",
    "draft": "draft",
    "batch": "batch",
    "export": "export",
    "inspect": "inspect_cmd",
    "check": "check",
    "insights": "insights",
}


class LazyGroup(click.Group):
    """Imports a subcommand's module on first use so `postmortem --help` stays fast."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        available = []
        for name, module in COMMANDS.items():
            if importlib.util.find_spec(f"{__name__}.{module}") is not None:
                available.append(name)
        return sorted(available)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMANDS.get(cmd_name)
        if module is None or importlib.util.find_spec(f"{__name__}.{module}") is None:
            return None
        return importlib.import_module(f"{__name__}.{module}").command


@click.group(cls=LazyGroup)
@click.version_option(package_name="postmortem-nb")
def cli() -> None:
    """Turn incident data (alert, log and change exports) into blameless post-mortems."""


MULTIPLE = ("--logs",)  # options given once per value ("--logs a --logs b")


def _hint_repeated_option(exc: click.ClickException, argv: list[str]) -> None:
    """'--logs a.gz b.gz' leaves b.gz over: say to repeat the option (click takes one value)."""
    if not isinstance(exc, click.UsageError) or "unexpected extra argument" not in exc.message:
        return
    given = [opt for opt in MULTIPLE if opt in argv]
    if given:
        opt = given[0]
        exc.message += (
            f". Give each file its own {opt}: {opt} a.csv.gz {opt} b.csv.gz "
            f"(for a shell glob: $(printf -- '{opt} %s ' logs-*.csv.gz))"
        )


def main(argv: list[str] | None = None) -> None:
    """Console entry point: package errors print as one line, exit code 2."""
    try:
        cli.main(args=argv, prog_name="postmortem", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        _hint_repeated_option(exc, sys.argv[1:] if argv is None else argv)
        exc.show()
        sys.exit(exc.exit_code)
    except PostmortemError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
