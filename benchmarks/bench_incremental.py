"""No-op rebuild time of the four targets, and which tasks each incremental change re-runs.

    .venv/bin/python benchmarks/bench_incremental.py

Goal (issue: declarative core): a no-op rebuild of four targets in under 1 s on the 2-core machine.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from common import ROOT, doit, executed, median_time

TARGETS = "targets=jetson_nano,jetson_xavier,jetson_orin,x86_dgpu"


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
