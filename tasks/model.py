"""Target-independent tasks: model analysis and preprocessing (in <build.dir>/_common)."""
from __future__ import annotations

from tao2ds.steps import model as steps
from tao2ds.doit_ext.context import current
from tao2ds.doit_ext.step import step


def task_analyze():
    """Read the ONNX graph and classmap; check they belong together."""
    ctx = current()
    m, c = ctx.cfg.model, ctx.common
    yield step(
        "model", steps.analyze_model, kind="analyze", kwargs={"onnx": m.onnx, "classmap": m.classmap, "out": c.model_json},
        doc="graph inputs/outputs and label lines in graph order",
        file_dep=[m.onnx, m.classmap], targets=[c.model_json],
    )


def task_preprocess():
    """Derive nvinfer preprocessing from the training spec (or the explicit override)."""
    ctx = current()
    m, c = ctx.cfg.model, ctx.common
    override = ctx.targets[0].composed.to_dict()["model"]["preprocessing"]
    yield step(
        "model", steps.write_preprocessing, kind="preprocess",
        kwargs={"model_json": c.model_json, "spec": m.spec, "override": override, "scaling_filter": m.scaling_filter,
         "out": c.preprocessing_json},
        doc="net-scale-factor, offsets, model-color-format, infer-dims",
        file_dep=[c.model_json, *([m.spec] if m.spec else [])], targets=[c.preprocessing_json],
        params={"override": override, "scaling_filter": m.scaling_filter},
    )
