"""Model steps: read the graph and classmap once, derive preprocessing, write each target's labels.

Each step function reads exactly the files its ``Step`` declares and writes its outputs atomically;
the declaration beside it (``analyze(ctx)``, …) is the only place its inputs and params are named.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

from tao2ds.core import fileio, log, records
from tao2ds.core.errors import ModelError
from tao2ds.core.step import Step
from tao2ds.deepstream.labels import render_labels
from tao2ds.model.labels import build_labels, class_dim, load_classmap
from tao2ds.model.preprocess import Preprocessing, resolve_preprocessing, spec_input_size
from tao2ds.model.tao_spec import load_spec

logger = log.get(__name__)


def analyze_model(onnx: str, classmap: str, out: Path) -> None:
    """Graph interface + label lines in graph-output order; fails early on a classmap/model mismatch."""
    from tao2ds.model.onnx_io import read_graph_io  # deferred: only when the step runs (start-up time)

    io = read_graph_io(onnx)
    classes = load_classmap(classmap)
    labels = build_labels(classes, [(o.name, class_dim(o.shape)) for o in io.outputs], source=f"{onnx}")
    fileio.write_json(
        out,
        {
            "input": {"name": io.input.name, "shape": list(io.input.shape)},
            "infer_dims": list(io.infer_dims),
            "outputs": [
                {"name": o.name, "shape": list(o.shape), "task": t, "classes": classes[t]}
                for o, t in zip(io.outputs, labels.tasks)
            ],
        },
    )


def write_preprocessing(
    model_json: Path, spec: Optional[Path], override: Any, scaling_filter: int, out: Path
) -> None:
    info = fileio.read_json(model_json)
    override = records.plain(override)  # the schema's PreprocessingOverride, enums as their names
    parsed = load_spec(spec) if spec else None
    dims = tuple(info["infer_dims"])
    declared = spec_input_size(parsed)
    if declared and tuple(declared) != dims:
        raise ModelError(
            f"training spec {spec} says input_image_size {','.join(map(str, declared))} but the ONNX input is "
            f"{';'.join(map(str, dims))} (C;H;W); the spec does not belong to this model"
        )
    pp = resolve_preprocessing(override, parsed, dims, scaling_filter)
    fileio.write_json(out, pp.to_dict())


def load_preprocessing(path: Path) -> Preprocessing:
    return Preprocessing.from_dict(fileio.read_json(path))


def output_order(model_info: Mapping[str, Any], engine_sidecar: Optional[Path]) -> tuple[list[str], str]:
    """The order nvinfer will see: the built engine's if we have one, else the ONNX graph's."""
    graph = [o["name"] for o in model_info["outputs"]]
    if engine_sidecar is None or not Path(engine_sidecar).exists():
        return graph, "onnx-graph"
    engine = list(fileio.read_json(engine_sidecar).get("output_order") or [])
    if not engine:
        return graph, "onnx-graph"
    if sorted(engine) != sorted(graph):
        raise ModelError(
            f"the engine's outputs {engine} are not the ONNX graph's {graph}; the engine was built from another model"
        )
    return engine, "engine" if engine != graph else "onnx-graph (engine agrees)"


def labels_for(model_info: Mapping[str, Any], order: Sequence[str]):
    by_name = {o["name"]: o for o in model_info["outputs"]}
    classmap = {o["task"]: o["classes"] for o in model_info["outputs"]}
    return build_labels(classmap, [(n, len(by_name[n]["classes"])) for n in order])


def write_labels(model_json: Path, engine_sidecar: Optional[Path], out: Path) -> None:
    info = fileio.read_json(model_json)
    order, source = output_order(info, engine_sidecar)
    if source == "engine":
        logger.info(
            "labels: the engine orders its outputs %s, unlike the ONNX graph; labels follow the engine", order
        )
    fileio.write_text(out, render_labels(labels_for(info, order).classes))


def stage_file(src: Path, dest: Path) -> None:
    """Copy an input beside the configs that name it (a target folder must be self-contained)."""
    if not Path(src).is_file():
        raise ModelError(f"input file not found: {src}", file=src)
    fileio.copy_file(src, dest)


# --- declarations ------------------------------------------------------------------------------


def analyze(ctx) -> Step:
    m, c = ctx.cfg.model, ctx.common
    return Step(
        "analyze",
        f"model{ctx.tag}",
        analyze_model,
        inputs={"onnx": Path(m.onnx), "classmap": Path(m.classmap)},
        outputs={"out": c.model_json},
        doc="graph inputs/outputs and label lines in graph order",
    )


def preprocess(ctx) -> Step:
    m, c = ctx.cfg.model, ctx.common  # validated values (see Composed.obj)
    return Step(
        "preprocess",
        f"model{ctx.tag}",
        write_preprocessing,
        inputs={"model_json": c.model_json, "spec": Path(m.spec) if m.spec else None},
        outputs={"out": c.preprocessing_json},
        params={"override": m.preprocessing, "scaling_filter": m.scaling_filter},
        config={"override": "model.preprocessing", "scaling_filter": "model.scaling_filter"},
        doc="net-scale-factor, offsets, model-color-format, infer-dims",
    )


def stage_model(ctx, tb) -> Step:
    return Step(
        "stage-model",
        f"{tb.name}:model",
        stage_file,
        inputs={"src": Path(tb.cfg.model.onnx)},
        outputs={"dest": tb.layout.onnx},
        doc="the ONNX model next to its configs",
    )


def labels(ctx, tb, engine_sidecar: Optional[Path]) -> Step:
    return Step(
        "labels",
        tb.name,
        write_labels,
        inputs={"model_json": ctx.common.model_json, "engine_sidecar": engine_sidecar},
        outputs={"out": tb.layout.labels},
        doc="labels file",
    )
