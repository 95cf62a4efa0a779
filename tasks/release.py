"""Release tasks: the per-target lock file, and `doit bundle target=T`."""
from __future__ import annotations

from pathlib import Path

import pipelines
from tao2ds.artifacts import bundle
from tao2ds.artifacts import lock as lockfile
from tao2ds.doit_ext.context import current
from tao2ds.doit_ext.step import step
from tasks.target import artifact_files


def task_lock():
    """build.lock: inputs and outputs with hashes, resolved config, tool versions, builder environment."""
    ctx = current()
    for tb in ctx.targets:
        L = tb.layout
        deps = [*artifact_files(ctx, tb), L.manifest]
        if ctx.lock:  # a locked rebuild checks its outputs against the lock instead of writing one
            yield {"name": tb.name, "actions": [(_check, [ctx.lock, L.root])], "file_dep": [str(d) for d in deps],
                   "uptodate": [False], "doc": "check the rebuild against the lock", "verbosity": 2}
            continue
        yield step(tb.name, lockfile.write_lock, kind="lock", kwargs={"target_dir": L.root, "out": L.lock},
                   doc="build.lock", file_dep=deps, targets=[L.lock], params={"tools": lockfile.tool_versions()})


def _check(lock_path, target_dir):
    from tao2ds.doit_ext.step import run_step

    return run_step(lockfile.check_outputs, lock_path=lock_path, target_dir=target_dir)


def task_bundle():
    """A relocatable, deterministic archive with everything the device needs: doit bundle target=T"""
    ctx = current()
    for tb in ctx.targets:
        L, cfg = tb.layout, tb.cfg
        out = L.root.parent / f"{tb.name}.tar.gz"
        recipe = {"onnx": L.deployed_onnx.name, "engine": L.engine.name, "precision": L.precision,
                  "batch_size": cfg.model.batch_size, "workspace_mib": cfg.engine.workspace_mib,
                  "calib_cache": L.calibration_cache.name if L.int8_route == "cache" else None,
                  "dla_core": cfg.engine.dla_core, "trt_version": str(cfg.target.tensorrt)}
        pyds = Path(pipelines.__file__).with_name("pyds_app.py")
        yield step(tb.name, bundle.write_bundle, kind="bundle",
                   kwargs={"target_dir": L.root, "out": out, "model_json": ctx.common.model_json, "recipe": recipe,
                           "extra_files": {"pyds_app.py": pyds}},
                   doc=f"{out.name}", targets=[out], params={"recipe": recipe}, cacheable=False,
                   file_dep=[*artifact_files(ctx, tb), ctx.common.model_json, L.manifest, L.lock, pyds])
