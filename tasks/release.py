"""Release tasks: the per-target lock file, and `doit bundle target=T`."""
from __future__ import annotations

from pathlib import Path

import pipelines
from tao2ds import bundle, lockfile
from tasks.context import current
from tasks.support import step
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
    from tasks.support import run_step

    return run_step(lockfile.check_outputs, lock_path=lock_path, target_dir=target_dir)


def task_bundle():
    """A relocatable, deterministic archive with everything the device needs: doit bundle target=T"""
    ctx = current()
    for tb in ctx.targets:
        L = tb.layout
        out = L.root.parent / f"{tb.name}.tar.gz"
        recipe = engine_recipe(tb)
        pyds = Path(pipelines.__file__).with_name("pyds_app.py")
        yield step(tb.name, bundle.write_bundle, kind="bundle",
                   kwargs={"target_dir": L.root, "out": out, "engine_recipe": recipe, "extra_files": {"pyds_app.py": pyds}},
                   doc=f"{out.name}", file_dep=[*artifact_files(ctx, tb), L.manifest, L.lock, pyds], targets=[out],
                   params={"engine_recipe": recipe}, cacheable=False)


def engine_recipe(tb) -> str | None:
    """A shell script that builds the engine on the device with its trtexec, for the README's
    "ahead of time" route; None where the flags cannot express the build (e.g. TensorRT 11 fp16)."""
    from tao2ds.engine.sshcmd import sh_command
    from tao2ds.engine.trtexec_cmd import trtexec_argv
    from tao2ds.engine.types import EngineRequest
    from tao2ds.errors import Tao2dsError

    L, cfg = tb.layout, tb.cfg
    c, h, w = (int(x) for x in _infer_dims())
    req = EngineRequest(
        onnx=Path(L.deployed_onnx.name), engine_out=Path(L.engine.name), precision=L.precision,
        input_name=_input_name(), input_chw=(c, h, w), batch_size=cfg.model.batch_size,
        workspace_mib=cfg.engine.workspace_mib,
        calib_cache=Path(L.calibration_cache.name) if L.int8_route == "cache" else None,
        dla_core=cfg.engine.dla_core, timing_cache=None)
    try:
        argv = trtexec_argv(req, str(cfg.target.tensorrt), "${TRTEXEC:-/usr/src/tensorrt/bin/trtexec}")
    except (ValueError, Tao2dsError):
        return None
    return ("#!/bin/sh\n# Build the TensorRT engine here, on the device, with its own trtexec.\n"
            'cd "$(dirname "$0")" || exit 1\n' + argv[0] + " " + sh_command(argv[1:]) + "\n")


def _model_info() -> dict:
    from tao2ds import fsutil

    path = current().common.model_json
    return fsutil.read_json(path) if path.is_file() else {"infer_dims": [3, 0, 0], "input": {"name": "input_1"}}


def _infer_dims():
    return _model_info()["infer_dims"]


def _input_name() -> str:
    return _model_info()["input"]["name"]
