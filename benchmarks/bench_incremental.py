"""No-op rebuild time of the four targets beside a bare doit run, and which tasks each incremental
change re-runs.

    .venv/bin/python benchmarks/bench_incremental.py

Goals: a no-op rebuild of four targets in under 1 s on the 2-core machine (issue: declarative core),
and within 2x of a bare `doit` run that loads a one-task dodo file (issue 14, item 5). The two are
timed alternately, N times each, in the same run (medians; the ratio is what counts on a shared
machine). Both run with Python's bytecode cache on (in a temp dir, as a user's install has it),
even where PYTHONDONTWRITEBYTECODE is set; the bare one runs in an empty directory with its own
state file, so it pays doit's start-up and nothing else.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, doit, executed, median_time

TARGETS = "targets=jetson_nano,jetson_xavier,jetson_orin,x86_dgpu"
RUNS = 15
BARE_DODO = """def task_hello():
    return {"actions": ["true"], "uptodate": [True]}
"""


def timed(cmd: list[str], cwd: Path, env: dict) -> tuple[float, float]:
    """(wall, CPU) seconds of one run of ``cmd``; it must succeed and run no task."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode or any(
        line.startswith(".  ") and line[3:] != "build" for line in proc.stdout.splitlines()
    ):
        raise SystemExit(f"{' '.join(cmd)}: not a no-op:\n{proc.stdout}\n{proc.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def noop_vs_bare(tmp: Path, base: list[str]) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
    bare = tmp / "bare"
    bare.mkdir()
    (bare / "dodo.py").write_text(BARE_DODO)
    ours_cmd = [sys.executable, "-m", "doit", "run", "--db-file", str(tmp / "doit.db"), *base]
    ours_cmd.append(f"build.dir={tmp / 'build'}")
    bare_cmd = [sys.executable, "-m", "doit", "run", "--db-file", str(bare / "doit.db")]
    for _ in range(2):  # warm: bytecode cache, page cache, doit state of the bare task
        timed(ours_cmd, ROOT, env)
        timed(bare_cmd, bare, env)
    ours, plain = [], []
    for _ in range(RUNS):
        ours.append(timed(ours_cmd, ROOT, env))
        plain.append(timed(bare_cmd, bare, env))
    o_wall, b_wall = (statistics.median(w for w, _ in runs) for runs in (ours, plain))
    o_cpu, b_cpu = (statistics.median(c for _, c in runs) for runs in (ours, plain))
    print(f"no-op rebuild, 4 targets: {o_wall:.3f} s wall, {o_cpu:.3f} s CPU (median of {RUNS})")
    print(f"bare doit, one-task dodo: {b_wall:.3f} s wall, {b_cpu:.3f} s CPU (median of {RUNS}, alternating)")
    print(f"no-op / bare: {o_wall / b_wall:.2f}x wall, {o_cpu / b_cpu:.2f}x CPU (goal <= 2x)")


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="tao2ds-bench-"))
    model = tmp / "model"
    shutil.copytree(ROOT / "samples" / "multitask_sample", model, ignore=shutil.ignore_patterns("scripts"))
    base = [
        TARGETS,
        f"cache.dir={tmp / 'cache'}",
        f"model.onnx={model / 'model.onnx'}",
        f"model.classmap={model / 'classmap.json'}",
        f"model.spec={model / 'spec.txt'}",
    ]
    cold, proc = doit(tmp, "build", *base)
    print(f"cold build, 4 targets: {cold:.2f} s ({len(executed(proc))} tasks)")
    noop = median_time(5, lambda: doit(tmp, "build", *base)[0])
    print(f"no-op rebuild, 4 targets: {noop:.3f} s (median of 5; goal < 1 s)")
    noop_vs_bare(tmp, base)

    changes = [
        ("model.classifier_threshold=0.6", [*base, "model.classifier_threshold=0.6"]),
        (
            "pipeline.sinks.0.sync=true",
            [*base, "model.classifier_threshold=0.6", "pipeline.sinks.0.sync=true"],
        ),
    ]
    for label, args in changes:
        _, proc = doit(tmp, "build", *args)
        print(f"change {label}: {', '.join(executed(proc)) or 'nothing'}")
    onnx = model / "model.onnx"
    st = os.stat(onnx)
    os.utime(onnx, (st.st_atime, st.st_mtime + 60))
    _, proc = doit(tmp, "build", *changes[-1][1])
    print(f"touch model.onnx (same bytes): {', '.join(executed(proc)) or 'nothing'}")
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
