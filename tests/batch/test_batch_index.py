"""The overview without kernels: escaping, formula-safe CSV, counts, sorting in Chromium."""

from __future__ import annotations

import csv
import io
import json

import pytest
from alertgen import scenarios, write_alerts

from postmortem_nb.batch import Criteria, find_incidents, mark_significant
from postmortem_nb.batch.index import actions_csv, safe_cell, write_index
from postmortem_nb.batch.runner import BatchResult, Outcome
from postmortem_nb.ingest import load_alerts

HOSTILE = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'


@pytest.fixture
def index(tmp_path):
    """An index over the generated export with a hostile alert title; nothing drafted."""
    return _index_with_title(tmp_path, HOSTILE)


@pytest.mark.parametrize(("value", "expected"), [
    ("=1+2", "'=1+2"), ("+SUM(A1)", "'+SUM(A1)"), ("-2", "'-2"), ("@cmd", "'@cmd"),
    ("\t=x", "'\t=x"), ("fix the retry budget", "fix the retry budget"), ("", ""), (None, ""),
    ("a=b", "a=b"),
])
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


def test_actions_csv_neutralises_every_column():
    text = actions_csv([{"incident_id": "=cmd|' /C calc'!A0", "description": "@SUM(1)",
                         "owner": "+team", "due": "2026-05-01"}])
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["incident_id"].startswith("'=")
    assert rows[0]["description"] == "'@SUM(1)"
    assert rows[0]["owner"] == "'+team"
    assert rows[0]["due"] == "2026-05-01"


def test_data_is_escaped_and_counts_are_shown(index):
    html = index["html"].read_text()
    assert HOSTILE not in html
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html
    assert "<script>" in html  # the page's own sorting script, only once
    assert html.count("<script>") == 1
    doc = json.loads(index["json"].read_text())
    assert doc["counts"]["incidents"] == 9
    assert doc["counts"]["significant"] == 3
    assert doc["counts"]["status_not_drafted"] == 9
    # significant, never analysed, and long ago: highlighted
    assert doc["counts"]["stale"] == 3
    assert html.count('class="stale"') == 3
    assert "EDT" in html  # start shown in the team's zone
    assert index["csv"].read_text().startswith("incident_id,incident_title")


@pytest.mark.browser
def test_index_opens_offline_sorts_and_runs_no_data_script(index, page):
    url = index["html"].as_uri()
    page.goto(url)
    assert page.evaluate("window.__pwned") is None
    assert page.console_errors == []
    assert page.page_errors == []
    assert page.requests == [url]
    ids = page.eval_on_selector_all("#incidents tbody tr td:first-child",
                                    "cells => cells.map(c => c.textContent)")
    assert ids == sorted(ids)  # oldest first
    page.click("#incidents th:nth-child(3) button")  # severity, most severe first
    sev = page.eval_on_selector_all("#incidents tbody tr td:nth-child(3)",
                                    "cells => cells.map(c => c.textContent)")
    assert sev[:2] == ["SEV1", "SEV1"]
    assert sev == sorted(sev)
    # a start time stays on one line, however narrow the column gets
    page.set_viewport_size({"width": 900, "height": 800})
    lines = page.eval_on_selector_all(
        "#incidents tbody td:nth-child(5)",
        "cells => cells.map(c => { const r = document.createRange(); r.selectNodeContents(c);"
        " return r.getClientRects().length; })")
    assert lines
    assert set(lines) == {1}
    page.click("#incidents th:nth-child(6) button")  # duration, numeric sort
    durations = page.eval_on_selector_all(
        "#incidents tbody tr td:nth-child(6)", "cells => cells.map(c => +c.dataset.sort)")
    assert durations == sorted(durations)
    page.click("#incidents th:nth-child(6) button")
    durations = page.eval_on_selector_all(
        "#incidents tbody tr td:nth-child(6)", "cells => cells.map(c => +c.dataset.sort)")
    assert durations == sorted(durations, reverse=True)
    assert page.console_errors == []


def test_a_negative_time_to_detect_reads_alert_before_impact_signal(tmp_path):
    """facts.json of a draft whose log onset came 7 min after the first alert."""
    alerts = load_alerts(write_alerts(tmp_path / "alerts.csv", scenarios()))
    incidents = find_incidents(alerts)
    mark_significant(incidents, Criteria.from_options())
    out = tmp_path / "reports"
    inc = next(i for i in incidents if i.id == "20260408-1400-payments")
    ws = out / inc.id
    ws.mkdir(parents=True)
    (ws / "facts.json").write_text(json.dumps({"schema": 1, "durations_s": {
        "time_to_detect": -420.0, "time_to_resolve": 3300.0}}))
    (ws / "postmortem.ipynb").write_text("{}")
    result = BatchResult(out=out, outcomes=[Outcome(i, "up to date") for i in incidents],
                         criteria=Criteria.from_options())
    paths = write_index(result)
    row = next(r for r in json.loads(paths["json"].read_text())["incidents"]
               if r["id"] == inc.id)
    assert row["time_to_detect_s"] is None
    assert row["alert_before_impact_signal"] is True
    assert row["time_to_resolve_s"] == 3300.0
    html = paths["html"].read_text()
    assert "alert before impact signal" in html
    assert "−7 min" not in html


def test_start_and_duration_are_the_reports_for_drafted_incidents(tmp_path):
    """The payments outage's alerts span 14:00-14:55 UTC, but its draft found the impact
    starting at 13:57 (the log onset) and resolved at 15:02: the index says what the report
    says (start 09:57 EDT, 1 h 05 min, as long as the time to resolve), and marks the
    alerts' span where there is no draft."""
    alerts = load_alerts(write_alerts(tmp_path / "alerts.csv", scenarios()))
    incidents = find_incidents(alerts)
    mark_significant(incidents, Criteria.from_options())
    out = tmp_path / "reports"
    inc = next(i for i in incidents if i.id == "20260408-1400-payments")
    assert inc.duration.total_seconds() == 55 * 60
    ws = out / inc.id
    ws.mkdir(parents=True)
    ms = {"impact_start": "2026-04-08T13:57:00Z", "detected": "2026-04-08T14:00:00Z",
          "acknowledged": "2026-04-08T14:02:00Z", "mitigated": "2026-04-08T14:51:00Z",
          "resolved": "2026-04-08T15:02:00Z"}
    (ws / "facts.json").write_text(json.dumps({
        "schema": 1,
        "window": {"start": "2026-04-08T13:57:00Z", "end": "2026-04-08T15:02:00Z",
                   "reason": "2 alerts in the incident (listed by alert id)."},
        "milestones": {k: {"at": v, "source": "derived", "evidence": ""} for k, v in ms.items()},
        "durations_s": {"time_to_detect": 180.0, "time_to_acknowledge": 120.0,
                        "time_to_mitigate": 3240.0, "time_to_resolve": 3900.0,
                        "total": 3900.0}}))
    (ws / "postmortem.ipynb").write_text("{}")
    result = BatchResult(out=out, outcomes=[Outcome(i, "up to date") for i in incidents],
                         criteria=Criteria.from_options())
    paths = write_index(result, tz="America/New_York")
    rows = {r["id"]: r for r in json.loads(paths["json"].read_text())["incidents"]}
    row = rows[inc.id]
    assert (row["start"], row["end"]) == ("2026-04-08T14:00:00Z", "2026-04-08T14:55:00Z")
    assert (row["incident_start"], row["incident_end"]) == (ms["impact_start"], ms["resolved"])
    assert row["duration_s"] == row["time_to_resolve_s"] == 3900.0
    assert row["times_from"] == "facts"
    other = rows["20260406-1000-checkout-api"]  # significant, never drafted
    assert other["times_from"] == "alerts"
    assert other["incident_start"] == other["start"] == "2026-04-06T10:00:00Z"
    assert other["duration_s"] == 38 * 60
    html = paths["html"].read_text()
    drafted = next(tr for tr in html.split("<tr") if f">{inc.id}<" in tr)
    assert ">2026-04-08 09:57 EDT</td>" in drafted
    assert ">1 h 05 min</td>" in drafted
    assert "55 min" not in drafted
    flaps = next(tr for tr in html.split("<tr") if ">20260406-1000-checkout-api<" in tr)
    assert ">2026-04-06 06:00 EDT (alerts)</td>" in flaps
    assert ">38 min (alerts)</td>" in flaps


BIDI = "CDN cache hit ratio below 80% abc\u202eevil.exe\u202c gpj"


def _index_with_title(tmp_path, title):
    """An index over the generated export with ``title`` on one alert; nothing drafted."""
    alerts = load_alerts(write_alerts(tmp_path / "alerts.csv", scenarios(), hostile_title=title))
    incidents = find_incidents(alerts)
    mark_significant(incidents, Criteria.from_options())
    out = tmp_path / "reports"
    out.mkdir()
    result = BatchResult(out=out, outcomes=[Outcome(i, "not significant") for i in incidents],
                         criteria=Criteria.from_options())
    return write_index(result, tz="America/New_York")


def test_bidi_controls_are_visible_in_the_index_and_actions_csv(tmp_path):
    """An override reversed the rest of the title in index.html (the report showed it)."""
    html = _index_with_title(tmp_path, BIDI)["html"].read_text()
    assert "\u202e" not in html
    assert "\u202c" not in html
    assert "abc[U+202E]evil.exe[U+202C] gpj" in html
    text = actions_csv([{"incident_title": BIDI, "description": "\u202e=1+2"}])
    assert "\u202e" not in text
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["incident_title"] == "CDN cache hit ratio below 80% abc[U+202E]evil.exe[U+202C] gpj"
    assert row["description"] == "[U+202E]=1+2"


@pytest.mark.browser
@pytest.mark.parametrize("title", [
    "Alert " + "A" * 3000,
    "Readiness probe failing on payments-7f9c409b-b11.payments.svc.cluster.local:8443/healthz"
    "/ready",
])
def test_a_long_title_fits_the_index_on_a_desktop_and_a_phone(tmp_path, page, title):
    """A 3,000-character alert title made the index table 30,926 px wide at 1366 px."""
    url = _index_with_title(tmp_path, title)["html"].as_uri()
    page.set_viewport_size({"width": 1366, "height": 800})
    page.goto(url)
    table = page.locator("#incidents")
    assert table.evaluate("t => t.getBoundingClientRect().right") <= 1366
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    # ordinary words stay whole: a start time on one line, the services unbroken
    lines = page.eval_on_selector_all(
        "#incidents tbody td:nth-child(5)",
        "cells => cells.map(c => { const r = document.createRange(); r.selectNodeContents(c);"
        " return r.getClientRects().length; })")
    assert set(lines) == {1}
    # on a phone the page does not scroll sideways: the table scrolls in its own box
    page.set_viewport_size({"width": 390, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box = page.locator(".table-wrap")
    assert box.evaluate("b => getComputedStyle(b).overflowX") == "auto"
    assert box.evaluate("b => b.getBoundingClientRect().right") <= 390
    assert page.console_errors == []


# @page's size and side margins, as the index's stylesheet states them
PAGE_JS = """() => {
  const rule = [...document.styleSheets].flatMap(s => [...s.cssRules])
    .find(r => r instanceof CSSPageRule);
  return rule ? [rule.style.size, rule.style.marginLeft, rule.style.marginRight] : null;
}"""


@pytest.mark.browser
def test_the_index_prints_every_column_on_the_paper(tmp_path, page):
    """Printed, the 12-column table ran past A4's edge: the scroll box that serves phones
    clipped Check findings and Links, which paper cannot scroll."""
    url = _index_with_title(
        tmp_path, "Readiness probe failing on payments-7f9c409b-b11.payments.svc.cluster.local"
    )["html"].as_uri()
    page.set_viewport_size({"width": 1366, "height": 800})
    page.goto(url)
    size, left, right = page.evaluate(PAGE_JS)
    assert size.lower() == "a4 landscape"
    mm = 96 / 25.4
    width = int((297 - float(left.removesuffix("mm")) - float(right.removesuffix("mm"))) * mm)
    page.set_viewport_size({"width": width, "height": 700})
    page.emulate_media(media="print")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.locator("#incidents").evaluate("t => t.getBoundingClientRect().right") <= width
    clipped = page.evaluate("""() => [...document.querySelectorAll('body *')]
      .filter(e => getComputedStyle(e).overflowX !== 'visible' && e.scrollWidth > e.clientWidth + 1)
      .map(e => e.tagName + '.' + e.className)""")
    assert clipped == []
    last = page.locator("#incidents thead th").last
    assert last.inner_text().strip() == "Links"
    assert last.evaluate("e => e.getBoundingClientRect().right") <= width
    # the services and times keep their words whole
    lines = page.eval_on_selector_all(
        "#incidents tbody td:nth-child(5)",
        "cells => cells.map(c => { const r = document.createRange(); r.selectNodeContents(c);"
        " return r.getClientRects().length; })")
    assert set(lines) == {1}
    assert page.pdf(prefer_css_page_size=True)[:4] == b"%PDF"
