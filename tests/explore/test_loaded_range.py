"""The log explorer says when a time range reaches beyond the logs the workbook loaded.

A drafted workspace names its incident by alert ids, so the workbook reads only the
incident's day(s) of the log files; asking for the night after used to answer 0 rows,
silently, though the file has rows then.
"""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from postmortem_nb.errors import LogRangeWarning
from postmortem_nb.explore.widgets import LogExplorerView
from postmortem_nb.params import Params

from .conftest import DEMO

NIGHT = {"start": "2026-03-11 00:30", "end": "2026-03-11 01:00"}  # Berlin, after the day


def _workbook(tmp_path, **extra):
    """The demo workspace as `postmortem draft` parameterises it: by its alert ids."""
    import json

    from postmortem_nb.workbook import Workbook

    truth = json.loads((DEMO / "ground_truth.json").read_text())
    values = {"alerts": str(DEMO / "alerts.csv"), "logs": str(DEMO / "logs.csv.gz"),
              "tz": "Europe/Berlin", "workspace": str(tmp_path),
              "alert_ids": ",".join(str(n) for n in truth["incident_alert_numbers"]), **extra}
    return Workbook.load(Params.from_mapping(values))


@pytest.fixture(scope="module")
def drafted(tmp_path_factory):
    return _workbook(tmp_path_factory.mktemp("ws"))


def test_a_range_outside_the_loaded_logs_warns_with_the_parameter_to_set(drafted, demo_logs):
    night = demo_logs["timestamp"].between(pd.Timestamp("2026-03-10T23:30Z"),
                                           pd.Timestamp("2026-03-11T00:00Z"), inclusive="left")
    assert night.sum() > 0  # the file has rows then
    with pytest.warns(LogRangeWarning) as caught:
        rows = drafted.explore_logs(limit=None, **NIGHT)
    assert len(rows) == 0
    message = str(caught[0].message)
    assert "lies outside the loaded logs (2026-03-10 00:00 – 2026-03-11 00:00 (Europe/Berlin))" \
        in message
    assert "logs_start and/or logs_end" in message
    assert rows.attrs["loaded"] == (pd.Timestamp("2026-03-09T23:00Z"),
                                    pd.Timestamp("2026-03-10T23:00Z"))
    assert rows.attrs["outside_loaded"] == message.removeprefix("explore_logs: ")
    # partly outside: said too, as "reaches beyond"
    with pytest.warns(LogRangeWarning, match="reaches beyond the loaded logs"):
        drafted.explore_logs(start="2026-03-10 23:30", end="2026-03-11 00:30", limit=None)
    # inside: no note
    with warnings.catch_warnings():
        warnings.simplefilter("error", LogRangeWarning)
        inside = drafted.explore_logs(start="2026-03-10 15:00", end="2026-03-10 16:00",
                                      limit=None)
    assert len(inside) > 0
    assert "outside_loaded" not in inside.attrs


def test_the_widget_shows_the_note(drafted):
    from postmortem_nb.explore.session import session

    view = LogExplorerView(session(drafted).logs)
    view.set_time_range(pd.Timestamp("2026-03-10T23:30Z"), pd.Timestamp("2026-03-11T00:00Z"))
    assert "0 of" in view.status.value
    assert 'class="pm-warning pm-explore-outside"' in view.status.value
    assert "logs_end" in view.status.value
    view.set_time_range(pd.Timestamp("2026-03-10T14:00Z"), pd.Timestamp("2026-03-10T15:00Z"))
    assert "pm-explore-outside" not in view.status.value


def test_logs_end_loads_more_and_keeps_the_incident(drafted, tmp_path):
    more = _workbook(tmp_path, logs_end="2026-03-11 03:00")
    with warnings.catch_warnings():
        warnings.simplefilter("error", LogRangeWarning)
        rows = more.explore_logs(limit=None, **NIGHT)
    assert len(rows) > 0
    assert more.facts["window"] == drafted.facts["window"]
    assert more.facts["milestones"] == drafted.facts["milestones"]
    assert more.facts["alert_ids"] == drafted.facts["alert_ids"]
