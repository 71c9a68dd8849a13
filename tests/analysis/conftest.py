"""A realistic analysis of a checkout outage, shared by the analysis tests."""

from __future__ import annotations

import pytest

from postmortem_nb.analysis import Analysis


def checkout_outage() -> dict:
    return {
        "schema": 1,
        "summary": {
            "title": "Checkout API returned 503 for 42 minutes",
            "what_happened": (
                "A config push set the **payments connection pool** to 5. Under the "
                "lunchtime peak, checkout requests queued and timed out."
            ),
            "customer_description": "Some customers could not complete purchases.",
            "severity": "SEV2",
            "services": ["checkout-api", "payments"],
            "people": [
                {"name": "Dana Whitfield", "role": "incident commander", "show_name": False},
                {"name": "Lee Okafor", "role": "on-call engineer", "show_name": False},
            ],
        },
        "timeline": {
            "added_events": [
                {
                    "event_id": "pin-0001",
                    "timestamp": "2026-03-08T13:58:04Z",
                    "description": "First pool exhaustion error",
                    "service": "checkout-api",
                    "kind": "pinned",
                    "evidence": {"source": "logs.csv", "ref": "row 1834",
                                 "text": "ERROR pool exhausted (size=5) waiting 30000ms"},
                    "pinned": True,
                }
            ],
            "hidden_events": [],
            "milestone_overrides": {
                "mitigated": {"at": "2026-03-08T14:31:00Z", "note": "pool size restored"}
            },
            "incident_window": None,
        },
        "five_whys": [
            {"why": "Why did checkout fail?", "because": "Requests timed out waiting for a "
             "payments DB connection.", "evidence": "https://grafana.example/d/abc"},
            {"why": "Why were there no connections?", "because": "The pool size was 5.",
             "evidence": ""},
            {"why": "Why was the pool size 5?", "because": "The config change had no "
             "validation of pool bounds and no canary stage.", "evidence": ""},
        ],
        "fishbone": {
            "effect": "Checkout 503s",
            "factors": [
                {"category": "process", "text": "Config changes skip canary", "evidence": ""},
                {"category": "tooling", "text": "No bounds check on pool size", "evidence": ""},
                {"category": "technology", "text": "Pool exhaustion not alerted",
                 "evidence": ""},
            ],
        },
        "impact": {"narrative": "About 3,100 checkouts failed.", "reputation": "Social posts."},
        "action_items": [
            {"id": "A1", "description": "Add schema validation for pool sizes in config CI",
             "owner": "payments team", "due": "2026-04-15",
             "success_criterion": "CI rejects a pool size below 20", "priority": "P1",
             "status": "open", "type": "prevent", "link": "https://tracker.example/PAY-12",
             "done_at": ""},
            {"id": "A2", "description": "Page on connection pool exhaustion",
             "owner": "sre", "due": "2026-04-30",
             "success_criterion": "alert pages within 5 minutes of exhaustion",
             "priority": "P2", "status": "in progress", "type": "detect", "link": "",
             "done_at": ""},
        ],
        "lessons": {"went_well": "Rollback took 4 minutes.",
                    "went_wrong": "Detection took 12 minutes.",
                    "got_lucky": "The change landed before the evening peak."},
        "review": {"status": "in review", "reviewers": ["sre lead"], "updated_at": ""},
    }


@pytest.fixture
def outage_dict() -> dict:
    return checkout_outage()


@pytest.fixture
def outage() -> Analysis:
    return Analysis.from_dict(checkout_outage())
