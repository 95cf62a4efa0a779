"""Every step of the sample build reads only files its Step declares.

Each step of a real build plan (int8 on jetson_orin; detect_classify on x86_dgpu) is run in
order under a Python audit hook that records every file opened for reading. A read outside the
step's declared inputs (and outside Python's and the system's own files) fails the test: an
undeclared read is a dependency doit cannot see, so an edit to that file would not rebuild.
Reads done in C without Python's ``open`` (ONNX Runtime loading a model) are not seen here.
"""

from __future__ import annotations

import os
import sys

import pytest

from tao2ds.steps import calibration, configs, engine, model, release, triton
from tao2ds.steps.context import build_context
from tests.conftest import ROOT

_READS: list[str] | None = None


def _hook(event: str, args: tuple) -> None:
    if _READS is None or event != "open" or not args or not isinstance(args[0], (str, bytes, os.PathLike)):
        return
    path, mode, flags = (list(args) + [None, None])[:3]
    if isinstance(mode, str):
        reading = "r" in mode and not any(c in mode for c in "wax+")
    else:
        reading = isinstance(flags, int) and not flags & (os.O_WRONLY | os.O_RDWR)
    if reading:
        _READS.append(os.path.abspath(os.fsdecode(path)))


sys.addaudithook(_hook)  # audit hooks cannot be removed; _READS is None outside the measured calls

SYSTEM = tuple(
    os.path.abspath(p)
    for p in {
        sys.prefix,
        sys.base_prefix,
        sys.exec_prefix,
        "/usr",
        "/proc",
        "/sys",
        "/dev",
        "/etc",
        str(ROOT / "tao2ds"),
        str(ROOT / "conf"),
        *([sys.pycache_prefix] if sys.pycache_prefix else []),  # bytecode of modules steps import lazily
    }
)


def plan(ctx) -> list:
    steps = [model.analyze(ctx), model.preprocess(ctx)]
    if ctx.int8:
        steps += [calibration.calibrate(ctx), calibration.qdq(ctx)]
    for tb in ctx.targets:
        side = tb.layout.engine_sidecar if engine.builds_engine(ctx, tb) else None
        det = configs.detector(ctx, tb)
        steps += [
            model.stage_model(ctx, tb),
            configs.media(ctx, tb),
            *([det] if det else []),
            engine.engine(ctx, tb),
            model.labels(ctx, tb, side),
            *([triton.repo(ctx, tb), triton.nvinferserver(ctx, tb)] if triton.enabled(tb) else []),
            *([] if triton.enabled(tb) else [configs.nvinfer(ctx, tb)]),
            configs.appconfig(ctx, tb),
        ]
        if ctx.int8:
            steps += [calibration.calibration_cache(ctx, tb), calibration.stage_qdq(ctx, tb)]
        steps += [
            release.manifest(ctx, tb),
            release.lock(ctx, tb),
            release.bundle(ctx, tb, ROOT / "pipelines" / "pyds_app.py"),
        ]
    return steps


@pytest.mark.parametrize(
    "overrides",
    [
        ["target=jetson_orin", "precision=int8"],
        ["target=x86_dgpu", "pipeline=detect_classify"],
        ["target=jetson_orin", "precision=int8", "model=multitask_tao5", "model.calibration_cache={cache}"],
        ["target=jetson_nano", "pipeline.infer_plugin=nvinferserver"],
    ],
    ids=["int8-orin", "detect-classify", "tao5-imported-cache", "nvinferserver"],
)
def test_every_step_reads_only_what_it_declares(tmp_path, monkeypatch, overrides):
    global _READS
    monkeypatch.chdir(ROOT)  # the sample's paths are relative to the project
    if any("{cache}" in o for o in overrides):  # a cache naming the model's tensors, as TAO's export would
        from tao2ds.calibration.cache_format import CalibrationCache
        from tao2ds.calibration.imported import graph_activations

        names = graph_activations(ROOT / "samples" / "multitask_tao5" / "model.onnx")
        (tmp_path / "tao.cache").write_text(CalibrationCache(8502, scales={n: 0.04 for n in names}).render())
        overrides = [o.format(cache=tmp_path / "tao.cache") for o in overrides]
    ctx = build_context([*overrides, f"build.dir={tmp_path / 'build'}", "cache.dir=null"], cache=None)
    undeclared = {}
    for step in plan(ctx):
        allowed = {
            os.path.abspath(p) for p in [*step.input_files(), *step.output_files()]
        }  # own outputs: hashed
        _READS = []
        try:
            step.run()
        finally:
            reads, _READS = _READS, None
        # a path gone after the step was the step's (or a library's) own temporary file
        extra = sorted(
            {
                r
                for r in reads
                if r not in allowed
                and not r.startswith(SYSTEM)
                and "/site-packages/" not in r
                and os.path.exists(r)
            }
        )
        if extra:
            undeclared[step.label] = extra
        for out in step.output_files():
            assert out.is_file(), f"{step.label} did not write {out}"
    assert undeclared == {}, f"steps read files they do not declare: {undeclared}"
