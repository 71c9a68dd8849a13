"""The numbers across incidents report the trends planted in the generated folder."""

from __future__ import annotations

import pandas as pd

from postmortem_nb.insights import aggregate as ag
from postmortem_nb.insights.similarity import group_texts, stems

from .reportsgen import HOSTILE_SERVICE, POOL_TEXTS


def test_time_to_resolve_halves_over_three_months(wb):
    m = wb.monthly[wb.monthly["severity"] == "all"].set_index("month")
    assert m["time_to_resolve_min"].to_dict() == {"2026-01": 120.0, "2026-02": 90.0,
                                                  "2026-03": 60.0}
    assert m["time_to_detect_min"].eq(4.0).all()
    assert m["time_to_acknowledge_min"].eq(3.0).all()
    assert m["time_to_mitigate_min"].to_dict() == {"2026-01": 60.0, "2026-02": 45.0,
                                                   "2026-03": 30.0}
    assert m["incidents"].to_dict() == {"2026-01": 10, "2026-02": 11, "2026-03": 10}


def test_monthly_medians_per_severity_are_given_too(wb):
    sev = wb.monthly[wb.monthly["severity"] != "all"]
    assert set(sev["severity"]) == {"SEV1", "SEV2", "SEV3"}
    assert sev.groupby("month")["incidents"].sum().to_dict() == {
        "2026-01": 10, "2026-02": 11, "2026-03": 10}


def test_rolling_median_falls_with_the_trend(wb):
    rt = wb.response_times_frame
    ttr = rt[rt["metric"] == "time_to_resolve"].sort_values("start")
    late = ttr[ttr["start"] >= pd.Timestamp("2026-03-20T00:00Z")]["rolling_median"]
    early = ttr[ttr["start"] < pd.Timestamp("2026-01-25T00:00Z")]["rolling_median"]
    assert late.max() <= 66
    assert early.min() >= 84
    assert set(rt["metric"]) == set(ag.METRICS)
    assert len(ttr) == 31


def test_incidents_per_week_fill_every_week(wb):
    weekly = wb.weekly
    assert weekly["total"].sum() == 31
    weeks = pd.to_datetime(weekly["week"])
    assert (weeks.diff().dropna() == pd.Timedelta("7D")).all()
    assert all(w.weekday() == 0 for w in weekly["week"])


def test_checkout_api_recurs_under_both_spellings(wb, reports):
    _, exp = reports
    top = wb.services.iloc[0]
    assert top["service_key"] == "checkout-api"
    assert top["incidents"] == 12
    assert top["incident_ids"] == exp.checkout_incidents
    assert (wb.services["incidents"] >= 2).sum() == 1
    assert HOSTILE_SERVICE in set(wb.services["service"])


def test_connection_pool_factors_are_one_recurring_group(wb, reports):
    _, exp = reports
    rec = wb.recurring_factors_frame
    assert len(rec) == 1
    assert rec.loc[0, "incidents"] == 5
    assert rec.loc[0, "incident_ids"] == exp.pool_incidents
    assert sorted(rec.loc[0, "texts"]) == sorted(POOL_TEXTS)
    assert rec.loc[0, "categories"] == ["technology"]
    cats = wb.categories.set_index("category")["incidents"].to_dict()
    assert cats == {"process": 28, "technology": 5}


def test_similarity_groups_wordings_not_topics():
    assert stems("The pools were exhausted during deploys") == {"pool", "exhaust", "deploy"}
    groups = group_texts([
        *POOL_TEXTS,
        "Alert threshold too high for checkout errors",
        "Checkout error alert threshold set too high",
        "Runbook missing for pool failover",
    ])
    assert len({groups[t] for t in POOL_TEXTS}) == 1
    assert groups["Alert threshold too high for checkout errors"] == groups[
        "Checkout error alert threshold set too high"]
    assert groups["Runbook missing for pool failover"] != groups[POOL_TEXTS[0]]
    assert groups[POOL_TEXTS[0]] == 0  # the biggest group is numbered first


def test_recurring_new_error_templates(wb, reports):
    _, exp = reports
    rec = wb.recurring_templates_frame
    assert rec["template"].tolist() == ["connection refused to <*>"]
    assert rec.loc[0, "incident_ids"] == exp.template_incidents
    assert wb.collection.templates_carried == 30


def test_action_items_three_overdue_oldest_first(wb, reports):
    _, exp = reports
    counts = ag.action_counts(wb.collection.actions)
    assert counts == {"overdue": 3, "open": 2, "done on time": 2, "done late": 1,
                      "done (no date)": 0, "won't do": 1, "total": 9}
    over = wb.overdue
    assert list(zip(over["incident_id"], over["id"], strict=True)) == exp.overdue
    assert over["overdue_days"].tolist() == [59, 40, 17]
    assert over["overdue_days"].is_monotonic_decreasing


def test_action_items_by_owner_and_type(wb):
    owner = wb.by_owner.set_index("owner")
    assert owner.loc["team-db", ["overdue", "done on time", "done late", "won't do"]].tolist() \
        == [1, 1, 1, 1]
    assert owner["overdue"].sum() == 3
    typ = wb.by_type.set_index("type")
    assert typ.loc["detect", ["overdue", "open", "done on time"]].tolist() == [1, 1, 1]
    assert typ.loc["prevent", "overdue"] == 0
    assert set(typ.index) == {"prevent", "mitigate", "detect", "process"}


def test_coverage(wb, reports):
    _, exp = reports
    assert wb.without_analysis_frame["incident_id"].tolist() == exp.without_analysis
    assert wb.stuck_frame["incident_id"].tolist() == exp.stuck
    assert ag.review_counts(wb.collection.incidents) == {
        "final": 24, "in review": 0, "draft": 4, "no analysis": 3}
    # stuck_days is respected: a longer patience leaves fewer drafts stuck
    assert ag.stuck_drafts(wb.collection.incidents, 45)["incident_id"].tolist() == exp.stuck[:2]


def test_most_frequent_findings(wb, reports):
    _, exp = reports
    top = wb.findings_frame
    warnings = top[top["severity"] == "warning"]
    assert warnings.set_index("code")["incidents"].to_dict() == {
        "action-overdue": 3, "blame-human-error": 3}
    assert top["severity"].tolist().index("info") == len(warnings)  # warnings first
    f = wb.collection.findings
    assert sorted(f[f["code"] == "blame-human-error"]["incident_id"]) == sorted(exp.human_error)


def test_empty_frames_give_empty_aggregates(tmp_path):
    from postmortem_nb.insights.collect import collect

    c = collect(tmp_path)
    assert c.incidents.empty
    assert ag.response_times(c.incidents).empty
    assert ag.monthly_medians(c.incidents).empty
    assert ag.incidents_per_week(c.incidents).empty
    assert ag.service_counts(c.services).empty
    assert ag.recurring_factors(c.factors).empty
    assert ag.action_counts(c.actions)["total"] == 0
    assert ag.actions_by(c.actions, "owner").empty
    assert ag.top_findings(c.findings).empty


def test_key_numbers_show_the_trend_or_the_single_month(wb, tmp_path):
    import datetime as dt
    import json

    from postmortem_nb.insights.params import InsightsParams
    from postmortem_nb.insights.workbook import InsightsWorkbook

    from .reportsgen import TODAY, facts_for

    trend = str(wb.overview().html)
    assert "first and last month" in trend
    assert "→" in trend
    ws = tmp_path / "reports" / "20260310-1408-payments"
    ws.mkdir(parents=True)
    start = dt.datetime(2026, 3, 10, 14, 8, tzinfo=dt.UTC)
    (ws / "facts.json").write_text(json.dumps(facts_for(ws.name, start, 130, "SEV1", ["pay"])))
    params = InsightsParams(reports_dir=str(tmp_path / "reports"), today=TODAY.isoformat())
    one = str(InsightsWorkbook.load(params).overview().html)
    assert "2026-03: 130 min" in one  # one incident: its month's median, not a dash
    assert "one month" in one
