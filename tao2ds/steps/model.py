"""Model steps: read the graph and classmap once, derive preprocessing, write each target's labels.

Each step function reads exactly the files its ``Step`` declares and writes its outputs atomically;
the declaration beside it (``analyze(ctx)``, …) is the only place its inputs and params are named.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Optional, Sequence

from tao2ds.artifacts.layout import model_kind, source_onnx
from tao2ds.core import fileio, log, records
from tao2ds.core.errors import ModelError
from tao2ds.core.step import Step

# The model modules are imported by the step functions that use them: every run declares these
# steps, a no-op run runs none of them (start-up time, tests/e2e/test_noop_imports.py).
if TYPE_CHECKING:
    from tao2ds.model.preprocess import Preprocessing

logger = log.get(__name__)


def analyze_model(onnx: str, classmap: str, out: Path) -> None:
    """Graph interface + label lines in graph-output order; fails early on a classmap/model mismatch."""
    from tao2ds.model.labels import build_labels, class_dim, load_classmap
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


# The engine TensorRT builds from a UFF .etlt lists its outputs in the reverse of the marked order
# (output-blob-names). Evidence: NVIDIA's multi_task sample marks base_color/Softmax;category/Softmax;
# season/Softmax but its labels file starts with season (NVIDIA-AI-IOT/deepstream_tao_apps
# deepstream_app_tao_configs/nvinfer/config_infer_primary_multi_task.txt and multi_task_labels.txt,
# release/tao4.0_ds6.3ga @e3d1385); its Triton config lists season, category, base_color; and TAO Deploy's
# multitask inferencer reverses UFF outputs ("# UFF output node is in reverse order", nvidia-tao-deploy
# 7.3.0 cv/multitask_classification/inferencer.py). tao-tools.md §1.2, §3.6, §5. A build that reads the
# engine's order back (sidecar) overrides this rule.
UFF_ORDER_RULE = "uff-reversed"


def uff_output_names(classes: Mapping[str, Sequence[str]], tasks: Optional[Sequence[str]]) -> list[str]:
    """``<task>/Softmax`` in TAO's marked order: classmap.json's ``tasks`` list (TAO Deploy's
    ``[n + "/Softmax" for n in self.output_tasks]``, multitask engine_builder.py), else sorted tasks."""
    return [f"{t}/Softmax" for t in (tasks or sorted(classes))]


def analyze_uff(etlt: Path, classmap: Path, spec: Optional[Path], out: Path) -> None:
    """model.json for a UFF .etlt: no graph to read, so the interface comes from the .etlt header
    (input node), the classmap (outputs) and the training spec (input size)."""
    from tao2ds.model.etlt import read_etlt_header  # deferred: see the imports
    from tao2ds.model.labels import load_classmap
    from tao2ds.model.preprocess import spec_input_size
    from tao2ds.model.tao_spec import load_spec

    header = read_etlt_header(etlt)
    classes = load_classmap(classmap)
    tasks = (fileio.read_json(classmap).get("tasks")) or None
    dims = spec_input_size(load_spec(spec)) if spec else None
    if not dims:
        raise ModelError(
            f"{etlt} holds a UFF model: its input size is not readable here; give the training spec "
            "(model.spec=<file with model_config.input_image_size>)",
            key="model.spec",
        )
    names = uff_output_names(classes, tasks)
    fileio.write_json(
        out,
        {
            "format": "etlt-uff",
            "input": {"name": header.input_name, "shape": ["N", *dims]},
            "infer_dims": list(dims),
            "outputs": [
                {"name": n, "shape": [len(classes[t]), 1, 1], "task": t, "classes": classes[t]}
                for n, t in zip(names, (n[: -len("/Softmax")] for n in names))
            ],
            "engine_order_rule": UFF_ORDER_RULE,
        },
    )


def decrypt_model(
    etlt: Path, out: Path, key_env: str, key_file: Optional[str], codec_python: Optional[str]
) -> None:
    """The ONNX payload of an .etlt, decrypted with NVIDIA's codec and checked to be ONNX.
    The key is read here, at run time, so it enters no record, cache key or log."""
    from tao2ds.model.etlt import decrypt_etlt, resolve_key  # deferred: see the imports

    decrypt_etlt(etlt, resolve_key(key_env, key_file), out, codec_python)


def write_preprocessing(
    model_json: Path, spec: Optional[Path], override: Any, scaling_filter: int, out: Path
) -> None:
    from tao2ds.model.preprocess import resolve_preprocessing, spec_input_size  # deferred: see the imports
    from tao2ds.model.tao_spec import load_spec

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
    from tao2ds.model.preprocess import Preprocessing  # deferred: see the imports

    return Preprocessing.from_dict(fileio.read_json(path))


def output_order(model_info: Mapping[str, Any], engine_sidecar: Optional[Path]) -> tuple[list[str], str]:
    """The order nvinfer will see: the built engine's if we have one, else the ONNX graph's."""
    graph = [o["name"] for o in model_info["outputs"]]
    rule = model_info.get("engine_order_rule")
    fallback = (graph[::-1], UFF_ORDER_RULE) if rule == UFF_ORDER_RULE else (graph, "onnx-graph")
    if engine_sidecar is None or not Path(engine_sidecar).exists():
        return fallback
    engine = list(fileio.read_json(engine_sidecar).get("output_order") or [])
    if not engine:  # builders that cannot read the order back (tao-converter, TAO Deploy)
        return fallback
    if sorted(engine) != sorted(graph):
        raise ModelError(
            f"the engine's outputs {engine} are not the ONNX graph's {graph}; the engine was built from another model"
        )
    if engine == fallback[0]:
        return engine, f"{fallback[1]} (engine agrees)"
    return engine, "engine"


def labels_for(model_info: Mapping[str, Any], order: Sequence[str]):
    from tao2ds.model.labels import build_labels  # deferred: see the imports

    by_name = {o["name"]: o for o in model_info["outputs"]}
    classmap = {o["task"]: o["classes"] for o in model_info["outputs"]}
    return build_labels(classmap, [(n, len(by_name[n]["classes"])) for n in order])


def write_labels(model_json: Path, engine_sidecar: Optional[Path], out: Path) -> None:
    from tao2ds.deepstream.labels import render_labels  # deferred: see the imports

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
    if model_kind(ctx.cfg) == "etlt-uff":
        return Step(
            "analyze",
            f"model{ctx.tag}",
            analyze_uff,
            inputs={
                "etlt": Path(m.etlt),
                "classmap": Path(m.classmap),
                "spec": Path(m.spec) if m.spec else None,
            },
            outputs={"out": c.model_json},
            doc="UFF .etlt interface from its header, the classmap and the spec",
        )
    return Step(
        "analyze",
        f"model{ctx.tag}",
        analyze_model,
        inputs={"onnx": source_onnx(ctx.cfg, ctx.tag), "classmap": Path(m.classmap)},
        outputs={"out": c.model_json},
        doc="graph inputs/outputs and label lines in graph order",
    )


def decrypt(ctx) -> Optional[Step]:
    """An ONNX .etlt's decryption (None for any other model)."""
    m = ctx.cfg.model
    if model_kind(ctx.cfg) != "etlt-onnx":
        return None
    return Step(
        "decrypt",
        f"model{ctx.tag}",
        decrypt_model,
        inputs={"etlt": Path(m.etlt)},
        outputs={"out": ctx.common.decrypted_onnx},
        # the key file's path, not its content: a hash of the key would be a record of it
        params={"key_env": m.key_env, "key_file": m.key_file, "codec_python": m.codec_python},
        config={
            "key_env": "model.key_env",
            "key_file": "model.key_file",
            "codec_python": "model.codec_python",
        },
        doc="the .etlt's ONNX payload, decrypted with NVIDIA's codec",
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
    if tb.layout.uff:
        return Step(
            "stage-model",
            f"{tb.name}:model",
            stage_file,
            inputs={"src": Path(tb.cfg.model.etlt)},
            outputs={"dest": tb.layout.etlt},
            doc="the .etlt next to its configs (nvinfer's tlt-encoded-model)",
        )
    return Step(
        "stage-model",
        f"{tb.name}:model",
        stage_file,
        inputs={"src": source_onnx(tb.cfg, ctx.tag)},
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
