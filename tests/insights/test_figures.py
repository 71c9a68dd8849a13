"""The figures carry the planted facts, and data strings stay text."""

from __future__ import annotations

import json

import plotly.graph_objects as go

from postmortem_nb.insights import aggregate as ag
from postmortem_nb.insights import figures as f

from .reportsgen import HOSTILE_SERVICE


def _traces(fig, **match):
    return [t for t in fig.data if all(getattr(t, k) == v for k, v in match.items())]


def test_response_times_figure_shows_points_and_a_falling_median(wb):
    fig = wb.response_times_figure()
    assert isinstance(fig, go.Figure)
    titles = [a.text for a in fig.layout.annotations]
    assert titles == ["Time to detect", "Time to acknowledge", "Time to mitigate",
                      "Time to resolve"]
    medians = [t for t in fig.data if t.name.startswith("rolling median")]
    assert len(medians) == 4
    ttr = medians[3]
    assert ttr.y[0] >= 84
    assert ttr.y[-1] == 60.0
    points = [t for t in fig.data if t.mode == "markers" and t.yaxis == "y4"]
    assert sorted(t.name for t in points) == ["SEV1", "SEV2", "SEV3"]
    assert sum(len(t.y) for t in points) == 31
    per_sev = [t for t in fig.data if t.name.endswith(" rolling median") and t.yaxis == "y4"]
    assert sorted(t.name for t in per_sev) == ["SEV1 rolling median", "SEV2 rolling median",
                                               "SEV3 rolling median"]
    assert all(t.visible == "legendonly" for t in per_sev)
    sev1 = next(t for t in per_sev if t.name.startswith("SEV1"))
    assert sev1.y[0] == 84.0  # 0.7 x 120 min, the first SEV1 incident
    assert len(fig.to_json()) < 200_000


def test_incidents_per_week_figure_stacks_severities(wb):
    fig = wb.incidents_per_week_figure()
    assert [t.name for t in fig.data] == ["SEV1", "SEV2", "SEV3"]
    assert sum(sum(t.y) for t in fig.data) == 31
    assert fig.layout.barmode == "stack"


def test_a_single_week_is_a_week_wide_bar():
    """Plotly draws a lone date bar a millisecond wide, on a sub-millisecond axis."""
    import pandas as pd

    weekly = pd.DataFrame({"week": [pd.Timestamp("2026-03-09").date()], "SEV1": [1], "total": [1]})
    fig = f.incidents_per_week_figure(weekly)
    bar = fig.data[0]
    assert bar.offset == 0
    assert bar.width[0] >= 5 * 24 * 3600 * 1000  # most of a week, in ms on a date axis
    assert fig.layout.yaxis.dtick == 1  # one incident: ticks 0 and 1, not 0.2, 0.4, ...


def test_services_figure_puts_the_recurring_service_on_top(wb):
    fig = wb.services_figure()
    bar = fig.data[0]
    assert bar.y[-1] == "checkout-api"  # horizontal bars: the last is drawn at the top
    assert bar.x[-1] == 12
    assert fig.layout.xaxis.dtick is None  # more than 10: plotly's own whole-number steps
    assert "(top 15 of" in fig.layout.title.text


def test_factors_figure(wb):
    fig = wb.factors_figure()
    cats, groups = fig.data
    assert dict(zip(cats.y, cats.x, strict=True)) == {"process": 28, "technology": 5}
    assert list(groups.x) == [5]
    assert groups.y[0].startswith("Connection pool exhausted")


def test_actions_figure_counts_overdue_by_owner(wb):
    fig = wb.actions_figure()
    overdue = _traces(fig, name="overdue")
    assert sum(sum(t.x) for t in overdue if t.xaxis == "x") == 3
    assert sum(sum(t.x) for t in overdue if t.xaxis == "x2") == 3


def test_coverage_and_findings_figures(wb):
    cov = wb.coverage_figure()
    by_name = {t.name: sum(t.y) for t in cov.data}
    assert by_name == {"final": 24, "draft": 4, "no analysis": 3}
    fig = wb.findings_figure()
    assert set(fig.data[0].y) >= {"action-overdue", "blame-human-error"}


def test_data_strings_are_escaped_in_figures(wb):
    text = json.dumps(wb.services_figure().to_plotly_json(), default=str)
    assert "<img" not in text
    assert "&lt;img src=x" in text
    assert HOSTILE_SERVICE not in text


def test_empty_inputs_give_a_figure_with_a_note(tmp_path):
    from postmortem_nb.insights.collect import collect

    c = collect(tmp_path)
    figs = [
        f.response_times_figure(ag.response_times(c.incidents)),
        f.incidents_per_week_figure(ag.incidents_per_week(c.incidents)),
        f.services_figure(ag.service_counts(c.services)),
        f.factors_figure(ag.factor_categories(c.factors), ag.recurring_factors(c.factors)),
        f.actions_figure(ag.actions_by(c.actions, "owner"), ag.actions_by(c.actions, "type")),
        f.coverage_figure(ag.review_by_month(c.incidents)),
        f.findings_figure(ag.top_findings(c.findings)),
    ]
    for fig in figs:
        assert isinstance(fig, go.Figure)
        assert len(fig.data) == 0
        assert fig.layout.annotations[0].text


def test_templates_section_says_when_facts_do_not_list_them():
    import pandas as pd

    from postmortem_nb.insights.tables import templates_html

    html = templates_html(pd.DataFrame(columns=["template"]), 0, 12, "UTC")
    assert "None of the facts.json files lists its new error messages" in html
    assert "12 incident(s)" in html


def test_one_incident_is_shown_on_a_days_wide_axis(tmp_path):
    """Plotly zooms a lone point to a millisecond; the axis spans days around it instead."""
    import datetime as dt

    import pandas as pd

    from postmortem_nb.insights.collect import collect

    from .reportsgen import facts_for

    ws = tmp_path / "20260310-1408-payments"
    ws.mkdir()
    start = dt.datetime(2026, 3, 10, 14, 8, tzinfo=dt.UTC)
    (ws / "facts.json").write_text(json.dumps(facts_for(ws.name, start, 130, "SEV1", ["pay"])))
    c = collect(tmp_path)
    fig = f.response_times_figure(ag.response_times(c.incidents), tz="Europe/Berlin")
    lo, hi = (pd.Timestamp(v) for v in fig.layout.xaxis.range)
    assert hi - lo >= pd.Timedelta("7D")
    assert lo < pd.Timestamp("2026-03-10 15:08") < hi
