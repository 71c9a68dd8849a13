"""Forms set programmatically (as a user would in JupyterLab); analysis.json is checked."""

from __future__ import annotations

import datetime as dt
import json
import time

import pandas as pd
import pytest

from postmortem_nb.analysis import Analysis, AnalysisStore
from postmortem_nb.widgets import (
    action_items_form,
    fishbone_form,
    five_whys_form,
    impact_form,
    lessons_form,
    review_form,
    summary_form,
    timeline_form,
)

TODAY = dt.date(2026, 4, 1)
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def find_all(widget, cls: str) -> list:
    found = [widget] if cls in getattr(widget, "_dom_classes", ()) else []
    for child in getattr(widget, "children", ()):
        found += find_all(child, cls)
    return found


def find(widget, cls: str):
    hits = find_all(widget, cls)
    assert len(hits) == 1, f"{cls}: {len(hits)} widgets"
    return hits[0]


def disk(store: AnalysisStore) -> dict:
    store.flush()
    return json.loads(store.path.read_text(encoding="utf-8"))


@pytest.fixture
def store(tmp_path) -> AnalysisStore:
    return AnalysisStore(tmp_path, debounce_s=30)  # tests flush explicitly


@pytest.fixture
def filled(tmp_path, outage_dict) -> AnalysisStore:
    (tmp_path / "analysis.json").write_text(json.dumps(outage_dict))
    return AnalysisStore(tmp_path, debounce_s=30)


def test_summary_form_writes_typed_text(store):
    live = summary_form(store, today=TODAY)
    box = live.widget
    find(box, "pm-summary-what").value = "Checkout returned 503 for 42 minutes."
    find(box, "pm-summary-title").value = "Checkout outage"
    assert not store.path.exists()  # typing is debounced, not yet written
    find(box, "pm-summary-severity").value = "SEV2"  # a choice is written at once
    assert store.path.exists()
    find(box, "pm-summary-services").value = "checkout-api, payments"
    find(box, "pm-person-add").click()  # a button writes at once (and flushes typing)
    rows = find_all(box, "pm-person-name")
    rows[0].value = "Lee Okafor"
    find(box, "pm-person-role").value = "on-call engineer"
    data = disk(store)
    assert data["summary"]["what_happened"] == "Checkout returned 503 for 42 minutes."
    assert data["summary"]["title"] == "Checkout outage"
    assert data["summary"]["severity"] == "SEV2"
    assert data["summary"]["services"] == ["checkout-api", "payments"]
    assert data["summary"]["people"] == [{"name": "Lee Okafor", "role": "on-call engineer",
                                          "show_name": False}]
    find(box, "pm-person-remove").click()
    assert disk(store)["summary"]["people"] == []


def test_live_checks_beside_the_field(store):
    box = summary_form(store, today=TODAY).widget
    find(box, "pm-summary-what").value = "Root cause was human error."
    panels = find_all(box, "pm-check")
    text = " ".join(p.value for p in panels)
    assert "human error" in text
    assert "tooling or process" in text
    find(box, "pm-summary-what").value = "The deploy tool allowed an unvalidated config."
    assert "human error" not in " ".join(p.value for p in find_all(box, "pm-check"))


def test_static_html_is_shown_headless(filled):
    live = summary_form(filled, today=TODAY)
    bundle = live._repr_mimebundle_()
    assert "Checkout API returned 503" in bundle["text/html"]
    assert "<strong>payments connection pool</strong>" in bundle["text/html"]
    assert WIDGET_MIME in bundle
    assert not filled.dirty  # showing the form writes nothing


def test_forms_on_existing_analysis_write_nothing(filled):
    before = filled.path.read_bytes()
    for form in (summary_form, five_whys_form, fishbone_form, impact_form, action_items_form,
                 lessons_form, review_form, timeline_form):
        live = form(filled, today=TODAY)
        assert live.html
    assert filled.flush() is False
    assert filled.path.read_bytes() == before


def test_five_whys_add_edit_move_remove(store):
    box = five_whys_form(store, today=TODAY).widget
    find(box, "pm-why-add").click()
    find(box, "pm-why-add").click()
    whys = find_all(box, "pm-why-why")
    whys[0].value = "Why did checkout fail?"
    whys[1].value = "Why was the pool small?"
    find_all(box, "pm-why-because")[1].value = "Config CI had no bounds check."
    store.flush()
    find_all(box, "pm-why-up")[1].click()
    data = disk(store)
    assert [w["why"] for w in data["five_whys"]] == ["Why was the pool small?",
                                                     "Why did checkout fail?"]
    assert data["five_whys"][0]["because"] == "Config CI had no bounds check."
    # rebuilt rows follow the new order
    assert find_all(box, "pm-why-why")[0].value == "Why was the pool small?"
    find_all(box, "pm-why-remove")[0].click()
    assert [w["why"] for w in disk(store)["five_whys"]] == ["Why did checkout fail?"]


def test_fishbone_factors_and_figure(store):
    box = fishbone_form(store, today=TODAY, redraw_delay=0).widget
    find(box, "pm-fishbone-effect").value = "Checkout 503s"
    find(box, "pm-factor-new-category").value = "tooling"
    find(box, "pm-factor-add").click()
    find(box, "pm-factor-text").value = "No bounds check on pool size"
    data = disk(store)
    assert data["fishbone"] == {"effect": "Checkout 503s", "factors": [
        {"category": "tooling", "text": "No bounds check on pool size", "evidence": ""}]}
    out = find(box, "pm-fishbone-figure").children[0]
    spec = out.outputs[-1]["data"]["application/vnd.plotly.v1+json"]
    texts = [a["text"] for a in spec["layout"]["annotations"]]
    assert "No bounds check on pool size" in texts
    find(box, "pm-factor-category").value = "process"
    assert disk(store)["fishbone"]["factors"][0]["category"] == "process"
    find(box, "pm-factor-remove").click()
    assert disk(store)["fishbone"]["factors"] == []


def test_action_items_form(store):
    box = action_items_form(store, today=TODAY).widget
    find(box, "pm-action-add").click()
    find(box, "pm-action-description").value = "Page on connection pool exhaustion"
    find(box, "pm-action-owner").value = "sre"
    find(box, "pm-action-due").value = dt.date(2026, 4, 30)
    find(box, "pm-action-criterion").value = "alert pages within 5 minutes"
    find(box, "pm-action-priority").value = "P1"
    find(box, "pm-action-status").value = "in progress"
    find(box, "pm-action-type").value = "detect"
    item = disk(store)["action_items"][0]
    assert item == {"id": "A1", "description": "Page on connection pool exhaustion",
                    "owner": "sre", "due": "2026-04-30",
                    "success_criterion": "alert pages within 5 minutes", "priority": "P1",
                    "status": "in progress", "type": "detect", "link": "", "done_at": ""}
    assert "pm-check-warning" not in " ".join(p.value for p in find_all(box, "pm-check"))
    find(box, "pm-action-add").click()
    find_all(box, "pm-action-description")[1].value = "Improve monitoring"
    notes = " ".join(p.value for p in find_all(box, "pm-check"))
    assert "vague verb" in notes
    assert "no owner" in notes
    find_all(box, "pm-action-remove")[0].click()
    assert [i["id"] for i in disk(store)["action_items"]] == ["A2"]


def test_impact_lessons_review(store):
    imp = impact_form(store, today=TODAY).widget
    find(imp, "pm-impact-narrative").value = "3,100 checkouts failed."
    les = lessons_form(store, today=TODAY).widget
    find(les, "pm-lessons-lucky").value = "Low traffic"
    rev = review_form(store, today=TODAY).widget
    find(rev, "pm-review-status").value = "in review"
    data = disk(store)
    assert data["impact"]["narrative"] == "3,100 checkouts failed."
    assert data["lessons"]["got_lucky"] == "Low traffic"
    assert data["review"]["status"] == "in review"


def _peak_and_alert() -> pd.DataFrame:
    """A draft's timeline: the failure peak (e1) and an alert that fired (e2, hidden)."""
    return pd.DataFrame({
        "event_id": ["e1", "e2"],
        "timestamp": pd.to_datetime(["2026-03-08T13:58:00Z", "2026-03-08T14:10:00Z"]),
        "kind": ["signal_peak", "alert_fired"], "source": ["rule: failure-rate", "alerts.csv"],
        "service": ["", "checkout-api"], "description": ["most failures", "alert fired"],
        "milestone": [None, None], "hidden": [False, True], "group": ["", ""],
    })


def test_timeline_form_names_hidden_ids_that_match_no_event(filled):
    """The peak was hidden in an earlier draft; more logs moved it, so its old id hides
    nothing now: the timeline section says so, live and in the static copy."""
    filled.update(lambda a: setattr(a.timeline, "hidden_events", ["e2", "ev-5a3a2cb895"]))
    live = timeline_form(filled, events=_peak_and_alert(), tz="Europe/Berlin", today=TODAY)
    note = find(live.widget, "pm-hidden-gone-note")
    assert "1 hidden event id(s) match no event of this draft: ev-5a3a2cb895" in note.value
    assert "e2," not in note.value
    assert "ev-5a3a2cb895" in live.html
    filled.unhide_event("ev-5a3a2cb895")
    assert note.value == ""


def test_the_timeline_form_forgets_hidden_ids_that_match_no_event(filled):
    """One click drops the stale ids; ids that still hide an event stay hidden."""
    filled.update(lambda a: setattr(a.timeline, "hidden_events",
                                    ["e2", "ev-5a3a2cb895", "ev-0000000001"]))
    live = timeline_form(filled, events=_peak_and_alert(), tz="Europe/Berlin", today=TODAY)
    forget = find(live.widget, "pm-hidden-forget")
    assert forget.layout.display != "none"
    forget.click()
    assert disk(filled)["timeline"]["hidden_events"] == ["e2"]
    assert find(live.widget, "pm-hidden-gone-note").value == ""
    assert forget.layout.display == "none"


def test_timeline_form(store):
    events = pd.DataFrame({
        "event_id": ["e1", "e2"],
        "timestamp": pd.to_datetime(["2026-03-08T13:58:00Z", "2026-03-08T14:10:00Z"]),
        "kind": ["log", "alert"], "source": ["logs.csv", "alerts.csv"],
        "service": ["checkout-api", "checkout-api"],
        "description": ["error onset", "alert fired"], "milestone": ["", ""],
        "hidden": [False, False],
    })
    box = timeline_form(store, events=events, tz="Europe/Berlin", today=TODAY).widget
    find(box, "pm-event-time").value = "2026-03-08 15:02"
    find(box, "pm-event-desc").value = "Rolled back the config"
    find(box, "pm-event-add").click()
    find(box, "pm-hide-select").value = ("e2",)
    find(box, "pm-milestone-detected-at").value = "2026-03-08T14:05:00Z"
    find(box, "pm-milestone-detected-note").value = "first customer report"
    find(box, "pm-milestone-detected-save").click()
    find(box, "pm-window-start").value = "2026-03-08 14:50"
    find(box, "pm-window-end").value = "2026-03-08 15:45"
    find(box, "pm-window-save").click()
    t = disk(store)["timeline"]
    assert t["added_events"][0]["timestamp"] == "2026-03-08T14:02:00Z"
    assert t["added_events"][0]["description"] == "Rolled back the config"
    assert t["hidden_events"] == ["e2"]
    assert t["milestone_overrides"]["detected"]["note"] == "first customer report"
    assert t["incident_window"] == {"start": "2026-03-08T13:50:00Z",
                                    "end": "2026-03-08T14:45:00Z"}
    find(box, "pm-event-edit-desc").value = "Rolled back the pool config"
    assert disk(store)["timeline"]["added_events"][0]["description"] == (
        "Rolled back the pool config")
    find(box, "pm-event-time").value = "half past two"
    find(box, "pm-event-add").click()
    assert "ISO 8601" in find(box, "pm-timeline-message").value
    find(box, "pm-event-remove").click()
    find(box, "pm-milestone-detected-clear").click()
    t = disk(store)["timeline"]
    assert t["added_events"] == []
    assert t["milestone_overrides"] == {}


def test_timeline_rows_follow_pins_made_elsewhere(store):
    """A pin from an explorer (or code) adds a row to an open timeline form at once."""
    box = timeline_form(store, tz="UTC", today=TODAY).widget
    assert find_all(box, "pm-event-row") == []
    ev = store.pin_event("2026-03-08T14:03:11Z", "pool exhausted", source="logs",
                         ref="logs.csv.gz:1234", text="FATAL pool exhausted")
    rows = find_all(box, "pm-event-row")
    assert len(rows) == 1
    assert find(box, "pm-event-edit-desc").value == "pool exhausted"
    evidence = rows[0].children[1].value
    assert "logs.csv.gz:1234" in evidence
    assert "FATAL pool exhausted" in evidence
    assert find(box, "pm-event-remove").description == "Unpin"
    edit = find(box, "pm-event-edit-desc")
    edit.value = "connection pool exhausted"  # an edit keeps the same row widgets
    assert find(box, "pm-event-edit-desc") is edit
    store.remove_event(ev.event_id)
    assert find_all(box, "pm-event-row") == []


def test_typing_is_saved_by_the_debounce_timer(tmp_path):
    store = AnalysisStore(tmp_path, debounce_s=0.05)
    box = lessons_form(store).widget
    find(box, "pm-lessons-well").value = "Rollback took 4 minutes."
    deadline = time.monotonic() + 5
    while store.dirty and time.monotonic() < deadline:
        time.sleep(0.02)
    saved = json.loads(store.path.read_text())
    assert saved["lessons"]["went_well"] == "Rollback took 4 minutes."
    assert "Saved to analysis.json" in find(box, "pm-save-status").value


def test_rerunning_a_form_cell_closes_the_old_form(store):
    first = impact_form(store).widget
    second = impact_form(store).widget
    assert first.comm is None  # closed
    assert len(store._listeners) == 1
    find(second, "pm-impact-reputation").value = "Posts on social media"
    assert disk(store)["impact"]["reputation"] == "Posts on social media"


def test_workspace_path_shares_one_store(tmp_path):
    a = summary_form(tmp_path)
    b = impact_form(str(tmp_path))
    find(a.widget, "pm-summary-what").value = "x"
    find(b.widget, "pm-impact-narrative").value = "y"
    shared = AnalysisStore.open(tmp_path)
    shared.flush()
    got = Analysis.from_dict(json.loads((tmp_path / "analysis.json").read_text()))
    assert (got.summary.what_happened, got.impact.narrative) == ("x", "y")


def test_a_refused_write_shows_in_the_form(tmp_path):
    other = AnalysisStore(tmp_path)
    other.set_summary(what_happened="start")
    mine = AnalysisStore(tmp_path, debounce_s=30)
    box = summary_form(mine, today=TODAY).widget
    other.set_summary(what_happened="written in the other tab")
    find(box, "pm-summary-what").value = "written in this tab"
    find(box, "pm-summary-severity").value = "SEV3"  # writes now: conflict on what_happened
    status = find(box, "pm-save-status").value
    assert "Not saved" in status
    assert "summary.what_happened" in status
    assert json.loads(mine.path.read_text())["summary"]["what_happened"] == (
        "written in the other tab")
    (conflict,) = tmp_path.glob("analysis.json.conflict-*")
    assert find(box, "pm-summary-what").value == "written in this tab"  # still on screen
    assert json.loads(conflict.read_text())["summary"]["what_happened"] == "written in this tab"
    mine.load()  # take the file's version (also keeps interpreter exit quiet)
    assert find(box, "pm-summary-what").value == "written in the other tab"  # what is saved


def test_people_named_in_the_data_are_offered(filled):
    alerts = pd.DataFrame({"alert_id": ["7", "8", "9"],
                           "acknowledged_by": ["Lee Okafor", "Sam Reyes", None]})
    changes = pd.DataFrame({"author": ["sam reyes", "Kim Park"]})
    box = summary_form(filled, alerts=alerts, changes=changes, today=TODAY).widget
    offers = find_all(box, "pm-person-suggested")
    assert [b.description for b in offers] == ["Add Sam Reyes as responder",
                                               "Add Kim Park as change author"]
    offers[1].click()
    people = disk(filled)["summary"]["people"]
    assert people[-1] == {"name": "Kim Park", "role": "change author", "show_name": False}
    assert [b.description for b in find_all(box, "pm-person-suggested")] == [
        "Add Sam Reyes as responder"]


def test_fields_show_what_a_merge_brought_in(tmp_path):
    """Another session's edit merged in on save used to stay invisible in this session's
    fields; typing there then wrote the old text back over it."""
    other = AnalysisStore(tmp_path)
    other.set_lessons(went_well="Paging worked.")
    mine = AnalysisStore(tmp_path, debounce_s=30)
    lessons = lessons_form(mine, today=TODAY).widget
    impact = impact_form(mine, today=TODAY).widget
    whys = five_whys_form(mine, today=TODAY).widget
    other.set_lessons(went_well="Paging worked.\n\nThe runbook was current.")
    other.add_why("Why did checkout fail?", "The connection pool was exhausted.")

    find(impact, "pm-impact-narrative").value = "12% of checkouts failed for 38 minutes."
    mine.flush()  # merges the other session's lessons and why
    well = find(lessons, "pm-lessons-well")
    assert well.value == "Paging worked.\n\nThe runbook was current."
    assert [r.value for r in find_all(whys, "pm-why-because")] == [
        "The connection pool was exhausted."]

    well.value += "\n\nRollback took 4 minutes."  # the analyst goes on typing
    find_all(whys, "pm-why-because")[0].value = "The pool was sized for last year's load."
    saved = disk(mine)
    assert saved["lessons"]["went_well"] == (
        "Paging worked.\n\nThe runbook was current.\n\nRollback took 4 minutes.")
    assert saved["impact"]["narrative"] == "12% of checkouts failed for 38 minutes."
    assert saved["five_whys"][0]["because"] == "The pool was sized for last year's load."
    assert mine.last_error is None


def test_copied_action_item_ids_are_renumbered_so_edits_hit_one_item(tmp_path, outage_dict):
    data = json.loads(json.dumps(outage_dict))
    first = data["action_items"][0]
    copy = {**first, "description": "Add a pool-saturation alert to orders-db",
            "owner": "dba team"}
    data["action_items"].append(copy)  # a copied row that kept its id
    (tmp_path / "analysis.json").write_text(json.dumps(data))
    from postmortem_nb.analysis import check_analysis, read_analysis

    codes = [f.code for f in check_analysis(read_analysis(tmp_path), today=TODAY)]
    assert "action-id" in codes
    store = AnalysisStore(tmp_path, debounce_s=30)
    new_id = store.analysis.action_items[-1].id
    assert new_id != first["id"]
    assert f"is now '{new_id}'" in store.messages[0]
    box = action_items_form(store, today=TODAY).widget
    find_all(box, "pm-action-owner")[-1].value = "dba team (Postgres)"
    saved = disk(store)["action_items"]
    assert [i["owner"] for i in saved] == [i["owner"] for i in data["action_items"][:-1]] + [
        "dba team (Postgres)"]
    assert len({i["id"] for i in saved}) == len(saved)


def test_the_people_form_edits_aliases(filled):
    """The incident commander's handle in the change log ("dana.w") is typed into her
    aliases: saved as a list, no longer offered as a new person, cleared to nothing."""
    changes = pd.DataFrame({"author": ["dana.w", "Kim Park"]})
    box = summary_form(filled, changes=changes, today=TODAY).widget
    offers = find_all(box, "pm-person-suggested")
    assert [b.description for b in offers] == ["Add dana.w as change author",
                                               "Add Kim Park as change author"]
    fields = find_all(box, "pm-person-aliases")
    assert [f.value for f in fields] == ["", ""]
    fields[0].value = "dana.w,  dwhitfield ,"
    assert disk(filled)["summary"]["people"][0] == {
        "name": "Dana Whitfield", "aliases": ["dana.w", "dwhitfield"],
        "role": "incident commander", "show_name": False}
    offers[0].click()  # offered before the alias was typed: she is not added twice
    assert [p["name"] for p in disk(filled)["summary"]["people"]] == [
        "Dana Whitfield", "Lee Okafor"]
    assert [b.description for b in find_all(box, "pm-person-suggested")] == [
        "Add Kim Park as change author"]
    assert find_all(box, "pm-person-aliases")[0].value == "dana.w, dwhitfield"
    find_all(box, "pm-person-aliases")[0].value = ""
    assert "aliases" not in disk(filled)["summary"]["people"][0]
