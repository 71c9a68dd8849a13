from __future__ import annotations

from html.parser import HTMLParser

import pandas as pd

from postmortem_nb.tables import events_table, html_table, impact_table, provenance_table

HOSTILE = '<script>alert(1)</script><img src=x onerror="alert(2)">'


def _tags(fragment):
    found = []

    class P(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, dict(attrs)))

    P().feed(fragment)
    return found


def test_every_cell_is_escaped():
    out = html_table(["h" + HOSTILE], [[HOSTILE, 1]])
    assert all(tag not in {"script", "img"} for tag, _ in _tags(out))
    assert "&lt;script&gt;" in out


def test_events_table_shows_visible_events_in_both_zones():
    events = pd.DataFrame({
        "event_id": ["a", "b", "c"],
        "timestamp": pd.to_datetime(["2026-03-10T14:03Z", "2026-03-10T14:08Z",
                                     "2026-03-10T14:09Z"]),
        "kind": ["milestone", "alert_fired", "alert_fired"],
        "source": ["derived", "alert 1", "alert 2"],
        "service": [None, "db", HOSTILE],
        "description": ["Impact start (derived): onset of failures", HOSTILE, "hidden one"],
        "milestone": ["impact_start", None, None],
        "hidden": [False, False, True],
        "group": ["", "", ""],
    })  # fmt: skip
    out = events_table(events, "Europe/Berlin")
    assert "03-10 15:03:00" in out
    assert "14:03:00" in out
    assert "milestone: impact start" in out
    assert "onset of failures" in out
    assert "hidden one" not in out
    assert all(tag not in {"script", "img"} for tag, _ in _tags(out))


def test_events_table_in_utc_has_one_time_column():
    events = pd.DataFrame({
        "timestamp": pd.to_datetime(["2026-03-10T14:03:07Z"]),
        "kind": ["alert_fired"], "source": ["alert 1"], "service": ["db"],
        "description": ["DB down"],
    })  # fmt: skip
    out = events_table(events, "UTC")
    heads = [h.split("</th>")[0] for h in out.split("<th>")[1:]]
    assert heads == ["Time (UTC)", "Kind", "Service", "Event", "Evidence"]
    assert out.count("14:03:07") == 1


def test_report_header_in_utc_states_each_time_once():
    from postmortem_nb.analysis.model import Analysis
    from postmortem_nb.export import header_info
    from postmortem_nb.report.page import header_html

    analysis = Analysis()
    analysis.summary.title = "DB down"
    facts = {"window": {"start": "2026-03-10T14:03:00Z", "end": "2026-03-10T15:00:00Z"}}
    utc = header_html(header_info(facts, analysis, "UTC"), "x")
    assert utc.count("2026-03-10 14:03") == 1
    assert "(UTC)" not in utc
    berlin = header_html(header_info(facts, analysis, "Europe/Berlin"), "x")
    assert "2026-03-10 15:03 CET (Europe/Berlin)" in berlin
    assert "2026-03-10 14:03 UTC" in berlin


def test_report_header_flags_an_end_before_the_start():
    from postmortem_nb.analysis.model import Analysis
    from postmortem_nb.export import header_info
    from postmortem_nb.report.markdown import _header_md
    from postmortem_nb.report.page import END_BEFORE_START, header_html

    facts = {"milestones": {"impact_start": {"at": "2026-03-10T10:20:00Z"},
                            "resolved": {"at": "2026-03-10T10:05:00Z"}}}
    info = header_info(facts, Analysis(), "UTC")
    assert info["end_before_start"] is True
    page = header_html(info, "x")
    end = page.split("<dt>End</dt>")[1].split("</dd>")[0]
    assert "10:05" in end
    assert f'<strong class="pm-warning">{END_BEFORE_START}</strong>' in end
    assert END_BEFORE_START in "\n".join(_header_md(info, "x", None))
    facts["milestones"]["resolved"]["at"] = "2026-03-10T11:05:00Z"
    ok = header_info(facts, Analysis(), "UTC")
    assert ok["end_before_start"] is False
    assert END_BEFORE_START not in header_html(ok, "x")


def test_impact_and_provenance_tables():
    facts = {"impact": {"revenue_lost": {"value": 1234.5, "unit": "EUR", "method": "sum"}}}
    assert "1,234.50 EUR" in impact_table(facts)
    rec = [{"kind": "logs", "files": [{"path": HOSTILE, "sha256": "ab" * 32, "rows": 3}],
            "warnings": [HOSTILE]}]
    out = provenance_table(rec, "UTC")
    assert "ab" * 32 in out
    assert all(tag not in {"script", "img"} for tag, _ in _tags(out))


def test_impact_table_says_what_each_number_is():
    import json

    from postmortem_nb.tables import impact_table

    # the demo incident's impact figures (facts.json)
    impact = {
        "excess_failures": {"value": 2710.1, "unit": "transactions", "method": "m"},
        "share_of_normal_traffic": {"value": 0.7635, "unit": "ratio", "method": "m"},
        "traffic_vs_baseline": {"value": 1.7929, "unit": "ratio", "method": "m"},
    }
    html = impact_table(json.loads(json.dumps({"impact": impact})))
    assert "<td>2,710 transactions</td>" in html
    assert "Share of transactions that failed</td><td>76.3%" in html
    assert "Share of normal traffic" not in html
    assert "Traffic vs baseline (1× = as usual)</td><td>1.79×" in html
    assert "179.3%" not in html


def test_impact_figures_have_the_same_name_in_the_table_and_the_methods():
    from postmortem_nb.tables import methods_html

    facts = {"impact": {"share_of_normal_traffic": {"value": 0.763, "unit": "ratio",
                                                    "method": "failed / all that arrived"}}}
    assert "Share of transactions that failed" in impact_table(facts)
    methods = methods_html(None, facts)
    assert "Share of transactions that failed" in methods
    assert "normal traffic" not in methods.lower()
