from __future__ import annotations

import datetime as dt
import json

import pytest

from postmortem_nb.analysis import SCHEMA_VERSION, Analysis, migrate, to_iso_z
from postmortem_nb.errors import AnalysisStoreError, TimestampError


def test_round_trip_is_lossless(outage_dict):
    a = Analysis.from_dict(outage_dict)
    assert a.to_dict() == outage_dict
    assert a.summary.people[1].role == "on-call engineer"
    assert a.timeline.milestone_overrides["mitigated"].at == "2026-03-08T14:31:00Z"
    assert a.action_items[1].status == "in progress"


def test_key_order_is_stable_and_documented():
    keys = list(Analysis().to_dict())
    assert keys == ["schema", "summary", "timeline", "five_whys", "fishbone", "impact",
                    "action_items", "lessons", "review"]
    assert list(Analysis().to_dict()["summary"]) == [
        "title", "what_happened", "customer_description", "severity", "services", "people"]


def test_unknown_keys_are_kept_everywhere(outage_dict):
    outage_dict["custom_top"] = {"jira": "INC-7"}
    outage_dict["summary"]["internal_note"] = "keep me"
    outage_dict["action_items"][0]["estimate_days"] = 3
    outage_dict["timeline"]["added_events"][0]["evidence"]["line_hash"] = "ab12"
    a = Analysis.from_dict(json.loads(json.dumps(outage_dict)))
    out = a.to_dict()
    assert out["custom_top"] == {"jira": "INC-7"}
    assert out["summary"]["internal_note"] == "keep me"
    assert out["action_items"][0]["estimate_days"] == 3
    assert out["timeline"]["added_events"][0]["evidence"]["line_hash"] == "ab12"
    assert list(out)[-1] == "custom_top"  # known keys first, unknown after


def test_lossless_conversions_are_accepted():
    a = Analysis.from_dict({"schema": 1, "summary": {"title": 42, "services": "checkout"},
                            "impact": {"narrative": None}, "review": {"reviewers": ""}})
    assert a.summary.title == "42"
    assert a.summary.services == ["checkout"]
    assert a.impact.narrative == ""
    assert a.review.reviewers == []


def test_a_value_of_the_wrong_kind_is_an_error_not_a_reset():
    """Hand edits in the wrong shape used to become empty fields, then the next save
    erased the text (it survived only in .bak until the save after)."""
    data = {
        "schema": 1,
        "lessons": "We got lucky: it was a Tuesday.",
        "five_whys": ["Why did checkout fail? The pool was exhausted."],
        "summary": {"people": [{"name": ["Luca", "Romano"]}]},
        "timeline": {"milestone_overrides": [{"at": "2026-03-10T14:00:00Z"}]},
        "impact": {"narrative": ["line one", "line two"]},
        "action_items": [{"id": "A1", "owner": ["dba", "sre"], "due": None}],
        "review": {"reviewers": "SRE lead"},
    }
    with pytest.raises(AnalysisStoreError) as info:
        Analysis.from_dict(data)
    problems = info.value.problems
    assert problems == [
        "summary.people[0].name: expected a string, found a list",
        "timeline.milestone_overrides: expected an object, found a list",
        "five_whys[0]: expected an object (why, because, evidence), found a string "
        "('Why did checkout fail? The pool was e...')",
        "impact.narrative: expected a string, found a list",
        "action_items[0].owner: expected a string, found a list",
        "lessons: expected an object (went_well, went_wrong, got_lucky), found a string "
        "('We got lucky: it was a Tuesday.')",
    ]
    assert "6 field(s) hold the wrong kind of value" in str(info.value)


def test_not_an_object_is_an_error():
    with pytest.raises(AnalysisStoreError, match="JSON object"):
        Analysis.from_dict(["x"])  # type: ignore[arg-type]


def test_migrates_schema_0():
    old = {"summary": {"what_happened": "db down"}, "actions": [{"description": "fix"}],
           "review_status": "in review", "five_whys": ["Why A?", "Why B?"],
           "lessons": ["alerting was slow"]}
    new = migrate(old)
    assert new["schema"] == SCHEMA_VERSION
    a = Analysis.from_dict(new)
    assert a.action_items[0].description == "fix"
    assert a.action_items[0].id == "A1"
    assert a.review.status == "in review"
    assert [w.why for w in a.five_whys] == ["Why A?", "Why B?"]
    assert a.lessons.went_wrong == "alerting was slow"
    assert "actions" not in a.extra
    assert "review_status" not in a.extra


def test_newer_schema_is_refused():
    with pytest.raises(AnalysisStoreError, match="newer than this"):
        migrate({"schema": SCHEMA_VERSION + 1})


@pytest.mark.parametrize(
    ("value", "tz", "expected"),
    [
        ("2026-03-08T13:58:04Z", None, "2026-03-08T13:58:04Z"),
        ("2026-03-08T14:58:04+01:00", None, "2026-03-08T13:58:04Z"),
        ("2026-03-08 14:58:04", "Europe/Berlin", "2026-03-08T13:58:04Z"),
        (dt.datetime(2026, 3, 8, 13, 58, 4, 999, tzinfo=dt.UTC), None, "2026-03-08T13:58:04Z"),
        ("", None, ""),
    ],
)
def test_to_iso_z(value, tz, expected):
    assert to_iso_z(value, tz=tz) == expected


def test_naive_time_without_zone_is_an_error():
    with pytest.raises(TimestampError, match="no time zone"):
        to_iso_z("2026-03-08 14:58")
    with pytest.raises(TimestampError, match="ISO 8601"):
        to_iso_z("yesterday at noon")


def test_people_labels_show_roles_once_with_counts():
    from postmortem_nb.analysis import Analysis, Person

    a = Analysis()
    a.summary.people = [
        Person(name="Dana Weber", role="responder"),
        Person(name="Luca Romano", role="responder"),
        Person(name="Mia Schulz", role="incident commander", show_name=True),
    ]
    assert a.people_labels() == ["responder (2)", "Mia Schulz (incident commander)"]


def test_a_person_with_aliases_is_listed_once():
    """One person under two names used to be listed twice: "incident commander (2)" told
    the reader there were two incident commanders."""
    from postmortem_nb.analysis import Analysis, Person

    a = Analysis()
    a.summary.people = [
        Person(name="Dana Weber", aliases=["dana.w", " ", "DANA.W"],
               role="incident commander (on-call SRE)"),
        Person(name="Luca Romano", role="payments on-call engineer"),
    ]
    assert a.people_labels() == ["incident commander (on-call SRE)", "payments on-call engineer"]
    assert a.summary.people[0].names() == ["Dana Weber", "dana.w"]
    assert a.person_names() == ["Dana Weber", "dana.w", "Luca Romano"]
    assert a.person_name_groups() == [["Dana Weber", "dana.w"], ["Luca Romano"]]
    assert Person("Dana Weber", "responder").role == "responder"  # positional use unchanged


def test_aliases_round_trip_after_the_name_and_only_when_given(outage_dict):
    people = outage_dict["summary"]["people"]
    people[0] = {"name": "Dana Whitfield", "aliases": ["dana.w", "dwhitfield"],
                 "role": "incident commander", "show_name": False, "slack": "@dana"}
    a = Analysis.from_dict(json.loads(json.dumps(outage_dict)))
    assert a.summary.people[0].aliases == ["dana.w", "dwhitfield"]
    assert a.to_dict() == outage_dict
    assert list(a.to_dict()["summary"]["people"][0]) == [
        "name", "aliases", "role", "show_name", "slack"]
    # a person written before aliases existed gains no "aliases": [] when saved
    assert "aliases" not in a.to_dict()["summary"]["people"][1]


def test_aliases_are_read_like_other_lists_of_strings():
    a = Analysis.from_dict({"schema": 1, "summary": {"people": [
        {"name": "Dana Weber", "aliases": "dana.w"},
        {"name": "Lee Okafor", "aliases": [4711, None]},
        {"name": "Mia Schulz", "aliases": None}]}})
    assert [p.aliases for p in a.summary.people] == [["dana.w"], ["4711"], []]
    with pytest.raises(AnalysisStoreError) as info:
        Analysis.from_dict({"schema": 1, "summary": {"people": [
            {"name": "Dana Weber", "aliases": {"chat": "dana.w"}},
            {"name": "Lee Okafor", "aliases": [["lee", "okafor"]]}]}})
    assert info.value.problems == [
        "summary.people[0].aliases: expected a list of strings, found an object",
        "summary.people[1].aliases[0]: expected a string, found a list",
    ]
