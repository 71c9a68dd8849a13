"""A reports folder with known trends, written directly as facts.json / analysis.json.

Three months (January to March 2026), ten incidents a month. Planted facts the
insights must report:
- time to resolve: median 120 min in January, 90 in February, 60 in March (halved);
- checkout-api is in 12 incidents (every incident with i % 3 == 0 is "Checkout API" or
  "checkout-api", spelled both ways); every other service appears once;
- "connection pool exhausted" factors, worded five ways, in 5 incidents;
- action items: 3 overdue (due before TODAY, not done), 2 open (due later),
  2 done on time, 1 done late, 1 won't do;
- 2 SEV1/SEV2 incidents without analysis.json, 4 drafts older than 14 days, the rest final;
- "human error" in 3 analyses; new-error template "connection refused to <*>" in 4;
- a person's name (an action owner, in prose) that pages and JSON show as the role;
- hostile text (a script in a title, an img tag as a service name) that must stay text;
- broken workspaces: corrupt facts.json, facts.json of schema 99, corrupt analysis.json,
  and a folder with neither file.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TODAY = dt.date(2026, 4, 1)
MONTH_TTR_MIN = {1: 120, 2: 90, 3: 60}
SPREAD = (0.7, 0.8, 0.9, 1.0, 1.0, 1.0, 1.0, 1.1, 1.2, 1.3)  # median exactly 1.0
POOL_TEXTS = (
    "Connection pool exhausted under peak load",
    "DB connection pool exhausted under load",
    "connection pool exhausted during the load spike",
    "Database connection pool exhausted under load",
    "connection pool was exhausted under load",
)
SEVERITIES = ("SEV1", "SEV2", "SEV3")
HOSTILE_SERVICE = '<img src=x onerror="window.__pwned=1">svc'
HOSTILE_TITLE = "Errors <script>window.__pwned=1</script>"
PERSON = ("Dana Weber", "on-call engineer")  # named in one analysis, shown by role


@dataclass
class Expected:
    incidents: list[str] = field(default_factory=list)
    overdue: list[tuple[str, str]] = field(default_factory=list)  # (incident_id, action id)
    oldest_overdue: tuple[str, str] = ("", "")
    without_analysis: list[str] = field(default_factory=list)
    stuck: list[str] = field(default_factory=list)
    pool_incidents: list[str] = field(default_factory=list)
    checkout_incidents: list[str] = field(default_factory=list)
    broken: dict[str, str] = field(default_factory=dict)  # workspace -> file
    human_error: list[str] = field(default_factory=list)
    template_incidents: list[str] = field(default_factory=list)


def z(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def facts_for(iid: str, start: dt.datetime, ttr_min: float, sev: str, services: list[str],
              templates: list[str] | None = None) -> dict[str, Any]:
    ttd, tta = 4.0, 3.0  # minutes: detect, then acknowledge
    times = {
        "impact_start": start,
        "detected": start + dt.timedelta(minutes=ttd),
        "acknowledged": start + dt.timedelta(minutes=ttd + tta),
        "mitigated": start + dt.timedelta(minutes=ttr_min * 0.5),
        "resolved": start + dt.timedelta(minutes=ttr_min),
    }
    facts: dict[str, Any] = {
        "schema": 1,
        "incident": {"id": iid, "title": f"Errors on {services[0]}", "severity": sev,
                     "services": services},
        "window": {"start": z(start - dt.timedelta(minutes=30)),
                   "end": z(times["resolved"]), "reason": "generated"},
        "timezone": "Europe/Berlin",
        "milestones": {k: {"at": z(v), "source": "derived", "evidence": "generated"}
                       for k, v in times.items()},
        "durations_s": {
            "time_to_detect": ttd * 60, "time_to_acknowledge": tta * 60,
            "time_to_mitigate": ttr_min * 30, "time_to_resolve": ttr_min * 60,
            "total": ttr_min * 60,
        },
        "impact": {}, "impact_by_service": [], "definitions": {}, "counts": {},
        "alert_ids": [], "warnings": [],
    }
    if templates is not None:
        facts["new_templates"] = [{"template": t, "count": 10} for t in templates]
    return facts


def analysis_for(title: str, sev: str, services: list[str], status: str,
                 factors: list[tuple[str, str]], actions: list[dict[str, Any]],
                 went_wrong: str, people: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "schema": 1, "revision": 3,
        "summary": {"title": title, "what_happened": "Requests failed for a while.",
                    "customer_description": "", "severity": sev, "services": services,
                    "people": people or []},
        "timeline": {"added_events": [], "hidden_events": [], "milestone_overrides": {},
                     "incident_window": None},
        "five_whys": [{"why": "Why did requests fail?", "because": "The pool ran out.",
                       "evidence": ""}],
        "fishbone": {"effect": title,
                     "factors": [{"category": c, "text": t, "evidence": ""} for c, t in factors]},
        "impact": {"narrative": "Some checkouts failed.", "reputation": ""},
        "action_items": actions,
        "lessons": {"went_well": "Fast rollback.", "went_wrong": went_wrong, "got_lucky": ""},
        "review": {"status": status, "reviewers": [], "updated_at": "2026-03-31T10:00:00Z"},
    }


def action(aid: str, desc: str, owner: str, due: str, status: str, typ: str,
           done_at: str = "") -> dict[str, Any]:
    item = {"id": aid, "description": desc, "owner": owner, "due": due,
            "success_criterion": "alert fires within 2 minutes", "priority": "P2",
            "status": status, "type": typ, "link": ""}
    if done_at:
        item["done_at"] = done_at
    return item


# (month, index) -> action items planted in that incident
ACTIONS = {
    (1, 1): [action("A1", "Add a pool-saturation alert at 80%", "team-db", "2026-02-01",
                    "open", "detect")],  # oldest overdue
    (1, 4): [action("A1", "Cap checkout retries at 3", PERSON[0], "2026-02-20",
                    "in progress", "mitigate"),
             action("A2", "Load-test the pool at 2x peak", "team-db", "2026-02-10", "done",
                    "prevent", done_at="2026-02-08")],
    (2, 2): [action("A1", "Runbook for pool exhaustion", "team-sre", "2026-03-15", "open",
                    "process"),
             action("A2", "Pool size from config service", "team-db", "2026-03-01", "done",
                    "prevent", done_at="2026-03-05")],  # done late
    (2, 5): [action("A1", "Alert on checkout 5xx rate above 2%", "team-sre", "2026-03-10",
                    "done", "detect", done_at="2026-03-09"),
             action("A2", "Rewrite the pool library", "team-db", "2026-06-01", "wont do",
                    "prevent")],
    (3, 2): [action("A1", "Shed load at the gateway above 90% pool use", "team-checkout",
                    "2026-05-01", "open", "mitigate"),
             action("A2", "Synthetic checkout probe every minute", "team-sre", "2026-04-20",
                    "in progress", "detect")],
}
OVERDUE_SLOTS = (((1, 1), "A1"), ((1, 4), "A1"), ((2, 2), "A1"))


def incident_id(month: int, i: int) -> str:
    return f"2026-{month:02d}-{1 + 3 * i:02d}-e{i:02d}"


def write_reports(root: Path) -> Expected:
    """Write the folder under ``root`` and return the facts the insights must show."""
    exp = Expected()
    root.mkdir(parents=True, exist_ok=True)
    pool_slots = {(1, 2), (1, 8), (2, 3), (2, 9), (3, 6)}
    human_error_slots = {(1, 5), (2, 7), (3, 1)}
    template_slots = {(1, 3), (2, 3), (3, 3), (3, 9)}
    no_analysis = {(3, 4): "SEV1", (3, 7): "SEV2"}
    stuck = {(1, 9), (2, 1), (2, 6), (3, 0)}
    for month, base in MONTH_TTR_MIN.items():
        for i in range(10):
            day = 1 + 3 * i
            start = dt.datetime(2026, month, day, 9 + i % 8, 15, tzinfo=dt.UTC)
            iid = incident_id(month, i)
            if i % 3 == 0:
                services = ["Checkout API" if i % 2 else "checkout-api", f"web-{month}-{i}"]
                exp.checkout_incidents.append(iid)
            elif (month, i) == (2, 8):
                services = [HOSTILE_SERVICE]
            else:
                services = [f"svc-{month}-{i}"]
            sev = no_analysis.get((month, i), SEVERITIES[i % 3])
            ttr = base * SPREAD[(i * 7) % 10]  # a permutation of SPREAD within the month
            templates = ["connection refused to <*>", f"error {month}-{i} <*>"] if (
                month, i) in template_slots else []
            ws = root / iid
            ws.mkdir()
            (ws / "facts.json").write_text(json.dumps(
                facts_for(iid, start, ttr, sev, services, templates), indent=2))
            exp.incidents.append(iid)
            if (month, i) in template_slots:
                exp.template_incidents.append(iid)
            if (month, i) in no_analysis:
                exp.without_analysis.append(iid)
                continue
            factors = [("process", f"Unexpected condition k{month}x{i} in component q{month}y{i}")]
            if (month, i) in pool_slots:
                factors.append(("technology", POOL_TEXTS[len(exp.pool_incidents)]))
                exp.pool_incidents.append(iid)
            went_wrong = "Dashboards were slow."
            if (month, i) in human_error_slots:
                went_wrong = "It was human error during the deploy."
                exp.human_error.append(iid)
            status = "final"
            if (month, i) in stuck:
                status = "draft"
                exp.stuck.append(iid)
            title = HOSTILE_TITLE if (month, i) == (1, 9) else f"Errors on {services[0]}"
            people = None
            if (month, i) == (1, 4):
                people = [{"name": PERSON[0], "role": PERSON[1], "show_name": False}]
                went_wrong = f"{PERSON[0]} rolled back at 14:27 once the pool alarm fired."
            doc = analysis_for(title, sev, services, status, factors,
                               ACTIONS.get((month, i), []), went_wrong, people)
            (ws / "analysis.json").write_text(json.dumps(doc, indent=2))
    exp.overdue = [(incident_id(*slot), aid) for slot, aid in OVERDUE_SLOTS]
    exp.oldest_overdue = exp.overdue[0]
    # broken workspaces
    bad = root / "2026-02-14-corrupt"
    bad.mkdir()
    (bad / "facts.json").write_text('{"schema": 1, "incident": {"id": "x"')  # cut off
    exp.broken[bad.name] = "facts.json"
    newer = root / "2026-03-20-newer-schema"
    newer.mkdir()
    (newer / "facts.json").write_text(json.dumps({"schema": 99, "incident": {}}))
    exp.broken[newer.name] = "facts.json"
    torn = root / "2026-02-27-torn-analysis"
    torn.mkdir()
    (torn / "facts.json").write_text(json.dumps(
        facts_for(torn.name, dt.datetime(2026, 2, 27, 8, tzinfo=dt.UTC), 90, "SEV3",
                  ["search"])))
    (torn / "analysis.json").write_text("{not json")
    exp.broken[torn.name] = "analysis.json"
    exp.incidents.append(torn.name)
    empty = root / "notes"
    empty.mkdir()
    (empty / "readme.txt").write_text("not a workspace")
    exp.broken[empty.name] = ""
    (root / "index.html").write_text("<p>batch overview</p>")
    return exp
