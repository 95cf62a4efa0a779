"""INT8 calibration tasks (precision=int8 only): scales and Q/DQ model once, a cache per target."""

from __future__ import annotations

from tao2ds.doit_ext.context import current
from tao2ds.doit_ext.step import task
from tao2ds.steps import calibration


def task_calibrate():
    """Per-tensor INT8 ranges from real images (entropy by default), computed once for all targets."""
    ctx = current()
    if ctx.int8:
        yield task(calibration.calibrate(ctx), ctx.cache)
        yield task(calibration.qdq(ctx), ctx.cache)


def task_calibcache():
    """TensorRT calibration cache per target (header carries the target's TensorRT version)."""
    ctx = current()
    if ctx.int8:
        for tb in ctx.targets:
            yield task(calibration.calibration_cache(ctx, tb), ctx.cache)
            yield task(calibration.stage_qdq(ctx, tb), ctx.cache)
