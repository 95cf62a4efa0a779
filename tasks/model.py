"""Target-independent tasks (in <build.dir>/_common): model analysis and preprocessing."""

from __future__ import annotations

from tao2ds.doit_ext.context import current
from tao2ds.doit_ext.step import task
from tao2ds.steps import model


def task_decrypt():
    """model.etlt with an ONNX payload: decrypt it with NVIDIA's codec (the key is read, never recorded)."""
    for g in current().groups:
        dec = model.decrypt(g)
        if dec is not None:
            yield task(dec, g.cache)


def task_analyze():
    """Read the ONNX graph and classmap; check they belong together."""
    for g in current().groups:
        yield task(model.analyze(g), g.cache)


def task_preprocess():
    """Derive nvinfer preprocessing from the training spec (or the explicit override)."""
    for g in current().groups:
        yield task(model.preprocess(g), g.cache)
