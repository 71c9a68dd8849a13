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
