"""An incident found again in a grown export keeps its workspace, with no kernel.

The demo export gains an alert that fired before the incident's first one: the id derived
from the first alert moves from 20260310-1408-payments to 20260310-1405-payments, but the
incident's alerts still overlap those of the workspace the analyst works in.
"""

from __future__ import annotations

import json

import pytest

from postmortem_nb.batch import find_incidents
from postmortem_nb.batch.runner import reuse_workspaces
from postmortem_nb.draft import build_params, find_workspace
from postmortem_nb.ingest import load_alerts
from postmortem_nb.resources import demo_dir

BERLIN = "Europe/Berlin"
OLD_ID, NEW_ID = "20260310-1408-payments", "20260310-1405-payments"
EARLIER = ("QZZZNEWALERT02,48264,Checkout 5xx burn rate high,PCK3M9X,Checkout API,"
           "Payments On-Call,2026-03-10T15:05:30+01:00,2026-03-10T16:40:00+01:00,200,5670,"
           "high,P1,resolved,false,0,Luca Romano,Luca Romano\n")


@pytest.fixture(scope="module")
def grown(tmp_path_factory):
    path = tmp_path_factory.mktemp("export") / "alerts-v3.csv"
    path.write_text((demo_dir() / "alerts.csv").read_text() + EARLIER)
    return path


@pytest.fixture(scope="module")
def incident_ids():
    truth = json.loads((demo_dir() / "ground_truth.json").read_text())
    return [str(n) for n in truth["incident_alert_numbers"]]


def _workspace(out, name, alert_ids, start="2026-03-10T14:03:00Z", end="2026-03-10T16:12:40Z"):
    """A drafted workspace as the notebook leaves it: facts.json and draft.json."""
    root = out / name
    root.mkdir(parents=True)
    (root / "facts.json").write_text(json.dumps(
        {"alert_ids": alert_ids, "window": {"start": start, "end": end}}))
    (root / "draft.json").write_text(json.dumps({"parameters": {"alert_ids": ",".join(alert_ids)}}))
    (root / "analysis.json").write_text('{"schema": 1}')
    return root


def test_draft_finds_the_workspace_by_its_alerts(grown, incident_ids, tmp_path):
    out = tmp_path / "reports"
    p = build_params(grown, tz=BERLIN)
    ws, _, note = find_workspace(p, out)
    assert ws.incident_id == NEW_ID
    assert note == ""

    _workspace(out, OLD_ID, incident_ids)
    p = build_params(grown, tz=BERLIN)
    ws, _, note = find_workspace(p, out)
    assert ws.incident_id == OLD_ID
    assert note.startswith(f"This is the same incident as workspace {OLD_ID} (")
    assert f"it would be {NEW_ID}" in note
    assert len(p.alert_ids.split(",")) == 17  # the notebook analyses all of them


def test_two_matching_workspaces_pick_the_larger_and_name_the_other(grown, incident_ids,
                                                                    tmp_path):
    out = tmp_path / "reports"
    _workspace(out, OLD_ID, incident_ids[:12])
    _workspace(out, "20260310-1416-payments", incident_ids[12:])
    ws, _, note = find_workspace(build_params(grown, tz=BERLIN), out)
    assert ws.incident_id == OLD_ID
    assert "Other workspace(s) also hold alerts of this incident and are left as they are: " \
           "20260310-1416-payments (4 shared)" in note


def test_the_same_ids_a_month_away_are_another_incident(grown, incident_ids, tmp_path):
    out = tmp_path / "reports"
    _workspace(out, "20260210-1408-payments", incident_ids,
               start="2026-02-10T14:03:00Z", end="2026-02-10T16:12:40Z")
    ws, _, note = find_workspace(build_params(grown, tz=BERLIN), out)
    assert (ws.incident_id, note) == (NEW_ID, "")


def test_batch_gives_the_incident_its_workspace(grown, incident_ids, tmp_path):
    out = tmp_path / "reports"
    _workspace(out, OLD_ID, incident_ids)
    incidents = find_incidents(load_alerts(grown, tz=BERLIN))
    assert NEW_ID in {i.id for i in incidents}
    notes = reuse_workspaces(out, incidents)
    ids = {i.id for i in incidents}
    assert OLD_ID in ids
    assert NEW_ID not in ids
    assert len(notes) == 1
    assert notes[0].startswith(f"{NEW_ID}: This is the same incident")


def test_an_incident_keeps_its_own_workspace(grown, incident_ids, tmp_path):
    """An existing workspace under the incident's own id is its; no other takes it."""
    out = tmp_path / "reports"
    _workspace(out, NEW_ID, [*incident_ids, "48264"])
    _workspace(out, OLD_ID, incident_ids)  # a fork an older version made
    incidents = find_incidents(load_alerts(grown, tz=BERLIN))
    notes = reuse_workspaces(out, incidents)
    ids = [i.id for i in incidents]
    assert NEW_ID in ids
    assert OLD_ID not in ids
    assert any(f"left as they are: {OLD_ID} (16 shared)" in n for n in notes)


def test_draft_does_not_take_over_another_incidents_workspace(incident_ids, tmp_path):
    """The demo incident's workspace also recorded the replication-lag alert of 02:10 UTC
    (an analyst's window reached it): a draft of that alert's own incident shares an alert
    with it, but the workspace is the demo incident's, which the export still has."""
    out = tmp_path / "reports"
    _workspace(out, OLD_ID, [*incident_ids, "48233"])
    p = build_params(demo_dir() / "alerts.csv", tz=BERLIN, extra={"incident_key": "48233"})
    ws, _, note = find_workspace(p, out)
    assert ws.incident_id != OLD_ID
    assert ws.incident_id.startswith("20260311-0210-")
    assert note == ""


def test_a_workspace_recorded_by_a_plain_id_is_found_by_its_episode_reference(tmp_path):
    """Drafted while the export held fingerprint fp-cpu once, the workspace recorded the
    plain id; when fp-cpu fires again, batch names the first episode fp-cpu@start. That
    episode is the workspace's (it starts in its time); the later one is not."""
    from postmortem_nb.workspace import recorded_incidents, same_incident

    out = tmp_path / "reports"
    _workspace(out, "20260310-1405-checkout-api", ["fp-cpu"],
               start="2026-03-10T14:05:00Z", end="2026-03-10T14:50:00Z")
    recorded = recorded_incidents(out)
    first = same_incident(recorded, "20260310-1405-payments",
                          ["fp-cpu@2026-03-10T14:05:00Z", "fp-pay1", "fp-pay2"],
                          (pd_ts("2026-03-10T14:05Z"), pd_ts("2026-03-10T15:00Z")))
    assert first.incident_id == "20260310-1405-checkout-api"
    later = same_incident(recorded, "20260310-2000-checkout-api",
                          ["fp-cpu@2026-03-10T20:00:00Z"],
                          (pd_ts("2026-03-10T20:00Z"), pd_ts("2026-03-10T20:30Z")))
    assert later.incident_id == "20260310-2000-checkout-api"
    assert later.others == []


def pd_ts(text):
    import pandas as pd

    return pd.Timestamp(text)
