"""Generate the bundled demo incident (fixed seed, byte-for-byte deterministic).

Scenario (team time zone Europe/Berlin, UTC+01:00 on that day): an online shop.
On Tuesday 2026-03-10 a scheduler config change makes the nightly sales report run
at 15:00 Berlin with unlimited retries; the runaway report floods the primary
database with queries, connection slots run out, and checkout payments fail from
about 15:03 to 16:57 Berlin until the scheduler is disabled.

Writes into data/demo/:
  alerts.csv          a week of PagerDuty incident CSV report rows (+01:00 offsets)
  logs.csv.gz         the incident day's application logs (UTC, ms, Z)
  changes.csv         deploys and config changes of the week
  ground_truth.json   what really happened, and impact numbers computed from the rows

Run: python data/make_demo.py [--out DIR]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import math
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import numpy as np

SEED = 20260310
DAY = datetime(2026, 3, 10, tzinfo=UTC)
ACCOUNT_TZ = timezone(timedelta(hours=1))  # Europe/Berlin in March before DST

# The truth the generator decides (UTC).
CONFIG_CHANGE = DAY + timedelta(hours=13, minutes=52, seconds=10)
JOB_START = DAY + timedelta(hours=14)
IMPACT_START = DAY + timedelta(hours=14, minutes=3, seconds=20)
SCHEDULER_DISABLED = DAY + timedelta(hours=15, minutes=51, seconds=30)
MITIGATED = DAY + timedelta(hours=15, minutes=57)

SERVICES_HOSTS = {
    "web-frontend": ["web-frontend-1", "web-frontend-2", "web-frontend-3", "web-frontend-4"],
    "checkout-api": ["checkout-api-1", "checkout-api-2", "checkout-api-3"],
    "payments": ["payments-1", "payments-2"],
    "inventory": ["inventory-1", "inventory-2"],
    "reporting-scheduler": ["reporting-scheduler-0"],
    "postgres-proxy": ["pgbouncer-1"],
}

# Berlin-hour traffic profile (share of peak).
PROFILE = [
    0.12,
    0.08,
    0.06,
    0.05,
    0.05,
    0.07,
    0.15,
    0.3,
    0.45,
    0.55,
    0.6,
    0.65,
    0.7,
    0.68,
    0.7,
    0.75,
    0.8,
    0.85,
    0.9,
    1.0,
    1.0,
    0.9,
    0.6,
    0.3,
]

DEFINITIONS = {
    "transaction": (
        "a request log row (a row with an HTTP status) that carries an amount: one checkout "
        "payment attempt; retries are separate transactions"
    ),
    "failure": (
        "a transaction with HTTP status >= 500 or level ERROR/FATAL "
        "(declines, 4xx, are not failures)"
    ),
    "impact_period": "[impact_start, mitigated)",
    "failed_transactions": "failed transactions in the impact period",
    "excess_failures": (
        "failed transactions minus the baseline failure share (the 2 hours before impact_start) "
        "times the transactions in the impact period"
    ),
    "affected_customers": "distinct customer_id among failed transactions in the impact period",
    "revenue_lost": "sum of amount (EUR) over failed transactions in the impact period",
    "impact_start": "when payment failures rose (decided by the generator)",
    "detected": "created_on of the first alert of the incident",
    "acknowledged": (
        "first acknowledgement (created_on + seconds_to_first_ack) among the incident's alerts"
    ),
    "mitigated": "when payment failures returned to the baseline rate (decided by the generator)",
    "resolved": "resolved_on of the incident's last alert to resolve",
}


def iso_z(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def iso_z_s(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Logs:
    """Collects log rows; one place that knows the CSV columns."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.rows: list[tuple] = []

    def hex(self, n: int) -> str:
        return "".join("0123456789abcdef"[i] for i in self.rng.integers(0, 16, n))

    def host(self, service: str) -> str:
        hosts = SERVICES_HOSTS[service]
        return hosts[int(self.rng.integers(0, len(hosts)))]

    def add(
        self,
        t: datetime,
        level: str,
        service: str,
        message: str,
        *,
        host: str | None = None,
        request_id: str = "",
        customer_id: str = "",
        amount: str = "",
        http_status: str = "",
        latency_ms: str = "",
    ) -> None:
        self.rows.append(
            (
                t,
                level,
                service,
                host or self.host(service),
                message,
                request_id,
                customer_id,
                amount,
                http_status,
                latency_ms,
            )
        )

    def request(
        self,
        t: datetime,
        service: str,
        method: str,
        path: str,
        status: int,
        latency: int,
        **kw: str,
    ) -> str:
        rid = kw.pop("request_id", "") or f"req-{self.hex(12)}"
        level = "ERROR" if status >= 500 else ("WARN" if status >= 400 else "INFO")
        self.add(
            t,
            level,
            service,
            f"{method} {path} {status} {latency}ms",
            request_id=rid,
            http_status=str(status),
            latency_ms=str(latency),
            **kw,
        )
        return rid


def at(minute_start: datetime, rng: np.random.Generator) -> datetime:
    return minute_start + timedelta(milliseconds=int(rng.integers(0, 60_000)))


def payment_failure_probability(t: datetime) -> float:
    """The decided shape of the failure: sharp onset, plateau, tail, then baseline."""
    if t < IMPACT_START or t >= MITIGATED:
        return 0.004
    minutes = (t - IMPACT_START).total_seconds() / 60
    if minutes < 3:
        return 0.4 + 0.1 * minutes
    if t >= SCHEDULER_DISABLED:
        return 0.45
    return 0.78


def generate_logs(rng: np.random.Generator) -> Logs:
    logs = Logs(rng)

    def ri(low: int, high: int) -> int:
        return int(rng.integers(low, high))

    customers = [f"C{n:06d}" for n in rng.choice(900_000, 60_000, replace=False) + 100_000]
    retries: list[tuple[datetime, str, float]] = []
    pool_waiting = 0
    for m in range(24 * 60):
        t0 = DAY + timedelta(minutes=m)
        berlin_hour = (t0 + timedelta(hours=1)).hour
        f = PROFILE[berlin_hour]
        incident = IMPACT_START.replace(second=0) <= t0 < MITIGATED
        db_pressure = JOB_START <= t0 < MITIGATED
        # --- checkout payments: the transactions -------------------------------------
        attempts = [
            (
                at(t0, rng),
                customers[int(rng.integers(0, len(customers)))],
                float(np.round(rng.lognormal(4.0, 0.55), 2)),
            )
            for _ in range(rng.poisson(26 * f))
        ]
        due = [r for r in retries if r[0] < t0 + timedelta(minutes=1)]
        retries = [r for r in retries if r[0] >= t0 + timedelta(minutes=1)]
        attempts += due
        for t, cust, amount in attempts:
            order = f"ORD-{ri(10_000_000, 99_999_999)}"
            rid = f"req-{logs.hex(12)}"
            fails = rng.random() < payment_failure_probability(t)
            declined = not fails and rng.random() < 0.03
            if fails:
                timeout = rng.random() < 0.7
                status = 502 if timeout else 503
                latency = int(30000 + rng.integers(0, 60)) if timeout else ri(800, 5000)
                psp_status = 504 if timeout else 503
                if timeout:
                    logs.add(
                        t + timedelta(milliseconds=latency - 5),
                        "ERROR",
                        "payments",
                        f"payment authorization failed: upstream timeout after 30000 ms "
                        f"(order={order}, psp=adyen)",
                        request_id=rid,
                    )
                else:
                    logs.add(
                        t + timedelta(milliseconds=latency - 20),
                        "ERROR",
                        "checkout-api",
                        "could not reserve order: remaining connection slots are reserved "
                        f"for non-replication superuser connections (order={order})",
                        request_id=rid,
                    )
                if rng.random() < 0.45:
                    retries.append((t + timedelta(seconds=ri(20, 150)), cust, amount))
            else:
                latency = int(rng.gamma(4, 45 if not db_pressure else 260))
                status = 402 if declined else 200
                psp_status = 402 if declined else 200
            logs.request(
                t + timedelta(milliseconds=3),
                "payments",
                "POST",
                "/v1/authorize",
                psp_status,
                max(latency - 30, 5),
                request_id=rid,
            )
            logs.request(
                t,
                "checkout-api",
                "POST",
                "/api/checkout/payment",
                status,
                latency,
                request_id=rid,
                customer_id=cust,
                amount=f"{amount:.2f}",
            )
            if status == 200:
                logs.add(
                    t + timedelta(milliseconds=latency + 2),
                    "INFO",
                    "checkout-api",
                    f"order {order} placed: {ri(1, 6)} items, total {amount:.2f} EUR",
                    request_id=rid,
                    customer_id=cust,
                )
                if rng.random() < 0.01:
                    logs.add(
                        t + timedelta(seconds=2),
                        "ERROR",
                        "checkout-api",
                        f"failed to send order confirmation email for {order}: "
                        "SMTP 451 4.7.1 temporary failure, will retry",
                        request_id=rid,
                    )
            elif declined:
                logs.add(
                    t + timedelta(milliseconds=latency + 2),
                    "WARN",
                    "payments",
                    f"card declined by issuer for {order}: reason=insufficient_funds",
                    request_id=rid,
                )
        # --- web frontend and other edges -----------------------------------------------
        for _ in range(rng.poisson(70 * f)):
            t = at(t0, rng)
            r = rng.random()
            if r < 0.55:
                path, base = f"/products/{ri(1000, 9999)}", 60
            elif r < 0.75:
                path, base = (
                    "/search?q=" + ["sneakers", "jacket", "lamp", "mug", "desk"][ri(0, 5)],
                    90,
                )
            elif r < 0.9:
                path, base = "/cart", 40
            else:
                path, base = "/checkout", 120
            status = 200
            if rng.random() < 0.01:
                status = 404
            if incident and path == "/checkout" and rng.random() < 0.15:
                status = 503
            elif rng.random() < 0.001:
                status = 500
            logs.request(t, "web-frontend", "GET", path, status, int(rng.gamma(3, base / 3)))
        for _ in range(rng.poisson(18 * f)):
            t = at(t0, rng)
            sku = f"SKU-{ri(100000, 999999)}"
            bad = rng.random() < (0.12 if incident else 0.001)
            status = 500 if bad else 200
            lat = ri(30000, 30100) if bad else int(rng.gamma(3, 15 if not db_pressure else 80))
            rid = logs.request(t, "inventory", "GET", f"/v1/stock/{sku}", status, lat)
            if bad:
                logs.add(
                    t + timedelta(milliseconds=lat),
                    "ERROR",
                    "inventory",
                    "canceling statement due to statement timeout "
                    f"(query_id={ri(10**8, 10**9)}, duration={lat} ms)",
                    request_id=rid,
                )
        for _ in range(rng.poisson(10 * f)):
            t = at(t0, rng)
            logs.request(
                t,
                "checkout-api",
                "GET",
                "/api/checkout/summary",
                200,
                int(rng.gamma(3, 25 if not db_pressure else 150)),
            )
        # --- internal lines --------------------------------------------------------------
        for _ in range(rng.poisson(12 * f + 2)):
            t = at(t0, rng)
            k = ri(0, 8)
            if k == 0:
                logs.add(
                    t,
                    "DEBUG",
                    "web-frontend",
                    f"cache hit for product:{ri(1000, 9999)} (ttl {ri(1, 300)}s)",
                )
            elif k == 1:
                logs.add(
                    t,
                    "INFO",
                    "inventory",
                    f"reserved {ri(1, 5)} units of SKU-{ri(100000, 999999)} for cart {logs.hex(8)}",
                )
            elif k == 2:
                logs.add(
                    t,
                    "DEBUG",
                    "checkout-api",
                    f"session {logs.hex(16)} refreshed for customer {customers[ri(0, 60000)]}",
                )
            elif k == 3:
                logs.add(
                    t,
                    "INFO",
                    "web-frontend",
                    f"rendered page /products/{ri(1000, 9999)} in {ri(5, 90)} ms",
                )
            elif k == 4:
                logs.add(
                    t,
                    "INFO",
                    "payments",
                    "webhook received from psp adyen: "
                    f"event=AUTHORISATION id={logs.hex(10).upper()}",
                )
            elif k == 5:
                logs.add(
                    t,
                    "DEBUG",
                    "inventory",
                    f"price lookup for SKU-{ri(100000, 999999)} "
                    f"served from replica in {ri(1, 20)} ms",
                )
            elif k == 6:
                logs.add(
                    t,
                    "INFO",
                    "checkout-api",
                    f"applied voucher SPRING{ri(10, 40)} to cart {logs.hex(8)}",
                )
            else:
                level = "WARN" if rng.random() < 0.5 else "ERROR"
                if level == "WARN":
                    logs.add(
                        t,
                        level,
                        "web-frontend",
                        f"slow upstream response from recommendations: {ri(800, 2500)} ms",
                    )
                elif rng.random() < 0.3:
                    logs.add(
                        t,
                        level,
                        "inventory",
                        f"retrying stock sync for SKU-{ri(100000, 999999)} after 409 conflict",
                    )
                else:
                    logs.add(
                        t,
                        "INFO",
                        "web-frontend",
                        f"client disconnected before response from 10.0.{ri(0, 255)}.{ri(1, 255)}",
                    )
        logs.add(
            t0 + timedelta(seconds=5),
            "INFO",
            "inventory",
            f"stock sync batch {m} completed: {ri(50, 400)} skus updated in {ri(200, 900)} ms",
        )
        for s in (0, 30):
            active = ri(20, 60) if not db_pressure else min(200, 60 + (m - 840) * 47)
            pool_waiting = 0 if active < 200 else ri(20, 90)
            logs.add(
                t0 + timedelta(seconds=s, milliseconds=ri(0, 999)),
                "INFO",
                "postgres-proxy",
                f"pool stats: active={active} idle={max(0, 200 - active - 100)} "
                f"waiting={pool_waiting} max=200",
            )
        if m % 5 == 0:
            logs.add(
                t0 + timedelta(seconds=1),
                "DEBUG",
                "reporting-scheduler",
                f"heartbeat: {ri(3, 7)} jobs scheduled, next run in {ri(1, 300)} s",
            )
        if m == 3 * 60:  # 04:00 Berlin: the normal nightly report
            logs.add(
                t0 + timedelta(seconds=2),
                "INFO",
                "reporting-scheduler",
                "started job daily_sales_report run 4710 (attempt 1)",
            )
            logs.add(
                t0 + timedelta(minutes=0, seconds=58),
                "INFO",
                "reporting-scheduler",
                "job daily_sales_report run 4710 finished in 56 s (rows=184220)",
            )
        if db_pressure and t0 < SCHEDULER_DISABLED:
            attempt = m - 840 + 1
            for w in range(min(8, 1 + attempt // 4)):
                logs.add(
                    t0 + timedelta(seconds=3 + 7 * w),
                    "INFO",
                    "reporting-scheduler",
                    f"started job daily_sales_report run 4711 (attempt {attempt}, worker {w + 1})",
                )
            if attempt > 2:
                logs.add(
                    t0 + timedelta(seconds=55),
                    "WARN",
                    "reporting-scheduler",
                    "job daily_sales_report run 4711 exceeded max runtime, "
                    f"retrying (attempt {attempt})",
                )
        if incident:
            for _ in range(rng.poisson(6)):
                t = at(t0, rng)
                logs.add(
                    t,
                    "ERROR",
                    "postgres-proxy",
                    "FATAL: remaining connection slots are reserved for non-replication "
                    "superuser connections "
                    f"(client=10.4.{ri(0, 9)}.{ri(2, 250)}:{ri(30000, 60000)})",
                )
            for _ in range(rng.poisson(3)):
                t = at(t0, rng)
                logs.add(
                    t,
                    "WARN",
                    "postgres-proxy",
                    f"connection pool exhausted: 200/200 in use, {ri(20, 90)} waiting",
                )
        if t0 == SCHEDULER_DISABLED.replace(second=0):
            logs.add(
                SCHEDULER_DISABLED + timedelta(seconds=4),
                "WARN",
                "reporting-scheduler",
                "received SIGTERM, shutting down 8 workers "
                "(job daily_sales_report run 4711 aborted)",
            )
    return logs


def write_logs(logs: Logs, path: Path) -> None:
    logs.rows.sort(key=lambda r: r[0])
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(
        [
            "timestamp",
            "level",
            "service",
            "host",
            "message",
            "request_id",
            "customer_id",
            "amount",
            "http_status",
            "latency_ms",
        ]
    )
    for row in logs.rows:
        w.writerow([iso_z(row[0]), *row[1:]])
    with open(path, "wb") as fh, gzip.GzipFile(fileobj=fh, mode="wb", mtime=0, filename="") as gz:
        gz.write(buf.getvalue().encode())


# --- alerts --------------------------------------------------------------------------------

ALERT_COLUMNS = [
    "id",
    "incident_number",
    "description",
    "service_id",
    "service_name",
    "escalation_policy_name",
    "created_on",
    "resolved_on",
    "seconds_to_first_ack",
    "seconds_to_resolve",
    "urgency",
    "priority_name",
    "status",
    "auto_resolved",
    "escalation_count",
    "acknowledged_by_user_names",
    "assigned_to_user_names",
]
PD_SERVICES = {
    "Database (postgres-primary)": ("PDB7Q2L", "Platform On-Call"),
    "Checkout API": ("PCK3M9X", "Payments On-Call"),
    "Payments": ("PPY8R4T", "Payments On-Call"),
    "Web Frontend": ("PWF2N6V", "Web On-Call"),
    "Search API": ("PSR5K1D", "Web On-Call"),
    "Inventory": ("PIN4H7C", "Platform On-Call"),
    "Infrastructure": ("PIF9J3B", "Low urgency - business hours"),
}


def T(day: int, hh: int, mm: int, ss: int = 0) -> datetime:
    """UTC time on 2026-03-<day>."""
    return datetime(2026, 3, day, hh, mm, ss, tzinfo=UTC)


def alert(
    description: str,
    service: str,
    created: datetime,
    resolved: datetime,
    *,
    ack: float | None = None,
    by: str = "",
    assigned: str = "",
    urgency: str = "high",
    priority: str = "",
    auto: bool = False,
    escalations: int = 0,
    incident: bool = False,
) -> dict:
    return {
        "description": description,
        "service": service,
        "created": created,
        "resolved": resolved,
        "ack": ack,
        "by": by,
        "assigned": assigned or by or "Dana Weber",
        "urgency": urgency,
        "priority": priority,
        "auto": auto,
        "escalations": escalations,
        "incident": incident,
    }


def incident_alerts(rng: np.random.Generator) -> list[dict]:
    dana, luca = "Dana Weber", "Luca Romano"
    out = [
        alert(
            "[postgres-primary] CPU utilisation above 90% for 5 minutes",
            "Database (postgres-primary)",
            T(10, 14, 8, 47),
            T(10, 15, 55, 31),
            ack=364,
            by=dana,
            priority="P2",
            incident=True,
        ),
        alert(
            "[postgres-primary] Connections above 95% of max_connections",
            "Database (postgres-primary)",
            T(10, 14, 9, 33),
            T(10, 15, 58, 12),
            ack=347,
            by=dana,
            priority="P2",
            incident=True,
        ),
        alert(
            "Payment error rate above 5% (checkout-api)",
            "Checkout API",
            T(10, 14, 10, 5),
            T(10, 16, 6, 44),
            ack=357,
            by=dana,
            assigned=f"{dana}, {luca}",
            priority="P1",
            escalations=1,
            incident=True,
        ),
        alert(
            "Checkout latency p95 above 2 s",
            "Web Frontend",
            T(10, 14, 11, 18),
            T(10, 16, 3, 5),
            ack=382,
            by=luca,
            priority="P3",
            auto=True,
            incident=True,
        ),
    ]
    # the storm: health checks of every payments pod, within a few minutes
    start = T(10, 14, 12, 2)
    for i in range(12):
        pod = f"payments-7f9c{rng.integers(0, 16**4):04x}-{'abcdefghjk'[i % 10]}{i}"
        created = start + timedelta(seconds=int(i * 31 + rng.integers(0, 20)))
        resolved = T(10, 15, 58, 30) + timedelta(seconds=int(rng.integers(0, 800)))
        out.append(
            alert(
                f"Readiness probe failing: {pod} /healthz timed out",
                "Payments",
                created,
                resolved,
                urgency="low",
                priority="",
                auto=True,
                incident=True,
            )
        )
    last = max(a["resolved"] for a in out)
    out[-1]["resolved"] = T(10, 16, 12, 40) if last < T(10, 16, 12, 40) else last
    return out


def other_alerts(rng: np.random.Generator) -> list[dict]:
    dana, luca, mia, ole = "Dana Weber", "Luca Romano", "Mia Schulz", "Ole Hansen"
    out = [
        # minor incident 1: search errors on Thursday morning
        alert(
            "Search API 5xx rate above 2%",
            "Search API",
            T(12, 9, 41, 10),
            T(12, 10, 22, 3),
            ack=250,
            by=mia,
            priority="P3",
        ),
        alert(
            "search-indexer queue backlog above 10k",
            "Search API",
            T(12, 9, 44, 55),
            T(12, 10, 19, 40),
            urgency="low",
            priority="P4",
            auto=True,
        ),
        # minor incident 2: inventory sync on Saturday evening
        alert(
            "Inventory sync job failed 3 times in a row",
            "Inventory",
            T(14, 18, 5, 0),
            T(14, 18, 52, 17),
            ack=611,
            by=ole,
            priority="P3",
            escalations=1,
        ),
    ]
    # the flapping alert: Wednesday night, fires and clears 7 times within an hour
    t = T(11, 2, 10, 14)
    for _ in range(7):
        dur = int(rng.integers(90, 260))
        out.append(
            alert(
                "Replication lag above 30 s on postgres-replica-2",
                "Database (postgres-primary)",
                t,
                t + timedelta(seconds=dur),
                urgency="low",
                priority="P4",
                auto=True,
            )
        )
        t += timedelta(seconds=dur + int(rng.integers(120, 420)))
    noise = [
        ("Disk usage above 80% on build-runner-3", "Infrastructure", "P5"),
        ("TLS certificate for status.shop.example expires in 14 days", "Infrastructure", "P5"),
        ("Backup job took longer than 45 minutes", "Infrastructure", ""),
        ("Memory usage above 85% on web-frontend-2", "Web Frontend", "P4"),
        ("CDN cache hit ratio below 80%", "Web Frontend", ""),
        ("Newsletter batch send slower than usual", "Infrastructure", "P5"),
        ("Inventory feed from supplier delayed", "Inventory", "P4"),
        ("NTP drift above 100 ms on pgbouncer-1", "Infrastructure", ""),
    ]
    for i in range(26):
        desc, svc, prio = noise[i % len(noise)]
        day = 9 + int(rng.integers(0, 7))
        created = T(
            day, int(rng.integers(0, 24)), int(rng.integers(0, 60)), int(rng.integers(0, 60))
        )
        if day == 10 and T(10, 11, 0) <= created <= T(10, 18, 0):
            created -= timedelta(hours=7)
        dur = timedelta(seconds=int(rng.integers(240, 5400)))
        acked = rng.random() < 0.3
        out.append(
            alert(
                desc,
                svc,
                created,
                created + dur,
                ack=float(rng.integers(60, 1800)) if acked else None,
                by=[dana, luca, mia, ole][i % 4] if acked else "",
                urgency="low",
                priority=prio,
                auto=not acked,
            )
        )
    return out


def pd_time(t: datetime) -> str:
    return t.astimezone(ACCOUNT_TZ).isoformat(timespec="seconds")


def write_alerts(alerts: list[dict], rng: np.random.Generator, path: Path) -> list[dict]:
    alerts.sort(key=lambda a: a["created"])
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(ALERT_COLUMNS)
        for n, a in enumerate(alerts):
            a["id"] = "Q" + "".join(
                "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"[i] for i in rng.integers(0, 34, 13)
            )
            a["incident_number"] = 48211 + n
            sid, policy = PD_SERVICES[a["service"]]
            ttr = int((a["resolved"] - a["created"]).total_seconds())
            w.writerow(
                [
                    a["id"],
                    a["incident_number"],
                    a["description"],
                    sid,
                    a["service"],
                    policy,
                    pd_time(a["created"]),
                    pd_time(a["resolved"]),
                    "" if a["ack"] is None else int(a["ack"]),
                    ttr,
                    a["urgency"],
                    a["priority"],
                    "resolved",
                    str(a["auto"]).lower(),
                    a["escalations"],
                    a["by"] if a["ack"] is not None else "",
                    a["assigned"],
                ]
            )
    return alerts


# --- changes -------------------------------------------------------------------------------


def write_changes(rng: np.random.Generator, path: Path) -> None:
    rows = [
        (
            T(9, 9, 12, 40),
            "web-frontend",
            "deploy",
            "web-frontend v2.41.0: new product badges",
            "mia.s",
        ),
        (
            T(9, 14, 30, 2),
            "inventory",
            "deploy",
            "inventory v1.18.3: supplier feed parser fix",
            "ole.h",
        ),
        (
            T(10, 8, 55, 31),
            "payments",
            "config",
            "payments: raise PSP connect timeout log level to DEBUG",
            "luca.r",
        ),
        (
            T(10, 10, 31, 9),
            "checkout-api",
            "deploy",
            "checkout-api v3.7.2: voucher rounding fix",
            "luca.r",
        ),
        (
            CONFIG_CHANGE,
            "reporting-scheduler",
            "config",
            "reporting-scheduler: daily_sales_report schedule '0 3 * * *' -> '0 15 * * *', "
            "max_retries 3 -> -1 (unlimited), concurrency 1 -> 8",
            "jonas.k",
        ),
        (
            SCHEDULER_DISABLED,
            "reporting-scheduler",
            "config",
            "reporting-scheduler disabled: replicas 1 -> 0 (incident mitigation)",
            "dana.w",
        ),
        (
            T(10, 16, 41, 12),
            "reporting-scheduler",
            "config",
            "reporting-scheduler: revert daily_sales_report config to previous revision r1183",
            "dana.w",
        ),
        (
            T(10, 17, 5, 44),
            "reporting-scheduler",
            "config",
            "reporting-scheduler enabled again: replicas 0 -> 1",
            "dana.w",
        ),
        (
            T(11, 10, 2, 18),
            "web-frontend",
            "deploy",
            "web-frontend v2.41.1: badge contrast",
            "mia.s",
        ),
        (
            T(11, 13, 47, 55),
            "postgres-proxy",
            "config",
            "pgbouncer: reserve 20 connections for checkout pool",
            "dana.w",
        ),
        (
            T(12, 9, 20, 3),
            "search-api",
            "deploy",
            "search-api v0.9.14: new ranking features",
            "ole.h",
        ),
        (T(12, 10, 5, 27), "search-api", "rollback", "search-api rolled back to v0.9.13", "mia.s"),
        (
            T(13, 11, 15, 0),
            "checkout-api",
            "deploy",
            "checkout-api v3.7.3: statement_timeout 30 s -> 5 s",
            "luca.r",
        ),
        (
            T(14, 17, 58, 40),
            "inventory",
            "config",
            "inventory: supplier sync interval 15 min -> 5 min",
            "ole.h",
        ),
        (
            T(14, 18, 40, 2),
            "inventory",
            "config",
            "inventory: supplier sync interval back to 15 min",
            "ole.h",
        ),
    ]
    rows.sort()
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["timestamp", "service", "kind", "description", "author"])
        for t, *rest in rows:
            w.writerow([iso_z_s(t), *rest])


# --- ground truth --------------------------------------------------------------------------


def ground_truth(logs: Logs, alerts: list[dict]) -> dict:
    """Impact numbers from the generated rows, with the documented definitions."""
    incident = [a for a in alerts if a["incident"]]
    detected = min(a["created"] for a in incident)
    acknowledged = min(
        a["created"] + timedelta(seconds=a["ack"]) for a in incident if a["ack"] is not None
    )
    resolved = max(a["resolved"] for a in incident)
    tx = [r for r in logs.rows if r[8] and r[7]]  # request rows carrying an amount

    def failed(r: tuple) -> bool:
        return int(r[8]) >= 500 or r[1] in ("ERROR", "FATAL")

    period = [r for r in tx if IMPACT_START <= r[0] < MITIGATED]
    fails = [r for r in period if failed(r)]
    base = [r for r in tx if IMPACT_START - timedelta(hours=2) <= r[0] < IMPACT_START]
    base_share = sum(failed(r) for r in base) / len(base)
    return {
        "scenario": (
            "Online shop. A scheduler config change (13:52 UTC) makes the nightly sales "
            "report run at 15:00 Berlin with unlimited retries and 8 workers; the runaway "
            "report floods the primary database, connection slots run out and checkout "
            "payments fail until the scheduler is disabled."
        ),
        "team_timezone": "Europe/Berlin",
        "trigger_change_at": iso_z(CONFIG_CHANGE),
        "impact_start": iso_z(IMPACT_START),
        "detected": iso_z(detected),
        "acknowledged": iso_z(acknowledged),
        "mitigated": iso_z(MITIGATED),
        "resolved": iso_z(resolved),
        "failed_transactions": len(fails),
        "excess_failures": round(len(fails) - base_share * len(period), 1),
        "affected_customers": len({r[6] for r in fails}),
        "revenue_lost": round(sum(float(r[7]) for r in fails), 2),
        "transactions_in_period": len(period),
        "currency": "EUR",
        "incident_alert_ids": [a["id"] for a in incident],
        "incident_alert_numbers": [a["incident_number"] for a in incident],
        "incident_alert_count": len(incident),
        "definitions": DEFINITIONS,
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "demo")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    alerts = write_alerts(incident_alerts(rng) + other_alerts(rng), rng, args.out / "alerts.csv")
    write_changes(rng, args.out / "changes.csv")
    logs = generate_logs(rng)
    write_logs(logs, args.out / "logs.csv.gz")
    truth = ground_truth(logs, alerts)
    (args.out / "ground_truth.json").write_text(json.dumps(truth, indent=2) + "\n")
    size = sum(p.stat().st_size for p in args.out.iterdir())
    print(
        f"wrote {args.out}: {len(logs.rows)} log rows, {len(alerts)} alerts, "
        f"{math.ceil(size / 1024)} KiB in all"
    )


if __name__ == "__main__":
    main()
