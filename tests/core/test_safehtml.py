from __future__ import annotations

from html.parser import HTMLParser

import pytest

from postmortem_nb.safehtml import escape, markdown_to_html, sanitize_html


def test_escape_data():
    assert escape('<script>alert("x")</script>') == (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
    )
    assert escape(None) == ""


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>window.__pwned=1</script>",
        "<img src=x onerror=window.__pwned=1>",
        "[click](javascript:window.__pwned=1)",
        '<a href="javascript:alert(1)">x</a>',
        "<iframe src=//evil></iframe>",
        "<svg onload=alert(1)>",
    ],
)
def test_markdown_never_passes_active_content(hostile):
    elements = _elements(markdown_to_html(hostile))
    for tag, attrs in elements:
        assert tag not in {"script", "img", "iframe", "svg"}
        for name, value in attrs:
            assert not name.startswith("on")
            assert not (value or "").strip().lower().startswith("javascript:")


def _elements(fragment: str) -> list[tuple[str, list]]:
    found: list[tuple[str, list]] = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, attrs))

    Collector().feed(fragment)
    return found


def test_markdown_keeps_links_and_formatting():
    out = markdown_to_html("The **pool** was [full](https://wiki.example/db).")
    assert "<strong>pool</strong>" in out
    assert 'href="https://wiki.example/db"' in out
    assert 'rel="noopener noreferrer"' in out


def test_sanitize_strips_event_handlers():
    out = sanitize_html('<p onclick="x()">hi</p><a href="https://a.b" onmouseover="y">a</a>')
    assert "onclick" not in out
    assert "onmouseover" not in out
    assert "hi" in out


BIDI = ["\u202e", "\u202a", "\u202b", "\u202c", "\u202d", "\u2066", "\u2067", "\u2068",
        "\u2069", "\u200e", "\u200f"]


@pytest.mark.parametrize("control", BIDI)
def test_bidi_controls_from_data_are_shown_not_obeyed(control):
    from postmortem_nb.tables import html_table

    name = f"pay{control}ments"
    shown = f"pay[U+{ord(control):04X}]ments"
    assert escape(name) == shown
    assert control not in sanitize_html(f"<p>{name}</p>")
    assert shown in markdown_to_html(f"Service **{name}** failed")
    assert shown in html_table(["Service", "Time"], [[name, "14:03:00"]])


def test_bidi_controls_in_report_parts_and_figures():
    import plotly.graph_objects as go

    from postmortem_nb.report.page import header_html
    from postmortem_nb.report.plotlyjs import figure_html

    title = "checkout \u202edown 14:03 id-42"
    page = header_html({"title": title, "incident_id": "inc\u2067-1"}, "x")
    assert "\u202e" not in page
    assert "\u2067" not in page
    assert "checkout [U+202E]down" in page
    fig = go.Figure(go.Bar(x=["pay\u202ements"], y=[1])).update_layout(title=title)
    out = figure_html(fig, "f1")
    assert "\u202e" not in out
    assert "\\u202e" not in out.lower()
