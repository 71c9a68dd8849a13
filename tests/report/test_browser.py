"""The report opened from disk in real headless Chromium: drawn, quiet, offline, inert."""

from __future__ import annotations

import pytest
from nbfactory import HEADER, HEADINGS, HOSTILE, HOSTILE_MARKDOWN, write

from postmortem_nb.report import Redactor, export_html
from postmortem_nb.safehtml import markdown_to_html

pytestmark = pytest.mark.browser


def _open(page, path):
    page.goto(path.as_uri())
    page.wait_for_selector("html[data-figures=drawn]", timeout=30_000)


def _assert_quiet_and_offline(page, path):
    assert page.console_errors == []
    assert page.page_errors == []
    assert page.requests == [path.as_uri()]


def test_every_section_and_figure_rendered(page, tmp_path, notebook):
    path = write(tmp_path, export_html(notebook, header=HEADER))
    _open(page, path)
    h2 = page.locator("main h2").all_inner_texts()
    assert h2 == HEADINGS
    toc = page.locator("nav.pm-toc a").all_inner_texts()
    assert toc == HEADINGS
    figures = page.locator("div.pm-figure")
    assert figures.count() == 4
    for i in range(4):
        assert figures.nth(i).locator("svg.main-svg").count() >= 1
    assert page.locator(".pm-figure-error").count() == 0
    # the TOC links land on the sections
    page.locator("nav.pm-toc a", has_text="5. Action items").click()
    assert page.evaluate("location.hash") == "#sec-5-action-items"
    # wide tables scroll inside their output box instead of widening the page
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    _assert_quiet_and_offline(page, path)


def test_hostile_input_runs_no_script(page, tmp_path, hostile_notebook):
    sections = {
        "summary": markdown_to_html(HOSTILE_MARKDOWN),
        "root_cause": "".join(HOSTILE),  # raw caller HTML is sanitised again
    }
    header = {**HEADER, "title": HOSTILE[0], "authors_by_role": [{"role": HOSTILE[1]}]}
    path = write(tmp_path, export_html(hostile_notebook, sections=sections, header=header))
    _open(page, path)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    text = page.locator("body").inner_text()
    assert "<script>window.__pwned=1</script>" in text  # visible as text
    assert '<img src=x onerror="window.__pwned=1">' in text
    assert "{{ 7*7 }}" in text
    assert "49" not in text.replace("2049", "")
    # every link is inert: clicking them runs nothing and loads nothing
    for link in page.locator("main a").all():
        href = link.get_attribute("href") or ""
        assert not href.lower().startswith("javascript:")
    for link in page.locator(".pm-figure a").all():
        link.click(force=True)
    page.wait_for_timeout(200)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("div.pm-figure svg.main-svg").count() >= 5
    _assert_quiet_and_offline(page, path)


def test_redacted_report_renders(page, tmp_path, notebook):
    html = export_html(notebook, header=HEADER, redact=Redactor(people=["on-call lead"]))
    path = write(tmp_path, html)
    _open(page, path)
    assert page.locator("div.pm-figure svg.main-svg").count() >= 4
    assert "[person]" in page.locator("header.pm-header").inner_text()
    _assert_quiet_and_offline(page, path)


def test_print_layout_hides_modebar(page, tmp_path, notebook):
    path = write(tmp_path, export_html(notebook, header=HEADER))
    _open(page, path)
    page.emulate_media(media="print")
    assert page.locator(".modebar").first.is_hidden()
    pdf = page.pdf(format="A4")
    assert pdf[:4] == b"%PDF"
    assert len(pdf) > 50_000


def test_one_broken_figure_does_not_stop_the_others(page, tmp_path, notebook):
    broken = {"data": [{"type": "no-such-trace", "x": [1]}], "layout": {"xaxis": "bad"}}
    html = export_html(notebook, section_figures={"root_cause": [broken]})
    html = html.replace('data-target="pm-fig-2">', 'data-target="pm-fig-2">{not json', 1)
    path = write(tmp_path, html)
    _open(page, path)
    assert page.locator("#pm-fig-2 .pm-figure-error").count() == 1
    drawn = page.locator("div.pm-figure:has(svg.main-svg)").count()
    assert drawn == 4  # three intact notebook figures + the unknown-trace one (drawn empty)
    assert page.page_errors == []


def test_a_huge_unbroken_token_does_not_widen_the_timeline(page, tmp_path):
    """A 3,000-character alert title without spaces widened the timeline table to
    1,495 px inside a 944 px column: Event and Evidence ran off the page."""
    import nbformat
    import pandas as pd
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    from postmortem_nb.tables import events_table

    events = pd.DataFrame({
        "timestamp": pd.to_datetime(["2026-03-08T13:58:00Z", "2026-03-08T14:02:00Z"]),
        "kind": ["alert", "log"], "service": ["checkout-api", "payments"],
        "description": ["Alert fired: " + "A" * 3000, "upstream connect error"],
        "source": ["alerts.csv line 2", "logs.csv line 9" + "x" * 400],
    })
    nb = new_notebook(cells=[new_code_cell("x", outputs=[new_output(
        "display_data", data={"text/html": events_table(events, "Europe/Berlin")})])])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    path = write(tmp_path, export_html(nbformat.from_dict(nb), header=HEADER))
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(path.as_uri())
    table = page.locator("table.pm-table").first
    table.wait_for()
    fits = "t => t.getBoundingClientRect().width <= t.closest('main').clientWidth + 1"
    assert table.evaluate(fits)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # the other columns keep their words whole
    assert "checkout-api" in page.locator("table.pm-table td").nth(3).inner_text()
