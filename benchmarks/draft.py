"""Time `postmortem draft` on the demo incident, split into execution and export, next to
the plain papermill and `jupyter nbconvert --to html` CLIs on the same notebook and data.

    .venv/bin/python benchmarks/draft.py [--repeat 3]

Each case runs as a whole process (what a user waits for) except the in-process split,
which times the two halves of a draft inside one Python process.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def timed(cmd: list[str], cwd: Path | None = None) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, cwd=cwd)
    return time.perf_counter() - t


def split_in_process(out: Path) -> dict[str, float]:
    code = f"""
import time, json
t0 = time.perf_counter()
from postmortem_nb.demo import demo_inputs, DEMO_TZ
from postmortem_nb.draft import build_params, workspace_for, prepare_workspace, run_draft
from postmortem_nb.export import export_workspace
t1 = time.perf_counter()
i = demo_inputs()
p = build_params(i["alerts"], i["logs"], i["changes"], tz=DEMO_TZ)
ws, _ = workspace_for(p, {str(out)!r})
prepare_workspace(ws, force=True)
t2 = time.perf_counter()
run_draft(ws, p)
t3 = time.perf_counter()
export_workspace(ws)
t4 = time.perf_counter()
print(json.dumps({{"imports": t1 - t0, "find_incident": t2 - t1, "execute": t3 - t2,
                  "export": t4 - t3, "notebook": str(ws.notebook), "params": p.to_dict()}}))
"""
    proc = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                          text=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    from postmortem_nb.resources import template_notebook

    work = Path(tempfile.mkdtemp(prefix="pm-bench-draft-"))
    rows: dict[str, list[float]] = {}
    try:
        for r in range(args.repeat):
            out = work / f"run{r}"
            rows.setdefault("postmortem demo (CLI, total)", []).append(
                timed([str(BIN / "postmortem"), "demo", "--out", str(out / "cli")])
            )
            split = split_in_process(out / "split")
            for k in ("imports", "find_incident", "execute", "export"):
                rows.setdefault(f"in-process: {k}", []).append(split[k])
            params = split["params"]
            nb_out = out / "papermill.ipynb"
            pm_cmd = [str(BIN / "papermill"), str(template_notebook()), str(nb_out),
                      "--cwd", str(Path(split["notebook"]).parent)]
            for name, value in params.items():
                pm_cmd += ["-p", name, str(value)] if isinstance(value, str) else \
                    ["-p", name, json.dumps(value)]
            rows.setdefault("papermill CLI (execute only)", []).append(timed(pm_cmd))
            rows.setdefault("jupyter nbconvert --to html CLI", []).append(
                timed([str(BIN / "jupyter"), "nbconvert", "--to", "html", str(nb_out)])
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"machine: {platform.machine()}, {platform.python_version()}, "
          f"{subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} cores")
    print("| case | median s | runs |\n|---|---|---|")
    for name, values in rows.items():
        print(f"| {name} | {statistics.median(values):.2f} | "
              f"{', '.join(f'{v:.2f}' for v in values)} |")


if __name__ == "__main__":
    main()
