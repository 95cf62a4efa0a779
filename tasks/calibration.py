"""INT8 calibration tasks: common scales and Q/DQ model, per-target cache (precision=int8 only)."""
from __future__ import annotations

from functools import lru_cache

from tao2ds.steps import calibration as calibrate_step
from tao2ds.steps import model as steps
from tao2ds.model.imageset import list_images
from tao2ds.doit_ext.context import TargetBuild, current
from tao2ds.doit_ext.step import step


def images_spec(ctx) -> str:
    return ctx.cfg.calibration.images or ctx.cfg.model.calibration_images or ""


@lru_cache(maxsize=4)
def _listed(spec: str) -> tuple:
    return tuple(list_images(spec))


def calibration_inputs(ctx) -> list:
    if not ctx.int8:
        return []
    if not images_spec(ctx):
        from tao2ds.core.errors import ConfigError

        raise ConfigError("precision=int8 needs calibration images: set calibration.images=<dir or list file>")
    return list(_listed(images_spec(ctx)))


def calibration_targets(ctx, tb: TargetBuild) -> list:
    if not ctx.int8:
        return []
    return [tb.layout.calibration_cache, tb.layout.qdq_onnx]


def task_calibrate():
    """Per-tensor INT8 ranges from real images (entropy by default), computed once for all targets."""
    ctx = current()
    if not ctx.int8:
        return
    c, cal, m = ctx.common, ctx.cfg.calibration, ctx.cfg.model
    params = {"images": images_spec(ctx), "method": str(cal.method), "percentile": cal.percentile,
              "batch_size": cal.batch_size, "batches": cal.batches}
    yield step("scales", calibrate_step.run_calibration, kind="calibrate", kwargs=
               {"onnx": m.onnx, "images": images_spec(ctx), "preprocessing_json": c.preprocessing_json,
                "method": str(cal.method), "percentile": cal.percentile, "batch_size": cal.batch_size,
                "batches": cal.batches, "out": c.calibration_json},
               doc="calibration.json (per-tensor amax)",
               file_dep=[m.onnx, c.preprocessing_json, *calibration_inputs(ctx)], targets=[c.calibration_json],
               params=params)
    yield step("qdq", calibrate_step.write_qdq, kind="qdq", kwargs={"onnx": m.onnx, "calibration_json": c.calibration_json, "out": c.qdq_onnx},
               doc="Q/DQ ONNX (explicit quantization)", file_dep=[m.onnx, c.calibration_json], targets=[c.qdq_onnx])


def task_calibcache():
    """TensorRT calibration cache per target (header carries the target's TensorRT version)."""
    ctx = current()
    if not ctx.int8:
        return
    for tb in ctx.targets:
        L, trt = tb.layout, str(tb.cfg.target.tensorrt)
        yield step(f"{tb.name}:cache", calibrate_step.write_calibration_cache, kind="calibcache", kwargs=
                   {"calibration_json": ctx.common.calibration_json, "trt_version": trt, "out": L.calibration_cache},
                   doc="calibration.cache", file_dep=[ctx.common.calibration_json], targets=[L.calibration_cache],
                   params={"tensorrt": trt})
        yield step(f"{tb.name}:qdq", steps.stage_file, kind="stage-qdq", kwargs={"src": ctx.common.qdq_onnx, "dest": L.qdq_onnx},
                   doc="Q/DQ model next to its configs", file_dep=[ctx.common.qdq_onnx], targets=[L.qdq_onnx])
