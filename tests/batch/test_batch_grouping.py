"""Incidents from alerts on tricky cases, with no kernel: flapping, long-running, storm."""

from __future__ import annotations

import pandas as pd
import pytest
from alertgen import DAY0, scenarios, write_alerts

from postmortem_nb.batch import Criteria, find_incidents, mark_significant
from postmortem_nb.draft import build_params, workspace_for
from postmortem_nb.errors import ParameterError
from postmortem_nb.ingest import load_alerts


@pytest.fixture(scope="module")
def alerts_csv(tmp_path_factory):
    return write_alerts(tmp_path_factory.mktemp("alerts") / "alerts.csv", scenarios())


@pytest.fixture(scope="module")
def alerts(alerts_csv):
    return load_alerts(alerts_csv)


def by_id(incidents):
    return {i.id: i for i in incidents}


def test_known_incidents_by_time(alerts):
    incs = by_id(find_incidents(alerts))
    assert len(incs) == 9
    flapping = incs["20260406-1000-checkout-api"]
    assert len(flapping.alert_ids) == 6  # six flaps, one incident
    assert flapping.severity == "SEV2"
    assert flapping.duration == pd.Timedelta("38min")
    together = incs["20260408-1400-payments"]
    assert together.services == ["payments", "checkout-api"]
    assert together.severity == "SEV1"
    assert together.title == "payments: card authorisations failing"
    storm = incs["20260407-0300-web-frontend"]
    assert len(storm.alert_ids) == 40
    assert sorted(storm.services) == ["inventory", "search", "web-frontend"]


def test_long_running_alert_does_not_swallow_later_incidents(alerts):
    incs = by_id(find_incidents(alerts))
    disk = incs["20260406-2000-database"]
    assert disk.duration == pd.Timedelta("30h")  # its real length is kept
    assert len(disk.alert_ids) == 1
    # the search outage 13 h into the disk warning is its own incident
    assert incs["20260407-0900-search"].alert_ids == ["1008"]


def test_group_by_service_keeps_services_apart(alerts):
    incs = by_id(find_incidents(alerts, group_by="service"))
    assert incs["20260408-1400-payments"].services == ["payments"]
    assert incs["20260408-1405-checkout-api"].services == ["checkout-api"]
    storm_parts = [i for i in incs.values() if i.start.hour == 3]
    assert sorted(s for i in storm_parts for s in i.services) == [
        "inventory", "search", "web-frontend"
    ]


def test_a_smaller_gap_splits_the_flapping_alert(alerts):
    flaps = [i for i in find_incidents(alerts, gap="3min") if i.services == ["checkout-api"]]
    assert len(flaps) == 6 + 0  # 4 minutes between flaps > 3 min gap


def test_since_until_filter_on_the_first_alert_and_keep_ids(alerts):
    every = by_id(find_incidents(alerts))
    some = find_incidents(alerts, since="2026-04-07T00:00:00Z", until="2026-04-08T00:00:00Z")
    assert [i.id for i in some] == [
        "20260407-0300-web-frontend", "20260407-0600-web-frontend", "20260407-0900-search",
        "20260407-2000-web-frontend",
    ]
    assert all(i.alert_ids == every[i.id].alert_ids for i in some)
    with pytest.raises(ParameterError, match="not after"):
        find_incidents(alerts, since="2026-04-08", until="2026-04-07")


def test_incident_key_groups_whatever_the_times(tmp_path):
    path = tmp_path / "alerts.csv"
    path.write_text(
        "alert_id,incident_key,service,severity,title,started_at,resolved_at\n"
        "a1,INC-7,api,critical,API down,2026-04-06T10:00:00Z,2026-04-06T10:30:00Z\n"
        "a2,INC-7,db,high,DB slow,2026-04-06T13:00:00Z,2026-04-06T13:10:00Z\n"
        "a3,,api,warning,API slow,2026-04-06T10:05:00Z,2026-04-06T10:20:00Z\n"
    )
    incs = by_id(find_incidents(load_alerts(path)))
    assert sorted(incs) == ["20260406-1005-api", "inc-7"]
    assert incs["inc-7"].alert_ids == ["a1", "a2"]
    assert incs["inc-7"].key == "INC-7"


FLAPS = [str(1001 + i) for i in range(6)]


@pytest.mark.parametrize("alert_ids", [["1008"], ["1009", "1010"], FLAPS])
def test_ids_match_what_draft_gives_the_same_alerts(alerts, alerts_csv, tmp_path, alert_ids):
    incs = {tuple(i.alert_ids): i for i in find_incidents(alerts)}
    p = build_params(alerts_csv, extra={"alert_ids": ",".join(alert_ids)})
    ws, _ = workspace_for(p, tmp_path)
    assert ws.incident_id == incs[tuple(alert_ids)].id


@pytest.mark.parametrize("alert_id", ["1009", "1010", "1004"])
def test_draft_by_an_alert_id_drafts_the_incident_it_belongs_to(alerts, alerts_csv, tmp_path,
                                                                alert_id):
    """A PagerDuty export has no incident keys: `--incident 1010` names an incident number.

    The draft is then the batch's incident holding that alert, with batch's parameters
    (every alert of the incident, no window), and its reason says so.
    """
    inc = next(i for i in find_incidents(alerts) if alert_id in i.alert_ids)
    assert len(inc.alert_ids) > 1
    p = build_params(alerts_csv, extra={"incident_key": alert_id})
    ws, reason = workspace_for(p, tmp_path)
    assert ws.incident_id == inc.id
    assert p.alert_ids.split(",") == inc.alert_ids
    assert (p.incident_key, p.start, p.end) == ("", "", "")
    assert reason.startswith(f"Window from the incident of alert {alert_id} (")
    assert f"{len(inc.alert_ids)} alerts overlapping or within 15 min" in reason


KEYED = (
    "alert_id,incident_key,service,severity,title,started_at,resolved_at\n"
    "a1,INC-7,api,critical,API down,2026-04-06T10:00:00Z,2026-04-06T10:30:00Z\n"
    "a2,INC-7,db,high,DB slow,2026-04-06T13:00:00Z,2026-04-06T13:10:00Z\n"
    "a3,,api,warning,API slow,2026-04-06T10:05:00Z,2026-04-06T10:20:00Z\n"
    "a4,,web,critical,Web 5xx,2026-04-06T10:25:00Z,2026-04-06T10:40:00Z\n"
    "a5,INC-8,db,critical,DB down,2026-04-07T10:00:00Z,2026-04-07T10:20:00Z\n"
)


@pytest.mark.parametrize(("incident", "key", "ids", "said"), [
    ("INC-7", "INC-7", "", "Window from incident INC-7 (2 alerts)."),  # the key itself
    ("INC-8", "INC-8", "", "Window from incident INC-8 (1 alert)."),
    # an alert with a key: its key's incident
    ("a2", "INC-7", "", "Window from the incident of alert a2 (2 alerts with incident key INC-7)."),
    # an alert without one: its time cluster among the unkeyed alerts
    ("a4", "", "a3,a4", "Window from the incident of alert a4 (2 alerts overlapping or within "
                        "15 min of each other)."),
])
def test_draft_by_key_or_alert_id_in_an_export_with_keys(tmp_path, incident, key, ids, said):
    path = tmp_path / "alerts.csv"
    path.write_text(KEYED)
    incs = {i.key or i.alert_ids[0]: i for i in find_incidents(load_alerts(path))}
    p = build_params(path, extra={"incident_key": incident})
    ws, reason = workspace_for(p, tmp_path / "reports")
    assert (p.incident_key, p.alert_ids) == (key, ids)
    assert ws.incident_id == incs[key or "a3"].id
    # no window is made up: the notebook finds it from the alerts (and the logs)
    assert (p.start, p.end) == ("", "")
    assert reason == said


def test_an_unknown_incident_names_keys_and_alert_ids(tmp_path):
    path = tmp_path / "alerts.csv"
    path.write_text(KEYED)
    known = r"'a9'.*Known keys: INC-7, INC-8; alert ids: a1, a3, a4, a2, a5\."  # time order
    with pytest.raises(ParameterError, match=known):
        workspace_for(build_params(path, extra={"incident_key": "a9"}), tmp_path)


def test_the_story_says_an_incident_was_found_by_alert_id(alerts):
    from postmortem_nb.story import analyse_incident

    story = analyse_incident(alerts, incident_key="1010", tz="UTC")
    assert sorted(story.alerts["alert_id"].astype(str)) == ["1009", "1010"]
    assert story.incident["id"] == "20260408-1400-payments"  # not "1010", an incident key
    assert story.window_reason.startswith("2 alerts in the incident (the incident of alert 1010)")


def test_draft_default_proposal_lands_in_a_batch_workspace(alerts, alerts_csv, tmp_path):
    ids = {i.id for i in find_incidents(alerts)}
    ws, reason = workspace_for(build_params(alerts_csv), tmp_path)
    assert ws.incident_id in ids, reason


def test_significance_default_and_criteria(alerts):
    incs = find_incidents(alerts)
    chosen = {i.id for i in mark_significant(incs, Criteria.from_options())}
    assert chosen == {"20260406-1000-checkout-api", "20260407-0900-search",
                      "20260408-1400-payments"}
    assert all(i.reasons for i in incs if i.significant)
    long = {i.id for i in mark_significant(incs, Criteria.from_options(min_duration="2h"))}
    assert long == {"20260406-2000-database"}
    wide = {i.id for i in mark_significant(incs, Criteria.from_options(min_services=2))}
    assert wide == {"20260407-0300-web-frontend", "20260408-1400-payments"}
    p1 = {i.id for i in mark_significant(incs, Criteria.from_options(min_severity="P1"))}
    assert p1 == {"20260407-0900-search", "20260408-1400-payments"}
    anyof = Criteria.from_options(min_severity="critical", min_services=3)
    assert {i.id for i in mark_significant(incs, anyof)} == p1 | {"20260407-0300-web-frontend"}


def test_bad_options_are_clear_errors(alerts):
    with pytest.raises(ParameterError, match="Unknown severity"):
        Criteria.from_options(min_severity="urgent-ish")
    with pytest.raises(ParameterError, match="group-by"):
        find_incidents(alerts, group_by="host")
    assert DAY0.tzinfo is not None


def test_an_incident_below_the_bar_says_why(alerts):
    incs = by_id(find_incidents(alerts))
    mark_significant(list(incs.values()), Criteria.from_options())
    assert incs["20260406-0200-web-frontend"].reasons == ["SEV4 below SEV2"]
    assert incs["20260407-2000-web-frontend"].reasons == ["SEV5 below SEV2"]
    mark_significant(list(incs.values()),
                     Criteria.from_options("SEV1", "45min", min_services=3))
    assert not incs["20260406-1000-checkout-api"].significant
    assert incs["20260406-1000-checkout-api"].reasons == [
        "SEV2 below SEV1", "lasted 38 min, not over 45 min", "1 service, under 3"]
    assert incs["20260408-1400-payments"].significant  # SEV1: why it is, not why not
    assert incs["20260408-1400-payments"].reasons == ["severity SEV1 is at least SEV1",
                                                      "lasted 55 min, longer than 45 min"]


def test_pagerduty_dedup_keys_do_not_make_incidents(test_data, tmp_path):
    """PagerDuty's incident_key de-duplicates events: two pages of one outage (#2301,
    #2302) are one incident by time, and a key paged again two days later (#2310, #2318)
    is two; ids are the start and service, as draft gives them."""
    path = test_data / "ingest" / "pagerduty_incidents_outages.json"
    incs = find_incidents(load_alerts(path))
    assert [(i.id, i.alert_ids, i.key) for i in incs] == [
        ("20260310-1406-checkout-api", ["2301", "2302"], None),
        ("20260311-0630-payments", ["2310"], None),
        ("20260313-0912-payments", ["2318"], None),
    ]
    ws, reason = workspace_for(build_params(path), tmp_path)
    assert ws.incident_id == "20260310-1406-checkout-api", reason


def test_pagerduty_log_entries_give_the_rest_export_incidents(test_data):
    """The same incidents exported as log entries: same ids, same severity, drafted."""
    data = test_data / "ingest"
    rest = {i.id: i for i in find_incidents(load_alerts(data / "pagerduty_incidents_outages.json"))}
    logged = find_incidents(load_alerts(data / "pagerduty_log_entries_incidents.json"))
    assert [i.id for i in logged] == list(rest)[:2]
    for inc in logged:
        assert (inc.alert_ids, inc.severity) == (rest[inc.id].alert_ids, rest[inc.id].severity)
    chosen = mark_significant(logged, Criteria.from_options())
    assert [i.id for i in chosen] == ["20260310-1406-checkout-api", "20260311-0630-payments"]


def _alertmanager_episodes(path):
    """A webhook log: fingerprint aa fires on 10 March and again on 12 March, where bb
    joins it; each episode is resolved by its own notification."""
    import json

    def hook(status, *alerts):
        return {"version": "4", "groupKey": "{}", "status": status, "receiver": "oncall",
                "alerts": list(alerts)}  # fmt: skip

    def alert(fp, name, start, end="0001-01-01T00:00:00Z", status="firing"):
        return {"status": status, "fingerprint": fp, "startsAt": start, "endsAt": end,
                "labels": {"alertname": name, "severity": "critical", "service": "checkout-api"},
                "annotations": {"summary": name}}  # fmt: skip

    hooks = [
        hook("firing", alert("aa", "HighErrorRate", "2026-03-10T14:00:00Z")),
        hook("resolved", alert("aa", "HighErrorRate", "2026-03-10T14:00:00Z",
                               "2026-03-10T14:40:00Z", "resolved")),
        hook("firing", alert("aa", "HighErrorRate", "2026-03-12T09:00:00Z")),
        hook("firing", alert("bb", "LatencyHigh", "2026-03-12T09:05:00Z")),
        hook("resolved", alert("aa", "HighErrorRate", "2026-03-12T09:00:00Z",
                               "2026-03-12T09:30:00Z", "resolved")),
    ]
    path.write_text("".join(json.dumps(h) + "\n" for h in hooks))
    return path


def test_each_firing_episode_of_a_fingerprint_is_drafted_alone(tmp_path):
    """A fingerprint names an alert series: batch's incident of 10 March selected both
    episodes by their shared id, so its draft spanned two days and two incidents."""
    from postmortem_nb.incident_window import select_incident_alerts

    alerts = load_alerts(_alertmanager_episodes(tmp_path / "hooks.jsonl"))
    incs = find_incidents(alerts)
    assert [i.alert_ids for i in incs] == [
        ["aa@2026-03-10T14:00:00Z"], ["aa@2026-03-12T09:00:00Z", "bb"]]
    for inc in incs:
        chosen = select_incident_alerts(alerts, alert_ids=inc.alert_ids)
        assert chosen["started_at"].min() == inc.start
        assert len(chosen) == len(inc.alert_ids)


def test_draft_by_a_fingerprint_that_fired_twice_asks_which_episode(tmp_path):
    path = _alertmanager_episodes(tmp_path / "hooks.jsonl")
    with pytest.raises(ParameterError, match=(
            r"'aa' fired in 2 separate incidents .*aa@2026-03-10T14:00:00Z, "
            r"aa@2026-03-12T09:00:00Z\. Name one of them")):
        workspace_for(build_params(path, extra={"incident_key": "aa"}), tmp_path / "out")
    # a mistyped reference is answered with the references, not the plain ids
    with pytest.raises(ParameterError, match=(
            r"alert ids: aa@2026-03-10T14:00:00Z, aa@2026-03-12T09:00:00Z, bb\.")):
        workspace_for(build_params(path, extra={"incident_key": "aa@2026-03-12T09:00Z"}),
                      tmp_path / "out")
    later = next(i for i in find_incidents(load_alerts(path)) if "bb" in i.alert_ids)
    p = build_params(path, extra={"incident_key": "aa@2026-03-12T09:00:00Z"})
    ws, reason = workspace_for(p, tmp_path / "out")
    assert ws.incident_id == later.id
    assert p.alert_ids.split(",") == later.alert_ids
    assert reason.startswith("Window from the incident of alert aa@2026-03-12T09:00:00Z (2 alerts")
