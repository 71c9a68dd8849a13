from __future__ import annotations

import datetime as dt
import re

from postmortem_nb.analysis import PARTS, fishbone_figure, render_sections_html
from postmortem_nb.analysis import render_sections_markdown as to_md
from postmortem_nb.analysis.model import Analysis, Factor

HOSTILE = [
    "<script>window.__pwned = 1</script>",
    '<img src=x onerror="window.__pwned=1">',
    "[click me](javascript:alert(1))",
    "{{ 7*7 }} {% raw %}",
]

FACTS = {
    "schema": 1,
    "incident": {"id": "20260308-1358-checkout-api", "title": "Checkout 503s",
                 "severity": "SEV2", "services": ["checkout-api"]},
    "milestones": {
        "impact_start": {"at": "2026-03-08T13:58:00Z", "source": "derived",
                         "evidence": "error rate above baseline"},
        "detected": {"at": "2026-03-08T14:10:00Z", "source": "derived", "evidence": "alert 7"},
        "acknowledged": None,
        "mitigated": {"at": "2026-03-08T14:35:00Z", "source": "derived", "evidence": ""},
        "resolved": {"at": "2026-03-08T14:40:00Z", "source": "derived", "evidence": ""},
    },
}


def test_all_parts_render_the_analysts_words(outage):
    html = render_sections_html(outage, facts=FACTS, tz="Europe/Berlin",
                                today=dt.date(2026, 4, 1))
    assert tuple(html) == PARTS
    assert "<strong>payments connection pool</strong>" in html["summary"]
    assert "incident commander" in html["summary"]
    assert "Dana" not in html["summary"]
    assert "Okafor" not in html["summary"]
    # analyst override wins over the derived milestone, and is marked
    assert "2026-03-08 14:31:00 UTC (2026-03-08 15:31 CET)" in html["summary"]
    assert "14:35:00" not in html["summary"]
    assert html["root_cause"].count("<li><strong>Why?</strong>") == 3
    assert 'href="https://grafana.example/d/abc"' in html["root_cause"]
    assert "No bounds check on pool size" in html["root_cause"]
    assert "About 3,100 checkouts failed." in html["impact_narrative"]
    assert html["action_items"].count("<tr class=") == 2
    assert 'href="https://tracker.example/PAY-12"' in html["action_items"]
    assert "Rollback took 4 minutes." in html["lessons"]
    assert "row 1834" in html["timeline_notes"]
    assert "pinned" in html["timeline_notes"]
    assert "pm-review-notes" not in "".join(html.values())  # a clean analysis


def test_names_shown_only_when_chosen(outage):
    outage.summary.people[0].show_name = True
    html = render_sections_html(outage)["summary"]
    assert "Dana Whitfield (incident commander)" in html
    assert "Lee Okafor" not in html


def test_hostile_text_never_becomes_markup(outage):
    for i, payload in enumerate(HOSTILE):
        outage.summary.what_happened += "\n\n" + payload
        outage.summary.severity = payload
        outage.five_whys[0].because = payload
        outage.fishbone.factors[0].text = payload
        outage.action_items[0].description = payload
        outage.action_items[0].link = "javascript:alert(1)"
        outage.five_whys[0].evidence = "javascript:alert(2)"
        outage.timeline.added_events[0].evidence.text = payload
        outage.lessons.got_lucky = payload
        outage.summary.people[0].role = payload
        html = "".join(render_sections_html(outage, facts=FACTS).values())
        assert "<script" not in html, i
        assert "<img" not in html, i
        assert 'href="javascript' not in html.lower(), i
        assert not re.search(r"<[^>]+\son\w+=", html), i
    assert "&lt;script&gt;" in html


def test_review_notes_follow_review_status(outage):
    outage.action_items[0].owner = ""
    html = render_sections_html(outage, today=dt.date(2026, 4, 1))
    assert "pm-review-notes" in html["action_items"]
    assert "action_items[0].owner" in html["action_items"]
    outage.review.status = "final"
    assert "pm-review-notes" not in render_sections_html(outage)["action_items"]


def test_hidden_events_count_the_ids_that_hid_something(outage):
    """Three ids hidden; the re-draft matched two (the peak moved and got a new id): the
    report says two, as facts.json's counts do, and a review note names the third."""
    outage.timeline.hidden_events = ["ev-8c1d2e3f40", "ev-b4247d09b3", "ev-edbda21e54"]
    facts = {**FACTS, "counts": {"hidden_events": 2},
             "hidden_events_not_found": ["ev-edbda21e54"]}
    html = render_sections_html(outage, facts=facts, tz="Europe/Berlin")["timeline_notes"]
    assert "<p>2 derived event(s) hidden by the analyst.</p>" in html
    assert "timeline.hidden_events[2]" in html
    assert "The hidden event ev-edbda21e54 matches no event of the last draft" in html
    # facts.json written before the list existed: every id counts, no note
    html = render_sections_html(outage, facts=FACTS)["timeline_notes"]
    assert "<p>3 derived event(s) hidden by the analyst.</p>" in html
    assert "matches no event" not in html


def test_empty_analysis_says_so():
    from postmortem_nb.analysis import Analysis

    html = render_sections_html(Analysis(), review_notes=False)
    assert "Not written yet." in html["summary"]
    assert "No action items yet." in html["action_items"]


def test_markdown_parts(outage):
    md = to_md(outage, tz="UTC")
    assert tuple(md) == PARTS
    assert "| A1 | Add schema validation for pool sizes in config CI | payments team |" in (
        md["action_items"])
    assert md["root_cause"].startswith("### 5 Whys\n\n1. **Why?** Why did checkout fail?")
    assert "Dana" not in md["summary"]
    assert "on-call engineer" in md["summary"]
    outage.action_items[0].description = "a | b <script>x</script>"
    assert "a \\| b &lt;script&gt;x&lt;/script&gt;" in to_md(outage)["action_items"]


def test_fishbone_has_a_bone_per_category_and_labels_factors(outage):
    outage.fishbone.factors.append(Factor(category="vendor", text="<b>CDN</b> outage"))
    fig = fishbone_figure(outage)
    names = [t.name for t in fig.data if t.name]
    assert sorted(names) == sorted(["people", "process", "tooling", "technology", "environment",
                                    "external", "vendor"])
    texts = [a.text for a in fig.layout.annotations]
    assert any("Checkout 503s" in t for t in texts)
    assert "Config changes skip canary" in texts
    assert "&lt;b&gt;CDN&lt;/b&gt; outage" in texts
    process = next(t for t in fig.data if t.name == "process")
    assert len([x for x in process.x if x is not None]) == 2 + 2  # bone + one rib
    fig.to_json()  # serialisable as application/vnd.plotly.v1+json


def test_markdown_keeps_code_as_written_and_disarms_the_rest():
    """Markdown shows code literally, so an entity there was shown as "&lt;"."""
    a = Analysis.from_dict({
        "lessons": {"went_wrong": "Rule `errors < 5` held <b>x</b>\n\n```\nWARN pool <checkout>"
                                  "\n```\n[click](javascript:alert(2)) and "
                                  "![graph](http://evil.example/x.png)"},
        "five_whys": [{"why": "Why did `a < 3` hold?", "because": "<script>alert(1)</script>"}],
    })
    md = to_md(a)
    lessons = md["lessons"]
    assert "Rule `errors < 5` held &lt;b&gt;x&lt;/b&gt;" in lessons
    assert "```\nWARN pool <checkout>\n```" in lessons
    # no link: shown as the text the analyst wrote, as in the HTML report
    assert "\\[click\\](javascript:alert(2)) and" in lessons
    assert "[image: graph](http://evil.example/x.png)" in lessons  # a link, not fetched
    assert "![" not in lessons
    assert "Why did `a < 3` hold?" in md["root_cause"]
    assert "&lt;script&gt;" in md["root_cause"]
    assert "<script>" not in md["root_cause"]


def test_summary_states_the_durations_in_words(outage):
    from postmortem_nb.analysis.render import duration_text

    # the demo incident's durations (facts.json durations_s)
    facts = {**FACTS, "durations_s": {"time_to_detect": 347.0, "time_to_acknowledge": 364.0,
                                      "time_to_mitigate": 6840.0, "time_to_resolve": 7780.0,
                                      "total": 7780.0}}
    want = ("Detected 5 min 47 s after impact start; acknowledged 6 min 4 s after detection; "
            "mitigated 1 h 54 min after impact start; resolved 2 h 10 min after impact start.")
    assert want in render_sections_html(outage, facts=facts, tz="Europe/Berlin")["summary"]
    assert f"- **Durations:** {want}" in to_md(outage, facts=facts)["summary"]
    assert [duration_text(x) for x in (0, 45, 60, 3600, 90061)] == [
        "0 s", "45 s", "1 min", "1 h", "1 d 1 h"]
    # unknown durations are left out, not guessed
    facts["durations_s"] = {"time_to_detect": None, "time_to_acknowledge": 240.0}
    html = render_sections_html(outage, facts=facts, tz="UTC")["summary"]
    assert "Acknowledged 4 min after detection." in html
    assert "Detected" not in html


def test_markdown_shows_bidi_controls_visibly():
    a = Analysis.from_dict({"summary": {"services": ["pay\u202ements"]},
                            "lessons": {"went_well": "Disk full \u202eon host"}})
    md = to_md(a)
    assert "\u202e" not in md["summary"] + md["lessons"]
    assert "Disk full \\[U+202E\\]on host" in md["lessons"]  # brackets as text, no link
    assert "U+202E" in md["summary"]


def test_markdown_pinned_events_keep_their_original_text():
    """The HTML report showed a pinned log line's text; the Markdown export dropped it."""
    a = Analysis.from_dict({"timeline": {"added_events": [{
        "event_id": "pin-1", "timestamp": "2026-03-10T14:05:12Z", "pinned": True,
        "description": "PSP timeouts start", "service": "payments",
        "evidence": {"source": "logs.csv.gz", "ref": "line 62546",
                     "text": "ERROR psp timeout order=ORD-96168731 | *retry* <b>`x`</b>"}}]}})
    timeline = to_md(a, tz="UTC")["timeline_notes"]
    assert "logs.csv.gz line 62546: ERROR psp timeout order=ORD-96168731" in timeline
    assert "\\| \\*retry\\* &lt;b&gt;\\`x\\`&lt;/b&gt;" in timeline  # shown literally
    assert "PSP timeouts start" in timeline
