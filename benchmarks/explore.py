"""Benchmark: log explorer filter latency on 1,000,000 rows held in memory.

The demo incident's logs (153k rows of a realistic day) are tiled over consecutive days
up to ``--rows`` rows, loaded once, and a LogExplorer is built over them (the one-off
cost: sorting, codes, time bins, template mining). Then each kind of filter change is
timed the way the widget does it: set the filter, compute the matching rows, one page
of the table, counts per service and per minute (and, separately, the error templates).
Every repetition uses a different value, so no cached mask is reused where a real
change would not have one.

Run: python benchmarks/explore.py [--rows 1000000] [--repeat 5]
Prints a Markdown table; results are recorded in benchmarks/README.md ("## Explorer").
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GOAL_MS = 300.0


def tiled_logs(rows: int) -> pd.DataFrame:
    from postmortem_nb import load_logs

    day = load_logs(ROOT / "data" / "demo" / "logs.csv.gz")
    parts, n, k = [], 0, 0
    while n < rows:
        part = day.iloc[: rows - n].copy()
        part["timestamp"] = part["timestamp"] + pd.Timedelta(days=k)
        parts.append(part)
        n += len(part)
        k += 1
    out = pd.concat(parts, ignore_index=True)
    out.attrs = day.attrs
    return out


def change(ex, **filters) -> dict[str, float]:
    """One filter change as the widget does it; wall and CPU milliseconds per step.

    CPU time (all threads of this process) shows what the work costs when the machine is
    shared: on an idle machine the wall time is at most that.
    """
    t0, c0 = time.perf_counter(), time.process_time()
    ex.reset(**filters)
    ex.positions()
    t1 = time.perf_counter()
    ex.page(0, 50)
    ex.by_service()
    ex.by_minute()
    t2, c2 = time.perf_counter(), time.process_time()
    ex.templates(limit=15)
    t3 = time.perf_counter()
    return {
        "filter_ms": (t1 - t0) * 1e3,
        "table_counts_ms": (t2 - t0) * 1e3,
        "table_counts_cpu_ms": (c2 - c0) * 1e3,
        "with_templates_ms": (t3 - t0) * 1e3,
    }


def scenarios(day0: pd.Timestamp, repeat: int) -> list[tuple[str, list[dict]]]:
    hours = [day0 + pd.Timedelta(days=i % 6, hours=14) for i in range(repeat)]
    services = ["payments", "checkout-api", "inventory", "web-frontend", "postgres-proxy"]
    words = ["timeout", "connection", "payment", "reserved", "declined", "pool", "slow"]
    regexes = [r"timeout after \d+ ms", r"ORD-\d{8}", r"client=10\.\d+\.\d+\.\d+",
               r"upstream .* after \d+", r"attempt [2-9]"]
    regexes += [rf"timeout after \d{{{i + 3}}} ms" for i in range(repeat)]
    return [
        ("time range (2 h)", [{"start": h, "end": h + pd.Timedelta("2h")} for h in hours]),
        ("service", [{"service": services[i % 5]} for i in range(repeat)]),
        ("level", [{"level": ["ERROR", "WARN", "DEBUG", "INFO"][i % 4]} for i in range(repeat)]),
        ("substring", [{"text": words[i % len(words)] + " " * (i // len(words))}
                       for i in range(repeat)]),
        ("RE2 regex", [{"regex": r} for r in regexes[:repeat]]),
        ("time range + service + regex", [
            {"start": h, "end": h + pd.Timedelta("2h"), "service": "payments",
             "regex": regexes[i]} for i, h in enumerate(hours)]),
    ]


def main() -> None:
    from postmortem_nb.explore import LogExplorer

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--json", action="store_true", help="one JSON object per measurement")
    args = ap.parse_args()

    t = time.perf_counter()
    logs = tiled_logs(args.rows)
    load_s = time.perf_counter() - t
    t = time.perf_counter()
    ex = LogExplorer(logs, tz="Europe/Berlin")
    build_s = time.perf_counter() - t
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    day0 = logs["timestamp"].min().normalize()
    print(f"rows: {len(logs):,}; load (tiled demo CSV): {load_s:.1f} s; explorer build "
          f"(sort, codes, bins, template mining): {build_s:.1f} s; peak RSS {rss_mb:.0f} MB\n")
    load = os.getloadavg()[0]
    print(f"load average at start: {load:.1f} on {os.cpu_count()} cores\n")
    print("| Filter change | matching rows (median) | filter ms | table + counts ms "
          "| table + counts CPU ms | + templates ms |")
    print("|---|---:|---:|---:|---:|---:|")
    worst = 0.0
    for name, cases in scenarios(day0, args.repeat):
        runs, counts = [], []
        for filters in cases:
            runs.append(change(ex, **filters))
            counts.append(ex.matching)
        med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        worst = max(worst, max(r["table_counts_ms"] for r in runs))
        if args.json:
            print(json.dumps({"scenario": name, **med, "matching": statistics.median(counts)}))
        print(f"| {name} | {int(statistics.median(counts)):,} | {med['filter_ms']:.0f} | "
              f"{med['table_counts_ms']:.0f} | {med['table_counts_cpu_ms']:.0f} | "
              f"{med['with_templates_ms']:.0f} |")
    verdict = "meets" if worst < GOAL_MS else "MISSES"
    print(f"\nslowest single change (table + counts): {worst:.0f} ms: {verdict} the "
          f"{GOAL_MS:.0f} ms goal; load average now {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
