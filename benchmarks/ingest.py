"""Ingest benchmark: load_logs against the naive pandas read, each case a whole process.

    python benchmarks/ingest.py               # 5,000,000 rows (0.7-1 GB), all cases
    python benchmarks/ingest.py --rows 200000 # quick check

Generates a 24 h, time-sorted log CSV with ISO ``Z`` timestamps under
benchmarks/_work/ (git-ignored), then runs each case in a fresh interpreter and
reads its wall time and peak RSS (``os.wait4``). Cases:

  baseline      pd.read_csv(path) then pd.to_datetime(df["timestamp"])
  full          postmortem_nb.load_logs(path)            (slices parsed on every core)
  full_stream   the same with POSTMORTEM_CSV_THREADS=0     (one-thread streaming reader)
  full_gz       load_logs on a gzip copy                   (inflate + parse overlapped)
  window        load_logs(path, start=12:00, end=14:00)   (2 h of 24 h; bisection)
  window_gz     the same window on the gzip copy           (every row read, window kept)
  import_pandas python -c "import pandas"
  import_pkg    python -c "import pandas, postmortem_nb"
  import_ingest python -c "import pandas; from postmortem_nb import load_logs"
  cat           cat file > /dev/null                       (the raw read ceiling)
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / "_work"
DAY = "2026-03-10"

CASES = {
    "baseline": (
        "import pandas as pd\n"
        "df = pd.read_csv(PATH)\n"
        "df['timestamp'] = pd.to_datetime(df['timestamp'])\n"
        "ROWS = len(df)\n"
    ),
    "full": ("import postmortem_nb as pm\ndf = pm.load_logs(PATH)\nROWS = len(df)\n"),
    "full_stream": (
        "import os\nos.environ['POSTMORTEM_CSV_THREADS'] = '0'\n"
        "import postmortem_nb as pm\ndf = pm.load_logs(PATH)\nROWS = len(df)\n"
    ),
    "full_gz": ("import postmortem_nb as pm\ndf = pm.load_logs(PATH + '.gz')\nROWS = len(df)\n"),
    "window": (
        "import postmortem_nb as pm\n"
        f"df = pm.load_logs(PATH, start='{DAY}T12:00:00Z', end='{DAY}T14:00:00Z')\n"
        "ROWS = len(df)\n"
    ),
    "window_gz": (
        "import postmortem_nb as pm\n"
        f"df = pm.load_logs(PATH + '.gz', start='{DAY}T12:00:00Z', end='{DAY}T14:00:00Z')\n"
        "ROWS = len(df)\n"
    ),
    "import_pandas": "import pandas\nROWS = 0\n",
    "import_pkg": "import pandas\nimport postmortem_nb\nROWS = 0\n",
    "import_ingest": "import pandas\nfrom postmortem_nb import load_logs\nROWS = 0\n",
}

TEMPLATES = [
    "GET /api/products/{n} 200",
    "POST /api/checkout 200 in {n}ms",
    "Payment authorised for order {n}",
    "Payment failed: timeout acquiring connection from pool (waited {n}ms)",
    "cache miss for key product:{n}",
    "user session {n} refreshed",
    "slow query: SELECT * FROM orders WHERE id={n} took {n}ms",
    "Upstream payments returned 503 for order {n}",
    "inventory reserved sku-{n}",
    "retrying request attempt={n}",
]


def generate(path: Path, rows: int, seed: int = 7) -> None:
    """A sorted 24 h log CSV written with pyarrow (deterministic for a seed)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    rng = np.random.default_rng(seed)
    tmp = path.with_suffix(".tmp")
    chunk = 500_000
    start = np.datetime64(f"{DAY}T00:00:00", "ms")
    step = 86_400_000 / rows
    services = np.array(["checkout-api", "payments", "orders-db", "catalog", "auth"])
    levels = np.array(["INFO"] * 8 + ["WARN", "ERROR"])
    with open(tmp, "wb") as fh:
        for lo in range(0, rows, chunk):
            n = min(chunk, rows - lo)
            idx = np.arange(lo, lo + n)
            ts = start + (idx * step).astype("int64").astype("timedelta64[ms]")
            stamps = np.char.add(np.datetime_as_string(ts, unit="ms"), "Z")
            tpl = rng.integers(0, len(TEMPLATES), n)
            nums = rng.integers(1000, 99999, n).astype(str)
            msgs = [TEMPLATES[t].replace("{n}", v) for t, v in zip(tpl, nums, strict=True)]
            table = pa.table(
                {
                    "timestamp": stamps,
                    "level": levels[rng.integers(0, len(levels), n)],
                    "service": services[rng.integers(0, len(services), n)],
                    "host": np.char.add("web-", rng.integers(1, 24, n).astype(str)),
                    "message": msgs,
                    "request_id": np.char.add("req-", idx.astype(str)),
                    "customer_id": np.char.add("C", rng.integers(10000, 99999, n).astype(str)),
                    "amount": np.round(rng.gamma(2.0, 30.0, n), 2),
                    "http_status": rng.choice([200, 200, 200, 201, 404, 500, 503], n),
                    "latency_ms": rng.integers(3, 2500, n),
                    "trace_id": np.char.mod("%016x", rng.integers(0, 2**62, n)),
                }
            )
            opts = pacsv.WriteOptions(include_header=lo == 0, quoting_style="needed")
            pacsv.write_csv(table, fh, write_options=opts)
    tmp.replace(path)


def run_case(name: str, path: Path) -> dict:
    code = (
        "import time, sys\nT0 = time.perf_counter()\n"
        f"PATH = {str(path)!r}\n" + CASES[name] + "T1 = time.perf_counter() - T0\n"
        "HWM = [ln for ln in open('/proc/self/status') if ln.startswith('VmHWM')][0]\n"
        "print(T1, ROWS, HWM.split()[1])\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, env=env)
    out = proc.stdout.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = status
    if status != 0:
        raise SystemExit(f"case {name} failed (status {status})")
    inner, rows, hwm_kb = out.split()
    return {
        "case": name,
        "wall_s": wall,
        "inner_s": float(inner),
        "rows": int(rows),
        "peak_rss_mb": int(hwm_kb) / 1024,
        "cpu_s": usage.ru_utime + usage.ru_stime,
    }


def cat_speed(path: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run(["cat", str(path)], stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=5_000_000)
    ap.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="rounds; each round runs every case once, in order (median and best are reported)",
    )
    ap.add_argument("--cases", default=",".join(CASES), help="comma-separated case names")
    ap.add_argument("--json", type=Path, help="also write results here")
    ap.add_argument("--generate-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / f"logs_{args.rows}.csv"
    if args.generate_only:
        generate(path, args.rows)
        return
    if not path.exists():
        # in a child process, so this process stays small (peak RSS is per process)
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, __file__, "--rows", str(args.rows), "--generate-only"], check=True
        )
        print(f"generated {path} in {time.perf_counter() - t0:.1f} s")
    gz = Path(str(path) + ".gz")
    cases = args.cases.split(",")
    if {"window_gz", "full_gz"} & set(cases) and not gz.exists():
        with open(path, "rb") as fi, gzip.open(gz, "wb", compresslevel=1) as fo:
            shutil.copyfileobj(fi, fo, 1 << 20)
    size_mb = path.stat().st_size / 1e6
    cat_speed(path)  # warm the page cache
    cat = min(cat_speed(path) for _ in range(3))
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; file {size_mb:.0f} MB, {args.rows:,} rows"
    )
    print(f"cat file > /dev/null: {cat:.2f} s = {size_mb / cat:,.0f} MB/s")
    runs: dict[str, list[dict]] = {name: [] for name in cases}
    for _ in range(args.repeat):  # interleaved, so a slow spell of a shared machine hits all
        for name in cases:
            runs[name].append(run_case(name, path))
    results = []
    for name in cases:
        by_wall = sorted(runs[name], key=lambda r: r["wall_s"])
        median = by_wall[len(by_wall) // 2]
        results.append(
            dict(
                median,
                best_wall_s=by_wall[0]["wall_s"],
                walls=[round(r["wall_s"], 3) for r in runs[name]],
            )
        )
    base = next((r for r in results if r["case"] == "baseline"), None)
    imp = {r["case"]: r["wall_s"] for r in results}
    print(
        f"median of {args.repeat} interleaved round(s); speed-up = baseline / case; "
        "paired = median over rounds of (baseline / case in the same round)"
    )
    print(
        f"{'case':<15}{'wall s':>8}{'best s':>8}{'cpu s':>7}{'peak MB':>9}{'rows':>11}"
        f"{'rows/s':>12}{'MB/s':>8}{'speed-up':>9}{'best/best':>10}{'paired':>8}{'mem %':>7}"
    )
    for r in results:
        rate = r["rows"] / r["wall_s"] if r["rows"] else 0
        whole = r["case"] in ("baseline", "full", "full_stream", "full_gz")
        mbs = size_mb / r["wall_s"] if whole else 0
        up = base["wall_s"] / r["wall_s"] if base else 0
        up_best = base["best_wall_s"] / r["best_wall_s"] if base else 0
        mem = 100 * r["peak_rss_mb"] / base["peak_rss_mb"] if base else 0
        pairs = zip(base["walls"], r["walls"], strict=True) if base else [(0, 1)]
        ratios = sorted(b / c for b, c in pairs)
        paired = ratios[len(ratios) // 2]
        r.update(speedup=up, speedup_best=up_best, speedup_paired=paired, mem_pct=mem)
        print(
            f"{r['case']:<15}{r['wall_s']:>8.2f}{r['best_wall_s']:>8.2f}{r['cpu_s']:>7.1f}"
            f"{r['peak_rss_mb']:>9.0f}{r['rows']:>11,}{rate:>12,.0f}{mbs:>8.0f}"
            f"{up:>8.1f}x{up_best:>9.1f}x{paired:>7.2f}x{mem:>6.0f}%"
        )
    for case in ("import_pkg", "import_ingest"):
        if "import_pandas" in imp and case in imp:
            print(f"{case} adds {imp[case] - imp['import_pandas']:.2f} s over import pandas")
    if args.json:
        args.json.write_text(
            json.dumps(
                {"rows": args.rows, "mb": size_mb, "cat_s": cat, "results": results}, indent=2
            )
        )


if __name__ == "__main__":
    main()
