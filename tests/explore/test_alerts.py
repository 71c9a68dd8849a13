"""AlertExplorer on the demo incident: scopes, services, the collapsed storm and its members."""

from __future__ import annotations

import pandas as pd
import pytest

import postmortem_nb as pm
from postmortem_nb.errors import ParameterError
from postmortem_nb.explore.alerts import AlertExplorer
from postmortem_nb.explore.summary import alert_summary_html

from .conftest import DEMO


@pytest.fixture(scope="module")
def alerts():
    return pm.load_alerts(DEMO / "alerts.csv")


@pytest.fixture(scope="module")
def incident(alerts):
    ids = [str(i) for i in range(48217, 48233)]  # the demo's 16 incident alerts
    return alerts.loc[alerts["alert_id"].isin(ids)]


@pytest.fixture(scope="module")
def ax(alerts, incident):
    window = (pd.Timestamp("2026-03-10T14:03Z"), pd.Timestamp("2026-03-10T16:12:40Z"))
    return AlertExplorer(alerts, incident=incident, window=window, tz="Europe/Berlin")


def test_scopes(ax, alerts, incident):
    assert len(ax.table("incident")) == len(incident) == 16
    assert len(ax.table("all")) == len(alerts)
    around = ax.table("around")
    assert set(incident["alert_id"]) <= set(around["alert_id"])
    assert len(around) >= len(incident)
    assert around["started_at"].is_monotonic_increasing
    with pytest.raises(ParameterError, match="incident, around, all"):
        ax.table("everything")


def test_grouped_by_service_with_the_storm_collapsed(ax):
    by = ax.by_service("incident").set_index("service")
    assert by.loc["Payments", "alerts"] == 12
    assert by.loc["Payments", "groups"] == 1
    assert by.loc["Checkout API", "worst_severity"] == "SEV1"
    assert by["in_incident"].sum() == 16
    groups = ax.groups("incident")
    assert groups["kind"].tolist() == ["alert_storm"]
    assert groups["members"].iloc[0] == 12
    collapsed = ax.collapsed("incident")
    assert len(collapsed) == 16 - 12 + 1
    storm = collapsed.loc[collapsed["kind"] == "alert_storm"].iloc[0]
    assert storm["members"] == 12
    assert storm["in_incident"]


def test_expanding_the_storm_lists_its_alerts(ax):
    group = ax.groups("incident")["group"].iloc[0]
    members = ax.members(group, "incident")
    assert len(members) == 12
    assert members["title"].str.startswith("Readiness probe failing: payments").all()
    with pytest.raises(ParameterError, match="No collapsed alert group"):
        ax.members("ev-nothing", "incident")


def test_static_summary_and_no_alerts(ax):
    html = alert_summary_html(ax, "incident")
    assert "16 incident alerts" in html
    assert "12 alerts fired for Payments" in html
    empty = AlertExplorer(None)
    assert empty.table("all").empty
    assert empty.by_service("all").empty
    assert "No alerts" in alert_summary_html(empty, "all")
