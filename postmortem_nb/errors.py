"""The package's own exceptions: one root, subclasses that also inherit the natural builtin.

Every message is meant to be read by a user: it names the file, row or column and
says what was expected and what was found. In IPython and Jupyter they show as that one
line (``ParameterError: <message>``), not a chained traceback through pandas and pyarrow;
set ``POSTMORTEM_TRACEBACK=1`` (``%env POSTMORTEM_TRACEBACK=1``, then ``%tb``) for the full one.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

TRACEBACK_ENV = "POSTMORTEM_TRACEBACK"


def full_tracebacks() -> bool:
    """Whether the package's errors show their whole traceback in IPython."""
    return os.environ.get(TRACEBACK_ENV, "").strip().lower() in ("1", "true", "yes", "on")


class PostmortemError(Exception):
    """Root of every error this package raises on purpose."""

    def _render_traceback_(self) -> list[str]:
        """IPython's hook: the message alone, since it says what to do (the stack does not)."""
        if full_tracebacks():
            return _full_traceback(self)
        return [f"{type(self).__name__}: {self}"]


def _full_traceback(exc: BaseException) -> list[str]:
    try:
        from IPython import get_ipython

        shell = get_ipython()
        if shell is not None:
            return shell.InteractiveTB.structured_traceback(type(exc), exc, exc.__traceback__)
    except Exception:  # any failure here falls back to the plain format
        pass
    import traceback

    return "".join(traceback.format_exception(exc)).splitlines()


class InputFormatError(PostmortemError, ValueError):
    """An input file could not be read as the expected kind of export."""

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        column: str | None = None,
        found: Iterable[str] | None = None,
    ) -> None:
        self.path = str(path) if path is not None else None
        self.line = line
        self.column = column
        self.found = list(found) if found is not None else None
        parts = []
        if self.path:
            loc = self.path
            if line is not None:
                loc += f", line {line}"
            parts.append(loc + ":")
        parts.append(message)
        if self.found is not None:
            parts.append("Found: " + (", ".join(self.found) if self.found else "(nothing)") + ".")
        super().__init__(" ".join(parts))


class MissingColumnError(InputFormatError):
    """A required canonical column is missing and no mapping provides it."""


class TimestampError(InputFormatError):
    """Timestamps are missing, unparseable, naive without a zone, or ambiguous."""


class ParameterError(PostmortemError, ValueError):
    """A parameter (CLI option, notebook parameter, API argument) has a bad value."""


class AnalysisStoreError(PostmortemError):
    """analysis.json could not be read, written or merged safely."""


class ConflictError(AnalysisStoreError):
    """Two writers changed the same field of analysis.json; nothing was overwritten."""


class WorkspaceError(PostmortemError):
    """An incident workspace is missing, locked, frozen or inconsistent."""


class ExecutionError(PostmortemError, RuntimeError):
    """Executing or exporting a notebook failed; the failed notebook is kept."""


class RowLimitWarning(UserWarning):
    """A result was cut at its row limit (``wb.explore_logs(limit=...)``)."""


class LogRangeWarning(UserWarning):
    """A time range reaches beyond the part of the logs the workbook loaded."""
