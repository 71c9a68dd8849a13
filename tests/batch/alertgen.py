"""A generated PagerDuty-CSV-like alert export with known incidents, and matching logs.

Scenarios (UTC, from DAY0 = 2026-04-06 00:00):
  flapping   day 0 10:00  checkout-api "5xx above 2%" fires 6x (3 min on, 4 min off), P2
  long       day 0 20:00  db-1 "Disk usage above 80%" P4, open for 30 h (standing warning)
  together   day 2 14:00  payments P1 + checkout-api P2 (5 min apart): one incident
  storm      day 1 03:00  40 node alerts on 3 services within 10 min, low urgency (SEV4)
  noise      isolated P4/P5 alerts, hours apart
  during     day 1 09:00  search P1, while the long-running disk alert is open
Significant by default (SEV2+): flapping, together, during. Everything else is listed only.

``make_logs`` writes one time-sorted CSV per day (requests per service every few
seconds, 5xx during each incident), so each incident's window lies in one file.
"""

from __future__ import annotations

import csv
import gzip
import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

DAY0 = datetime(2026, 4, 6, tzinfo=UTC)
HEADER = [
    "id", "incident_number", "description", "service_name", "created_on", "resolved_on",
    "seconds_to_first_ack", "seconds_to_resolve", "urgency", "priority_name", "status",
    "acknowledged_by_user_names",
]


@dataclass
class Alert:
    number: int
    title: str
    service: str
    start: datetime
    minutes: float
    priority: str  # P1..P5 or "" (then urgency says)
    urgency: str = "high"
    scenario: str = ""


def scenarios(day0: datetime = DAY0, number: int = 1000) -> list[Alert]:
    alerts: list[Alert] = []

    def add(title, service, start, minutes, priority, urgency="high", scenario=""):
        nonlocal number
        number += 1
        alerts.append(Alert(number, title, service, start, minutes, priority, urgency, scenario))

    t = day0 + timedelta(hours=10)
    for i in range(6):
        add("checkout-api 5xx above 2%", "checkout-api", t + timedelta(minutes=7 * i), 3, "P2",
            scenario="flapping")
    add("Disk usage above 80% on db-1", "database", day0 + timedelta(hours=20), 30 * 60, "P4",
        "low", "long")
    add("search-api error rate above 20%", "search", day0 + timedelta(days=1, hours=9), 40, "P1",
        scenario="during")
    t = day0 + timedelta(days=2, hours=14)
    add("payments: card authorisations failing", "payments", t, 55, "P1", scenario="together")
    add("checkout-api 5xx above 5%", "checkout-api", t + timedelta(minutes=5), 45, "P2",
        scenario="together")
    rng = random.Random(7)
    t = day0 + timedelta(days=1, hours=3)
    for i in range(40):
        svc = ("web-frontend", "inventory", "search")[i % 3]
        add(f"Node exporter: high load on {svc}-{i % 4 + 1}", svc,
            t + timedelta(seconds=rng.randint(0, 600)), rng.randint(2, 12), "", "low", "storm")
    for hours, prio in ((2, "P4"), (6, "P5"), (30, "P4"), (44, "P5")):
        add("CDN cache hit ratio below 80%", "web-frontend", day0 + timedelta(hours=hours), 20,
            prio, "low", "noise")
    alerts.sort(key=lambda a: a.start)
    return alerts


def write_alerts(path: Path, alerts: list[Alert], *, hostile_title: str | None = None) -> Path:
    """PagerDuty incident CSV report rows (times with +00:00 offsets)."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        for a in alerts:
            resolved = a.start + timedelta(minutes=a.minutes)
            title = hostile_title if hostile_title and a.scenario == "together" else a.title
            w.writerow([
                f"Q{a.number:08d}", a.number, title, a.service, a.start.isoformat(),
                resolved.isoformat(), 120 if a.urgency == "high" else "",
                int(a.minutes * 60), a.urgency, a.priority, "resolved",
                "Sam Rivera" if a.urgency == "high" else "",
            ])
    return path


def _failing(alerts: list[Alert]) -> list[tuple[datetime, datetime, str]]:
    return [
        (a.start - timedelta(minutes=3), a.start + timedelta(minutes=a.minutes), a.service)
        for a in alerts
        if a.urgency == "high"
    ]


def make_logs(folder: Path, alerts: list[Alert], days: int = 3, step_s: int = 6,
              day0: datetime = DAY0) -> list[Path]:
    """One gzip CSV per day: requests per service every ``step_s`` seconds, 5xx in incidents."""
    rng = random.Random(11)
    bad = _failing(alerts)
    services = ["checkout-api", "payments", "search", "web-frontend"]
    paths = []
    for d in range(days):
        path = folder / f"logs-{(day0 + timedelta(days=d)):%Y%m%d}.csv.gz"
        start = day0 + timedelta(days=d)
        with gzip.open(path, "wt", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["timestamp", "level", "service", "host", "message", "http_status",
                        "latency_ms"])
            for k in range(0, 86400, step_s):
                ts = start + timedelta(seconds=k)
                for i, svc in enumerate(services):
                    t = ts + timedelta(milliseconds=137 * i)
                    failing = any(s0 <= t < s1 and svc == s for s0, s1, s in bad)
                    status = 503 if failing and rng.random() < 0.6 else 200
                    lat = rng.randint(20, 200) + (900 if status == 503 else 0)
                    level = "ERROR" if status >= 500 else "INFO"
                    msg = (f"upstream timeout after {lat}ms" if status >= 500
                           else f"GET /api/{svc} {status} {lat}ms")
                    w.writerow([t.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z", level, svc,
                                f"{svc}-{i % 2 + 1}", msg, status, lat])
        paths.append(path)
    return paths


def corrupt_gzip(path: Path) -> Path:
    """Cut a gzip file in half: its head still reads, the whole file does not."""
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


# the incidents the generated export holds (conftest drafts them once per session)
SIGNIFICANT = {
    "20260406-1000-checkout-api",  # flapping, SEV2
    "20260407-0900-search",  # SEV1 while the long disk alert is open
    "20260408-1400-payments",  # payments + checkout-api together, SEV1
}
BROKEN = "20260407-0900-search"  # its day's log file is corrupt


def read_json(path):
    return json.loads(path.read_text(encoding="utf-8"))
