"""Steps of the Triton route (``pipeline.infer_plugin=nvinferserver``): the target's Triton model
repository (``triton/<model>/config.pbtxt`` + ``1/model.plan`` or ``1/model.onnx``) and the
nvinferserver config that the deepstream-app GIE group names instead of nvinfer's.

In-process mode (no ``pipeline.triton.url``) the repository travels in the target folder and the
config points at it; gRPC mode the config names the server, and the repository is what to put on
that server. An engine in the repository runs inside *that* Triton server, so it must come from
the server's own TensorRT and GPU architecture: the engine tao2ds builds matches the target's
TensorRT; the build says so when a gRPC server is named.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from tao2ds.core import fileio, log
from tao2ds.core.errors import ModelError
from tao2ds.core.step import CONFIG, Step
from tao2ds.steps import engine
from tao2ds.steps.configs import HEADER
from tao2ds.steps.model import load_preprocessing, output_order

logger = log.get(__name__)


def onnx_element_types(onnx_path: Path) -> dict[str, int]:
    """Graph input/output name → ONNX TensorProto element type."""
    import onnx  # deferred: protobuf-heavy; only this step needs it

    try:
        g = onnx.load(str(onnx_path), load_external_data=False).graph
    except Exception as e:  # onnx raises DecodeError and friends
        raise ModelError(f"{onnx_path} is not a readable ONNX model: {e}", file=onnx_path) from None
    return {v.name: v.type.tensor_type.elem_type for v in [*g.input, *g.output]}


@dataclass(frozen=True)
class TritonRepoParams:
    model_name: str = field(metadata=CONFIG("model.name"))
    batch_size: int = field(metadata=CONFIG("model.batch_size"))
    gpu_id: int = field(metadata=CONFIG("engine.gpu_id"))
    grpc_url: Optional[str] = field(metadata=CONFIG("pipeline.triton.url"))
    target: str = field(metadata=CONFIG("target.name"))
    tensorrt: str = field(metadata=CONFIG("target.tensorrt"))
    compute_capability: str = field(metadata=CONFIG("target.gpu.compute_capability"))


def write_triton_repo(
    model_json: Path,
    onnx: Path,
    engine_file: Optional[Path],
    engine_sidecar: Optional[Path],
    config_out: Path,
    model_out: Path,
    p: TritonRepoParams,
) -> None:
    from tao2ds.deepstream.triton_repo import render_model_config, tensors_from_graph  # deferred: run only

    info = fileio.read_json(model_json)
    order, _ = output_order(info, engine_sidecar)
    by_name = {o["name"]: o for o in info["outputs"]}
    io = {"input": info["input"], "outputs": [by_name[n] for n in order]}
    inp, outs = tensors_from_graph(io, onnx_element_types(onnx))
    text = render_model_config(
        p.model_name,
        model_out.name,
        p.batch_size,
        inp,
        outs,
        None if p.grpc_url else p.gpu_id,  # the server's GPU ids are the server's business
        header=HEADER,
    )
    fileio.write_text(config_out, text)
    fileio.copy_file(engine_file if engine_file is not None else onnx, model_out)
    if engine_file is not None and p.grpc_url:
        logger.warning(
            "%s: triton/%s/1/model.plan was built for %s's TensorRT %s on sm_%s; the Triton server at %s "
            "must run that same TensorRT on that GPU architecture, or rebuild it there (or set "
            "engine.builder=deepstream to ship model.onnx for Triton's ONNX Runtime backend)",
            p.target,
            p.model_name,
            p.target,
            p.tensorrt,
            p.compute_capability.replace(".", ""),
            p.grpc_url,
        )


@dataclass(frozen=True)
class NvinferserverParams:
    batch_size: int = field(metadata=CONFIG("model.batch_size"))
    gpu_id: int = field(metadata=CONFIG("engine.gpu_id"))
    unique_id: int = field(metadata=CONFIG("pipeline.classifier_gie_id"))
    interval: int = field(metadata=CONFIG("pipeline.interval"))
    classifier_threshold: float = field(metadata=CONFIG("model.classifier_threshold"))
    scaling_compute_hw: int = field(metadata=CONFIG("engine.scaling_compute_hw"))
    model_name: str = field(metadata=CONFIG("model.name"))
    grpc_url: Optional[str] = field(metadata=CONFIG("pipeline.triton.url"))
    secondary: bool
    operate_on_gie_id: Optional[int]
    operate_on_class_ids: tuple[int, ...]
    labels_file: str  # relative to the config's folder
    model_repo: Optional[str]  # relative to the config's folder; None in gRPC mode


def write_nvinferserver_config(
    model_json: Path,
    preprocessing_json: Path,
    engine_sidecar: Optional[Path],
    out: Path,
    p: NvinferserverParams,
) -> None:
    # deferred: a no-op run declares this step without running it (start-up time)
    from tao2ds.deepstream.nvinferserver import NvinferserverInputs, render_nvinferserver_config

    info = fileio.read_json(model_json)
    order, _ = output_order(info, engine_sidecar)
    fields = {f.name: getattr(p, f.name) for f in dataclasses.fields(p)}
    text = render_nvinferserver_config(
        NvinferserverInputs(
            preprocessing=load_preprocessing(preprocessing_json),
            input_name=info["input"]["name"],
            output_names=order,
            **fields,
        ),
        header=HEADER,
    )
    fileio.write_text(out, text)


# --- declarations ------------------------------------------------------------------------------


def enabled(tb) -> bool:
    return tb.layout.nvinferserver


def _sidecar(ctx, tb) -> Optional[Path]:
    return tb.layout.engine_sidecar if engine.builds_engine(ctx, tb) else None


def repo(ctx, tb) -> Step:
    cfg, L = tb.cfg, tb.layout
    builds = engine.builds_engine(ctx, tb)
    p = TritonRepoParams(
        model_name=str(cfg.model.name),
        batch_size=cfg.model.batch_size,
        gpu_id=cfg.engine.gpu_id,
        grpc_url=cfg.pipeline.triton.url,
        target=tb.name,
        tensorrt=str(cfg.target.tensorrt),
        compute_capability=str(cfg.target.gpu.compute_capability),
    )
    return Step(
        "triton-repo",
        tb.name,
        write_triton_repo,
        inputs={
            "model_json": ctx.common.model_json,
            "onnx": L.deployed_onnx,
            "engine_file": L.engine if builds else None,
            "engine_sidecar": _sidecar(ctx, tb),
        },
        outputs={"config_out": L.triton_model_config, "model_out": L.triton_model_file(builds)},
        params={"p": p},
        config={"p": "triton"},
        doc="Triton model repository",
    )


def nvinferserver(ctx, tb) -> Step:
    cfg, L = tb.cfg, tb.layout
    secondary = str(cfg.pipeline.topology) == "detect_classify"
    base = L.nvinferserver_config.parent
    url = cfg.pipeline.triton.url
    p = NvinferserverParams(
        batch_size=cfg.model.batch_size,
        gpu_id=cfg.engine.gpu_id,
        unique_id=cfg.pipeline.classifier_gie_id,
        interval=cfg.pipeline.interval,
        classifier_threshold=cfg.model.classifier_threshold,
        scaling_compute_hw=cfg.engine.scaling_compute_hw,
        model_name=str(cfg.model.name),
        grpc_url=url,
        secondary=secondary,
        operate_on_gie_id=cfg.pipeline.detector.gie_unique_id if secondary else None,
        operate_on_class_ids=tuple(cfg.pipeline.detector.class_ids) if secondary else (),
        labels_file=os.path.relpath(L.labels, base),
        model_repo=None if url else os.path.relpath(L.triton_repo, base),
    )
    return Step(
        "nvinferserver",
        f"{tb.name}:nvinferserver",
        write_nvinferserver_config,
        inputs={
            "model_json": ctx.common.model_json,
            "preprocessing_json": ctx.common.preprocessing_json,
            "engine_sidecar": _sidecar(ctx, tb),
        },
        outputs={"out": L.nvinferserver_config},
        params={"p": p},
        config={"p": "nvinferserver"},
        doc="config_triton_multitask.txt",
    )
