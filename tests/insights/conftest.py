"""A generated reports folder with known trends, read once per session."""

from __future__ import annotations

import pytest

from postmortem_nb.insights.params import InsightsParams
from postmortem_nb.insights.workbook import InsightsWorkbook

from .reportsgen import TODAY, write_reports


@pytest.fixture(scope="session")
def reports(tmp_path_factory):
    """(reports root, Expected) for the generated folder; tests must not modify it."""
    root = tmp_path_factory.mktemp("insights") / "reports"
    return root, write_reports(root)


@pytest.fixture(scope="session")
def wb(reports):
    root, _ = reports
    params = InsightsParams(reports_dir=str(root), today=TODAY.isoformat(), tz="Europe/Berlin")
    return InsightsWorkbook.load(params)
