"""Build the insights page (papermill + the report exporter) or write the numbers as JSON.

The page is made exactly like a post-mortem report: the notebook template is executed
on a real kernel, then exported by ``postmortem_nb.report.export_html`` (self-contained,
offline, sanitised, Plotly embedded once). The JSON needs no kernel: it is computed
in-process from the same workbook the notebook uses.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from ..resources import template_notebook
from ..workspace import atomic_write_text
from .collect import workspace_folders
from .params import InsightsParams

log = logging.getLogger(__name__)

TEMPLATE = "insights.ipynb"


def _checked(params: InsightsParams) -> InsightsParams:
    """Validate everything before paying for a kernel; reports_dir made absolute."""
    params.bounds()
    params.today_date()
    params.severity_bar()
    params.rolling_window()
    root = params.root.resolve()
    workspace_folders(root)  # a missing folder is a clean error now, not a failed cell
    return InsightsParams.from_mapping({**params.to_dict(), "reports_dir": str(root)})


def _out_path(out: str | Path, what: str = "--out") -> Path:
    """Where to write: its folder must exist (a typo must not create folders)."""
    from ..errors import ParameterError

    path = Path(out).expanduser().resolve()
    if not path.parent.is_dir():
        raise ParameterError(f"{what}: the folder {path.parent} does not exist.")
    return path


def run_insights(
    params: InsightsParams,
    out: str | Path,
    *,
    notebook_out: str | Path | None = None,
    timeout: float | None = 600,
) -> Path:
    """Execute the insights notebook for ``params`` and write the page to ``out``.

    The executed notebook is kept only when ``notebook_out`` is given (``--notebook``);
    otherwise it runs in a temporary folder that is removed.
    """
    import shutil
    import tempfile

    from ..execute import execute
    from ..report.exporter import export_html, write_report

    params = _checked(params)
    out = _out_path(out)
    if notebook_out:
        nb_path, scratch = _out_path(notebook_out, "--notebook"), None
    else:
        scratch = Path(tempfile.mkdtemp(prefix="pm-insights-"))
        nb_path = scratch / "insights.ipynb"
    try:
        nb = execute(template_notebook(TEMPLATE), nb_path, params.to_dict(),
                     cwd=nb_path.parent, timeout=timeout)
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    from ..report.redact import RoleNames
    from .collect import people_roles

    roles = people_roles(params.root)  # blameless by default: names become roles
    html = export_html(nb, redact=RoleNames(roles) if roles else None)
    log.info("insights page: %s (%d bytes)", out, len(html))
    return write_report(html, out)


def insights_data(params: InsightsParams) -> dict[str, Any]:
    """The aggregated numbers (docs/insights-schema.md) for ``params``, without a kernel."""
    from .workbook import InsightsWorkbook

    return InsightsWorkbook.load(_checked(params)).to_json()


def write_insights_json(params: InsightsParams, out: str | Path) -> Path:
    """Write the aggregated numbers as JSON (atomically)."""
    data = insights_data(params)  # a missing reports folder is said first
    path = _out_path(out)
    text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)
    atomic_write_text(path, text + "\n")
    return path
