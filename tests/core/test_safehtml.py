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


CONTROLS = ["\x1b[2K", "\x07", "\x00", "\x08", "\x7f", "\x9b", "\x0b"]


@pytest.mark.parametrize("control", CONTROLS)
def test_control_characters_from_data_are_shown_not_obeyed(control):
    """ESC, BEL or NUL from a log line: a box in the browser, a terminal escape in cat."""
    from postmortem_nb.tables import html_table

    shown = f"[U+{ord(control[0]):04X}]"
    name = f"pay{control}ments"
    for out in (escape(name), sanitize_html(f"<p>{name}</p>"),
                markdown_to_html(f"Service **{name}** failed, `code{control}`"),
                html_table(["Service", "Time"], [[name, "14:03:00"]])):
        assert control[0] not in out
        assert shown in out
    assert f"<code>code{shown}{control[1:]}</code>" in markdown_to_html(f"`code{control}`")


def test_ansi_colours_are_dropped_and_figures_show_controls():
    import plotly.graph_objects as go

    from postmortem_nb.report.plotlyjs import figure_html

    assert escape("\x1b[31mERROR\x1b[0m pool\r\nfull") == "ERROR pool\nfull"
    fig = go.Figure(go.Bar(x=["pay\x07ments"], y=[1])).update_layout(title="disk\x1b[2K full")
    out = figure_html(fig, "f1")
    assert "\\u0007" not in out.lower()
    assert "\\u001b" not in out.lower()
    assert "\x07" not in out


def test_a_control_shown_in_markdown_makes_no_link():
    out = markdown_to_html("\x07(https://evil.example) and\n\x07: https://evil.example/x")
    assert "<a" not in out
    assert "[U+0007](https://evil.example)" in out
    assert "[U+0007]: https://evil.example/x" in out  # not taken for a link definition


@pytest.mark.parametrize(
    ("markdown", "link", "label"),
    [
        ("ref-img: ![dashboard](https://grafana.example/x.png)",
         "https://grafana.example/x.png", "image: dashboard"),
        ("![pix][p]\n\n[p]: HTTPS://evil.example/ref.png",
         "HTTPS://evil.example/ref.png", "image: pix"),
        ("![](shots/graph.png)", "shots/graph.png", "image"),
    ],
)
def test_images_are_links_not_loaded_and_not_lost(markdown, link, label):
    out = markdown_to_html(markdown)
    elements = _elements(out)
    assert "img" not in [tag for tag, _ in elements]
    assert ("a", [("href", link), ("rel", "noopener noreferrer")]) in elements
    assert f">{label}</a>" in out


def test_an_image_title_stays_with_its_link():
    out = markdown_to_html("![pix](https://evil.example/sq.png 'Error rate')")
    assert 'href="https://evil.example/sq.png" title="Error rate"' in out


def test_embedded_images_and_other_schemes_are_named_not_loaded():
    out = markdown_to_html("![chart](data:image/png;base64,iVBORw0KGgo=) and "
                           "[![badge](https://ci.example/b.svg)](https://ci.example) and "
                           "[share](ftp://files.example/x) [c3](java&#x09;script:alert(1))")
    assert "<img" not in out
    assert "data:" not in out
    assert "[image: chart]" in out
    assert '<a href="https://ci.example" rel="noopener noreferrer">[image: badge]</a>' in out
    assert "share (ftp://files.example/x)" in out
    assert "c3 (java\tscript:alert(1))" in out  # a colon makes a scheme, not a path
    assert "script:alert" not in "".join(str(attrs) for _, attrs in _elements(out))
