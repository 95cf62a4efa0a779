"""INT8 calibration tasks (precision=int8 only): scales and Q/DQ model once, a cache per target."""

from __future__ import annotations

from tao2ds.doit_ext.context import current
from tao2ds.doit_ext.step import task
from tao2ds.steps import calibration


def task_calibrate():
    """Per-tensor INT8 ranges from real images (entropy by default), computed once for all targets."""
    for g in current().groups:
        if g.int8:
            yield task(calibration.calibrate(g), g.cache)
            if calibration.has_graph(g):  # a UFF .etlt: TAO's cache only, no Q/DQ model
                yield task(calibration.qdq(g), g.cache)


def task_calibcache():
    """TensorRT calibration cache per target (header carries the target's TensorRT version)."""
    ctx = current()
    for g, tb in ctx.each_target():
        if tb.int8:
            yield task(calibration.calibration_cache(g, tb), ctx.cache)
            if not tb.layout.uff:
                yield task(calibration.stage_qdq(g, tb), ctx.cache)
