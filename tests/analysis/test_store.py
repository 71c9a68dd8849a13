from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from postmortem_nb.analysis import AnalysisStore, read_analysis
from postmortem_nb.errors import AnalysisStoreError, ConflictError, ParameterError


def _disk(ws: Path) -> dict:
    return json.loads((ws / "analysis.json").read_text(encoding="utf-8"))


def test_empty_workspace_path_is_refused():
    with pytest.raises(ParameterError, match="No workspace given"):
        AnalysisStore("")


def test_missing_file_loads_empty_and_writes_nothing(tmp_path):
    store = AnalysisStore(tmp_path)
    assert store.analysis.is_empty()
    assert store.flush() is False
    assert not (tmp_path / "analysis.json").exists()
    assert sorted(os.listdir(tmp_path)) == []


def test_every_change_is_written_with_revision_and_backup(tmp_path):
    store = AnalysisStore(tmp_path)
    store.set_summary(what_happened="Checkout failed.")
    first = (tmp_path / "analysis.json").read_bytes()
    assert _disk(tmp_path)["revision"] == 1
    store.set_summary(what_happened="Checkout failed for 42 minutes.")
    data = _disk(tmp_path)
    assert list(data)[:2] == ["schema", "revision"]
    assert data["revision"] == 2
    assert data["summary"]["what_happened"] == "Checkout failed for 42 minutes."
    assert data["review"]["updated_at"].endswith("Z")
    assert (tmp_path / "analysis.json.bak").read_bytes() == first
    leftovers = [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]
    assert leftovers == []


def test_a_new_process_sees_everything(tmp_path, outage_dict):
    store = AnalysisStore(tmp_path)
    store.update(lambda a: a.__dict__.update(type(a).from_dict(outage_dict).__dict__))
    store.add_action_item("Add a canary stage for config pushes", owner="platform",
                          due="2026-05-01", success_criterion="canary stage merged",
                          priority="high", type="prevent")
    code = ("import sys, json; from postmortem_nb.analysis import AnalysisStore;"
            "s = AnalysisStore(sys.argv[1]); print(json.dumps(s.analysis.to_dict()))")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True,
                         text=True, check=True, env={**os.environ, "PYTHONPATH": os.getcwd()})
    seen = json.loads(out.stdout)
    assert seen["summary"] == outage_dict["summary"]
    assert seen["action_items"][-1]["id"] == "A3"
    assert seen["action_items"][-1]["priority"] == "P2"


def test_crash_mid_write_leaves_previous_file_intact(tmp_path):
    store = AnalysisStore(tmp_path)
    store.set_summary(what_happened="The version that must survive.")
    before = (tmp_path / "analysis.json").read_bytes()
    # a real process that dies (no cleanup, no atexit) after writing the temp file,
    # right before the rename
    code = textwrap.dedent("""
        import os, sys
        from postmortem_nb.analysis import AnalysisStore
        s = AnalysisStore(sys.argv[1])
        os.replace = lambda *a, **k: os._exit(9)
        s.set_summary(what_happened="half-written " * 1000)
    """)
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path)],
                          env={**os.environ, "PYTHONPATH": os.getcwd()}, check=False)
    assert proc.returncode == 9
    assert (tmp_path / "analysis.json").read_bytes() == before
    assert list(tmp_path.glob(".analysis.json.*.tmp"))  # the dead writer's temp files
    again = AnalysisStore(tmp_path)
    assert again.analysis.summary.what_happened == "The version that must survive."
    assert again.messages == []
    assert list(tmp_path.glob(".analysis.json.*.tmp")) == []  # cleaned up on load


def test_corrupt_file_is_moved_aside_and_backup_loaded(tmp_path, caplog):
    store = AnalysisStore(tmp_path)
    store.set_summary(what_happened="good v1")
    store.set_summary(what_happened="good v2")
    (tmp_path / "analysis.json").write_text('{"schema": 1, "summary": {"what_happened": "tru')
    again = AnalysisStore(tmp_path)
    aside = [p for p in os.listdir(tmp_path) if p.startswith("analysis.json.corrupt-")]
    assert len(aside) == 1
    assert (tmp_path / aside[0]).read_text().endswith('"tru')  # untouched
    assert not (tmp_path / "analysis.json").exists()  # nothing written yet
    assert again.analysis.summary.what_happened == "good v1"  # from analysis.json.bak
    msg = again.messages[0]
    assert aside[0] in msg
    assert "rename it back to analysis.json" in msg
    assert "bak" in msg
    assert "moved to" in caplog.text
    again.set_summary(customer_description="checkout errors")
    assert _disk(tmp_path)["summary"]["what_happened"] == "good v1"


def test_corrupt_file_without_backup_gives_empty_analysis(tmp_path):
    (tmp_path / "analysis.json").write_text("[1, 2]")
    store = AnalysisStore(tmp_path)
    assert store.analysis.is_empty()
    assert "empty analysis" in store.messages[0]
    with pytest.raises(AnalysisStoreError, match="JSON object"):
        read_analysis(next(tmp_path.glob("analysis.json.corrupt-*")))


def test_old_schema_is_backed_up_then_migrated(tmp_path):
    old = {"summary": {"what_happened": "db down"}, "actions": [{"description": "fix"}],
           "review_status": "in review"}
    raw = json.dumps(old).encode()
    (tmp_path / "analysis.json").write_bytes(raw)
    store = AnalysisStore(tmp_path)
    assert (tmp_path / "analysis.json.schema0.bak").read_bytes() == raw
    data = _disk(tmp_path)
    assert data["schema"] == 1
    assert data["action_items"][0]["description"] == "fix"
    assert store.analysis.review.status == "in review"
    assert "schema 0" in store.messages[0]


def test_newer_schema_is_left_alone(tmp_path):
    (tmp_path / "analysis.json").write_text('{"schema": 99}')
    with pytest.raises(AnalysisStoreError, match="Upgrade postmortem-nb"):
        AnalysisStore(tmp_path)
    assert (tmp_path / "analysis.json").read_text() == '{"schema": 99}'


def test_a_hand_edit_of_the_wrong_kind_is_refused_and_left_alone(tmp_path):
    store = AnalysisStore(tmp_path)
    store.set_summary(what_happened="good v1")
    text = '{"schema": 1, "lessons": "We got lucky: it was a Tuesday."}'
    (tmp_path / "analysis.json").write_text(text)
    with pytest.raises(AnalysisStoreError) as info:
        AnalysisStore(tmp_path)
    assert str(info.value).startswith(f"{tmp_path / 'analysis.json'}: 1 field(s)")
    assert "lessons: expected an object" in str(info.value)
    with pytest.raises(AnalysisStoreError, match="lessons: expected an object"):
        read_analysis(tmp_path)
    # the open store refuses to write over it too
    store.set_summary(customer_description="checkout errors", debounce=True)
    with pytest.raises(AnalysisStoreError, match="lessons: expected an object"):
        store.flush()
    assert (tmp_path / "analysis.json").read_text() == text
    assert not list(tmp_path.glob("analysis.json.corrupt-*"))


def test_a_byte_order_mark_is_read_not_treated_as_corrupt(tmp_path):
    """Windows Notepad saves UTF-8 with a BOM; the file used to be moved aside."""
    data = {"schema": 1, "summary": {"what_happened": "Checkout returned 503 – für 42 min"}}
    (tmp_path / "analysis.json").write_bytes(
        b"\xef\xbb\xbf" + json.dumps(data, ensure_ascii=False).encode("utf-8"))
    store = AnalysisStore(tmp_path)
    assert store.messages == []
    assert store.analysis.summary.what_happened == "Checkout returned 503 – für 42 min"
    assert read_analysis(tmp_path).summary.what_happened.endswith("für 42 min")
    assert sorted(os.listdir(tmp_path)) == ["analysis.json"]


def test_two_writers_on_different_fields_merge(tmp_path):
    one = AnalysisStore(tmp_path)
    one.set_summary(what_happened="start")
    two = AnalysisStore(tmp_path)
    one.set_lessons(went_well="fast rollback")
    two.set_impact(narrative="3,100 checkouts failed")
    data = _disk(tmp_path)
    assert data["lessons"]["went_well"] == "fast rollback"
    assert data["impact"]["narrative"] == "3,100 checkouts failed"
    assert data["revision"] == 3
    assert two.analysis.lessons.went_well == "fast rollback"  # picked up the other side


def test_two_writers_adding_action_items_keep_both(tmp_path):
    one = AnalysisStore(tmp_path)
    two = AnalysisStore(tmp_path)
    one.add_action_item("Page on pool exhaustion", owner="sre")
    two.add_action_item("Validate pool size in CI", owner="payments")
    items = _disk(tmp_path)["action_items"]
    assert [(i["id"], i["owner"]) for i in items] == [("A1", "sre"), ("A2", "payments")]


def test_two_writers_hiding_different_events_keep_both(tmp_path, outage_dict):
    """Hidden ids and reviewers are sets: each writer's additions and removals are kept."""
    outage_dict["timeline"]["hidden_events"] = ["ev-storm0001", "ev-dup00002"]
    (tmp_path / "analysis.json").write_text(json.dumps(outage_dict), encoding="utf-8")
    one, two = AnalysisStore(tmp_path), AnalysisStore(tmp_path)
    one.hide_event("ev-peak00003")
    one.set_review(reviewers=["sre lead", "payments lead"])

    def tab_two(a):  # one save of two edits, made before seeing tab one's
        a.timeline.hidden_events = ["ev-dup00002", "ev-onset0004"]
        a.review.reviewers = ["sre lead", "db lead"]

    two.update(tab_two)
    data = _disk(tmp_path)
    assert data["timeline"]["hidden_events"] == ["ev-dup00002", "ev-peak00003", "ev-onset0004"]
    assert data["review"]["reviewers"] == ["sre lead", "payments lead", "db lead"]
    assert not list(tmp_path.glob("analysis.json.conflict-*"))


def test_same_field_changed_by_both_is_refused(tmp_path):
    one = AnalysisStore(tmp_path)
    one.set_summary(what_happened="start")
    two = AnalysisStore(tmp_path)
    one.set_summary(what_happened="version from tab one")
    before = (tmp_path / "analysis.json").read_bytes()
    with pytest.raises(ConflictError, match=r"summary\.what_happened") as err:
        two.set_summary(what_happened="version from tab two")
    assert ".load()" in str(err.value)
    assert "force=True" in str(err.value)
    assert (tmp_path / "analysis.json").read_bytes() == before
    saved = list(tmp_path.glob("analysis.json.conflict-*"))
    assert len(saved) == 1
    assert json.loads(saved[0].read_text())["summary"]["what_happened"] == "version from tab two"
    assert two.flush(force=True)
    assert _disk(tmp_path)["summary"]["what_happened"] == "version from tab two"
    assert json.loads((tmp_path / "analysis.json.bak").read_text())["summary"][
        "what_happened"] == "version from tab one"


def test_debounced_typing_writes_once_and_flush_is_synchronous(tmp_path):
    store = AnalysisStore(tmp_path, debounce_s=30)
    for text in ("C", "Ch", "Checkout"):
        store.set_summary(what_happened=text, debounce=True)
    assert not (tmp_path / "analysis.json").exists()
    assert store.dirty
    assert store.flush() is True
    assert _disk(tmp_path)["summary"]["what_happened"] == "Checkout"
    assert _disk(tmp_path)["revision"] == 1


def test_debounce_timer_saves_without_flush(tmp_path):
    store = AnalysisStore(tmp_path, debounce_s=0.05)
    store.set_summary(what_happened="typed", debounce=True)
    deadline = time.monotonic() + 5
    while store.dirty and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _disk(tmp_path)["summary"]["what_happened"] == "typed"


def test_pending_edit_is_saved_at_interpreter_exit(tmp_path):
    code = ("import sys; from postmortem_nb.analysis import AnalysisStore;"
            "s = AnalysisStore(sys.argv[1], debounce_s=60);"
            "s.set_lessons(got_lucky='low traffic', debounce=True)")
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=True, timeout=30,
                   env={**os.environ, "PYTHONPATH": os.getcwd()})
    assert _disk(tmp_path)["lessons"]["got_lucky"] == "low traffic"


def test_pin_and_unpin_with_evidence(tmp_path):
    store = AnalysisStore(tmp_path)
    ev = store.pin_event("2026-03-08 14:58:04", source="logs.csv", ref="row 1834",
                         text="ERROR pool exhausted (size=5)", service="checkout-api",
                         tz="Europe/Berlin")
    again = store.pin_event("2026-03-08T13:58:04Z", source="logs.csv", ref="row 1834",
                            text="ERROR pool exhausted (size=5)")
    assert again.event_id == ev.event_id
    store.edit_event(ev.event_id, description="First pool exhaustion")
    saved = _disk(tmp_path)["timeline"]["added_events"]
    assert len(saved) == 1
    assert saved[0]["timestamp"] == "2026-03-08T13:58:04Z"
    assert saved[0]["description"] == "First pool exhaustion"
    assert saved[0]["evidence"] == {"source": "logs.csv", "ref": "row 1834",
                                    "text": "ERROR pool exhausted (size=5)"}
    assert saved[0]["pinned"] is True
    assert store.unpin_event(ev.event_id) is True
    assert store.unpin_event(ev.event_id) is False
    assert _disk(tmp_path)["timeline"]["added_events"] == []


def test_timeline_helpers(tmp_path):
    store = AnalysisStore(tmp_path)
    store.hide_event("alert-7:fired")
    store.hide_event("alert-7:fired")
    store.set_milestone_override("detected", "2026-03-08T14:05:00Z", "first page")
    store.set_incident_window("2026-03-08T13:50:00Z", "2026-03-08T14:40:00Z")
    t = _disk(tmp_path)["timeline"]
    assert t["hidden_events"] == ["alert-7:fired"]
    assert t["milestone_overrides"]["detected"] == {"at": "2026-03-08T14:05:00Z",
                                                   "note": "first page"}
    assert t["incident_window"] == {"start": "2026-03-08T13:50:00Z",
                                    "end": "2026-03-08T14:40:00Z"}
    with pytest.raises(ParameterError, match="milestone must be one of"):
        store.set_milestone_override("noticed", "2026-03-08T14:05:00Z")
    with pytest.raises(ParameterError, match="before its start"):
        store.set_incident_window("2026-03-08T15:00:00Z", "2026-03-08T14:00:00Z")


def test_action_item_helpers_validate(tmp_path):
    store = AnalysisStore(tmp_path)
    item = store.add_action_item("Add alert", due="2026-04-30")
    store.update_action_item(item.id, status="done", owner="sre")
    assert _disk(tmp_path)["action_items"][0]["status"] == "done"
    with pytest.raises(ParameterError, match="2026-04-30"):
        store.update_action_item(item.id, due="next week")
    with pytest.raises(ParameterError, match="status must be one of"):
        store.update_action_item(item.id, status="finished")
    with pytest.raises(ParameterError, match="known ids: A1"):
        store.update_action_item("A9", owner="x")
    store.remove_action_item("A1")
    assert store.add_action_item("next").id == "A1"


def test_two_processes_writing_at_once_lose_nothing(tmp_path):
    """Two real writers, each adding 15 action items and editing its own lesson field."""
    code = textwrap.dedent("""
        import sys
        from postmortem_nb.analysis import AnalysisStore
        s = AnalysisStore(sys.argv[1])
        who = sys.argv[2]
        for n in range(15):
            s.add_action_item(f"{who} item {n}", owner=who)
            s.set_lessons(**{sys.argv[3]: f"{who} wrote {n}"})
    """)
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    procs = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path), who, field], env=env,
                              stderr=subprocess.PIPE, text=True)
             for who, field in (("alpha", "went_well"), ("beta", "got_lucky"))]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    data = _disk(tmp_path)
    descriptions = sorted(i["description"] for i in data["action_items"])
    assert descriptions == sorted([f"{w} item {n}" for w in ("alpha", "beta") for n in range(15)])
    ids = [i["id"] for i in data["action_items"]]
    assert len(set(ids)) == 30
    assert data["lessons"]["went_well"] == "alpha wrote 14"
    assert data["lessons"]["got_lucky"] == "beta wrote 14"
    assert data["revision"] == 60


def test_flush_all_writes_pending_edits(tmp_path):
    from postmortem_nb.analysis import flush_all

    store = AnalysisStore.open(tmp_path)
    store.debounce_s = 60
    store.set_impact(narrative="pending", debounce=True)
    assert tmp_path / "analysis.json" in [p.resolve() for p in flush_all()]
    assert _disk(tmp_path)["impact"]["narrative"] == "pending"


def test_open_shows_what_another_writer_saved(tmp_path):
    mine = AnalysisStore.open(tmp_path / "analysis.json")
    other = AnalysisStore(tmp_path)
    other.set_summary(title="from the other tab")
    assert mine.analysis.summary.title == ""
    assert AnalysisStore.open(tmp_path) is mine  # a re-run cell gets the same store ...
    assert mine.analysis.summary.title == "from the other tab"  # ... showing the file


def test_a_newer_tool_writing_meanwhile_is_not_overwritten(tmp_path):
    store = AnalysisStore(tmp_path)
    store.set_summary(title="v1")
    (tmp_path / "analysis.json").write_text('{"schema": 2, "summary": {}}')
    with pytest.raises(AnalysisStoreError, match="newer"):
        store.set_summary(title="v2")
    assert (tmp_path / "analysis.json").read_text() == '{"schema": 2, "summary": {}}'
    store.discard()  # give up this session's edit (keeps interpreter exit quiet)


def test_file_corrupted_by_someone_else_is_moved_aside_before_writing(tmp_path):
    store = AnalysisStore(tmp_path)
    store.set_summary(title="v1")
    (tmp_path / "analysis.json").write_text("{broken")
    store.set_summary(title="v2")
    aside = list(tmp_path.glob("analysis.json.corrupt-*"))
    assert [p.read_text() for p in aside] == ["{broken"]
    assert _disk(tmp_path)["summary"]["title"] == "v2"


def test_done_items_get_a_done_date_and_lose_it_when_reopened(tmp_path):
    import datetime as dt
    import json

    from postmortem_nb.analysis import AnalysisStore

    store = AnalysisStore(tmp_path / "analysis.json")
    item = store.add_action_item("Page on pool exhaustion", owner="sre", status="done")
    store.flush()
    saved = json.loads((tmp_path / "analysis.json").read_text())["action_items"][0]
    assert saved["done_at"] == dt.date.today().isoformat()
    store.update_action_item(item.id, status="open")
    store.flush()
    saved = json.loads((tmp_path / "analysis.json").read_text())["action_items"][0]
    assert saved["done_at"] == ""


def test_a_file_without_aliases_loads_and_saves_without_them(tmp_path, outage_dict):
    """aliases came after schema 1 files were written: such a file loads unchanged and
    a save adds no "aliases": [] to every person (a noisy diff for nothing)."""
    path = tmp_path / "analysis.json"
    path.write_text(json.dumps({**outage_dict, "revision": 3}, indent=2), encoding="utf-8")
    store = AnalysisStore(tmp_path)
    assert [p.aliases for p in store.analysis.summary.people] == [[], []]
    store.set_summary(title="Checkout API returned 503 for 43 minutes")
    saved = _disk(tmp_path)
    assert saved["summary"]["people"] == outage_dict["summary"]["people"]
    store.add_person("Mia Schulz", "communications lead", aliases=["mia.s", "mschulz"])
    store.update(lambda a: a.summary.people[0].aliases.append("dana.w"))
    people = _disk(tmp_path)["summary"]["people"]
    assert people[0]["aliases"] == ["dana.w"]
    assert people[2] == {"name": "Mia Schulz", "aliases": ["mia.s", "mschulz"],
                         "role": "communications lead", "show_name": False}
    store.update(lambda a: a.summary.people[0].aliases.clear())
    assert _disk(tmp_path)["summary"]["people"][0] == outage_dict["summary"]["people"][0]
    assert AnalysisStore(tmp_path).analysis.summary.people[2].aliases == ["mia.s", "mschulz"]
    assert store.add_person("Kim Park", "change author", aliases="kim.p").aliases == ["kim.p"]


def test_a_status_set_by_hand_is_not_dated_by_the_next_unrelated_save(tmp_path, outage_dict):
    """A2 marked done in the file by hand, days later only the title changes through the
    store: the store never saw A2 become done, so it must not invent a completion date."""
    import datetime as dt

    outage_dict["action_items"][1]["status"] = "done"
    (tmp_path / "analysis.json").write_text(json.dumps(outage_dict), encoding="utf-8")
    store = AnalysisStore(tmp_path)
    store.set_summary(title="Checkout API 503s after a pool-size config push")
    saved = {i["id"]: i for i in _disk(tmp_path)["action_items"]}
    assert saved["A2"]["status"] == "done"
    assert saved["A2"]["done_at"] == ""
    # the forms' dropdown (a change through the store) dates the item it changed only
    store.update(lambda a: setattr(a.action_items[0], "status", "done"))
    saved = {i["id"]: i for i in _disk(tmp_path)["action_items"]}
    assert (saved["A1"]["done_at"], saved["A2"]["done_at"]) == (dt.date.today().isoformat(), "")
    # reopening it by hand and saving something else keeps a date written by hand, too
    outage_dict["action_items"][0].update(status="open", done_at="2026-03-01")
    (tmp_path / "analysis.json").write_text(json.dumps(outage_dict), encoding="utf-8")
    store = AnalysisStore(tmp_path)
    store.set_lessons(got_lucky="The change landed before the evening peak, on a Tuesday.")
    assert {i["id"]: i for i in _disk(tmp_path)["action_items"]}["A1"]["done_at"] == "2026-03-01"
