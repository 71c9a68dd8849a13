"""Benchmark: log template mining on 1,000,000 realistic lines (and figure size on 5M rows).

Run: python benchmarks/templates.py [--rows 1000000] [--figure-rows 5000000]
Prints one JSON object per measurement; results are recorded in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TEMPLATES = [
    "GET /products/{n} 200 {n}ms",
    "POST /api/checkout/payment {s} {n}ms",
    "order ORD-{n} placed: {k} items, total {f} EUR",
    "session {h} refreshed for customer C{n}",
    "pool stats: active={k} idle={k} waiting={k} max=200",
    "payment authorization failed: upstream timeout after 30000 ms (order=ORD-{n}, psp=adyen)",
    "FATAL: remaining connection slots are reserved for non-replication superuser "
    "connections (client={ip})",
    "canceling statement due to statement timeout (query_id={n}, duration={n} ms)",
    "cache hit for product:{n} (ttl {k}s)",
    "reserved {k} units of SKU-{n} for cart {h}",
    "webhook received from psp adyen: event=AUTHORISATION id={H}",
    "job {u} finished in {n} ms",
    "user {n} logged in from {ip}",
    "retrying stock sync for SKU-{n} after 409 conflict",
    "slow upstream response from recommendations: {n} ms",
    "client disconnected before response from {ip}",
    "failed to send order confirmation email for ORD-{n}: SMTP 451 4.7.1 temporary failure",
    "card declined by issuer for ORD-{n}: reason=insufficient_funds",
    "heartbeat: {k} jobs scheduled, next run in {n} s",
    "applied voucher SPRING{k} to cart {h}",
    "rendered page /products/{n} in {n} ms",
    "connection pool exhausted: 200/200 in use, {k} waiting",
    "kafka consumer group orders-{k} rebalanced: {k} partitions assigned",
    "GC pause {f} ms (young), heap {n} MB",
    "TLS handshake failed with {ip}: certificate expired",
    "started job daily_sales_report run {n} (attempt {k}, worker {k})",
    "DNS lookup for payments.internal took {n} ms",
    "feature flag checkout_v2 evaluated to {b}",
    "price lookup for SKU-{n} served from replica in {k} ms",
    "request {u} exceeded rate limit for api key {H}",
]


def make_messages(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    which = rng.integers(0, len(TEMPLATES), n)
    nums = rng.integers(0, 10**8, (n, 3))
    out = []
    for i in range(n):
        t = TEMPLATES[which[i]]
        a, b, c = nums[i]
        out.append(
            t.replace("{n}", str(a), 1)
            .replace("{n}", str(b))
            .replace("{k}", str(c % 50))
            .replace("{f}", f"{a / 100:.2f}")
            .replace("{s}", "200" if c % 9 else "503")
            .replace("{h}", f"{a:08x}{b % 4096:03x}")
            .replace("{H}", f"{b:010X}")
            .replace("{ip}", f"10.{a % 256}.{b % 256}.{c % 256}:{30000 + c % 30000}")
            .replace("{u}", f"{a:08x}-{b % 65536:04x}-4{c % 4096:03x}-a{a % 4096:03x}-{b:012x}")
            .replace("{b}", "true" if c % 2 else "false")
        )
    ts = pd.Timestamp("2026-03-10T00:00:00Z") + pd.to_timedelta(
        np.sort(rng.integers(0, 86_400_000, n)), unit="ms"
    )
    return pd.DataFrame({"timestamp": ts, "message": pd.array(out, dtype="str")})


def bench_templates(rows: int) -> dict:
    from postmortem_nb.logtemplates import mine_templates

    logs = make_messages(rows)
    t = time.perf_counter()
    tpl = mine_templates(logs)
    secs = time.perf_counter() - t
    return {
        "case": "mine_templates",
        "rows": rows,
        "distinct_messages": int(logs["message"].nunique()),
        "templates": len(tpl.table),
        "seconds": round(secs, 2),
        "rows_per_s": round(rows / secs),
        "cpu_count": os.cpu_count(),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def bench_figures(rows: int) -> dict:
    from postmortem_nb.figures import impact_figure, timeline_figure
    from postmortem_nb.story import analyse_incident

    rng = np.random.default_rng(5)
    t0 = pd.Timestamp("2026-03-10T00:00:00Z")
    ts = t0 + pd.to_timedelta(np.sort(rng.integers(0, 86_400_000, rows)), unit="ms")
    inc = (ts >= t0 + pd.Timedelta("14h")) & (ts < t0 + pd.Timedelta("16h"))
    fail = rng.random(rows) < np.where(inc, 0.5, 0.003)
    services = np.array(["web-frontend", "checkout-api", "payments", "inventory", "search", "auth"])
    msgs = make_messages(200_000)["message"].to_numpy()
    logs = pd.DataFrame(
        {
            "timestamp": ts,
            "level": np.where(fail, "ERROR", "INFO"),
            "service": services[rng.integers(0, len(services), rows)],
            "host": "host-1",
            "message": pd.array(msgs[rng.integers(0, len(msgs), rows)], dtype="str"),
            "http_status": np.where(fail, 503.0, 200.0),
            "latency_ms": rng.gamma(3, 40, rows),
            "customer_id": pd.array([f"C{i}" for i in rng.integers(0, 200_000, rows)], dtype="str"),
            "amount": np.round(rng.lognormal(4, 0.5, rows), 2),
        }
    )
    alerts = pd.DataFrame(
        {
            "alert_id": ["A1"],
            "source": ["bench"],
            "service": ["checkout-api"],
            "severity": ["SEV1"],
            "title": ["Payment error rate above 5%"],
            "started_at": [t0 + pd.Timedelta("14h6min")],
            "acknowledged_at": [t0 + pd.Timedelta("14h10min")],
            "resolved_at": [t0 + pd.Timedelta("16h20min")],
        }
    )
    t = time.perf_counter()
    story = analyse_incident(alerts, logs)
    analyse_s = time.perf_counter() - t
    sizes = {
        "timeline_figure_json_bytes": len(timeline_figure(story).to_json()),
        "impact_figure_json_bytes": len(impact_figure(story).to_json()),
    }
    return {
        "case": "figures",
        "rows": rows,
        "analyse_incident_s": round(analyse_s, 1),
        **sizes,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument(
        "--figure-rows",
        type=int,
        default=0,
        help="also measure figure JSON size on a generated frame of this many rows",
    )
    args = ap.parse_args()
    print(json.dumps(bench_templates(args.rows)), flush=True)
    if args.figure_rows:
        print(json.dumps(bench_figures(args.figure_rows)), flush=True)


if __name__ == "__main__":
    main()
