"""Shared helpers for the benchmarks: run doit in a subprocess with its own state and build dir."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def doit(tmp: Path, *args: str, check: bool = True) -> tuple[float, subprocess.CompletedProcess]:
    tmp.mkdir(parents=True, exist_ok=True)
    commands = {"run", "list", "info", "clean", "forget", "explain"}
    head, rest = (args[:1], args[1:]) if args and args[0] in commands else (("run",), args)
    cmd = [
        sys.executable,
        "-m",
        "doit",
        *head,
        "--db-file",
        str(tmp / "doit.db"),
        *rest,
        f"build.dir={tmp / 'build'}",
    ]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if check and proc.returncode:
        raise SystemExit(f"doit {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return elapsed, proc


def executed(proc: subprocess.CompletedProcess) -> list[str]:
    return sorted(
        line[3:].strip()
        for line in proc.stdout.splitlines()
        if line.startswith(".  ") and line[3:].strip() != "build"
    )


def median_time(n: int, fn) -> float:
    return statistics.median(fn() for _ in range(n))
