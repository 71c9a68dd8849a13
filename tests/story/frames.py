"""Small realistic canonical frames for the story tests (deterministic, seeded)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from postmortem_nb.schema import ALERT_COLUMNS


def make_logs(
    start: str,
    minutes: int,
    *,
    per_minute: float = 20.0,
    failures: tuple[tuple[str, str, float], ...] = (),
    base_fail: float = 0.003,
    seed: int = 7,
    with_amount: bool = True,
    service: str = "checkout-api",
) -> pd.DataFrame:
    """Checkout request rows (status, latency, customer, amount) plus some internal lines.

    ``failures`` = (start, end, probability) periods with elevated 5xx responses.
    """
    rng = np.random.default_rng(seed)
    t0 = pd.Timestamp(start)
    n = rng.poisson(per_minute * minutes)
    offs = np.sort(rng.integers(0, minutes * 60_000, n))
    ts = t0 + pd.to_timedelta(offs, unit="ms")
    p = np.full(n, base_fail)
    for a, b, prob in failures:
        p[(ts >= pd.Timestamp(a)) & (ts < pd.Timestamp(b))] = prob
    failed = rng.random(n) < p
    status = np.where(failed, 503, np.where(rng.random(n) < 0.02, 402, 200))
    latency = np.where(failed, rng.integers(5000, 30000, n), rng.integers(40, 400, n))
    cust = [f"C{x:05d}" for x in rng.integers(0, 5000, n)]
    amount = np.round(rng.lognormal(4, 0.5, n), 2)
    req = pd.DataFrame(
        {
            "timestamp": ts,
            "level": np.where(failed, "ERROR", np.where(status == 402, "WARN", "INFO")),
            "service": service,
            "host": [f"{service}-{i % 3 + 1}" for i in range(n)],
            "message": [
                f"POST /api/checkout/payment {s} {lat}ms"
                for s, lat in zip(status, latency, strict=True)
            ],
            "http_status": status.astype("float64"),
            "latency_ms": latency.astype("float64"),
            "customer_id": cust,
            "amount": amount if with_amount else np.nan,
        }
    )
    m = rng.poisson(5 * minutes)
    its = t0 + pd.to_timedelta(np.sort(rng.integers(0, minutes * 60_000, m)), unit="ms")
    internal = pd.DataFrame(
        {
            "timestamp": its,
            "level": "INFO",
            "service": "inventory",
            "host": "inventory-1",
            "message": [
                f"reserved {k} units of SKU-{s} for cart {h:08x}"
                for k, s, h in zip(
                    rng.integers(1, 5, m),
                    rng.integers(10**5, 10**6, m),
                    rng.integers(0, 2**32, m),
                    strict=True,
                )
            ],
        }
    )
    out = pd.concat([req, internal], ignore_index=True).sort_values("timestamp", kind="stable")
    out["timestamp"] = pd.to_datetime(out["timestamp"], utc=True)
    return out.reset_index(drop=True)


def make_alerts(rows: list[dict]) -> pd.DataFrame:
    """Canonical alerts from short dicts: title, service, severity, start, ack, end (ISO)."""
    recs = []
    for i, r in enumerate(rows):
        recs.append(
            {
                "alert_id": r.get("id", f"A{i + 1}"),
                "source": "test",
                "service": r.get("service", "payments"),
                "severity": r.get("severity", "SEV2"),
                "severity_raw": r.get("severity", "SEV2"),
                "title": r["title"],
                "started_at": pd.Timestamp(r["start"]),
                "acknowledged_at": pd.Timestamp(r["ack"]) if r.get("ack") else pd.NaT,
                "resolved_at": pd.Timestamp(r["end"]) if r.get("end") else pd.NaT,
                "status": "resolved" if r.get("end") else "triggered",
                "incident_key": r.get("key"),
                "acknowledged_by": r.get("by"),
            }
        )
    df = pd.DataFrame(recs)
    for col in ("started_at", "acknowledged_at", "resolved_at"):
        df[col] = pd.to_datetime(df[col], utc=True)
    return df[list(ALERT_COLUMNS)]


def write_gcp_logentries(
    path,
    *,
    start: str = "2026-03-10T11:00:00Z",
    end: str = "2026-03-10T16:00:00Z",
    services: dict[str, float] | None = None,
    failing: str = "checkout-api",
    failures: tuple[str, str, float] = ("2026-03-10T14:03:00Z", "2026-03-10T14:33:00Z", 0.45),
    base_fail: float = 0.005,
    seed: int = 11,
) -> dict:
    """A GCP Logging export (LogEntry JSON lines, Cloud Run request logs) and its truth.

    ``services`` maps each service to its requests per minute; only ``failing`` fails
    during ``failures`` = (start, end, probability). The application's fields (user id,
    amount) sit in ``jsonPayload`` as Cloud Run services write them. Returns the truth
    over the failure period: failed/requests/customers/amount per service.
    """
    import json

    rng = np.random.default_rng(seed)
    services = services or {"checkout-api": 12.0, "cart-api": 6.0}
    t0, t1 = pd.Timestamp(start), pd.Timestamp(end)
    f0, f1, prob = pd.Timestamp(failures[0]), pd.Timestamp(failures[1]), failures[2]
    minutes = (t1 - t0).total_seconds() / 60
    lines: list[tuple[pd.Timestamp, str]] = []
    truth: dict = {}
    for svc, per_min in services.items():
        n = rng.poisson(per_min * minutes)
        offs = np.sort(rng.integers(0, int(minutes * 60_000_000), n))
        stats = {"failed": 0, "requests": 0, "customers": set(), "amount": 0.0}
        truth[svc] = stats
        for off in offs:
            t = t0 + pd.Timedelta(int(off), unit="us")
            during = f0 <= t < f1
            fail = rng.random() < (prob if during and svc == failing else base_fail)
            user, amount = f"u{rng.integers(1000, 1400)}", round(float(rng.uniform(10, 200)), 2)
            if during:
                stats["requests"] += 1
                if fail:
                    stats["failed"] += 1
                    stats["customers"].add(user)
                    stats["amount"] += amount
            msg = (
                f"upstream request timeout: payments-gateway after 3000 ms (user={user})"
                if fail
                else f"POST /api/{svc} completed in {int(rng.integers(30, 200))} ms"
            )
            entry = {
                "insertId": f"{int(rng.integers(0, 2**47)):012x}",
                "logName": "projects/shop-prod/logs/run.googleapis.com%2Frequests",
                "timestamp": t.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "severity": "ERROR" if fail else "INFO",
                "resource": {
                    "type": "cloud_run_revision",
                    "labels": {"service_name": svc, "location": "us-east1"},
                },
                "httpRequest": {
                    "requestMethod": "POST",
                    "status": 503 if fail else 200,
                    "latency": f"{3.0 if fail else rng.uniform(0.03, 0.2):.6f}s",
                },
                "jsonPayload": {"message": msg, "user_id": user, "amount": amount},
            }
            lines.append((t, json.dumps(entry)))
    lines.sort(key=lambda x: x[0])
    with open(path, "w", encoding="utf-8") as fh:
        fh.writelines(text + "\n" for _, text in lines)
    for stats in truth.values():
        stats["customers"] = len(stats["customers"])
        stats["amount"] = round(stats["amount"], 2)
    return truth
