"""Insights over many workspaces: reading, aggregating, and building the page.

Writes N workspaces (default 500, over two years, 40 services, 1-4 factors and 0-4
action items each, prose in every analysis) as facts.json / analysis.json, then times:
1. ``collect`` (read and check every workspace) in this process;
2. every aggregate plus the JSON (``InsightsWorkbook.to_json``);
3. ``postmortem insights`` end to end (papermill on a real kernel + the report exporter),
   as a subprocess, wall time and page size.

Run from the repository root:  PYTHONPATH=$PWD python benchmarks/insights.py [N]
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.insights.reportsgen import action, analysis_for, facts_for  # noqa: E402

SERVICES = [f"service-{i:02d}" for i in range(40)]
WORDS = (
    "pool", "cache", "queue", "retry", "timeout", "deploy", "config", "certificate", "dns",
    "disk", "memory", "cpu", "lock", "index", "quota", "rate-limit", "replica", "failover",
    "schema", "migration", "flag",
)
OWNERS = ("team-db", "team-sre", "team-checkout", "team-web", "team-search", "")
TYPES = ("prevent", "mitigate", "detect", "process")


def write_many(root: Path, n: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    t0 = dt.datetime(2024, 4, 1, tzinfo=dt.UTC)
    for k in range(n):
        start = t0 + dt.timedelta(minutes=rng.randrange(0, 2 * 365 * 24 * 60))
        iid = f"{start:%Y%m%d-%H%M}-{k:04d}"
        services = rng.sample(SERVICES[: 10 + k % 30], rng.randint(1, 3))
        sev = rng.choice(("SEV1", "SEV2", "SEV2", "SEV3", "SEV3", "SEV4"))
        ws = root / iid
        ws.mkdir()
        templates = [f"{rng.choice(WORDS)} error on <*> after <*> ms" for _ in range(3)]
        facts = facts_for(iid, start, rng.uniform(20, 300), sev, services, templates)
        (ws / "facts.json").write_text(json.dumps(facts, indent=2))
        if k % 10 == 0:
            continue  # no analysis yet
        factors = [(rng.choice(("process", "tooling", "technology", "environment")),
                    f"{rng.choice(WORDS)} {rng.choice(WORDS)} exhausted under {rng.choice(WORDS)}")
                   for _ in range(rng.randint(1, 4))]
        actions = []
        for a in range(rng.randint(0, 4)):
            due = start.date() + dt.timedelta(days=rng.randint(7, 90))
            status = rng.choice(("open", "in progress", "done", "done", "wont do"))
            done_at = (due + dt.timedelta(days=rng.randint(-10, 10))).isoformat() \
                if status == "done" else ""
            actions.append(action(f"A{a + 1}", f"Add a {rng.choice(WORDS)} alert at 80%",
                                  rng.choice(OWNERS), due.isoformat(), status,
                                  rng.choice(TYPES), done_at))
        went_wrong = "Human error in the rollout." if k % 7 == 0 else "Dashboards lagged."
        doc = analysis_for(f"Errors on {services[0]}", sev, services,
                           rng.choice(("draft", "in review", "final", "final")), factors,
                           actions, went_wrong)
        (ws / "analysis.json").write_text(json.dumps(doc, indent=2))
    (root / "broken").mkdir()
    (root / "broken" / "facts.json").write_text("{")


def main(n: int = 500) -> None:
    from postmortem_nb.insights.collect import collect
    from postmortem_nb.insights.params import InsightsParams
    from postmortem_nb.insights.workbook import InsightsWorkbook

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "reports"
        root.mkdir()
        t = time.perf_counter()
        write_many(root, n)
        print(f"wrote {n} workspaces in {time.perf_counter() - t:.1f} s")

        t, c = time.perf_counter(), time.process_time()
        coll = collect(root)
        read_s, read_cpu = time.perf_counter() - t, time.process_time() - c
        print(f"collect: {read_s:.2f} s wall, {read_cpu:.2f} s CPU "
              f"({len(coll.incidents)} incidents, "
              f"{len(coll.actions)} action items, {len(coll.factors)} factors, "
              f"{len(coll.findings)} findings, {len(coll.problems)} problems)")

        t, c = time.perf_counter(), time.process_time()
        wb = InsightsWorkbook.load(InsightsParams(reports_dir=str(root)))
        data = wb.to_json()
        for name in ("response_times_figure", "incidents_per_week_figure", "services_figure",
                     "factors_figure", "actions_figure", "coverage_figure", "findings_figure"):
            getattr(wb, name)()
        agg_s, agg_cpu = time.perf_counter() - t, time.process_time() - c
        size = len(json.dumps(data))
        print(f"load + aggregates + JSON + 7 figures: {agg_s:.2f} s wall, {agg_cpu:.2f} s CPU "
              f"(JSON {size / 1e6:.2f} MB)")

        out = Path(tmp) / "insights.html"
        t, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([sys.executable, "-m", "postmortem_nb", "insights", str(root),
                        "--out", str(out)], check=True, capture_output=True)
        page_s = time.perf_counter() - t
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        print(f"postmortem insights (papermill + export): {page_s:.1f} s wall, {cpu:.1f} s CPU "
              f"(CLI process + kernel), page {out.stat().st_size / 1e6:.2f} MB")
        print(f"load average (1 min) on {os.cpu_count()} cores: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500)
