"""INT8 calibration tasks (common scales, per-target cache and Q/DQ model)."""
from __future__ import annotations

from tasks.context import TargetBuild


def calibration_targets(ctx, tb: TargetBuild) -> list:
    if not ctx.int8:
        return []
    return [tb.layout.calibration_cache, tb.layout.qdq_onnx]


def calibration_inputs(ctx) -> list:
    if not ctx.int8:
        return []
    raise NotImplementedError("int8: not yet")
