"""Only a log message never seen before the incident is called new.

The demo's `payment authorization failed …` logged 3 times in the baseline; the timeline
called it a "New log message" anyway, and a reader takes "new" literally.
"""

from __future__ import annotations

import pandas as pd
import pytest
from frames import make_logs

from postmortem_nb.facts import build_facts
from postmortem_nb.logtemplates import mine_templates, new_templates
from postmortem_nb.story import analyse_incident
from postmortem_nb.tables import templates_table
from postmortem_nb.timeline import visible_events


def _lines(times, message):
    return pd.DataFrame({"timestamp": pd.to_datetime(times, utc=True), "level": "ERROR",
                         "service": "db-proxy", "host": "pgb-1",
                         "message": [message.format(i=i) for i in range(len(times))]})


def test_new_rare_and_seen_earlier_are_told_apart():
    logs = make_logs("2026-05-05T06:00:00Z", 360)  # 06:00-12:00; incident from 10:30
    burst = pd.date_range("2026-05-05T11:00Z", periods=40, freq="30s")
    logs = pd.concat([
        logs,
        _lines(burst, "FATAL: connection slots are reserved (client=10.4.{i}.9)"),
        _lines(["2026-05-05T09:00Z", *burst], "lock wait timeout on table orders ({i})"),
        _lines(["2026-05-05T06:30Z", "2026-05-05T06:40Z", *burst],
               "replica lag {i} s above threshold"),
    ], ignore_index=True).sort_values("timestamp", kind="stable")
    new = new_templates(
        logs, mine_templates(logs),
        window=(pd.Timestamp("2026-05-05T10:30Z"), pd.Timestamp("2026-05-05T12:00Z")),
        baseline=(pd.Timestamp("2026-05-05T08:30Z"), pd.Timestamp("2026-05-05T10:30Z")),
    ).set_index("template")
    got = new[["baseline_count", "before_count", "novelty"]].to_dict("index")
    assert got["FATAL: connection slots are reserved (client=<*>)"] == {
        "baseline_count": 0, "before_count": 0, "novelty": "new"}
    assert got["lock wait timeout on table orders (<*>)"] == {
        "baseline_count": 1, "before_count": 1, "novelty": "rare in baseline"}
    assert got["replica lag <*> s above threshold"] == {
        "baseline_count": 0, "before_count": 2, "novelty": "seen earlier"}


@pytest.fixture(scope="module")
def story(demo_alerts, demo_logs, demo_changes):
    return analyse_incident(demo_alerts, demo_logs, demo_changes, tz="Europe/Berlin")


def test_the_demo_timeline_calls_new_only_what_is_new(story):
    ev = visible_events(story.events)
    msgs = ev.loc[ev["kind"] == "new_log_template", "description"]
    psp = next(d for d in msgs if "payment authorization failed" in d)
    assert psp.startswith("Log message rare before the incident (")
    assert "3 in the baseline) became frequent (ERROR, " in psp
    assert "New log message" not in psp
    slots = next(d for d in msgs if "FATAL: remaining connection slots" in d)
    assert slots.startswith("New log message (ERROR, 749 times in the incident, none before it")
    for d in msgs:  # every "new" one really has no row before the incident
        tpl = d.split(": ", 1)[1]
        row = story.new_templates.set_index("template").loc[tpl]
        assert d.startswith("New log message") == (row["before_count"] == 0)


def test_the_table_and_facts_say_how_often_before(story):
    html = templates_table(story.new_templates, "Europe/Berlin")
    assert "<th>Before the incident</th>" in html
    assert "none (new)" in html
    assert "3 in the baseline (rare: now frequent)" in html
    records = {r["template"]: r for r in build_facts(story)["new_templates"]}
    psp = next(r for t, r in records.items() if t.startswith("payment authorization failed"))
    assert (psp["novelty"], psp["baseline_count"]) == ("rare in baseline", 3)
