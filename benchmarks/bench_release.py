"""Cold build of all four targets, a fully cached build (build dir and doit state deleted, artifact
cache and the composed-config cache warm), and a no-op build, in one run.

    .venv/bin/python benchmarks/bench_release.py

Goal (issue: reproducible releases): the fully cached build under 2x the no-op time.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from common import doit, executed, median_time

ARGS = ["targets=all"]


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="tao2ds-bench-"))
    cache = f"cache.dir={tmp / 'cache'}"
    cold, proc = doit(tmp / "cold", "build", *ARGS, cache)
    print(f"cold build, 4 targets:         {cold:6.2f} s ({len(executed(proc))} tasks run)")

    def cached() -> float:
        run_dir = tmp / "cached"  # same place each time, emptied: only the artifact cache is warm
        shutil.rmtree(run_dir, ignore_errors=True)
        elapsed, p = doit(run_dir, "build", *ARGS, cache)
        restored = p.stderr.count("restored from the artifact cache")
        assert restored >= len([t for t in executed(p) if not t.startswith(("engine:", "lock:"))]), p.stderr
        return elapsed

    warm = median_time(3, cached)
    noop = median_time(5, lambda: doit(tmp / "cold", "build", *ARGS, cache)[0])
    print(f"fully cached build, 4 targets: {warm:6.2f} s (median of 3; every step restored, none run)")
    print(f"no-op build, 4 targets:        {noop:6.2f} s (median of 5)")
    print(f"cached / no-op: {warm / noop:.2f}x (goal < 2x); cold / cached: {cold / warm:.1f}x")
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
