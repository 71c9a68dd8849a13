"""The package's errors show as one line in IPython/Jupyter, the full traceback on request."""

from __future__ import annotations

import pytest
from IPython.core.interactiveshell import InteractiveShell

from postmortem_nb.errors import ParameterError


@pytest.fixture
def shell():
    ip = InteractiveShell.instance(colors="nocolor")
    yield ip
    InteractiveShell.clear_instance()


def test_a_bad_regex_shows_one_line_in_ipython(shell, demo_workbook, capsys, monkeypatch):
    monkeypatch.delenv("POSTMORTEM_TRACEBACK", raising=False)
    shell.user_ns["wb"] = demo_workbook
    result = shell.run_cell('wb.explore_logs(regex=r"timeout (after")')
    assert isinstance(result.error_in_exec, ParameterError)
    assert result.error_in_exec.__cause__ is None  # nothing of pyarrow chained to it
    shown = capsys.readouterr().out.strip()
    assert shown.startswith("ParameterError: Cannot search for the regular expression ")
    assert shown.count("\n") == 0
    assert "ArrowInvalid" not in shown
    assert "direct cause" not in shown


def test_the_full_traceback_on_request(shell, demo_workbook, capsys, monkeypatch):
    monkeypatch.setenv("POSTMORTEM_TRACEBACK", "1")
    shell.user_ns["wb"] = demo_workbook
    shell.run_cell('wb.explore_logs(service="payment")')
    shown = capsys.readouterr().out
    assert "Traceback" in shown
    assert "make_filter" in shown  # the stack, down to where it was raised
    assert "Unknown service 'payment'" in shown
