"""Benchmark: `postmortem batch --jobs 2` against the papermill + nbconvert CLIs per incident.

Generates an alert export with N significant incidents (default 50, two a day) and one
log file per day, then, in the same run:
  1. `postmortem batch --jobs 2` over the export (fresh output folder);
  2. for each incident (or a sample of them, --baseline-sample), the `papermill` CLI on
     the same template with the same parameters, then `jupyter nbconvert --to html`.
Prints and writes benchmarks/_work/batch/result.json: wall times, per-draft times and
where a draft's time goes (kernel start + papermill overhead, notebook cells, export).

Run: python benchmarks/batch.py [--incidents 50] [--baseline-sample 50] [--jobs 2]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "batch"))
sys.path.insert(0, str(ROOT))

from alertgen import DAY0, Alert, make_logs, write_alerts  # noqa: E402

WORK = ROOT / "benchmarks" / "_work" / "batch"
BIN = Path(sys.executable).parent


def make_export(n: int, folder: Path) -> tuple[Path, list[Path]]:
    """n significant incidents, two a day (10:00 and 16:00 UTC), plus low-severity noise."""
    folder.mkdir(parents=True, exist_ok=True)
    alerts: list[Alert] = []
    number = 5000
    services = ["checkout-api", "payments", "search", "web-frontend"]
    for i in range(n):
        day, slot = divmod(i, 2)
        start = DAY0 + timedelta(days=day, hours=10 + 6 * slot)
        svc = services[i % 4]
        for k in range(1 + i % 3):
            number += 1
            alerts.append(Alert(number, f"{svc} error rate above {5 * (k + 1)}%", svc,
                                start + timedelta(minutes=4 * k), 30 + 5 * k,
                                "P1" if i % 5 == 0 else "P2", scenario="bench"))
        number += 1
        alerts.append(Alert(number, "CDN cache hit ratio below 80%", "web-frontend",
                            start + timedelta(hours=3), 15, "P4", "low", "noise"))
    alerts_csv = write_alerts(folder / "alerts.csv", alerts)
    days = (n + 1) // 2
    logs = sorted(folder.glob("logs-*.csv.gz"))
    if len(logs) != days:
        for p in logs:
            p.unlink()
        logs = make_logs(folder, alerts, days=days, step_s=10)
    return alerts_csv, logs


def run_batch_cli(alerts: Path, logs: list[Path], out: Path, jobs: int) -> float:
    cmd = [str(BIN / "python"), "-m", "postmortem_nb", "batch", "--alerts", str(alerts),
           "--out", str(out), "--jobs", str(jobs), "--quiet"]
    for p in logs:
        cmd += ["--logs", str(p)]
    t = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=ROOT, env=_env(), stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def run_cli_baseline(index: dict, out: Path, sample: int) -> list[dict]:
    """papermill CLI then nbconvert CLI, one incident after the other."""
    from postmortem_nb.resources import template_notebook

    template = template_notebook()
    times = []
    drafted = [r for r in index["incidents"] if r["significant"]][:sample]
    for row in drafted:
        record = json.loads((index["_out"] / row["workspace"] / "draft.json").read_text())
        params = dict(record["parameters"])
        ws = out / row["id"]
        ws.mkdir(parents=True, exist_ok=True)
        params["workspace"] = str(ws)
        (ws / "params.json").write_text(json.dumps(params))  # YAML is a superset of JSON
        nb = ws / "postmortem.ipynb"
        t0 = time.perf_counter()
        subprocess.run([str(BIN / "papermill"), str(template), str(nb), "-f",
                        str(ws / "params.json"), "--cwd", str(ws), "--no-progress-bar"],
                       check=True, env=_env(), stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        t1 = time.perf_counter()
        subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "html", str(nb)],
                       check=True, env=_env(), stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        t2 = time.perf_counter()
        times.append({"id": row["id"], "papermill": t1 - t0, "nbconvert": t2 - t1})
        print(f"  cli {row['id']}: papermill {t1 - t0:.1f} s, nbconvert {t2 - t1:.1f} s",
              flush=True)
    return times


def draft_breakdown(out: Path, index: dict) -> dict:
    """Where a batch draft's time goes: from batch.log timings and papermill cell times."""
    import nbformat

    rows = []
    for r in index["incidents"]:
        if r["status"] != "draft":
            continue
        ws = out / r["workspace"]
        log_line = [ln for ln in (ws / "batch.log").read_text().splitlines() if "done in" in ln]
        timings = json.loads(log_line[-1].split("(", 1)[1].rstrip(")").replace("'", '"'))
        nb = nbformat.read(ws / "postmortem.ipynb", as_version=4)
        cells = [c.metadata.get("papermill", {}).get("duration") or 0.0 for c in nb.cells]
        load = next((c.metadata.get("papermill", {}).get("duration") or 0.0 for c in nb.cells
                     if "open_workbook" in c.source), 0.0)
        rows.append({**timings, "cells": sum(cells), "open_workbook_cell": load})
    if not rows:
        return {}

    def med(key: str) -> float:
        return round(statistics.median(r[key] for r in rows), 2)

    return {
        "drafts": len(rows),
        "median_execute_s": med("execute"),
        "median_export_s": med("export"),
        "median_cells_s": med("cells"),
        "median_open_workbook_cell_s": med("open_workbook_cell"),
        "median_kernel_and_papermill_overhead_s": round(
            statistics.median(r["execute"] - r["cells"] for r in rows), 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--incidents", type=int, default=50)
    ap.add_argument("--baseline-sample", type=int, default=None,
                    help="run the CLI baseline on this many incidents (default: all)")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    data = WORK / f"data-{args.incidents}"
    alerts, logs = make_export(args.incidents, data)
    print(f"export: {alerts} ({args.incidents} incidents), {len(logs)} daily log files",
          flush=True)
    out = WORK / "reports"
    shutil.rmtree(out, ignore_errors=True)
    t_batch = run_batch_cli(alerts, logs, out, args.jobs)
    index = json.loads((out / "index.json").read_text())
    index["_out"] = out
    drafted = index["counts"]["drafted"]
    print(f"batch --jobs {args.jobs}: {t_batch:.1f} s for {drafted} drafts "
          f"({t_batch / max(drafted, 1):.1f} s per draft, wall)", flush=True)
    rerun = run_batch_cli(alerts, logs, out, args.jobs)
    print(f"re-run (all up to date): {rerun:.1f} s", flush=True)
    sample = args.baseline_sample or drafted
    cli_out = WORK / "cli"
    shutil.rmtree(cli_out, ignore_errors=True)
    cli = run_cli_baseline(index, cli_out, sample)
    per_cli = statistics.mean(c["papermill"] + c["nbconvert"] for c in cli)
    cli_total = per_cli * drafted
    result = {
        "incidents": args.incidents,
        "drafted": drafted,
        "failed": index["counts"]["failed"],
        "jobs": args.jobs,
        "batch_wall_s": round(t_batch, 1),
        "batch_per_draft_wall_s": round(t_batch / max(drafted, 1), 2),
        "rerun_up_to_date_s": round(rerun, 1),
        "cli_incidents_measured": len(cli),
        "cli_per_incident_s": round(per_cli, 2),
        "cli_papermill_median_s": round(statistics.median(c["papermill"] for c in cli), 2),
        "cli_nbconvert_median_s": round(statistics.median(c["nbconvert"] for c in cli), 2),
        "cli_total_s": round(cli_total, 1),
        "cli_total_is_extrapolated": len(cli) < drafted,
        "speedup": round(cli_total / t_batch, 2),
        "batch_draft_breakdown": draft_breakdown(out, index),
        "cpu_count": os.cpu_count(),
        "load_average_at_end": os.getloadavg(),
    }
    (WORK / "result.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
