"""The explorer views in a kernel-less process: controls drive the model, pins reach the store."""

from __future__ import annotations

import pandas as pd

from postmortem_nb.display import WIDGET_MIME
from postmortem_nb.explore.pin import pin
from postmortem_nb.explore.widgets import AlertExplorerView, LogExplorerView


def test_log_view_template_filter_paging_and_pin(explorer, demo_logs, store):
    pins = []

    def on_pin(row, description):
        ev = pin(store, row, description=description, frames={"logs": demo_logs})
        pins.append(ev)
        return ev

    explorer.set_filter(start="2026-03-10 15:00", end="2026-03-10 17:00")
    view = LogExplorerView(explorer, on_pin=on_pin, page_size=20)
    live = view.live()
    bundle = live._repr_mimebundle_()
    assert WIDGET_MIME in bundle
    assert "Top error templates" in bundle["text/html"]  # never an empty box headless
    assert view.start.value == "2026-03-10 15:00:00"
    _label, tid = next(o for o in view.template.options if "payment authorization" in o[0])
    view.template.value = tid
    assert explorer.filter.templates == (tid,)
    assert "payment authorization failed" in view.table.value
    assert "page 1 of" in view.status.value
    assert view.prev.disabled
    view.next.click()
    assert view.page == 1
    view.order.value = "oldest first"
    assert view.page == 0
    first = explorer.rows().iloc[0]
    view.pin_row.value = 0
    view.pin_desc.value = "first PSP timeout in the window"
    view.pin_button.click()
    assert len(pins) == 1
    assert pins[0].evidence.text == first["message"]
    assert pd.Timestamp(pins[0].timestamp) == first["timestamp"].floor("s")
    assert "Pinned" in view.pin_status.value
    view.regex.value = "(?<=x)y"  # not RE2: an error line, not an exception
    assert "RE2" in view.status.value


def test_linked_selection_sets_the_view_time_fields(explorer):
    view = LogExplorerView(explorer)
    view.set_time_range(pd.Timestamp("2026-03-10T14:05Z"), pd.Timestamp("2026-03-10T14:06Z"))
    assert view.start.value == "2026-03-10 15:05:00"
    assert explorer.filter.end == pd.Timestamp("2026-03-10T14:06Z")
    assert explorer.matching > 0


def test_alert_view_scope_expand_and_pin(store):
    import postmortem_nb as pm
    from postmortem_nb.explore.alerts import AlertExplorer

    from .conftest import DEMO

    alerts = pm.load_alerts(DEMO / "alerts.csv")
    incident = alerts.loc[alerts["alert_id"].isin([str(i) for i in range(48217, 48233)])]
    ax = AlertExplorer(alerts, incident=incident, tz="Europe/Berlin")
    view = AlertExplorerView(
        ax, on_pin=lambda row, d: pin(store, row, description=d, frames={"alerts": alerts})
    )
    live = view.live()
    assert "incident alerts" in live.html
    view.scope.value = "incident"
    assert len(view.alert.options) == 16
    group = view.group.options[1][1]
    view.group.value = group
    assert view.members.value.count("Readiness probe failing") == 12
    view.alert.value = view.alert.options[0][1]
    view.pin_button.click()
    assert store.analysis.timeline.added_events[0].evidence.ref.startswith("alert ")


def test_view_time_errors_are_in_the_team_zone(explorer):
    view = LogExplorerView(explorer)
    view.live()
    view.start.value = "16:00"  # the demo logs cover two days in Berlin
    assert "could be on 2026-03-10 or 2026-03-11" in view.status.value
    days = explorer.days
    explorer.days = ("2026-03-10",)  # the incident's day, as the workbook sets it
    try:
        view.start.value = "16:00:00"
        view.end.value = "15:00"
        assert ("end (2026-03-10 15:00:00) must be after its start (2026-03-10 16:00:00), "
                "times in Europe/Berlin") in view.status.value
        view.end.value = "10/03/2026 17:00"
        assert "ambiguous (2026-03-10 or 2026-10-03)" in view.status.value
    finally:
        explorer.days = days
