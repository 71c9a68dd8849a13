"""The figures render in real headless Chromium, offline, and hostile titles stay text."""

from __future__ import annotations

import pytest
from frames import make_alerts, make_logs

from postmortem_nb.figures import impact_figure, timeline_figure
from postmortem_nb.story import analyse_incident

pytestmark = pytest.mark.browser


def test_figures_render_offline_without_errors(page, tmp_path):
    import plotly.io as pio

    logs = make_logs(
        "2026-05-05T08:00:00Z",
        300,
        failures=(("2026-05-05T10:00:00Z", "2026-05-05T10:40:00Z", 0.6),),
    )
    evil = '<img src=x onerror="window.__pwned=1"> checkout down'
    alerts = make_alerts(
        [
            {
                "title": evil,
                "service": "checkout-api",
                "severity": "SEV1",
                "start": "2026-05-05T10:05:00Z",
                "ack": "2026-05-05T10:09:00Z",
                "end": "2026-05-05T10:50:00Z",
            }
        ]
    )
    s = analyse_incident(alerts, logs, tz="Europe/Berlin")
    body = "".join(
        pio.to_html(fig, include_plotlyjs=(i == 0), full_html=False)
        for i, fig in enumerate((timeline_figure(s), impact_figure(s)))
    )
    path = tmp_path / "figures.html"
    path.write_text(f"<!doctype html><html><body>{body}</body></html>", encoding="utf-8")
    page.goto(path.as_uri())
    page.wait_for_selector(".js-plotly-plot .main-svg")
    assert page.locator(".js-plotly-plot").count() == 2
    assert page.locator(".js-plotly-plot .shapelayer path").count() >= 5  # milestone lines
    text = page.locator(".js-plotly-plot").first.inner_text()
    assert "Impact start" in text
    assert page.evaluate("window.__pwned") is None
    assert page.console_errors == []
    assert page.page_errors == []
    assert [u for u in page.requests if not u.startswith("file:")] == []


def test_alerts_only_timeline_has_a_time_axis_and_no_errors(page, tmp_path):
    import plotly.io as pio

    alerts = make_alerts(
        [
            {"title": f"Payment errors {i}", "service": svc, "severity": "SEV2",
             "start": f"2026-05-05T13:{10 + 3 * i}:00Z", "ack": "2026-05-05T13:20:00Z",
             "end": "2026-05-05T14:20:00Z"}
            for i, svc in enumerate(["payments", "checkout-api", "payments"])
        ]
    )
    s = analyse_incident(alerts, tz="Europe/Berlin")
    body = pio.to_html(timeline_figure(s), include_plotlyjs=True, full_html=False)
    path = tmp_path / "timeline.html"
    path.write_text(f"<!doctype html><html><body>{body}</body></html>", encoding="utf-8")
    page.goto(path.as_uri())
    page.wait_for_selector(".js-plotly-plot .main-svg")
    ticks = page.locator(".xtick text").all_text_contents()
    assert any(":" in t for t in ticks), ticks  # time ticks such as 15:00
    assert "Time (Europe/Berlin)" in page.locator(".g-xtitle").text_content()
    assert page.locator(".subplot").count() == 1
    assert page.locator(".shapelayer path").count() >= 3  # detected, acknowledged, resolved
    paths = page.locator(".shapelayer path")
    for d in paths.evaluate_all("ps => ps.map(p => p.getAttribute('d'))"):
        assert "NaN" not in d
    assert page.console_errors == []
    assert page.page_errors == []


@pytest.mark.parametrize("width", [390, 1366])
def test_legends_never_cover_the_time_axis_title(page, tmp_path, width):
    """On a phone the legend (4-5 rows) sat on the axis title and ticks; the impact
    figure's touched its title even at desktop width."""
    import plotly.io as pio

    logs = make_logs("2026-05-05T08:00:00Z", 300,
                     failures=(("2026-05-05T10:00:00Z", "2026-05-05T10:40:00Z", 0.6),))
    alerts = make_alerts([{"title": "Checkout errors", "service": "checkout-api",
                           "severity": "SEV1", "start": "2026-05-05T10:05:00Z",
                           "ack": "2026-05-05T10:09:00Z", "end": "2026-05-05T10:50:00Z"}])
    s = analyse_incident(alerts, logs, tz="Europe/Berlin")
    body = "".join(
        pio.to_html(fig, include_plotlyjs=(i == 0), full_html=False,
                    config={"responsive": True})
        for i, fig in enumerate((timeline_figure(s), impact_figure(s)))
    )
    path = tmp_path / "figures.html"
    path.write_text(f"<!doctype html><html><body>{body}</body></html>", encoding="utf-8")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(path.as_uri())
    page.wait_for_selector(".js-plotly-plot g.legend")
    page.wait_for_timeout(300)  # responsive relayout
    overlaps = page.evaluate("""() => [...document.querySelectorAll('.js-plotly-plot')].map(p => {
        const r = e => e.getBoundingClientRect();
        const legend = r(p.querySelector('g.legend'));
        return [...p.querySelectorAll('.g-xtitle text, .g-x2title text, .xtick text')]
          .map(r).some(t => !(legend.bottom <= t.top || legend.top >= t.bottom
                              || legend.right <= t.left || legend.left >= t.right));
    })""")
    assert overlaps == [False, False]
    assert page.console_errors == []
