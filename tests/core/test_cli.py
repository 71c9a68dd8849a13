"""Every command is documented; user mistakes print one clean line, never a traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from postmortem_nb.cli import COMMANDS, cli


def test_group_lists_commands():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name in ("demo", "draft", "export", "check"):
        assert name in result.output


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_available_command_has_help(name):
    cmd = cli.get_command(None, name)
    if cmd is None:
        pytest.skip(f"{name} is not built yet")
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert len((cmd.help or "").strip()) > 20
    for param in cmd.params:
        if param.param_type_name == "option" and param.name != "help":
            assert param.help, f"{name} --{param.name} has no help text"


def test_user_error_is_one_line_without_traceback(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "postmortem_nb", "draft", "--alerts", str(tmp_path / "nope.csv")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "nope.csv" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) <= 2


def test_bad_param_name_lists_known_ones(tmp_path):
    alerts = tmp_path / "a.csv"
    alerts.write_text("x\n")
    proc = subprocess.run(
        [sys.executable, "-m", "postmortem_nb", "draft", "--alerts", str(alerts),
         "--param", "avg_valeu=3"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert "avg_valeu" in proc.stderr
    assert "avg_value" in proc.stderr
    assert "Traceback" not in proc.stderr
