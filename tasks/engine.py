"""The TensorRT engine task per target, built by engine.builder (auto|tensorrt|trtexec|ssh|deepstream)."""

from __future__ import annotations

from tao2ds.doit_ext.context import current
from tao2ds.doit_ext.step import task
from tao2ds.steps import engine


def task_engine():
    """TensorRT engine per target: rebuilt when and only when its key (model, cache, flags, builder env) changes."""
    ctx = current()
    for g, tb in ctx.each_target():
        step = engine.engine(g, tb)
        extra = [engine.engine_current(step)] if step.kind == "engine" else []
        yield task(step, ctx.cache, extra_uptodate=extra)
