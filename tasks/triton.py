"""Targets with pipeline.infer_plugin=nvinferserver: Triton model repository and nvinferserver config."""

from __future__ import annotations

from tao2ds.doit_ext.context import current
from tao2ds.doit_ext.step import task


def task_triton():
    """triton/<model>/config.pbtxt + 1/model.plan|model.onnx, and config_triton_multitask.txt"""
    ctx = current()
    for g, tb in ctx.each_target():
        if tb.layout.nvinferserver:  # triton.enabled(tb), asked before its module loads (start-up time)
            from tao2ds.steps import triton

            yield task(triton.repo(g, tb), ctx.cache)
            yield task(triton.nvinferserver(g, tb), ctx.cache)
